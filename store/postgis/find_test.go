package postgis

import (
	"strings"
	"testing"
	"time"

	"github.com/incidentmap/incidentmap"
)

func TestFilterSQL(t *testing.T) {
	day := func(s string) time.Time { t, _ := time.Parse(time.DateOnly, s); return t }
	cases := []struct {
		name  string
		f     incidentmap.Filter
		where string
		nargs int
	}{
		{"everything", incidentmap.Filter{Limit: 5, After: &incidentmap.Cursor{ID: "x"}}, "TRUE", 0},
		{"bbox", incidentmap.Filter{BBox: &incidentmap.BBox{West: 1, South: 2, East: 3, North: 4}}, "(" + condBBox + ")", 8},
		{"antimeridian", incidentmap.Filter{BBox: &incidentmap.BBox{West: 170, South: 2, East: -170, North: 4}}, "(" + condBBox + " OR " + condBBox + ")", 16},
		{"open start", incidentmap.Filter{Interval: &incidentmap.Interval{End: day("2020-01-01")}}, condStartsBy, 1},
		{"open end", incidentmap.Filter{Interval: &incidentmap.Interval{Start: day("2020-01-01")}}, condEndsFrom, 1},
		{"slices", incidentmap.Filter{Countries: []string{"AFG"}, Statuses: []incidentmap.Status{incidentmap.StatusDraft}},
			condCountry + " AND " + condStatus, 2},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			where, args := filterSQL(c.f)
			if where != c.where || len(args) != c.nargs {
				t.Errorf("got %q with %d args, want %q with %d", where, len(args), c.where, c.nargs)
			}
			if got := strings.Count(rebind(where), "$"); got != len(args) {
				t.Errorf("%d placeholders for %d args", got, len(args))
			}
		})
	}
	// Statuses reach the driver as a plain []string, which binds as text[].
	_, args := filterSQL(incidentmap.Filter{Statuses: []incidentmap.Status{incidentmap.StatusDraft}})
	if s, ok := args[0].([]string); !ok || s[0] != "draft" {
		t.Errorf("status argument %#v", args[0])
	}
}
