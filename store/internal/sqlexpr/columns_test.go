package sqlexpr

import (
	"reflect"
	"testing"

	"github.com/incidentmap/incidentmap"
)

func TestColumns(t *testing.T) {
	got := Columns(func(name string) string { return "t." + name })
	for _, c := range []struct {
		name string
		want Column
		ok   bool
	}{
		{"id", Column{Name: "t.id", Type: Text}, true},
		{"occurred_start", Column{Name: "t.occurred_start", Type: Day}, true},
		{"fatalities", Column{Name: "t.fatalities", Type: Int}, true},
		{"updated_at", Column{Name: "t.updated_at", Type: Instant}, true}, // sortable only
		{"status", Column{Name: "t.status", Type: Text}, true},
		{"created_at", Column{}, false}, // neither queryable nor sortable
		{"location", Column{}, false},   // the compiler's own
		{"occurred", Column{}, false},
		{"actors", Column{}, false},
	} {
		col, ok := got[c.name]
		if ok != c.ok || col != c.want {
			t.Errorf("%s: %+v, %v; want %+v, %v", c.name, col, ok, c.want, c.ok)
		}
	}
	// Every queryable but location and occurred, and every sortable, has a
	// column.
	for _, q := range incidentmap.IncidentQueryables {
		if _, ok := got[q.Name]; !ok && q.Type != incidentmap.QueryGeometry && q.Type != incidentmap.QueryInterval {
			t.Errorf("queryable %s has no column", q.Name)
		}
	}
	for _, name := range incidentmap.SortableProperties {
		if _, ok := got[name]; !ok {
			t.Errorf("sortable %s has no column", name)
		}
	}
}

func TestGroupExprs(t *testing.T) {
	got := GroupExprs("D", "M", "Y", func(name string) string { return "+" + name })
	want := GroupBy{"day": "D", "month": "M", "year": "Y", "country": "+country", "admin1_code": "+admin1_code",
		"event_type": "+event_type", "sub_event_type": "+sub_event_type", "target_type": "+target_type",
		"target_country": "+target_country"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v\nwant %v", got, want)
	}
	for _, k := range incidentmap.GroupKeys {
		if _, ok := got[k]; !ok {
			t.Errorf("group key %s has no SQL", k)
		}
	}
}

func TestNeedsSpan(t *testing.T) {
	occurred := incidentmap.Temporal{Op: incidentmap.TIntersects, Prop: incidentmap.OccurredProperty}
	start := incidentmap.Temporal{Op: incidentmap.TAfter, Prop: "occurred_start"}
	status := incidentmap.InStrings("status", incidentmap.StatusPublished)
	for _, c := range []struct {
		name string
		e    incidentmap.Expr
		want bool
	}{
		{"true", incidentmap.Bool(true), false},
		{"status", status, false},
		{"occurred", occurred, true},
		{"an instant", start, false},
		{"in and", incidentmap.And{Args: []incidentmap.Expr{status, occurred}}, true},
		{"in or", incidentmap.Or{Args: []incidentmap.Expr{status, occurred}}, true},
		{"in not", incidentmap.Not{Arg: incidentmap.And{Args: []incidentmap.Expr{occurred}}}, true},
		{"params", incidentmap.Filter{Interval: &incidentmap.Interval{}, Where: status}.Expr(), true},
	} {
		if got := NeedsSpan(c.e); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}
