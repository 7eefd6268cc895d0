package api

import (
	"fmt"
	"net/url"
	"testing"

	"github.com/incidentmap/incidentmap"
	"github.com/incidentmap/incidentmap/store/storetest"
)

// BenchmarkItemIndexOr measures ORs across properties from the item index
// over indexes of each of storetest.BenchSizes clustered incidents (with
// the text of likeBenchIndex): the first page (plan and itemIndex.page)
// in the default order, newest first and most fatalities first; the count
// of numberMatched (itemIndex.count, unbounded); and an aggregate by year
// (itemIndex.countBy). incidents/op is the size of the answer.
func BenchmarkItemIndexOr(b *testing.B) {
	cases := []struct {
		name, filter string
		sortby       []incidentmap.SortKey
		limit        int
	}{
		{"IRQ or Riots/l100", "country = 'IRQ' OR event_type = 'Riots'", nil, 100},
		{"IRQ or Riots/l1000", "country = 'IRQ' OR event_type = 'Riots'", nil, 1000},
		{"IRQ or Riots newest first/l100", "country = 'IRQ' OR event_type = 'Riots'", []incidentmap.SortKey{{Property: "occurred_start", Desc: true}}, 100},
		{"IRQ or Riots most fatal first/l100", "country = 'IRQ' OR event_type = 'Riots'", []incidentmap.SortKey{{Property: "fatalities", Desc: true}}, 100},
		{"AFG and fatal or consulate/l100", "(country = 'AFG' AND fatalities > 5) OR CASEI(facility) LIKE '%consulate%'", nil, 100},
		{"box or Protests/l100", "S_INTERSECTS(location, BBOX(44, 33, 45, 34)) OR event_type = 'Protests'", nil, 100},
		{"Riots or fatalities > 8/l100", "event_type = 'Riots' OR fatalities > 8", nil, 100}, // a count alone: every rank
		{"not (IRQ or Riots)/l100", "NOT (country = 'IRQ' OR event_type = 'Riots')", nil, 100},
	}
	for _, n := range storetest.BenchSizes(b) {
		ix, _ := likeBenchIndex(b, n)
		for _, c := range cases {
			iq, err := parseItemsQuery(url.Values{"filter": {c.filter}})
			if err != nil {
				b.Fatal(err)
			}
			f := incidentmap.Filter{Where: incidentmap.AllOf(publishedOnly().Where, iq.filter.Where), Limit: c.limit, SortBy: c.sortby}
			p, ok := ix.plan(f)
			if !ok {
				b.Fatalf("%s: the index does not answer it", c.name)
			}
			b.Run(fmt.Sprintf("n=%d/page %s", n, c.name), func(b *testing.B) { benchPlanPage(b, ix, f) })
			if c.sortby != nil || c.limit != 100 {
				continue
			}
			b.Run(fmt.Sprintf("n=%d/count %s", n, c.name), func(b *testing.B) {
				var got int
				for b.Loop() {
					got = ix.count(p, ix.n+1)
				}
				b.ReportMetric(float64(got), "incidents/op")
			})
			b.Run(fmt.Sprintf("n=%d/year %s", n, c.name), func(b *testing.B) {
				var got int
				for b.Loop() {
					buckets, _ := ix.countBy(p, incidentmap.GroupYear)
					got = 0
					for _, k := range buckets {
						got += k.Count
					}
				}
				b.ReportMetric(float64(got), "incidents/op")
			})
		}
	}
}

// benchPlanPage measures the plan of f and its first page
// (itemIndex.page), as a request asks for them.
func benchPlanPage(b *testing.B, ix *itemIndex, f incidentmap.Filter) {
	var got int
	for b.Loop() {
		p, ok := ix.plan(f)
		if !ok {
			b.Fatal("the index does not answer the case")
		}
		ranks, _, _ := ix.page(p, nil, f.PageLimit())
		got = len(ranks)
	}
	b.ReportMetric(float64(got), "incidents/op")
}
