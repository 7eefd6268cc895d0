package cql2

import (
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/incidentmap/incidentmap"
	"github.com/paulmach/orb"
)

// ParseText parses a cql2-text filter, resolving property names through qs.
//
// The grammar is that of CQL2 for the classes the package doc lists:
// AND, OR, NOT and parentheses; = <> < <= > >=; [NOT] LIKE, [NOT] BETWEEN,
// [NOT] IN (…), IS [NOT] NULL; CASEI(…); TRUE and FALSE; DATE('…'),
// TIMESTAMP('…') and INTERVAL(…, …) with '..' for an open end; POINT,
// LINESTRING, POLYGON, MULTIPOINT, MULTILINESTRING, MULTIPOLYGON,
// GEOMETRYCOLLECTION in WKT and BBOX(…); the S_* and T_* functions; and
// S_DWITHIN. Keywords and function names are case-insensitive; property
// names are case-sensitive and may be double-quoted. Inside a string, ”
// stands for one quote.
func ParseText(s string, qs []incidentmap.Queryable) (incidentmap.Expr, error) {
	return ParseTextWith(s, qs, Options{})
}

// ParseTextWith is ParseText with the extensions of opts.
func ParseTextWith(s string, qs []incidentmap.Queryable, opts Options) (incidentmap.Expr, error) {
	if len(s) > MaxLength {
		return nil, tooLong()
	}
	if err := checkInput(s); err != nil {
		return nil, err
	}
	p := &textParser{checker: checker{src: s, qs: qs, opts: opts}, lx: lexer{src: s}}
	if err := p.advance(); err != nil {
		return nil, err
	}
	if p.tok.kind == tEOF {
		return nil, p.errAt(0, "empty filter")
	}
	e, err := p.parseOr()
	if err != nil {
		return nil, err
	}
	switch p.tok.kind {
	case tEOF:
		return e, checkTerms(e)
	case tRParen:
		return nil, p.errAt(p.tok.pos, "unbalanced parentheses: unexpected ')'")
	}
	return nil, p.errAt(p.tok.pos, "unexpected %s after the end of the filter", p.tok)
}

type tokKind int

const (
	tEOF tokKind = iota
	tIdent
	tQuoted // a double-quoted identifier
	tString
	tNumber
	tLParen
	tRParen
	tComma
	tOp // = <> < <= > >=
)

type token struct {
	kind tokKind
	pos  int // byte offset
	text string
	num  float64
}

func (t token) String() string {
	switch t.kind {
	case tEOF:
		return "end of filter"
	case tString:
		return "string '" + clip(t.text) + "'"
	case tQuoted:
		return "\"" + clip(t.text) + "\""
	}
	return "'" + clip(t.text) + "'"
}

func clip(s string) string {
	if len(s) > 40 {
		i := 40
		for i > 0 && !utf8.RuneStart(s[i]) {
			i--
		}
		return s[:i] + "…"
	}
	return s
}

type lexer struct {
	src string
	off int
}

// next returns the next token, or an error message and its offset.
func (l *lexer) next() (token, string) {
	for l.off < len(l.src) {
		r, n := utf8.DecodeRuneInString(l.src[l.off:])
		if !unicode.IsSpace(r) {
			break
		}
		l.off += n
	}
	start := l.off
	if start >= len(l.src) {
		return token{kind: tEOF, pos: start}, ""
	}
	c := l.src[start]
	switch {
	case c == '(':
		l.off++
		return token{kind: tLParen, pos: start, text: "("}, ""
	case c == ')':
		l.off++
		return token{kind: tRParen, pos: start, text: ")"}, ""
	case c == ',':
		l.off++
		return token{kind: tComma, pos: start, text: ","}, ""
	case c == '=':
		l.off++
		return token{kind: tOp, pos: start, text: "="}, ""
	case c == '<' || c == '>':
		l.off++
		if l.off < len(l.src) && (l.src[l.off] == '=' || (c == '<' && l.src[l.off] == '>')) {
			l.off++
		}
		return token{kind: tOp, pos: start, text: l.src[start:l.off]}, ""
	case c == '\'':
		return l.quoted('\'', tString)
	case c == '"':
		return l.quoted('"', tQuoted)
	case c >= '0' && c <= '9' || c == '.' || c == '-' || c == '+':
		return l.number()
	}
	r, n := utf8.DecodeRuneInString(l.src[start:])
	if !isIdentStart(r) {
		return token{}, "unexpected character " + strconv.QuoteRune(r)
	}
	l.off += n
	for l.off < len(l.src) {
		r, n := utf8.DecodeRuneInString(l.src[l.off:])
		if !isIdentStart(r) && !unicode.IsDigit(r) && r != '.' {
			break
		}
		l.off += n
	}
	return token{kind: tIdent, pos: start, text: l.src[start:l.off]}, ""
}

