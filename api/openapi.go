package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/incidentmap/incidentmap"
)

// obj is a JSON object of the OpenAPI document.
type obj = map[string]any

// openAPIBase stands for the server's base URL in the stored document; each
// request replaces it with the base of its links.
const openAPIBase = "https://incidentmap.invalid"

// itemsAccepts reports whether the items endpoint takes the query
// parameter name: it reads the items handler's allow-list.
func itemsAccepts(name string) bool { return isItemsParam(name) }

// itemsParamObjects returns the OpenAPI parameters of the items endpoint,
// from the items handler's own list (itemParams), so that the document
// and the handler cannot disagree. Array values are comma-separated.
func itemsParamObjects() []any {
	var out []any
	for _, p := range itemParams() {
		var explode any
		if p.Schema["type"] == "array" {
			explode = false
		}
		out = append(out, param(p.Name, p.Description, p.Schema, explode))
	}
	return out
}

// param returns an OpenAPI query parameter; explode, when not nil, sets
// the style "form" explode flag of an array.
func param(name, description string, schema obj, explode any) obj {
	p := obj{"name": name, "in": "query", "required": false, "description": description, "schema": schema}
	if explode != nil {
		p["style"] = "form"
		p["explode"] = explode
	}
	return p
}

// documentParams are the parameters of the endpoints that take only f.
var documentParams = []any{obj{"$ref": "#/components/parameters/documentFormat"}}

// response returns an OpenAPI response of one media type.
func response(description, mediaType string, schema obj) obj {
	return obj{"description": description, "content": obj{mediaType: obj{"schema": schema}}}
}

// errorResponses are the error responses every operation may give.
func errorResponses(r obj, withClientErrors bool) obj {
	if withClientErrors {
		r["400"] = obj{"$ref": "#/components/responses/badRequest"}
	}
	r["500"] = obj{"$ref": "#/components/responses/serverError"}
	r["503"] = obj{"$ref": "#/components/responses/unavailable"}
	return r
}

func schemaRef(name string) obj { return obj{"$ref": "#/components/schemas/" + name} }

// operation returns a GET operation.
func operation(id, summary, description string, params []any, responses obj) obj {
	get := obj{"operationId": id, "summary": summary, "description": description, "responses": responses}
	if len(params) > 0 {
		get["parameters"] = params
	}
	return obj{"get": get}
}

// withHTML adds the HTML form of a 200 response.
func withHTML(r obj) obj {
	r["content"].(obj)[mediaHTML] = obj{"schema": obj{"type": "string"}}
	return r
}

