package api

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"testing"

	"github.com/incidentmap/incidentmap"
	"github.com/incidentmap/incidentmap/store/storetest"
)

// likeBenchIndex builds the index of the clustered benchmark set of n
// incidents with text to match: place names of up to 59,550 values
// ("Place 17-42"), one of 40 perpetrators ("Taliban", "Group 7", …) and,
// on one incident in fifty, a facility ("Iranian consulate 3").
func likeBenchIndex(b *testing.B, n int) (*itemIndex, incidentmap.BBox) {
	s := newBenchIndexStore(n)
	for i := range s.rows {
		s.rows[i].PlaceName = fmt.Sprintf("Place %d-%d", i%397, (i/397)%150)
		s.rows[i].Perpetrator = []string{"Taliban", "Taliban (Haqqani)", "Islamic State"}[i%3]
		if k := (i / 3) % 40; k >= 3 {
			s.rows[i].Perpetrator = fmt.Sprintf("Group %d", k)
		}
		if i%50 == 0 {
			s.rows[i].Facility = fmt.Sprintf("%s %d", []string{"Iranian consulate", "British Embassy", "UN compound"}[i/50%3], i%7)
		}
	}
	ix, err := buildItemIndex(context.Background(), s, "bench")
	if err != nil {
		b.Fatal(err)
	}
	return ix, benchBox(s)
}

// likeBenchCases are LIKE filters as researchers type them: a rare
// facility, a prefix of a few perpetrators, patterns matching thousands
// of place names, rare ones (a bitmap of ranks) and common ones (walked
// by rank), one matching nearly all, and a LIKE with a box.
var likeBenchCases = []struct {
	name, filter string
	box          bool // and in the benchmark's box
	limit        int
}{
	{"facility %consulate%/l100", "facility LIKE '%consulate%'", false, 100},
	{"casei facility/l1000", "CASEI(facility) LIKE CASEI('%CONSULATE%')", false, 1000},
	{"perpetrator Taliban%/l1000", "perpetrator LIKE 'Taliban%'", false, 1000},
	{"place Place 1%/l100", "place_name LIKE 'Place 1%'", false, 100},
	{"place %-1_/l1000", "place_name LIKE '%-1_'", false, 1000},
	{"place Place 1__-1_/l1000", "place_name LIKE 'Place 1__-1_'", false, 1000}, // 1,000 rare codes: a bitmap at 100k and 1M
	{"place not Place 1%/l1000", "place_name NOT LIKE 'Place 1%'", false, 1000},
	{"bbox+place Place 3%/l1000", "place_name LIKE 'Place 3%'", true, 1000},
}

// BenchmarkItemIndexLike measures the first page of each LIKE case
// (plan and itemIndex.page, the pattern's codes cached before, as a
// server holds them after the first request), over indexes of each of
// storetest.BenchSizes incidents; and, as "match", matching a pattern
// against the dictionary of place names uncached.
func BenchmarkItemIndexLike(b *testing.B) {
	for _, n := range storetest.BenchSizes(b) {
		ix, box := likeBenchIndex(b, n)
		for _, c := range likeBenchCases {
			iq, err := parseItemsQuery(url.Values{"filter": {c.filter}})
			if err != nil {
				b.Fatal(err)
			}
			f := incidentmap.Filter{Where: incidentmap.AllOf(incidentmap.InStrings("status", string(incidentmap.StatusPublished)), iq.filter.Where), Limit: c.limit}
			if c.box {
				f.BBox = &box
			}
			b.Run(fmt.Sprintf("n=%d/%s", n, c.name), func(b *testing.B) {
				if _, ok := ix.plan(f); !ok { // matches the pattern, cached
					b.Fatal("the index does not answer the case")
				}
				benchPlanPage(b, ix, f)
			})
		}
		b.Run(fmt.Sprintf("n=%d/match place %%-1_ (%d values)", n, len(ix.values[slices.Index(indexedProps[:], "place_name")])), func(b *testing.B) {
			prop := slices.Index(indexedProps[:], "place_name")
			for b.Loop() {
				if _, ok := ix.matchValues(prop, "%-1_", true); !ok {
					b.Fatal("not matched")
				}
			}
		})
	}
}
