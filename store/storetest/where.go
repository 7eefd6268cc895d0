package storetest

import (
	"context"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/incidentmap/incidentmap"
	"github.com/incidentmap/incidentmap/cql2"
	"github.com/paulmach/orb"
)

// whereIDs checks that a cql2-text filter selects exactly these ids (in any
// order), through FindIncidents and CountIncidents.
func whereIDs(t *testing.T, s incidentmap.Store, filter string, want ...string) {
	t.Helper()
	e, err := cql2.ParseText(filter, incidentmap.IncidentQueryables)
	if err != nil {
		t.Fatalf("parse %s: %v", filter, err)
	}
	exprIDs(t, s, filter, e, want...)
}

func exprIDs(t *testing.T, s incidentmap.Store, name string, e incidentmap.Expr, want ...string) {
	t.Helper()
	f := incidentmap.Filter{Where: e, Limit: incidentmap.MaxLimit}
	got := findAll(t, s, f)
	slices.Sort(got)
	want = slices.Clone(want)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("%s: got %v, want %v", name, got, want)
	}
	if n, err := s.CountIncidents(context.Background(), f); err != nil || n != len(want) {
		t.Errorf("%s: count %d, %v; want %d", name, n, err, len(want))
	}
}

func findAll(t *testing.T, s incidentmap.Store, f incidentmap.Filter) []string {
	t.Helper()
	var got []string
	if _, err := s.FindIncidents(context.Background(), f, func(inc *incidentmap.Incident) error {
		got = append(got, inc.ID)
		return nil
	}); err != nil {
		t.Fatalf("find: %v", err)
	}
	return got
}

