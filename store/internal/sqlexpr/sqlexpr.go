// Package sqlexpr compiles the domain's expression tree (incidentmap.Expr)
// and sort orders into SQL conditions with bound arguments, for the SQLite
// and PostGIS stores alike. It owns the walk of the tree, the allow-list
// checks, depth limits, errors, and the order in which values are bound;
// it holds no SQL of a dialect. Each store fills a Dialect with its own
// column names, literals, casts and spatial SQL, kept beside its queries.
// It also reads a page of keyset paging back: PlanPage plans it, and
// MergePage cuts it and merges the two reads of a page as of an instant
// in the order the SQL sorted them (asof.go).
package sqlexpr

import (
	"math"
	"strings"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"

	"github.com/incidentmap/incidentmap"
)

// Type is how a table holds a queryable property.
type Type int

// The types of columns.
const (
	Text    Type = iota // a string, '' when empty
	Int                 // an integer, NULL when unknown
	Day                 // a calendar day
	Instant             // an instant
)

// Column is the SQL column of a property.
type Column struct {
	Name string // as it appears in SQL, qualified or not as the dialect needs
	Type Type
}

// Dialect holds what differs between two stores' SQL for the same filter.
// Every fragment binds its values with ? placeholders; none takes text from
// the caller.
type Dialect struct {
	// Columns is the allow-list from queryable (and sortable) property
	// names to columns: the only way a name in a filter reaches SQL.
	// "updated_at" is sortable only.
	Columns map[string]Column
	// True and False are the constant conditions.
	True, False string
	// Placeholder returns the placeholder of a value bound for a column of
	// type t, such as "?" or "?::date".
	Placeholder func(t Type) string
	// Day converts a day (midnight UTC) to the value bound for a Day column.
	Day func(day time.Time) any
	// Lower returns the SQL of the column col folded to lower case.
	Lower func(col string) string
	// LowerText returns the placeholder and argument of the text s folded
	// to lower case.
	LowerText func(s string) (string, any)
	// TextIn, when set, follows a Text column to test it against all the
	// values of an IN bound as one []string; when empty, IN binds a
	// placeholder for each value.
	TextIn string
	// Bound returns the exact test of a location in b, edges included.
	Bound func(b orb.Bound) (string, []any)
	// Candidates returns an index prefilter of the locations in b, which
	// may take in some outside it: an exact test always follows.
	Candidates func(b orb.Bound) (string, []any)
	// Spatial returns the test of CQL2 spatial function op (any but
	// s_disjoint) of the location against g, given as WKB too.
	Spatial func(op string, g orb.Geometry, wkb []byte) (string, []any)
	// DWithin is the exact test of a distance, binding lon, lat, metres.
	DWithin string
	// Key converts a cursor value v (see incidentmap.SortValue) that fits
	// a column of type t to its argument and placeholder.
	Key func(t Type, v any) (any, string)
	// DayLayout and InstantLayout parse days and instants that the
	// database returns as text (SQLite); unused when it returns times.
	DayLayout, InstantLayout string
	// Rebind turns the ? placeholders of a whole query into the
	// database's own; nil when ? is what it takes.
	Rebind func(query string) string
}

// Compile returns the SQL condition of e and its arguments, in order.
// Anything it cannot compile is EINVALID naming "filter".
func (d *Dialect) Compile(e incidentmap.Expr) (string, []any, error) {
	return d.CompileSpan(e, -1)
}

// CompileSpan is Compile that knows that no incident lasts more than
// maxSpanDays days (from its occurred_start to its occurred_end; negative
// when unknown). An interval that intersects the incidents' intervals
// then also bounds occurred_start from below, so that the index of
// occurred_start finds the matches of a time window in a range instead of
// scanning every earlier incident.
func (d *Dialect) CompileSpan(e incidentmap.Expr, maxSpanDays int) (string, []any, error) {
	c := compiler{d: d, maxSpan: maxSpanDays}
	if err := c.expr(e, 0); err != nil {
		return "", nil, err
	}
	return c.sql.String(), c.args, nil
}

// MaxTerms is the most comparisons (each value of an IN list counts) that
// one filter may hold: a filter is a query, not a list of ids to fetch.
const MaxTerms = 400

// compiler turns an incidentmap.Expr into a WHERE condition and its bound
// arguments, in order.
type compiler struct {
	d       *Dialect
	sql     strings.Builder
	args    []any
	maxSpan int // days; negative when unknown
	terms   int
}

