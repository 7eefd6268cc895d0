package postgis

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/incidentmap/incidentmap"
	"github.com/incidentmap/incidentmap/store/internal/upsert"
)

// bulkBatch is how many items a bulk load copies per COPY statement; a
// batch is held in memory while it is copied.
const bulkBatch = 10_000

// UpsertIncidents writes the items of an import in one transaction; see
// incidentmap.Store. It locks the incidents against other writers (readers
// go on) for the length of the import. Into an empty store it loads in
// bulk (see bulkLoad). Otherwise it looks items up in batches by id and
// external id, copies the new ones and updates the changed ones.
func (s *Store) UpsertIncidents(ctx context.Context, next func() (incidentmap.ImportItem, error), opt incidentmap.ImportOptions) (incidentmap.ImportResult, error) {
	var res incidentmap.ImportResult
	defer s.version.forget() // once committed, before the caller's next read
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return res, fmt.Errorf("postgis: import: %w", err)
	}
	defer conn.Close()
	err = conn.Raw(func(driverConn any) error {
		c, ok := driverConn.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("driver connection is a %T, not a pgx stdlib connection", driverConn)
		}
		res, err = s.upsertOn(ctx, c.Conn(), next, opt)
		return err
	})
	if err != nil {
		return incidentmap.ImportResult{}, fmt.Errorf("postgis: import: %w", err)
	}
	return res, nil
}

