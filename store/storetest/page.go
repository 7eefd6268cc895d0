package storetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"

	"github.com/incidentmap/incidentmap"
)

// testFindPageCount checks FindPage: the same incidents as FindIncidents,
// and numberMatched exact only when the page holds every match or no more
// than countCap match.
func testFindPageCount(t *testing.T, s incidentmap.Store) {
	ctx := context.Background()
	var incs []*incidentmap.Incident
	for i := range 5 {
		incs = append(incs, NewIncident(fmt.Sprintf("p%d", i), 10+float64(i), 10, fmt.Sprintf("2021-01-%02d", i+1)))
	}
	load(t, s, incs...)
	second := incidentmap.CursorOf(incs[1], nil)
	box := incidentmap.BBox{West: 9, South: 9, East: 12.5, North: 11} // p0, p1, p2
	cases := []struct {
		name     string
		f        incidentmap.Filter
		countCap int
		ids      []string
		matched  int // -1: not exact
	}{
		{"whole page, no count", incidentmap.Filter{Limit: 10}, 0, []string{"p0", "p1", "p2", "p3", "p4"}, 5},
		{"part, no count", incidentmap.Filter{Limit: 2}, 0, []string{"p0", "p1"}, -1},
		{"part, cap below", incidentmap.Filter{Limit: 2}, 4, []string{"p0", "p1"}, -1},
		{"part, cap at", incidentmap.Filter{Limit: 2}, 5, []string{"p0", "p1"}, 5},
		{"after a cursor", incidentmap.Filter{Limit: 10, After: second}, 5, []string{"p2", "p3", "p4"}, 5},
		{"after a cursor, no count", incidentmap.Filter{Limit: 10, After: second}, 0, []string{"p2", "p3", "p4"}, -1},
		{"box, part, counted", incidentmap.Filter{BBox: &box, Limit: 1}, 10, []string{"p0"}, 3},
		{"box, whole", incidentmap.Filter{BBox: &box, Limit: 3}, 0, []string{"p0", "p1", "p2"}, 3},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var ids []string
			p, err := s.FindPage(ctx, c.f, c.countCap, func(inc *incidentmap.Incident) error {
				ids = append(ids, inc.ID)
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(ids, c.ids) {
				t.Errorf("page %v, want %v", ids, c.ids)
			}
			if c.matched < 0 && p.Exact || c.matched >= 0 && (!p.Exact || p.Matched != c.matched) {
				t.Errorf("matched %d exact %v, want %d (-1: not exact)", p.Matched, p.Exact, c.matched)
			}
			next, err := s.FindIncidents(ctx, c.f, func(*incidentmap.Incident) error { return nil })
			if err != nil || (next == nil) != (p.Next == nil) || !reflect.DeepEqual(next, p.Next) {
				t.Errorf("next %v, FindIncidents gave %v (%v)", p.Next, next, err)
			}
		})
	}
}

