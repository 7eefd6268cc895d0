package api

import (
	"slices"

	"github.com/gin-gonic/gin"
	"github.com/incidentmap/incidentmap"
)

// pageCursor returns the cursor of f's page: After, or Before when the
// page ends just before it.
func pageCursor(f incidentmap.Filter) *incidentmap.Cursor {
	if f.Before != nil {
		return f.Before
	}
	return f.After
}

// pageBefore is page before a cursor (Filter.Before), as the stores
// define it: the limit matches immediately before the cursor, in the
// plan's order, and whether any match precedes them. Every order the
// index holds is walked from the cursor backwards, which is the page
// after the cursor in the reversed order, reversed:
//   - a sorted order (itemorder.go): its permutation read from the end
//     (rankOrder.backward), so that the reversed order is never sorted
//     nor kept in the cache of sorted orders;
//   - the default order: the reversed one (reversedOrder), whose walk
//     takes the ranks from below the cursor in chunks (walkNewest), and
//     the reversed order the default one;
//   - the newest order (newest day first, ids ascending): the days from
//     the cursor's on, each day's matches backwards (walkOldest).
func (ix *itemIndex) pageBefore(p indexPlan, before *incidentmap.Cursor, limit int) (ranks []int32, more, ok bool) {
	if before == nil {
		return nil, false, false // plan sets before only with a cursor
	}
	switch {
	case p.order != nil:
		back := p
		back.order, back.before = p.order.backward(), false
		ranks, more, ok = ix.pageSorted(back, before, limit)
	case !p.newest:
		back := p
		back.newest, back.reversed, back.before = true, true, false
		ranks, more = ix.walkNewest(back, ix.rankAt(dayOf(before.OccurredStart), before.ID), 0, 0, limit)
		ok = true
	default:
		day, id, isPos := newestAfter(before, p.orderOf())
		if !isPos {
			return nil, false, false // plan refused such a cursor
		}
		if p.reversed {
			ranks, more = ix.pageFrom(p, ix.rankAfter(day, id), limit)
		} else {
			ranks, more = ix.walkOldest(p, day, ix.rankAt(day, id), limit)
		}
		ok = true
	}
	slices.Reverse(ranks)
	return ranks, more, ok
}

// backward returns o the other way: every key and the id reversed. Its
// cursors are o's; its ranks are o's read from the end (sortedRanks), and
// its name, which no cursor or link shows, is o's marked as backward.
func (o *rankOrder) backward() *rankOrder {
	b := &rankOrder{name: "backward:" + o.name, order: o.order, keys: slices.Clone(o.keys), idDesc: !o.idDesc, forward: o}
	for i := range b.keys {
		b.keys[i].desc = !b.keys[i].desc
	}
	return b
}

// walkOldest is the page after a cursor at day, rank at (the first rank
// at or after the cursor's position) in the newest order reversed: the
// oldest day first, ids descending within a day. It walks the ranks up
// from the cursor's day, a day's matches at a time, each day's given
// from its last; the cursor's day only below at.
func (ix *itemIndex) walkOldest(p indexPlan, day int32, at, limit int) (ranks []int32, more bool) {
	start, _ := ix.dayRanks(day)
	src := ix.source(p, start)
	ranks = make([]int32, 0, min(limit+1, 1024))
	var today []int32 // the matches of the day being read
	flush := func() {
		for _, r := range slices.Backward(today) {
			ranks = append(ranks, r)
		}
		today = today[:0]
	}
	for len(ranks) <= limit {
		r, ok := src.next()
		if !ok {
			flush()
			break
		}
		if len(today) > 0 && ix.starts[r] != ix.starts[today[0]] {
			flush()
			if len(ranks) > limit {
				break
			}
		}
		if ix.starts[r] == day && int(r) >= at || !ix.matches(p, r) {
			continue
		}
		today = append(today, r)
	}
	if len(ranks) > limit {
		return ranks[:limit], true
	}
	return ranks, false
}

// anyBeforeFromIndex reports whether any incident precedes the page of f
// whose first incident is at first (what anyBefore asks the store), from
// the item index; ok is false when the index cannot tell and the store
// must.
func (s *server) anyBeforeFromIndex(c *gin.Context, f incidentmap.Filter, first *incidentmap.Cursor) (found, ok bool) {
	if s.itemIx == nil {
		return false, false
	}
	v, err := s.dataVersion(c)
	if err != nil {
		return false, false
	}
	ix := s.itemIx.get(v.ETag())
	if ix == nil {
		return false, false
	}
	f.After, f.Before, f.Limit = nil, first, 1
	plan, ok := ix.plan(f)
	if !ok {
		return false, false
	}
	if _, err := first.Values(f.Order()); err != nil {
		return false, false
	}
	ranks, _, ok := ix.page(plan, first, 1)
	return len(ranks) > 0, ok
}
