package region

import (
	"math"
	"sort"

	"github.com/paulmach/orb"
)

// snapMeters is how far from the nearest province a point outside every
// country and province may be and still be located in it: coastal places
// that simplification (or Natural Earth's own coastline) leaves just
// offshore.
const snapMeters = 5000

// cellsPerDegree is the resolution of the grid that indexes polygon bounds.
const cellsPerDegree = 1

const (
	gridCols = 360 * cellsPerDegree
	gridRows = 180 * cellsPerDegree
)

// wholePerDegree is the resolution of the grid of whole cells (grid.whole),
// finer than the grid, within the cells of the grid: 2 MB for each level.
const (
	wholePerDegree = 4
	wholeCols      = 360 * wholePerDegree
	wholeRows      = 180 * wholePerDegree
)

// Index answers point-in-region queries over a fixed set of regions. It is
// immutable once built and safe for concurrent use.
type Index struct {
	regions []*Region // by level, then code
	byCode  map[string]*Region
	levels  [2]grid // LevelCountry, LevelProvince
}

// grid is a uniform longitude/latitude grid over the polygons of one level:
// the polygons whose bounds touch cell c are polys[items[start[c]:start[c+1]]],
// in region order.
type grid struct {
	polys []entry
	start []int32
	items []int32
	// whole[w], for a cell w of the finer grid of whole cells that no edge of any
	// polygon comes near, is what locate answers for every point of it:
	// the index of its polygon plus one, or -1 for none; 0 for a cell
	// that edges cross, whose points are tested one by one. Most points
	// of an import lie inside a province, away from its borders: they
	// cost a lookup. Empty when there are too many polygons to number.
	whole []int16
}

// entry is one polygon of a region, its edges bucketed into latitude bands
// so that a point is tested only against the edges of its band: edge k
// runs from pts[k] to pts[k+1], and the edges that overlap band b in
// latitude are edges[start[b]:start[b+1]].
type entry struct {
	region  *Region
	bound   orb.Bound
	pts     []orb.Point // the rings one after another, each closed
	bandInv float64     // bands per degree of latitude
	start   []int32
	edges   []int32
}

// edgesPerBand is the average number of edges per latitude band.
const edgesPerBand = 4

// newEntry flattens poly and buckets its edges.
func newEntry(r *Region, poly orb.Polygon) entry {
	e := entry{region: r, bound: poly.Bound()}
	n := 0
	for _, ring := range poly {
		n += len(ring) + 1
	}
	e.pts = make([]orb.Point, 0, n)
	ks := make([]int32, 0, n)
	for ri, ring := range poly {
		if len(ring) < 2 {
			continue
		}
		o := len(e.pts)
		e.pts = append(e.pts, ring...)
		if ring[0] != ring[len(ring)-1] {
			e.pts = append(e.pts, ring[0])
		} else {
			// Share the storage: the ring's old array becomes garbage.
			poly[ri] = e.pts[o:len(e.pts):len(e.pts)]
		}
		for k := o; k < len(e.pts)-1; k++ {
			ks = append(ks, int32(k))
		}
	}
	nb := min(max(len(ks)/edgesPerBand, 1), 1<<16)
	if h := e.bound.Max[1] - e.bound.Min[1]; h > 0 {
		e.bandInv = float64(nb) / h
	} else {
		nb = 1
	}
	e.start = make([]int32, nb+1)
	each := func(k int32, f func(b int)) {
		a, c := e.pts[k], e.pts[k+1]
		b0, b1 := e.band(min(a[1], c[1]), nb), e.band(max(a[1], c[1]), nb)
		for b := b0; b <= b1; b++ {
			f(b)
		}
	}
	for _, k := range ks {
		each(k, func(b int) { e.start[b+1]++ })
	}
	for b := 1; b <= nb; b++ {
		e.start[b] += e.start[b-1]
	}
	e.edges = make([]int32, e.start[nb])
	next := append([]int32(nil), e.start[:nb]...)
	for _, k := range ks {
		each(k, func(b int) {
			e.edges[next[b]] = k
			next[b]++
		})
	}
	return e
}

// band returns the latitude band of lat, clamped to [0, nb).
func (e *entry) band(lat float64, nb int) int {
	return min(max(int((lat-e.bound.Min[1])*e.bandInv), 0), nb-1)
}

// contains reports whether p lies inside the polygon by the even–odd rule
// over all its rings, so points in holes are outside. Edges are half-open
// in latitude and the ray runs east, so of two polygons sharing an edge
// exactly one contains a point on it.
func (e *entry) contains(p orb.Point) bool {
	if !e.bound.Contains(p) {
		return false
	}
	b := e.band(p[1], len(e.start)-1)
	in := false
	x, y := p[0], p[1]
	for _, k := range e.edges[e.start[b]:e.start[b+1]] {
		a, c := e.pts[k], e.pts[k+1]
		if (a[1] > y) != (c[1] > y) && x < (c[0]-a[0])*(y-a[1])/(c[1]-a[1])+a[0] {
			in = !in
		}
	}
	return in
}

