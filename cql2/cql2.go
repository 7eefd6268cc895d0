// Package cql2 parses OGC Common Query Language (CQL2, OGC 21-065r2) filters,
// in both the cql2-text and the cql2-json encodings, into the expression tree
// of the domain package (incidentmap.Expr). It owns the grammar and the type
// checks; it never builds SQL.
//
// Every property name is resolved through a []incidentmap.Queryable
// allow-list and type checked against it: an unknown property, a string
// property compared with a number, a spatial function on a non-geometry
// property, or a value outside a property's Enum is an error. Errors are
// *incidentmap.Error with Code EINVALID and Param "filter", and their message
// names the 1-based character position of the fault:
//
//	filter: at position 17: unknown property "colour"
//
// Conformance classes: basic-cql2, advanced-comparison-operators,
// case-insensitive-comparison (CASEI), basic-spatial-functions,
// basic-spatial-functions-plus, spatial-functions, temporal-functions,
// cql2-text and cql2-json, with these limits: CASEI wraps a string property
// or a string literal, and CASEI(p) IN (CASEI('a'), …) becomes
// CASEI(p) = CASEI('a') OR …; a comparison or LIKE needs a property on one
// side (either side); a spatial or temporal function needs a property as one
// argument (a function of two literals is rejected as not supported); a
// Queryable of Type QueryBoolean compares with TRUE and FALSE; coordinates
// are longitude, latitude in WGS 84 (a Z value is read and dropped). Every
// example of the standard in those classes parses (testdata/standard and
// TestStandardExamples); arithmetic, arrays, ACCENTI, property-property
// functions and other functions fail with an error that says they are not
// supported.
//
// Extensions: S_DWITHIN(location, POINT(lon lat), distance, units), with
// units meters or kilometers, selects incidents within a geodesic distance
// of a point (incidentmap.DWithin). With ParseTextWith and ParseJSONWith,
// Options.Geometry resolves other functions of string arguments to geometry
// literals (the API resolves REGION('AF-HER'), in cql2-json
// {"op": "region", "args": ["AF-HER"]}, to a region's boundary), and
// Options.Intervals names interval properties for INTERVAL(start, end).
//
// Inputs longer than MaxLength bytes or nested deeper than MaxDepth are
// rejected, so parsing takes time linear in the input and bounded stack.
// So are inputs that are not clean text (incidentmap.CheckText: invalid
// UTF-8, NUL and other control characters, also as \u escapes in
// cql2-json strings), filters of more than MaxTerms conditions and LIKE
// patterns longer than MaxLikePattern.
package cql2

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/incidentmap/incidentmap"
	"github.com/paulmach/orb"
)

// Limits on a filter.
const (
	// MaxLength is the longest filter accepted, in bytes.
	MaxLength = 64 << 10
	// MaxDepth is the deepest nesting accepted: of parentheses, NOT, AND/OR,
	// CASEI and geometry collections together.
	MaxDepth = 64
	// MaxTerms is the most conditions a filter may hold.
	MaxTerms = 256
	// MaxLikePattern is the longest LIKE pattern accepted, in bytes: far
	// below SQLite's limit (50,000 bytes, "pattern too complex"), and long
	// enough for any title or place.
	MaxLikePattern = 1000
	// maxDistanceMeters is half the equator: no two points are further apart.
	maxDistanceMeters = 20037509
)

// kind is the kind of an operand before it becomes part of a tree.
type kind int

const (
	kProp kind = iota
	kString
	kNumber
	kBool
	kDate
	kTimestamp
	kInterval
	kGeometry
	kCasei
	kList
)

var kindNames = [...]string{
	kProp: "a property", kString: "a string", kNumber: "a number", kBool: "a boolean",
	kDate: "a date", kTimestamp: "a timestamp", kInterval: "an interval", kGeometry: "a geometry",
	kCasei: "CASEI", kList: "a list",
}

func (k kind) String() string { return kindNames[k] }

// val is an operand as both parsers produce it, with its byte offset in the
// input for error messages.
type val struct {
	pos   int
	kind  kind
	q     incidentmap.Queryable // kProp
	s     string                // kString
	n     float64               // kNumber
	b     bool                  // kBool
	t     time.Time             // kDate, kTimestamp
	iv    incidentmap.Interval  // kInterval
	g     orb.Geometry          // kGeometry
	inner *val                  // kCasei
	list  []val                 // kList
}

