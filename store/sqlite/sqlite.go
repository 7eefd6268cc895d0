// Package sqlite is the SQLite adapter of incidentmap.Store: it owns the
// connection pool and its pragmas, applies the sqlite migrations, maps
// incidents to and from rows (JSON columns included), keeps the R*Tree index
// that spatial filters search, compiles the one filter model
// (incidentmap.Expr) into bound SQL over allow-listed columns, with Go
// functions for the spatial and distance tests SQLite lacks (spatial.go),
// pages by key in any sortby order, imports in bulk (import.go: an empty
// store is loaded with its indexes dropped and built after), and turns
// driver errors into incidentmap.Error codes.
//
// It runs on modernc.org/sqlite, a cgo-free build of SQLite, through sqlx.
package sqlite

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	msqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/incidentmap/incidentmap"
	"github.com/incidentmap/incidentmap/migrations"
)

// Memory is the path that Open takes for a private in-memory database.
const Memory = ":memory:"

// DSN parameters. Every connection the pool opens runs the pragmas, so they
// hold on all of them, not only on the first. _txlock=immediate makes each
// transaction take the write lock when it begins, so that a writer waits out
// busy_timeout instead of failing when it upgrades from reading to writing.
// temp_store(MEMORY) keeps statement journals off disk (writing them to a
// temporary file was half the time of a large import); cache_size is 32 MB
// per connection of a file database. case_sensitive_like makes LIKE compare
// as CQL2 (and PostgreSQL) do; CASEI lowers both sides.
const (
	dsnCommon = "_pragma=busy_timeout(5000)&_pragma=foreign_keys(1)&_pragma=temp_store(MEMORY)&_pragma=case_sensitive_like(1)&_txlock=immediate"
	dsnFile   = dsnCommon + "&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=cache_size(-32000)"
)

// Store is an incidentmap.Store kept in one SQLite database.
type Store struct {
	// Now is the clock that stamps created_at, updated_at and deleted_at.
	// Open sets it to time.Now; tests may replace it before first use.
	Now func() time.Time

	db *sqlx.DB
	// keep holds one connection to an in-memory database for the life of
	// the Store: the database disappears when its last connection closes.
	keep *sql.Conn
}

var _ incidentmap.Store = (*Store)(nil)

// Open opens the database at path, creating it if needed, and applies the
// migrations it has not recorded yet. A path of ":memory:" opens a new,
// private in-memory database that all connections of the pool share; each
// call makes a different one. The first Open of the process registers the
// Go functions that filters call (see registerFunctions).
func Open(ctx context.Context, path string) (*Store, error) {
	if err := registerFunctions(); err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	var dsn string
	switch {
	case path == "":
		return nil, errors.New("sqlite: open: empty path")
	case strings.ContainsRune(path, '?'):
		return nil, fmt.Errorf("sqlite: open %s: path must not contain '?'", path)
	case path == Memory:
		// The memdb VFS shares a database among the connections of this
		// process that open the same name, with ordinary locking (unlike
		// shared cache). The random name keeps stores apart.
		dsn = "file:/incidentmap-" + rand.Text() + "?vfs=memdb&" + dsnCommon
	default:
		dsn = path + "?" + dsnFile
	}
	db, err := sqlx.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	s := &Store{Now: time.Now, db: db}
	if path == Memory {
		if s.keep, err = db.Conn(ctx); err != nil {
			db.Close()
			return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
		}
	}
	if _, err := migrations.Apply(ctx, db.DB, migrations.SQLite); err != nil {
		s.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	return s, nil
}

// DataVersion summarises the incidents and tombstones; see incidentmap.Store.
func (s *Store) DataVersion(ctx context.Context) (incidentmap.DataVersion, error) {
	const q = `SELECT (SELECT count(*) FROM incidents), (SELECT coalesce(max(updated_at), '') FROM incidents),
		(SELECT count(*) FROM incident_tombstones), (SELECT coalesce(max(deleted_at), '') FROM incident_tombstones)`
	var v incidentmap.DataVersion
	var updated, deleted string
	if err := s.db.QueryRowContext(ctx, q).Scan(&v.Incidents, &updated, &v.Tombstones, &deleted); err != nil {
		return v, fmt.Errorf("sqlite: data version: %w", err)
	}
	for _, ts := range []string{updated, deleted} {
		if ts == "" {
			continue
		}
		t, err := time.Parse(instantLayout, ts)
		if err != nil {
			return v, fmt.Errorf("sqlite: data version: %w", err)
		}
		if t.After(v.LastModified) {
			v.LastModified = t
		}
	}
	return v, nil
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.db.PingContext(ctx); err != nil {
		return fmt.Errorf("sqlite: ping: %w", err)
	}
	return nil
}

// Close closes the database. An in-memory database is gone after it.
func (s *Store) Close() error {
	var err error
	if s.keep != nil {
		err = s.keep.Close()
	}
	if err2 := s.db.Close(); err2 != nil {
		err = err2
	}
	if err != nil {
		return fmt.Errorf("sqlite: close: %w", err)
	}
	return nil
}

// now returns the time of the store's clock, in UTC, at the microsecond
// resolution that the database keeps.
func (s *Store) now() time.Time {
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	return now().UTC().Truncate(time.Microsecond)
}

// isUniqueViolation reports whether err is SQLite refusing a duplicate key.
func isUniqueViolation(err error) bool {
	var e *msqlite.Error
	if !errors.As(err, &e) {
		return false
	}
	code := e.Code()
	return code == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY || code == sqlite3.SQLITE_CONSTRAINT_UNIQUE
}

// Layouts of the TEXT columns that hold days and instants. Instants are UTC
// and fixed width, so comparing the text compares the times.
const (
	dayLayout     = time.DateOnly
	instantLayout = "2006-01-02T15:04:05.000000Z"
)

func formatDay(t time.Time) string { return t.UTC().Format(dayLayout) }

func formatInstant(t time.Time) string { return t.UTC().Format(instantLayout) }
