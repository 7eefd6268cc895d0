package api

import (
	"context"
	"fmt"
	"testing"

	"github.com/incidentmap/incidentmap"
	"github.com/incidentmap/incidentmap/store/storetest"
)

// BenchmarkItemIndexPrevPage measures which incidents are on a page
// before a cursor halfway through the order (a prev link's page,
// itemIndex.pageBefore), over indexes of each of storetest.BenchSizes
// clustered incidents: the sorted orders of BenchmarkItemIndexSortedPage,
// already sorted, and the default and newest orders with a box. Like a
// next page, its cost should not grow with the size.
func BenchmarkItemIndexPrevPage(b *testing.B) {
	for _, n := range storetest.BenchSizes(b) {
		s := newBenchIndexStore(n)
		ix, err := buildItemIndex(context.Background(), s, "bench")
		if err != nil {
			b.Fatal(err)
		}
		box := benchBox(s)
		pub := publishedOnly().Where
		type benchCase struct {
			name string
			f    incidentmap.Filter
		}
		var cases []benchCase
		for _, c := range sortedBenchCases(ix, box) {
			cases = append(cases, benchCase{c.name, c.f})
		}
		newest := []incidentmap.SortKey{{Property: "occurred_start", Desc: true}}
		cases = append(cases,
			benchCase{"default/bbox/l100", incidentmap.Filter{Where: pub, BBox: &box, Limit: 100}},
			benchCase{"default/event_type/l100", incidentmap.Filter{Where: incidentmap.AllOf(pub, incidentmap.InStrings("event_type", "Battles")), Limit: 100}},
			benchCase{"-occurred_start/bbox/l100", incidentmap.Filter{Where: pub, BBox: &box, SortBy: newest, Limit: 100}},
			benchCase{"-occurred_start/l100", incidentmap.Filter{Where: pub, SortBy: newest, Limit: 100}})
		for _, c := range cases {
			b.Run(fmt.Sprintf("n=%d/%s", n, c.name), func(b *testing.B) {
				p, ok := ix.plan(c.f)
				if !ok {
					b.Fatal("the index does not answer the case")
				}
				// The cursor: the incident halfway through the order.
				mid := int32(ix.n / 2)
				if p.order != nil {
					mid = ix.sortedRanks(p.order)(ix.n / 2)
				}
				f := c.f
				f.Before = ix.cursorOf(p, mid)
				if p, ok = ix.plan(f); !ok {
					b.Fatal("the index does not answer the page before the cursor")
				}
				if _, _, ok := ix.page(p, f.Before, f.PageLimit()); !ok {
					b.Fatal("the page was left to the store")
				}
				var got int
				for b.Loop() {
					ranks, _, _ := ix.page(p, f.Before, f.PageLimit())
					got = len(ranks)
				}
				b.ReportMetric(float64(got), "incidents/op")
			})
		}
	}
}
