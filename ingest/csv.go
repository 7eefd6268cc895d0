package ingest

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/incidentmap/incidentmap"
	"github.com/paulmach/orb"
)

// Limits on CSV input. A record longer than MaxRecordBytes (an unterminated
// quote swallows the rest of a file into one field) stops the import: it
// cannot be told where the next record starts. A header with more than
// MaxColumns columns is refused before any row is read.
const (
	MaxColumns     = 512
	MaxRecordBytes = 1 << 20
)

// errRecordTooLarge is what guardReader returns past MaxRecordBytes.
var errRecordTooLarge = fmt.Errorf("a record is longer than %d bytes (an unterminated quote?)", MaxRecordBytes)

// guardReader fails once more than MaxRecordBytes pass without a reset,
// which the table does after every record.
type guardReader struct {
	r io.Reader
	n int
}

func (g *guardReader) Read(p []byte) (int, error) {
	if g.n > MaxRecordBytes {
		return 0, errRecordTooLarge
	}
	n, err := g.r.Read(p)
	g.n += n
	return n, err
}

// table reads CSV records and finds fields by column name.
type table struct {
	r      *csv.Reader
	guard  *guardReader
	header []string
	index  map[string]int
	rec    []string
	line   int
	// countries maps lower-case English country names to alpha-3 codes.
	countries map[string]string
}

// newTable reads the header row of a CSV input with the given delimiter.
func newTable(r io.Reader, comma rune) (*table, error) {
	g := &guardReader{r: r}
	cr := csv.NewReader(g)
	cr.Comma = comma
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	t := &table{r: cr, guard: g}
	header, err := cr.Read()
	switch {
	case errors.Is(err, io.EOF):
		return nil, invalid(1, "the file is empty; a header row is required")
	case errors.Is(err, errRecordTooLarge):
		return nil, invalid(1, fmt.Sprintf("the header is longer than %d bytes", MaxRecordBytes))
	case err != nil:
		return nil, invalid(1, "the header row is not valid CSV: "+csvReason(err))
	case len(header) > MaxColumns:
		return nil, invalid(1, fmt.Sprintf("the header has %d columns; at most %d are accepted", len(header), MaxColumns))
	}
	t.line = 1
	t.header = make([]string, len(header))
	t.index = map[string]int{}
	for i, h := range header {
		if !utf8.ValidString(h) {
			return nil, invalid(1, fmt.Sprintf("column %d of the header is not UTF-8 text; save the file as UTF-8", i+1))
		}
		h = strings.TrimSpace(strings.TrimPrefix(h, "\uFEFF"))
		t.header[i] = h
		if _, dup := t.index[h]; !dup {
			t.index[h] = i
		}
	}
	return t, nil
}

// read reads the next record. A record that is not valid CSV, has another
// number of fields than the header, or is not UTF-8 is returned as a
// rejection (rej); a fatal error stops the import.
func (t *table) read() (line int, rej error, fatal error) {
	t.guard.n = 0
	rec, err := t.r.Read()
	var perr *csv.ParseError
	switch {
	case errors.Is(err, io.EOF):
		return 0, nil, io.EOF
	case errors.Is(err, errRecordTooLarge):
		return 0, nil, invalid(t.line+1, errRecordTooLarge.Error()+"; nothing after it was read")
	case errors.As(err, &perr):
		t.line = perr.Line
		return perr.StartLine, incidentmap.Invalidf("csv", "%s", csvReason(err)), nil
	case err != nil:
		return 0, nil, fmt.Errorf("ingest: read: %w", err)
	}
	line, _ = t.r.FieldPos(0)
	t.rec = rec
	t.line, _ = t.r.FieldPos(len(rec) - 1) // where the record ends, near enough
	if len(rec) != len(t.header) {
		return line, incidentmap.Invalidf("csv", "has %d fields; the header has %d", len(rec), len(t.header)), nil
	}
	for i, f := range rec {
		if !utf8.ValidString(f) {
			return line, incidentmap.Invalidf(t.header[i], "column %s is not UTF-8 text; save the file as UTF-8", t.header[i]), nil
		}
	}
	return line, nil, nil
}

// csvReason is the reason of a CSV parse error without its position.
func csvReason(err error) string {
	var perr *csv.ParseError
	if errors.As(err, &perr) {
		switch {
		case errors.Is(perr.Err, csv.ErrBareQuote):
			return `a quote (") inside an unquoted field; quote the field and double the quote`
		case errors.Is(perr.Err, csv.ErrQuote):
			return `a quoted field is not closed, or a quote inside it is not doubled`
		}
		return perr.Err.Error()
	}
	return err.Error()
}

