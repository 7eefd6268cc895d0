package incidentmap_test

import (
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/incidentmap/incidentmap"
	"github.com/paulmach/orb"
)

func TestIncidentQueryables(t *testing.T) {
	types := []string{incidentmap.QueryString, incidentmap.QueryNumber, incidentmap.QueryInteger,
		incidentmap.QueryDate, incidentmap.QueryGeometry, incidentmap.QueryInterval}
	seen := map[string]bool{}
	for _, q := range incidentmap.IncidentQueryables {
		if seen[q.Name] {
			t.Errorf("%s listed twice", q.Name)
		}
		seen[q.Name] = true
		if !slices.Contains(types, q.Type) {
			t.Errorf("%s: type %q", q.Name, q.Type)
		}
		if q.Description == "" {
			t.Errorf("%s: no description", q.Name)
		}
		if len(q.Enum) > 0 && q.Type != incidentmap.QueryString {
			t.Errorf("%s: enum on a %s", q.Name, q.Type)
		}
	}
	for _, name := range []string{"id", "title", "summary", "occurred_start", "occurred_end", "date_precision",
		"location", "location_precision", "place_name", "country", "admin1_code", "admin1_name", "event_type",
		"sub_event_type", "target_type", "target_country", "facility", "perpetrator", "fatalities", "injuries",
		"status", incidentmap.OccurredProperty} {
		if !seen[name] {
			t.Errorf("%s is not queryable", name)
		}
	}
	q, ok := incidentmap.FindQueryable(incidentmap.IncidentQueryables, "event_type")
	if !ok || !slices.Contains(q.Enum, "Protests") || !slices.IsSorted(q.Enum) {
		t.Errorf("event_type: %+v", q)
	}
	q, _ = incidentmap.FindQueryable(incidentmap.IncidentQueryables, "sub_event_type")
	if !slices.Contains(q.Enum, "Suicide bomb") || !slices.IsSorted(q.Enum) {
		t.Errorf("sub_event_type: %+v", q)
	}
	if _, ok := incidentmap.FindQueryable(incidentmap.IncidentQueryables, "colour"); ok {
		t.Error("found colour")
	}
}

func TestFilterExpr(t *testing.T) {
	day := func(s string) time.Time { tm, _ := time.Parse(time.DateOnly, s); return tm }
	iv := incidentmap.Interval{Start: day("2020-01-01"), End: day("2020-12-31")}
	for _, c := range []struct {
		name string
		f    incidentmap.Filter
		want incidentmap.Expr
	}{
		{"empty", incidentmap.Filter{Limit: 10}, incidentmap.Bool(true)},
		{"one", incidentmap.Filter{Where: incidentmap.InStrings("country", "IRQ", "AFG")},
			incidentmap.In{Prop: "country", Values: []incidentmap.Literal{incidentmap.String("IRQ"), incidentmap.String("AFG")}}},
		{"all", incidentmap.Filter{
			BBox:     &incidentmap.BBox{West: 40, South: 30, East: 50, North: 40},
			Interval: &iv,
			Where: incidentmap.AllOf(incidentmap.InStrings("country", "IRQ"), nil,
				incidentmap.And{Args: []incidentmap.Expr{incidentmap.InStrings("event_type", "Protests"),
					incidentmap.InStrings("target_country", "IRN")}},
				incidentmap.InStrings("status", incidentmap.StatusPublished)),
		}, incidentmap.And{Args: []incidentmap.Expr{
			incidentmap.Spatial{Op: incidentmap.SIntersects, Prop: "location", Geometry: orb.Bound{Min: orb.Point{40, 30}, Max: orb.Point{50, 40}}},
			incidentmap.Temporal{Op: incidentmap.TIntersects, Prop: "occurred", Interval: iv},
			incidentmap.In{Prop: "country", Values: []incidentmap.Literal{incidentmap.String("IRQ")}},
			incidentmap.In{Prop: "event_type", Values: []incidentmap.Literal{incidentmap.String("Protests")}},
			incidentmap.In{Prop: "target_country", Values: []incidentmap.Literal{incidentmap.String("IRN")}},
			incidentmap.In{Prop: "status", Values: []incidentmap.Literal{incidentmap.String("published")}},
		}}},
		{"antimeridian", incidentmap.Filter{BBox: &incidentmap.BBox{West: 170, South: -10, East: -170, North: 10}},
			incidentmap.Or{Args: []incidentmap.Expr{
				incidentmap.Spatial{Op: incidentmap.SIntersects, Prop: "location", Geometry: orb.Bound{Min: orb.Point{170, -10}, Max: orb.Point{180, 10}}},
				incidentmap.Spatial{Op: incidentmap.SIntersects, Prop: "location", Geometry: orb.Bound{Min: orb.Point{-180, -10}, Max: orb.Point{-170, 10}}},
			}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := c.f.Expr(); !reflect.DeepEqual(got, c.want) {
				t.Errorf("got  %#v\nwant %#v", got, c.want)
			}
		})
	}
}