func testWhereProperties(t *testing.T, s incidentmap.Store) {
	ten, zero := 10, 0
	a := NewIncident("a", 69.17, 34.53, "2022-09-05")
	a.Title, a.Fatalities, a.Injuries, a.TargetCountry = `Blast at the "Russian" embassy`, &ten, &zero, "RUS"
	a.Summary = `100% of staff safe; path C:\gate_1`
	b := NewIncident("b", 62.2, 34.35, "2021-08-08")
	b.Title, b.Fatalities, b.Country, b.Facility = "Consulate of Iran in Herat taken", &zero, "AFG", "Consulate-General of Iran in Herat"
	b.Summary = "It's 100 per cent; path C:/gate-1"
	c := NewIncident("c", 44.02, 32.61, "2021-05-09")
	c.Title, c.Country, c.EventType, c.SubEventType, c.TargetCountry = "Protesters storm consulate in Karbala", "IRQ", "Riots", "Violent demonstration", "IRN"
	load(t, s, a, b, c)
	for _, tc := range []struct {
		filter string
		want   []string
	}{
		{"country = 'AFG'", []string{"a", "b"}},
		{"country <> 'AFG'", []string{"c"}},
		{"fatalities > 0", []string{"a"}},
		{"fatalities >= 0", []string{"a", "b"}},
		{"fatalities < 5.5", []string{"b"}},
		{"NOT (fatalities < 5)", []string{"a"}}, // an unknown number is neither
		{"fatalities BETWEEN 0 AND 9", []string{"b"}},
		{"fatalities IN (10, 3)", []string{"a"}},
		{"fatalities IS NULL", []string{"c"}},
		{"injuries IS NOT NULL", []string{"a"}},
		{"target_country IS NULL", []string{"b"}}, // '' is no value
		{"facility IS NOT NULL", []string{"b"}},
		{"target_country IN ('IRN', 'RUS')", []string{"a", "c"}},
		{"occurred_start >= DATE('2021-08-08')", []string{"a", "b"}},
		{"occurred_start < TIMESTAMP('2021-08-08T23:00:00Z')", []string{"c"}},
		{"occurred_end BETWEEN DATE('2021-05-01') AND DATE('2021-08-08')", []string{"b", "c"}},
		{"title LIKE '%consulate%'", []string{"c"}},
		{"CASEI(title) LIKE CASEI('%CONSULATE%')", []string{"b", "c"}},
		{"CASEI(country) = CASEI('afg')", []string{"a", "b"}},
		{`title LIKE '%"Russian"%'`, []string{"a"}},
		{`title = 'Blast at the "Russian" embassy'`, []string{"a"}},
		{"summary LIKE 'It''s%'", []string{"b"}},
		{`summary LIKE '100\%%'`, []string{"a"}},
		{`summary LIKE '%C:\\gate%'`, []string{"a"}},
		{`summary LIKE '%gate\_1'`, []string{"a"}},
		{`summary LIKE '%gate_1'`, []string{"a", "b"}},
		{"summary LIKE '%'", []string{"a", "b", "c"}},
		{"country = 'AFG' AND (fatalities = 0 OR event_type = 'Riots')", []string{"b"}},
		{"NOT country IN ('IRQ')", []string{"a", "b"}},
		{"TRUE", []string{"a", "b", "c"}},
		{"FALSE", nil},
	} {
		whereIDs(t, s, tc.filter, tc.want...)
	}
	// The query parameters and the same filter in CQL2 select the same.
	f := incidentmap.Filter{Where: incidentmap.AllOf(incidentmap.InStrings("country", "AFG"), incidentmap.InStrings("target_country", "RUS", "IRN"))}
	want := findAll(t, s, f)
	whereIDs(t, s, "country IN ('AFG') AND target_country IN ('RUS','IRN')", want...)
	// What cannot be compiled is an error naming the filter, not a panic
	// or a filter silently dropped.
	for _, e := range []incidentmap.Expr{
		incidentmap.IsNull{Prop: "colour"},
		incidentmap.Compare{Op: "=", Left: incidentmap.Property{Name: "fatalities"}, Right: incidentmap.String("x")},
		incidentmap.Spatial{Op: incidentmap.SWithin, Prop: "location", Geometry: orb.Collection{orb.Point{1, 2}}},
		incidentmap.Temporal{Op: "t_soon", Prop: incidentmap.OccurredProperty},
	} {
		_, err := s.FindIncidents(context.Background(), incidentmap.Filter{Where: e}, func(*incidentmap.Incident) error { return nil })
		if incidentmap.ErrorCode(err) != incidentmap.EINVALID || incidentmap.ErrorParam(err) != "filter" {
			t.Errorf("%#v: %v, want EINVALID naming filter", e, err)
		}
		if _, err := s.CountIncidents(context.Background(), incidentmap.Filter{Where: e}); incidentmap.ErrorCode(err) != incidentmap.EINVALID {
			t.Errorf("count %#v: %v, want EINVALID", e, err)
		}
	}
}

