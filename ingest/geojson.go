package ingest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/incidentmap/incidentmap"
	"github.com/incidentmap/incidentmap/feature"
)

// MaxFeatureBytes caps one feature of a GeoJSON import, roughly (the
// decoder's look-ahead counts too): a larger one is not an incident, and
// reading it would hold it all in memory.
const MaxFeatureBytes = 1 << 20

// geoJSONReader streams the features of a FeatureCollection: the decoder
// reads tokens up to the features array and then one feature at a time,
// so that memory holds one feature, never the file.
type geoJSONReader struct {
	opt      Options
	lines    *lineReader
	dec      *json.Decoder
	n        int  // features read
	inArray  bool // inside "features"
	done     bool
	sawType  bool
	sawArray bool
}

func newGeoJSONReader(r io.Reader, opt Options) *geoJSONReader {
	lines := &lineReader{r: r}
	dec := json.NewDecoder(lines)
	dec.DisallowUnknownFields()
	return &geoJSONReader{opt: opt, lines: lines, dec: dec}
}

func (g *geoJSONReader) at() int { return g.lines.lineAt(g.dec.InputOffset()) }

func (g *geoJSONReader) next() (record, error) {
	if g.done {
		return record{}, io.EOF
	}
	if g.n == 0 && !g.inArray {
		if err := g.start(); err != nil {
			g.done = true
			return record{}, err
		}
	}
	if g.inArray && g.dec.More() {
		g.n++
		line := g.lines.lineAt(g.lines.skipSpace(g.dec.InputOffset()))
		inc, hasPoint, id, err := feature.ParseNext(g.dec)
		var domainErr *incidentmap.Error
		switch {
		case errors.Is(err, errFeatureTooLarge):
			g.done = true
			return record{}, invalid(line, fmt.Sprintf("feature %d: %v; nothing after it was read", g.n, err))
		case err != nil && !errors.As(err, &domainErr):
			g.done = true
			return record{}, invalid(line, fmt.Sprintf("feature %d: malformed JSON", g.n))
		}
		rec := record{line: line}
		if err == nil {
			rec.notes, err = g.opt.completeIncident(inc, hasPoint)
		}
		if err == nil {
			err = inc.Validate()
		}
		if rec.err = err; err == nil {
			rec.inc = inc
		} else {
			rec.err = prefixFeature(rec.err, g.n, id)
		}
		return rec, nil
	}
	g.done = true
	if g.inArray {
		if err := expectDelim(g.dec, ']'); err != nil {
			return record{}, invalid(g.at(), "malformed JSON after the features")
		}
		g.inArray = false
		if err := g.members(); err != nil {
			return record{}, err
		}
	}
	if !g.sawType || !g.sawArray {
		return record{}, invalid(g.at(), `a FeatureCollection needs "type" and "features"`)
	}
	return record{}, io.EOF
}

// start reads up to the first feature.
func (g *geoJSONReader) start() error {
	if err := expectDelim(g.dec, '{'); err != nil {
		return invalid(g.at(), "the file must be a GeoJSON FeatureCollection object")
	}
	return g.members()
}

// members reads the members of the collection object until the features
// array opens or the object ends.
func (g *geoJSONReader) members() error {
	for g.dec.More() {
		tok, err := g.dec.Token()
		if err != nil {
			return invalid(g.at(), "malformed JSON")
		}
		switch key, _ := tok.(string); key {
		case "type":
			var typ string
			if err := g.dec.Decode(&typ); err != nil || typ != "FeatureCollection" {
				return invalid(g.at(), `"type" must be "FeatureCollection"`)
			}
			g.sawType = true
		case "features":
			if g.sawArray {
				return invalid(g.at(), `"features" appears twice`)
			}
			if err := expectDelim(g.dec, '['); err != nil {
				return invalid(g.at(), `"features" must be an array`)
			}
			g.sawArray, g.inArray = true, true
			return nil
		default:
			var skip json.RawMessage // foreign members, bbox, name, crs…
			if err := g.dec.Decode(&skip); err != nil {
				return invalid(g.at(), "malformed JSON")
			}
		}
	}
	if _, err := g.dec.Token(); err != nil { // the closing brace
		return invalid(g.at(), "malformed JSON at the end")
	}
	return nil
}

// prefixFeature puts "feature N (id X): " before a record's error.
func prefixFeature(err error, n int, id string) error {
	where := fmt.Sprintf("feature %d", n)
	if id != "" {
		where += " (id " + clip(id) + ")"
	}
	return &incidentmap.Error{Code: incidentmap.ErrorCode(err), Param: incidentmap.ErrorParam(err),
		Message: where + ": " + incidentmap.ErrorMessage(err)}
}

// lineReader passes reads through and answers the line of byte offsets
// that only grow, keeping only the bytes between the last answer and the
// read position (the decoder's look-ahead), never the whole input.
type lineReader struct {
	r      io.Reader
	win    []byte // input from offset start on
	start  int64
	offset int64 // of the last answer, ≥ start
	line   int   // newlines before offset
}

func (l *lineReader) Read(p []byte) (int, error) {
	if int64(len(l.win))-(l.offset-l.start) > 4*MaxFeatureBytes {
		return 0, errFeatureTooLarge
	}
	n, err := l.r.Read(p)
	l.win = append(l.win, p[:n]...)
	return n, err
}

// errFeatureTooLarge stops a decoder inside a feature far larger than an
// incident.
var errFeatureTooLarge = fmt.Errorf("a feature is larger than %d bytes", MaxFeatureBytes)

// lineAt returns the line, counted from 1, of the byte at offset.
func (l *lineReader) lineAt(offset int64) int {
	end := min(offset-l.start, int64(len(l.win)))
	if from := l.offset - l.start; end > from {
		l.line += bytes.Count(l.win[from:end], []byte{'\n'})
		l.offset = l.start + end
	}
	// Drop what lies before the answer once it is large.
	if drop := l.offset - l.start; drop > 64<<10 {
		l.win = append(l.win[:0], l.win[drop:]...)
		l.start = l.offset
	}
	return 1 + l.line
}

// skipSpace returns the offset of the first byte at or after offset that
// is not white space or a comma, as far as the read input shows.
func (l *lineReader) skipSpace(offset int64) int64 {
	i := offset - l.start
	for i >= 0 && i < int64(len(l.win)) && strings.IndexByte(" \t\r\n,", l.win[i]) >= 0 {
		i++
	}
	return l.start + i
}
