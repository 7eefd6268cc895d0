package api

import (
	"bytes"
	"cmp"
	"math"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/incidentmap/incidentmap"
)

// Bounds of the sort orders the item index answers besides its own.
const (
	// maxSortedOrders is how many sorted orders an index keeps besides
	// the order by id, least recently used out first. Each costs 4 bytes
	// per incident (4 MB at a million), the order by id 8; the map asks
	// for a few orders (its table sorted by one column at a time, each
	// both ways), and an order pushed out costs one sort again (0.3-0.5 s
	// at a million), so four bound the memory to 24 MB at a million
	// while a user clicking through the table's columns keeps hers.
	maxSortedOrders = 4
	// maxOrderWalk bounds the ranks a page walks down a sorted order
	// testing the filter; beyond it the page sorts the filter's
	// candidates instead or, when they are too many, the store answers.
	maxOrderWalk = 1 << 18
	// maxSortCandidates bounds the candidates a page sorts itself.
	maxSortCandidates = 1 << 18
)

// sortCol is a sortable property as the index holds it by rank.
type sortCol uint8

const (
	colStart sortCol = iota
	colEnd
	colText // a property of indexedProps, held as codes
	colFatalities
	colInjuries
	colUpdated
)

// orderKey is one key of a rankOrder but the id: its column (and, for
// colText, the position in indexedProps) and direction.
type orderKey struct {
	col  sortCol
	prop int
	desc bool
}

// rankOrder is a sort order the index answers from a sorted permutation
// of its ranks: keys, then the id (descending when idDesc), as
// Filter.Order gives it.
type rankOrder struct {
	name   string // formatSortBy of order: the key of the cache
	order  []incidentmap.SortKey
	keys   []orderKey
	idDesc bool
	// forward, when set, is the order this one reverses (backward): its
	// keys and id the other way, its permutation forward's read from the
	// end, its cursors forward's (order).
	forward *rankOrder
}

// rankOrderOf returns the rankOrder of order (ending with id, as
// Filter.Order gives it), or false when the index does not hold a key
// exactly (counts clamped at build) or the order is not one of
// sortable properties.
func (ix *itemIndex) rankOrderOf(order []incidentmap.SortKey) (*rankOrder, bool) {
	if len(order) == 0 || order[len(order)-1].Property != "id" {
		return nil, false
	}
	o := &rankOrder{name: formatSortBy(order), order: slices.Clone(order), idDesc: order[len(order)-1].Desc}
	for _, k := range order[:len(order)-1] {
		key := orderKey{desc: k.Desc}
		switch k.Property {
		case "occurred_start":
			key.col = colStart
		case "occurred_end":
			key.col = colEnd
		case "fatalities":
			key.col = colFatalities
			if !ix.fatalitiesExact {
				return nil, false
			}
		case "injuries":
			key.col = colInjuries
			if !ix.injuriesExact {
				return nil, false
			}
		case "updated_at":
			key.col = colUpdated
		default:
			key.col, key.prop = colText, slices.Index(indexedProps[:], k.Property)
			if key.prop < 0 || ix.uncoded[key.prop] {
				return nil, false
			}
		}
		o.keys = append(o.keys, key)
	}
	return o, true
}

// textRanks is, for one indexed property, its values in byte order (as
// both stores compare them, COLLATE "C" in PostGIS) and the position in
// it of each code.
type textRanks struct {
	sorted []string
	ordOf  []int32 // by code
}

func newTextRanks(values []string) textRanks {
	t := textRanks{sorted: slices.Clone(values), ordOf: make([]int32, len(values))}
	slices.Sort(t.sorted) // Go compares strings byte by byte
	for c, v := range values {
		i, _ := slices.BinarySearch(t.sorted, v)
		t.ordOf[c] = int32(i)
	}
	return t
}

// countKey is the key of a count held in the fatalities code: unknown
// sorts after every number, as both stores put NULL (sqlexpr.Order.By).
func countKey(v int32) int64 {
	if v == noFatalities {
		return math.MaxInt64
	}
	return int64(v)
}

