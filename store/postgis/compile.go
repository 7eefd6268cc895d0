package postgis

import (
	"math"
	"strings"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"

	"github.com/incidentmap/incidentmap"
)

// colType is how the incidents table holds a queryable property.
type colType int

const (
	colText    colType = iota // text NOT NULL, '' when empty
	colInt                    // integer, NULL when unknown
	colDay                    // date
	colInstant                // timestamptz
)

type column struct {
	name string // the SQL column, qualified by the alias i of incidents
	typ  colType
}

// casts is the type a bound value of a column is cast to, so that the
// server never has to guess it.
var casts = map[colType]string{colText: "::text", colInt: "::float8", colDay: "::date", colInstant: "::timestamptz"}

// columns is the allow-list from queryable (and sortable) property names to
// columns: the only way a name in a filter reaches SQL.
var columns = map[string]column{
	"id":                 {"i.id", colText},
	"title":              {"i.title", colText},
	"summary":            {"i.summary", colText},
	"occurred_start":     {"i.occurred_start", colDay},
	"occurred_end":       {"i.occurred_end", colDay},
	"date_precision":     {"i.date_precision", colText},
	"location_precision": {"i.location_precision", colText},
	"place_name":         {"i.place_name", colText},
	"country":            {"i.country", colText},
	"admin1_code":        {"i.admin1_code", colText},
	"admin1_name":        {"i.admin1_name", colText},
	"event_type":         {"i.event_type", colText},
	"sub_event_type":     {"i.sub_event_type", colText},
	"target_type":        {"i.target_type", colText},
	"target_country":     {"i.target_country", colText},
	"facility":           {"i.facility", colText},
	"perpetrator":        {"i.perpetrator", colText},
	"fatalities":         {"i.fatalities", colInt},
	"injuries":           {"i.injuries", colInt},
	"status":             {"i.status", colText},
	"updated_at":         {"i.updated_at", colInstant}, // sortable only: not a queryable
}

// compareOps is the allow-list of comparison operators.
var compareOps = map[string]string{"=": "=", "<>": "<>", "<": "<", "<=": "<=", ">": ">", ">=": ">="}

// SQL fragments of compiled filters, over the columns of incidents i, with
// ? placeholders that rebind turns into $n. Each binds its values; none
// takes text from the caller.
const (
	// Candidates from the GiST index for a box: west, south, east, north.
	// && compares float4 boxes and so takes in points up to ~1e-5° outside:
	// every use is followed by an exact test.
	sqlEnvelope = `i.location && ST_MakeEnvelope(?::float8, ?::float8, ?::float8, ?::float8, 4326)`
	// One box of a bbox: index candidates, then the exact test of the
	// float8 coordinates, edges included (ST_Intersects is exact too but
	// misses every point when the box has no area): west, south, east,
	// north, west, east, south, north.
	sqlBound = `(` + sqlEnvelope + `
		AND ST_X(i.location) BETWEEN ?::float8 AND ?::float8 AND ST_Y(i.location) BETWEEN ?::float8 AND ?::float8)`
	// A geometry of a filter, as WKB.
	sqlGeometry = `ST_GeomFromWKB(?::bytea, 4326)`
	// The exact test of a distance along the WGS 84 spheroid (use_spheroid
	// true: the geodesic, as the SQLite store's im_dwithin measures it):
	// lon, lat, metres.
	sqlDWithin = `ST_DWithin(i.location::geography, ST_SetSRID(ST_MakePoint(?::float8, ?::float8), 4326)::geography, ?::float8, true)`
)

// spatialFuncs is the allow-list from CQL2 spatial functions to PostGIS's,
// whose first argument is the incident's location.
var spatialFuncs = map[string]string{
	incidentmap.SIntersects: "ST_Intersects", incidentmap.SWithin: "ST_Within", incidentmap.SContains: "ST_Contains",
	incidentmap.SDisjoint: "ST_Disjoint", incidentmap.SEquals: "ST_Equals", incidentmap.STouches: "ST_Touches",
	incidentmap.SCrosses: "ST_Crosses", incidentmap.SOverlaps: "ST_Overlaps",
}