func (s *Store) upsertOn(ctx context.Context, conn *pgx.Conn, next func() (incidentmap.ImportItem, error), opt incidentmap.ImportOptions) (incidentmap.ImportResult, error) {
	var res incidentmap.ImportResult
	tx, err := conn.Begin(ctx)
	if err != nil {
		return res, fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	if _, err := tx.Exec(ctx, `LOCK TABLE incidents, incident_external_ids IN SHARE ROW EXCLUSIVE MODE`); err != nil {
		return res, fmt.Errorf("lock: %w", err)
	}
	var empty bool
	if err := tx.QueryRow(ctx, `SELECT NOT EXISTS (SELECT 1 FROM incidents)`).Scan(&empty); err != nil {
		return res, fmt.Errorf("count: %w", err)
	}
	if empty {
		res, err = s.bulkLoad(ctx, tx, next, opt)
	} else {
		res, err = s.upsert(ctx, tx, next, opt)
	}
	if err != nil || opt.DryRun {
		return res, err
	}
	if err := tx.Commit(ctx); err != nil {
		return res, fmt.Errorf("commit: %w", err)
	}
	return res, nil
}

// selectBulkIndexes lists the indexes a bulk load drops and builds again:
// those of incidents and incident_revisions but those that back a
// constraint (primary keys, UNIQUE), which must hold during the load (the
// external ids have no others).
const selectBulkIndexes = `SELECT indexname, indexdef FROM pg_indexes
	WHERE schemaname = current_schema() AND tablename IN ('incidents', 'incident_revisions')
	  AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE connamespace = current_schema()::regnamespace)`

// The triggers that a bulk load turns off for its transaction: the row
// triggers of migration 0004 that write a revision per row and then update
// it once per external id (copyBatch copies the revisions), and the
// statement trigger of migration 0003 that bumps the data version by each
// COPY from its transition table (bumpDataVersion bumps it once, as
// the trigger would have; keeping the 1M rows in transition tables cost
// 1.6 CPU-s of 10 for the COPY of the incidents). The write lock stays.
const (
	disableLoadTriggers = `ALTER TABLE incidents DISABLE TRIGGER incidents_revision, DISABLE TRIGGER incidents_version_insert;
		ALTER TABLE incident_external_ids DISABLE TRIGGER incident_external_ids_revision`
	enableLoadTriggers = `ALTER TABLE incidents ENABLE TRIGGER incidents_revision, ENABLE TRIGGER incidents_version_insert;
		ALTER TABLE incident_external_ids ENABLE TRIGGER incident_external_ids_revision`
)

// bumpDataVersion does for a bulk load what data_version_bump (migration
// 0003) does for each insert into incidents: $1 statements inserted $2
// incidents, all updated at $3, the longest spanning $4 days.
const bumpDataVersion = `UPDATE data_version SET seq = seq + $1, incidents = incidents + $2,
	modified_at = GREATEST(modified_at, $3), max_span_days = GREATEST(max_span_days, $4) WHERE id = 1`

// selectBulkConstraints lists the constraints that a bulk load drops and
// adds again after the load, where checking them row by row costs more
// than checking them once (server CPU-s of 1M rows): the foreign key of
// the external ids to incidents (checked per row it took most of the
// server's time, 1 s of every 10,000 rows; added after, 1.3 CPU-s), their
// UNIQUE (incident_id, ord) (2.1 s; 0.8 s after), the primary key of the
// revisions (2 s; 0.5 s after), and the primary keys of the incidents and
// the external ids (3.5 and 2.6 CPU-s in the COPY; built after, by
// parallel workers, about 1 each). None of them can fail in a load: ord is
// a position in a list, the revisions' seq is an identity, and the load
// itself refuses an item that repeats an id or an external id (keySet,
// repeatedKey). Foreign keys that point at these tables are listed too,
// as the primary keys they rest on cannot be dropped under them; they come
// first, so that they are dropped first and added last.
const selectBulkConstraints = `SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint
	WHERE (conrelid = 'incidents'::regclass AND contype = 'p')
	   OR (conrelid = 'incident_external_ids'::regclass AND contype IN ('p', 'f', 'u'))
	   OR (conrelid = 'incident_revisions'::regclass AND contype = 'p')
	   OR (contype = 'f' AND confrelid IN ('incidents'::regclass, 'incident_external_ids'::regclass))
	ORDER BY contype <> 'f', conrelid, conname`

// bulkMaintenanceWorkMem is the maintenance_work_mem of a bulk load's
// transaction, so that the index builds after the load sort in memory.
const bulkMaintenanceWorkMem = `SET LOCAL maintenance_work_mem = '256MB'`

// bulkLoad writes the items into an empty store: it drops the secondary
// indexes and the constraints of selectBulkConstraints and turns off the
// revision and data-version triggers, copies batches of items, their
// external ids and their revisions with COPY (a batch that may repeat a
// key, by the hashes of keySet, is first checked against the rows), then
// turns the triggers on,
// bumps the data version, builds the indexes, adds the constraints and
// analyzes the incidents, all inside the transaction. The rows,
// revisions and data version are those that copying with the triggers on
// would leave (TestBulkLoadAsTriggers).
func (s *Store) bulkLoad(ctx context.Context, tx pgx.Tx, next func() (incidentmap.ImportItem, error), opt incidentmap.ImportOptions) (incidentmap.ImportResult, error) {
	res := incidentmap.ImportResult{Bulk: true}
	indexes, err := collectDefs(ctx, tx, `SELECT '', indexname, indexdef FROM (`+selectBulkIndexes+`) i`)
	if err != nil {
		return res, fmt.Errorf("list indexes: %w", err)
	}
	constraints, err := collectDefs(ctx, tx, selectBulkConstraints)
	if err != nil {
		return res, fmt.Errorf("list constraints: %w", err)
	}
	for _, i := range indexes {
		if _, err := tx.Exec(ctx, `DROP INDEX `+pgx.Identifier{i.name}.Sanitize()); err != nil {
			return res, fmt.Errorf("drop index %s: %w", i.name, err)
		}
	}
	for _, c := range constraints {
		if _, err := tx.Exec(ctx, `ALTER TABLE `+c.table+` DROP CONSTRAINT `+pgx.Identifier{c.name}.Sanitize()); err != nil {
			return res, fmt.Errorf("drop constraint %s: %w", c.name, err)
		}
	}
	if _, err := tx.Exec(ctx, disableLoadTriggers); err != nil {
		return res, fmt.Errorf("turn off the triggers: %w", err)
	}
	now := s.now()
	actor := incidentmap.ActorFrom(ctx)
	batches, span := 0, 0
	var pipe copyPipe
	keys := newKeySet()
	err = upsert.Batches(ctx, next, bulkBatch, opt.Progress, func(items []incidentmap.ImportItem) error {
		if keys.addItems(items) {
			// Some key may repeat: look for it once what came before is in.
			if err := pipe.wait(); err != nil {
				return err
			}
			if err := repeatedKey(ctx, tx, items); err != nil {
				return err
			}
		}
		rows := pipe.buffer()
		if err := encodeItems(rows, items, now, actor); err != nil {
			return err
		}
		if err := pipe.send(ctx, tx, rows); err != nil {
			return err
		}
		for _, item := range items {
			span = max(span, item.Incident.SpanDays())
		}
		batches++
		res.Created += len(items)
		return nil
	})
	if werr := pipe.wait(); err == nil {
		err = werr
	}
	if err != nil {
		return res, err
	}
	if _, err := tx.Exec(ctx, enableLoadTriggers); err != nil {
		return res, fmt.Errorf("turn on the triggers: %w", err)
	}
	if batches > 0 {
		if _, err := tx.Exec(ctx, bumpDataVersion, batches, res.Created, now, span); err != nil {
			return res, fmt.Errorf("bump the data version: %w", err)
		}
	}
	if _, err := tx.Exec(ctx, bulkMaintenanceWorkMem); err != nil {
		return res, fmt.Errorf("set maintenance_work_mem: %w", err)
	}
	for _, i := range indexes {
		if _, err := tx.Exec(ctx, i.def); err != nil {
			return res, fmt.Errorf("create index %s: %w", i.name, err)
		}
	}
	for _, c := range slices.Backward(constraints) { // keys before the foreign keys on them
		if _, err := tx.Exec(ctx, `ALTER TABLE `+c.table+` ADD CONSTRAINT `+pgx.Identifier{c.name}.Sanitize()+` `+c.def); err != nil {
			return res, fmt.Errorf("add constraint %s: %w", c.name, err)
		}
	}
	if _, err := tx.Exec(ctx, bulkAnalyze); err != nil {
		return res, fmt.Errorf("analyze: %w", err)
	}
	return res, nil
}

// bulkAnalyze gives the planner the statistics of a bulk load before it
// commits: those of the columns that requests filter, sort or group by
// most, and that have an index (1M rows: 0.5 CPU-s against 0.9–1.3 for
// every column). The other columns, and the revisions (ANALYZE took 1 of
// 2.2 CPU-s for them), are left to autovacuum, whose threshold an ANALYZE
// of some columns does not reset, so that it analyzes the whole tables
// soon after the commit.
const bulkAnalyze = `ANALYZE incidents (id, occurred_start, occurred_end, location, country, event_type,
	sub_event_type, target_type, target_country, status), incident_external_ids`

// namedDef is an index or a constraint: its table (as regclass prints it,
// quoted where needed), its name and its definition.
type namedDef struct{ table, name, def string }

// collectDefs reads the tables, names and definitions that query selects.
func collectDefs(ctx context.Context, tx pgx.Tx, query string) ([]namedDef, error) {
	rows, _ := tx.Query(ctx, query)
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (namedDef, error) {
		var d namedDef
		return d, r.Scan(&d.table, &d.name, &d.def)
	})
}

