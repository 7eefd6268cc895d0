package api

import (
	"context"
	"fmt"
	mrand "math/rand/v2"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/incidentmap/incidentmap"
)

// aggregateFixture is indexFixture with provinces: a quarter of the
// incidents have none (the "" group), and some sub-event and target
// countries are empty too.
func aggregateFixture(n int, seed uint64) []*incidentmap.Incident {
	r := mrand.New(mrand.NewPCG(seed, 11))
	incs := indexFixture(n, seed)
	provinces := []string{"AF-HER", "AF-KAB", "IQ-BG", "IQ-KA", "IR-07", "SY-DI"}
	for _, inc := range incs {
		if r.IntN(4) > 0 {
			inc.Admin1Code = provinces[r.IntN(len(provinces))]
		}
		if r.IntN(8) == 0 {
			inc.TargetCountry = ""
		}
	}
	return incs
}

// randomAggregateQuery is randomItemsQuery without the limit (which the
// aggregate refuses), sometimes with a province, and with groupby by.
func randomAggregateQuery(r *mrand.Rand, by string) string {
	q, err := url.ParseQuery(randomItemsQuery(r))
	if err != nil {
		panic(err)
	}
	q.Del("limit")
	if r.IntN(6) == 0 {
		q.Set("admin1_code", []string{"AF-HER", "IQ-BG,IR-07", "SY-DI"}[r.IntN(3)])
	}
	q.Set("groupby", by)
	return q.Encode()
}

// indexEngines returns two servers of st with cfg: one with the item
// index, once it is built, and one without.
func indexEngines(t *testing.T, st incidentmap.Store, cfg Config) (withIndex *gin.Engine, s *server, store *gin.Engine) {
	t.Helper()
	cfg.ItemIndex = true
	withIndex, s, err := newEngine(st, cfg)
	if err != nil {
		t.Fatal(err)
	}
	cfg.ItemIndex = false
	if store, _, err = newEngine(st, cfg); err != nil {
		t.Fatal(err)
	}
	waitIndex(t, s)
	return withIndex, s, store
}

// eachIndexStore runs fn on each store of indexStores with the incidents
// of fixture imported, fresh for each store (skipped under -short).
func eachIndexStore(t *testing.T, fixture func() []*incidentmap.Incident, fn func(t *testing.T, st incidentmap.Store, incs []*incidentmap.Incident)) {
	if testing.Short() {
		t.Skip("loads the incidents into each store")
	}
	for name, open := range indexStores(t) {
		t.Run(name, func(t *testing.T) {
			st, incs := open(t), fixture()
			if err := st.ImportIncidents(context.Background(), incs); err != nil {
				t.Fatal(err)
			}
			fn(t, st, incs)
		})
	}
}

// compareAggregate runs one aggregate query through both engines and
// fails on a difference of status or bytes.
func compareAggregate(t *testing.T, withIndex, store *gin.Engine, query string) {
	t.Helper()
	target := "http://example.org" + aggregatePath + "?" + query
	code, body := itemsGet(t, withIndex, target)
	wantCode, want := itemsGet(t, store, target)
	body, want = requestIDs.ReplaceAllString(body, ""), requestIDs.ReplaceAllString(want, "")
	if code != wantCode || body != want {
		t.Fatalf("%s:\nindex %d %s\nstore %d %s", target, code, clipDiff(body, want), wantCode, clipDiff(want, body))
	}
}

