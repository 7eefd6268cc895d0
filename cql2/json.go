package cql2

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/incidentmap/incidentmap"
	"github.com/paulmach/orb"
)

// ParseJSON parses a cql2-json filter, resolving property names through qs.
// It reads the same operators and functions as ParseText, written as
// {"op": …, "args": […]}, with {"property": …}, {"date": …},
// {"timestamp": …}, {"interval": [start, end]}, {"bbox": […]} and GeoJSON
// geometry objects as operands. A filter and its cql2-text form parse into
// equal trees. Positions in errors count characters of b from 1.
func ParseJSON(b []byte, qs []incidentmap.Queryable) (incidentmap.Expr, error) {
	return ParseJSONWith(b, qs, Options{})
}

// ParseJSONWith is ParseJSON with the extensions of opts. A function for
// the Geometry option is written {"op": name, "args": [strings…]}.
func ParseJSONWith(b []byte, qs []incidentmap.Queryable, opts Options) (incidentmap.Expr, error) {
	if len(b) > MaxLength {
		return nil, tooLong()
	}
	if err := checkInput(string(b)); err != nil {
		return nil, err
	}
	p := &jsonParser{checker: checker{src: string(b), qs: qs, opts: opts}, dec: json.NewDecoder(bytes.NewReader(b))}
	p.dec.UseNumber()
	root, err := p.value(0)
	if err != nil {
		return nil, err
	}
	end := int(p.dec.InputOffset())
	if rest := bytes.TrimLeft(b[end:], " \t\r\n"); len(rest) > 0 {
		end = len(b) - len(rest)
		return nil, p.errAt(end, "unexpected data after the filter")
	}
	e, err := p.expr(root, 0)
	if err != nil {
		return nil, err
	}
	return e, checkTerms(e)
}

// jv is a JSON value with the byte offset where it starts.
type jv struct {
	pos  int
	kind byte // 'o' object, 'a' array, 's' string, 'n' number, 'b' bool, 'z' null
	s    string
	n    float64
	b    bool
	arr  []*jv
	keys []string
	vals []*jv
}

// get returns the member key of an object, or nil.
func (v *jv) get(key string) *jv {
	for i, k := range v.keys {
		if k == key {
			return v.vals[i]
		}
	}
	return nil
}

func (v *jv) describe() string {
	switch v.kind {
	case 'o':
		return "an object"
	case 'a':
		return "an array"
	case 's':
		return "a string"
	case 'n':
		return "a number"
	case 'b':
		return "a boolean"
	}
	return "null"
}

// maxJSONDepth bounds the nesting of JSON arrays and objects: an expression
// nested MaxDepth deep takes two levels per operator, and a multipolygon four.
const maxJSONDepth = 2*MaxDepth + 8

type jsonParser struct {
	checker
	dec *json.Decoder
}

// start returns the offset where the next token starts.
func (p *jsonParser) start() int {
	i := int(p.dec.InputOffset())
	for i < len(p.src) {
		switch p.src[i] {
		case ' ', '\t', '\r', '\n', ',', ':':
			i++
			continue
		}
		break
	}
	return i
}

func (p *jsonParser) syntax(err error, pos int) error {
	var se *json.SyntaxError
	switch {
	case errors.As(err, &se):
		return p.errAt(int(se.Offset), "invalid JSON: %s", strings.TrimPrefix(se.Error(), "json: "))
	case err == io.EOF || err == io.ErrUnexpectedEOF:
		return p.errAt(len(p.src), "invalid JSON: unexpected end of input")
	}
	return p.errAt(pos, "invalid JSON: %v", err)
}

// value reads one JSON value into a jv.
func (p *jsonParser) value(depth int) (*jv, error) {
	pos := p.start()
	tok, err := p.dec.Token()
	if err != nil {
		return nil, p.syntax(err, pos)
	}
	return p.fill(tok, pos, depth)
}