func testWhereSpatial(t *testing.T, s incidentmap.Store) {
	load(t, s,
		NewIncident("inside", 2, 2, "2020-01-01"),
		NewIncident("in-hole", 5, 5, "2020-01-01"),
		NewIncident("hole-edge", 4, 5, "2020-01-01"),
		NewIncident("edge", 0, 5, "2020-01-01"),
		NewIncident("diag-edge", 11, 1, "2020-01-01"), // on the edge (10,0)-(12,2) of the triangle
		NewIncident("corner", 10, 10, "2020-01-01"),
		NewIncident("outside", 20, 20, "2020-01-01"),
		NewIncident("dateline-e", 179.5, -17, "2020-01-01"),
		NewIncident("dateline-w", -179.5, -17, "2020-01-01"),
		NewIncident("line-end", 30, 30, "2020-01-01"),
		NewIncident("line-mid", 31, 31, "2020-01-01"),
	)
	// A square 0..10 with a hole 4..6; a triangle beside it sharing the
	// corner (10,10).
	square := "POLYGON((0 0, 10 0, 10 10, 0 10, 0 0), (4 4, 6 4, 6 6, 4 6, 4 4))"
	tri := "POLYGON((10 0, 12 2, 10 10, 10 0))"
	fiji := "MULTIPOLYGON(((179 -20, 180 -20, 180 -10, 179 -10, 179 -20)), ((-180 -20, -179 -20, -179 -10, -180 -10, -180 -20)))"
	line := "LINESTRING(30 30, 32 32)"
	all := []string{"inside", "in-hole", "hole-edge", "edge", "diag-edge", "corner", "outside", "dateline-e", "dateline-w", "line-end", "line-mid"}
	not := func(ids ...string) []string {
		var out []string
		for _, id := range all {
			if !slices.Contains(ids, id) {
				out = append(out, id)
			}
		}
		return out
	}
	for _, tc := range []struct {
		filter string
		want   []string
	}{
		{"S_INTERSECTS(location, " + square + ")", []string{"inside", "hole-edge", "edge", "corner"}},
		{"S_WITHIN(location, " + square + ")", []string{"inside"}},
		{"S_TOUCHES(location, " + square + ")", []string{"hole-edge", "edge", "corner"}},
		{"S_DISJOINT(location, " + square + ")", not("inside", "hole-edge", "edge", "corner")},
		{"S_CONTAINS(location, " + square + ")", nil},
		{"S_CROSSES(location, " + square + ")", nil},
		{"S_OVERLAPS(location, " + square + ")", nil},
		{"S_EQUALS(location, " + square + ")", nil},
		{"S_INTERSECTS(location, " + tri + ")", []string{"diag-edge", "corner"}},
		{"S_TOUCHES(location, " + tri + ")", []string{"diag-edge", "corner"}},
		{"S_WITHIN(location, " + tri + ")", nil},
		{"S_INTERSECTS(location, " + fiji + ")", []string{"dateline-e", "dateline-w"}},
		{"S_WITHIN(location, " + fiji + ")", []string{"dateline-e", "dateline-w"}},
		{"S_INTERSECTS(location, BBOX(179, -20, -179, -10))", []string{"dateline-e", "dateline-w"}},
		{"S_INTERSECTS(location, BBOX(0, 0, 4, 5))", []string{"inside", "hole-edge", "edge"}},
		{"S_WITHIN(location, BBOX(0, 0, 4, 5))", []string{"inside"}},
		{"S_INTERSECTS(location, POINT(2 2))", []string{"inside"}},
		{"S_EQUALS(location, POINT(2 2))", []string{"inside"}},
		{"S_CONTAINS(location, POINT(2 2))", []string{"inside"}},
		{"S_WITHIN(location, POINT(2 2))", []string{"inside"}},
		{"S_TOUCHES(location, POINT(2 2))", nil},
		{"S_INTERSECTS(location, MULTIPOINT((2 2), (20 20)))", []string{"inside", "outside"}},
		{"S_INTERSECTS(location, " + line + ")", []string{"line-end", "line-mid"}},
		{"S_WITHIN(location, " + line + ")", []string{"line-mid"}},
		{"S_TOUCHES(location, " + line + ")", []string{"line-end"}},
		{"S_CROSSES(location, " + line + ")", nil},
		{"S_INTERSECTS(location, GEOMETRYCOLLECTION(POINT(2 2), " + tri + "))", []string{"inside", "diag-edge", "corner"}},
		{"S_DISJOINT(location, GEOMETRYCOLLECTION(POINT(2 2), " + tri + "))", not("inside", "diag-edge", "corner")},
	} {
		whereIDs(t, s, tc.filter, tc.want...)
	}
}

// meridianArc returns the length in metres of the WGS 84 meridian between
// two latitudes, by Simpson's rule: the geodesic between two points on one
// meridian.
func meridianArc(lat1, lat2 float64) float64 {
	const a, f = 6378137.0, 1 / 298.257223563
	e2 := f * (2 - f)
	m := func(phi float64) float64 { s := math.Sin(phi); return a * (1 - e2) / math.Pow(1-e2*s*s, 1.5) }
	p1, p2 := lat1*math.Pi/180, lat2*math.Pi/180
	const n = 1000
	h := (p2 - p1) / n
	sum := m(p1) + m(p2)
	for i := 1; i < n; i++ {
		w := 2.0
		if i%2 == 1 {
			w = 4
		}
		sum += w * m(p1+float64(i)*h)
	}
	return math.Abs(sum * h / 3)
}

