package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/incidentmap/incidentmap"
	"github.com/incidentmap/incidentmap/store/internal/sqlexpr"
)

// The query of FindIncidents picks the rowids of the page first, from the
// narrow columns that filter and order it, and only then reads the page's
// full rows, so that a filter that matches many rows does not build them
// all to sort them.
const (
	findIncidentsHead = `SELECT ` + incidentColumns + ` FROM incidents i
	WHERE i.rid IN (SELECT rid FROM incidents WHERE `
	findIncidentsOrder = ` ORDER BY `
	findIncidentsLimit = ` LIMIT ?) ORDER BY `
)

// FindIncidents streams the incidents f selects to fn, in the order of
// f.Order(), decoding one row at a time. It reads one row past the page to
// learn whether another page follows, and then returns the cursor of the
// last incident passed to fn. An error from fn stops the scan and is
// returned as it is.
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
	cond, args, err := compile(f.Expr())
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
		cond, args = "("+cond+") AND "+ks, append(args, kargs...)
	case f.Before != nil:
		vals, err := f.Before.Values(keys)
		if err != nil {
			return nil, err
		}
		before, bargs, err := dialect.Keyset(o, vals, true, false)
		if err != nil {
			return nil, err
		}
		cond, args = "("+cond+") AND "+before, append(args, bargs...)
		start, n, err := s.pageStart(ctx, f, o, cond, args, limit)
		if err != nil || n == 0 {
			return nil, err
		}
		from, fargs, err := dialect.Keyset(o, start, false, true)
		if err != nil {
			return nil, err
		}
		cond, args = cond+" AND "+from, append(args, fargs...)
		peek = 0
	}
	with, wargs := asOf(f)
	q := with + findIncidentsHead + cond + findIncidentsOrder + o.By("", false) + findIncidentsLimit + o.By("i.", false)
	rows, err := s.db.QueryxContext(ctx, q, append(append(wargs, args...), limit+peek)...)
	if err != nil {
		return nil, filterLimit(fmt.Errorf("sqlite: find incidents: %w", err))
	}
	defer rows.Close()
	var (
		row  incidentRow
		last *incidentmap.Cursor // of the last incident passed to fn, taken before fn may change it
		n    int
	)
	for rows.Next() {
		if n == limit {
			// A row beyond the page: there is a next page.
			return last, nil
		}
		row = incidentRow{}
		if err := rows.StructScan(&row); err != nil {
			return nil, fmt.Errorf("sqlite: find incidents: scan: %w", err)
		}
		inc, err := row.incident()
		if err != nil {
			return nil, fmt.Errorf("sqlite: find incidents: decode %s: %w", row.ID, err)
		}
		last = incidentmap.CursorOf(inc, f.SortBy)
		if err := fn(inc); err != nil {
			return nil, err
		}
		n++
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: find incidents: %w", err)
	}
	if f.Before != nil {
		return last, nil
	}
	return nil, nil
}

// pageStart finds the first position of the page of at most limit rows
// that cond selects just before its bound, by reading the sort keys alone
// in the reverse order. It returns the values at that position and how
// many rows the page has.
func (s *Store) pageStart(ctx context.Context, f incidentmap.Filter, o sqlexpr.Order, cond string, args []any, limit int) ([]any, int, error) {
	cols := make([]string, len(o))
	for i, k := range o {
		cols[i] = k.Col.Name
	}
	with, wargs := asOf(f)
	q := with + `SELECT ` + strings.Join(cols, ", ") + ` FROM incidents WHERE ` + cond + ` ORDER BY ` + o.By("", true) + ` LIMIT ?`
	rows, err := s.db.QueryContext(ctx, q, append(append(wargs, args...), limit)...)
	if err != nil {
		return nil, 0, fmt.Errorf("sqlite: find incidents: page start: %w", err)
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
			return nil, 0, fmt.Errorf("sqlite: find incidents: page start: %w", err)
		}
		n++
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("sqlite: find incidents: page start: %w", err)
	}
	if n == 0 {
		return nil, 0, nil
	}
	// Back to cursor values, which keyset converts again.
	vals := make([]any, len(o))
	for i, k := range o {
		switch v := raw[i].(type) {
		case nil, int64:
			vals[i] = v
		case string:
			switch k.Col.Type {
			case colDay:
				t, err := time.Parse(dayLayout, v)
				if err != nil {
					return nil, 0, fmt.Errorf("sqlite: find incidents: page start: %w", err)
				}
				vals[i] = t
			case colInstant:
				t, err := time.Parse(instantLayout, v)
				if err != nil {
					return nil, 0, fmt.Errorf("sqlite: find incidents: page start: %w", err)
				}
				vals[i] = t
			default:
				vals[i] = v
			}
		default:
			return nil, 0, fmt.Errorf("sqlite: find incidents: page start: unexpected %T", v)
		}
	}
	return vals, n, nil
}

