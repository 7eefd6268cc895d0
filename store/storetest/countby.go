package storetest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/incidentmap/incidentmap"
	"github.com/incidentmap/incidentmap/cql2"
)

// countByFixtures are the incidents of testCountBy: two months with two
// incidents each, a year boundary, an incident without province, sub-event
// type or target country (keys ""), and a draft that statuses leave out.
func countByFixtures() []*incidentmap.Incident {
	herat := NewIncident("herat", 62.2, 34.35, "2019-11-01")
	herat.OccurredEnd, herat.DatePrecision = Day("2019-11-30"), incidentmap.DateMonth
	herat.Admin1Code, herat.SubEventType, herat.TargetType, herat.TargetCountry = "AF-HER", "Peaceful protest", incidentmap.TargetConsulate, "IRN"
	najaf := NewIncident("najaf", 44.33, 32.0, "2019-11-27")
	najaf.Country, najaf.EventType, najaf.SubEventType = "IRQ", "Riots", "Violent demonstration"
	najaf.TargetType, najaf.TargetCountry = incidentmap.TargetConsulate, "IRN"
	newYear := NewIncident("new-year", 69.17, 34.53, "2019-12-31")
	newYear.OccurredEnd = Day("2020-01-02") // grouped by its start
	newYear.Admin1Code, newYear.EventType, newYear.SubEventType = "AF-KAB", "Explosions/Remote violence", "Grenade"
	baghdad := NewIncident("baghdad", 44.4, 33.3, "2020-09-15")
	baghdad.Country, baghdad.Admin1Code, baghdad.EventType, baghdad.SubEventType = "IRQ", "IQ-BG", "Explosions/Remote violence", "Shelling/artillery/missile attack"
	baghdad.TargetCountry = "USA"
	vehicle := NewIncident("vehicle", 44.38, 33.31, "2020-09-28")
	vehicle.Country, vehicle.Admin1Code, vehicle.EventType, vehicle.SubEventType = "IRQ", "IQ-BG", "Explosions/Remote violence", "Remote explosive/landmine/IED"
	vehicle.TargetType, vehicle.TargetCountry = incidentmap.TargetDiplomaticVehicle, "GBR"
	draft := NewIncident("draft", 62.2, 34.35, "2019-11-15")
	draft.Status = incidentmap.StatusDraft
	return []*incidentmap.Incident{herat, najaf, newYear, baghdad, vehicle, draft}
}

// buckets builds the buckets of a test case from "key=count" pairs.
func buckets(pairs ...string) []incidentmap.Bucket {
	out := []incidentmap.Bucket{}
	for _, p := range pairs {
		k, n, _ := strings.Cut(p, "=")
		var b incidentmap.Bucket
		b.Key = k
		if _, err := fmt.Sscan(n, &b.Count); err != nil {
			panic(p)
		}
		out = append(out, b)
	}
	return out
}

