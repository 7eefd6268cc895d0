package api

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/incidentmap/incidentmap"
)

// Media types of the OGC API documents besides GeoJSON.
const (
	mediaHTML    = "text/html"
	mediaCSV     = "text/csv"
	mediaOpenAPI = "application/vnd.oai.openapi+json;version=3.0"
	mediaSchema  = "application/schema+json"
)

// Link relations of OGC API that IANA does not register.
const (
	relConformance = "conformance"
	relData        = "data"
	relQueryables  = "http://www.opengis.net/def/rel/ogc/1.0/queryables"
	relItems       = "items"
)

// Reference systems of the collection: longitude, latitude on WGS 84, and
// the Gregorian calendar.
const (
	crsCRS84      = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
	trsGregorian  = "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"
	collectionID  = "incidents"
	collectionURL = "/collections/" + collectionID
)

// Service and collection texts of the documents.
const (
	serviceTitle       = "incidentmap"
	serviceDescription = "Geocoded incidents against diplomatic missions and the diplomatic responses to them, " +
		"served through OGC API – Features."
	collectionTitle       = "Incidents"
	collectionDescription = "Attacks on embassies, consulates, diplomatic vehicles and staff, with dates, places, " +
		"targets, sources and diplomatic responses. Published incidents only."
)

// conformanceClass is one conformance class the server may declare, with
// the test that proves it. Only classes with Declared set appear at
// /conformance: switch one on when its tests pass end to end.
type conformanceClass struct {
	URI      string
	Declared bool
	// Proof names the tests that exercise the class through HTTP.
	Proof string
}

// conformanceClasses lists every class the server implements or is
// working towards, in the order /conformance lists them. Part 2 (CRS) is
// not implemented and is not here.
var conformanceClasses = []conformanceClass{
	{"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core", true,
		"api: TestLanding, TestConformance, TestCollections, TestItems*; cmd/incidentmap: TestOGCDocuments, TestOGRInfo"},
	{"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson", true,
		"api: TestItemsGolden, TestItemGolden; cmd/incidentmap: TestOGR2OGR"},
	{"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html", true,
		"api: TestHTMLPages, TestItemsHTML, TestItemHTML; cmd/incidentmap: TestOGCDocuments"},
	{"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30", true,
		"api: TestOpenAPI; cmd/incidentmap: TestOGCDocuments, TestOGRAttributeFilter (GDAL reads /api)"},

	// OGC API – Features – Part 3: Filtering (19-079r2).
	{"http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables", true,
		"api: TestQueryables; cmd/incidentmap: TestOGCDocuments"},
	// Off: the class asks for a query parameter for every queryable of a
	// simple type, and title, summary and status have none yet.
	{"http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters", false,
		"cmd/incidentmap: TestFilterEndToEnd/queryables-query-parameters"},
	{"http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter", true,
		"cmd/incidentmap: TestFilterEndToEnd (filter, filter-lang, filter-crs, errors)"},
	{"http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter", true,
		"cmd/incidentmap: TestFilterEndToEnd/features-filter"},

	// OGC API – Features – Part 4: Create, Replace, Update and Delete
	// (draft 20-002): POST to the items, PUT, PATCH and DELETE on an item,
	// with ETag / If-Match optimistic locking.
	{"http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/create-replace-delete", true,
		"cmd/incidentmap: TestWritesE2E, TestConcurrentWritesE2E (both stores); api: TestAuthentication, TestIfMatch, TestBodyLimits"},
	{"http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/update", true,
		"cmd/incidentmap: TestWritesE2E (PATCH as a JSON merge patch); api: TestMergePatch"},

	// CQL2 (21-065r2), each proven by its cases in TestFilterEndToEnd
	// against SQLite, checked against an oracle over the seeds.
	{"http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2", true,
		"cmd/incidentmap: TestFilterEndToEnd/basic-cql2"},
	{"http://www.opengis.net/spec/cql2/1.0/conf/advanced-comparison-operators", true,
		"cmd/incidentmap: TestFilterEndToEnd/advanced-comparison-operators"},
	{"http://www.opengis.net/spec/cql2/1.0/conf/case-insensitive-comparison", true,
		"cmd/incidentmap: TestFilterEndToEnd/case-insensitive-comparison"},
	{"http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions", true,
		"cmd/incidentmap: TestFilterEndToEnd/basic-spatial-functions"},
	{"http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions-plus", true,
		"cmd/incidentmap: TestFilterEndToEnd/basic-spatial-functions-plus"},
	{"http://www.opengis.net/spec/cql2/1.0/conf/spatial-functions", true,
		"cmd/incidentmap: TestFilterEndToEnd/spatial-functions"},
	{"http://www.opengis.net/spec/cql2/1.0/conf/temporal-functions", true,
		"cmd/incidentmap: TestFilterEndToEnd/temporal-functions"},
	{"http://www.opengis.net/spec/cql2/1.0/conf/cql2-text", true,
		"cmd/incidentmap: TestFilterEndToEnd (every case in text)"},
	{"http://www.opengis.net/spec/cql2/1.0/conf/cql2-json", true,
		"cmd/incidentmap: TestFilterEndToEnd (a case of each class in JSON)"},

	// OGC API – Tiles – Part 1: Core (20-057): vector tiles of the
	// collection in WebMercatorQuad.
	{"http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/core", true,
		"api: TestTileContents, TestTileBadInput; cmd/incidentmap: TestTilesEndToEnd"},
	{"http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tileset", true,
		"api: TestTileMetadata"},
	{"http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tilesets-list", true,
		"api: TestTileMetadata"},
	{"http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/geodata-tilesets", true,
		"api: TestTileMetadata (the collection links its tile sets); cmd/incidentmap: TestTilesEndToEnd"},
	{"http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/mvt", true,
		"api: TestTileContents (decoded with orb's MVT reader)"},
	{"http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/oas30", true,
		"api: TestOpenAPI (every tile route documented)"},
}