// prop returns the property of v, looking through CASEI, or false.
func (v val) prop() (incidentmap.Queryable, bool) {
	if v.kind == kProp {
		return v.q, true
	}
	if v.kind == kCasei && v.inner.kind == kProp {
		return v.inner.q, true
	}
	return incidentmap.Queryable{}, false
}

// Options extend the parsers with functions of the deployment.
type Options struct {
	// Geometry, when not nil, resolves a function call that the grammar does
	// not know, used as an operand, to a geometry literal: name is the
	// function's name in lower case and args its arguments, which must all
	// be string literals. It returns an error for a name it does not know
	// (such as an error from UnknownFunction). An error of code EINVALID
	// is reported at the position of the call; any other error is returned
	// unchanged. incidentmap's API resolves REGION('AF-HER') this way.
	Geometry func(name string, args []string) (orb.Geometry, error)
	// Intervals names the interval property that INTERVAL(start, end) over
	// two date properties stands for, by the pair of their names. Without
	// it, and for any pair it does not list, only
	// INTERVAL(occurred_start, occurred_end) is known: the property
	// occurred.
	Intervals map[[2]string]string
}

// QueryBoolean is the Queryable type of a property compared with TRUE and
// FALSE. The incident queryables have none; the domain package names no
// such type, so the parser names it.
const QueryBoolean = "boolean"

// UnknownFunction is the error a Geometry resolver returns for a name it
// does not know.
func UnknownFunction(name string) error {
	return incidentmap.Invalidf("filter", "unknown function %q", name)
}

// checker holds what the semantic checks shared by both encodings need.
type checker struct {
	src  string
	qs   []incidentmap.Queryable
	opts Options
}

// resolve calls the Geometry option for the function name(args) at off.
func (c *checker) resolve(name string, args []val, off int) (val, error) {
	if c.opts.Geometry == nil {
		return val{}, c.errAt(off, "unknown function %q", name)
	}
	ss := make([]string, len(args))
	for i, a := range args {
		if a.kind != kString {
			return val{}, c.errAt(a.pos, "%s takes strings as arguments, got %s", strings.ToUpper(name), a.kind)
		}
		ss[i] = a.s
	}
	g, err := c.opts.Geometry(strings.ToLower(name), ss)
	if err != nil {
		var ie *incidentmap.Error
		if errors.As(err, &ie) && ie.Code == incidentmap.EINVALID {
			msg := strings.TrimPrefix(ie.Message, ie.Param+": ")
			return val{}, c.errAt(off, "%s", msg)
		}
		return val{}, err
	}
	if g == nil {
		return val{}, c.errAt(off, "%s gave no geometry", strings.ToUpper(name))
	}
	return val{pos: off, kind: kGeometry, g: g}, nil
}

// errAt returns the EINVALID error for a fault at byte offset off.
func (c *checker) errAt(off int, format string, args ...any) error {
	off = max(0, min(off, len(c.src)))
	pos := utf8.RuneCountInString(c.src[:off]) + 1
	return incidentmap.Invalidf("filter", "at position %d: %s", pos, fmt.Sprintf(format, args...))
}

// checkInput refuses a filter that is not clean text (incidentmap.CheckText):
// invalid UTF-8 or a control character anywhere in it, literals included.
func checkInput(s string) error {
	if off, problem := incidentmap.BadText(s); problem != "" {
		c := checker{src: s}
		return c.errAt(off, "the filter %s", problem)
	}
	return nil
}

// checkTerms refuses a tree of more than MaxTerms conditions: SQLite
// refuses deep AND/OR chains (about 500 ORed terms) with an internal error,
// and a filter of that size is a mistake or an attack, so both stores
// refuse it alike.
func checkTerms(e incidentmap.Expr) error {
	if n := countTerms(e); n > MaxTerms {
		return incidentmap.Invalidf("filter", "at position 1: the filter has %d conditions; at most %d are accepted", n, MaxTerms)
	}
	return nil
}

