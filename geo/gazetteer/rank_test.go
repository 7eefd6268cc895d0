package gazetteer

import (
	"testing"

	"github.com/paulmach/orb"
)

// TestRankReaderMeaning checks the names the issue lists resolve to what a
// news reader means.
func TestRankReaderMeaning(t *testing.T) {
	g := mustLoad(t)
	tests := []struct {
		text, kind, code, country, admin1 string
	}{
		{"Iraq", KindCountry, "IRQ", "IRQ", ""},
		{"Iraqi", KindCountry, "IRQ", "IRQ", ""},
		{"Turkish", KindCountry, "TUR", "TUR", ""},
		{"Russia", KindCountry, "RUS", "RUS", ""},
		{"China", KindCountry, "CHN", "CHN", ""},
		{"Canada", KindCountry, "CAN", "CAN", ""},
		{"Ohio", KindAdmin1, "US-OH", "USA", ""},
		{"Cook County", KindAdmin2, "US-17031", "USA", "Illinois"},
		{"Middle East", KindRegion, "middle-east", "", ""},
		{"Helmand province", KindAdmin1, "AF-HEL", "AFG", ""},
		{"Herat", KindCity, "", "AFG", "Herat"}, // the city the province is named after
		{"Kabul", KindCity, "", "AFG", "Kabul"},
		{"Quebec", KindAdmin1, "CA-QC", "CAN", ""}, // a province far larger than its city
		{"Democratic Republic of Congo", KindCountry, "COD", "COD", ""},
		// "Congo" names both Congos (the short form of "Republic of the
		// Congo" and of "Democratic Republic of the Congo"); the more
		// populous wins.
		{"Congo", KindCountry, "COD", "COD", ""},
		// The parts of a country Natural Earth maps as units are regions of
		// their own, not the country.
		{"Scotland", KindRegion, "gbr-scotland", "GBR", ""},
		{"Wales", KindRegion, "gbr-wales", "GBR", ""},
		{"England", KindRegion, "gbr-england", "GBR", ""},
		{"Northern Ireland", KindRegion, "gbr-northern-ireland", "GBR", ""},
		{"Catalonia", KindRegion, "esp-catalonia", "ESP", ""},
		{"Basque Country", KindRegion, "esp-basque-country", "ESP", ""},
		{"Flanders", KindRegion, "bel-flemish-region", "BEL", ""},
		{"Cook County, Georgia", KindAdmin2, "US-13075", "USA", "Georgia"},
		// "the" before a name the gazetteer lists without it, unless the
		// name with it is known.
		{"the Philippines", KindCountry, "PHL", "PHL", ""},
		{"The Gambia", KindCountry, "GMB", "GMB", ""},
		{"the United States", KindCountry, "USA", "USA", ""},
		{"The Hague", KindCity, "", "NLD", ""},
		// Plural demonyms name their country.
		{"Americans", KindCountry, "USA", "USA", ""},
		{"Afghans", KindCountry, "AFG", "AFG", ""},
		// Abbreviations and demonyms news writes.
		{"USA", KindCountry, "USA", "USA", ""},
		{"UAE", KindCountry, "ARE", "ARE", ""},
		{"Bosnian", KindCountry, "BIH", "BIH", ""},
		{"Korean", KindCountry, "KOR", "KOR", ""},
		{"Kazakh", KindCountry, "KAZ", "KAZ", ""},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			cs := g.Search(Query{Text: tt.text, Limit: 3})
			if len(cs) == 0 {
				t.Fatal("no candidates")
			}
			c := cs[0]
			if c.Kind != tt.kind || c.Code != tt.code || c.Country != tt.country || tt.admin1 != "" && c.Admin1Name != tt.admin1 {
				t.Errorf("got %s %s %q %s %s (score %.2f), want %s %q %s %s", c.Name, c.Kind, c.Code, c.Country, c.Admin1Name, c.Score,
					tt.kind, tt.code, tt.country, tt.admin1)
			}
		})
	}
}

// TestRankPluralNeverTown: a plural is read as a demonym of a country,
// never as a town ("Berlins" is not Berlin).
func TestRankPluralNeverTown(t *testing.T) {
	g := mustLoad(t)
	for _, q := range []string{"Berlins", "Kabuls", "Springfields"} {
		if cs := g.Search(Query{Text: q}); len(cs) > 0 && !cs[0].IsArea() {
			t.Errorf("Search(%q) = %s (%s, %s), want no town", q, cs[0].Name, cs[0].Kind, cs[0].Country)
		}
	}
}

// TestRankCountryHint: the publication's country makes its own division
// win over a foreign country of the same name.
func TestRankCountryHint(t *testing.T) {
	g := mustLoad(t)
	cs := g.Search(Query{Text: "Georgia", Country: "USA", Limit: 1})
	if len(cs) == 0 || cs[0].Code != "US-GA" {
		t.Errorf("Georgia with country USA → %+v, want the state", cs)
	}
	cs = g.Search(Query{Text: "Georgia", Limit: 1})
	if len(cs) == 0 || cs[0].Code != "GEO" {
		t.Errorf("Georgia → %+v, want the country", cs)
	}
}

