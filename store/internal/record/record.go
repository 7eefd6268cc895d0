// Package record holds what the SQLite and PostGIS stores share in reading
// records back: revision rows (RevisionMeta, Collect), one incident by id
// (Get, NotFound), the page size of the change feed, and the SQL of the
// data as of an instant that both dialects write alike. (The columns of an
// incident's row are store/internal/row's.) Each store writes its own SQL.
package record

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/incidentmap/incidentmap"
)

// RevisionMeta is the part of a revision's row that is not the incident.
type RevisionMeta struct {
	Seq   int64  `db:"seq"`
	Op    string `db:"op"`
	Actor string `db:"actor"`
}

// Revision returns the revision of meta at an instant, with the incident
// decode returns unless the revision is a delete.
func (m RevisionMeta) Revision(id string, version int, at time.Time, decode func() (*incidentmap.Incident, error)) (incidentmap.Revision, error) {
	rev := incidentmap.Revision{Seq: m.Seq, ID: id, Version: version, Op: incidentmap.Op(m.Op), Actor: m.Actor, At: at.UTC()}
	if rev.Op == incidentmap.OpDelete {
		return rev, nil
	}
	var err error
	if rev.Incident, err = decode(); err != nil {
		return rev, fmt.Errorf("decode revision %d: %w", m.Seq, err)
	}
	return rev, nil
}

// Collect scans every row of rows into a T and converts it with conv.
func Collect[T, U any](rows *sqlx.Rows, conv func(*T) (U, error)) ([]U, error) {
	defer rows.Close()
	var out []U
	for rows.Next() {
		var row T
		if err := rows.StructScan(&row); err != nil {
			return nil, fmt.Errorf("scan: %w", err)
		}
		u, err := conv(&row)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// ChangesLimit bounds the page size of a change feed request (see
// incidentmap.Store.Changes).
func ChangesLimit(limit int) int {
	if limit <= 0 || limit > incidentmap.HistoryLimit {
		return incidentmap.HistoryLimit
	}
	return limit
}

// SQL that both dialects write alike, for the data as of an instant: the
// columns of a revision r that follow its location, and whether any
// revision is at or before the instant bound to the ? of HistoryAt (when
// none is, the data as of then are empty).
const (
	RevisionColumnsAfterLocation = `r.location_precision, r.place_name, r.country, r.admin1_code, r.admin1_name,
	       r.event_type, r.sub_event_type, r.target_type, r.target_country, r.facility,
	       r.perpetrator, r.actors, r.fatalities, r.injuries, r.tags, r.sources, r.responses,
	       r.status, r.version, r.created_at, r.at AS updated_at`
	HistoryAt = `SELECT EXISTS (SELECT 1 FROM incident_revisions WHERE at <= ?)`
)

// Get runs q, which selects the row of the incident id, and converts the
// row with conv; no row is ENOTFOUND.
func Get[T any](ctx context.Context, db *sqlx.DB, q, id string, conv func(*T) (*incidentmap.Incident, error)) (*incidentmap.Incident, error) {
	rows, err := db.QueryxContext(ctx, q, id)
	if err != nil {
		return nil, err
	}
	incs, err := Collect(rows, conv)
	if err != nil {
		return nil, err
	}
	if len(incs) == 0 {
		return nil, NotFound(id)
	}
	return incs[0], nil
}

// NotFound is the error for an id no incident has.
func NotFound(id string) *incidentmap.Error {
	return incidentmap.Errorf(incidentmap.ENOTFOUND, "no incident has id %q", id)
}

// Buckets reads the rows of a GROUP BY count (key, count), in order, and
// closes them; what both stores' CountBy return. It takes a query's
// results as they come, error included.
func Buckets(rows *sql.Rows, err error) ([]incidentmap.Bucket, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []incidentmap.Bucket{}
	for rows.Next() {
		var b incidentmap.Bucket
		if err := rows.Scan(&b.Key, &b.Count); err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

// Extent scans the row of an extent query — count, min lon, min lat, max
// lon, max lat, first day, last day (days as 'YYYY-MM-DD' text, "" or NULL
// when nothing matched) — into the domain's Extent; both stores' Extent.
func Extent(row *sqlx.Row) (incidentmap.Extent, error) {
	var (
		e                        incidentmap.Extent
		west, south, east, north sql.NullFloat64
		start, end               sql.NullString
	)
	if err := row.Scan(&e.Count, &west, &south, &east, &north, &start, &end); err != nil {
		return e, err
	}
	if e.Count == 0 {
		return incidentmap.Extent{}, nil
	}
	e.BBox = &incidentmap.BBox{West: west.Float64, South: south.Float64, East: east.Float64, North: north.Float64}
	var err error
	if e.Start, err = time.Parse(time.DateOnly, start.String); err != nil {
		return e, err
	}
	if e.End, err = time.Parse(time.DateOnly, end.String); err != nil {
		return e, err
	}
	return e, nil
}