// countTerms counts the conditions (leaves) of a tree.
func countTerms(e incidentmap.Expr) int {
	n := 0
	switch e := e.(type) {
	case incidentmap.And:
		for _, a := range e.Args {
			n += countTerms(a)
		}
	case incidentmap.Or:
		for _, a := range e.Args {
			n += countTerms(a)
		}
	case incidentmap.Not:
		n = countTerms(e.Arg)
	default:
		n = 1
	}
	return n
}

// tooLong is the error for an input longer than MaxLength.
func tooLong() error {
	return incidentmap.Invalidf("filter", "at position %d: longer than %d bytes", MaxLength+1, MaxLength)
}

// property resolves name through the queryables.
func (c *checker) property(name string, off int) (val, error) {
	q, ok := incidentmap.FindQueryable(c.qs, name)
	if !ok {
		return val{}, c.errAt(off, "unknown property %q", name)
	}
	return val{pos: off, kind: kProp, q: q}, nil
}

// intervalProperty resolves INTERVAL(start, end) over two properties: only
// the pair occurred_start, occurred_end, which is the property occurred.
func (c *checker) intervalProperty(start, end val) (val, error) {
	if start.kind == kProp && end.kind == kProp {
		if name, ok := c.opts.Intervals[[2]string{start.q.Name, end.q.Name}]; ok {
			return c.property(name, start.pos)
		}
	}
	if start.kind != kProp || end.kind != kProp || start.q.Name != "occurred_start" || end.q.Name != "occurred_end" {
		return val{}, c.errAt(start.pos, "INTERVAL over properties must be INTERVAL(occurred_start, occurred_end)")
	}
	return c.property(incidentmap.OccurredProperty, start.pos)
}

// casei wraps v in CASEI after checking that it is a string.
func (c *checker) casei(v val, off int) (val, error) {
	if v.kind == kString || (v.kind == kProp && v.q.Type == incidentmap.QueryString) {
		in := v
		return val{pos: off, kind: kCasei, inner: &in}, nil
	}
	if v.kind == kProp {
		return val{}, c.errAt(v.pos, "CASEI needs a string, but property %q is of type %s", v.q.Name, v.q.Type)
	}
	return val{}, c.errAt(v.pos, "CASEI needs a string, got %s", v.kind)
}

// instant parses the string of a DATE or TIMESTAMP that starts at off and
// whose string starts at soff.
func (c *checker) instant(s string, k kind, off, soff int) (val, error) {
	if k == kDate {
		t, err := time.Parse(time.DateOnly, s)
		if err != nil {
			return val{}, c.errAt(soff, "invalid date %q: want YYYY-MM-DD", s)
		}
		return val{pos: off, kind: kDate, t: t}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return val{}, c.errAt(soff, "invalid timestamp %q: want RFC 3339 such as 2021-05-07T10:00:00Z", s)
	}
	return val{pos: off, kind: kTimestamp, t: t.UTC()}, nil
}

// intervalEnd parses one end of an INTERVAL literal: a date, a timestamp,
// or ".." for an open end (the zero time).
func (c *checker) intervalEnd(s string, off int) (time.Time, error) {
	if s == ".." {
		return time.Time{}, nil
	}
	k := kTimestamp
	if len(s) == len(time.DateOnly) {
		k = kDate
	}
	v, err := c.instant(s, k, off, off)
	return v.t, err
}

// interval builds an interval literal from its two ends.
func (c *checker) interval(start, end time.Time, off int) (val, error) {
	if !start.IsZero() && !end.IsZero() && end.Before(start) {
		return val{}, c.errAt(off, "interval ends before it starts")
	}
	return val{pos: off, kind: kInterval, iv: incidentmap.Interval{Start: start, End: end}}, nil
}

// lonLat checks one position of a geometry.
func (c *checker) lonLat(p orb.Point, off int) error {
	if !(p[0] >= -180 && p[0] <= 180) {
		return c.errAt(off, "longitude %g is outside [-180,180]", p[0])
	}
	if !(p[1] >= -90 && p[1] <= 90) {
		return c.errAt(off, "latitude %g is outside [-90,90]", p[1])
	}
	return nil
}