// declaredConformance returns the URIs /conformance lists.
func declaredConformance() []string {
	var out []string
	for _, c := range conformanceClasses {
		if c.Declared {
			out = append(out, c.URI)
		}
	}
	return out
}

// declares reports whether the server declares the class whose URI ends in
// suffix, such as "conf/html".
func declares(suffix string) bool {
	for _, c := range conformanceClasses {
		if c.Declared && strings.HasSuffix(c.URI, "/"+suffix) {
			return true
		}
	}
	return false
}

// Formats of the OGC API documents, as the f parameter names them.
const (
	formatJSON = "json"
	formatHTML = "html"
)

// documentQuery checks the query of a document endpoint, which takes only
// f, and returns the format asked for: f when given, otherwise the first
// of JSON and HTML that the Accept header prefers. An unknown f is an
// EINVALID naming "f".
func documentQuery(c *gin.Context) (string, error) {
	addVary(c.Writer.Header(), "Accept")
	q, err := url.ParseQuery(c.Request.URL.RawQuery)
	if err != nil {
		return "", incidentmap.Errorf(incidentmap.EINVALID, "the query string is malformed")
	}
	for name, vals := range q {
		if name != "f" {
			return "", incidentmap.Invalidf(clip(name), "is not a query parameter of this endpoint; it takes f")
		}
		if len(vals) != 1 {
			return "", incidentmap.Invalidf(name, "must be given at most once")
		}
	}
	if f, ok := q["f"]; ok {
		switch f[0] {
		case formatJSON, formatHTML:
			return f[0], nil
		}
		return "", incidentmap.Invalidf("f", "must be json or html, got %q", clip(f[0]))
	}
	if htmlFirst(c.GetHeader("Accept")) {
		return formatHTML, nil
	}
	return formatJSON, nil
}

// htmlFirst reports whether an Accept header prefers HTML to JSON, as a
// browser's does: text/html is listed with a higher quality than any JSON
// type, or before it at equal quality. */* alone is not HTML-first.
func htmlFirst(accept string) bool {
	htmlQ, jsonQ := -1.0, -1.0
	htmlAt, jsonAt := 0, 0
	for i, part := range strings.Split(accept, ",") {
		mt, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		mt = strings.ToLower(strings.TrimSpace(mt))
		q := 1.0
		for _, p := range strings.Split(params, ";") {
			if v, ok := strings.CutPrefix(strings.TrimSpace(p), "q="); ok {
				if _, err := fmt.Sscanf(v, "%g", &q); err != nil {
					q = 0
				}
			}
		}
		switch {
		case mt == "text/html" || mt == "application/xhtml+xml":
			if q > htmlQ {
				htmlQ, htmlAt = q, i
			}
		case mt == "application/json" || strings.HasSuffix(mt, "+json"):
			if q > jsonQ {
				jsonQ, jsonAt = q, i
			}
		}
	}
	if htmlQ <= 0 {
		return false
	}
	return htmlQ > jsonQ || htmlQ == jsonQ && htmlAt < jsonAt
}