const countIncidentsHead = `SELECT count(*) FROM incidents WHERE `

// CountIncidents counts the incidents f selects, ignoring paging.
func (s *Store) CountIncidents(ctx context.Context, f incidentmap.Filter) (int, error) {
	cond, args, err := compile(f.Expr())
	if err != nil {
		return 0, err
	}
	var n int
	with, wargs := asOf(f)
	if err := s.db.QueryRowxContext(ctx, with+countIncidentsHead+cond, append(wargs, args...)...).Scan(&n); err != nil {
		return 0, filterLimit(fmt.Errorf("sqlite: count incidents: %w", err))
	}
	return n, nil
}

const extentHead = `SELECT count(*), min(lon), min(lat), max(lon), max(lat),
	coalesce(min(occurred_start), ''), coalesce(max(occurred_end), '') FROM incidents WHERE `

// Extent returns the bounds in space and time of what f selects.
func (s *Store) Extent(ctx context.Context, f incidentmap.Filter) (incidentmap.Extent, error) {
	cond, args, err := compile(f.Expr())
	if err != nil {
		return incidentmap.Extent{}, err
	}
	var (
		e                        incidentmap.Extent
		west, south, east, north sql.NullFloat64
		start, end               string
	)
	if err := s.db.QueryRowxContext(ctx, extentHead+cond, args...).Scan(&e.Count, &west, &south, &east, &north, &start, &end); err != nil {
		return e, filterLimit(fmt.Errorf("sqlite: extent: %w", err))
	}
	if e.Count == 0 {
		return incidentmap.Extent{}, nil
	}
	e.BBox = &incidentmap.BBox{West: west.Float64, South: south.Float64, East: east.Float64, North: north.Float64}
	if e.Start, err = time.Parse(dayLayout, start); err != nil {
		return e, fmt.Errorf("sqlite: extent: %w", err)
	}
	if e.End, err = time.Parse(dayLayout, end); err != nil {
		return e, fmt.Errorf("sqlite: extent: %w", err)
	}
	return e, nil
}

// groupExprs is the allow-list from incidentmap.GroupKeys to the SQL of
// the key over incidents: the only way a group key reaches SQL. Days are
// 'YYYY-MM-DD', so a month is their first 7 bytes and a year their first 4.
var groupExprs = map[string]string{
	"month":          "substr(occurred_start, 1, 7)",
	"year":           "substr(occurred_start, 1, 4)",
	"country":        "country",
	"admin1_code":    "admin1_code",
	"event_type":     "event_type",
	"sub_event_type": "sub_event_type",
	"target_type":    "target_type",
	"target_country": "target_country",
}

// CountBy counts the incidents f selects by the value of the group key by,
// in one GROUP BY query with the WHERE of CountIncidents. Text compares
// byte by byte (BINARY), so the order is that of the PostGIS store.
func (s *Store) CountBy(ctx context.Context, f incidentmap.Filter, by string) ([]incidentmap.Bucket, error) {
	key, ok := groupExprs[by]
	if !ok {
		return nil, incidentmap.InvalidGroupKey(by)
	}
	cond, args, err := compile(f.Expr())
	if err != nil {
		return nil, err
	}
	q := `SELECT ` + key + ` AS k, count(*) FROM incidents WHERE ` + cond + ` GROUP BY k ORDER BY k`
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, filterLimit(fmt.Errorf("sqlite: count incidents by %s: %w", by, err))
	}
	defer rows.Close()
	out := []incidentmap.Bucket{}
	for rows.Next() {
		var b incidentmap.Bucket
		if err := rows.Scan(&b.Key, &b.Count); err != nil {
			return nil, fmt.Errorf("sqlite: count incidents by %s: %w", by, err)
		}
		out = append(out, b)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: count incidents by %s: %w", by, err)
	}
	return out, nil
}