func isIdentStart(r rune) bool { return unicode.IsLetter(r) || r == '_' || r == ':' }

// quoted reads a string or a quoted identifier; a doubled quote stands for one.
func (l *lexer) quoted(q byte, k tokKind) (token, string) {
	start := l.off
	var b strings.Builder
	i := start + 1
	for {
		j := strings.IndexByte(l.src[i:], q)
		if j < 0 {
			l.off = start
			if k == tString {
				return token{}, "unclosed string"
			}
			return token{}, "unclosed quoted identifier"
		}
		b.WriteString(l.src[i : i+j])
		i += j + 1
		if i < len(l.src) && l.src[i] == q {
			b.WriteByte(q)
			i++
			continue
		}
		break
	}
	l.off = i
	return token{kind: k, pos: start, text: b.String()}, ""
}

func (l *lexer) number() (token, string) {
	start := l.off
	i := start
	if l.src[i] == '-' || l.src[i] == '+' {
		i++
	}
	digits := 0
	for i < len(l.src) && l.src[i] >= '0' && l.src[i] <= '9' {
		i, digits = i+1, digits+1
	}
	if i < len(l.src) && l.src[i] == '.' {
		i++
		for i < len(l.src) && l.src[i] >= '0' && l.src[i] <= '9' {
			i, digits = i+1, digits+1
		}
	}
	if digits == 0 {
		return token{}, "unexpected character " + strconv.QuoteRune(rune(l.src[start]))
	}
	if i < len(l.src) && (l.src[i] == 'e' || l.src[i] == 'E') {
		j := i + 1
		if j < len(l.src) && (l.src[j] == '-' || l.src[j] == '+') {
			j++
		}
		k := j
		for k < len(l.src) && l.src[k] >= '0' && l.src[k] <= '9' {
			k++
		}
		if k > j {
			i = k
		}
	}
	text := l.src[start:i]
	n, err := strconv.ParseFloat(text, 64)
	if err != nil || math.IsInf(n, 0) {
		return token{}, "number " + clip(text) + " is out of range"
	}
	l.off = i
	return token{kind: tNumber, pos: start, text: text, num: n}, ""
}

type textParser struct {
	checker
	lx    lexer
	tok   token
	depth int
}

// advance moves to the next token.
func (p *textParser) advance() error {
	t, msg := p.lx.next()
	if msg != "" {
		return p.errAt(p.lx.off, "%s", msg)
	}
	p.tok = t
	return nil
}

// beforeOp reports whether the token after the current one is a
// comparison operator: TRUE = prop is a comparison, not the literal TRUE.
func (p *textParser) beforeOp() bool {
	lx := p.lx
	t, msg := lx.next()
	return msg == "" && t.kind == tOp
}

// keyword reports whether the current token is the (case-insensitive)
// keyword kw.
func (p *textParser) keyword(kw string) bool {
	return p.tok.kind == tIdent && strings.EqualFold(p.tok.text, kw)
}

func (p *textParser) expect(k tokKind, what string) (token, error) {
	t := p.tok
	if t.kind != k {
		if t.kind == tEOF && k == tRParen {
			return t, p.errAt(t.pos, "unbalanced parentheses: missing ')'")
		}
		return t, p.errAt(t.pos, "expected %s, got %s", what, t)
	}
	return t, p.advance()
}

func (p *textParser) enter() error {
	p.depth++
	if p.depth > MaxDepth {
		return p.errAt(p.tok.pos, "filter is nested deeper than %d", MaxDepth)
	}
	return nil
}

func (p *textParser) leave() { p.depth-- }

func (p *textParser) parseOr() (incidentmap.Expr, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer p.leave()
	e, err := p.parseAnd()
	if err != nil || !p.keyword("OR") {
		return e, err
	}
	args := []incidentmap.Expr{e}
	for p.keyword("OR") {
		if err := p.advance(); err != nil {
			return nil, err
		}
		e, err := p.parseAnd()
		if err != nil {
			return nil, err
		}
		args = append(args, e)
	}
	return incidentmap.Or{Args: args}, nil
}