// TestAggregateIndexMatchesStore asks for aggregates by every group key
// with random filters (boxes, datetime intervals, properties, CQL2, some
// the index does not answer) through a server with the item index and
// through one without, on both stores, and wants the same status and
// bytes: buckets, their order, the "" group and numberMatched. It then
// changes an incident and wants the stale index to stand aside (the store
// answers the new counts) until the rebuilt one answers them. Item pages
// by admin1_code, which the index holds for the aggregates, are compared
// too.
func TestAggregateIndexMatchesStore(t *testing.T) {
	now := func() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) }
	fixture := func() []*incidentmap.Incident { return aggregateFixture(1500, 5) }
	eachIndexStore(t, fixture, func(t *testing.T, st incidentmap.Store, incs []*incidentmap.Incident) {
		withIndex, s, store := indexEngines(t, st, Config{Now: now})
		r := mrand.New(mrand.NewPCG(9, 4))
		for _, by := range incidentmap.GroupKeys {
			compareAggregate(t, withIndex, store, "groupby="+by) // the rollups
			for range 30 {
				compareAggregate(t, withIndex, store, randomAggregateQuery(r, by))
			}
		}
		// Item pages by province, now that the index answers them too.
		served := s.itemIx.served.Load()
		for _, q := range []string{"admin1_code=AF-HER&limit=100", "admin1_code=IQ-BG,IR-07&bbox=40,25,80,26&limit=37",
			"filter=" + url.QueryEscape("admin1_code = '' AND event_type = 'Riots'")} {
			comparePaths(t, withIndex, store, q)
		}
		if s.itemIx.served.Load() == served {
			t.Error("no item page by admin1_code came from the index")
		}
		fromIndex, fromStore := s.aggregates.fromIndex.Load(), s.aggregates.fromStore.Load()
		t.Logf("%d aggregates from the index, %d from the store", fromIndex, fromStore)
		if fromIndex <= fromStore {
			t.Errorf("the index answered %d aggregates and left %d to the store; want most of them answered", fromIndex, fromStore)
		}

		// A change moves an incident to another province and type.
		var changed *incidentmap.Incident
		for _, inc := range incs {
			if inc.Status == incidentmap.StatusPublished && inc.EventType != "Riots" {
				changed = inc
				break
			}
		}
		changed, err := st.GetIncident(context.Background(), changed.ID)
		if err != nil {
			t.Fatal(err)
		}
		changed.EventType, changed.SubEventType, changed.Admin1Code = "Riots", "", "AF-ZZZ"
		if err := st.UpdateIncident(context.Background(), changed, changed.Version); err != nil {
			t.Fatal(err)
		}
		queries := []string{"groupby=admin1_code", "groupby=event_type&country=" + changed.Country, "groupby=day&admin1_code=AF-ZZZ"}
		// The first request after the change finds the index stale
		// and starts a rebuild, which may serve the next ones.
		for i, q := range queries {
			before := s.aggregates.fromIndex.Load()
			compareAggregate(t, withIndex, store, q)
			if i == 0 && s.aggregates.fromIndex.Load() != before {
				t.Errorf("%s: answered from the stale index", q)
			}
		}
		waitIndex(t, s)
		for _, q := range queries {
			// Another spelling of the query: the stale answer is
			// cached under the first.
			q += "&bbox=-180,-90,180,90"
			before := s.aggregates.fromIndex.Load()
			compareAggregate(t, withIndex, store, q)
			if s.aggregates.fromIndex.Load() == before {
				t.Errorf("%s: the rebuilt index did not answer", q)
			}
		}
	})
}

// TestItemIndexCountBy checks the index's counts on a few incidents by
// hand: the rollups (no condition) and the walk (a condition that every
// incident meets) give the same groups, sorted, with the "" group; an
// empty index has none; a key the index does not hold is refused.
func TestItemIndexCountBy(t *testing.T) {
	day := func(s string) time.Time { d, _ := time.Parse(time.DateOnly, s); return d }
	rows := []incidentmap.PointRow{
		{ID: "b", OccurredStart: day("2021-12-31"), EventType: "Riots", Country: "IRQ", Admin1Code: "IQ-BG"},
		{ID: "a", OccurredStart: day("2021-12-31"), EventType: "Battles", Country: "IRQ"},
		{ID: "c", OccurredStart: day("2022-01-01"), EventType: "Riots", Country: "AFG", Admin1Code: "AF-HER"},
		{ID: "d", OccurredStart: day("2019-06-30"), EventType: "Riots", Country: "AFG", Admin1Code: "AF-HER"},
	}
	ix, err := newItemIndex("v", func(fn func(incidentmap.PointRow) error) error {
		for _, p := range rows {
			p.OccurredEnd = p.OccurredStart
			if err := fn(p); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	b := func(kv ...any) []incidentmap.Bucket {
		var out []incidentmap.Bucket
		for i := 0; i < len(kv); i += 2 {
			out = append(out, incidentmap.Bucket{Key: kv[i].(string), Count: kv[i+1].(int)})
		}
		return out
	}
	tests := []struct {
		by   string
		want []incidentmap.Bucket
	}{
		{"day", b("2019-06-30", 1, "2021-12-31", 2, "2022-01-01", 1)},
		{"month", b("2019-06", 1, "2021-12", 2, "2022-01", 1)},
		{"year", b("2019", 1, "2021", 2, "2022", 1)},
		{"event_type", b("Battles", 1, "Riots", 3)},
		{"country", b("AFG", 2, "IRQ", 2)},
		{"admin1_code", b("", 1, "AF-HER", 2, "IQ-BG", 1)},
		{"target_country", b("", 4)},
	}
	whole := indexPlan{preds: []indexPred{daysPred{}}}
	for _, tt := range tests {
		t.Run(tt.by, func(t *testing.T) {
			for name, p := range map[string]indexPlan{"rollup": {}, "walk": whole} {
				got, ok := ix.countBy(p, tt.by)
				if !ok || !slices.Equal(got, tt.want) {
					t.Errorf("%s: got %v %v, want %v", name, got, ok, tt.want)
				}
			}
		})
	}
	empty, err := newItemIndex("v", func(func(incidentmap.PointRow) error) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	for _, by := range incidentmap.GroupKeys {
		for _, p := range []indexPlan{{}, whole} {
			if got, ok := empty.countBy(p, by); !ok || len(got) != 0 {
				t.Errorf("no incidents, by %s: got %v %v, want no groups", by, got, ok)
			}
		}
	}
	if _, ok := ix.countBy(indexPlan{}, "summary"); ok {
		t.Error("counted by a key the index does not hold")
	}
	if got := fmt.Sprint(len(ix.rollups)); got != fmt.Sprint(len(incidentmap.GroupKeys)) {
		t.Errorf("%s rollups, want one per group key (%d)", got, len(incidentmap.GroupKeys))
	}
}
