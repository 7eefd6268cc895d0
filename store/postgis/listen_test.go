package postgis_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/incidentmap/incidentmap"
	"github.com/incidentmap/incidentmap/store/postgis"
	"github.com/incidentmap/incidentmap/store/storetest"
)

// listenWait bounds every wait of these tests for the listener or a
// notification; they poll and return as soon as the awaited state comes.
const listenWait = 10 * time.Second

// waitFor polls cond until it holds, or fails the test after listenWait.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(listenWait)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s", what, listenWait)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// version returns s.DataVersion or fails the test.
func version(t *testing.T, s incidentmap.Store) incidentmap.DataVersion {
	t.Helper()
	v, err := s.DataVersion(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// listening opens a store on a fresh schema, with one incident, whose
// listener LISTENs and whose data version is in memory; it returns the
// store, the schema's DSN, and a plain connection pool to it for writes
// behind the store's back.
func listening(t *testing.T) (*postgis.Store, string, *sql.DB) {
	t.Helper()
	s, dsn, db := openWithPool(t)
	waitFor(t, "the listener LISTENs", s.ListenerUp)
	if err := s.CreateIncident(context.Background(), storetest.Synthetic(1, 5)[0]); err != nil {
		t.Fatal(err)
	}
	// The notification of that write comes after it; wait for it, so that
	// it cannot drop the version in the middle of a test.
	waitFor(t, "the write's notification", func() bool { return s.Notifications() > 0 })
	settle(t, s)
	return s, dsn, db
}

// settle waits until s's listener LISTENs and its data version stays in
// memory.
func settle(t *testing.T, s *postgis.Store) {
	t.Helper()
	waitFor(t, "the listener LISTENs", s.ListenerUp)
	waitFor(t, "the version is cached", func() bool {
		version(t, s)
		reads := s.VersionReads()
		version(t, s)
		return s.VersionReads() == reads
	})
}

// touch changes every incident with a plain UPDATE, as another program
// would.
func touch(t *testing.T, db *sql.DB) {
	t.Helper()
	if _, err := db.Exec(`UPDATE incidents SET title = title || '.'`); err != nil {
		t.Fatal(err)
	}
}

// TestDataVersionFromMemory: while nothing changes, DataVersion reads the
// row once and then answers from memory.
func TestDataVersionFromMemory(t *testing.T) {
	s, _, _ := listening(t)
	want := version(t, s)
	before := s.VersionReads()
	for range 20 {
		if v := version(t, s); v != want {
			t.Fatalf("DataVersion = %+v, want %+v", v, want)
		}
	}
	if n := s.VersionReads() - before; n != 0 {
		t.Errorf("20 DataVersions with nothing changed read the row %d times, want 0", n)
	}
}

// TestDataVersionOtherWriters: a write by another connection or another
// store is seen within a notification's latency, exactly as the row holds
// it after the write.
func TestDataVersionOtherWriters(t *testing.T) {
	ctx := context.Background()
	other := func(t *testing.T, dsn string) *postgis.Store {
		o, err := postgis.Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { o.Close() })
		return o
	}
	tests := []struct {
		name  string
		write func(t *testing.T, s *postgis.Store, dsn string, db *sql.DB)
	}{
		{"plain UPDATE", func(t *testing.T, _ *postgis.Store, _ string, db *sql.DB) { touch(t, db) }},
		{"another store", func(t *testing.T, _ *postgis.Store, dsn string, _ *sql.DB) {
			if err := other(t, dsn).CreateIncident(ctx, storetest.Synthetic(2, 6)[1]); err != nil {
				t.Fatal(err)
			}
		}},
		{"another store's bulk load", func(t *testing.T, s *postgis.Store, dsn string, db *sql.DB) {
			o := other(t, dsn)
			heard := s.Notifications()
			if _, err := db.Exec(`DELETE FROM incidents`); err != nil {
				t.Fatal(err)
			}
			// The empty store's version in memory, only the load to drop it.
			waitFor(t, "the delete's notification", func() bool { return s.Notifications() > heard })
			settle(t, s)
			res, err := o.UpsertIncidents(ctx, storetest.Items(storetest.Synthetic(50, 9)...), incidentmap.ImportOptions{})
			if err != nil || !res.Bulk {
				t.Fatalf("import = %+v, %v; want a bulk load", res, err)
			}
		}},
		{"a bump of the row by hand", func(t *testing.T, _ *postgis.Store, _ string, db *sql.DB) {
			if _, err := db.Exec(`UPDATE data_version SET seq = seq + 1`); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, dsn, db := listening(t)
			tt.write(t, s, dsn, db)
			seesRow(t, s, db)
		})
	}
}

// seesRow waits until s.DataVersion gives the seq that data_version holds
// now.
func seesRow(t *testing.T, s *postgis.Store, db *sql.DB) {
	t.Helper()
	var want int64
	if err := db.QueryRow(`SELECT seq FROM data_version`).Scan(&want); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "DataVersion sees the row", func() bool { return version(t, s).Seq == want })
}