// TestRankCountryNeverTown: the primary name of every country resolves to
// a country, never to a town of that name.
func TestRankCountryNeverTown(t *testing.T) {
	g := mustLoad(t)
	n := 0
	for i := g.areaStart; i < len(g.records); i++ {
		p := g.place(int32(i))
		if p.Kind != KindCountry {
			continue
		}
		n++
		cs := g.Search(Query{Text: p.Name, Limit: 1})
		if len(cs) == 0 || !cs[0].IsArea() || cs[0].Kind == KindAdmin2 {
			t.Errorf("%q → %+v, want a country (or the continent Antarctica)", p.Name, cs)
		}
	}
	if n < 249 {
		t.Errorf("%d countries, want 249 or more", n)
	}
}

// TestRankMatchOrder: exact beats alternate beats fuzzy, and a fuzzy
// match never outranks an exact match of another place.
func TestRankMatchOrder(t *testing.T) {
	g := mustLoad(t)
	if !(matchWeight(kindName) > matchWeight(kindDemonym) && matchWeight(kindDemonym) > matchWeight(kindAlternate)) {
		t.Error("match weights are not name > demonym > alternate")
	}
	p := Place{Kind: KindCountry, Population: 1_400_000_000}
	fuzzy := score(&p, found{kind: kindName, fuzzy: 1}, "", nil)
	small := Place{Kind: KindCity, FeatureCode: "PPLH"}
	exact := score(&small, found{kind: kindName}, "", nil)
	if fuzzy >= exact {
		t.Errorf("a fuzzy match of a country of 1.4 billion (%.2f) outranks an exact match of an abandoned place (%.2f)", fuzzy, exact)
	}
	for _, q := range []string{"Lanexa", "Ituri"} { // a letter or two from unrelated villages
		if cs := g.Search(Query{Text: q}); len(cs) > 0 {
			t.Errorf("Search(%q) = %s (%s, %s), want nothing", q, cs[0].Name, cs[0].Country, cs[0].Match)
		}
	}
}

// TestRankMiddleEastCities: the Middle East and Afghan city names the
// gazetteer resolved before areas were added still resolve to the city,
// not to the province named after it.
func TestRankMiddleEastCities(t *testing.T) {
	g := mustLoad(t)
	tests := map[string]string{
		"Kabul": "AFG", "Herat": "AFG", "Hirat": "AFG", "Kandahar": "AFG", "Jalalabad": "AFG", "Mazar-i-Sharif": "AFG",
		"Mazar-e-Sharif": "AFG", "Kunduz": "AFG", "Ghazni": "AFG", "Baghdad": "IRQ", "Basra": "IRQ", "Basrah": "IRQ",
		"Mosul": "IRQ", "Erbil": "IRQ", "Arbil": "IRQ", "Kirkuk": "IRQ", "Najaf": "IRQ", "An Najaf": "IRQ", "Karbala": "IRQ",
		"Kerbala": "IRQ", "Fallujah": "IRQ", "Ramadi": "IRQ", "Tikrit": "IRQ", "Samarra": "IRQ", "Nasiriyah": "IRQ",
		"Hilla": "IRQ", "Kut": "IRQ", "Sulaymaniyah": "IRQ", "Damascus": "SYR", "Aleppo": "SYR", "Homs": "SYR",
		"Beirut": "LBN", "Tehran": "IRN", "Mashhad": "IRN", "Isfahan": "IRN", "Sanaa": "YEM", "Aden": "YEM",
	}
	for name, country := range tests {
		cs := g.Search(Query{Text: name, Limit: 1})
		if len(cs) == 0 || cs[0].Kind != KindCity || cs[0].Country != country {
			t.Errorf("%s → %+v, want a city in %s", name, cs, country)
		}
	}
}

// TestScoreRecord: the score Search computes from the compact records
// (with the importance precomputed at load) is the documented score of
// the expanded place, for every hit of names of every kind, with and
// without a country hint and a point.
func TestScoreRecord(t *testing.T) {
	g := mustLoad(t)
	for i := range g.records {
		p := g.place(int32(i))
		if g.records[i].imp != Importance(&p) {
			t.Fatalf("%s: precomputed importance %v, want %v", p.Name, g.records[i].imp, Importance(&p))
		}
	}
	inIraq := orb.Point{44.4, 33.3} // inside Iraq's box, so its distance is 0
	for _, name := range []string{"san jose", "springfield", "iraq", "georgia", "middle east", "herat", "cook county"} {
		for _, country := range []string{"", "USA", "IRQ", "XXX"} {
			for _, near := range []*orb.Point{nil, &inIraq} {
				for _, h := range g.lookup(nil, name, 0) {
					p := g.place(h.place)
					want := score(&p, h, country, near)
					if got := g.scoreRecord(h, g.countryIndex(country), near); got != want {
						t.Errorf("%s (%s) country %q near %v: scoreRecord %v, score %v", p.Name, p.Kind, country, near, got, want)
					}
				}
			}
		}
	}
}