// testBoxPaging pages forward and back through a box that holds most of
// the incidents, with small pages: the case where a store reads down the
// order instead of sorting every match of the box.
func testBoxPaging(t *testing.T, s incidentmap.Store) {
	ctx := context.Background()
	var incs, inside []*incidentmap.Incident
	for i := range 300 {
		lon := 44 + float64(i%17)/20 // 44 .. 44.8
		if i%3 == 0 {
			lon = 50 // outside
		}
		inc := NewIncident(fmt.Sprintf("bx%03d", i), lon, 33+float64(i%13)/20, fmt.Sprintf("20%02d-%02d-%02d", 10+i%11, 1+i%12, 1+i%28))
		incs = append(incs, inc)
		if lon < 45 {
			inside = append(inside, inc)
		}
	}
	load(t, s, incs...)
	var want []string
	for _, inc := range sortIncidents(inside) {
		want = append(want, inc.ID)
	}
	box := incidentmap.BBox{West: 43.9, South: 32.9, East: 44.9, North: 33.9}
	f := incidentmap.Filter{BBox: &box, Limit: 7, Where: incidentmap.InStrings("status", incidentmap.StatusPublished)}
	// Half of the box, as a triangle whose long edge passes between the
	// points: the path of polygons, whose exact test matters.
	triangle := orb.Polygon{{{43.9, 32.9}, {44.93, 32.9}, {43.9, 33.93}, {43.9, 32.9}}}
	byPolygon := incidentmap.Filter{Where: incidentmap.AllOf(incidentmap.InStrings("status", incidentmap.StatusPublished), incidentmap.Spatial{Op: incidentmap.SIntersects, Prop: "location", Geometry: triangle}),
		Limit: 7}
	var wantTriangle []string
	for _, inc := range sortIncidents(inside) {
		if planar.PolygonContains(triangle, inc.Location) {
			wantTriangle = append(wantTriangle, inc.ID)
		}
	}
	forward := func(f incidentmap.Filter) (got []string, last *incidentmap.Cursor) {
		for page := 0; ; page++ {
			if page > 100 {
				t.Fatal("pages do not end")
			}
			next, err := s.FindIncidents(ctx, f, func(inc *incidentmap.Incident) error {
				got = append(got, inc.ID)
				last = incidentmap.CursorOf(inc, nil)
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if next == nil {
				return got, last
			}
			f.After = next
		}
	}
	got, last := forward(f)
	if !slices.Equal(got, want) {
		t.Fatalf("forward: %d incidents %v…, want %d %v…", len(got), head(got), len(want), head(want))
	}
	if got, _ := forward(byPolygon); !slices.Equal(got, wantTriangle) {
		t.Errorf("forward by polygon: %d incidents %v…, want %d %v…", len(got), head(got), len(wantTriangle), head(wantTriangle))
	}
	// Back from the end: the pages before the last incident, in order.
	f.After, f.Before = nil, last
	var back []string
	for page := 0; f.Before != nil; page++ {
		if page > 100 {
			t.Fatal("prev pages do not end")
		}
		var ids []string
		var first *incidentmap.Cursor
		if _, err := s.FindIncidents(ctx, f, func(inc *incidentmap.Incident) error {
			if first == nil {
				first = incidentmap.CursorOf(inc, nil)
			}
			ids = append(ids, inc.ID)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		back = append(ids, back...)
		f.Before = first
	}
	if !slices.Equal(back, want[:len(want)-1]) {
		t.Errorf("back: %d incidents, want %d", len(back), len(want)-1)
	}
}

func head(ids []string) []string { return ids[:min(len(ids), 5)] }

// testCancel checks that cancelling the context of a read (a request's
// timeout, a client that went away) stops it with the context's error.
func testCancel(t *testing.T, s incidentmap.Store) {
	var incs []*incidentmap.Incident
	for i := range 200 {
		incs = append(incs, NewIncident(fmt.Sprintf("c%03d", i), 44, 33, "2021-01-01"))
	}
	load(t, s, incs...)
	for _, withPage := range []bool{false, true} {
		ctx, cancel := context.WithCancel(context.Background())
		n := 0
		fn := func(*incidentmap.Incident) error {
			n++
			if n == 1 {
				cancel()
			}
			return nil
		}
		var err error
		f := incidentmap.Filter{Limit: 200}
		if withPage {
			_, err = s.FindPage(ctx, f, 1000, fn)
		} else {
			_, err = s.FindIncidents(ctx, f, fn)
		}
		cancel()
		if !errors.Is(err, context.Canceled) {
			t.Errorf("page %v: %d incidents after the cancel, error %v; want context.Canceled", withPage, n, err)
		}
		if _, err := s.FindIncidents(context.Background(), incidentmap.Filter{Limit: 1}, func(*incidentmap.Incident) error { return nil }); err != nil {
			t.Errorf("the store does not answer after a cancelled read: %v", err)
		}
	}
}
