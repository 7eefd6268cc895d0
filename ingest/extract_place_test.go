package ingest

import (
	"testing"

	"github.com/incidentmap/incidentmap"
)

// TestDraftPlacesFromDocument: drafting takes its places from the
// recogniser and the document-level resolution, so the article's other
// places and "X, Y" patterns decide among places of one name, and a
// province and its namesake town are one incident's place.
func TestDraftPlacesFromDocument(t *testing.T) {
	tests := []struct {
		name, text      string
		country, admin1 string
		precision       incidentmap.LocationPrecision
	}{
		{"comma pattern", "A bomb exploded outside a school in Alexandria, Virginia, on Monday.", "USA", "US-VA", incidentmap.LocationCity},
		{"another place named", "Gunmen opened fire at a bus station in Alexandria on Monday, police in Virginia said.", "USA", "US-VA", incidentmap.LocationCity},
		{"no context", "Gunmen opened fire at a bus station in Alexandria on Monday.", "EGY", "", incidentmap.LocationCity},
		{"province", "A bomb exploded in Helmand province on Monday.", "AFG", "AF-HEL", incidentmap.LocationProvince},
		{"province and its town", "The Taliban took over the province of Herat. Officials said the Taliban captured Herat on Thursday.",
			"AFG", "AF-HER", incidentmap.LocationCity},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inc := extractOne(t, tt.text, mustDay("2022-04-12")).Incident
			if inc.Country != tt.country || tt.admin1 != "" && inc.Admin1Code != tt.admin1 || inc.LocationPrecision != tt.precision {
				t.Errorf("got %s %s %s (%s), want %s %s %s", inc.Country, inc.Admin1Code, inc.LocationPrecision, inc.PlaceName, tt.country, tt.admin1, tt.precision)
			}
		})
	}
}

// TestDraftToponymsAreRecognised: every toponym drafting considers is a
// place the recogniser found (same offsets), and a demonym or a country
// named as an actor ("Iran said") or after a comma ("Herat, Afghanistan")
// is none, and neither is a demonym, even after "in" ("in Iraqi
// territory").
func TestDraftToponymsAreRecognised(t *testing.T) {
	text := "Iran said Iranian diplomats were safe. Protesters stormed the Iranian consulate in Herat, Afghanistan, on Monday, and in Kabul. Security was tightened in Afghanistan. Drones fell in Iraqi territory."
	ex, err := testExtractor(t).Extract(text, mustDay("2022-04-12"))
	if err != nil {
		t.Fatal(err)
	}
	found := map[[2]int]bool{}
	for _, p := range ex.Places {
		found[[2]int{p.Start, p.End}] = true
	}
	var names []string
	for _, tp := range ex.Toponyms {
		if !found[[2]int{tp.Start, tp.End}] {
			t.Errorf("toponym %q at %d-%d is not one of the recognised places", tp.Text, tp.Start, tp.End)
		}
		names = append(names, tp.Text)
	}
	want := []string{"Herat", "Kabul", "Afghanistan"}
	if len(names) != len(want) {
		t.Fatalf("toponyms %q, want %q", names, want)
	}
	for i := range want {
		if names[i] != want[i] {
			t.Errorf("toponyms %q, want %q", names, want)
		}
	}
}