// ring checks a polygon ring.
func (c *checker) ring(r orb.Ring, off int) error {
	if len(r) < 4 {
		return c.errAt(off, "polygon ring has %d positions; it needs at least 4", len(r))
	}
	if r[0] != r[len(r)-1] {
		return c.errAt(off, "polygon ring is not closed: it starts at %g %g and ends at %g %g",
			r[0][0], r[0][1], r[len(r)-1][0], r[len(r)-1][1])
	}
	return nil
}

// bbox builds the geometry of a BBOX from 4 or 6 numbers (the 6 are
// west, south, min z, east, north, max z; z is dropped).
func (c *checker) bbox(ns []float64, off int) (val, error) {
	var w, s, e, n float64
	switch len(ns) {
	case 4:
		w, s, e, n = ns[0], ns[1], ns[2], ns[3]
	case 6:
		w, s, e, n = ns[0], ns[1], ns[3], ns[4]
	default:
		return val{}, c.errAt(off, "BBOX needs 4 or 6 numbers, got %d", len(ns))
	}
	if err := c.lonLat(orb.Point{w, s}, off); err != nil {
		return val{}, err
	}
	if err := c.lonLat(orb.Point{e, n}, off); err != nil {
		return val{}, err
	}
	if s > n {
		return val{}, c.errAt(off, "BBOX south %g is north of north %g", s, n)
	}
	if w <= e {
		return val{pos: off, kind: kGeometry, g: orb.Bound{Min: orb.Point{w, s}, Max: orb.Point{e, n}}}, nil
	}
	// Crossing the antimeridian (RFC 7946 §5.2): the part east of w, then
	// the part west of e.
	return val{pos: off, kind: kGeometry, g: orb.MultiPolygon{
		orb.Bound{Min: orb.Point{w, s}, Max: orb.Point{180, n}}.ToPolygon(),
		orb.Bound{Min: orb.Point{-180, s}, Max: orb.Point{e, n}}.ToPolygon(),
	}}, nil
}

// operand turns a checked val into a tree operand.
func operand(v val) incidentmap.Operand {
	switch v.kind {
	case kProp:
		return incidentmap.Property{Name: v.q.Name}
	case kCasei:
		return incidentmap.Casei{Arg: operand(*v.inner)}
	}
	return literal(v)
}

// literal turns a scalar val into a tree literal.
func literal(v val) incidentmap.Literal {
	switch v.kind {
	case kString:
		return incidentmap.String(v.s)
	case kNumber:
		return incidentmap.Number(v.n)
	case kBool:
		return incidentmap.Bool(v.b)
	case kDate:
		return incidentmap.Date{Day: v.t}
	case kTimestamp:
		return incidentmap.Timestamp{Time: v.t}
	}
	panic("cql2: not a literal: " + v.kind.String())
}

var flipCompare = map[string]string{"=": "=", "<>": "<>", "<": ">", "<=": ">=", ">": "<", ">=": "<="}

// accepts reports whether a property of type typ compares with literal v,
// and if not, says what it needs.
func accepts(q incidentmap.Queryable, v val) (string, bool) {
	switch q.Type {
	case incidentmap.QueryString:
		return "a string", v.kind == kString || (v.kind == kCasei && v.inner.kind == kString)
	case incidentmap.QueryNumber, incidentmap.QueryInteger:
		return "a number", v.kind == kNumber
	case incidentmap.QueryDate:
		return "DATE('…') or TIMESTAMP('…')", v.kind == kDate || v.kind == kTimestamp
	case incidentmap.QueryGeometry:
		return "a spatial function such as S_INTERSECTS", false
	case incidentmap.QueryInterval:
		return "a temporal function such as T_INTERSECTS", false
	case QueryBoolean:
		return "TRUE or FALSE", v.kind == kBool
	}
	return "nothing", false
}

// enum checks a string literal against the property's enum.
func (c *checker) enum(q incidentmap.Queryable, v val, caseInsensitive bool) error {
	if len(q.Enum) == 0 {
		return nil
	}
	s := v.s
	if v.kind == kCasei {
		s, caseInsensitive = v.inner.s, true
	}
	for _, e := range q.Enum {
		if e == s || (caseInsensitive && strings.EqualFold(e, s)) {
			return nil
		}
	}
	return c.errAt(v.pos, "%q is not a value of %q; it takes one of %q", s, q.Name, q.Enum)
}

