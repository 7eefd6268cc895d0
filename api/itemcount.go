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

// dateLayouts are the layouts of the keys of the group keys that are
// parts of the day of occurred_start, as the stores write them.
var dateLayouts = map[string]string{
	incidentmap.GroupDay:   time.DateOnly,
	incidentmap.GroupMonth: "2006-01",
	incidentmap.GroupYear:  "2006",
}

// groupColumn returns what the index groups by for the group key by: the
// layout of a part of the day of occurred_start, or the indexed property
// (its position in indexedProps); ok is false for a key the index does
// not hold.
func groupColumn(by string) (layout string, prop int, ok bool) {
	if l, ok := dateLayouts[by]; ok {
		return l, -1, true
	}
	prop = slices.Index(indexedProps[:], by)
	return "", prop, prop >= 0
}

// buildRollups counts all the incidents of the index by each group key
// the index holds: O(N) once, so that an unfiltered aggregate is then a
// copy of its groups.
func (ix *itemIndex) buildRollups() map[string][]incidentmap.Bucket {
	out := make(map[string][]incidentmap.Bucket, len(dateLayouts)+len(indexedProps))
	for _, by := range incidentmap.GroupKeys {
		layout, prop, ok := groupColumn(by)
		switch {
		case !ok:
			continue
		case prop < 0:
			out[by] = ix.countDates(&rangeSource{end: ix.n}, indexPlan{}, layout)
		default:
			counts := make([]int, len(ix.values[prop]))
			for c, ranks := range ix.postings[prop] {
				counts[c] = len(ranks)
			}
			out[by] = ix.codeBuckets(prop, counts)
		}
	}
	return out
}

// countBy counts the incidents of p in groups of the key by, as
// Store.CountBy does: only non-empty groups, sorted by key byte by byte.
// A plan with no condition is answered from the rollups; otherwise the
// candidates of its cheapest condition are walked and tested, as a page
// does. ok is false for a key the index does not hold.
func (ix *itemIndex) countBy(p indexPlan, by string) (buckets []incidentmap.Bucket, ok bool) {
	layout, prop, ok := groupColumn(by)
	if !ok {
		return nil, false
	}
	if len(p.preds) == 0 {
		if r, ok := ix.rollups[by]; ok {
			return slices.Clone(r), true
		}
	}
	src := ix.source(p, 0)
	if prop < 0 {
		return ix.countDates(src, p, layout), true
	}
	counts := make([]int, len(ix.values[prop]))
	codes := ix.codes[prop]
	for {
		r, more := src.next()
		if !more {
			break
		}
		if ix.matches(p, r) {
			counts[codes[r]]++
		}
	}
	return ix.codeBuckets(prop, counts), true
}

// countDates counts the ranks of src that match p by the day of
// occurred_start written with layout. The ranks come in ascending order,
// hence in the order of their days, so equal keys come in runs and the
// groups come out sorted (a year has 4 digits: byte order is time order).
func (ix *itemIndex) countDates(src rankSource, p indexPlan, layout string) []incidentmap.Bucket {
	var out []incidentmap.Bucket
	lastDay := int32(0)
	for {
		r, more := src.next()
		if !more {
			return out
		}
		if !ix.matches(p, r) {
			continue
		}
		day := ix.starts[r]
		if len(out) == 0 || day != lastDay {
			lastDay = day
			key := time.Unix(int64(day)*86400, 0).UTC().Format(layout)
			if len(out) == 0 || out[len(out)-1].Key != key {
				out = append(out, incidentmap.Bucket{Key: key})
			}
		}
		out[len(out)-1].Count++
	}
}

// codeBuckets returns the groups of the values of indexed property prop
// from the counts of their codes: the non-empty ones, sorted by value.
func (ix *itemIndex) codeBuckets(prop int, counts []int) []incidentmap.Bucket {
	var out []incidentmap.Bucket
	for c, n := range counts {
		if n > 0 {
			out = append(out, incidentmap.Bucket{Key: ix.values[prop][c], Count: n})
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