func (p *textParser) parseAnd() (incidentmap.Expr, error) {
	e, err := p.parseNot()
	if err != nil || !p.keyword("AND") {
		return e, err
	}
	args := []incidentmap.Expr{e}
	for p.keyword("AND") {
		if err := p.advance(); err != nil {
			return nil, err
		}
		e, err := p.parseNot()
		if err != nil {
			return nil, err
		}
		args = append(args, e)
	}
	return incidentmap.And{Args: args}, nil
}

func (p *textParser) parseNot() (incidentmap.Expr, error) {
	if !p.keyword("NOT") {
		return p.parsePrimary()
	}
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer p.leave()
	if err := p.advance(); err != nil {
		return nil, err
	}
	e, err := p.parseNot()
	if err != nil {
		return nil, err
	}
	return incidentmap.Not{Arg: e}, nil
}

func (p *textParser) parsePrimary() (incidentmap.Expr, error) {
	t := p.tok
	switch {
	case t.kind == tLParen:
		if err := p.advance(); err != nil {
			return nil, err
		}
		e, err := p.parseOr()
		if err != nil {
			return nil, err
		}
		if p.tok.kind != tRParen {
			if p.tok.kind == tEOF {
				return nil, p.errAt(t.pos, "unbalanced parentheses: this '(' is never closed")
			}
			return nil, p.errAt(p.tok.pos, "expected ')' or a boolean operator, got %s", p.tok)
		}
		return e, p.advance()
	case (p.keyword("TRUE") || p.keyword("FALSE")) && !p.beforeOp():
		if err := p.advance(); err != nil {
			return nil, err
		}
		return incidentmap.Bool(strings.EqualFold(t.text, "TRUE")), nil
	case t.kind == tIdent:
		name := strings.ToLower(t.text)
		if isSpatialOp(name) || isTemporalOp(name) || name == "s_dwithin" {
			return p.parseFunction(name)
		}
	case t.kind == tEOF:
		return nil, p.errAt(t.pos, "unexpected end of filter: expected a predicate")
	}
	return p.parsePredicate()
}

// parseFunction parses S_*(a, b), T_*(a, b) and S_DWITHIN(a, b, d, u).
func (p *textParser) parseFunction(name string) (incidentmap.Expr, error) {
	pos := p.tok.pos
	if err := p.advance(); err != nil {
		return nil, err
	}
	n := 2
	if name == "s_dwithin" {
		n = 4
	}
	args, err := p.parseArgs(strings.ToUpper(name), n, n)
	if err != nil {
		return nil, err
	}
	switch {
	case name == "s_dwithin":
		return p.dwithin(args[0], args[1], args[2], args[3])
	case isSpatialOp(name):
		return p.spatial(name, args[0], args[1], pos)
	}
	return p.temporal(name, args[0], args[1], pos)
}

// parseArgs parses "(" operand {"," operand} ")" with min to max operands.
func (p *textParser) parseArgs(fn string, min, max int) ([]val, error) {
	open, err := p.expect(tLParen, "'(' after "+fn)
	if err != nil {
		return nil, err
	}
	var args []val
	for {
		if fn == "S_DWITHIN" && len(args) == 3 && p.tok.kind == tIdent {
			// The units may be written bare: S_DWITHIN(location, POINT(…), 5, kilometers).
			args = append(args, val{pos: p.tok.pos, kind: kString, s: p.tok.text})
			if err := p.advance(); err != nil {
				return nil, err
			}
			break
		}
		v, err := p.parseOperand()
		if err != nil {
			return nil, err
		}
		args = append(args, v)
		if p.tok.kind != tComma {
			break
		}
		if len(args) == max {
			return nil, p.errAt(p.tok.pos, "%s takes at most %d arguments", fn, max)
		}
		if err := p.advance(); err != nil {
			return nil, err
		}
	}
	if p.tok.kind == tEOF {
		return nil, p.errAt(open.pos, "unbalanced parentheses: this '(' is never closed")
	}
	if _, err := p.expect(tRParen, "',' or ')'"); err != nil {
		return nil, err
	}
	switch {
	case len(args) >= min:
	case min == max:
		return nil, p.errAt(open.pos, "%s takes %d arguments, got %d", fn, min, len(args))
	default:
		return nil, p.errAt(open.pos, "%s takes %d to %d arguments, got %d", fn, min, max, len(args))
	}
	return args, nil
}

