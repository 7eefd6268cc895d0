package api

import (
	"math"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/incidentmap/incidentmap"
	"github.com/incidentmap/incidentmap/cql2"
	"github.com/incidentmap/incidentmap/feature"
)

// Output formats of the items endpoint, as the f parameter names them.
const (
	outGeoJSON = "geojson" // f=json or f=geojson: a FeatureCollection
	outSeq     = "jsonseq" // RFC 8142 GeoJSON text sequence
	outCSV     = "csv"     // RFC 4180 CSV, one row per incident
	outHTML    = "html"    // a page for people
)

// Values of filter-lang and filter-crs (OGC API Features Part 3).
const (
	filterLangText = "cql2-text"
	filterLangJSON = "cql2-json"
	crs84          = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
)

// prevCursorPrefix starts a cursor token that asks for the page before a
// position (Filter.Before) rather than after it. Tokens of Cursor.Encode
// are base64url and never hold a ".", so the two kinds cannot be confused.
const prevCursorPrefix = "b."

// maxListValues caps the comma-separated values of one parameter.
const maxListValues = 300

// maxPropertyValue caps the length of one value of a free-text property
// parameter such as place_name, in bytes.
const maxPropertyValue = 500

// propertyParams are the queryables that the items endpoint also takes as
// query parameters of their own (OGC API Features Part 1, "parameters for
// filtering on feature properties"): each takes one value or several
// separated by commas, ORed, compared for equality. A value therefore
// cannot hold a comma; use filter for such values and for anything other
// than equality. They are every string, integer and date queryable but
// title and summary, which are left to filter (LIKE), and status, which is
// not public; location and occurred are left to bbox, datetime and filter.
var propertyParams = func() []string {
	var out []string
	for _, q := range incidentmap.IncidentQueryables {
		switch {
		case q.Name == "title", q.Name == "summary", q.Name == "status":
		case q.Type == incidentmap.QueryString, q.Type == incidentmap.QueryInteger, q.Type == incidentmap.QueryDate:
			out = append(out, q.Name)
		}
	}
	return out
}()

// itemsQuery is a request to the items endpoint, parsed.
type itemsQuery struct {
	filter incidentmap.Filter
	// format is the format f names, or "" when f is absent and the Accept
	// header decides.
	format string
	// props selects the properties each feature carries: all of them unless
	// the properties parameter names some.
	props feature.Selection
	// regions are the region codes the region parameter names; the handler
	// turns them into s_intersects with their boundaries.
	regions []string
}

// paramDoc describes a query parameter of the items endpoint for the
// OpenAPI document: its name, what it does, and the JSON Schema of its
// value (arrays are comma-separated: style form, explode false).
type paramDoc struct {
	Name        string
	Description string
	Schema      map[string]any
}

