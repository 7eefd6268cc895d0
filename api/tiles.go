package api

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/incidentmap/incidentmap"
	"github.com/incidentmap/incidentmap/geo/cluster"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/maptile"
)

// Paths of the tiles, clusters and bins of the incidents.
const (
	tilesPath        = collectionURL + "/tiles"
	tmsID            = "WebMercatorQuad"
	tilesetPath      = tilesPath + "/" + tmsID
	tileJSONPath     = tilesetPath + "/tilejson"
	tilePath         = tilesetPath + "/:tileMatrix/:tileRow/:tileCol"
	tileAliasPath    = "/tiles/incidents/:z/:x/:y" // :y is "{y}.mvt"
	tmsListPath      = "/tileMatrixSets"
	tmsPath          = tmsListPath + "/" + tmsID
	clustersPath     = collectionURL + "/clusters"
	clusterPath      = clustersPath + "/:clusterId"
	binsPath         = collectionURL + "/bins"
	mediaMVT         = "application/vnd.mapbox-vector-tile"
	tmsURI           = "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad"
	crsWebMercator   = "http://www.opengis.net/def/crs/EPSG/0/3857"
	relTilingScheme  = "http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme"
	relTilesVector   = "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector"
	relItemTemplate  = "item"
	tileLayer        = "incidents"
	tileExtent       = 4096
	tileBufferPixels = 64 // of tileExtent
)

// Zooms and sizes of the clustering.
const (
	// MaxTileZoom is the deepest zoom of the tiles, clusters and bins;
	// beyond it is a 400.
	MaxTileZoom = 22
	// cellBits splits a tile into 2^cellBits × 2^cellBits cluster cells:
	// 64 px of a 256 px tile. A cluster at zoom z is a square at quadtree
	// level z+cellBits.
	cellBits = 2
	// pointsMax is the most incidents a tile or view shows one by one:
	// when it holds no more, it has no clusters.
	pointsMax = 500
	// viewMaxPixels caps the width and height of a bbox at its zoom, in
	// 256 px tile pixels, for clusters and bins.
	viewMaxPixels = 16384
	// membersMaxLimit caps the members of a cluster in one response.
	membersMaxLimit = incidentmap.MaxLimit
)

// tileOnlyParams are the parameters of the items that page or shape them,
// which tiles, clusters and bins do not take.
var tileOnlyParams = []string{"limit", "cursor", "sortby", "properties"}

// tileQuery is a request for tiles, clusters or bins, parsed.
type tileQuery struct {
	filter incidentmap.Filter
	// key names the filter ("" for all published incidents): the
	// canonical encoding of its parameters.
	key string
}

// parseTileQuery splits the query of a tile, cluster or bin request into
// its own parameters (own, each at most once) and the items' filter
// parameters, parsed by parseItemsRequest. f must be format when given.
func (s *server) parseTileQuery(c *gin.Context, format string, own ...string) (tileQuery, url.Values, error) {
	q, err := url.ParseQuery(c.Request.URL.RawQuery)
	if err != nil {
		return tileQuery{}, nil, incidentmap.Errorf(incidentmap.EINVALID, "the query string is malformed")
	}
	names := make([]string, 0, len(q))
	for name := range q {
		names = append(names, name)
	}
	slices.Sort(names)
	mine, rest := url.Values{}, url.Values{}
	for _, name := range names {
		vals := q[name]
		switch {
		case name == "f":
			if len(vals) != 1 || vals[0] != format {
				return tileQuery{}, nil, incidentmap.Invalidf(name, "must be %s here, given once", format)
			}
		case slices.Contains(own, name):
			if len(vals) != 1 {
				return tileQuery{}, nil, incidentmap.Invalidf(name, "must be given at most once")
			}
			mine[name] = vals
		case name == "status":
			return tileQuery{}, nil, incidentmap.Invalidf(name, "only published incidents are public; this endpoint has no status parameter")
		case slices.Contains(tileOnlyParams, name):
			return tileQuery{}, nil, incidentmap.Invalidf(name, "pages or shapes the items and is not a parameter of this endpoint")
		case !isItemsParam(name):
			return tileQuery{}, nil, incidentmap.Invalidf(clip(name), "is not a query parameter of this endpoint; it takes %s and the filter parameters of the items",
				strings.Join(append(slices.Clone(own), "f"), ", "))
		default:
			rest[name] = vals
		}
	}
	tq := tileQuery{key: rest.Encode()}
	iq, err := s.parseItemsRequest(rest, nil)
	if err != nil {
		return tileQuery{}, nil, err
	}
	tq.filter = iq.filter
	tq.filter.SortBy, tq.filter.Limit = nil, 0
	return tq, mine, nil
}

