package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/incidentmap/incidentmap/store/storetest"
)

// TestBackupRestore round-trips a database through Backup and Restore,
// while the store keeps serving, into a new file and over a changed one.
func TestBackupRestore(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	src := openFile(t)
	defer src.Close()
	later := storetest.BackupSource(t, src)
	file := filepath.Join(dir, "backup.db")
	if err := src.Backup(ctx, file); err != nil {
		t.Fatal(err)
	}
	t.Run("refuses to overwrite", func(t *testing.T) {
		if err := src.Backup(ctx, file); err == nil || !strings.Contains(err.Error(), "exists") {
			t.Fatalf("second backup to the same file: %v", err)
		}
	})
	t.Run("into a new database", func(t *testing.T) {
		path := filepath.Join(dir, "new.db")
		restoreSame(t, src, file, path).Close()
	})
	t.Run("over a database that changed since", func(t *testing.T) {
		path := filepath.Join(dir, "changed.db")
		if err := Restore(ctx, file, path); err != nil {
			t.Fatal(err)
		}
		changed, err := Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		if err := changed.ImportIncidents(ctx, later); err != nil {
			t.Fatal(err)
		}
		changed.Close()
		restoreSame(t, src, file, path).Close()
	})
	t.Run("refuses what is not a backup", func(t *testing.T) {
		junk := filepath.Join(dir, "junk.db")
		os.WriteFile(junk, []byte("not a database at all, just some text that is long enough"), 0o600)
		if err := Restore(ctx, junk, filepath.Join(dir, "x.db")); err == nil {
			t.Fatal("restored from junk")
		}
		if err := Restore(ctx, filepath.Join(dir, "missing.db"), filepath.Join(dir, "y.db")); err == nil {
			t.Fatal("restored from a missing file")
		}
	})
}

// restoreSame restores the backup into path, opens it, and fails unless
// it holds the same incidents as src.
func restoreSame(t *testing.T, src *Store, backup, path string) *Store {
	t.Helper()
	ctx := context.Background()
	if err := Restore(ctx, backup, path); err != nil {
		t.Fatal(err)
	}
	dst, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	storetest.SameIncidents(t, src, dst)
	return dst
}

// openPageSize opens a store in a new file made with the given page size,
// as files made before new ones got pageSize were (4096).
func openPageSize(t *testing.T, path string, size int) *Store {
	t.Helper()
	ctx := context.Background()
	if size != pageSize {
		// Two statements, in this order: the driver runs a DSN's pragmas
		// sorted by name, journal_mode (which fixes the page size) first.
		db, err := sql.Open("sqlite", path)
		if err != nil {
			t.Fatal(err)
		}
		db.SetMaxOpenConns(1)
		if _, err := db.ExecContext(ctx, fmt.Sprintf(`PRAGMA page_size = %d`, size)); err != nil {
			t.Fatal(err)
		}
		if _, err := db.ExecContext(ctx, `PRAGMA journal_mode = WAL`); err != nil {
			t.Fatal(err)
		}
		db.Close()
	}
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if got := filePageSize(t, s); got != size {
		t.Fatalf("%s has %d-byte pages, want %d", path, got, size)
	}
	return s
}

func filePageSize(t *testing.T, s *Store) int {
	t.Helper()
	var size int
	if err := s.db.QueryRowContext(context.Background(), `PRAGMA page_size`).Scan(&size); err != nil {
		t.Fatal(err)
	}
	return size
}

// A backup restores into a new file and over a database whatever the page
// sizes of the two: a backup made before new files got 16 KiB pages, into
// a file made after, and the other way round. The restored file has the
// backup's page size and is in WAL mode.
func TestRestoreAcrossPageSizes(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		name     string
		from, to int // page sizes; to 0: a new file
	}{
		{"4 KiB into a new file", 4096, 0},
		{"4 KiB over 16 KiB", 4096, pageSize},
		{"16 KiB over 4 KiB", pageSize, 4096},
		{"16 KiB into a new file", pageSize, 0},
		{"8 KiB over 16 KiB", 8192, pageSize},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			src := openPageSize(t, filepath.Join(dir, "src.db"), c.from)
			defer src.Close()
			storetest.BackupSource(t, src)
			backup := filepath.Join(dir, "backup.db")
			if err := src.Backup(ctx, backup); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(dir, "dst.db")
			if c.to != 0 {
				dst := openPageSize(t, path, c.to)
				if err := dst.CreateIncident(ctx, storetest.Full("only-in-dst")); err != nil {
					t.Fatal(err)
				}
				dst.Close()
			}
			dst := restoreSame(t, src, backup, path)
			defer dst.Close()
			if got := filePageSize(t, dst); got != c.from {
				t.Errorf("restored file has %d-byte pages, want the backup's %d", got, c.from)
			}
			var mode string
			if err := dst.db.QueryRowContext(ctx, `PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "wal" {
				t.Errorf("journal mode %q (err %v), want wal", mode, err)
			}
		})
	}
}
