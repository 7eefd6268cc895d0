package postgis_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/incidentmap/incidentmap/store/postgis"
	"github.com/incidentmap/incidentmap/store/storetest"
)

// newDatabase creates an empty database with PostGIS for one test, dropped
// when it ends, and returns its DSN. Backups dump whole databases, so these
// tests cannot use a schema of the shared one.
func newDatabase(tb testing.TB) string {
	tb.Helper()
	dsn := testDSN(tb)
	ctx := context.Background()
	admin, err := sql.Open("pgx", dsn)
	if err != nil {
		tb.Fatal(err)
	}
	name := "t_" + strings.ToLower(rand.Text()[:12])
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		admin.Close()
		tb.Fatalf("create database: %v", err)
	}
	tb.Cleanup(func() {
		if _, err := admin.ExecContext(ctx, "DROP DATABASE "+name+" WITH (FORCE)"); err != nil {
			tb.Errorf("drop database %s: %v", name, err)
		}
		admin.Close()
	})
	u, err := url.Parse(dsn)
	if err != nil {
		tb.Fatal(err)
	}
	u.Path = "/" + name
	db, err := sql.Open("pgx", u.String())
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, "CREATE EXTENSION postgis"); err != nil {
		tb.Fatal(err)
	}
	return u.String()
}

// TestBackupRestore round-trips a database through pg_dump and pg_restore:
// into a new database, and over one that changed since the backup.
func TestBackupRestore(t *testing.T) {
	ctx := context.Background()
	srcDSN := newDatabase(t)
	src, err := postgis.Open(ctx, srcDSN)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	later := storetest.BackupSource(t, src)
	file := filepath.Join(t.TempDir(), "incidentmap.dump")
	if err := postgis.Backup(ctx, srcDSN, file); err != nil {
		t.Fatal(err)
	}
	if err := postgis.Backup(ctx, srcDSN, file); err == nil {
		t.Error("a second backup overwrote the first")
	}
	for _, changed := range []bool{false, true} {
		t.Run(fmt.Sprintf("changed=%v", changed), func(t *testing.T) {
			dstDSN := newDatabase(t)
			var running *postgis.Store // a server that runs on through the restore
			if changed {
				running, err = postgis.Open(ctx, dstDSN)
				if err != nil {
					t.Fatal(err)
				}
				defer running.Close()
				waitFor(t, "the listener LISTENs", running.ListenerUp)
				if err := running.ImportIncidents(ctx, later); err != nil {
					t.Fatal(err)
				}
				waitFor(t, "the import's notification", func() bool { return running.Notifications() > 0 })
				settle(t, running)
			}
			if err := postgis.Restore(ctx, dstDSN, file); err != nil {
				t.Fatal(err)
			}
			dst, err := postgis.Open(ctx, dstDSN)
			if err != nil {
				t.Fatal(err)
			}
			defer dst.Close()
			storetest.SameIncidents(t, src, dst)
			if running != nil {
				want := version(t, dst)
				waitFor(t, "the running store sees the restored data version", func() bool { return version(t, running) == want })
			}
		})
	}
	t.Run("a failed restore changes nothing", func(t *testing.T) {
		if err := postgis.Restore(ctx, srcDSN, filepath.Join(t.TempDir(), "missing.dump")); err == nil {
			t.Fatal("restored from a missing file")
		}
		storetest.SameIncidents(t, src, src)
	})
}