// itemParams is the allow-list of the query parameters of GET
// /collections/incidents/items, in the order the OpenAPI document should
// list them. The OpenAPI document (api/openapi.go) and its test read this
// function, so that the document and the handler cannot
// disagree: parseItemsQuery accepts exactly these names and rejects all
// others with 400.
func itemParams() []paramDoc {
	str := map[string]any{"type": "string"}
	ps := []paramDoc{
		{"bbox", "Only incidents whose location is in this box: west,south,east,north in WGS 84 longitude/latitude (CRS84). " +
			"west > east crosses the antimeridian.",
			map[string]any{"type": "array", "minItems": 4, "maxItems": 4, "items": map[string]any{"type": "number"}}},
		{"datetime", "Only incidents whose date interval (occurred_start..occurred_end) meets this RFC 3339 date, date-time " +
			"or interval start/end (.. for an open end).", str},
		{"limit", "Page size.", map[string]any{"type": "integer", "minimum": 1, "maximum": incidentmap.MaxLimit, "default": incidentmap.DefaultLimit}},
		{"cursor", "Opaque position of a page, from a next or prev link; do not build it.", str},
		{"sortby", "Sort order: comma-separated sortable properties, each optionally prefixed with - (descending) or + " +
			"(ascending, the default), e.g. -occurred_start. id is always the last key. Sortable: " +
			strings.Join(incidentmap.SortableProperties, ", ") + ".",
			map[string]any{"type": "array", "items": map[string]any{"type": "string", "pattern": `^[+-]?[a-z_]+$`}}},
		{"region", "Only incidents inside one of these regions: comma-separated ISO 3166-1 alpha-3 country codes (AFG) " +
			"or ISO 3166-2 province codes (AF-HER), ORed. The boundaries are those of /collections/regions (Natural Earth, " +
			"simplified to 0.005°).",
			map[string]any{"type": "array", "items": map[string]any{"type": "string", "pattern": regionPattern.String()}}},
		{"filter", "A CQL2 filter (OGC 21-065) over the queryables, in the language filter-lang names; " +
			"for cql2-json the value is the JSON text.", str},
		{"filter-lang", "Language of filter.", map[string]any{"type": "string", "enum": []string{filterLangText, filterLangJSON}, "default": filterLangText}},
		{"filter-crs", "Coordinate reference system of the geometries in filter: only CRS84, longitude/latitude in WGS 84.",
			map[string]any{"type": "string", "enum": []string{crs84}, "default": crs84}},
		{"properties", "Comma-separated properties each feature carries (id and geometry are always there), in canonical order " +
			"whatever the order given. Default: all.",
			map[string]any{"type": "array", "items": map[string]any{"type": "string", "enum": feature.PropertyNames()}}},
		{"status", "Only incidents in these statuses, ORed. Needs an API key of any role; without one only published " +
			"incidents are listed and status is refused.",
			map[string]any{"type": "array", "items": map[string]any{"type": "string", "enum": incidentmap.Statuses}}},
		{"as_of", "Reproduce the data as it stood at this RFC 3339 instant, rebuilt from the history of every incident, " +
			"so that a paper can cite the exact state it used. The other parameters filter that state.",
			map[string]any{"type": "string", "format": "date-time"}},
		{"f", "Output format; overrides the Accept header. json and geojson: application/geo+json; jsonseq: " +
			"application/geo+json-seq (RFC 8142); csv: text/csv; html: a web page.",
			map[string]any{"type": "string", "enum": []string{"json", "geojson", "jsonseq", "csv", outHTML}}},
	}
	for _, name := range propertyParams {
		q, _ := incidentmap.FindQueryable(incidentmap.IncidentQueryables, name)
		item := map[string]any{"type": "string"}
		switch q.Type {
		case incidentmap.QueryInteger:
			item = map[string]any{"type": "integer", "minimum": 0}
		case incidentmap.QueryDate:
			item = map[string]any{"type": "string", "format": "date"}
		}
		if len(q.Enum) > 0 {
			item["enum"] = q.Enum
		}
		switch name {
		case "country", "target_country":
			item["pattern"] = "^[A-Z]{3}$"
		case "admin1_code":
			item["pattern"] = "^[A-Z]{2}-[A-Z0-9]{1,3}$"
		}
		ps = append(ps, paramDoc{name, q.Description + " One value or several, comma-separated, ORed; equality.",
			map[string]any{"type": "array", "items": item}})
	}
	return ps
}

// itemsParamNames is the allow-list of itemParams as a set: the one list
// of the names the items endpoint takes.
var itemsParamNames = func() map[string]bool {
	names := map[string]bool{}
	for _, p := range itemParams() {
		names[p.Name] = true
	}
	return names
}()

// isItemsParam reports whether the items endpoint takes name: whether
// itemParams documents it.
func isItemsParam(name string) bool { return itemsParamNames[name] }

// itemsParamList is the list of parameter names for error messages.
func itemsParamList() string {
	names := make([]string, 0, 32)
	for _, p := range itemParams() {
		names = append(names, p.Name)
	}
	return strings.Join(names, ", ")
}

