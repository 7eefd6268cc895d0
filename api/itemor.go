package api

import "github.com/incidentmap/incidentmap"

// orPred holds when any of its branches holds, each a conjunction of the
// conditions the plan accepts (an OR across properties: a box or a
// country or a type, say). A branch with no condition always holds.
type orPred struct{ branches [][]indexPred }

func (p *orPred) test(ix *itemIndex, r int32) bool {
	for _, b := range p.branches {
		if ix.matchesAll(b, r) {
			return true
		}
	}
	return false
}

// candidates are the union of the branches' candidates, each branch's
// those of its cheapest condition, when every branch has one cheaper
// than all the ranks and all of them together are too; else every rank.
// The costs add up: a branch's ranks are walked whether or not another
// branch yields them too.
func (p *orPred) candidates(ix *itemIndex, from int) (rankSource, int) {
	srcs := make([]rankSource, 0, len(p.branches))
	total := 0
	for _, b := range p.branches {
		src, n := ix.cheapestOf(b, from)
		if total += n; n >= ix.n || total >= ix.n {
			return &rangeSource{at: from, end: ix.n}, ix.n
		}
		srcs = append(srcs, src)
	}
	if len(srcs) == 1 {
		return srcs[0], total
	}
	return newUnionSource(srcs), total
}

// orBranches returns the branches of an OR the plan answers, each the
// conditions of one argument as walk reads them, or false when walk
// declines an argument.
func orBranches(e incidentmap.Or, walk func(incidentmap.Expr, *[]indexPred) bool) (*orPred, bool) {
	p := &orPred{branches: make([][]indexPred, 0, len(e.Args))}
	for _, a := range e.Args {
		var b []indexPred
		if !walk(a, &b) {
			return nil, false
		}
		p.branches = append(p.branches, b)
	}
	return p, len(p.branches) > 0
}

// negation returns a condition that holds exactly where e is false in
// the SQL of the stores, so that NOT e is answered as it: with De
// Morgan's laws, which hold in three-valued logic (NOT (a OR b) is true
// when a and b are both false, neither unknown), a NOT of a NOT, the
// opposite comparison of a count (NOT (fatalities > 5) is fatalities <=
// 5: neither holds where fatalities are unknown), and a NOT of a
// condition on one coded property, whose codes the index complements
// (codeSetOf; text is never NULL). It reports false for anything else:
// a box, a time window, a count IN, a status.
func (ix *itemIndex) negation(e incidentmap.Expr) (incidentmap.Expr, bool) {
	switch e := e.(type) {
	case incidentmap.Or:
		and := incidentmap.And{Args: make([]incidentmap.Expr, len(e.Args))}
		for i, a := range e.Args {
			and.Args[i] = incidentmap.Not{Arg: a}
		}
		return and, true
	case incidentmap.And:
		or := incidentmap.Or{Args: make([]incidentmap.Expr, len(e.Args))}
		for i, a := range e.Args {
			or.Args[i] = incidentmap.Not{Arg: a}
		}
		return or, len(e.Args) > 0
	case incidentmap.Not:
		return e.Arg, true
	case incidentmap.Bool:
		return !e, true
	}
	if c, ok := countPredOf(e); ok {
		return countNegation(e, c)
	}
	_, _, ok := ix.codeSetOf(e)
	return incidentmap.Not{Arg: e}, ok
}

// opposites are the comparisons that are false exactly where each is,
// for values that are known.
var opposites = map[string]string{"=": "<>", "<>": "=", "<": ">=", ">=": "<", ">": "<=", "<=": ">"}

// countNegation is negation of a condition c on a count: the opposite
// comparison, a BETWEEN's outside, or, for IS NULL, a known (never
// negative: the index answers counts only when all are) count. A count
// IN is declined.
func countNegation(e incidentmap.Expr, c countPred) (incidentmap.Expr, bool) {
	name := "fatalities"
	if c.injuries {
		name = "injuries"
	}
	compare := func(op string, x float64) incidentmap.Expr {
		return incidentmap.Compare{Left: incidentmap.Property{Name: name}, Op: op, Right: incidentmap.Number(x)}
	}
	switch c.op {
	case "between":
		return incidentmap.Or{Args: []incidentmap.Expr{compare("<", c.x), compare(">", c.hi)}}, true
	case "null":
		return compare(">=", 0), true
	case "in":
		return nil, false
	}
	op, ok := opposites[c.op]
	return compare(op, c.x), ok
}

// unionSource yields the ranks any of its sources yields, ascending,
// each once: the sources' heads are compared in turn, O(sources) a rank,
// as an OR has few branches.
type unionSource struct {
	srcs  []rankSource
	heads []int32 // the next rank of each source still yielding
}

// newUnionSource returns the union of srcs, each ascending without
// repeats.
func newUnionSource(srcs []rankSource) *unionSource {
	u := &unionSource{srcs: make([]rankSource, 0, len(srcs)), heads: make([]int32, 0, len(srcs))}
	for _, s := range srcs {
		if r, ok := s.next(); ok {
			u.srcs, u.heads = append(u.srcs, s), append(u.heads, r)
		}
	}
	return u
}

func (u *unionSource) next() (int32, bool) {
	if len(u.heads) == 0 {
		return 0, false
	}
	least := u.heads[0]
	for _, h := range u.heads[1:] {
		least = min(least, h)
	}
	// Every source at the least rank moves on; those done drop out.
	for i := 0; i < len(u.heads); {
		if u.heads[i] != least {
			i++
			continue
		}
		if r, ok := u.srcs[i].next(); ok {
			u.heads[i] = r
			i++
			continue
		}
		last := len(u.heads) - 1
		u.srcs[i], u.heads[i] = u.srcs[last], u.heads[last]
		u.srcs, u.heads = u.srcs[:last], u.heads[:last]
	}
	return least, true
}
