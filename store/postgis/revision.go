package postgis

import (
	"context"
	"fmt"

	"github.com/jmoiron/sqlx"

	"github.com/incidentmap/incidentmap"
	"github.com/incidentmap/incidentmap/store/internal/record"
	"github.com/incidentmap/incidentmap/store/internal/sqlexpr"
)

// revisionRow is an incident_revisions row as selectRevisions reads it.
type revisionRow struct {
	incidentRow
	record.RevisionMeta
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
	return record.Collect(rows, func(r *revisionRow) (incidentmap.Revision, error) {
		return r.Revision(r.ID, r.Version, r.UpdatedAt, r.incident)
	})
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
	out, err := s.revisions(ctx, selectRevisions+where, since, drafts, record.ChangesLimit(limit))
	if err != nil {
		return nil, fmt.Errorf("postgis: changes since %d: %w", since, err)
	}
	return out, nil
}

// asOfWith is a WITH clause that shadows the tables a read of incidents
// touches (incidents, incident_external_ids) with the state at the instant
// bound to its two ? of the incidents that changed after it, rebuilt from
// their latest revision at or before it. The queries of find.go run
// unchanged after it, over those incidents only; findAsOf merges them with
// the incidents that did not change, read from the real tables
// (unchangedSince). The changed incidents come from the index of revisions
// by time, and the latest revision of each from the index by incident
// (LATERAL: with an IN, the planner hashed the whole revisions table); the
// external ids of a row of the page are looked up by the index too, tested
// against the set of the rebuilt rows hashed once (IS TRUE keeps the
// planner from turning the IN into a join it rebuilds for every row): a
// page over 2,000 changes took 24 ms instead of 157.
const asOfWith = `WITH incidents AS MATERIALIZED (
	SELECT r.seq AS rid, r.incident_id AS id, r.external_ids AS revision_external_ids,
	       r.title, r.summary, r.occurred_start, r.occurred_end, r.date_precision, r.location,
	       ` + record.RevisionColumnsAfterLocation + `
	  FROM (SELECT DISTINCT incident_id FROM incident_revisions WHERE at > ?) AS c
	 CROSS JOIN LATERAL (SELECT * FROM incident_revisions p WHERE p.incident_id = c.incident_id AND p.at <= ?
	                      ORDER BY p.seq DESC LIMIT 1) AS r
	 WHERE r.op <> 'delete'
), incident_external_ids AS (
	SELECT u.x AS external_id, r.incident_id, u.n AS ord
	  FROM incident_revisions r, unnest(r.external_ids) WITH ORDINALITY AS u(x, n)
	 WHERE (r.seq IN (SELECT rid FROM incidents)) IS TRUE
) `

// unchangedSince is the condition, over incidents i, that an incident has
// no revision after the instant bound to its ?: then its row is its state
// at that instant. The index of revisions by incident answers it.
const unchangedSince = `NOT EXISTS (SELECT 1 FROM incident_revisions v WHERE v.incident_id = i.id AND v.at > ?::timestamptz)`

// asOf returns the reads of f through q: f alone, or as of f.AsOf the
// incidents changed after the instant (asOfWith) and the ones that did not
// (unchangedSince), in that order; none before the first revision.
func asOf(ctx context.Context, q sqlx.QueryerContext, f incidentmap.Filter) ([]sqlexpr.Part, error) {
	if f.AsOf.IsZero() {
		return []sqlexpr.Part{{F: f}}, nil
	}
	at := f.AsOf.UTC()
	var some bool
	if err := q.QueryRowxContext(ctx, rebind(record.HistoryAt), at).Scan(&some); err != nil {
		return nil, fmt.Errorf("postgis: history as of %s: %w", f.AsOf, err)
	} else if !some {
		return nil, nil
	}
	changed, rest := sqlexpr.AsOfParts(f, asOfWith, []any{at, at}, unchangedSince, []any{at})
	return []sqlexpr.Part{changed, rest}, nil
}
