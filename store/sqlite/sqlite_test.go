package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/incidentmap/incidentmap"
	"github.com/incidentmap/incidentmap/migrations"
	"github.com/incidentmap/incidentmap/store/storetest"
)

func openFile(t testing.TB) *Store {
	t.Helper()
	s, err := Open(context.Background(), filepath.Join(t.TempDir(), "incidents.db"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func openMemory(t testing.TB) *Store {
	t.Helper()
	s, err := Open(context.Background(), Memory)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestContract(t *testing.T) {
	t.Run("File", func(t *testing.T) {
		storetest.Run(t, func(t testing.TB) incidentmap.Store { return openFile(t) })
	})
	t.Run("Memory", func(t *testing.T) {
		storetest.Run(t, func(t testing.TB) incidentmap.Store { return openMemory(t) })
	})
}

// conns holds the writer's connection and n distinct connections of the
// read pool (at most DefaultReadConns) open at once and calls fn on each.
func conns(t *testing.T, s *Store, n int, fn func(*sql.Conn)) {
	t.Helper()
	ctx := context.Background()
	var held []*sql.Conn
	defer func() {
		for _, c := range held {
			c.Close()
		}
	}()
	for i := range n {
		pool := s.read
		if i == 0 {
			pool = s.db
		}
		c, err := pool.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, c)
		fn(c)
	}
}

func pragma(t *testing.T, c *sql.Conn, name string) string {
	t.Helper()
	var v string
	// name comes from the test's own table, never from outside.
	if err := c.QueryRowContext(context.Background(), "PRAGMA "+name).Scan(&v); err != nil {
		t.Fatalf("pragma %s: %v", name, err)
	}
	return v
}

func TestPragmasOnEveryConnection(t *testing.T) {
	cases := []struct {
		name string
		open func(testing.TB) *Store
		want map[string]string
	}{
		{"File", openFile, map[string]string{"foreign_keys": "1", "journal_mode": "wal", "busy_timeout": "5000", "synchronous": "1", "page_size": "16384"}},
		{"Memory", openMemory, map[string]string{"foreign_keys": "1", "busy_timeout": "5000"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := tc.open(t)
			defer s.Close()
			conns(t, s, 5, func(c *sql.Conn) {
				for name, want := range tc.want {
					if got := pragma(t, c, name); got != want {
						t.Errorf("pragma %s = %s, want %s", name, got, want)
					}
				}
			})
		})
	}
}

// Every connection to one memory store sees the same database, and two
// memory stores do not see each other.
func TestMemoryShared(t *testing.T) {
	ctx := context.Background()
	a, b := openMemory(t), openMemory(t)
	defer a.Close()
	defer b.Close()
	if err := a.CreateIncident(ctx, storetest.NewIncident("m1", 1, 1, "2020-01-01")); err != nil {
		t.Fatal(err)
	}
	conns(t, a, 4, func(c *sql.Conn) {
		var n int
		if err := c.QueryRowContext(ctx, "SELECT count(*) FROM incidents").Scan(&n); err != nil || n != 1 {
			t.Errorf("a connection of store a sees %d incidents (err %v), want 1", n, err)
		}
	})
	if n, err := b.CountIncidents(ctx, incidentmap.Filter{}); err != nil || n != 0 {
		t.Errorf("store b sees %d incidents (err %v), want 0", n, err)
	}
}

// The readers of a file store refuse to write; the writer does not.
func TestReadersQueryOnly(t *testing.T) {
	s := openFile(t)
	defer s.Close()
	for _, c := range []struct {
		pool *sqlx.DB
		want string
	}{{s.db, "0"}, {s.read, "1"}} {
		conn, err := c.pool.Conn(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if got := pragma(t, conn, "query_only"); got != c.want {
			t.Errorf("query_only = %s, want %s", got, c.want)
		}
		conn.Close()
	}
}

// A file made with SQLite's default page size keeps it: Open, writes and a
// bulk load past the WAL (which leaves WAL mode for the load) work on it and
// leave its pages as they were; a new file gets pageSize.
func TestPageSizeOfOlderFiles(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	openPageSize(t, path, 4096).Close()
	s, err := OpenOptions(ctx, path, Options{ExclusiveImports: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.CreateIncident(ctx, storetest.Full("kept")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UpsertIncidents(ctx, storetest.Items(storetest.Synthetic(3000, 5)...), incidentmap.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	if n, err := s.CountIncidents(ctx, incidentmap.Filter{}); err != nil || n != 3001 {
		t.Errorf("%d incidents (err %v), want 3001", n, err)
	}
	if size := filePageSize(t, s); size != 4096 {
		t.Errorf("page size of the older file %d, want 4096", size)
	}
	var check string
	if err := s.db.QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&check); err != nil || check != "ok" {
		t.Errorf("integrity_check %q (err %v)", check, err)
	}
	s.Close()
	s = openFile(t)
	defer s.Close()
	if size := filePageSize(t, s); size != pageSize {
		t.Errorf("page size of a new file %d, want %d", size, pageSize)
	}
}

func TestReopenKeepsDataAndSkipsMigrations(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "reopen.db")
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.CreateIncident(ctx, storetest.Full("kept")); err != nil {
		t.Fatal(err)
	}
	var applied []string
	if err := s.db.SelectContext(ctx, &applied, "SELECT applied_at FROM schema_migrations ORDER BY name"); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s, err = Open(ctx, path)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer s.Close()
	if _, err := s.GetIncident(ctx, "kept"); err != nil {
		t.Errorf("incident lost on reopen: %v", err)
	}
	var again []string
	if err := s.db.SelectContext(ctx, &again, "SELECT applied_at FROM schema_migrations ORDER BY name"); err != nil {
		t.Fatal(err)
	}
	names, err := migrations.Names(migrations.SQLite)
	if err != nil {
		t.Fatal(err)
	}
	if len(again) != len(names) || fmt.Sprint(again) != fmt.Sprint(applied) {
		t.Errorf("schema_migrations changed on reopen: %v, then %v", applied, again)
	}
	if ran, err := migrations.Apply(ctx, s.db.DB, migrations.SQLite); err != nil || len(ran) != 0 {
		t.Errorf("apply after reopen ran %v (err %v), want nothing", ran, err)
	}
}

func TestRTreeAvailable(t *testing.T) {
	s := openMemory(t)
	defer s.Close()
	var ok int
	if err := s.db.QueryRowContext(context.Background(), "SELECT sqlite_compileoption_used('ENABLE_RTREE')").Scan(&ok); err != nil || ok != 1 {
		t.Fatalf("SQLite built without R*Tree (%d, %v)", ok, err)
	}
}

// Delete removes the box from the R*Tree, and a point whose 32-bit box pokes
// out of a bbox is still not found in it.
func TestRTreeExact(t *testing.T) {
	ctx := context.Background()
	s := openMemory(t)
	defer s.Close()
	in := storetest.NewIncident("in", 69.1234567, 34.5, "2020-01-01")
	out := storetest.NewIncident("out", 69.12345671, 34.5, "2020-01-01")
	if err := s.ImportIncidents(ctx, []*incidentmap.Incident{in, out}); err != nil {
		t.Fatal(err)
	}
	box := incidentmap.Filter{BBox: &incidentmap.BBox{West: 60, South: 30, East: 69.1234567, North: 35}}
	if n, err := s.CountIncidents(ctx, box); err != nil || n != 1 {
		t.Errorf("bbox ending at 69.1234567 counts %d (err %v), want 1", n, err)
	}
	if err := s.DeleteIncident(ctx, "in"); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := s.db.QueryRowContext(ctx, "SELECT count(*) FROM incidents_rtree").Scan(&n); err != nil || n != 1 {
		t.Errorf("rtree holds %d boxes after a delete (err %v), want 1", n, err)
	}
}

// A box over the whole world is left out of the query; it must still select
// points on the edges of the world, and paging a bbox must still work.
func TestFindBBoxWorldAndPaging(t *testing.T) {
	ctx := context.Background()
	s := openMemory(t)
	defer s.Close()
	var incs []*incidentmap.Incident
	for i, p := range [][2]float64{{-180, -90}, {180, 90}, {0, 0}, {10, 10}, {11, 11}, {12, 12}, {13, 13}} {
		incs = append(incs, storetest.NewIncident(fmt.Sprintf("w%d", i), p[0], p[1], fmt.Sprintf("2020-01-%02d", 10-i)))
	}
	if err := s.ImportIncidents(ctx, incs); err != nil {
		t.Fatal(err)
	}
	for _, b := range []incidentmap.BBox{{West: -180, South: -90, East: 180, North: 90}, {West: -200, South: -100, East: 200, North: 100}} {
		if n, err := s.CountIncidents(ctx, incidentmap.Filter{BBox: &b}); err != nil || n != len(incs) {
			t.Errorf("world box %v counts %d (err %v), want %d", b, n, err, len(incs))
		}
	}
	f := incidentmap.Filter{BBox: &incidentmap.BBox{West: 9, South: 9, East: 12.5, North: 12.5}, Limit: 2}
	var seen []string
	for page := 0; page < 3; page++ {
		next, err := s.FindIncidents(ctx, f, func(inc *incidentmap.Incident) error {
			seen = append(seen, inc.ID)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if f.After = next; next == nil {
			break
		}
	}
	if fmt.Sprint(seen) != "[w5 w4 w3]" {
		t.Errorf("bbox pages gave %v, want [w5 w4 w3]", seen)
	}
}

// Writers in several goroutines wait for each other instead of failing with
// SQLITE_BUSY, and a reader may call the store from inside FindIncidents.
func TestConcurrentWriters(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		open func(testing.TB) *Store
	}{{"File", openFile}, {"Memory", openMemory}} {
		t.Run(tc.name, func(t *testing.T) {
			s := tc.open(t)
			defer s.Close()
			var wg sync.WaitGroup
			errs := make(chan error, 100)
			for g := range 4 {
				wg.Go(func() {
					for i := range 10 {
						id := fmt.Sprintf("g%d-%d", g, i)
						if err := s.CreateIncident(ctx, storetest.NewIncident(id, 1, 1, "2020-01-01")); err != nil {
							errs <- err
						}
						if i%3 == 0 {
							if err := s.DeleteIncident(ctx, id); err != nil {
								errs <- err
							}
						}
						if _, err := s.CountIncidents(ctx, incidentmap.Filter{}); err != nil {
							errs <- err
						}
					}
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Error(err)
			}
			if n, err := s.CountIncidents(ctx, incidentmap.Filter{}); err != nil || n != 4*6 {
				t.Errorf("count %d (err %v), want 24", n, err)
			}
			_, err := s.FindIncidents(ctx, incidentmap.Filter{}, func(inc *incidentmap.Incident) error {
				_, err := s.GetIncident(ctx, inc.ID)
				return err
			})
			if err != nil {
				t.Errorf("get inside find: %v", err)
			}
		})
	}
}

func TestImportErrorNamesIncident(t *testing.T) {
	ctx := context.Background()
	s := openMemory(t)
	defer s.Close()
	bad := storetest.NewIncident("i2", 1, 1, "2020-01-01")
	bad.Country = "XXX"
	err := s.ImportIncidents(ctx, []*incidentmap.Incident{storetest.NewIncident("i1", 1, 1, "2020-01-01"), bad})
	if got, want := incidentmap.ErrorMessage(err), `incident 2 (id i2): country: must be an ISO 3166-1 alpha-3 code, got "XXX"`; got != want {
		t.Errorf("message %q, want %q", got, want)
	}
	if p := incidentmap.ErrorParam(err); p != "country" {
		t.Errorf("param %q, want country", p)
	}
	a := storetest.NewIncident("a", 1, 1, "2020-01-01")
	b := storetest.NewIncident("b", 1, 1, "2020-01-01")
	a.ExternalIDs, b.ExternalIDs = []string{"x:1"}, []string{"x:1"}
	err = s.ImportIncidents(ctx, []*incidentmap.Incident{a, b})
	if got, want := incidentmap.ErrorMessage(err), `incident 2 (id b): external_ids: "x:1" belongs to another incident or is listed twice`; got != want {
		t.Errorf("message %q, want %q", got, want)
	}
	if a.Version != 0 || !a.CreatedAt.IsZero() {
		t.Errorf("a failed import stamped incident a: version %d, created %v", a.Version, a.CreatedAt)
	}
}

func TestClockAndTombstones(t *testing.T) {
	ctx := context.Background()
	s := openMemory(t)
	defer s.Close()
	at := time.Date(2024, 2, 3, 4, 5, 6, 789_123_456, time.FixedZone("X", 3600))
	s.Now = func() time.Time { return at }
	inc := storetest.NewIncident("t1", 1, 1, "2020-01-01")
	if err := s.CreateIncident(ctx, inc); err != nil {
		t.Fatal(err)
	}
	want := at.UTC().Truncate(time.Microsecond)
	got, err := s.GetIncident(ctx, "t1")
	if err != nil {
		t.Fatal(err)
	}
	if !got.CreatedAt.Equal(want) || !got.UpdatedAt.Equal(want) || !inc.CreatedAt.Equal(want) {
		t.Errorf("created %v, stored %v / %v, want %v", inc.CreatedAt, got.CreatedAt, got.UpdatedAt, want)
	}
	if err := s.DeleteIncident(ctx, "t1"); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		since time.Time
		n     int
	}{
		{want, 1},
		{want.Add(-time.Nanosecond), 1},
		{want.Add(time.Nanosecond), 0},
		{want.Add(time.Microsecond), 0},
	} {
		stones, err := s.Tombstones(ctx, c.since)
		if err != nil || len(stones) != c.n {
			t.Errorf("tombstones since %v: %v (err %v), want %d", c.since, stones, err, c.n)
		}
	}
}

// Errors from the driver never reach a client as text.
func TestDriverErrorsAreInternal(t *testing.T) {
	s := openMemory(t)
	s.Close()
	_, err := s.GetIncident(context.Background(), "x")
	if err == nil {
		t.Fatal("get on a closed store succeeded")
	}
	if incidentmap.ErrorCode(err) != incidentmap.EINTERNAL || incidentmap.ErrorMessage(err) != "internal error" {
		t.Errorf("closed store: code %s, message %q", incidentmap.ErrorCode(err), incidentmap.ErrorMessage(err))
	}
}

func BenchmarkBBox(b *testing.B) { storetest.Bench(b, opener, storetest.BenchmarkBBox) }

// BenchmarkBBoxSizes measures the first page of a box over 10k, 100k
// and 1M incidents (see storetest.BenchmarkBBoxSizes).
func BenchmarkBBoxSizes(b *testing.B) {
	storetest.BenchmarkBBoxSizes(b, func(tb testing.TB) incidentmap.Store { return openFile(tb) })
}

// BenchmarkAsOfSizes measures pages as of an instant over 10k, 100k and
// 1M incidents (see storetest.BenchmarkAsOfSizes).
func BenchmarkAsOfSizes(b *testing.B) {
	storetest.BenchmarkAsOfSizes(b, func(tb testing.TB) incidentmap.Store { return openFile(tb) })
}

func BenchmarkImport100k(b *testing.B) {
	incs := storetest.Synthetic(100_000, 1)
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		s := openFile(b)
		b.StartTimer()
		if err := s.ImportIncidents(context.Background(), incs); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		s.Close()
		b.StartTimer()
	}
}

func BenchmarkCQL2SpatialTemporal(b *testing.B) {
	storetest.Bench(b, opener, storetest.BenchmarkCQL2SpatialTemporal)
}

// BenchmarkCountByMonth measures CountBy month over 100,000 synthetic
// incidents (go test -bench CountByMonth -benchtime 5x).
func BenchmarkCountByMonth(b *testing.B) { storetest.Bench(b, opener, storetest.BenchmarkCountByMonth) }

// opener opens the stores of benchmarks.
func opener(tb testing.TB) incidentmap.Store { return openFile(tb) }

// BenchmarkWrites measures single creates and updates.
func BenchmarkWrites(b *testing.B) { storetest.Bench(b, opener, storetest.BenchmarkWrites) }

// setJournalMode fails while another connection has the file open
// (SQLite says "database is locked", or keeps the old mode without an
// error), and switches as the only connection.
func TestSetJournalModeRefused(t *testing.T) {
	ctx := context.Background()
	s := openFile(t)
	defer s.Close()
	reader, err := s.read.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Close()
	if _, err := s.DataVersion(ctx); err != nil { // the reader has the file open
		t.Fatal(err)
	}
	conn, err := s.db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := setJournalMode(ctx, conn, "delete"); err == nil {
		t.Errorf("switch with a reader open: %v, want it refused", err)
	}
	reader.Close()
	s.read.SetMaxIdleConns(0)
	if err := setJournalMode(ctx, conn, "delete"); err != nil {
		t.Errorf("switch as the only connection: %v", err)
	}
	if err := setJournalMode(ctx, conn, "wal"); err != nil {
		t.Errorf("switch back: %v", err)
	}
}
