package main

import (
	"context"
	"database/sql"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/incidentmap/incidentmap"
	"github.com/incidentmap/incidentmap/store/storetest"
)

// mainArgsEnv carries the command line of a child process that
// TestMainHelper runs as `incidentmap` would.
const mainArgsEnv = "INCIDENTMAP_TEST_MAIN_ARGS"

// TestMainHelper is not a test: tests start this binary with
// -test.run=^TestMainHelper$ and mainArgsEnv set to run the command in a
// process of its own, which they may kill.
func TestMainHelper(t *testing.T) {
	args := os.Getenv(mainArgsEnv)
	if args == "" {
		t.Skip("runs only as a child process of TestImportKilled")
	}
	if err := run(context.Background(), strings.Split(args, "\x1f"), os.Getenv, os.Stdout, os.Stderr); err != nil {
		os.Stderr.WriteString(describe(err) + "\n")
		os.Exit(1)
	}
	os.Exit(0)
}

// startMain starts `incidentmap args…` as a child process.
func startMain(t *testing.T, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestMainHelper$")
	cmd.Env = append(os.Environ(), mainArgsEnv+"="+strings.Join(args, "\x1f"))
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	return cmd
}

// waitFor polls cond until it holds, failing after four minutes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	// Bounded, but generous: under -race on a busy 2-core machine an
	// upsert of 150,000 features into SQLite fills the 16 MB page cache
	// and spills to the WAL only after a minute or more.
	deadline := time.Now().Add(4 * time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// A kill -9 in the middle of an import, after it has written rows in its
// transaction, leaves the database as it was: the same incidents and data
// version, the indexes that a bulk load drops still there, and the next
// import works. Both into an empty store (the bulk load) and into one with
// incidents (the upsert), for each store.
func TestImportKilled(t *testing.T) {
	dir := t.TempDir()
	big := filepath.Join(dir, "big.geojson")
	f, err := os.Create(big)
	if err != nil {
		t.Fatal(err)
	}
	if err := storetest.WriteClusteredGeoJSON(f, 150_000, 7); err != nil {
		t.Fatal(err)
	}
	f.Close()
	acled := filepath.Join("..", "..", "ingest", "testdata", "import", "acled.csv")

	type store struct {
		name    string
		dsn     func(t *testing.T) string
		writing func(t *testing.T, dsn string) bool // the import has written rows in its transaction
	}
	stores := []store{
		{"sqlite", func(t *testing.T) string { return "sqlite:" + filepath.Join(t.TempDir(), "k.db") },
			func(t *testing.T, dsn string) bool {
				// An upsert writes through the WAL; a bulk load into the
				// empty file, in rollback-journal mode, into the file
				// itself, with its journal beside it.
				path := strings.TrimPrefix(dsn, "sqlite:")
				wal, err := os.Stat(path + "-wal")
				if err == nil && wal.Size() > 8<<20 {
					return true
				}
				db, err := os.Stat(path)
				_, jerr := os.Stat(path + "-journal")
				return err == nil && jerr == nil && db.Size() > 8<<20
			}},
		{"postgis", postgisDSN, func(t *testing.T, dsn string) bool {
			db, err := sql.Open("pgx", dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			// A backend other than this one in a transaction that has
			// written (it has a transaction id) for a second.
			var n int
			err = db.QueryRow(`SELECT count(*) FROM pg_stat_activity WHERE pid <> pg_backend_pid()
				AND datname = current_database() AND backend_xid IS NOT NULL AND now() - xact_start > interval '1 second'`).Scan(&n)
			return err == nil && n > 0
		}},
	}
	for _, st := range stores {
		for _, seeded := range []bool{false, true} {
			name := st.name + "/empty"
			if seeded {
				name = st.name + "/with-incidents"
			}
			t.Run(name, func(t *testing.T) {
				dsn := st.dsn(t)
				if seeded {
					runOK(t, "import", "--db", dsn, "--format", "acled", acled)
				} else {
					runOK(t, "migrate", "--db", dsn)
				}
				before := dataVersion(t, dsn)
				child := startMain(t, "import", "--db", dsn, big)
				waitFor(t, "the import to write", func() bool { return st.writing(t, dsn) })
				if err := child.Process.Kill(); err != nil { // SIGKILL
					t.Fatal(err)
				}
				child.Wait()
				if ps := child.ProcessState; ps == nil || ps.Success() {
					t.Fatalf("the import was not killed: %v", ps)
				}
				if after := dataVersion(t, dsn); after != before {
					t.Fatalf("a killed import changed the data: %+v → %+v", before, after)
				}
				// The next import works, and the indexes and triggers are there.
				runOK(t, "import", "--db", dsn, "--format", "acled", acled)
				s, err := openStore(context.Background(), dsn)
				if err != nil {
					t.Fatal(err)
				}
				defer s.Close()
				if err := s.CreateIncident(context.Background(), storetest.NewIncident("after-kill", 44.4, 33.3, "2024-01-01")); err != nil {
					t.Fatal(err)
				}
				n, err := s.CountIncidents(context.Background(), incidentmap.Filter{BBox: &incidentmap.BBox{West: 44, South: 33, East: 45, North: 34}})
				if err != nil || n != 2 {
					t.Errorf("bbox around Baghdad after the kill: %d incidents (%v), want 2", n, err)
				}
			})
		}
	}
}

func dataVersion(t *testing.T, dsn string) incidentmap.DataVersion {
	t.Helper()
	s, err := openStore(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	v, err := s.DataVersion(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return v
}
