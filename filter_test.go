package incidentmap

import (
	"reflect"
	"testing"
	"time"
)

func TestOrder(t *testing.T) {
	for _, c := range []struct {
		sortBy []SortKey
		want   []SortKey
	}{
		{nil, []SortKey{{"occurred_start", false}, {"id", false}}},
		{[]SortKey{{"fatalities", true}}, []SortKey{{"fatalities", true}, {"id", false}}},
		{[]SortKey{{"id", true}, {"country", false}}, []SortKey{{"id", true}}},
	} {
		if got := (Filter{SortBy: c.sortBy}.Order()); !reflect.DeepEqual(got, c.want) {
			t.Errorf("order of %v = %v, want %v", c.sortBy, got, c.want)
		}
	}
}

func TestCursorValues(t *testing.T) {
	ten := 10
	inc := &Incident{ID: "a-1", OccurredStart: time.Date(2022, 4, 11, 0, 0, 0, 0, time.UTC),
		OccurredEnd: time.Date(2022, 4, 12, 0, 0, 0, 0, time.UTC), Country: "AFG", EventType: "Riots",
		Fatalities: &ten, UpdatedAt: time.Date(2024, 1, 2, 3, 4, 5, 123456789, time.UTC)}
	orders := [][]SortKey{nil, {{"fatalities", true}}, {{"injuries", false}, {"occurred_end", true}, {"updated_at", false},
		{"country", false}, {"event_type", true}, {"target_country", false}},
		{{"fatalities", false}}, {{"country", true}}}
	wants := [][]any{
		{inc.OccurredStart, "a-1"},
		{int64(10), "a-1"},
		{nil, inc.OccurredEnd, time.Date(2024, 1, 2, 3, 4, 5, 123456000, time.UTC), "AFG", "Riots", "", "a-1"},
		{int64(10), "a-1"},
		{"AFG", "a-1"},
	}
	for i, sortBy := range orders {
		c := CursorOf(inc, sortBy)
		order := Filter{SortBy: sortBy}.Order()
		vals, err := c.Values(order)
		if err != nil || !reflect.DeepEqual(vals, wants[i]) {
			t.Errorf("%v: values %#v, %v; want %#v", sortBy, vals, err, wants[i])
		}
		for _, other := range orders {
			if reflect.DeepEqual(other, sortBy) {
				continue
			}
			if _, err := c.Values(Filter{SortBy: other}.Order()); ErrorCode(err) != EINVALID || ErrorParam(err) != "cursor" {
				t.Errorf("cursor of %v used with %v: %v, want EINVALID cursor", sortBy, other, err)
			}
		}
	}
}
