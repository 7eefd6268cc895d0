// Package storetest is the contract suite that every incidentmap.Store
// passes (reads, writes with versions, history, the change feed and as-of
// reads), the fixtures it uses, and a deterministic generator of synthetic
// incidents for benchmarks. A store's own tests call Run with a function that
// opens a fresh, empty store.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/incidentmap/incidentmap"
	"github.com/paulmach/orb"
)

// Opener returns a new, empty, migrated store; the suite closes it.
type Opener func(t testing.TB) incidentmap.Store

// Run runs every contract test against stores made by open.
func Run(t *testing.T, open Opener) {
	tests := []struct {
		name string
		fn   func(*testing.T, incidentmap.Store)
	}{
		{"CreateGetRoundTrip", testCreateGet},
		{"CreateInvalid", testCreateInvalid},
		{"Conflicts", testConflicts},
		{"GetNotFound", testGetNotFound},
		{"ImportAllOrNothing", testImportAllOrNothing},
		{"FindBBox", testFindBBox},
		{"FindBBoxAntimeridian", testFindAntimeridian},
		{"FindInterval", testFindInterval},
		{"FindProperties", testFindProperties},
		{"KeysetPaging", testKeysetPaging},
		{"CallbackErrorStops", testCallbackError},
		{"ScanPoints", testScanPoints},
		{"DeleteTombstone", testDelete},
		{"DataVersion", testDataVersion},
		{"Extent", testExtent},
		{"CountBy", testCountBy},
		{"CountBySynthetic", testCountBySynthetic},
		{"WhereProperties", testWhereProperties},
		{"WhereSpatial", testWhereSpatial},
		{"WhereDWithin", testWhereDWithin},
		{"WhereTemporal", testWhereTemporal},
		{"SortPaging", testSortPaging},
		{"Ping", testPing},
		{"Update", testUpdate},
		{"ConcurrentUpdates", testConcurrentUpdates},
		{"DeleteVersion", testDeleteVersion},
		{"History", testHistory},
		{"Changes", testChanges},
		{"AsOf", testAsOf},
		{"AsOfPaging", testAsOfPaging},
		{"FindPageCount", testFindPageCount},
		{"BoxPagingManyMatches", testBoxPaging},
		{"CancelStopsQuery", testCancel},
		{"Upsert", testUpsert},
		{"UpsertBulkFails", testUpsertBulkFails},
		{"APIKeys", testKeys},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := open(t)
			defer s.Close()
			tt.fn(t, s)
		})
	}
	t.Run("BulkLoadAsTriggers", func(t *testing.T) { testBulkLoadAsTriggers(t, open) })
}

// Day parses a YYYY-MM-DD date or panics; for fixtures.
func Day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

// NewIncident returns a valid, minimal published incident on one day.
func NewIncident(id string, lon, lat float64, day string) *incidentmap.Incident {
	return &incidentmap.Incident{
		ID:                id,
		Title:             "Incident " + id,
		OccurredStart:     Day(day),
		OccurredEnd:       Day(day),
		DatePrecision:     incidentmap.DateDay,
		Location:          orb.Point{lon, lat},
		LocationPrecision: incidentmap.LocationCity,
		Country:           "AFG",
		EventType:         "Protests",
		TargetType:        incidentmap.TargetEmbassy,
		Status:            incidentmap.StatusPublished,
	}
}

