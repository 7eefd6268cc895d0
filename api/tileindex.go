package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/incidentmap/incidentmap"
	"github.com/incidentmap/incidentmap/geo/cluster"
)

// Bounds of the clustering read model.
const (
	// filteredPointBudget caps the points held by the indexes of filtered
	// requests together; the least recently used go first.
	filteredPointBudget = 2_000_000
	// filteredIndexes caps how many filtered indexes are held.
	filteredIndexes = 16
	// filteredBuilds caps how many filtered indexes are built at once.
	filteredBuilds = 2
	// maxFilteredPoints caps the incidents one filtered index holds: a
	// filter that selects more is refused (400 naming filter).
	maxFilteredPoints = 1_000_000
	// publishedTileBytes and filteredTileBytes bound the caches of
	// encoded tiles; tileSeenKeys is how many keys each remembers to
	// admit a tile on its second request.
	publishedTileBytes = 64 << 20
	filteredTileBytes  = 16 << 20
	tileSeenKeys       = 20_000
	// publishedBuildTimeout bounds the build of the published index.
	publishedBuildTimeout = 10 * time.Minute
)

// eventKinds are the event types clusters count, in the order of the
// queryable's enum; an incident of another type counts under "" (other),
// the last kind.
var eventKinds = func() []string {
	q, _ := incidentmap.FindQueryable(incidentmap.IncidentQueryables, "event_type")
	return append(slices.Clone(q.Enum), "")
}()

// kindOf returns the kind of an event type.
func kindOf(eventType string) uint8 {
	if i := slices.Index(eventKinds, eventType); i >= 0 {
		return uint8(i)
	}
	return uint8(len(eventKinds) - 1)
}

// pointSet is the clustering of one set of published incidents and what
// a tile shows of each: the read model of tiles, clusters and bins. It is
// immutable once built.
type pointSet struct {
	version string // the DataVersion.ETag() it was read at
	ix      *cluster.Index
	// By the index of the rows as the set was given them
	// (cluster.Index.Point's second value): id, title, day of
	// occurred_start, country and fatalities (-1: unknown). They hold no
	// pointers, so that a million incidents cost the garbage collector
	// nothing to scan. The published set, built from the scan that builds
	// the item index, takes its rows in the item index's order (by rank)
	// and shares that index's columns of ids, days and countries instead
	// of holding copies of them.
	ids        textColumn
	titles     dictColumn
	countries  []uint16 // into countryNames
	days       []int32  // days since 1970-01-01
	fatalities []int32

	countryNames []string
	// items is the item index built from the same scan of the store,
	// whose ranks are this set's rows, or nil (tilefilter.go).
	items *itemIndex
}

// textColumn is a column of strings in one byte slice.
type textColumn struct {
	data []byte
	ends []uint32 // ends[i] is where string i ends in data
}

func (c *textColumn) add(s string) error {
	if len(c.data)+len(s) > math.MaxUint32 {
		return errors.New("api: tile index: text column over 4 GB")
	}
	c.data = append(c.data, s...)
	c.ends = append(c.ends, uint32(len(c.data)))
	return nil
}

func (c *textColumn) get(i int) string {
	start := uint32(0)
	if i > 0 {
		start = c.ends[i-1]
	}
	return string(c.data[start:c.ends[i]])
}

// dictColumn is a column of strings that holds a value repeated by many
// rows once: each row refers to one of the distinct values. Titles repeat
// (a generated or templated title per event type and place): the 1M
// benchmark incidents have 160,718 distinct titles, 60 MB as a
// textColumn and 14 MB as a dictColumn. Unique values cost 4 bytes a row
// more than in a textColumn.
type dictColumn struct {
	values textColumn
	refs   []uint32 // refs[i] is the value of row i
	// seen is the value of each string while the column is built, for at
	// most maxSeen strings (later new strings are added unshared, so that
	// a column of unique values does not hold a map of them all); nil
	// once built.
	seen    map[string]uint32
	maxSeen int
}

// newDictColumn returns an empty column with room for n rows that looks
// up at most maxSeen distinct strings while it is built.
func newDictColumn(n, maxSeen int) dictColumn {
	return dictColumn{refs: make([]uint32, 0, n), seen: map[string]uint32{}, maxSeen: maxSeen}
}

// dictSeenMax bounds the strings a dictColumn looks up while it is built.
const dictSeenMax = 1 << 18

func (c *dictColumn) add(s string) error {
	if v, ok := c.seen[s]; ok {
		c.refs = append(c.refs, v)
		return nil
	}
	v := uint32(len(c.values.ends))
	if err := c.values.add(s); err != nil {
		return err
	}
	if c.seen != nil && len(c.seen) < c.maxSeen {
		c.seen[s] = v
	}
	c.refs = append(c.refs, v)
	return nil
}