// landingBody is the JSON landing page.
type landingBody struct {
	Title       string `json:"title"`
	Description string `json:"description"`
	Links       []link `json:"links"`
}

// landing serves GET /: a browser (Accept: text/html first, no f) gets the
// map; f=html the landing page in HTML; everyone else the landing page in
// JSON, from which OGC API clients find the API description, conformance
// and the collections.
func (s *server) landing(c *gin.Context) error {
	format, err := documentQuery(c)
	if err != nil {
		return err
	}
	if format == formatHTML && c.Query("f") == "" {
		return s.index(c)
	}
	base := s.base(c.Request)
	body := landingBody{
		Title:       serviceTitle,
		Description: serviceDescription,
		Links: []link{
			{Href: base + "/?f=json", Rel: "self", Type: mediaJSON},
			{Href: base + "/?f=html", Rel: "alternate", Type: mediaHTML},
			{Href: base + "/api", Rel: "service-desc", Type: mediaOpenAPI},
			{Href: base + "/api.html", Rel: "service-doc", Type: mediaHTML},
			{Href: base + "/conformance", Rel: relConformance, Type: mediaJSON},
			{Href: base + "/collections", Rel: relData, Type: mediaJSON},
		},
	}
	if format == formatHTML {
		body.Links[0], body.Links[1] = link{Href: base + "/?f=html", Rel: "self", Type: mediaHTML},
			link{Href: base + "/?f=json", Rel: "alternate", Type: mediaJSON}
		return s.renderHTML(c, "landing", serviceTitle, body)
	}
	c.Header("Cache-Control", "no-cache")
	writeJSON(c, http.StatusOK, body)
	return nil
}

// conformanceBody is the document of /conformance.
type conformanceBody struct {
	ConformsTo []string `json:"conformsTo"`
}

// conformance serves GET /conformance: the declared conformance classes.
func (s *server) conformance(c *gin.Context) error {
	format, err := documentQuery(c)
	if err != nil {
		return err
	}
	body := conformanceBody{ConformsTo: declaredConformance()}
	c.Header("Cache-Control", "no-cache")
	if format == formatHTML {
		return s.renderHTML(c, "conformance", "Conformance", body)
	}
	writeJSON(c, http.StatusOK, body)
	return nil
}

// collectionsBody is the document of /collections.
type collectionsBody struct {
	Links       []link           `json:"links"`
	Collections []collectionBody `json:"collections"`
}

// collectionBody describes the incidents collection.
type collectionBody struct {
	ID          string      `json:"id"`
	Title       string      `json:"title"`
	Description string      `json:"description"`
	Links       []link      `json:"links"`
	Extent      *extentBody `json:"extent,omitempty"`
	ItemType    string      `json:"itemType"`
	CRS         []string    `json:"crs"`
}

type extentBody struct {
	Spatial  *spatialExtent  `json:"spatial,omitempty"`
	Temporal *temporalExtent `json:"temporal,omitempty"`
}

type spatialExtent struct {
	BBox [][4]float64 `json:"bbox"`
	CRS  string       `json:"crs"`
}

type temporalExtent struct {
	Interval [][2]*string `json:"interval"`
	TRS      string       `json:"trs"`
}

// collections serves GET /collections.
func (s *server) collections(c *gin.Context) error {
	format, err := documentQuery(c)
	if err != nil {
		return err
	}
	coll, err := s.collectionDoc(c)
	if err != nil {
		return err
	}
	base := s.base(c.Request)
	body := collectionsBody{
		Links:       selfLinks(base+"/collections", format),
		Collections: []collectionBody{coll},
	}
	if s.geo != nil {
		body.Collections = append(body.Collections, s.regionsCollectionDoc(c))
	}
	if format == formatHTML {
		return s.renderHTML(c, "collections", "Collections", body)
	}
	writeJSON(c, http.StatusOK, body)
	return nil
}

// collection serves GET /collections/incidents.
func (s *server) collection(c *gin.Context) error {
	format, err := documentQuery(c)
	if err != nil {
		return err
	}
	body, err := s.collectionDoc(c)
	if err != nil {
		return err
	}
	body.Links = append(selfLinks(s.base(c.Request)+collectionURL, format), body.Links[2:]...)
	if format == formatHTML {
		return s.renderHTML(c, "collection", collectionTitle, body)
	}
	writeJSON(c, http.StatusOK, body)
	return nil
}

