package api

import (
	"math"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"
)

// Web Mercator's constants for the tile matrix set: the half width of the
// square world in metres, and the size of a pixel at zoom 0 (256 px
// tiles) with OGC's standard 0.28 mm pixel.
const (
	mercatorHalfWorld = 20037508.3427892
	cellSizeZoom0     = 2 * mercatorHalfWorld / 256
	standardPixel     = 0.00028
)

// tilesetSummary is a tile set in a list (OGC API – Tiles tileSet-item).
type tilesetSummary struct {
	Title            string `json:"title"`
	DataType         string `json:"dataType"`
	CRS              string `json:"crs"`
	TileMatrixSetURI string `json:"tileMatrixSetURI"`
	Links            []link `json:"links"`
}

// tilesetLinks returns the links of the tile set.
func tilesetLinks(base string) []link {
	return []link{
		{Href: base + tilesetPath, Rel: "self", Type: mediaJSON},
		{Href: base + tmsPath, Rel: relTilingScheme, Type: mediaJSON},
		{Href: base + tilesetPath + "/{tileMatrix}/{tileRow}/{tileCol}", Rel: relItemTemplate, Type: mediaMVT},
		{Href: base + tileJSONPath, Rel: "describedby", Type: mediaJSON},
	}
}

// tilesets serves GET /collections/incidents/tiles: the one tile set.
func (s *server) tilesets(c *gin.Context) error {
	if err := onlyFormat(c, formatJSON); err != nil {
		return err
	}
	base := s.base(c.Request)
	body := map[string]any{
		"links": []link{{Href: base + tilesPath, Rel: "self", Type: mediaJSON},
			{Href: base + collectionURL, Rel: "collection", Type: mediaJSON}},
		"tilesets": []tilesetSummary{{Title: collectionTitle + ", clustered", DataType: "vector", CRS: crsWebMercator,
			TileMatrixSetURI: tmsURI, Links: tilesetLinks(base)}},
	}
	writeJSON(c, http.StatusOK, body)
	return nil
}

// tileLayerFields are the properties of the features of the incidents
// layer, with their types, for the metadata.
var tileLayerFields = map[string]string{
	"id":             "string: the incident's id, or the cluster's",
	"cluster":        "boolean: true for a cluster of several incidents",
	"count":          "number: incidents in the feature (1 for an incident)",
	"expansion_zoom": "number: clusters only; the zoom at which the cluster splits, -1 when its incidents share one place",
	"bbox":           "string: clusters only; west,south,east,north of its incidents",
	"event_type:*":   "number: clusters only; incidents of each event type, e.g. event_type:Battles",
	"title":          "string: incidents only",
	"event_type":     "string: incidents only",
	"occurred_start": "string: incidents only, YYYY-MM-DD",
	"fatalities":     "number: incidents only; absent when unknown",
	"country":        "string: incidents only, ISO 3166-1 alpha-3",
}

// tileset serves GET /collections/incidents/tiles/WebMercatorQuad: the
// tile set's metadata (OGC API – Tiles, tileSet).
func (s *server) tileset(c *gin.Context) error {
	if err := onlyFormat(c, formatJSON); err != nil {
		return err
	}
	base := s.base(c.Request)
	props := map[string]any{}
	for name, desc := range tileLayerFields {
		props[name] = map[string]any{"description": desc}
	}
	body := map[string]any{
		"title":            collectionTitle + ", clustered",
		"description":      "Published incidents as Mapbox Vector Tiles 2.1, layer incidents: clusters of 64 px cells with their true counts where a tile holds more than " + strconv.Itoa(pointsMax) + " incidents, else every incident. The filter parameters of the items apply.",
		"dataType":         "vector",
		"crs":              crsWebMercator,
		"tileMatrixSetURI": tmsURI,
		"tileMatrixSetLimits": func() []map[string]any {
			out := make([]map[string]any, 0, MaxTileZoom+1)
			for z := 0; z <= MaxTileZoom; z++ {
				out = append(out, map[string]any{"tileMatrix": strconv.Itoa(z), "minTileRow": 0, "maxTileRow": 1<<z - 1, "minTileCol": 0, "maxTileCol": 1<<z - 1})
			}
			return out
		}(),
		"layers": []map[string]any{{"id": tileLayer, "dataType": "vector", "geometryType": "points",
			"minTileMatrix": "0", "maxTileMatrix": strconv.Itoa(MaxTileZoom), "propertiesSchema": map[string]any{"type": "object", "properties": props}}},
		"links": tilesetLinks(base),
	}
	writeJSON(c, http.StatusOK, body)
	return nil
}

