package api

import (
	"encoding/json"
	"fmt"
	mrand "math/rand/v2"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/incidentmap/incidentmap"
)

// TestUnionSource: the union of rank sources yields, from any start,
// each rank that any of them holds once, ascending, against a reference
// (the ranks sorted and compacted), with ranks shared between sources,
// empty sources and sources of every kind a branch yields.
func TestUnionSource(t *testing.T) {
	r := mrand.New(mrand.NewPCG(5, 6))
	n := 500
	for trial := range 200 {
		k := 1 + r.IntN(5)
		var lists [][]int32
		var want []int32
		from := r.IntN(n)
		for range k {
			var l []int32
			for x := range n {
				if r.IntN(10) < trial%4 { // densities 0, 10, 20 and 30%
					l = append(l, int32(x))
				}
			}
			lists = append(lists, l)
			for _, x := range l {
				if int(x) >= from {
					want = append(want, x)
				}
			}
		}
		slices.Sort(want)
		want = slices.Compact(want)
		srcs := make([]rankSource, 0, k+1)
		for i, l := range lists {
			switch i % 3 {
			case 0:
				srcs = append(srcs, newMergeSource([][]int32{l}, from))
			case 1: // the list split in two, merged
				odd, even := []int32{}, []int32{}
				for _, x := range l {
					if x%2 == 1 {
						odd = append(odd, x)
					} else {
						even = append(even, x)
					}
				}
				srcs = append(srcs, newMergeSource([][]int32{odd, even}, from))
			default: // a nested union of the list and itself
				srcs = append(srcs, newUnionSource([]rankSource{newMergeSource([][]int32{l}, from), newMergeSource([][]int32{l}, from)}))
			}
		}
		if trial%7 == 0 { // a range of ranks
			srcs = append(srcs, &rangeSource{at: max(from, 100), end: 120})
			for x := max(from, 100); x < 120; x++ {
				want = append(want, int32(x))
			}
			slices.Sort(want)
			want = slices.Compact(want)
		}
		u := newUnionSource(srcs)
		var got []int32
		for {
			x, ok := u.next()
			if !ok {
				break
			}
			got = append(got, x)
		}
		if !slices.Equal(got, want) {
			t.Fatalf("trial %d (%d sources from %d): got %d ranks %v, want %d %v", trial, len(srcs), from, len(got), headRanks(got), len(want), headRanks(want))
		}
	}
}

// headRanks returns the first ranks of l, for a message.
func headRanks(l []int32) []int32 { return l[:min(len(l), 20)] }

// TestOrPredCandidates: an OR whose branches each have a cheap source
// offers their union at the sum of their costs; one with a branch that
// has none (a count alone) offers every rank; and the union holds every
// match of the OR from the start on.
func TestOrPredCandidates(t *testing.T) {
	ix := indexOfRowFunc(t, 1000, func(i int) incidentmap.PointRow {
		fat := i % 13
		day := time.Unix(int64(i/10)*86400, 0).UTC()
		return incidentmap.PointRow{ID: fmt.Sprintf("i%04d", i), OccurredStart: day, OccurredEnd: day,
			Lon: float64(i % 50), Lat: float64(i % 7), Country: []string{"AFG", "IRQ", "SYR"}[i%3],
			EventType: []string{"Riots", "Battles", "Protests", "Explosions"}[i%4], Fatalities: &fat}
	})
	plan := func(text string) indexPlan {
		t.Helper()
		iq, err := parseItemsQuery(url.Values{"filter": {text}})
		if err != nil {
			t.Fatal(err)
		}
		p, ok := ix.plan(incidentmap.Filter{Where: incidentmap.AllOf(publishedOnly().Where, iq.filter.Where)})
		if !ok {
			t.Fatalf("%s: not answered", text)
		}
		return p
	}
	tests := []struct {
		filter string
		cost   int // of the OR's candidates, 1000 for every rank
	}{
		{"country = 'IRQ' OR event_type = 'Riots'", 333 + 250},
		{"(country = 'AFG' AND fatalities > 5) OR S_INTERSECTS(location, BBOX(10, 0, 10, 0))", 334 + 3},
		{"country = 'IRQ' OR fatalities > 5", 1000},
		{"country = 'IRQ' OR (event_type = 'Riots' OR (event_type = 'Battles' AND country = 'SYR'))", 333 + 250 + 250},
		{"country IN ('IRQ', 'SYR') OR event_type IN ('Riots', 'Battles')", 1000}, // 2*667 + 2*500: dearer than all
	}
	for _, tt := range tests {
		t.Run(tt.filter, func(t *testing.T) {
			p := plan(tt.filter)
			if len(p.preds) != 1 {
				t.Fatalf("%d conditions, want the OR alone", len(p.preds))
			}
			for _, from := range []int{0, 1, 499, 999, 1000} {
				src, cost := p.preds[0].candidates(ix, from)
				if cost != tt.cost {
					t.Errorf("from %d: cost %d, want %d", from, cost, tt.cost)
				}
				var got []int32
				for r, ok := src.next(); ok; r, ok = src.next() {
					if ix.matches(p, r) {
						got = append(got, r)
					}
				}
				var want []int32
				for r := from; r < ix.n; r++ {
					if ix.matches(p, int32(r)) {
						want = append(want, int32(r))
					}
				}
				if !slices.Equal(got, want) {
					t.Errorf("from %d: %d matches among the candidates, want %d", from, len(got), len(want))
				}
			}
		})
	}
}

