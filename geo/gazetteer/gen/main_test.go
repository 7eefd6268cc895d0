package main

import (
	"bytes"
	"compress/gzip"
	"github.com/incidentmap/incidentmap/internal/shareddata"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/paulmach/orb"
)

// generateFixture runs generate on the files in testdata.
func generateFixture(t *testing.T) []byte {
	t.Helper()
	open := func(name string) io.Reader {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		return bytes.NewReader(b)
	}
	var out bytes.Buffer
	n, err := generate(open("cities.txt"), open("admin1.json"), open("countries.geojson"), &out)
	if err != nil {
		t.Fatal(err)
	}
	if n != 7 {
		t.Errorf("generate wrote %d places, want 7", n)
	}
	return out.Bytes()
}

func TestGenerateDeterministic(t *testing.T) {
	a, b := generateFixture(t), generateFixture(t)
	if !bytes.Equal(a, b) {
		t.Fatal("two runs on the same input differ")
	}
	zr, err := gzip.NewReader(bytes.NewReader(a))
	if err != nil {
		t.Fatal(err)
	}
	if !zr.ModTime.IsZero() || zr.Name != "" || zr.Comment != "" {
		t.Errorf("gzip header carries %v %q %q, want it empty", zr.ModTime, zr.Name, zr.Comment)
	}
}

func TestGenerateRows(t *testing.T) {
	zr, err := gzip.NewReader(bytes.NewReader(generateFixture(t)))
	if err != nil {
		t.Fatal(err)
	}
	text, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string][]string{}
	var ids []int
	for _, line := range strings.Split(strings.TrimSuffix(string(text), "\n"), "\n") {
		f := strings.Split(line, "\t")
		if len(f) != 11 {
			t.Fatalf("%d columns in %q, want 11", len(f), line)
		}
		rows[f[0]] = f
		id, _ := strconv.Atoi(f[0])
		ids = append(ids, id)
	}
	if !slices.IsSorted(ids) {
		t.Errorf("rows are not sorted by id: %v", ids)
	}
	tests := []struct {
		id   string
		want []string // id name ascii alternates lat lon feature country admin1 admin1_name population
	}{
		{"1140026", nil},
		{"9000001", []string{"9000001", "Saint-Test", "", "Saint Test,Ste Test,Sankt Test,セント・テスト",
			"-20.88231", "55.4504", "PPL", "REU", "RE.04", "Réunion", "1234"}},
	}
	for _, tt := range tests {
		if tt.want != nil && !slices.Equal(rows[tt.id], tt.want) {
			t.Errorf("row %s =\n%q\nwant\n%q", tt.id, rows[tt.id], tt.want)
		}
	}
	h := rows["1140026"]
	if h[1] != "Herāt" || h[2] != "Herat" || h[7] != "AFG" || h[8] != "AF.11" || h[9] != "Herat" || h[6] != "PPLA" {
		t.Errorf("Herat row = %q", h)
	}
	if strings.Contains(h[3], "HEA") || !strings.Contains(h[3], "هرات") {
		t.Errorf("Herat alternates = %q, want IATA HEA dropped and هرات kept", h[3])
	}
	for id, country := range map[string]string{"281133": "PSE", "786714": "XKX", "294615": "ISR", "94824": "IRQ", "1138958": "AFG"} {
		if rows[id][7] != country {
			t.Errorf("row %s country = %q, want %s", id, rows[id][7], country)
		}
	}
	if rows["786714"][9] != "" {
		t.Errorf("unknown admin1 code got name %q", rows["786714"][9])
	}
}

func TestKeepAlternate(t *testing.T) {
	tests := []struct {
		in   string
		keep bool
	}{
		{"Kerbala", true},
		{"هرات", true},
		{"Shahr-e Herat", true},
		{"", false},
		{"97400", false},
		{"SW1A 1AA", false},
		{"District 10", false},
		{"HEA", false},
		{"Hea", true},
		{"https://en.wikipedia.org/wiki/Herat", false},
		{"www.herat.gov.af", false},
		{"he la te", false},
		{strings.Repeat("x", 61), false},
		{strings.Repeat("X", 60), true},
	}
	for _, tt := range tests {
		if got := keepAlternate(tt.in); got != tt.keep {
			t.Errorf("keepAlternate(%q) = %v, want %v", tt.in, got, tt.keep)
		}
	}
}