// parseItemsQuery turns the query of an items request into a Filter and the
// output options. Every error is EINVALID and names the parameter at fault;
// errors in filter also give the position of the fault. A parameter may be
// given once; an empty value is an error, not a missing parameter.
//
// The property parameters become In nodes of Filter.Where, ANDed (in the
// order of their names) with the filter expression, which comes last.
func parseItemsQuery(q url.Values) (itemsQuery, error) {
	return parseItemsQueryWith(q, cql2.Options{})
}

// parseItemsQueryWith is parseItemsQuery with the CQL2 extensions of opts
// (the REGION function of parseItemsRequest).
func parseItemsQueryWith(q url.Values, opts cql2.Options) (itemsQuery, error) {
	iq := itemsQuery{props: feature.AllProperties}
	f := &iq.filter
	names := make([]string, 0, len(q))
	for name := range q {
		names = append(names, name)
	}
	slices.Sort(names) // report the same error for the same query
	var where []incidentmap.Expr
	var filter, lang string
	for _, name := range names {
		vals := q[name]
		if name == "status" {
			return itemsQuery{}, incidentmap.Invalidf(name, "only published incidents are public; status needs an API key (Authorization: Bearer)")
		}
		if !isItemsParam(name) {
			return itemsQuery{}, incidentmap.Invalidf(clip(name), "is not a query parameter of this endpoint; it takes %s", itemsParamList())
		}
		if len(vals) != 1 {
			return itemsQuery{}, incidentmap.Invalidf(name, "must be given at most once")
		}
		v := vals[0]
		if v == "" {
			return itemsQuery{}, incidentmap.Invalidf(name, "must not be empty")
		}
		var err error
		switch name {
		case "bbox":
			var b incidentmap.BBox
			b, err = parseBBox(v)
			f.BBox = &b
		case "datetime":
			var iv incidentmap.Interval
			iv, err = parseDatetime(v)
			f.Interval = &iv
		case "limit":
			f.Limit, err = parseLimit(v)
		case "as_of":
			f.AsOf, err = parseAsOf(v)
		case "cursor":
			if token, ok := strings.CutPrefix(v, prevCursorPrefix); ok {
				f.Before, err = decodeCursor(token)
			} else {
				f.After, err = decodeCursor(v)
			}
		case "sortby":
			f.SortBy, err = parseSortBy(v)
		case "filter":
			filter = v
		case "filter-lang":
			if v != filterLangText && v != filterLangJSON {
				err = incidentmap.Invalidf(name, "must be %s or %s, got %q", filterLangText, filterLangJSON, clip(v))
			}
			lang = v
		case "filter-crs":
			if v != crs84 {
				err = incidentmap.Invalidf(name, "must be %s (longitude/latitude in WGS 84), the only CRS of filter geometries, got %q", crs84, clip(v))
			}
		case "region":
			iq.regions, err = parseRegions(v)
		case "properties":
			iq.props, err = parseProperties(v)
		case "f":
			iq.format, err = parseItemsFormat(v)
		default:
			var lits []incidentmap.Literal
			lits, err = parsePropertyValues(name, v)
			where = append(where, incidentmap.In{Prop: name, Values: lits})
		}
		if err != nil {
			return itemsQuery{}, err
		}
	}
	if filter != "" {
		var e incidentmap.Expr
		var err error
		if lang == filterLangJSON {
			e, err = cql2.ParseJSONWith([]byte(filter), incidentmap.IncidentQueryables, opts)
		} else {
			e, err = cql2.ParseTextWith(filter, incidentmap.IncidentQueryables, opts)
		}
		if err != nil {
			return itemsQuery{}, err
		}
		where = append(where, e)
	}
	f.Where = incidentmap.AllOf(where...)
	return iq, nil
}

// regionPattern is the shape of a region code: a country's ISO 3166-1
// alpha-3 code or a province's ISO 3166-2 code.
var regionPattern = regexp.MustCompile(`^([A-Z]{3}|[A-Z]{2}-[A-Z0-9]{1,3})$`)