// term counts n comparisons against MaxTerms.
func (c *compiler) term(n int) error {
	if c.terms += n; c.terms > MaxTerms {
		return invalid("has more than %d comparisons; narrow it, or split it into several requests", MaxTerms)
	}
	return nil
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
		return c.join(e.Args, " AND ", c.d.True, depth)
	case incidentmap.Or:
		if in, ok := mergeEqualities(e); ok {
			return c.in(in)
		}
		return c.join(e.Args, " OR ", c.d.False, depth)
	case incidentmap.Not:
		c.w("NOT (")
		if err := c.expr(e.Arg, depth+1); err != nil {
			return err
		}
		c.w(")")
		return nil
	case incidentmap.Bool:
		if e {
			c.w(c.d.True)
		} else {
			c.w(c.d.False)
		}
		return nil
	case incidentmap.Compare:
		if err := c.term(1); err != nil {
			return err
		}
		return c.compare(e)
	case incidentmap.Like:
		if err := c.term(1); err != nil {
			return err
		}
		return c.like(e)
	case incidentmap.Between:
		if err := c.term(1); err != nil {
			return err
		}
		return c.between(e)
	case incidentmap.In:
		return c.in(e)
	case incidentmap.IsNull:
		col, err := c.lookup(e.Prop)
		if err != nil {
			return err
		}
		if col.Type == Text {
			c.w("(" + col.Name + " IS NULL OR " + col.Name + " = '')")
		} else {
			c.w(col.Name + " IS NULL")
		}
		return nil
	case incidentmap.Spatial:
		if err := c.term(1); err != nil {
			return err
		}
		return c.spatial(e, depth)
	case incidentmap.DWithin:
		if err := c.term(1); err != nil {
			return err
		}
		return c.dwithin(e)
	case incidentmap.Temporal:
		if err := c.term(1); err != nil {
			return err
		}
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
func (c *compiler) lookup(name string) (Column, error) {
	col, ok := c.d.Columns[name]
	if !ok || name == "updated_at" {
		return Column{}, invalid("cannot filter by %q", name)
	}
	return col, nil
}

// value converts a literal to what a column of type typ compares with.
// Times are truncated to their day (see incidentmap.Interval.Days).
func (c *compiler) value(typ Type, lit incidentmap.Literal) (any, error) {
	switch typ {
	case Text:
		if s, ok := lit.(incidentmap.String); ok {
			return string(s), nil
		}
	case Int:
		if n, ok := lit.(incidentmap.Number); ok && !math.IsNaN(float64(n)) {
			return float64(n), nil
		}
	case Day:
		switch t := lit.(type) {
		case incidentmap.Date:
			return c.d.Day(incidentmap.Day(t.Day)), nil
		case incidentmap.Timestamp:
			return c.d.Day(incidentmap.Day(t.Time)), nil
		}
	}
	return nil, invalid("cannot compare with %v", lit)
}

// operand is one side of a comparison, resolved.
type operand struct {
	col   *Column
	lit   incidentmap.Literal
	casei bool
}

func (c *compiler) resolve(o incidentmap.Operand) (operand, error) {
	switch o := o.(type) {
	case incidentmap.Property:
		col, err := c.lookup(o.Name)
		if err != nil {
			return operand{}, err
		}
		return operand{col: &col}, nil
	case incidentmap.Casei:
		in, err := c.resolve(o.Arg)
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

// compareOps is the allow-list of comparison operators.
var compareOps = map[string]string{"=": "=", "<>": "<>", "<": "<", "<=": "<=", ">": ">", ">=": ">="}

func (c *compiler) compare(e incidentmap.Compare) error {
	op, ok := compareOps[e.Op]
	if !ok {
		return invalid("unknown comparison %q", e.Op)
	}
	l, err := c.resolve(e.Left)
	if err != nil {
		return err
	}
	r, err := c.resolve(e.Right)
	if err != nil {
		return err
	}
	var typ Type
	switch {
	case l.col != nil:
		typ = l.col.Type
	case r.col != nil:
		typ = r.col.Type
	default:
		return invalid("a comparison needs a property")
	}
	if (l.casei || r.casei) && typ != Text {
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

func (c *compiler) operand(o operand, typ Type, casei bool) error {
	if o.col != nil {
		if o.col.Type != typ {
			return invalid("cannot compare %s with a property of another type", o.col.Name)
		}
		if casei {
			c.w(c.d.Lower(o.col.Name))
		} else {
			c.w(o.col.Name)
		}
		return nil
	}
	v, err := c.value(typ, o.lit)
	if err != nil {
		return err
	}
	if casei {
		ph, arg := c.d.LowerText(v.(string))
		c.bind(ph, arg)
		return nil
	}
	c.bind(c.d.Placeholder(typ), v)
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
	col, err := c.lookup(e.Prop)
	if err != nil {
		return err
	}
	if col.Type != Text {
		return invalid("LIKE needs a string property, not %q", e.Prop)
	}
	pattern := likePattern(e.Pattern)
	if e.CaseInsensitive {
		ph, arg := c.d.LowerText(pattern)
		c.bind(c.d.Lower(col.Name)+" LIKE "+ph+` ESCAPE '\'`, arg)
	} else {
		c.bind(col.Name+" LIKE "+c.d.Placeholder(Text)+` ESCAPE '\'`, pattern)
	}
	return nil
}

func (c *compiler) between(e incidentmap.Between) error {
	col, err := c.lookup(e.Prop)
	if err != nil {
		return err
	}
	lo, err := c.value(col.Type, e.Low)
	if err != nil {
		return err
	}
	hi, err := c.value(col.Type, e.High)
	if err != nil {
		return err
	}
	ph := c.d.Placeholder(col.Type)
	c.bind(col.Name+" BETWEEN "+ph+" AND "+ph, lo, hi)
	return nil
}

// mergeEqualities returns an OR of equalities of one property with
// literals (p = 'a' OR p = 'b' OR p IN ('c')) as one IN: SQLite plans an
// OR of hundreds of terms slowly (50 took 8.6 s at a million rows) and an
// IN list fast.
func mergeEqualities(e incidentmap.Or) (incidentmap.In, bool) {
	var in incidentmap.In
	for _, a := range e.Args {
		var prop string
		var vals []incidentmap.Literal
		switch a := a.(type) {
		case incidentmap.Compare:
			p, lp := a.Left.(incidentmap.Property)
			l, ll := a.Right.(incidentmap.Literal)
			if !lp || !ll {
				p, lp = a.Right.(incidentmap.Property)
				l, ll = a.Left.(incidentmap.Literal)
			}
			if a.Op != "=" || !lp || !ll {
				return in, false
			}
			prop, vals = p.Name, []incidentmap.Literal{l}
		case incidentmap.In:
			prop, vals = a.Prop, a.Values
		default:
			return in, false
		}
		if in.Prop != "" && prop != in.Prop {
			return in, false
		}
		in.Prop, in.Values = prop, append(in.Values, vals...)
	}
	return in, len(e.Args) > 1
}

func (c *compiler) in(e incidentmap.In) error {
	if err := c.term(len(e.Values)); err != nil {
		return err
	}
	col, err := c.lookup(e.Prop)
	if err != nil {
		return err
	}
	if len(e.Values) == 0 {
		c.w(c.d.False)
		return nil
	}
	if col.Type == Text && c.d.TextIn != "" {
		// One array parameter: the same SQL for any number of values.
		vs := make([]string, len(e.Values))
		for i, lit := range e.Values {
			v, err := c.value(col.Type, lit)
			if err != nil {
				return err
			}
			vs[i] = v.(string)
		}
		c.bind(col.Name+c.d.TextIn, vs)
		return nil
	}
	c.w(col.Name + " IN (")
	for i, lit := range e.Values {
		v, err := c.value(col.Type, lit)
		if err != nil {
			return err
		}
		if i > 0 {
			c.w(", ")
		}
		c.bind(c.d.Placeholder(col.Type), v)
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
			s, args := c.d.Bound(b)
			c.bind(s, args...)
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
			return c.join(parts, " OR ", c.d.False, depth)
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
	s, args := c.d.Spatial(e.Op, g, blob)
	c.bind(s, args...)
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

func (c *compiler) dwithin(e incidentmap.DWithin) error {
	if e.Prop != "location" {
		return invalid("cannot use %q as a geometry", e.Prop)
	}
	if !incidentmap.ValidLonLat(e.Point) || !(e.DistanceMeters >= 0) || math.IsInf(e.DistanceMeters, 0) {
		return invalid("S_DWITHIN needs a valid point and distance")
	}
	// The boxes let the index find the candidates; the exact test alone
	// would not.
	c.w("((")
	for i, b := range dwithinBounds(e.Point, e.DistanceMeters) {
		if i > 0 {
			c.w(" OR ")
		}
		s, args := c.d.Candidates(b)
		c.bind(s, args...)
	}
	c.bind(") AND "+c.d.DWithin+")", e.Point.Lon(), e.Point.Lat(), e.DistanceMeters)
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
		as, ae = c.d.Columns["occurred_start"].Name, c.d.Columns["occurred_end"].Name
	case "occurred_start", "occurred_end":
		as, ae = c.d.Columns[e.Prop].Name, c.d.Columns[e.Prop].Name
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
		if c.maxSpan >= 0 && e.Prop == incidentmap.OccurredProperty && bs.inf == 0 {
			// ae >= bs and ae - as <= maxSpan, so as >= bs - maxSpan.
			conds = append(conds, cmp{as, ">=", dayBound{day: bs.day.AddDate(0, 0, -c.maxSpan)}})
		}
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
				c.w(c.d.False)
				return nil
			}
			continue
		}
		parts = append(parts, k.col+" "+k.op+" "+c.d.Placeholder(Day))
		args = append(args, c.d.Day(k.b.day))
	}
	if len(parts) == 0 {
		c.w(c.d.True)
		return nil
	}
	c.bind("("+strings.Join(parts, " AND ")+")", args...)
	return nil
}