// keyOf returns the value of key k at rank r as an int64 that orders as
// the stores order the column (ascending; the caller applies desc). Text
// is twice its position among the property's values, so that a value
// not among them (a cursor's) falls between two.
func (ix *itemIndex) keyOf(k orderKey, r int32) int64 {
	switch k.col {
	case colStart:
		return int64(ix.starts[r])
	case colEnd:
		return int64(ix.ends[r])
	case colFatalities:
		return countKey(ix.fatalities[r])
	case colInjuries:
		return countKey(ix.injuries[r])
	case colUpdated:
		return ix.updated[r]
	}
	return 2 * int64(ix.textRanks[k.prop].ordOf[ix.codes[k.prop][r]])
}

// cursorKey returns a cursor's value of key k (incidentmap.SortValue) in
// the terms of keyOf, or false when the index cannot place it exactly as
// the stores would (an instant finer than their microseconds or beyond
// the years an int64 of nanoseconds holds, a day not at midnight).
func (ix *itemIndex) cursorKey(k orderKey, v any) (int64, bool) {
	switch k.col {
	case colStart, colEnd:
		t, ok := v.(time.Time)
		return int64(dayOf(t)), ok && t.Equal(incidentmap.Day(t))
	case colFatalities, colInjuries:
		if v == nil {
			return math.MaxInt64, true
		}
		n, ok := v.(int64)
		return n, ok && n >= 0 && n < math.MaxInt64
	case colUpdated:
		t, ok := v.(time.Time)
		return t.UnixNano(), ok && t.Year() > 1700 && t.Year() < 2200 && t.Equal(t.Truncate(time.Microsecond))
	}
	s, ok := v.(string)
	tr := &ix.textRanks[k.prop]
	i, found := slices.BinarySearch(tr.sorted, s)
	if found {
		return 2 * int64(i), ok
	}
	return 2*int64(i) - 1, ok
}

// orderCursor is a cursor placed in a rankOrder: its keys as keyOf gives
// them, and its id.
type orderCursor struct {
	keys []int64
	id   []byte
}

// cursorIn places c in o, or reports false when it does not fit o or the
// index cannot place it exactly (cursorKey).
func (ix *itemIndex) cursorIn(o *rankOrder, c *incidentmap.Cursor) (orderCursor, bool) {
	vals, err := c.Values(o.order)
	if err != nil || len(vals) != len(o.keys)+1 {
		return orderCursor{}, false
	}
	oc := orderCursor{keys: make([]int64, len(o.keys))}
	for i, k := range o.keys {
		x, ok := ix.cursorKey(k, vals[i])
		if !ok {
			return orderCursor{}, false
		}
		oc.keys[i] = x
	}
	id, ok := vals[len(vals)-1].(string)
	oc.id = []byte(id)
	return oc, ok
}

// afterCursor reports whether rank r comes after the cursor in o.
func (ix *itemIndex) afterCursor(o *rankOrder, r int32, c orderCursor) bool {
	for i, k := range o.keys {
		if x, y := ix.keyOf(k, r), c.keys[i]; x != y {
			return (x > y) != k.desc
		}
	}
	d := bytes.Compare(ix.ids.bytes(int(r)), c.id)
	if o.idDesc {
		return d < 0
	}
	return d > 0
}

// orderCache holds an index's sorted orders: the ranks by id (the tie
// break of every order) and up to maxSortedOrders others, each sorted on
// first use, one sort at a time. It is safe for concurrent use.
type orderCache struct {
	idOnce        sync.Once
	byID, idRanks []int32 // the ranks in id order; the position of each there

	sorting sync.Mutex // held while sorting: one core at most

	mu    sync.Mutex
	tick  int64
	perms map[string]*sortedOrder
}

// sortedOrder is the permutation of the ranks in one rankOrder.
type sortedOrder struct {
	once sync.Once
	perm []int32
	used int64 // orderCache.tick at the last use, under orderCache.mu
}

func newOrderCache() *orderCache { return &orderCache{perms: map[string]*sortedOrder{}} }

