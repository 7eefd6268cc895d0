package sqlite

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/jmoiron/sqlx"

	"github.com/incidentmap/incidentmap"
	"github.com/incidentmap/incidentmap/store/internal/upsert"
)

// progressEvery is how many items pass between calls of Progress.
const progressEvery = 5000

// errDryRun rolls back the transaction of a dry run.
var errDryRun = errors.New("dry run")

// UpsertIncidents writes the items of an import in one transaction; see
// incidentmap.Store. Into an empty store it loads in bulk: it drops the
// secondary indexes and the R*Tree trigger, inserts with one prepared
// statement, then fills the R*Tree and builds the indexes in one pass each,
// all inside the transaction, so that a failure or a crash leaves the
// schema and the data as they were. Otherwise it looks items up in
// batches by id and external id and creates, updates or skips each.
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
	Name string `db:"name"`
	SQL  string `db:"sql"`
}

// The indexes a bulk load drops and builds again, and the trigger that
// would otherwise insert into the R*Tree row by row. Implicit indexes of
// UNIQUE and PRIMARY KEY constraints have no SQL and stay.
const (
	selectBulkIndexes = `SELECT name, sql FROM sqlite_master
		WHERE type = 'index' AND tbl_name IN ('incidents', 'incident_external_ids') AND sql IS NOT NULL`
	selectRTreeTrigger = `SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name = 'incidents_rtree_insert'`
	fillRTree          = `INSERT INTO incidents_rtree (rid, min_lon, max_lon, min_lat, max_lat)
		SELECT rid, lon, lon, lat, lat FROM incidents`
)

func (s *Store) bulkLoad(ctx context.Context, tx *sqlx.Tx, next func() (incidentmap.ImportItem, error), opt incidentmap.ImportOptions) (incidentmap.ImportResult, error) {
	res := incidentmap.ImportResult{Bulk: true}
	var dropped []schemaObject
	if err := tx.SelectContext(ctx, &dropped, selectBulkIndexes); err != nil {
		return res, fmt.Errorf("list indexes: %w", err)
	}
	var trigger []schemaObject
	if err := tx.SelectContext(ctx, &trigger, selectRTreeTrigger); err != nil {
		return res, fmt.Errorf("find trigger: %w", err)
	}
	for _, o := range dropped {
		if _, err := tx.ExecContext(ctx, `DROP INDEX "`+o.Name+`"`); err != nil {
			return res, fmt.Errorf("drop index %s: %w", o.Name, err)
		}
	}
	for _, o := range trigger {
		if _, err := tx.ExecContext(ctx, `DROP TRIGGER "`+o.Name+`"`); err != nil {
			return res, fmt.Errorf("drop trigger %s: %w", o.Name, err)
		}
	}
	ins, err := prepareInserts(ctx, tx)
	if err != nil {
		return res, err
	}
	defer ins.close()
	nowText := formatInstant(s.now())
	for {
		item, err := next()
		if errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return res, err
		}
		if err := upsert.Validate(item); err != nil {
			return res, err
		}
		if err := ins.insert(ctx, item.Incident, nowText); err != nil {
			return res, upsert.AtLine(item.Line, err)
		}
		res.Created++
		if opt.Progress != nil && res.Created%progressEvery == 0 {
			opt.Progress(res.Created)
		}
		if res.Created%progressEvery == 0 && ctx.Err() != nil {
			return res, ctx.Err()
		}
	}
	if _, err := tx.ExecContext(ctx, fillRTree); err != nil {
		return res, fmt.Errorf("fill the R*Tree: %w", err)
	}
	for _, o := range append(trigger, dropped...) {
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
	updateIncident = `UPDATE incidents SET title = ?, summary = ?, occurred_start = ?, occurred_end = ?, date_precision = ?,
	lon = ?, lat = ?, location_precision = ?, place_name = ?, country = ?, admin1_code = ?, admin1_name = ?,
	event_type = ?, sub_event_type = ?, target_type = ?, target_country = ?, facility = ?,
	perpetrator = ?, actors = ?, fatalities = ?, injuries = ?, tags = ?, sources = ?, responses = ?,
	status = ?, version = version + 1, updated_at = ? WHERE id = ?`
	deleteExternalIDs = `DELETE FROM incident_external_ids WHERE incident_id = ?`
)

func (s *Store) upsert(ctx context.Context, tx *sqlx.Tx, next func() (incidentmap.ImportItem, error), opt incidentmap.ImportOptions) (incidentmap.ImportResult, error) {
	var p upsert.Planner
	ins, err := prepareInserts(ctx, tx)
	if err != nil {
		return p.Result, err
	}
	defer ins.close()
	update, err := tx.PreparexContext(ctx, updateIncident)
	if err != nil {
		return p.Result, fmt.Errorf("prepare update: %w", err)
	}
	defer update.Close()
	nowText := formatInstant(s.now())
	var buf []incidentmap.ImportItem
	taken := 0
	for {
		items, eof, err := upsert.Next(next, buf, upsert.BatchSize)
		if err != nil {
			return p.Result, err
		}
		buf = items
		for _, item := range items {
			if err := upsert.Validate(item); err != nil {
				return p.Result, err
			}
		}
		found, err := s.matches(ctx, tx, items)
		if err != nil {
			return p.Result, err
		}
		creates, updates, err := p.Plan(items, found)
		if err != nil {
			return p.Result, err
		}
		for _, inc := range creates {
			if err := ins.insert(ctx, inc, nowText); err != nil {
				return p.Result, err
			}
		}
		for _, inc := range updates {
			args, err := incidentArgs(inc, nowText)
			if err != nil {
				return p.Result, fmt.Errorf("encode incident %s: %w", inc.ID, err)
			}
			if _, err := update.ExecContext(ctx, append(args[1:26], nowText, inc.ID)...); err != nil {
				return p.Result, fmt.Errorf("update incident %s: %w", inc.ID, err)
			}
			if _, err := tx.ExecContext(ctx, deleteExternalIDs, inc.ID); err != nil {
				return p.Result, fmt.Errorf("update external ids of %s: %w", inc.ID, err)
			}
			for pos, x := range inc.ExternalIDs {
				if _, err := ins.externalID.ExecContext(ctx, x, inc.ID, pos); err != nil {
					return p.Result, fmt.Errorf("update external ids of %s: %w", inc.ID, err)
				}
			}
		}
		taken += len(items)
		if opt.Progress != nil {
			opt.Progress(taken)
		}
		if eof {
			return p.Result, nil
		}
		if err := ctx.Err(); err != nil {
			return p.Result, err
		}
	}
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
	defer rows.Close()
	found := upsert.Found{}
	for rows.Next() {
		var row incidentRow
		if err := rows.StructScan(&row); err != nil {
			return nil, fmt.Errorf("find matches: %w", err)
		}
		inc, err := row.incident()
		if err != nil {
			return nil, fmt.Errorf("find matches: decode %s: %w", row.ID, err)
		}
		found[inc.ID] = inc
	}
	return found, rows.Err()
}
