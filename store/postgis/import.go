package postgis

import (
	"context"
	"errors"
	"fmt"
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
// those of incidents and incident_revisions (the external ids keep theirs,
// which insertCreateRevisions searches) but those that back a constraint
// (primary keys, UNIQUE), which must hold during the load.
const selectBulkIndexes = `SELECT indexname, indexdef FROM pg_indexes
	WHERE schemaname = current_schema() AND tablename IN ('incidents', 'incident_revisions')
	  AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE connamespace = current_schema()::regnamespace)`

// The row triggers of migration 0004 that write a revision per row and
// then update it once per external id, which a bulk load turns off for its
// transaction and replaces with insertCreateRevisions per batch. The
// statement triggers (the write lock, the data version) stay: they fire
// once per COPY, as they do in any import.
const (
	disableRevisionTriggers = `ALTER TABLE incidents DISABLE TRIGGER incidents_revision;
		ALTER TABLE incident_external_ids DISABLE TRIGGER incident_external_ids_revision`
	enableRevisionTriggers = `ALTER TABLE incidents ENABLE TRIGGER incidents_revision;
		ALTER TABLE incident_external_ids ENABLE TRIGGER incident_external_ids_revision`
)

// insertCreateRevisions writes the "create" revisions of the incidents
// whose ids $1 lists, in its order, with their external ids: the rows the
// triggers of migration 0004 would have written for them.
const insertCreateRevisions = `INSERT INTO incident_revisions (incident_id, version, op, actor, at, external_ids,
	title, summary, occurred_start, occurred_end, date_precision, location, location_precision,
	place_name, country, admin1_code, admin1_name, event_type, sub_event_type, target_type,
	target_country, facility, perpetrator, actors, fatalities, injuries, tags, sources, responses,
	status, created_at)
	SELECT i.id, i.version, 'create', i.updated_by, i.updated_at,
	    ARRAY(SELECT x.external_id FROM incident_external_ids x WHERE x.incident_id = i.id ORDER BY x.ord),
	    i.title, i.summary, i.occurred_start, i.occurred_end, i.date_precision, i.location,
	    i.location_precision, i.place_name, i.country, i.admin1_code, i.admin1_name, i.event_type,
	    i.sub_event_type, i.target_type, i.target_country, i.facility, i.perpetrator, i.actors,
	    i.fatalities, i.injuries, i.tags, i.sources, i.responses, i.status, i.created_at
	FROM unnest($1::text[]) WITH ORDINALITY AS b(id, n) JOIN incidents i ON i.id = b.id
	ORDER BY b.n`

// bulkLoad writes the items into an empty store: it drops the secondary
// indexes and turns off the revision triggers, copies batches of items
// with COPY and writes their revisions with one statement per batch, then
// turns the triggers on, builds the indexes and analyzes the tables, all
// inside the transaction. The rows, revisions and data version are those
// that copying with the triggers on would leave (TestBulkLoadAsTriggers).
func (s *Store) bulkLoad(ctx context.Context, tx pgx.Tx, next func() (incidentmap.ImportItem, error), opt incidentmap.ImportOptions) (incidentmap.ImportResult, error) {
	res := incidentmap.ImportResult{Bulk: true}
	rows, _ := tx.Query(ctx, selectBulkIndexes)
	type index struct{ name, def string }
	indexes, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (index, error) {
		var i index
		return i, r.Scan(&i.name, &i.def)
	})
	if err != nil {
		return res, fmt.Errorf("list indexes: %w", err)
	}
	for _, i := range indexes {
		if _, err := tx.Exec(ctx, `DROP INDEX `+pgx.Identifier{i.name}.Sanitize()); err != nil {
			return res, fmt.Errorf("drop index %s: %w", i.name, err)
		}
	}
	if _, err := tx.Exec(ctx, disableRevisionTriggers); err != nil {
		return res, fmt.Errorf("turn off the revision triggers: %w", err)
	}
	now := s.now()
	err = upsert.Batches(ctx, next, bulkBatch, opt.Progress, func(items []incidentmap.ImportItem) error {
		if err := copyBatch(ctx, tx, items, now); err != nil {
			return err
		}
		res.Created += len(items)
		return nil
	})
	if err != nil {
		return res, err
	}
	if _, err := tx.Exec(ctx, enableRevisionTriggers); err != nil {
		return res, fmt.Errorf("turn on the revision triggers: %w", err)
	}
	for _, i := range indexes {
		if _, err := tx.Exec(ctx, i.def); err != nil {
			return res, fmt.Errorf("create index %s: %w", i.name, err)
		}
	}
	if _, err := tx.Exec(ctx, `ANALYZE incidents, incident_external_ids, incident_revisions`); err != nil {
		return res, fmt.Errorf("analyze: %w", err)
	}
	return res, nil
}

// copyBatch copies a batch of new incidents and writes their revisions
// under a savepoint; when a unique key refuses one, it rolls back to the
// savepoint and names the first item that repeats a key.
func copyBatch(ctx context.Context, tx pgx.Tx, items []incidentmap.ImportItem, now time.Time) error {
	sp, err := tx.Begin(ctx)
	if err != nil {
		return fmt.Errorf("savepoint: %w", err)
	}
	incs := make([]*incidentmap.Incident, len(items))
	ids := make([]string, len(items))
	for i, item := range items {
		incs[i], ids[i] = item.Incident, item.Incident.ID
	}
	err = copyRows(ctx, sp, incs, now)
	if err == nil {
		if _, err = sp.Exec(ctx, insertCreateRevisions, ids); err != nil {
			err = fmt.Errorf("write revisions: %w", err)
		}
	}
	if err == nil {
		return sp.Commit(ctx)
	}
	sp.Rollback(ctx)
	if !isUniqueViolation(err) {
		return err
	}
	return repeatedKey(ctx, tx, items)
}

// copyRows copies incidents and their external ids.
func copyRows(ctx context.Context, tx pgx.Tx, incs []*incidentmap.Incident, now time.Time) error {
	if len(incs) == 0 {
		return nil
	}
	actor := incidentmap.ActorFrom(ctx)
	_, err := tx.CopyFrom(ctx, pgx.Identifier{"incidents"}, incidentColumns(),
		pgx.CopyFromSlice(len(incs), func(i int) ([]any, error) { return incidentValues(incs[i], now, actor) }))
	if err != nil {
		return fmt.Errorf("copy incidents: %w", err)
	}
	return copyExternalIDs(ctx, tx, incs)
}

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

// repeatedKey finds the first item of a batch whose id or external id an
// earlier item took, in this batch or in the table.
func repeatedKey(ctx context.Context, tx pgx.Tx, items []incidentmap.ImportItem) error {
	const taken = `SELECT EXISTS (SELECT 1 FROM incidents WHERE id = $1)
		OR EXISTS (SELECT 1 FROM incident_external_ids WHERE external_id = ANY($2))`
	var p upsert.Planner // with nothing found, it catches repeats within the batch
	if _, _, err := p.Plan(items, nil); err != nil {
		return err
	}
	for _, item := range items {
		inc := item.Incident
		var exists bool
		if err := tx.QueryRow(ctx, taken, inc.ID, nonNil(inc.ExternalIDs)).Scan(&exists); err != nil {
			return fmt.Errorf("find the repeated key: %w", err)
		}
		if exists {
			return upsert.Repeat(item.Line, "its id or an external id")
		}
	}
	return errors.New("a unique key refused a batch, but no item repeats a key")
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
