package postgis

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/incidentmap/incidentmap"
	"github.com/incidentmap/incidentmap/store/internal/sqlexpr"
	"github.com/jmoiron/sqlx"
)

// rebind turns the ? placeholders of q into PostgreSQL's $1, $2, …
func rebind(q string) string { return sqlx.Rebind(sqlx.DOLLAR, q) }

// filterSQL compiles what f selects (f.Expr(), without paging) into the
// body of a WHERE clause over incidents i and its arguments.
func filterSQL(f incidentmap.Filter) (string, []any, error) {
	return compile(f.Expr())
}

// FindIncidents calls fn for each incident that f selects, in the order of
// f.Order(), streaming rows from the database one at a time. It reads one
// row past the page to know whether another page follows.
//
// With f.Before it first reads, in the reverse order, only the sort keys of
// the page's rows, to find where the page starts, and then streams the page
// forward from there. The next cursor of such a page is that of its last
// incident: the position of f.Before at least follows it.
func (s *Store) FindIncidents(ctx context.Context, f incidentmap.Filter, fn func(*incidentmap.Incident) error) (*incidentmap.Cursor, error) {
	if f.After != nil && f.Before != nil {
		return nil, incidentmap.Invalidf("cursor", "a page cannot be both after and before a cursor")
	}
	keys := f.Order()
	o, err := dialect.Order(keys)
	if err != nil {
		return nil, err
	}
	where, args, err := filterSQL(f)
	if err != nil {
		return nil, err
	}
	limit := f.PageLimit()
	peek := 1 // rows read past the page
	switch {
	case f.After != nil:
		vals, err := f.After.Values(keys)
		if err != nil {
			return nil, err
		}
		ks, kargs, err := dialect.Keyset(o, vals, false, false)
		if err != nil {
			return nil, err
		}
		where, args = "("+where+") AND "+ks, append(args, kargs...)
	case f.Before != nil:
		vals, err := f.Before.Values(keys)
		if err != nil {
			return nil, err
		}
		before, bargs, err := dialect.Keyset(o, vals, true, false)
		if err != nil {
			return nil, err
		}
		where, args = "("+where+") AND "+before, append(args, bargs...)
		start, n, err := s.pageStart(ctx, f, o, where, args, limit)
		if err != nil || n == 0 {
			return nil, err
		}
		from, fargs, err := dialect.Keyset(o, start, false, true)
		if err != nil {
			return nil, err
		}
		where, args = where+" AND "+from, append(args, fargs...)
		peek = 0
	}
	with, wargs := asOf(f)
	args = append(append(wargs, args...), limit+peek)
	rows, err := s.db.QueryxContext(ctx, rebind(with+selectIncident+" WHERE "+where+" ORDER BY "+o.By("", false)+" LIMIT ?"), args...)
	if err != nil {
		return nil, fmt.Errorf("postgis: find incidents: %w", err)
	}
	defer rows.Close()
	var last *incidentmap.Incident
	for n := 0; rows.Next(); n++ {
		if n == limit {
			return incidentmap.CursorOf(last, f.SortBy), nil
		}
		var r incidentRow
		if err := rows.StructScan(&r); err != nil {
			return nil, fmt.Errorf("postgis: find incidents: %w", err)
		}
		inc, err := r.incident()
		if err != nil {
			return nil, fmt.Errorf("postgis: find incidents: %w", err)
		}
		// The cursor is taken before fn, which may change the incident.
		cur := *inc
		if err := fn(inc); err != nil {
			return nil, err
		}
		last = &cur
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgis: find incidents: %w", err)
	}
	if f.Before != nil && last != nil {
		return incidentmap.CursorOf(last, f.SortBy), nil
	}
	return nil, nil
}