func (p *jsonParser) fill(tok json.Token, pos, depth int) (*jv, error) {
	v := &jv{pos: pos}
	switch t := tok.(type) {
	case json.Delim:
		if t == '}' || t == ']' {
			return nil, p.errAt(pos, "invalid JSON: unexpected %q", string(t))
		}
		if depth >= maxJSONDepth {
			return nil, p.errAt(pos, "filter is nested deeper than %d", MaxDepth)
		}
		if t == '[' {
			v.kind = 'a'
			for p.dec.More() {
				e, err := p.value(depth + 1)
				if err != nil {
					return nil, err
				}
				v.arr = append(v.arr, e)
			}
		} else {
			v.kind = 'o'
			for p.dec.More() {
				kpos := p.start()
				k, err := p.dec.Token()
				if err != nil {
					return nil, p.syntax(err, kpos)
				}
				key, _ := k.(string)
				if v.get(key) != nil {
					return nil, p.errAt(kpos, "duplicate member %q", key)
				}
				e, err := p.value(depth + 1)
				if err != nil {
					return nil, err
				}
				v.keys, v.vals = append(v.keys, key), append(v.vals, e)
			}
		}
		epos := p.start()
		if _, err := p.dec.Token(); err != nil {
			return nil, p.syntax(err, epos)
		}
	case string:
		if _, problem := incidentmap.BadText(t); problem != "" {
			return nil, p.errAt(pos, "a string %s", problem)
		}
		v.kind, v.s = 's', t
	case json.Number:
		n, err := strconv.ParseFloat(string(t), 64)
		if err != nil || math.IsInf(n, 0) {
			return nil, p.errAt(pos, "number %s is out of range", clip(string(t)))
		}
		v.kind, v.n = 'n', n
	case bool:
		v.kind, v.b = 'b', t
	case nil:
		v.kind = 'z'
	}
	return v, nil
}

// args returns the op and args of an operation object, or ok false.
func opOf(v *jv) (op string, args *jv, ok bool) {
	if v.kind != 'o' {
		return "", nil, false
	}
	o := v.get("op")
	if o == nil {
		return "", nil, false
	}
	return o.s, v.get("args"), true
}

