package api

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	mrand "math/rand/v2"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/incidentmap/incidentmap"
)

// sortFixture is indexFixture with injuries (some unknown), more unknown
// fatalities, more target countries, and a third of the ids longer, with
// a common prefix.
func sortFixture(n int, seed uint64) []*incidentmap.Incident {
	r := mrand.New(mrand.NewPCG(seed, 11))
	incs := indexFixture(n, seed)
	for i, inc := range incs {
		if i%3 == 0 { // ids that agree on their first 8 bytes and more
			inc.ID = "incident-" + inc.ID
		}
		if k := r.IntN(5); k > 0 {
			inj := r.IntN(4) * k
			inc.Injuries = &inj
		}
		if r.IntN(4) == 0 {
			inc.Fatalities = nil
		}
		if r.IntN(15) == 0 {
			inc.TargetCountry = []string{"ZAF", "AUT", "BEL", ""}[r.IntN(4)]
		}
	}
	return incs
}

// touchSome updates every seventh published incident of incs, so that
// their updated_at (and version) differ from the rest.
func touchSome(t *testing.T, st incidentmap.Store, incs []*incidentmap.Incident) {
	t.Helper()
	for i, inc := range incs {
		if i%7 != 0 || inc.Status != incidentmap.StatusPublished {
			continue
		}
		got, err := st.GetIncident(context.Background(), inc.ID)
		if err != nil {
			t.Fatal(err)
		}
		got.Title += " (revised)"
		if err := st.UpdateIncident(context.Background(), got, got.Version); err != nil {
			t.Fatal(err)
		}
	}
}

// sortedQueries are the orders and filters TestItemIndexSortedMatchesStore
// pages through: every sortable property both ways, some orders of
// several keys, each alone and with filters the index answers.
func sortedQueries() []string {
	var orders []string
	for _, p := range incidentmap.SortableProperties {
		orders = append(orders, p, "-"+p)
	}
	orders = append(orders, "country,-fatalities", "-event_type,updated_at,-id", "target_country,-injuries,occurred_end",
		"fatalities,-id", "-occurred_start,country")
	filters := []string{
		"",
		"bbox=40,25,60,26",
		"event_type=Battles",
		"target_country=AUT,IRN",
		"filter=" + url.QueryEscape("fatalities > 3"),
		"datetime=2015-03-01/2015-09-30",
		"filter=" + url.QueryEscape("country = 'IRQ' OR (fatalities > 5 AND event_type = 'Riots')"),
	}
	var out []string
	for i, o := range orders {
		for j, f := range filters {
			limit := []int{100, 37, 1000}[(i+j)%3]
			q := fmt.Sprintf("sortby=%s&limit=%d", url.QueryEscape(o), limit)
			if f != "" {
				q += "&" + f
			}
			out = append(out, q)
		}
	}
	return out
}

// pagedIDs follows the next links of query through h to the end (at most
// 500 pages) and returns the ids of the features in the order served.
func pagedIDs(t *testing.T, h *gin.Engine, query string) []string {
	t.Helper()
	target := "http://example.org" + itemsPath + "?" + query
	var ids []string
	for pages := 0; target != "" && pages < 500; pages++ {
		code, body := itemsGet(t, h, target)
		if code != 200 {
			t.Fatalf("%s: %d %s", target, code, body)
		}
		var fc struct {
			Features []struct{ ID string }
			Links    []link
		}
		if err := json.Unmarshal([]byte(body), &fc); err != nil {
			t.Fatal(err)
		}
		for _, f := range fc.Features {
			ids = append(ids, f.ID)
		}
		target = ""
		for _, l := range fc.Links {
			if l.Rel == "next" {
				target = l.Href
			}
		}
	}
	return ids
}

// TestItemIndexSortedMatchesStore pages through every sortable property,
// both ways, and some orders of several keys, with and without filters,
// through the item index and through the store on both stores, and wants
// the same bytes for every page (rows, order, next and prev links with
// their cursor tokens, numberMatched), every page from the index, and the
// index's pages to visit each match once, forwards by next links and
// back from the last page by prev links.
func TestItemIndexSortedMatchesStore(t *testing.T) {
	now := func() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) }
	fixture := func() []*incidentmap.Incident { return sortFixture(900, 21) }
	eachIndexStore(t, fixture, func(t *testing.T, st incidentmap.Store, incs []*incidentmap.Incident) {
		touchSome(t, st, incs)
		withIndex, s, store := indexEngines(t, st, Config{Now: now})
		for _, q := range sortedQueries() {
			t.Run(q, func(t *testing.T) {
				passed := s.itemIx.passed.Load()
				comparePaths(t, withIndex, store, q)
				ids := pagedIDs(t, withIndex, q)
				if back := comparePrevPaths(t, withIndex, store, q); !slices.Equal(back, ids) {
					t.Errorf("back by prev links: %d incidents, not the %d of the next links in their order", len(back), len(ids))
				}
				if n := s.itemIx.passed.Load() - passed; n > 0 {
					t.Errorf("%d pages left to the store", n)
				}
				seen := map[string]bool{}
				for _, id := range ids {
					if seen[id] {
						t.Fatalf("%s served twice", id)
					}
					seen[id] = true
				}
				all := regexpLimit.ReplaceAllString(q, "limit=10000")
				if want := len(pagedIDs(t, store, all)); len(ids) != want {
					t.Errorf("paged through %d incidents, want the %d that match", len(ids), want)
				}
			})
		}
	})
}

