// Package migrations holds the numbered, forward-only SQL migrations of each
// store dialect (sqlite/ and postgis/, with the same numbers in both) and
// applies them: each file in its own transaction, recorded in the table
// schema_migrations, skipped once recorded.
package migrations

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strings"
)

//go:embed sqlite/*.sql postgis/*.sql
var files embed.FS

// Dialects supported, named as their folders.
const (
	SQLite  = "sqlite"
	PostGIS = "postgis"
)

var namePattern = regexp.MustCompile(`^[0-9]{4}_[a-z0-9_]+\.sql$`)

// Names returns the migration file names of a dialect, in the order they apply.
func Names(dialect string) ([]string, error) {
	entries, err := fs.ReadDir(files, dialect)
	if err != nil {
		return nil, fmt.Errorf("migrations: unknown dialect %q: %w", dialect, err)
	}
	var names []string
	for _, e := range entries {
		if !namePattern.MatchString(e.Name()) {
			return nil, fmt.Errorf("migrations: %s/%s: name must be NNNN_name.sql", dialect, e.Name())
		}
		names = append(names, e.Name())
	}
	sort.Strings(names)
	return names, nil
}

// Apply runs the migrations of dialect that db has not recorded yet and
// returns the names of those it ran. The SQL of each file runs as one Exec in
// a transaction together with its record, so a failing file leaves no trace.
func Apply(ctx context.Context, db *sql.DB, dialect string) ([]string, error) {
	names, err := Names(dialect)
	if err != nil {
		return nil, err
	}
	const create = `CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)`
	if _, err := db.ExecContext(ctx, create); err != nil {
		return nil, fmt.Errorf("migrations: create schema_migrations: %w", err)
	}
	insert := `INSERT INTO schema_migrations (name, applied_at) VALUES (?, CURRENT_TIMESTAMP)`
	if dialect == PostGIS {
		insert = `INSERT INTO schema_migrations (name, applied_at) VALUES ($1, CURRENT_TIMESTAMP::text)`
	}
	var ran []string
	for _, name := range names {
		body, err := files.ReadFile(path.Join(dialect, name))
		if err != nil {
			return ran, fmt.Errorf("migrations: read %s: %w", name, err)
		}
		applied, err := applyOne(ctx, db, dialect, name, string(body), insert)
		if err != nil {
			return ran, err
		}
		if applied {
			ran = append(ran, name)
		}
	}
	return ran, nil
}

// applyOne runs one migration unless it is recorded, checking and recording
// in the same transaction so that two processes starting at once cannot both
// run it: PostgreSQL takes a lock on the record table first, and SQLite
// stores open write transactions (BEGIN IMMEDIATE) that serialise anyway.
func applyOne(ctx context.Context, db *sql.DB, dialect, name, body, insert string) (bool, error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("migrations: begin %s: %w", name, err)
	}
	defer tx.Rollback()
	if dialect == PostGIS {
		if _, err := tx.ExecContext(ctx, `LOCK TABLE schema_migrations IN EXCLUSIVE MODE`); err != nil {
			return false, fmt.Errorf("migrations: lock for %s: %w", name, err)
		}
	}
	var n int
	if err := tx.QueryRowContext(ctx, rebind(dialect, `SELECT count(*) FROM schema_migrations WHERE name = ?`), name).Scan(&n); err != nil {
		return false, fmt.Errorf("migrations: check %s: %w", name, err)
	} else if n > 0 {
		return false, nil
	}
	if _, err := tx.ExecContext(ctx, body); err != nil {
		return false, fmt.Errorf("migrations: apply %s: %w", name, err)
	}
	if _, err := tx.ExecContext(ctx, insert, name); err != nil {
		return false, fmt.Errorf("migrations: record %s: %w", name, err)
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("migrations: commit %s: %w", name, err)
	}
	return true, nil
}

// rebind turns the one ? placeholder of q into PostgreSQL's $1.
func rebind(dialect, q string) string {
	if dialect == PostGIS {
		return strings.Replace(q, "?", "$1", 1)
	}
	return q
}