// idOrder returns the ranks in id order and the position of each rank
// there, sorting them on first use.
func (ix *itemIndex) idOrder() (byID, idRanks []int32) {
	oc := ix.orders
	oc.idOnce.Do(func() {
		oc.sorting.Lock()
		defer oc.sorting.Unlock()
		byID := make([]int32, ix.n)
		for i := range byID {
			byID[i] = int32(i)
		}
		ix.sortByID(byID, 0, make([]idChunk, ix.n))
		idRanks := make([]int32, ix.n)
		for i, r := range byID {
			idRanks[r] = int32(i)
		}
		oc.byID, oc.idRanks = byID, idRanks
	})
	return oc.byID, oc.idRanks
}

// idChunk is 8 bytes of an id from some offset, big-endian and padded
// with zeros, with the id's rank: sorting these sorts the ids by those
// bytes with integer comparisons.
type idChunk struct {
	bytes uint64
	rank  int32
}

// sortByID sorts ranks (whose ids agree on their first offset bytes) by
// id, byte by byte: by the next 8 bytes as integers, then each run that
// agrees on those too by the 8 after, and so on; buf holds at least
// len(ranks) chunks.
func (ix *itemIndex) sortByID(ranks []int32, offset int, buf []idChunk) {
	chunks := buf[:len(ranks)]
	longer := false
	for i, r := range ranks {
		id := ix.ids.bytes(int(r))
		var x uint64
		for j := range 8 {
			x <<= 8
			if k := offset + j; k < len(id) {
				x |= uint64(id[k])
			}
		}
		chunks[i] = idChunk{x, r}
		longer = longer || len(id) > offset+8
	}
	slices.SortFunc(chunks, func(a, b idChunk) int { return cmp.Compare(a.bytes, b.bytes) })
	for i, c := range chunks {
		ranks[i] = c.rank
	}
	for start := 0; start < len(ranks); {
		end := start + 1
		for end < len(ranks) && chunks[end].bytes == chunks[start].bytes {
			end++
		}
		if run := ranks[start:end]; len(run) > 1 {
			if longer {
				ix.sortByID(run, offset+8, buf[start:end])
			} else { // equal but for the padding, which only a zero byte can tie
				slices.SortFunc(run, func(a, b int32) int { return bytes.Compare(ix.ids.bytes(int(a)), ix.ids.bytes(int(b))) })
			}
		}
		start = end
	}
}

// sortedRanks returns the ranks in the order o, at walk position i the
// rank at(i). The order by id is the ranks by id, read backwards when
// descending; any other is sorted on first use and kept in the cache.
func (ix *itemIndex) sortedRanks(o *rankOrder) (at func(i int) int32) {
	if o.forward != nil {
		fwd := ix.sortedRanks(o.forward)
		return func(i int) int32 { return fwd(ix.n - 1 - i) }
	}
	byID, idRanks := ix.idOrder()
	if len(o.keys) == 0 {
		if o.idDesc {
			return func(i int) int32 { return byID[ix.n-1-i] }
		}
		return func(i int) int32 { return byID[i] }
	}
	oc := ix.orders
	oc.mu.Lock()
	oc.tick++
	so := oc.perms[o.name]
	if so == nil {
		if len(oc.perms) >= maxSortedOrders {
			var oldest string
			for name, e := range oc.perms {
				if oldest == "" || e.used < oc.perms[oldest].used {
					oldest = name
				}
			}
			delete(oc.perms, oldest) // pages walking it keep their own reference
		}
		so = &sortedOrder{}
		oc.perms[o.name] = so
	}
	so.used = oc.tick
	oc.mu.Unlock()
	so.once.Do(func() {
		oc.sorting.Lock()
		defer oc.sorting.Unlock()
		so.perm = ix.sortRanks(o, byID, idRanks)
	})
	perm := so.perm
	return func(i int) int32 { return perm[i] }
}

// sortRanks returns every rank in order o.
func (ix *itemIndex) sortRanks(o *rankOrder, byID, idRanks []int32) []int32 {
	if len(o.keys) == 1 && o.keys[0].col != colUpdated {
		return ix.sortRanks32(o.keys[0], o.idDesc, byID, idRanks)
	}
	return ix.sortRanksBy(o, idRanks)
}

