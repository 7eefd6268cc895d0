package incidentmap

import (
	"reflect"
	"testing"
	"time"
)

func TestParseSortBy(t *testing.T) {
	cases := []struct {
		in   string
		want []SortKey
		err  bool
	}{
		{"", nil, false},
		{"-occurred_start,id", []SortKey{{"occurred_start", true}, {"id", false}}, false},
		{"+fatalities, -country", []SortKey{{"fatalities", false}, {"country", true}}, false},
		{"colour", nil, true},
		{"id,id", nil, true},
		{"-", nil, true},
		{"title", nil, true},
		{"a,,b", nil, true},
	}
	for _, c := range cases {
		got, err := ParseSortBy(c.in)
		if (err != nil) != c.err || !reflect.DeepEqual(got, c.want) {
			t.Errorf("ParseSortBy(%q) = %v, %v; want %v (error %v)", c.in, got, err, c.want, c.err)
		}
		if err != nil && (ErrorCode(err) != EINVALID || ErrorParam(err) != "sortby") {
			t.Errorf("ParseSortBy(%q): error %v, want EINVALID sortby", c.in, err)
		}
	}
}

func TestOrder(t *testing.T) {
	for _, c := range []struct {
		sortBy []SortKey
		want   string
	}{
		{nil, "occurred_start,id"},
		{[]SortKey{{"fatalities", true}}, "-fatalities,id"},
		{[]SortKey{{"id", true}, {"country", false}}, "-id"},
	} {
		if got := FormatSortBy(Filter{SortBy: c.sortBy}.Order()); got != c.want {
			t.Errorf("order of %v = %s, want %s", c.sortBy, got, c.want)
		}
	}
}

func TestCursorRoundTrip(t *testing.T) {
	ten := 10
	inc := &Incident{ID: "a-1", OccurredStart: time.Date(2022, 4, 11, 0, 0, 0, 0, time.UTC),
		OccurredEnd: time.Date(2022, 4, 12, 0, 0, 0, 0, time.UTC), Country: "AFG", EventType: "Riots",
		Fatalities: &ten, UpdatedAt: time.Date(2024, 1, 2, 3, 4, 5, 123456000, time.UTC)}
	orders := [][]SortKey{nil, {{"fatalities", true}}, {{"injuries", false}, {"occurred_end", true}, {"updated_at", false},
		{"country", false}, {"event_type", true}, {"target_country", false}}}
	for _, sortBy := range orders {
		c := CursorOf(inc, sortBy)
		got, err := DecodeCursor(c.Encode())
		if err != nil || !reflect.DeepEqual(got, c) {
			t.Errorf("%v: decoded %+v, %v; want %+v", sortBy, got, err, c)
			continue
		}
		order := Filter{SortBy: sortBy}.Order()
		vals, err := got.Values(order)
		if err != nil || len(vals) != len(order) || vals[len(vals)-1] != "a-1" {
			t.Errorf("%v: values %v, %v", sortBy, vals, err)
		}
		for _, other := range orders {
			if reflect.DeepEqual(other, sortBy) {
				continue
			}
			if _, err := got.Values(Filter{SortBy: other}.Order()); ErrorCode(err) != EINVALID || ErrorParam(err) != "cursor" {
				t.Errorf("cursor of %v used with %v: %v, want EINVALID cursor", sortBy, other, err)
			}
		}
	}
	for _, bad := range []string{"", "!!", "eyJ2IjozfQ", CursorOf(inc, nil).Encode() + "x"} {
		if _, err := DecodeCursor(bad); ErrorCode(err) != EINVALID || ErrorParam(err) != "cursor" {
			t.Errorf("DecodeCursor(%q): %v", bad, err)
		}
	}
}
