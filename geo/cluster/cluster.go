// Package cluster groups points into clusters per map zoom, with true
// counts: every point is in exactly one cluster at every level, so the
// counts of the clusters that cover an area add up to the points in it.
//
// The clustering is a quadtree on Web Mercator: a cluster at level l is
// the set of points in one of the 4^l squares of the world at that level
// (at zoom z, a map tile split into 2^k × 2^k cells is level z+k). Points
// are sorted once by their Morton code, so the points of any square at
// any level are one contiguous run of the sorted order: counts, members
// and the level at which a cluster splits are binary searches, and the
// aggregates of the coarse levels (count, mean position, bounding box,
// counts per kind) are computed once at build time. Deeper levels are
// aggregated on the fly from their run, which is short there.
//
// Unlike distance-based clustering (supercluster), a cluster never
// borrows points across its square's edges: two clusters on either side
// of an edge can sit close together. In exchange the hierarchy is exact
// and a cluster's id is its square, meaningful under any filter of the
// same points.
//
// It is pure computation on orb; nothing here reads a database.
package cluster

import (
	"errors"
	"fmt"
	"math"
	"math/bits"
	"slices"
	"sort"

	"github.com/paulmach/orb"
)

// MaxLevel is the deepest level: squares of 2^-MaxLevel of the world's
// width (about 0.6 m at the equator). Points are located to this
// precision for clustering; their coordinates are kept exact.
const MaxLevel = 26

// MaxKinds is the most kinds (categories counted per cluster) an index
// takes.
const MaxKinds = 64

// maxLat is the latitude where Web Mercator's square world ends.
const maxLat = 85.0511287798066

// Point is one point to cluster: where it is and its kind, an index into
// the caller's list of categories (0 ≤ Kind < Options.Kinds).
type Point struct {
	Lon, Lat float64
	Kind     uint8
}

// Options configure Build.
type Options struct {
	// Kinds is the number of categories; 0 means 1.
	Kinds int
	// StoredLevels is the deepest level whose clusters are aggregated at
	// build time; deeper ones are aggregated when asked for. 0 means 12.
	StoredLevels int
}

// Index is the clustering of a set of points at every level. It is
// immutable and safe for concurrent use.
type Index struct {
	kinds int
	codes []uint64 // Morton codes at MaxLevel, ascending
	order []int32  // order[i]: the caller's index of the i-th point in code order
	// The points in code order, their coordinates and kinds apart: a
	// Point is 24 bytes with its padding, these 17.
	coords []orb.Point
	kindOf []uint8
	store  [][]node  // store[l]: the non-empty squares at level l, by code
	cnts   [][]int32 // cnts[l][i*kinds+k]: the points of kind k in store[l][i]
}

// node is the stored aggregate of one non-empty square.
type node struct {
	code       uint64 // the square's code at its level
	start, end int32  // its run of points
	lon, lat   float64
	bound      orb.Bound
}

// Cluster is the points of one square at one level.
type Cluster struct {
	// ID names the square and its level; see ParseID.
	ID uint64
	// Level is the quadtree level.
	Level int
	// Count is how many points are in the square.
	Count int
	// Lon and Lat are the mean position of the points.
	Lon, Lat float64
	// Bound is the bounding box of the points.
	Bound orb.Bound
	// Kinds[k] counts the points of kind k.
	Kinds []int
	// First is the position of the square's first point in the index's
	// order: with Count 1, Point(First) is the point itself.
	First int
}

// ErrNotFound is the error of an id that names no square with points.
var ErrNotFound = errors.New("cluster: no such cluster")