// expr interprets v as a boolean expression.
func (p *jsonParser) expr(v *jv, depth int) (incidentmap.Expr, error) {
	if depth >= MaxDepth {
		return nil, p.errAt(v.pos, "filter is nested deeper than %d", MaxDepth)
	}
	if v.kind == 'b' {
		return incidentmap.Bool(v.b), nil
	}
	op, args, ok := opOf(v)
	if !ok {
		return nil, p.errAt(v.pos, "expected a predicate such as {\"op\": \"=\", \"args\": […]}, got %s", v.describe())
	}
	opv := v.get("op")
	if opv.kind != 's' {
		return nil, p.errAt(opv.pos, "\"op\" must be a string")
	}
	if args == nil || args.kind != 'a' {
		return nil, p.errAt(v.pos, "operation %q needs an \"args\" array", op)
	}
	n := len(args.arr)
	need := func(min, max int) error {
		if n < min || n > max {
			if min == max {
				return p.errAt(args.pos, "%q takes %d arguments, got %d", op, min, n)
			}
			return p.errAt(args.pos, "%q takes at least %d arguments, got %d", op, min, n)
		}
		return nil
	}
	lop := strings.ToLower(op)
	switch {
	case lop == "and" || lop == "or":
		if err := need(2, math.MaxInt); err != nil {
			return nil, err
		}
		es := make([]incidentmap.Expr, n)
		for i, a := range args.arr {
			e, err := p.expr(a, depth+1)
			if err != nil {
				return nil, err
			}
			es[i] = e
		}
		if lop == "and" {
			return incidentmap.And{Args: es}, nil
		}
		return incidentmap.Or{Args: es}, nil
	case lop == "not":
		if err := need(1, 1); err != nil {
			return nil, err
		}
		e, err := p.expr(args.arr[0], depth+1)
		if err != nil {
			return nil, err
		}
		return incidentmap.Not{Arg: e}, nil
	case isCompareOp(op):
		vs, err := p.operands(args, need, 2, depth)
		if err != nil {
			return nil, err
		}
		return p.compare(op, vs[0], vs[1], opv.pos)
	case lop == "like":
		vs, err := p.operands(args, need, 2, depth)
		if err != nil {
			return nil, err
		}
		return p.like(vs[0], vs[1])
	case lop == "between":
		vs, err := p.operands(args, need, 3, depth)
		if err != nil {
			return nil, err
		}
		return p.between(vs[0], vs[1], vs[2])
	case lop == "in":
		if err := need(2, 2); err != nil {
			return nil, err
		}
		prop, err := p.operand(args.arr[0], depth)
		if err != nil {
			return nil, err
		}
		list := args.arr[1]
		if list.kind != 'a' {
			return nil, p.errAt(list.pos, "\"in\" needs an array of values as its second argument, got %s", list.describe())
		}
		vs := make([]val, len(list.arr))
		for i, a := range list.arr {
			if vs[i], err = p.operand(a, depth); err != nil {
				return nil, err
			}
		}
		return p.in(prop, vs, list.pos)
	case lop == "isnull":
		vs, err := p.operands(args, need, 1, depth)
		if err != nil {
			return nil, err
		}
		return p.isNull(vs[0])
	case lop == "s_dwithin":
		vs, err := p.operands(args, need, 4, depth)
		if err != nil {
			return nil, err
		}
		return p.dwithin(vs[0], vs[1], vs[2], vs[3])
	case isSpatialOp(lop):
		vs, err := p.operands(args, need, 2, depth)
		if err != nil {
			return nil, err
		}
		return p.spatial(lop, vs[0], vs[1], opv.pos)
	case isTemporalOp(lop):
		vs, err := p.operands(args, need, 2, depth)
		if err != nil {
			return nil, err
		}
		return p.temporal(lop, vs[0], vs[1], opv.pos)
	case lop == "casei" || lop == "accenti":
		return nil, p.errAt(opv.pos, "%q is not a predicate: compare its result", op)
	}
	if arithmeticOps[lop] || strings.HasPrefix(lop, "a_") {
		return nil, p.unsupportedFunction(op, opv.pos)
	}
	return nil, p.errAt(opv.pos, "unknown operator %q: functions other than those of CQL2 are not supported", op)
}

// operands interprets exactly n args as operands.
func (p *jsonParser) operands(args *jv, need func(min, max int) error, n, depth int) ([]val, error) {
	if err := need(n, n); err != nil {
		return nil, err
	}
	vs := make([]val, n)
	for i, a := range args.arr {
		v, err := p.operand(a, depth)
		if err != nil {
			return nil, err
		}
		vs[i] = v
	}
	return vs, nil
}