// done ends the building of the column, dropping what only it needed.
func (c *dictColumn) done() { c.seen = nil }

func (c *dictColumn) get(i int) string { return c.values.get(int(c.refs[i])) }

// buildPointSet reads the incidents f selects from store and clusters
// them, refusing more than limit of them (0: no limit).
func buildPointSet(ctx context.Context, store incidentmap.Store, f incidentmap.Filter, version string, limit int) (*pointSet, error) {
	b := newPointSetBuilder(version, limit, 0)
	if err := store.ScanPoints(ctx, f, b.add); err != nil {
		return nil, err
	}
	return b.finish()
}

// pointSetBuilder gathers the rows of a point set, then clusters them.
type pointSetBuilder struct {
	ps        *pointSet
	pts       []cluster.Point
	countries map[string]uint16 // a few hundred values
	limit     int
	// withItems is set when the rows are those of an item index built
	// from the same scan: add keeps only what the index does not hold
	// (titles and fatalities), and finishWith takes the rest from it.
	withItems bool
}

// newPointSetBuilder starts a point set of version that refuses more than
// limit rows (0: no limit), with room for about hint rows: the columns
// are made that long at once instead of growing (and leaving unused
// capacity) as rows come.
func newPointSetBuilder(version string, limit, hint int) *pointSetBuilder {
	if limit > 0 {
		hint = min(hint, limit)
	}
	hint = max(min(hint, maxHintRows), 0)
	ps := &pointSet{version: version, countries: make([]uint16, 0, hint), days: make([]int32, 0, hint),
		fatalities: make([]int32, 0, hint)}
	ps.ids.ends, ps.titles = make([]uint32, 0, hint), newDictColumn(hint, dictSeenMax)
	return &pointSetBuilder{ps: ps, pts: make([]cluster.Point, 0, hint), countries: map[string]uint16{}, limit: limit}
}

// tooManyToCluster is the error of a filter that selects more than limit
// incidents.
func tooManyToCluster(limit int) error {
	return incidentmap.Invalidf("filter", "selects more than %d incidents, too many to cluster; narrow it", limit)
}

// newPointSetWithItems starts the published set of version whose rows
// also build an item index (see finishWith), with room for about hint
// rows.
func newPointSetWithItems(version string, hint int) *pointSetBuilder {
	hint = max(min(hint, maxHintRows), 0)
	ps := &pointSet{version: version, titles: newDictColumn(hint, dictSeenMax)}
	return &pointSetBuilder{ps: ps, withItems: true}
}

// maxHintRows caps the rows a size hint preallocates.
const maxHintRows = 50_000_000

// add takes one row of the set.
func (b *pointSetBuilder) add(p incidentmap.PointRow) error {
	ps := b.ps
	if b.limit > 0 && len(b.pts) == b.limit {
		return tooManyToCluster(b.limit)
	}
	if err := ps.titles.add(p.Title); err != nil {
		return err
	}
	if b.withItems {
		return nil
	}
	fat, _ := fatalityCode(p.Fatalities)
	ps.fatalities = append(ps.fatalities, fat)
	b.pts = append(b.pts, cluster.Point{Lon: p.Lon, Lat: p.Lat, Kind: kindOf(p.EventType)})
	if err := ps.ids.add(p.ID); err != nil {
		return err
	}
	c, ok := b.countries[p.Country]
	if !ok {
		if len(ps.countryNames) > math.MaxUint16 {
			return errors.New("api: tile index: too many countries")
		}
		c = uint16(len(ps.countryNames))
		b.countries[p.Country] = c
		ps.countryNames = append(ps.countryNames, p.Country)
	}
	ps.countries = append(ps.countries, c)
	ps.days = append(ps.days, dayOf(p.OccurredStart))
	return nil
}

// finishWith clusters the rows added, which built ix in the order perm
// (newItemIndexRows), and returns the set: its rows in ix's order of
// ranks, with ix's ids, days and countries.
func (b *pointSetBuilder) finishWith(ix *itemIndex, perm []int32) (*pointSet, error) {
	ps := b.ps
	if len(perm) != ix.n || len(ps.titles.refs) != ix.n {
		return nil, fmt.Errorf("api: tile index: %d rows for an item index of %d", len(ps.titles.refs), ix.n)
	}
	ps.ids, ps.days, ps.fatalities = ix.ids, ix.starts, ix.fatalities
	ps.countries, ps.countryNames = ix.codes[countryProp], ix.values[countryProp]
	ps.titles.refs = permuted(ps.titles.refs, perm)
	ps.items = ix
	kinds := make([]uint8, len(ix.values[eventTypeProp]))
	for c, v := range ix.values[eventTypeProp] {
		kinds[c] = kindOf(v)
	}
	b.pts = make([]cluster.Point, ix.n)
	for r := range b.pts {
		b.pts[r] = cluster.Point{Lon: ix.lons[r], Lat: ix.lats[r], Kind: kinds[ix.codes[eventTypeProp][r]]}
	}
	return b.finish()
}