// selfLinks returns the self and alternate links of a document at href in
// format.
func selfLinks(href, format string) []link {
	j := link{Href: href + "?f=json", Rel: "self", Type: mediaJSON}
	h := link{Href: href + "?f=html", Rel: "alternate", Type: mediaHTML}
	if format == formatHTML {
		j.Rel, h.Rel = "alternate", "self"
		return []link{h, j}
	}
	return []link{j, h}
}

// collectionDoc describes the incidents collection with its extent. Its
// first two links are the self and alternate links of the collection
// document.
func (s *server) collectionDoc(c *gin.Context) (collectionBody, error) {
	base := s.base(c.Request)
	ext, err := s.dataExtent(c)
	if err != nil {
		return collectionBody{}, err
	}
	items := base + itemsPath
	body := collectionBody{
		ID:          collectionID,
		Title:       collectionTitle,
		Description: collectionDescription,
		Links: []link{
			{Href: base + collectionURL + "?f=json", Rel: "self", Type: mediaJSON},
			{Href: base + collectionURL + "?f=html", Rel: "alternate", Type: mediaHTML},
			{Href: items, Rel: relItems, Type: mediaGeoJSON},
			{Href: items + "?f=html", Rel: relItems, Type: mediaHTML},
		},
		ItemType: "feature",
		CRS:      []string{crsCRS84},
	}
	for _, f := range itemsExtraFormats() {
		body.Links = append(body.Links, link{Href: items + "?f=" + f.name, Rel: relItems, Type: f.media})
	}
	body.Links = append(body.Links, link{Href: base + collectionURL + "/queryables", Rel: relQueryables, Type: mediaSchema},
		link{Href: base + tilesPath, Rel: relTilesVector, Type: mediaJSON})
	if ext.Count > 0 {
		body.Extent = &extentBody{}
		if ext.BBox != nil {
			b := ext.BBox
			body.Extent.Spatial = &spatialExtent{BBox: [][4]float64{{b.West, b.South, b.East, b.North}}, CRS: crsCRS84}
		}
		var iv [2]*string
		if !ext.Start.IsZero() {
			v := incidentmap.Day(ext.Start).Format(time.RFC3339)
			iv[0] = &v
		}
		if !ext.End.IsZero() {
			v := incidentmap.Day(ext.End).Add(24*time.Hour - time.Second).Format(time.RFC3339)
			iv[1] = &v
		}
		body.Extent.Temporal = &temporalExtent{Interval: [][2]*string{iv}, TRS: trsGregorian}
	}
	return body, nil
}

// dataVersionKey is where cached leaves the data version of the request.
const dataVersionKey = "incidentmap.dataVersion"

// dataVersion returns the data version of the request, from the cached
// middleware when it ran.
func (s *server) dataVersion(c *gin.Context) (incidentmap.DataVersion, error) {
	if v, ok := c.Get(dataVersionKey); ok {
		return v.(incidentmap.DataVersion), nil
	}
	v, err := s.store.DataVersion(c.Request.Context())
	if err != nil {
		return v, fmt.Errorf("api: data version: %w", err)
	}
	return v, nil
}

// extentCache holds the extent of the published incidents for one data
// version, so that computing it costs one query per change of the data.
type extentCache struct {
	etag   string
	extent incidentmap.Extent
}

// dataExtent returns the extent of the published incidents.
func (s *server) dataExtent(c *gin.Context) (incidentmap.Extent, error) {
	v, err := s.dataVersion(c)
	if err != nil {
		return incidentmap.Extent{}, err
	}
	etag := v.ETag()
	s.extentMu.Lock()
	cached := s.extent
	s.extentMu.Unlock()
	hit := cached != nil && cached.etag == etag
	s.metrics.cacheResult("extent", hit)
	if hit {
		return cached.extent, nil
	}
	ext, err := s.computeExtent(c.Request.Context())
	if err != nil {
		return ext, err
	}
	s.extentMu.Lock()
	s.extent = &extentCache{etag: etag, extent: ext}
	s.extentMu.Unlock()
	return ext, nil
}

// computeExtent asks the store for the extent of the published incidents.
func (s *server) computeExtent(ctx context.Context) (incidentmap.Extent, error) {
	ext, err := s.store.Extent(ctx, publishedOnly())
	if err != nil {
		return ext, fmt.Errorf("api: extent: %w", err)
	}
	return ext, nil
}

