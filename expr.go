package incidentmap

import (
	"time"

	"github.com/paulmach/orb"
)

// Expr is a boolean expression over the properties of an incident: the one
// filter model that query parameters, CQL2 text and CQL2 JSON all parse into,
// and that each store compiles into its own SQL with bound parameters.
//
// Property names in an Expr have been resolved through a []Queryable
// allow-list (see IncidentQueryables) and type checked by the parser that
// built it; stores may still map each name to a column through their own
// allow-list and reject anything else. Literals are data, never SQL.
//
// The node types are And, Or, Not, Bool, Compare, Like, Between, In, IsNull,
// Spatial, DWithin and Temporal. The set is closed: other packages cannot add
// node types.
type Expr interface {
	isExpr()
}

// And is true when every one of Args is. Parsers keep a chain written at one
// level ("a AND b AND c") as one And; parentheses nest.
type And struct {
	Args []Expr
}

// Or is true when any one of Args is.
type Or struct {
	Args []Expr
}

// Not negates Arg. CQL2's NOT LIKE, NOT BETWEEN, NOT IN and IS NOT NULL parse
// into Not around the positive predicate.
type Not struct {
	Arg Expr
}

// Compare compares two operands with Op, one of "=", "<>", "<", "<=", ">",
// ">=". At least one operand is a Property (or a Casei of one); parsers put it
// on the Left, flipping Op when they swap the sides, so that
// "5 < fatalities" becomes fatalities > 5.
type Compare struct {
	Op          string
	Left, Right Operand
}

// Like matches the string property Prop against Pattern, in which "%" stands
// for any run of characters, "_" for any one character, and a backslash
// escapes the next character. Pattern is data: stores bind it as a parameter
// (with ESCAPE '\'), never splice it into SQL. CaseInsensitive is set when
// the pattern or the property was wrapped in CASEI.
type Like struct {
	Prop            string
	Pattern         string
	CaseInsensitive bool
}

// Between is true when Low <= Prop <= High. Prop is a number, integer or
// date property and the literals are of its type.
type Between struct {
	Prop      string
	Low, High Literal
}

// In is true when Prop equals one of Values, which are literals of Prop's
// type. Values is never empty.
type In struct {
	Prop   string
	Values []Literal
}

// IsNull is true when Prop has no value (for fatalities and injuries: the
// number is unknown, which is not the same as 0).
type IsNull struct {
	Prop string
}

// Spatial relates the geometry property Prop to Geometry with Op, one of the
// CQL2 spatial functions "s_intersects", "s_within", "s_contains",
// "s_disjoint", "s_equals", "s_touches", "s_crosses", "s_overlaps", in that
// order: s_within means Prop lies within Geometry. Geometry is longitude,
// latitude in WGS 84; a CQL2 BBOX arrives as an orb.Bound, or, when it
// crosses the antimeridian, as an orb.MultiPolygon of its two halves.
type Spatial struct {
	Op       string
	Prop     string
	Geometry orb.Geometry
}

// Spatial function names, as Spatial.Op holds them.
const (
	SIntersects = "s_intersects"
	SWithin     = "s_within"
	SContains   = "s_contains"
	SDisjoint   = "s_disjoint"
	SEquals     = "s_equals"
	STouches    = "s_touches"
	SCrosses    = "s_crosses"
	SOverlaps   = "s_overlaps"
)

// SpatialOps lists the spatial functions a Spatial may hold.
var SpatialOps = []string{SIntersects, SWithin, SContains, SDisjoint, SEquals, STouches, SCrosses, SOverlaps}

// DWithin is true when the geometry property Prop lies within DistanceMeters
// of Point, measured along the WGS 84 ellipsoid (geodesic metres, not
// degrees). It is our extension to CQL2, written
// S_DWITHIN(location, POINT(lon lat), distance, units) in cql2-text and
// {"op":"s_dwithin","args":[{"property":"location"},{"type":"Point",...},distance,units]}
// in cql2-json, where units is meters or kilometers.
type DWithin struct {
	Prop           string
	Point          orb.Point
	DistanceMeters float64
}

// Temporal relates the temporal property Prop to Interval with Op, one of the
// CQL2 temporal functions (see TemporalOps), in that order: "t_before" means
// Prop ends before Interval starts.
//
// Prop is a date property (occurred_start, occurred_end), which is an
// instant, or the interval property "occurred", which stands for
// INTERVAL(occurred_start, occurred_end). An instant literal (DATE or
// TIMESTAMP) arrives as an Interval whose Start equals its End; a zero Start
// or End is open (".." in CQL2). DATE literals are midnight UTC of the day,
// and an incident covers its days whole (see Interval.Days).
type Temporal struct {
	Op       string
	Prop     string
	Interval Interval
}

// Temporal function names, as Temporal.Op holds them.
const (
	TAfter        = "t_after"
	TBefore       = "t_before"
	TContains     = "t_contains"
	TDisjoint     = "t_disjoint"
	TDuring       = "t_during"
	TEquals       = "t_equals"
	TFinishedBy   = "t_finishedby"
	TFinishes     = "t_finishes"
	TIntersects   = "t_intersects"
	TMeets        = "t_meets"
	TMetBy        = "t_metby"
	TOverlappedBy = "t_overlappedby"
	TOverlaps     = "t_overlaps"
	TStartedBy    = "t_startedby"
	TStarts       = "t_starts"
)

// TemporalOps lists the temporal functions a Temporal may hold: all those of
// the CQL2 temporal-functions conformance class.
var TemporalOps = []string{TAfter, TBefore, TContains, TDisjoint, TDuring, TEquals, TFinishedBy, TFinishes,
	TIntersects, TMeets, TMetBy, TOverlappedBy, TOverlaps, TStartedBy, TStarts}