// finish clusters the rows added and returns the set.
func (b *pointSetBuilder) finish() (*pointSet, error) {
	b.ps.titles.done()
	ix, err := cluster.Build(b.pts, cluster.Options{Kinds: len(eventKinds)})
	b.pts = nil
	if err != nil {
		return nil, fmt.Errorf("api: cluster incidents: %w", err)
	}
	b.ps.ix = ix
	return b.ps, nil
}

// tileIndexes keeps the point sets: one of all published incidents,
// rebuilt in the background when the data version changes (the previous
// one serves meanwhile), and a bounded LRU of filtered ones built on
// demand. Filtered sets never evict the published one.
type tileIndexes struct {
	store incidentmap.Store
	log   *slog.Logger
	// items is the item index, built from the same scan as the published
	// set when it needs building too; nil when it is off.
	items *itemIndexes
	// scans lets one full scan of the published incidents run at a time
	// (this set's or the item index's), so that the builds at start-up
	// do not hold their rows, and the garbage of reading them, at once.
	scans sync.Mutex

	mu        sync.Mutex
	published *pointSet
	building  string        // the version being built; "" when none
	built     chan struct{} // closed when the build of building ends
	buildErr  error         // of the last build of the published set

	filtered *lru[string, *filteredEntry]
	// fromMemory counts the filtered sets built from the published set
	// (tilefilter.go), fromStore those built by a scan of the store.
	fromMemory, fromStore atomic.Int64
	builds                chan struct{} // a token per filtered build under way
	maxFiltered           int           // maxFilteredPoints, or less in tests

	// Encoded tiles of the published set and of filtered sets, apart so
	// that filtered requests cannot evict the tiles everyone shares.
	publishedTiles, filteredTiles *tileCache
}

// filteredEntry is a filtered point set, built or being built.
type filteredEntry struct {
	done    chan struct{} // closed when built or failed
	set     *pointSet
	err     error
	waiters int                // requests waiting for the build
	cancel  context.CancelFunc // ends the build
}

func newTileIndexes(store incidentmap.Store, log *slog.Logger) *tileIndexes {
	t := &tileIndexes{store: store, log: log, builds: make(chan struct{}, filteredBuilds), maxFiltered: maxFilteredPoints,
		publishedTiles: newTileCache(publishedTileBytes, tileSeenKeys),
		filteredTiles:  newTileCache(filteredTileBytes, tileSeenKeys)}
	t.filtered = newLRU[string](filteredIndexes, filteredPointBudget, func(e *filteredEntry) int {
		if e.set == nil {
			return 0
		}
		return e.set.ix.Len()
	})
	return t
}

// warm starts the build of the published set for version, unless it is
// built or being built already. The caller holds t.mu.
func (t *tileIndexes) warmLocked(version string) {
	if t.building != "" || (t.published != nil && t.published.version == version) {
		return
	}
	t.building = version
	t.built = make(chan struct{})
	go t.build(version, t.built)
}

// shareItems makes m the item index that the published set's build
// builds from its own scan, and makes m's builds go through that build,
// so that the published set has the item index its filtered sets are
// answered from (filterPublished) whichever of the two a request asks for
// first. (Built apart, an item index asked for first left the published
// set of the same version without one: every filtered cluster, bin and
// tile went to the store, seconds at a million.)
func (t *tileIndexes) shareItems(m *itemIndexes) {
	t.items = m
	m.shared = t.warmShared
}

// warmShared starts the build of the published set of version unless one
// is under way, and reports whether a build is under way: false when the
// set of version is already built, and the item index must be built apart.
// A build of an older version under way counts: the next request asks again.
func (t *tileIndexes) warmShared(version string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.published != nil && t.published.version == version {
		return false
	}
	t.warmLocked(version)
	return true
}

// Warm builds the published set of the store's current data version in
// the background.
func (t *tileIndexes) Warm(ctx context.Context) error {
	v, err := t.store.DataVersion(ctx)
	if err != nil {
		return err
	}
	t.mu.Lock()
	t.warmLocked(v.ETag())
	t.mu.Unlock()
	return nil
}

// build builds the published set for version and publishes it.
func (t *tileIndexes) build(version string, done chan struct{}) {
	ctx, cancel := context.WithTimeout(context.Background(), publishedBuildTimeout)
	defer cancel()
	t.scans.Lock()
	start := time.Now()
	ps, err := t.buildPublished(ctx, version)
	t.scans.Unlock()
	t.mu.Lock()
	defer t.mu.Unlock()
	t.building = ""
	t.buildErr = err
	if err == nil {
		t.published = ps
		t.log.Info("tile index built", slog.Int("incidents", ps.ix.Len()), slog.Duration("took", time.Since(start)))
	} else {
		t.log.Error("tile index build failed", slog.String("error", err.Error()))
	}
	close(done)
}

