package ingest

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"github.com/incidentmap/incidentmap/internal/shareddata"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

var updateGold = flag.Bool("update-gold", false, "rewrite testdata/gold/places.tsv from ../shared/data")

const (
	goldPlaces    = "testdata/gold/places.tsv"
	goldIncidents = "testdata/gold/seed_incidents.tsv"
)

// goldVariants are spelling variants queried for a place of the gold set,
// keyed by the GeoNames id of the place.
var goldVariants = []struct {
	query string
	id    int64
}{
	{"Hirat", 1140026}, {"Herat", 1140026}, {"Mazar-i-Sharif", 1133616}, {"Mazar-e-Sharif", 1133616},
	{"Kandahar", 1138336}, {"Jalalabad", 1139715}, {"Kerbala", 94824}, {"An Najaf", 98860},
	{"Al Basrah", 99532}, {"Basra", 99532}, {"Mosul", 99072}, {"Al Mawsil", 99072}, {"Arbil", 95446},
	{"An Nasiriyah", 98854}, {"Hilla", 99347}, {"Kut", 99131}, {"Sulaymaniyah", 98463}, {"Baqubah", 97990},
}

// writeGoldPlaces builds the places gold set from GeoNames cities500: every
// national and provincial capital (PPLC, PPLA) of Afghanistan and Iraq, every
// twelfth district seat (PPLA2) of each in geonameid order, then the spelling
// variants. Queries are GeoNames' ASCII names.
func writeGoldPlaces(src string) ([]byte, error) {
	f, err := os.Open(src)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	type row struct {
		id            int64
		name, ascii   string
		lat, lon, cc3 string
		feature       string
	}
	var rows []row
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<22)
	for sc.Scan() {
		c := strings.Split(sc.Text(), "\t")
		if len(c) < 9 || (c[8] != "AF" && c[8] != "IQ") {
			continue
		}
		if c[7] != "PPLC" && c[7] != "PPLA" && c[7] != "PPLA2" {
			continue
		}
		id, _ := strconv.ParseInt(c[0], 10, 64)
		cc3 := map[string]string{"AF": "AFG", "IQ": "IRQ"}[c[8]]
		rows = append(rows, row{id, c[1], c[2], c[4], c[5], cc3, c[7]})
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	slices.SortFunc(rows, func(a, b row) int { return int(a.id - b.id) })
	var b bytes.Buffer
	b.WriteString("# Geocoder gold set: places of Afghanistan and Iraq with their GeoNames coordinates.\n")
	b.WriteString("# Written by `go test ./ingest -run TestGoldPlaces -update-gold` from ../shared/data/gazetteer/geonames_cities500.txt\n")
	b.WriteString("# (GeoNames, CC BY 4.0): every PPLC and PPLA, every twelfth PPLA2 per country in geonameid order,\n")
	b.WriteString("# then spelling variants of some of them (see goldVariants in eval_test.go).\n")
	b.WriteString("query\tgeonameid\tname\tlat\tlon\tcountry\n")
	byID := map[int64]row{}
	n := map[string]int{}
	for _, r := range rows {
		byID[r.id] = r
		if r.feature == "PPLA2" {
			n[r.cc3]++
			if n[r.cc3]%12 != 1 {
				continue
			}
		}
		fmt.Fprintf(&b, "%s\t%d\t%s\t%s\t%s\t%s\n", r.ascii, r.id, r.name, r.lat, r.lon, r.cc3)
	}
	for _, v := range goldVariants {
		r, ok := byID[v.id]
		if !ok {
			return nil, fmt.Errorf("variant %q: no place %d", v.query, v.id)
		}
		fmt.Fprintf(&b, "%s\t%d\t%s\t%s\t%s\t%s\n", v.query, r.id, r.name, r.lat, r.lon, r.cc3)
	}
	return b.Bytes(), nil
}

