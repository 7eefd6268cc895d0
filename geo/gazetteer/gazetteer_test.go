package gazetteer

import (
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/paulmach/orb"
)

// testGazetteer loads the embedded gazetteer once for all tests.
var testGazetteer = sync.OnceValues(Load)

func mustLoad(tb testing.TB) *Gazetteer {
	tb.Helper()
	g, err := testGazetteer()
	if err != nil {
		tb.Fatal(err)
	}
	return g
}

func TestLoad(t *testing.T) {
	g := mustLoad(t)
	if n := g.Len(); n < 190000 {
		t.Errorf("Len() = %d, want the ~200k GeoNames places plus the sites", n)
	}
	countries := map[string]bool{}
	for i := range g.records {
		p := g.place(int32(i))
		countries[p.Country] = true
		if _, ok := g.CountryName(p.Country); !ok && !(p.Country == "" && (p.Kind == KindRegion || p.Kind == KindContinent)) {
			t.Fatalf("place %d has country %q, which has no name", p.ID, p.Country)
		}
		if got, ok := g.Get(p.ID); !ok || !reflect.DeepEqual(got, p) {
			t.Fatalf("Get(%d) = %+v, %v; want %+v", p.ID, got, ok, p)
		}
	}
	if len(countries) < 230 {
		t.Errorf("places in %d countries, want all of them (>230)", len(countries))
	}
}

func TestGet(t *testing.T) {
	g := mustLoad(t)
	tests := []struct {
		id                 int64
		name, country, adm string
		lon, lat           float64
		site               bool
	}{
		{1140026, "Herāt", "AFG", "Herat", 62.19967, 34.34817, false},
		{98182, "Baghdad", "IRQ", "Baghdad", 44.40088, 33.34058, false},
		{-1, "Green Zone", "IRQ", "Baghdad", 44.39026, 33.30758, true},
	}
	for _, tt := range tests {
		p, ok := g.Get(tt.id)
		if !ok {
			t.Fatalf("Get(%d) not found", tt.id)
		}
		if p.Name != tt.name || p.Country != tt.country || p.Admin1Name != tt.adm || p.Site() != tt.site {
			t.Errorf("Get(%d) = %+v", tt.id, p)
		}
		if d := distanceKm(p.Point(), orb.Point{tt.lon, tt.lat}); d > 0.01 {
			t.Errorf("Get(%d) is %.3f km from %v", tt.id, d, orb.Point{tt.lon, tt.lat})
		}
		if tt.site && p.Source == "" {
			t.Errorf("site %d has no source", tt.id)
		}
	}
	if _, ok := g.Get(0); ok {
		t.Error("Get(0) found a place")
	}
}

func TestCountryName(t *testing.T) {
	g := mustLoad(t)
	for code, want := range map[string]string{"IRQ": "Iraq", "AFG": "Afghanistan", "XKX": "Kosovo"} {
		if got, ok := g.CountryName(code); !ok || got != want {
			t.Errorf("CountryName(%q) = %q, %v; want %q", code, got, ok, want)
		}
	}
	if _, ok := g.CountryName("irq"); ok {
		t.Error(`CountryName("irq") found a name; codes are upper case`)
	}
}

func TestLoadErrors(t *testing.T) {
	good := "1\tA\t\t\t1\t2\tPPL\tIRQ\tIQ.07\tBaghdad\t5\n"
	tests := []struct {
		name, places, sites, want string
	}{
		{"columns", "1\tA\n", "", "want 11 columns"},
		{"id", strings.Replace(good, "1\t", "x\t", 1), "", "bad id"},
		{"latitude", strings.Replace(good, "\t1\t2\t", "\t91\t2\t", 1), "", "bad latitude"},
		{"longitude", strings.Replace(good, "\t1\t2\t", "\t1\t181\t", 1), "", "bad longitude"},
		{"country", strings.Replace(good, "IRQ", "IQ", 1), "", "bad country"},
		{"population", strings.Replace(good, "\t5\n", "\t-5\n", 1), "", "bad population"},
		{"duplicate", good + good, "", "duplicate or out of order"},
		{"out of order", strings.Replace(good, "1\t", "2\t", 1) + good, "", "duplicate or out of order"},
		{"site duplicate", good, "-7\tX\t\t1\t2\tAIRP\tIRQ\tIQ.07\tBaghdad\tsrc\n-7\tX\t\t1\t2\tAIRP\tIRQ\tIQ.07\tBaghdad\tsrc\n", "duplicate id"},
		{"site id", good, "7\tX\t\t1\t2\tAIRP\tIRQ\tIQ.07\tBaghdad\tsrc\n", "must be negative"},
		{"site columns", good, "-7\tX\n", "want 10 columns"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := load(tt.places, tt.sites)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("load() error = %v, want one containing %q", err, tt.want)
			}
		})
	}
	if _, err := load(good, "# comment\n\n-7\tX\tY,Z\t1\t2\tAIRP\tIRQ\tIQ.07\tBaghdad\tsrc\n"); err != nil {
		t.Errorf("load(good) = %v", err)
	}
}

// BenchmarkLoad measures start-up: decompressing the embedded data and
// building the index. Run with -benchmem to see the allocation.
func BenchmarkLoad(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Load(); err != nil {
			b.Fatal(err)
		}
	}
}

func TestEmbeddedCities(t *testing.T) {
	tests := []struct {
		name    string
		minPop  int
		stop    int // stop after this many; 0 for never
		want    int // exactly, when stop > 0; at least, otherwise
		contain string
	}{
		{"millions", 5_000_000, 0, 30, "Baghdad"},
		{"stops when told", 0, 3, 3, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, found := 0, tt.contain == ""
			err := EmbeddedCities(tt.minPop, func(p Place) bool {
				n++
				if p.Population < tt.minPop || p.Kind != KindCity {
					t.Fatalf("EmbeddedCities(%d) gave %+v", tt.minPop, p)
				}
				found = found || p.Name == tt.contain
				return tt.stop == 0 || n < tt.stop
			})
			if err != nil || (tt.stop > 0 && n != tt.want) || n < tt.want || !found {
				t.Errorf("EmbeddedCities(%d): %d places (want %d), %q found: %v, err %v", tt.minPop, n, tt.want, tt.contain, found, err)
			}
		})
	}
	// The same places, in the same order, as the loaded gazetteer holds.
	g := mustLoad(t)
	for _, minPop := range []int{1_000_000, 100_000} {
		var want, got []Place
		for i := range g.records[:g.nGeo] {
			if r := &g.records[i]; int(r.pop) >= minPop && r.kind == kCity {
				want = append(want, g.place(int32(i)))
			}
		}
		if err := EmbeddedCities(minPop, func(p Place) bool { got = append(got, p); return true }); err != nil {
			t.Fatal(err)
		}
		if len(got) != len(want) || len(want) == 0 {
			t.Fatalf("EmbeddedCities(%d): %d places, the gazetteer %d", minPop, len(got), len(want))
		}
		for i := range want {
			w, c := want[i], got[i]
			if c.ID != w.ID || c.Name != w.Name || c.Lon != w.Lon || c.Lat != w.Lat ||
				c.Population != w.Population || c.FeatureCode != w.FeatureCode || c.Kind != KindCity {
				t.Fatalf("EmbeddedCities(%d)[%d] = %+v, the gazetteer holds %+v", minPop, i, c, w)
			}
		}
	}
}