func TestCountryTable(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "countries.geojson"))
	if err != nil {
		t.Fatal(err)
	}
	m, err := countryTable(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	for a2, want := range map[string]string{"AF": "AFG", "PS": "PSE", "XK": "XKX", "CU": "CUB", "CY": "CYP", "RE": "REU", "YT": "MYT"} {
		if m[a2] != want {
			t.Errorf("%s → %q, want %s", a2, m[a2], want)
		}
	}

	bad := `{"features":[{"properties":{"country_a2":"ZZ","country_a3":"ZZZ"}}]}`
	if _, err := countryTable(strings.NewReader(bad)); err == nil || !strings.Contains(err.Error(), "not ISO") {
		t.Errorf("countryTable accepted a non-ISO code: %v", err)
	}
	city := "1\tX\tX\t\t1\t2\tP\tPPL\tQQ\t\t\t\t\t\t5\t\t\t\t\n"
	if _, err := readCities(strings.NewReader(city), m, nil); err == nil || !strings.Contains(err.Error(), "unknown country") {
		t.Errorf("readCities accepted an unknown country: %v", err)
	}
}

func TestFormatCoord(t *testing.T) {
	for in, want := range map[float64]string{34.34817: "34.34817", 44.234444: "44.23444", -0.000001: "0", 62.1: "62.1", -179.999999: "-180"} {
		if got := formatCoord(in); got != want {
			t.Errorf("formatCoord(%v) = %q, want %q", in, got, want)
		}
	}
}

// TestCommittedData regenerates data/places.tsv.gz from ../shared/data and
// checks that the committed file is up to date. It skips when the shared
// data are absent.
func TestCommittedData(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: regenerates the whole gazetteer")
	}
	shared := shareddata.Path(t, "data")
	open := func(parts ...string) io.Reader {
		f, err := os.Open(filepath.Join(append([]string{shared}, parts...)...))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { f.Close() })
		return f
	}
	var out bytes.Buffer
	if _, err := generate(open("gazetteer", "geonames_cities500.txt"), open("gazetteer", "geonames_admin1_codes.json"),
		open("boundaries", "ne_admin0_countries.geojson"), &out); err != nil {
		t.Fatal(err)
	}
	committed, err := os.ReadFile(filepath.Join("..", "data", "places.tsv.gz"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out.Bytes(), committed) {
		t.Error("data/places.tsv.gz is stale: run go run ./geo/gazetteer/gen from the module root")
	}
}

// TestCommittedAreas regenerates data/areas.tsv.gz from ../shared/data and
// checks that the committed file is up to date and deterministic.
func TestCommittedAreas(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: regenerates the areas")
	}
	shared := shareddata.Path(t, "data")
	path := func(parts ...string) string { return filepath.Join(append([]string{shared}, parts...)...) }
	out := filepath.Join(t.TempDir(), "areas.tsv.gz")
	if err := runAreas(path("gazetteer", "geonames_cities500.txt"), path("boundaries", "ne_admin0_countries.geojson"),
		path("boundaries", "ne_10m_admin1.geojson"), path("gazetteer", "world_countries.json"),
		path("boundaries", "us_counties_10m.topojson"), path("boundaries", "us_states_10m.topojson"), out); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	committed, err := os.ReadFile(filepath.Join("..", "data", "areas.tsv.gz"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, committed) {
		t.Error("data/areas.tsv.gz is stale: run go run ./geo/gazetteer/gen from the module root")
	}
	zr, err := gzip.NewReader(bytes.NewReader(got))
	if err != nil {
		t.Fatal(err)
	}
	text, _ := io.ReadAll(zr)
	kinds := map[string]int{}
	for _, line := range strings.Split(strings.TrimSuffix(string(text), "\n"), "\n") {
		f := strings.Split(line, "\t")
		if len(f) != 16 {
			t.Fatalf("%d columns in %q, want 16", len(f), line)
		}
		kinds[f[0]]++
	}
	for kind, least := range map[string]int{"country": 249, "admin1": 4000, "admin2": 3000, "region": 30, "continent": 7} {
		if kinds[kind] < least {
			t.Errorf("%d rows of kind %s, want at least %d", kinds[kind], kind, least)
		}
	}
}