func TestGoldPlaces(t *testing.T) {
	want, err := writeGoldPlaces(shareddata.Path(t, "data", "gazetteer", "geonames_cities500.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if *updateGold {
		if err := os.WriteFile(goldPlaces, want, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(goldPlaces)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s is stale; run go test ./ingest -run TestGoldPlaces -update-gold", goldPlaces)
	}
}

func readGoldPlaces(t *testing.T) []GoldPlace {
	t.Helper()
	f, err := os.Open(goldPlaces)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := ReadGoldPlaces(f)
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func TestEvalGeocoder(t *testing.T) {
	x := testExtractor(t)
	rows := readGoldPlaces(t)
	if len(rows) < 60 || len(rows) > 110 {
		t.Fatalf("%d gold places, want 60-110", len(rows))
	}
	rep := EvalGeocoder(x.g, rows)
	t.Logf("geocoder: N=%d within %d km=%d (%.1f%%) same GeoNames id=%d median error=%.2f km",
		rep.N, AccuracyKm, rep.Within161km, 100*rep.Accuracy161, rep.SameID, rep.MedianKm)
	for _, m := range rep.Misses {
		t.Logf("  miss %q: want %s, got %s (%.0f km)", m.Query, m.Want, m.Got, m.Km)
	}
	in := EvalGeocoderInCountry(x.g, rows)
	t.Logf("geocoder with the country as hint: within %d km=%d (%.1f%%) median error=%.2f km", AccuracyKm, in.Within161km, 100*in.Accuracy161, in.MedianKm)
	if in.Accuracy161 < rep.Accuracy161 {
		t.Errorf("a country hint made it worse: %.2f < %.2f", in.Accuracy161, rep.Accuracy161)
	}
	if rep.Accuracy161 < 0.75 {
		t.Errorf("accuracy within %d km = %.2f, want >= 0.75", AccuracyKm, rep.Accuracy161)
	}
}

func TestEvalGeocoderSmall(t *testing.T) {
	x := testExtractor(t)
	rows := []GoldPlace{
		{Query: "Herat", GeoNamesID: 1140026, Lon: 62.19967, Lat: 34.34817},
		{Query: "Nowhere-at-all-xyz", GeoNamesID: 1, Lon: 0, Lat: 0},
		{Query: "Kabul", GeoNamesID: 1138958, Lon: 69.17233, Lat: 34.52813},
	}
	rep := EvalGeocoder(x.g, rows)
	if rep.N != 3 || rep.Within161km != 2 || rep.SameID != 2 || len(rep.Misses) != 1 || !math.IsInf(rep.Misses[0].Km, 1) {
		t.Fatalf("report %+v", rep)
	}
	if rep.MedianKm > 1 {
		t.Errorf("median %v km, want ~0", rep.MedianKm)
	}
}

func readGoldIncidents(t *testing.T) []GoldIncident {
	t.Helper()
	f, err := os.Open(goldIncidents)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gold, err := ReadGoldIncidents(f)
	if err != nil {
		t.Fatal(err)
	}
	return gold
}

// TestGoldSeedIncidentsMatchSeeds checks the gold list against seeds.geojson.
func TestGoldSeedIncidentsMatchSeeds(t *testing.T) {
	gold := readGoldIncidents(t)
	seeds, err := Seeds()
	if err != nil {
		t.Fatal(err)
	}
	if len(gold) != len(seeds) {
		t.Fatalf("%d gold rows, %d seeds", len(gold), len(seeds))
	}
	byID := map[string]int{}
	for i, s := range seeds {
		byID[s.ID] = i
	}
	for _, g := range gold {
		i, ok := byID[g.ID]
		if !ok {
			t.Errorf("gold %s not in seeds", g.ID)
			continue
		}
		s := seeds[i]
		if s.Admin1Code != g.Admin1Code || s.Country != g.Country || !s.OccurredStart.Equal(g.Start) ||
			!s.OccurredEnd.Equal(g.End) || s.EventType != g.EventType || s.TargetCountry != g.TargetCountry ||
			string(s.LocationPrecision) != g.LocationPrecision {
			t.Errorf("gold %s disagrees with seeds.geojson: %+v", g.ID, g)
		}
		if len(s.Sources) == 0 || !s.Sources[0].PublishedOn.Equal(g.Published) {
			t.Errorf("gold %s: published %v, seeds %v", g.ID, g.Published, s.Sources)
		}
	}
}

// seedArticles reads the seed articles with the publication dates of the
// gold list; it skips the test when ../shared/seeds is absent.
func seedArticles(t *testing.T, gold []GoldIncident) []EvalArticle {
	t.Helper()
	articles, err := ReadSeedArticles(shareddata.Path(t, "seeds"), gold)
	if err != nil {
		t.Fatal(err)
	}
	if len(articles) == 0 {
		t.Skip("no ../shared/seeds")
	}
	if len(articles) != 5 {
		t.Fatalf("%d seed articles, want 5", len(articles))
	}
	return articles
}

func TestEvalExtractor(t *testing.T) {
	gold := readGoldIncidents(t)
	articles := seedArticles(t, gold)
	rep, err := EvalExtractor(testExtractor(t), articles, gold)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("extractor: TP=%d FP=%d FN=%d precision=%.3f recall=%.3f", rep.TP, rep.FP, rep.FN, rep.Precision, rep.Recall)
	for _, m := range rep.Matched {
		t.Logf("  match %s", m)
	}
	for _, m := range rep.Missed {
		t.Logf("  missed %s", m)
	}
	for _, s := range rep.Spurious {
		t.Logf("  spurious %s", s)
	}
	if rep.Recall < 0.85 || rep.Precision < 0.8 {
		t.Errorf("precision %.2f recall %.2f, want >= 0.80 and 0.85", rep.Precision, rep.Recall)
	}
}

func TestEvalExtractorCounts(t *testing.T) {
	x := testExtractor(t)
	pub := mustDay("2021-05-10")
	gold := []GoldIncident{
		{Seed: "a", Admin1Code: "IQ-KA", Country: "IRQ", LocationPrecision: "city", Start: mustDay("2021-05-09"), End: mustDay("2021-05-09"), EventType: "Riots", ID: "karbala"},
		{Seed: "a", Admin1Code: "IQ-NA", Country: "IRQ", LocationPrecision: "city", Start: mustDay("2021-05-09"), End: mustDay("2021-05-09"), EventType: "Riots", ID: "najaf"},
		{Seed: "b", Admin1Code: "IQ-BG", Country: "IRQ", LocationPrecision: "city", Start: mustDay("2021-05-09"), End: mustDay("2021-05-09"), EventType: "Riots", ID: "not-read"},
	}
	articles := []EvalArticle{{Seed: "a", Published: pub,
		Text: "Protesters stormed the Iranian consulate in Karbala on Sunday. A bomb exploded in Basra on Sunday."}}
	rep, err := EvalExtractor(x, articles, gold)
	if err != nil {
		t.Fatal(err)
	}
	if rep.TP != 1 || rep.FP != 1 || rep.FN != 1 || rep.Precision != 0.5 || rep.Recall != 0.5 {
		t.Fatalf("report %+v", rep)
	}
}

func mustDay(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}