// parsePredicate parses a comparison, LIKE, BETWEEN, IN or IS NULL.
func (p *textParser) parsePredicate() (incidentmap.Expr, error) {
	left, err := p.parseOperand()
	if err != nil {
		return nil, err
	}
	if p.tok.kind == tOp {
		op := p.tok
		if err := p.advance(); err != nil {
			return nil, err
		}
		right, err := p.parseOperand()
		if err != nil {
			return nil, err
		}
		return p.compare(op.text, left, right, op.pos)
	}
	if p.keyword("IS") {
		if err := p.advance(); err != nil {
			return nil, err
		}
		not := p.keyword("NOT")
		if not {
			if err := p.advance(); err != nil {
				return nil, err
			}
		}
		if !p.keyword("NULL") {
			return nil, p.errAt(p.tok.pos, "expected NULL, got %s", p.tok)
		}
		if err := p.advance(); err != nil {
			return nil, err
		}
		e, err := p.isNull(left)
		if err != nil || !not {
			return e, err
		}
		return incidentmap.Not{Arg: e}, nil
	}
	not := p.keyword("NOT")
	if not {
		if err := p.advance(); err != nil {
			return nil, err
		}
	}
	var e incidentmap.Expr
	switch {
	case p.keyword("LIKE"):
		if err := p.advance(); err != nil {
			return nil, err
		}
		right, err := p.parseOperand()
		if err != nil {
			return nil, err
		}
		e, err = p.like(left, right)
		if err != nil {
			return nil, err
		}
	case p.keyword("BETWEEN"):
		if err := p.advance(); err != nil {
			return nil, err
		}
		lo, err := p.parseOperand()
		if err != nil {
			return nil, err
		}
		if !p.keyword("AND") {
			return nil, p.errAt(p.tok.pos, "expected AND in BETWEEN, got %s", p.tok)
		}
		if err := p.advance(); err != nil {
			return nil, err
		}
		hi, err := p.parseOperand()
		if err != nil {
			return nil, err
		}
		e, err = p.between(left, lo, hi)
		if err != nil {
			return nil, err
		}
	case p.keyword("IN"):
		pos := p.tok.pos
		if err := p.advance(); err != nil {
			return nil, err
		}
		list, err := p.parseArgs("IN", 1, math.MaxInt)
		if err != nil {
			return nil, err
		}
		e, err = p.in(left, list, pos)
		if err != nil {
			return nil, err
		}
	default:
		if not {
			return nil, p.errAt(p.tok.pos, "expected LIKE, BETWEEN or IN after NOT, got %s", p.tok)
		}
		if p.tok.kind == tNumber && (p.tok.text[0] == '-' || p.tok.text[0] == '+') {
			return nil, p.errAt(p.tok.pos, "expected a comparison operator, LIKE, BETWEEN, IN or IS NULL, got %s: arithmetic is not supported", p.tok)
		}
		return nil, p.errAt(p.tok.pos, "expected a comparison operator, LIKE, BETWEEN, IN or IS NULL, got %s", p.tok)
	}
	if not {
		return incidentmap.Not{Arg: e}, nil
	}
	return e, nil
}

