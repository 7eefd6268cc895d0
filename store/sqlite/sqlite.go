// Package sqlite is the SQLite adapter of incidentmap.Store: it owns the
// connection pool and its pragmas, applies the sqlite migrations, maps
// incidents to and from rows (JSON columns included), keeps the R*Tree index
// that spatial filters search, compiles the one filter model
// (incidentmap.Expr) into bound SQL over allow-listed columns, with Go
// functions for the spatial and distance tests SQLite lacks (spatial.go),
// pages by key in any sortby order, checks versions on updates and
// deletes, reads the revisions that migration 0004's triggers write (and
// the data as of an instant from them), keeps API keys (through
// store/internal/apikey), imports in bulk (import.go: an empty store is
// loaded with its indexes and history triggers dropped, then the triggers'
// work done in one pass each, the R*Tree packed (rtree.go), and the
// indexes built), and turns driver errors into incidentmap.Error codes.
//
// It runs on modernc.org/sqlite, a cgo-free build of SQLite, through sqlx.
package sqlite

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	msqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/incidentmap/incidentmap"
	"github.com/incidentmap/incidentmap/migrations"
	"github.com/incidentmap/incidentmap/store/internal/apikey"
)

// Memory is the path that Open takes for a private in-memory database.
const Memory = ":memory:"

// DSN parameters. Every connection a pool opens runs the pragmas, so they
// hold on all of them, not only on the first. _txlock=immediate makes each
// transaction of the writer take the write lock when it begins, so that a
// writer waits out busy_timeout instead of failing when it upgrades from
// reading to writing; readers begin deferred, and in WAL mode a read
// transaction is a snapshot that never blocks the writer. query_only makes
// a reader refuse to write. temp_store(MEMORY) keeps statement journals off
// disk (writing them to a temporary file was half the time of a large
// import). case_sensitive_like makes LIKE compare as CQL2 (and PostgreSQL)
// do; CASEI lowers both sides.
const (
	dsnCommon = "_pragma=busy_timeout(5000)&_pragma=foreign_keys(1)&_pragma=temp_store(MEMORY)&_pragma=case_sensitive_like(1)"
	dsnWriter = "&_txlock=immediate"
	dsnReader = "&_txlock=deferred&_pragma=query_only(1)"
	dsnFile   = "&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)"
)

// pageSize is the page size, in bytes, of the database files Open creates:
// 16 KiB rather than SQLite's 4 KiB, because a bulk load then writes fewer,
// fuller B-tree pages (README "SQLite: the page size"). A file keeps the
// page size it was made with.
const pageSize = 16384

// createFile makes the database file at path, empty, with pages of size
// bytes and in WAL mode, when there is none yet (or an empty one), through a
// connection of its own: the pools' connections never set page_size, because
// on a connection whose cache is already sized, changing the page size
// carries over the cache's count of pages rather than its size in bytes
// (4× the memory from 4 KiB to 16 KiB).
func createFile(ctx context.Context, path string, size int) error {
	if fi, err := os.Stat(path); err == nil && fi.Size() > 0 || err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil // a database already, or Open says why not
	}
	db, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(5000)")
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	// In this order: journal_mode WAL writes the file's first page, whose
	// size is then fixed. (The driver sorts a DSN's pragmas by name, which
	// would put journal_mode first.)
	if _, err := db.ExecContext(ctx, fmt.Sprintf("PRAGMA page_size = %d", size)); err != nil {
		return err
	}
	return setJournalMode(ctx, db, "wal")
}

// setJournalMode sets the journal mode ("wal", "delete") of the database
// behind q, a connection or a pool of one, and fails unless SQLite reports
// that mode in force: it reports the mode it kept, with no error, when it
// cannot switch (another connection has the file open).
func setJournalMode(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}, want string) error {
	var mode string
	if err := q.QueryRowContext(ctx, "PRAGMA journal_mode = "+want).Scan(&mode); err != nil {
		return err
	}
	if mode != want {
		return fmt.Errorf("journal mode stays %s, not %s", mode, want)
	}
	return nil
}

// Options size the connection pools of a Store.
type Options struct {
	// ReadConns is the most connections that read at once, beside the one
	// connection that writes; 0 means DefaultReadConns.
	ReadConns int
	// CacheKiB is the page cache of each connection of a file database in
	// KiB; 0 means DefaultCacheKiB. Memory for caches is at most
	// (ReadConns+1) × CacheKiB.
	CacheKiB int
	// ExclusiveImports tells the store that nothing else in this process
	// reads it while an import runs (`incidentmap import` sets it): a
	// bulk load into an empty file database may then close the idle
	// readers and run in rollback-journal mode instead of WAL (see
	// bulkJournal). Leave it off in a server, whose readers must not wait
	// for an import.
	ExclusiveImports bool
}

// Defaults of Options: 4 readers with 16 MB of cache each, 80 MB in all
// with the writer.
const (
	DefaultReadConns = 4
	DefaultCacheKiB  = 16 << 10
)

