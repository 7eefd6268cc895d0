package sqlite

import (
	"context"
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"runtime"
	"strings"

	"github.com/jmoiron/sqlx"

	"github.com/incidentmap/incidentmap"
	"github.com/incidentmap/incidentmap/store/internal/upsert"
)

// bulkRows is how many incidents one INSERT of a bulk load writes: fewer
// calls into the driver, which cost more than SQLite's own work per row.
// 500 rows × 30 columns stay under SQLite's limit of 32,766 bound
// parameters.
const bulkRows = 500

// revisionRows is how many rows a bulk load writes before it copies their
// revisions, while their pages are still in the cache.
const revisionRows = 2000

// bulkInserter writes batches of incidents with multi-row INSERTs under a
// savepoint; a batch that a unique key refuses is rolled back and written
// row by row, to name the line at fault. It does what the dropped triggers
// of bulkTriggers would have done: it copies the revisions of every
// revisionRows rows once they are written, keeps the box of every row for
// packRTree, and counts the rows and their longest span for the data
// version.
type bulkInserter struct {
	conn  *sqlx.Conn // the writer's connection, which tx runs on
	tx    *sqlx.Tx
	ins   *inserts
	now   string
	actor string
	stmts map[string]driver.Stmt // by SQL
	args  []any
	xargs []any
	named []driver.NamedValue // the args of one exec

	// Which triggers were dropped, and so are done here.
	rtree, version, revisions bool

	rows     int64        // rows written
	firstRid int64        // the rid of the first row, 0 before it
	revised  int64        // rows whose revisions are written
	maxSpan  int          // the longest occurred_end - occurred_start, in days
	leaves   []rtreeEntry // the box of each row, in rid order
	revise   *sqlx.Stmt   // insertCreateRevisions
	xjson    []byte       // the external ids of the rows not revised yet, for revise
}

func newBulkInserter(ctx context.Context, conn *sqlx.Conn, tx *sqlx.Tx, now, actor string, dropped func(trigger string) bool) (*bulkInserter, error) {
	ins, err := prepareInserts(ctx, tx)
	if err != nil {
		return nil, err
	}
	b := &bulkInserter{conn: conn, tx: tx, ins: ins, now: now, actor: actor, stmts: map[string]driver.Stmt{},
		rtree: dropped(triggerRTree), version: dropped(triggerVersion), revisions: dropped(triggerRevision)}
	if b.revisions {
		if b.revise, err = tx.PreparexContext(ctx, insertCreateRevisions); err != nil {
			b.close()
			return nil, fmt.Errorf("prepare revisions: %w", err)
		}
	}
	return b, nil
}

func (b *bulkInserter) close() {
	b.conn.Raw(func(any) error {
		for _, st := range b.stmts {
			st.Close()
		}
		return nil
	})
	if b.revise != nil {
		b.revise.Close()
	}
	b.ins.close()
}

// insert writes the items, then the revisions when revisionRows rows wait
// for theirs.
func (b *bulkInserter) insert(ctx context.Context, items []incidentmap.ImportItem) error {
	b.args, b.xargs = b.args[:0], b.xargs[:0]
	for _, item := range items {
		inc := item.Incident
		var err error
		if b.args, err = appendIncidentArgs(b.args, inc, b.now); err != nil {
			return upsert.AtLine(item.Line, fmt.Errorf("encode: %w", err))
		}
		b.args = append(b.args, b.actor)
		for pos, x := range inc.ExternalIDs {
			b.xargs = append(b.xargs, x, inc.ID, pos)
		}
	}
	if _, err := b.tx.ExecContext(ctx, `SAVEPOINT bulk`); err != nil {
		return fmt.Errorf("savepoint: %w", err)
	}
	last, err := b.exec(ctx, insertHead, len(items), len(b.args)/len(items), b.args)
	if err == nil && len(b.xargs) > 0 {
		_, err = b.exec(ctx, insertExternalIDHead, len(b.xargs)/3, 3, b.xargs)
	}
	if err == nil {
		if _, err = b.tx.ExecContext(ctx, `RELEASE bulk`); err != nil {
			return err
		}
		return b.written(ctx, items, last)
	}
	if _, rerr := b.tx.ExecContext(ctx, `ROLLBACK TO bulk`); rerr != nil {
		return fmt.Errorf("roll back a batch: %w (after %w)", rerr, err)
	}
	if !isUniqueViolation(err) {
		return err
	}
	for _, item := range items {
		if err := b.ins.insert(ctx, item.Incident, b.now, b.actor); err != nil {
			return upsert.AtLine(item.Line, err)
		}
	}
	return err
}