// encodeItems encodes the items of a batch with their revisions into
// rows; an error names the item's line.
func encodeItems(rows *copyBatchRows, items []incidentmap.ImportItem, now time.Time, actor string) error {
	incs := make([]*incidentmap.Incident, len(items))
	for i, item := range items {
		incs[i] = item.Incident
	}
	if bad, err := encodeBatch(rows, incs, now, actor, true); err != nil {
		return upsert.AtLine(items[bad].Line, err)
	}
	return nil
}

// copyPipe copies one batch at a time in a goroutine, while the caller
// reads, checks and encodes the next: the importer decodes into a buffer
// of a few thousand items, which a COPY of 10,000 left full and its
// decoder idle while the server worked; now the decoding and the server's
// work overlap. The transaction is used by one goroutine at a time: the
// caller touches it only after wait.
// The pipe hands out two buffers in turn: the caller fills one while the
// other is copied.
type copyPipe struct {
	done            chan error // of the batch in flight
	inFlight, spare *copyBatchRows
}

// buffer returns rows to fill for the next send: not the batch in flight.
func (p *copyPipe) buffer() *copyBatchRows {
	if p.spare == nil {
		p.spare = new(copyBatchRows)
	}
	return p.spare
}

// send waits for the batch in flight, then starts copying rows (from buffer).
func (p *copyPipe) send(ctx context.Context, tx pgx.Tx, rows *copyBatchRows) error {
	if err := p.wait(); err != nil {
		return err
	}
	p.spare, p.inFlight = p.inFlight, rows
	p.done = make(chan error, 1)
	go func() { p.done <- rows.copy(ctx, tx) }()
	return nil
}

