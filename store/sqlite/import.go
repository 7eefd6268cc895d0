package sqlite

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/jmoiron/sqlx"

	"github.com/incidentmap/incidentmap"
	"github.com/incidentmap/incidentmap/store/internal/record"
	"github.com/incidentmap/incidentmap/store/internal/upsert"
)

// progressEvery is how many items pass between calls of Progress.
const progressEvery = 5000

// errDryRun rolls back the transaction of a dry run.
var errDryRun = errors.New("dry run")

// UpsertIncidents writes the items of an import in one transaction; see
// incidentmap.Store. Into an empty store it loads in bulk (see bulkLoad).
// Otherwise it looks items up in batches by id and external id and
// creates, updates or skips each.
func (s *Store) UpsertIncidents(ctx context.Context, next func() (incidentmap.ImportItem, error), opt incidentmap.ImportOptions) (incidentmap.ImportResult, error) {
	var res incidentmap.ImportResult
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		var empty bool
		if err := tx.QueryRowContext(ctx, `SELECT NOT EXISTS (SELECT 1 FROM incidents)`).Scan(&empty); err != nil {
			return fmt.Errorf("count: %w", err)
		}
		var err error
		if empty {
			res, err = s.bulkLoad(ctx, tx, next, opt)
		} else {
			res, err = s.upsert(ctx, tx, next, opt)
		}
		if err == nil && opt.DryRun {
			err = errDryRun
		}
		return err
	})
	if errors.Is(err, errDryRun) {
		return res, nil
	} else if err != nil {
		return incidentmap.ImportResult{}, fmt.Errorf("sqlite: import: %w", err)
	}
	return res, nil
}

// schemaObject is an index or trigger as sqlite_master keeps it.
type schemaObject struct {
	Type string `db:"type"`
	Name string `db:"name"`
	SQL  string `db:"sql"`
}

// bulkTriggers are the row triggers a bulk load drops, each with what
// does, after the load and in one pass, what the trigger would have done
// row by row, in this order: the R*Tree (packed, see packRTree), the data
// version (migration 0003) and the "create" revisions of migration 0004,
// which also carry the external ids that incident_external_ids_revision
// would have written into them.
var bulkTriggers = []struct {
	name   string
	replay func(context.Context, *sqlx.Tx) error
}{
	{"incidents_rtree_insert", packRTree},
	{"incidents_version_insert", execSQL(bumpDataVersion)},
	{"incidents_revision_insert", execSQL(insertCreateRevisions)},
	{"incident_external_ids_revision", nil},
}

// execSQL returns a replay of bulkTriggers that runs q.
func execSQL(q string) func(context.Context, *sqlx.Tx) error {
	return func(ctx context.Context, tx *sqlx.Tx) error {
		_, err := tx.ExecContext(ctx, q)
		return err
	}
}

// selectBulkObjects lists what a bulk load drops and builds again: the
// indexes of incidents and of incident_revisions (the external ids keep
// theirs: insertCreateRevisions reads through it), and the triggers of
// bulkTriggers (bound as a JSON array). Implicit indexes of UNIQUE and
// PRIMARY KEY constraints have no SQL and stay, so that repeated keys are
// refused during the load.
const selectBulkObjects = `SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL
	AND (type = 'index' AND tbl_name IN ('incidents', 'incident_revisions')
	  OR type = 'trigger' AND name IN (SELECT value FROM json_each(?)))`

// The statements that replay bulkTriggers over the rows of a bulk load:
// the store held no incidents before it, so every row of incidents is new.
// Revisions are numbered in the order the rows were inserted (rid), as the
// trigger would have numbered them.
const (
	bumpDataVersion = `UPDATE data_version SET seq = seq + n.rows, incidents = incidents + n.rows,
		modified_at = max(modified_at, n.latest), max_span_days = max(max_span_days, n.span)
		FROM (SELECT count(*) AS rows, max(updated_at) AS latest,
		             max(CAST(julianday(occurred_end) - julianday(occurred_start) AS INTEGER)) AS span
		        FROM incidents) AS n
		WHERE id = 1 AND n.rows > 0`
	insertCreateRevisions = `INSERT INTO incident_revisions (incident_id, version, op, actor, at, external_ids,
		title, summary, occurred_start, occurred_end, date_precision, lon, lat, location_precision,
		place_name, country, admin1_code, admin1_name, event_type, sub_event_type, target_type,
		target_country, facility, perpetrator, actors, fatalities, injuries, tags, sources, responses,
		status, created_at)
		SELECT i.id, i.version, 'create', i.updated_by, i.updated_at,
		    (SELECT json_group_array(x.external_id ORDER BY x.position) FROM incident_external_ids x WHERE x.incident_id = i.id),
		    i.title, i.summary, i.occurred_start, i.occurred_end, i.date_precision, i.lon, i.lat,
		    i.location_precision, i.place_name, i.country, i.admin1_code, i.admin1_name, i.event_type,
		    i.sub_event_type, i.target_type, i.target_country, i.facility, i.perpetrator, i.actors,
		    i.fatalities, i.injuries, i.tags, i.sources, i.responses, i.status, i.created_at
		FROM incidents i ORDER BY i.rid`
)

