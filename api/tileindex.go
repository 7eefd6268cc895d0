package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"slices"
	"sync"
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
	// By the index of ScanPoints' order (cluster.Index.Point's second
	// value): id, title, day, country and fatalities (-1: unknown). They
	// hold no pointers, so that a million incidents cost the garbage
	// collector nothing to scan.
	ids, titles textColumn
	countries   []uint16 // into countryNames
	days        []int32  // days since 1970-01-01
	fatalities  []int32

	countryNames []string
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

// buildPointSet reads the incidents f selects from store and clusters
// them, refusing more than limit of them (0: no limit).
func buildPointSet(ctx context.Context, store incidentmap.Store, f incidentmap.Filter, version string, limit int) (*pointSet, error) {
	ps := &pointSet{version: version}
	var pts []cluster.Point
	countries := map[string]uint16{} // a few hundred values
	err := store.ScanPoints(ctx, f, func(p incidentmap.PointRow) error {
		if limit > 0 && len(pts) == limit {
			return incidentmap.Invalidf("filter", "selects more than %d incidents, too many to cluster; narrow it", limit)
		}
		pts = append(pts, cluster.Point{Lon: p.Lon, Lat: p.Lat, Kind: kindOf(p.EventType)})
		if err := ps.ids.add(p.ID); err != nil {
			return err
		}
		if err := ps.titles.add(p.Title); err != nil {
			return err
		}
		c, ok := countries[p.Country]
		if !ok {
			if len(ps.countryNames) > math.MaxUint16 {
				return errors.New("api: tile index: too many countries")
			}
			c = uint16(len(ps.countryNames))
			countries[p.Country] = c
			ps.countryNames = append(ps.countryNames, p.Country)
		}
		ps.countries = append(ps.countries, c)
		ps.days = append(ps.days, int32(p.OccurredStart.Unix()/86400))
		fat := int32(-1)
		if p.Fatalities != nil {
			fat = int32(min(*p.Fatalities, 1<<31-1))
		}
		ps.fatalities = append(ps.fatalities, fat)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if ps.ix, err = cluster.Build(pts, cluster.Options{Kinds: len(eventKinds)}); err != nil {
		return nil, fmt.Errorf("api: cluster incidents: %w", err)
	}
	return ps, nil
}

// tileIndexes keeps the point sets: one of all published incidents,
// rebuilt in the background when the data version changes (the previous
// one serves meanwhile), and a bounded LRU of filtered ones built on
// demand. Filtered sets never evict the published one.
type tileIndexes struct {
	store incidentmap.Store
	log   *slog.Logger

	mu        sync.Mutex
	published *pointSet
	building  string        // the version being built; "" when none
	built     chan struct{} // closed when the build of building ends
	buildErr  error         // of the last build of the published set

	filtered    *lru[string, *filteredEntry]
	builds      chan struct{} // a token per filtered build under way
	maxFiltered int           // maxFilteredPoints, or less in tests

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
	start := time.Now()
	f := incidentmap.Filter{Where: incidentmap.InStrings("status", incidentmap.StatusPublished)}
	ps, err := buildPointSet(ctx, t.store, f, version, 0)
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
		e.set, e.err = buildPointSet(ctx, t.store, f, version, t.maxFiltered)
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