// latitudeAt returns the latitude north of lat at the geodesic distance m.
func latitudeAt(lat, m float64) float64 {
	lo, hi := lat, math.Min(90, lat+m/100000+0.01)
	for range 100 {
		mid := (lo + hi) / 2
		if meridianArc(lat, mid) < m {
			lo = mid
		} else {
			hi = mid
		}
	}
	return (lo + hi) / 2
}

func testWhereDWithin(t *testing.T, s incidentmap.Store) {
	const kabulLon, kabulLat = 69.1723, 34.5281
	load(t, s,
		NewIncident("kabul", kabulLon, kabulLat, "2022-09-05"),
		NewIncident("north-24.9km", kabulLon, latitudeAt(kabulLat, 24900), "2022-09-05"),
		NewIncident("north-25.1km", kabulLon, latitudeAt(kabulLat, 25100), "2022-09-05"),
		NewIncident("dateline-6.7km", -179.99, 0, "2022-09-05"),   // 0.06° of the equator from 179.95
		NewIncident("dateline-10.02km", -179.96, 0, "2022-09-05"), // 0.09°
		NewIncident("over-the-pole", 0, 89.95, "2022-09-05"),      // ~11.1 km from (180, 89.95) across the pole
	)
	whereIDs(t, s, "S_DWITHIN(location, POINT(69.1723 34.5281), 25, kilometers)", "kabul", "north-24.9km")
	whereIDs(t, s, "S_DWITHIN(location, POINT(69.1723 34.5281), 25200, meters)", "kabul", "north-24.9km", "north-25.1km")
	whereIDs(t, s, "S_DWITHIN(location, POINT(69.1723 34.5281), 0, meters)", "kabul")
	whereIDs(t, s, "S_DWITHIN(location, POINT(179.95 0), 10, kilometers)", "dateline-6.7km")
	whereIDs(t, s, "S_DWITHIN(location, POINT(179.95 0), 10050, meters)", "dateline-6.7km", "dateline-10.02km")
	whereIDs(t, s, "S_DWITHIN(location, POINT(180 89.95), 12, kilometers)", "over-the-pole")
	whereIDs(t, s, "S_DWITHIN(location, POINT(180 89.95), 10, kilometers)")
	whereIDs(t, s, "NOT S_DWITHIN(location, POINT(69.1723 34.5281), 25, kilometers) AND country = 'AFG'",
		"north-25.1km", "dateline-6.7km", "dateline-10.02km", "over-the-pole")
}

// temporalRef is CQL2's definition of each temporal function (OGC
// 21-065r2) over intervals of days [as, ae] and [bs, be], open ends as
// infinities: the reference the stores must agree with.
func temporalRef(op string, as, ae, bs, be time.Time) bool {
	// Days as numbers; zero bs is minus infinity and zero be plus infinity.
	d := func(t time.Time) float64 { return float64(t.Unix() / 86400) }
	a0, a1 := d(as), d(ae)
	b0, b1 := math.Inf(-1), math.Inf(1)
	if !bs.IsZero() {
		b0 = d(bs)
	}
	if !be.IsZero() {
		b1 = d(be)
	}
	switch op {
	case incidentmap.TAfter:
		return a0 > b1
	case incidentmap.TBefore:
		return a1 < b0
	case incidentmap.TContains:
		return a0 < b0 && a1 > b1
	case incidentmap.TDisjoint:
		return !(a0 <= b1 && a1 >= b0)
	case incidentmap.TDuring:
		return a0 > b0 && a1 < b1
	case incidentmap.TEquals:
		return a0 == b0 && a1 == b1
	case incidentmap.TFinishedBy:
		return a0 < b0 && a1 == b1
	case incidentmap.TFinishes:
		return a0 > b0 && a1 == b1
	case incidentmap.TIntersects:
		return a0 <= b1 && a1 >= b0
	case incidentmap.TMeets:
		return a1 == b0
	case incidentmap.TMetBy:
		return a0 == b1
	case incidentmap.TOverlappedBy:
		return a0 > b0 && a0 < b1 && a1 > b1
	case incidentmap.TOverlaps:
		return a0 < b0 && a1 > b0 && a1 < b1
	case incidentmap.TStartedBy:
		return a0 == b0 && a1 > b1
	case incidentmap.TStarts:
		return a0 == b0 && a1 < b1
	}
	panic("unknown temporal op " + op)
}

