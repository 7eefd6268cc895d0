package api

import (
	"slices"
	"strings"
	"time"

	"github.com/incidentmap/incidentmap"
)

// This file answers /aggregate from the item index: the counts of all the
// published incidents per group key are computed once when the index is
// built (rollups), and a filter the index answers is counted by walking
// the same candidates as its pages, in memory, without the store.

// dateParts are the group keys that are parts of the day of
// occurred_start, with how many parts of YYYY-MM-DD each keeps.
var dateParts = map[string]int{incidentmap.GroupDay: 3, incidentmap.GroupMonth: 2, incidentmap.GroupYear: 1}

// groupColumn returns what the index groups by for the group key by: the
// number of parts of the day of occurred_start, or the indexed property
// (its position in indexedProps); ok is false for a key the index does
// not hold.
func groupColumn(by string) (parts int, prop int, ok bool) {
	if n, ok := dateParts[by]; ok {
		return n, -1, true
	}
	prop = slices.Index(indexedProps[:], by)
	return 0, prop, prop >= 0
}

// dateKey writes the first parts of YYYY-MM-DD of a date, as the stores
// write the group keys day, month and year (years have 4 digits).
func dateKey(y int, m time.Month, d int, parts int) string {
	b := make([]byte, 0, 10)
	b = append(b, byte('0'+y/1000%10), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10))
	for _, v := range []int{int(m), d}[:parts-1] {
		b = append(b, '-', byte('0'+v/10), byte('0'+v%10))
	}
	return string(b)
}

// buildRollups counts all the incidents of the index by each group key
// the index holds: O(N) once, so that an unfiltered aggregate is then a
// copy of its groups.
func (ix *itemIndex) buildRollups() map[string][]incidentmap.Bucket {
	out := make(map[string][]incidentmap.Bucket, len(dateParts)+len(indexedProps))
	for _, by := range incidentmap.GroupKeys {
		parts, prop, ok := groupColumn(by)
		switch {
		case !ok || prop >= 0 && ix.uncoded[prop]:
			continue
		case prop < 0:
			out[by] = ix.countDates(indexPlan{}, parts)
		default:
			counts := make([]int32, len(ix.values[prop]))
			for c, ranks := range ix.postings[prop] {
				counts[c] = int32(len(ranks))
			}
			out[by] = ix.codeBuckets(prop, counts)
		}
	}
	return out
}

// countBy counts the incidents of p in groups of the key by, as
// Store.CountBy does: only non-empty groups, sorted by key byte by byte.
// A plan with no condition is answered from the rollups; otherwise the
// candidates of its cheapest condition (those a page walks) are tested
// and counted, by the code of the property or the day of occurred_start.
// ok is false for a key the index does not hold.
func (ix *itemIndex) countBy(p indexPlan, by string) (buckets []incidentmap.Bucket, ok bool) {
	parts, prop, ok := groupColumn(by)
	if !ok || prop >= 0 && ix.uncoded[prop] {
		return nil, false
	}
	if len(p.preds) == 0 {
		if r, ok := ix.rollups[by]; ok {
			return slices.Clone(r), true
		}
	}
	if prop < 0 {
		return ix.countDates(p, parts), true
	}
	counts := make([]int32, len(ix.values[prop]))
	codes := ix.codes[prop]
	ix.eachMatch(p, func(r int32) { counts[codes[r]]++ })
	return ix.codeBuckets(prop, counts), true
}

// eachMatch calls fn with each rank of the matches of p, in no particular
// order: the candidates of a merge (a box's cells, a property's values)
// are walked list by list, without the heap that orders them for a page.
func (ix *itemIndex) eachMatch(p indexPlan, fn func(r int32)) {
	src := ix.source(p, 0)
	if m, ok := src.(*mergeSource); ok {
		for _, l := range m.lists {
			for _, r := range l {
				if ix.matches(p, r) {
					fn(r)
				}
			}
		}
		return
	}
	for {
		r, more := src.next()
		if !more {
			return
		}
		if ix.matches(p, r) {
			fn(r)
		}
	}
}

// countDates counts the matches of p by the first parts of the day of
// occurred_start: per day first, then the days in order, merged where
// they share a key (a year has 4 digits: byte order is time order).
func (ix *itemIndex) countDates(p indexPlan, parts int) []incidentmap.Bucket {
	if ix.n == 0 {
		return nil
	}
	first := ix.starts[0]
	perDay := make([]int32, int(ix.starts[ix.n-1]-first)+1)
	ix.eachMatch(p, func(r int32) { perDay[ix.starts[r]-first]++ })
	var out []incidentmap.Bucket
	type ymd struct{ y, m, d int }
	var last ymd
	for i, n := range perDay {
		if n == 0 {
			continue
		}
		y, m, d := time.Unix(int64(first+int32(i))*86400, 0).UTC().Date()
		k := ymd{y, int(m), d}
		if parts < 3 {
			k.d = 0
		}
		if parts < 2 {
			k.m = 0
		}
		if len(out) == 0 || k != last {
			out = append(out, incidentmap.Bucket{Key: dateKey(y, m, d, parts)})
			last = k
		}
		out[len(out)-1].Count += int(n)
	}
	return out
}

// codeBuckets returns the groups of the values of indexed property prop
// from the counts of their codes: the non-empty ones, sorted by value.
func (ix *itemIndex) codeBuckets(prop int, counts []int32) []incidentmap.Bucket {
	var out []incidentmap.Bucket
	for c, n := range counts {
		if n > 0 {
			out = append(out, incidentmap.Bucket{Key: ix.values[prop][c], Count: int(n)})
		}
	}
	slices.SortFunc(out, func(a, b incidentmap.Bucket) int { return strings.Compare(a.Key, b.Key) })
	return out
}

// countFromIndex answers the aggregate of f by the key by from the item
// index when the index is of data version and answers f (the decision of
// itemIndex.plan, as for item pages); ok is false when the store must.
func (s *server) countFromIndex(version string, f incidentmap.Filter, by string) (buckets []incidentmap.Bucket, ok bool) {
	if s.itemIx == nil {
		return nil, false
	}
	ix := s.itemIx.get(version)
	if ix == nil {
		return nil, false
	}
	p, ok := ix.plan(f)
	if !ok {
		return nil, false
	}
	return ix.countBy(p, by)
}
