package ingest

import (
	"bytes"
	"fmt"
	"github.com/incidentmap/incidentmap/internal/shareddata"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/incidentmap/incidentmap/geo/shape"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/planar"
)

const (
	newsDev     = "testdata/gold/news_dev.txt"
	newsHeldout = "testdata/gold/news_heldout.txt" // the dev2 set: tuned on from 2026-12-01
	// newsHeldout2 is the held-out set, written blind (README in
	// testdata/gold); its misses are never printed.
	newsHeldout2 = "testdata/gold/news_heldout2.txt"
	newsRefs     = "testdata/gold/news_refs.tsv"
	sharedData   = "../../shared/data"
)

// newsSets are the news gold sets, by the name the evaluations report.
var newsSets = []struct{ name, path string }{{"dev", newsDev}, {"dev2", newsHeldout}, {"held-out", newsHeldout2}}

// requireShared skips a test that needs ../shared/data when it is absent,
// loudly, and fails it under CI.
func requireShared(t *testing.T) {
	t.Helper()
	shareddata.Path(t, "data")
}

// readNewsDocs reads a news gold set with the points of its references.
func readNewsDocs(t testing.TB, path string) []NewsDoc {
	t.Helper()
	docs := readNewsDocsNoRefs(t, path)
	rf, err := os.Open(newsRefs)
	if err != nil {
		t.Fatal(err)
	}
	defer rf.Close()
	refs, err := ReadNewsRefs(rf)
	if err != nil {
		t.Fatal(err)
	}
	if err := ResolveNewsRefs(docs, refs); err != nil {
		t.Fatal(err)
	}
	return docs
}

// neAdmin1 reads the Natural Earth admin-1 polygons and label points by
// ISO 3166-2 code (the first feature of a code gives its label point).
func neAdmin1(t *testing.T) (map[string]orb.MultiPolygon, map[string]orb.Point) {
	b, err := os.ReadFile(filepath.Join(sharedData, "boundaries", "ne_10m_admin1.geojson"))
	if err != nil {
		t.Fatal(err)
	}
	fc, err := geojson.UnmarshalFeatureCollection(b)
	if err != nil {
		t.Fatal(err)
	}
	polys, labels := map[string]orb.MultiPolygon{}, map[string]orb.Point{}
	for _, f := range fc.Features {
		code, _ := f.Properties["iso_3166_2"].(string)
		switch g := f.Geometry.(type) {
		case orb.Polygon:
			polys[code] = append(polys[code], g)
		case orb.MultiPolygon:
			polys[code] = append(polys[code], g...)
		}
		lat, ok1 := f.Properties["latitude"].(float64)
		lon, ok2 := f.Properties["longitude"].(float64)
		if _, seen := labels[code]; ok1 && ok2 && !seen {
			labels[code] = orb.Point{lon, lat}
		}
	}
	return polys, labels
}

// neAdmin0 returns each country's representative point from Natural
// Earth admin-0, keyed by the ISO code (Natural Earth's few non-ISO codes
// corrected as the gazetteer generator does).
func neAdmin0(t *testing.T) map[string]orb.Point {
	b, err := os.ReadFile(filepath.Join(sharedData, "boundaries", "ne_admin0_countries.geojson"))
	if err != nil {
		t.Fatal(err)
	}
	fc, err := geojson.UnmarshalFeatureCollection(b)
	if err != nil {
		t.Fatal(err)
	}
	fix := map[string]string{"PSX": "PSE", "KOS": "XKX", "SAH": "ESH", "SDS": "SSD", "ALD": "ALA", "USG": "CUB", "ESB": "CYP"}
	mps := map[string]orb.MultiPolygon{}
	for _, f := range fc.Features {
		a3, _ := f.Properties["country_a3"].(string)
		if c, ok := fix[a3]; ok {
			a3 = c
		}
		switch g := f.Geometry.(type) {
		case orb.Polygon:
			mps[a3] = append(mps[a3], g)
		case orb.MultiPolygon:
			mps[a3] = append(mps[a3], g...)
		}
	}
	out := map[string]orb.Point{}
	for code, mp := range mps {
		if p, ok := shape.RepresentativePoint(mp); ok {
			out[code] = p
		}
	}
	return out
}

