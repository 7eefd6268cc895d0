package api

import (
	"math/bits"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/incidentmap/incidentmap"
	"github.com/incidentmap/incidentmap/cql2"
)

// This file answers conditions on the coded properties of the item index
// other than plain equality: LIKE (and CASEI LIKE), CASEI equality, <>,
// IS NULL and NOT of any of them. Each becomes a set of the property's
// codes: a pattern is matched once against each value of the property's
// dictionary (at most maxCodes of them), never against each incident, and
// the codes that match give the same inPred as an IN of their values.
//
// The text columns of both stores are NOT NULL (an absent value is ''),
// so that an empty value is one more code, matched like any other, and a
// NOT is the complement of the codes: no row is left out of both.

// codeSet is a set of the codes of one property, a bit per code.
type codeSet []uint64

func newCodeSet(n int) codeSet { return make(codeSet, (n+63)/64) }

func (s codeSet) add(c uint16)      { s[c/64] |= 1 << (c % 64) }
func (s codeSet) has(c uint16) bool { return s[c/64]&(1<<(c%64)) != 0 }

// complement returns the codes below n that s does not hold.
func (s codeSet) complement(n int) codeSet {
	out := make(codeSet, len(s))
	for i, w := range s {
		out[i] = ^w
	}
	if n%64 != 0 {
		out[len(out)-1] &= 1<<(n%64) - 1
	}
	return out
}

// union returns the codes of s or t, which are of one property.
func (s codeSet) union(t codeSet) codeSet {
	out := make(codeSet, len(s))
	for i := range s {
		out[i] = s[i] | t[i]
	}
	return out
}

// codes returns the codes of s, ascending.
func (s codeSet) codes() []uint16 {
	var out []uint16
	for i, w := range s {
		for w != 0 {
			out = append(out, uint16(i*64+bits.TrailingZeros64(w)))
			w &= w - 1
		}
	}
	return out
}

// inPredOf returns the condition that the value of indexed property prop
// has one of the codes of set. Listing the codes and adding up their
// ranks is linear in the property's values, so that the conditions of
// many codes (a LIKE or a NOT) are kept in the index's likeCache.
func (ix *itemIndex) inPredOf(prop int, set codeSet) inPred {
	remember := len(set) > 1 // more than 64 values
	var key predKey
	if remember {
		key = predKey{prop: prop, sum: set.sum()}
		unlock := ix.likes.lock()
		p, ok := ix.likes.preds.Get(key)
		unlock()
		if ok && slices.Equal(p.set, set) {
			return p
		}
	}
	p := inPred{prop: prop, codes: set.codes(), set: set}
	for _, c := range p.codes {
		p.total += len(ix.postings[prop][c])
	}
	if remember {
		unlock := ix.likes.lock()
		ix.likes.preds.Add(key, p)
		unlock()
	}
	return p
}

// sum returns a hash of the codes of s.
func (s codeSet) sum() uint64 {
	h := uint64(14695981039346656037)
	for _, w := range s {
		h = (h ^ w) * 1099511628211
		h ^= h >> 29
	}
	return h
}

