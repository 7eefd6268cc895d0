package postgis

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/incidentmap/incidentmap"
)

// The history of incidents is written by the triggers of migration 0004:
// the methods here check versions, write, and read the revisions back.

// writeLock is the advisory lock the triggers of migration 0004 take; a
// writer takes it first so that it never waits for it while holding row
// locks another writer needs.
const writeLock = `SELECT pg_advisory_xact_lock(7587386140557066)`

// inTx runs fn in a transaction that holds the write lock, and commits it
// if fn returns nil.
func (s *Store) inTx(ctx context.Context, fn func(*sqlx.Tx) error) error {
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

// checkVersion locks the incident's row and reads its version: an unknown
// id is ENOTFOUND, and a version other than expected (unless expected is 0)
// ESTALE.
func checkVersion(ctx context.Context, tx *sqlx.Tx, id string, expected int) (int, error) {
	var version int
	if err := tx.QueryRowxContext(ctx, `SELECT version FROM incidents WHERE id = $1 FOR UPDATE`, id).Scan(&version); errors.Is(err, sql.ErrNoRows) {
		return 0, notFound(id)
	} else if err != nil {
		return 0, fmt.Errorf("read version: %w", err)
	}
	if expected != 0 && version != expected {
		return 0, incidentmap.Errorf(incidentmap.ESTALE,
			"incident %s is at version %d, not %d: read it again and reapply the change", id, version, expected)
	}
	return version, nil
}

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
		version, err := checkVersion(ctx, tx, id, expected)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM incidents WHERE id = $1`, id); err != nil {
			return fmt.Errorf("delete: %w", err)
		}
		const tomb = `INSERT INTO incident_tombstones (id, version, deleted_at, deleted_by) VALUES ($1, $2, $3, $4)`
		if _, err := tx.ExecContext(ctx, tomb, id, version, s.now(), incidentmap.ActorFrom(ctx)); err != nil {
			return fmt.Errorf("tombstone: %w", err)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("postgis: delete incident %s: %w", id, err)
	}
	return nil
}

// revisionRow is an incident_revisions row as selectRevisions reads it.
type revisionRow struct {
	incidentRow
	Seq   int64  `db:"seq"`
	Op    string `db:"op"`
	Actor string `db:"actor"`
}

// selectRevisions reads revisionRows from incident_revisions r. A delete
// has NULL incident columns, read as placeholders and not decoded.
const selectRevisions = `SELECT r.seq, r.op, r.actor, r.incident_id AS id, array_to_json(r.external_ids) AS external_ids,
	coalesce(r.title, '') AS title, coalesce(r.summary, '') AS summary,
	coalesce(r.occurred_start, DATE '1970-01-01') AS occurred_start, coalesce(r.occurred_end, DATE '1970-01-01') AS occurred_end,
	coalesce(r.date_precision, '') AS date_precision, coalesce(ST_X(r.location), 0) AS lon, coalesce(ST_Y(r.location), 0) AS lat,
	coalesce(r.location_precision, '') AS location_precision, coalesce(r.place_name, '') AS place_name,
	coalesce(r.country, '') AS country, coalesce(r.admin1_code, '') AS admin1_code,
	coalesce(r.admin1_name, '') AS admin1_name, coalesce(r.event_type, '') AS event_type,
	coalesce(r.sub_event_type, '') AS sub_event_type, coalesce(r.target_type, '') AS target_type,
	coalesce(r.target_country, '') AS target_country, coalesce(r.facility, '') AS facility,
	coalesce(r.perpetrator, '') AS perpetrator, array_to_json(r.actors) AS actors, r.fatalities, r.injuries,
	array_to_json(r.tags) AS tags, coalesce(r.sources, '[]') AS sources, coalesce(r.responses, '[]') AS responses,
	coalesce(r.status, '') AS status, r.version, coalesce(r.created_at, r.at) AS created_at, r.at AS updated_at
	FROM incident_revisions r `

// revisions runs a selectRevisions query.
func (s *Store) revisions(ctx context.Context, q string, args ...any) ([]incidentmap.Revision, error) {
	rows, err := s.db.QueryxContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []incidentmap.Revision
	for rows.Next() {
		var row revisionRow
		if err := rows.StructScan(&row); err != nil {
			return nil, fmt.Errorf("scan: %w", err)
		}
		rev := incidentmap.Revision{Seq: row.Seq, ID: row.ID, Version: row.Version, Op: incidentmap.Op(row.Op),
			Actor: row.Actor, At: row.UpdatedAt.UTC()}
		if rev.Op != incidentmap.OpDelete {
			if rev.Incident, err = row.incident(); err != nil {
				return nil, fmt.Errorf("decode revision %d: %w", row.Seq, err)
			}
		}
		out = append(out, rev)
	}
	return out, rows.Err()
}

// History returns the revisions of one incident, oldest first.
func (s *Store) History(ctx context.Context, id string) ([]incidentmap.Revision, error) {
	out, err := s.revisions(ctx, selectRevisions+`WHERE r.incident_id = $1 ORDER BY r.seq`, id)
	if err != nil {
		return nil, fmt.Errorf("postgis: history of %s: %w", id, err)
	}
	return out, nil
}

// Changes returns revisions after since in commit order.
func (s *Store) Changes(ctx context.Context, since int64, limit int, drafts bool) ([]incidentmap.Revision, error) {
	const where = `WHERE r.seq > $1 AND ($2 OR (r.op <> 'delete' AND r.status <> 'draft') OR (r.op = 'delete' AND EXISTS (
		SELECT 1 FROM incident_revisions p WHERE p.incident_id = r.incident_id AND p.seq < r.seq AND p.status <> 'draft')))
		ORDER BY r.seq LIMIT $3`
	if limit <= 0 || limit > incidentmap.HistoryLimit {
		limit = incidentmap.HistoryLimit
	}
	out, err := s.revisions(ctx, selectRevisions+where, since, drafts, limit)
	if err != nil {
		return nil, fmt.Errorf("postgis: changes since %d: %w", since, err)
	}
	return out, nil
}

// asOfWith is a WITH clause that shadows the tables a read of incidents
// touches (incidents, incident_external_ids) with the state they had at the
// instant bound to its one ?, rebuilt from the latest revision of each
// incident at or before it. The queries of find.go run unchanged after it,
// without the indexes of the real tables: as_of reads scan the revisions.
const asOfWith = `WITH incidents AS (
	SELECT r.incident_id AS id, r.external_ids AS revision_external_ids,
	       r.title, r.summary, r.occurred_start, r.occurred_end, r.date_precision, r.location,
	       r.location_precision, r.place_name, r.country, r.admin1_code, r.admin1_name,
	       r.event_type, r.sub_event_type, r.target_type, r.target_country, r.facility,
	       r.perpetrator, r.actors, r.fatalities, r.injuries, r.tags, r.sources, r.responses,
	       r.status, r.version, r.created_at, r.at AS updated_at
	  FROM incident_revisions r
	 WHERE r.seq IN (SELECT max(seq) FROM incident_revisions WHERE at <= ? GROUP BY incident_id)
	   AND r.op <> 'delete'
), incident_external_ids AS (
	SELECT u.x AS external_id, i.id AS incident_id, u.n AS ord
	  FROM incidents i, unnest(i.revision_external_ids) WITH ORDINALITY AS u(x, n)
) `

// asOf returns the prefix and the leading arguments that make a read of f
// see the data as of f.AsOf; nothing when it is zero.
func asOf(f incidentmap.Filter) (string, []any) {
	if f.AsOf.IsZero() {
		return "", nil
	}
	return asOfWith, []any{f.AsOf.UTC()}
}