// regexpLimit matches the limit parameter of a query.
var regexpLimit = regexp.MustCompile(`limit=[0-9]+`)

// refCompare orders incidents a and b by order as the stores do: text
// byte by byte, days and instants by time, unknown counts after every
// number, then the id.
func refCompare(order []incidentmap.SortKey, a, b *incidentmap.Incident) int {
	for _, k := range order {
		var c int
		va, vb := incidentmap.SortValue(a, k.Property), incidentmap.SortValue(b, k.Property)
		switch x := va.(type) {
		case string:
			c = bytes.Compare([]byte(x), []byte(vb.(string)))
		case time.Time:
			c = x.Compare(vb.(time.Time))
		case int64:
			if y, ok := vb.(int64); ok {
				c = cmp.Compare(x, y)
			} else {
				c = -1 // a number before unknown
			}
		case nil:
			if vb != nil {
				c = 1
			}
		}
		if k.Property == "id" {
			c = strings.Compare(a.ID, b.ID)
		}
		if k.Desc {
			c = -c
		}
		if c != 0 {
			return c
		}
	}
	return 0
}

// indexOfRows builds the index of the published incidents of incs from
// their point rows alone.
func indexOfRows(t *testing.T, incs []*incidentmap.Incident) *itemIndex {
	t.Helper()
	ix, err := newItemIndex("v", func(fn func(incidentmap.PointRow) error) error {
		for _, inc := range incs {
			if inc.Status != incidentmap.StatusPublished {
				continue
			}
			if err := fn(incidentmap.PointRow{ID: inc.ID, Lon: inc.Location.Lon(), Lat: inc.Location.Lat(),
				OccurredStart: inc.OccurredStart, OccurredEnd: inc.OccurredEnd, EventType: inc.EventType,
				SubEventType: inc.SubEventType, Country: inc.Country, TargetType: string(inc.TargetType),
				TargetCountry: inc.TargetCountry, Fatalities: inc.Fatalities, Injuries: inc.Injuries,
				Version: 1, UpdatedAt: inc.UpdatedAt}); err != nil {
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

// randomSortBy returns the keys of a random sortby of one or two
// sortable properties, each either way.
func randomSortBy(r *mrand.Rand) []string {
	props := incidentmap.SortableProperties
	var keys []string
	for range 1 + r.IntN(2) {
		p := props[r.IntN(len(props))]
		if !slices.Contains(keys, p) && !slices.Contains(keys, "-"+p) {
			keys = append(keys, []string{"", "-"}[r.IntN(2)]+p)
		}
	}
	return keys
}

// publishedFilter returns the filter of the items query q with the
// condition of the published incidents, as the handler passes it on.
func publishedFilter(t *testing.T, q url.Values) incidentmap.Filter {
	t.Helper()
	iq, err := parseItemsQuery(q)
	if err != nil {
		t.Fatal(err)
	}
	f := iq.filter
	f.Where = incidentmap.AllOf(f.Where, publishedOnly().Where)
	return f
}

// TestSortedPagePaths pages through random sorted orders and filters of
// an index built from rows alone, both by the walk down the sorted ranks
// and by sorting the candidates, from random cursors, and wants both to
// give the page of a reference sort of the matching incidents.
func TestSortedPagePaths(t *testing.T) {
	incs := sortFixture(2000, 5)
	updated := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	byID := map[string]*incidentmap.Incident{}
	for i, inc := range incs {
		inc.UpdatedAt = updated.Add(time.Duration(i%13) * time.Microsecond)
		byID[inc.ID] = inc
	}
	ix := indexOfRows(t, incs)
	rankOf := map[string]int32{}
	for r := range ix.n {
		rankOf[ix.ids.get(r)] = int32(r)
	}
	r := mrand.New(mrand.NewPCG(1, 2))
	for i := range 400 {
		q, err := url.ParseQuery(randomItemsQuery(r))
		if err != nil {
			t.Fatal(err)
		}
		keys := randomSortBy(r)
		q.Set("sortby", strings.Join(keys, ","))
		if strings.TrimPrefix(keys[0], "-") == "fatalities" && r.IntN(2) == 0 {
			// Conditions on the order's key, which bound the walk.
			q.Set("filter", []string{"fatalities > 3", "fatalities <= 2", "fatalities IS NULL", "fatalities BETWEEN 1.5 AND 4",
				"fatalities IN (0, 5)", "fatalities = 2 AND event_type = 'Riots'", "fatalities <> 0", "fatalities < -1"}[r.IntN(8)])
		}
		q.Set("limit", fmt.Sprint(1+r.IntN(40)))
		f := publishedFilter(t, q)
		order := f.Order()
		p, ok := ix.plan(f)
		if !ok || p.order == nil {
			continue // a filter the index leaves to the store, or its own order
		}
		t.Run(fmt.Sprint(i, "/", q.Encode()), func(t *testing.T) {
			// The reference: the matches, sorted.
			var want []*incidentmap.Incident
			for _, inc := range incs {
				if inc.Status == incidentmap.StatusPublished && ix.matches(p, rankOf[inc.ID]) {
					want = append(want, inc)
				}
			}
			slices.SortFunc(want, func(a, b *incidentmap.Incident) int { return refCompare(order, a, b) })
			// Start at a random match's position.
			var after *incidentmap.Cursor
			start := 0
			if len(want) > 0 && r.IntN(3) > 0 {
				start = r.IntN(len(want))
				after = incidentmap.CursorOf(want[start], f.SortBy)
				start++
			}
			limit := f.PageLimit()
			end := min(start+limit, len(want))
			wantIDs := make([]string, 0, limit)
			for _, inc := range want[start:end] {
				wantIDs = append(wantIDs, inc.ID)
			}
			var cur orderCursor
			if after != nil {
				if cur, ok = ix.cursorIn(p.order, after); !ok {
					t.Fatal("the index cannot place a cursor of its own order")
				}
			}
			at := ix.sortedRanks(p.order)
			from := 0
			for from < ix.n && (after != nil && !ix.afterCursor(p.order, at(from), cur)) {
				from++
			}
			walked, walkMore, done := ix.walkSorted(p, at, from, ix.n, limit, ix.n)
			sorted, sortMore := ix.pageCandidates(p, after != nil, cur, limit)
			paged, pageMore, ok := ix.page(p, after, limit)
			for _, got := range []struct {
				name  string
				ranks []int32
				more  bool
			}{{"walk", walked, walkMore}, {"candidates", sorted, sortMore}, {"page", paged, pageMore}} {
				ids := make([]string, len(got.ranks))
				for i, r := range got.ranks {
					ids[i] = ix.ids.get(int(r))
				}
				if !slices.Equal(ids, wantIDs) || got.more != (end < len(want)) {
					t.Errorf("%s: %v more %v, want %v more %v", got.name, ids, got.more, wantIDs, end < len(want))
				}
				if len(got.ranks) > 0 {
					last := got.ranks[len(got.ranks)-1]
					if c, w := encodeCursor(ix.cursorOf(p, last)), encodeCursor(incidentmap.CursorOf(byID[ids[len(ids)-1]], f.SortBy)); c != w {
						t.Errorf("%s: cursor %s, want %s", got.name, c, w)
					}
				}
			}
			if !done || !ok {
				t.Errorf("walk done %v, page ok %v; want both", done, ok)
			}
		})
	}
}

// TestOrderCacheBound: an index keeps at most maxSortedOrders sorted
// orders, the least recently used out first, and an order pushed out is
// sorted again, the same, on its next use.
func TestOrderCacheBound(t *testing.T) {
	ix, err := newItemIndex("v", func(fn func(incidentmap.PointRow) error) error {
		for i := range 50 {
			fat := i % 7
			if err := fn(incidentmap.PointRow{ID: fmt.Sprintf("id-%02d", 49-i), Country: []string{"IRQ", "AFG", "SYR"}[i%3], Fatalities: &fat,
				OccurredStart: time.Date(2020, 1, 1+i%5, 0, 0, 0, 0, time.UTC)}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	perm := func(sortBy string) []int32 {
		keys, err := parseSortBy(sortBy)
		if err != nil {
			t.Fatal(err)
		}
		o, ok := ix.rankOrderOf(incidentmap.Filter{SortBy: keys}.Order())
		if !ok {
			t.Fatalf("%s: not answered", sortBy)
		}
		at := ix.sortedRanks(o)
		out := make([]int32, ix.n)
		for i := range out {
			out[i] = at(i)
		}
		return out
	}
	orders := []string{"fatalities", "-fatalities", "country", "-country", "occurred_end", "-occurred_end,-id"}
	first := perm(orders[0])
	for _, o := range orders[1:] {
		perm(o)
	}
	ix.orders.mu.Lock()
	kept := len(ix.orders.perms)
	_, oldest := ix.orders.perms["fatalities,id"]
	_, latest := ix.orders.perms["-occurred_end,-id"]
	ix.orders.mu.Unlock()
	if kept > maxSortedOrders || oldest || !latest {
		t.Errorf("kept %d orders (the first %v, the latest %v); want at most %d, the latest ones", kept, oldest, latest, maxSortedOrders)
	}
	if again := perm(orders[0]); !slices.Equal(again, first) {
		t.Errorf("sorted again: %v, want %v", again, first)
	}
}