// compiler turns an incidentmap.Expr into a WHERE condition and its bound
// arguments, in order.
type compiler struct {
	sql  strings.Builder
	args []any
}

// compile returns the SQL condition of e over the columns of incidents and
// its arguments. Anything it cannot compile is EINVALID naming "filter".
func compile(e incidentmap.Expr) (string, []any, error) {
	var c compiler
	if err := c.expr(e, 0); err != nil {
		return "", nil, err
	}
	return c.sql.String(), c.args, nil
}

func invalid(format string, args ...any) error {
	return incidentmap.Invalidf("filter", format, args...)
}

func (c *compiler) w(s string) { c.sql.WriteString(s) }

func (c *compiler) bind(s string, args ...any) {
	c.sql.WriteString(s)
	c.args = append(c.args, args...)
}

const maxDepth = 200

func (c *compiler) expr(e incidentmap.Expr, depth int) error {
	if depth > maxDepth {
		return invalid("is nested too deeply")
	}
	switch e := e.(type) {
	case incidentmap.And:
		return c.join(e.Args, " AND ", "TRUE", depth)
	case incidentmap.Or:
		return c.join(e.Args, " OR ", "FALSE", depth)
	case incidentmap.Not:
		c.w("NOT (")
		if err := c.expr(e.Arg, depth+1); err != nil {
			return err
		}
		c.w(")")
		return nil
	case incidentmap.Bool:
		if e {
			c.w("TRUE")
		} else {
			c.w("FALSE")
		}
		return nil
	case incidentmap.Compare:
		return c.compare(e)
	case incidentmap.Like:
		return c.like(e)
	case incidentmap.Between:
		return c.between(e)
	case incidentmap.In:
		return c.in(e)
	case incidentmap.IsNull:
		col, err := lookup(e.Prop)
		if err != nil {
			return err
		}
		if col.typ == colText {
			c.w("(" + col.name + " IS NULL OR " + col.name + " = '')")
		} else {
			c.w(col.name + " IS NULL")
		}
		return nil
	case incidentmap.Spatial:
		return c.spatial(e, depth)
	case incidentmap.DWithin:
		return c.dwithin(e)
	case incidentmap.Temporal:
		return c.temporal(e)
	}
	return invalid("cannot filter with %T", e)
}

func (c *compiler) join(args []incidentmap.Expr, op, empty string, depth int) error {
	if len(args) == 0 {
		c.w(empty)
		return nil
	}
	c.w("(")
	for i, a := range args {
		if i > 0 {
			c.w(op)
		}
		if err := c.expr(a, depth+1); err != nil {
			return err
		}
	}
	c.w(")")
	return nil
}

// lookup resolves a property name through the allow-list.
func lookup(name string) (column, error) {
	col, ok := columns[name]
	if !ok || name == "updated_at" {
		return column{}, invalid("cannot filter by %q", name)
	}
	return col, nil
}

// value converts a literal to what a column of type typ compares with.
// Times are truncated to their day (see incidentmap.Interval.Days).
func value(typ colType, lit incidentmap.Literal) (any, error) {
	switch typ {
	case colText:
		if s, ok := lit.(incidentmap.String); ok {
			return string(s), nil
		}
	case colInt:
		if n, ok := lit.(incidentmap.Number); ok && !math.IsNaN(float64(n)) {
			return float64(n), nil
		}
	case colDay:
		switch t := lit.(type) {
		case incidentmap.Date:
			return incidentmap.Day(t.Day), nil
		case incidentmap.Timestamp:
			return incidentmap.Day(t.Time), nil
		}
	}
	return nil, invalid("cannot compare with %v", lit)
}

// operand is one side of a comparison, resolved.
type operand struct {
	col   *column
	lit   incidentmap.Literal
	casei bool
}

func resolve(o incidentmap.Operand) (operand, error) {
	switch o := o.(type) {
	case incidentmap.Property:
		col, err := lookup(o.Name)
		if err != nil {
			return operand{}, err
		}
		return operand{col: &col}, nil
	case incidentmap.Casei:
		in, err := resolve(o.Arg)
		if err != nil || in.casei {
			return operand{}, invalid("CASEI needs a string property or literal")
		}
		in.casei = true
		return in, nil
	case incidentmap.Literal:
		return operand{lit: o}, nil
	}
	return operand{}, invalid("cannot compare %T", o)
}