// pageStart finds the first position of the page of at most limit rows
// that where selects just before its bound, by reading the sort keys alone
// in the reverse order. It returns the values at that position and how
// many rows the page has.
func (s *Store) pageStart(ctx context.Context, f incidentmap.Filter, o sqlexpr.Order, where string, args []any, limit int) ([]any, int, error) {
	cols := make([]string, len(o))
	for i, k := range o {
		cols[i] = k.Col.Name
	}
	with, wargs := asOf(f)
	q := with + `SELECT ` + strings.Join(cols, ", ") + ` FROM incidents i WHERE ` + where + ` ORDER BY ` + o.By("", true) + ` LIMIT ?`
	rows, err := s.db.QueryContext(ctx, rebind(q), append(append(wargs, args...), limit)...)
	if err != nil {
		return nil, 0, fmt.Errorf("postgis: find incidents: page start: %w", err)
	}
	defer rows.Close()
	raw := make([]any, len(o))
	ptrs := make([]any, len(o))
	for i := range raw {
		ptrs[i] = &raw[i]
	}
	n := 0
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return nil, 0, fmt.Errorf("postgis: find incidents: page start: %w", err)
		}
		n++
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("postgis: find incidents: page start: %w", err)
	}
	if n == 0 {
		return nil, 0, nil
	}
	vals := make([]any, len(o))
	for i, v := range raw {
		switch v := v.(type) {
		case nil, string, int64, time.Time:
			vals[i] = v
		case int32:
			vals[i] = int64(v)
		default:
			return nil, 0, fmt.Errorf("postgis: find incidents: page start: unexpected %T", v)
		}
	}
	return vals, n, nil
}

// CountIncidents counts the incidents f selects, ignoring paging.
func (s *Store) CountIncidents(ctx context.Context, f incidentmap.Filter) (int, error) {
	const count = `SELECT count(*) FROM incidents i WHERE `
	where, args, err := filterSQL(f)
	if err != nil {
		return 0, err
	}
	var n int
	with, wargs := asOf(f)
	if err := s.db.QueryRowxContext(ctx, rebind(with+count+where), append(wargs, args...)...).Scan(&n); err != nil {
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

// Extent returns the bounds in space and time of what f selects.
func (s *Store) Extent(ctx context.Context, f incidentmap.Filter) (incidentmap.Extent, error) {
	const extent = `SELECT count(*), min(ST_X(i.location)), min(ST_Y(i.location)), max(ST_X(i.location)), max(ST_Y(i.location)),
		min(i.occurred_start), max(i.occurred_end) FROM incidents i WHERE `
	where, args, err := filterSQL(f)
	if err != nil {
		return incidentmap.Extent{}, err
	}
	var (
		e                        incidentmap.Extent
		west, south, east, north sql.NullFloat64
		start, end               sql.NullTime
	)
	if err := s.db.QueryRowxContext(ctx, rebind(extent+where), args...).Scan(&e.Count, &west, &south, &east, &north, &start, &end); err != nil {
		return e, fmt.Errorf("postgis: extent: %w", err)
	}
	if e.Count == 0 {
		return incidentmap.Extent{}, nil
	}
	e.BBox = &incidentmap.BBox{West: west.Float64, South: south.Float64, East: east.Float64, North: north.Float64}
	e.Start, e.End = start.Time.UTC(), end.Time.UTC()
	return e, nil
}

// groupExprs is the allow-list from incidentmap.GroupKeys to the SQL of
// the key over incidents i: the only way a group key reaches SQL.
var groupExprs = map[string]string{
	"month":          "to_char(i.occurred_start, 'YYYY-MM')",
	"year":           "to_char(i.occurred_start, 'YYYY')",
	"country":        "i.country",
	"admin1_code":    "i.admin1_code",
	"event_type":     "i.event_type",
	"sub_event_type": "i.sub_event_type",
	"target_type":    "i.target_type",
	"target_country": "i.target_country",
}

// CountBy counts the incidents f selects by the value of the group key by,
// in one GROUP BY query with the WHERE of CountIncidents. Keys are ordered
// COLLATE "C", byte by byte, as the SQLite store orders them.
func (s *Store) CountBy(ctx context.Context, f incidentmap.Filter, by string) ([]incidentmap.Bucket, error) {
	key, ok := groupExprs[by]
	if !ok {
		return nil, incidentmap.InvalidGroupKey(by)
	}
	where, args, err := filterSQL(f)
	if err != nil {
		return nil, err
	}
	q := `SELECT ` + key + ` AS k, count(*) FROM incidents i WHERE ` + where + ` GROUP BY ` + key + ` ORDER BY ` + key + ` COLLATE "C"`
	rows, err := s.db.QueryContext(ctx, rebind(q), args...)
	if err != nil {
		return nil, fmt.Errorf("postgis: count incidents by %s: %w", by, err)
	}
	defer rows.Close()
	out := []incidentmap.Bucket{}
	for rows.Next() {
		var b incidentmap.Bucket
		if err := rows.Scan(&b.Key, &b.Count); err != nil {
			return nil, fmt.Errorf("postgis: count incidents by %s: %w", by, err)
		}
		out = append(out, b)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgis: count incidents by %s: %w", by, err)
	}
	return out, nil
}