// wait waits for the batch in flight, if any, and returns its error.
func (p *copyPipe) wait() error {
	if p.done == nil {
		return nil
	}
	err := <-p.done
	p.done = nil
	return err
}

// copyRows copies incidents and their external ids; the triggers write
// their revisions.
func copyRows(ctx context.Context, tx pgx.Tx, incs []*incidentmap.Incident, now time.Time) error {
	if len(incs) == 0 {
		return nil
	}
	var rows copyBatchRows
	if _, err := encodeBatch(&rows, incs, now, incidentmap.ActorFrom(ctx), false); err != nil {
		return err
	}
	return rows.copy(ctx, tx)
}

// copyExternalIDs copies the external ids of incidents that were updated.
func copyExternalIDs(ctx context.Context, tx pgx.Tx, incs []*incidentmap.Incident) error {
	var rows [][]any
	for _, inc := range incs {
		for ord, x := range inc.ExternalIDs {
			rows = append(rows, []any{x, inc.ID, ord})
		}
	}
	if len(rows) == 0 {
		return nil
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"incident_external_ids"}, []string{"external_id", "incident_id", "ord"},
		pgx.CopyFromRows(rows)); err != nil {
		return fmt.Errorf("copy external ids: %w", err)
	}
	return nil
}

// addItems adds the ids and external ids of a batch and reports whether
// one of them may repeat a key taken before.
func (s *keySet) addItems(items []incidentmap.ImportItem) bool {
	seen := false
	for _, item := range items {
		seen = s.addID(item.Incident.ID) || seen
		for _, x := range item.Incident.ExternalIDs {
			seen = s.addExternalID(x) || seen
		}
	}
	return seen
}

// selectTaken reads which of the ids ($1) and external ids ($2) the load
// has copied, prefixed "i" and "x". The tables have no index on them
// during a load: each is read once, which the load does only when keySet
// says that a key may repeat.
const selectTaken = `SELECT 'i' || id FROM incidents WHERE id IN (SELECT unnest($1::text[]))
	UNION ALL SELECT 'x' || external_id FROM incident_external_ids WHERE external_id IN (SELECT unnest($2::text[]))`

// repeatedKey finds the first item of a batch that repeats an id or
// external id of an earlier item, in this batch or in the tables, or of
// its own; nil when none does (two keys shared a hash).
func repeatedKey(ctx context.Context, tx pgx.Tx, items []incidentmap.ImportItem) error {
	var p upsert.Planner // with nothing found, it catches repeats within the batch
	if _, _, err := p.Plan(items, nil); err != nil {
		return err
	}
	ids, externalIDs := upsert.Keys(items)
	rows, _ := tx.Query(ctx, selectTaken, ids, nonNil(externalIDs))
	found, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return fmt.Errorf("find the repeated key: %w", err)
	}
	taken := make(map[string]bool, len(found))
	for _, k := range found {
		taken[k] = true
	}
	for _, item := range items {
		inc := item.Incident
		repeats := taken["i"+inc.ID]
		for i, x := range inc.ExternalIDs {
			if slices.Contains(inc.ExternalIDs[:i], x) {
				return upsert.AtLine(item.Line, &incidentmap.Error{Code: incidentmap.ECONFLICT, Param: "file",
					Message: fmt.Sprintf("external id %q is given twice", x)})
			}
			repeats = repeats || taken["x"+x]
		}
		if repeats {
			return upsert.Repeat(item.Line, "its id or an external id")
		}
	}
	return nil
}