func testCountBy(t *testing.T, s incidentmap.Store) {
	ctx := context.Background()
	got, err := s.CountBy(ctx, incidentmap.Filter{}, "month")
	if err != nil || got == nil || len(got) != 0 {
		t.Errorf("empty store: %#v, %v; want no buckets (not nil)", got, err)
	}
	load(t, s, countByFixtures()...)
	published := []incidentmap.Status{incidentmap.StatusPublished}
	where, err := cql2.ParseText("event_type = 'Explosions/Remote violence' OR admin1_code = 'AF-HER'", incidentmap.IncidentQueryables)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		f    incidentmap.Filter
		by   string
		want []incidentmap.Bucket
	}{
		{"month all", incidentmap.Filter{}, "month", buckets("2019-11=3", "2019-12=1", "2020-09=2")},
		{"month", incidentmap.Filter{Where: incidentmap.InStrings("status", published...)}, "month", buckets("2019-11=2", "2019-12=1", "2020-09=2")},
		{"year", incidentmap.Filter{Where: incidentmap.InStrings("status", published...)}, "year", buckets("2019=3", "2020=2")},
		{"day", incidentmap.Filter{Where: incidentmap.InStrings("status", published...)}, "day", buckets("2019-11-01=1", "2019-11-27=1", "2019-12-31=1", "2020-09-15=1", "2020-09-28=1")},
		{"country", incidentmap.Filter{Where: incidentmap.InStrings("status", published...)}, "country", buckets("AFG=2", "IRQ=3")},
		{"admin1_code", incidentmap.Filter{Where: incidentmap.InStrings("status", published...)}, "admin1_code", buckets("=1", "AF-HER=1", "AF-KAB=1", "IQ-BG=2")},
		{"event_type", incidentmap.Filter{Where: incidentmap.InStrings("status", published...)}, "event_type", buckets("Explosions/Remote violence=3", "Protests=1", "Riots=1")},
		{"sub_event_type", incidentmap.Filter{Where: incidentmap.InStrings("status", published...)}, "sub_event_type", buckets(
			"Grenade=1", "Peaceful protest=1", "Remote explosive/landmine/IED=1", "Shelling/artillery/missile attack=1", "Violent demonstration=1")},
		{"target_type", incidentmap.Filter{Where: incidentmap.InStrings("status", published...)}, "target_type", buckets("consulate=2", "diplomatic_vehicle=1", "embassy=2")},
		{"target_country", incidentmap.Filter{Where: incidentmap.InStrings("status", published...)}, "target_country", buckets("=1", "GBR=1", "IRN=2", "USA=1")},
		{"country IRQ", incidentmap.Filter{Where: incidentmap.AllOf(incidentmap.InStrings("status", published...), incidentmap.InStrings("country", "IRQ"))}, "month", buckets("2019-11=1", "2020-09=2")},
		{"bbox", incidentmap.Filter{Where: incidentmap.InStrings("status", published...), BBox: &incidentmap.BBox{West: 44, South: 33, East: 45, North: 34}}, "target_country", buckets("GBR=1", "USA=1")},
		{"interval", incidentmap.Filter{Where: incidentmap.InStrings("status", published...), Interval: &incidentmap.Interval{Start: Day("2020-01-01"), End: Day("2020-12-31")}}, "month",
			buckets("2019-12=1", "2020-09=2")},
		{"where", incidentmap.Filter{Where: incidentmap.AllOf(incidentmap.InStrings("status", published...), where)}, "country", buckets("AFG=2", "IRQ=2")},
		{"nothing", incidentmap.Filter{Where: incidentmap.InStrings("country", "SYR")}, "country", buckets()},
		{"paging ignored", incidentmap.Filter{Where: incidentmap.InStrings("status", published...), Limit: 1, SortBy: []incidentmap.SortKey{{Property: "id", Desc: true}},
			After: &incidentmap.Cursor{OccurredStart: Day("2020-09-28"), ID: "vehicle"}}, "year", buckets("2019=3", "2020=2")},
		{"before ignored", incidentmap.Filter{Where: incidentmap.InStrings("status", published...), Limit: 1,
			Before: &incidentmap.Cursor{OccurredStart: Day("2019-11-01"), ID: "herat"}}, "year", buckets("2019=3", "2020=2")},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := s.CountBy(ctx, c.f, c.by)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, c.want) {
				t.Errorf("CountBy(%s) = %v, want %v", c.by, got, c.want)
			}
			// The buckets add up to the count of the same filter.
			f := c.f
			f.After, f.Before = nil, nil
			n, err := s.CountIncidents(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			sum := 0
			for _, b := range got {
				sum += b.Count
			}
			if sum != n {
				t.Errorf("the buckets add up to %d, CountIncidents gives %d", sum, n)
			}
		})
	}

	// Unknown keys are EINVALID naming by; nothing reaches SQL.
	for _, by := range []string{"", "Month", "status", "id", "occurred_start", "country; DROP TABLE incidents", "month "} {
		_, err := s.CountBy(ctx, incidentmap.Filter{}, by)
		if incidentmap.ErrorCode(err) != incidentmap.EINVALID || incidentmap.ErrorParam(err) != "by" {
			t.Errorf("CountBy(%q): %v, want EINVALID naming by", by, err)
		}
	}
	// A filter the store cannot compile is EINVALID naming filter.
	_, err = s.CountBy(ctx, incidentmap.Filter{Where: incidentmap.IsNull{Prop: "colour"}}, "month")
	if incidentmap.ErrorCode(err) != incidentmap.EINVALID || incidentmap.ErrorParam(err) != "filter" {
		t.Errorf("uncompilable filter: %v, want EINVALID naming filter", err)
	}
}

