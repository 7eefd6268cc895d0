package sqlite

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/incidentmap/incidentmap"
	"github.com/incidentmap/incidentmap/store/internal/record"
	"github.com/incidentmap/incidentmap/store/internal/sqlexpr"
	"github.com/incidentmap/incidentmap/store/internal/write"
)

// The history of incidents is written by the triggers of migration 0004:
// the methods here check versions, write, and read the revisions back.

const (
	selectVersion      = `SELECT version FROM incidents WHERE id = ?`
	deleteExternalIDs  = `DELETE FROM incident_external_ids WHERE incident_id = ?`
	updateIncidentByID = `UPDATE incidents SET title = ?, summary = ?, occurred_start = ?, occurred_end = ?, date_precision = ?,
	lon = ?, lat = ?, location_precision = ?, place_name = ?, country = ?, admin1_code = ?, admin1_name = ?,
	event_type = ?, sub_event_type = ?, target_type = ?, target_country = ?, facility = ?,
	perpetrator = ?, actors = ?, fatalities = ?, injuries = ?, tags = ?, sources = ?, responses = ?,
	status = ?, version = ?, updated_at = ?, updated_by = ?
	WHERE id = ? RETURNING created_at`
	deleteIncidentByID = `DELETE FROM incidents WHERE id = ?`
	insertTombstoneBy  = `INSERT INTO incident_tombstones (id, version, deleted_at, deleted_by) VALUES (?, ?, ?, ?)`
)

// checkVersion reads the current version of the incident id in tx; see
// write.CheckVersion.
func checkVersion(ctx context.Context, tx *sqlx.Tx, id string, expected int) (int, error) {
	return write.CheckVersion(ctx, tx, selectVersion, id, expected)
}

// UpdateIncident replaces the incident inc.ID if it is at version expected;
// see incidentmap.Store. The immediate transaction holds the write lock from
// the version check to the commit, so two writers of one version cannot both
// pass the check.
func (s *Store) UpdateIncident(ctx context.Context, inc *incidentmap.Incident, expected int) error {
	if err := validate(inc); err != nil {
		return fmt.Errorf("sqlite: update incident: %w", err)
	}
	var now time.Time
	var created string
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		// Stamped once the write lock is held, so that the times of
		// revisions follow their order.
		now = s.now()
		if _, err := checkVersion(ctx, tx, inc.ID, expected); err != nil {
			return err
		}
		args, err := incidentArgs(inc, "")
		if err != nil {
			return fmt.Errorf("encode: %w", err)
		}
		// The old external ids go first, so that the revision the update
		// writes sees only the new ones (see migration 0004).
		if _, err := tx.ExecContext(ctx, deleteExternalIDs, inc.ID); err != nil {
			return fmt.Errorf("delete external ids: %w", err)
		}
		args = append(args[1:26:26], expected+1, formatInstant(now), incidentmap.ActorFrom(ctx), inc.ID)
		if err := tx.QueryRowxContext(ctx, updateIncidentByID, args...).Scan(&created); err != nil {
			return fmt.Errorf("update: %w", err)
		}
		ins, err := prepareInserts(ctx, tx)
		if err != nil {
			return err
		}
		defer ins.close()
		return ins.insertExternalIDs(ctx, inc)
	})
	if err != nil {
		return fmt.Errorf("sqlite: update incident %s: %w", inc.ID, err)
	}
	createdAt, err := time.Parse(instantLayout, created)
	if err != nil {
		return fmt.Errorf("sqlite: update incident %s: created_at: %w", inc.ID, err)
	}
	inc.Version, inc.CreatedAt, inc.UpdatedAt = expected+1, createdAt, now
	return nil
}

// deleteSQL is the SQL of write.DeleteVersion.
var deleteSQL = write.Delete{SelectVersion: selectVersion, DeleteIncident: deleteIncidentByID, InsertTombstone: insertTombstoneBy}

// DeleteIncidentVersion deletes the incident if it is at version expected
// (any version when expected is 0) and leaves a tombstone naming the actor.
func (s *Store) DeleteIncidentVersion(ctx context.Context, id string, expected int) error {
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		return write.DeleteVersion(ctx, tx, deleteSQL, id, expected, formatInstant(s.now()))
	})
	if err != nil {
		return fmt.Errorf("sqlite: delete incident %s: %w", id, err)
	}
	return nil
}

// revisionRow is an incident_revisions row as selectRevisions reads it: the
// incident's columns (empty for a delete) and the revision's own.
type revisionRow struct {
	incidentRow
	record.RevisionMeta
}

// selectRevisions reads revisionRows from incident_revisions r. A delete
// has NULL incident columns, read as empty values and not decoded.
const selectRevisions = `SELECT r.seq, r.op, r.actor, r.incident_id AS id, r.external_ids,
	coalesce(r.title, '') AS title, coalesce(r.summary, '') AS summary,
	coalesce(r.occurred_start, '') AS occurred_start, coalesce(r.occurred_end, '') AS occurred_end,
	coalesce(r.date_precision, '') AS date_precision, coalesce(r.lon, 0) AS lon, coalesce(r.lat, 0) AS lat,
	coalesce(r.location_precision, '') AS location_precision, coalesce(r.place_name, '') AS place_name,
	coalesce(r.country, '') AS country, coalesce(r.admin1_code, '') AS admin1_code,
	coalesce(r.admin1_name, '') AS admin1_name, coalesce(r.event_type, '') AS event_type,
	coalesce(r.sub_event_type, '') AS sub_event_type, coalesce(r.target_type, '') AS target_type,
	coalesce(r.target_country, '') AS target_country, coalesce(r.facility, '') AS facility,
	coalesce(r.perpetrator, '') AS perpetrator, coalesce(r.actors, '[]') AS actors, r.fatalities, r.injuries,
	coalesce(r.tags, '[]') AS tags, coalesce(r.sources, '[]') AS sources, coalesce(r.responses, '[]') AS responses,
	coalesce(r.status, '') AS status, r.version, coalesce(r.created_at, r.at) AS created_at, r.at AS updated_at
	FROM incident_revisions r `

