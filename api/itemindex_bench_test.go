package api

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/incidentmap/incidentmap"
	"github.com/incidentmap/incidentmap/store/storetest"
)

// benchIndexStore serves the clustered benchmark set from memory: the
// data version, the point rows and rows by id, which is all the item
// index asks of a store once it is built. The other methods are not
// used.
type benchIndexStore struct {
	incidentmap.Store
	byID map[string]*incidentmap.Incident
	rows []incidentmap.PointRow
}

func newBenchIndexStore(n int) *benchIndexStore {
	s := &benchIndexStore{byID: make(map[string]*incidentmap.Incident, n), rows: make([]incidentmap.PointRow, n)}
	updated := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range n {
		inc := storetest.Clustered(i, 42)
		inc.Version, inc.CreatedAt, inc.UpdatedAt = 1, updated, updated
		s.byID[inc.ID] = inc
		s.rows[i] = incidentmap.PointRow{ID: inc.ID, Lon: inc.Location.Lon(), Lat: inc.Location.Lat(),
			OccurredStart: inc.OccurredStart, OccurredEnd: inc.OccurredEnd, EventType: inc.EventType,
			SubEventType: inc.SubEventType, Country: inc.Country, TargetType: string(inc.TargetType),
			Title: inc.Title, Fatalities: inc.Fatalities, Version: 1, UpdatedAt: updated}
	}
	return s
}

func (s *benchIndexStore) DataVersion(context.Context) (incidentmap.DataVersion, error) {
	return incidentmap.DataVersion{Incidents: len(s.rows)}, nil
}

func (s *benchIndexStore) ScanPoints(_ context.Context, _ incidentmap.Filter, fn func(incidentmap.PointRow) error) error {
	for _, r := range s.rows {
		if err := fn(r); err != nil {
			return err
		}
	}
	return nil
}

// Ping answers the readiness check of the handler.
func (s *benchIndexStore) Ping(context.Context) error { return nil }

// FindIncidents answers only the queries by id of the item index.
func (s *benchIndexStore) FindIncidents(_ context.Context, f incidentmap.Filter, fn func(*incidentmap.Incident) error) (*incidentmap.Cursor, error) {
	in, ok := f.Where.(incidentmap.In)
	if and, isAnd := f.Where.(incidentmap.And); isAnd {
		for _, a := range and.Args { // the published ones with these ids
			if a, isIn := a.(incidentmap.In); isIn && a.Prop == "id" {
				in, ok = a, true
			}
		}
	}
	if !ok || in.Prop != "id" {
		panic("benchIndexStore: only queries by id")
	}
	for _, v := range in.Values {
		if inc := s.byID[string(v.(incidentmap.String))]; inc != nil {
			if err := fn(inc); err != nil {
				return nil, err
			}
		}
	}
	return nil, nil
}

// benchBox is the 1° box around the densest centre of the clustered set
// (the median of its incidents, which the uniform noise does not move),
// as the load test's box is around Baghdad.
func benchBox(s *benchIndexStore) incidentmap.BBox {
	var lons, lats []float64
	for _, inc := range s.byID {
		if strings.Contains(inc.Title, " near centre 1,") {
			lons, lats = append(lons, inc.Location.Lon()), append(lats, inc.Location.Lat())
		}
	}
	slices.Sort(lons)
	slices.Sort(lats)
	lon, lat := lons[len(lons)/2], lats[len(lats)/2]
	return incidentmap.BBox{West: lon - 0.5, South: lat - 0.5, East: lon + 0.5, North: lat + 0.5}
}

