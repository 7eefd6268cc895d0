package api

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	mrand "math/rand/v2"
	"net/url"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/incidentmap/incidentmap"
)

// TestFilteredSetsFromMemory: with the item index on, the point set of a
// filter the index answers is built from the published set in memory,
// and gives the same clusters, incidents and bins as the set built by a
// scan of the store with the filter (the item index off), on both stores
// over random filters, views and zooms.
func TestFilteredSetsFromMemory(t *testing.T) {
	now := func() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) }
	fixture := func() []*incidentmap.Incident { return indexFixture(1500, 42) }
	eachIndexStore(t, fixture, func(t *testing.T, st incidentmap.Store, incs []*incidentmap.Incident) {
		withIndex, s, store := indexEngines(t, st, Config{Now: now, WarmTiles: true})
		// The published set, built from the same scan as the index.
		if code, body := itemsGet(t, withIndex, "http://example.org"+clustersPath+"?zoom=0"); code != 200 {
			t.Fatalf("unfiltered clusters: %d %s", code, body)
		}
		r := mrand.New(mrand.NewPCG(5, 9))
		for range 40 {
			q, _ := url.ParseQuery(randomItemsQuery(r))
			q.Del("limit")
			view := q.Get("bbox")
			q.Del("bbox")
			if len(q) == 0 {
				q.Set("event_type", "Riots")
			}
			zooms := []int{0, 3, 6}
			if view != "" {
				zooms = []int{4, 9, 13, 18}
			}
			for _, z := range zooms {
				for _, path := range []string{clustersPath, binsPath} {
					v := url.Values{}
					for k, vs := range q {
						v[k] = vs
					}
					v.Set("zoom", fmt.Sprint(z))
					if view != "" {
						v.Set("bbox", view)
					}
					target := "http://example.org" + path + "?" + v.Encode()
					code, body := itemsGet(t, withIndex, target)
					wantCode, want := itemsGet(t, store, target)
					if code != wantCode || canonicalView(t, body) != canonicalView(t, want) {
						t.Fatalf("%s:\nmemory %d %s\nstore  %d %s", target, code, clipDiff(body, want), wantCode, clipDiff(want, body))
					}
				}
			}
		}
		mem, sc := s.tiles.fromMemory.Load(), s.tiles.fromStore.Load()
		t.Logf("filtered sets: %d from memory, %d from the store", mem, sc)
		if mem == 0 || mem <= sc {
			t.Errorf("%d filtered sets built from memory and %d by a scan; want most from memory", mem, sc)
		}
	})
}

// canonicalView returns a clusters or bins body with its features in the
// order of their ids, so that incidents at one place, whose order follows
// the order the store returned them in, compare equal; request ids of
// error bodies are dropped.
func canonicalView(t *testing.T, body string) string {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal([]byte(requestIDs.ReplaceAllString(body, `"requestId":"-"`)), &doc); err != nil {
		t.Fatalf("%v: %s", err, clipDiff(body, ""))
	}
	if fs, ok := doc["features"].([]any); ok {
		slices.SortFunc(fs, func(a, b any) int {
			ja, _ := json.Marshal(a)
			jb, _ := json.Marshal(b)
			return slices.Compare(ja, jb)
		})
	}
	out, _ := json.Marshal(doc)
	return string(out)
}

// BenchmarkFilteredFromMemory times the point set of a filter built from
// the published set in memory (filterPublished) at 10k, 100k and 1M
// clustered incidents: one event type (about a sixth of them) and a year.
func BenchmarkFilteredFromMemory(b *testing.B) {
	for _, n := range []int{10_000, 100_000, 1_000_000} {
		ps := benchPublished(b, n)
		for _, c := range []struct {
			name string
			f    incidentmap.Filter
		}{
			{"event_type", incidentmap.Filter{Where: incidentmap.AllOf(publishedOnly().Where, incidentmap.InStrings("event_type", "Battles"))}},
			{"year", incidentmap.Filter{Where: incidentmap.AllOf(publishedOnly().Where, incidentmap.Temporal{Op: incidentmap.TIntersects,
				Prop: incidentmap.OccurredProperty, Interval: incidentmap.Interval{Start: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2020, 12, 31, 0, 0, 0, 0, time.UTC)}})}},
		} {
			b.Run(fmt.Sprintf("%s/n=%d", c.name, n), func(b *testing.B) {
				points := 0
				for b.Loop() {
					set, ok, err := filterPublished(ps, c.f, "v", 0)
					if err != nil || !ok {
						b.Fatal(ok, err)
					}
					points = set.ix.Len()
				}
				b.ReportMetric(float64(points), "points")
			})
		}
	}
}

// benchPublished returns the published set of n clustered incidents with
// the item index of the same scan, the incidents they were read from let
// go, so that the collector's work is that of a server's heap.
func benchPublished(b *testing.B, n int) *pointSet {
	st := newBenchIndexStore(n)
	tiles := newTileIndexes(st, slog.New(slog.DiscardHandler))
	tiles.items = newItemIndexes(st, slog.New(slog.DiscardHandler), &tiles.scans)
	ps, err := tiles.buildPublished(context.Background(), "v")
	if err != nil {
		b.Fatal(err)
	}
	runtime.GC()
	return ps
}

// TestItemIndexAskedFirstSharesTheScan: an item index asked for before the
// published set is built by the published set's build, from one scan, so
// that the published set of the version has the item index its filtered
// sets come from. Built apart, it left the published set without one.
func TestItemIndexAskedFirstSharesTheScan(t *testing.T) {
	st := newBenchIndexStore(300)
	log := slog.New(slog.DiscardHandler)
	tiles := newTileIndexes(st, log)
	items := newItemIndexes(st, log, &tiles.scans)
	tiles.shareItems(items)
	v, err := st.DataVersion(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	version := v.ETag()
	if items.get(version) != nil {
		t.Fatal("an item index before any build")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	ps, stale, err := tiles.Published(ctx, version)
	if err != nil || stale {
		t.Fatalf("published set: stale %v, %v", stale, err)
	}
	if ps.items == nil || ps.items.version != version {
		t.Fatal("the published set was built without the item index asked for first")
	}
	if got := items.get(version); got != ps.items {
		t.Fatalf("the item index is %p, the published set's %p", got, ps.items)
	}
	// Once the published set of the version is there, an item index that
	// must be built again (here: forgotten) is built apart.
	items.mu.Lock()
	items.current = nil
	items.mu.Unlock()
	items.get(version)
	for i := 0; items.get(version) == nil; i++ {
		if i == 6000 {
			t.Fatal("the item index was not built apart")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