// TestDataVersionOwnWrites: the store's own writes are seen by the next
// DataVersion at once, even if no notification ever came.
func TestDataVersionOwnWrites(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name  string
		write func(s *postgis.Store, inc *incidentmap.Incident) error
	}{
		{"create", func(s *postgis.Store, _ *incidentmap.Incident) error {
			return s.CreateIncident(ctx, storetest.Synthetic(2, 7)[1])
		}},
		{"import", func(s *postgis.Store, _ *incidentmap.Incident) error {
			return s.ImportIncidents(ctx, storetest.Synthetic(3, 8)[1:])
		}},
		{"update", func(s *postgis.Store, inc *incidentmap.Incident) error {
			inc.Title += " (corrected)"
			return s.UpdateIncident(ctx, inc, inc.Version)
		}},
		{"upsert", func(s *postgis.Store, inc *incidentmap.Incident) error {
			inc.Title += " (again)"
			_, err := s.UpsertIncidents(ctx, storetest.Items(inc), incidentmap.ImportOptions{})
			return err
		}},
		{"delete", func(s *postgis.Store, inc *incidentmap.Incident) error {
			return s.DeleteIncident(ctx, inc.ID)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _, _ := listening(t)
			s.DeafListener()
			inc := storetest.Synthetic(1, 5)[0]
			got, err := s.GetIncident(ctx, inc.ID)
			if err != nil {
				t.Fatal(err)
			}
			before := version(t, s)
			reads := s.VersionReads()
			if version(t, s); s.VersionReads() != reads {
				t.Fatal("the version is not cached; the test proves nothing")
			}
			if err := tt.write(s, got); err != nil {
				t.Fatal(err)
			}
			if after := version(t, s); after.Seq <= before.Seq {
				t.Errorf("DataVersion right after the store's own write = %+v, want past %+v", after, before)
			}
		})
	}
}

// TestDataVersionListenerKilled: with the listener's backend terminated,
// DataVersion reads the row; the listener reconnects and answers from
// memory again, still hearing other writers.
func TestDataVersionListenerKilled(t *testing.T) {
	s, _, db := listening(t)
	version(t, s)
	pid := s.ListenerPID()
	if _, err := db.Exec(`SELECT pg_terminate_backend($1)`, pid); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the listener notices", func() bool { return s.ListenerPID() != pid })
	before := version(t, s)
	touch(t, db)
	down := !s.ListenerUp()
	after := version(t, s)
	if down && !s.ListenerUp() && after.Seq <= before.Seq {
		t.Fatalf("with the listener down, DataVersion = %+v after a write, want past %+v", after, before)
	}
	waitFor(t, "DataVersion sees the write", func() bool { return version(t, s).Seq > before.Seq })
	waitFor(t, "the listener LISTENs again", func() bool { return s.ListenerUp() && s.ListenerPID() != pid })

	version(t, s)
	reads := s.VersionReads()
	version(t, s)
	if n := s.VersionReads() - reads; n != 0 {
		t.Errorf("after the reconnect DataVersion read the row %d times with nothing changed, want 0", n)
	}
	before = version(t, s)
	touch(t, db)
	waitFor(t, "DataVersion sees a write after the reconnect", func() bool { return version(t, s).Seq > before.Seq })
}

// TestDataVersionCloseStopsListener: Close ends the listener's goroutine
// and its connection.
func TestDataVersionCloseStopsListener(t *testing.T) {
	s, _, db := listening(t)
	pid := s.ListenerPID()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-s.ListenerDone():
	case <-time.After(listenWait):
		t.Fatal("the listener still runs after Close")
	}
	waitFor(t, "the listener's backend ends", func() bool {
		var n int
		if err := db.QueryRow(`SELECT count(*) FROM pg_stat_activity WHERE pid = $1`, pid).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n == 0
	})
}

// benchStore opens a store on a fresh schema, closed when the benchmark
// ends, with its listener up or, if stopped, stopped; and a plain pool to
// the schema.
func benchStore(b *testing.B, stopped bool) (*postgis.Store, *sql.DB) {
	s, _, db := openWithPool(b)
	for deadline := time.Now().Add(listenWait); !s.ListenerUp(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			b.Fatalf("the listener does not LISTEN within %s", listenWait)
		}
	}
	if stopped {
		s.StopListener()
	}
	return s, db
}

// BenchmarkDataVersion compares DataVersion from memory (the listener up,
// nothing changing) with a read of the row (the listener stopped):
//
//	go test -run '^$' -bench DataVersion ./store/postgis/
func BenchmarkDataVersion(b *testing.B) {
	for _, mode := range []string{"memory", "row"} {
		b.Run(mode, func(b *testing.B) {
			s, _ := benchStore(b, mode == "row")
			ctx := context.Background()
			if _, err := s.DataVersion(ctx); err != nil {
				b.Fatal(err)
			}
			reads := s.VersionReads()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := s.DataVersion(ctx); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(s.VersionReads()-reads)/float64(b.N), "reads/op")
		})
	}
}

// BenchmarkDataVersionNotice measures how long another writer's change
// takes to reach DataVersion: one op is a plain-SQL bump of the row (as a
// write of another process) and DataVersion asked in a loop until it sees
// it, 50 us apart; "row" is the same bump with the listener stopped, where
// the first DataVersion sees it.
//
//	go test -run '^$' -bench DataVersionNotice ./store/postgis/
func BenchmarkDataVersionNotice(b *testing.B) {
	for _, mode := range []string{"listener", "row"} {
		b.Run(mode, func(b *testing.B) {
			s, db := benchStore(b, mode == "row")
			ctx := context.Background()
			polls := 0
			b.ResetTimer()
			for range b.N {
				var seq int64
				if err := db.QueryRowContext(ctx, `UPDATE data_version SET seq = seq + 1 RETURNING seq`).Scan(&seq); err != nil {
					b.Fatal(err)
				}
				for deadline := time.Now().Add(listenWait); ; polls++ {
					v, err := s.DataVersion(ctx)
					if err != nil {
						b.Fatal(err)
					}
					if v.Seq == seq {
						break
					}
					if time.Now().After(deadline) {
						b.Fatalf("DataVersion did not see seq %d within %s", seq, listenWait)
					}
					time.Sleep(50 * time.Microsecond) // leave the cores to the listener and the server
				}
			}
			b.ReportMetric(float64(polls)/float64(b.N), "stale-reads/op")
		})
	}
}
