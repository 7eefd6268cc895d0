package postgis

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"

	"github.com/jmoiron/sqlx"

	"github.com/incidentmap/incidentmap"
	"github.com/incidentmap/incidentmap/store/internal/record"
	"github.com/incidentmap/incidentmap/store/internal/sqlexpr"
)

// rebind turns the ? placeholders of q into PostgreSQL's $1, $2, …
func rebind(q string) string { return sqlx.Rebind(sqlx.DOLLAR, q) }

// filterSQL compiles what f selects (f.Expr(), without paging) into the
// body of a WHERE clause over incidents i and its arguments. When f has a
// time window (sqlexpr.NeedsSpan) it reads the longest incident
// (data_version.max_span_days, migration 0003) through q, so that the
// window bounds occurred_start on both sides (sqlexpr.CompileSpan).
func filterSQL(ctx context.Context, q sqlx.QueryerContext, f incidentmap.Filter) (string, []any, error) {
	span := -1
	// The longest incident of the data as they are bounds no window of
	// the data as they were (as_of): then occurred_start is left open.
	e := f.Expr()
	if f.AsOf.IsZero() && sqlexpr.NeedsSpan(e) {
		if err := q.QueryRowxContext(ctx, `SELECT max_span_days FROM data_version WHERE id = 1`).Scan(&span); err != nil {
			return "", nil, fmt.Errorf("postgis: longest incident: %w", err)
		}
	}
	return dialect.CompileSpan(e, span)
}

// FindIncidents calls fn for each incident that f selects, in the order of
// f.Order(), streaming rows from the database one at a time; see
// incidentmap.Store. Keyset paging, forward and back, is
// sqlexpr.PlanPage's.
func (s *Store) FindIncidents(ctx context.Context, f incidentmap.Filter, fn func(*incidentmap.Incident) error) (*incidentmap.Cursor, error) {
	if !f.AsOf.IsZero() {
		// The two reads of a page as of an instant see one snapshot.
		p, err := s.FindPage(ctx, f, 0, fn)
		return p.Next, err
	}
	next, _, err := s.findPage(ctx, s.db, f, fn)
	return next, err
}

// FindPage streams the page of f to fn and counts its matches up to
// countCap in one REPEATABLE READ, READ ONLY transaction: one snapshot for
// the page, its count and a prev page's start; see incidentmap.Store.
func (s *Store) FindPage(ctx context.Context, f incidentmap.Filter, countCap int, fn func(*incidentmap.Incident) error) (incidentmap.Page, error) {
	tx, err := s.db.BeginTxx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	if err != nil {
		return incidentmap.Page{}, fmt.Errorf("postgis: find page: %w", err)
	}
	defer tx.Rollback()
	next, returned, err := s.findPage(ctx, tx, f, fn)
	if err != nil {
		return incidentmap.Page{}, err
	}
	counted := -1
	if incidentmap.NeedsCount(f, next, countCap) {
		if counted, err = countUpTo(ctx, tx, f, countCap+1); err != nil {
			return incidentmap.Page{}, err
		}
	}
	return incidentmap.PageMatched(f, returned, next, countCap, counted), nil
}

// findPage streams the page of f through q and returns the next cursor
// (see FindIncidents) and how many incidents it passed to fn. It reads one
// row past the page to know whether another page follows. A page as of an
// instant is findAsOf's.
func (s *Store) findPage(ctx context.Context, q sqlx.QueryerContext, f incidentmap.Filter, fn func(*incidentmap.Incident) error) (*incidentmap.Cursor, int, error) {
	if !f.AsOf.IsZero() {
		return findAsOf(ctx, q, f, fn)
	}
	p, query, args, err := planRows(ctx, q, sqlexpr.Part{F: f})
	if err != nil || p.Empty {
		return nil, 0, err
	}
	return sqlexpr.MergePage(f, p, nil, func(each func(*incidentmap.Incident) error) error {
		return readRows(ctx, q, query, args, each)
	}, fn)
}

// findAsOf streams the page of f as of f.AsOf to fn, from two reads with
// the page's filter, cursor and limit (see sqlexpr.MergePage): the
// incidents changed after the instant, rebuilt from their revisions
// (asOfWith) and held in memory, at most a page and one of them; and the
// ones that did not change, read from the real tables and their indexes
// (unchangedSince) and merged with the first in the page's order as they
// stream. Its cost grows with the page and with the changes since the
// instant, not with the data.
func findAsOf(ctx context.Context, q sqlx.QueryerContext, f incidentmap.Filter, fn func(*incidentmap.Incident) error) (*incidentmap.Cursor, int, error) {
	parts, err := asOf(ctx, q, f)
	if err != nil || len(parts) == 0 {
		return nil, 0, err
	}
	var changed []*incidentmap.Incident
	p, query, args, err := planRows(ctx, q, parts[0])
	if err == nil && !p.Empty {
		err = readRows(ctx, q, query, args, func(inc *incidentmap.Incident) error {
			changed = append(changed, inc)
			return nil
		})
	}
	if err != nil {
		return nil, 0, err
	}
	if p, query, args, err = planRows(ctx, q, parts[1]); err != nil {
		return nil, 0, err
	}
	return sqlexpr.MergePage(f, p, changed, func(each func(*incidentmap.Incident) error) error {
		return readRows(ctx, q, query, args, each)
	}, fn)
}