// sortRanks32 sorts by one key that fits 32 bits, then the id: each rank
// as one integer, the key above the id's position, so that the sort
// compares integers alone.
func (ix *itemIndex) sortRanks32(k orderKey, idDesc bool, byID, idRanks []int32) []int32 {
	packed := make([]uint64, ix.n)
	for r := range ix.n {
		var x uint32
		switch v := ix.keyOf(k, int32(r)); {
		case v == math.MaxInt64: // unknown counts, after every number
			x = math.MaxUint32
		case k.col == colStart || k.col == colEnd:
			x = uint32(v + math.MaxInt32 + 1) // days are int32
		default: // counts and text positions: from 0 below MaxUint32
			x = uint32(v)
		}
		if k.desc {
			x = ^x
		}
		tie := uint32(idRanks[r])
		if idDesc {
			tie = uint32(ix.n-1) - tie
		}
		packed[r] = uint64(x)<<32 | uint64(tie)
	}
	slices.Sort(packed)
	perm := make([]int32, ix.n)
	for i, x := range packed {
		tie := int(uint32(x))
		if idDesc {
			tie = ix.n - 1 - tie
		}
		perm[i] = byID[tie]
	}
	return perm
}

// sortRanksBy sorts by any keys, then the id: each key read once into a
// column (negated when descending), so that comparisons read two slices.
func (ix *itemIndex) sortRanksBy(o *rankOrder, idRanks []int32) []int32 {
	cols := make([][]int64, len(o.keys))
	for i, k := range o.keys {
		cols[i] = make([]int64, ix.n)
		for r := range ix.n {
			x := ix.keyOf(k, int32(r))
			if k.desc {
				x = -x // keys are never math.MinInt64
			}
			cols[i][r] = x
		}
	}
	perm := make([]int32, ix.n)
	for i := range perm {
		perm[i] = int32(i)
	}
	slices.SortFunc(perm, func(a, b int32) int {
		for _, col := range cols {
			if c := cmp.Compare(col[a], col[b]); c != 0 {
				return c
			}
		}
		if o.idDesc {
			return cmp.Compare(idRanks[b], idRanks[a])
		}
		return cmp.Compare(idRanks[a], idRanks[b])
	})
	return perm
}

// pageSorted is page in a rankOrder (p.order). With a filter it walks the
// sorted ranks from the cursor's position testing each, or, when the
// filter's candidates are few against the ranks a walk would take to
// fill the page, sorts the candidates instead; a walk that passes four
// times its estimate (at most maxOrderWalk ranks) without filling the
// page turns to the candidates, and when those are more than
// maxSortCandidates it reports false: the store answers.
func (ix *itemIndex) pageSorted(p indexPlan, after *incidentmap.Cursor, limit int) (ranks []int32, more, ok bool) {
	o := p.order
	var cur orderCursor
	if after != nil {
		if cur, ok = ix.cursorIn(o, after); !ok {
			return nil, false, false // plan refused such a cursor
		}
	}
	_, candidates := ix.cheapest(p, 0)
	// A walk takes about limit*n/candidates ranks when the candidates
	// all match; sorting the candidates costs a few ranks' walk each
	// (and needs no sorted order, which a rare filter then never sorts).
	if len(p.preds) > 0 && candidates <= maxSortCandidates && 4*candidates < (limit+1)*(ix.n/max(candidates, 1)) {
		ranks, more = ix.pageCandidates(p, after != nil, cur, limit)
		return ranks, more, true
	}
	at := ix.sortedRanks(o)
	from, end := ix.keyRange(p, o, at)
	if after != nil {
		from = max(from, sort.Search(ix.n, func(i int) bool { return ix.afterCursor(o, at(i), cur) }))
	}
	// A walk much longer than the estimate means the filter's matches
	// come late in the order (a box in one country, sorted by country):
	// the candidates, when few enough to sort, are then cheaper.
	budget := maxOrderWalk
	if candidates <= maxSortCandidates {
		budget = min(budget, 4*(limit+1)*(ix.n/max(candidates, 1))+4096)
	}
	ranks, more, done := ix.walkSorted(p, at, from, end, limit, budget)
	switch {
	case done:
		return ranks, more, true
	case candidates > maxSortCandidates:
		return nil, false, false
	}
	ranks, more = ix.pageCandidates(p, after != nil, cur, limit)
	return ranks, more, true
}

