package api

import (
	"encoding/json"
	"fmt"
	mrand "math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/incidentmap/incidentmap"
)

// comparePrevPaths follows the next links of query through withIndex to
// its last page, then the prev links from there back to the first page,
// each page before a cursor compared byte for byte with store's. It
// returns the ids of every page so visited in the order of the query
// (the last page's after the others), and fails when a prev link leads
// to an empty page or the walk does not end.
func comparePrevPaths(t *testing.T, withIndex, store *gin.Engine, query string) []string {
	t.Helper()
	type body struct {
		Features []struct{ ID string }
		Links    []link
	}
	parse := func(target, s string) (ids []string, next, prev string) {
		var b body
		if err := json.Unmarshal([]byte(s), &b); err != nil {
			t.Fatalf("%s: %v", target, err)
		}
		for _, f := range b.Features {
			ids = append(ids, f.ID)
		}
		for _, l := range b.Links {
			switch l.Rel {
			case "next":
				next = l.Href
			case "prev":
				prev = l.Href
			}
		}
		return ids, next, prev
	}
	target := "http://example.org" + itemsPath + "?" + query
	var last []string
	var prev string
	for pages := 0; ; pages++ {
		if pages == 500 {
			t.Fatalf("%s: no last page within 500", query)
		}
		code, s := itemsGet(t, withIndex, target)
		if code != 200 {
			t.Fatalf("%s: %d %s", target, code, s)
		}
		var next string
		last, next, prev = parse(target, s)
		if next == "" {
			break
		}
		target = next
	}
	pages := [][]string{last}
	for n := 0; prev != ""; n++ {
		if n == 500 {
			t.Fatalf("%s: prev links did not end within 500 pages", query)
		}
		if n == 0 {
			compareCSVLinks(t, withIndex, store, prev)
		}
		code, s := itemsGet(t, withIndex, prev)
		wantCode, want := itemsGet(t, store, prev)
		s, want = requestIDs.ReplaceAllString(s, ""), requestIDs.ReplaceAllString(want, "")
		if code != wantCode || s != want {
			t.Fatalf("%s:\nindex %d %s\nstore %d %s", prev, code, clipDiff(s, want), wantCode, clipDiff(want, s))
		}
		ids, next, before := parse(prev, s)
		if len(ids) == 0 || next == "" {
			t.Fatalf("%s: a prev link led to a page of %d incidents, next link %q", prev, len(ids), next)
		}
		pages = append(pages, ids)
		prev = before
	}
	var out []string
	for _, ids := range slices.Backward(pages) {
		out = append(out, ids...)
	}
	return out
}

// compareCSVLinks asks for target as CSV, whose page the store reads and
// whose prev link the item index may decide (anyBefore), through both
// engines, and fails when the Link or OGC-NumberMatched headers differ.
func compareCSVLinks(t *testing.T, withIndex, store *gin.Engine, target string) {
	t.Helper()
	headers := func(h *gin.Engine) string {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, target+"&f=csv", nil))
		if w.Code != http.StatusOK {
			t.Fatalf("%s as CSV: %d %s", target, w.Code, w.Body)
		}
		return fmt.Sprint(w.Header().Values("Link"), w.Header().Values(headerNumberMatched))
	}
	if got, want := headers(withIndex), headers(store); got != want {
		t.Errorf("%s as CSV: headers %s,\nwant %s", target, got, want)
	}
}

