package gazetteer

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/incidentmap/incidentmap/internal/shareddata"
)

// indexedLanguages are the world_countries.json translations the
// generator indexes (gen's translationLangs).
var indexedLanguages = []string{"ara", "per", "urd", "fra", "spa", "deu", "por", "ita", "rus", "tur"}

// TestRankCountrySpellingsNeverTown: every name world_countries.json gives
// a country in English (common and official names, spellings of three
// letters or more, demonyms) and its common name in the indexed languages
// (up to the 80 bytes the generator indexes)
// resolves to that country — or, for a name two countries share
// ("French" for France and its southern lands), to one of them — and
// never to a town. Two-letter spellings are ISO codes, and "Korea,
// Republic of" is a list entry, not a name; both are left out.
func TestRankCountrySpellingsNeverTown(t *testing.T) {
	var wc []struct {
		Name         struct{ Common, Official string }
		CCA3         string
		AltSpellings []string
		Translations map[string]struct{ Common string }
		Demonyms     map[string]struct{ F, M string }
	}
	readSharedJSON(t, &wc, "data", "gazetteer", "world_countries.json")
	g := mustLoad(t)
	code := func(cca3 string) string {
		if cca3 == "UNK" { // world_countries.json's Kosovo
			return "XKX"
		}
		return cca3
	}
	names := map[string][]string{}         // code → names
	owners := map[string]map[string]bool{} // normalised name → codes
	for _, c := range wc {
		cc := code(c.CCA3)
		add := func(n string) {
			n = strings.TrimSpace(n)
			// The generator indexes names of up to 80 bytes.
			if len([]rune(n)) < 3 || len(n) > 80 || strings.ContainsAny(n, ",،") {
				return
			}
			names[cc] = append(names[cc], n)
			k := normalize(n)
			if owners[k] == nil {
				owners[k] = map[string]bool{}
			}
			owners[k][cc] = true
		}
		add(c.Name.Common)
		add(c.Name.Official)
		// The generator also indexes the short form of "(Democratic)
		// Republic of (the) X": "Congo" then names both Congos.
		for _, prefix := range []string{"Democratic Republic of the ", "Democratic Republic of ", "Republic of the ", "Republic of "} {
			if rest, ok := strings.CutPrefix(c.Name.Official, prefix); ok {
				add(rest)
				break
			}
		}
		for _, s := range c.AltSpellings {
			add(s)
		}
		for _, d := range []string{c.Demonyms["eng"].M, c.Demonyms["eng"].F} {
			for _, s := range strings.Split(d, ",") {
				add(s)
			}
		}
		for _, l := range indexedLanguages {
			add(c.Translations[l].Common)
		}
	}
	if len(names) < 249 {
		t.Fatalf("%d countries read, want 249 or more", len(names))
	}
	n := 0
	for cc, ns := range names {
		for _, name := range ns {
			n++
			cs := g.Search(Query{Text: name, Limit: 1})
			if len(cs) == 0 {
				t.Errorf("%s %q: no answer, want the country", cc, name)
				continue
			}
			c := cs[0]
			ok := c.Kind == KindCountry && owners[normalize(name)][c.Code] ||
				cc == "ATA" && c.Kind == KindContinent // Antarctica is also the continent
			if !ok {
				t.Errorf("%s %q → %s (%s %s, %s), want the country", cc, name, c.Name, c.Kind, c.Code, c.Country)
			}
		}
	}
	t.Logf("%d names of %d countries checked", n, len(names))
}

// TestRankUSStates: the name of every US state resolves to the state.
// Three names go
// elsewhere: Georgia to the country, as a reader takes it (with the
// country hint USA, to the state); New York to the
// city, which GeoNames also calls New York; and Oklahoma to Oklahoma City,
// also called Oklahoma, a known limit of the named-for-its-capital rule
// (the city lies near the state's label point). The District of Columbia
// is Washington, and the territories are countries in ISO 3166-1.
func TestRankUSStates(t *testing.T) {
	var topo struct {
		Objects struct {
			States struct {
				Geometries []struct {
					Properties struct{ Name string }
				}
			}
		}
	}
	readSharedJSON(t, &topo, "data", "boundaries", "us_states_10m.topojson")
	g := mustLoad(t)
	exceptions := map[string]string{"Georgia": KindCountry, "New York": KindCity, "Oklahoma": KindCity}
	territories := map[string]string{"American Samoa": "ASM", "Guam": "GUM", "Puerto Rico": "PRI",
		"United States Virgin Islands": "VIR", "Commonwealth of the Northern Mariana Islands": "MNP"}
	n := 0
	for _, s := range topo.Objects.States.Geometries {
		name := s.Properties.Name
		if name == "" {
			continue
		}
		n++
		t.Run(name, func(t *testing.T) {
			cs := g.Search(Query{Text: name, Limit: 1})
			if len(cs) == 0 {
				t.Fatal("no answer")
			}
			c := cs[0]
			if code, ok := territories[name]; ok {
				if c.Kind != KindCountry || c.Code != code {
					t.Errorf("→ %s (%s %s), want the country %s", c.Name, c.Kind, c.Code, code)
				}
				return
			}
			if name == "District of Columbia" {
				if c.Name != "Washington" || c.Admin1Name != "District of Columbia" {
					t.Errorf("→ %s (%s %s), want Washington", c.Name, c.Kind, c.Admin1Name)
				}
				return
			}
			if want, ok := exceptions[name]; ok {
				if c.Kind != want {
					t.Errorf("→ %s (%s %s), want a %s", c.Name, c.Kind, c.Code, want)
				}
				if name != "Georgia" {
					return
				}
				// With a US hint it is the state.
				cs = g.Search(Query{Text: name, Country: "USA", Limit: 1})
				if len(cs) == 0 || cs[0].Kind != KindAdmin1 || !strings.HasPrefix(cs[0].Code, "US-") {
					t.Errorf("with country USA → %+v, want the state", cs)
				}
				return
			}
			if c.Kind != KindAdmin1 || !strings.HasPrefix(c.Code, "US-") {
				t.Errorf("→ %s (%s %s %s, score %.2f), want the state", c.Name, c.Kind, c.Code, c.Country, c.Score)
			}
		})
	}
	if n < 50 {
		t.Errorf("%d states read, want 50 or more", n)
	}
}

// readSharedJSON decodes a JSON file of ../shared into v, skipping the
// test loudly when it is missing (failing under CI).
func readSharedJSON(t *testing.T, v any, elem ...string) {
	t.Helper()
	b, err := os.ReadFile(shareddata.Path(t, elem...))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatal(err)
	}
}