// NewIndex indexes regions. Regions of a level other than LevelCountry and
// LevelProvince are kept for Get and All but never located. Where two
// regions share a code, Get returns the first after sorting by level and
// code (a stable sort). NewIndex does not copy the regions; it re-slices
// the closed rings of their geometry onto the index's own storage (the
// coordinates are unchanged), and they must not be modified afterwards.
func NewIndex(regions []*Region) *Index {
	ix := &Index{
		regions: append([]*Region(nil), regions...),
		byCode:  make(map[string]*Region, len(regions)),
	}
	sort.SliceStable(ix.regions, func(i, j int) bool {
		a, b := ix.regions[i], ix.regions[j]
		if a.Level != b.Level {
			return a.Level < b.Level
		}
		return a.Code < b.Code
	})
	for _, r := range ix.regions {
		if _, ok := ix.byCode[r.Code]; !ok {
			ix.byCode[r.Code] = r
		}
	}
	for level := range ix.levels {
		ix.levels[level] = buildGrid(ix.regions, level)
	}
	return ix
}

// buildGrid indexes the polygons of regions at level.
func buildGrid(regions []*Region, level int) grid {
	var g grid
	for _, r := range regions {
		if r.Level != level {
			continue
		}
		for _, poly := range r.Geometry {
			if len(poly) == 0 || len(poly[0]) < 4 {
				continue
			}
			g.polys = append(g.polys, newEntry(r, poly))
		}
	}
	counts := make([]int32, gridCols*gridRows+1)
	each := func(b orb.Bound, f func(cell int)) {
		c0, r0 := cellOf(b.Min)
		c1, r1 := cellOf(b.Max)
		for row := r0; row <= r1; row++ {
			for col := c0; col <= c1; col++ {
				f(row*gridCols + col)
			}
		}
	}
	for _, e := range g.polys {
		each(e.bound, func(c int) { counts[c+1]++ })
	}
	for c := 1; c < len(counts); c++ {
		counts[c] += counts[c-1]
	}
	g.start = counts
	g.items = make([]int32, counts[len(counts)-1])
	next := append([]int32(nil), counts[:len(counts)-1]...)
	for i, e := range g.polys {
		each(e.bound, func(c int) {
			g.items[next[c]] = int32(i)
			next[c]++
		})
	}
	g.whole = g.wholeCells()
	return g
}

// wholeCells returns grid.whole. A cell is whole when no edge's bound,
// widened by a margin, touches it: then each polygon holds all of the
// closed cell or none of it, and its centre answers for every point.
func (g *grid) wholeCells() []int16 {
	if len(g.polys) >= math.MaxInt16 {
		return nil
	}
	const margin = 1e-7 // degrees; against rounding at cell borders
	crossed := make([]bool, wholeCols*wholeRows)
	for i := range g.polys {
		e := &g.polys[i]
		for _, k := range e.edges {
			a, b := e.pts[k], e.pts[k+1]
			c0, r0 := wholeCellOf(orb.Point{min(a[0], b[0]) - margin, min(a[1], b[1]) - margin})
			c1, r1 := wholeCellOf(orb.Point{max(a[0], b[0]) + margin, max(a[1], b[1]) + margin})
			for row := r0; row <= r1; row++ {
				for col := c0; col <= c1; col++ {
					crossed[row*wholeCols+col] = true
				}
			}
		}
	}
	whole := make([]int16, wholeCols*wholeRows)
	for w := range whole {
		if crossed[w] {
			continue
		}
		col, row := w%wholeCols, w/wholeCols
		if col > 0 && !crossed[w-1] { // no edge between them: the same polygons hold both
			whole[w] = whole[w-1]
			continue
		}
		centre := orb.Point{(float64(col)+0.5)/wholePerDegree - 180, (float64(row)+0.5)/wholePerDegree - 90}
		gc, gr := cellOf(centre)
		if whole[w] = int16(g.scan(centre, gr*gridCols+gc) + 1); whole[w] == 0 {
			whole[w] = -1
		}
	}
	return whole
}

// wholeCellOf returns the column and row of p in the grid of whole cells,
// clamped to it.
func wholeCellOf(p orb.Point) (col, row int) {
	col = int(math.Floor((p[0] + 180) * wholePerDegree))
	row = int(math.Floor((p[1] + 90) * wholePerDegree))
	return min(max(col, 0), wholeCols-1), min(max(row, 0), wholeRows-1)
}

// cellOf returns the grid column and row of p, clamped to the grid.
func cellOf(p orb.Point) (col, row int) {
	col = int(math.Floor((p[0] + 180) * cellsPerDegree))
	row = int(math.Floor((p[1] + 90) * cellsPerDegree))
	return min(max(col, 0), gridCols-1), min(max(row, 0), gridRows-1)
}

