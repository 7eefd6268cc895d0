package postgis

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/incidentmap/incidentmap"
	"github.com/jmoiron/sqlx"
)

// The conditions a Filter compiles to, with ? placeholders that rebind turns
// into $n. Every value is bound; no text from the filter reaches the SQL.
const (
	// && finds the candidates in the GiST index, but it compares float4
	// bounding boxes and so takes in points up to ~1e-5° outside; the
	// comparisons of the float8 coordinates make the test exact, edges
	// included. (ST_Intersects is exact too but misses every point when the
	// box has no area, as a box of one point has.) Arguments: west, south,
	// east, north, west, east, south, north.
	condBBox = `(i.location && ST_MakeEnvelope(?, ?, ?, ?, 4326)
		AND ST_X(i.location) BETWEEN ? AND ? AND ST_Y(i.location) BETWEEN ? AND ?)`
	condStartsBy      = `i.occurred_start <= ?`
	condEndsFrom      = `i.occurred_end >= ?`
	condCountry       = `i.country = ANY(?)`
	condEventType     = `i.event_type = ANY(?)`
	condTargetCountry = `i.target_country = ANY(?)`
	condStatus        = `i.status = ANY(?)`
	condAfter         = `(i.occurred_start, i.id) > (?, ?)`
)

// filterSQL turns f into the body of a WHERE clause and its arguments, for
// both FindIncidents and CountIncidents. It ignores After and Limit. A filter
// that selects everything gives "TRUE".
func filterSQL(f incidentmap.Filter) (string, []any) {
	var conds []string
	var args []any
	if f.BBox != nil {
		var boxes []string
		for _, b := range f.BBox.Bounds() {
			boxes = append(boxes, condBBox)
			west, south, east, north := b.Min.Lon(), b.Min.Lat(), b.Max.Lon(), b.Max.Lat()
			args = append(args, west, south, east, north, west, east, south, north)
		}
		conds = append(conds, "("+strings.Join(boxes, " OR ")+")")
	}
	if f.Interval != nil {
		first, last := f.Interval.Days()
		if !last.IsZero() {
			conds = append(conds, condStartsBy)
			args = append(args, last)
		}
		if !first.IsZero() {
			conds = append(conds, condEndsFrom)
			args = append(args, first)
		}
	}
	for _, in := range []struct {
		cond   string
		values []string
	}{
		{condCountry, f.Countries},
		{condEventType, f.EventTypes},
		{condTargetCountry, f.TargetCountries},
		{condStatus, statusStrings(f.Statuses)},
	} {
		if len(in.values) > 0 {
			conds = append(conds, in.cond)
			args = append(args, in.values)
		}
	}
	if len(conds) == 0 {
		return "TRUE", args
	}
	return strings.Join(conds, " AND "), args
}

func statusStrings(statuses []incidentmap.Status) []string {
	if len(statuses) == 0 {
		return nil
	}
	out := make([]string, len(statuses))
	for i, s := range statuses {
		out[i] = string(s)
	}
	return out
}

// rebind turns the ? placeholders of q into PostgreSQL's $1, $2, …
func rebind(q string) string { return sqlx.Rebind(sqlx.DOLLAR, q) }

// FindIncidents calls fn for each incident that f selects, in (OccurredStart,
// ID) order, streaming rows from the database one at a time. It reads one row
// past the page to know whether another page follows.
func (s *Store) FindIncidents(ctx context.Context, f incidentmap.Filter, fn func(*incidentmap.Incident) error) (*incidentmap.Cursor, error) {
	const orderLimit = ` ORDER BY i.occurred_start, i.id LIMIT ?`
	where, args := filterSQL(f)
	if f.After != nil {
		where += " AND " + condAfter
		args = append(args, f.After.OccurredStart.UTC(), f.After.ID)
	}
	limit := f.PageLimit()
	args = append(args, limit+1)

	rows, err := s.db.QueryxContext(ctx, rebind(selectIncident+" WHERE "+where+orderLimit), args...)
	if err != nil {
		return nil, fmt.Errorf("postgis: find incidents: %w", err)
	}
	defer rows.Close()
	var last *incidentmap.Incident
	for n := 0; rows.Next(); n++ {
		if n == limit {
			return incidentmap.CursorOf(last), nil
		}
		var r incidentRow
		if err := rows.StructScan(&r); err != nil {
			return nil, fmt.Errorf("postgis: find incidents: %w", err)
		}
		inc, err := r.incident()
		if err != nil {
			return nil, fmt.Errorf("postgis: find incidents: %w", err)
		}
		if err := fn(inc); err != nil {
			return nil, err
		}
		last = inc
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgis: find incidents: %w", err)
	}
	return nil, nil
}

// CountIncidents counts the incidents f selects, ignoring After and Limit.
func (s *Store) CountIncidents(ctx context.Context, f incidentmap.Filter) (int, error) {
	const count = `SELECT count(*) FROM incidents i WHERE `
	where, args := filterSQL(f)
	var n int
	if err := s.db.QueryRowxContext(ctx, rebind(count+where), args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("postgis: count incidents: %w", err)
	}
	return n, nil
}

// GetIncident returns the incident with this id, or ENOTFOUND.
func (s *Store) GetIncident(ctx context.Context, id string) (*incidentmap.Incident, error) {
	const get = selectIncident + ` WHERE i.id = $1`
	if !incidentmap.ValidID(id) {
		return nil, notFound(id)
	}
	var r incidentRow
	if err := s.db.QueryRowxContext(ctx, get, id).StructScan(&r); errors.Is(err, sql.ErrNoRows) {
		return nil, notFound(id)
	} else if err != nil {
		return nil, fmt.Errorf("postgis: get incident %s: %w", id, err)
	}
	inc, err := r.incident()
	if err != nil {
		return nil, fmt.Errorf("postgis: get incident %s: %w", id, err)
	}
	return inc, nil
}