// bulkLoad writes the items into an empty store: it drops the secondary
// indexes and the row triggers of bulkTriggers, inserts with multi-row
// INSERTs, then replays the triggers with one statement each and builds
// the indexes in one pass each, all inside the transaction, so that a
// failure or a crash leaves the schema and the data as they were, and a
// success leaves the same rows, revisions and data version as inserting
// row by row would have (TestBulkLoadAsTriggers).
func (s *Store) bulkLoad(ctx context.Context, tx *sqlx.Tx, next func() (incidentmap.ImportItem, error), opt incidentmap.ImportOptions) (incidentmap.ImportResult, error) {
	res := incidentmap.ImportResult{Bulk: true}
	names := make([]string, len(bulkTriggers))
	for i, t := range bulkTriggers {
		names[i] = t.name
	}
	namesJSON, err := json.Marshal(names)
	if err != nil {
		return res, err
	}
	var dropped []schemaObject
	if err := tx.SelectContext(ctx, &dropped, selectBulkObjects, string(namesJSON)); err != nil {
		return res, fmt.Errorf("list indexes and triggers: %w", err)
	}
	for _, o := range dropped {
		if _, err := tx.ExecContext(ctx, `DROP `+strings.ToUpper(o.Type)+` "`+o.Name+`"`); err != nil {
			return res, fmt.Errorf("drop %s %s: %w", o.Type, o.Name, err)
		}
	}
	ins, err := prepareInserts(ctx, tx)
	if err != nil {
		return res, err
	}
	defer ins.close()
	bulk := &bulkInserter{tx: tx, ins: ins, now: formatInstant(s.now()), actor: incidentmap.ActorFrom(ctx), stmts: map[string]*sqlx.Stmt{}}
	defer bulk.close()
	err = upsert.Batches(ctx, next, bulkRows, nil, func(items []incidentmap.ImportItem) error {
		if err := bulk.insert(ctx, items); err != nil {
			return err
		}
		res.Created += len(items)
		if opt.Progress != nil && res.Created%progressEvery < bulkRows {
			opt.Progress(res.Created)
		}
		return nil
	})
	if err != nil {
		return res, err
	}
	for _, t := range bulkTriggers {
		if t.replay == nil || !slices.ContainsFunc(dropped, func(o schemaObject) bool { return o.Name == t.name }) {
			continue
		}
		if err := t.replay(ctx, tx); err != nil {
			return res, fmt.Errorf("after the load, do what %s does: %w", t.name, err)
		}
	}
	for _, o := range dropped {
		if _, err := tx.ExecContext(ctx, o.SQL); err != nil {
			return res, fmt.Errorf("create %s: %w", o.Name, err)
		}
	}
	if opt.Progress != nil {
		opt.Progress(res.Created)
	}
	return res, nil
}

// bulkRows is how many incidents one INSERT of a bulk load writes: fewer
// calls through database/sql and the driver, which cost more than SQLite's
// own work per row. 100 rows × 29 columns stay under SQLite's limit of
// 32,766 bound parameters.
const bulkRows = 100

// bulkInserter writes batches of incidents with multi-row INSERTs under a
// savepoint; a batch that a unique key refuses is rolled back and written
// row by row, to name the line at fault.
type bulkInserter struct {
	tx    *sqlx.Tx
	ins   *inserts
	now   string
	actor string
	stmts map[string]*sqlx.Stmt // by SQL
	args  []any
	xargs []any
}

func (b *bulkInserter) close() {
	for _, st := range b.stmts {
		st.Close()
	}
}

func (b *bulkInserter) stmt(ctx context.Context, head string, rows, cols int) (*sqlx.Stmt, error) {
	tuple := "(?" + strings.Repeat(", ?", cols-1) + ")"
	q := head + tuple + strings.Repeat(", "+tuple, rows-1)
	if st, ok := b.stmts[q]; ok {
		return st, nil
	}
	st, err := b.tx.PreparexContext(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("prepare bulk insert: %w", err)
	}
	b.stmts[q] = st
	return st, nil
}