// codeSetOf returns the indexed property and the codes of its values that
// pass e, when e is a condition on one coded property alone: = or <>
// with a string (either side in CASEI or not), IN of strings, LIKE,
// IS NULL, NOT of such, or an OR of such on one property. It reports
// false when e is something else, or when the codes that pass could
// differ from the rows the store would find (likeCodes).
func (ix *itemIndex) codeSetOf(e incidentmap.Expr) (int, codeSet, bool) {
	coded := func(name string) (int, bool) {
		for i, p := range indexedProps {
			if p == name {
				return i, !ix.uncoded[i]
			}
		}
		return -1, false
	}
	switch e := e.(type) {
	case incidentmap.Compare:
		name, v, casei, ok := textComparison(e)
		prop, isCoded := coded(name)
		if !ok || !isCoded || (e.Op != "=" && e.Op != "<>") {
			return 0, nil, false
		}
		var set codeSet
		if casei {
			// lower(col) = lower('v'): a LIKE of v with its wildcards
			// escaped compares exactly the same.
			if set, ok = ix.likeCodes(prop, escapeLike(v), true); !ok {
				return 0, nil, false
			}
		} else {
			set = newCodeSet(len(ix.values[prop]))
			if c, ok := ix.lookup[prop][v]; ok {
				set.add(c)
			}
		}
		if e.Op == "<>" {
			set = set.complement(len(ix.values[prop]))
		}
		return prop, set, true
	case incidentmap.In:
		prop, ok := coded(e.Prop)
		if !ok {
			return 0, nil, false
		}
		set := newCodeSet(len(ix.values[prop]))
		for _, l := range e.Values {
			v, ok := l.(incidentmap.String)
			if !ok {
				return 0, nil, false
			}
			if c, ok := ix.lookup[prop][string(v)]; ok {
				set.add(c)
			}
		}
		return prop, set, true
	case incidentmap.Like:
		prop, ok := coded(e.Prop)
		if !ok {
			return 0, nil, false
		}
		set, ok := ix.likeCodes(prop, e.Pattern, e.CaseInsensitive)
		return prop, set, ok
	case incidentmap.IsNull:
		// A text column is NULL or '' (the SQL of both stores): ''.
		prop, ok := coded(e.Prop)
		if !ok {
			return 0, nil, false
		}
		set := newCodeSet(len(ix.values[prop]))
		if c, ok := ix.lookup[prop][""]; ok {
			set.add(c)
		}
		return prop, set, true
	case incidentmap.Not:
		prop, set, ok := ix.codeSetOf(e.Arg)
		if !ok {
			return 0, nil, false
		}
		return prop, set.complement(len(ix.values[prop])), true
	case incidentmap.Or:
		var prop int
		var set codeSet
		for i, a := range e.Args {
			p, s, ok := ix.codeSetOf(a)
			if !ok || (i > 0 && p != prop) {
				return 0, nil, false
			}
			if i == 0 {
				prop, set = p, s
			} else {
				set = set.union(s)
			}
		}
		return prop, set, len(e.Args) > 0
	}
	return 0, nil, false
}

// textComparison returns the property, the string and whether either
// side is in CASEI of a comparison of a property (on the left, where the
// parsers put it) with a string.
func textComparison(e incidentmap.Compare) (prop, v string, casei, ok bool) {
	left, right := e.Left, e.Right
	if c, ok := left.(incidentmap.Casei); ok {
		left, casei = c.Arg, true
	}
	if c, ok := right.(incidentmap.Casei); ok {
		right, casei = c.Arg, true
	}
	p, ok1 := left.(incidentmap.Property)
	s, ok2 := right.(incidentmap.String)
	return p.Name, string(s), casei, ok1 && ok2
}

