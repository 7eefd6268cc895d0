package gazetteer

import (
	"errors"
	"math"
	"strings"
	"sync"
	"testing"

	"github.com/paulmach/orb"
)

// GeoNames points of the cities the seed incidents name.
var (
	herat   = orb.Point{62.19967, 34.34817}
	karbala = orb.Point{44.02488, 32.61603}
	najaf   = orb.Point{44.34625, 32.02594}
	kabul   = orb.Point{69.17233, 34.52813}
	baghdad = orb.Point{44.40088, 33.34058}
)

func TestSearchResolves(t *testing.T) {
	g := mustLoad(t)
	tests := []struct {
		text, country string
		near          orb.Point
		precision     string
	}{
		{"Herat", "AFG", herat, PrecisionCity},
		{"Hirat", "AFG", herat, PrecisionCity},
		{"Herāt", "AFG", herat, PrecisionCity},
		{"هرات", "AFG", herat, PrecisionCity},
		{"Kerbala", "IRQ", karbala, PrecisionCity},
		{"Karbala", "IRQ", karbala, PrecisionCity},
		{"Karbalāʼ", "IRQ", karbala, PrecisionCity},
		{"كربلاء", "IRQ", karbala, PrecisionCity},
		{"Najaf", "IRQ", najaf, PrecisionCity},
		{"An Najaf", "IRQ", najaf, PrecisionCity},
		{"an-najaf", "IRQ", najaf, PrecisionCity},
		{"النجف", "IRQ", najaf, PrecisionCity},
		{"Kabul", "AFG", kabul, PrecisionCity},
		{"KABUL", "AFG", kabul, PrecisionCity},
		{"Baghdad", "IRQ", baghdad, PrecisionCity},
		{"Bagdad", "IRQ", baghdad, PrecisionCity},
		{"Green Zone", "IRQ", baghdad, PrecisionSite},
		{"International Zone", "IRQ", baghdad, PrecisionSite},
		{"Green Zone, Baghdad", "IRQ", baghdad, PrecisionSite},
		{"Herat, Afghanistan", "AFG", herat, PrecisionCity},
		{"Karbala, Iraq", "IRQ", karbala, PrecisionCity},
		{"Najaf, IRQ", "IRQ", najaf, PrecisionCity},
		{"Baghdad International Airport", "IRQ", baghdad, PrecisionSite},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			cs := g.Search(Query{Text: tt.text})
			if len(cs) == 0 {
				t.Fatalf("Search(%q) found nothing", tt.text)
			}
			c := cs[0]
			if c.Country != tt.country || c.Precision != tt.precision {
				t.Errorf("Search(%q)[0] = %s %s %s, want country %s precision %s", tt.text, c.Name, c.Country, c.Precision, tt.country, tt.precision)
			}
			if d := distanceKm(c.Point(), tt.near); d > 20 {
				t.Errorf("Search(%q)[0] = %s is %.1f km away, want within 20 km", tt.text, c.Name, d)
			}
		})
	}
}

func TestSearchMatchKinds(t *testing.T) {
	g := mustLoad(t)
	tests := []struct{ text, match string }{
		{"Herat", MatchName}, // "Herāt" folds to "herat"
		{"Kerbala", MatchAlternate},
		{"هرات", MatchAlternate},
		{"Hirat", MatchAlternate}, // Natural Earth's name of Herat province, meaning its capital
		{"Kandaharr", MatchFuzzy},
		{"Green Zone", MatchSite},
		{"المنطقة الخضراء", MatchSite},
	}
	for _, tt := range tests {
		cs := g.Search(Query{Text: tt.text, Limit: 1})
		if len(cs) != 1 || cs[0].Match != tt.match {
			t.Errorf("Search(%q) = %+v, want one candidate matched by %s", tt.text, cs, tt.match)
		}
	}
	// A primary name beats an alternate name when all else is equal.
	if matchWeight(kindName) <= matchWeight(kindASCII) || matchWeight(kindASCII) <= matchWeight(kindAlternate) {
		t.Error("match weights are not name > ascii > alternate")
	}
}