// buildPublished reads the published incidents into the set of version
// and, when the item index of version is to be built and no other build
// of it is under way, into that index too, which it hands to t.items:
// one scan of the store for both read models instead of one each.
func (t *tileIndexes) buildPublished(ctx context.Context, version string) (*pointSet, error) {
	hint := 0
	if v, err := t.store.DataVersion(ctx); err == nil {
		hint = v.Incidents // drafts included: an upper bound
	}
	f := publishedOnly()
	if t.items == nil || !t.items.claim(version) {
		b := newPointSetBuilder(version, 0, hint)
		if err := t.store.ScanPoints(ctx, f, b.add); err != nil {
			return nil, err
		}
		return b.finish()
	}
	b := newPointSetWithItems(version, hint)
	start := time.Now()
	ix, perm, err := newItemIndexRows(version, func(fn func(incidentmap.PointRow) error) error {
		return t.store.ScanPoints(ctx, f, func(p incidentmap.PointRow) error {
			if err := b.add(p); err != nil {
				return err
			}
			return fn(p)
		})
	})
	t.items.finish(ctx, version, ix, err, time.Since(start))
	if err != nil {
		return nil, err
	}
	return b.finishWith(ix, perm)
}

// Published returns the set of all published incidents at version. When
// only an older one exists it starts a rebuild and returns the older one,
// with stale set; when none exists it waits for the first build.
func (t *tileIndexes) Published(ctx context.Context, version string) (ps *pointSet, stale bool, err error) {
	for range 2 {
		t.mu.Lock()
		ps := t.published
		t.warmLocked(version)
		built, building := t.built, t.building != ""
		t.mu.Unlock()
		if ps != nil {
			return ps, ps.version != version, nil
		}
		if !building {
			continue
		}
		select {
		case <-built:
		case <-ctx.Done():
			return nil, false, ctx.Err()
		}
		t.mu.Lock()
		ps, err = t.published, t.buildErr
		t.mu.Unlock()
		if ps != nil {
			return ps, ps.version != version, nil
		}
		if err != nil {
			return nil, false, fmt.Errorf("api: tile index: %w", err)
		}
	}
	return nil, false, errors.New("api: tile index: not built")
}

// Filtered returns the set of the incidents f selects at version, key
// naming f. Requests for the same key share one build; a build whose
// requests all went away is cancelled.
func (t *tileIndexes) Filtered(ctx context.Context, f incidentmap.Filter, key, version string) (*pointSet, error) {
	key = version + "\x00" + key
	t.mu.Lock()
	e, ok := t.filtered.Get(key)
	if !ok {
		bctx, cancel := context.WithCancel(context.Background())
		e = &filteredEntry{done: make(chan struct{}), cancel: cancel}
		t.filtered.Add(key, e)
		go t.buildFiltered(bctx, e, key, f, version)
	}
	e.waiters++
	t.mu.Unlock()
	select {
	case <-e.done:
		t.mu.Lock()
		e.waiters--
		t.mu.Unlock()
		return e.set, e.err
	case <-ctx.Done():
		t.mu.Lock()
		e.waiters--
		if e.waiters == 0 {
			select {
			case <-e.done:
			default:
				// Nobody wants it any more: stop it and forget it.
				e.cancel()
				if cur, ok := t.filtered.Peek(key); ok && cur == e {
					t.filtered.Remove(key)
				}
			}
		}
		t.mu.Unlock()
		return nil, ctx.Err()
	}
}

// buildFiltered builds the filtered entry e, one of at most
// filteredBuilds at a time.
func (t *tileIndexes) buildFiltered(ctx context.Context, e *filteredEntry, key string, f incidentmap.Filter, version string) {
	defer e.cancel()
	select {
	case t.builds <- struct{}{}:
		e.set, e.err = t.buildFilteredSet(ctx, f, version)
		<-t.builds
	case <-ctx.Done():
		e.err = ctx.Err()
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if cur, ok := t.filtered.Peek(key); ok && cur == e {
		if e.err != nil {
			t.filtered.Remove(key) // an error is not kept: the next request tries again
		} else {
			t.filtered.Resize(key) // its cost is known now
		}
	}
	close(e.done)
}

// cacheFor returns the cache of encoded responses for a request's filter:
// the published set's or the filtered sets'.
func (t *tileIndexes) cacheFor(tq tileQuery) *tileCache {
	if tq.key == "" {
		return t.publishedTiles
	}
	return t.filteredTiles
}
