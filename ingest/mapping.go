package ingest

import (
	"bufio"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/incidentmap/incidentmap"
)

// MappedFields are the fields a Mapping can fill, in the order of the
// README's table. Lists (external_ids, actors, tags) are split on the
// list separator; sources is the cell format `incidentmap export` writes
// ("publisher | title | url | published_on", joined with " || "), and
// source_* build one source from separate columns.
var MappedFields = []string{"id", "external_ids", "title", "summary", "occurred_start", "occurred_end",
	"date_precision", "lon", "lat", "location_precision", "place_name", "country", "admin1_code", "admin1_name",
	"event_type", "sub_event_type", "target_type", "target_country", "facility", "perpetrator", "actors",
	"fatalities", "injuries", "tags", "status", "sources",
	"source_publisher", "source_title", "source_url", "source_published_on"}

// Mapping says how the columns of a CSV file fill the fields of an
// incident. Each field takes an expression:
//
//   - a column name: the cell of that column, trimmed;
//   - a template with columns in braces, "acled:{event_id_cnty}";
//   - a constant in double quotes, "city".
//
// A file of mappings (see ParseMapping) has one `field = expression` per
// line, # comments, and the options delimiter (a character, or tab),
// date_format (a Go layout, default 2006-01-02) and list_separator
// (default ;).
type Mapping struct {
	Fields        map[string]string
	Delimiter     rune
	DateFormat    string
	ListSeparator string
}

// ParseMapping reads a mapping file. Errors name the line.
func ParseMapping(r io.Reader) (*Mapping, error) {
	m := &Mapping{Fields: map[string]string{}}
	sc := bufio.NewScanner(r)
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		if err := m.Set(text); err != nil {
			return nil, incidentmap.Invalidf("mapping", "line %d: %s", line, incidentmap.ErrorMessage(err))
		}
	}
	if err := sc.Err(); err != nil {
		return nil, incidentmap.Invalidf("mapping", "%v", err)
	}
	return m, nil
}

// Set adds one "field = expression" (or "field=expression") to m, as a
// line of a mapping file or a --map flag does.
func (m *Mapping) Set(assignment string) error {
	field, expr, ok := strings.Cut(assignment, "=")
	field, expr = strings.TrimSpace(field), strings.TrimSpace(expr)
	if !ok || field == "" || expr == "" {
		return incidentmap.Invalidf("mapping", "%q must look like field = column", assignment)
	}
	if m.Fields == nil {
		m.Fields = map[string]string{}
	}
	switch field {
	case "delimiter":
		switch u := strings.Trim(expr, `"`); {
		case u == "tab" || u == `\t`:
			m.Delimiter = '\t'
		case len([]rune(u)) == 1 && u != `"` && u != "\n" && u != "\r":
			m.Delimiter = []rune(u)[0]
		default:
			return incidentmap.Invalidf("mapping", "delimiter must be one character or tab, got %q", expr)
		}
	case "date_format":
		m.DateFormat = strings.Trim(expr, `"`)
		want := time.Date(2021, 8, 15, 0, 0, 0, 0, time.UTC)
		if got, err := time.Parse(m.DateFormat, layoutExample(m.DateFormat)); err != nil || !got.Equal(want) {
			return incidentmap.Invalidf("mapping", "date_format must be a Go layout such as 2006-01-02 or 02/01/2006, got %q", expr)
		}
	case "list_separator":
		m.ListSeparator = strings.Trim(expr, `"`)
	default:
		if !slices.Contains(MappedFields, field) {
			return incidentmap.Invalidf("mapping", "%q is not a field; the fields are %s", field, strings.Join(MappedFields, ", "))
		}
		m.Fields[field] = expr
	}
	return nil
}

var braces = regexp.MustCompile(`\{([^{}]+)\}`)

// mappedReader reads a CSV file through a Mapping.
type mappedReader struct {
	tableReader
	m      *Mapping
	fields map[string]func() string // by field
}

func newMappedReader(r io.Reader, m *Mapping, opt Options) (*mappedReader, error) {
	comma := m.Delimiter
	if comma == 0 {
		comma = ','
	}
	t, err := newTable(r, comma)
	if err != nil {
		return nil, err
	}
	mr := &mappedReader{m: m, fields: map[string]func() string{}}
	mr.tableReader = tableReader{t: t, opt: opt, row: mr.row}
	exprs := m.Fields
	if len(exprs) == 0 { // columns named as the fields map to themselves
		exprs = map[string]string{}
		for _, f := range MappedFields {
			if t.has(f) {
				exprs[f] = f
			}
		}
	}
	for field, expr := range exprs {
		get, err := mr.compile(expr)
		if err != nil {
			return nil, invalid(1, fmt.Sprintf("mapping of %s: %s", field, incidentmap.ErrorMessage(err)))
		}
		mr.fields[field] = get
	}
	return mr, nil
}

// compile turns an expression into a function of the current record.
func (mr *mappedReader) compile(expr string) (func() string, error) {
	t := mr.t
	if len(expr) >= 2 && strings.HasPrefix(expr, `"`) && strings.HasSuffix(expr, `"`) {
		v := expr[1 : len(expr)-1]
		return func() string { return v }, nil
	}
	if !strings.Contains(expr, "{") {
		if !t.has(expr) {
			return nil, incidentmap.Invalidf("mapping", "the file has no column %q", expr)
		}
		return func() string { return unneutralise(t.get(expr)) }, nil
	}
	for _, m := range braces.FindAllStringSubmatch(expr, -1) {
		if !t.has(m[1]) {
			return nil, incidentmap.Invalidf("mapping", "the file has no column %q", m[1])
		}
	}
	return func() string {
		return braces.ReplaceAllStringFunc(expr, func(s string) string { return t.get(s[1 : len(s)-1]) })
	}, nil
}

