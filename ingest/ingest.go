// Package ingest turns outside data into incidents: GeoJSON FeatureCollections
// in the wire shape of package feature (the import format, and the format of
// the seed incidents shipped in seeds.geojson). Reading is all or nothing: a
// file with one bad feature yields no incidents and a report naming every bad
// feature by line, position and id.
package ingest

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/incidentmap/incidentmap"
	"github.com/incidentmap/incidentmap/feature"
)

// MaxProblems caps how many bad features one report lists.
const MaxProblems = 20

//go:embed seeds.geojson
var seedGeoJSON []byte

// Seeds returns the incidents reported in the seed articles (see
// docs/seeds.md), which a new, empty database is loaded with.
func Seeds() ([]*incidentmap.Incident, error) {
	incs, err := ReadGeoJSON(bytes.NewReader(seedGeoJSON))
	if err != nil {
		return nil, fmt.Errorf("ingest: seeds: %w", err)
	}
	return incs, nil
}

// ReadGeoJSON reads a GeoJSON FeatureCollection of incidents. When any
// feature is malformed, invalid, or repeats an earlier id, it returns no
// incidents and an EINVALID error whose message has one line per problem
// (up to MaxProblems): "line L: feature N (id X): field: reason", with N
// counted from 1.
func ReadGeoJSON(r io.Reader) ([]*incidentmap.Incident, error) {
	incs, _, err := ReadGeoJSONWith(r, Options{})
	return incs, err
}

// ReadGeoJSONWith is ReadGeoJSON that first completes each feature as opt
// allows (see Options): country and province from the point, the point
// from a place name. It also returns notes for the import report, one line
// each, such as a given province that disagrees with the point.
func ReadGeoJSONWith(r io.Reader, opt Options) ([]*incidentmap.Incident, []string, error) {
	incs, notes, err := readGeoJSON(r, opt)
	if err != nil {
		return nil, nil, err
	}
	return incs, notes, nil
}

func readGeoJSON(r io.Reader, opt Options) ([]*incidentmap.Incident, []string, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, nil, fmt.Errorf("ingest: read: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	lines := &lineCounter{data: data}
	at := func() int { return lines.at(dec.InputOffset()) }
	if err := expectDelim(dec, '{'); err != nil {
		return nil, nil, invalid(at(), "the file must be a GeoJSON FeatureCollection object")
	}
	var incs []*incidentmap.Incident
	var problems, notes []string
	sawType, sawFeatures := false, false
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, nil, invalid(at(), "malformed JSON")
		}
		switch key, _ := tok.(string); key {
		case "type":
			var typ string
			if err := dec.Decode(&typ); err != nil || typ != "FeatureCollection" {
				return nil, nil, invalid(at(), `"type" must be "FeatureCollection"`)
			}
			sawType = true
		case "features":
			if err := expectDelim(dec, '['); err != nil {
				return nil, nil, invalid(at(), `"features" must be an array`)
			}
			sawFeatures = true
			seen := map[string]int{}
			for n := 1; dec.More(); n++ {
				line := lines.at(dec.InputOffset() + int64(leadingSpace(data[dec.InputOffset():])))
				var raw json.RawMessage
				if err := dec.Decode(&raw); err != nil {
					return nil, nil, invalid(line, fmt.Sprintf("feature %d: malformed JSON", n))
				}
				where := fmt.Sprintf("line %d: feature %d%s: ", line, n, idOf(raw))
				raw, featureNotes, err := opt.complete(raw)
				var inc *incidentmap.Incident
				if err == nil {
					inc, err = feature.Decode(raw)
				}
				switch {
				case err != nil:
					problems = append(problems, where+incidentmap.ErrorMessage(err))
				case seen[inc.ID] > 0:
					problems = append(problems, fmt.Sprintf("line %d: feature %d (id %s): id: repeats feature %d", line, n, inc.ID, seen[inc.ID]))
				default:
					seen[inc.ID] = n
					incs = append(incs, inc)
					for _, note := range featureNotes {
						notes = append(notes, where+note)
					}
				}
				if len(problems) >= MaxProblems {
					problems = append(problems, "(stopped after this many problems)")
					return nil, nil, invalidReport(problems)
				}
			}
			if err := expectDelim(dec, ']'); err != nil {
				return nil, nil, invalid(at(), "malformed JSON after the features")
			}
		default:
			var skip json.RawMessage // foreign members, bbox, name, crs…
			if err := dec.Decode(&skip); err != nil {
				return nil, nil, invalid(at(), "malformed JSON")
			}
		}
	}
	if !sawType || !sawFeatures {
		return nil, nil, invalid(at(), `a FeatureCollection needs "type" and "features"`)
	}
	if len(problems) > 0 {
		return nil, nil, invalidReport(problems)
	}
	return incs, notes, nil
}

func expectDelim(dec *json.Decoder, want json.Delim) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if d, ok := tok.(json.Delim); !ok || d != want {
		return fmt.Errorf("want %v", want)
	}
	return nil
}

// idOf returns " (id X)" for a feature whose id can be read, else "".
func idOf(raw json.RawMessage) string {
	var f struct {
		ID any `json:"id"`
	}
	if json.Unmarshal(raw, &f) != nil || f.ID == nil {
		return ""
	}
	id := fmt.Sprint(f.ID)
	if len(id) > 80 {
		id = id[:80] + "…"
	}
	return " (id " + id + ")"
}

// lineCounter gives the line number of byte offsets that only grow, as a
// decoder reads forward, counting each newline once.
type lineCounter struct {
	data   []byte
	offset int64 // of the last answer
	line   int   // at offset, counted from 0
}

func (c *lineCounter) at(offset int64) int {
	offset = min(offset, int64(len(c.data)))
	if offset < c.offset { // never happens as used; count afresh
		c.offset, c.line = 0, 0
	}
	c.line += bytes.Count(c.data[c.offset:offset], []byte{'\n'})
	c.offset = offset
	return 1 + c.line
}

// leadingSpace counts the white space and separators before the next value.
func leadingSpace(b []byte) int {
	n := 0
	for n < len(b) && strings.IndexByte(" \t\r\n,", b[n]) >= 0 {
		n++
	}
	return n
}

func invalid(line int, msg string) error {
	return &incidentmap.Error{Code: incidentmap.EINVALID, Param: "file", Message: fmt.Sprintf("line %d: %s", line, msg)}
}

func invalidReport(problems []string) error {
	return &incidentmap.Error{Code: incidentmap.EINVALID, Param: "file", Message: strings.Join(problems, "\n")}
}
