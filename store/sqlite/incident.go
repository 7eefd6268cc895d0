package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/incidentmap/incidentmap"
	"github.com/incidentmap/incidentmap/store/internal/record"
)

// CreateIncident validates and inserts inc with its external ids. On success
// it sets inc.Version to 1 and both timestamps to the store's clock; on
// failure inc is left as it was. A taken id or external id is ECONFLICT.
func (s *Store) CreateIncident(ctx context.Context, inc *incidentmap.Incident) error {
	if err := validate(inc); err != nil {
		return fmt.Errorf("sqlite: create incident: %w", err)
	}
	now := s.now()
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		ins, err := prepareInserts(ctx, tx)
		if err != nil {
			return err
		}
		defer ins.close()
		return ins.insert(ctx, inc, formatInstant(now), incidentmap.ActorFrom(ctx))
	})
	if err != nil {
		return fmt.Errorf("sqlite: create incident %s: %w", inc.ID, err)
	}
	stamp(inc, now)
	return nil
}

// ImportIncidents validates all of incs, then inserts them in one
// transaction, or none of them. The error names the first incident at fault
// by its position in incs, counted from 1, and its id, and keeps the code
// and Param of the cause: "incident 2 (id i2): country: must be …".
func (s *Store) ImportIncidents(ctx context.Context, incs []*incidentmap.Incident) error {
	for i, inc := range incs {
		if err := validate(inc); err != nil {
			return fmt.Errorf("sqlite: import incidents: %w", atIncident(i, inc, err))
		}
	}
	if len(incs) == 0 {
		return nil
	}
	now := s.now()
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		ins, err := prepareInserts(ctx, tx)
		if err != nil {
			return err
		}
		defer ins.close()
		nowText, actor := formatInstant(now), incidentmap.ActorFrom(ctx)
		for i, inc := range incs {
			if err := ins.insert(ctx, inc, nowText, actor); err != nil {
				return atIncident(i, inc, err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("sqlite: import incidents: %w", err)
	}
	for _, inc := range incs {
		stamp(inc, now)
	}
	return nil
}

// atIncident prefixes an *incidentmap.Error with the position and id of the
// incident at fault, keeping its code and Param. Other errors, which are
// internal, get the prefix as context only.
func atIncident(i int, inc *incidentmap.Incident, err error) error {
	where := fmt.Sprintf("incident %d", i+1)
	if inc != nil {
		where += fmt.Sprintf(" (id %s)", inc.ID)
	}
	var e *incidentmap.Error
	if errors.As(err, &e) {
		return &incidentmap.Error{Code: e.Code, Message: where + ": " + e.Message, Param: e.Param}
	}
	return fmt.Errorf("%s: %w", where, err)
}

// validate is inc.Validate that also refuses a nil incident.
func validate(inc *incidentmap.Incident) error {
	if inc == nil {
		return incidentmap.Invalidf("incident", "is missing")
	}
	return inc.Validate()
}

func stamp(inc *incidentmap.Incident, now time.Time) {
	inc.Version, inc.CreatedAt, inc.UpdatedAt = 1, now, now
}

// inTx runs fn in a transaction of the writer and commits it if fn
// returns nil.
func (s *Store) inTx(ctx context.Context, fn func(*sqlx.Tx) error) error {
	return inTxOn(ctx, s.db, fn)
}

// inTxOn is inTx on db, the writer's pool or one of its connections.
func inTxOn(ctx context.Context, db interface {
	BeginTxx(context.Context, *sql.TxOptions) (*sqlx.Tx, error)
}, fn func(*sqlx.Tx) error) error {
	tx, err := db.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// inserts holds the statements that insert an incident, prepared once per
// transaction so that an import parses its SQL twice, not twice per row.
type inserts struct {
	incident, externalID *sqlx.Stmt
}

const insertIncident = `INSERT INTO incidents (
	id, title, summary, occurred_start, occurred_end, date_precision,
	lon, lat, location_precision, place_name, country, admin1_code, admin1_name,
	event_type, sub_event_type, target_type, target_country, facility,
	perpetrator, actors, fatalities, injuries, tags, sources, responses,
	status, version, created_at, updated_at, updated_by
) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

const insertExternalID = `INSERT INTO incident_external_ids (external_id, incident_id, position) VALUES (?, ?, ?)`

func prepareInserts(ctx context.Context, tx *sqlx.Tx) (*inserts, error) {
	inc, err := tx.PreparexContext(ctx, insertIncident)
	if err != nil {
		return nil, fmt.Errorf("prepare insert incident: %w", err)
	}
	ext, err := tx.PreparexContext(ctx, insertExternalID)
	if err != nil {
		inc.Close()
		return nil, fmt.Errorf("prepare insert external id: %w", err)
	}
	return &inserts{incident: inc, externalID: ext}, nil
}

func (ins *inserts) close() {
	ins.incident.Close()
	ins.externalID.Close()
}

// insert writes one validated incident. A duplicate id or external id is an
// ECONFLICT *incidentmap.Error naming it.
func (ins *inserts) insert(ctx context.Context, inc *incidentmap.Incident, now, actor string) error {
	args, err := incidentArgs(inc, now)
	if err != nil {
		return fmt.Errorf("encode incident %s: %w", inc.ID, err)
	}
	if _, err := ins.incident.ExecContext(ctx, append(args, actor)...); err != nil {
		if isUniqueViolation(err) {
			return &incidentmap.Error{Code: incidentmap.ECONFLICT, Param: "id",
				Message: fmt.Sprintf("id: an incident with id %s already exists", inc.ID)}
		}
		return fmt.Errorf("insert incident %s: %w", inc.ID, err)
	}
	return ins.insertExternalIDs(ctx, inc)
}

// insertExternalIDs writes the external ids of inc. One that is taken is
// an ECONFLICT *incidentmap.Error naming it.
func (ins *inserts) insertExternalIDs(ctx context.Context, inc *incidentmap.Incident) error {
	for pos, x := range inc.ExternalIDs {
		if _, err := ins.externalID.ExecContext(ctx, x, inc.ID, pos); err != nil {
			if isUniqueViolation(err) {
				return &incidentmap.Error{Code: incidentmap.ECONFLICT, Param: "external_ids",
					Message: fmt.Sprintf("external_ids: %q belongs to another incident or is listed twice", x)}
			}
			return fmt.Errorf("insert external id of incident %s: %w", inc.ID, err)
		}
	}
	return nil
}

const getIncident = `SELECT ` + incidentColumns + ` FROM incidents i WHERE i.id = ?`

// GetIncident returns the incident with this id and its external ids, read
// in one statement, or ENOTFOUND.
func (s *Store) GetIncident(ctx context.Context, id string) (*incidentmap.Incident, error) {
	inc, err := record.Get(ctx, s.read, getIncident, id, (*incidentRow).incident)
	if err != nil {
		return nil, fmt.Errorf("sqlite: get incident %s: %w", id, err)
	}
	return inc, nil
}

func notFound(id string) *incidentmap.Error { return record.NotFound(id) }

// DeleteIncident removes the incident (its external ids and its box in the
// R*Tree go with it, by cascade and trigger) and records a tombstone with its
// last version, in one transaction. An unknown id is ENOTFOUND.
func (s *Store) DeleteIncident(ctx context.Context, id string) error {
	return s.DeleteIncidentVersion(ctx, id, 0)
}

// tombstoneRow is an incident_tombstones row.
type tombstoneRow struct {
	ID        string `db:"id"`
	Version   int    `db:"version"`
	DeletedAt string `db:"deleted_at"`
}

const selectTombstones = `SELECT id, version, deleted_at FROM incident_tombstones
	WHERE deleted_at >= ? ORDER BY deleted_at, seq`

// Tombstones lists deletions at or after since, oldest first. Deletion times
// are kept to the microsecond; a since between two microseconds counts from
// the later one.
func (s *Store) Tombstones(ctx context.Context, since time.Time) ([]incidentmap.Tombstone, error) {
	from := since.UTC()
	if t := from.Truncate(time.Microsecond); !t.Equal(from) {
		from = t.Add(time.Microsecond)
	}
	var rows []tombstoneRow
	if err := s.read.SelectContext(ctx, &rows, selectTombstones, formatInstant(from)); err != nil {
		return nil, fmt.Errorf("sqlite: tombstones since %s: %w", since.Format(time.RFC3339Nano), err)
	}
	out := make([]incidentmap.Tombstone, len(rows))
	for i, r := range rows {
		at, err := time.Parse(instantLayout, r.DeletedAt)
		if err != nil {
			return nil, fmt.Errorf("sqlite: tombstones: deleted_at of %s: %w", r.ID, err)
		}
		out[i] = incidentmap.Tombstone{ID: r.ID, Version: r.Version, DeletedAt: at}
	}
	return out, nil
}