// pointSet returns the clustered incidents a request selects, at the data
// version of the request. A set older than that version (while the new
// one builds) is served with no validators and no-store, so no cache
// keeps it under the new version.
func (s *server) pointSet(c *gin.Context, tq tileQuery) (*pointSet, error) {
	v, err := s.dataVersion(c)
	if err != nil {
		return nil, err
	}
	version := v.ETag()
	if tq.key != "" {
		ps, err := s.tiles.Filtered(c.Request.Context(), tq.filter, tq.key, version)
		if err != nil {
			return nil, fmt.Errorf("api: tile index: %w", err)
		}
		return ps, nil
	}
	ps, stale, err := s.tiles.Published(c.Request.Context(), version)
	if err != nil {
		return nil, err
	}
	if stale {
		h := c.Writer.Header()
		h.Del("ETag")
		h.Del("Last-Modified")
		h.Set("Cache-Control", "no-store")
	}
	return ps, nil
}

// parseTileCoord parses one of z, row and column: a decimal integer, or
// EINVALID naming name.
func parseTileCoord(name, s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || len(s) > 10 {
		return 0, incidentmap.Invalidf(name, "must be an integer, got %q", clip(s))
	}
	return n, nil
}

// errTileNotFound answers a tile outside the matrix.
var errTileNotFound = incidentmap.Errorf(incidentmap.ENOTFOUND, "no such tile: the row and column must be in 0..2^zoom-1")

// checkTile checks a tile's zoom and position: a zoom beyond
// MaxTileZoom is a 400 (the tile set has no such matrix), a negative
// one or a row or column outside the matrix a 404.
func checkTile(z, x, y int) error {
	switch {
	case z > MaxTileZoom:
		return incidentmap.Invalidf("tileMatrix", "the tile set's deepest zoom is %d, got %d", MaxTileZoom, z)
	case z < 0, x < 0, y < 0, x >= 1<<z, y >= 1<<z:
		return errTileNotFound
	}
	return nil
}

// tile serves GET /collections/incidents/tiles/WebMercatorQuad/{tileMatrix}/{tileRow}/{tileCol}
// (OGC API – Tiles: zoom, then row, then column) as a Mapbox Vector Tile.
func (s *server) tile(c *gin.Context) error {
	z, err := parseTileCoord("tileMatrix", c.Param("tileMatrix"))
	if err != nil {
		return err
	}
	y, err := parseTileCoord("tileRow", c.Param("tileRow"))
	if err != nil {
		return err
	}
	x, err := parseTileCoord("tileCol", c.Param("tileCol"))
	if err != nil {
		return err
	}
	return s.serveTile(c, z, x, y)
}

// tileAlias serves GET /tiles/incidents/{z}/{x}/{y}.mvt, the same tiles in
// the order of XYZ tile URLs.
func (s *server) tileAlias(c *gin.Context) error {
	z, x, y, err := parseXYZ(c)
	if err != nil {
		return err
	}
	return s.serveTile(c, z, x, y)
}

// parseXYZ reads the path parameters z, x and y of an XYZ tile URL that
// ends in "{y}.mvt".
func parseXYZ(c *gin.Context) (z, x, y int, err error) {
	if z, err = parseTileCoord("z", c.Param("z")); err != nil {
		return 0, 0, 0, err
	}
	if x, err = parseTileCoord("x", c.Param("x")); err != nil {
		return 0, 0, 0, err
	}
	ys, ok := strings.CutSuffix(c.Param("y"), ".mvt")
	if !ok {
		return 0, 0, 0, incidentmap.Errorf(incidentmap.ENOTFOUND, "tile URLs end in .mvt")
	}
	if y, err = parseTileCoord("y", ys); err != nil {
		return 0, 0, 0, err
	}
	return z, x, y, nil
}

// serveTile writes the tile z/x/y (x the column, y the row) of the
// request's filter.
func (s *server) serveTile(c *gin.Context, z, x, y int) error {
	if err := checkTile(z, x, y); err != nil {
		return err
	}
	tq, _, err := s.parseTileQuery(c, "mvt")
	if err != nil {
		return err
	}
	ps, err := s.pointSet(c, tq)
	if err != nil {
		return err
	}
	key := fmt.Sprintf("%s\x00%s\x00%d/%d/%d", ps.version, tq.key, z, x, y)
	cache := s.tiles.cacheFor(tq)
	body, ok := cache.Get(key)
	if !ok {
		if body, err = encodeTile(ps, z, x, y); err != nil {
			return err
		}
		cache.Add(key, body)
	}
	if c.Request.Context().Err() != nil {
		return c.Request.Context().Err()
	}
	c.Data(http.StatusOK, mediaMVT, body)
	return nil
}

// tileFeatures returns what the tile z/x/y shows of ps, with a buffer of
// bufferFrac of its width around it: every incident when it holds at most
// pointsMax of them, else clusters of 2^cellBits × 2^cellBits cells (a
// cell with one incident shows the incident).
func tileFeatures(ps *pointSet, b orb.Bound, z int, pointsOnly bool, each func(f *geojson.Feature)) {
	level := z + cellBits
	var cs []cluster.Cluster
	total := 0
	ps.ix.Within(level, b, func(cl cluster.Cluster) bool {
		cs = append(cs, cl)
		total += cl.Count
		return true
	})
	if total <= pointsMax || pointsOnly {
		for _, cl := range cs {
			for i := cl.First; i < cl.First+cl.Count; i++ {
				each(ps.pointFeature(i))
			}
		}
		return
	}
	for _, cl := range cs {
		if cl.Count == 1 {
			each(ps.pointFeature(cl.First))
		} else {
			each(ps.clusterFeature(cl, false))
		}
	}
}