// Build clusters points. The index keeps its own copy of them.
func Build(points []Point, opt Options) (*Index, error) {
	if opt.Kinds == 0 {
		opt.Kinds = 1
	}
	if opt.Kinds < 0 || opt.Kinds > MaxKinds {
		return nil, fmt.Errorf("cluster: kinds must be 1..%d, got %d", MaxKinds, opt.Kinds)
	}
	if opt.StoredLevels == 0 {
		opt.StoredLevels = 12
	}
	if opt.StoredLevels < 0 || opt.StoredLevels > MaxLevel {
		return nil, fmt.Errorf("cluster: stored levels must be 0..%d, got %d", MaxLevel, opt.StoredLevels)
	}
	if len(points) > math.MaxInt32 {
		return nil, fmt.Errorf("cluster: too many points (%d)", len(points))
	}
	type keyed struct {
		code uint64
		i    int32
	}
	ks := make([]keyed, len(points))
	for i, p := range points {
		if int(p.Kind) >= opt.Kinds {
			return nil, fmt.Errorf("cluster: point %d: kind %d out of 0..%d", i, p.Kind, opt.Kinds-1)
		}
		if math.IsNaN(p.Lon) || math.IsNaN(p.Lat) {
			return nil, fmt.Errorf("cluster: point %d: coordinate is NaN", i)
		}
		ks[i] = keyed{Code(p.Lon, p.Lat), int32(i)}
	}
	slices.SortFunc(ks, func(a, b keyed) int {
		if a.code != b.code {
			if a.code < b.code {
				return -1
			}
			return 1
		}
		return int(a.i - b.i)
	})
	ix := &Index{
		kinds:  opt.Kinds,
		codes:  make([]uint64, len(ks)),
		order:  make([]int32, len(ks)),
		coords: make([]orb.Point, len(ks)),
		kindOf: make([]uint8, len(ks)),
		store:  make([][]node, opt.StoredLevels+1),
		cnts:   make([][]int32, opt.StoredLevels+1),
	}
	for i, k := range ks {
		p := points[k.i]
		ix.codes[i], ix.order[i], ix.coords[i], ix.kindOf[i] = k.code, k.i, orb.Point{p.Lon, p.Lat}, p.Kind
	}
	ix.buildStored(opt.StoredLevels)
	return ix, nil
}

// buildStored aggregates the squares of level deepest in one pass over the
// points, then each coarser level from the one below it.
func (ix *Index) buildStored(deepest int) {
	shift := uint(2 * (MaxLevel - deepest))
	var nodes []node
	var cnts []int32
	for i := 0; i < len(ix.codes); {
		code := ix.codes[i] >> shift
		j := i
		n := node{code: code, start: int32(i), bound: orb.Bound{Min: orb.Point{math.Inf(1), math.Inf(1)}, Max: orb.Point{math.Inf(-1), math.Inf(-1)}}}
		base := len(cnts)
		cnts = append(cnts, make([]int32, ix.kinds)...)
		for ; j < len(ix.codes) && ix.codes[j]>>shift == code; j++ {
			p := ix.coords[j]
			n.lon += p[0]
			n.lat += p[1]
			n.bound = n.bound.Extend(p)
			cnts[base+int(ix.kindOf[j])]++
		}
		n.end = int32(j)
		n.lon /= float64(j - i)
		n.lat /= float64(j - i)
		nodes = append(nodes, n)
		i = j
	}
	ix.store[deepest], ix.cnts[deepest] = nodes, cnts
	for l := deepest - 1; l >= 0; l-- {
		below, bcnts := ix.store[l+1], ix.cnts[l+1]
		var up []node
		var ucnts []int32
		for i := 0; i < len(below); {
			code := below[i].code >> 2
			n := node{code: code, start: below[i].start, bound: below[i].bound}
			base := len(ucnts)
			ucnts = append(ucnts, make([]int32, ix.kinds)...)
			j := i
			for ; j < len(below) && below[j].code>>2 == code; j++ {
				c := float64(below[j].end - below[j].start)
				n.lon += below[j].lon * c
				n.lat += below[j].lat * c
				n.bound = n.bound.Union(below[j].bound)
				for k := 0; k < ix.kinds; k++ {
					ucnts[base+k] += bcnts[j*ix.kinds+k]
				}
			}
			n.end = below[j-1].end
			c := float64(n.end - n.start)
			n.lon /= c
			n.lat /= c
			up = append(up, n)
			i = j
		}
		ix.store[l], ix.cnts[l] = up, ucnts
	}
}

// Len returns the number of points.
func (ix *Index) Len() int { return len(ix.codes) }

// Kinds returns the number of kinds.
func (ix *Index) Kinds() int { return ix.kinds }

// Point returns the point at position i of the index's order and the
// caller's index of it (its position in the slice given to Build).
func (ix *Index) Point(i int) (Point, int) {
	return Point{Lon: ix.coords[i][0], Lat: ix.coords[i][1], Kind: ix.kindOf[i]}, int(ix.order[i])
}

// Code returns the Morton code of the square at MaxLevel that holds the
// point: x (west to east) and y (north to south) of Web Mercator,
// interleaved with x in the lower bit. Latitudes beyond ±85.0511° count as
// the world's edge, and longitudes wrap into [-180, 180).
func Code(lon, lat float64) uint64 {
	x, y := cellXY(lon, lat, MaxLevel)
	return interleave(x) | interleave(y)<<1
}