// revision converts the row.
func (r *revisionRow) revision() (incidentmap.Revision, error) {
	at, err := time.Parse(instantLayout, r.UpdatedAt)
	if err != nil {
		return incidentmap.Revision{}, fmt.Errorf("revision %d: at: %w", r.Seq, err)
	}
	return r.Revision(r.ID, r.Version, at, r.incident)
}

// revisions runs a selectRevisions query.
func (s *Store) revisions(ctx context.Context, q string, args ...any) ([]incidentmap.Revision, error) {
	rows, err := s.read.QueryxContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	return record.Collect(rows, (*revisionRow).revision)
}

// History returns the revisions of one incident, oldest first.
func (s *Store) History(ctx context.Context, id string) ([]incidentmap.Revision, error) {
	out, err := s.revisions(ctx, selectRevisions+`WHERE r.incident_id = ? ORDER BY r.seq`, id)
	if err != nil {
		return nil, fmt.Errorf("sqlite: history of %s: %w", id, err)
	}
	return out, nil
}

// changesWhere selects the revisions after a seq, and with ? false only
// those that are not about drafts (see incidentmap.Store.Changes).
const changesWhere = `WHERE r.seq > ? AND (? OR (r.op <> 'delete' AND r.status <> 'draft') OR (r.op = 'delete' AND EXISTS (
	SELECT 1 FROM incident_revisions p WHERE p.incident_id = r.incident_id AND p.seq < r.seq AND p.status <> 'draft')))
	ORDER BY r.seq LIMIT ?`

// Changes returns revisions after since in commit order.
func (s *Store) Changes(ctx context.Context, since int64, limit int, drafts bool) ([]incidentmap.Revision, error) {
	out, err := s.revisions(ctx, selectRevisions+changesWhere, since, drafts, record.ChangesLimit(limit))
	if err != nil {
		return nil, fmt.Errorf("sqlite: changes since %d: %w", since, err)
	}
	return out, nil
}

// asOfWith is a WITH clause that shadows the tables a read of incidents
// touches (incidents, incident_external_ids, incidents_rtree) with the
// state at the instant bound to its two ? of the incidents that changed
// after it, rebuilt from their latest revision at or before it. The
// queries of find.go run unchanged after it, over those incidents only;
// findAsOf merges them with the incidents that did not change, read from
// the real tables (unchangedSince). The changed incidents come from the
// index of revisions by time (a DISTINCT there made SQLite scan the index
// by incident instead: 2.3 s at 1M), the latest revision of each from the
// index by incident. MATERIALIZED builds each table once per
// query: inlined, the external ids of each row of the page looked up every
// changed incident again (a page over 100 changes took 29 ms instead of 6).
const asOfWith = `WITH incidents AS MATERIALIZED (
	SELECT r.seq AS rid, r.incident_id AS id, r.external_ids AS revision_external_ids,
	       r.title, r.summary, r.occurred_start, r.occurred_end, r.date_precision, r.lon, r.lat,
	       ` + record.RevisionColumnsAfterLocation + `
	  FROM incident_revisions r
	 WHERE r.seq IN (SELECT (SELECT max(p.seq) FROM incident_revisions p WHERE p.incident_id = c.incident_id AND p.at <= ?)
	                   FROM (SELECT incident_id FROM incident_revisions WHERE at > ?) AS c)
	   AND r.op <> 'delete'
), incident_external_ids AS MATERIALIZED (
	SELECT j.value AS external_id, i.id AS incident_id, j.key AS position
	  FROM incidents i, json_each(i.revision_external_ids) j
), incidents_rtree AS (
	SELECT rid, lon AS min_lon, lon AS max_lon, lat AS min_lat, lat AS max_lat FROM incidents
) `

// unchangedSince is the condition, over incidents, that an incident has no
// revision after the instant bound to its ?: then its row is its state at
// that instant. SQLite builds the set of the incidents changed since once
// per query, from the index of revisions by time, and tests each row
// against it in memory: a sort of a million rows (sortby=-fatalities)
// took 8-21 s with it, 22-37 s with a NOT EXISTS that reads the
// revisions of every row.
const unchangedSince = `incidents.id NOT IN (SELECT incident_id FROM incident_revisions WHERE at > ?)`

// asOf returns the reads of f through q: f alone, or as of f.AsOf the
// incidents changed after the instant (asOfWith) and the ones that did not
// (unchangedSince), in that order; none before the first revision.
func asOf(ctx context.Context, q sqlx.QueryerContext, f incidentmap.Filter) ([]sqlexpr.Part, error) {
	if f.AsOf.IsZero() {
		return []sqlexpr.Part{{F: f}}, nil
	}
	at := formatInstant(f.AsOf)
	var some bool
	if err := q.QueryRowxContext(ctx, record.HistoryAt, at).Scan(&some); err != nil {
		return nil, fmt.Errorf("sqlite: history as of %s: %w", f.AsOf, err)
	} else if !some {
		return nil, nil
	}
	changed, rest := sqlexpr.AsOfParts(f, asOfWith, []any{at, at}, unchangedSince, []any{at})
	return []sqlexpr.Part{changed, rest}, nil
}