// Store is an incidentmap.Store kept in one SQLite database.
type Store struct {
	// Now is the clock that stamps created_at, updated_at and deleted_at.
	// Open sets it to time.Now; tests may replace it before first use.
	Now func() time.Time

	// db is the writer: one connection, so that writes queue in Go instead
	// of contending for SQLite's lock. Everything that writes uses it.
	db *sqlx.DB
	// read is the pool of read-only connections that queries use.
	read *sqlx.DB
	// version is DataVersion's query, prepared once on read: every
	// request asks it, and compiling it each time was half its cost.
	version *sql.Stmt
	// keep holds one connection to an in-memory database for the life of
	// the Store, from the pool keepDB: the database disappears when its
	// last connection closes.
	keep   *sql.Conn
	keepDB *sqlx.DB
	// readConns is the readers' pool size; exclusiveImports is
	// Options.ExclusiveImports.
	readConns        int
	exclusiveImports bool

	apikey.Keys // API keys, in api_keys
}

var _ incidentmap.Store = (*Store)(nil)

// Open opens the database at path with the default Options; see
// OpenOptions.
func Open(ctx context.Context, path string) (*Store, error) {
	return OpenOptions(ctx, path, Options{})
}

// OpenOptions opens the database at path, creating it if needed, and
// applies the migrations it has not recorded yet, with one writing
// connection and a pool of at most opt.ReadConns reading ones. A path of
// ":memory:" opens a new, private in-memory database that all connections
// share; each call makes a different one. The first Open of the process
// registers the Go functions that filters call (see registerFunctions).
func OpenOptions(ctx context.Context, path string, opt Options) (*Store, error) {
	if err := registerFunctions(); err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	if opt.ReadConns <= 0 {
		opt.ReadConns = DefaultReadConns
	}
	if opt.CacheKiB <= 0 {
		opt.CacheKiB = DefaultCacheKiB
	}
	var base string
	switch {
	case path == "":
		return nil, errors.New("sqlite: open: empty path")
	case strings.ContainsRune(path, '?'):
		return nil, fmt.Errorf("sqlite: open %s: path must not contain '?'", path)
	case path == Memory:
		// The memdb VFS shares a database among the connections of this
		// process that open the same name, with ordinary locking (unlike
		// shared cache). The random name keeps stores apart.
		base = "file:/incidentmap-" + rand.Text() + "?vfs=memdb&" + dsnCommon
	default:
		if err := createFile(ctx, path, pageSize); err != nil {
			return nil, fmt.Errorf("sqlite: create %s: %w", path, err)
		}
		base = path + "?" + dsnCommon + dsnFile + fmt.Sprintf("&_pragma=cache_size(-%d)", opt.CacheKiB)
	}
	db, err := sqlx.Open("sqlite", base+dsnWriter)
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	s := &Store{Now: time.Now, db: db, readConns: opt.ReadConns, exclusiveImports: opt.ExclusiveImports}
	if path == Memory {
		if s.keep, err = db.Conn(ctx); err != nil {
			db.Close()
			return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
		}
		// The kept connection is the writer's only one: writes go through
		// a second pool of one, so that the database lives on in keep.
		if db, err = sqlx.Open("sqlite", base+dsnWriter); err != nil {
			s.Close()
			return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
		}
		db.SetMaxOpenConns(1)
		s.keepDB, s.db = s.db, db
	}
	if _, err := migrations.Apply(ctx, s.db.DB, migrations.SQLite); err != nil {
		s.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	// Readers open after the migrations, so that query_only never meets
	// a schema still being written.
	if s.read, err = sqlx.Open("sqlite", base+dsnReader); err != nil {
		s.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	s.read.SetMaxOpenConns(opt.ReadConns)
	s.read.SetMaxIdleConns(opt.ReadConns)
	if s.version, err = s.read.PrepareContext(ctx, selectDataVersion); err != nil {
		s.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	s.Keys = s.keys()
	return s, nil
}

// selectDataVersion reads the one row of data_version.
const selectDataVersion = `SELECT seq, incidents, tombstones, modified_at FROM data_version WHERE id = 1`

// DataVersion reads the one row of data_version that triggers keep in
// every writing transaction (migration 0003); see incidentmap.Store.
func (s *Store) DataVersion(ctx context.Context) (incidentmap.DataVersion, error) {
	var v incidentmap.DataVersion
	var modified string
	if err := s.version.QueryRowContext(ctx).Scan(&v.Seq, &v.Incidents, &v.Tombstones, &modified); err != nil {
		return v, fmt.Errorf("sqlite: data version: %w", err)
	}
	if modified != "" {
		t, err := time.Parse(instantLayout, modified)
		if err != nil {
			return v, fmt.Errorf("sqlite: data version: %w", err)
		}
		v.LastModified = t
	}
	return v, nil
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.read.PingContext(ctx); err != nil {
		return fmt.Errorf("sqlite: ping: %w", err)
	}
	return nil
}

// Close closes the database. An in-memory database is gone after it.
func (s *Store) Close() error {
	var err error
	if s.version != nil {
		err = s.version.Close()
	}
	if s.read != nil {
		if err2 := s.read.Close(); err2 != nil {
			err = err2
		}
	}
	if err2 := s.db.Close(); err2 != nil {
		err = err2
	}
	if s.keep != nil {
		if err2 := s.keep.Close(); err2 != nil {
			err = err2
		}
	}
	if s.keepDB != nil {
		if err2 := s.keepDB.Close(); err2 != nil {
			err = err2
		}
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