// escapeLike returns the LIKE pattern that matches s alone.
func escapeLike(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r == '%' || r == '_' || r == '\\' {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Bounds of LIKE matching over a dictionary.
const (
	// likeCacheEntries is how many matched patterns an index remembers.
	likeCacheEntries = 256
	// likeStepBudget bounds the steps of matching one pattern against a
	// property's values (a step is a rune of a value tried against a
	// token of the pattern): about 20 ms. A pattern that would take more
	// (a long one with many %s against long values) goes to the store.
	likeStepBudget = 20_000_000
	// likePredBytes bounds the conditions of many codes an index keeps.
	likePredBytes = 4 << 20
)

// likeKey identifies a matched pattern.
type likeKey struct {
	prop    int
	pattern string
	casei   bool
}

// likeResult is the codes a pattern matches, or ok false when the index
// must not answer it.
type likeResult struct {
	set codeSet
	ok  bool
}

// predKey identifies the condition of a set of codes of a property, by
// a hash of the set (inPredOf compares the sets themselves).
type predKey struct {
	prop int
	sum  uint64
}

// likeCache remembers the codes of the last patterns matched against an
// index's dictionaries, and the conditions of the last sets of many
// codes; it is safe for concurrent use. Its zero value is empty; the
// caches are made on first use.
type likeCache struct {
	mu    sync.Mutex
	likes *lru[likeKey, likeResult]
	preds *lru[predKey, inPred]
}

// init makes the caches, with c.mu held. A set of codes takes at most
// maxCodes/8 bytes (8 KB), so that 256 patterns take 2 MB at most; the
// codes of a condition take two bytes each besides, up to 136 KB for
// a NOT of a rare value of a full dictionary, so that the conditions are
// held to likePredBytes.
func (c *likeCache) init() {
	if c.likes == nil {
		c.likes = newLRU[likeKey](likeCacheEntries, likeCacheEntries*(maxCodes/8+64),
			func(r likeResult) int { return len(r.set)*8 + 64 })
		c.preds = newLRU[predKey](likeCacheEntries, likePredBytes,
			func(p inPred) int { return len(p.set)*8 + 2*len(p.codes) + 64 })
	}
}

// lock locks the cache, made if need be, and returns its unlocking.
func (c *likeCache) lock() func() {
	c.mu.Lock()
	c.init()
	return c.mu.Unlock
}

// likeCodes returns the codes of the values of indexed property prop that
// match pattern as the stores' LIKE with ESCAPE '\' does, folded to lower
// case on both sides when casei is set. It reports false when the index
// must leave the condition to the store:
//   - the pattern is longer than cql2 accepts, holds a NUL (PostgreSQL
//     refuses it) or is not UTF-8;
//   - casei and the pattern is not ASCII: SQLite folds with Go's
//     strings.ToLower, PostgreSQL's lower() with the collation of the
//     column (COLLATE "C": ASCII only) or the database's locale, and past
//     ASCII these may differ;
//   - a value is not UTF-8, or with casei holds a rune whose lower case is
//     ASCII (U+0130 İ, U+212A KELVIN SIGN) and the match depends on how it
//     is folded (see likeValue);
//   - matching takes more than likeStepBudget steps.
//
// With casei and an ASCII pattern, any other non-ASCII rune of a value
// can only match _ or %, whatever its lower case is, so that the folds
// agree. ASCII letters are taken to fold A-Z to a-z, which holds for every
// locale but the Turkish and Azeri ones (in which lower('I') is 'ı').
func (ix *itemIndex) likeCodes(prop int, pattern string, casei bool) (codeSet, bool) {
	key := likeKey{prop: prop, pattern: pattern, casei: casei}
	unlock := ix.likes.lock()
	r, hit := ix.likes.likes.Get(key)
	unlock()
	if !hit {
		r.set, r.ok = ix.matchValues(prop, pattern, casei)
		unlock = ix.likes.lock()
		ix.likes.likes.Add(key, r)
		unlock()
	}
	return r.set, r.ok
}

// matchValues is likeCodes without the cache.
func (ix *itemIndex) matchValues(prop int, pattern string, casei bool) (codeSet, bool) {
	if len(pattern) > cql2.MaxLikePattern || strings.IndexByte(pattern, 0) >= 0 || !utf8.ValidString(pattern) {
		return nil, false
	}
	if casei {
		for i := 0; i < len(pattern); i++ {
			if pattern[i] >= utf8.RuneSelf {
				return nil, false
			}
		}
		pattern = strings.ToLower(pattern)
	}
	toks := likeTokens(pattern)
	values := ix.values[prop]
	set := newCodeSet(len(values))
	steps := likeStepBudget
	var buf []rune
	for c, v := range values {
		var m likeOutcome
		m, buf = likeValue(toks, v, casei, buf, &steps)
		switch m {
		case likeUnknown:
			return nil, false
		case likeYes:
			set.add(uint16(c))
		}
	}
	return set, true
}

// likeOutcome is whether a value matches a pattern, or that it cannot be
// told (the value is not UTF-8, its match depends on a fold the stores
// may not share, or the step budget ran out).
type likeOutcome uint8

const (
	likeNo likeOutcome = iota
	likeYes
	likeUnknown
)

// The two runes below U+10FFFF whose lower case (Go's unicode.ToLower) is
// ASCII: PostgreSQL leaves them alone in the C locale and ICU folds İ to
// two runes, "i̇".
const (
	capitalIDot = '\u0130'
	kelvinSign  = '\u212a'
)

// likeValue matches the tokens of a pattern (lower case when casei)
// against v: with casei, v folded rune by rune as strings.ToLower folds
// it, and when v holds İ or K (kelvinSign) also as the C locale and ICU
// fold them, the outcome unknown unless all three agree. buf is scratch
// space, returned for reuse; steps is the budget left, spent.
func likeValue(toks []likeToken, v string, casei bool, buf []rune, steps *int) (likeOutcome, []rune) {
	buf = buf[:0]
	special := false
	for i := 0; i < len(v); {
		if c := v[i]; c < utf8.RuneSelf {
			if casei && 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			buf = append(buf, rune(c))
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(v[i:])
		if r == utf8.RuneError && size == 1 {
			return likeUnknown, buf // not UTF-8
		}
		if casei {
			special = special || r == capitalIDot || r == kelvinSign
			r = unicode.ToLower(r)
		}
		buf = append(buf, r)
		i += size
	}
	m, ok := matchTokens(toks, buf, steps)
	if !ok {
		return likeUnknown, buf
	}
	if special {
		for _, fold := range []func(r rune) []rune{
			func(r rune) []rune { // C locale: ASCII only
				if r < utf8.RuneSelf {
					return []rune{unicode.ToLower(r)}
				}
				return []rune{r}
			},
			func(r rune) []rune { // ICU: İ to i and a combining dot
				if r == capitalIDot {
					return []rune{'i', '\u0307'}
				}
				return []rune{unicode.ToLower(r)}
			},
		} {
			var other []rune
			for _, r := range v {
				other = append(other, fold(r)...)
			}
			m2, ok := matchTokens(toks, other, steps)
			if !ok || m2 != m {
				return likeUnknown, buf
			}
		}
	}
	if m {
		return likeYes, buf
	}
	return likeNo, buf
}

// likeToken is one element of a LIKE pattern: a rune to match itself,
// likeOne (_) or likeAny (%).
type likeToken struct {
	kind uint8
	r    rune
}

const (
	likeRune uint8 = iota
	likeOne
	likeAny
)

// likeTokens parses pattern with the stores' escape: a backslash makes
// the next rune stand for itself, and a trailing lone backslash stands
// for itself (as sqlexpr.likePattern makes it). Runs of % are one.
func likeTokens(pattern string) []likeToken {
	var toks []likeToken
	escaped := false
	for _, r := range pattern {
		switch {
		case escaped:
			toks, escaped = append(toks, likeToken{kind: likeRune, r: r}), false
		case r == '\\':
			escaped = true
		case r == '_':
			toks = append(toks, likeToken{kind: likeOne})
		case r == '%':
			if len(toks) == 0 || toks[len(toks)-1].kind != likeAny {
				toks = append(toks, likeToken{kind: likeAny})
			}
		default:
			toks = append(toks, likeToken{kind: likeRune, r: r})
		}
	}
	if escaped {
		toks = append(toks, likeToken{kind: likeRune, r: '\\'})
	}
	return toks
}

// matchTokens reports whether the runes of v match the tokens, rune for
// rune. On a mismatch it backtracks to the last % only (the one that
// matters: any earlier % could only take fewer runes), so that it takes
// at most O(len(toks)·len(v)) steps; ok is false when that would exceed
// the budget left in steps.
func matchTokens(toks []likeToken, v []rune, steps *int) (match, ok bool) {
	ti, vi := 0, 0
	star, mark := -1, 0 // the last % seen and the rune from which it resumes
	for vi < len(v) {
		if *steps--; *steps < 0 {
			return false, false
		}
		if ti < len(toks) {
			t := toks[ti]
			if t.kind == likeAny {
				star, mark = ti, vi
				ti++
				continue
			}
			if t.kind == likeOne || t.r == v[vi] {
				ti++
				vi++
				continue
			}
		}
		if star < 0 {
			return false, true
		}
		mark++
		ti, vi = star+1, mark
	}
	for ti < len(toks) && toks[ti].kind == likeAny {
		ti++
	}
	return ti == len(toks), true
}
