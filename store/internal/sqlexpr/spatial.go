package sqlexpr

import (
	"math"

	"github.com/paulmach/orb"
)

// WGS 84.
const (
	wgs84A = 6378137.0
	wgs84F = 1 / 298.257223563
)

// dwithinBounds returns boxes that hold every point within meters of p on
// the WGS 84 ellipsoid, for an index prefilter: one box, two when the
// circle crosses the antimeridian, or the whole world's longitudes when it
// reaches a pole. They are generous (the smallest radius of curvature of
// the ellipsoid, plus 1%), never tight: the exact test follows.
func dwithinBounds(p orb.Point, meters float64) []orb.Bound {
	const minRadius = wgs84A * (1 - wgs84F) * (1 - wgs84F) // the meridian's radius of curvature at the equator
	const deg = 180 / math.Pi
	delta := meters * 1.01 / minRadius // an angle
	south, north := p[1]-delta*deg, p[1]+delta*deg
	if delta >= math.Pi/2 || south <= -90 || north >= 90 {
		return []orb.Bound{{Min: orb.Point{-180, math.Max(south, -90)}, Max: orb.Point{180, math.Min(north, 90)}}}
	}
	// The widest point of a cap of angular radius delta around latitude
	// phi is at asin(sin delta / cos phi) of longitude.
	s := math.Sin(delta) / math.Cos(p[1]/deg)
	if s >= 1 {
		return []orb.Bound{{Min: orb.Point{-180, south}, Max: orb.Point{180, north}}}
	}
	dlon := math.Asin(s) * deg
	west, east := p[0]-dlon, p[0]+dlon
	switch {
	case west < -180:
		return []orb.Bound{{Min: orb.Point{west + 360, south}, Max: orb.Point{180, north}}, {Min: orb.Point{-180, south}, Max: orb.Point{east, north}}}
	case east > 180:
		return []orb.Bound{{Min: orb.Point{west, south}, Max: orb.Point{180, north}}, {Min: orb.Point{-180, south}, Max: orb.Point{east - 360, north}}}
	}
	return []orb.Bound{{Min: orb.Point{west, south}, Max: orb.Point{east, north}}}
}
