// Package postgis implements incidentmap.Store on PostgreSQL with PostGIS,
// the production store. It owns the PostGIS dialect of the SQL: incidents with
// a geometry(Point, 4326) location behind a GiST index, the compiler of the
// one filter model (incidentmap.Expr) into bound SQL with allow-listed
// columns and PostGIS's spatial functions, keyset pages in any sortby order
// (and backwards, for prev links), bulk imports through COPY, tombstones of
// deletions, updates and deletes checked against a version under one
// advisory write lock, the revisions that migration 0004's triggers write
// (and the data as of an instant from them), and API keys. It talks to the database with sqlx over pgx's stdlib driver and
// applies the migrations of migrations/postgis when it opens.
package postgis

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/incidentmap/incidentmap"
	"github.com/incidentmap/incidentmap/migrations"
	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
	"github.com/jmoiron/sqlx"
)

// Store is an incidentmap.Store on a PostGIS database.
type Store struct {
	db *sqlx.DB

	// Now is the clock that stamps created_at, updated_at and deleted_at;
	// tests replace it. Open sets it to time.Now.
	Now func() time.Time
}

var _ incidentmap.Store = (*Store)(nil)

// Open connects to the PostgreSQL database at dsn (a postgres:// URL or a
// key=value string that pgx understands), checks that it answers, and applies
// the migrations it has not recorded yet.
func Open(ctx context.Context, dsn string) (*Store, error) {
	db, err := sqlx.Open("pgx", dsn)
	if err != nil {
		return nil, fmt.Errorf("postgis: open: %w", err)
	}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("postgis: open: %w", err)
	}
	if _, err := migrations.Apply(ctx, db.DB, migrations.PostGIS); err != nil {
		db.Close()
		return nil, fmt.Errorf("postgis: open: %w", err)
	}
	return &Store{db: db, Now: time.Now}, nil
}

// DataVersion summarises the incidents and tombstones; see incidentmap.Store.
func (s *Store) DataVersion(ctx context.Context) (incidentmap.DataVersion, error) {
	const q = `SELECT (SELECT count(*) FROM incidents), (SELECT count(*) FROM incident_tombstones),
		GREATEST((SELECT max(updated_at) FROM incidents), (SELECT max(deleted_at) FROM incident_tombstones))`
	var v incidentmap.DataVersion
	var last sql.NullTime
	if err := s.db.QueryRowContext(ctx, q).Scan(&v.Incidents, &v.Tombstones, &last); err != nil {
		return v, fmt.Errorf("postgis: data version: %w", err)
	}
	if last.Valid {
		v.LastModified = last.Time.UTC()
	}
	return v, nil
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.db.PingContext(ctx); err != nil {
		return fmt.Errorf("postgis: ping: %w", err)
	}
	return nil
}

// Close closes the connections to the database.
func (s *Store) Close() error {
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("postgis: close: %w", err)
	}
	return nil
}

// now returns the store clock in UTC at the microsecond precision of timestamptz,
// so that a written time reads back equal.
func (s *Store) now() time.Time {
	return s.Now().UTC().Truncate(time.Microsecond)
}

// isUniqueViolation reports whether err is PostgreSQL's unique_violation.
func isUniqueViolation(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "23505"
}

// notFound is the ENOTFOUND error for an incident id.
func notFound(id string) error {
	return incidentmap.Errorf(incidentmap.ENOTFOUND, "incident %q not found", id)
}