// Full returns an incident with every field set, for round-trip tests.
func Full(id string) *incidentmap.Incident {
	ten, zero := 10, 0
	src := incidentmap.Source{Publisher: "Example News", Title: "A report", URL: "https://example.org/a?x=1&y=<2>", PublishedOn: Day("2022-09-05")}
	return &incidentmap.Incident{
		ID:                id,
		ExternalIDs:       []string{"test:" + id, "acled:AFG" + id},
		Title:             `Blast at an embassy gate — "quoted" & <tagged>`,
		Summary:           "Two lines\nwith ünïcødé and هرات.",
		OccurredStart:     Day("2022-09-05"),
		OccurredEnd:       Day("2022-09-06"),
		DatePrecision:     incidentmap.DateDay,
		Location:          orb.Point{69.1234567, 34.5123456},
		LocationPrecision: incidentmap.LocationSite,
		PlaceName:         "Kabul",
		Country:           "AFG",
		Admin1Code:        "AF-KAB",
		Admin1Name:        "Kabul",
		EventType:         "Explosions/Remote violence",
		SubEventType:      "Remote explosive/landmine/IED",
		TargetType:        incidentmap.TargetEmbassy,
		TargetCountry:     "RUS",
		Facility:          "Embassy of Russia in Kabul",
		Perpetrator:       "Unknown",
		Actors:            []string{"Unidentified armed group"},
		Fatalities:        &ten,
		Injuries:          &zero,
		Tags:              []string{"diplomatic", "test"},
		Sources:           []incidentmap.Source{src, {Publisher: "Other"}},
		Responses: []incidentmap.Response{{
			Date: Day("2022-09-05"), DatePrecision: incidentmap.DateDay, Actor: "UNAMA",
			Kind: incidentmap.ResponseCondemnation, Summary: "Condemned the blast.", Source: src,
		}, {
			Date: Day("2022-09-05"), DatePrecision: incidentmap.DateDay, Actor: "Ministry of Foreign Affairs of Russia",
			ActorCountry: "RUS", Kind: incidentmap.ResponseCall, Source: incidentmap.Source{Publisher: "Other"},
		}},
		Status: incidentmap.StatusPublished,
	}
}

func testCreateGet(t *testing.T, s incidentmap.Store) {
	ctx := context.Background()
	in := Full("full-1")
	before := time.Now().Add(-time.Minute)
	if err := s.CreateIncident(ctx, in); err != nil {
		t.Fatal(err)
	}
	if in.Version != 1 || in.CreatedAt.Before(before) || !in.UpdatedAt.Equal(in.CreatedAt) {
		t.Fatalf("create set version %d, created %v, updated %v", in.Version, in.CreatedAt, in.UpdatedAt)
	}
	got, err := s.GetIncident(ctx, "full-1")
	if err != nil {
		t.Fatal(err)
	}
	if diff := Diff(in, got); diff != "" {
		t.Errorf("round trip differs: %s", diff)
	}
	// A minimal incident keeps its nils and empties.
	min := NewIncident("min-1", 62.2, 34.35, "2022-04-11")
	if err := s.CreateIncident(ctx, min); err != nil {
		t.Fatal(err)
	}
	got, err = s.GetIncident(ctx, "min-1")
	if err != nil {
		t.Fatal(err)
	}
	if diff := Diff(min, got); diff != "" {
		t.Errorf("minimal round trip differs: %s", diff)
	}
	if got.Fatalities != nil || got.Injuries != nil {
		t.Errorf("unknown casualties must stay nil, got %v %v", got.Fatalities, got.Injuries)
	}
}

func testCreateInvalid(t *testing.T, s incidentmap.Store) {
	bad := NewIncident("bad-1", 62.2, 95, "2022-04-11")
	err := s.CreateIncident(context.Background(), bad)
	if code := incidentmap.ErrorCode(err); code != incidentmap.EINVALID {
		t.Fatalf("latitude 95: got %v (%s), want EINVALID", err, code)
	}
	wantCount(t, s, incidentmap.Filter{}, 0)
}

func testConflicts(t *testing.T, s incidentmap.Store) {
	ctx := context.Background()
	a := NewIncident("a", 1, 1, "2020-01-01")
	a.ExternalIDs = []string{"gtd:1"}
	if err := s.CreateIncident(ctx, a); err != nil {
		t.Fatal(err)
	}
	dupID := NewIncident("a", 2, 2, "2020-01-02")
	if code := incidentmap.ErrorCode(s.CreateIncident(ctx, dupID)); code != incidentmap.ECONFLICT {
		t.Errorf("duplicate id: code %q, want ECONFLICT", code)
	}
	dupExt := NewIncident("b", 2, 2, "2020-01-02")
	dupExt.ExternalIDs = []string{"gtd:2", "gtd:1"}
	if code := incidentmap.ErrorCode(s.CreateIncident(ctx, dupExt)); code != incidentmap.ECONFLICT {
		t.Errorf("duplicate external id: code %q, want ECONFLICT", code)
	}
	if _, err := s.GetIncident(ctx, "b"); incidentmap.ErrorCode(err) != incidentmap.ENOTFOUND {
		t.Errorf("a failed create must write nothing, get b: %v", err)
	}
	// gtd:2 was not left behind by the failed create.
	c := NewIncident("c", 3, 3, "2020-01-03")
	c.ExternalIDs = []string{"gtd:2"}
	if err := s.CreateIncident(ctx, c); err != nil {
		t.Errorf("gtd:2 should be free after the failed create: %v", err)
	}
}