// buildOpenAPI writes the OpenAPI 3.0.3 document of the server, with
// openAPIBase standing for the base URL.
func buildOpenAPI() ([]byte, error) {
	itemsParams := itemsParamObjects()
	itemsMedia := withHTML(response("A page of published incidents, with numberMatched, numberReturned and a next link when more follow.",
		mediaGeoJSON, schemaRef("featureCollection")))
	for _, f := range itemsExtraFormats() {
		itemsMedia["content"].(obj)[f.media] = obj{"schema": obj{"type": "string"}}
	}
	paths := obj{
		"/": operation("getLandingPage", "Landing page",
			"Links to the API description, the conformance declaration and the collections. "+
				"A browser that asks for HTML without f gets the map instead.",
			documentParams, errorResponses(obj{"200": withHTML(response("The landing page.", mediaJSON, schemaRef("landingPage")))}, true)),
		"/conformance": operation("getConformance", "Conformance declaration",
			"The OGC API conformance classes the server implements.",
			documentParams, errorResponses(obj{"200": withHTML(response("The conformance classes.", mediaJSON, schemaRef("conformance")))}, true)),
		"/api": operation("getAPI", "This API description",
			"The OpenAPI 3.0 document of the server.",
			[]any{param("f", "The output format: only json.", obj{"type": "string", "enum": []string{"json"}}, nil)}, errorResponses(obj{"200": response("The OpenAPI document.", mediaOpenAPI, obj{"type": "object"})}, false)),
		"/api.html": operation("getAPIDocs", "This API description in HTML",
			"The endpoints and their parameters as a web page.",
			[]any{param("f", "The output format: only html.", obj{"type": "string", "enum": []string{"html"}}, nil)}, errorResponses(obj{"200": response("The API documentation.", mediaHTML, obj{"type": "string"})}, false)),
		pageCSSPath: operation("getPageStyle", "Style sheet of the HTML pages",
			"The CSS of the HTML forms of the documents.",
			nil, obj{"200": response("The style sheet.", "text/css", obj{"type": "string"})}),
		"/collections": operation("getCollections", "The feature collections",
			"The one collection, incidents, with its spatial and temporal extent.",
			documentParams, errorResponses(obj{
				"200": withHTML(response("The collections.", mediaJSON, schemaRef("collections"))),
				"304": obj{"$ref": "#/components/responses/notModified"}}, true)),
		collectionURL: operation("describeIncidents", "The incidents collection",
			"Metadata of the collection: links to its items and queryables, extent, item type and CRS.",
			documentParams, errorResponses(obj{
				"200": withHTML(response("The collection.", mediaJSON, schemaRef("collection"))),
				"304": obj{"$ref": "#/components/responses/notModified"}}, true)),
		collectionURL + "/queryables": operation("getIncidentQueryables", "Queryable properties of incidents",
			"A JSON Schema of the properties that filters may name.",
			documentParams, errorResponses(obj{"200": withHTML(response("The queryables.", mediaSchema, obj{"type": "object"}))}, true)),
		itemsPath: operation("getIncidents", "Published incidents",
			"Published incidents, filtered and paged by cursor, streamed. Filters are ANDed; "+
				"the values of one list parameter are ORed. Unknown parameters are errors.",
			itemsParams, errorResponses(obj{
				"200": itemsMedia,
				"304": obj{"$ref": "#/components/responses/notModified"}}, true)),
		aggregatePath: operation("aggregateIncidents", "Counts of published incidents by day, month, year, place or type",
			"How many published incidents the filter selects, in groups of the groupby key, sorted by key (byte order); "+
				"only groups with incidents are listed, and numberMatched is the sum of their counts. The filter parameters are "+
				"those of the items and select the same incidents; limit, cursor, sortby and properties are errors here.",
			aggregateParamObjects(), errorResponses(obj{
				"200": response("The counts.", mediaJSON, obj{"type": "object", "required": []string{"groupby", "numberMatched", "buckets"},
					"properties": obj{
						"groupby":       obj{"type": "string", "enum": incidentmap.GroupKeys},
						"numberMatched": obj{"type": "integer", "minimum": 0},
						"buckets": obj{"type": "array", "items": obj{"type": "object", "required": []string{"key", "count"},
							"properties": obj{
								"key":   obj{"type": "string", "description": "YYYY-MM-DD for day, YYYY-MM for month, YYYY for year, else the property's value; \"\" when an incident has none"},
								"count": obj{"type": "integer", "minimum": 1}}}}}}),
				"304": obj{"$ref": "#/components/responses/notModified"}}, true)),
		itemsPath + "/{id}": operation("getIncident", "One published incident",
			"A published incident by id, with self and collection links.",
			[]any{obj{"name": "id", "in": "path", "required": true, "description": "The incident id.", "schema": obj{"type": "string"}},
				obj{"$ref": "#/components/parameters/itemFormat"}, obj{"$ref": "#/components/parameters/asOf"}},
			errorResponses(obj{
				"200": withHTML(response("The incident.", mediaGeoJSON, schemaRef("feature"))),
				"304": obj{"$ref": "#/components/responses/notModified"},
				"404": obj{"$ref": "#/components/responses/notFound"}}, true)),
		metricsPath: operation("getMetrics", "Prometheus metrics",
			"Request latency by route and status, requests in flight, heavy requests running and waiting, refusals by limit, "+
				"cache hits, connection pool statistics, and the Go runtime's, in the Prometheus text format.",
			nil, obj{"200": response("The metrics.", "text/plain", obj{"type": "string"})}),
		"/healthz": operation("getHealth", "Liveness probe", "200 while the process is up; never touches the database.",
			nil, obj{"200": response("The process is up.", mediaJSON, schemaRef("status"))}),
		"/readyz": operation("getReadiness", "Readiness probe", "200 when the database answers within 2 seconds, otherwise 503.",
			nil, obj{"200": response("The database answers.", mediaJSON, schemaRef("status")),
				"503": obj{"$ref": "#/components/responses/unavailable"}}),
		"/config.json": operation("getFrontEndConfig", "Configuration of the map front end",
			"The configured basemap tile layer, or null when none is configured; and the built-in basemap (null when the "+
				"server has no embedded geography), which the map draws when basemap is null or its tiles fail.",
			nil, obj{"200": response("The front-end configuration.", mediaJSON, obj{"type": "object",
				"properties": obj{
					"basemap": obj{"type": "object", "nullable": true, "properties": obj{
						"url": obj{"type": "string"}, "attribution": obj{"type": "string"}}},
					"builtin_basemap": obj{"type": "object", "nullable": true, "properties": obj{
						"url": obj{"type": "string"}, "attribution": obj{"type": "string"}}}}})}),
		geocodePath: operation("geocode", "Forward geocoding",
			"Candidate places for a name from the embedded gazetteer (GeoNames towns; countries, first-level divisions, US counties, "+
				"regions and continents), best first, with kind, code and bbox of areas, the score that ranked them, the name that matched "+
				"(name, ascii, alternate, demonym, site, fuzzy), a precision (site, city, district, province, country) and, below country "+
				"level, the ISO 3166-2 province of the point.",
			[]any{param("q", "The place name, optionally with comma-separated hints: \"Green Zone, Baghdad\".", obj{"type": "string", "maxLength": 200}, nil),
				param("country", "Prefer places in this ISO 3166-1 alpha-3 country.", obj{"type": "string", "pattern": "^[A-Z]{3}$"}, nil),
				param("near", "Prefer places near this lon,lat.", obj{"type": "string"}, nil),
				param("limit", "Most candidates.", obj{"type": "integer", "minimum": 1, "maximum": 100, "default": 5}, nil)},
			errorResponses(obj{"200": response("Candidates as a FeatureCollection of Points.", mediaGeoJSON, schemaRef("featureCollection"))}, true)),
		regionsURL: operation("describeRegions", "The regions collection",
			"Metadata of the boundaries of countries and provinces.",
			[]any{param("f", "The output format: only json.", obj{"type": "string", "enum": []string{"json"}}, nil)},
			errorResponses(obj{"200": response("The collection.", mediaJSON, schemaRef("collection"))}, true)),
		regionItemsPath: operation("getRegions", "Countries and provinces",
			"Boundaries as MultiPolygons with code, name, level and country, paged by an offset cursor.",
			[]any{param("level", "0 for countries, 1 for provinces; both when absent.", obj{"type": "integer", "enum": []int{0, 1}}, nil),
				param("country", "Only this ISO 3166-1 alpha-3 country and its provinces.", obj{"type": "string", "pattern": "^[A-Z]{3}$"}, nil),
				param("limit", "Page size.", obj{"type": "integer", "minimum": 1, "maximum": incidentmap.MaxLimit, "default": 100}, nil),
				param("cursor", "Opaque position from a next link.", obj{"type": "string"}, nil)},
			errorResponses(obj{"200": response("A page of regions.", mediaGeoJSON, schemaRef("featureCollection"))}, true)),
		regionItemsPath + "/{id}": operation("getRegion", "One region",
			"A country (AFG) or province (AF-HER) by code.",
			[]any{obj{"name": "id", "in": "path", "required": true, "description": "ISO 3166-1 alpha-3 or ISO 3166-2 code.", "schema": obj{"type": "string"}}},
			errorResponses(obj{"200": response("The region.", mediaGeoJSON, schemaRef("feature")),
				"404": obj{"$ref": "#/components/responses/notFound"}}, true)),
	}
	addHistoryPaths(paths)
	for path, op := range tileOpenAPIPaths() {
		paths[path] = op
	}
	// Every GET is also served for HEAD.
	for _, p := range paths {
		get := p.(obj)["get"].(obj)
		head := obj{}
		for k, v := range get {
			head[k] = v
		}
		head["operationId"] = get["operationId"].(string) + "Head"
		head["summary"] = get["summary"].(string) + " (headers only)"
		p.(obj)["head"] = head
	}
	paths[geocodePath].(obj)["post"] = obj{
		"operationId": "geocodeBatch", "summary": "Resolve many place names together",
		"description": "Resolves up to 500 names as one document: an area containing another named place, a place inside a named area, " +
			"closeness and the majority country re-rank each name's candidates; \"X, Y\" in the text narrows X by Y. With a text and no names, " +
			"the recogniser finds the names. Each toponym has its offsets in the text, the chosen place (kind, code, point, box), " +
			"candidates and a confidence. More than 500 names or a text over 100,000 bytes is a 413.",
		"requestBody": obj{"required": true, "content": obj{mediaJSON: obj{"schema": obj{"type": "object",
			"properties": obj{"names": obj{"type": "array", "maxItems": maxBatchNames, "items": obj{"type": "string", "maxLength": maxBatchNameBytes}},
				"text":    obj{"type": "string", "maxLength": maxBatchTextBytes},
				"country": obj{"type": "string", "pattern": "^[A-Z]{3}$"},
				"near":    obj{"type": "array", "items": obj{"type": "number"}, "minItems": 2, "maxItems": 2},
				"limit":   obj{"type": "integer", "minimum": 1, "maximum": maxBatchLimit, "default": defaultBatchCands}}}}}},
		"responses": errorResponses(obj{"200": response("The resolved names.", mediaJSON, obj{"type": "object"}),
			"413": response("Too many names or too long a text.", mediaJSON, schemaRef("exception"))}, true),
	}
	paths[extractPath] = obj{"post": obj{
		"operationId": "extractIncidents", "summary": "Draft incidents from a news article",
		"description": "Finds incidents in an article's text and returns them as draft Features for a person to review; nothing is stored. " +
			"Each draft has an evidence member (byte offsets of the sentence each field came from); toponyms lists the places drafting considered; " +
			"places lists every place mention the recogniser found, resolved together as POST /geocode resolves them.",
		"requestBody": obj{"required": true, "content": obj{mediaJSON: obj{"schema": obj{"type": "object", "required": []string{"text", "published"},
			"properties": obj{"text": obj{"type": "string", "maxLength": 1 << 20}, "published": obj{"type": "string", "format": "date"},
				"country": obj{"type": "string", "pattern": "^[A-Z]{3}$", "description": "The publication's country, preferred when places are resolved."},
				"source":  obj{"type": "object", "properties": obj{"publisher": obj{"type": "string"}, "title": obj{"type": "string"}, "url": obj{"type": "string"}}}}}}}},
		"responses": errorResponses(obj{"200": response("The drafts.", mediaGeoJSON, schemaRef("featureCollection"))}, true),
	}}
	addWritePaths(paths)
	doc := obj{
		"openapi": "3.0.3",
		"info": obj{
			"title":       serviceTitle,
			"description": serviceDescription,
			"version":     "1.0.0",
			"license":     obj{"name": "See the project's README for the licences of the data."},
		},
		"servers": []any{obj{"url": openAPIBase}},
		"paths":   paths,
		"components": obj{
			"parameters": componentParams(),
			"responses":  componentResponses(),
			"schemas":    componentSchemas(),
			"securitySchemes": obj{"apiKey": obj{"type": "http", "scheme": "bearer",
				"description": "An API key made with `incidentmap keys create`, sent as Authorization: Bearer imk_…"}},
		},
	}
	return json.Marshal(doc)
}