// compare builds a binary comparison.
func (c *checker) compare(op string, l, r val, off int) (incidentmap.Expr, error) {
	lq, lok := l.prop()
	rq, rok := r.prop()
	if !lok && !rok {
		return nil, c.errAt(off, "a comparison needs a property on one side")
	}
	if !lok {
		l, r, lq, rq, lok, rok = r, l, rq, lq, rok, lok
		op = flipCompare[op]
	}
	if rok {
		want := lq.Type
		if want == incidentmap.QueryInteger {
			want = incidentmap.QueryNumber
		}
		got := rq.Type
		if got == incidentmap.QueryInteger {
			got = incidentmap.QueryNumber
		}
		if want != got || want == incidentmap.QueryGeometry || want == incidentmap.QueryInterval {
			return nil, c.errAt(r.pos, "cannot compare property %q (%s) with property %q (%s)", lq.Name, lq.Type, rq.Name, rq.Type)
		}
	} else {
		if need, ok := accepts(lq, r); !ok {
			return nil, c.errAt(r.pos, "property %q is of type %s: compare it with %s, not %s", lq.Name, lq.Type, need, r.kind)
		}
		if op == "=" || op == "<>" {
			if err := c.enum(lq, r, l.kind == kCasei); err != nil {
				return nil, err
			}
		}
	}
	return incidentmap.Compare{Op: op, Left: operand(l), Right: operand(r)}, nil
}

// like builds LIKE: a string property (maybe in CASEI) and a string pattern
// (maybe in CASEI).
func (c *checker) like(l, r val) (incidentmap.Expr, error) {
	q, ok := l.prop()
	if !ok {
		return nil, c.errAt(l.pos, "LIKE needs a property on its left, got %s", l.kind)
	}
	if q.Type != incidentmap.QueryString {
		return nil, c.errAt(l.pos, "LIKE needs a string property, but %q is of type %s", q.Name, q.Type)
	}
	pat := r
	if r.kind == kCasei {
		pat = *r.inner
	}
	if pat.kind != kString {
		return nil, c.errAt(r.pos, "LIKE needs a string pattern on its right, got %s", pat.kind)
	}
	if len(pat.s) > MaxLikePattern {
		return nil, c.errAt(r.pos, "a LIKE pattern may be at most %d bytes long, got %d", MaxLikePattern, len(pat.s))
	}
	return incidentmap.Like{Prop: q.Name, Pattern: pat.s, CaseInsensitive: l.kind == kCasei || r.kind == kCasei}, nil
}

// scalarProp checks that v is a bare property of a type that orders.
func (c *checker) scalarProp(v val, what string) (incidentmap.Queryable, error) {
	if v.kind != kProp {
		return incidentmap.Queryable{}, c.errAt(v.pos, "%s needs a property on its left, got %s", what, v.kind)
	}
	switch v.q.Type {
	case incidentmap.QueryGeometry, incidentmap.QueryInterval:
		return incidentmap.Queryable{}, c.errAt(v.pos, "%s cannot apply to property %q of type %s", what, v.q.Name, v.q.Type)
	}
	return v.q, nil
}

// between builds BETWEEN.
func (c *checker) between(p, lo, hi val) (incidentmap.Expr, error) {
	q, err := c.scalarProp(p, "BETWEEN")
	if err != nil {
		return nil, err
	}
	if q.Type == incidentmap.QueryString {
		return nil, c.errAt(p.pos, "BETWEEN needs a number or date property, but %q is a string", q.Name)
	}
	for _, v := range []val{lo, hi} {
		if need, ok := accepts(q, v); !ok {
			return nil, c.errAt(v.pos, "property %q is of type %s: compare it with %s, not %s", q.Name, q.Type, need, v.kind)
		}
	}
	return incidentmap.Between{Prop: q.Name, Low: literal(lo), High: literal(hi)}, nil
}

