package sqlexpr

import (
	"reflect"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/incidentmap/incidentmap"
)

// testDialect marks each fragment so that a test can see which it wrote.
var testDialect = &Dialect{
	Columns: map[string]Column{
		"title":          {Name: "t.title", Type: Text},
		"fatalities":     {Name: "t.fatalities", Type: Int},
		"occurred_start": {Name: "t.occurred_start", Type: Day},
		"occurred_end":   {Name: "t.occurred_end", Type: Day},
		"id":             {Name: "t.id", Type: Text},
		"updated_at":     {Name: "t.updated_at", Type: Instant},
	},
	True:        "T",
	False:       "F",
	Placeholder: func(t Type) string { return [...]string{"?t", "?i", "?d", "?s"}[t] },
	Day:         func(day time.Time) any { return day.Format(time.DateOnly) },
	Lower:       func(col string) string { return "low(" + col + ")" },
	LowerText:   func(s string) (string, any) { return "low(?)", s },
	Bound:       func(b orb.Bound) (string, []any) { return "BOUND", []any{b.Min.Lon()} },
	Candidates:  func(b orb.Bound) (string, []any) { return "CAND", []any{b.Min.Lon()} },
	Spatial:     func(op string, _ orb.Geometry, _ []byte) (string, []any) { return "SPATIAL", []any{op} },
	DWithin:     "DWITHIN",
	Key:         func(_ Type, v any) (any, string) { return v, "?k" },
}

func TestCompile(t *testing.T) {
	day := time.Date(2020, 1, 2, 0, 0, 0, 0, time.UTC)
	title := incidentmap.Property{Name: "title"}
	cases := []struct {
		name string
		e    incidentmap.Expr
		sql  string
		args []any
	}{
		{"empty and", incidentmap.And{}, "T", nil},
		{"empty or", incidentmap.Or{}, "F", nil},
		{"not", incidentmap.Not{Arg: incidentmap.Bool(false)}, "NOT (F)", nil},
		{"compare casei", incidentmap.Compare{Op: "=", Left: incidentmap.Casei{Arg: title}, Right: incidentmap.String("X")},
			"low(t.title) = low(?)", []any{"X"}},
		{"like", incidentmap.Like{Prop: "title", Pattern: `a\`}, `t.title LIKE ?t ESCAPE '\'`, []any{`a\\`}},
		{"between", incidentmap.Between{Prop: "fatalities", Low: incidentmap.Number(1), High: incidentmap.Number(2)},
			"t.fatalities BETWEEN ?i AND ?i", []any{1.0, 2.0}},
		{"in", incidentmap.In{Prop: "occurred_start", Values: []incidentmap.Literal{incidentmap.Date{Day: day}}},
			"t.occurred_start IN (?d)", []any{"2020-01-02"}},
		{"is null", incidentmap.IsNull{Prop: "title"}, "(t.title IS NULL OR t.title = '')", nil},
		{"bbox", incidentmap.Spatial{Op: incidentmap.SDisjoint, Prop: "location", Geometry: orb.Bound{Min: orb.Point{1, 2}, Max: orb.Point{3, 4}}},
			"NOT (BOUND)", []any{1.0}},
		{"spatial", incidentmap.Spatial{Op: incidentmap.SWithin, Prop: "location", Geometry: orb.Point{1, 2}}, "SPATIAL", []any{"s_within"}},
		{"dwithin", incidentmap.DWithin{Prop: "location", Point: orb.Point{1, 2}, DistanceMeters: 3}, "((CAND) AND DWITHIN)", []any{1.0, 2.0, 3.0}},
		{"temporal", incidentmap.Temporal{Op: incidentmap.TAfter, Prop: "occurred", Interval: incidentmap.Interval{Start: day}}, "F", nil},
		{"temporal day", incidentmap.Temporal{Op: incidentmap.TAfter, Prop: "occurred_end", Interval: incidentmap.Interval{End: day}},
			"(t.occurred_end > ?d)", []any{"2020-01-02"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sql, args, err := testDialect.Compile(c.e)
			if err != nil {
				t.Fatal(err)
			}
			if c.name == "dwithin" {
				args = args[1:] // the box's west edge: see TestDWithinBounds
			}
			if sql != c.sql || !reflect.DeepEqual(args, c.args) {
				t.Errorf("got %q %#v, want %q %#v", sql, args, c.sql, c.args)
			}
		})
	}
}

// Names off the allow-list, unknown operators and trees too deep are
// EINVALID naming "filter", and never reach SQL.
func TestCompileInvalid(t *testing.T) {
	var deep incidentmap.Expr = incidentmap.Bool(true)
	for range maxDepth + 1 {
		deep = incidentmap.Not{Arg: deep}
	}
	for _, e := range []incidentmap.Expr{
		deep,
		nil,
		incidentmap.IsNull{Prop: "location; DROP TABLE incidents"},
		incidentmap.Compare{Op: "=", Left: incidentmap.Property{Name: "updated_at"}, Right: incidentmap.String("x")},
		incidentmap.Compare{Op: "~", Left: incidentmap.Property{Name: "title"}, Right: incidentmap.String("x")},
		incidentmap.Like{Prop: "fatalities", Pattern: "1"},
		incidentmap.Spatial{Op: "s_nearby", Prop: "location", Geometry: orb.Point{1, 2}},
		incidentmap.Spatial{Op: incidentmap.SWithin, Prop: "location", Geometry: orb.Collection{orb.Point{1, 2}}},
		incidentmap.Temporal{Op: "t_soon", Prop: "occurred"},
	} {
		if _, _, err := testDialect.Compile(e); incidentmap.ErrorCode(err) != incidentmap.EINVALID || incidentmap.ErrorParam(err) != "filter" {
			t.Errorf("%#v: %v, want EINVALID filter", e, err)
		}
	}
}
