package sqlite

import (
	"database/sql/driver"
	"errors"
	"math"
	"strings"
	"sync"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"
	"github.com/paulmach/orb/planar"
	msqlite "modernc.org/sqlite"

	"github.com/incidentmap/incidentmap"
)

// SQLite has no spatial SQL, so the store registers Go functions with the
// driver that the compiled filters call on the rows the R*Tree lets through:
//
//	im_spatial(op, lon, lat, wkb)         1 when the point relates to the geometry by op (s_intersects, ...)
//	im_dwithin(lon, lat, plon, plat, m)   1 when the point is within m geodesic metres (WGS 84) of (plon, plat)
//	im_lower(text)                        strings.ToLower, so CASEI folds as PostgreSQL's lower() does
//
// modernc.org/sqlite keeps registered functions in the driver, for every
// connection the process opens afterwards: registration is process-global
// and may happen once only, so Open does it under a sync.Once
// (registerFunctions). For the same reason the cache of decoded geometries
// (geomCache) is process-global; it holds only immutable values keyed by
// their own bytes, so stores that share it cannot see each other's data.
var (
	registerOnce sync.Once
	registerErr  error
)

// registerFunctions registers the im_* functions with the driver, once per
// process.
func registerFunctions() error {
	registerOnce.Do(func() {
		registerErr = errors.Join(
			msqlite.RegisterDeterministicScalarFunction("im_spatial", 4, imSpatial),
			msqlite.RegisterDeterministicScalarFunction("im_dwithin", 5, imDWithin),
			msqlite.RegisterDeterministicScalarFunction("im_lower", 1, imLower),
		)
	})
	return registerErr
}

// geomCache holds decoded WKB geometries keyed by their bytes, so that a
// query decodes its geometry once and not once per row. When full it is
// emptied: filters rarely use more than a few geometries at a time.
var geomCache = struct {
	sync.RWMutex
	m map[string]orb.Geometry
}{m: map[string]orb.Geometry{}}

const geomCacheMax = 256

func decodeGeometry(b []byte) (orb.Geometry, error) {
	geomCache.RLock()
	g, ok := geomCache.m[string(b)]
	geomCache.RUnlock()
	if ok {
		return g, nil
	}
	g, err := wkb.Unmarshal(b)
	if err != nil {
		return nil, err
	}
	geomCache.Lock()
	if len(geomCache.m) >= geomCacheMax {
		clear(geomCache.m)
	}
	geomCache.m[string(b)] = g
	geomCache.Unlock()
	return g, nil
}

var errFunctionArgs = errors.New("sqlite: bad arguments to an im_ function")

func imSpatial(_ *msqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
	op, ok1 := args[0].(string)
	lon, ok2 := toFloat(args[1])
	lat, ok3 := toFloat(args[2])
	b, ok4 := args[3].([]byte)
	if !ok1 || !ok2 || !ok3 || !ok4 {
		return nil, errFunctionArgs
	}
	g, err := decodeGeometry(b)
	if err != nil {
		return nil, err
	}
	return boolInt(relate(op, orb.Point{lon, lat}, g)), nil
}

func imDWithin(_ *msqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
	var v [5]float64
	for i := range v {
		f, ok := toFloat(args[i])
		if !ok {
			return nil, errFunctionArgs
		}
		v[i] = f
	}
	return boolInt(geodesicMeters(orb.Point{v[0], v[1]}, orb.Point{v[2], v[3]}) <= v[4]), nil
}

func imLower(_ *msqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
	switch s := args[0].(type) {
	case string:
		return strings.ToLower(s), nil
	case nil:
		return nil, nil
	}
	return nil, errFunctionArgs
}

func toFloat(v driver.Value) (float64, bool) {
	switch v := v.(type) {
	case float64:
		return v, true
	case int64:
		return float64(v), true
	}
	return 0, false
}

func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// relate reports whether the point p relates to g by the CQL2 spatial
// function op, with the DE-9IM meaning that PostGIS (GEOS) gives it, planar
// in longitude and latitude. A point's interior is itself and its boundary
// is empty, so: intersects when p is in g's interior or on its boundary;
// within when in the interior; touches when on the boundary only; contains
// and equals only when g is p (or points all equal to p); crosses and
// overlaps never (they need a part of p outside g and inside it at once, or
// geometries of one dimension with points not in the other).
func relate(op string, p orb.Point, g orb.Geometry) bool {
	in, on := locate(p, g)
	switch op {
	case incidentmap.SIntersects:
		return in || on
	case incidentmap.SDisjoint:
		return !in && !on
	case incidentmap.SWithin:
		return in
	case incidentmap.STouches:
		return on && !in
	case incidentmap.SContains, incidentmap.SEquals:
		return onlyPoint(p, g)
	}
	return false
}

// onlyPoint reports whether g is the point p, or points all equal to p.
func onlyPoint(p orb.Point, g orb.Geometry) bool {
	switch g := g.(type) {
	case orb.Point:
		return g == p
	case orb.MultiPoint:
		for _, q := range g {
			if q != p {
				return false
			}
		}
		return len(g) > 0
	}
	return false
}