func testGetNotFound(t *testing.T, s incidentmap.Store) {
	_, err := s.GetIncident(context.Background(), "nope")
	if code := incidentmap.ErrorCode(err); code != incidentmap.ENOTFOUND {
		t.Errorf("got %v (%s), want ENOTFOUND", err, code)
	}
}

func testImportAllOrNothing(t *testing.T, s incidentmap.Store) {
	ctx := context.Background()
	good1 := NewIncident("i1", 1, 1, "2020-01-01")
	bad := NewIncident("i2", 1, 1, "2020-01-01")
	bad.Country = "XXX"
	good3 := NewIncident("i3", 1, 1, "2020-01-01")
	err := s.ImportIncidents(ctx, []*incidentmap.Incident{good1, bad, good3})
	if code := incidentmap.ErrorCode(err); code != incidentmap.EINVALID {
		t.Fatalf("import with a bad country: %v (%s), want EINVALID", err, code)
	}
	if msg := incidentmap.ErrorMessage(err); !containsAll(msg, "i2", "country") {
		t.Errorf("import error %q should name the incident i2 and the field", msg)
	}
	wantCount(t, s, incidentmap.Filter{}, 0)

	dup := NewIncident("i1", 1, 1, "2020-01-01")
	err = s.ImportIncidents(ctx, []*incidentmap.Incident{good1, good3, dup})
	if code := incidentmap.ErrorCode(err); code != incidentmap.ECONFLICT {
		t.Fatalf("import with a repeated id: %v (%s), want ECONFLICT", err, code)
	}
	wantCount(t, s, incidentmap.Filter{}, 0)

	full := Full("i4")
	if err := s.ImportIncidents(ctx, []*incidentmap.Incident{NewIncident("i1", 1, 1, "2020-01-01"), NewIncident("i3", 1, 1, "2020-01-01"), full}); err != nil {
		t.Fatal(err)
	}
	wantCount(t, s, incidentmap.Filter{}, 3)
	// Import may take another write path than Create: it round-trips too.
	got, err := s.GetIncident(ctx, "i4")
	if err != nil {
		t.Fatal(err)
	}
	if full.Version != 1 || full.CreatedAt.IsZero() {
		t.Errorf("import set version %d, created %v", full.Version, full.CreatedAt)
	}
	if diff := Diff(full, got); diff != "" {
		t.Errorf("imported incident differs: %s", diff)
	}
}

func testFindBBox(t *testing.T, s incidentmap.Store) {
	load(t, s,
		NewIncident("kabul", 69.17, 34.53, "2022-04-11"),
		NewIncident("herat", 62.20, 34.35, "2022-04-11"),
		NewIncident("baghdad", 44.40, 33.30, "2020-09-15"),
		NewIncident("edge", 70, 35, "2022-01-01"), // on the box edge: included
		// Just outside the box: a float32 R-tree or a bare && would let these in.
		NewIncident("outside-east", 70.000001, 34, "2022-01-01"),
		NewIncident("outside-north", 65, 35.000001, "2022-01-01"),
	)
	wantIDs(t, s, incidentmap.Filter{BBox: &incidentmap.BBox{West: 60, South: 30, East: 70, North: 35}}, "edge", "herat", "kabul")
	wantIDs(t, s, incidentmap.Filter{BBox: &incidentmap.BBox{West: 40, South: 30, East: 50, North: 35}}, "baghdad")
	wantIDs(t, s, incidentmap.Filter{BBox: &incidentmap.BBox{West: -10, South: -10, East: 10, North: 10}})
	wantCount(t, s, incidentmap.Filter{BBox: &incidentmap.BBox{West: 60, South: 30, East: 70, North: 35}}, 3)
}