// walkSorted walks the ranks of a sorted order from position from to
// end, testing each against the plan, until it has the page or has
// walked budget ranks: then done is false.
func (ix *itemIndex) walkSorted(p indexPlan, at func(int) int32, from, end, limit, budget int) (ranks []int32, more, done bool) {
	ranks = make([]int32, 0, min(limit, 1024))
	for i := from; i < end; i++ {
		if i-from >= budget {
			return nil, false, false
		}
		r := at(i)
		if !ix.matches(p, r) {
			continue
		}
		if len(ranks) == limit {
			return ranks, true, true
		}
		ranks = append(ranks, r)
	}
	return ranks, false, true
}

// pageCandidates is pageSorted by the matches of the plan (eachMatch)
// after the cursor (when hasCursor): their keys read once into
// rows of integers, the first limit+1 of them in the order selected and
// sorted, O(candidates + limit log limit).
func (ix *itemIndex) pageCandidates(p indexPlan, hasCursor bool, cur orderCursor, limit int) (ranks []int32, more bool) {
	o := p.order
	_, idRanks := ix.idOrder()
	_, candidates := ix.cheapest(p, 0)
	matched := make([]int32, 0, min(candidates, maxSortCandidates))
	ix.eachMatch(p, func(r int32) { // in any order: they are sorted below
		if !hasCursor || ix.afterCursor(o, r, cur) {
			matched = append(matched, r)
		}
	})
	// Row i of keys: the keys of matched[i] (negated when descending),
	// then its id's position (negated when descending).
	w := len(o.keys) + 1
	keys := make([]int64, len(matched)*w)
	for i, r := range matched {
		row := keys[i*w : (i+1)*w]
		for j, k := range o.keys {
			if row[j] = ix.keyOf(k, r); k.desc {
				row[j] = -row[j] // keys are never math.MinInt64
			}
		}
		if row[w-1] = int64(idRanks[r]); o.idDesc {
			row[w-1] = -row[w-1]
		}
	}
	rows := make([]int32, len(matched))
	for i := range rows {
		rows[i] = int32(i)
	}
	cmpRows := func(a, b int32) int { return slices.Compare(keys[int(a)*w:int(a+1)*w], keys[int(b)*w:int(b+1)*w]) }
	first := min(limit+1, len(rows))
	selectLeast(rows, first, cmpRows)
	rows = rows[:first]
	slices.SortFunc(rows, cmpRows)
	ranks = make([]int32, len(rows))
	for i, row := range rows {
		ranks[i] = matched[row]
	}
	if len(ranks) > limit {
		return ranks[:limit], true
	}
	return ranks, false
}

// selectLeast reorders s, whose elements are distinct under cmp, so that
// its first k are the k least, in no particular order: quickselect, each
// round partitioning around the median of three.
func selectLeast(s []int32, k int, cmp func(a, b int32) int) {
	lo, hi := 0, len(s)
	for hi-lo > 1 && lo < k && k < hi {
		mid := lo + (hi-lo)/2
		// The median of s[lo], s[mid], s[hi-1] to s[hi-1], the pivot.
		if cmp(s[mid], s[lo]) < 0 {
			s[mid], s[lo] = s[lo], s[mid]
		}
		if cmp(s[hi-1], s[lo]) < 0 {
			s[hi-1], s[lo] = s[lo], s[hi-1]
		}
		if cmp(s[mid], s[hi-1]) < 0 {
			s[mid], s[hi-1] = s[hi-1], s[mid]
		}
		pivot, store := s[hi-1], lo
		for i := lo; i < hi-1; i++ {
			if cmp(s[i], pivot) < 0 {
				s[i], s[store] = s[store], s[i]
				store++
			}
		}
		s[store], s[hi-1] = s[hi-1], s[store]
		// s[lo:store] are below the pivot, now at store.
		switch {
		case store == k || store+1 == k:
			return
		case store > k:
			hi = store
		default:
			lo = store + 1
		}
	}
}

