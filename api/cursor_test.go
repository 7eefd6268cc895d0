package api

import (
	"reflect"
	"testing"
	"time"

	"github.com/incidentmap/incidentmap"
)

func TestParseSortBy(t *testing.T) {
	cases := []struct {
		in   string
		want []incidentmap.SortKey
		err  bool
	}{
		{"", nil, false},
		{"-occurred_start,id", []incidentmap.SortKey{{Property: "occurred_start", Desc: true}, {Property: "id"}}, false},
		{"+fatalities, -country", []incidentmap.SortKey{{Property: "fatalities"}, {Property: "country", Desc: true}}, false},
		{"colour", nil, true},
		{"id,id", nil, true},
		{"-", nil, true},
		{"title", nil, true},
		{"a,,b", nil, true},
	}
	for _, c := range cases {
		got, err := parseSortBy(c.in)
		if (err != nil) != c.err || !reflect.DeepEqual(got, c.want) {
			t.Errorf("parseSortBy(%q) = %v, %v; want %v (error %v)", c.in, got, err, c.want, c.err)
		}
		if err != nil && (incidentmap.ErrorCode(err) != incidentmap.EINVALID || incidentmap.ErrorParam(err) != "sortby") {
			t.Errorf("parseSortBy(%q): error %v, want EINVALID sortby", c.in, err)
		}
		if err == nil && formatSortBy(got) != stripPlus(c.in) {
			t.Errorf("formatSortBy(parseSortBy(%q)) = %q", c.in, formatSortBy(got))
		}
	}
}

// stripPlus is a sortby without "+" and spaces, as formatSortBy writes it.
func stripPlus(s string) string {
	out := []byte{}
	for i := 0; i < len(s); i++ {
		if s[i] != '+' && s[i] != ' ' {
			out = append(out, s[i])
		}
	}
	return string(out)
}

// A cursor goes through a token and comes back the same, so that a store
// sees in a decoded cursor the values it would take from the incident.
func TestCursorRoundTrip(t *testing.T) {
	ten := 10
	inc := &incidentmap.Incident{ID: "a-1", OccurredStart: time.Date(2022, 4, 11, 0, 0, 0, 0, time.UTC),
		OccurredEnd: time.Date(2022, 4, 12, 0, 0, 0, 0, time.UTC), Country: "AFG", EventType: "Riots",
		Fatalities: &ten, UpdatedAt: time.Date(2024, 1, 2, 3, 4, 5, 123456000, time.UTC)}
	orders := [][]incidentmap.SortKey{nil, {{Property: "fatalities", Desc: true}}}
	var all []incidentmap.SortKey
	for _, name := range incidentmap.SortableProperties {
		all = append(all, incidentmap.SortKey{Property: name, Desc: len(all)%2 == 1})
	}
	orders = append(orders, all[1:], all) // every sortable property; all ends with id
	for _, sortBy := range orders {
		c := incidentmap.CursorOf(inc, sortBy)
		got, err := decodeCursor(encodeCursor(c))
		if err != nil || !reflect.DeepEqual(got, c) {
			t.Errorf("%v: decoded %+v, %v; want %+v", sortBy, got, err, c)
		}
	}
	inc.Fatalities = nil // a null key
	c := incidentmap.CursorOf(inc, orders[1])
	if got, err := decodeCursor(encodeCursor(c)); err != nil || !reflect.DeepEqual(got, c) {
		t.Errorf("null key: decoded %+v, %v; want %+v", got, err, c)
	}
	for _, bad := range []string{"", "!!", "eyJ2IjozfQ", encodeCursor(incidentmap.CursorOf(inc, nil)) + "x"} {
		if _, err := decodeCursor(bad); incidentmap.ErrorCode(err) != incidentmap.EINVALID || incidentmap.ErrorParam(err) != "cursor" {
			t.Errorf("decodeCursor(%q): %v", bad, err)
		}
	}
}

// FuzzDecodeCursor checks that any token either is refused with EINVALID
// naming cursor, or decodes to a cursor whose values are clean text and
// which encodes back to a token that decodes to the same cursor.
func FuzzDecodeCursor(f *testing.F) {
	day := time.Date(2022, 4, 11, 0, 0, 0, 0, time.UTC)
	inc := &incidentmap.Incident{ID: "2022-04-11-herat", OccurredStart: day, OccurredEnd: day, Country: "AFG", EventType: "Protests"}
	for _, order := range []string{"", "-occurred_start", "country,-fatalities", "event_type,updated_at"} {
		keys, err := parseSortBy(order)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(encodeCursor(incidentmap.CursorOf(inc, keys)))
	}
	f.Add("MXwyMDIyLTA0LTExfGE") // version 1: 1|2022-04-11|a
	f.Add(`eyJ2IjoyLCJvIjoiY291bnRyeSxpZCIsInMiOiIyMDIyLTA0LTExIiwiayI6WyJcdTAwMDAiXSwiaSI6ImEifQ`)
	f.Add("")
	f.Add("!!!")
	f.Fuzz(func(t *testing.T, token string) {
		c, err := decodeCursor(token)
		if err != nil {
			if incidentmap.ErrorCode(err) != incidentmap.EINVALID || incidentmap.ErrorParam(err) != "cursor" {
				t.Fatalf("error %#v", err)
			}
			return
		}
		for _, v := range c.Keys {
			if s, ok := v.(string); ok && incidentmap.CheckLine(s) != "" {
				t.Fatalf("cursor value %q is not clean text", s)
			}
		}
		again, err := decodeCursor(encodeCursor(c))
		if err != nil {
			t.Fatalf("re-encoded cursor does not decode: %v", err)
		}
		if encodeCursor(again) != encodeCursor(c) {
			t.Fatalf("round trip changed the cursor: %q → %q", encodeCursor(c), encodeCursor(again))
		}
	})
}