func TestSearchAmbiguous(t *testing.T) {
	g := mustLoad(t)
	tests := []struct {
		text, hint, want string
	}{
		{"Springfield", "", "USA"},
		{"Springfield", "AUS", "AUS"},
		{"Springfield", "GBR", "GBR"},
		{"Hyderabad", "", "IND"},
		{"Hyderabad", "PAK", "PAK"},
	}
	for _, tt := range tests {
		t.Run(tt.text+"/"+tt.hint, func(t *testing.T) {
			cs := g.Search(Query{Text: tt.text, Country: tt.hint, Limit: 50})
			countries := map[string]bool{}
			for _, c := range cs {
				countries[c.Country] = true
			}
			if len(cs) < 2 || len(countries) < 2 {
				t.Fatalf("Search(%q) = %d candidates in %d countries, want several in several", tt.text, len(cs), len(countries))
			}
			if cs[0].Country != tt.want {
				t.Errorf("Search(%q, country %q)[0] is in %s, want %s", tt.text, tt.hint, cs[0].Country, tt.want)
			}
			for i := 1; i < len(cs); i++ {
				if cs[i-1].Score < cs[i].Score || cs[i-1].Score == cs[i].Score && cs[i-1].ID > cs[i].ID {
					t.Fatalf("candidates %d and %d are out of order", i-1, i)
				}
			}
		})
	}
}

func TestSearchNear(t *testing.T) {
	g := mustLoad(t)
	springfieldMA := orb.Point{-72.59, 42.10}
	cs := g.Search(Query{Text: "Springfield", Near: &springfieldMA})
	if len(cs) == 0 || cs[0].Admin1Code != "US.MA" {
		t.Fatalf("Search(Springfield near Massachusetts)[0] = %+v, want the one in US.MA", cs[:min(1, len(cs))])
	}
	bad := orb.Point{math.NaN(), 500}
	cs = g.Search(Query{Text: "Kabul", Near: &bad})
	if len(cs) == 0 || cs[0].Country != "AFG" || math.IsNaN(cs[0].Score) {
		t.Errorf("Search with an invalid Near = %+v, want Near ignored", cs[:min(1, len(cs))])
	}
}

func TestSearchHints(t *testing.T) {
	g := mustLoad(t)
	tests := []struct {
		text      string
		wantFirst int64 // 0: no candidates
		admin1    string
	}{
		{"Green Zone, Baghdad", -1, "IQ.07"},
		{"Green Zone, Baghdad Governorate", -1, "IQ.07"},
		{"Green Zone, Baghdad, Iraq", -1, "IQ.07"},
		{"Green Zone، بغداد", 0, ""}, // Arabic comma splits; Arabic division names are not known
		{"هرات، أفغانستان", 1140026, "AF.11"},
		{"كربلاء، العراق", 94824, "IQ.12"},
		{"Green Zone, Afghanistan", 0, ""},
		{"Herat, Afghanistan", 1140026, "AF.11"},
		{"Herat, AFG", 1140026, "AF.11"},
		{"Springfield, Illinois", 4250542, "US.IL"},
		{"Springfield, IL", 4250542, "US.IL"},
		{"Springfield, Massachusetts", 4951788, "US.MA"},
		{"Kabul, Nowhereland", 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			cs := g.Search(Query{Text: tt.text})
			if tt.wantFirst == 0 {
				if len(cs) != 0 {
					t.Errorf("Search(%q) = %s %s, want nothing", tt.text, cs[0].Name, cs[0].Country)
				}
				return
			}
			if len(cs) == 0 {
				t.Fatalf("Search(%q) found nothing", tt.text)
			}
			if cs[0].ID != tt.wantFirst || cs[0].Admin1Code != tt.admin1 {
				t.Errorf("Search(%q)[0] = %d %s %s, want %d in %s", tt.text, cs[0].ID, cs[0].Name, cs[0].Admin1Code, tt.wantFirst, tt.admin1)
			}
			for _, c := range cs {
				if c.Admin1Code != tt.admin1 && strings.Contains(tt.text, ", ") && !strings.HasPrefix(tt.text, "Herat") {
					t.Errorf("Search(%q) returned %s in %s, outside the hint", tt.text, c.Name, c.Admin1Code)
				}
			}
		})
	}
}