func TestAreaHelpers(t *testing.T) {
	tests := []struct {
		name string
		got  string
		want string
	}{
		{"dedupe drops repeats, the name, digits and empties", strings.Join(dedupe([]string{"Iraq", "iraq", "", "Republic of Iraq", "IQ2", "Republic of Iraq"}, "Iraq"), ","), "Republic of Iraq"},
		{"Louisiana has parishes", countySuffix("22"), "Parish"},
		{"Alaska has boroughs", countySuffix("02"), "Borough"},
		{"Illinois has counties", countySuffix("17"), "County"},
		{"short form of a Democratic Republic of the X", func() string { s, _ := shortName("Democratic Republic of the Congo"); return s }(), "Congo"},
		{"short form of a Republic of X", func() string { s, _ := shortName("Republic of Iraq"); return s }(), "Iraq"},
		{"no short form of other names", func() string { s, _ := shortName("Kingdom of Spain"); return s }(), ""},
		{"slug drops accents and joins words", slug("ESP Castile and León"), "esp-castile-and-leon"},
		{"a geounit inside its country", unitOf("GBR", "United Kingdom", "Scotland", "Eastern"), "Scotland"},
		{"a country mapped as one geounit has no unit", unitOf("FRA", "France", "France", "Bretagne"), ""},
		{"Spain's communities in English", unitOf("ESP", "Spain", "", "Cataluña"), "Catalonia"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %q, want %q", tt.got, tt.want)
			}
		})
	}
	// A region's point is the area-weighted mean of its members' points.
	a := aggregate("region", "r", []string{"R", "Alt"}, []*area{
		{point: orb.Point{0, 0}, areaKm2: 3, country: "AAA", population: 1},
		{point: orb.Point{4, 0}, areaKm2: 1, country: "BBB", population: 2},
	}, true)
	if a.point != (orb.Point{1, 0}) || a.population != 3 || a.country != "" || a.name != "R" {
		t.Errorf("aggregate = %+v", a)
	}
}

// TestBuildUnits: a unit of two divisions becomes a region and takes its
// name from its country's aliases; a unit of one division, a unit named
// like its country and a country of one unit give none.
func TestBuildUnits(t *testing.T) {
	div := func(a3, code, unit string) *area {
		return &area{kind: "admin1", code: code, country: a3, unit: unit, point: orb.Point{1, 1}, areaKm2: 1}
	}
	admin1s := []*area{
		div("GBR", "GB-A", "Scotland"), div("GBR", "GB-B", "Scotland"), div("GBR", "GB-C", "Wales"),
		div("SRB", "RS-A", "Serbia"), div("SRB", "RS-B", "Serbia"), div("SRB", "RS-C", "Vojvodina"), div("SRB", "RS-D", "Vojvodina"),
		div("COG", "CG-A", "Republic of Congo"), div("COG", "CG-B", "Republic of Congo"),
	}
	countries := []*area{
		{kind: "country", code: "GBR", name: "United Kingdom", alternates: []string{"Britain", "Scotland", "Wales"}},
		{kind: "country", code: "SRB", name: "Serbia"},
		{kind: "country", code: "COG", name: "Republic of the Congo"},
	}
	units := buildUnits(admin1s, countries, nil)
	var got []string
	for _, u := range units {
		got = append(got, u.code+"/"+u.name+"/"+u.country)
	}
	if want := []string{"gbr-scotland/Scotland/GBR", "srb-vojvodina/Vojvodina/SRB"}; !slices.Equal(got, want) {
		t.Errorf("units %v, want %v", got, want)
	}
	dropUnitAliases(countries, units)
	if !slices.Equal(countries[0].alternates, []string{"Britain", "Wales"}) {
		t.Errorf("GBR aliases %v, want Scotland dropped, Wales (no region) kept", countries[0].alternates)
	}
}