func testFindAntimeridian(t *testing.T, s incidentmap.Store) {
	load(t, s,
		NewIncident("east", 179.5, -17, "2021-01-01"),
		NewIncident("west", -179.5, -17, "2021-01-01"),
		NewIncident("greenwich", 0, -17, "2021-01-01"),
	)
	wantIDs(t, s, incidentmap.Filter{BBox: &incidentmap.BBox{West: 179, South: -20, East: -179, North: -10}}, "east", "west")
	wantCount(t, s, incidentmap.Filter{BBox: &incidentmap.BBox{West: 179, South: -20, East: -179, North: -10}}, 2)
}

func testFindInterval(t *testing.T, s incidentmap.Store) {
	month := NewIncident("nov2019", 44.3, 32.0, "2019-11-01")
	month.OccurredEnd, month.DatePrecision = Day("2019-11-30"), incidentmap.DateMonth
	load(t, s,
		month,
		NewIncident("d20200915", 44.4, 33.3, "2020-09-15"),
		NewIncident("d20220411", 62.2, 34.3, "2022-04-11"),
	)
	at := func(s string) time.Time {
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			panic(err)
		}
		return t
	}
	cases := []struct {
		name string
		iv   incidentmap.Interval
		want []string
	}{
		{"instant inside a day", incidentmap.Interval{Start: at("2020-09-15T15:00:00Z"), End: at("2020-09-15T15:00:00Z")}, []string{"d20200915"}},
		{"instant inside a month interval", incidentmap.Interval{Start: at("2019-11-27T00:00:00Z"), End: at("2019-11-27T23:59:59Z")}, []string{"nov2019"}},
		{"open start", incidentmap.Interval{End: at("2020-09-14T23:59:59Z")}, []string{"nov2019"}},
		{"open end", incidentmap.Interval{Start: at("2020-09-15T00:00:00Z")}, []string{"d20200915", "d20220411"}},
		{"closed both", incidentmap.Interval{Start: at("2019-11-30T12:00:00Z"), End: at("2020-09-15T00:00:00Z")}, []string{"nov2019", "d20200915"}},
		{"gap", incidentmap.Interval{Start: at("2021-01-01T00:00:00Z"), End: at("2021-12-31T00:00:00Z")}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			iv := c.iv
			wantIDs(t, s, incidentmap.Filter{Interval: &iv}, c.want...)
			wantCount(t, s, incidentmap.Filter{Interval: &iv}, len(c.want))
		})
	}
}

func testFindProperties(t *testing.T, s incidentmap.Store) {
	a := NewIncident("a", 69.17, 34.53, "2022-04-11")
	a.TargetCountry = "IRN"
	b := NewIncident("b", 44.02, 32.61, "2021-05-09")
	b.Country, b.TargetCountry, b.EventType, b.SubEventType = "IRQ", "IRN", "Riots", "Violent demonstration"
	c := NewIncident("c", 44.40, 33.30, "2020-09-15")
	c.Country, c.TargetCountry, c.EventType = "IRQ", "USA", "Explosions/Remote violence"
	d := NewIncident("d", 44.40, 33.30, "2020-09-16")
	d.Country, d.Status = "IRQ", incidentmap.StatusDraft
	load(t, s, a, b, c, d)
	cases := []struct {
		name string
		f    incidentmap.Filter
		want []string
	}{
		{"country", incidentmap.Filter{Where: incidentmap.InStrings("country", "IRQ")}, []string{"c", "d", "b"}},
		{"two countries", incidentmap.Filter{Where: incidentmap.InStrings("country", "IRQ", "AFG")}, []string{"c", "d", "b", "a"}},
		{"event type", incidentmap.Filter{Where: incidentmap.InStrings("event_type", "Riots")}, []string{"b"}},
		{"target country", incidentmap.Filter{Where: incidentmap.InStrings("target_country", "IRN")}, []string{"b", "a"}},
		{"status", incidentmap.Filter{Where: incidentmap.InStrings("status", incidentmap.StatusPublished)}, []string{"c", "b", "a"}},
		{"and", incidentmap.Filter{Where: incidentmap.AllOf(incidentmap.InStrings("country", "IRQ"), incidentmap.InStrings("target_country", "IRN", "USA"), incidentmap.InStrings("event_type", "Explosions/Remote violence"))}, []string{"c"}},
		{"and with bbox", incidentmap.Filter{Where: incidentmap.InStrings("target_country", "IRN"), BBox: &incidentmap.BBox{West: 60, South: 30, East: 70, North: 35}}, []string{"a"}},
		{"nothing", incidentmap.Filter{Where: incidentmap.InStrings("country", "SYR")}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			wantIDs(t, s, c.f, c.want...)
			wantCount(t, s, c.f, len(c.want))
		})
	}
}

