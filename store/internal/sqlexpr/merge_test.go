package sqlexpr

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/incidentmap/incidentmap"
)

func TestMergeEqualitiesAndTermCap(t *testing.T) {
	eq := func(v string) incidentmap.Expr {
		return incidentmap.Compare{Op: "=", Left: incidentmap.Property{Name: "title"}, Right: incidentmap.String(v)}
	}
	ors := func(n int) incidentmap.Expr {
		var args []incidentmap.Expr
		for i := range n {
			args = append(args, eq(fmt.Sprint(i)))
		}
		return incidentmap.Or{Args: args}
	}
	cases := []struct {
		name string
		e    incidentmap.Expr
		sql  string
		args []any
		bad  bool
	}{
		{"equalities of one property", incidentmap.Or{Args: []incidentmap.Expr{eq("a"),
			incidentmap.Compare{Op: "=", Left: incidentmap.String("b"), Right: incidentmap.Property{Name: "title"}},
			incidentmap.In{Prop: "title", Values: []incidentmap.Literal{incidentmap.String("c")}}}},
			"t.title IN (?t, ?t, ?t)", []any{"a", "b", "c"}, false},
		{"two properties stay an OR", incidentmap.Or{Args: []incidentmap.Expr{eq("a"),
			incidentmap.Compare{Op: "=", Left: incidentmap.Property{Name: "id"}, Right: incidentmap.String("b")}}},
			"(t.title = ?t OR t.id = ?t)", []any{"a", "b"}, false},
		{"another operator stays an OR", incidentmap.Or{Args: []incidentmap.Expr{eq("a"),
			incidentmap.Compare{Op: "<>", Left: incidentmap.Property{Name: "title"}, Right: incidentmap.String("b")}}},
			"(t.title = ?t OR t.title <> ?t)", []any{"a", "b"}, false},
		{"400 terms", ors(MaxTerms), "", nil, false},
		{"401 terms", ors(MaxTerms + 1), "", nil, true},
		{"401 terms spread", incidentmap.And{Args: []incidentmap.Expr{ors(MaxTerms), eq("x")}}, "", nil, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sql, args, err := testDialect.Compile(c.e)
			if c.bad {
				if incidentmap.ErrorParam(err) != "filter" {
					t.Errorf("got %v, want EINVALID naming filter", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.sql != "" && (sql != c.sql || !reflect.DeepEqual(args, c.args)) {
				t.Errorf("got %q %v, want %q %v", sql, args, c.sql, c.args)
			}
		})
	}
}

func TestCompileSpan(t *testing.T) {
	iv := incidentmap.Interval{Start: time.Date(2023, 1, 10, 0, 0, 0, 0, time.UTC), End: time.Date(2023, 3, 31, 0, 0, 0, 0, time.UTC)}
	e := incidentmap.Filter{Interval: &iv}.Expr()
	for _, c := range []struct {
		span int
		sql  string
		args []any
	}{
		{-1, "(t.occurred_start <= ?d AND t.occurred_end >= ?d)", []any{"2023-03-31", "2023-01-10"}},
		{3, "(t.occurred_start <= ?d AND t.occurred_end >= ?d AND t.occurred_start >= ?d)", []any{"2023-03-31", "2023-01-10", "2023-01-07"}},
	} {
		sql, args, err := testDialect.CompileSpan(e, c.span)
		if err != nil || sql != c.sql || !reflect.DeepEqual(args, c.args) {
			t.Errorf("span %d: %q %v %v, want %q %v", c.span, sql, args, err, c.sql, c.args)
		}
	}
}