func TestSearchHostile(t *testing.T) {
	g := mustLoad(t)
	tests := []struct {
		name, text string
		wantFirst  string // country of the first candidate; "" for none
	}{
		{"empty", "", ""},
		{"spaces", "   \t\n ", ""},
		{"punctuation", "!!! ,,, ---", ""},
		{"only hints", ", Iraq", ""},
		{"control characters", "\x00Ka\x07bul\x1b\x7f", "AFG"},
		{"C1 controls", "Kabul\u0085\u009b", "AFG"},
		{"rtl marks", "\u202bهرات\u202c", "AFG"},
		{"rtl override", "\u202eKabul\u202c", "AFG"},
		{"rtl with hint", "\u200fكربلاء\u200f, Iraq", "IRQ"},
		{"invalid utf-8 dropped", "Kab\xffu\xfel", "AFG"},
		{"10 MB of spaces after a name", "Kabul" + strings.Repeat(" ", 10<<20), "AFG"},
		{"10 MB of letters", strings.Repeat("a", 10<<20), ""},
		{"10 MB of commas", "Kabul" + strings.Repeat(",", 10<<20), "AFG"},
		{"10 MB of multibyte", strings.Repeat("ه", 5<<20), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cs := g.Search(Query{Text: tt.text, Limit: 5})
			switch {
			case tt.wantFirst == "" && len(cs) != 0:
				t.Errorf("got %d candidates, first %s; want none", len(cs), cs[0].Name)
			case tt.wantFirst != "" && (len(cs) == 0 || cs[0].Country != tt.wantFirst):
				t.Errorf("got %+v, want a first candidate in %s", cs, tt.wantFirst)
			case len(cs) > 5:
				t.Errorf("got %d candidates, more than the limit", len(cs))
			}
		})
	}
}

func TestSearchLimit(t *testing.T) {
	g := mustLoad(t)
	all := len(g.Search(Query{Text: "San Jose", Limit: MaxLimit}))
	if all <= DefaultLimit {
		t.Fatalf("San Jose has %d candidates; pick a commoner name", all)
	}
	for _, tt := range []struct{ limit, want int }{{0, DefaultLimit}, {-3, DefaultLimit}, {1, 1}, {1000, all}} {
		if got := len(g.Search(Query{Text: "San Jose", Limit: tt.limit})); got != tt.want {
			t.Errorf("Limit %d gave %d candidates, want %d", tt.limit, got, tt.want)
		}
	}
}

func TestQueryValidate(t *testing.T) {
	near := orb.Point{44.4, 33.3}
	far := orb.Point{200, 0}
	tests := []struct {
		name  string
		q     Query
		field string // "" for valid
	}{
		{"ok", Query{Text: "Green Zone, Baghdad", Country: "IRQ", Near: &near, Limit: 5}, ""},
		{"empty", Query{}, "text"},
		{"no letters", Query{Text: " ,.; "}, "text"},
		{"too long", Query{Text: strings.Repeat("a", MaxQueryBytes+1)}, "text"},
		{"10 MB", Query{Text: strings.Repeat("a", 10<<20)}, "text"},
		{"invalid utf-8", Query{Text: "Kab\xffl"}, "text"},
		{"10 KB", Query{Text: strings.Repeat("Kabul ", 10<<10/6)}, "text"},
		{"control character", Query{Text: "Kab\x00ul"}, "text"},
		{"escape", Query{Text: "Kabul\x1b[31m"}, "text"},
		{"C1 control", Query{Text: "Kabul\u0085"}, "text"},
		{"mixed script", Query{Text: "Herهرات"}, "text"},
		{"Latin and Cyrillic", Query{Text: "Mоscow"}, "text"}, // a Cyrillic о
		{"one script with hint in another", Query{Text: "هرات, Afghanistan"}, ""},
		{"Japanese mixes kana and Han", Query{Text: "東京都"}, ""},
		{"limit", Query{Text: "Kabul", Limit: MaxLimit + 1}, "limit"},
		{"negative limit", Query{Text: "Kabul", Limit: -1}, "limit"},
		{"country", Query{Text: "Kabul", Country: "AF"}, "country"},
		{"lower-case country", Query{Text: "Kabul", Country: "afg"}, "country"},
		{"near", Query{Text: "Kabul", Near: &far}, "near"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.q.Validate()
			if tt.field == "" {
				if err != nil {
					t.Fatalf("Validate() = %v", err)
				}
				return
			}
			var qe *QueryError
			if !errors.As(err, &qe) || qe.Field != tt.field {
				t.Fatalf("Validate() = %v, want a *QueryError on %s", err, tt.field)
			}
			if !strings.HasPrefix(err.Error(), "gazetteer: query "+tt.field+": ") || len(err.Error()) > 200 {
				t.Errorf("Error() = %q", err.Error())
			}
		})
	}
}