// written notes the items that one INSERT wrote, the last with rowid last.
// The table was empty, so SQLite numbered its rows one after another: the
// items have the rids up to last, which must follow those written before.
func (b *bulkInserter) written(ctx context.Context, items []incidentmap.ImportItem, last int64) error {
	first := last - int64(len(items)) + 1
	if b.rows == 0 {
		b.firstRid = first
	} else if first != b.firstRid+b.rows {
		return fmt.Errorf("bulk insert: rids %d to %d do not follow %d", first, last, b.firstRid+b.rows-1)
	}
	for i, item := range items {
		inc := item.Incident
		if b.rtree {
			lon, lat := inc.Location.Lon(), inc.Location.Lat()
			b.leaves = append(b.leaves, rtreeEntry{id: first + int64(i),
				box: [4]float32{rtreeDown(lon), rtreeUp(lon), rtreeDown(lat), rtreeUp(lat)}})
		}
		b.maxSpan = max(b.maxSpan, inc.SpanDays())
		if b.revisions {
			if err := b.appendExternalIDs(inc.ExternalIDs); err != nil {
				return upsert.AtLine(item.Line, fmt.Errorf("encode: %w", err))
			}
		}
	}
	b.rows += int64(len(items))
	if b.rows-b.revised >= revisionRows {
		return b.writeRevisions(ctx)
	}
	return nil
}

// writeRevisions copies the revisions of the rows written since the last
// call.
func (b *bulkInserter) writeRevisions(ctx context.Context) error {
	if !b.revisions || b.revised == b.rows {
		return nil
	}
	b.xjson = append(b.xjson, ']')
	r, err := b.revise.ExecContext(ctx, b.firstRid+b.revised, string(b.xjson))
	if err != nil {
		return fmt.Errorf("do what %s does: %w", triggerRevision, err)
	}
	if n, err := r.RowsAffected(); err != nil || n != b.rows-b.revised {
		return fmt.Errorf("do what %s does: %d revisions for %d rows (%v)", triggerRevision, n, b.rows-b.revised, err)
	}
	b.revised, b.xjson = b.rows, b.xjson[:0]
	return nil
}

// appendExternalIDs adds the external ids of the next row to xjson.
func (b *bulkInserter) appendExternalIDs(ids []string) error {
	if len(b.xjson) == 0 {
		b.xjson = append(b.xjson, '[')
	} else {
		b.xjson = append(b.xjson, ',')
	}
	if len(ids) == 0 {
		b.xjson = append(b.xjson, emptyJSON...)
		return nil
	}
	x, err := json.Marshal(ids)
	b.xjson = append(b.xjson, x...)
	return err
}

// finish does after the load what the dropped triggers would have done and
// is not done yet: the last revisions, the data version and the R*Tree.
func (b *bulkInserter) finish(ctx context.Context) error {
	if err := b.writeRevisions(ctx); err != nil {
		return err
	}
	if b.version {
		if _, err := b.tx.ExecContext(ctx, bumpDataVersion, b.rows, b.now, b.maxSpan); err != nil {
			return fmt.Errorf("after the load, do what %s does: %w", triggerVersion, err)
		}
	}
	if b.rtree {
		if err := packRTree(ctx, b.tx, b.leaves); err != nil {
			return fmt.Errorf("after the load, do what %s does: %w", triggerRTree, err)
		}
	}
	return nil
}