// Locate returns the country and the province that contain p (longitude,
// latitude in degrees; longitudes outside [-180, 180] are wrapped). Either
// is nil where there is none: at sea, in a hole, or in a sliver between
// simplified boundaries. Country and province are looked up independently,
// so along a border they may disagree (the province's Country says which
// country it belongs to), except on the coast: a point outside every
// country and province but within 5 km of a province is put in the nearest
// one, and a point outside every country but in a province gets the
// province's country. A point exactly on a boundary shared by two regions
// goes to one of them, always the same.
func (ix *Index) Locate(p orb.Point) (country, admin1 *Region) {
	lon, lat := p[0], p[1]
	if math.IsNaN(lon) || math.IsNaN(lat) || math.IsInf(lon, 0) || lat < -90 || lat > 90 {
		return nil, nil
	}
	if lon < -180 || lon > 180 {
		lon = math.Mod(lon+180, 360)
		if lon < 0 {
			lon += 360
		}
		lon -= 180
	}
	p = orb.Point{lon, lat}
	country = ix.levels[LevelCountry].locate(p)
	admin1 = ix.levels[LevelProvince].locate(p)
	if country == nil && admin1 == nil {
		admin1 = ix.levels[LevelProvince].nearest(p, snapMeters)
	}
	if country == nil && admin1 != nil {
		// The province boundaries have the more detailed coastline;
		// trust them on the coast.
		country = ix.byCode[admin1.Country]
	}
	return country, admin1
}

// nearest returns the region of the polygon nearest to p within maxMeters,
// or nil. Distances are measured on an equirectangular projection around p,
// good enough at a few kilometres.
func (g *grid) nearest(p orb.Point, maxMeters float64) *Region {
	if len(g.start) == 0 {
		return nil
	}
	const metersPerDegree = 111_195 // on the mean Earth radius
	kx := math.Cos(p[1] * math.Pi / 180)
	dLat := maxMeters / metersPerDegree
	dLon := dLat / max(kx, 0.01)
	box := orb.Bound{Min: orb.Point{p[0] - dLon, p[1] - dLat}, Max: orb.Point{p[0] + dLon, p[1] + dLat}}
	best, bestD2 := -1, dLat*dLat
	c0, r0 := cellOf(box.Min)
	c1, r1 := cellOf(box.Max)
	for row := r0; row <= r1; row++ {
		for col := c0; col <= c1; col++ {
			c := row*gridCols + col
			for _, i := range g.items[g.start[c]:g.start[c+1]] {
				e := &g.polys[i]
				if !e.bound.Intersects(box) || int(i) == best {
					continue
				}
				nb := len(e.start) - 1
				b0, b1 := e.band(box.Min[1], nb), e.band(box.Max[1], nb)
				for _, k := range e.edges[e.start[b0]:e.start[b1+1]] {
					if d2 := segmentDist2(p, e.pts[k], e.pts[k+1], kx); d2 < bestD2 || d2 == bestD2 && best >= 0 && int(i) < best {
						best, bestD2 = int(i), d2
					}
				}
			}
		}
	}
	if best < 0 {
		return nil
	}
	return g.polys[best].region
}

// segmentDist2 returns the squared distance in degrees of latitude from p to
// the segment ab, with longitudes scaled by kx.
func segmentDist2(p, a, b orb.Point, kx float64) float64 {
	ax, ay := (a[0]-p[0])*kx, a[1]-p[1]
	bx, by := (b[0]-p[0])*kx, b[1]-p[1]
	dx, dy := bx-ax, by-ay
	t := 0.0
	if l2 := dx*dx + dy*dy; l2 > 0 {
		t = min(max(-(ax*dx+ay*dy)/l2, 0), 1)
	}
	x, y := ax+t*dx, ay+t*dy
	return x*x + y*y
}

// locate returns the region of the first polygon, in region order, that
// contains p.
func (g *grid) locate(p orb.Point) *Region {
	if len(g.start) == 0 {
		return nil
	}
	if len(g.whole) > 0 {
		col, row := wholeCellOf(p)
		switch w := g.whole[row*wholeCols+col]; {
		case w > 0:
			return g.polys[w-1].region
		case w < 0:
			return nil
		}
	}
	col, row := cellOf(p)
	if i := g.scan(p, row*gridCols+col); i >= 0 {
		return g.polys[i].region
	}
	return nil
}

// scan returns the index of the first polygon of cell c, in region order,
// that contains p, or -1.
func (g *grid) scan(p orb.Point, c int) int {
	for _, i := range g.items[g.start[c]:g.start[c+1]] {
		if g.polys[i].contains(p) {
			return int(i)
		}
	}
	return -1
}

// Get returns the region with code, an ISO 3166-1 alpha-3 country code
// ("AFG") or an ISO 3166-2 province code ("AF-HER"), in upper case.
func (ix *Index) Get(code string) (*Region, bool) {
	r, ok := ix.byCode[code]
	return r, ok
}

// All returns the regions of level, of the given country (alpha-3) or of
// every country when country is "", ordered by code. The slice is new; the
// regions are shared and must not be modified.
func (ix *Index) All(level int, country string) []*Region {
	var out []*Region
	for _, r := range ix.regions {
		if r.Level == level && (country == "" || r.Country == country) {
			out = append(out, r)
		}
	}
	return out
}