// in builds IN.
func (c *checker) in(p val, list []val, off int) (incidentmap.Expr, error) {
	if p.kind == kCasei || slices.ContainsFunc(list, func(v val) bool { return v.kind == kCasei }) {
		return c.inCasei(p, list, off)
	}
	q, err := c.scalarProp(p, "IN")
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, c.errAt(off, "IN needs at least one value")
	}
	vs := make([]incidentmap.Literal, len(list))
	for i, v := range list {
		if v.kind == kCasei {
			return nil, c.errAt(v.pos, "CASEI is not supported in an IN list")
		}
		if need, ok := accepts(q, v); !ok {
			return nil, c.errAt(v.pos, "property %q is of type %s: compare it with %s, not %s", q.Name, q.Type, need, v.kind)
		}
		if err := c.enum(q, v, false); err != nil {
			return nil, err
		}
		vs[i] = literal(v)
	}
	return incidentmap.In{Prop: q.Name, Values: vs}, nil
}

// inCasei builds CASEI(p) IN (CASEI(v1), …) as CASEI(p) = CASEI(v1) OR …:
// the tree's In compares exactly.
func (c *checker) inCasei(p val, list []val, off int) (incidentmap.Expr, error) {
	if _, ok := p.prop(); !ok {
		return nil, c.errAt(p.pos, "IN needs a property on its left, got %s", p.kind)
	}
	if len(list) == 0 {
		return nil, c.errAt(off, "IN needs at least one value")
	}
	l := p
	if l.kind != kCasei {
		in := p
		l = val{pos: p.pos, kind: kCasei, inner: &in}
	}
	var any []incidentmap.Expr
	for _, v := range list {
		r := v
		if r.kind == kString {
			in := v
			r = val{pos: v.pos, kind: kCasei, inner: &in}
		}
		e, err := c.compare("=", l, r, v.pos)
		if err != nil {
			return nil, err
		}
		any = append(any, e)
	}
	if len(any) == 1 {
		return any[0], nil
	}
	return incidentmap.Or{Args: any}, nil
}

// isNull builds IS NULL.
func (c *checker) isNull(p val) (incidentmap.Expr, error) {
	if p.kind != kProp {
		return nil, c.errAt(p.pos, "IS NULL needs a property, got %s", p.kind)
	}
	return incidentmap.IsNull{Prop: p.q.Name}, nil
}

var flipSpatial = map[string]string{
	incidentmap.SWithin: incidentmap.SContains, incidentmap.SContains: incidentmap.SWithin,
}

// spatial builds a spatial function: a geometry property and a geometry
// literal, in either order.
func (c *checker) spatial(op string, a, b val, off int) (incidentmap.Expr, error) {
	if a.kind != kProp && b.kind == kProp {
		a, b = b, a
		if f, ok := flipSpatial[op]; ok {
			op = f
		}
	}
	if a.kind == kGeometry && b.kind == kGeometry {
		return nil, c.errAt(off, "%s of two literals is not supported: one argument must be a geometry property", strings.ToUpper(op))
	}
	if a.kind != kProp {
		return nil, c.errAt(off, "%s needs a geometry property as one argument", strings.ToUpper(op))
	}
	if a.q.Type != incidentmap.QueryGeometry {
		return nil, c.errAt(a.pos, "%s needs a geometry property, but %q is of type %s", strings.ToUpper(op), a.q.Name, a.q.Type)
	}
	if b.kind != kGeometry {
		return nil, c.errAt(b.pos, "%s needs a geometry literal as its other argument, got %s", strings.ToUpper(op), b.kind)
	}
	return incidentmap.Spatial{Op: op, Prop: a.q.Name, Geometry: b.g}, nil
}

// dwithin builds the S_DWITHIN extension.
func (c *checker) dwithin(p, pt, dist, units val) (incidentmap.Expr, error) {
	if p.kind != kProp || p.q.Type != incidentmap.QueryGeometry {
		return nil, c.errAt(p.pos, "S_DWITHIN needs a geometry property as its first argument")
	}
	point, ok := pt.g.(orb.Point)
	if pt.kind != kGeometry || !ok {
		return nil, c.errAt(pt.pos, "S_DWITHIN needs a POINT as its second argument")
	}
	if dist.kind != kNumber || !(dist.n >= 0) {
		return nil, c.errAt(dist.pos, "S_DWITHIN needs a distance of 0 or more as its third argument")
	}
	m := dist.n
	switch u := strings.ToLower(units.s); {
	case units.kind != kString:
		return nil, c.errAt(units.pos, "S_DWITHIN needs units meters or kilometers as its fourth argument")
	case u == "meters" || u == "metres" || u == "m":
	case u == "kilometers" || u == "kilometres" || u == "km":
		m *= 1000
	default:
		return nil, c.errAt(units.pos, "unknown distance units %q: use meters or kilometers", units.s)
	}
	if m > maxDistanceMeters || math.IsInf(m, 0) {
		return nil, c.errAt(dist.pos, "S_DWITHIN distance is more than %d meters", maxDistanceMeters)
	}
	return incidentmap.DWithin{Prop: p.q.Name, Point: point, DistanceMeters: m}, nil
}

