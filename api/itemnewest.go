package api

import (
	"slices"
	"time"

	"github.com/incidentmap/incidentmap"
)

// newestOrder is sortby=-occurred_start as Filter.Order gives it: the
// newest day first, ids ascending within a day. The map's list and table
// ask for it; the index answers it as well as the default order.
var newestOrder = []incidentmap.SortKey{{Property: "occurred_start", Desc: true}, {Property: "id"}}

// reversedOrder is the default order backwards (sortby=-occurred_start,-id,
// which the map's table asks for): the same walk, each day's ids
// descending too.
var reversedOrder = []incidentmap.SortKey{{Property: "occurred_start", Desc: true}, {Property: "id", Desc: true}}

// orderOf returns the sort order of a newest-first plan.
func (p indexPlan) orderOf() []incidentmap.SortKey {
	if p.reversed {
		return reversedOrder
	}
	return newestOrder
}

// newestAfter returns the day and id of a cursor taken in order
// (newestOrder or reversedOrder), or false when it holds no such position
// (the store then names the cursor).
func newestAfter(c *incidentmap.Cursor, order []incidentmap.SortKey) (day int32, id string, ok bool) {
	vals, err := c.Values(order)
	if err != nil || len(vals) != 2 {
		return 0, "", false
	}
	t, isTime := vals[0].(time.Time)
	id, isID := vals[1].(string)
	return dayOf(t), id, isTime && isID
}

// pageNewest is page in newestOrder. Ranks hold the default order (day,
// then id), so the walk takes the ranks in chunks from the newest end,
// each chunk whole days, finds the chunk's matches in rank order with the
// plan's cheapest source, and gives them a day at a time from the chunk's
// newest day back; chunks double in size, so a walk restarts its source
// O(log N) times and otherwise costs what the default order's does.
func (ix *itemIndex) pageNewest(p indexPlan, after *incidentmap.Cursor, limit int) (ranks []int32, more bool) {
	if after == nil {
		return ix.walkNewest(p, ix.n, 0, 0, limit)
	}
	day, id, ok := newestAfter(after, p.orderOf())
	switch {
	case !ok:
		return nil, false // plan refused such a cursor
	case p.reversed:
		// Left of the cursor: every rank before its position.
		return ix.walkNewest(p, ix.rankAt(day, id), 0, 0, limit)
	}
	// Left of the cursor: the rest of its day after its id, then the
	// days before it.
	dayStart, dayEnd := ix.dayRanks(day)
	return ix.walkNewest(p, dayEnd, dayStart, ix.rankAfter(day, id), limit)
}

// dayRanks returns the ranks start..end-1 of the incidents of day.
func (ix *itemIndex) dayRanks(day int32) (start, end int) {
	return sortSearch(ix.n, func(r int) bool { return ix.starts[r] >= day }), sortSearch(ix.n, func(r int) bool { return ix.starts[r] > day })
}

// walkNewest is pageNewest from below rank hi, the ranks skip..floor-1
// (those of the cursor's day up to its id) left out.
func (ix *itemIndex) walkNewest(p indexPlan, hi, skip, floor, limit int) (ranks []int32, more bool) {
	ranks = make([]int32, 0, min(limit, 1024))
	var chunk []int32
	for w := 4096; hi > 0; w *= 2 {
		lo := max(hi-w, 0)
		first := ix.starts[lo]
		lo = sortSearch(hi, func(r int) bool { return ix.starts[r] >= first }) // whole days
		chunk = chunk[:0]
		src := ix.source(p, lo)
		for {
			r, ok := src.next()
			if !ok || int(r) >= hi {
				break
			}
			if int(r) >= skip && int(r) < floor {
				continue
			}
			if ix.matches(p, r) {
				chunk = append(chunk, r)
			}
		}
		if p.reversed { // the chunk's matches backwards
			for _, r := range slices.Backward(chunk) {
				if len(ranks) == limit {
					return ranks, true
				}
				ranks = append(ranks, r)
			}
			hi = lo
			continue
		}
		// The chunk's matches, newest day first, each day's in rank order.
		for end := len(chunk); end > 0; {
			day := ix.starts[chunk[end-1]]
			start := end - 1
			for start > 0 && ix.starts[chunk[start-1]] == day {
				start--
			}
			for _, r := range chunk[start:end] {
				if len(ranks) == limit {
					return ranks, true
				}
				ranks = append(ranks, r)
			}
			end = start
		}
		hi = lo
	}
	return ranks, false
}

// cursorOf returns the position of rank r in the plan's order, as the
// store writes it (incidentmap.CursorOf).
func (ix *itemIndex) cursorOf(p indexPlan, r int32) *incidentmap.Cursor {
	if p.order != nil {
		return ix.cursorSorted(p.order, r)
	}
	if !p.newest {
		return ix.cursorAt(r)
	}
	inc := &incidentmap.Incident{ID: ix.ids.get(int(r)), OccurredStart: time.Unix(int64(ix.starts[r])*86400, 0).UTC()}
	return incidentmap.CursorOf(inc, slices.Clone(p.orderOf()))
}
