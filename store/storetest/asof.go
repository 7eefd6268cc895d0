package storetest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/incidentmap/incidentmap"
)

// stateAt returns the incidents as they stood at the instant at, from the
// history of each of ids (incidentmap.StateAt): the reference that as_of
// reads are checked against, built from History alone.
func stateAt(t *testing.T, s incidentmap.Store, ids []string, at time.Time) []*incidentmap.Incident {
	t.Helper()
	var out []*incidentmap.Incident
	for _, id := range ids {
		revs, err := s.History(context.Background(), id)
		if err != nil {
			t.Fatalf("history of %s: %v", id, err)
		}
		if inc := incidentmap.StateAt(revs, at); inc != nil {
			out = append(out, inc)
		}
	}
	return out
}

// asOfFixtures loads incidents, changes some of them, and returns their
// ids and an instant between the writes: before it one update and one
// delete; after it updates (one twice) that move incidents in every sort
// order and in and out of a box and a country, deletes, and creates (one
// of them deleted again, one of an id deleted before the instant).
func asOfFixtures(t *testing.T, s incidentmap.Store) ([]string, time.Time) {
	ctx := context.Background()
	countries := []string{"AFG", "IRQ", "SYR"}
	var ids []string
	var incs []*incidentmap.Incident
	for i := range 30 {
		inc := NewIncident(fmt.Sprintf("a%02d", (i*11)%30), 60+float64(i)/10, 30, fmt.Sprintf("2021-0%d-0%d", 1+i%4, 1+i%3))
		inc.Country = countries[i%3]
		if i%4 != 0 {
			n := i % 5
			inc.Fatalities = &n
		}
		incs = append(incs, inc)
		ids = append(ids, inc.ID)
	}
	load(t, s, incs...)
	update := func(id string, change func(*incidentmap.Incident)) {
		t.Helper()
		cur, err := s.GetIncident(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		change(cur)
		if err := s.UpdateIncident(ctx, cur, cur.Version); err != nil {
			t.Fatalf("update %s: %v", id, err)
		}
	}
	del := func(id string) {
		t.Helper()
		if err := s.DeleteIncident(ctx, id); err != nil {
			t.Fatalf("delete %s: %v", id, err)
		}
	}
	update("a05", func(inc *incidentmap.Incident) { inc.Title = "Changed before" })
	del("a29")
	// Revisions keep instants to the microsecond: leave a gap on each side.
	time.Sleep(3 * time.Millisecond)
	at := time.Now()
	time.Sleep(3 * time.Millisecond)
	many := 40
	for i, id := range []string{"a01", "a02", "a03", "a10", "a11", "a17", "a05"} {
		update(id, func(inc *incidentmap.Incident) {
			inc.Title = "Changed after " + id
			inc.Country = countries[(i+1)%3]
			inc.Location = orb.Point{63.5 - float64(i)/3, 30}
			inc.OccurredStart = Day(fmt.Sprintf("2021-0%d-1%d", 1+i%4, i%3))
			inc.OccurredEnd = inc.OccurredStart
			inc.Fatalities = &many
			if i%3 == 0 {
				inc.Fatalities = nil
			}
		})
	}
	update("a02", func(inc *incidentmap.Incident) { inc.Title = "Changed twice" })
	for _, id := range []string{"a04", "a12", "a20"} {
		del(id)
	}
	var created []*incidentmap.Incident
	for i := range 6 {
		inc := NewIncident(fmt.Sprintf("n%02d", i), 60.05+float64(i)/2, 30, fmt.Sprintf("2021-0%d-02", 1+i%4))
		inc.Country = countries[i%3]
		created = append(created, inc)
		ids = append(ids, inc.ID)
	}
	// An id deleted before the instant and created again after it: its
	// latest revision then is the delete.
	again := NewIncident("a29", 60.1, 30, "2021-01-01")
	again.Title = "Created again"
	created = append(created, again)
	load(t, s, created...)
	del("n05")
	return ids, at
}

// testAsOfPaging pages through the data as of an instant in several
// orders, with a box and a property filter, forward and back, and checks
// every page, the counts and each incident's state against stateAt.
func testAsOfPaging(t *testing.T, s incidentmap.Store) {
	ctx := context.Background()
	ids, at := asOfFixtures(t, s)
	state := stateAt(t, s, ids, at)
	box := &incidentmap.BBox{West: 59.9, South: 29, East: 61.55, North: 31}
	filters := []struct {
		name  string
		f     incidentmap.Filter
		match func(*incidentmap.Incident) bool
	}{
		{"all", incidentmap.Filter{}, func(*incidentmap.Incident) bool { return true }},
		{"bbox", incidentmap.Filter{BBox: box}, func(inc *incidentmap.Incident) bool { return box.Contains(inc.Location) }},
		{"country", incidentmap.Filter{Where: incidentmap.InStrings("country", "AFG", "IRQ")},
			func(inc *incidentmap.Incident) bool { return inc.Country != "SYR" }},
	}
	for _, sortby := range []string{"", "-fatalities", "country,-occurred_start", "-updated_at", "fatalities,id"} {
		for _, ft := range filters {
			t.Run(ft.name+"/"+sortby, func(t *testing.T) {
				var matched []*incidentmap.Incident
				byID := map[string]*incidentmap.Incident{}
				for _, inc := range state {
					if ft.match(inc) {
						matched = append(matched, inc)
						byID[inc.ID] = inc
					}
				}
				want := sortedBy(matched, sortKeys(sortby))
				f := ft.f
				f.SortBy, f.AsOf, f.Limit = sortKeys(sortby), at, 4
				var got []string
				var pages [][]*incidentmap.Incident
				for n := 0; ; n++ {
					if n > len(want) {
						t.Fatal("paging does not end")
					}
					var incs []*incidentmap.Incident
					next, err := s.FindIncidents(ctx, f, func(inc *incidentmap.Incident) error {
						incs = append(incs, inc)
						got = append(got, inc.ID)
						return nil
					})
					if err != nil {
						t.Fatal(err)
					}
					for _, inc := range incs {
						if w := byID[inc.ID]; w == nil || inc.Title != w.Title || inc.Country != w.Country || !inc.UpdatedAt.Equal(w.UpdatedAt) {
							t.Errorf("%s as of then: %q %s %v, want %+v", inc.ID, inc.Title, inc.Country, inc.UpdatedAt, w)
						}
					}
					pages = append(pages, incs)
					if next == nil {
						break
					}
					f.After = next
				}
				if !slices.Equal(got, want) {
					t.Fatalf("pages as of then\n got %v\nwant %v", got, want)
				}
				// Back from the first incident of each page gives the page before.
				for i := 1; i < len(pages); i++ {
					back := f
					back.After, back.Before = nil, incidentmap.CursorOf(pages[i][0], f.SortBy)
					if prev, _ := page(t, s, back); !slices.Equal(prev, idsOf(pages[i-1])) {
						t.Errorf("page before page %d: %v, want %v", i+1, prev, idsOf(pages[i-1]))
					}
				}
				all := f
				all.After = nil
				if n, err := s.CountIncidents(ctx, all); err != nil || n != len(want) {
					t.Errorf("count %d, %v; want %d", n, err, len(want))
				}
				if len(pages) > 1 {
					second := all
					second.After = incidentmap.CursorOf(pages[0][len(pages[0])-1], f.SortBy)
					for _, countCap := range []int{len(want) - 1, len(want)} {
						p, err := s.FindPage(ctx, second, countCap, func(*incidentmap.Incident) error { return nil })
						exact := countCap >= len(want)
						if err != nil || p.Exact != exact || (exact && p.Matched != len(want)) {
							t.Errorf("page count with cap %d: %+v, %v; want %d", countCap, p, err, len(want))
						}
					}
				}
			})
		}
	}
	if t.Failed() {
		t.Logf("state as of %s: %s", at.Format(time.RFC3339Nano), describe(state))
	}
}

// idsOf returns the ids of incs.
func idsOf(incs []*incidentmap.Incident) []string {
	out := make([]string, len(incs))
	for i, inc := range incs {
		out[i] = inc.ID
	}
	return out
}

// describe lists incidents briefly, for a failure's log.
func describe(incs []*incidentmap.Incident) string {
	var b strings.Builder
	for _, inc := range incs {
		fmt.Fprintf(&b, "\n  %s %s %s %v", inc.ID, inc.Country, inc.OccurredStart.Format(time.DateOnly), inc.Location)
	}
	return b.String()
}

// BenchmarkAsOfSizes measures pages of the data as of an instant over
// stores of each of BenchSizes (loaded with Spread before the timer), with
// the same 100 incidents updated after the instant in each: the first page
// of 100 in the default order, the first of a 10°×10° box (about 15% of
// the incidents), and the third page of that box through its cursor. A
// page whose cost grows with the store reads the whole history; one that
// stays flat costs the page and the changes since the instant.
func BenchmarkAsOfSizes(b *testing.B, open func(testing.TB) incidentmap.Store, settle ...func(testing.TB, incidentmap.Store)) {
	ctx := context.Background()
	box := incidentmap.BBox{West: 40, South: 28, East: 50, North: 38}
	for _, n := range BenchSizes(b) {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			s := open(b)
			defer s.Close()
			incs := loadSpread(b, s, n)
			time.Sleep(2 * time.Millisecond)
			at := time.Now()
			time.Sleep(2 * time.Millisecond)
			for i := 0; i < n; i += n / 100 {
				inc := incs[i]
				inc.Title = "Changed after the instant"
				if err := s.UpdateIncident(ctx, inc, 1); err != nil {
					b.Fatal(err)
				}
			}
			for _, fn := range settle {
				fn(b, s)
			}
			third := func(f incidentmap.Filter) incidentmap.Filter {
				for range 2 {
					p, err := s.FindPage(ctx, f, 0, func(*incidentmap.Incident) error { return nil })
					if err != nil || p.Next == nil {
						b.Fatalf("page: %v %v", p, err)
					}
					f.After = p.Next
				}
				return f
			}
			cases := []struct {
				name string
				f    incidentmap.Filter
			}{
				{"first", incidentmap.Filter{AsOf: at}},
				{"bbox", incidentmap.Filter{AsOf: at, BBox: &box}},
				{"bbox-third", third(incidentmap.Filter{AsOf: at, BBox: &box})},
			}
			for _, c := range cases {
				b.Run(c.name, func(b *testing.B) {
					b.ReportAllocs()
					for b.Loop() {
						got := 0
						if _, err := s.FindPage(ctx, c.f, 0, func(*incidentmap.Incident) error { got++; return nil }); err != nil {
							b.Fatal(err)
						}
						if got != incidentmap.DefaultLimit {
							b.Fatalf("page of %d incidents, want %d", got, incidentmap.DefaultLimit)
						}
					}
				})
			}
		})
	}
}