func (c *compiler) compare(e incidentmap.Compare) error {
	op, ok := compareOps[e.Op]
	if !ok {
		return invalid("unknown comparison %q", e.Op)
	}
	l, err := resolve(e.Left)
	if err != nil {
		return err
	}
	r, err := resolve(e.Right)
	if err != nil {
		return err
	}
	var typ colType
	switch {
	case l.col != nil:
		typ = l.col.typ
	case r.col != nil:
		typ = r.col.typ
	default:
		return invalid("a comparison needs a property")
	}
	if (l.casei || r.casei) && typ != colText {
		return invalid("CASEI needs a string")
	}
	casei := l.casei || r.casei
	for i, o := range []operand{l, r} {
		if i == 1 {
			c.w(" " + op + " ")
		}
		if err := c.operand(o, typ, casei); err != nil {
			return err
		}
	}
	return nil
}

func (c *compiler) operand(o operand, typ colType, casei bool) error {
	if o.col != nil {
		if o.col.typ != typ {
			return invalid("cannot compare %s with a property of another type", o.col.name)
		}
		if casei {
			c.w("lower(" + o.col.name + ")")
		} else {
			c.w(o.col.name)
		}
		return nil
	}
	v, err := value(typ, o.lit)
	if err != nil {
		return err
	}
	if casei {
		c.bind("lower(?::text)", v)
		return nil
	}
	c.bind("?"+casts[typ], v)
	return nil
}

// likePattern makes a trailing lone backslash, which escapes nothing, stand
// for itself, as SQL would otherwise refuse the pattern.
func likePattern(p string) string {
	n := 0
	for i := len(p) - 1; i >= 0 && p[i] == '\\'; i-- {
		n++
	}
	if n%2 == 1 {
		p += `\`
	}
	return p
}

func (c *compiler) like(e incidentmap.Like) error {
	col, err := lookup(e.Prop)
	if err != nil {
		return err
	}
	if col.typ != colText {
		return invalid("LIKE needs a string property, not %q", e.Prop)
	}
	pattern := likePattern(e.Pattern)
	if e.CaseInsensitive {
		c.bind("lower("+col.name+`) LIKE lower(?::text) ESCAPE '\'`, pattern)
	} else {
		c.bind(col.name+` LIKE ?::text ESCAPE '\'`, pattern)
	}
	return nil
}

func (c *compiler) between(e incidentmap.Between) error {
	col, err := lookup(e.Prop)
	if err != nil {
		return err
	}
	lo, err := value(col.typ, e.Low)
	if err != nil {
		return err
	}
	hi, err := value(col.typ, e.High)
	if err != nil {
		return err
	}
	c.bind(col.name+" BETWEEN ?"+casts[col.typ]+" AND ?"+casts[col.typ], lo, hi)
	return nil
}

func (c *compiler) in(e incidentmap.In) error {
	col, err := lookup(e.Prop)
	if err != nil {
		return err
	}
	if len(e.Values) == 0 {
		c.w("FALSE")
		return nil
	}
	if col.typ == colText {
		// One array parameter: the same SQL for any number of values.
		vs := make([]string, len(e.Values))
		for i, lit := range e.Values {
			v, err := value(col.typ, lit)
			if err != nil {
				return err
			}
			vs[i] = v.(string)
		}
		c.bind(col.name+" = ANY(?::text[])", vs)
		return nil
	}
	c.w(col.name + " IN (")
	for i, lit := range e.Values {
		v, err := value(col.typ, lit)
		if err != nil {
			return err
		}
		if i > 0 {
			c.w(", ")
		}
		c.bind("?"+casts[col.typ], v)
	}
	c.w(")")
	return nil
}

