package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/incidentmap/incidentmap"
	"github.com/incidentmap/incidentmap/api"
	"github.com/incidentmap/incidentmap/store/postgis"
	"github.com/incidentmap/incidentmap/store/sqlite"
	"github.com/prometheus/client_golang/prometheus"
)

// openServing opens the store that serve uses: openStore's, or with
// --read-db a primary whose heavy reads go to a streaming replica.
func openServing(ctx context.Context, cfg Config) (incidentmap.Store, error) {
	if cfg.ReadDB == "" {
		return openStoreConns(ctx, cfg.DB, cfg.DBConns)
	}
	return postgis.OpenReplicated(ctx, cfg.DB, cfg.ReadDB)
}

// pooled is a store that reports its connection pool.
type pooled interface{ Stats() sql.DBStats }

// poolStats lists the pools of a store for /metrics, and the read routing
// of a replicated one.
func poolStats(s incidentmap.Store) ([]api.DBStats, []prometheus.Collector) {
	var pools []api.DBStats
	var more []prometheus.Collector
	if p, ok := s.(pooled); ok {
		pools = append(pools, api.DBStats{Name: "primary", Stats: p.Stats})
	}
	if p, ok := s.(*postgis.Store); ok {
		more = append(more, prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "incidentmap_db_version_listener_up",
			Help: "1 while the PostGIS store LISTENs for changes of the data version, so that it answers it from memory; 0 while it reads the row for every request.",
		}, func() float64 {
			if up, _ := p.VersionStats(); up {
				return 1
			}
			return 0
		}), prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "incidentmap_db_version_row_reads_total",
			Help: "Reads of the data version's row: one after each change while the listener is up, one per request while it is down.",
		}, func() float64 { _, n := p.VersionStats(); return float64(n) }))
	}
	if r, ok := s.(*postgis.Replicated); ok {
		pools = append(pools, api.DBStats{Name: "replica", Stats: r.Replica.Stats})
		for _, target := range []string{"replica", "primary"} {
			more = append(more, prometheus.NewCounterFunc(prometheus.CounterOpts{
				Name:        "incidentmap_db_heavy_reads_total",
				Help:        "Heavy reads by the database that served them: the replica when it had caught up, else the primary.",
				ConstLabels: prometheus.Labels{"served_by": target},
			}, func() float64 {
				replica, primary := r.Reads()
				if target == "replica" {
					return float64(replica)
				}
				return float64(primary)
			}))
		}
	}
	return pools, more
}

// readyCheck returns the readiness check of serve: a query on a connection
// of its own (a pool of one), so that a pool busy with heavy requests does
// not make a healthy database look down. Its close releases it.
func readyCheck(dsn string) (check func(context.Context) error, close func() error, err error) {
	var db *sql.DB
	var query string
	switch {
	case isPostgres(dsn):
		db, err = sql.Open("pgx", dsn)
		query = "SELECT 1"
	case dsn == "sqlite:"+sqlite.Memory:
		return nil, func() error { return nil }, nil // the store's Ping is all there is
	default:
		path := strings.TrimPrefix(dsn, "sqlite:")
		db, err = sql.Open("sqlite", "file:"+path+"?mode=ro&_pragma=busy_timeout(1000)")
		query = "SELECT count(*) FROM schema_migrations"
	}
	if err != nil {
		return nil, nil, fmt.Errorf("readiness check: %w", err)
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	return func(ctx context.Context) error {
		var n int
		if err := db.QueryRowContext(ctx, query).Scan(&n); err != nil {
			return fmt.Errorf("readiness check: %w", err)
		}
		return nil
	}, db.Close, nil
}

// backupCommand writes a backup of --db to FILE.
func backupCommand(ctx context.Context, cfg Config, file string, stdout io.Writer) error {
	if isPostgres(cfg.DB) {
		if err := postgis.Backup(ctx, cfg.DB, file); err != nil {
			return err
		}
	} else {
		s, err := openStore(ctx, cfg.DB)
		if err != nil {
			return err
		}
		b, ok := s.(*sqlite.Store)
		if !ok {
			s.Close()
			return errors.New("backup: not a SQLite store")
		}
		err = b.Backup(ctx, file)
		if err2 := s.Close(); err == nil {
			err = err2
		}
		if err != nil {
			return err
		}
	}
	fmt.Fprintf(stdout, "backed up %s to %s\n", redact(cfg.DB), file)
	return nil
}

// restoreCommand replaces the contents of --db with the backup in FILE,
// then brings its schema up to date.
func restoreCommand(ctx context.Context, cfg Config, file string, stdout io.Writer) error {
	if isPostgres(cfg.DB) {
		if err := postgis.Restore(ctx, cfg.DB, file); err != nil {
			return err
		}
		s, err := openStore(ctx, cfg.DB) // applies migrations newer than the backup
		if err != nil {
			return err
		}
		s.Close()
	} else if err := sqlite.Restore(ctx, file, strings.TrimPrefix(cfg.DB, "sqlite:")); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "restored %s from %s\n", redact(cfg.DB), file)
	return nil
}
