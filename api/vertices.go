package api

import (
	"reflect"

	"github.com/paulmach/orb"

	"github.com/incidentmap/incidentmap"
)

// MaxVertices is the most vertices a geometry written in a filter may
// have: a point is tested against every edge, so a 4,000-vertex polygon
// over a million incidents cost 43 s in SQLite. The boundaries of regions
// (REGION() and the region parameter) are the server's own and exempt.
const MaxVertices = 400

// geometryKey identifies one geometry value by its type and backing array,
// so that the boundaries handed out for REGION() are recognised in the
// parsed filter.
type geometryKey struct {
	typ string
	ptr uintptr
	n   int
}

func keyOf(g orb.Geometry) geometryKey {
	v := reflect.ValueOf(g)
	k := geometryKey{typ: v.Type().String()}
	if v.Kind() == reflect.Slice {
		k.ptr, k.n = v.Pointer(), v.Len()
	}
	return k
}

// checkVertices returns EINVALID naming "filter" when a geometry of e,
// other than those in exempt, has more than MaxVertices vertices.
func checkVertices(e incidentmap.Expr, exempt map[geometryKey]bool) error {
	switch e := e.(type) {
	case incidentmap.And:
		for _, a := range e.Args {
			if err := checkVertices(a, exempt); err != nil {
				return err
			}
		}
	case incidentmap.Or:
		for _, a := range e.Args {
			if err := checkVertices(a, exempt); err != nil {
				return err
			}
		}
	case incidentmap.Not:
		return checkVertices(e.Arg, exempt)
	case incidentmap.Spatial:
		if e.Geometry == nil || exempt[keyOf(e.Geometry)] {
			return nil
		}
		if n := vertices(e.Geometry); n > MaxVertices {
			return incidentmap.Invalidf("filter", "a geometry has %d vertices; at most %d are allowed (simplify it, or use REGION('code') for a country or province)", n, MaxVertices)
		}
	}
	return nil
}

// vertices counts the points of g.
func vertices(g orb.Geometry) int {
	switch g := g.(type) {
	case orb.Point:
		return 1
	case orb.MultiPoint:
		return len(g)
	case orb.LineString:
		return len(g)
	case orb.Ring:
		return len(g)
	case orb.Bound:
		return 4
	case orb.MultiLineString:
		return sumLens(g)
	case orb.Polygon:
		return sumLens(g)
	case orb.MultiPolygon:
		n := 0
		for _, p := range g {
			n += vertices(p)
		}
		return n
	case orb.Collection:
		n := 0
		for _, c := range g {
			n += vertices(c)
		}
		return n
	}
	return 0
}

// sumLens counts the points of a list of lines or rings.
func sumLens[L ~[]orb.Point](ls []L) int {
	n := 0
	for _, l := range ls {
		n += len(l)
	}
	return n
}
