package api

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/incidentmap/incidentmap"
	"github.com/incidentmap/incidentmap/store/storetest"
)

// BenchmarkAggregateIndex measures an aggregate counted by the item index
// (itemIndex.countBy) over indexes of each of storetest.BenchSizes
// clustered incidents: all of them (the rollups), the 1° box of the load
// test (about 12% of them), one event type and a quarter of a year, each
// grouped by day, month and country. groups/op and matched/op are the
// size of the answer.
func BenchmarkAggregateIndex(b *testing.B) {
	pub := incidentmap.InStrings("status", string(incidentmap.StatusPublished))
	quarter := &incidentmap.Interval{Start: time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2023, 3, 31, 23, 59, 59, 0, time.UTC)}
	for _, n := range storetest.BenchSizes(b) {
		s := newBenchIndexStore(n)
		ix, err := buildItemIndex(context.Background(), s, "bench")
		if err != nil {
			b.Fatal(err)
		}
		box := benchBox(s)
		s = nil // the incidents themselves are not needed
		for _, c := range []struct {
			name string
			f    incidentmap.Filter
		}{
			{"all", incidentmap.Filter{Where: pub}},
			{"bbox", incidentmap.Filter{Where: pub, BBox: &box}},
			{"event_type", incidentmap.Filter{Where: incidentmap.AllOf(pub, incidentmap.InStrings("event_type", "Battles"))}},
			{"datetime", incidentmap.Filter{Where: pub, Interval: quarter}},
		} {
			p, ok := ix.plan(c.f)
			if !ok {
				b.Fatalf("%s: the index does not answer it", c.name)
			}
			for _, by := range []string{incidentmap.GroupDay, incidentmap.GroupMonth, "country"} {
				b.Run(fmt.Sprintf("n=%d/%s/%s", n, c.name, by), func(b *testing.B) {
					var buckets []incidentmap.Bucket
					for b.Loop() {
						buckets, _ = ix.countBy(p, by)
					}
					matched := 0
					for _, k := range buckets {
						matched += k.Count
					}
					b.ReportMetric(float64(len(buckets)), "groups/op")
					b.ReportMetric(float64(matched), "matched/op")
				})
			}
		}
	}
}