// exec runs head with rows of cols args and returns the last rowid. It
// prepares and runs the statement on the driver's connection, beneath
// database/sql, which would allocate and convert a copy of the 15,000 args
// of every call (a quarter of what a bulk load allocated); b.named is
// reused instead. The statement runs in the transaction tx, which holds
// the connection: conn.Raw locks it as tx's own calls do.
func (b *bulkInserter) exec(ctx context.Context, head string, rows, cols int, args []any) (int64, error) {
	tuple := "(?" + strings.Repeat(", ?", cols-1) + ")"
	q := head + tuple + strings.Repeat(", "+tuple, rows-1)
	var last int64
	err := b.conn.Raw(func(dc any) error {
		st, ok := b.stmts[q]
		if !ok {
			prep, ok := dc.(driver.ConnPrepareContext)
			if !ok {
				return fmt.Errorf("prepare bulk insert: the driver's %T cannot prepare with a context", dc)
			}
			var err error
			if st, err = prep.PrepareContext(ctx, q); err != nil {
				return fmt.Errorf("prepare bulk insert: %w", err)
			}
			b.stmts[q] = st
		}
		exec, ok := st.(driver.StmtExecContext)
		if !ok {
			return fmt.Errorf("bulk insert: the driver's %T cannot execute with a context", st)
		}
		var err error
		if b.named, err = namedValues(b.named[:0], args); err != nil {
			return err
		}
		r, err := exec.ExecContext(ctx, b.named)
		if err != nil {
			return err
		}
		last, err = r.LastInsertId()
		return err
	})
	return last, err
}

// namedValues appends args to dst as the driver takes them, converted as
// database/sql would convert them: ints to int64, a *int to its value or
// NULL.
func namedValues(dst []driver.NamedValue, args []any) ([]driver.NamedValue, error) {
	for i, a := range args {
		switch v := a.(type) {
		case int:
			a = int64(v)
		case *int:
			if a = nil; v != nil {
				a = int64(*v)
			}
		default:
			if !driver.IsValue(a) {
				return dst, fmt.Errorf("bulk insert: argument %d: %T is not a driver value", i+1, a)
			}
		}
		dst = append(dst, driver.NamedValue{Ordinal: i + 1, Value: a})
	}
	return dst, nil
}

// The INSERTs of insertIncident and insertExternalID up to their VALUES.
var (
	insertHead           = insertIncident[:strings.Index(insertIncident, "VALUES")+len("VALUES ")]
	insertExternalIDHead = insertExternalID[:strings.Index(insertExternalID, "VALUES")+len("VALUES ")]
)