func componentParams() obj {
	return obj{
		"itemFormat": param("f", "The output format: json (GeoJSON) or html.",
			obj{"type": "string", "enum": []string{"json", "html"}}, nil),
		"documentFormat": param("f", "The output format: json or html; without it, the Accept header decides.",
			obj{"type": "string", "enum": []string{"json", "html"}}, nil),
		"asOf": param("as_of", "The incident as it stood at this RFC 3339 instant, from its history.",
			obj{"type": "string", "format": "date-time"}, nil),
	}
}

func componentResponses() obj {
	e := func(d string) obj { return response(d, mediaJSON, schemaRef("exception")) }
	return obj{
		"badRequest":           e("A parameter is invalid; parameter names it."),
		"notFound":             e("No such published incident."),
		"serverError":          e("An internal error; the description says only that, the log has the cause under the requestId."),
		"unavailable":          e("The database is unreachable or the request took too long."),
		"notModified":          obj{"description": "The client's copy, named by If-None-Match or If-Modified-Since, is current."},
		"unauthorized":         e("No API key, or not a valid one; the description never says which."),
		"forbidden":            e("The API key's role does not allow this."),
		"conflict":             e("A taken id or external id, or a status change the workflow does not allow."),
		"preconditionFailed":   e("If-Match does not name the current version: read the incident again."),
		"preconditionRequired": e("A write needs If-Match with the ETag of the incident as read."),
		"tooLarge":             e("The body is larger than the server's limit."),
		"unsupportedMedia":     e("The body is not of a media type this operation reads."),
		"tooManyRequests":      e("Too many failed authentications from this address; try again in a minute."),
	}
}

