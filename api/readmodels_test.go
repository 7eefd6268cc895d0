package api

import (
	"context"
	"fmt"
	"math"
	"reflect"
	"sync/atomic"
	"testing"
	"time"

	"github.com/incidentmap/incidentmap"
	"github.com/incidentmap/incidentmap/geo/cluster"
	"github.com/paulmach/orb"
)

// TestDictColumn: every row reads back its own string, and a repeated
// string is held once while the column looks strings up.
func TestDictColumn(t *testing.T) {
	for _, c := range []struct {
		name     string
		rows     []string
		maxSeen  int
		distinct int // values held
	}{
		{"empty", nil, 8, 0},
		{"repeats shared", []string{"a", "b", "a", "", "b", "", "a"}, 8, 3},
		{"all unique", []string{"x", "y", "z"}, 8, 3},
		{"beyond the lookups, new strings unshared", []string{"a", "b", "c", "a", "c", "c", "b"}, 2, 5},
	} {
		t.Run(c.name, func(t *testing.T) {
			col := newDictColumn(0, c.maxSeen)
			for _, s := range c.rows {
				if err := col.add(s); err != nil {
					t.Fatal(err)
				}
			}
			col.done()
			for i, want := range c.rows {
				if got := col.get(i); got != want {
					t.Errorf("row %d: got %q, want %q", i, got, want)
				}
			}
			if got := len(col.values.ends); got != c.distinct {
				t.Errorf("%d values held, want %d", got, c.distinct)
			}
			if col.seen != nil {
				t.Error("the lookup map is kept after the build")
			}
		})
	}
}

// scanCounter counts the full scans of a store.
type scanCounter struct {
	*benchIndexStore
	scans atomic.Int32
}

func (s *scanCounter) ScanPoints(ctx context.Context, f incidentmap.Filter, fn func(incidentmap.PointRow) error) error {
	s.scans.Add(1)
	return s.benchIndexStore.ScanPoints(ctx, f, fn)
}

// TestPublishedReadModelsOneScan: the tile point set and the item index
// of a data version come from one scan of the store when both are due,
// and are the same as when each is built from a scan of its own.
func TestPublishedReadModelsOneScan(t *testing.T) {
	for _, itemIndex := range []bool{true, false} {
		t.Run(fmt.Sprint("item index ", itemIndex), func(t *testing.T) {
			st := &scanCounter{benchIndexStore: newBenchIndexStore(3000)}
			_, s, err := newEngine(st, Config{ItemIndex: itemIndex, WarmTiles: true})
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			v, _ := st.DataVersion(ctx)
			ps, _, err := s.tiles.Published(ctx, v.ETag())
			if err != nil {
				t.Fatal(err)
			}
			if got := st.scans.Load(); got != 1 {
				t.Errorf("%d scans of the store for the read models, want 1", got)
			}
			if itemIndex {
				ix := s.itemIx.get(v.ETag())
				if ix == nil {
					t.Fatal("the item index was not built with the tile set")
				}
				alone, err := buildItemIndex(ctx, st, v.ETag())
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(ix, alone) {
					t.Error("the item index built with the tile set differs from one built alone")
				}
				// The set holds no copies of what the index holds.
				if &ps.ids.data[0] != &ix.ids.data[0] || &ps.ids.ends[0] != &ix.ids.ends[0] || &ps.days[0] != &ix.starts[0] ||
					&ps.countries[0] != &ix.codes[countryProp][0] {
					t.Error("the tile set built with the item index holds its own ids, days or countries")
				}
			}
			alone, err := buildPointSet(ctx, st, incidentmap.Filter{}, v.ETag(), 0)
			if err != nil {
				t.Fatal(err)
			}
			if ps.ix.Len() != alone.ix.Len() || ps.version != alone.version {
				t.Fatalf("the tile set built with the item index holds %d incidents of %q, alone %d of %q", ps.ix.Len(), ps.version, alone.ix.Len(), alone.version)
			}
			// The rows may come in another order (that of the item
			// index): what the set says of each incident and of each
			// cluster must be the same.
			if got, want := pointSetRows(t, ps), pointSetRows(t, alone); !reflect.DeepEqual(got, want) {
				t.Error("the tile set built with the item index says other things of its incidents than one built alone")
			}
			for _, level := range []int{0, 4, 9, 12, 15} {
				if got, want := pointSetClusters(ps, level), pointSetClusters(alone, level); !reflect.DeepEqual(got, want) {
					t.Errorf("level %d: the tile set built with the item index has other clusters than one built alone", level)
				}
			}
		})
	}
}

// pointSetRow is what a point set says of one incident.
type pointSetRow struct {
	lon, lat   float64
	kind       uint8
	title      string
	day        int32
	country    string
	fatalities int32
}

// pointSetRows returns what ps says of each of its incidents, by id.
func pointSetRows(t *testing.T, ps *pointSet) map[string]pointSetRow {
	t.Helper()
	out := map[string]pointSetRow{}
	for i := range ps.ix.Len() {
		p, n := ps.ix.Point(i)
		id := ps.ids.get(n)
		if _, dup := out[id]; dup {
			t.Fatalf("incident %s twice in the set", id)
		}
		out[id] = pointSetRow{lon: p.Lon, lat: p.Lat, kind: p.Kind, title: ps.titles.get(n), day: ps.days[n],
			country: ps.countryNames[ps.countries[n]], fatalities: ps.fatalities[n]}
	}
	return out
}

// pointSetClusters returns the clusters of ps at level, by id, with their
// mean positions rounded to 1e-9° (the sums may add the points of a
// square in another order).
func pointSetClusters(ps *pointSet, level int) map[uint64]cluster.Cluster {
	out := map[uint64]cluster.Cluster{}
	ps.ix.Within(level, orb.Bound{Min: orb.Point{-180, -90}, Max: orb.Point{180, 90}}, func(c cluster.Cluster) bool {
		c.Lon, c.Lat = math.Round(c.Lon*1e9)/1e9, math.Round(c.Lat*1e9)/1e9
		c.First = 0 // a position in the set's order
		out[c.ID] = c
		return true
	})
	return out
}