// operand interprets v as a scalar, temporal or spatial operand.
func (p *jsonParser) operand(v *jv, depth int) (val, error) {
	switch v.kind {
	case 's':
		return val{pos: v.pos, kind: kString, s: v.s}, nil
	case 'n':
		return val{pos: v.pos, kind: kNumber, n: v.n}, nil
	case 'b':
		return val{pos: v.pos, kind: kBool, b: v.b}, nil
	case 'a':
		return val{}, p.errAt(v.pos, "an array is only allowed as the list of \"in\"")
	case 'z':
		return val{}, p.errAt(v.pos, "null is not a value: use {\"op\": \"isNull\", …}")
	}
	if op, args, ok := opOf(v); ok {
		if strings.ToLower(op) != "casei" {
			if op == "accenti" {
				return val{}, p.errAt(v.pos, "ACCENTI is not supported")
			}
			if p.opts.Geometry == nil && isFunctionName(op) || arithmeticOps[strings.ToLower(op)] {
				return val{}, p.unsupportedFunction(op, v.pos)
			}
			if p.opts.Geometry == nil || !isFunctionName(op) || isSpatialOp(strings.ToLower(op)) || isTemporalOp(strings.ToLower(op)) {
				return val{}, p.errAt(v.pos, "%q is not allowed as an operand", op)
			}
			if args == nil || args.kind != 'a' {
				return val{}, p.errAt(v.pos, "operation %q needs an \"args\" array", op)
			}
			vs := make([]val, len(args.arr))
			for i, a := range args.arr {
				if a.kind != 's' {
					return val{}, p.errAt(a.pos, "%q takes strings as arguments, got %s", op, a.describe())
				}
				vs[i] = val{pos: a.pos, kind: kString, s: a.s}
			}
			return p.resolve(op, vs, v.pos)
		}
		if depth+1 >= MaxDepth {
			return val{}, p.errAt(v.pos, "filter is nested deeper than %d", MaxDepth)
		}
		if args == nil || args.kind != 'a' || len(args.arr) != 1 {
			return val{}, p.errAt(v.pos, "\"casei\" takes 1 argument")
		}
		in, err := p.operand(args.arr[0], depth+1)
		if err != nil {
			return val{}, err
		}
		return p.casei(in, v.pos)
	}
	if x := v.get("property"); x != nil {
		if x.kind != 's' {
			return val{}, p.errAt(x.pos, "\"property\" must be a string")
		}
		return p.property(x.s, x.pos)
	}
	if x := v.get("date"); x != nil {
		if x.kind != 's' {
			return val{}, p.errAt(x.pos, "\"date\" must be a string")
		}
		return p.instant(x.s, kDate, v.pos, x.pos)
	}
	if x := v.get("timestamp"); x != nil {
		if x.kind != 's' {
			return val{}, p.errAt(x.pos, "\"timestamp\" must be a string")
		}
		return p.instant(x.s, kTimestamp, v.pos, x.pos)
	}
	if x := v.get("interval"); x != nil {
		return p.intervalOf(x, v.pos, depth)
	}
	if x := v.get("bbox"); x != nil && v.get("type") == nil {
		if x.kind != 'a' {
			return val{}, p.errAt(x.pos, "\"bbox\" must be an array of numbers")
		}
		ns := make([]float64, len(x.arr))
		for i, e := range x.arr {
			if e.kind != 'n' {
				return val{}, p.errAt(e.pos, "\"bbox\" must be an array of numbers")
			}
			ns[i] = e.n
		}
		return p.bbox(ns, v.pos)
	}
	if v.get("type") != nil {
		g, err := p.geometry(v, 0)
		return val{pos: v.pos, kind: kGeometry, g: g}, err
	}
	return val{}, p.errAt(v.pos, "expected a property, a value or a geometry, got an object with members %q", v.keys)
}

// intervalOf interprets the array of {"interval": […]}.
func (p *jsonParser) intervalOf(x *jv, pos, depth int) (val, error) {
	if x.kind != 'a' || len(x.arr) != 2 {
		return val{}, p.errAt(x.pos, "\"interval\" must be an array of two ends")
	}
	var ends [2]val
	for i, e := range x.arr {
		switch e.kind {
		case 's':
			t, err := p.intervalEnd(e.s, e.pos)
			if err != nil {
				return val{}, err
			}
			ends[i] = val{pos: e.pos, kind: kTimestamp, t: t}
		case 'o':
			v, err := p.operand(e, depth)
			if err != nil {
				return val{}, err
			}
			if v.kind != kProp && v.kind != kDate && v.kind != kTimestamp {
				return val{}, p.errAt(v.pos, "an interval end must be a date, a timestamp, \"..\" or a property, got %s", v.kind)
			}
			ends[i] = v
		default:
			return val{}, p.errAt(e.pos, "an interval end must be a date, a timestamp, \"..\" or a property, got %s", e.describe())
		}
	}
	if ends[0].kind == kProp || ends[1].kind == kProp {
		return p.intervalProperty(ends[0], ends[1])
	}
	return p.interval(ends[0].t, ends[1].t, pos)
}

