package postgis

import (
	"time"

	"github.com/paulmach/orb"

	"github.com/incidentmap/incidentmap"
	"github.com/incidentmap/incidentmap/store/internal/sqlexpr"
)

// The types of the columns of incidents, as PostgreSQL holds them.
const (
	colText    = sqlexpr.Text    // text NOT NULL, '' when empty
	colInt     = sqlexpr.Int     // integer, NULL when unknown
	colDay     = sqlexpr.Day     // date
	colInstant = sqlexpr.Instant // timestamptz
)

// casts is the type a bound value of a column is cast to, so that the
// server never has to guess it.
var casts = map[sqlexpr.Type]string{colText: "::text", colInt: "::float8", colDay: "::date", colInstant: "::timestamptz"}

// columns is the allow-list from queryable (and sortable) property names to
// columns, qualified by the alias i of incidents: the only way a name in a filter reaches SQL.
// The columns are named as the properties (sqlexpr.Columns).
var columns = sqlexpr.Columns(func(name string) string { return "i." + name })

// SQL fragments of compiled filters, over the columns of incidents i, with
// ? placeholders that rebind turns into $n. Each binds its values; none
// takes text from the caller.
const (
	// Candidates from the GiST index for a box: west, south, east, north.
	// && compares float4 boxes and so takes in points up to ~1e-5° outside:
	// every use is followed by an exact test.
	sqlEnvelope = `i.location && ST_MakeEnvelope(?::float8, ?::float8, ?::float8, ?::float8, 4326)`
	// One box of a bbox with an area: ST_Intersects, exact in float8 and
	// edges included, searches the GiST index itself, and the planner
	// estimates how many rows it selects from the column's statistics, so
	// that it can choose between the GiST index (and a sort) and a walk
	// down the index of the order that stops when the page is full. (The
	// form below estimates each BETWEEN blindly, takes a box of 100,000
	// incidents for one of a few, and sorts them all.) West, south, east,
	// north.
	sqlBox = `ST_Intersects(i.location, ST_MakeEnvelope(?::float8, ?::float8, ?::float8, ?::float8, 4326))`
	// One box without area (a line or a point), which ST_Intersects
	// misses: index candidates, then the exact test of the float8
	// coordinates, edges included: west, south, east, north, west, east,
	// south, north.
	sqlBound = `(` + sqlEnvelope + `
		AND ST_X(i.location) BETWEEN ?::float8 AND ?::float8 AND ST_Y(i.location) BETWEEN ?::float8 AND ?::float8)`
	// A geometry of a filter, as WKB.
	sqlGeometry = `ST_GeomFromWKB(?::bytea, 4326)`
	// The exact test of a distance along the WGS 84 spheroid (use_spheroid
	// true: the geodesic, as the SQLite store's im_dwithin measures it):
	// lon, lat, metres.
	sqlDWithin = `ST_DWithin(i.location::geography, ST_SetSRID(ST_MakePoint(?::float8, ?::float8), 4326)::geography, ?::float8, true)`
	// A bound text folded to lower case, as lower folds a column.
	sqlLowerText = `lower(?::text)`
	// After a text column: one array parameter for all the values of an
	// IN, so that any number of values takes the same SQL.
	sqlTextIn = ` = ANY(?::text[])`
)

// spatialFuncs is the allow-list from CQL2 spatial functions to PostGIS's,
// whose first argument is the incident's location.
var spatialFuncs = map[string]string{
	incidentmap.SIntersects: "ST_Intersects", incidentmap.SWithin: "ST_Within", incidentmap.SContains: "ST_Contains",
	incidentmap.SDisjoint: "ST_Disjoint", incidentmap.SEquals: "ST_Equals", incidentmap.STouches: "ST_Touches",
	incidentmap.SCrosses: "ST_Crosses", incidentmap.SOverlaps: "ST_Overlaps",
}

// dialect is the SQL of PostGIS for the shared compiler: TRUE and FALSE,
// every placeholder cast to its column's type, days bound as time.Time,
// case folded by lower on the server, and the GiST index of i.location
// (&& an envelope) for spatial candidates.
var dialect = &sqlexpr.Dialect{
	Columns:     columns,
	True:        "TRUE",
	False:       "FALSE",
	Placeholder: func(t sqlexpr.Type) string { return "?" + casts[t] },
	Day:         func(day time.Time) any { return day },
	Lower:       func(col string) string { return "lower(" + col + ")" },
	LowerText:   func(s string) (string, any) { return sqlLowerText, s },
	TextIn:      sqlTextIn,
	Bound:       bound,
	Candidates:  envelope,
	Spatial:     spatial,
	DWithin:     sqlDWithin,
	Key:         key,
	Rebind:      rebind,
}

// compile returns the SQL condition of e over the columns of incidents i
// and its arguments. Anything it cannot compile is EINVALID naming
// "filter".
func compile(e incidentmap.Expr) (string, []any, error) { return dialect.Compile(e) }

// key returns a cursor value with the cast of its placeholder, which for
// counts is bigint (cursor values are int64).
func key(t sqlexpr.Type, v any) (any, string) {
	switch v := v.(type) {
	case nil:
		return nil, "?"
	case string:
		return v, "?::text"
	case int64:
		return v, "?::bigint"
	case time.Time:
		if t == colDay {
			return v.UTC(), "?::date"
		}
		return v.UTC(), "?::timestamptz"
	}
	return v, "?"
}

// envelope returns the GiST index candidates of the points in b.
func envelope(b orb.Bound) (string, []any) {
	return sqlEnvelope, []any{b.Min.Lon(), b.Min.Lat(), b.Max.Lon(), b.Max.Lat()}
}

// bound returns the exact test of a point in b, edges included.
func bound(b orb.Bound) (string, []any) {
	west, south, east, north := b.Min.Lon(), b.Min.Lat(), b.Max.Lon(), b.Max.Lat()
	if west < east && south < north {
		return sqlBox, []any{west, south, east, north}
	}
	return sqlBound, []any{west, south, east, north, west, east, south, north}
}

// spatial returns the test of a spatial function op against g, given as
// WKB. PostGIS's ST_ functions search the GiST index themselves.
func spatial(op string, _ orb.Geometry, blob []byte) (string, []any) {
	return spatialFuncs[op] + "(i.location, " + sqlGeometry + ")", []any{blob}
}