// parseOperand parses a property, a literal, CASEI(…), DATE(…),
// TIMESTAMP(…), INTERVAL(…) or a geometry.
func (p *textParser) parseOperand() (val, error) {
	t := p.tok
	switch t.kind {
	case tString:
		return val{pos: t.pos, kind: kString, s: t.text}, p.advance()
	case tNumber:
		return val{pos: t.pos, kind: kNumber, n: t.num}, p.advance()
	case tQuoted:
		v, err := p.property(t.text, t.pos)
		if err != nil {
			return v, err
		}
		return v, p.advance()
	case tIdent:
	case tEOF:
		return val{}, p.errAt(t.pos, "unexpected end of filter: expected a property or a value")
	case tLParen:
		return val{}, p.errAt(t.pos, "expected a property or a value, got '(': arithmetic and parenthesized values are not supported")
	default:
		return val{}, p.errAt(t.pos, "expected a property or a value, got %s", t)
	}
	name := strings.ToUpper(t.text)
	switch name {
	case "TRUE", "FALSE":
		return val{pos: t.pos, kind: kBool, b: name == "TRUE"}, p.advance()
	case "AND", "OR", "NOT", "LIKE", "BETWEEN", "IN", "IS", "NULL":
		return val{}, p.errAt(t.pos, "expected a property or a value, got %s", t)
	}
	if err := p.advance(); err != nil {
		return val{}, err
	}
	geom := false
	switch name {
	case "POINT", "LINESTRING", "POLYGON", "MULTIPOINT", "MULTILINESTRING", "MULTIPOLYGON", "GEOMETRYCOLLECTION":
		geom = p.keyword("Z") || p.keyword("EMPTY")
	}
	if p.tok.kind != tLParen && !geom {
		return p.property(t.text, t.pos)
	}
	// Function calls nest (CASEI(CASEI(…)), INTERVAL(INTERVAL(…))): count them.
	if err := p.enter(); err != nil {
		return val{}, err
	}
	defer p.leave()
	switch name {
	case "CASEI":
		args, err := p.parseArgs(name, 1, 1)
		if err != nil {
			return val{}, err
		}
		return p.casei(args[0], t.pos)
	case "DATE", "TIMESTAMP":
		open := p.tok
		if err := p.advance(); err != nil {
			return val{}, err
		}
		s, err := p.expect(tString, "a quoted "+strings.ToLower(name))
		if err != nil {
			return val{}, err
		}
		if p.tok.kind == tEOF {
			return val{}, p.errAt(open.pos, "unbalanced parentheses: this '(' is never closed")
		}
		if _, err := p.expect(tRParen, "')'"); err != nil {
			return val{}, err
		}
		k := kDate
		if name == "TIMESTAMP" {
			k = kTimestamp
		}
		return p.instant(s.text, k, t.pos, s.pos)
	case "INTERVAL":
		return p.parseInterval(t.pos)
	case "BBOX":
		return p.parseBBox(t.pos)
	case "POINT", "LINESTRING", "POLYGON", "MULTIPOINT", "MULTILINESTRING", "MULTIPOLYGON", "GEOMETRYCOLLECTION":
		g, err := p.parseGeometryBody(name, t.pos)
		return val{pos: t.pos, kind: kGeometry, g: g}, err
	case "ACCENTI":
		return val{}, p.errAt(t.pos, "ACCENTI is not supported")
	}
	if p.opts.Geometry == nil || strings.HasPrefix(name, "A_") {
		return val{}, p.unsupportedFunction(t.text, t.pos)
	}
	args, err := p.parseArgs(name, 0, 16)
	if err != nil {
		return val{}, err
	}
	return p.resolve(t.text, args, t.pos)
}

// parseInterval parses the arguments of INTERVAL: two strings (a date, a
// timestamp or '..'), DATE(…)/TIMESTAMP(…), or occurred_start, occurred_end.
func (p *textParser) parseInterval(pos int) (val, error) {
	open := p.tok
	if err := p.advance(); err != nil {
		return val{}, err
	}
	var ends [2]val
	for i := range ends {
		t := p.tok
		if t.kind == tString {
			tm, err := p.intervalEnd(t.text, t.pos)
			if err != nil {
				return val{}, err
			}
			ends[i] = val{pos: t.pos, kind: kTimestamp, t: tm}
			if err := p.advance(); err != nil {
				return val{}, err
			}
		} else {
			v, err := p.parseOperand()
			if err != nil {
				return val{}, err
			}
			if v.kind != kProp && v.kind != kDate && v.kind != kTimestamp {
				return val{}, p.errAt(v.pos, "INTERVAL needs dates, timestamps, '..' or properties, got %s", v.kind)
			}
			ends[i] = v
		}
		if i == 0 {
			if _, err := p.expect(tComma, "',' in INTERVAL"); err != nil {
				return val{}, err
			}
		}
	}
	if p.tok.kind == tEOF {
		return val{}, p.errAt(open.pos, "unbalanced parentheses: this '(' is never closed")
	}
	if _, err := p.expect(tRParen, "')' after the two ends of INTERVAL"); err != nil {
		return val{}, err
	}
	if ends[0].kind == kProp || ends[1].kind == kProp {
		return p.intervalProperty(ends[0], ends[1])
	}
	return p.interval(ends[0].t, ends[1].t, pos)
}

// parseBBox parses the arguments of BBOX.
func (p *textParser) parseBBox(pos int) (val, error) {
	args, err := p.parseArgs("BBOX", 4, 6)
	if err != nil {
		return val{}, err
	}
	ns := make([]float64, len(args))
	for i, a := range args {
		if a.kind != kNumber {
			return val{}, p.errAt(a.pos, "BBOX needs numbers, got %s", a.kind)
		}
		ns[i] = a.n
	}
	return p.bbox(ns, pos)
}