func TestTruncate(t *testing.T) {
	s := strings.Repeat("ه", 150) // 2 bytes each
	got := truncate(s, 201)
	if len(got) != 200 || !strings.HasPrefix(s, got) {
		t.Errorf("truncate cut a character: %d bytes", len(got))
	}
	if truncate("abc", 10) != "abc" {
		t.Error("truncate changed a short string")
	}
}

func FuzzSearch(f *testing.F) {
	g, err := testGazetteer()
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{"Herat", "Green Zone, Baghdad", "\u202bهرات", "a,b,c,d,e", "\xff", "al "} {
		f.Add(s, "IRQ")
	}
	f.Fuzz(func(t *testing.T, text, country string) {
		cs := g.Search(Query{Text: text, Country: country})
		if len(cs) > DefaultLimit {
			t.Fatalf("%d candidates", len(cs))
		}
		for _, c := range cs {
			if math.IsNaN(c.Score) || math.IsInf(c.Score, 0) {
				t.Fatalf("score %v", c.Score)
			}
		}
	})
}

// BenchmarkSearch measures typical queries against the embedded gazetteer.
// The target is under 50 µs a query, "common" (a name shared by hundreds
// of places, asked for 100 candidates) included; read cpu-ns/op on a
// loaded machine.
func BenchmarkSearch(b *testing.B) {
	g := mustLoad(b)
	near := baghdad
	queries := []struct {
		name string
		q    Query
	}{
		{"exact", Query{Text: "Kabul"}},
		{"accented", Query{Text: "Karbalāʼ"}},
		{"arabic", Query{Text: "هرات"}},
		{"article", Query{Text: "An Najaf"}},
		{"fuzzy", Query{Text: "Hirat"}},
		{"hint", Query{Text: "Green Zone, Baghdad"}},
		{"ambiguous", Query{Text: "Springfield", Country: "USA", Near: &near}},
		{"common", Query{Text: "San Jose", Limit: MaxLimit}},
		{"miss", Query{Text: "Xyzzy Plugh"}},
		{"country", Query{Text: "Iraq"}},
		{"demonym", Query{Text: "Iraqi"}},
		{"state", Query{Text: "Georgia"}},
		{"county", Query{Text: "Cook County"}},
		{"division word", Query{Text: "Helmand province"}},
		{"region", Query{Text: "Middle East"}},
		{"capital rule", Query{Text: "Herat"}},
	}
	for _, tt := range queries {
		b.Run(tt.name, func(b *testing.B) {
			b.ReportAllocs()
			cpu := cpuNanos()
			for b.Loop() {
				g.Search(tt.q)
			}
			reportCPU(b, cpu)
		})
	}
}

// reportCPU reports the process CPU time since cpu per operation as
// cpu-ns/op: the cost of a call, which the wall time (ns/op) overstates
// when other processes hold the cores.
func reportCPU(b *testing.B, cpu int64) {
	if b.N > 0 {
		b.ReportMetric(float64(cpuNanos()-cpu)/float64(b.N), "cpu-ns/op")
	}
}

func TestSearchConcurrent(t *testing.T) {
	g := mustLoad(t)
	var wg sync.WaitGroup
	for _, text := range []string{"Herat", "Kerbala", "Green Zone, Baghdad", "Hirat", "Springfield"} {
		wg.Go(func() {
			for range 20 {
				if len(g.Search(Query{Text: text})) == 0 {
					t.Errorf("Search(%q) found nothing", text)
					return
				}
			}
		})
	}
	wg.Wait()
}