// bulkPragmas sets, on the writer's connection conn and until undo, what
// makes a bulk load faster without weakening its transaction:
//   - temp_store(FILE), under which SQLite sorts the keys of an index build
//     in runs of at most cache_size, in one block of memory each, merged
//     from temporary files, instead of holding all of them in memory as
//     separate allocations, as it does with temp_store(MEMORY) (the index
//     builds took a quarter less CPU, and memory stayed bounded by the
//     cache). The temporary files are SQLite's scratch space, not the
//     database: a crash leaves the database as the journal left it.
//   - threads(bulkThreads): the sorter of an index build sorts and merges
//     its runs in that many helper threads (goroutines in modernc.org/sqlite,
//     built with SQLITE_MAX_WORKER_THREADS 8) while the writer reads the
//     table, so that the index builds, which come after the decoding, use
//     the other cores (at 1M the writer's own CPU in the four index builds
//     of incidents fell from 15.7 to 7.8 s; the process's CPU is unchanged).
//   - foreign_keys(0): the bulk inserter writes the external ids of an
//     incident in the same savepoint as the incident, after it, so their
//     reference holds by construction, and the check of every one against
//     the incidents' id index (1.2-1.7 CPU-s per million) is saved; so do
//     the writers of upsert, should the store prove not empty after all
//     (foreign_keys cannot change within the transaction that decides).
//
// undo restores the settings; if it cannot, it drops the connection, which
// the pool replaces with one opened with the settings of the DSN.
func bulkPragmas(ctx context.Context, conn *sqlx.Conn) (undo func(), err error) {
	settings := []struct {
		name string
		bulk int
		old  int
	}{{name: "temp_store", bulk: 1 /* FILE */}, {name: "threads", bulk: bulkThreads()}, {name: "foreign_keys", bulk: 0}}
	for i := range settings {
		x := &settings[i]
		if err := conn.QueryRowContext(ctx, `PRAGMA `+x.name).Scan(&x.old); err != nil {
			return nil, fmt.Errorf("read %s: %w", x.name, err)
		}
		if _, err := conn.ExecContext(ctx, fmt.Sprintf(`PRAGMA %s = %d`, x.name, x.bulk)); err != nil {
			return nil, fmt.Errorf("set %s: %w", x.name, err)
		}
	}
	return func() {
		for _, x := range settings {
			if _, err := conn.ExecContext(context.WithoutCancel(ctx), fmt.Sprintf(`PRAGMA %s = %d`, x.name, x.old)); err != nil {
				conn.Raw(func(any) error { return driver.ErrBadConn })
				return
			}
		}
	}, nil
}

// bulkThreads is the number of helper threads of SQLite's sorter during a
// bulk load: one per core beside the writer's, at least one.
func bulkThreads() int { return max(1, runtime.GOMAXPROCS(0)-1) }

// bulkJournal switches a file database that no other connection has open
// from WAL to the rollback journal (journal_mode DELETE, synchronous FULL)
// for a bulk load, when the store was opened with ExclusiveImports, and
// returns what switches it back; otherwise it changes nothing.
//
// Into an empty database, a rollback journal keeps almost nothing: only
// the pages the database had before the transaction are saved in it, and
// a bulk load writes new pages, straight into the database file. In WAL
// mode the same pages go to the WAL, each with a checksummed frame, and
// the commit's checkpoint copies them all again (a million incidents:
// ≈950 MB twice). The transaction is as atomic either way: a load that
// fails rolls back, and one killed half way leaves a hot journal that the
// next opening of the database rolls back (TestImportKilled).
//
// Leaving WAL mode needs the only open connection to the file: the idle
// readers of the store are closed for the load (ExclusiveImports promises
// that none is busy), and when another process has the file open the
// switch fails and the load runs in WAL mode as before. A process that
// opens the file during the load waits for it (busy_timeout) and may be
// refused with "database is locked": it would otherwise have read an
// empty store. If switching back fails, the writer's connection is
// dropped, and the next one, opened with the DSN's journal_mode(WAL),
// switches the file back.
func (s *Store) bulkJournal(ctx context.Context, conn *sqlx.Conn) (undo func()) {
	nothing := func() {}
	var mode string
	if !s.exclusiveImports || conn.QueryRowContext(ctx, `PRAGMA journal_mode`).Scan(&mode) != nil || mode != "wal" {
		return nothing
	}
	s.read.SetMaxIdleConns(0) // closes the idle readers, which hold the WAL open
	restoreReaders := func() { s.read.SetMaxIdleConns(s.readConns) }
	if setJournalMode(ctx, conn, "delete") != nil {
		restoreReaders()
		return nothing
	}
	back := func() {
		ctx := context.WithoutCancel(ctx)
		_, err := conn.ExecContext(ctx, `PRAGMA synchronous = NORMAL`)
		if err == nil {
			err = setJournalMode(ctx, conn, "wal")
		}
		if err != nil {
			conn.Raw(func(any) error { return driver.ErrBadConn })
		}
		restoreReaders()
	}
	if _, err := conn.ExecContext(ctx, `PRAGMA synchronous = FULL`); err != nil {
		back()
		return nothing
	}
	return back
}