// rectangle returns g as a Bound when it is one: a Bound, or a polygon
// without holes whose ring is an axis-aligned rectangle. Such a polygon
// then takes the bbox path, so a filter costs the same however it was
// written.
func rectangle(g orb.Geometry) (orb.Bound, bool) {
	switch g := g.(type) {
	case orb.Bound:
		return g, true
	case orb.Polygon:
		if len(g) != 1 || len(g[0]) != 5 || g[0][0] != g[0][4] {
			return orb.Bound{}, false
		}
		r := g[0]
		b := r.Bound()
		if !(b.Min[0] < b.Max[0] && b.Min[1] < b.Max[1]) {
			return orb.Bound{}, false
		}
		for i := range 4 {
			p, q := r[i], r[i+1]
			if p[0] != b.Min[0] && p[0] != b.Max[0] || p[1] != b.Min[1] && p[1] != b.Max[1] {
				return orb.Bound{}, false // not a corner
			}
			if (p[0] == q[0]) == (p[1] == q[1]) {
				return orb.Bound{}, false // a diagonal or an edge of no length
			}
		}
		return b, true
	}
	return orb.Bound{}, false
}

// normalize turns a geometry into one that WKB has a type for.
func normalize(g orb.Geometry) orb.Geometry {
	switch g := g.(type) {
	case orb.Bound:
		return g.ToPolygon()
	case orb.Ring:
		return orb.Polygon{g}
	}
	return g
}

func (c *compiler) spatial(e incidentmap.Spatial, depth int) error {
	if e.Prop != "location" {
		return invalid("cannot use %q as a geometry", e.Prop)
	}
	if !validSpatialOp(e.Op) {
		return invalid("unknown spatial function %q", e.Op)
	}
	if e.Geometry == nil {
		return invalid("%s needs a geometry", strings.ToUpper(e.Op))
	}
	// s_disjoint is the negation of s_intersects, which can use the index.
	if e.Op == incidentmap.SDisjoint {
		c.w("NOT (")
		if err := c.spatial(incidentmap.Spatial{Op: incidentmap.SIntersects, Prop: e.Prop, Geometry: e.Geometry}, depth+1); err != nil {
			return err
		}
		c.w(")")
		return nil
	}
	if e.Op == incidentmap.SIntersects {
		if b, ok := rectangle(e.Geometry); ok {
			c.bound(b)
			return nil
		}
		// A point meets a collection when it meets one of its parts: each
		// part takes its own index search.
		var parts []incidentmap.Expr
		switch g := e.Geometry.(type) {
		case orb.MultiPolygon:
			for _, p := range g {
				parts = append(parts, incidentmap.Spatial{Op: e.Op, Prop: e.Prop, Geometry: p})
			}
		case orb.Collection:
			for _, p := range g {
				parts = append(parts, incidentmap.Spatial{Op: e.Op, Prop: e.Prop, Geometry: p})
			}
		}
		if parts != nil {
			return c.join(parts, " OR ", "FALSE", depth)
		}
	}
	if _, ok := e.Geometry.(orb.Collection); ok {
		return invalid("%s with a GEOMETRYCOLLECTION is not supported; use S_INTERSECTS or S_DISJOINT", strings.ToUpper(e.Op))
	}
	g := normalize(e.Geometry)
	blob, err := wkb.Marshal(g)
	if err != nil {
		return invalid("cannot use the geometry of %s", strings.ToUpper(e.Op))
	}
	// PostGIS's ST_ functions search the GiST index themselves.
	c.bind(spatialFuncs[e.Op]+"(i.location, "+sqlGeometry+")", blob)
	return nil
}

func validSpatialOp(op string) bool {
	for _, o := range incidentmap.SpatialOps {
		if o == op {
			return true
		}
	}
	return false
}

// bound writes the exact test of a point in b, edges included.
func (c *compiler) bound(b orb.Bound) {
	west, south, east, north := b.Min.Lon(), b.Min.Lat(), b.Max.Lon(), b.Max.Lat()
	c.bind(sqlBound, west, south, east, north, west, east, south, north)
}

func (c *compiler) dwithin(e incidentmap.DWithin) error {
	if e.Prop != "location" {
		return invalid("cannot use %q as a geometry", e.Prop)
	}
	if !incidentmap.ValidLonLat(e.Point) || !(e.DistanceMeters >= 0) || math.IsInf(e.DistanceMeters, 0) {
		return invalid("S_DWITHIN needs a valid point and distance")
	}
	// The boxes let the GiST index of the geometry find the candidates;
	// the cast to geography alone would not.
	c.w("((")
	for i, b := range dwithinBounds(e.Point, e.DistanceMeters) {
		if i > 0 {
			c.w(" OR ")
		}
		c.bind(sqlEnvelope, b.Min.Lon(), b.Min.Lat(), b.Max.Lon(), b.Max.Lat())
	}
	c.bind(") AND "+sqlDWithin+")", e.Point.Lon(), e.Point.Lat(), e.DistanceMeters)
	return nil
}