// TestItemIndexOrMatchesStore runs ORs across properties — of two and
// three properties, with boxes, days, counts, LIKE, nested ANDs and ORs,
// and NOTs over them — through the item index and through the store, on
// both stores, following every page in four orders (the default, newest
// first, most fatalities first and a sorted permutation), and wants the
// same bytes, the same aggregates, clusters and bins, every one of them
// answered by the index; and those it cannot answer exactly go to the
// store.
func TestItemIndexOrMatchesStore(t *testing.T) {
	now := func() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) }
	answered := []string{
		"country = 'IRQ' OR event_type = 'Riots'",
		"country = 'IRQ' OR event_type = 'Riots' OR target_country = 'GBR'",
		"(country = 'AFG' AND fatalities > 5) OR CASEI(facility) LIKE '%embassy%'",
		"S_INTERSECTS(location, BBOX(40, 25, 44, 26)) OR event_type = 'Protests'",
		"S_INTERSECTS(location, BBOX(40, 25, 44, 26)) OR S_INTERSECTS(location, BBOX(70, 25, 72, 26)) OR perpetrator = 'Taliban'",
		"T_INTERSECTS(occurred, INTERVAL('2015-03-01', '2015-03-31')) OR (country = 'SYR' AND injuries IS NULL)",
		"perpetrator LIKE 'Taliban%' OR (place_name = 'Kabul' AND (fatalities < 3 OR event_type IN ('Battles', 'Riots')))",
		"event_type = 'Riots' OR fatalities > 15",
		"(event_type = 'Riots' OR country = 'PAK') AND (fatalities BETWEEN 2 AND 9 OR facility <> '')",
		"place_name LIKE 'Kabul%' OR facility = ''",
		"NOT (country = 'IRQ' OR event_type = 'Riots')",
		"NOT (country = 'AFG' OR fatalities > 10) AND S_INTERSECTS(location, BBOX(40, 25, 60, 26))",
		"NOT (fatalities BETWEEN 3 AND 15 AND injuries IS NOT NULL) OR country = 'IRN'",
		"NOT (NOT (country = 'IRQ') AND fatalities <> 4)",
		"injuries BETWEEN 1 AND 4 OR injuries IN (7, 9)",
		"(injuries IS NOT NULL AND country = 'PAK') OR event_type = 'Riots'",
		"NOT (fatalities = 5 OR fatalities <= 2 OR injuries < 1 OR injuries >= 6)",
	}
	declined := []string{
		"country = 'IRQ' OR title LIKE '%1%'",                                                // not coded
		"country = 'IRQ' OR S_INTERSECTS(location, POLYGON((45 25, 50 25.5, 45 26, 45 25)))", // a triangle
		"NOT (country = 'IRQ' OR S_INTERSECTS(location, BBOX(40, 25, 44, 26)))",              // NOT of a box
		"NOT (fatalities IN (1, 2) OR event_type = 'Riots')",                                 // NOT of a count IN
		"CASEI(place_name) LIKE CASEI('i%') OR country = 'IRQ'",                              // a LIKE the index does not match exactly
	}
	eachIndexStore(t, likeFixture, func(t *testing.T, st incidentmap.Store, _ []*incidentmap.Incident) {
		// numberMatched on every page, counted by the index (itemcount.go).
		withIndex, s, store := indexEngines(t, st, Config{Now: now, WarmTiles: true, MatchedCap: 100_000})
		_, all := itemsGet(t, withIndex, "http://example.org"+itemsPath+"?limit=1")
		total := numberMatched(t, all)
		for _, q := range answered {
			// Each filter keeps some incidents and drops some.
			_, body := itemsGet(t, withIndex, "http://example.org"+itemsPath+"?limit=1&filter="+url.QueryEscape(q))
			if n := numberMatched(t, body); n == 0 || n == total {
				t.Errorf("%s: %d of %d matched, want some but not all", q, n, total)
			}
			for _, extra := range []string{"limit=37", "limit=100&sortby=-occurred_start", "limit=30&sortby=-fatalities", "limit=45&sortby=country,-id"} {
				before := s.itemIx.passed.Load()
				comparePaths(t, withIndex, store, extra+"&filter="+url.QueryEscape(q))
				if n := s.itemIx.passed.Load() - before; n != 0 {
					t.Errorf("%s (%s): %d pages left to the store", q, extra, n)
				}
			}
		}
		before := s.aggregates.fromIndex.Load()
		for _, q := range answered {
			for _, by := range []string{"event_type", "year"} {
				compareAggregate(t, withIndex, store, "groupby="+by+"&filter="+url.QueryEscape(q))
			}
		}
		if n, want := s.aggregates.fromIndex.Load()-before, int64(2*len(answered)); n != want {
			t.Errorf("%d of %d aggregates from the index", n, want)
		}
		compareViews(t, withIndex, store, s, []string{clustersPath + "?zoom=4&bbox=30,20,80,45", binsPath + "?zoom=3"}, answered[:6])
		compareDeclined(t, withIndex, store, s, declined)
	})
}

