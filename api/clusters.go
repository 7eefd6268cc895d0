package api

import (
	"math"
	"net/http"
	"net/url"
	"strconv"

	"github.com/gin-gonic/gin"
	"github.com/incidentmap/incidentmap"
	"github.com/incidentmap/incidentmap/geo/cluster"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// clusterCollection is the GeoJSON of the clusters and bins endpoints.
type clusterCollection struct {
	Type string `json:"type"`
	// Zoom is the zoom the clusters are made for.
	Zoom int `json:"zoom"`
	// NumberMatched is the number of incidents in the features: every
	// incident of the clusters (or bins) that meet the bbox, counted once.
	NumberMatched  int                `json:"numberMatched"`
	NumberReturned int                `json:"numberReturned"`
	Clustered      bool               `json:"clustered"`
	Features       []*geojson.Feature `json:"features"`
}

// parseView parses the zoom and bbox of a clusters or bins request: zoom
// is required (0..MaxTileZoom), bbox defaults to the world and may cross
// the antimeridian; its size at that zoom is capped at viewMaxPixels.
func parseView(own url.Values) (int, []orb.Bound, error) {
	zs := own.Get("zoom")
	if zs == "" {
		return 0, nil, incidentmap.Invalidf("zoom", "is required: the map zoom, 0..%d", MaxTileZoom)
	}
	z, err := strconv.Atoi(zs)
	if err != nil || len(zs) > 3 || z < 0 || z > MaxTileZoom {
		return 0, nil, incidentmap.Invalidf("zoom", "must be an integer in 0..%d, got %q", MaxTileZoom, clip(zs))
	}
	box := incidentmap.BBox{West: -180, South: -90, East: 180, North: 90}
	if bs := own.Get("bbox"); bs != "" {
		if box, err = parseBBox(bs); err != nil {
			return 0, nil, err
		}
	} else if _, given := own["bbox"]; given {
		return 0, nil, incidentmap.Invalidf("bbox", "must not be empty")
	}
	bounds := box.Bounds()
	var w, h float64
	for _, b := range bounds {
		x0, y0 := mercatorFrac(b.Min.Lon(), b.Max.Lat())
		x1, y1 := mercatorFrac(b.Max.Lon(), b.Min.Lat())
		w += x1 - x0
		h = max(h, y1-y0)
	}
	scale := 256 * math.Exp2(float64(z))
	if w*scale > viewMaxPixels || h*scale > viewMaxPixels {
		return 0, nil, incidentmap.Invalidf("bbox", "is %.0f × %.0f pixels at zoom %d; at most %d × %d: zoom out or narrow the box",
			w*scale, h*scale, z, viewMaxPixels, viewMaxPixels)
	}
	return z, bounds, nil
}

// serveView answers a clusters or bins request: it parses the view and
// the filter, and writes the GeoJSON that build makes of the point set,
// kept in the tile caches under the data version and the query.
func (s *server) serveView(c *gin.Context, kind string, build func(ps *pointSet, z int, bounds []orb.Bound) clusterCollection) error {
	tq, own, err := s.parseTileQuery(c, "json", "zoom", "bbox")
	if err != nil {
		return err
	}
	z, bounds, err := parseView(own)
	if err != nil {
		return err
	}
	ps, err := s.pointSet(c, tq)
	if err != nil {
		return err
	}
	cache := s.tiles.cacheFor(tq)
	key := ps.version + "\x00" + kind + "\x00" + c.Request.URL.RawQuery
	body, ok := cache.Get(key)
	if !ok {
		body = mustJSON(build(ps, z, bounds))
		cache.Add(key, body)
	}
	c.Data(http.StatusOK, mediaGeoJSON, body)
	return nil
}

// mercatorFrac returns a point as fractions of the Web Mercator square
// from its north-west corner.
func mercatorFrac(lon, lat float64) (float64, float64) {
	lat = max(-85.0511287798066, min(85.0511287798066, lat))
	s := math.Sin(lat * math.Pi / 180)
	return (lon + 180) / 360, 0.5 - math.Log((1+s)/(1-s))/(4*math.Pi)
}

// clusters serves GET /collections/incidents/clusters?zoom=Z&bbox=…: what
// the map shows at zoom Z over bbox, as GeoJSON — every incident when the
// cells that meet the box hold at most pointsMax of them, else one feature
// per cell of 64 px (a quarter of a 256 px tile) with incidents: a cluster
// (id, count, bbox, event_types, expansion_zoom) or, alone in its cell, the
// incident. numberMatched is the sum of the counts: nothing is dropped.
// The filter parameters are those of the items.
func (s *server) clusters(c *gin.Context) error {
	return s.serveView(c, "clusters", viewClusters)
}

// viewClusters is the body of a clusters response.
func viewClusters(ps *pointSet, z int, bounds []orb.Bound) clusterCollection {
	body := clusterCollection{Type: "FeatureCollection", Zoom: z, Features: []*geojson.Feature{}}
	var cs []cluster.Cluster
	for _, b := range bounds {
		ps.ix.Within(z+cellBits, b, func(cl cluster.Cluster) bool {
			cs = append(cs, cl)
			body.NumberMatched += cl.Count
			return true
		})
	}
	body.Clustered = body.NumberMatched > pointsMax
	for _, cl := range cs {
		switch {
		case !body.Clustered:
			for i := cl.First; i < cl.First+cl.Count; i++ {
				body.Features = append(body.Features, ps.pointFeature(i))
			}
		case cl.Count == 1:
			body.Features = append(body.Features, ps.pointFeature(cl.First))
		default:
			body.Features = append(body.Features, ps.clusterFeature(cl, true))
		}
	}
	body.NumberReturned = len(body.Features)
	return body
}

// bins serves GET /collections/incidents/bins?zoom=Z&bbox=…: the counts of
// incidents in a square grid, one Polygon per non-empty cell of 64 px at
// zoom Z (cells nest: each is four of zoom Z+1), with its id, count and
// counts per event type. Answered from the clustering, never by a scan of
// the database.
func (s *server) bins(c *gin.Context) error {
	return s.serveView(c, "bins", viewBins)
}

// viewBins is the body of a bins response.
func viewBins(ps *pointSet, z int, bounds []orb.Bound) clusterCollection {
	body := clusterCollection{Type: "FeatureCollection", Zoom: z, Clustered: true, Features: []*geojson.Feature{}}
	for _, b := range bounds {
		ps.ix.Within(z+cellBits, b, func(cl cluster.Cluster) bool {
			sq, _ := cluster.IDBound(cl.ID)
			f := geojson.NewFeature(orb.Polygon{orb.Ring{
				{round6(sq.Min.Lon()), round6(sq.Min.Lat())}, {round6(sq.Max.Lon()), round6(sq.Min.Lat())},
				{round6(sq.Max.Lon()), round6(sq.Max.Lat())}, {round6(sq.Min.Lon()), round6(sq.Max.Lat())},
				{round6(sq.Min.Lon()), round6(sq.Min.Lat())}}})
			id := clusterIDString(cl.ID)
			f.ID = id
			types := map[string]int{}
			for k, n := range cl.Kinds {
				if n > 0 {
					types[eventKinds[k]] = n
				}
			}
			f.Properties = geojson.Properties{"id": id, "count": cl.Count, "event_types": types}
			body.Features = append(body.Features, f)
			body.NumberMatched += cl.Count
			return true
		})
	}
	body.NumberReturned = len(body.Features)
	return body
}

// clusterMembers is the GeoJSON of one cluster's incidents.
type clusterMembers struct {
	Type           string             `json:"type"`
	Cluster        *geojson.Feature   `json:"cluster"`
	NumberMatched  int                `json:"numberMatched"`
	NumberReturned int                `json:"numberReturned"`
	Features       []*geojson.Feature `json:"features"`
	Links          []link             `json:"links"`
}

// cluster serves GET /collections/incidents/clusters/{clusterId}: the
// cluster (under "cluster", with its expansion_zoom) and its incidents as
// GeoJSON features with their main properties, limit (1..10,000, default
// 100) of them from offset, with a next link while more remain. A cluster
// id names a cell of the map, so it expands under the same filter
// parameters it was made with; an id that names no cell with incidents
// under them is a 404.
func (s *server) cluster(c *gin.Context) error {
	id, err := parseClusterID(c.Param("clusterId"))
	if err != nil {
		return err
	}
	tq, own, err := s.parseTileQuery(c, "json", "offset", "limit")
	if err != nil {
		return err
	}
	limit, offset := incidentmap.DefaultLimit, 0
	if v := own.Get("limit"); v != "" || own.Has("limit") {
		if limit, err = strconv.Atoi(v); err != nil || len(v) > 6 || limit < 1 || limit > membersMaxLimit {
			return incidentmap.Invalidf("limit", "must be an integer in 1..%d, got %q", membersMaxLimit, clip(v))
		}
	}
	if v := own.Get("offset"); v != "" || own.Has("offset") {
		if offset, err = strconv.Atoi(v); err != nil || len(v) > 10 || offset < 0 {
			return incidentmap.Invalidf("offset", "must be a non-negative integer, got %q", clip(v))
		}
	}
	ps, err := s.pointSet(c, tq)
	if err != nil {
		return err
	}
	cl, err := ps.ix.Get(id)
	if err != nil {
		return errClusterNotFound
	}
	positions, total, err := ps.ix.Members(id, offset, limit)
	if err != nil {
		return errClusterNotFound
	}
	body := clusterMembers{Type: "FeatureCollection", Cluster: ps.clusterFeature(cl, true), NumberMatched: total,
		Features: make([]*geojson.Feature, 0, len(positions))}
	for _, i := range positions {
		body.Features = append(body.Features, ps.pointFeature(i))
	}
	body.NumberReturned = len(body.Features)
	q, _ := url.ParseQuery(c.Request.URL.RawQuery)
	self := s.base(c.Request) + c.Request.URL.Path
	body.Links = []link{{Href: self + encodeQuery(q), Rel: "self", Type: mediaGeoJSON}}
	if offset+len(positions) < total {
		body.Links = append(body.Links, link{Href: self + encodeQuery(withParam(q, "offset", strconv.Itoa(offset+len(positions)))),
			Rel: "next", Type: mediaGeoJSON})
	}
	c.Data(http.StatusOK, mediaGeoJSON, mustJSON(body))
	return nil
}
