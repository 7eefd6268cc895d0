package feature

import (
	"encoding/csv"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/incidentmap/incidentmap"
)

// csvListProperties are the properties whose values are lists; CSV puts
// them after the scalar ones, each in one cell.
var csvListProperties = []string{"actors", "tags", "external_ids", "sources", "responses"}

// csvNumeric are the columns that hold numbers we format ourselves; they
// are never neutralised, so that -70.5 stays a number.
var csvNumeric = []string{"lon", "lat", "fatalities", "injuries", "version"}

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
	w       *csv.Writer
	cols    []string
	numeric []bool // by column: a number, never neutralised
	rec     []string
	buf     []byte
}

// NewCSVWriter returns a CSVWriter over w for the properties in props and
// writes the header row. encoding/csv writes straight into a *bufio.Writer
// of its default size or more, without a buffer of its own.
func NewCSVWriter(w io.Writer, props Selection) *CSVWriter {
	cw := &CSVWriter{w: csv.NewWriter(w), cols: CSVColumns(props)}
	cw.w.UseCRLF = true
	cw.rec = make([]string, len(cw.cols))
	cw.numeric = make([]bool, len(cw.cols))
	for i, col := range cw.cols {
		cw.numeric[i] = slices.Contains(csvNumeric, col)
	}
	_ = cw.w.Write(cw.cols) // errors stay in the csv.Writer until flush
	return cw
}

// CSVColumns returns the columns of a CSV of the properties in props, in
// the order CSVWriter writes them (see there).
func CSVColumns(props Selection) []string {
	cols := []string{"id", "lon", "lat", "wkt"}
	names := props.Names()
	for _, name := range names {
		if !slices.Contains(csvListProperties, name) {
			cols = append(cols, name)
		}
	}
	for _, name := range names {
		if slices.Contains(csvListProperties, name) {
			cols = append(cols, name)
		}
	}
	return cols
}

// Cell returns the text of column col (one of CSVColumns) for inc, as
// CSVWriter writes it before neutralising formulas.
func Cell(col string, inc *incidentmap.Incident) string {
	var cw CSVWriter
	return cw.cell(col, inc)
}

// Write writes the row of inc.
func (cw *CSVWriter) Write(inc *incidentmap.Incident) error {
	for i, col := range cw.cols {
		v := cw.cell(col, inc)
		if !cw.numeric[i] {
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
func (cw *CSVWriter) cell(col string, inc *incidentmap.Incident) string {
	switch col {
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
	case "title":
		return inc.Title
	case "summary":
		return inc.Summary
	case "occurred_start":
		return csvDay(inc.OccurredStart)
	case "occurred_end":
		return csvDay(inc.OccurredEnd)
	case "date_precision":
		return string(inc.DatePrecision)
	case "location_precision":
		return string(inc.LocationPrecision)
	case "place_name":
		return inc.PlaceName
	case "country":
		return inc.Country
	case "admin1_code":
		return inc.Admin1Code
	case "admin1_name":
		return inc.Admin1Name
	case "event_type":
		return inc.EventType
	case "sub_event_type":
		return inc.SubEventType
	case "target_type":
		return string(inc.TargetType)
	case "target_country":
		return inc.TargetCountry
	case "facility":
		return inc.Facility
	case "perpetrator":
		return inc.Perpetrator
	case "fatalities":
		return csvInt(inc.Fatalities)
	case "injuries":
		return csvInt(inc.Injuries)
	case "status":
		return string(inc.Status)
	case "version":
		return strconv.Itoa(inc.Version)
	case "created_at":
		return csvTime(inc.CreatedAt)
	case "updated_at":
		return csvTime(inc.UpdatedAt)
	case "actors":
		return strings.Join(inc.Actors, "; ")
	case "tags":
		return strings.Join(inc.Tags, "; ")
	case "external_ids":
		return strings.Join(inc.ExternalIDs, "; ")
	case "sources":
		parts := make([]string, len(inc.Sources))
		for i, src := range inc.Sources {
			parts[i] = csvSource(src)
		}
		return strings.Join(parts, " || ")
	case "responses":
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
