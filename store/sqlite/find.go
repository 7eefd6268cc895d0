package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/jmoiron/sqlx"
	"github.com/paulmach/orb"

	"github.com/incidentmap/incidentmap"
	"github.com/incidentmap/incidentmap/store/internal/record"
	"github.com/incidentmap/incidentmap/store/internal/sqlexpr"
)

// The query of FindIncidents picks the rowids of the page first, from the
// narrow columns that filter and order it, and only then reads the page's
// full rows, so that a filter that matches many rows does not build them
// all to sort them. The page's condition, order and limit follow the head
// (sqlexpr.Page.SQL); the outer query orders the page's rows again.
//
// A box that holds many incidents is read the other way round (scanHead):
// down the index of the default order, which carries the location and
// status (migration 0003), testing each entry against the box without
// the R*Tree, until the page is full. See planScan.
const (
	findIncidentsHead = `SELECT ` + incidentColumns + ` FROM incidents i
	WHERE i.rid IN (SELECT rid FROM incidents WHERE `
	scanHead = `SELECT ` + incidentColumns + ` FROM incidents i
	WHERE i.rid IN (SELECT rid FROM incidents INDEXED BY incidents_occurred WHERE `
	findIncidentsTail = `) ORDER BY `
)

// FindIncidents streams the incidents f selects to fn, in the order of
// f.Order(), decoding one row at a time; see incidentmap.Store. Keyset
// paging, forward and back, is sqlexpr.PlanPage's.
func (s *Store) FindIncidents(ctx context.Context, f incidentmap.Filter, fn func(*incidentmap.Incident) error) (*incidentmap.Cursor, error) {
	if !f.AsOf.IsZero() {
		// The two reads of a page as of an instant see one snapshot.
		p, err := s.FindPage(ctx, f, 0, fn)
		return p.Next, err
	}
	scan, err := s.planScan(ctx, s.read, f)
	if err != nil {
		return nil, err
	}
	next, _, err := s.findPage(ctx, s.read, f, scan, fn)
	return next, err
}

// FindPage streams the page of f to fn and counts its matches up to
// countCap, in one read transaction: a snapshot of the database (WAL) that
// writers do not block; see incidentmap.Store. A box with more than
// countCap candidates in the R*Tree is not counted further.
func (s *Store) FindPage(ctx context.Context, f incidentmap.Filter, countCap int, fn func(*incidentmap.Incident) error) (incidentmap.Page, error) {
	tx, err := s.read.BeginTxx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return incidentmap.Page{}, fmt.Errorf("sqlite: find page: %w", err)
	}
	defer tx.Rollback()
	scan, err := s.planScan(ctx, tx, f)
	if err != nil {
		return incidentmap.Page{}, err
	}
	next, returned, err := s.findPage(ctx, tx, f, scan, fn)
	if err != nil {
		return incidentmap.Page{}, err
	}
	// The R*Tree's candidates cannot stand in for the count: drafts and
	// the rest of the filter make them an upper bound, not a lower one.
	counted := -1
	if incidentmap.NeedsCount(f, next, countCap) {
		if counted, err = countUpTo(ctx, tx, f, countCap+1); err != nil {
			return incidentmap.Page{}, err
		}
	}
	return incidentmap.PageMatched(f, returned, next, countCap, counted), nil
}

// Costs of the two ways to read a page of a box, in microseconds per row,
// as measured on the 1M benchmark: a candidate of the R*Tree read from the
// table and sorted, and an entry of the ordered index tested against the
// box.
const (
	costCandidate = 1.5
	costScanEntry = 0.3
)

// planScan decides whether the page of f is read down the ordered index
// (scan) rather than through the R*Tree: only for a box in the default
// order. Reading through the R*Tree costs each candidate; scanning costs
// about limit × N / candidates entries. It counts the R*Tree candidates,
// without reading the table, up to the point where scanning is cheaper.
func (s *Store) planScan(ctx context.Context, q sqlx.QueryerContext, f incidentmap.Filter) (scan bool, err error) {
	bounds := spatialBounds(f)
	if bounds == nil || len(f.SortBy) != 0 || !f.AsOf.IsZero() {
		return false, nil // see findAsOf
	}
	var total int
	if err := q.QueryRowxContext(ctx, `SELECT incidents FROM data_version WHERE id = 1`).Scan(&total); err != nil {
		return false, fmt.Errorf("sqlite: find incidents: plan: %w", err)
	}
	// Scanning wins beyond c candidates where c × costCandidate =
	// limit × total / c × costScanEntry.
	threshold := int(math.Sqrt(float64(f.PageLimit()) * float64(total) * costScanEntry / costCandidate))
	limit := threshold + 1
	n := 0
	for _, b := range bounds {
		const count = `SELECT count(*) FROM (SELECT 1 FROM incidents_rtree
			WHERE max_lon >= ? AND min_lon <= ? AND max_lat >= ? AND min_lat <= ? LIMIT ?)`
		var m int
		if err := q.QueryRowxContext(ctx, count, b.Min.Lon(), b.Max.Lon(), b.Min.Lat(), b.Max.Lat(), limit-n).Scan(&m); err != nil {
			return false, fmt.Errorf("sqlite: find incidents: plan: %w", err)
		}
		n += m
	}
	return n > threshold, nil
}