// cursorSorted returns the position of rank r in o as the store writes
// it (incidentmap.CursorOf of the incident's sortable properties).
func (ix *itemIndex) cursorSorted(o *rankOrder, r int32) *incidentmap.Cursor {
	count := func(v int32) *int {
		if v == noFatalities {
			return nil
		}
		n := int(v)
		return &n
	}
	inc := &incidentmap.Incident{
		ID:            ix.ids.get(int(r)),
		OccurredStart: time.Unix(int64(ix.starts[r])*86400, 0).UTC(),
		OccurredEnd:   time.Unix(int64(ix.ends[r])*86400, 0).UTC(),
		Country:       ix.values[countryProp][ix.codes[countryProp][r]],
		EventType:     ix.values[eventTypeProp][ix.codes[eventTypeProp][r]],
		TargetCountry: ix.values[targetCountryProp][ix.codes[targetCountryProp][r]],
		Fatalities:    count(ix.fatalities[r]),
		Injuries:      count(ix.injuries[r]),
		UpdatedAt:     time.Unix(0, ix.updated[r]).UTC(),
	}
	return incidentmap.CursorOf(inc, slices.Clone(o.order))
}

// keyRange returns the positions from..end-1 of the sorted order o (at)
// outside which no rank passes the plan's conditions on the order's
// first key: those on the count (fatalities or injuries) it sorts by,
// whose values lie in one interval, so that "most fatalities first" with
// "fatalities > 5" walks past no unknown fatalities. The ranks within are
// still tested.
func (ix *itemIndex) keyRange(p indexPlan, o *rankOrder, at func(int) int32) (from, end int) {
	if len(o.keys) == 0 || o.keys[0].col != colFatalities && o.keys[0].col != colInjuries {
		return 0, ix.n
	}
	k := o.keys[0]
	lo, hi := int64(0), int64(math.MaxInt64)
	for _, pr := range p.preds {
		if fp, ok := pr.(countPred); ok && fp.injuries == (k.col == colInjuries) {
			a, b := fp.bounds()
			lo, hi = max(lo, a), min(hi, b)
		}
	}
	if lo == 0 && hi == math.MaxInt64 {
		return 0, ix.n
	}
	// Ascending, the ranks with keys from lo to hi follow one another;
	// descending, from hi down to lo.
	below := func(x int64) func(int) bool { // the first position past keys below x
		return func(i int) bool { return (ix.keyOf(k, at(i)) >= x) != k.desc }
	}
	above := func(x int64) func(int) bool { // the first position past keys up to x
		return func(i int) bool { return (ix.keyOf(k, at(i)) > x) != k.desc }
	}
	if k.desc {
		return sort.Search(ix.n, above(hi)), sort.Search(ix.n, below(lo))
	}
	return sort.Search(ix.n, below(lo)), sort.Search(ix.n, above(hi))
}

// bounds returns an interval of countKey values that holds every value
// that passes p (it may hold more): unknown is math.MaxInt64.
func (p countPred) bounds() (lo, hi int64) {
	known := int64(math.MaxInt64 - 1)
	clamp := func(x float64) int64 { return int64(min(max(x, -1), float64(math.MaxInt32)+1)) }
	switch p.op {
	case "null":
		return math.MaxInt64, math.MaxInt64
	case "=":
		return clamp(math.Floor(p.x)), clamp(math.Ceil(p.x))
	case ">", ">=":
		return clamp(math.Floor(p.x)), known
	case "<", "<=":
		return 0, clamp(math.Ceil(p.x))
	case "between":
		return clamp(math.Floor(p.x)), clamp(math.Ceil(p.hi))
	case "in":
		if len(p.vals) == 0 {
			return 1, 0 // none
		}
		return clamp(math.Floor(slices.Min(p.vals))), clamp(math.Ceil(slices.Max(p.vals)))
	}
	return 0, known // "<>"
}