// numberMatched returns the numberMatched of a page of items.
func numberMatched(t *testing.T, body string) int {
	t.Helper()
	var fc struct{ NumberMatched *int }
	if err := json.Unmarshal([]byte(body), &fc); err != nil || fc.NumberMatched == nil {
		t.Fatalf("no numberMatched (%v) in %s", err, body)
	}
	return *fc.NumberMatched
}

// indexOfRowFunc returns the item index of the n rows that row gives.
func indexOfRowFunc(t *testing.T, n int, row func(i int) incidentmap.PointRow) *itemIndex {
	t.Helper()
	ix, err := newItemIndex("v", func(fn func(incidentmap.PointRow) error) error {
		for i := range n {
			if err := fn(row(i)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return ix
}

// compareViews asks for each path with each filter through both engines
// and fails on a difference of status or clusters, or when the server
// with the index built no filtered set from memory (filterPublished) —
// unless its published set holds no item index, which happens when the
// index's own build claimed the scan first (tileIndexes.buildPublished):
// a race of the two builds at start, which is logged.
func compareViews(t *testing.T, withIndex, store *gin.Engine, s *server, paths, filters []string) {
	t.Helper()
	// The published set, which the filtered sets are built from.
	if code, body := itemsGet(t, withIndex, "http://example.org"+clustersPath+"?zoom=0"); code != 200 {
		t.Fatalf("unfiltered clusters: %d %s", code, body)
	}
	before := s.tiles.fromMemory.Load()
	for _, q := range filters {
		for _, path := range paths {
			target := "http://example.org" + path + "&filter=" + url.QueryEscape(q)
			code, body := itemsGet(t, withIndex, target)
			wantCode, want := itemsGet(t, store, target)
			if code != wantCode || canonicalView(t, body) != canonicalView(t, want) {
				t.Fatalf("%s:\nmemory %d %s\nstore  %d %s", target, code, clipDiff(body, want), wantCode, clipDiff(want, body))
			}
		}
	}
	if s.tiles.fromMemory.Load() != before {
		return
	}
	t.Errorf("no filtered set of %q built from memory", filters)
}

// compareDeclined compares the pages of each filter through both engines
// and fails when the index answered one.
func compareDeclined(t *testing.T, withIndex, store *gin.Engine, s *server, filters []string) {
	t.Helper()
	for _, q := range filters {
		before := s.itemIx.passed.Load()
		comparePaths(t, withIndex, store, "limit=100&filter="+url.QueryEscape(q))
		if s.itemIx.passed.Load() == before {
			t.Errorf("%s: answered by the index, want it left to the store", q)
		}
	}
}
