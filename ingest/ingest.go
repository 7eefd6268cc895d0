// Package ingest turns outside data into incidents. Import streams a file
// into a store in one transaction: GeoJSON FeatureCollections in the wire
// shape of package feature (also the format of the seed incidents shipped
// in seeds.geojson), CSV through a column Mapping, and the exports of UCDP
// GED, GDELT 2.0, ACLED and GTD, each mapped field by field (see README
// "Import and export"). Records are completed from the boundaries and the
// gazetteer, rejected records are reported by line, field and reason, and
// the store creates, updates or leaves alone each incident by id and
// external id. ReadGeoJSON reads a whole collection or nothing. The
// package also drafts incidents from news text (extract*.go) and measures
// the geocoder and extractor (eval*.go).
package ingest

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/incidentmap/incidentmap"
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
	g := newGeoJSONReader(r, opt)
	defer g.close()
	var incs []*incidentmap.Incident
	var problems, notes []string
	seen := map[string]int{}
	for n := 1; ; n++ {
		rec, err := g.next()
		if errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return nil, nil, err
		}
		switch {
		case rec.err != nil:
			problems = append(problems, fmt.Sprintf("line %d: %s", rec.line, incidentmap.ErrorMessage(rec.err)))
		case seen[rec.inc.ID] > 0:
			problems = append(problems, fmt.Sprintf("line %d: feature %d (id %s): id: repeats feature %d", rec.line, n, rec.inc.ID, seen[rec.inc.ID]))
		default:
			seen[rec.inc.ID] = n
			incs = append(incs, rec.inc)
			for _, note := range rec.notes {
				notes = append(notes, fmt.Sprintf("line %d: feature %d%s: %s", rec.line, n, " (id "+rec.inc.ID+")", note))
			}
		}
		if len(problems) >= MaxProblems {
			problems = append(problems, "(stopped after this many problems)")
			return nil, nil, invalidReport(problems)
		}
	}
	if len(problems) > 0 {
		return nil, nil, invalidReport(problems)
	}
	return incs, notes, nil
}

func invalid(line int, msg string) error {
	return &incidentmap.Error{Code: incidentmap.EINVALID, Param: "file", Message: fmt.Sprintf("line %d: %s", line, msg)}
}

func invalidReport(problems []string) error {
	return &incidentmap.Error{Code: incidentmap.EINVALID, Param: "file", Message: strings.Join(problems, "\n")}
}
