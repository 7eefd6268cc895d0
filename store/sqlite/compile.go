package sqlite

import (
	"strings"
	"time"

	"github.com/paulmach/orb"

	"github.com/incidentmap/incidentmap"
	"github.com/incidentmap/incidentmap/store/internal/sqlexpr"
)

// The types of the columns of incidents that SQLite holds as text: days
// 'YYYY-MM-DD' and instants in instantLayout. Text columns are NOT NULL,
// empty strings for no value; integers are NULL when unknown.
const (
	colDay     = sqlexpr.Day
	colInstant = sqlexpr.Instant
)

// columns is the allow-list from queryable (and sortable) property names to
// columns, unqualified: the only way a name in a filter reaches SQL.
// The columns are named as the properties (sqlexpr.Columns).
var columns = sqlexpr.Columns(func(name string) string { return name })

// SQL fragments of compiled filters, over the columns of incidents
// unqualified. Each binds its values; none takes text from the caller.
const (
	// Candidates from the R*Tree for a box: west, east, south, north.
	// R*Tree keeps 32-bit floats and rounds its boxes outward, so every
	// use is followed by an exact test.
	sqlRTree = `rid IN (SELECT r.rid FROM incidents_rtree r
		WHERE r.max_lon >= ? AND r.min_lon <= ? AND r.max_lat >= ? AND r.min_lat <= ?)`
	// One box of a bbox: R*Tree candidates, then the exact test, edges
	// included: west, east, south, north, west, east, south, north.
	sqlBound = `(` + sqlRTree + ` AND lon BETWEEN ? AND ? AND lat BETWEEN ? AND ?)`
	// One box of a bbox tested without the R*Tree, edges included: west,
	// east, south, north.
	sqlScanBound = `(lon BETWEEN ? AND ? AND lat BETWEEN ? AND ?)`
	// The exact test of a spatial function: op, WKB.
	sqlSpatial = `im_spatial(?, lon, lat, ?)`
	// The exact test of a distance: lon, lat, metres.
	sqlDWithin = `im_dwithin(lon, lat, ?, ?, ?)`
)

// dialect is the SQL of SQLite for the shared compiler: 1 and 0 for true
// and false, days bound as text, case folded by im_lower for columns and
// by Go's strings.ToLower (which im_lower calls) for bound values, and the
// R*Tree for spatial candidates. LIKE is case-sensitive on every
// connection (case_sensitive_like).
var dialect = &sqlexpr.Dialect{
	Columns:       columns,
	True:          "1",
	False:         "0",
	Placeholder:   func(sqlexpr.Type) string { return "?" },
	Day:           func(day time.Time) any { return formatDay(day) },
	Lower:         func(col string) string { return "im_lower(" + col + ")" },
	LowerText:     func(s string) (string, any) { return "?", strings.ToLower(s) },
	Bound:         bound,
	Candidates:    rtree,
	Spatial:       spatial,
	DWithin:       sqlDWithin,
	Key:           key,
	DayLayout:     dayLayout,
	InstantLayout: instantLayout,
}

// scanDialect is dialect with boxes tested on lon and lat alone, without
// the R*Tree: for a page read down an ordered index (planScan).
var scanDialect = func() *sqlexpr.Dialect {
	d := *dialect
	d.Bound, d.Candidates = boundScan, boundScan
	d.Spatial = func(op string, g orb.Geometry, blob []byte) (string, []any) {
		cand, args := boundScan(g.Bound())
		return "(" + cand + " AND " + sqlSpatial + ")", append(args, op, blob)
	}
	return &d
}()

// boundScan returns the exact test of a point in b without an index.
func boundScan(b orb.Bound) (string, []any) {
	return sqlScanBound, []any{b.Min.Lon(), b.Max.Lon(), b.Min.Lat(), b.Max.Lat()}
}

// compile returns the SQL condition of e over the columns of incidents and
// its arguments. Anything it cannot compile is EINVALID naming "filter".
func compile(e incidentmap.Expr) (string, []any, error) { return dialect.Compile(e) }

// key converts a cursor value to what its column holds: days and instants
// as text.
func key(t sqlexpr.Type, v any) (any, string) {
	switch t {
	case colDay:
		return formatDay(v.(time.Time)), "?"
	case colInstant:
		return formatInstant(v.(time.Time)), "?"
	}
	return v, "?"
}

// rtree returns the R*Tree candidates of the points in b.
func rtree(b orb.Bound) (string, []any) {
	return sqlRTree, []any{b.Min.Lon(), b.Max.Lon(), b.Min.Lat(), b.Max.Lat()}
}

// bound returns the exact test of a point in b, edges included.
func bound(b orb.Bound) (string, []any) {
	west, south, east, north := b.Min.Lon(), b.Min.Lat(), b.Max.Lon(), b.Max.Lat()
	if west <= -180 && east >= 180 && south <= -90 && north >= 90 {
		// The whole world holds every stored point (the table checks the
		// ranges): better left out than sent through the R*Tree.
		return "1", nil
	}
	return sqlBound, []any{west, east, south, north, west, east, south, north}
}

// spatial returns the test of a spatial function op against g. Every
// function but s_disjoint (which the compiler negates) needs the point to
// meet the geometry, so the geometry's bound is a valid prefilter.
func spatial(op string, g orb.Geometry, blob []byte) (string, []any) {
	cand, args := rtree(g.Bound())
	return "(" + cand + " AND " + sqlSpatial + ")", append(args, op, blob)
}