// tileJSON serves GET /collections/incidents/tiles/WebMercatorQuad/tilejson:
// a TileJSON 3.0.0 document for map clients. Filter parameters given here
// are carried into the tile URL template.
func (s *server) tileJSON(c *gin.Context) error {
	tq, _, err := s.parseTileQuery(c, "json")
	if err != nil {
		return err
	}
	template := s.base(c.Request) + tilesetPath + "/{z}/{y}/{x}"
	if tq.key != "" {
		template += "?" + tq.key
	}
	fields := map[string]string{}
	for name, desc := range tileLayerFields {
		fields[name] = desc
	}
	body := map[string]any{
		"tilejson":    "3.0.0",
		"name":        collectionTitle,
		"description": collectionDescription,
		"scheme":      "xyz",
		"tiles":       []string{template},
		"minzoom":     0,
		"maxzoom":     MaxTileZoom,
		"bounds":      []float64{-180, -85.051129, 180, 85.051129},
		"vector_layers": []map[string]any{{"id": tileLayer, "fields": fields, "minzoom": 0, "maxzoom": MaxTileZoom,
			"description": "Clusters (cluster=true) and incidents"}},
	}
	writeJSON(c, http.StatusOK, body)
	return nil
}

// tileMatrixSets serves GET /tileMatrixSets: the one tile matrix set.
func (s *server) tileMatrixSets(c *gin.Context) error {
	if err := onlyFormat(c, formatJSON); err != nil {
		return err
	}
	base := s.base(c.Request)
	writeJSON(c, http.StatusOK, map[string]any{"tileMatrixSets": []map[string]any{{
		"id": tmsID, "title": "Google Maps Compatible for the World", "uri": tmsURI,
		"links": []link{{Href: base + tmsPath, Rel: relTilingScheme, Type: mediaJSON}}}}})
	return nil
}

// tileMatrixSet serves GET /tileMatrixSets/WebMercatorQuad: the definition
// of WebMercatorQuad (OGC 17-083r4) for zooms 0..MaxTileZoom.
func (s *server) tileMatrixSet(c *gin.Context) error {
	if err := onlyFormat(c, formatJSON); err != nil {
		return err
	}
	matrices := make([]map[string]any, 0, MaxTileZoom+1)
	for z := 0; z <= MaxTileZoom; z++ {
		cell := cellSizeZoom0 / math.Exp2(float64(z))
		matrices = append(matrices, map[string]any{
			"id": strconv.Itoa(z), "scaleDenominator": cell / standardPixel, "cellSize": cell,
			"cornerOfOrigin": "topLeft", "pointOfOrigin": []float64{-mercatorHalfWorld, mercatorHalfWorld},
			"tileWidth": 256, "tileHeight": 256, "matrixWidth": 1 << z, "matrixHeight": 1 << z,
		})
	}
	writeJSON(c, http.StatusOK, map[string]any{
		"id": tmsID, "title": "Google Maps Compatible for the World", "uri": tmsURI,
		"crs": crsWebMercator, "orderedAxes": []string{"E", "N"}, "wellKnownScaleSet": "http://www.opengis.net/def/wkss/OGC/1.0/GoogleMapsCompatible",
		"tileMatrices": matrices,
	})
	return nil
}
