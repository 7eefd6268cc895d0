package api

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"testing"
	"time"

	"github.com/incidentmap/incidentmap"
)

// pointsStore is a store of n synthetic published incidents around a few
// cities, for benchmarks: it serves ScanPoints and an O(1) DataVersion
// and nothing else.
type pointsStore struct {
	incidentmap.Store // nil: every other method panics
	n                 int
}

func (s pointsStore) DataVersion(context.Context) (incidentmap.DataVersion, error) {
	return incidentmap.DataVersion{Incidents: s.n, LastModified: fixedNow}, nil
}

func (s pointsStore) ScanPoints(ctx context.Context, f incidentmap.Filter, fn func(incidentmap.PointRow) error) error {
	r := rand.New(rand.NewPCG(42, uint64(s.n)))
	cities := [][2]float64{{44.366, 33.315}, {69.17, 34.53}, {62.2, 34.35}, {51.39, 35.69}, {36.29, 33.51}}
	types := eventKinds[:len(eventKinds)-1]
	day := time.Date(2018, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range s.n {
		c := cities[min(int(r.ExpFloat64()), len(cities)-1)]
		p := incidentmap.PointRow{ID: fmt.Sprintf("b%07d", i), Lon: c[0] + r.NormFloat64()*0.3, Lat: c[1] + r.NormFloat64()*0.3,
			OccurredStart: day.AddDate(0, 0, i%2500), EventType: types[i%len(types)], Country: "IRQ",
			Title: "A synthetic incident with a title about sixty characters long"}
		if want := eventTypeOf(f.Where); want != "" && want != p.EventType {
			continue
		}
		if err := fn(p); err != nil {
			return err
		}
	}
	return nil
}

// benchSizes are the numbers of incidents of the benchmarks.
var benchSizes = []int{10_000, 100_000, 1_000_000}

// BenchmarkEncodeTile measures the clustering and MVT encoding of the
// tiles over Baghdad of the load test, without the tile cache.
func BenchmarkEncodeTile(b *testing.B) {
	for _, n := range benchSizes {
		ps, err := buildPointSet(context.Background(), pointsStore{n: n}, incidentmap.Filter{}, "v", 0)
		if err != nil {
			b.Fatal(err)
		}
		for _, t := range [][3]int{{5, 19, 12}, {8, 159, 102}, {12, 2552, 1645}} {
			b.Run(fmt.Sprintf("%d/z%d", n, t[0]), func(b *testing.B) {
				var size int
				for b.Loop() {
					body, err := encodeTile(ps, t[0], t[1], t[2])
					if err != nil {
						b.Fatal(err)
					}
					size = len(body)
				}
				b.ReportMetric(float64(size), "bytes/tile")
			})
		}
	}
}

// BenchmarkBuildPointSet measures reading and clustering every incident.
func BenchmarkBuildPointSet(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			for b.Loop() {
				if _, err := buildPointSet(context.Background(), pointsStore{n: n}, incidentmap.Filter{}, "v", 0); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkClustersRequest measures a whole /clusters request for a map
// view of the region at zoom 4 and of Baghdad at zoom 10, through the
// handler.
func BenchmarkClustersRequest(b *testing.B) {
	for _, n := range benchSizes {
		ts := newTestServer(b, &fakeStore{})
		h, err := New(pointsStore{n: n}, Config{})
		if err != nil {
			b.Fatal(err)
		}
		ts.h = h
		for _, q := range []string{"zoom=4&bbox=30,20,80,45", "zoom=10&bbox=44.1,33.1,44.6,33.5"} {
			if w := ts.get(b, clustersPath+"?"+q); w.Code != http.StatusOK {
				b.Fatal(w.Body)
			}
			b.Run(fmt.Sprintf("%d/%s", n, q[:7]), func(b *testing.B) {
				for b.Loop() {
					ts.get(b, clustersPath+"?"+q)
				}
			})
		}
	}
}

// eventTypeOf returns the first event type that an In node of e (or of
// its And) names, or "".
func eventTypeOf(e incidentmap.Expr) string {
	terms := []incidentmap.Expr{e}
	if and, ok := e.(incidentmap.And); ok {
		terms = and.Args
	}
	for _, t := range terms {
		if in, ok := t.(incidentmap.In); ok && in.Prop == "event_type" {
			s, _ := in.Values[0].(incidentmap.String)
			return string(s)
		}
	}
	return ""
}
