package postgis

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/incidentmap/incidentmap"
	"github.com/jmoiron/sqlx"
)

// Replicated is an incidentmap.Store over a primary and a streaming
// replica (a hot standby) of it. Writes, DataVersion, GetIncident,
// Tombstones, Ping and every method it does not name go to the primary;
// the heavy reads — FindIncidents, CountIncidents, CountBy, Extent — go to
// the replica whenever it has replayed the primary's write-ahead log at
// least up to the position the primary had when this process last asked
// for the data version or wrote. The API asks for the data version (its
// ETag) at the start of every data request, so a read never sees data
// older than the version it is served under, and a client always reads
// what it wrote before (read-your-writes), through any API replica. When
// the replica lags or fails, reads go to the primary.
type Replicated struct {
	*Store // the primary
	// Replica serves the heavy reads; exported for its Stats.
	Replica *Store

	mu       sync.Mutex
	need     lsn // the primary's position at the latest DataVersion or write
	replayed lsn // the replica's replayed position, last seen

	replicaReads, primaryReads atomic.Int64
}

var _ incidentmap.Store = (*Replicated)(nil)

// OpenReplicated opens the primary at primaryDSN (applying migrations) and
// the replica at replicaDSN, which must be a server in recovery (a standby)
// whose schema is the primary's: it is never migrated itself.
func OpenReplicated(ctx context.Context, primaryDSN, replicaDSN string) (*Replicated, error) {
	primary, err := Open(ctx, primaryDSN)
	if err != nil {
		return nil, err
	}
	// DataVersion asks the primary every time (see below): its store needs
	// no listener.
	primary.listen.stop()
	primary.listen, primary.version = nil, nil
	db, err := sqlx.Open("pgx", replicaDSN)
	if err != nil {
		primary.Close()
		return nil, fmt.Errorf("postgis: open replica: %w", err)
	}
	var inRecovery bool
	if err := db.QueryRowContext(ctx, `SELECT pg_is_in_recovery()`).Scan(&inRecovery); err != nil {
		db.Close()
		primary.Close()
		return nil, fmt.Errorf("postgis: open replica: %w", err)
	}
	if !inRecovery {
		db.Close()
		primary.Close()
		return nil, errors.New("postgis: open replica: the read database is not a standby (pg_is_in_recovery() is false); " +
			"point --read-db at a streaming replica of --db")
	}
	return &Replicated{Store: primary, Replica: &Store{db: db, Now: primary.Now}}, nil
}

// lsn is a PostgreSQL write-ahead log position.
type lsn uint64

// parseLSN reads the text form of pg_lsn, "16/B374D848".
func parseLSN(s string) (lsn, error) {
	hi, lo, ok := strings.Cut(s, "/")
	h, err1 := strconv.ParseUint(hi, 16, 32)
	l, err2 := strconv.ParseUint(lo, 16, 32)
	if !ok || err1 != nil || err2 != nil {
		return 0, fmt.Errorf("postgis: bad WAL position %q", s)
	}
	return lsn(h<<32 | l), nil
}

// observe raises the position reads must wait for to the primary's now.
func (r *Replicated) observe(ctx context.Context) error {
	var s string
	if err := r.Store.db.QueryRowContext(ctx, `SELECT pg_current_wal_insert_lsn()::text`).Scan(&s); err != nil {
		return fmt.Errorf("postgis: primary WAL position: %w", err)
	}
	pos, err := parseLSN(s)
	if err != nil {
		return err
	}
	r.raise(pos)
	return nil
}

// raise raises the position reads must wait for to pos.
func (r *Replicated) raise(pos lsn) {
	r.mu.Lock()
	r.need = max(r.need, pos)
	r.mu.Unlock()
}

// reader returns the store a heavy read goes to: the replica when it has
// replayed up to r.need, the primary otherwise.
func (r *Replicated) reader(ctx context.Context) *Store {
	r.mu.Lock()
	need, replayed := r.need, r.replayed
	r.mu.Unlock()
	if replayed < need {
		var s *string
		err := r.Replica.db.QueryRowContext(ctx, `SELECT pg_last_wal_replay_lsn()::text`).Scan(&s)
		if err == nil && s != nil {
			if pos, err := parseLSN(*s); err == nil {
				replayed = pos
				r.mu.Lock()
				r.replayed = max(r.replayed, pos)
				r.mu.Unlock()
			}
		}
	}
	if replayed >= need {
		r.replicaReads.Add(1)
		return r.Replica
	}
	r.primaryReads.Add(1)
	return r.Store
}

// Reads returns how many heavy reads went to the replica and to the
// primary, for metrics.
func (r *Replicated) Reads() (replica, primary int64) {
	return r.replicaReads.Load(), r.primaryReads.Load()
}

// DataVersion asks the primary for the data version and its position in
// one query, and makes later reads wait for the replica to reach that
// position: it is taken after the query's snapshot, so it is at or past
// the commit of the version read. It never answers from the primary
// store's memory (Store.DataVersion does): a client that wrote through
// another process must read its write here at once, before any
// notification could arrive.
func (r *Replicated) DataVersion(ctx context.Context) (incidentmap.DataVersion, error) {
	const q = `SELECT seq, incidents, tombstones, modified_at, pg_current_wal_insert_lsn()::text FROM data_version WHERE id = 1`
	var at string
	v, err := scanDataVersion(r.Store.db.QueryRowContext(ctx, q), &at)
	if err != nil {
		return v, err
	}
	pos, err := parseLSN(at)
	if err != nil {
		return incidentmap.DataVersion{}, err
	}
	r.raise(pos)
	return v, nil
}

// FindIncidents reads from the replica when it is current enough.
func (r *Replicated) FindIncidents(ctx context.Context, f incidentmap.Filter, fn func(*incidentmap.Incident) error) (*incidentmap.Cursor, error) {
	return r.reader(ctx).FindIncidents(ctx, f, fn)
}

// CountIncidents reads from the replica when it is current enough.
func (r *Replicated) CountIncidents(ctx context.Context, f incidentmap.Filter) (int, error) {
	return r.reader(ctx).CountIncidents(ctx, f)
}

// CountBy reads from the replica when it is current enough.
func (r *Replicated) CountBy(ctx context.Context, f incidentmap.Filter, by string) ([]incidentmap.Bucket, error) {
	return r.reader(ctx).CountBy(ctx, f, by)
}

// Extent reads from the replica when it is current enough.
func (r *Replicated) Extent(ctx context.Context, f incidentmap.Filter) (incidentmap.Extent, error) {
	return r.reader(ctx).Extent(ctx, f)
}

// CreateIncident writes to the primary; later reads wait for the replica
// to have it.
func (r *Replicated) CreateIncident(ctx context.Context, inc *incidentmap.Incident) error {
	if err := r.Store.CreateIncident(ctx, inc); err != nil {
		return err
	}
	return r.observe(ctx)
}

// ImportIncidents writes to the primary; later reads wait for the replica
// to have them.
func (r *Replicated) ImportIncidents(ctx context.Context, incs []*incidentmap.Incident) error {
	if err := r.Store.ImportIncidents(ctx, incs); err != nil {
		return err
	}
	return r.observe(ctx)
}

// DeleteIncident writes to the primary; later reads wait for the replica
// to see the deletion.
func (r *Replicated) DeleteIncident(ctx context.Context, id string) error {
	if err := r.Store.DeleteIncident(ctx, id); err != nil {
		return err
	}
	return r.observe(ctx)
}

// Close closes both.
func (r *Replicated) Close() error {
	return errors.Join(r.Replica.Close(), r.Store.Close())
}