var flipTemporal = map[string]string{
	incidentmap.TAfter: incidentmap.TBefore, incidentmap.TBefore: incidentmap.TAfter,
	incidentmap.TContains: incidentmap.TDuring, incidentmap.TDuring: incidentmap.TContains,
	incidentmap.TFinishedBy: incidentmap.TFinishes, incidentmap.TFinishes: incidentmap.TFinishedBy,
	incidentmap.TMeets: incidentmap.TMetBy, incidentmap.TMetBy: incidentmap.TMeets,
	incidentmap.TOverlappedBy: incidentmap.TOverlaps, incidentmap.TOverlaps: incidentmap.TOverlappedBy,
	incidentmap.TStartedBy: incidentmap.TStarts, incidentmap.TStarts: incidentmap.TStartedBy,
}

// temporal builds a temporal function: a date or interval property and an
// instant or interval literal, in either order.
func (c *checker) temporal(op string, a, b val, off int) (incidentmap.Expr, error) {
	if a.kind != kProp && b.kind == kProp {
		a, b = b, a
		if f, ok := flipTemporal[op]; ok {
			op = f
		}
	}
	if isTemporalLiteral(a) && isTemporalLiteral(b) {
		return nil, c.errAt(off, "%s of two literals is not supported: one argument must be a date or interval property", strings.ToUpper(op))
	}
	if a.kind != kProp {
		return nil, c.errAt(off, "%s needs a temporal property as one argument", strings.ToUpper(op))
	}
	if a.q.Type != incidentmap.QueryDate && a.q.Type != incidentmap.QueryInterval {
		return nil, c.errAt(a.pos, "%s needs a date or interval property, but %q is of type %s", strings.ToUpper(op), a.q.Name, a.q.Type)
	}
	var iv incidentmap.Interval
	switch b.kind {
	case kDate, kTimestamp:
		iv = incidentmap.Interval{Start: b.t, End: b.t}
	case kInterval:
		iv = b.iv
	default:
		return nil, c.errAt(b.pos, "%s needs DATE, TIMESTAMP or INTERVAL as its other argument, got %s", strings.ToUpper(op), b.kind)
	}
	return incidentmap.Temporal{Op: op, Prop: a.q.Name, Interval: iv}, nil
}

func isTemporalLiteral(v val) bool {
	return v.kind == kDate || v.kind == kTimestamp || v.kind == kInterval
}

// unsupportedFunction is the error for a call of a function the grammar
// does not know, naming the conformance class it belongs to when it is one
// of the standard's.
func (c *checker) unsupportedFunction(name string, off int) error {
	switch l := strings.ToLower(name); {
	case strings.HasPrefix(l, "a_"):
		return c.errAt(off, "%s: array functions are not supported", name)
	case arithmeticOps[l]:
		return c.errAt(off, "%q: arithmetic is not supported", name)
	}
	return c.errAt(off, "unknown function %q: functions other than those of CQL2 are not supported", name)
}

var arithmeticOps = map[string]bool{"+": true, "-": true, "*": true, "/": true, "^": true, "%": true, "div": true}

func isSpatialOp(name string) bool {
	for _, op := range incidentmap.SpatialOps {
		if op == name {
			return true
		}
	}
	return false
}

func isTemporalOp(name string) bool {
	for _, op := range incidentmap.TemporalOps {
		if op == name {
			return true
		}
	}
	return false
}

func isCompareOp(op string) bool {
	_, ok := flipCompare[op]
	return ok
}