// get returns the trimmed value of a column, "" when there is no such column.
func (t *table) get(col string) string {
	if i, ok := t.index[col]; ok {
		return strings.TrimSpace(t.rec[i])
	}
	return ""
}

// has reports whether the header has the column.
func (t *table) has(col string) bool {
	_, ok := t.index[col]
	return ok
}

// rowFunc turns the current record of a table into an incident. hasPoint
// is false when the record gives no coordinates (then it is geocoded from
// its place name).
type rowFunc func(t *table, o Options) (inc *incidentmap.Incident, hasPoint bool, notes []string, err error)

// tableReader reads a CSV format whose rows a rowFunc maps.
type tableReader struct {
	t    *table
	row  rowFunc
	opt  Options
	need []string // columns the header must have
}

func newCSVFormatReader(r io.Reader, comma rune, row rowFunc, need []string, opt Options) (*tableReader, error) {
	t, err := newTable(r, comma)
	if err != nil {
		return nil, err
	}
	var missing []string
	for _, col := range need {
		if !t.has(col) {
			missing = append(missing, col)
		}
	}
	if len(missing) > 0 {
		return nil, invalid(1, fmt.Sprintf("the header lacks the column(s) %s of the %s format", strings.Join(missing, ", "), opt.Format))
	}
	return &tableReader{t: t, row: row, opt: opt}, nil
}

func (tr *tableReader) next() (record, error) {
	line, rej, err := tr.t.read()
	if err != nil {
		return record{}, err
	}
	if rej != nil {
		return record{line: line, err: rej}, nil
	}
	inc, hasPoint, notes, err := tr.row(tr.t, tr.opt)
	if err == nil {
		var more []string
		more, err = tr.opt.completeIncident(inc, hasPoint)
		notes = append(notes, more...)
	}
	if err == nil {
		err = inc.Validate()
	}
	return record{line: line, inc: inc, notes: notes, err: err}, nil
}

// Parsers of cell values; errors name the column.

func parseFloatCell(col, s string) (float64, bool, error) {
	if s == "" {
		return 0, false, nil
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, false, incidentmap.Invalidf(col, "must be a decimal number, got %q", clip(s))
	}
	return v, true, nil
}

// parsePoint reads a longitude and a latitude column; both empty is no
// point, one empty is an error.
func parsePoint(lonCol, lon, latCol, lat string) (orb.Point, bool, error) {
	x, okX, err := parseFloatCell(lonCol, lon)
	if err != nil {
		return orb.Point{}, false, err
	}
	y, okY, err := parseFloatCell(latCol, lat)
	if err != nil {
		return orb.Point{}, false, err
	}
	if okX != okY {
		return orb.Point{}, false, incidentmap.Invalidf(lonCol, "%s and %s must both be given or both be empty", lonCol, latCol)
	}
	p := orb.Point{x, y}
	if okX && !incidentmap.ValidLonLat(p) {
		return p, false, incidentmap.Invalidf(lonCol, "%s must be in [-180, 180] and %s in [-90, 90], got %v, %v", lonCol, latCol, x, y)
	}
	return p, okX, nil
}

// parseCount reads a non-negative whole number; empty is unknown (nil).
func parseCount(col, s string) (*int, error) {
	if s == "" {
		return nil, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return nil, incidentmap.Invalidf(col, "must be a whole number ≥ 0 or empty, got %q", clip(s))
	}
	return &n, nil
}

func parseDate(col, layout, s string) (time.Time, error) {
	t, err := time.Parse(layout, s)
	if err != nil {
		return time.Time{}, incidentmap.Invalidf(col, "must be a date like %s, got %q", layoutExample(layout), clip(s))
	}
	return incidentmap.Day(t), nil
}

func layoutExample(layout string) string {
	return time.Date(2021, 8, 15, 0, 0, 0, 0, time.UTC).Format(layout)
}

// clip shortens a cell quoted in a message.
func clip(s string) string {
	if len(s) <= 60 {
		return s
	}
	cut := 60
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut-- // never split a character
	}
	return s[:cut] + "…"
}

// title cuts a title (or a source's publisher or title) to the
// incidentmap.MaxTextRunes characters the domain takes, ending in "…" when
// it was longer: a few GED headlines run past it, and a cut one still
// identifies the report.
func title(s string) string {
	if utf8.RuneCountInString(s) <= incidentmap.MaxTextRunes {
		return s
	}
	r := []rune(s)
	return string(r[:incidentmap.MaxTextRunes-1]) + "…"
}