// benchIndexCases are the seven cases of the 1M load test, as filters.
func benchIndexCases(box incidentmap.BBox) []struct {
	name string
	f    incidentmap.Filter
} {
	pub := incidentmap.InStrings("status", string(incidentmap.StatusPublished))
	quarter := &incidentmap.Interval{Start: time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2023, 3, 31, 23, 59, 59, 0, time.UTC)}
	battles := []string{"Battles"}
	return []struct {
		name string
		f    incidentmap.Filter
	}{
		{"bbox/l100", incidentmap.Filter{Where: pub, BBox: &box, Limit: 100}},
		{"bbox/l1000", incidentmap.Filter{Where: pub, BBox: &box, Limit: 1000}},
		{"bbox/l10000", incidentmap.Filter{Where: pub, BBox: &box, Limit: 10000}},
		{"event_type/l1000", incidentmap.Filter{Where: incidentmap.AllOf(incidentmap.InStrings("event_type", battles...), pub), Limit: 1000}},
		{"bbox+event_type/l1000", incidentmap.Filter{Where: incidentmap.AllOf(incidentmap.InStrings("event_type", battles...), pub), BBox: &box, Limit: 1000}},
		{"datetime/l1000", incidentmap.Filter{Where: pub, Interval: quarter, Limit: 1000}},
		{"bbox+datetime/l1000", incidentmap.Filter{Where: pub, BBox: &box, Interval: quarter, Limit: 1000}},
		{"bbox newest first/l1000", incidentmap.Filter{Where: pub, BBox: &box, Limit: 1000, SortBy: []incidentmap.SortKey{{Property: "occurred_start", Desc: true}}}},
		{"event_type newest first/l1000", incidentmap.Filter{Where: incidentmap.AllOf(incidentmap.InStrings("event_type", battles...), pub), Limit: 1000, SortBy: []incidentmap.SortKey{{Property: "occurred_start", Desc: true}}}},
	}
}

// BenchmarkItemIndexPage measures which incidents are on the first page
// of each load-test case (itemIndex.page), over indexes of each of
// storetest.BenchSizes clustered incidents. The box holds about 12% of
// them at every size, so a cost that grew with the matches would show.
func BenchmarkItemIndexPage(b *testing.B) {
	for _, n := range storetest.BenchSizes(b) {
		s := newBenchIndexStore(n)
		ix, err := buildItemIndex(context.Background(), s, "bench")
		if err != nil {
			b.Fatal(err)
		}
		for _, c := range benchIndexCases(benchBox(s)) {
			b.Run(fmt.Sprintf("n=%d/%s", n, c.name), func(b *testing.B) {
				p, ok := ix.plan(c.f)
				if !ok {
					b.Fatal("the index does not answer the case")
				}
				var got int
				for b.Loop() {
					ranks, _, _ := ix.page(p, nil, c.f.PageLimit())
					got = len(ranks)
				}
				b.ReportMetric(float64(got), "incidents/op")
			})
		}
	}
}

// sortedBenchCases are pages in orders other than the index's own: the
// map's table sorted by a column, with and without filters, a page deep
// into the order, and a filter rare enough that sorting its candidates
// beats the walk.
func sortedBenchCases(ix *itemIndex, box incidentmap.BBox) []struct {
	name   string
	f      incidentmap.Filter
	middle bool // start halfway through the order
} {
	pub := incidentmap.InStrings("status", string(incidentmap.StatusPublished))
	mostFatal := []incidentmap.SortKey{{Property: "fatalities", Desc: true}}
	byCountry := []incidentmap.SortKey{{Property: "country"}, {Property: "occurred_start", Desc: true}}
	// The country with the fewest incidents, at least 100.
	rare, fewest := "", ix.n+1
	for c, l := range ix.postings[countryProp] {
		if len(l) >= 100 && len(l) < fewest {
			rare, fewest = ix.values[countryProp][c], len(l)
		}
	}
	battles := incidentmap.InStrings("event_type", "Battles")
	return []struct {
		name   string
		f      incidentmap.Filter
		middle bool
	}{
		{"-fatalities/l50", incidentmap.Filter{Where: pub, SortBy: mostFatal, Limit: 50}, false},
		{"-fatalities/l50/middle", incidentmap.Filter{Where: pub, SortBy: mostFatal, Limit: 50}, true},
		{"-fatalities/bbox/l50", incidentmap.Filter{Where: pub, BBox: &box, SortBy: mostFatal, Limit: 50}, false},
		{"-fatalities/bbox/l1000", incidentmap.Filter{Where: pub, BBox: &box, SortBy: mostFatal, Limit: 1000}, false},
		{"-fatalities/event_type/l1000", incidentmap.Filter{Where: incidentmap.AllOf(pub, battles), SortBy: mostFatal, Limit: 1000}, false},
		{"-fatalities/rare country/l50", incidentmap.Filter{Where: incidentmap.AllOf(pub, incidentmap.InStrings("country", rare)), SortBy: mostFatal, Limit: 50}, false},
		{"country,-occurred_start/bbox/l100", incidentmap.Filter{Where: pub, BBox: &box, SortBy: byCountry, Limit: 100}, false},
		{"-id/l100", incidentmap.Filter{Where: pub, SortBy: []incidentmap.SortKey{{Property: "id", Desc: true}}, Limit: 100}, false},
	}
}