// parseRegions parses the region parameter: at most 20 comma-separated
// codes of the right shape. Whether each exists is the handler's check.
func parseRegions(s string) ([]string, error) {
	codes := strings.Split(s, ",")
	if len(codes) > 20 {
		return nil, incidentmap.Invalidf("region", "names %d regions; at most 20", len(codes))
	}
	for _, code := range codes {
		if !regionPattern.MatchString(code) {
			return nil, incidentmap.Invalidf("region", "%q is not an ISO 3166-1 alpha-3 (AFG) or ISO 3166-2 (AF-HER) code", clip(code))
		}
	}
	return codes, nil
}

// parseItemsFormat parses f: json, geojson, jsonseq, csv or html.
func parseItemsFormat(s string) (string, error) {
	switch s {
	case "json", "geojson":
		return outGeoJSON, nil
	case outSeq, outCSV, outHTML:
		return s, nil
	}
	return "", incidentmap.Invalidf("f", "must be json, geojson, jsonseq, csv or html, got %q", clip(s))
}

// parseProperties parses the properties parameter: names of the wire
// format's properties (feature.PropertyNames()), comma-separated. "id" is
// accepted and changes nothing: id and geometry are always written.
func parseProperties(s string) (feature.Selection, error) {
	var sel feature.Selection
	for _, name := range strings.Split(s, ",") {
		name = strings.TrimSpace(name)
		if name == "id" {
			continue
		}
		b, ok := feature.SelectProperty(name)
		if !ok {
			return 0, incidentmap.Invalidf("properties", "%q is not a property of an incident; use some of %s",
				clip(name), strings.Join(feature.PropertyNames(), ", "))
		}
		sel |= b
	}
	return sel, nil
}

// parsePropertyValues parses the comma-separated values of the property
// parameter name, checked against its queryable's type and enum, dropping
// repeats.
func parsePropertyValues(name, s string) ([]incidentmap.Literal, error) {
	q, ok := incidentmap.FindQueryable(incidentmap.IncidentQueryables, name)
	if !ok {
		return nil, incidentmap.Invalidf(name, "is not a queryable")
	}
	parts := strings.Split(s, ",")
	if len(parts) > maxListValues {
		return nil, incidentmap.Invalidf(name, "takes at most %d values", maxListValues)
	}
	out := make([]incidentmap.Literal, 0, len(parts))
	for _, part := range parts {
		lit, err := propertyLiteral(q, strings.TrimSpace(part))
		if err != nil {
			return nil, err
		}
		if !slices.Contains(out, lit) {
			out = append(out, lit)
		}
	}
	return out, nil
}

// propertyLiteral checks one value of a property parameter.
func propertyLiteral(q incidentmap.Queryable, v string) (incidentmap.Literal, error) {
	if v == "" {
		return nil, incidentmap.Invalidf(q.Name, "has an empty value; separate values with single commas")
	}
	if len(q.Enum) > 0 {
		if !slices.Contains(q.Enum, v) {
			return nil, incidentmap.Invalidf(q.Name, "%q is not one of %s", clip(v), strings.Join(q.Enum, ", "))
		}
		return incidentmap.String(v), nil
	}
	switch q.Type {
	case incidentmap.QueryInteger:
		if len(v) > 9 || strings.Trim(v, "0123456789") != "" {
			return nil, incidentmap.Invalidf(q.Name, "%q is not a whole number from 0 to 999999999", clip(v))
		}
		n, _ := strconv.Atoi(v)
		return incidentmap.Number(n), nil
	case incidentmap.QueryDate:
		d, err := time.Parse(time.DateOnly, v)
		if err != nil || d.Year() < 1000 {
			return nil, incidentmap.Invalidf(q.Name, "%q is not a date such as 2022-04-11", clip(v))
		}
		return incidentmap.Date{Day: d}, nil
	}
	switch q.Name {
	case "country", "target_country":
		if !incidentmap.ValidCountry(v) {
			return nil, incidentmap.Invalidf(q.Name, "%q is not an ISO 3166-1 alpha-3 country code in upper case, such as AFG", clip(v))
		}
	case "admin1_code":
		if !validAdmin1(v) {
			return nil, incidentmap.Invalidf(q.Name, "%q is not an ISO 3166-2 code in upper case, such as AF-HER", clip(v))
		}
	case "id":
		if !incidentmap.ValidID(v) {
			return nil, incidentmap.Invalidf(q.Name, "%q is not an incident id", clip(v))
		}
	default:
		if len(v) > maxPropertyValue || !utf8.ValidString(v) {
			return nil, incidentmap.Invalidf(q.Name, "values must be valid UTF-8 of at most %d bytes", maxPropertyValue)
		}
	}
	return incidentmap.String(v), nil
}

