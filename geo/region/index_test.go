package region

import (
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"
)

// A whole cell answers for its points what testing them one by one
// answers: at random points, at the corners and borders of cells (and a
// hair off them), and at the vertices of the polygons.
func TestWholeCells(t *testing.T) {
	ix := load(t)
	rng := rand.New(rand.NewPCG(3, 4))
	var pts []orb.Point
	for range 200_000 {
		pts = append(pts, orb.Point{-180 + 360*rng.Float64(), -90 + 180*rng.Float64()})
	}
	for range 20_000 {
		lon, lat := float64(rng.IntN(361)-180), float64(rng.IntN(181)-90)
		for _, d := range []float64{0, 1e-12, -1e-12, 1e-9, -1e-9} {
			pts = append(pts, orb.Point{lon + d, lat}, orb.Point{lon, lat + d}, orb.Point{lon + d, lat + rng.Float64()},
				orb.Point{lon + rng.Float64(), lat + d})
		}
	}
	for level, g := range ix.levels {
		for i := range g.polys {
			for _, p := range g.polys[i].pts[:min(len(g.polys[i].pts), 50)] {
				pts = append(pts, p, orb.Point{p[0] + 1e-9, p[1]}, orb.Point{p[0], p[1] - 1e-9})
			}
		}
		whole := 0
		for _, p := range pts {
			if p[0] < -180 || p[0] > 180 || p[1] < -90 || p[1] > 90 {
				continue
			}
			wc, wr := wholeCellOf(p)
			w := g.whole[wr*wholeCols+wc]
			if w != 0 {
				whole++
			}
			col, row := cellOf(p)
			got, want := g.locate(p), (*Region)(nil)
			if i := g.scan(p, row*gridCols+col); i >= 0 {
				want = g.polys[i].region
			}
			if got != want {
				t.Fatalf("level %d, %v: whole cell %d says %v, its polygons %v", level, p, w, name(got), name(want))
			}
		}
		if whole < len(pts)/4 { // else the test tests little
			t.Errorf("level %d: only %d of %d points in whole cells", level, whole, len(pts))
		}
	}
}

func name(r *Region) string {
	if r == nil {
		return "none"
	}
	return r.Code
}