// TestGenerateAreasFixture runs the areas generator on the small inputs in
// testdata/areas (no shared data needed) and checks every kind of row.
func TestGenerateAreasFixture(t *testing.T) {
	open := func(name string) io.Reader {
		b, err := os.ReadFile(filepath.Join("testdata", "areas", name))
		if err != nil {
			t.Fatal(err)
		}
		return bytes.NewReader(b)
	}
	a3, err := countryTable(open("admin0.geojson"))
	if err != nil {
		t.Fatal(err)
	}
	in := areaInputs{Cities: open("cities.txt"), Admin0: open("admin0.geojson"), Admin1: open("admin1.geojson"),
		WorldCountries: open("world.json"), USCounties: open("counties.topojson"), USStates: open("states.topojson"),
		Regions: []regionDef{{"test-region", []string{"Test Region", "The Test"}, []string{"IRQ", "US-OH"}, "a test"}}}
	var out bytes.Buffer
	n, err := generateAreas(in, a3, &out)
	if err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(&out)
	if err != nil {
		t.Fatal(err)
	}
	text, _ := io.ReadAll(zr)
	rows := map[string][]string{}
	var order []string
	for _, line := range strings.Split(strings.TrimSuffix(string(text), "\n"), "\n") {
		f := strings.Split(line, "\t")
		if len(f) != 16 {
			t.Fatalf("%d columns in %q", len(f), line)
		}
		rows[f[1]] = f
		order = append(order, f[0]+":"+f[1])
	}
	wantOrder := []string{"continent:africa", "continent:asia", "continent:north-america", "region:eastern-africa", "region:test-region", "region:western-asia",
		"country:IRQ", "country:REU", "country:USA", "admin1:IQ-KA", "admin1:US-OH", "admin2:US-39049"}
	if n != len(wantOrder) || !slices.Equal(order, wantOrder) {
		t.Errorf("rows %v, want %v (the sliver, the independent city and Puerto Rico dropped)", order, wantOrder)
	}
	tests := []struct {
		code string
		col  int
		want string
	}{
		{"IRQ", 2, "Iraq"},
		{"IRQ", 3, "Republic of Iraq,Jumhūriyyat al-‘Irāq,العراق,Irak,عراق"}, // code IQ dropped, hand alias added
		{"IRQ", 4, "Iraqi"},
		{"IRQ", 5, "43.5"}, {"IRQ", 6, "33"}, // the square's centroid
		{"IRQ", 14, "700000"}, // population summed from its places
		{"USA", 4, "American,US,U.S."},
		{"USA", 3, "United States of America,USA,États-Unis,America,U.S.,U.S.A."}, // "US" is a code, "USA" a name
		{"REU", 4, "Réunionese,Réunionnais"},                                      // "X, Y" is two demonyms
		{"USA", 5, "-90"},                                                         // the largest polygon's centroid, not Alaska's
		{"REU", 5, "55.5"}, {"REU", 7, ""},                                        // no geometry: world-countries' point, no box
		{"US-OH", 2, "Ohio"}, {"US-OH", 3, "OH,Buckeye State"}, {"US-OH", 5, "-82.7"}, {"US-OH", 13, "US.OH"},
		{"IQ-KA", 3, "Karbala',كربلاء"},
		{"US-39049", 2, "Franklin County"}, {"US-39049", 11, "USA"}, {"US-39049", 12, "US-OH"}, {"US-39049", 14, "900000"},
		{"test-region", 3, "The Test"}, {"test-region", 11, ""}, // members in two countries: no parent
	}
	for _, tt := range tests {
		if got := rows[tt.code][tt.col]; got != tt.want {
			t.Errorf("%s column %d = %q, want %q", tt.code, tt.col, got, tt.want)
		}
	}
}
