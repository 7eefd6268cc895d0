package api

import (
	"context"
	"fmt"
	"reflect"
	"sync/atomic"
	"testing"
	"time"

	"github.com/incidentmap/incidentmap"
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
			}
			alone, err := buildPointSet(ctx, st, incidentmap.Filter{}, v.ETag(), 0)
			if err != nil {
				t.Fatal(err)
			}
			if itemIndex && ps.items == nil {
				t.Error("the tile set built with the item index does not hold it")
			}
			bare := *ps
			bare.items = nil // what the one scan adds; compared above
			if !reflect.DeepEqual(&bare, alone) {
				t.Error("the tile set built with the item index differs from one built alone")
			}
		})
	}
}