// cellXY returns the column and row of the square at level that holds
// the point.
func cellXY(lon, lat float64, level int) (uint32, uint32) {
	fx, fy := mercator(lon, lat)
	n := float64(uint64(1) << level)
	x := uint64(fx * n)
	y := uint64(fy * n)
	maxXY := uint64(1)<<level - 1
	return uint32(min(x, maxXY)), uint32(min(y, maxXY))
}

// mercator returns the point as fractions of the Web Mercator square, x
// from the antimeridian eastwards and y from the north edge southwards,
// both in [0, 1].
func mercator(lon, lat float64) (float64, float64) {
	lon = math.Mod(lon+180, 360)
	if lon < 0 {
		lon += 360
	}
	lat = max(-maxLat, min(maxLat, lat))
	s := math.Sin(lat * math.Pi / 180)
	y := 0.5 - math.Log((1+s)/(1-s))/(4*math.Pi)
	return lon / 360, max(0, min(1, y))
}

// interleave spreads the lower 32 bits of v to the even bits.
func interleave(v uint32) uint64 {
	x := uint64(v)
	x = (x | x<<16) & 0x0000FFFF0000FFFF
	x = (x | x<<8) & 0x00FF00FF00FF00FF
	x = (x | x<<4) & 0x0F0F0F0F0F0F0F0F
	x = (x | x<<2) & 0x3333333333333333
	x = (x | x<<1) & 0x5555555555555555
	return x
}

// deinterleave gathers the even bits of v.
func deinterleave(v uint64) uint32 {
	x := v & 0x5555555555555555
	x = (x | x>>1) & 0x3333333333333333
	x = (x | x>>2) & 0x0F0F0F0F0F0F0F0F
	x = (x | x>>4) & 0x00FF00FF00FF00FF
	x = (x | x>>8) & 0x0000FFFF0000FFFF
	x = (x | x>>16) & 0x00000000FFFFFFFF
	return uint32(x)
}

// MakeID returns the id of the square at level whose code (its Morton
// code at that level, 2·level bits) is code: the level in the top 6 bits,
// the code below them.
func MakeID(level int, code uint64) uint64 { return uint64(level)<<58 | code }

// ParseID returns the level and the code of the square an id names; ok is
// false when the id cannot name one.
func ParseID(id uint64) (level int, code uint64, ok bool) {
	level = int(id >> 58)
	code = id & (1<<58 - 1)
	if level > MaxLevel || code>>(2*level) != 0 {
		return 0, 0, false
	}
	return level, code, true
}

// SquareBound returns the longitude/latitude box of the square at level
// with column x and row y.
func SquareBound(level int, x, y uint32) orb.Bound {
	n := float64(uint64(1) << level)
	return orb.Bound{
		Min: orb.Point{float64(x)/n*360 - 180, mercatorLat(float64(y+1) / n)},
		Max: orb.Point{float64(x+1)/n*360 - 180, mercatorLat(float64(y) / n)},
	}
}

// IDBound returns the box of the square an id names.
func IDBound(id uint64) (orb.Bound, error) {
	level, code, ok := ParseID(id)
	if !ok {
		return orb.Bound{}, ErrNotFound
	}
	return SquareBound(level, deinterleave(code), deinterleave(code>>1)), nil
}

// mercatorLat is the latitude at fraction y of the Web Mercator square
// from its north edge.
func mercatorLat(y float64) float64 {
	return math.Atan(math.Sinh(math.Pi*(1-2*y))) * 180 / math.Pi
}

// run returns the positions [lo, hi) of the points in the square at level
// with code.
func (ix *Index) run(level int, code uint64) (int, int) {
	shift := uint(2 * (MaxLevel - level))
	first := code << shift
	lo := sort.Search(len(ix.codes), func(i int) bool { return ix.codes[i] >= first })
	hi := lo + sort.Search(len(ix.codes)-lo, func(i int) bool { return ix.codes[lo+i]>>shift > code })
	return lo, hi
}

// Get returns the cluster an id names, or ErrNotFound when the id names
// no square or a square without points.
func (ix *Index) Get(id uint64) (Cluster, error) {
	level, code, ok := ParseID(id)
	if !ok {
		return Cluster{}, ErrNotFound
	}
	lo, hi := ix.run(level, code)
	if lo == hi {
		return Cluster{}, ErrNotFound
	}
	return ix.aggregate(level, code, lo, hi), nil
}

