package sqlite

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
	colText    colType = iota // TEXT NOT NULL, '' when empty
	colInt                    // INTEGER, NULL when unknown
	colDay                    // TEXT 'YYYY-MM-DD'
	colInstant                // TEXT instantLayout
)

type column struct {
	name string // the SQL column, unqualified
	typ  colType
}

// columns is the allow-list from queryable (and sortable) property names to
// columns: the only way a name in a filter reaches SQL.
var columns = map[string]column{
	"id":                 {"id", colText},
	"title":              {"title", colText},
	"summary":            {"summary", colText},
	"occurred_start":     {"occurred_start", colDay},
	"occurred_end":       {"occurred_end", colDay},
	"date_precision":     {"date_precision", colText},
	"location_precision": {"location_precision", colText},
	"place_name":         {"place_name", colText},
	"country":            {"country", colText},
	"admin1_code":        {"admin1_code", colText},
	"admin1_name":        {"admin1_name", colText},
	"event_type":         {"event_type", colText},
	"sub_event_type":     {"sub_event_type", colText},
	"target_type":        {"target_type", colText},
	"target_country":     {"target_country", colText},
	"facility":           {"facility", colText},
	"perpetrator":        {"perpetrator", colText},
	"fatalities":         {"fatalities", colInt},
	"injuries":           {"injuries", colInt},
	"status":             {"status", colText},
	"updated_at":         {"updated_at", colInstant}, // sortable only: not a queryable
}

// compareOps is the allow-list of comparison operators.
var compareOps = map[string]string{"=": "=", "<>": "<>", "<": "<", "<=": "<=", ">": ">", ">=": ">="}

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
	// The exact test of a spatial function: op, WKB.
	sqlSpatial = `im_spatial(?, lon, lat, ?)`
	// The exact test of a distance: lon, lat, metres.
	sqlDWithin = `im_dwithin(lon, lat, ?, ?, ?)`
)

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
		return c.join(e.Args, " AND ", "1", depth)
	case incidentmap.Or:
		return c.join(e.Args, " OR ", "0", depth)
	case incidentmap.Not:
		c.w("NOT (")
		if err := c.expr(e.Arg, depth+1); err != nil {
			return err
		}
		c.w(")")
		return nil
	case incidentmap.Bool:
		if e {
			c.w("1")
		} else {
			c.w("0")
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
			return formatDay(incidentmap.Day(t.Day)), nil
		case incidentmap.Timestamp:
			return formatDay(incidentmap.Day(t.Time)), nil
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
			c.w("im_lower(" + o.col.name + ")")
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
		v = strings.ToLower(v.(string))
	}
	c.bind("?", v)
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
	// LIKE is case-sensitive on every connection (case_sensitive_like).
	pattern := likePattern(e.Pattern)
	if e.CaseInsensitive {
		c.bind("im_lower("+col.name+`) LIKE ? ESCAPE '\'`, strings.ToLower(pattern))
	} else {
		c.bind(col.name+` LIKE ? ESCAPE '\'`, pattern)
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
	c.bind(col.name+" BETWEEN ? AND ?", lo, hi)
	return nil
}

func (c *compiler) in(e incidentmap.In) error {
	col, err := lookup(e.Prop)
	if err != nil {
		return err
	}
	if len(e.Values) == 0 {
		c.w("0")
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
		c.bind("?", v)
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
			return c.join(parts, " OR ", "0", depth)
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
	// Every function but s_disjoint needs the point to meet the geometry,
	// so the geometry's bound is a valid prefilter.
	b := g.Bound()
	c.bind("("+sqlRTree, b.Min.Lon(), b.Max.Lon(), b.Min.Lat(), b.Max.Lat())
	c.bind(" AND "+sqlSpatial+")", e.Op, blob)
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
	if west <= -180 && east >= 180 && south <= -90 && north >= 90 {
		// The whole world holds every stored point (the table checks the
		// ranges): better left out than sent through the R*Tree.
		c.w("1")
		return
	}
	c.bind(sqlBound, west, east, south, north, west, east, south, north)
}

func (c *compiler) dwithin(e incidentmap.DWithin) error {
	if e.Prop != "location" {
		return invalid("cannot use %q as a geometry", e.Prop)
	}
	if !incidentmap.ValidLonLat(e.Point) || !(e.DistanceMeters >= 0) || math.IsInf(e.DistanceMeters, 0) {
		return invalid("S_DWITHIN needs a valid point and distance")
	}
	c.w("((")
	for i, b := range dwithinBounds(e.Point, e.DistanceMeters) {
		if i > 0 {
			c.w(" OR ")
		}
		c.bind(sqlRTree, b.Min.Lon(), b.Max.Lon(), b.Min.Lat(), b.Max.Lat())
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
		as, ae = "occurred_start", "occurred_end"
	case "occurred_start", "occurred_end":
		as, ae = e.Prop, e.Prop
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
				c.w("0")
				return nil
			}
			continue
		}
		parts = append(parts, k.col+" "+k.op+" ?")
		args = append(args, formatDay(k.b.day))
	}
	if len(parts) == 0 {
		c.w("1")
		return nil
	}
	c.bind("("+strings.Join(parts, " AND ")+")", args...)
	return nil
}