// TestPrevPagePaths pages before random cursors in random orders and
// filters of an index built from rows alone — the sorted orders both by
// the walk down the permutation backwards and by sorting the candidates,
// and the default, newest and reversed orders by their own walks — and
// wants each to give the page of a reference sort of the matching
// incidents: the limit matches immediately before the cursor (which
// need not be a match), in order, and whether more precede them.
func TestPrevPagePaths(t *testing.T) {
	incs := sortFixture(2000, 9)
	updated := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i, inc := range incs {
		inc.UpdatedAt = updated.Add(time.Duration(i%13) * time.Microsecond)
	}
	ix := indexOfRows(t, incs)
	byID := map[string]*incidentmap.Incident{}
	for _, inc := range incs {
		byID[inc.ID] = inc
	}
	rankOf := map[string]int32{}
	for r := range ix.n {
		rankOf[ix.ids.get(r)] = int32(r)
	}
	var published []*incidentmap.Incident
	for _, inc := range incs {
		if inc.Status == incidentmap.StatusPublished {
			published = append(published, inc)
		}
	}
	r := mrand.New(mrand.NewPCG(3, 4))
	own := []string{"", "-occurred_start", "-occurred_start,id", "-occurred_start,-id", "occurred_start,-id"}
	filters := []string{"fatalities > 3", "fatalities IS NULL", "fatalities BETWEEN 1.5 AND 4", "injuries IS NULL",
		"fatalities < 2 AND event_type = 'Riots'", "injuries > 2"}
	answered := map[string]int{}
	short := 0 // pages with fewer matches before the cursor than the limit
	for i := range 600 {
		q, err := url.ParseQuery(randomItemsQuery(r))
		if err != nil {
			t.Fatal(err)
		}
		switch k := r.IntN(3); k {
		case 0: // the orders of the ranks themselves
			if s := own[r.IntN(len(own))]; s != "" {
				q.Set("sortby", s)
			} else {
				q.Del("sortby")
			}
		default:
			q.Set("sortby", strings.Join(randomSortBy(r), ","))
		}
		if r.IntN(3) == 0 {
			q.Set("filter", filters[r.IntN(len(filters))])
		}
		q.Set("limit", fmt.Sprint(1+r.IntN(60)))
		f := publishedFilter(t, q)
		order := f.Order()
		// The cursor: the position of any incident, a match or not,
		// published or not, or of one that no longer exists.
		at := incs[r.IntN(len(incs))]
		if r.IntN(8) == 0 {
			gone := *at
			gone.ID += "~"
			at = &gone
		}
		f.Before = incidentmap.CursorOf(at, f.SortBy)
		p, ok := ix.plan(f)
		if !ok {
			continue // a filter the index leaves to the store
		}
		kind := "default"
		switch {
		case p.order != nil:
			kind = "sorted"
		case p.reversed:
			kind = "reversed"
		case p.newest:
			kind = "newest"
		}
		answered[kind]++
		t.Run(fmt.Sprint(i, "/", kind, "/", q.Encode()), func(t *testing.T) {
			var want []string
			for _, inc := range published {
				if ix.matches(p, rankOf[inc.ID]) && refCompare(order, inc, at) < 0 {
					want = append(want, inc.ID)
				}
			}
			slices.SortFunc(want, func(a, b string) int { return refCompare(order, byID[a], byID[b]) })
			limit := f.PageLimit()
			wantMore := len(want) > limit
			if len(want) < limit {
				short++
			}
			want = want[max(len(want)-limit, 0):]
			type path struct {
				name  string
				ranks []int32
				more  bool
			}
			ranks, more, ok := ix.page(p, f.Before, limit)
			if !ok {
				t.Fatal("the page was left to the store")
			}
			paths := []path{{"page", ranks, more}}
			if p.order != nil {
				back := p
				back.order, back.before = p.order.backward(), false
				cur, ok := ix.cursorIn(back.order, f.Before)
				if !ok {
					t.Fatal("the index cannot place a cursor of its own order")
				}
				at := ix.sortedRanks(back.order)
				from := sortSearch(ix.n, func(i int) bool { return ix.afterCursor(back.order, at(i), cur) })
				walked, walkMore, done := ix.walkSorted(back, at, from, ix.n, limit, ix.n)
				if !done {
					t.Fatal("an unbounded walk did not finish")
				}
				sorted, sortMore := ix.pageCandidates(back, true, cur, limit)
				slices.Reverse(walked)
				slices.Reverse(sorted)
				paths = append(paths, path{"walk", walked, walkMore}, path{"candidates", sorted, sortMore})
			}
			for _, got := range paths {
				ids := make([]string, len(got.ranks))
				for i, r := range got.ranks {
					ids[i] = ix.ids.get(int(r))
				}
				if !slices.Equal(ids, want) || got.more != wantMore {
					t.Errorf("%s: %v more %v,\nwant %v more %v", got.name, ids, got.more, want, wantMore)
				}
			}
		})
	}
	if short < 10 {
		t.Errorf("only %d pages had fewer matches before them than the limit; want at least 10", short)
	}
	for _, kind := range []string{"default", "newest", "reversed", "sorted"} {
		if answered[kind] < 10 {
			t.Errorf("only %d pages in the %s orders; want at least 10", answered[kind], kind)
		}
	}
}

// TestBackwardOrderShared: an order read backwards is its permutation
// read from the end, sorted once and kept once in the cache of sorted
// orders, so that prev pages push no order out of it.
func TestBackwardOrderShared(t *testing.T) {
	ix := indexOfRows(t, sortFixture(300, 4))
	for _, sortBy := range []string{"-fatalities", "country,-injuries", "id", "-id"} {
		t.Run(sortBy, func(t *testing.T) {
			keys, err := parseSortBy(sortBy)
			if err != nil {
				t.Fatal(err)
			}
			o, ok := ix.rankOrderOf(incidentmap.Filter{SortBy: keys}.Order())
			if !ok {
				t.Fatal("not answered")
			}
			fwd := ix.sortedRanks(o)
			ix.orders.mu.Lock()
			kept := len(ix.orders.perms)
			ix.orders.mu.Unlock()
			back := ix.sortedRanks(o.backward())
			for i := range ix.n {
				if back(i) != fwd(ix.n-1-i) {
					t.Fatalf("position %d backwards: rank %d, want %d", i, back(i), fwd(ix.n-1-i))
				}
			}
			ix.orders.mu.Lock()
			defer ix.orders.mu.Unlock()
			if len(ix.orders.perms) != kept {
				t.Errorf("the backward order took a place of its own: %d orders kept, want %d", len(ix.orders.perms), kept)
			}
		})
	}
}