// aggregate returns the cluster of the run [lo, hi), the square at level
// with code: from the stored aggregates when the level has them.
func (ix *Index) aggregate(level int, code uint64, lo, hi int) Cluster {
	c := Cluster{ID: MakeID(level, code), Level: level, Count: hi - lo, First: lo, Kinds: make([]int, ix.kinds)}
	if level < len(ix.store) {
		nodes := ix.store[level]
		i := sort.Search(len(nodes), func(i int) bool { return nodes[i].code >= code })
		n := nodes[i]
		c.Lon, c.Lat, c.Bound = n.lon, n.lat, n.bound
		for k := range c.Kinds {
			c.Kinds[k] = int(ix.cnts[level][i*ix.kinds+k])
		}
		return c
	}
	west, south, east, north := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for i, p := range ix.coords[lo:hi] {
		c.Lon += p[0]
		c.Lat += p[1]
		west, east = min(west, p[0]), max(east, p[0])
		south, north = min(south, p[1]), max(north, p[1])
		c.Kinds[ix.kindOf[lo+i]]++
	}
	c.Bound = orb.Bound{Min: orb.Point{west, south}, Max: orb.Point{east, north}}
	c.Lon /= float64(hi - lo)
	c.Lat /= float64(hi - lo)
	return c
}

// Members returns the positions, in the index's order, of the points in
// the cluster an id names: at most limit of them from offset, and how
// many there are in all.
func (ix *Index) Members(id uint64, offset, limit int) (positions []int, total int, err error) {
	level, code, ok := ParseID(id)
	if !ok {
		return nil, 0, ErrNotFound
	}
	lo, hi := ix.run(level, code)
	if lo == hi {
		return nil, 0, ErrNotFound
	}
	for i := lo + max(offset, 0); i < hi && len(positions) < limit; i++ {
		positions = append(positions, i)
	}
	return positions, hi - lo, nil
}

// SplitLevel returns the first level deeper than the cluster's at which
// its points fall into more than one square, or -1 when they never do
// (they share a square at MaxLevel: the same place, to 0.6 m).
func (ix *Index) SplitLevel(id uint64) (int, error) {
	level, code, ok := ParseID(id)
	if !ok {
		return 0, ErrNotFound
	}
	lo, hi := ix.run(level, code)
	if lo == hi {
		return 0, ErrNotFound
	}
	diff := ix.codes[lo] ^ ix.codes[hi-1]
	if diff == 0 {
		return -1, nil
	}
	// The codes agree on their top levels; the first level that differs
	// is where the points split.
	common := (bits.LeadingZeros64(diff) - (64 - 2*MaxLevel)) / 2
	return common + 1, nil
}

// Within calls fn with each non-empty cluster at level whose square meets
// b, in code order, until fn returns false. b is a longitude/latitude
// box with Min west and south of Max (no antimeridian crossing). It
// visits only non-empty squares, so its cost follows the clusters found,
// not the area. Longitudes beyond ±180 count as the edges.
func (ix *Index) Within(level int, b orb.Bound, fn func(Cluster) bool) {
	if level < 0 || level > MaxLevel || len(ix.codes) == 0 {
		return
	}
	// The box in squares at level: columns x0..x1, rows y0..y1 (rows run
	// southwards).
	x0, y1 := cellXY(max(b.Min.Lon(), -180), b.Min.Lat(), level)
	x1, y0 := cellXY(b.Max.Lon(), b.Max.Lat(), level)
	if b.Max.Lon() >= 180 {
		x1 = uint32(uint64(1)<<level - 1)
	}
	ix.walk(0, 0, 0, len(ix.codes), level, [4]uint32{x0, y0, x1, y1}, fn)
}

// walk descends from the square at level l with code, whose points are
// the run [lo, hi), into the squares at target within box (x0, y0, x1,
// y1 at target). It returns false when fn asked to stop.
func (ix *Index) walk(l int, code uint64, lo, hi, target int, box [4]uint32, fn func(Cluster) bool) bool {
	// The square's extent at target, to prune.
	span := uint32(1) << (target - l)
	x, y := deinterleave(code)*span, deinterleave(code>>1)*span
	if x+span-1 < box[0] || x > box[2] || y+span-1 < box[1] || y > box[3] {
		return true
	}
	if l == target {
		return fn(ix.aggregate(l, code, lo, hi))
	}
	shift := uint(2 * (MaxLevel - l - 1))
	for q := uint64(0); q < 4 && lo < hi; q++ {
		child := code<<2 | q
		end := lo + sort.Search(hi-lo, func(i int) bool { return ix.codes[lo+i]>>shift > child })
		if end > lo && ix.codes[lo]>>shift == child {
			if !ix.walk(l+1, child, lo, end, target, box, fn) {
				return false
			}
		}
		lo = end
	}
	return true
}
