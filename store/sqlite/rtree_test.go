package sqlite

import (
	"context"
	"fmt"
	"math"
	"testing"

	"github.com/incidentmap/incidentmap"
	"github.com/incidentmap/incidentmap/store/storetest"
)

// TestPackRTree checks the R*Tree that a bulk load packs: rtreecheck()
// finds it sound, it holds the boxes that inserting row by row would
// (same 32-bit rounding), box searches find the same rows, and later
// writes through the triggers keep it sound.
func TestPackRTree(t *testing.T) {
	ctx := context.Background()
	for _, n := range []int{1, 51, 52, 2700, 6000} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			s := openFile(t)
			defer s.Close()
			incs := storetest.Synthetic(n, 3)
			incs[0].Location[0] = -0.1 // negative and exact values round too
			if n > 1 {
				incs[1].Location[0], incs[1].Location[1] = 180, -90
			}
			res, err := s.UpsertIncidents(ctx, storetest.Items(incs...), incidentmap.ImportOptions{})
			if err != nil || !res.Bulk {
				t.Fatalf("bulk load: %+v, %v", res, err)
			}
			wantRTreeOK(t, s)
			// The same boxes, inserted one by one into another R*Tree.
			for _, q := range []string{
				`CREATE VIRTUAL TABLE temp.byrow USING rtree (rid, min_lon, max_lon, min_lat, max_lat)`,
				`INSERT INTO temp.byrow (rid, min_lon, max_lon, min_lat, max_lat) SELECT rid, lon, lon, lat, lat FROM incidents`,
			} {
				if _, err := s.db.ExecContext(ctx, q); err != nil {
					t.Fatal(err)
				}
			}
			var differ, packed int
			const cmp = `SELECT count(*), (SELECT count(*) FROM incidents_rtree) FROM temp.byrow b
				LEFT JOIN incidents_rtree p ON p.rid = b.rid
				WHERE p.rid IS NULL OR p.min_lon <> b.min_lon OR p.max_lon <> b.max_lon OR p.min_lat <> b.min_lat OR p.max_lat <> b.max_lat`
			if err := s.db.QueryRowContext(ctx, cmp).Scan(&differ, &packed); err != nil {
				t.Fatal(err)
			}
			if differ != 0 || packed != n {
				t.Errorf("packed R*Tree: %d boxes, %d differ from those inserted row by row; want %d, 0", packed, differ, n)
			}
			for _, box := range [][4]float64{{40, 45, 30, 35}, {-180, 180, -90, 90}, {44.3, 44.5, 33.2, 33.4}, {-1, 0, -90, 90}} {
				const count = `SELECT (SELECT count(*) FROM incidents_rtree WHERE max_lon >= ?1 AND min_lon <= ?2 AND max_lat >= ?3 AND min_lat <= ?4),
					(SELECT count(*) FROM temp.byrow WHERE max_lon >= ?1 AND min_lon <= ?2 AND max_lat >= ?3 AND min_lat <= ?4)`
				var got, want int
				if err := s.db.QueryRowContext(ctx, count, box[0], box[1], box[2], box[3]).Scan(&got, &want); err != nil {
					t.Fatal(err)
				}
				if got != want {
					t.Errorf("box %v: %d in the packed R*Tree, %d in the other", box, got, want)
				}
			}
			// Later writes go through the triggers into the packed tree.
			if err := s.DeleteIncident(ctx, incs[0].ID); err != nil {
				t.Fatal(err)
			}
			more := storetest.Synthetic(n+60, 4)[n:]
			for i, inc := range more {
				inc.ID = fmt.Sprintf("more-%d", i)
				inc.ExternalIDs = nil
			}
			if err := s.ImportIncidents(ctx, more); err != nil {
				t.Fatal(err)
			}
			wantRTreeOK(t, s)
		})
	}
}

func wantRTreeOK(t *testing.T, s *Store) {
	t.Helper()
	var check string
	if err := s.db.QueryRowContext(context.Background(), `SELECT rtreecheck('incidents_rtree')`).Scan(&check); err != nil {
		t.Fatal(err)
	}
	if check != "ok" {
		t.Errorf("rtreecheck: %s", check)
	}
}

func TestRTreeRounding(t *testing.T) {
	for _, d := range []float64{0, 1, -1, 0.1, -0.1, 44.361234, -179.99999999, 180, -90, 33.3, 1e-30} {
		lo, hi := rtreeDown(d), rtreeUp(d)
		if float64(lo) > d || float64(hi) < d || float64(hi)-float64(lo) > math.Abs(d)*1e-6+1e-38 {
			t.Errorf("%v: rounded to [%v, %v]", d, lo, hi)
		}
	}
}