func componentSchemas() obj {
	str := obj{"type": "string"}
	nstr := obj{"type": "string", "nullable": true}
	date := obj{"type": "string", "format": "date"}
	ndate := obj{"type": "string", "format": "date", "nullable": true}
	strs := obj{"type": "array", "items": str}
	source := obj{"type": "object", "properties": obj{
		"publisher": str, "title": nstr, "url": obj{"type": "string", "format": "uri", "nullable": true}, "published_on": ndate}}
	enum := func(name string) obj {
		q, _ := incidentmap.FindQueryable(incidentmap.IncidentQueryables, name)
		return obj{"type": "string", "enum": q.Enum}
	}
	nenum := func(name string) obj {
		s := enum(name)
		s["nullable"] = true
		return s
	}
	props := obj{
		"title": str, "summary": nstr,
		"occurred_start": date, "occurred_end": date, "date_precision": enum("date_precision"),
		"location_precision": enum("location_precision"), "place_name": nstr,
		"country": obj{"type": "string", "pattern": "^[A-Z]{3}$"}, "admin1_code": nstr, "admin1_name": nstr,
		"event_type": enum("event_type"), "sub_event_type": nenum("sub_event_type"),
		"target_type": enum("target_type"), "target_country": obj{"type": "string", "pattern": "^[A-Z]{3}$", "nullable": true},
		"facility": nstr, "perpetrator": nstr, "actors": strs,
		"fatalities": obj{"type": "integer", "nullable": true, "description": "null when unknown, which is not 0"},
		"injuries":   obj{"type": "integer", "nullable": true, "description": "null when unknown, which is not 0"},
		"tags":       strs, "external_ids": strs,
		"sources": obj{"type": "array", "items": source},
		"responses": obj{"type": "array", "items": obj{"type": "object", "properties": obj{
			"date": date, "date_precision": enum("date_precision"), "actor": str, "actor_country": nstr,
			"kind": str, "summary": str, "source": source}}},
		"status":  enum("status"),
		"version": obj{"type": "integer"}, "created_at": obj{"type": "string", "format": "date-time"},
		"updated_at": obj{"type": "string", "format": "date-time"},
	}
	linkSchema := obj{"type": "object", "required": []string{"href", "rel"}, "properties": obj{
		"href": obj{"type": "string", "format": "uri"}, "rel": str, "type": str, "title": str}}
	links := obj{"type": "array", "items": schemaRef("link")}
	return obj{
		"link": linkSchema,
		"exception": obj{"type": "object", "required": []string{"code", "description", "requestId"}, "properties": obj{
			"code": str, "description": str,
			"parameter": obj{"type": "string", "description": "The query parameter at fault, on 400 only."},
			"requestId": obj{"type": "string", "description": "Also in the X-Request-Id header; quote it when reporting a problem."}}},
		"status": obj{"type": "object", "properties": obj{"status": str}},
		"landingPage": obj{"type": "object", "required": []string{"links"}, "properties": obj{
			"title": str, "description": str, "links": links}},
		"conformance": obj{"type": "object", "required": []string{"conformsTo"}, "properties": obj{
			"conformsTo": obj{"type": "array", "items": str}}},
		"collection": obj{"type": "object", "required": []string{"id", "links"}, "properties": obj{
			"id": str, "title": str, "description": str, "links": links, "itemType": str, "crs": strs,
			"extent": obj{"type": "object", "properties": obj{
				"spatial": obj{"type": "object", "properties": obj{
					"bbox": obj{"type": "array", "items": obj{"type": "array", "minItems": 4, "maxItems": 4, "items": obj{"type": "number"}}},
					"crs":  str}},
				"temporal": obj{"type": "object", "properties": obj{
					"interval": obj{"type": "array", "items": obj{"type": "array", "minItems": 2, "maxItems": 2,
						"items": obj{"type": "string", "format": "date-time", "nullable": true}}},
					"trs": str}}}}}},
		"collections": obj{"type": "object", "required": []string{"links", "collections"}, "properties": obj{
			"links": links, "collections": obj{"type": "array", "items": schemaRef("collection")}}},
		"point": obj{"type": "object", "required": []string{"type", "coordinates"}, "properties": obj{
			"type": obj{"type": "string", "enum": []string{"Point"}},
			"coordinates": obj{"type": "array", "minItems": 2, "maxItems": 2, "items": obj{"type": "number"},
				"description": "longitude, latitude on WGS 84, rounded to 6 decimals"}}},
		"incidentProperties": obj{"type": "object", "properties": props},
		"feature": obj{"type": "object", "required": []string{"type", "id", "geometry", "properties"}, "properties": obj{
			"type": obj{"type": "string", "enum": []string{"Feature"}}, "id": str,
			"geometry": schemaRef("point"), "properties": schemaRef("incidentProperties"), "links": links}},
		"featureCollection": obj{"type": "object", "required": []string{"type", "features"}, "properties": obj{
			"type":          obj{"type": "string", "enum": []string{"FeatureCollection"}},
			"numberMatched": obj{"type": "integer", "minimum": 0}, "numberReturned": obj{"type": "integer", "minimum": 0},
			"features": obj{"type": "array", "items": schemaRef("feature")}, "links": links,
			"timeStamp": obj{"type": "string", "format": "date-time"}}},
	}
}