// spatialBounds returns the boxes that every incident f selects lies in,
// from its bbox or from a spatial test of the location that its filter
// ANDs in (S_INTERSECTS, S_WITHIN … of a geometry), or nil when f has none.
func spatialBounds(f incidentmap.Filter) []orb.Bound {
	if f.BBox != nil {
		return f.BBox.Bounds()
	}
	terms := []incidentmap.Expr{f.Where}
	if and, ok := f.Where.(incidentmap.And); ok {
		terms = and.Args
	}
	for _, t := range terms {
		if sp, ok := t.(incidentmap.Spatial); ok && sp.Prop == "location" && sp.Op != incidentmap.SDisjoint && sp.Geometry != nil {
			return []orb.Bound{sp.Geometry.Bound()}
		}
	}
	return nil
}

// findPage streams the page of f through q and returns the next cursor
// (see FindIncidents) and how many incidents it passed to fn. It reads one
// row past the page to learn whether another page follows. An error from
// fn stops the scan and is returned as it is. A page as of an instant is
// findAsOf's.
func (s *Store) findPage(ctx context.Context, q sqlx.QueryerContext, f incidentmap.Filter, scan bool, fn func(*incidentmap.Incident) error) (*incidentmap.Cursor, int, error) {
	if !f.AsOf.IsZero() {
		return s.findAsOf(ctx, q, f, fn)
	}
	p, query, args, err := planRows(ctx, q, sqlexpr.Part{F: f}, scan)
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
func (s *Store) findAsOf(ctx context.Context, q sqlx.QueryerContext, f incidentmap.Filter, fn func(*incidentmap.Incident) error) (*incidentmap.Cursor, int, error) {
	parts, err := asOf(ctx, q, f)
	if err != nil || len(parts) == 0 {
		return nil, 0, err
	}
	p, query, args, err := planRows(ctx, q, parts[0], false)
	if err != nil {
		return nil, 0, err
	}
	var changed []*incidentmap.Incident
	if !p.Empty {
		if err := readRows(ctx, q, query, args, func(inc *incidentmap.Incident) error {
			changed = append(changed, inc)
			return nil
		}); err != nil {
			return nil, 0, err
		}
	}
	scan, err := s.planScan(ctx, q, parts[1].F)
	if err != nil {
		return nil, 0, err
	}
	if p, query, args, err = planRows(ctx, q, parts[1], scan); err != nil {
		return nil, 0, err
	}
	return sqlexpr.MergePage(f, p, changed, func(each func(*incidentmap.Incident) error) error {
		return readRows(ctx, q, query, args, each)
	}, fn)
}

// planRows plans the page of the read pt through q, down the ordered index
// when scan is set (planScan), and returns the plan, its query and the
// query's arguments.
func planRows(ctx context.Context, q sqlx.QueryerContext, pt sqlexpr.Part, scan bool) (sqlexpr.Page, string, []any, error) {
	d, head := dialect, findIncidentsHead
	if scan {
		d, head = scanDialect, scanHead
	}
	cond, args, err := compileFilter(ctx, q, d, pt.F)
	if err != nil {
		return sqlexpr.Page{}, "", nil, err
	}
	cond, args = pt.Where(cond, args)
	p, err := d.PlanPage(ctx, q, pt.With, pt.WArgs, "incidents", pt.F, cond, args)
	if err != nil || p.Empty {
		return p, "", nil, filterLimit(wrapFind(err))
	}
	query, qargs := p.SQL(head)
	return p, pt.With + query + findIncidentsTail + p.Order.By("i.", false), append(slices.Clip(pt.WArgs), qargs...), nil
}

// readRows runs query through q and passes the incident of each row, one
// at a time, to each, until it returns an error: sqlexpr.ErrPageFull stops
// the rows quietly, any other is returned as it is.
func readRows(ctx context.Context, q sqlx.QueryerContext, query string, args []any, each func(*incidentmap.Incident) error) error {
	rows, err := q.QueryxContext(ctx, query, args...)
	if err != nil {
		return filterLimit(fmt.Errorf("sqlite: find incidents: %w", err))
	}
	defer rows.Close()
	var row incidentRow // one for all rows: it escapes to the heap
	for rows.Next() {
		if err := ctx.Err(); err != nil {
			// The request timed out or its client went away: stop now
			// (database/sql closes the rows too, but asynchronously).
			return err
		}
		row = incidentRow{}
		if err := rows.StructScan(&row); err != nil {
			return fmt.Errorf("sqlite: find incidents: scan: %w", err)
		}
		inc, err := row.incident()
		if err != nil {
			return fmt.Errorf("sqlite: find incidents: decode %s: %w", row.ID, err)
		}
		if err := each(inc); errors.Is(err, sqlexpr.ErrPageFull) {
			return nil
		} else if err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("sqlite: find incidents: %w", err)
	}
	return nil
}

// compileFilter compiles f.Expr() in dialect d. When f has a time
// window (sqlexpr.NeedsSpan) it reads the longest incident
// (data_version.max_span_days, migration 0003) through q, so that the
// window bounds occurred_start on both sides (sqlexpr.CompileSpan).
func compileFilter(ctx context.Context, q sqlx.QueryerContext, d *sqlexpr.Dialect, f incidentmap.Filter) (string, []any, error) {
	span := -1
	// The longest incident of the data as they are bounds no window of
	// the data as they were (as_of): then occurred_start is left open.
	e := f.Expr()
	if f.AsOf.IsZero() && sqlexpr.NeedsSpan(e) {
		if err := q.QueryRowxContext(ctx, `SELECT max_span_days FROM data_version WHERE id = 1`).Scan(&span); err != nil {
			return "", nil, fmt.Errorf("sqlite: longest incident: %w", err)
		}
	}
	return d.CompileSpan(e, span)
}

// wrapFind adds the store's context to an error of planning a page, but
// leaves the domain's errors (a bad cursor) as they are.
func wrapFind(err error) error {
	if err == nil || incidentmap.ErrorCode(err) != incidentmap.EINTERNAL {
		return err
	}
	return fmt.Errorf("sqlite: find incidents: %w", err)
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
	return countUpTo(ctx, s.read, f, 0)
}

// count counts the incidents of the read pt, at most max of them when
// max > 0.
func count(ctx context.Context, q sqlx.QueryerContext, pt sqlexpr.Part, max int) (int, error) {
	const (
		countAll  = `SELECT count(*) FROM incidents WHERE `
		countUpTo = `SELECT count(*) FROM (SELECT 1 FROM incidents WHERE %s LIMIT ?)`
	)
	cond, args, err := compileFilter(ctx, q, dialect, pt.F)
	if err != nil {
		return 0, err
	}
	cond, args = pt.Where(cond, args)
	query, all := countAll+cond, append(slices.Clip(pt.WArgs), args...)
	if max > 0 {
		query, all = fmt.Sprintf(countUpTo, cond), append(all, max)
	}
	var n int
	if err := q.QueryRowxContext(ctx, pt.With+query, all...).Scan(&n); err != nil {
		return 0, filterLimit(fmt.Errorf("sqlite: count incidents: %w", err))
	}
	return n, nil
}

const extentHead = `SELECT count(*), min(lon), min(lat), max(lon), max(lat),
	coalesce(min(occurred_start), ''), coalesce(max(occurred_end), '') FROM incidents WHERE `

// Extent returns the bounds in space and time of what f selects.
func (s *Store) Extent(ctx context.Context, f incidentmap.Filter) (incidentmap.Extent, error) {
	cond, args, err := compileFilter(ctx, s.read, dialect, f)
	if err != nil {
		return incidentmap.Extent{}, err
	}
	e, err := record.Extent(s.read.QueryRowxContext(ctx, extentHead+cond, args...))
	if err != nil {
		return e, filterLimit(fmt.Errorf("sqlite: extent: %w", err))
	}
	return e, nil
}

// groupExprs is the allow-list from incidentmap.GroupKeys to the SQL of
// the key over incidents: the only way a group key reaches SQL. Days are
// 'YYYY-MM-DD', so a day is their first 10 bytes, a month their first 7
// and a year their first 4.
// The unary + keeps SQLite from grouping down a column's index (which
// reads every row of the table) when the filter has an index of its own:
// a time window over a million incidents took 6.9 s that way.
var groupExprs = sqlexpr.GroupExprs("substr(occurred_start, 1, 10)", "substr(occurred_start, 1, 7)", "substr(occurred_start, 1, 4)",
	func(name string) string { return "+" + name })

// CountBy counts the incidents f selects by the value of the group key by,
// in one GROUP BY query with the WHERE of CountIncidents. Text compares
// byte by byte (BINARY), so the order is that of the PostGIS store.
func (s *Store) CountBy(ctx context.Context, f incidentmap.Filter, by string) ([]incidentmap.Bucket, error) {
	key, err := groupExprs.Key(by)
	if err != nil {
		return nil, err
	}
	cond, args, err := compileFilter(ctx, s.read, dialect, f)
	if err != nil {
		return nil, err
	}
	q := `SELECT ` + key + ` AS k, count(*) FROM incidents WHERE ` + cond + ` GROUP BY k ORDER BY k`
	out, err := record.Buckets(s.read.QueryContext(ctx, q, args...))
	if err != nil {
		return nil, fmt.Errorf("sqlite: count incidents by %s: %w", by, err)
	}
	return out, nil
}