// selectMatches reads the incidents that have one of the ids or hold one of
// the external ids.
const selectMatches = selectIncident + `
	WHERE i.id IN (SELECT unnest($1::text[]) UNION SELECT x.incident_id FROM incident_external_ids x WHERE x.external_id = ANY($2))`

const importUpdate = `UPDATE incidents SET title = $2, summary = $3, occurred_start = $4, occurred_end = $5,
	date_precision = $6, location = ST_GeomFromEWKB($7), location_precision = $8, place_name = $9, country = $10,
	admin1_code = $11, admin1_name = $12, event_type = $13, sub_event_type = $14, target_type = $15,
	target_country = $16, facility = $17, perpetrator = $18, actors = $19, fatalities = $20, injuries = $21,
	tags = $22, sources = $23, responses = $24, status = $25, version = version + 1, updated_at = $26,
	updated_by = $27 WHERE id = $1`

func (s *Store) upsert(ctx context.Context, tx pgx.Tx, next func() (incidentmap.ImportItem, error), opt incidentmap.ImportOptions) (incidentmap.ImportResult, error) {
	var p upsert.Planner
	now := s.now()
	err := upsert.Batches(ctx, next, upsert.BatchSize, opt.Progress, func(items []incidentmap.ImportItem) error {
		found, err := matches(ctx, tx, items)
		if err != nil {
			return err
		}
		creates, updates, err := p.Plan(items, found)
		if err != nil {
			return err
		}
		if err := copyRows(ctx, tx, creates, now); err != nil {
			return err
		}
		for _, inc := range updates {
			if err := updateRow(ctx, tx, inc, now); err != nil {
				return err
			}
		}
		return copyExternalIDs(ctx, tx, updates)
	})
	return p.Result, err
}

// matches reads the existing incidents that the items' ids and external
// ids name.
func matches(ctx context.Context, tx pgx.Tx, items []incidentmap.ImportItem) (upsert.Found, error) {
	ids, externalIDs := upsert.Keys(items)
	rows, _ := tx.Query(ctx, selectMatches, ids, nonNil(externalIDs))
	matched, err := pgx.CollectRows(rows, pgx.RowToAddrOfStructByName[incidentRow])
	if err != nil {
		return nil, fmt.Errorf("find matches: %w", err)
	}
	incs := make([]*incidentmap.Incident, len(matched))
	for i, row := range matched {
		if incs[i], err = row.incident(); err != nil {
			return nil, fmt.Errorf("find matches: decode %s: %w", row.ID, err)
		}
	}
	return upsert.FoundOf(incs), nil
}

// updateRow replaces the columns of an incident and drops its external
// ids, which the caller copies again.
func updateRow(ctx context.Context, tx pgx.Tx, inc *incidentmap.Incident, now time.Time) error {
	values, err := incidentValues(inc, now, incidentmap.ActorFrom(ctx))
	if err != nil {
		return fmt.Errorf("encode incident %s: %w", inc.ID, err)
	}
	// values: id … status (0–24), version, created_at, updated_at.
	if _, err := tx.Exec(ctx, importUpdate, append(values[:25], now, values[len(values)-1])...); err != nil {
		return fmt.Errorf("update incident %s: %w", inc.ID, err)
	}
	if _, err := tx.Exec(ctx, `DELETE FROM incident_external_ids WHERE incident_id = $1`, inc.ID); err != nil {
		return fmt.Errorf("update external ids of %s: %w", inc.ID, err)
	}
	return nil
}