func testWhereTemporal(t *testing.T, s incidentmap.Store) {
	type span struct{ id, start, end string }
	spans := []span{
		{"jan", "2020-01-01", "2020-01-31"},
		{"jan10", "2020-01-10", "2020-01-10"},
		{"jan1", "2020-01-01", "2020-01-01"},
		{"jan31", "2020-01-31", "2020-01-31"},
		{"dec-feb", "2019-12-15", "2020-02-15"},
		{"jan20-feb", "2020-01-20", "2020-02-10"},
		{"dec-jan10", "2019-12-20", "2020-01-10"},
		{"feb", "2020-02-01", "2020-02-29"},
		{"2019", "2019-01-01", "2019-12-31"},
	}
	var incs []*incidentmap.Incident
	for _, sp := range spans {
		inc := NewIncident(sp.id, 1, 1, sp.start)
		inc.OccurredEnd = Day(sp.end)
		incs = append(incs, inc)
	}
	load(t, s, incs...)
	at := func(s string) time.Time {
		if s == "" {
			return time.Time{}
		}
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			return Day(s)
		}
		return t
	}
	literals := []incidentmap.Interval{
		{Start: at("2020-01-01"), End: at("2020-01-31")},
		{Start: at("2020-01-10T15:00:00Z"), End: at("2020-01-10T18:00:00Z")}, // an afternoon: the day 2020-01-10
		{Start: at("2020-01-10"), End: at("2020-01-10")},                     // an instant
		{Start: at("2020-01-31"), End: at("2020-02-29")},
		{Start: at("2019-12-31"), End: at("2020-01-01")},
		{Start: at("2020-01-01")},                        // open end
		{End: at("2020-01-31")},                          // open start
		{},                                               // open both
		{Start: at("2019-12-20"), End: at("2020-01-10")}, // dec-jan10 exactly
	}
	props := []string{incidentmap.OccurredProperty, "occurred_start", "occurred_end"}
	for _, op := range incidentmap.TemporalOps {
		for _, prop := range props {
			for _, iv := range literals {
				var want []string
				first, last := iv.Days()
				for _, sp := range spans {
					as, ae := Day(sp.start), Day(sp.end)
					switch prop {
					case "occurred_start":
						ae = as
					case "occurred_end":
						as = ae
					}
					if temporalRef(op, as, ae, first, last) {
						want = append(want, sp.id)
					}
				}
				name := op + "(" + prop + ", " + iv.Start.Format(time.RFC3339) + "/" + iv.End.Format(time.RFC3339) + ")"
				exprIDs(t, s, name, incidentmap.Temporal{Op: op, Prop: prop, Interval: iv}, want...)
			}
		}
	}
	// The datetime parameter and T_INTERSECTS on occurred select the same.
	iv := incidentmap.Interval{Start: at("2020-01-31"), End: at("2020-02-29")}
	want := findAll(t, s, incidentmap.Filter{Interval: &iv})
	whereIDs(t, s, "T_INTERSECTS(occurred, INTERVAL('2020-01-31', '2020-02-29'))", want...)
	whereIDs(t, s, "T_INTERSECTS(INTERVAL(occurred_start, occurred_end), INTERVAL('2020-01-31', '2020-02-29'))", want...)
	whereIDs(t, s, "T_DURING(occurred, INTERVAL('2019-12-31', '..'))", "jan", "jan1", "jan10", "jan31", "jan20-feb", "feb")
}
