package postgis

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/incidentmap/incidentmap"
	"github.com/incidentmap/incidentmap/store/internal/write"
)

// The history of incidents is written by the triggers of migration 0004:
// the methods here check versions and write; revision.go reads the
// revisions back.

// writeLock is the advisory lock the triggers of migration 0004 take; a
// writer takes it first so that it never waits for it while holding row
// locks another writer needs.
const writeLock = `SELECT pg_advisory_xact_lock(7587386140557066)`

// inTx runs fn in a transaction that holds the write lock, and commits it
// if fn returns nil. The cached data version is dropped once the
// transaction ends, before inTx returns.
func (s *Store) inTx(ctx context.Context, fn func(*sqlx.Tx) error) error {
	defer s.version.forget()
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, writeLock); err != nil {
		return fmt.Errorf("lock: %w", err)
	}
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// checkVersion locks the incident's row and reads its version; see
// write.CheckVersion.
func checkVersion(ctx context.Context, tx *sqlx.Tx, id string, expected int) (int, error) {
	return write.CheckVersion(ctx, tx, selectVersion, id, expected)
}

// The SQL of write.DeleteVersion.
const (
	selectVersion = `SELECT version FROM incidents WHERE id = $1 FOR UPDATE`
	deleteByID    = `DELETE FROM incidents WHERE id = $1`
	insertTomb    = `INSERT INTO incident_tombstones (id, version, deleted_at, deleted_by) VALUES ($1, $2, $3, $4)`
)

var deleteSQL = write.Delete{SelectVersion: selectVersion, DeleteIncident: deleteByID, InsertTombstone: insertTomb}

const updateIncident = `UPDATE incidents SET title = ?, summary = ?, occurred_start = ?, occurred_end = ?, date_precision = ?,
	location = ST_SetSRID(ST_MakePoint(?, ?), 4326), location_precision = ?, place_name = ?, country = ?,
	admin1_code = ?, admin1_name = ?, event_type = ?, sub_event_type = ?, target_type = ?, target_country = ?,
	facility = ?, perpetrator = ?, actors = ?, fatalities = ?, injuries = ?, tags = ?, sources = ?, responses = ?,
	status = ?, version = ?, updated_at = ?, updated_by = ?
	WHERE id = ? RETURNING created_at`

// UpdateIncident replaces the incident inc.ID if it is at version
// expected; see incidentmap.Store. The row lock taken by the version check
// holds until the commit, so two writers of one version cannot both pass.
func (s *Store) UpdateIncident(ctx context.Context, inc *incidentmap.Incident, expected int) error {
	if inc == nil {
		return incidentmap.Invalidf("incident", "is missing")
	}
	if err := inc.Validate(); err != nil {
		return err
	}
	v, err := incidentValues(inc, time.Time{}, incidentmap.ActorFrom(ctx))
	if err != nil {
		return fmt.Errorf("postgis: update incident %s: %w", inc.ID, err)
	}
	var now, created time.Time
	err = s.inTx(ctx, func(tx *sqlx.Tx) error {
		// Stamped once the write lock is held, so that the times of
		// revisions follow their order.
		now = s.now()
		if _, err := checkVersion(ctx, tx, inc.ID, expected); err != nil {
			return err
		}
		// The old external ids go first, so that the revision the update
		// writes sees only the new ones (see migration 0004).
		if _, err := tx.ExecContext(ctx, `DELETE FROM incident_external_ids WHERE incident_id = $1`, inc.ID); err != nil {
			return fmt.Errorf("delete external ids: %w", err)
		}
		args := []any{v[1], v[2], v[3], v[4], v[5], inc.Location.Lon(), inc.Location.Lat()}
		args = append(args, v[7:25]...)
		args = append(args, expected+1, now, v[28], inc.ID)
		if err := tx.QueryRowxContext(ctx, rebind(updateIncident), args...).Scan(&created); err != nil {
			return fmt.Errorf("update: %w", err)
		}
		for ord, x := range inc.ExternalIDs {
			_, err := tx.ExecContext(ctx, `INSERT INTO incident_external_ids (external_id, incident_id, ord) VALUES ($1, $2, $3)`, x, inc.ID, ord)
			if isUniqueViolation(err) {
				return &incidentmap.Error{Code: incidentmap.ECONFLICT, Param: "external_ids",
					Message: fmt.Sprintf("external_ids: %q belongs to another incident or is listed twice", x)}
			} else if err != nil {
				return fmt.Errorf("insert external id: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("postgis: update incident %s: %w", inc.ID, err)
	}
	inc.Version, inc.CreatedAt, inc.UpdatedAt = expected+1, created.UTC(), now
	return nil
}

// DeleteIncidentVersion deletes the incident if it is at version expected
// (any version when expected is 0) and leaves a tombstone naming the actor.
func (s *Store) DeleteIncidentVersion(ctx context.Context, id string, expected int) error {
	if !incidentmap.ValidID(id) {
		return notFound(id)
	}
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		return write.DeleteVersion(ctx, tx, deleteSQL, id, expected, s.now())
	})
	if err != nil {
		return fmt.Errorf("postgis: delete incident %s: %w", id, err)
	}
	return nil
}
