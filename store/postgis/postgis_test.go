package postgis_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/incidentmap/incidentmap"
	"github.com/incidentmap/incidentmap/store/postgis"
	"github.com/incidentmap/incidentmap/store/storetest"
	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"
)

// testDSN returns the database that the tests may create schemas in, from
// INCIDENTMAP_TEST_POSTGRES (scripts/pgtest.sh start prints one), or skips.
func testDSN(tb testing.TB) string {
	dsn := os.Getenv("INCIDENTMAP_TEST_POSTGRES")
	if dsn == "" {
		tb.Skip("PostGIS tests skipped: INCIDENTMAP_TEST_POSTGRES not set (scripts/pgtest.sh start DIR prints it)")
	}
	return dsn
}

// withSearchPath returns dsn with schema first on the search path, before
// public where the PostGIS functions live.
func withSearchPath(dsn, schema string) string {
	path := schema + ",public"
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			panic(err)
		}
		q := u.Query()
		q.Set("search_path", path)
		u.RawQuery = q.Encode()
		return u.String()
	}
	return dsn + " search_path=" + path
}

// newSchema creates an empty schema for one test, dropped when the test ends,
// and returns a DSN whose connections use it.
func newSchema(tb testing.TB) string {
	tb.Helper()
	dsn := testDSN(tb)
	ctx := context.Background()
	admin, err := sql.Open("pgx", dsn)
	if err != nil {
		tb.Fatal(err)
	}
	b := make([]byte, 8)
	rand.Read(b)
	schema := fmt.Sprintf("t_%x", b)
	quoted := pgx.Identifier{schema}.Sanitize()
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+quoted); err != nil {
		admin.Close()
		tb.Fatalf("create schema: %v", err)
	}
	tb.Cleanup(func() {
		if _, err := admin.ExecContext(ctx, "DROP SCHEMA "+quoted+" CASCADE"); err != nil {
			tb.Errorf("drop schema %s: %v", schema, err)
		}
		admin.Close()
	})
	return withSearchPath(dsn, schema)
}