// BenchmarkItemIndexSortedPage measures which incidents are on a page in
// a sorted order (itemIndex.page), over indexes of each of
// storetest.BenchSizes clustered incidents, the order already sorted: a
// page's cost should not grow with the size.
func BenchmarkItemIndexSortedPage(b *testing.B) {
	for _, n := range storetest.BenchSizes(b) {
		s := newBenchIndexStore(n)
		ix, err := buildItemIndex(context.Background(), s, "bench")
		if err != nil {
			b.Fatal(err)
		}
		for _, c := range sortedBenchCases(ix, benchBox(s)) {
			b.Run(fmt.Sprintf("n=%d/%s", n, c.name), func(b *testing.B) {
				p, ok := ix.plan(c.f)
				if !ok || p.order == nil {
					b.Fatal("the index does not answer the case from a sorted order")
				}
				var after *incidentmap.Cursor
				if c.middle {
					at := ix.sortedRanks(p.order)
					after = ix.cursorOf(p, at(ix.n/2))
				}
				if _, _, ok := ix.page(p, after, c.f.PageLimit()); !ok {
					b.Fatal("the page was left to the store")
				}
				var got int
				for b.Loop() {
					ranks, _, _ := ix.page(p, after, c.f.PageLimit())
					got = len(ranks)
				}
				b.ReportMetric(float64(got), "incidents/op")
			})
		}
	}
}

// BenchmarkItemIndexSortOrder measures the first use of a sorted order:
// the order by id and then by fatalities descending, sorted once per
// data version.
func BenchmarkItemIndexSortOrder(b *testing.B) {
	for _, n := range storetest.BenchSizes(b) {
		s := newBenchIndexStore(n)
		ix, err := buildItemIndex(context.Background(), s, "bench")
		if err != nil {
			b.Fatal(err)
		}
		o, _ := ix.rankOrderOf([]incidentmap.SortKey{{Property: "fatalities", Desc: true}, {Property: "id"}})
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			for b.Loop() {
				ix.orders = newOrderCache()
				ix.sortedRanks(o)
			}
		})
	}
}

// BenchmarkItemIndexBuild measures building the index of 100,000
// clustered incidents from their point rows.
func BenchmarkItemIndexBuild(b *testing.B) {
	s := newBenchIndexStore(100_000)
	for b.Loop() {
		if _, err := buildItemIndex(context.Background(), s, "bench"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkItemsFromIndex measures whole GeoJSON responses of the
// load-test cases through the handler, answered from a built index of
// 100,000 incidents with their features in the cache (after one request):
// what a request costs the server when the index and cache serve it.
func BenchmarkItemsFromIndex(b *testing.B) {
	s := newBenchIndexStore(100_000)
	box := benchBox(s)
	bbox := fmt.Sprintf("bbox=%f,%f,%f,%f", box.West, box.South, box.East, box.North)
	benchIndexResponses(b, s, []benchQuery{
		{"bbox/l100", bbox + "&limit=100"},
		{"bbox/l1000", bbox + "&limit=1000"},
		{"bbox/l10000", bbox + "&limit=10000"},
		{"event_type/l1000", "event_type=Battles&limit=1000"},
		{"bbox+datetime/l1000", bbox + "&datetime=2023-01-01T00:00:00Z/2023-03-31T23:59:59Z&limit=1000"},
	})
}

// benchQuery is one items request of a benchmark: its name and query.
type benchQuery struct{ name, query string }

// benchIndexResponses measures the whole response of each query through
// the handler of a server of s with the item index, once the index is
// built and one request has warmed it; a query the index does not serve
// fails.
func benchIndexResponses(b *testing.B, s *benchIndexStore, queries []benchQuery) {
	h, srv, err := newEngine(s, Config{ItemIndex: true})
	if err != nil {
		b.Fatal(err)
	}
	for srv.itemIx.get(incidentmap.DataVersion{Incidents: len(s.rows)}.ETag()) == nil {
		time.Sleep(10 * time.Millisecond)
	}
	for _, c := range queries {
		b.Run(c.name, func(b *testing.B) {
			target := itemsPath + "?" + c.query
			served := srv.itemIx.served.Load()
			w := httptest.NewRecorder()
			h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, target, nil))
			if w.Code != 200 || srv.itemIx.served.Load() == served {
				b.Fatalf("%s: %d, or not from the index", target, w.Code)
			}
			b.SetBytes(int64(w.Body.Len()))
			req := httptest.NewRequest(http.MethodGet, target, nil)
			for b.Loop() {
				h.ServeHTTP(&discardWriter{header: http.Header{}}, req)
			}
		})
	}
}