// writeNewsRefs resolves every A0:, A1: and C: reference of the gold sets
// from ../shared/data and returns the refs file.
func writeNewsRefs(t *testing.T, docs []NewsDoc, labels map[string]orb.Point) []byte {
	countries := neAdmin0(t)
	f, err := os.Open(filepath.Join(sharedData, "boundaries", "us_counties_10m.topojson"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cs, err := shape.DecodeTopoJSON(f, "counties")
	if err != nil {
		t.Fatal(err)
	}
	counties := map[string]orb.Point{}
	for _, c := range cs {
		counties[c.ID], _ = shape.RepresentativePoint(c.Geometry)
	}
	var refs []string
	for _, d := range docs {
		for _, p := range d.Places {
			if !strings.HasPrefix(p.Ref, "P:") && !strings.HasPrefix(p.Ref, "R:") && !slices.Contains(refs, p.Ref) {
				refs = append(refs, p.Ref)
			}
		}
	}
	slices.Sort(refs)
	var b bytes.Buffer
	b.WriteString("# Points of the news gold references, written by go test ./ingest -run TestNewsRefs -update-gold from ../shared/data:\n")
	b.WriteString("# A0 = Natural Earth admin-0 representative point (geo/shape), A1 = Natural Earth admin-1 label point,\n")
	b.WriteString("# C = representative point of the US Census county (us-atlas TopoJSON). Natural Earth and Census data are public domain.\n")
	b.WriteString("ref\tlon\tlat\n")
	for _, r := range refs {
		kind, code, _ := strings.Cut(r, ":")
		var pt orb.Point
		var ok bool
		switch kind {
		case "A0":
			pt, ok = countries[code]
		case "A1":
			pt, ok = labels[code]
		case "C":
			pt, ok = counties[code]
		}
		if !ok {
			t.Errorf("reference %s is not in the shared data", r)
			continue
		}
		fmt.Fprintf(&b, "%s\t%.5f\t%.5f\n", r, pt[0], pt[1])
	}
	return b.Bytes()
}

// TestNewsRefs checks news_refs.tsv against ../shared/data (rewriting it
// with -update-gold), and that every typed city point lies in the Natural
// Earth admin-1 polygon its reference names (within 0.25°, for coasts).
func TestNewsRefs(t *testing.T) {
	requireShared(t)
	var docs []NewsDoc
	for _, set := range newsSets {
		docs = append(docs, readNewsDocsNoRefs(t, set.path)...)
	}
	polys, labels := neAdmin1(t)
	want := writeNewsRefs(t, docs, labels)
	if *updateGold {
		if err := os.WriteFile(newsRefs, want, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(newsRefs)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s is stale; run go test ./ingest -run TestNewsRefs -update-gold", newsRefs)
	}
	for _, d := range docs {
		for _, p := range d.Places {
			if !strings.HasPrefix(p.Ref, "P:") {
				continue
			}
			iso := p.Ref[strings.LastIndexByte(p.Ref, ':')+1:]
			mp, ok := polys[iso]
			if !ok {
				t.Errorf("%s %s: no Natural Earth admin-1 %s", d.ID, p.Surface, iso)
				continue
			}
			pt := orb.Point{p.Lon, p.Lat}
			if planar.MultiPolygonContains(mp, pt) {
				continue
			}
			near := false
			for _, dx := range []float64{-0.25, 0, 0.25} {
				for _, dy := range []float64{-0.25, 0, 0.25} {
					near = near || planar.MultiPolygonContains(mp, orb.Point{pt[0] + dx, pt[1] + dy})
				}
			}
			if !near {
				t.Errorf("%s %s: typed point %v is not in Natural Earth's %s", d.ID, p.Surface, pt, iso)
			}
		}
	}
}

func readNewsDocsNoRefs(t testing.TB, path string) []NewsDoc {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	docs, err := ReadNewsDocs(f)
	if err != nil {
		t.Fatal(err)
	}
	return docs
}

// newsFloors are the lowest Acc@161km the news gold sets may score, a
// little below what was measured when they were set (README, Geocoding).
var newsFloors = map[string]map[string]float64{
	"dev":  {ModeNameOnly: 0.94, ModeContext: 0.96},
	"dev2": {ModeNameOnly: 0.95, ModeContext: 0.97},
	// The held-out set (news_heldout2.txt) has the floors the first
	// held-out set had, none higher (measured before geofix: 0.948 name
	// only, 0.966 with context).
	"held-out": {ModeNameOnly: 0.92, ModeContext: 0.93},
}

// countryStateFloors are the floors of countries and US states together,
// with document context (measured: dev 1.000, dev2 1.000, held-out 1.000
// of 162; held-out has the first held-out set's floor).
var countryStateFloors = map[string]float64{"dev": 0.98, "dev2": 0.98, "held-out": 0.95}

// TestNewsEval runs the geocoder over the three news gold sets, name only and
// with document context, and fails when a set falls below its floor or a
// country or US state is missed. It needs only the committed fixtures.
func TestNewsEval(t *testing.T) {
	x := testExtractor(t)
	for _, set := range newsSets {
		docs := readNewsDocs(t, set.path)
		for _, mode := range []string{ModeNameOnly, ModeContext} {
			t.Run(set.name+"/"+mode, func(t *testing.T) {
				rep := EvalNews(x.g, set.name, docs, mode)
				cs, n := rep.ClassAcc("country", "us-state")
				t.Logf("%-8s %-9s N=%d Acc@161=%.3f mean=%.0f km median=%.1f km AUC=%.3f countries+US states=%.3f (%d)",
					set.name, mode, rep.N, rep.Acc161, rep.MeanKm, rep.MedianKm, rep.AUC, cs, n)
				if strings.HasPrefix(set.name, "dev") {
					for _, m := range rep.Misses {
						t.Logf("  miss %s: want %s, got %s (%.0f km)", m.Query, m.Want, m.Got, m.Km)
					}
				}
				if floor := newsFloors[set.name][mode]; rep.Acc161 < floor {
					t.Errorf("Acc@161km %.3f < floor %.3f", rep.Acc161, floor)
				}
				if floor := countryStateFloors[set.name]; mode == ModeContext && cs < floor {
					t.Errorf("countries and US states Acc@161km %.3f < floor %.3f", cs, floor)
				}
			})
		}
	}
}

// recognitionFloors are the lowest recall and precision the recogniser
// may score on each news gold set, a little below what was measured.
// (held-out, measured recall 0.989 and precision 0.996, has the first
// held-out set's floors.)
var recognitionFloors = map[string][2]float64{"dev": {0.95, 0.95}, "dev2": {0.98, 0.96}, "held-out": {0.96, 0.95}}

func TestRecognitionEval(t *testing.T) {
	x := testExtractor(t)
	for _, set := range newsSets {
		t.Run(set.name, func(t *testing.T) {
			rep := EvalRecognition(x, set.name, readNewsDocs(t, set.path))
			t.Logf("%-8s gold %d found %d TP %d precision %.3f recall %.3f", set.name, rep.Gold, rep.Found, rep.TP, rep.Precision, rep.Recall)
			if strings.HasPrefix(set.name, "dev") {
				t.Logf("  missed: %s", strings.Join(rep.Missed, "; "))
				t.Logf("  spurious: %s", strings.Join(rep.Spurious, "; "))
			}
			f := recognitionFloors[set.name]
			if rep.Recall < f[0] || rep.Precision < f[1] {
				t.Errorf("recall %.3f precision %.3f, floors %.3f %.3f", rep.Recall, rep.Precision, f[0], f[1])
			}
		})
	}
}
