package sqlite

import (
	"context"
	"fmt"
	"strings"

	"github.com/incidentmap/incidentmap"
)

// Fragments of the WHERE clause that where assembles, over the columns of
// incidents unqualified. Each binds its values; none takes text from the
// caller.
const (
	// One box of a bbox: R*Tree candidates, then an exact test, because
	// R*Tree keeps 32-bit floats and rounds its boxes outward.
	whereBound = `(rid IN (SELECT r.rid FROM incidents_rtree r
		WHERE r.max_lon >= ? AND r.min_lon <= ? AND r.max_lat >= ? AND r.min_lat <= ?)
		AND lon BETWEEN ? AND ? AND lat BETWEEN ? AND ?)`
	// An incident covers its days whole: it meets an interval of days when
	// it starts on or before the last day and ends on or after the first.
	whereStartsBy = `occurred_start <= ?`
	whereEndsFrom = `occurred_end >= ?`
	// Keyset paging: strictly after the cursor in (occurred_start, id).
	whereAfter = `(occurred_start, id) > (?, ?)`
)

// Columns that a list filter may test; IN lists are made only for these.
const (
	colCountry       = "country"
	colEventType     = "event_type"
	colTargetCountry = "target_country"
	colStatus        = "status"
)

// where turns f into a WHERE condition over the columns of incidents, and
// the values it binds, in order. FindIncidents and CountIncidents both use
// it; it ignores f.Limit, and CountIncidents clears f.After first.
func where(f incidentmap.Filter) (string, []any) {
	var conds []string
	var args []any
	if f.BBox != nil && !wholeWorld(*f.BBox) {
		var boxes []string
		for _, b := range f.BBox.Bounds() {
			boxes = append(boxes, whereBound)
			west, south, east, north := b.Min.Lon(), b.Min.Lat(), b.Max.Lon(), b.Max.Lat()
			args = append(args, west, east, south, north, west, east, south, north)
		}
		conds = append(conds, "("+strings.Join(boxes, " OR ")+")")
	}
	if f.Interval != nil {
		first, last := f.Interval.Days()
		if !last.IsZero() {
			conds = append(conds, whereStartsBy)
			args = append(args, formatDay(last))
		}
		if !first.IsZero() {
			conds = append(conds, whereEndsFrom)
			args = append(args, formatDay(first))
		}
	}
	in := func(col string, values []string) {
		if len(values) == 0 {
			return
		}
		conds = append(conds, col+" IN (?"+strings.Repeat(", ?", len(values)-1)+")")
		for _, v := range values {
			args = append(args, v)
		}
	}
	in(colCountry, f.Countries)
	in(colEventType, f.EventTypes)
	in(colTargetCountry, f.TargetCountries)
	statuses := make([]string, len(f.Statuses))
	for i, st := range f.Statuses {
		statuses[i] = string(st)
	}
	in(colStatus, statuses)
	if f.After != nil {
		conds = append(conds, whereAfter)
		args = append(args, formatDay(f.After.OccurredStart), f.After.ID)
	}
	if len(conds) == 0 {
		return "1", nil
	}
	return strings.Join(conds, " AND "), args
}

// wholeWorld reports whether b holds every valid location, which is every
// stored one: the table checks the ranges. Such a box, the usual first view
// of a map, selects nothing out and is better left out of the query than
// sent through the R*Tree.
func wholeWorld(b incidentmap.BBox) bool {
	return b.West <= -180 && b.East >= 180 && b.South <= -90 && b.North >= 90
}

// The query of FindIncidents picks the rowids of the page first, from the
// narrow columns that filter and order it, and only then reads the page's
// full rows and external ids, so that a filter that matches many rows does
// not build them all to sort them.
const (
	findIncidentsHead = `SELECT ` + incidentColumns + ` FROM incidents i
	WHERE i.rid IN (SELECT rid FROM incidents WHERE `
	findIncidentsTail = ` ORDER BY occurred_start, id LIMIT ?)
	ORDER BY i.occurred_start, i.id`
)

// FindIncidents streams the incidents f selects to fn, in (OccurredStart, ID)
// order, decoding one row at a time. It reads one row past the page to learn
// whether another page follows, and then returns the cursor of the last
// incident passed to fn. An error from fn stops the scan and is returned as
// it is.
func (s *Store) FindIncidents(ctx context.Context, f incidentmap.Filter, fn func(*incidentmap.Incident) error) (*incidentmap.Cursor, error) {
	cond, args := where(f)
	limit := f.PageLimit()
	args = append(args, limit+1)
	rows, err := s.db.QueryxContext(ctx, findIncidentsHead+cond+findIncidentsTail, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: find incidents: %w", err)
	}
	defer rows.Close()
	var (
		row  incidentRow
		last incidentmap.Cursor // of the last incident passed to fn, taken before fn may change it
		n    int
	)
	for rows.Next() {
		if n == limit {
			// A row beyond the page: there is a next page.
			return &last, nil
		}
		row = incidentRow{}
		if err := rows.StructScan(&row); err != nil {
			return nil, fmt.Errorf("sqlite: find incidents: scan: %w", err)
		}
		inc, err := row.incident()
		if err != nil {
			return nil, fmt.Errorf("sqlite: find incidents: decode %s: %w", row.ID, err)
		}
		last = *incidentmap.CursorOf(inc)
		if err := fn(inc); err != nil {
			return nil, err
		}
		n++
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: find incidents: %w", err)
	}
	return nil, nil
}

const countIncidentsHead = `SELECT count(*) FROM incidents WHERE `

// CountIncidents counts the incidents f selects, ignoring f.After and f.Limit.
func (s *Store) CountIncidents(ctx context.Context, f incidentmap.Filter) (int, error) {
	f.After = nil
	cond, args := where(f)
	var n int
	if err := s.db.QueryRowxContext(ctx, countIncidentsHead+cond, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("sqlite: count incidents: %w", err)
	}
	return n, nil
}