// locate reports whether p lies in the interior of g and whether it lies on
// its boundary (the mod-2 rule for lines: an end point that ends an odd
// number of lines).
func locate(p orb.Point, g orb.Geometry) (in, on bool) {
	switch g := g.(type) {
	case orb.Point:
		return g == p, false
	case orb.MultiPoint:
		for _, q := range g {
			if q == p {
				return true, false
			}
		}
		return false, false
	case orb.LineString:
		return locate(p, orb.MultiLineString{g})
	case orb.MultiLineString:
		ends := 0
		onLine := false
		for _, ls := range g {
			if len(ls) == 0 {
				continue
			}
			if ls[0] != ls[len(ls)-1] {
				if ls[0] == p {
					ends++
				}
				if ls[len(ls)-1] == p {
					ends++
				}
			}
			if onPath(p, ls) {
				onLine = true
			}
		}
		if ends%2 == 1 {
			return false, true
		}
		return onLine, false
	case orb.Ring:
		return locate(p, orb.Polygon{g})
	case orb.Bound:
		return locate(p, g.ToPolygon())
	case orb.Polygon:
		for _, r := range g {
			if onPath(p, orb.LineString(r)) {
				return false, true
			}
		}
		return len(g) > 0 && planar.PolygonContains(g, p), false
	case orb.MultiPolygon:
		for _, poly := range g {
			pin, pon := locate(p, poly)
			if pin || pon {
				return pin, pon
			}
		}
		return false, false
	case orb.Collection:
		for _, m := range g {
			min, mon := locate(p, m)
			in, on = in || min, on || mon
		}
		return in, on && !in
	}
	return false, false
}

// onPath reports whether p lies on one of the segments of ls.
func onPath(p orb.Point, ls orb.LineString) bool {
	if len(ls) == 1 {
		return ls[0] == p
	}
	for i := 1; i < len(ls); i++ {
		a, b := ls[i-1], ls[i]
		if p[0] < math.Min(a[0], b[0]) || p[0] > math.Max(a[0], b[0]) ||
			p[1] < math.Min(a[1], b[1]) || p[1] > math.Max(a[1], b[1]) {
			continue
		}
		if (b[0]-a[0])*(p[1]-a[1])-(b[1]-a[1])*(p[0]-a[0]) == 0 {
			return true
		}
	}
	return false
}

// WGS 84, as PostGIS's geography type uses it.
const (
	wgs84A = 6378137.0
	wgs84F = 1 / 298.257223563
	wgs84B = wgs84A * (1 - wgs84F)
	// meanRadius is PostGIS's sphere, (2a+b)/3, for the rare pair of
	// nearly antipodal points where Vincenty's iteration does not converge.
	meanRadius = (2*wgs84A + wgs84B) / 3
)

// geodesicMeters returns the distance between two points along the WGS 84
// ellipsoid by Vincenty's inverse formula, which agrees with PostGIS's
// ST_Distance(geography, geography, true) (Karney's algorithm) to well under
// a millimetre at the distances filters use.
func geodesicMeters(p, q orb.Point) float64 {
	const rad = math.Pi / 180
	L := math.Remainder((q[0]-p[0])*rad, 2*math.Pi)
	U1 := math.Atan((1 - wgs84F) * math.Tan(p[1]*rad))
	U2 := math.Atan((1 - wgs84F) * math.Tan(q[1]*rad))
	sinU1, cosU1 := math.Sincos(U1)
	sinU2, cosU2 := math.Sincos(U2)
	lambda := L
	var sinSigma, cosSigma, sigma, cos2Alpha, cos2SigmaM float64
	converged := false
	for range 200 {
		sinLambda, cosLambda := math.Sincos(lambda)
		sinSigma = math.Hypot(cosU2*sinLambda, cosU1*sinU2-sinU1*cosU2*cosLambda)
		if sinSigma == 0 {
			return 0 // the same point
		}
		cosSigma = sinU1*sinU2 + cosU1*cosU2*cosLambda
		sigma = math.Atan2(sinSigma, cosSigma)
		sinAlpha := cosU1 * cosU2 * sinLambda / sinSigma
		cos2Alpha = 1 - sinAlpha*sinAlpha
		cos2SigmaM = 0
		if cos2Alpha != 0 {
			cos2SigmaM = cosSigma - 2*sinU1*sinU2/cos2Alpha
		}
		C := wgs84F / 16 * cos2Alpha * (4 + wgs84F*(4-3*cos2Alpha))
		prev := lambda
		lambda = L + (1-C)*wgs84F*sinAlpha*(sigma+C*sinSigma*(cos2SigmaM+C*cosSigma*(-1+2*cos2SigmaM*cos2SigmaM)))
		if math.Abs(lambda-prev) < 1e-12 {
			converged = true
			break
		}
	}
	if !converged {
		return sphereMeters(p, q)
	}
	u2 := cos2Alpha * (wgs84A*wgs84A - wgs84B*wgs84B) / (wgs84B * wgs84B)
	A := 1 + u2/16384*(4096+u2*(-768+u2*(320-175*u2)))
	B := u2 / 1024 * (256 + u2*(-128+u2*(74-47*u2)))
	deltaSigma := B * sinSigma * (cos2SigmaM + B/4*(cosSigma*(-1+2*cos2SigmaM*cos2SigmaM)-
		B/6*cos2SigmaM*(-3+4*sinSigma*sinSigma)*(-3+4*cos2SigmaM*cos2SigmaM)))
	return wgs84B * A * (sigma - deltaSigma)
}

// sphereMeters is the haversine distance on PostGIS's mean sphere.
func sphereMeters(p, q orb.Point) float64 {
	const rad = math.Pi / 180
	dLat, dLon := (q[1]-p[1])*rad, (q[0]-p[0])*rad
	h := math.Pow(math.Sin(dLat/2), 2) + math.Cos(p[1]*rad)*math.Cos(q[1]*rad)*math.Pow(math.Sin(dLon/2), 2)
	return 2 * meanRadius * math.Asin(math.Min(1, math.Sqrt(h)))
}
