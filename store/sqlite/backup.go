package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"strings"

	msqlite "modernc.org/sqlite"
)

// Stats returns the statistics of the connection pool, for metrics.
func (s *Store) Stats() sql.DBStats { return s.db.Stats() }

// backuper is the driver connection's online backup API.
type backuper interface {
	NewBackup(dst string) (*msqlite.Backup, error)
	NewRestore(src string) (*msqlite.Backup, error)
}

// Backup writes a consistent copy of the database to the new file dst with
// SQLite's online backup API, while the store keeps serving: readers go on,
// and a writer waits out the copy (busy_timeout) at most. dst must not
// exist. The copy is a plain SQLite database (rollback journal, synced by
// SQLite as it is written); Restore puts it back.
func (s *Store) Backup(ctx context.Context, dst string) error {
	if _, err := os.Stat(dst); err == nil {
		return fmt.Errorf("sqlite: backup: %s exists; refusing to overwrite it", dst)
	} else if !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("sqlite: backup: %w", err)
	}
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("sqlite: backup: %w", err)
	}
	defer conn.Close()
	err = conn.Raw(func(dc any) error {
		b, err := dc.(backuper).NewBackup(dst)
		if err != nil {
			return err
		}
		_, err = b.Step(-1) // every page in one step: one consistent snapshot
		return errors.Join(err, b.Finish())
	})
	if err != nil {
		os.Remove(dst)
		return fmt.Errorf("sqlite: backup to %s: %w", dst, err)
	}
	return nil
}

// Restore replaces the contents of the database at path (created when
// missing) with the backup in src, after checking that src is a sound
// SQLite database (integrity_check) holding incidentmap's schema. The copy
// is one transaction of the destination: a reader sees the old database
// or the new one. Migrations newer than the backup are applied after it.
// Run it with the server stopped, or it will answer from the old data
// until its connections reopen.
func Restore(ctx context.Context, src, path string) error {
	if err := checkBackup(ctx, src); err != nil {
		return fmt.Errorf("sqlite: restore from %s: %w", src, err)
	}
	s, err := Open(ctx, path)
	if err != nil {
		return fmt.Errorf("sqlite: restore: %w", err)
	}
	conn, err := s.db.Conn(ctx)
	if err != nil {
		s.Close()
		return fmt.Errorf("sqlite: restore: %w", err)
	}
	err = conn.Raw(func(dc any) error {
		b, err := dc.(backuper).NewRestore(src)
		if err != nil {
			return err
		}
		_, err = b.Step(-1)
		return errors.Join(err, b.Finish())
	})
	conn.Close()
	if err2 := s.Close(); err == nil {
		err = err2
	}
	if err != nil {
		return fmt.Errorf("sqlite: restore %s from %s: %w", path, src, err)
	}
	// Reopen: applies migrations the backup predates, and checks the result.
	s, err = Open(ctx, path)
	if err != nil {
		return fmt.Errorf("sqlite: restore: %w", err)
	}
	return s.Close()
}

// checkBackup opens src read-only and checks that it is an intact SQLite
// database with incidentmap's tables.
func checkBackup(ctx context.Context, src string) error {
	if strings.ContainsAny(src, "?#") {
		return errors.New("the path must not contain ? or #")
	}
	if _, err := os.Stat(src); err != nil {
		return err
	}
	db, err := sql.Open("sqlite", "file:"+src+"?mode=ro")
	if err != nil {
		return err
	}
	defer db.Close()
	var ok string
	if err := db.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&ok); err != nil {
		return fmt.Errorf("not a readable SQLite database: %w", err)
	}
	if ok != "ok" {
		return fmt.Errorf("integrity check failed: %s", ok)
	}
	var n int
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM schema_migrations").Scan(&n); err != nil || n == 0 {
		return errors.New("not an incidentmap database (no recorded migrations)")
	}
	return nil
}