// validAdmin1 reports whether s looks like an ISO 3166-2 code: two letters,
// a hyphen, and one to three letters or digits, upper case.
func validAdmin1(s string) bool {
	if len(s) < 4 || len(s) > 6 || s[2] != '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		b := s[i]
		switch {
		case i == 2:
		case 'A' <= b && b <= 'Z':
		case i > 2 && '0' <= b && b <= '9':
		default:
			return false
		}
	}
	return true
}

// clip shortens a caller's string that an error message repeats.
func clip(s string) string {
	const n = 64
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for len(s) > 0 && !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s + "…"
}

// parseBBox parses "west,south,east,north" in WGS 84 longitude/latitude.
//
// Each value is a finite decimal number; latitudes are in [-90, 90] with
// south <= north, longitudes in [-180, 180]. A box with west > east crosses
// the antimeridian (RFC 7946 §5.2, as OGC API Features reads bbox): it covers
// west..180 and -180..east. Such a box is accepted only when it spans less
// than 180° of longitude (170,…,-170,… spans 20°): a "crossing" box wider
// than half the world is nearly always west and east swapped (70,…,60,…), so
// it is rejected with a message that says so. A client that wants more than
// 180° asks for -180..180 (the map does).
func parseBBox(s string) (incidentmap.BBox, error) {
	parts := strings.Split(s, ",")
	switch len(parts) {
	case 4:
	case 6:
		return incidentmap.BBox{}, incidentmap.Invalidf("bbox", "3D bbox not supported; give west,south,east,north")
	default:
		return incidentmap.BBox{}, incidentmap.Invalidf("bbox", "must be 4 comma-separated numbers west,south,east,north, got %d", len(parts))
	}
	var v [4]float64
	for i, p := range parts {
		x, ok := parseDecimal(strings.TrimSpace(p))
		if !ok {
			return incidentmap.BBox{}, incidentmap.Invalidf("bbox", "%q is not a finite decimal number", clip(p))
		}
		v[i] = x
	}
	b := incidentmap.BBox{West: v[0], South: v[1], East: v[2], North: v[3]}
	switch {
	case b.West < -180 || b.West > 180 || b.East < -180 || b.East > 180:
		return b, incidentmap.Invalidf("bbox", "longitudes must be in [-180, 180]")
	case b.South < -90 || b.South > 90 || b.North < -90 || b.North > 90:
		return b, incidentmap.Invalidf("bbox", "latitudes must be in [-90, 90]")
	case b.South > b.North:
		return b, incidentmap.Invalidf("bbox", "south must not be greater than north")
	case b.West > b.East && 360-(b.West-b.East) >= 180:
		return b, incidentmap.Invalidf("bbox", "west %g > east %g would be a box across the antimeridian %g° wide; "+
			"such a box must be narrower than 180° (were west and east swapped? for the whole world use -180,…,180,…)",
			b.West, b.East, 360-(b.West-b.East))
	}
	return b, nil
}