// encodeTile encodes the tile z/x/y of ps as a Mapbox Vector Tile with
// one layer, incidents.
func encodeTile(ps *pointSet, z, x, y int) ([]byte, error) {
	t := maptile.New(uint32(x), uint32(y), maptile.Zoom(z))
	fc := geojson.NewFeatureCollection()
	tileFeatures(ps, t.Bound(float64(tileBufferPixels)/tileExtent), z, false, func(f *geojson.Feature) {
		fc.Append(f)
	})
	layer := mvt.NewLayer(tileLayer, fc)
	layer.Version = 2
	layer.Extent = tileExtent
	layer.ProjectToTile(t)
	layer.Clip(orb.Bound{Min: orb.Point{-tileBufferPixels, -tileBufferPixels}, Max: orb.Point{tileExtent + tileBufferPixels, tileExtent + tileBufferPixels}})
	body, err := mvt.Marshal(mvt.Layers{layer})
	if err != nil {
		return nil, fmt.Errorf("api: encode tile %d/%d/%d: %w", z, x, y, err)
	}
	return body, nil
}

// clusterIDString is the text of a cluster id: lowercase hexadecimal.
func clusterIDString(id uint64) string { return strconv.FormatUint(id, 16) }

// errClusterNotFound answers an id that names no cluster.
var errClusterNotFound = incidentmap.Errorf(incidentmap.ENOTFOUND, "cluster not found")

// parseClusterID parses the text of a cluster id.
func parseClusterID(s string) (uint64, error) {
	id, err := strconv.ParseUint(s, 16, 64)
	if err != nil || clusterIDString(id) != s {
		return 0, errClusterNotFound // one spelling per id: no leading zeros or upper case
	}
	if _, _, ok := cluster.ParseID(id); !ok {
		return 0, errClusterNotFound
	}
	return id, nil
}

// pointFeature returns the incident at position i of ps's index as a
// GeoJSON feature with its main properties.
func (ps *pointSet) pointFeature(i int) *geojson.Feature {
	p, n := ps.ix.Point(i)
	f := geojson.NewFeature(orb.Point{round6(p.Lon), round6(p.Lat)})
	id := ps.ids.get(n)
	f.ID = id
	f.Properties = geojson.Properties{
		"id":             id,
		"cluster":        false,
		"count":          1,
		"title":          ps.titles.get(n),
		"event_type":     eventKinds[p.Kind],
		"occurred_start": time.Unix(int64(ps.days[n])*86400, 0).UTC().Format(time.DateOnly),
		"country":        ps.countryNames[ps.countries[n]],
	}
	if ps.fatalities[n] >= 0 {
		f.Properties["fatalities"] = int(ps.fatalities[n])
	}
	return f
}

// clusterFeature returns a cluster as a GeoJSON feature at the mean
// position of its incidents: its id, count, bounding box, expansion zoom
// and counts per event type — as an object under event_types when nested
// (GeoJSON), else as properties "event_type:TYPE" (vector tiles, whose
// values are scalars; the bbox is then "west,south,east,north").
func (ps *pointSet) clusterFeature(cl cluster.Cluster, nested bool) *geojson.Feature {
	f := geojson.NewFeature(orb.Point{round6(cl.Lon), round6(cl.Lat)})
	id := clusterIDString(cl.ID)
	f.ID = id
	bbox := []float64{round6(cl.Bound.Min.Lon()), round6(cl.Bound.Min.Lat()), round6(cl.Bound.Max.Lon()), round6(cl.Bound.Max.Lat())}
	f.Properties = geojson.Properties{
		"id":             id,
		"cluster":        true,
		"count":          cl.Count,
		"expansion_zoom": ps.expansionZoom(cl.ID),
	}
	types := map[string]int{}
	for k, n := range cl.Kinds {
		if n == 0 {
			continue
		}
		if nested {
			types[eventKinds[k]] = n
		} else {
			f.Properties["event_type:"+eventKinds[k]] = n
		}
	}
	if nested {
		f.Properties["event_types"] = types
		f.Properties["bbox"] = bbox
	} else {
		f.Properties["bbox"] = fmt.Sprintf("%g,%g,%g,%g", bbox[0], bbox[1], bbox[2], bbox[3])
	}
	return f
}

// expansionZoom returns the zoom at which the cluster id splits into
// several, or -1 when its incidents share one place and never split.
func (ps *pointSet) expansionZoom(id uint64) int {
	l, err := ps.ix.SplitLevel(id)
	if err != nil || l < 0 {
		return -1
	}
	return max(l-cellBits, 0)
}