func (And) isExpr()      {}
func (Or) isExpr()       {}
func (Not) isExpr()      {}
func (Bool) isExpr()     {}
func (Compare) isExpr()  {}
func (Like) isExpr()     {}
func (Between) isExpr()  {}
func (In) isExpr()       {}
func (IsNull) isExpr()   {}
func (Spatial) isExpr()  {}
func (DWithin) isExpr()  {}
func (Temporal) isExpr() {}

// Operand is one side of a Compare: a Property, a Literal, or a Casei.
type Operand interface {
	isOperand()
}

// Property names a queryable property of an incident.
type Property struct {
	Name string
}

// Casei compares Arg case-insensitively (CQL2 CASEI): stores lower-case both
// sides. Arg is a string Property or a String.
type Casei struct {
	Arg Operand
}

// Literal is a constant value: String, Number, Bool, Date or Timestamp.
type Literal interface {
	Operand
	isLiteral()
}

// String is a character string literal.
type String string

// Number is a numeric literal; integer properties compare with it too.
type Number float64

// Bool is a boolean literal. As an Expr it is a constant filter: Bool(true)
// selects everything and Bool(false) nothing.
type Bool bool

// Date is a calendar day, midnight UTC (CQL2 DATE('2021-05-07')).
type Date struct {
	Day time.Time
}

// Timestamp is an instant in UTC (CQL2 TIMESTAMP('2021-05-07T10:00:00Z')).
type Timestamp struct {
	Time time.Time
}

func (Property) isOperand()  {}
func (Casei) isOperand()     {}
func (String) isOperand()    {}
func (Number) isOperand()    {}
func (Bool) isOperand()      {}
func (Date) isOperand()      {}
func (Timestamp) isOperand() {}

func (String) isLiteral()    {}
func (Number) isLiteral()    {}
func (Bool) isLiteral()      {}
func (Date) isLiteral()      {}
func (Timestamp) isLiteral() {}

// Queryable types: the type of a property as /queryables publishes it and
// the CQL2 parser checks it.
const (
	QueryString   = "string"   // compared with strings, LIKE, IN, CASEI
	QueryNumber   = "number"   // compared with numbers, BETWEEN
	QueryInteger  = "integer"  // a whole number; compared as QueryNumber
	QueryDate     = "date"     // a calendar day: DATE/TIMESTAMP literals, temporal functions as an instant
	QueryGeometry = "geometry" // spatial functions only
	QueryInterval = "interval" // temporal functions only
)

// Queryable is a property that filters may name: the allow-list through
// which every property name in a filter is resolved. Names not on the list
// are errors, never columns.
type Queryable struct {
	Name string
	// Type is one of the Query* constants.
	Type string
	// Enum, when not empty, lists the only values the property takes;
	// equality and IN against other values are errors.
	Enum        []string
	Description string
}

// OccurredProperty is the name of the virtual interval property of an
// incident, INTERVAL(occurred_start, occurred_end): its uncertain date.
// T_INTERSECTS(occurred, INTERVAL('2020-01-01','2020-12-31')) and
// T_INTERSECTS(INTERVAL(occurred_start, occurred_end), INTERVAL('2020-01-01','2020-12-31'))
// mean the same and parse into the same Temporal.
const OccurredProperty = "occurred"

// IncidentQueryables are the properties of an incident that filters may
// name, in the order /queryables lists them: the fields of Fields with a
// Query type.
var IncidentQueryables = queryables()

// FindQueryable returns the queryable named name in qs, or false.
func FindQueryable(qs []Queryable, name string) (Queryable, bool) {
	for _, q := range qs {
		if q.Name == name {
			return q, true
		}
	}
	return Queryable{}, false
}

// Expr returns the whole tree that f selects, so that stores need compile
// only one filter model: BBox becomes s_intersects(location, box) (two
// boxes ORed across the antimeridian), Interval t_intersects(occurred,
// interval), and Where is ANDed in (AllOf). It returns Bool(true) when f
// selects everything. SortBy, After, Before, Limit and AsOf are not
// conditions and are left out.
func (f Filter) Expr() Expr {
	var box, when Expr
	if f.BBox != nil {
		bs := f.BBox.Bounds()
		if len(bs) == 1 {
			box = Spatial{Op: SIntersects, Prop: "location", Geometry: bs[0]}
		} else {
			box = Or{Args: []Expr{
				Spatial{Op: SIntersects, Prop: "location", Geometry: bs[0]},
				Spatial{Op: SIntersects, Prop: "location", Geometry: bs[1]},
			}}
		}
	}
	if f.Interval != nil {
		when = Temporal{Op: TIntersects, Prop: OccurredProperty, Interval: *f.Interval}
	}
	if e := AllOf(box, when, f.Where); e != nil {
		return e
	}
	return Bool(true)
}

// InStrings returns In{Prop: prop} over the string values vs, or nil (no
// condition) when there are none.
func InStrings[T ~string](prop string, vs ...T) Expr {
	if len(vs) == 0 {
		return nil
	}
	lits := make([]Literal, len(vs))
	for i, v := range vs {
		lits[i] = String(v)
	}
	return In{Prop: prop, Values: lits}
}

// AllOf returns the conjunction of es: nil ones are left out and the
// arguments of an And are taken in one by one, so that a chain of
// conditions stays one flat And. It returns nil for no condition, and the
// condition itself for one.
func AllOf(es ...Expr) Expr {
	var args []Expr
	for _, e := range es {
		switch e := e.(type) {
		case nil:
		case And:
			args = append(args, e.Args...)
		default:
			args = append(args, e)
		}
	}
	switch len(args) {
	case 0:
		return nil
	case 1:
		return args[0]
	}
	return And{Args: args}
}