// planRows plans the page of the read pt through q and returns the plan,
// its query (rebound) and the query's arguments.
func planRows(ctx context.Context, q sqlx.QueryerContext, pt sqlexpr.Part) (sqlexpr.Page, string, []any, error) {
	where, args, err := filterSQL(ctx, q, pt.F)
	if err != nil {
		return sqlexpr.Page{}, "", nil, err
	}
	where, args = pt.Where(where, args)
	p, err := dialect.PlanPage(ctx, q, pt.With, pt.WArgs, "incidents i", pt.F, where, args)
	if err != nil || p.Empty {
		if err != nil && incidentmap.ErrorCode(err) == incidentmap.EINTERNAL {
			err = fmt.Errorf("postgis: find incidents: %w", err)
		}
		return p, "", nil, err
	}
	query, qargs := p.SQL(selectIncident + " WHERE ")
	return p, rebind(pt.With + query), append(slices.Clip(pt.WArgs), qargs...), nil
}

// readRows runs query through q and passes the incident of each row, one
// at a time, to each, until it returns an error: sqlexpr.ErrPageFull stops
// the rows quietly, any other is returned as it is.
func readRows(ctx context.Context, q sqlx.QueryerContext, query string, args []any, each func(*incidentmap.Incident) error) error {
	rows, err := q.QueryxContext(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("postgis: find incidents: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := ctx.Err(); err != nil {
			// The request timed out or its client went away: stop now
			// (database/sql closes the rows too, but asynchronously).
			return err
		}
		var r incidentRow
		if err := rows.StructScan(&r); err != nil {
			return fmt.Errorf("postgis: find incidents: %w", err)
		}
		inc, err := r.incident()
		if err != nil {
			return fmt.Errorf("postgis: find incidents: %w", err)
		}
		if err := each(inc); errors.Is(err, sqlexpr.ErrPageFull) {
			return nil
		} else if err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("postgis: find incidents: %w", err)
	}
	return nil
}

// countUpTo counts the incidents f selects, but at most max of them, so
// that its cost is bounded by max whatever the size of the data; max 0
// counts them all.
func countUpTo(ctx context.Context, q sqlx.QueryerContext, f incidentmap.Filter, max int) (int, error) {
	parts, err := asOf(ctx, q, f)
	if err != nil {
		return 0, err
	}
	return sqlexpr.CountParts(parts, max, func(pt sqlexpr.Part) (int, error) { return count(ctx, q, pt, max) })
}

// CountIncidents counts the incidents f selects, ignoring paging.
func (s *Store) CountIncidents(ctx context.Context, f incidentmap.Filter) (int, error) {
	return countUpTo(ctx, s.db, f, 0)
}

// count counts the incidents of the read pt, at most max of them when
// max > 0.
func count(ctx context.Context, q sqlx.QueryerContext, pt sqlexpr.Part, max int) (int, error) {
	const (
		countAll  = `SELECT count(*) FROM incidents i WHERE `
		countUpTo = `SELECT count(*) FROM (SELECT 1 FROM incidents i WHERE %s LIMIT ?) AS m`
	)
	where, args, err := filterSQL(ctx, q, pt.F)
	if err != nil {
		return 0, err
	}
	where, args = pt.Where(where, args)
	query, all := countAll+where, append(slices.Clip(pt.WArgs), args...)
	if max > 0 {
		query, all = fmt.Sprintf(countUpTo, where), append(all, max)
	}
	var n int
	if err := q.QueryRowxContext(ctx, rebind(pt.With+query), all...).Scan(&n); err != nil {
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
	inc, err := record.Get(ctx, s.db, get, id, (*incidentRow).incident)
	if err != nil {
		return nil, fmt.Errorf("postgis: get incident %s: %w", id, err)
	}
	return inc, nil
}

// Extent returns the bounds in space and time of what f selects.
func (s *Store) Extent(ctx context.Context, f incidentmap.Filter) (incidentmap.Extent, error) {
	const extent = `SELECT count(*), min(ST_X(i.location)), min(ST_Y(i.location)), max(ST_X(i.location)), max(ST_Y(i.location)),
		to_char(min(i.occurred_start), 'YYYY-MM-DD'), to_char(max(i.occurred_end), 'YYYY-MM-DD') FROM incidents i WHERE `
	where, args, err := filterSQL(ctx, s.db, f)
	if err != nil {
		return incidentmap.Extent{}, err
	}
	e, err := record.Extent(s.db.QueryRowxContext(ctx, rebind(extent+where), args...))
	if err != nil {
		return e, fmt.Errorf("postgis: extent: %w", err)
	}
	return e, nil
}

// groupExprs is the allow-list from incidentmap.GroupKeys to the SQL of
// the key over incidents i: the only way a group key reaches SQL.
var groupExprs = sqlexpr.GroupExprs("to_char(i.occurred_start, 'YYYY-MM-DD')", "to_char(i.occurred_start, 'YYYY-MM')", "to_char(i.occurred_start, 'YYYY')",
	func(name string) string { return "i." + name })

// CountBy counts the incidents f selects by the value of the group key by,
// in one GROUP BY query with the WHERE of CountIncidents. Keys are ordered
// COLLATE "C", byte by byte, as the SQLite store orders them.
func (s *Store) CountBy(ctx context.Context, f incidentmap.Filter, by string) ([]incidentmap.Bucket, error) {
	key, err := groupExprs.Key(by)
	if err != nil {
		return nil, err
	}
	where, args, err := filterSQL(ctx, s.db, f)
	if err != nil {
		return nil, err
	}
	q := `SELECT ` + key + ` AS k, count(*) FROM incidents i WHERE ` + where + ` GROUP BY ` + key + ` ORDER BY ` + key + ` COLLATE "C"`
	out, err := record.Buckets(s.db.QueryContext(ctx, rebind(q), args...))
	if err != nil {
		return nil, fmt.Errorf("postgis: count incidents by %s: %w", by, err)
	}
	return out, nil
}
