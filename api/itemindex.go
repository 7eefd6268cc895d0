package api

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"math/bits"
	"slices"
	"time"

	"github.com/incidentmap/incidentmap"
	"github.com/paulmach/orb"
)

// The grids of the item index: a box's candidates come from the cells it
// covers, in the fine grid unless that would take more than maxBoxCells
// cells, then in the coarse one (which has fewer cells than that in all).
const (
	fineCellDeg   = 0.25
	coarseCellDeg = 4.0
	maxBoxCells   = 4096
)

// indexedProps are the properties whose equality, IN, LIKE and their
// negations the item index answers (itemlike.go): each is held as a
// small code per incident with, per value, the ranks that have it. They are every text queryable but the free text of
// title and summary, so that a filter on a rare value (a perpetrator, a
// facility) walks its few matches instead of the store scanning the
// table for them.
var indexedProps = [...]string{"event_type", "sub_event_type", "country", "target_type", "target_country", "admin1_code",
	"date_precision", "location_precision", "place_name", "admin1_name", "facility", "perpetrator"}

// indexedValue returns the value of indexed property i of p.
func indexedValue(p *incidentmap.PointRow, i int) string {
	switch i {
	case 0:
		return p.EventType
	case 1:
		return p.SubEventType
	case 2:
		return p.Country
	case 3:
		return p.TargetType
	case 4:
		return p.TargetCountry
	case 5:
		return p.Admin1Code
	case 6:
		return p.DatePrecision
	case 7:
		return p.LocationPrecision
	case 8:
		return p.PlaceName
	case 9:
		return p.Admin1Name
	case 10:
		return p.Facility
	}
	return p.Perpetrator
}

// maxCodes is how many values of one property the index codes (uint16).
// A property with more (place names of a large data set, say) is left
// out of the index, its filters to the store; only event_type and
// country, which the tile sets read from the index, make a build fail.
const maxCodes = math.MaxUint16 + 1

// itemIndex is the read model of item pages: the published incidents of
// one data version in the default order (occurred_start, then id, byte
// by byte as both stores compare them), each known by its rank in that
// order, with what the filters it answers are tested against. It answers
// which incidents are on a page (itemIndex.page) by walking, from the
// cursor's rank, the candidates of the most selective part of the filter
// — a box's grid cells, a time window's range of ranks, a property's
// values — and testing the rest on each candidate: O(log N) to find the
// start, then linear in the candidates walked. The rows themselves come
// from the store or a cache of encoded features (itemsindex.go). It is
// immutable once built; columns hold no pointers, so that a million
// incidents cost the garbage collector nothing to scan.
type itemIndex struct {
	version string // the DataVersion.ETag() it was read at
	n       int
	ids     textColumn
	// By rank: the days (since 1970-01-01) of occurred_start and
	// occurred_end, the point, and the state of the row (version and
	// updated_at in Unix nanoseconds) that a cached feature must match.
	starts, ends []int32
	lons, lats   []float64
	versions     []int32
	updated      []int64
	// fatalities by rank, noFatalities where unknown (the published tile
	// set shares the column); fatalitiesExact is false when a value did
	// not fit an int32 or was negative, and then the index does not
	// answer comparisons of fatalities.
	fatalities      []int32
	fatalitiesExact bool
	// injuries by rank in the same code (sortby=injuries reads them).
	injuries      []int32
	injuriesExact bool
	// maxSpan is the longest incident, occurred_end - occurred_start in days.
	maxSpan int32

	// Per indexed property: the code of each rank, the value of each
	// code, the code of each value, and the ranks of each code, ascending;
	// all nil when the property had more than maxCodes values (uncoded).
	uncoded  [len(indexedProps)]bool
	codes    [len(indexedProps)][]uint16
	values   [len(indexedProps)][]string
	lookup   [len(indexedProps)]map[string]uint16
	postings [len(indexedProps)][][]int32
	// textRanks orders each property's values as the stores sort them.
	textRanks [len(indexedProps)]textRanks

	// The ranks in each cell of the two grids, ascending.
	fine, coarse map[uint32][]int32

	// likes remembers the codes of the LIKE patterns matched against the
	// dictionaries (itemlike.go).
	likes *likeCache

	// orders holds the ranks in the other sort orders, each sorted on
	// first use (itemorder.go): the one part of the index that is built
	// after it.
	orders *orderCache

	// rollups are the aggregates of all the incidents, per group key
	// (itemcount.go).
	rollups map[string][]incidentmap.Bucket
}

// dayOf returns the days since 1970-01-01 of a UTC day.
func dayOf(t time.Time) int32 { return int32(math.Floor(float64(t.Unix()) / 86400)) }