// openStore opens a store on a fresh schema; the caller closes it.
func openStore(tb testing.TB) *postgis.Store {
	tb.Helper()
	s, err := postgis.Open(context.Background(), newSchema(tb))
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// testStore is openStore for tests that do not close the store themselves.
func testStore(tb testing.TB) *postgis.Store {
	s := openStore(tb)
	tb.Cleanup(func() { s.Close() })
	return s
}

func TestContract(t *testing.T) {
	testDSN(t)
	storetest.Run(t, func(tb testing.TB) incidentmap.Store { return openStore(tb) })
}

func BenchmarkBBox(b *testing.B) { storetest.Bench(b, opener, storetest.BenchmarkBBox) }

// BenchmarkBBoxSizes measures the first page of a box over 10k, 100k
// and 1M incidents (see storetest.BenchmarkBBoxSizes).
func BenchmarkBBoxSizes(b *testing.B) { benchSizes(b, storetest.BenchmarkBBoxSizes) }

// BenchmarkAsOfSizes measures pages as of an instant over 10k, 100k and
// 1M incidents (see storetest.BenchmarkAsOfSizes).
func BenchmarkAsOfSizes(b *testing.B) { benchSizes(b, storetest.BenchmarkAsOfSizes) }

// benchSizes runs a benchmark over stores of growing sizes, each in a new
// schema, with the tables vacuumed and analysed after the load (the state
// that autovacuum reaches within a minute or so).
func benchSizes(b *testing.B, bench func(*testing.B, func(testing.TB) incidentmap.Store, ...func(testing.TB, incidentmap.Store))) {
	var dsn string // of the store last opened
	open := func(tb testing.TB) incidentmap.Store {
		dsn = newSchema(tb)
		s, err := postgis.Open(context.Background(), dsn)
		if err != nil {
			tb.Fatal(err)
		}
		return s
	}
	bench(b, open, func(tb testing.TB, _ incidentmap.Store) {
		db, err := sql.Open("pgx", dsn)
		if err != nil {
			tb.Fatal(err)
		}
		defer db.Close()
		if _, err := db.Exec(`VACUUM ANALYZE incidents, incident_revisions`); err != nil {
			tb.Fatal(err)
		}
	})
}

// BenchmarkImport measures ImportIncidents of 10,000 synthetic incidents.
func BenchmarkImport(b *testing.B) {
	benchImport(b, func(s *postgis.Store, incs []*incidentmap.Incident) error {
		return s.ImportIncidents(context.Background(), incs)
	})
}

// benchImport measures imports of 10,000 synthetic incidents, each into a
// new store, per incident.
func benchImport(b *testing.B, load func(*postgis.Store, []*incidentmap.Incident) error) {
	const n = 10_000
	incs := storetest.Synthetic(n, 1)
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		s := openStore(b)
		b.StartTimer()
		if err := load(s, incs); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		s.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/incident")
}

func TestOpenTwiceMigratesOnce(t *testing.T) {
	dsn := newSchema(t)
	ctx := context.Background()
	for range 2 {
		s, err := postgis.Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		s.Close()
	}
}

func TestOpenBadDSN(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := postgis.Open(ctx, "postgres://nobody@127.0.0.1:1/none?sslmode=disable&connect_timeout=2"); err == nil {
		t.Fatal("open of an unreachable database succeeded")
	} else if msg := incidentmap.ErrorMessage(err); msg != "internal error" {
		t.Errorf("client message %q, want internal error", msg)
	}
}

// The bbox test of the contract has a point on the edge; these are points
// just outside it, which PostGIS's float4 && alone would take in.
func TestFindBBoxExact(t *testing.T) {
	s := testStore(t)
	ctx := context.Background()
	for _, inc := range []*incidentmap.Incident{
		storetest.NewIncident("corner", 70, 35, "2022-01-01"),
		storetest.NewIncident("east-out", 70.000001, 34, "2022-01-01"),
		storetest.NewIncident("north-out", 65, 35.000001, "2022-01-01"),
		storetest.NewIncident("west-edge", 60, 30, "2022-01-01"),
		storetest.NewIncident("dateline-e", 180, -17, "2022-01-01"),
		storetest.NewIncident("dateline-w", -180, -17, "2022-01-01"),
	} {
		if err := s.CreateIncident(ctx, inc); err != nil {
			t.Fatal(err)
		}
	}
	cases := []struct {
		name string
		box  incidentmap.BBox
		want []string
	}{
		{"edges inclusive, just outside excluded", incidentmap.BBox{West: 60, South: 30, East: 70, North: 35}, []string{"corner", "west-edge"}},
		{"box of one point", incidentmap.BBox{West: 70, South: 35, East: 70, North: 35}, []string{"corner"}},
		{"antimeridian halves meet", incidentmap.BBox{West: 179, South: -20, East: -179, North: -10}, []string{"dateline-e", "dateline-w"}},
		{"whole world", incidentmap.BBox{West: -180, South: -90, East: 180, North: 90}, []string{"corner", "dateline-e", "dateline-w", "east-out", "north-out", "west-edge"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var got []string
			box := c.box
			if _, err := s.FindIncidents(ctx, incidentmap.Filter{BBox: &box}, func(inc *incidentmap.Incident) error {
				got = append(got, inc.ID)
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			if strings.Join(got, ",") != strings.Join(c.want, ",") {
				t.Errorf("got %v, want %v", got, c.want)
			}
			if n, err := s.CountIncidents(ctx, incidentmap.Filter{BBox: &box}); err != nil || n != len(c.want) {
				t.Errorf("count %d, %v; want %d", n, err, len(c.want))
			}
		})
	}
}

// Import takes its own write path (COPY): it must round-trip like Create.
func TestImportRoundTrip(t *testing.T) {
	s := testStore(t)
	ctx := context.Background()
	at := time.Date(2024, 3, 1, 12, 30, 15, 123456789, time.FixedZone("X", 3600))
	s.Now = func() time.Time { return at }
	full, min := storetest.Full("full-1"), storetest.NewIncident("min-1", -0.1276, 51.5072, "2022-04-11")
	full.Location = orb.Point{69.12345678901234, -34.98765432109876} // every bit of a float64
	if err := s.ImportIncidents(ctx, []*incidentmap.Incident{full, min}); err != nil {
		t.Fatal(err)
	}
	wantAt := at.UTC().Truncate(time.Microsecond)
	for _, want := range []*incidentmap.Incident{full, min} {
		if want.Version != 1 || !want.CreatedAt.Equal(wantAt) || !want.UpdatedAt.Equal(wantAt) {
			t.Errorf("%s: version %d, created %v, updated %v; want 1, %v", want.ID, want.Version, want.CreatedAt, want.UpdatedAt, wantAt)
		}
		got, err := s.GetIncident(ctx, want.ID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := storetest.Diff(want, got); diff != "" {
			t.Errorf("%s: get differs: %s", want.ID, diff)
		}
		if got.Location != want.Location {
			t.Errorf("%s: location %v, want exactly %v", want.ID, got.Location, want.Location)
		}
	}
	var found []*incidentmap.Incident
	if _, err := s.FindIncidents(ctx, incidentmap.Filter{}, func(inc *incidentmap.Incident) error {
		found = append(found, inc)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(found) != 2 || storetest.Diff(full, found[1]) != "" || storetest.Diff(min, found[0]) != "" {
		t.Errorf("find does not give what get gives: %+v", found)
	}
}

func TestImportErrorsNameTheIncident(t *testing.T) {
	s := testStore(t)
	ctx := context.Background()
	taken := storetest.NewIncident("taken", 1, 1, "2020-01-01")
	taken.ExternalIDs = []string{"gtd:1"}
	if err := s.CreateIncident(ctx, taken); err != nil {
		t.Fatal(err)
	}
	withExt := func(inc *incidentmap.Incident, xs ...string) *incidentmap.Incident {
		inc.ExternalIDs = xs
		return inc
	}
	bad := storetest.NewIncident("i2", 1, 1, "2020-01-01")
	bad.Country = "XXX"
	cases := []struct {
		name      string
		incs      []*incidentmap.Incident
		code      string
		param     string
		message   string
		forbidden []string
	}{
		{"invalid", []*incidentmap.Incident{storetest.NewIncident("i1", 1, 1, "2020-01-01"), bad},
			incidentmap.EINVALID, "country", `incident 2 (id i2): country: must be an ISO 3166-1 alpha-3 code, got "XXX"`, nil},
		{"id taken", []*incidentmap.Incident{storetest.NewIncident("n0", 1, 1, "2020-01-01"), storetest.NewIncident("taken", 1, 1, "2020-01-01")},
			incidentmap.ECONFLICT, "", "incident 2 (id taken): id taken is already taken", []string{"duplicate", "pkey", "23505"}},
		{"external id taken", []*incidentmap.Incident{storetest.NewIncident("n0", 1, 1, "2020-01-01"), withExt(storetest.NewIncident("n1", 1, 1, "2020-01-01"), "x:1", "gtd:1")},
			incidentmap.ECONFLICT, "", `incident 2 (id n1): external id "gtd:1" is already taken`, []string{"duplicate", "pkey", "23505"}},
		{"id repeated", []*incidentmap.Incident{storetest.NewIncident("n0", 1, 1, "2020-01-01"), storetest.NewIncident("n1", 1, 1, "2020-01-01"), storetest.NewIncident("n0", 1, 1, "2020-01-01")},
			incidentmap.ECONFLICT, "", "incident 3 (id n0): id n0 is repeated (first at incident 1)", nil},
		{"external id repeated", []*incidentmap.Incident{withExt(storetest.NewIncident("n0", 1, 1, "2020-01-01"), "x:1"), withExt(storetest.NewIncident("n1", 1, 1, "2020-01-01"), "x:1")},
			incidentmap.ECONFLICT, "", `incident 2 (id n1): external id "x:1" is repeated`, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := s.ImportIncidents(ctx, c.incs)
			if code := incidentmap.ErrorCode(err); code != c.code {
				t.Fatalf("got %v (%s), want %s", err, code, c.code)
			}
			if msg := incidentmap.ErrorMessage(err); msg != c.message {
				t.Errorf("message %q, want %q", msg, c.message)
			}
			if p := incidentmap.ErrorParam(err); p != c.param {
				t.Errorf("param %q, want %q", p, c.param)
			}
			if n, err := s.CountIncidents(ctx, incidentmap.Filter{}); err != nil || n != 1 {
				t.Errorf("count after a failed import %d, %v; want 1", n, err)
			}
		})
	}
	// Create says the same without the index.
	err := s.CreateIncident(ctx, storetest.NewIncident("taken", 1, 1, "2020-01-01"))
	if msg := incidentmap.ErrorMessage(err); msg != "id taken is already taken" {
		t.Errorf("create conflict message %q", msg)
	}
}

func TestTombstonesClockAndOrder(t *testing.T) {
	s := testStore(t)
	ctx := context.Background()
	t0 := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	clock := t0
	s.Now = func() time.Time { return clock }
	var incs []*incidentmap.Incident
	for i := range 3 {
		incs = append(incs, storetest.NewIncident(fmt.Sprintf("d%d", i), 1, 1, "2020-01-01"))
	}
	if err := s.ImportIncidents(ctx, incs); err != nil {
		t.Fatal(err)
	}
	for i, id := range []string{"d2", "d0", "d1"} {
		clock = t0.Add(time.Duration(i+1) * time.Hour)
		if err := s.DeleteIncident(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	stones, err := s.Tombstones(ctx, t0.Add(2*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	want := []incidentmap.Tombstone{{ID: "d0", Version: 1, DeletedAt: t0.Add(2 * time.Hour)}, {ID: "d1", Version: 1, DeletedAt: t0.Add(3 * time.Hour)}}
	if fmt.Sprint(stones) != fmt.Sprint(want) {
		t.Errorf("tombstones %v, want %v", stones, want)
	}
	// The id is free again, and a second deletion leaves a second tombstone.
	again := storetest.NewIncident("d0", 1, 1, "2020-01-01")
	if err := s.CreateIncident(ctx, again); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteIncident(ctx, "d0"); err != nil {
		t.Fatal(err)
	}
	if stones, err := s.Tombstones(ctx, t0); err != nil || len(stones) != 4 {
		t.Errorf("all tombstones %v, %v; want 4", stones, err)
	}
}

func TestGetOddIDs(t *testing.T) {
	s := testStore(t)
	for _, id := range []string{"", "'; DROP TABLE incidents; --", strings.Repeat("x", 200), "a\x00b"} {
		if _, err := s.GetIncident(context.Background(), id); incidentmap.ErrorCode(err) != incidentmap.ENOTFOUND {
			t.Errorf("get %q: %v, want ENOTFOUND", id, err)
		}
		if err := s.DeleteIncident(context.Background(), id); incidentmap.ErrorCode(err) != incidentmap.ENOTFOUND {
			t.Errorf("delete %q: %v, want ENOTFOUND", id, err)
		}
	}
}

// A page of synthetic incidents filtered by every field at once matches the
// same filter applied in Go, page after page.
func TestFindAgreesWithGo(t *testing.T) {
	s := testStore(t)
	ctx := context.Background()
	all := storetest.Synthetic(3000, 3)
	if err := s.ImportIncidents(ctx, all); err != nil {
		t.Fatal(err)
	}
	box := incidentmap.BBox{West: 45.05, South: 25.05, East: 70.05, North: 26.55}
	iv := incidentmap.Interval{Start: time.Date(2017, 3, 1, 15, 0, 0, 0, time.UTC), End: time.Date(2021, 6, 30, 0, 0, 0, 0, time.UTC)}
	countries, targets, types := []string{"IRQ", "SYR", "AFG"}, []string{"IRN", "USA"}, []string{"Riots", "Protests", "Battles"}
	f := incidentmap.Filter{BBox: &box, Interval: &iv, Where: incidentmap.AllOf(incidentmap.InStrings("country", countries...),
		incidentmap.InStrings("target_country", targets...), incidentmap.InStrings("event_type", types...),
		incidentmap.InStrings("status", incidentmap.StatusPublished)), Limit: 7}
	first, last := iv.Days()
	var want []string
	for _, inc := range all {
		if box.Contains(inc.Location) && !inc.OccurredStart.After(last) && !inc.OccurredEnd.Before(first) &&
			slices.Contains(countries, inc.Country) && slices.Contains(targets, inc.TargetCountry) &&
			slices.Contains(types, inc.EventType) {
			want = append(want, inc.OccurredStart.Format(time.DateOnly)+" "+inc.ID)
		}
	}
	slices.Sort(want)
	if len(want) < 15 {
		t.Fatalf("the filter selects only %d incidents; make it wider", len(want))
	}
	var got []string
	for page := 0; ; page++ {
		next, err := s.FindIncidents(ctx, f, func(inc *incidentmap.Incident) error {
			got = append(got, inc.OccurredStart.Format(time.DateOnly)+" "+inc.ID)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if next == nil {
			break
		}
		if page > len(want) {
			t.Fatal("paging does not end")
		}
		f.After = next
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got %d incidents, want %d:\n%v\n%v", len(got), len(want), got, want)
	}
	f.After = nil
	if n, err := s.CountIncidents(ctx, f); err != nil || n != len(want) {
		t.Errorf("count %d, %v; want %d", n, err, len(want))
	}
}

func BenchmarkCQL2SpatialTemporal(b *testing.B) {
	storetest.Bench(b, opener, storetest.BenchmarkCQL2SpatialTemporal)
}

// BenchmarkCountByMonth measures CountBy month over 100,000 synthetic
// incidents (go test -bench CountByMonth -benchtime 5x).
func BenchmarkCountByMonth(b *testing.B) { storetest.Bench(b, opener, storetest.BenchmarkCountByMonth) }

// TestPoolFitsMaxConnections checks that a pool that could not fit below
// the server's max_connections is refused when the store opens.
func TestPoolFitsMaxConnections(t *testing.T) {
	dsn := newSchema(t)
	if _, err := postgis.OpenOptions(context.Background(), dsn, postgis.Options{MaxConns: 100_000}); err == nil || !strings.Contains(err.Error(), "max_connections") {
		t.Errorf("a pool of 100,000: %v, want a refusal naming max_connections", err)
	}
	s, err := postgis.OpenOptions(context.Background(), dsn, postgis.Options{MaxConns: 4})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
}

// opener opens the stores of benchmarks.
func opener(tb testing.TB) incidentmap.Store { return openStore(tb) }

// BenchmarkWrites measures single creates and updates.
func BenchmarkWrites(b *testing.B) { storetest.Bench(b, opener, storetest.BenchmarkWrites) }