// parseDecimal parses a plain decimal number such as -12.5 or 1e-3: no
// hexadecimal, underscores, NaN or infinities, and nothing out of range.
func parseDecimal(s string) (float64, bool) {
	if s == "" || len(s) > 64 {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if !strings.ContainsRune("0123456789+-.eE", rune(s[i])) {
			return 0, false
		}
	}
	x, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
		return 0, false
	}
	return x, true
}

// parseDatetime parses an OGC API datetime: an RFC 3339 date-time
// (2022-04-11T10:00:00Z) or full-date (2022-04-11), or an interval
// start/end whose open end is ".." or empty. An instant t becomes the
// interval t/t. A full-date end covers its whole day, so
// 2022-04-11T15:00:00Z/2022-04-11 is not backwards. Times are kept exact and
// in UTC; years must be 1000-9999 in UTC.
func parseDatetime(s string) (incidentmap.Interval, error) {
	start, end, isInterval := strings.Cut(s, "/")
	if !isInterval {
		t, _, err := parseInstant(s)
		if err != nil {
			return incidentmap.Interval{}, err
		}
		return incidentmap.Interval{Start: t, End: t}, nil
	}
	if strings.Contains(end, "/") {
		return incidentmap.Interval{}, incidentmap.Invalidf("datetime", "an interval is start/end, with one slash")
	}
	open := func(s string) bool { return s == "" || s == ".." }
	if open(start) && open(end) {
		return incidentmap.Interval{}, incidentmap.Invalidf("datetime", "an interval needs at least one end; leave out datetime to select all times")
	}
	var iv incidentmap.Interval
	var endDay bool
	var err error
	if !open(start) {
		if iv.Start, _, err = parseInstant(start); err != nil {
			return incidentmap.Interval{}, err
		}
	}
	if !open(end) {
		if iv.End, endDay, err = parseInstant(end); err != nil {
			return incidentmap.Interval{}, err
		}
	}
	if !iv.Start.IsZero() && !iv.End.IsZero() {
		last := iv.End
		if endDay {
			last = last.AddDate(0, 0, 1).Add(-time.Nanosecond)
		}
		if iv.Start.After(last) {
			return incidentmap.Interval{}, incidentmap.Invalidf("datetime", "the start is after the end")
		}
	}
	return iv, nil
}

// parseInstant parses an RFC 3339 date-time or full-date and returns it in
// UTC; isDay reports a full-date.
func parseInstant(s string) (t time.Time, isDay bool, err error) {
	if len(s) == len(time.DateOnly) {
		t, err = time.Parse(time.DateOnly, s)
		isDay = true
	} else {
		t, err = time.Parse(time.RFC3339Nano, s)
	}
	if err != nil {
		return time.Time{}, false, incidentmap.Invalidf("datetime",
			"%q is not an RFC 3339 date-time (2022-04-11T10:00:00Z) or date (2022-04-11), nor an interval of them (start/end, with .. for an open end)", clip(s))
	}
	t = t.UTC()
	if y := t.Year(); y < 1000 || y > 9999 {
		return time.Time{}, false, incidentmap.Invalidf("datetime", "years must be from 1000 to 9999")
	}
	return t, isDay, nil
}

// parseLimit parses the page size: an integer from 1 to MaxLimit.
func parseLimit(s string) (int, error) {
	n := 0
	if len(s) > 6 {
		n = -1
	}
	for i := 0; i < len(s) && n >= 0; i++ {
		if s[i] < '0' || s[i] > '9' {
			n = -1
			break
		}
		n = n*10 + int(s[i]-'0')
	}
	if n < 1 || n > incidentmap.MaxLimit {
		return 0, incidentmap.Invalidf("limit", "must be an integer from 1 to %d", incidentmap.MaxLimit)
	}
	return n, nil
}

// parseFormat accepts the formats of a single incident besides html.
func parseFormat(s string) error {
	if s != "json" && s != "geojson" {
		return incidentmap.Invalidf("f", "must be json, geojson or html, got %q", clip(s))
	}
	return nil
}