func testKeysetPaging(t *testing.T, s incidentmap.Store) {
	var all []*incidentmap.Incident
	for i := range 25 {
		// Five incidents on each of five days, inserted out of order.
		day := fmt.Sprintf("2021-0%d-01", 5-i%5)
		all = append(all, NewIncident(fmt.Sprintf("p%02d", 24-i), 60+float64(i)/10, 30, day))
	}
	load(t, s, all...)
	var seen []string
	f := incidentmap.Filter{Limit: 10}
	for page := 0; ; page++ {
		if page > 5 {
			t.Fatal("paging does not end")
		}
		var ids []string
		next, err := s.FindIncidents(context.Background(), f, func(inc *incidentmap.Incident) error {
			ids = append(ids, inc.ID)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		seen = append(seen, ids...)
		if next == nil {
			if page != 2 || len(ids) != 5 {
				t.Errorf("last page %d had %d incidents, want page 2 with 5", page, len(ids))
			}
			break
		}
		if len(ids) != 10 {
			t.Errorf("page %d had %d incidents, want 10", page, len(ids))
		}
		f.After = next
	}
	var want []string
	for _, inc := range sortIncidents(all) {
		want = append(want, inc.ID)
	}
	if !slices.Equal(seen, want) {
		t.Errorf("pages gave\n%v\nwant\n%v", seen, want)
	}
	// A page that ends exactly at the last incident has no next cursor.
	next, err := s.FindIncidents(context.Background(), incidentmap.Filter{Limit: 25}, func(*incidentmap.Incident) error { return nil })
	if err != nil || next != nil {
		t.Errorf("limit equal to the count: next %v, err %v; want nil, nil", next, err)
	}
}

func testCallbackError(t *testing.T, s incidentmap.Store) {
	load(t, s, NewIncident("x1", 1, 1, "2020-01-01"), NewIncident("x2", 1, 1, "2020-01-02"))
	stop := errors.New("stop")
	calls := 0
	_, err := s.FindIncidents(context.Background(), incidentmap.Filter{}, func(*incidentmap.Incident) error {
		calls++
		return stop
	})
	if !errors.Is(err, stop) || calls != 1 {
		t.Errorf("got err %v after %d calls, want the callback's error after 1", err, calls)
	}
}

func testDelete(t *testing.T, s incidentmap.Store) {
	ctx := context.Background()
	start := time.Now().Add(-time.Minute)
	inc := NewIncident("gone", 1, 1, "2020-01-01")
	inc.ExternalIDs = []string{"gtd:9"}
	load(t, s, inc, NewIncident("kept", 1, 1, "2020-01-01"))
	if err := s.DeleteIncident(ctx, "gone"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetIncident(ctx, "gone"); incidentmap.ErrorCode(err) != incidentmap.ENOTFOUND {
		t.Errorf("get after delete: %v, want ENOTFOUND", err)
	}
	if code := incidentmap.ErrorCode(s.DeleteIncident(ctx, "gone")); code != incidentmap.ENOTFOUND {
		t.Errorf("second delete: %s, want ENOTFOUND", code)
	}
	wantIDs(t, s, incidentmap.Filter{}, "kept")
	stones, err := s.Tombstones(ctx, start)
	if err != nil {
		t.Fatal(err)
	}
	if len(stones) != 1 || stones[0].ID != "gone" || stones[0].Version != 1 || stones[0].DeletedAt.Before(start) {
		t.Errorf("tombstones %+v, want one for gone at version 1", stones)
	}
	// The external id of a deleted incident is free again.
	again := NewIncident("new", 1, 1, "2020-01-01")
	again.ExternalIDs = []string{"gtd:9"}
	if err := s.CreateIncident(ctx, again); err != nil {
		t.Errorf("reuse of a deleted incident's external id: %v", err)
	}
}

func testDataVersion(t *testing.T, s incidentmap.Store) {
	ctx := context.Background()
	version := func() incidentmap.DataVersion {
		t.Helper()
		v, err := s.DataVersion(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	empty := version()
	if empty.Incidents != 0 || empty.Tombstones != 0 || !empty.LastModified.IsZero() {
		t.Errorf("empty store: %+v", empty)
	}
	load(t, s, NewIncident("v1", 1, 1, "2020-01-01"), NewIncident("v2", 1, 1, "2020-01-01"))
	loaded := version()
	if loaded.Incidents != 2 || loaded.LastModified.IsZero() || loaded.ETag() == empty.ETag() || loaded.Seq <= empty.Seq {
		t.Errorf("after import: %+v", loaded)
	}
	if err := s.DeleteIncident(ctx, "v1"); err != nil {
		t.Fatal(err)
	}
	deleted := version()
	if deleted.Incidents != 1 || deleted.Tombstones != 1 || deleted.LastModified.Before(loaded.LastModified) || deleted.ETag() == loaded.ETag() || deleted.Seq <= loaded.Seq {
		t.Errorf("after delete: %+v (before %+v)", deleted, loaded)
	}
}

func testPing(t *testing.T, s incidentmap.Store) {
	if err := s.Ping(context.Background()); err != nil {
		t.Error(err)
	}
}

func testExtent(t *testing.T, s incidentmap.Store) {
	ctx := context.Background()
	e, err := s.Extent(ctx, incidentmap.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if e.BBox != nil || !e.Start.IsZero() || !e.End.IsZero() || e.Count != 0 {
		t.Errorf("empty store: extent %+v, want zero", e)
	}
	month := NewIncident("herat", 62.2, 34.35, "2019-11-01")
	month.OccurredEnd, month.DatePrecision = Day("2019-11-30"), incidentmap.DateMonth
	iraq := NewIncident("baghdad", 44.4, 33.3, "2020-09-15")
	iraq.Country = "IRQ"
	load(t, s, month, iraq, NewIncident("kabul", 69.17, 34.53, "2018-01-02"))
	cases := []struct {
		name       string
		f          incidentmap.Filter
		box        *incidentmap.BBox
		start, end string
		count      int
	}{
		{"all", incidentmap.Filter{Limit: 1}, &incidentmap.BBox{West: 44.4, South: 33.3, East: 69.17, North: 34.53}, "2018-01-02", "2020-09-15", 3},
		{"afg", incidentmap.Filter{Where: incidentmap.InStrings("country", "AFG")}, &incidentmap.BBox{West: 62.2, South: 34.35, East: 69.17, North: 34.53}, "2018-01-02", "2019-11-30", 2},
		{"none", incidentmap.Filter{Where: incidentmap.InStrings("country", "SYR")}, nil, "", "", 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e, err := s.Extent(ctx, c.f)
			if err != nil {
				t.Fatal(err)
			}
			if e.Count != c.count || (e.BBox == nil) != (c.box == nil) || (c.box != nil && *e.BBox != *c.box) {
				t.Errorf("extent %+v (bbox %v), want %v, count %d", e, e.BBox, c.box, c.count)
			}
			var start, end time.Time
			if c.start != "" {
				start, end = Day(c.start), Day(c.end)
			}
			if !e.Start.Equal(start) || !e.End.Equal(end) {
				t.Errorf("interval %v..%v, want %v..%v", e.Start, e.End, start, end)
			}
		})
	}
}
