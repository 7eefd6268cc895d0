// Package postgis implements incidentmap.Store on PostgreSQL with PostGIS,
// the production store. It owns the PostGIS dialect of the SQL: incidents with
// a geometry(Point, 4326) location behind a GiST index, the compiler of the
// one filter model (incidentmap.Expr) into bound SQL with allow-listed
// columns and PostGIS's spatial functions, keyset pages in any sortby order
// (and backwards, for prev links), bulk imports through binary COPY (with
// the revision and data-version triggers off, the revisions copied beside
// their rows, and the secondary indexes and the constraints that cannot
// fail built after the load), tombstones of
// deletions, updates and deletes checked against a version under one
// advisory write lock, the revisions that migration 0004's triggers write
// (and the data as of an instant from them), API keys (through
// store/internal/apikey), and a data version answered from memory while a
// listener hears of no change (listen.go, migration 0005). It talks to the
// database with sqlx over pgx's stdlib driver and applies the migrations of
// migrations/postgis when it opens.
package postgis

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/incidentmap/incidentmap"
	"github.com/incidentmap/incidentmap/migrations"
	"github.com/incidentmap/incidentmap/store/internal/apikey"
	"github.com/incidentmap/incidentmap/store/internal/record"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/jmoiron/sqlx"
)

// Store is an incidentmap.Store on a PostGIS database.
type Store struct {
	db          *sqlx.DB
	apikey.Keys // API keys, in api_keys

	// Now is the clock that stamps created_at, updated_at and deleted_at;
	// tests replace it. Open sets it to time.Now.
	Now func() time.Time

	version      *versionCache // nil: DataVersion always reads the row
	listen       *listener     // keeps version current; nil without a version
	versionReads atomic.Int64  // reads of data_version's row by DataVersion
}

var _ incidentmap.Store = (*Store)(nil)

// Options size the connection pool of a Store.
type Options struct {
	// MaxConns is the most connections open at once; 0 means
	// DefaultMaxConns. Open refuses a pool that would not fit below the
	// server's max_connections (less its reserved superuser connections),
	// which leaves room for the one connection of the data version's
	// listener beside the pool.
	MaxConns int
}

// sessionParams are the settings of every connection, unless the DSN sets
// them: see OpenOptions.
var sessionParams = map[string]string{"jit": "off", "max_parallel_workers_per_gather": "0", "plan_cache_mode": "force_custom_plan"}

// DefaultMaxConns is the pool size when Options.MaxConns is 0: a few per
// core of a small server, far below PostgreSQL's default of 100
// connections.
const DefaultMaxConns = 8

// Open connects with the default Options; see OpenOptions.
func Open(ctx context.Context, dsn string) (*Store, error) {
	return OpenOptions(ctx, dsn, Options{})
}

// OpenOptions connects to the PostgreSQL database at dsn (a postgres:// URL
// or a key=value string that pgx understands) with a pool of at most
// opt.MaxConns connections, checks that it answers and that the pool fits
// below max_connections, and applies the migrations it has not recorded
// yet.
func OpenOptions(ctx context.Context, dsn string, opt Options) (*Store, error) {
	if opt.MaxConns <= 0 {
		opt.MaxConns = DefaultMaxConns
	}
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("postgis: open: %w", err)
	}
	// Every query of a request is small and bounded by its page: parallel
	// workers (a parallel bitmap scan reads every match of a box where an
	// index walk stops at the page) and JIT compilation (which made a page
	// of 10,000 take 1.8 s instead of 0.4) cost more than they save, and
	// concurrent requests keep the cores busy anyway. The plan of a page
	// depends on its values (a box of 40 incidents is read through GiST
	// and sorted, one of 100,000 down the order), so no generic plan.
	if cfg.RuntimeParams == nil {
		cfg.RuntimeParams = map[string]string{}
	}
	for k, v := range sessionParams {
		if _, set := cfg.RuntimeParams[k]; !set {
			cfg.RuntimeParams[k] = v
		}
	}
	db := sqlx.NewDb(stdlib.OpenDB(*cfg), "pgx")
	db.SetMaxOpenConns(opt.MaxConns)
	db.SetMaxIdleConns(opt.MaxConns)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("postgis: open: %w", err)
	}
	const room = `SELECT current_setting('max_connections')::int - current_setting('superuser_reserved_connections')::int`
	var available int
	if err := db.QueryRowContext(ctx, room).Scan(&available); err != nil {
		db.Close()
		return nil, fmt.Errorf("postgis: open: %w", err)
	}
	if opt.MaxConns >= available {
		db.Close()
		return nil, fmt.Errorf("postgis: open: a pool of %d connections does not fit below the server's %d available connections (max_connections less the reserved ones); make it smaller", opt.MaxConns, available)
	}
	if _, err := migrations.Apply(ctx, db.DB, migrations.PostGIS); err != nil {
		db.Close()
		return nil, fmt.Errorf("postgis: open: %w", err)
	}
	s := &Store{db: db, Now: time.Now, version: &versionCache{}}
	s.Keys = s.keys()
	s.listen = startListener(cfg, s.version)
	return s, nil
}

// DataVersion returns the one row of data_version that statement triggers
// keep in every writing transaction (migration 0003); see
// incidentmap.Store. While the listener LISTENs and no notification came
// since the row was last read, it answers from memory without asking the
// database (listen.go); otherwise it reads the row.
func (s *Store) DataVersion(ctx context.Context) (incidentmap.DataVersion, error) {
	v, gen, ok := s.version.get()
	if ok {
		return v, nil
	}
	const q = `SELECT seq, incidents, tombstones, modified_at FROM data_version WHERE id = 1`
	s.versionReads.Add(1)
	v, err := scanDataVersion(s.db.QueryRowContext(ctx, q))
	if err != nil {
		return v, err
	}
	s.version.put(v, gen)
	return v, nil
}

// VersionStats reports, for /metrics, whether the data version's listener
// LISTENs (false while it reconnects, and for a store that runs none) and
// how many DataVersion calls have read data_version's row instead of
// answering from memory.
func (s *Store) VersionStats() (listening bool, rowReads int64) {
	return s.version.isUp(), s.versionReads.Load()
}

// scanDataVersion scans the row of a query that selects seq, incidents,
// tombstones and modified_at of data_version, and then into more.
func scanDataVersion(row *sql.Row, more ...any) (incidentmap.DataVersion, error) {
	var v incidentmap.DataVersion
	var last sql.NullTime
	if err := row.Scan(append([]any{&v.Seq, &v.Incidents, &v.Tombstones, &last}, more...)...); err != nil {
		return v, fmt.Errorf("postgis: data version: %w", err)
	}
	if last.Valid {
		v.LastModified = last.Time.UTC()
	}
	return v, nil
}

// Close stops the data version's listener and closes the connections to
// the database.
func (s *Store) Close() error {
	if s.listen != nil {
		s.listen.stop()
	}
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("postgis: close: %w", err)
	}
	return nil
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.db.PingContext(ctx); err != nil {
		return fmt.Errorf("postgis: ping: %w", err)
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
func notFound(id string) error { return record.NotFound(id) }
