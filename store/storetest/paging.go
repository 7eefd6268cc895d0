package storetest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/incidentmap/incidentmap"
)

// compareSortValues orders two values of incidentmap.SortValue, NULL (an
// unknown number) after every value, as the stores sort ascending.
func compareSortValues(a, b any) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return 1
	case b == nil:
		return -1
	}
	switch a := a.(type) {
	case string:
		return strings.Compare(a, b.(string))
	case int64:
		return int(a - b.(int64))
	case time.Time:
		return a.Compare(b.(time.Time))
	}
	panic(fmt.Sprintf("unexpected sort value %T", a))
}

// sortedBy returns incs in the order the stores give for sortBy.
func sortedBy(incs []*incidentmap.Incident, sortBy []incidentmap.SortKey) []string {
	order := incidentmap.Filter{SortBy: sortBy}.Order()
	out := slices.Clone(incs)
	slices.SortFunc(out, func(a, b *incidentmap.Incident) int {
		for _, k := range order {
			c := compareSortValues(incidentmap.SortValue(a, k.Property), incidentmap.SortValue(b, k.Property))
			if c > 0 {
				c = 1
			} else if c < 0 {
				c = -1
			}
			if k.Desc {
				c = -c
			}
			if c != 0 {
				return c
			}
		}
		return 0
	})
	ids := make([]string, len(out))
	for i, inc := range out {
		ids[i] = inc.ID
	}
	return ids
}

func sortFixtures() []*incidentmap.Incident {
	countries := []string{"AFG", "IRQ", "SYR"}
	var incs []*incidentmap.Incident
	for i := range 31 {
		inc := NewIncident(fmt.Sprintf("s%02d", (i*7)%31), 60+float64(i)/10, 30, fmt.Sprintf("2021-0%d-0%d", 1+i%4, 1+i%3))
		inc.OccurredEnd = inc.OccurredStart.AddDate(0, 0, i%5)
		inc.Country = countries[i%3]
		if i%4 != 0 {
			n := i % 6 // ties, zeros, and every fourth unknown
			inc.Fatalities = &n
		}
		incs = append(incs, inc)
	}
	return incs
}

func page(t *testing.T, s incidentmap.Store, f incidentmap.Filter) ([]string, *incidentmap.Cursor) {
	t.Helper()
	var ids []string
	next, err := s.FindIncidents(context.Background(), f, func(inc *incidentmap.Incident) error {
		ids = append(ids, inc.ID)
		return nil
	})
	if err != nil {
		t.Fatalf("find %+v: %v", f, err)
	}
	return ids, next
}

// sortKeys reads the sort keys of a test case, written "-a,b" for a
// descending, then b ascending.
func sortKeys(s string) []incidentmap.SortKey {
	var keys []incidentmap.SortKey
	for _, name := range strings.Split(s, ",") {
		if name != "" {
			desc := strings.HasPrefix(name, "-")
			keys = append(keys, incidentmap.SortKey{Property: strings.TrimPrefix(name, "-"), Desc: desc})
		}
	}
	return keys
}

func testSortPaging(t *testing.T, s incidentmap.Store) {
	incs := sortFixtures()
	load(t, s, incs...)
	var afg []*incidentmap.Incident
	for _, inc := range incs {
		if inc.Country == "AFG" {
			afg = append(afg, inc)
		}
	}
	for _, sortby := range []string{"", "-occurred_start,id", "-fatalities", "fatalities", "-fatalities,-occurred_end", "country,-injuries,occurred_end", "-id", "-updated_at"} {
		keys := sortKeys(sortby)
		for _, countries := range [][]string{nil, {"AFG"}} {
			t.Run(sortby+strings.Join(countries, ""), func(t *testing.T) {
				want := sortedBy(incs, keys)
				if countries != nil {
					want = sortedBy(afg, keys)
				}
				f := incidentmap.Filter{SortBy: keys, Where: incidentmap.InStrings("country", countries...), Limit: 4}
				var got []string
				var pages [][]string
				var firsts []*incidentmap.Incident
				for n := 0; ; n++ {
					if n > len(want) {
						t.Fatal("paging does not end")
					}
					ids, next := page(t, s, f)
					got = append(got, ids...)
					pages = append(pages, ids)
					if len(ids) > 0 {
						first, err := s.GetIncident(context.Background(), ids[0])
						if err != nil {
							t.Fatal(err)
						}
						firsts = append(firsts, first)
					}
					if next == nil {
						break
					}
					f.After = next
				}
				if !slices.Equal(got, want) {
					t.Fatalf("pages gave\n%v\nwant\n%v", got, want)
				}
				// Before the first incident of each page is the page before it,
				// exactly, and its next cursor leads back to the page.
				for i := 1; i < len(pages); i++ {
					b := incidentmap.Filter{SortBy: keys, Where: incidentmap.InStrings("country", countries...), Limit: 4, Before: incidentmap.CursorOf(firsts[i], keys)}
					ids, next := page(t, s, b)
					if !slices.Equal(ids, pages[i-1]) {
						t.Errorf("before page %d: got %v, want %v", i, ids, pages[i-1])
					}
					if next == nil {
						t.Errorf("before page %d: no next cursor", i)
						continue
					}
					if again, _ := page(t, s, incidentmap.Filter{SortBy: keys, Where: incidentmap.InStrings("country", countries...), Limit: 4, After: next}); !slices.Equal(again, pages[i]) {
						t.Errorf("after the page before page %d: got %v, want %v", i, again, pages[i])
					}
				}
				// Before the very first: nothing. Before the third: a short page.
				if ids, next := page(t, s, incidentmap.Filter{SortBy: keys, Where: incidentmap.InStrings("country", countries...), Limit: 4, Before: incidentmap.CursorOf(firsts[0], keys)}); len(ids) != 0 || next != nil {
					t.Errorf("before the first: %v, %v", ids, next)
				}
				third, err := s.GetIncident(context.Background(), want[2])
				if err != nil {
					t.Fatal(err)
				}
				if ids, _ := page(t, s, incidentmap.Filter{SortBy: keys, Where: incidentmap.InStrings("country", countries...), Limit: 4, Before: incidentmap.CursorOf(third, keys)}); !slices.Equal(ids, want[:2]) {
					t.Errorf("before the third: %v, want %v", ids, want[:2])
				}
			})
		}
	}
	// A cursor of one order is refused by another.
	c := incidentmap.CursorOf(incs[0], []incidentmap.SortKey{{Property: "fatalities", Desc: true}})
	for _, f := range []incidentmap.Filter{
		{After: c},
		{Before: c},
		{After: c, SortBy: []incidentmap.SortKey{{Property: "fatalities"}}},
		{After: incidentmap.CursorOf(incs[0], nil), SortBy: []incidentmap.SortKey{{Property: "fatalities", Desc: true}}},
	} {
		_, err := s.FindIncidents(context.Background(), f, func(*incidentmap.Incident) error { return nil })
		if incidentmap.ErrorCode(err) != incidentmap.EINVALID || incidentmap.ErrorParam(err) != "cursor" {
			t.Errorf("cursor of another order: %v, want EINVALID naming cursor", err)
		}
	}
	_, err := s.FindIncidents(context.Background(), incidentmap.Filter{SortBy: []incidentmap.SortKey{{Property: "title"}}}, func(*incidentmap.Incident) error { return nil })
	if incidentmap.ErrorCode(err) != incidentmap.EINVALID || incidentmap.ErrorParam(err) != "sortby" {
		t.Errorf("sort by title: %v, want EINVALID naming sortby", err)
	}
}
