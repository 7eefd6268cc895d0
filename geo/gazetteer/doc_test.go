package gazetteer

import (
	"strings"
	"testing"
)

// mentionsOf finds each name in text (first occurrence) as a Mention.
func mentionsOf(text string, names ...string) []Mention {
	var ms []Mention
	for _, n := range names {
		i := strings.Index(text, n)
		ms = append(ms, Mention{Text: n, Start: i, End: i + len(n)})
	}
	return ms
}

func TestResolveDocument(t *testing.T) {
	g := mustLoad(t)
	tests := []struct {
		name, text string
		names      []string
		want       []string // country/admin1 name of each chosen place, "kind:code" for areas
	}{
		{"a US town named by its state", "In Dublin, police in Ohio arrested a man.", []string{"Dublin", "Ohio"}, []string{"USA/Ohio", "admin1:US-OH"}},
		{"X, Y pattern", "Police in Alexandria, Virginia, closed streets.", []string{"Alexandria", "Virginia"}, []string{"USA/Virginia", "admin1:US-VA"}},
		{"a state that contains a named city", "Voters in Georgia queued in Atlanta.", []string{"Georgia", "Atlanta"}, []string{"admin1:US-GA", "USA/Georgia"}},
		{"the country without context", "Georgia's capital Tbilisi saw protests.", []string{"Georgia", "Tbilisi"}, []string{"country:GEO", "GEO/Tbilisi"}},
		{"a division cue", "An earthquake shook the province of Kerman.", []string{"Kerman"}, []string{"admin1:IR-15"}},
		// A demonym names who acts, not where: "Mexican" does not pull San
		// Diego into Mexico; its closeness to Tijuana keeps it in California.
		{"a demonym is no containing area", "Mexican police said the van crossed from Tijuana to San Diego.",
			[]string{"Mexican", "Tijuana", "San Diego"}, []string{"country:MEX", "MEX/Baja California", "USA/California"}},
		{"a town in a named country", "Fighting near Goma in eastern Congo displaced thousands.", []string{"Goma", "Congo"}, []string{"COD/North Kivu", "country:COD"}},
		{"nothing found", "Xyzzyville was quiet.", []string{"Xyzzyville"}, []string{""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rs := g.ResolveDocument(Document{Mentions: mentionsOf(tt.text, tt.names...), Text: tt.text})
			if len(rs) != len(tt.want) {
				t.Fatalf("%d results, want %d", len(rs), len(tt.want))
			}
			for i, r := range rs {
				got := ""
				if c, ok := r.Place(); ok {
					got = c.Country + "/" + c.Admin1Name
					if c.IsArea() {
						got = c.Kind + ":" + c.Code
					}
					if r.Confidence <= 0 || r.Confidence > 1 || r.Reason == "" {
						t.Errorf("%s: confidence %v reason %q", r.Text, r.Confidence, r.Reason)
					}
				}
				if got != tt.want[i] {
					t.Errorf("%s → %s, want %s (%s)", r.Text, got, tt.want[i], r.Reason)
				}
			}
		})
	}
	// Bounded work: more mentions than MaxMentions are cut.
	many := make([]Mention, MaxMentions+10)
	for i := range many {
		many[i] = Mention{Text: "Kabul"}
	}
	if rs := g.ResolveDocument(Document{Mentions: many}); len(rs) != MaxMentions {
		t.Errorf("%d results, want %d", len(rs), MaxMentions)
	}
}

// BenchmarkResolveDocument resolves the names of a short news story.
func BenchmarkResolveDocument(b *testing.B) {
	g := mustLoad(b)
	text := "Voters in Georgia queued in Atlanta and Savannah, while in Dublin, Ohio, and Alexandria, Virginia, " +
		"turnout was low; in Iraq and the Middle East the vote was watched closely from Baghdad."
	doc := Document{Text: text, Mentions: mentionsOf(text, "Georgia", "Atlanta", "Savannah", "Dublin", "Ohio",
		"Alexandria", "Virginia", "Iraq", "Middle East", "Baghdad")}
	b.ReportAllocs()
	cpu := cpuNanos()
	for b.Loop() {
		g.ResolveDocument(doc)
	}
	reportCPU(b, cpu)
}

// FuzzResolveDocument: any text and any offsets resolve without a panic,
// and every result keeps its mention.
func FuzzResolveDocument(f *testing.F) {
	g := mustLoad(f)
	f.Add("Police in Dublin, Ohio, arrested a man.", "Dublin", 10, 16, "Ohio", 18, 22)
	f.Add("the province of Kerman", "Kerman", 16, 22, "", -5, 900)
	f.Add("", "Herهرات", 3, 1, ",", 0, 0)
	f.Fuzz(func(t *testing.T, text, a string, as, ae int, b string, bs, be int) {
		ms := []Mention{{Text: a, Start: as, End: ae}, {Text: b, Start: bs, End: be}}
		rs := g.ResolveDocument(Document{Mentions: ms, Text: text})
		if len(rs) != 2 || rs[0].Text != a || rs[1].Text != b {
			t.Fatalf("results %+v", rs)
		}
		for _, r := range rs {
			if r.Chosen >= len(r.Candidates) || r.Confidence < 0 || r.Confidence > 1 {
				t.Fatalf("result %+v", r)
			}
		}
	})
}