// parseGeometryBody parses the WKT after a geometry keyword: an optional Z
// and the parenthesised coordinates.
func (p *textParser) parseGeometryBody(name string, pos int) (orb.Geometry, error) {
	if p.keyword("Z") {
		if err := p.advance(); err != nil {
			return nil, err
		}
	}
	if p.keyword("EMPTY") {
		return nil, p.errAt(p.tok.pos, "empty geometries are not supported")
	}
	switch name {
	case "POINT":
		pts, err := wktListOf(p, p.wktPoint, 1, 1, "POINT")
		if err != nil {
			return nil, err
		}
		return pts[0], nil
	case "LINESTRING":
		return p.wktLineString()
	case "POLYGON":
		return p.wktPolygon()
	case "MULTIPOINT":
		mp, err := wktListOf(p, func() (orb.Point, error) {
			if p.tok.kind != tLParen {
				return p.wktPoint()
			}
			pts, err := wktListOf(p, p.wktPoint, 1, 1, "POINT")
			if err != nil {
				return orb.Point{}, err
			}
			return pts[0], nil
		}, 1, math.MaxInt, "MULTIPOINT")
		return orb.MultiPoint(mp), err
	case "MULTILINESTRING":
		mls, err := wktListOf(p, p.wktLineString, 1, math.MaxInt, "MULTILINESTRING")
		return orb.MultiLineString(mls), err
	case "MULTIPOLYGON":
		mp, err := wktListOf(p, p.wktPolygon, 1, math.MaxInt, "MULTIPOLYGON")
		return orb.MultiPolygon(mp), err
	}
	// GEOMETRYCOLLECTION
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer p.leave()
	gc, err := wktListOf(p, func() (orb.Geometry, error) {
		t := p.tok
		name := strings.ToUpper(t.text)
		switch {
		case t.kind != tIdent:
		case name == "POINT", name == "LINESTRING", name == "POLYGON", name == "MULTIPOINT",
			name == "MULTILINESTRING", name == "MULTIPOLYGON", name == "GEOMETRYCOLLECTION":
			if err := p.advance(); err != nil {
				return nil, err
			}
			return p.parseGeometryBody(name, t.pos)
		}
		return nil, p.errAt(t.pos, "expected a geometry in GEOMETRYCOLLECTION, got %s", t)
	}, 1, math.MaxInt, "GEOMETRYCOLLECTION")
	return orb.Collection(gc), err
}

// wktListOf parses "(" item {"," item} ")" with min to max items.
func wktListOf[T any](p *textParser, item func() (T, error), min, max int, what string) ([]T, error) {
	open, err := p.expect(tLParen, "'(' in "+what)
	if err != nil {
		return nil, err
	}
	var out []T
	for {
		v, err := item()
		if err != nil {
			return nil, err
		}
		out = append(out, v)
		if p.tok.kind != tComma {
			break
		}
		if len(out) == max {
			return nil, p.errAt(p.tok.pos, "%s takes at most %d position", what, max)
		}
		if err := p.advance(); err != nil {
			return nil, err
		}
	}
	if p.tok.kind == tEOF {
		return nil, p.errAt(open.pos, "unbalanced parentheses: this '(' is never closed")
	}
	if _, err := p.expect(tRParen, "',' or ')' in "+what); err != nil {
		return nil, err
	}
	if len(out) < min {
		return nil, p.errAt(open.pos, "%s needs at least %d positions, got %d", what, min, len(out))
	}
	return out, nil
}

// wktPoint parses "lon lat [z]".
func (p *textParser) wktPoint() (orb.Point, error) {
	pos := p.tok.pos
	var c [3]float64
	n := 0
	for n < 3 && p.tok.kind == tNumber {
		c[n] = p.tok.num
		n++
		if err := p.advance(); err != nil {
			return orb.Point{}, err
		}
	}
	if n < 2 {
		return orb.Point{}, p.errAt(p.tok.pos, "expected a longitude and a latitude, got %s", p.tok)
	}
	pt := orb.Point{c[0], c[1]}
	return pt, p.lonLat(pt, pos)
}

func (p *textParser) wktLineString() (orb.LineString, error) {
	pts, err := wktListOf(p, p.wktPoint, 2, math.MaxInt, "LINESTRING")
	return orb.LineString(pts), err
}

func (p *textParser) wktRing() (orb.Ring, error) {
	pos := p.tok.pos
	pts, err := wktListOf(p, p.wktPoint, 1, math.MaxInt, "polygon ring")
	if err != nil {
		return nil, err
	}
	return orb.Ring(pts), p.ring(pts, pos)
}

func (p *textParser) wktPolygon() (orb.Polygon, error) {
	rs, err := wktListOf(p, p.wktRing, 1, math.MaxInt, "POLYGON")
	return orb.Polygon(rs), err
}