// queryables serves GET /collections/incidents/queryables: the properties
// that filters may name, as a JSON Schema (OGC API – Features – Part 3).
func (s *server) queryables(c *gin.Context) error {
	format, err := documentQuery(c)
	if err != nil {
		return err
	}
	base := s.base(c.Request)
	body := queryablesDoc(base)
	c.Header("Cache-Control", "no-cache")
	if format == formatHTML {
		return s.renderHTML(c, "queryables", "Queryables of "+collectionTitle, body)
	}
	c.Data(http.StatusOK, mediaSchema, mustJSON(body))
	return nil
}

// queryablesBody is the JSON Schema of the queryables.
type queryablesBody struct {
	Schema               string                     `json:"$schema"`
	ID                   string                     `json:"$id"`
	Type                 string                     `json:"type"`
	Title                string                     `json:"title"`
	Description          string                     `json:"description"`
	Properties           orderedProperties          `json:"properties"`
	AdditionalProperties bool                       `json:"additionalProperties"`
	Links                []link                     `json:"links,omitempty"`
	names                map[string]queryableSchema `json:"-"`
}

// queryableSchema is the schema of one queryable property.
type queryableSchema struct {
	Name        string   `json:"-"`
	Title       string   `json:"title,omitempty"`
	Description string   `json:"description,omitempty"`
	Type        string   `json:"type,omitempty"`
	Format      string   `json:"format,omitempty"`
	Enum        []string `json:"enum,omitempty"`
	Items       *struct {
		Type   string `json:"type"`
		Format string `json:"format"`
	} `json:"items,omitempty"`
	MinItems int `json:"minItems,omitempty"`
	MaxItems int `json:"maxItems,omitempty"`
}

// orderedProperties marshals as a JSON object in the order of the
// queryables, which encoding/json's maps would sort.
type orderedProperties []queryableSchema

func (p orderedProperties) MarshalJSON() ([]byte, error) {
	b := []byte{'{'}
	for i, q := range p {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, mustJSON(q.Name)...)
		b = append(b, ':')
		b = append(b, mustJSON(q)...)
	}
	return append(b, '}'), nil
}

// queryablesDoc builds the queryables schema from IncidentQueryables.
// Dates are strings of format date; the location is a point, in the
// "geometry-point" format of Part 3 that GDAL and QGIS read; the interval
// property "occurred" is a pair of dates, usable in temporal functions only.
func queryablesDoc(base string) queryablesBody {
	body := queryablesBody{
		Schema:               "https://json-schema.org/draft/2020-12/schema",
		ID:                   base + collectionURL + "/queryables",
		Type:                 "object",
		Title:                collectionTitle,
		Description:          "Properties of an incident that a CQL2 filter, sortby or a property query parameter may name.",
		AdditionalProperties: false,
	}
	for _, q := range incidentmap.IncidentQueryables {
		p := queryableSchema{Name: q.Name, Title: q.Name, Description: q.Description, Enum: slices.Clone(q.Enum)}
		switch q.Type {
		case incidentmap.QueryString:
			p.Type = "string"
		case incidentmap.QueryNumber:
			p.Type = "number"
		case incidentmap.QueryInteger:
			p.Type = "integer"
		case incidentmap.QueryDate:
			p.Type, p.Format = "string", "date"
		case incidentmap.QueryGeometry:
			p.Format = "geometry-point"
		case incidentmap.QueryInterval:
			p.Type, p.Format = "array", "interval"
			p.MinItems, p.MaxItems = 2, 2
			p.Items = &struct {
				Type   string `json:"type"`
				Format string `json:"format"`
			}{"string", "date"}
			p.Description += " An interval [start, end] of dates, for the temporal functions of CQL2 only."
		}
		body.Properties = append(body.Properties, p)
	}
	return body
}

// itemsFormat is an output format of the items besides GeoJSON and HTML.
type itemsFormat struct {
	name  string
	media string
}

// itemsExtraFormats lists the further item formats that the items handler
// accepts, so that links are offered only for formats that work.
func itemsExtraFormats() []itemsFormat {
	var out []itemsFormat
	for _, f := range []itemsFormat{{"csv", mediaCSV}, {"jsonseq", "application/geo+json-seq"}} {
		if itemsAcceptsFormat(f.name) {
			out = append(out, f)
		}
	}
	return out
}

// itemsAcceptsFormat reports whether the items endpoint takes f=name.
func itemsAcceptsFormat(name string) bool {
	_, err := parseItemsQuery(url.Values{"f": {name}})
	return err == nil
}
