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
// incidentmap.Store. Into an empty store it loads in bulk (see bulkLoad),
// with the pragmas of bulkPragmas. Otherwise it looks items up in batches
// by id and external id and creates, updates or skips each.
func (s *Store) UpsertIncidents(ctx context.Context, next func() (incidentmap.ImportItem, error), opt incidentmap.ImportOptions) (incidentmap.ImportResult, error) {
	var res incidentmap.ImportResult
	// The writer, held so that the pragmas apply to the import's
	// transaction and are undone on the same connection.
	conn, err := s.db.Connx(ctx)
	if err != nil {
		return res, fmt.Errorf("sqlite: import: %w", err)
	}
	defer conn.Close()
	var empty bool
	if err := conn.QueryRowContext(ctx, selectEmpty).Scan(&empty); err != nil {
		return res, fmt.Errorf("sqlite: import: count: %w", err)
	}
	if empty { // a hint: the transaction decides
		defer s.bulkJournal(ctx, conn)()
		undo, err := bulkPragmas(ctx, conn)
		if err != nil {
			return res, fmt.Errorf("sqlite: import: %w", err)
		}
		defer undo()
	}
	err = inTxOn(ctx, conn, func(tx *sqlx.Tx) error {
		if err := tx.QueryRowContext(ctx, selectEmpty).Scan(&empty); err != nil {
			return fmt.Errorf("count: %w", err)
		}
		var err error
		if empty {
			res, err = s.bulkLoad(ctx, conn, tx, next, opt)
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

// selectEmpty is whether the store holds no incidents.
const selectEmpty = `SELECT NOT EXISTS (SELECT 1 FROM incidents)`

// schemaObject is an index or trigger as sqlite_master keeps it.
type schemaObject struct {
	Type string `db:"type"`
	Name string `db:"name"`
	SQL  string `db:"sql"`
}

// bulkTriggers are the row triggers that a bulk load drops. What each
// would have done row by row, the load does in bulk (see bulkInserter):
// the R*Tree is packed from the boxes of the rows (packRTree), the data
// version is bumped once by the number of rows, and the "create" revisions
// of migration 0004 are copied from each batch of rows once it is written,
// with the external ids that incident_external_ids_revision would have
// written into them.
var bulkTriggers = []string{
	triggerRTree, triggerVersion, triggerRevision, "incident_external_ids_revision",
}

const (
	triggerRTree    = "incidents_rtree_insert"
	triggerVersion  = "incidents_version_insert"
	triggerRevision = "incidents_revision_insert"
)

// selectBulkObjects lists what a bulk load drops and builds again: the
// indexes of incidents, incident_external_ids and incident_revisions, and
// the triggers of bulkTriggers (bound as a JSON array). Implicit indexes
// of UNIQUE and PRIMARY KEY constraints have no SQL and stay, so that
// repeated keys are refused during the load.
const selectBulkObjects = `SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL
	AND (type = 'index' AND tbl_name IN ('incidents', 'incident_external_ids', 'incident_revisions')
	  OR type = 'trigger' AND name IN (SELECT value FROM json_each(?)))`

// The statements that do in bulk what the triggers would have done row by
// row: the store held no incidents before the load, so every row is new.
// Revisions are numbered in the order the rows were inserted (rid), as the
// trigger would have numbered them.
const (
	// bumpDataVersion adds ?1 rows written at ?2 (updated_at, the same for
	// all) whose longest span is ?3 days.
	bumpDataVersion = `UPDATE data_version SET seq = seq + ?1, incidents = incidents + ?1,
		modified_at = max(modified_at, ?2), max_span_days = max(max_span_days, ?3)
		WHERE id = 1 AND ?1 > 0`
	// insertCreateRevisions writes the revisions of the rows from rid ?1
	// on, one for each element of ?2, a JSON array that holds the array of
	// each row's external ids (bulkInserter.xjson): the rows' index of
	// external ids is built after the load, and looking each row's ids up
	// in it cost a third of the copy. json_group_array writes them as the
	// trigger's json_group_array over the table would. The CROSS JOIN
	// makes the array the outer loop, in its order (ORDER BY j.rowid is
	// json_each's own order, so SQLite does not sort), so that seq follows
	// rid.
	insertCreateRevisions = `INSERT INTO incident_revisions (incident_id, version, op, actor, at, external_ids,
		title, summary, occurred_start, occurred_end, date_precision, lon, lat, location_precision,
		place_name, country, admin1_code, admin1_name, event_type, sub_event_type, target_type,
		target_country, facility, perpetrator, actors, fatalities, injuries, tags, sources, responses,
		status, created_at)
		SELECT i.id, i.version, 'create', i.updated_by, i.updated_at,
		    (SELECT json_group_array(x.value) FROM json_each(j.value) x),
		    i.title, i.summary, i.occurred_start, i.occurred_end, i.date_precision, i.lon, i.lat,
		    i.location_precision, i.place_name, i.country, i.admin1_code, i.admin1_name, i.event_type,
		    i.sub_event_type, i.target_type, i.target_country, i.facility, i.perpetrator, i.actors,
		    i.fatalities, i.injuries, i.tags, i.sources, i.responses, i.status, i.created_at
		FROM json_each(?2) j CROSS JOIN incidents i ON i.rid = ?1 + j.key ORDER BY j.rowid`
)

// bulkLoad writes the items into an empty store: it drops the secondary
// indexes and the row triggers of bulkTriggers, inserts with multi-row
// INSERTs and does what the triggers would have done in bulk (see
// bulkInserter), then builds the indexes in one pass each, all inside the
// transaction, so that a failure or a crash leaves the schema and the data
// as they were, and a success leaves the same rows, revisions and data
// version as inserting row by row would have (TestBulkLoadAsTriggers).
func (s *Store) bulkLoad(ctx context.Context, conn *sqlx.Conn, tx *sqlx.Tx, next func() (incidentmap.ImportItem, error), opt incidentmap.ImportOptions) (incidentmap.ImportResult, error) {
	res := incidentmap.ImportResult{Bulk: true}
	namesJSON, err := json.Marshal(bulkTriggers)
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
	bulk, err := newBulkInserter(ctx, conn, tx, formatInstant(s.now()), incidentmap.ActorFrom(ctx), func(trigger string) bool {
		return slices.ContainsFunc(dropped, func(o schemaObject) bool { return o.Name == trigger })
	})
	if err != nil {
		return res, err
	}
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
	if err := bulk.finish(ctx); err != nil {
		return res, err
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
