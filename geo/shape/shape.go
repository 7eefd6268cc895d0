// Package shape owns the small pieces of polygon computation that turn
// boundaries into gazetteer entries: a representative point that lies
// inside an area, its bounding box and area, and the decoding of TopoJSON
// (quantized, delta-encoded arcs with a transform) into polygons. It is
// pure computation on orb.
package shape

import (
	"math"
	"slices"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geo"
	"github.com/paulmach/orb/planar"
)

// Largest returns the polygon of mp with the largest planar area (in
// square degrees), or nil for an empty multipolygon.
func Largest(mp orb.MultiPolygon) orb.Polygon {
	var best orb.Polygon
	bestArea := -1.0
	for _, p := range mp {
		if len(p) == 0 {
			continue
		}
		if a := math.Abs(planar.Area(p)); a > bestArea {
			best, bestArea = p, a
		}
	}
	return best
}

// RepresentativePoint returns a point that stands for mp on a map: the
// area centroid of its largest polygon when that centroid lies inside the
// polygon, and otherwise the middle of the widest stretch of the polygon's
// interior along the centroid's parallel (so that a crescent such as
// Norway or Croatia still gets a point on land). ok is false for an empty
// multipolygon.
func RepresentativePoint(mp orb.MultiPolygon) (pt orb.Point, ok bool) {
	poly := Largest(mp)
	if poly == nil || len(poly[0]) < 3 {
		return orb.Point{}, false
	}
	c, _ := planar.CentroidArea(poly)
	if planar.PolygonContains(poly, c) {
		return c, true
	}
	if p, ok := widestAlong(poly, c[1]); ok {
		return p, true
	}
	// A degenerate polygon: fall back to the first vertex.
	return poly[0][0], true
}

// widestAlong returns the middle of the widest interior segment of poly on
// the parallel lat (even-odd rule over every ring).
func widestAlong(poly orb.Polygon, lat float64) (orb.Point, bool) {
	var xs []float64
	for _, ring := range poly {
		for i := 0; i+1 < len(ring); i++ {
			a, b := ring[i], ring[i+1]
			if (a[1] > lat) == (b[1] > lat) {
				continue
			}
			t := (lat - a[1]) / (b[1] - a[1])
			xs = append(xs, a[0]+t*(b[0]-a[0]))
		}
	}
	slices.Sort(xs)
	best, width := orb.Point{}, 0.0
	for i := 0; i+1 < len(xs); i += 2 {
		if w := xs[i+1] - xs[i]; w > width {
			best, width = orb.Point{(xs[i] + xs[i+1]) / 2, lat}, w
		}
	}
	return best, width > 0
}

// BoundOf returns the bounding box of every polygon of mp.
func BoundOf(mp orb.MultiPolygon) orb.Bound { return mp.Bound() }

// AreaKm2 returns the geodesic area of mp in square kilometres.
func AreaKm2(mp orb.MultiPolygon) float64 {
	var m2 float64
	for _, p := range mp {
		m2 += math.Abs(geo.Area(p))
	}
	return m2 / 1e6
}
