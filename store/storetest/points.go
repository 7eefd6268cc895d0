package storetest

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/incidentmap/incidentmap"
)

// testScanPoints checks that ScanPoints yields exactly the incidents a
// filter selects, each with its point fields, that a callback's error
// stops it, and that a cancelled context ends it.
func testScanPoints(t *testing.T, s incidentmap.Store) {
	full := Full("full")
	draft := NewIncident("draft", 44.4, 33.3, "2021-05-01")
	draft.Status = incidentmap.StatusDraft
	battle := NewIncident("battle", -70.25, -33.5, "2019-11-03")
	battle.EventType, battle.Country, battle.Title = "Battles", "CHL", "A battle"
	load(t, s, full, draft, battle)

	scan := func(f incidentmap.Filter) []incidentmap.PointRow {
		t.Helper()
		var out []incidentmap.PointRow
		if err := s.ScanPoints(context.Background(), f, func(p incidentmap.PointRow) error {
			out = append(out, p)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		slices.SortFunc(out, func(a, b incidentmap.PointRow) int { return strings.Compare(a.ID, b.ID) })
		return out
	}
	published := []incidentmap.Status{incidentmap.StatusPublished}
	tests := []struct {
		name string
		f    incidentmap.Filter
		want []string
	}{
		{"published", incidentmap.Filter{Where: incidentmap.InStrings("status", published...)}, []string{"battle", "full"}},
		{"all", incidentmap.Filter{}, []string{"battle", "draft", "full"}},
		{"event type", incidentmap.Filter{Where: incidentmap.AllOf(incidentmap.InStrings("status", published...), incidentmap.InStrings("event_type", "Battles"))}, []string{"battle"}},
		{"bbox", incidentmap.Filter{BBox: &incidentmap.BBox{West: 40, South: 30, East: 70, North: 35}}, []string{"draft", "full"}},
		{"limit and sort ignored", incidentmap.Filter{Limit: 1, SortBy: []incidentmap.SortKey{{Property: "id", Desc: true}}}, []string{"battle", "draft", "full"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var ids []string
			for _, p := range scan(tt.f) {
				ids = append(ids, p.ID)
			}
			if !slices.Equal(ids, tt.want) {
				t.Errorf("got %v, want %v", ids, tt.want)
			}
		})
	}
	rows := scan(incidentmap.Filter{Where: incidentmap.InStrings("status", published...)})
	for i, inc := range []*incidentmap.Incident{battle, full} {
		p := rows[i]
		stored, err := s.GetIncident(context.Background(), inc.ID)
		if err != nil {
			t.Fatal(err)
		}
		inc.Version, inc.UpdatedAt = stored.Version, stored.UpdatedAt
		if p.Lon != inc.Location.Lon() || p.Lat != inc.Location.Lat() || !p.OccurredStart.Equal(inc.OccurredStart) ||
			p.OccurredStart.Location() != inc.OccurredStart.Location() ||
			!p.OccurredEnd.Equal(inc.OccurredEnd) || p.OccurredEnd.Location() != time.UTC ||
			p.EventType != inc.EventType || p.SubEventType != inc.SubEventType || p.Country != inc.Country || p.Admin1Code != inc.Admin1Code ||
			p.TargetType != string(inc.TargetType) || p.TargetCountry != inc.TargetCountry || p.Title != inc.Title ||
			p.DatePrecision != string(inc.DatePrecision) || p.LocationPrecision != string(inc.LocationPrecision) ||
			p.PlaceName != inc.PlaceName || p.Admin1Name != inc.Admin1Name || p.Facility != inc.Facility || p.Perpetrator != inc.Perpetrator ||
			p.Version != inc.Version || !p.UpdatedAt.Equal(inc.UpdatedAt) || p.UpdatedAt.Location() != time.UTC {
			t.Errorf("%s: got %+v, want the incident's fields", inc.ID, p)
		}
		if (p.Fatalities == nil) != (inc.Fatalities == nil) || p.Fatalities != nil && *p.Fatalities != *inc.Fatalities {
			t.Errorf("%s: fatalities %v, want %v", inc.ID, p.Fatalities, inc.Fatalities)
		}
		if (p.Injuries == nil) != (inc.Injuries == nil) || p.Injuries != nil && *p.Injuries != *inc.Injuries {
			t.Errorf("%s: injuries %v, want %v", inc.ID, p.Injuries, inc.Injuries)
		}
	}

	stop := errors.New("stop")
	calls := 0
	err := s.ScanPoints(context.Background(), incidentmap.Filter{}, func(incidentmap.PointRow) error { calls++; return stop })
	if !errors.Is(err, stop) || calls != 1 {
		t.Errorf("got err %v after %d calls, want the callback's error after 1", err, calls)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.ScanPoints(ctx, incidentmap.Filter{}, func(incidentmap.PointRow) error { return nil }); err == nil {
		t.Error("a cancelled scan succeeded")
	}
}