// geometry interprets a GeoJSON geometry object.
func (p *jsonParser) geometry(v *jv, depth int) (orb.Geometry, error) {
	if v.kind != 'o' {
		return nil, p.errAt(v.pos, "expected a GeoJSON geometry, got %s", v.describe())
	}
	t := v.get("type")
	if t == nil || t.kind != 's' {
		return nil, p.errAt(v.pos, "a GeoJSON geometry needs a \"type\"")
	}
	if t.s == "GeometryCollection" {
		if depth+1 >= MaxDepth {
			return nil, p.errAt(v.pos, "filter is nested deeper than %d", MaxDepth)
		}
		gs := v.get("geometries")
		if gs == nil || gs.kind != 'a' || len(gs.arr) == 0 {
			return nil, p.errAt(v.pos, "a GeometryCollection needs a non-empty \"geometries\" array")
		}
		c := make(orb.Collection, len(gs.arr))
		for i, g := range gs.arr {
			var err error
			if c[i], err = p.geometry(g, depth+1); err != nil {
				return nil, err
			}
		}
		return c, nil
	}
	c := v.get("coordinates")
	if c == nil {
		return nil, p.errAt(v.pos, "a GeoJSON %s needs \"coordinates\"", t.s)
	}
	switch t.s {
	case "Point":
		return p.position(c)
	case "LineString":
		return p.lineString(c)
	case "Polygon":
		return p.polygon(c)
	case "MultiPoint":
		pts, err := jsonList(p, c, p.position, "MultiPoint")
		return orb.MultiPoint(pts), err
	case "MultiLineString":
		ls, err := jsonList(p, c, p.lineString, "MultiLineString")
		return orb.MultiLineString(ls), err
	case "MultiPolygon":
		ps, err := jsonList(p, c, p.polygon, "MultiPolygon")
		return orb.MultiPolygon(ps), err
	}
	return nil, p.errAt(t.pos, "unknown GeoJSON geometry type %q", t.s)
}

// jsonList interprets a non-empty array with item.
func jsonList[T any](p *jsonParser, v *jv, item func(*jv) (T, error), what string) ([]T, error) {
	if v.kind != 'a' || len(v.arr) == 0 {
		return nil, p.errAt(v.pos, "the coordinates of a %s must be a non-empty array", what)
	}
	out := make([]T, len(v.arr))
	for i, e := range v.arr {
		var err error
		if out[i], err = item(e); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (p *jsonParser) position(v *jv) (orb.Point, error) {
	if v.kind != 'a' || len(v.arr) < 2 || len(v.arr) > 3 {
		return orb.Point{}, p.errAt(v.pos, "a position must be [longitude, latitude] or [longitude, latitude, z]")
	}
	for _, e := range v.arr {
		if e.kind != 'n' {
			return orb.Point{}, p.errAt(e.pos, "a coordinate must be a number, got %s", e.describe())
		}
	}
	pt := orb.Point{v.arr[0].n, v.arr[1].n}
	return pt, p.lonLat(pt, v.pos)
}

func (p *jsonParser) lineString(v *jv) (orb.LineString, error) {
	pts, err := jsonList(p, v, p.position, "LineString")
	if err == nil && len(pts) < 2 {
		err = p.errAt(v.pos, "a line string needs at least 2 positions, got %d", len(pts))
	}
	return orb.LineString(pts), err
}

func (p *jsonParser) polygon(v *jv) (orb.Polygon, error) {
	rs, err := jsonList(p, v, func(r *jv) (orb.Ring, error) {
		pts, err := jsonList(p, r, p.position, "polygon ring")
		if err != nil {
			return nil, err
		}
		return orb.Ring(pts), p.ring(pts, r.pos)
	}, "Polygon")
	return orb.Polygon(rs), err
}

// isFunctionName reports whether op could name a function of the Geometry
// option: letters, digits and _, not a predicate of the grammar.
func isFunctionName(op string) bool {
	switch strings.ToLower(op) {
	case "and", "or", "not", "like", "between", "in", "isnull", "s_dwithin", "":
		return false
	}
	for i, r := range op {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}
