package main

import (
	"bytes"
	"flag"
	"os"
	"testing"

	"github.com/incidentmap/incidentmap/geo/region"
	"github.com/incidentmap/incidentmap/internal/shareddata"
	"github.com/paulmach/orb"
)

var update = flag.Bool("update", false, "rewrite testdata/regions.golden.gz")

func fixture(t *testing.T) (admin0, admin1 []byte) {
	t.Helper()
	var err error
	if admin0, err = os.ReadFile("testdata/admin0.geojson"); err != nil {
		t.Fatal(err)
	}
	if admin1, err = os.ReadFile("testdata/admin1.geojson"); err != nil {
		t.Fatal(err)
	}
	return admin0, admin1
}

// TestGenerateDeterministic generates the fixture twice and compares the
// bytes with each other and with the golden file.
func TestGenerateDeterministic(t *testing.T) {
	admin0, admin1 := fixture(t)
	first, _, err := generate(admin0, admin1, defaultTolerance)
	if err != nil {
		t.Fatal(err)
	}
	second, _, err := generate(admin0, admin1, defaultTolerance)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(first, second) {
		t.Fatal("two runs gave different bytes")
	}
	const golden = "testdata/regions.golden.gz"
	if *update {
		if err := os.WriteFile(golden, first, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(first, want) {
		t.Errorf("output differs from %s; run go test -update if the change is intended", golden)
	}
}

// TestGenerateFixture checks the code mapping, merging, dropping and
// simplification rules on the fixture through region.Decode.
func TestGenerateFixture(t *testing.T) {
	admin0, admin1 := fixture(t)
	data, st, err := generate(admin0, admin1, defaultTolerance)
	if err != nil {
		t.Fatal(err)
	}
	regions, err := region.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	type summary struct {
		level                int
		code, name, country  string
		geonamesID, polygons int
	}
	var got []summary
	for _, r := range regions {
		got = append(got, summary{r.Level, r.Code, r.Name, r.Country, r.GeoNamesID, len(r.Geometry)})
	}
	want := []summary{
		{0, "CYP", "Cyprus", "CYP", 0, 1}, // ESB → CYP
		{0, "FJI", "Fiji", "FJI", 0, 2},   // the sliver island is dropped
		{0, "XKX", "Kosovo", "XKX", 0, 1}, // KOS → XKX
		{1, "CY-01", "Nicosia", "CYP", 146267, 1},
		{1, "FJ-N", "Northern", "FJI", 2205218, 2}, // two features merged
	}
	if len(got) != len(want) {
		t.Fatalf("got %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("region %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	if len(st.DroppedFeatures) != 2 {
		t.Errorf("dropped %v, want the two placeholder codes", st.DroppedFeatures)
	}
	// Cyprus keeps its hole; Kosovo's 0.001° bump is simplified away.
	if cyp := regions[0]; len(cyp.Geometry[0]) != 2 {
		t.Errorf("CYP rings = %d, want 2", len(cyp.Geometry[0]))
	}
	if xkx := regions[2]; len(xkx.Geometry[0][0]) != 5 {
		t.Errorf("XKX ring = %v, want 5 points", xkx.Geometry[0][0])
	}
	ix := region.NewIndex(regions)
	for _, p := range []orb.Point{{179.5, -16.5}, {-179.5, -16.5}} {
		if c, a := ix.Locate(p); c == nil || c.Code != "FJI" || a == nil || a.Code != "FJ-N" {
			t.Errorf("Locate(%v) = %v, %v", p, c, a)
		}
	}
	if c, _ := ix.Locate(orb.Point{33.3, 34.7}); c != nil {
		t.Errorf("point in the hole located in %s", c.Code)
	}
}

func TestReduceKeepsLargestRing(t *testing.T) {
	tiny := orb.MultiPolygon{
		{{{0, 0}, {0.001, 0}, {0.001, 0.001}, {0, 0}}},
		{{{5, 5}, {5.002, 5}, {5.002, 5.002}, {5, 5.002}, {5, 5}}},
	}
	var st stats
	got := reduce(tiny, 1, &st)
	if len(got) != 1 || got[0][0][0] != (orb.Point{5, 5}) || st.KeptWhole != 1 {
		t.Errorf("reduce = %v (kept whole %d), want the larger square unsimplified", got, st.KeptWhole)
	}
}

// TestEmbeddedUpToDate regenerates the embedded file from the shared
// Natural Earth data when it is present and compares the bytes.
func TestEmbeddedUpToDate(t *testing.T) {
	if testing.Short() {
		t.Skip("parses 47 MB of GeoJSON")
	}
	admin0, err := os.ReadFile(shareddata.Path(t, "data", "boundaries", "ne_admin0_countries.geojson"))
	if err != nil {
		t.Fatal(err)
	}
	admin1, err := os.ReadFile(shareddata.Path(t, "data", "boundaries", "ne_10m_admin1.geojson"))
	if err != nil {
		t.Fatal(err)
	}
	data, _, err := generate(admin0, admin1, defaultTolerance)
	if err != nil {
		t.Fatal(err)
	}
	embedded, err := os.ReadFile("../data/regions.bin.gz")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(data, embedded) {
		t.Error("geo/region/data/regions.bin.gz is stale: run go run ./geo/region/gen")
	}
}
