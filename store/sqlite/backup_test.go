package sqlite

import (
	"context"
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
		if err := Restore(ctx, file, path); err != nil {
			t.Fatal(err)
		}
		dst, err := Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		defer dst.Close()
		storetest.SameIncidents(t, src, dst)
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
		if err := Restore(ctx, file, path); err != nil {
			t.Fatal(err)
		}
		dst, err := Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		defer dst.Close()
		storetest.SameIncidents(t, src, dst)
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