// openAPIDoc serves GET /api: the OpenAPI document, with the server's
// base URL.
func (s *server) openAPIDoc(c *gin.Context) error {
	if len(c.Request.URL.RawQuery) > 0 {
		if err := onlyFormat(c, "json"); err != nil {
			return err
		}
	}
	c.Header("Cache-Control", "no-cache")
	c.Data(http.StatusOK, mediaOpenAPI, s.openAPIFor(c))
	return nil
}

// openAPIFor returns the OpenAPI document with the base URL of c.
func (s *server) openAPIFor(c *gin.Context) []byte {
	base := s.base(c.Request)
	if base == "" {
		base = "/"
	}
	return bytes.ReplaceAll(s.openAPI, []byte(openAPIBase), []byte(base))
}

// onlyFormat accepts a query of at most f=format.
func onlyFormat(c *gin.Context, format string) error {
	q, err := url.ParseQuery(c.Request.URL.RawQuery)
	if err != nil {
		return incidentmap.Errorf(incidentmap.EINVALID, "the query string is malformed")
	}
	for name, vals := range q {
		if name != "f" {
			return incidentmap.Invalidf(clip(name), "is not a query parameter of this endpoint; it takes f")
		}
		if len(vals) != 1 || vals[0] != format {
			return incidentmap.Invalidf("f", "must be %s here", format)
		}
	}
	return nil
}

