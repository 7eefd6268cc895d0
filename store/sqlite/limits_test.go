package sqlite

import (
	"context"
	"strings"
	"testing"

	"github.com/incidentmap/incidentmap"
)

// TestFilterLimits checks that filters over SQLite's own limits are
// EINVALID naming the filter (a 400), never an internal error, in every
// query that compiles a filter.
func TestFilterLimits(t *testing.T) {
	s := openMemory(t)
	defer s.Close()
	ctx := context.Background()
	var or []incidentmap.Expr
	for i := range 1500 {
		or = append(or, incidentmap.Compare{Op: "=", Left: incidentmap.Property{Name: "place_name"},
			Right: incidentmap.String(strings.Repeat("x", i%7+1))})
	}
	tests := map[string]incidentmap.Expr{
		"1,500 ORed terms":     incidentmap.Or{Args: or},
		"1,500 ANDed terms":    incidentmap.And{Args: or},
		"a 60 KB LIKE pattern": incidentmap.Like{Prop: "title", Pattern: strings.Repeat("%a", 30000)},
	}
	for name, e := range tests {
		t.Run(name, func(t *testing.T) {
			f := incidentmap.Filter{Where: e}
			calls := map[string]func() error{
				"find": func() error {
					_, err := s.FindIncidents(ctx, f, func(*incidentmap.Incident) error { return nil })
					return err
				},
				"count": func() error { _, err := s.CountIncidents(ctx, f); return err },
				"countBy": func() error {
					_, err := s.CountBy(ctx, f, "country")
					return err
				},
				"extent": func() error { _, err := s.Extent(ctx, f); return err },
			}
			for call, fn := range calls {
				err := fn()
				if err == nil {
					continue // the store's own caps may allow it: then it must work
				}
				if incidentmap.ErrorCode(err) != incidentmap.EINVALID || incidentmap.ErrorParam(err) != "filter" {
					t.Errorf("%s: %v, want EINVALID naming filter", call, err)
				}
			}
		})
	}
}
