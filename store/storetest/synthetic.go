package storetest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/incidentmap/incidentmap"
	"github.com/incidentmap/incidentmap/cql2"
	"github.com/paulmach/orb"
)

// Synthetic grid: n incidents on a grid of GridCols columns at 0.1° spacing
// from (GridWest, GridSouth), so a box of 40 × 25 cells holds exactly 1,000.
const (
	GridCols  = 400
	GridWest  = 40.0
	GridSouth = 25.0
)

// Synthetic returns n valid incidents, the same for the same n and seed:
// points on the synthetic grid, dates spread over 2015–2024, and a mix of
// countries, event types and target countries.
func Synthetic(n int, seed uint64) []*incidentmap.Incident {
	r := rand.New(rand.NewPCG(seed, 1))
	countries := []string{"AFG", "IRQ", "SYR", "IRN", "PAK"}
	targets := []string{"IRN", "USA", "GBR", "RUS", "TUR", ""}
	events := []string{"Protests", "Riots", "Explosions/Remote violence", "Battles", "Violence against civilians"}
	kinds := []incidentmap.TargetType{incidentmap.TargetEmbassy, incidentmap.TargetConsulate, incidentmap.TargetDiplomaticVehicle, incidentmap.TargetCivilian}
	base := time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC)
	out := make([]*incidentmap.Incident, n)
	for i := range n {
		start := base.AddDate(0, 0, r.IntN(3650))
		fat := r.IntN(20)
		inc := &incidentmap.Incident{
			ID:                fmt.Sprintf("syn-%07d", i),
			ExternalIDs:       []string{fmt.Sprintf("syn:%d", i)},
			Title:             fmt.Sprintf("Synthetic incident %d", i),
			Summary:           "A generated incident for tests and benchmarks.",
			OccurredStart:     start,
			OccurredEnd:       start.AddDate(0, 0, r.IntN(3)),
			DatePrecision:     incidentmap.DateDay,
			Location:          orb.Point{GridWest + float64(i%GridCols)/10, GridSouth + float64(i/GridCols)/10},
			LocationPrecision: incidentmap.LocationCity,
			PlaceName:         "Synthetic place",
			Country:           countries[r.IntN(len(countries))],
			EventType:         events[r.IntN(len(events))],
			TargetType:        kinds[r.IntN(len(kinds))],
			TargetCountry:     targets[r.IntN(len(targets))],
			Fatalities:        &fat,
			Tags:              []string{"synthetic"},
			Sources:           []incidentmap.Source{{Publisher: "Generator", Title: "Synthetic source", URL: "https://example.org/s"}},
			Status:            incidentmap.StatusPublished,
		}
		out[i] = inc
	}
	return out
}

// ThousandBox is a box that holds exactly 1,000 points of a 100,000-point
// synthetic grid (columns 100–139, rows 50–74).
var ThousandBox = incidentmap.BBox{West: GridWest + 9.95, South: GridSouth + 4.95, East: GridWest + 13.95, North: GridSouth + 7.45}

// BenchmarkBBox loads 100,000 synthetic incidents into s (once, before the
// timer) and measures a bbox query that returns 1,000 of them.
func BenchmarkBBox(b *testing.B, s incidentmap.Store) {
	ctx := context.Background()
	if err := s.ImportIncidents(ctx, Synthetic(100_000, 1)); err != nil {
		b.Fatal(err)
	}
	f := incidentmap.Filter{BBox: &ThousandBox, Limit: incidentmap.MaxLimit}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		n := 0
		if _, err := s.FindIncidents(ctx, f, func(*incidentmap.Incident) error { n++; return nil }); err != nil {
			b.Fatal(err)
		}
		if n != 1000 {
			b.Fatalf("bbox returned %d incidents, want 1000", n)
		}
	}
}

// BenchmarkCQL2SpatialTemporal loads 100,000 synthetic incidents into s
// (once) and measures one filter, a box, an interval and two countries,
// written two ways: as a CQL2 tree (an S_INTERSECTS polygon, T_INTERSECTS,
// IN) and as query parameters (BBox, Interval, an IN of countries). Both compile to
// the same SQL, so they should cost the same. A third measures a polygon
// that is not a rectangle, which takes the general spatial path.
func BenchmarkCQL2SpatialTemporal(b *testing.B, s incidentmap.Store) {
	ctx := context.Background()
	if err := s.ImportIncidents(ctx, Synthetic(100_000, 1)); err != nil {
		b.Fatal(err)
	}
	box := ThousandBox
	w, so, e, n := box.West, box.South, box.East, box.North
	poly := fmt.Sprintf("POLYGON((%g %g, %g %g, %g %g, %g %g, %g %g))", w, so, e, so, e, n, w, n, w, so)
	diamond := fmt.Sprintf("POLYGON((%g %g, %g %g, %g %g, %g %g, %g %g))", (w+e)/2, so, e, (so+n)/2, (w+e)/2, n, w, (so+n)/2, (w+e)/2, so)
	const rest = " AND T_INTERSECTS(occurred, INTERVAL('2018-01-01', '2020-12-31')) AND country IN ('AFG', 'IRQ')"
	parse := func(text string) incidentmap.Expr {
		e, err := cql2.ParseText(text, incidentmap.IncidentQueryables)
		if err != nil {
			b.Fatal(err)
		}
		return e
	}
	iv := incidentmap.Interval{Start: time.Date(2018, 1, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2020, 12, 31, 0, 0, 0, 0, time.UTC)}
	cases := []struct {
		name string
		f    incidentmap.Filter
	}{
		{"cql2", incidentmap.Filter{Where: parse("S_INTERSECTS(location, " + poly + ")" + rest)}},
		{"params", incidentmap.Filter{BBox: &box, Interval: &iv, Where: incidentmap.InStrings("country", "AFG", "IRQ")}},
		{"cql2-diamond", incidentmap.Filter{Where: parse("S_INTERSECTS(location, " + diamond + ")" + rest)}},
	}
	want := -1
	for _, c := range cases {
		f := c.f
		f.Limit = incidentmap.MaxLimit
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				got := 0
				if _, err := s.FindIncidents(ctx, f, func(*incidentmap.Incident) error { got++; return nil }); err != nil {
					b.Fatal(err)
				}
				if c.name != "cql2-diamond" {
					if want < 0 {
						want = got
					} else if got != want {
						b.Fatalf("%s selects %d incidents, the other way %d", c.name, got, want)
					}
				}
				b.ReportMetric(float64(got), "incidents")
			}
		})
	}
}