func (b *bulkInserter) insert(ctx context.Context, items []incidentmap.ImportItem) error {
	b.args, b.xargs = b.args[:0], b.xargs[:0]
	for _, item := range items {
		args, err := incidentArgs(item.Incident, b.now)
		if err != nil {
			return upsert.AtLine(item.Line, fmt.Errorf("encode: %w", err))
		}
		b.args = append(append(b.args, args...), b.actor)
		for pos, x := range item.Incident.ExternalIDs {
			b.xargs = append(b.xargs, x, item.Incident.ID, pos)
		}
	}
	if _, err := b.tx.ExecContext(ctx, `SAVEPOINT bulk`); err != nil {
		return fmt.Errorf("savepoint: %w", err)
	}
	err := b.exec(ctx, insertHead, len(items), len(b.args)/len(items), b.args)
	if err == nil && len(b.xargs) > 0 {
		err = b.exec(ctx, insertExternalIDHead, len(b.xargs)/3, 3, b.xargs)
	}
	if err == nil {
		_, err = b.tx.ExecContext(ctx, `RELEASE bulk`)
		return err
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

func (b *bulkInserter) exec(ctx context.Context, head string, rows, cols int, args []any) error {
	st, err := b.stmt(ctx, head, rows, cols)
	if err != nil {
		return err
	}
	_, err = st.ExecContext(ctx, args...)
	return err
}

// The INSERTs of insertIncident and insertExternalID up to their VALUES.
var (
	insertHead           = insertIncident[:strings.Index(insertIncident, "VALUES")+len("VALUES ")]
	insertExternalIDHead = insertExternalID[:strings.Index(insertExternalID, "VALUES")+len("VALUES ")]
)

// selectMatches reads the incidents that have one of the ids (a JSON
// array) or hold one of the external ids (another).
const selectMatches = `SELECT ` + incidentColumns + ` FROM incidents i
	WHERE i.id IN (SELECT value FROM json_each(?))
	   OR i.id IN (SELECT x.incident_id FROM incident_external_ids x WHERE x.external_id IN (SELECT value FROM json_each(?)))`

const (
	importUpdate = `UPDATE incidents SET title = ?, summary = ?, occurred_start = ?, occurred_end = ?, date_precision = ?,
	lon = ?, lat = ?, location_precision = ?, place_name = ?, country = ?, admin1_code = ?, admin1_name = ?,
	event_type = ?, sub_event_type = ?, target_type = ?, target_country = ?, facility = ?,
	perpetrator = ?, actors = ?, fatalities = ?, injuries = ?, tags = ?, sources = ?, responses = ?,
	status = ?, version = version + 1, updated_at = ?, updated_by = ? WHERE id = ?`
	importDeleteExternalIDs = `DELETE FROM incident_external_ids WHERE incident_id = ?`
)

func (s *Store) upsert(ctx context.Context, tx *sqlx.Tx, next func() (incidentmap.ImportItem, error), opt incidentmap.ImportOptions) (incidentmap.ImportResult, error) {
	var p upsert.Planner
	ins, err := prepareInserts(ctx, tx)
	if err != nil {
		return p.Result, err
	}
	defer ins.close()
	update, err := tx.PreparexContext(ctx, importUpdate)
	if err != nil {
		return p.Result, fmt.Errorf("prepare update: %w", err)
	}
	defer update.Close()
	nowText := formatInstant(s.now())
	actor := incidentmap.ActorFrom(ctx)
	err = upsert.Batches(ctx, next, upsert.BatchSize, opt.Progress, func(items []incidentmap.ImportItem) error {
		found, err := s.matches(ctx, tx, items)
		if err != nil {
			return err
		}
		creates, updates, err := p.Plan(items, found)
		if err != nil {
			return err
		}
		for _, inc := range creates {
			if err := ins.insert(ctx, inc, nowText, actor); err != nil {
				return err
			}
		}
		for _, inc := range updates {
			if err := importUpdateRow(ctx, tx, update, ins, inc, nowText, actor); err != nil {
				return err
			}
		}
		return nil
	})
	return p.Result, err
}

// importUpdateRow replaces an incident's columns and external ids.
func importUpdateRow(ctx context.Context, tx *sqlx.Tx, update *sqlx.Stmt, ins *inserts, inc *incidentmap.Incident, now, actor string) error {
	args, err := incidentArgs(inc, now)
	if err != nil {
		return fmt.Errorf("encode incident %s: %w", inc.ID, err)
	}
	if _, err := update.ExecContext(ctx, append(args[1:26], now, actor, inc.ID)...); err != nil {
		return fmt.Errorf("update incident %s: %w", inc.ID, err)
	}
	if _, err := tx.ExecContext(ctx, importDeleteExternalIDs, inc.ID); err != nil {
		return fmt.Errorf("update external ids of %s: %w", inc.ID, err)
	}
	for pos, x := range inc.ExternalIDs {
		if _, err := ins.externalID.ExecContext(ctx, x, inc.ID, pos); err != nil {
			return fmt.Errorf("update external ids of %s: %w", inc.ID, err)
		}
	}
	return nil
}

// matches reads the existing incidents that the items' ids and external
// ids name.
func (s *Store) matches(ctx context.Context, tx *sqlx.Tx, items []incidentmap.ImportItem) (upsert.Found, error) {
	ids, externalIDs := upsert.Keys(items)
	idsJSON, err := json.Marshal(ids)
	if err != nil {
		return nil, err
	}
	xJSON, err := json.Marshal(append([]string{}, externalIDs...))
	if err != nil {
		return nil, err
	}
	rows, err := tx.QueryxContext(ctx, selectMatches, string(idsJSON), string(xJSON))
	if err != nil {
		return nil, fmt.Errorf("find matches: %w", err)
	}
	incs, err := record.Collect(rows, (*incidentRow).incident)
	if err != nil {
		return nil, fmt.Errorf("find matches: %w", err)
	}
	return upsert.FoundOf(incs), nil
}
