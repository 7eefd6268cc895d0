package postgis

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"strings"
)

// Stats returns the statistics of the connection pool, for metrics.
func (s *Store) Stats() sql.DBStats { return s.db.Stats() }

// Backup dumps the database at dsn into the new file dst with pg_dump in
// its custom format (compressed; one consistent snapshot, taken while the
// database keeps serving). dst must not exist. pg_dump must be on the PATH
// and at least as new as the server.
func Backup(ctx context.Context, dsn, dst string) error {
	if _, err := os.Stat(dst); err == nil {
		return fmt.Errorf("postgis: backup: %s exists; refusing to overwrite it", dst)
	}
	if err := runPG(ctx, dsn, "pg_dump", "--format=custom", "--no-owner", "--no-privileges", "--file="+dst); err != nil {
		os.Remove(dst)
		return fmt.Errorf("postgis: backup: %w", err)
	}
	return nil
}

// Restore replaces incidentmap's tables in the database at dsn with those
// of the pg_dump file src, in one transaction: on any error nothing
// changes. The PostGIS extension must be installed in the database (it is
// created if missing). Run it with the API stopped or read-only; a server
// that runs on hears of the restore through the data version's channel.
func Restore(ctx context.Context, dsn, src string) error {
	if _, err := os.Stat(src); err != nil {
		return fmt.Errorf("postgis: restore: %w", err)
	}
	if err := runPG(ctx, dsn, "pg_restore", "--clean", "--if-exists", "--no-owner", "--no-privileges",
		"--single-transaction", "--exit-on-error", src); err != nil {
		return fmt.Errorf("postgis: restore from %s: %w", src, err)
	}
	// pg_restore copies data_version's row in before it creates the
	// trigger that notifies (migration 0005): tell any server still
	// running that its cached data version is gone.
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return fmt.Errorf("postgis: restore: notify: %w", err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, `SELECT pg_notify($1, 'restore')`, versionChannel); err != nil {
		return fmt.Errorf("postgis: restore: notify: %w", err)
	}
	return nil
}

// runPG runs a PostgreSQL client program against dsn. A password in the
// DSN goes to the program through PGPASSWORD, never its command line,
// where other users of the machine could read it.
func runPG(ctx context.Context, dsn, program string, args ...string) error {
	path, err := exec.LookPath(program)
	if err != nil {
		return fmt.Errorf("%s is needed (install the PostgreSQL client): %w", program, err)
	}
	conn, password, schema, err := clientDSN(dsn)
	if err != nil {
		return err
	}
	if schema != "" {
		args = append(args, "--schema="+schema)
	}
	cmd := exec.CommandContext(ctx, path, append(args, "--dbname="+conn)...)
	cmd.Env = os.Environ()
	if password != "" {
		cmd.Env = append(cmd.Env, "PGPASSWORD="+password)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if len(msg) > 2000 {
			msg = msg[:2000] + "…"
		}
		return fmt.Errorf("%s: %w: %s", program, err, msg)
	}
	return nil
}

// clientDSN turns a postgres:// URL into what the client programs take:
// the URL without its password (returned apart) and without pgx's
// search_path parameter, whose first schema is returned so that the dump
// and restore cover that schema only.
func clientDSN(dsn string) (conn, password, schema string, err error) {
	if !strings.HasPrefix(dsn, "postgres://") && !strings.HasPrefix(dsn, "postgresql://") {
		return dsn, "", "", nil
	}
	u, err := url.Parse(dsn)
	if err != nil {
		return "", "", "", errors.New("the database URL does not parse (escape special characters in the password with %XX)")
	}
	if u.User != nil {
		password, _ = u.User.Password()
		u.User = url.User(u.User.Username())
	}
	q := u.Query()
	if sp := q.Get("search_path"); sp != "" {
		schema, _, _ = strings.Cut(sp, ",")
		schema = strings.TrimSpace(schema)
		q.Del("search_path")
		u.RawQuery = q.Encode()
	}
	return u.String(), password, schema, nil
}
