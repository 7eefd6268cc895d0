package postgis

import (
	"strings"
	"testing"
	"time"

	"github.com/incidentmap/incidentmap"
	"github.com/paulmach/orb"
)

func TestFilterSQL(t *testing.T) {
	day := func(s string) time.Time { t, _ := time.Parse(time.DateOnly, s); return t }
	evil := `x'); DROP TABLE incidents; --`
	cases := []struct {
		name  string
		f     incidentmap.Filter
		where string
		nargs int
	}{
		{"everything", incidentmap.Filter{Limit: 5, After: &incidentmap.Cursor{ID: "x"}}, "TRUE", 0},
		{"bbox", incidentmap.Filter{BBox: &incidentmap.BBox{West: 1, South: 2, East: 3, North: 4}}, sqlBox, 4},
		{"bbox without area", incidentmap.Filter{BBox: &incidentmap.BBox{West: 1, South: 2, East: 1, North: 4}}, sqlBound, 8},
		{"antimeridian", incidentmap.Filter{BBox: &incidentmap.BBox{West: 170, South: 2, East: -170, North: 4}}, "(" + sqlBox + " OR " + sqlBox + ")", 8},
		{"open start", incidentmap.Filter{Interval: &incidentmap.Interval{End: day("2020-01-01")}}, "(i.occurred_start <= ?::date)", 1},
		{"open end", incidentmap.Filter{Interval: &incidentmap.Interval{Start: day("2020-01-01")}}, "(i.occurred_end >= ?::date)", 1},
		{"slices", incidentmap.Filter{Where: incidentmap.AllOf(incidentmap.InStrings("country", "AFG"), incidentmap.InStrings("status", incidentmap.StatusDraft))},
			"(i.country = ANY(?::text[]) AND i.status = ANY(?::text[]))", 2},
		{"values are bound", incidentmap.Filter{Where: incidentmap.Or{Args: []incidentmap.Expr{
			incidentmap.Compare{Op: "=", Left: incidentmap.Property{Name: "title"}, Right: incidentmap.String(evil)},
			incidentmap.Like{Prop: "summary", Pattern: evil},
		}}}, "(i.title = ?::text OR i.summary LIKE ?::text ESCAPE '\\')", 2},
		{"polygon rectangle takes the bbox path", incidentmap.Filter{Where: incidentmap.Spatial{Op: incidentmap.SIntersects, Prop: "location",
			Geometry: orb.Polygon{{{1, 2}, {3, 2}, {3, 4}, {1, 4}, {1, 2}}}}}, sqlBox, 4},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			where, args, err := compile(c.f.Expr())
			if err != nil {
				t.Fatal(err)
			}
			if where != c.where || len(args) != c.nargs {
				t.Errorf("got %q with %d args, want %q with %d", where, len(args), c.where, c.nargs)
			}
			if got := strings.Count(rebind(where), "$"); got != len(args) {
				t.Errorf("%d placeholders for %d args", got, len(args))
			}
		})
	}
	// Statuses reach the driver as a plain []string, which binds as text[].
	_, args, _ := compile(incidentmap.Filter{Where: incidentmap.InStrings("status", incidentmap.StatusDraft)}.Expr())
	if s, ok := args[0].([]string); !ok || s[0] != "draft" {
		t.Errorf("status argument %#v", args[0])
	}
}

// Names off the allow-list never reach SQL.
func TestFilterSQLUnknown(t *testing.T) {
	for _, e := range []incidentmap.Expr{
		incidentmap.IsNull{Prop: "location; DROP TABLE incidents"},
		incidentmap.Compare{Op: "=", Left: incidentmap.Property{Name: "updated_at"}, Right: incidentmap.String("x")},
		incidentmap.Compare{Op: "~", Left: incidentmap.Property{Name: "id"}, Right: incidentmap.String("x")},
		incidentmap.Spatial{Op: "s_nearby", Prop: "location", Geometry: orb.Point{1, 2}},
		incidentmap.Temporal{Op: "t_soon", Prop: "occurred", Interval: incidentmap.Interval{}},
		incidentmap.Spatial{Op: incidentmap.SWithin, Prop: "location", Geometry: orb.Collection{orb.Point{1, 2}}},
		nil,
	} {
		if _, _, err := compile(e); incidentmap.ErrorCode(err) != incidentmap.EINVALID || incidentmap.ErrorParam(err) != "filter" {
			t.Errorf("%#v: %v, want EINVALID filter", e, err)
		}
	}
}