// A bound of a temporal comparison: a day, or minus or plus infinity for
// an open end.
type dayBound struct {
	day time.Time
	inf int // -1: minus infinity; +1: plus infinity
}

// temporal compiles a CQL2 temporal function over the incident's interval
// of days a = [as, ae] (an instant when Prop is a date property: as = ae)
// and the literal's days b = [bs, be], with the definitions of CQL2
// (OGC 21-065r2, Table 6) and open ends as infinities.
func (c *compiler) temporal(e incidentmap.Temporal) error {
	var as, ae string
	switch e.Prop {
	case incidentmap.OccurredProperty:
		as, ae = "i.occurred_start", "i.occurred_end"
	case "occurred_start", "occurred_end":
		as, ae = "i."+e.Prop, "i."+e.Prop
	default:
		return invalid("cannot use %q as a time", e.Prop)
	}
	first, last := e.Interval.Days()
	bs, be := dayBound{day: first, inf: -1}, dayBound{day: last, inf: 1}
	if !first.IsZero() {
		bs.inf = 0
	}
	if !last.IsZero() {
		be.inf = 0
	}
	type cmp struct {
		col string
		op  string
		b   dayBound
	}
	var conds []cmp
	switch e.Op {
	case incidentmap.TAfter:
		conds = []cmp{{as, ">", be}}
	case incidentmap.TBefore:
		conds = []cmp{{ae, "<", bs}}
	case incidentmap.TContains:
		conds = []cmp{{as, "<", bs}, {ae, ">", be}}
	case incidentmap.TDuring:
		conds = []cmp{{as, ">", bs}, {ae, "<", be}}
	case incidentmap.TEquals:
		conds = []cmp{{as, "=", bs}, {ae, "=", be}}
	case incidentmap.TFinishedBy:
		conds = []cmp{{as, "<", bs}, {ae, "=", be}}
	case incidentmap.TFinishes:
		conds = []cmp{{as, ">", bs}, {ae, "=", be}}
	case incidentmap.TIntersects:
		conds = []cmp{{as, "<=", be}, {ae, ">=", bs}}
	case incidentmap.TDisjoint:
		// NOT t_intersects: ae < bs OR as > be.
		c.w("NOT (")
		err := c.temporal(incidentmap.Temporal{Op: incidentmap.TIntersects, Prop: e.Prop, Interval: e.Interval})
		c.w(")")
		return err
	case incidentmap.TMeets:
		conds = []cmp{{ae, "=", bs}}
	case incidentmap.TMetBy:
		conds = []cmp{{as, "=", be}}
	case incidentmap.TOverlappedBy:
		conds = []cmp{{as, ">", bs}, {as, "<", be}, {ae, ">", be}}
	case incidentmap.TOverlaps:
		conds = []cmp{{as, "<", bs}, {ae, ">", bs}, {ae, "<", be}}
	case incidentmap.TStartedBy:
		conds = []cmp{{as, "=", bs}, {ae, ">", be}}
	case incidentmap.TStarts:
		conds = []cmp{{as, "=", bs}, {ae, "<", be}}
	default:
		return invalid("unknown temporal function %q", e.Op)
	}
	var parts []string
	var args []any
	for _, k := range conds {
		if k.b.inf != 0 {
			// A day against an open end: a day is after minus infinity and
			// before plus infinity, and equal to neither.
			holds := (k.op == ">" || k.op == ">=") == (k.b.inf < 0) && k.op != "="
			if !holds {
				c.w("FALSE")
				return nil
			}
			continue
		}
		parts = append(parts, k.col+" "+k.op+" ?::date")
		args = append(args, k.b.day)
	}
	if len(parts) == 0 {
		c.w("TRUE")
		return nil
	}
	c.bind("("+strings.Join(parts, " AND ")+")", args...)
	return nil
}