// TestFilterExprNamesAreQueryable checks that every property Filter.Expr
// names is on the allow-list, with the type its node needs.
func TestFilterExprNamesAreQueryable(t *testing.T) {
	f := incidentmap.Filter{
		BBox: &incidentmap.BBox{West: 1, South: 2, East: 3, North: 4}, Interval: &incidentmap.Interval{},
		Where: incidentmap.AllOf(incidentmap.InStrings("country", "IRQ"), incidentmap.InStrings("event_type", "Riots"),
			incidentmap.InStrings("target_country", "IRN"), incidentmap.InStrings("status", incidentmap.StatusDraft)),
	}
	for _, e := range f.Expr().(incidentmap.And).Args {
		var name, typ string
		switch e := e.(type) {
		case incidentmap.Spatial:
			name, typ = e.Prop, incidentmap.QueryGeometry
		case incidentmap.Temporal:
			name, typ = e.Prop, incidentmap.QueryInterval
		case incidentmap.In:
			name, typ = e.Prop, incidentmap.QueryString
		default:
			t.Fatalf("unexpected %T", e)
		}
		q, ok := incidentmap.FindQueryable(incidentmap.IncidentQueryables, name)
		if !ok || q.Type != typ {
			t.Errorf("%s: %+v, %v", name, q, ok)
		}
	}
}

func TestAllOf(t *testing.T) {
	a, b, c := incidentmap.IsNull{Prop: "a"}, incidentmap.IsNull{Prop: "b"}, incidentmap.IsNull{Prop: "c"}
	for _, tt := range []struct {
		name string
		in   []incidentmap.Expr
		want incidentmap.Expr
	}{
		{"none", nil, nil},
		{"nils", []incidentmap.Expr{nil, nil}, nil},
		{"one", []incidentmap.Expr{nil, a}, a},
		{"flat", []incidentmap.Expr{a, incidentmap.And{Args: []incidentmap.Expr{b, c}}},
			incidentmap.And{Args: []incidentmap.Expr{a, b, c}}},
		{"or kept", []incidentmap.Expr{a, incidentmap.Or{Args: []incidentmap.Expr{b, c}}},
			incidentmap.And{Args: []incidentmap.Expr{a, incidentmap.Or{Args: []incidentmap.Expr{b, c}}}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := incidentmap.AllOf(tt.in...); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %#v, want %#v", got, tt.want)
			}
		})
	}
	if got := incidentmap.InStrings[string]("country"); got != nil {
		t.Errorf("InStrings of nothing = %#v", got)
	}
}

func TestOpsLists(t *testing.T) {
	if len(incidentmap.SpatialOps) != 8 || len(incidentmap.TemporalOps) != 15 {
		t.Errorf("%d spatial and %d temporal ops", len(incidentmap.SpatialOps), len(incidentmap.TemporalOps))
	}
}
