package storetest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/incidentmap/incidentmap"
)

// Spread returns n valid published incidents, the same for the same n and
// seed, spread uniformly over lon 35..75, lat 25..42 (the region of the 1M
// load test) and over 2018–2024, with the event types of the 1M set. A
// 10°×10° box holds about 15% of them whatever n is (the 1° Baghdad box
// of the 1M set holds 12%), so a query of that box selects more as n
// grows while its first page stays the same size.
func Spread(n int, seed uint64) []*incidentmap.Incident {
	r := rand.New(rand.NewPCG(seed, 2))
	events := []string{"Battles", "Explosions/Remote violence", "Violence against civilians", "Protests", "Riots", "Strategic developments"}
	base := time.Date(2018, 1, 1, 0, 0, 0, 0, time.UTC)
	out := make([]*incidentmap.Incident, n)
	for i := range n {
		day := base.AddDate(0, 0, r.IntN(7*365))
		out[i] = &incidentmap.Incident{
			ID:                fmt.Sprintf("sp-%07d", i),
			Title:             fmt.Sprintf("Spread incident %d", i),
			OccurredStart:     day,
			OccurredEnd:       day,
			DatePrecision:     incidentmap.DateDay,
			Location:          orb.Point{35 + 40*r.Float64(), 25 + 17*r.Float64()},
			LocationPrecision: incidentmap.LocationCity,
			Country:           "IRQ",
			EventType:         events[r.IntN(len(events))],
			TargetType:        incidentmap.TargetOther,
			Status:            incidentmap.StatusPublished,
		}
	}
	return out
}

// BenchSizes are the store sizes of BenchmarkBBoxSizes: 10,000, 100,000
// and 1,000,000, or the comma-separated list in $INCIDENTMAP_BENCH_SIZES
// (loading a million incidents takes minutes).
func BenchSizes(b *testing.B) []int {
	env := os.Getenv("INCIDENTMAP_BENCH_SIZES")
	if env == "" {
		return []int{10_000, 100_000, 1_000_000}
	}
	var out []int
	for _, f := range strings.Split(env, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n <= 0 || n > 10_000_000 {
			b.Fatalf("INCIDENTMAP_BENCH_SIZES: %q is not a size", f)
		}
		out = append(out, n)
	}
	return out
}

// BenchmarkBBoxSizes measures the first page (100 and 1,000 incidents) of a
// 10°×10° box in the default order, through FindPage as the items endpoint
// reads it, over stores of each of BenchSizes (loaded with Spread before
// the timer). The box holds about 15% of the incidents, so its matches
// grow with the store: a page whose cost grows with them sorts every
// match, one that stays flat stops when the page is full. settle, when
// given, runs after the load (PostGIS: VACUUM ANALYZE, the state that
// autovacuum reaches within a minute or so).
func BenchmarkBBoxSizes(b *testing.B, open func(testing.TB) incidentmap.Store, settle ...func(testing.TB, incidentmap.Store)) {
	ctx := context.Background()
	box := incidentmap.BBox{West: 40, South: 28, East: 50, North: 38}
	for _, n := range BenchSizes(b) {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			s := open(b)
			defer s.Close()
			loadSpread(b, s, n)
			for _, fn := range settle {
				fn(b, s)
			}
			for _, limit := range []int{100, 1000} {
				f := incidentmap.Filter{BBox: &box, Limit: limit, Where: incidentmap.InStrings("status", incidentmap.StatusPublished)}
				b.Run(fmt.Sprintf("limit=%d", limit), func(b *testing.B) {
					b.ReportAllocs()
					for b.Loop() {
						got := 0
						if _, err := s.FindPage(ctx, f, 0, func(*incidentmap.Incident) error { got++; return nil }); err != nil {
							b.Fatal(err)
						}
						if got != limit {
							b.Fatalf("page of %d incidents, want %d", got, limit)
						}
					}
				})
			}
		})
	}
}

// loadSpread loads Spread(n, 1) into s, 50,000 incidents at a time, and
// returns them.
func loadSpread(b *testing.B, s incidentmap.Store, n int) []*incidentmap.Incident {
	incs := Spread(n, 1)
	for i := 0; i < n; i += 50_000 {
		if err := s.ImportIncidents(context.Background(), incs[i:min(i+50_000, n)]); err != nil {
			b.Fatal(err)
		}
	}
	return incs
}

// Bench runs a benchmark of this package on a store that open makes, and
// closes the store after it.
func Bench(b *testing.B, open Opener, bench func(*testing.B, incidentmap.Store)) {
	s := open(b)
	defer s.Close()
	bench(b, s)
}
