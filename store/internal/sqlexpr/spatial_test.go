package sqlexpr

import (
	"testing"

	"github.com/paulmach/orb"
)

func TestDWithinBounds(t *testing.T) {
	for _, c := range []struct {
		p      orb.Point
		meters float64
		n      int
	}{
		{orb.Point{69, 34}, 25000, 1},
		{orb.Point{179.95, 0}, 10000, 2},
		{orb.Point{-179.95, 0}, 10000, 2},
		{orb.Point{0, 89.95}, 12000, 1},
	} {
		bs := dwithinBounds(c.p, c.meters)
		if len(bs) != c.n {
			t.Errorf("%v %g: %v", c.p, c.meters, bs)
		}
		for _, b := range bs {
			if b.Min[0] < -180 || b.Max[0] > 180 || b.Min[1] < -90 || b.Max[1] > 90 {
				t.Errorf("%v %g: box %v out of range", c.p, c.meters, b)
			}
		}
	}
}