// testCountBySynthetic checks every group key on synthetic incidents, with
// and without a filter, against the grouping of what FindIncidents yields
// by incidentmap.GroupValue: so every store gives the same buckets.
func testCountBySynthetic(t *testing.T, s incidentmap.Store) {
	ctx := context.Background()
	incs := Synthetic(3000, 7)
	for i, inc := range incs {
		// Some provinces and sub-event types, and some keys left empty.
		switch i % 3 {
		case 0:
			inc.Admin1Code = fmt.Sprintf("AF-%c", 'A'+i%7)
		case 1:
			inc.Admin1Code = fmt.Sprintf("IQ-%d", i%5)
		}
		if subs := incidentmap.EventTypes[inc.EventType]; i%2 == 0 {
			inc.SubEventType = subs[i%len(subs)]
		}
	}
	load(t, s, incs...)
	filters := []struct {
		name string
		f    incidentmap.Filter
	}{
		{"all", incidentmap.Filter{}},
		{"filtered", incidentmap.Filter{Where: incidentmap.InStrings("country", "IRQ", "AFG"),
			Interval: &incidentmap.Interval{Start: time.Date(2017, 3, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2021, 6, 30, 0, 0, 0, 0, time.UTC)},
			BBox:     &incidentmap.BBox{West: 40, South: 25, East: 70, North: 25.5}}},
	}
	for _, fc := range filters {
		f := fc.f
		f.Limit = incidentmap.MaxLimit
		var sel []*incidentmap.Incident
		if _, err := s.FindIncidents(ctx, f, func(inc *incidentmap.Incident) error {
			sel = append(sel, inc)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if len(sel) == 0 || len(sel) == incidentmap.MaxLimit {
			t.Fatalf("%s: the filter selects %d incidents; the test needs some, on one page", fc.name, len(sel))
		}
		for _, by := range incidentmap.GroupKeys {
			counts := map[string]int{}
			for _, inc := range sel {
				k, _ := incidentmap.GroupValue(inc, by)
				counts[k]++
			}
			want := []incidentmap.Bucket{}
			for k, n := range counts {
				want = append(want, incidentmap.Bucket{Key: k, Count: n})
			}
			slices.SortFunc(want, func(a, b incidentmap.Bucket) int { return strings.Compare(a.Key, b.Key) })
			got, err := s.CountBy(ctx, f, by)
			if err != nil {
				t.Fatalf("%s by %s: %v", fc.name, by, err)
			}
			if !slices.Equal(got, want) {
				t.Errorf("%s by %s: got %v, want %v", fc.name, by, got, want)
			}
		}
	}
}

// BenchmarkCountByMonth loads 100,000 synthetic incidents into s (once,
// before the timer) and measures CountBy month over all of them and over
// the published incidents of two countries (as the API asks).
func BenchmarkCountByMonth(b *testing.B, s incidentmap.Store) {
	ctx := context.Background()
	if err := s.ImportIncidents(ctx, Synthetic(100_000, 1)); err != nil {
		b.Fatal(err)
	}
	published := []incidentmap.Status{incidentmap.StatusPublished}
	cases := []struct {
		name string
		f    incidentmap.Filter
	}{
		{"all", incidentmap.Filter{Where: incidentmap.InStrings("status", published...)}},
		{"countries", incidentmap.Filter{Where: incidentmap.AllOf(incidentmap.InStrings("status", published...), incidentmap.InStrings("country", "AFG", "IRQ"))}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				got, err := s.CountBy(ctx, c.f, "month")
				if err != nil {
					b.Fatal(err)
				}
				if len(got) != 120 {
					b.Fatalf("%d months, want 120 (2015–2024)", len(got))
				}
			}
		})
	}
}
