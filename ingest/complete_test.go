package ingest

import (
	"bytes"
	"strings"
	"testing"

	"github.com/incidentmap/incidentmap"
	"github.com/incidentmap/incidentmap/geo"
)

// shared loads the embedded geographic data once for all tests here.
var shared geo.Data

func geoOptions(t testing.TB) Options {
	t.Helper()
	regions, err := shared.Regions()
	if err != nil {
		t.Fatal(err)
	}
	return Options{Regions: regions, Gazetteer: shared.Gazetteer}
}

// bare returns a feature with only the required properties plus extra
// (raw JSON members, each starting with a comma) and the given geometry.
func bare(id, geometry, extra string) string {
	return `{"type":"Feature","id":"` + id + `","geometry":` + geometry + `,
  "properties":{"title":"T","occurred_start":"2022-04-11","event_type":"Protests","target_type":"consulate"` + extra + `}}`
}

func read(t *testing.T, opt Options, features ...string) ([]*incidentmap.Incident, []string, error) {
	t.Helper()
	return ReadGeoJSONWith(strings.NewReader(fc(features...)), opt)
}

func TestCompleteFromPoint(t *testing.T) {
	opt := geoOptions(t)
	herat := `{"type":"Point","coordinates":[62.2,34.35]}`
	incs, notes, err := read(t, opt,
		bare("filled", herat, `,"location_precision":"city"`),
		bare("conflict", herat, `,"location_precision":"city","country":"AFG","admin1_code":"AF-KAB","admin1_name":"Kabul"`),
		bare("whole-country", `{"type":"Point","coordinates":[66.01,33.84]}`, `,"location_precision":"country"`),
	)
	if err != nil {
		t.Fatal(err)
	}
	if got := incs[0]; got.Country != "AFG" || got.Admin1Code != "AF-HER" || got.Admin1Name == "" {
		t.Errorf("filled: country %q admin1 %q %q, want AFG AF-HER", got.Country, got.Admin1Code, got.Admin1Name)
	}
	if got := incs[1]; got.Admin1Code != "AF-KAB" {
		t.Errorf("a given province is kept (and flagged), got %q", got.Admin1Code)
	}
	if len(notes) != 1 || !strings.Contains(notes[0], "feature 2 (id conflict): conflict: admin1_code AF-KAB disagrees with the point, which lies in AF-HER") {
		t.Errorf("notes %q", notes)
	}
	if got := incs[2]; got.Country != "AFG" || got.Admin1Code != "" {
		t.Errorf("a country-precision point gets the country only, got %q %q", got.Country, got.Admin1Code)
	}
}

func TestCompleteFromPlaceName(t *testing.T) {
	opt := geoOptions(t)
	incs, notes, err := read(t, opt,
		bare("herat", "null", `,"place_name":"Herat","country":"AFG"`),
		bare("karbala", "null", `,"place_name":"Kerbala"`),
		bare("green-zone", "null", `,"place_name":"Green Zone, Baghdad"`),
	)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct{ country, admin1, precision string }{{"AFG", "AF-HER", "city"}, {"IRQ", "IQ-KA", "city"}, {"IRQ", "IQ-BG", "site"}}
	for i, w := range want {
		got := incs[i]
		if got.Country != w.country || got.Admin1Code != w.admin1 || string(got.LocationPrecision) != w.precision {
			t.Errorf("%s: %s %s %s, want %+v", got.ID, got.Country, got.Admin1Code, got.LocationPrecision, w)
		}
	}
	if len(notes) != 3 || !strings.Contains(notes[0], `geocoded place_name "Herat" to Herāt (AFG`) {
		t.Errorf("notes %q", notes)
	}
}

func TestCompleteRefusesToGuess(t *testing.T) {
	opt := geoOptions(t)
	cases := map[string]string{
		bare("ambiguous", "null", `,"place_name":"Springfield"`):             `"Springfield" is ambiguous; candidates:`,
		bare("unknown", "null", `,"place_name":"Qqqxyzzy"`):                  `"Qqqxyzzy" is not in the gazetteer`,
		bare("no-place", "null", ``):                                         `geometry`,
		bare("control", "null", `,"place_name":"\u0000\u0001"`):              `place_name`,
		bare("long", "null", `,"place_name":"`+strings.Repeat("a", 300)+`"`): `place_name`,
	}
	for feat, want := range cases {
		incs, _, err := read(t, opt, feat)
		if incs != nil || !strings.Contains(incidentmap.ErrorMessage(err), want) {
			t.Errorf("got %v, %v; want an error containing %q", incs, err, want)
		}
	}
	// Without a gazetteer a missing geometry is an error, not a guess.
	_, _, err := read(t, Options{Regions: opt.Regions}, bare("herat", "null", `,"place_name":"Herat"`))
	if !strings.Contains(incidentmap.ErrorMessage(err), "does not geocode") {
		t.Errorf("got %v", err)
	}
}

// The hand-coded seeds agree with the boundaries: completing them changes
// nothing and notes nothing.
func TestSeedsAgreeWithBoundaries(t *testing.T) {
	plain, err := Seeds()
	if err != nil {
		t.Fatal(err)
	}
	completed, notes, err := ReadGeoJSONWith(bytes.NewReader(seedGeoJSON), geoOptions(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(notes) != 0 {
		t.Errorf("seeds disagree with the boundaries: %q", notes)
	}
	for i := range plain {
		if plain[i].Admin1Code != completed[i].Admin1Code || plain[i].Country != completed[i].Country {
			t.Errorf("%s: %s/%s became %s/%s", plain[i].ID, plain[i].Country, plain[i].Admin1Code, completed[i].Country, completed[i].Admin1Code)
		}
	}
}
