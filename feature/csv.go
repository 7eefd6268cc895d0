package feature

import (
	"encoding/csv"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/incidentmap/incidentmap"
)

// CSVWriter writes incidents as RFC 4180 CSV (CRLF line ends, fields quoted
// where needed) through encoding/csv, one row per incident after a header
// row. The columns are:
//
//   - id, lon, lat, and wkt (POINT(lon lat)), always; coordinates rounded
//     to feature.CoordinateDecimals (6) places, as in GeoJSON;
//   - then the scalar properties selected (all by default) in the wire
//     format's order: title, summary, occurred_start, occurred_end,
//     date_precision, location_precision, place_name, country, admin1_code,
//     admin1_name, event_type, sub_event_type, target_type, target_country,
//     facility, perpetrator, fatalities, injuries, status, version,
//     created_at, updated_at; an unknown value is an empty cell;
//   - then the list properties selected: actors, tags and external_ids
//     joined with "; "; sources as "publisher | title | url | published_on"
//     joined with " || "; responses as
//     "date | actor | actor_country | kind | summary" joined with " || ".
//
// Formula injection: a spreadsheet runs a cell that starts with =, +, -, @,
// TAB or CR as a formula, so every text cell (all but lon, lat,
// fatalities, injuries and version, which are numbers we write) that starts
// with one of them gets a leading apostrophe, which spreadsheets show as
// text: "=HYPERLINK(…)" is written '=HYPERLINK(…). Numeric cells are never
// changed, so a negative longitude stays a number.
type CSVWriter struct {
	w    *csv.Writer
	cols []csvColumn
	rec  []string
	buf  []byte
}

// csvColumn is a column of a CSV: its name, and its field (nil for id,
// lon, lat and wkt, which are not properties of the wire format).
type csvColumn struct {
	name string
	f    *incidentmap.Field
}

// numeric reports whether the column holds a number we format ourselves:
// such a cell is never neutralised, so that -70.5 stays a number.
func (c csvColumn) numeric() bool {
	if c.f == nil {
		return c.name == "lon" || c.name == "lat"
	}
	return c.f.Kind == incidentmap.ValueCount || c.f.Kind == incidentmap.ValueInt
}

// csvList reports whether f holds a list, which CSV puts after the scalar
// properties, in one cell.
func csvList(f *incidentmap.Field) bool {
	switch f.Kind {
	case incidentmap.ValueList, incidentmap.ValueSources, incidentmap.ValueResponses:
		return true
	}
	return false
}

// csvColumns returns the columns of a CSV of the properties in props.
func csvColumns(props Selection) []csvColumn {
	cols := []csvColumn{{name: "id"}, {name: "lon"}, {name: "lat"}, {name: "wkt"}}
	fields := props.fields()
	for _, list := range []bool{false, true} {
		for _, f := range fields {
			if csvList(f) == list {
				cols = append(cols, csvColumn{name: f.Name, f: f})
			}
		}
	}
	return cols
}

// NewCSVWriter returns a CSVWriter over w for the properties in props and
// writes the header row. encoding/csv writes straight into a *bufio.Writer
// of its default size or more, without a buffer of its own.
func NewCSVWriter(w io.Writer, props Selection) *CSVWriter {
	cw := &CSVWriter{w: csv.NewWriter(w), cols: csvColumns(props)}
	cw.w.UseCRLF = true
	cw.rec = make([]string, len(cw.cols))
	for i, c := range cw.cols {
		cw.rec[i] = c.name
	}
	_ = cw.w.Write(cw.rec) // errors stay in the csv.Writer until flush
	return cw
}

// CSVColumns returns the columns of a CSV of the properties in props, in
// the order CSVWriter writes them (see there).
func CSVColumns(props Selection) []string {
	var out []string
	for _, c := range csvColumns(props) {
		out = append(out, c.name)
	}
	return out
}

// Cell returns the text of column col (one of CSVColumns) for inc, as
// CSVWriter writes it before neutralising formulas; "" for another name.
func Cell(col string, inc *incidentmap.Incident) string {
	c := csvColumn{name: col}
	if i := wireIndex(col); i >= 0 {
		c.f = wireFields[i].f
	}
	var cw CSVWriter
	return cw.cell(c, inc)
}

// Write writes the row of inc.
func (cw *CSVWriter) Write(inc *incidentmap.Incident) error {
	for i, col := range cw.cols {
		v := cw.cell(col, inc)
		if !col.numeric() {
			v = neutraliseCell(v)
		}
		cw.rec[i] = v
	}
	return cw.w.Write(cw.rec)
}

// Flush writes out what encoding/csv holds and reports any write error.
func (cw *CSVWriter) Flush() error {
	cw.w.Flush()
	return cw.w.Error()
}

// cell returns the value of column col for inc.
func (cw *CSVWriter) cell(col csvColumn, inc *incidentmap.Incident) string {
	if col.f == nil {
		switch col.name {
		case "id":
			return inc.ID
		case "lon":
			return string(AppendCoord(cw.buf[:0], inc.Location[0]))
		case "lat":
			return string(AppendCoord(cw.buf[:0], inc.Location[1]))
		case "wkt":
			b := append(cw.buf[:0], "POINT("...)
			b = AppendCoord(b, inc.Location[0])
			b = append(b, ' ')
			b = AppendCoord(b, inc.Location[1])
			b = append(b, ')')
			cw.buf = b
			return string(b)
		}
		return ""
	}
	f := col.f
	switch f.Kind {
	case incidentmap.ValueText:
		return f.Text(inc)
	case incidentmap.ValueDay:
		return csvDay(f.Time(inc))
	case incidentmap.ValueInstant:
		return csvTime(f.Time(inc))
	case incidentmap.ValueCount:
		return csvInt(f.Count(inc))
	case incidentmap.ValueInt:
		return strconv.Itoa(f.Int(inc))
	case incidentmap.ValueList:
		return strings.Join(f.List(inc), "; ")
	case incidentmap.ValueSources:
		parts := make([]string, len(inc.Sources))
		for i, src := range inc.Sources {
			parts[i] = csvSource(src)
		}
		return strings.Join(parts, " || ")
	case incidentmap.ValueResponses:
		parts := make([]string, len(inc.Responses))
		for i, r := range inc.Responses {
			parts[i] = strings.Join([]string{csvDay(r.Date), r.Actor, r.ActorCountry, string(r.Kind), r.Summary}, " | ")
		}
		return strings.Join(parts, " || ")
	}
	return ""
}

func csvSource(s incidentmap.Source) string {
	return strings.Join([]string{s.Publisher, s.Title, s.URL, csvDay(s.PublishedOn)}, " | ")
}

func csvDay(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.DateOnly)
}

func csvTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func csvInt(n *int) string {
	if n == nil {
		return ""
	}
	return strconv.Itoa(*n)
}

// neutraliseCell prefixes a text cell that a spreadsheet would run as a
// formula with an apostrophe (see CSVWriter).
func neutraliseCell(s string) string {
	if s != "" && strings.IndexByte("=+-@\t\r", s[0]) >= 0 {
		return "'" + s
	}
	return s
}