// apiPage is what the HTML API documentation shows.
type apiPage struct {
	Title       string
	Description string
	JSON        string // the href of the OpenAPI document
	Operations  []apiOperation
}

type apiOperation struct {
	Method, Path, Summary, Description string
	Params                             []apiParam
}

type apiParam struct {
	Name, In, Description, Type string
	Enum                        []string
}

// openAPIHTML serves GET /api.html: the endpoints and parameters of the
// OpenAPI document as a page.
func (s *server) openAPIHTML(c *gin.Context) error {
	if len(c.Request.URL.RawQuery) > 0 {
		if err := onlyFormat(c, "html"); err != nil {
			return err
		}
	}
	page, err := apiPageOf(s.openAPIFor(c))
	if err != nil {
		return err
	}
	page.JSON = s.base(c.Request) + "/api"
	c.Header("Cache-Control", "no-cache")
	return s.renderHTML(c, "api", "API of "+serviceTitle, page)
}

// apiPageOf reads the page from the OpenAPI document, so the two never
// disagree.
func apiPageOf(doc []byte) (apiPage, error) {
	var d struct {
		Info struct {
			Title, Description string
		}
		Paths      map[string]map[string]json.RawMessage
		Components struct {
			Parameters map[string]json.RawMessage
		}
	}
	if err := json.Unmarshal(doc, &d); err != nil {
		return apiPage{}, err
	}
	type paramDoc struct {
		Ref         string `json:"$ref"`
		Name, In    string
		Description string
		Schema      struct {
			Type  string
			Enum  []any
			Items struct{ Type string }
		}
	}
	page := apiPage{Title: d.Info.Title, Description: d.Info.Description}
	paths := make([]string, 0, len(d.Paths))
	for p := range d.Paths {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		var op struct {
			Summary, Description string
			Parameters           []paramDoc
		}
		method := "get"
		if _, ok := d.Paths[p][method]; !ok {
			method = "post"
		}
		if err := json.Unmarshal(d.Paths[p][method], &op); err != nil {
			return apiPage{}, err
		}
		o := apiOperation{Method: strings.ToUpper(method), Path: p, Summary: op.Summary, Description: op.Description}
		for _, pd := range op.Parameters {
			if pd.Ref != "" {
				name := pd.Ref[len("#/components/parameters/"):]
				pd = paramDoc{}
				if err := json.Unmarshal(d.Components.Parameters[name], &pd); err != nil {
					return apiPage{}, err
				}
			}
			t := pd.Schema.Type
			if t == "array" {
				t = "list of " + pd.Schema.Items.Type
			}
			var enum []string
			for _, e := range pd.Schema.Enum {
				b, _ := json.Marshal(e)
				var s string
				if json.Unmarshal(b, &s) != nil {
					s = string(b)
				}
				enum = append(enum, s)
			}
			o.Params = append(o.Params, apiParam{Name: pd.Name, In: pd.In, Description: pd.Description, Type: t, Enum: enum})
		}
		page.Operations = append(page.Operations, o)
	}
	return page, nil
}