// buildItemIndex reads the published incidents of store at version into
// an index.
func buildItemIndex(ctx context.Context, store incidentmap.Store, version string) (*itemIndex, error) {
	return newItemIndex(version, func(fn func(incidentmap.PointRow) error) error { return store.ScanPoints(ctx, publishedOnly(), fn) })
}

// publishedOnly is the filter of the published incidents, those the read
// models hold and the collection's extent covers.
func publishedOnly() incidentmap.Filter {
	return incidentmap.Filter{Where: incidentmap.InStrings("status", incidentmap.StatusPublished)}
}

// The positions in indexedProps of the properties the tile point set
// shares with the item index when both are built from one scan.
var (
	eventTypeProp     = slices.Index(indexedProps[:], "event_type")
	countryProp       = slices.Index(indexedProps[:], "country")
	targetCountryProp = slices.Index(indexedProps[:], "target_country")
)

// newItemIndex builds the index of the rows scan yields, which must be
// those of the published incidents at version.
func newItemIndex(version string, scan func(func(incidentmap.PointRow) error) error) (*itemIndex, error) {
	ix, _, err := newItemIndexRows(version, scan)
	return ix, err
}

// newItemIndexRows is newItemIndex that also returns the order of the
// ranks: perm[r] is the position in scan's order of the incident of rank
// r.
func newItemIndexRows(version string, scan func(func(incidentmap.PointRow) error) error) (*itemIndex, []int32, error) {
	// Read the rows as they come, then order them.
	var (
		codes                  [len(indexedProps)][]uint16
		uncoded                [len(indexedProps)]bool
		lookup                 [len(indexedProps)]map[string]uint16
		values                 [len(indexedProps)][]string
		starts, ends, versions []int32
		fatalities, injuries   []int32
		fatalitiesExact        = true
		injuriesExact          = true
		lons, lats             []float64
		updated                []int64
		ids                    textColumn
		maxSpan                int32
	)
	for i := range lookup {
		lookup[i] = map[string]uint16{}
	}
	err := scan(func(p incidentmap.PointRow) error {
		if len(starts) == math.MaxInt32 {
			return errors.New("api: item index: too many incidents")
		}
		if err := ids.add(p.ID); err != nil {
			return err
		}
		s, e := dayOf(p.OccurredStart), dayOf(p.OccurredEnd)
		starts, ends = append(starts, s), append(ends, e)
		maxSpan = max(maxSpan, e-s)
		lons, lats = append(lons, p.Lon), append(lats, p.Lat)
		versions = append(versions, int32(min(p.Version, math.MaxInt32)))
		updated = append(updated, p.UpdatedAt.UnixNano())
		fat, exact := fatalityCode(p.Fatalities)
		fatalitiesExact = fatalitiesExact && exact
		fatalities = append(fatalities, fat)
		inj, exact := fatalityCode(p.Injuries)
		injuriesExact = injuriesExact && exact
		injuries = append(injuries, inj)
		for i := range indexedProps {
			if uncoded[i] {
				continue
			}
			v := indexedValue(&p, i)
			c, ok := lookup[i][v]
			if !ok {
				if len(values[i]) == maxCodes {
					if i == eventTypeProp || i == countryProp {
						return fmt.Errorf("api: item index: more than %d values of %s", maxCodes, indexedProps[i])
					}
					uncoded[i], codes[i], lookup[i], values[i] = true, nil, nil, nil
					continue
				}
				c = uint16(len(values[i]))
				lookup[i][v] = c
				values[i] = append(values[i], v)
			}
			codes[i] = append(codes[i], c)
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	n := len(starts)
	perm := make([]int32, n)
	for i := range perm {
		perm[i] = int32(i)
	}
	slices.SortFunc(perm, func(a, b int32) int {
		if c := cmp.Compare(starts[a], starts[b]); c != 0 {
			return c
		}
		return bytes.Compare(ids.bytes(int(a)), ids.bytes(int(b)))
	})

	// Put each column in rank order in turn, letting the unordered one
	// go before the next, so that the build holds little more than the
	// index itself.
	ix := &itemIndex{version: version, n: n, maxSpan: maxSpan, fatalitiesExact: fatalitiesExact, injuriesExact: injuriesExact,
		orders: newOrderCache(), likes: &likeCache{}}
	ix.fatalities, fatalities = permuted(fatalities, perm), nil
	ix.injuries, injuries = permuted(injuries, perm), nil
	ix.starts, starts = permuted(starts, perm), nil
	ix.ends, ends = permuted(ends, perm), nil
	ix.lons, lons = permuted(lons, perm), nil
	ix.lats, lats = permuted(lats, perm), nil
	ix.versions, versions = permuted(versions, perm), nil
	ix.updated, updated = permuted(updated, perm), nil
	ix.ids.data, ix.ids.ends = make([]byte, 0, len(ids.data)), make([]uint32, 0, n)
	for _, old := range perm {
		ix.ids.data = append(ix.ids.data, ids.bytes(int(old))...)
		ix.ids.ends = append(ix.ids.ends, uint32(len(ix.ids.data)))
	}
	ids = textColumn{}
	for i := range indexedProps {
		if ix.uncoded[i] = uncoded[i]; uncoded[i] {
			continue
		}
		ix.codes[i], codes[i] = permuted(codes[i], perm), nil
		ix.values[i], ix.lookup[i] = values[i], lookup[i]
		ix.textRanks[i] = newTextRanks(values[i])
		ix.postings[i] = make([][]int32, len(values[i]))
		for r, c := range ix.codes[i] {
			ix.postings[i][c] = append(ix.postings[i][c], int32(r))
		}
	}
	ix.fine, ix.coarse = map[uint32][]int32{}, map[uint32][]int32{}
	for r := range n {
		fk, ck := cellOf(ix.lons[r], ix.lats[r], fineCellDeg), cellOf(ix.lons[r], ix.lats[r], coarseCellDeg)
		ix.fine[fk] = append(ix.fine[fk], int32(r))
		ix.coarse[ck] = append(ix.coarse[ck], int32(r))
	}
	ix.rollups = ix.buildRollups()
	return ix, perm, nil
}

// permuted returns col in the order of perm: its element perm[i] at i.
func permuted[T any](col []T, perm []int32) []T {
	out := make([]T, len(perm))
	for i, old := range perm {
		out[i] = col[old]
	}
	return out
}

// bytes returns string i of the column without copying it.
func (c *textColumn) bytes(i int) []byte {
	start := uint32(0)
	if i > 0 {
		start = c.ends[i-1]
	}
	return c.data[start:c.ends[i]]
}

// gridSize returns the columns and rows of the grid of cells of deg degrees.
func gridSize(deg float64) (cols, rows int) {
	return int(math.Ceil(360 / deg)), int(math.Ceil(180 / deg))
}

// cellIndex returns the cell of v along an axis that starts at lo and has
// n cells of deg degrees, clamped to the grid.
func cellIndex(v, lo, deg float64, n int) int {
	return min(max(int(math.Floor((v-lo)/deg)), 0), n-1)
}

// cellOf returns the key of the cell of deg degrees that holds lon, lat.
func cellOf(lon, lat, deg float64) uint32 {
	cols, rows := gridSize(deg)
	return uint32(cellIndex(lat, -90, deg, rows)*cols + cellIndex(lon, -180, deg, cols))
}

// rankAt returns the rank of the first incident at or after the position
// day, id in the default order.
func (ix *itemIndex) rankAt(day int32, id string) int { return ix.rankPast(day, id, 0) }

// rankAfter returns the rank of the first incident after the position
// day, id in the default order.
func (ix *itemIndex) rankAfter(day int32, id string) int { return ix.rankPast(day, id, 1) }

// rankPast returns the first rank of day whose id compares to id (as
// bytes.Compare) at least atLeast, or of a later day.
func (ix *itemIndex) rankPast(day int32, id string, atLeast int) int {
	key := []byte(id)
	return sortSearch(ix.n, func(r int) bool {
		if ix.starts[r] != day {
			return ix.starts[r] > day
		}
		return bytes.Compare(ix.ids.bytes(r), key) >= atLeast
	})
}

// sortSearch is sort.Search: the least i in [0, n) for which f is true,
// or n.
func sortSearch(n int, f func(int) bool) int {
	lo, hi := 0, n
	for lo < hi {
		h := int(uint(lo+hi) >> 1)
		if !f(h) {
			lo = h + 1
		} else {
			hi = h
		}
	}
	return lo
}

// indexPred is one condition of a filter the index answers, tested on a
// rank.
type indexPred interface {
	test(ix *itemIndex, r int32) bool
	// candidates returns the ranks that may pass, ascending, from rank
	// from on, and what walking them costs: how many there are from the
	// start (an upper bound of the matches) times the cost of yielding
	// one, relative to a rank of a range (see mergeCost).
	candidates(ix *itemIndex, from int) (rankSource, int)
}

// boxPred holds when the point lies in one of the boxes, edges included.
type boxPred struct{ boxes []orb.Bound }

func (p boxPred) test(ix *itemIndex, r int32) bool {
	lon, lat := ix.lons[r], ix.lats[r]
	for _, b := range p.boxes {
		if lon >= b.Min[0] && lon <= b.Max[0] && lat >= b.Min[1] && lat <= b.Max[1] {
			return true
		}
	}
	return false
}

func (p boxPred) candidates(ix *itemIndex, from int) (rankSource, int) {
	deg, cells := fineCellDeg, ix.fine
	if p.cellCount(fineCellDeg) > maxBoxCells {
		deg, cells = coarseCellDeg, ix.coarse
	}
	cols, rows := gridSize(deg)
	seen := map[uint32]bool{}
	var lists [][]int32
	total := 0
	for _, b := range p.boxes {
		for y := cellIndex(b.Min[1], -90, deg, rows); y <= cellIndex(b.Max[1], -90, deg, rows); y++ {
			for x := cellIndex(b.Min[0], -180, deg, cols); x <= cellIndex(b.Max[0], -180, deg, cols); x++ {
				k := uint32(y*cols + x)
				if l := cells[k]; len(l) > 0 && !seen[k] {
					seen[k] = true
					lists = append(lists, l)
					total += len(l)
				}
			}
		}
	}
	return newMergeSource(lists, from), mergeCost(len(lists), total)
}

// cellCount returns how many cells of deg degrees the boxes cover.
func (p boxPred) cellCount(deg float64) int {
	cols, rows := gridSize(deg)
	n := 0
	for _, b := range p.boxes {
		w := cellIndex(b.Max[0], -180, deg, cols) - cellIndex(b.Min[0], -180, deg, cols) + 1
		h := cellIndex(b.Max[1], -90, deg, rows) - cellIndex(b.Min[1], -90, deg, rows) + 1
		n += max(w, 0) * max(h, 0)
	}
	return n
}

// daysPred holds when the incident's days meet the days first..last (as
// incidentmap.Interval.Days gives them; open ends are unbounded).
type daysPred struct {
	first, last       int32
	hasFirst, hasLast bool
}

func (p daysPred) test(ix *itemIndex, r int32) bool {
	return (!p.hasLast || ix.starts[r] <= p.last) && (!p.hasFirst || ix.ends[r] >= p.first)
}

func (p daysPred) candidates(ix *itemIndex, from int) (rankSource, int) {
	lo, hi := 0, ix.n
	if p.hasFirst {
		// occurred_end >= first and the span is at most maxSpan, so
		// occurred_start >= first - maxSpan.
		floor := int64(p.first) - int64(ix.maxSpan)
		lo = sortSearch(ix.n, func(r int) bool { return int64(ix.starts[r]) >= floor })
	}
	if p.hasLast {
		hi = sortSearch(ix.n, func(r int) bool { return ix.starts[r] > p.last })
	}
	total := max(hi-lo, 0)
	return &rangeSource{at: max(lo, from), end: hi}, total
}

// inPred holds when the property's value is one of a set of codes.
type inPred struct {
	prop  int
	codes []uint16 // sorted, distinct
	set   codeSet  // the same codes, to test a rank in one step
	total int      // the ranks of the codes, all told
}

func (p *inPred) test(ix *itemIndex, r int32) bool {
	c := ix.codes[p.prop][r]
	if len(p.codes) <= 4 { // an equality or a short IN: compared
		for _, x := range p.codes {
			if x == c {
				return true
			}
		}
		return false
	}
	return p.set.has(c)
}

// candidates merges the ranks of the codes, a list per code, when they
// are few enough for the heap of a merge to stay small (maxMergeLists);
// the ranks of more codes are marked in a bitmap of the ranks instead
// (rankBitmap), which is filled only when walked, as a pattern may match
// thousands of values and a plan asks every condition the cost of
// walking it to pick the cheapest.
func (p *inPred) candidates(ix *itemIndex, from int) (rankSource, int) {
	if len(p.codes) > maxMergeLists {
		return &rankBitmap{n: ix.n, postings: ix.postings[p.prop], codes: p.codes, base: from}, bitmapCost(ix.n, p.total)
	}
	lists := make([][]int32, 0, len(p.codes))
	for _, c := range p.codes {
		lists = append(lists, ix.postings[p.prop][c])
	}
	return newMergeSource(lists, from), mergeCost(len(p.codes), p.total)
}

// noFatalities marks unknown fatalities in itemIndex.fatalities, as in
// pointSet.fatalities.
const noFatalities = -1

// fatalityCode returns the column value of fatalities n (noFatalities when
// unknown), one encoding for the item index and the tile sets, which share
// the column, and whether it is n itself: false for a value below 0 or
// beyond an int32, which is clamped. The index holds injuries in the same
// code.
func fatalityCode(n *int) (int32, bool) {
	if n == nil {
		return noFatalities, true
	}
	return int32(min(max(*n, 0), math.MaxInt32)), *n >= 0 && *n <= math.MaxInt32
}

// countPred holds when the incident's fatalities (or, with injuries set,
// its injuries) are known and pass a comparison — op one of = <> < <= >
// >= with x, "between" x and hi, or "in" vals — or, for op "null", when
// they are unknown: the SQL of both stores, in which a comparison with
// NULL is never true.
type countPred struct {
	injuries bool
	op       string
	x, hi    float64
	vals     []float64
}

// countProp reports whether name is a count the index holds, and which.
func countProp(name string) (injuries, ok bool) {
	return name == "injuries", name == "fatalities" || name == "injuries"
}

// countPredOf returns the condition of a comparison, BETWEEN, IN or IS
// NULL on fatalities or injuries with number literals, the property on
// the left.
func countPredOf(e incidentmap.Expr) (countPred, bool) {
	switch e := e.(type) {
	case incidentmap.Compare:
		p, ok := e.Left.(incidentmap.Property)
		x, isNum := e.Right.(incidentmap.Number)
		inj, isCount := countProp(p.Name)
		if !ok || !isNum || !isCount || !slices.Contains([]string{"=", "<>", "<", "<=", ">", ">="}, e.Op) {
			return countPred{}, false
		}
		return countPred{injuries: inj, op: e.Op, x: float64(x)}, true
	case incidentmap.Between:
		lo, ok1 := e.Low.(incidentmap.Number)
		hi, ok2 := e.High.(incidentmap.Number)
		inj, isCount := countProp(e.Prop)
		return countPred{injuries: inj, op: "between", x: float64(lo), hi: float64(hi)}, isCount && ok1 && ok2
	case incidentmap.In:
		inj, isCount := countProp(e.Prop)
		if !isCount {
			return countPred{}, false
		}
		p := countPred{injuries: inj, op: "in"}
		for _, l := range e.Values {
			x, ok := l.(incidentmap.Number)
			if !ok {
				return countPred{}, false
			}
			p.vals = append(p.vals, float64(x))
		}
		return p, true
	case incidentmap.IsNull:
		inj, isCount := countProp(e.Prop)
		return countPred{injuries: inj, op: "null"}, isCount
	}
	return countPred{}, false
}

func (p countPred) test(ix *itemIndex, r int32) bool {
	v := ix.fatalities[r]
	if p.injuries {
		v = ix.injuries[r]
	}
	if v == noFatalities {
		return p.op == "null"
	}
	f := float64(v)
	switch p.op {
	case "=":
		return f == p.x
	case "<>":
		return f != p.x
	case "<":
		return f < p.x
	case "<=":
		return f <= p.x
	case ">":
		return f > p.x
	case ">=":
		return f >= p.x
	case "between":
		return f >= p.x && f <= p.hi
	case "in":
		return slices.Contains(p.vals, f)
	}
	return false
}

// candidates are every rank: counts have no list of their own, so
// another condition, or the order itself, is walked.
func (p countPred) candidates(ix *itemIndex, from int) (rankSource, int) {
	return &rangeSource{at: from, end: ix.n}, ix.n
}

// mergeCost is the cost of yielding total ranks merged from k lists, in
// ranks of a range: one list is a walk down a slice, as cheap as a range;
// a merge pays a heap for each rank, measured (BenchmarkItemIndexPage) at
// about twice a range's rank for the 25 cells of a 1° box.
func mergeCost(k, total int) int {
	if k <= 1 {
		return total
	}
	return 2 * total
}

// maxMergeLists is the most lists of ranks an inPred merges with a heap.
// Past it the heap outgrows the processor's first cache and each rank
// costs far more than mergeCost says: merging the 1,500 lists of 2,520
// ranks of a LIKE over 100,000 incidents took 590 ns a rank, 16,650
// lists of 27,972 ranks 800 ns, against 26 ns a rank of a range walk
// and 70 ns for 150 lists (a benchmark of the sources alone, see "LIKE
// from the index" in the README).
const maxMergeLists = 64

// bitmapCost is the cost of walking the total ranks of many lists marked
// in a bitmap of n ranks (rankBitmap), in ranks of a range: marking a
// rank takes a write to a word anywhere in the bitmap, about two ranks
// of a range, and scanning 64 ranks one. Unlike the other sources, all of
// it is paid before the first rank, so that it loses to a walk of the
// ranks (cost n) when the lists hold more than 1/32 of them: a page of
// 1,000 at that density is found in 32,000 ranks of the walk, fewer than
// marking the lists takes (BenchmarkItemIndexLike: a pattern matching 28%
// of a million took 5.6 ms a page through the bitmap, 6 µs by rank).
func bitmapCost(n, total int) int {
	if 32*total > n {
		return n
	}
	return 2*total + n/64
}

// rankSource yields ranks in ascending order.
type rankSource interface {
	next() (int32, bool)
}

// rankBitmap yields the ranks of many lists from a start on, marked in a
// bitmap of the ranks on the first call of next: O(ranks of the lists +
// n/64) however many lists there are.
type rankBitmap struct {
	n        int
	postings [][]int32
	codes    []uint16 // the lists, until marked
	base     int      // the start

	words []uint64 // bit i of word w: rank base+64w+i
	w     int      // the word being read
	cur   uint64   // what is left of it
}

// fill marks the ranks from base on of the lists of the codes.
func (b *rankBitmap) fill() {
	b.words = make([]uint64, (max(b.n-b.base, 0)+63)/64)
	for _, c := range b.codes {
		for _, r := range b.postings[c] {
			if i := int(r) - b.base; i >= 0 {
				b.words[i/64] |= 1 << (i % 64)
			}
		}
	}
	b.codes, b.postings = nil, nil
	b.w = -1
}

func (b *rankBitmap) next() (int32, bool) {
	if b.words == nil {
		b.fill()
	}
	for b.cur == 0 {
		if b.w++; b.w >= len(b.words) {
			return 0, false
		}
		b.cur = b.words[b.w]
	}
	i := bits.TrailingZeros64(b.cur)
	b.cur &= b.cur - 1
	return int32(b.base + 64*b.w + i), true
}

// listSource yields the ranks of an ascending list.
type listSource struct{ l []int32 }

func (s *listSource) next() (int32, bool) {
	if len(s.l) == 0 {
		return 0, false
	}
	r := s.l[0]
	s.l = s.l[1:]
	return r, true
}

// rangeSource yields the ranks at..end-1.
type rangeSource struct{ at, end int }

func (s *rangeSource) next() (int32, bool) {
	if s.at >= s.end {
		return 0, false
	}
	s.at++
	return int32(s.at - 1), true
}

// mergeSource yields the union of disjoint ascending lists of ranks, each
// from its first rank at or after a start.
type mergeSource struct {
	lists [][]int32
	heap  []int // indexes into lists: a min-heap on the lists' heads
}

func newMergeSource(lists [][]int32, from int) rankSource {
	if len(lists) == 1 {
		l := lists[0]
		return &listSource{l[sortSearch(len(l), func(k int) bool { return int(l[k]) >= from }):]}
	}
	m := &mergeSource{lists: lists, heap: make([]int, 0, len(lists))}
	for i, l := range lists {
		j := sortSearch(len(l), func(k int) bool { return int(l[k]) >= from })
		if lists[i] = l[j:]; len(lists[i]) > 0 {
			m.heap = append(m.heap, i)
		}
	}
	for i := len(m.heap)/2 - 1; i >= 0; i-- {
		m.down(i)
	}
	return m
}

func (m *mergeSource) head(i int) int32 { return m.lists[m.heap[i]][0] }

func (m *mergeSource) down(i int) {
	n := len(m.heap)
	for {
		least, l, r := i, 2*i+1, 2*i+2
		if l < n && m.head(l) < m.head(least) {
			least = l
		}
		if r < n && m.head(r) < m.head(least) {
			least = r
		}
		if least == i {
			return
		}
		m.heap[i], m.heap[least] = m.heap[least], m.heap[i]
		i = least
	}
}

func (m *mergeSource) next() (int32, bool) {
	if len(m.heap) == 0 {
		return 0, false
	}
	top := m.heap[0]
	r := m.lists[top][0]
	if m.lists[top] = m.lists[top][1:]; len(m.lists[top]) == 0 {
		last := len(m.heap) - 1
		m.heap[0] = m.heap[last]
		m.heap = m.heap[:last]
	}
	m.down(0)
	return r, true
}

// indexPlan is a filter as the index answers it: a conjunction of
// conditions.
type indexPlan struct {
	preds []indexPred
	// newest is the order newest day first, ids ascending within a day
	// (sortby=-occurred_start; itemnewest.go) instead of the default;
	// reversed, with newest, the default order backwards, ids descending
	// too (sortby=-occurred_start,-id, the map's table).
	newest, reversed bool
	// order, when set, is any other sort order, answered from a sorted
	// permutation of the ranks (itemorder.go).
	order *rankOrder
	// before is set for the page that ends just before its cursor
	// (Filter.Before; itemprev.go) rather than the one after it.
	before bool
}

// plan translates f into the conditions the index tests, or reports false
// when the index cannot answer f exactly as the store would: anything
// but published incidents in an order of sortable properties it holds
// exactly (itemorder.go) after or before (itemprev.go) an optional cursor
// of that order, as_of, and any part of the filter tree other
// than ANDed boxes (s_intersects of location with a box, or an OR of
// such), t_intersects of occurred, comparisons of the counts, and the
// conditions on one indexed property that codeSetOf turns into codes
// (equality, <>, IN, LIKE, CASEI, IS NULL, NOT and OR of them; a LIKE
// only when the index matches exactly as the stores do), and an OR of
// any of these, nested as CQL2 allows (orPred), or a NOT over one where
// the index holds its negation exactly (itemIndex.negation). The filter
// is read through its expression tree (Filter.Expr), as the stores read
// it.
func (ix *itemIndex) plan(f incidentmap.Filter) (indexPlan, bool) {
	p := indexPlan{before: f.Before != nil}
	cursor := pageCursor(f)
	switch order := f.Order(); {
	case !f.AsOf.IsZero() || f.After != nil && f.Before != nil:
		return indexPlan{}, false
	case slices.Equal(order, newestOrder), slices.Equal(order, reversedOrder):
		p.newest, p.reversed = true, slices.Equal(order, reversedOrder)
		if cursor != nil {
			if _, _, ok := newestAfter(cursor, order); !ok {
				return indexPlan{}, false
			}
		}
	case !slices.Equal(order, incidentmap.Filter{}.Order()):
		o, ok := ix.rankOrderOf(order)
		if !ok {
			return indexPlan{}, false
		}
		if cursor != nil {
			if _, ok := ix.cursorIn(o, cursor); !ok {
				return indexPlan{}, false
			}
		}
		p.order = o
	}
	published := false
	// walk appends the conditions of e to preds; top is false inside an
	// OR, where a condition on the status is declined.
	var walk func(e incidentmap.Expr, preds *[]indexPred, top bool) bool
	walk = func(e incidentmap.Expr, preds *[]indexPred, top bool) bool {
		switch e := e.(type) {
		case incidentmap.And:
			for _, a := range e.Args {
				if !walk(a, preds, top) {
					return false
				}
			}
			return true
		case incidentmap.Bool:
			return bool(e)
		case incidentmap.Temporal:
			if e.Op != incidentmap.TIntersects || e.Prop != incidentmap.OccurredProperty {
				return false
			}
			first, last := e.Interval.Days()
			d := daysPred{hasFirst: !first.IsZero(), hasLast: !last.IsZero()}
			if d.hasFirst {
				d.first = dayOf(first)
			}
			if d.hasLast {
				d.last = dayOf(last)
			}
			*preds = append(*preds, d)
			return true
		}
		if b, ok := boxesOf(e); ok {
			*preds = append(*preds, boxPred{boxes: b})
			return true
		}
		if fp, ok := countPredOf(e); ok {
			if fp.injuries && !ix.injuriesExact || !fp.injuries && !ix.fatalitiesExact {
				return false
			}
			*preds = append(*preds, fp)
			return true
		}
		if prop, vals, ok := equalitiesOf(e); ok && prop == "status" {
			// The index holds the published incidents: a condition that
			// keeps exactly those is answered; any other is not.
			for _, v := range vals {
				if v != string(incidentmap.StatusPublished) {
					return false
				}
			}
			published = published || top
			return top
		}
		if prop, set, ok := ix.codeSetOf(e); ok {
			in := ix.inPredOf(prop, set)
			*preds = append(*preds, &in)
			return true
		}
		// An OR across properties (itemor.go), and a NOT over one.
		switch e := e.(type) {
		case incidentmap.Or:
			o, ok := orBranches(e, func(a incidentmap.Expr, b *[]indexPred) bool { return walk(a, b, false) })
			if ok {
				*preds = append(*preds, o)
			}
			return ok
		case incidentmap.Not:
			n, ok := ix.negation(e.Arg)
			return ok && walk(n, preds, top)
		}
		return false
	}
	if !walk(f.Expr(), &p.preds, true) || !published {
		return indexPlan{}, false
	}
	return p, true
}

// boxesOf returns the boxes of s_intersects(location, box), or of an OR of
// such.
func boxesOf(e incidentmap.Expr) ([]orb.Bound, bool) {
	switch e := e.(type) {
	case incidentmap.Spatial:
		b, ok := e.Geometry.(orb.Bound)
		if !ok {
			b, ok = rectangleOf(e.Geometry)
		}
		if !ok || e.Op != incidentmap.SIntersects || e.Prop != "location" {
			return nil, false
		}
		return []orb.Bound{b}, true
	case incidentmap.Or:
		var out []orb.Bound
		for _, a := range e.Args {
			b, ok := boxesOf(a)
			if !ok {
				return nil, false
			}
			out = append(out, b...)
		}
		return out, len(out) > 0
	}
	return nil, false
}

// rectangleOf returns the box of a polygon that is one: no holes, and a
// ring of four corners (closed) whose edges run along the meridians and
// parallels, as the map draws a selected rectangle. A point intersects
// it exactly when it lies in the box, edges included.
func rectangleOf(g orb.Geometry) (orb.Bound, bool) {
	p, ok := g.(orb.Polygon)
	if !ok || len(p) != 1 || len(p[0]) != 5 || p[0][0] != p[0][4] {
		return orb.Bound{}, false
	}
	r := p[0]
	for i := range 4 {
		a, b := r[i], r[i+1]
		if (a[0] == b[0]) == (a[1] == b[1]) { // not along one axis, or a point
			return orb.Bound{}, false
		}
	}
	b := r.Bound()
	for _, c := range r[:4] {
		if (c[0] != b.Min[0] && c[0] != b.Max[0]) || (c[1] != b.Min[1] && c[1] != b.Max[1]) {
			return orb.Bound{}, false
		}
	}
	return b, b.Min[0] < b.Max[0] && b.Min[1] < b.Max[1]
}

// equalitiesOf returns the property and the string values of prop = 'v',
// prop IN ('v', …), or an OR of such on one property.
func equalitiesOf(e incidentmap.Expr) (string, []string, bool) {
	switch e := e.(type) {
	case incidentmap.Compare:
		p, ok := e.Left.(incidentmap.Property)
		v, isStr := e.Right.(incidentmap.String)
		if !ok || !isStr || e.Op != "=" {
			return "", nil, false
		}
		return p.Name, []string{string(v)}, true
	case incidentmap.In:
		vals := make([]string, 0, len(e.Values))
		for _, l := range e.Values {
			v, ok := l.(incidentmap.String)
			if !ok {
				return "", nil, false
			}
			vals = append(vals, string(v))
		}
		return e.Prop, vals, true
	case incidentmap.Or:
		var prop string
		var vals []string
		for i, a := range e.Args {
			p, vs, ok := equalitiesOf(a)
			if !ok || (i > 0 && p != prop) {
				return "", nil, false
			}
			prop, vals = p, append(vals, vs...)
		}
		return prop, vals, len(e.Args) > 0
	}
	return "", nil, false
}

// source returns the candidates of the plan's condition that is cheapest
// to walk (all ranks when none is cheaper) from rank from on.
func (ix *itemIndex) source(p indexPlan, from int) rankSource {
	src, _ := ix.cheapest(p, from)
	return src
}

// cheapest is source with the cost of walking it from rank 0, in ranks
// (rankSource.candidates).
func (ix *itemIndex) cheapest(p indexPlan, from int) (rankSource, int) {
	return ix.cheapestOf(p.preds, from)
}

// cheapestOf is cheapest of a conjunction of conditions.
func (ix *itemIndex) cheapestOf(preds []indexPred, from int) (rankSource, int) {
	var best rankSource = &rangeSource{at: from, end: ix.n}
	bestN := ix.n
	for _, pr := range preds {
		if src, n := pr.candidates(ix, from); n < bestN {
			best, bestN = src, n
		}
	}
	return best, bestN
}

// matches reports whether rank r passes every condition of p.
func (ix *itemIndex) matches(p indexPlan, r int32) bool {
	return ix.matchesAll(p.preds, r)
}

// matchesAll reports whether rank r passes every condition of preds.
func (ix *itemIndex) matchesAll(preds []indexPred, r int32) bool {
	for _, pr := range preds {
		if !pr.test(ix, r) {
			return false
		}
	}
	return true
}

// page returns the ranks of the page of p that starts after the cursor
// (nil: at the start), at most limit of them, and whether more follow;
// ok is false when the page would cost more than the index's bounds allow
// (pageSorted), and then the store must answer. A plan of a page before
// its cursor (p.before) gives the page that ends just before it, and
// whether more precede it (pageBefore).
func (ix *itemIndex) page(p indexPlan, cursor *incidentmap.Cursor, limit int) (ranks []int32, more, ok bool) {
	if p.before {
		return ix.pageBefore(p, cursor, limit)
	}
	after := cursor
	if p.order != nil {
		return ix.pageSorted(p, after, limit)
	}
	if p.newest {
		ranks, more = ix.pageNewest(p, after, limit)
		return ranks, more, true
	}
	from := 0
	if after != nil {
		from = ix.rankAfter(dayOf(after.OccurredStart), after.ID)
	}
	ranks, more = ix.pageFrom(p, from, limit)
	return ranks, more, true
}

// pageFrom is page in the default order from rank from on.
func (ix *itemIndex) pageFrom(p indexPlan, from, limit int) (ranks []int32, more bool) {
	src := ix.source(p, from)
	ranks = make([]int32, 0, min(limit, 1024))
	for {
		r, ok := src.next()
		if !ok {
			return ranks, false
		}
		if !ix.matches(p, r) {
			continue
		}
		if len(ranks) == limit {
			return ranks, true
		}
		ranks = append(ranks, r)
	}
}

// count counts the matches of p, stopping at atMost.
func (ix *itemIndex) count(p indexPlan, atMost int) int {
	src := ix.source(p, 0)
	n := 0
	for n < atMost {
		r, ok := src.next()
		if !ok {
			break
		}
		if ix.matches(p, r) {
			n++
		}
	}
	return n
}

// cursorAt returns the position of rank r in the default order.
func (ix *itemIndex) cursorAt(r int32) *incidentmap.Cursor {
	return &incidentmap.Cursor{OccurredStart: time.Unix(int64(ix.starts[r])*86400, 0).UTC(), ID: ix.ids.get(int(r))}
}
