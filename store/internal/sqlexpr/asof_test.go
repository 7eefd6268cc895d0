package sqlexpr

import (
	"slices"
	"testing"
	"time"

	"github.com/incidentmap/incidentmap"
)

func TestOrderCompare(t *testing.T) {
	day := func(s string) time.Time { d, _ := time.Parse(time.DateOnly, s); return d }
	text := Order{{Col: Column{Name: "country", Type: Text}}, {Col: Column{Name: "id", Type: Text}}}
	num := Order{{Col: Column{Name: "fatalities", Type: Int}}, {Col: Column{Name: "id", Type: Text}}}
	numDesc := Order{{Col: Column{Name: "fatalities", Type: Int}, Desc: true}, {Col: Column{Name: "id", Type: Text}}}
	days := Order{{Col: Column{Name: "occurred_start", Type: Day}, Desc: true}, {Col: Column{Name: "id", Type: Text}}}
	cases := []struct {
		name string
		o    Order
		a, b []any
		want int
	}{
		{"text byte by byte: upper case first", text, []any{"Z", "a"}, []any{"a", "a"}, -1},
		{"text byte by byte: accents after ASCII", text, []any{"É", "a"}, []any{"F", "a"}, 1},
		{"the last key breaks ties", text, []any{"AFG", "b"}, []any{"AFG", "a"}, 1},
		{"equal", text, []any{"AFG", "a"}, []any{"AFG", "a"}, 0},
		{"numbers", num, []any{int64(9), "a"}, []any{int64(10), "a"}, -1},
		{"NULL last ascending", num, []any{nil, "a"}, []any{int64(10), "b"}, 1},
		{"NULL first descending", numDesc, []any{nil, "a"}, []any{int64(10), "b"}, -1},
		{"two NULLs go by id", numDesc, []any{nil, "b"}, []any{nil, "a"}, 1},
		{"days descending", days, []any{day("2021-01-02"), "a"}, []any{day("2021-01-01"), "b"}, -1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := c.o.Compare(c.a, c.b); got != c.want {
				t.Errorf("Compare(%v, %v) = %d, want %d", c.a, c.b, got, c.want)
			}
		})
	}
}

func TestMergePage(t *testing.T) {
	inc := func(id string) *incidentmap.Incident {
		d, _ := time.Parse(time.DateOnly, "2021-01-01")
		return &incidentmap.Incident{ID: id, OccurredStart: d, OccurredEnd: d}
	}
	incs := func(ids ...string) []*incidentmap.Incident {
		var out []*incidentmap.Incident
		for _, id := range ids {
			out = append(out, inc(id))
		}
		return out
	}
	o := Order{{Col: Column{Name: "occurred_start", Type: Day}}, {Col: Column{Name: "id", Type: Text}}}
	before := incidentmap.CursorOf(inc("z"), nil)
	cases := []struct {
		name     string
		f        incidentmap.Filter
		p        Page
		held     []string
		stream   []string
		want     []string
		wantNext string // id of the next cursor, "" for none
	}{
		{"interleaved, more to come", incidentmap.Filter{Limit: 4}, Page{Order: o, Limit: 5},
			[]string{"b", "d", "f"}, []string{"a", "c", "e"}, []string{"a", "b", "c", "d"}, "d"},
		{"all fit", incidentmap.Filter{Limit: 4}, Page{Order: o, Limit: 5},
			[]string{"c"}, []string{"a", "b"}, []string{"a", "b", "c"}, ""},
		{"held only", incidentmap.Filter{Limit: 2}, Page{Order: o, Limit: 3},
			[]string{"a", "b", "c"}, nil, []string{"a", "b"}, "b"},
		{"before a cursor: the last rows of both", incidentmap.Filter{Limit: 3, Before: before}, Page{Order: o, Limit: 3},
			[]string{"b", "e", "f"}, []string{"a", "c", "d"}, []string{"d", "e", "f"}, "f"},
		{"before a cursor, second read empty", incidentmap.Filter{Limit: 3, Before: before}, Page{Order: o, Empty: true},
			[]string{"a", "b", "c", "d"}, nil, []string{"b", "c", "d"}, "d"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var got []string
			next, n, err := MergePage(c.f, c.p, incs(c.held...), func(each func(*incidentmap.Incident) error) error {
				for _, inc := range incs(c.stream...) {
					if err := each(inc); err != nil {
						return err
					}
				}
				return nil
			}, func(inc *incidentmap.Incident) error { got = append(got, inc.ID); return nil })
			if err != nil || n != len(got) || !slices.Equal(got, c.want) {
				t.Fatalf("got %v (%d), %v; want %v", got, n, err, c.want)
			}
			id := ""
			if next != nil {
				id = next.ID
			}
			if id != c.wantNext {
				t.Errorf("next at %q, want %q", id, c.wantNext)
			}
		})
	}
}