// tileFilterParams returns the OpenAPI parameters of an endpoint that
// takes own (its own parameters, first), the filter parameters of the
// items, and f with the one value format.
func tileFilterParams(format string, own ...paramDoc) []any {
	var out []any
	ps := slices.Clone(own)
	for _, p := range itemParams() {
		if p.Name != "f" && !slices.Contains(tileOnlyParams, p.Name) &&
			!slices.ContainsFunc(own, func(o paramDoc) bool { return o.Name == p.Name }) {
			ps = append(ps, p)
		}
	}
	for _, p := range ps {
		var explode any
		if p.Schema["type"] == "array" {
			explode = false
		}
		out = append(out, param(p.Name, p.Description, p.Schema, explode))
	}
	return append(out, param("f", "Output format: only "+format+".", obj{"type": "string", "enum": []string{format}}, nil))
}

// tileOpenAPIPaths documents the tiles, clusters and bins.
func tileOpenAPIPaths() obj {
	zoom := paramDoc{"zoom", fmt.Sprintf("Required. The map zoom (256 px tiles), 0..%d: cells are 64 px at this zoom.", MaxTileZoom),
		obj{"type": "integer", "minimum": 0, "maximum": MaxTileZoom}}
	view := paramDoc{"bbox", fmt.Sprintf("The view: west,south,east,north in CRS84 (west > east crosses the antimeridian); the world by default. "+
		"At most %d × %d px at zoom.", viewMaxPixels, viewMaxPixels),
		obj{"type": "array", "minItems": 4, "maxItems": 4, "items": obj{"type": "number"}}}
	pathParam := func(name, desc string, schema obj) obj {
		return obj{"name": name, "in": "path", "required": true, "description": desc, "schema": schema}
	}
	intSchema := obj{"type": "integer", "minimum": 0}
	tileResponses := func() obj {
		return errorResponses(obj{
			"200": response("A Mapbox Vector Tile 2.1 with the layer incidents.", mediaMVT, obj{"type": "string", "format": "binary"}),
			"304": obj{"$ref": "#/components/responses/notModified"},
			"404": obj{"$ref": "#/components/responses/notFound"}}, true)
	}
	jsonDoc := func(desc string) obj {
		return errorResponses(obj{"200": response(desc, mediaJSON, obj{"type": "object"})}, true)
	}
	jsonParams := []any{param("f", "The output format: only json.", obj{"type": "string", "enum": []string{"json"}}, nil)}
	geojsonResponses := func(desc string, notFound bool) obj {
		r := obj{"200": response(desc, mediaGeoJSON, schemaRef("featureCollection")),
			"304": obj{"$ref": "#/components/responses/notModified"}}
		if notFound {
			r["404"] = obj{"$ref": "#/components/responses/notFound"}
		}
		return errorResponses(r, true)
	}
	tileParams := tileFilterParams("mvt")
	return obj{
		tilesPath: operation("getIncidentTilesets", "Vector tile sets of the incidents",
			"The one tile set, WebMercatorQuad (OGC API – Tiles).", jsonParams, jsonDoc("The tile sets.")),
		tilesetPath: operation("getIncidentTileset", "The WebMercatorQuad tile set",
			"Metadata of the tile set: tile matrix set, limits, the layer and its properties.", jsonParams, jsonDoc("The tile set.")),
		tileJSONPath: operation("getIncidentTileJSON", "TileJSON 3.0.0 of the tile set",
			"For map clients; filter parameters given here are carried into the tile URL template.",
			tileFilterParams("json"), jsonDoc("The TileJSON document.")),
		tilesetPath + "/{tileMatrix}/{tileRow}/{tileCol}": operation("getIncidentTile", "A vector tile of the incidents",
			"Clusters with their true counts (count, bbox, counts per event type, id, expansion_zoom) where the tile holds more "+
				"than "+fmt.Sprint(pointsMax)+" incidents, else every incident with id, title, event_type, occurred_start, fatalities "+
				"and country. The filter parameters of the items apply. A zoom beyond "+fmt.Sprint(MaxTileZoom)+" is a 400; a row "+
				"or column outside the matrix a 404.",
			append([]any{pathParam("tileMatrix", "The zoom.", intSchema), pathParam("tileRow", "The row, from the north.", intSchema),
				pathParam("tileCol", "The column, from the antimeridian eastwards.", intSchema)}, tileParams...), tileResponses()),
		"/tiles/incidents/{z}/{x}/{y}.mvt": operation("getIncidentTileXYZ", "A vector tile, XYZ order",
			"The tiles of "+tilesetPath+" at the URL layout of XYZ tile clients: zoom, column, row.",
			append([]any{pathParam("z", "The zoom.", intSchema), pathParam("x", "The column.", intSchema),
				pathParam("y", "The row.", intSchema)}, tileParams...), tileResponses()),
		"/tiles/basemap/{z}/{x}/{y}.mvt": operation("getBasemapTile", "A vector tile of the built-in basemap",
			"Drawn by the server from its embedded boundaries and gazetteer: layer land (country polygons, property code), "+
				"province (first-level divisions, from zoom 4) and label (points with name, kind — country, province, capital, "+
				"city — and rank, 0 first), extent 4096, simplified per zoom; gzipped when accepted; cached for a day. A zoom "+
				"beyond "+fmt.Sprint(MaxTileZoom)+" is a 400, a row or column outside the matrix a 404.",
			[]any{pathParam("z", "The zoom.", intSchema), pathParam("x", "The column.", intSchema), pathParam("y", "The row.", intSchema)},
			errorResponses(obj{"200": response("The tile.", mediaMVT, obj{"type": "string", "format": "binary"})}, true)),
		tmsListPath: operation("getTileMatrixSets", "Tile matrix sets",
			"The one tile matrix set, WebMercatorQuad.", jsonParams, jsonDoc("The tile matrix sets.")),
		tmsPath: operation("getTileMatrixSet", "The WebMercatorQuad tile matrix set",
			"Its definition (OGC 17-083r4) for zooms 0.."+fmt.Sprint(MaxTileZoom)+".", jsonParams, jsonDoc("The tile matrix set.")),
		clustersPath: operation("getIncidentClusters", "Clusters of incidents for a map view",
			"Every incident in the cells of 64 px at zoom that meet bbox, as clusters (cluster, id, count, bbox, event_types, "+
				"expansion_zoom) or, alone in a cell or when the view holds at most "+fmt.Sprint(pointsMax)+", as incidents. "+
				"numberMatched is the sum of the counts; nothing is dropped.",
			tileFilterParams("json", zoom, view), geojsonResponses("The clusters and incidents.", false)),
		clustersPath + "/{clusterId}": operation("getIncidentCluster", "The incidents of a cluster",
			"The cluster under cluster, and its incidents, limit of them from offset, with a next link. Give the filter "+
				"parameters the cluster was made with; an id that names no cell with incidents under them is a 404.",
			append([]any{pathParam("clusterId", "The cluster's id, from a cluster feature.", obj{"type": "string", "pattern": "^[0-9a-f]{1,16}$"})},
				tileFilterParams("json",
					paramDoc{"limit", "Most incidents.", obj{"type": "integer", "minimum": 1, "maximum": membersMaxLimit, "default": incidentmap.DefaultLimit}},
					paramDoc{"offset", "Incidents to skip, from a next link.", obj{"type": "integer", "minimum": 0, "default": 0}})...),
			geojsonResponses("The cluster's incidents.", true)),
		binsPath: operation("getIncidentBins", "Counts of incidents in a square grid",
			"One Polygon per non-empty cell of 64 px at zoom that meets bbox, with id, count and event_types; cells nest "+
				"(each is four of the next zoom). Answered from the clustering, not from a scan.",
			tileFilterParams("json", zoom, view), geojsonResponses("The grid cells.", false)),
	}
}