// unneutralise strips the apostrophe that CSV exports put before a text
// cell a spreadsheet would run as a formula, so that an export re-imports
// as it was.
func unneutralise(s string) string {
	if len(s) >= 2 && s[0] == '\'' && strings.IndexByte("=+-@\t\r", s[1]) >= 0 {
		return s[1:]
	}
	return s
}

func (mr *mappedReader) get(field string) string {
	if f, ok := mr.fields[field]; ok {
		return f()
	}
	return ""
}

func (mr *mappedReader) list(field string) []string {
	sep := mr.m.ListSeparator
	if sep == "" {
		sep = ";"
	}
	var out []string
	for _, v := range strings.Split(mr.get(field), sep) {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// textFields are the mapped fields a spreadsheet could take for formulas.
var textFields = []string{"title", "summary", "place_name", "facility", "perpetrator", "admin1_name"}

func (mr *mappedReader) row(_ *table, _ Options) (*incidentmap.Incident, bool, []string, error) {
	layout := mr.m.DateFormat
	if layout == "" {
		layout = time.DateOnly
	}
	inc := &incidentmap.Incident{
		ID: mr.get("id"), ExternalIDs: mr.list("external_ids"),
		Title: mr.get("title"), Summary: mr.get("summary"),
		DatePrecision:     incidentmap.DatePrecision(orDefault(mr.get("date_precision"), string(incidentmap.DateDay))),
		LocationPrecision: incidentmap.LocationPrecision(mr.get("location_precision")),
		PlaceName:         mr.get("place_name"), Country: strings.ToUpper(mr.get("country")),
		Admin1Code: mr.get("admin1_code"), Admin1Name: mr.get("admin1_name"),
		EventType: mr.get("event_type"), SubEventType: mr.get("sub_event_type"),
		TargetType: incidentmap.TargetType(mr.get("target_type")), TargetCountry: strings.ToUpper(mr.get("target_country")),
		Facility: mr.get("facility"), Perpetrator: mr.get("perpetrator"),
		Actors: mr.list("actors"), Tags: mr.list("tags"),
		Status: incidentmap.Status(orDefault(mr.get("status"), string(incidentmap.StatusPublished))),
	}
	if inc.ID == "" && len(inc.ExternalIDs) > 0 {
		inc.ID = inc.ExternalIDs[0]
	}
	if inc.ID == "" {
		return nil, false, nil, incidentmap.Invalidf("id", "is empty; map a column to id or to external_ids")
	}
	var err error
	if inc.OccurredStart, err = parseDate("occurred_start", layout, mr.get("occurred_start")); err != nil {
		return nil, false, nil, err
	}
	inc.OccurredEnd = inc.OccurredStart
	if s := mr.get("occurred_end"); s != "" {
		if inc.OccurredEnd, err = parseDate("occurred_end", layout, s); err != nil {
			return nil, false, nil, err
		}
	}
	var hasPoint bool
	if inc.Location, hasPoint, err = parsePoint("lon", mr.get("lon"), "lat", mr.get("lat")); err != nil {
		return nil, false, nil, err
	}
	if inc.Fatalities, err = parseCount("fatalities", mr.get("fatalities")); err != nil {
		return nil, false, nil, err
	}
	if inc.Injuries, err = parseCount("injuries", mr.get("injuries")); err != nil {
		return nil, false, nil, err
	}
	if inc.Sources, err = parseSources(mr.get("sources")); err != nil {
		return nil, false, nil, err
	}
	if src := (incidentmap.Source{Publisher: mr.get("source_publisher"), Title: mr.get("source_title"), URL: mr.get("source_url")}); src != (incidentmap.Source{}) || mr.get("source_published_on") != "" {
		if s := mr.get("source_published_on"); s != "" {
			if src.PublishedOn, err = parseDate("source_published_on", layout, s); err != nil {
				return nil, false, nil, err
			}
		}
		inc.Sources = append(inc.Sources, src)
	}
	var notes []string
	for _, f := range textFields {
		if v := mr.get(f); v != "" && strings.IndexByte("=+@", v[0]) >= 0 {
			notes = append(notes, fmt.Sprintf("%s starts with %q: kept as text, never evaluated (CSV exports neutralise it)", f, v[:1]))
		}
	}
	return inc, hasPoint, notes, nil
}

// parseSources reads the sources cell of a CSV export: sources joined by
// "||", each "publisher | title | url | published_on"; white space around
// the parts does not count.
func parseSources(cell string) ([]incidentmap.Source, error) {
	if cell == "" {
		return nil, nil
	}
	var out []incidentmap.Source
	for _, part := range strings.Split(cell, "||") {
		f := strings.Split(part, "|")
		for len(f) < 4 {
			f = append(f, "")
		}
		src := incidentmap.Source{Publisher: strings.TrimSpace(f[0]), Title: strings.TrimSpace(f[1]), URL: strings.TrimSpace(f[2])}
		if d := strings.TrimSpace(f[3]); d != "" {
			day, err := parseDate("sources", time.DateOnly, d)
			if err != nil {
				return nil, err
			}
			src.PublishedOn = day
		}
		out = append(out, src)
	}
	return out, nil
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
