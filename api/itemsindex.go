package api

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"hash/maphash"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/incidentmap/incidentmap"
	"github.com/incidentmap/incidentmap/feature"
)

// Bounds of the item read model.
const (
	// featureCacheBytes bounds the encoded features kept for item pages
	// (about 40,000 features of 720 bytes, four pages of 10,000). It was
	// 64 MB: at 1M incidents the read models and the built-in basemap
	// hold about 320 MB, and a full cache of 64 MB left a 400 MiB
	// --memory-limit no room to collect in.
	featureCacheBytes = 32 << 20
	// featureCacheShards is how many independently locked parts the
	// feature cache has, so that concurrent pages rarely wait on a lock.
	featureCacheShards = 32
	// fetchChunk is how many incidents one query by id asks for: well
	// below the stores' cap on the terms of a filter.
	fetchChunk = 256
	// itemBuildSpacing spaces the builds of the index: the next one
	// starts no sooner than this many times the last one's duration
	// after it ended, so that rebuilding after writes takes at most a
	// fifth of the time.
	itemBuildSpacing = 4
)

// itemIndexes keeps the item index of the latest data version, built in
// the background when a request finds it missing or stale; until it is
// built, requests go to the store. A stale index is dropped, never
// served. It also holds the cache of encoded features.
type itemIndexes struct {
	store incidentmap.Store
	log   *slog.Logger
	cache *featureCache
	// scans is held while the index is built from a scan of its own, one
	// full scan of the published incidents at a time (tileIndexes.scans).
	scans *sync.Mutex
	// shared, when set, starts the build of the tile sets' published set
	// of a version, which builds this index from the same scan (see
	// tileIndexes.shareItems), and reports whether it did or one is under
	// way; false, the index is built from a scan of its own.
	shared func(version string) bool

	mu        sync.Mutex
	current   *itemIndex
	building  bool
	notBefore time.Time // no build starts before this

	// Pages answered from the index and requests it left to the store.
	served, passed atomic.Int64
}

func newItemIndexes(store incidentmap.Store, log *slog.Logger, scans *sync.Mutex) *itemIndexes {
	return &itemIndexes{store: store, log: log, cache: newFeatureCache(featureCacheBytes), scans: scans}
}

// get returns the index of version, or nil when there is none yet; then
// it starts building one unless a build is under way or too recent.
func (m *itemIndexes) get(version string) *itemIndex {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.current != nil && m.current.version == version {
		return m.current
	}
	m.current = nil // stale: never served, so not kept
	if !m.claimableLocked(version) {
		return nil
	}
	if m.shared != nil && m.shared(version) {
		return nil // its build claims this index (tileIndexes.buildPublished)
	}
	m.building = true
	go m.build(version)
	return nil
}

// claim reports whether the caller is to build the index of version (and
// then call finish): it is not built, no build is under way and the last
// one was not too recent.
func (m *itemIndexes) claim(version string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.claimLocked(version)
}

func (m *itemIndexes) claimLocked(version string) bool {
	if !m.claimableLocked(version) {
		return false
	}
	m.building = true
	return true
}

// claimableLocked reports whether a build of version may start: the index
// of version is not there, no build is under way and the last one was not
// too recent.
func (m *itemIndexes) claimableLocked(version string) bool {
	return (m.current == nil || m.current.version != version) && !m.building && !time.Now().Before(m.notBefore)
}

// build builds the index of version from a scan of its own.
func (m *itemIndexes) build(version string) {
	ctx, cancel := context.WithTimeout(context.Background(), publishedBuildTimeout)
	defer cancel()
	m.scans.Lock()
	defer m.scans.Unlock()
	start := time.Now()
	ix, err := buildItemIndex(ctx, m.store, version)
	m.finish(ctx, version, ix, err, time.Since(start))
}

// finish ends the build claimed for version, which took took and gave ix
// or err: ix becomes current unless the data changed during the scan.
func (m *itemIndexes) finish(ctx context.Context, version string, ix *itemIndex, err error, took time.Duration) {
	if err == nil {
		// The rows are those of version only if no write came between
		// the version and the end of the scan; else build again later.
		v, verr := m.store.DataVersion(ctx)
		if err = verr; err == nil && v.ETag() != version {
			err = errDataChanged
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.building = false
	m.notBefore = time.Now().Add(itemBuildSpacing * took)
	if errors.Is(err, errDataChanged) {
		m.log.Info("item index: the data changed during the build; the next request starts another")
		return
	}
	if err != nil {
		m.log.Error("item index build failed", slog.String("error", err.Error()))
		return
	}
	m.current = ix
	m.log.Info("item index built", slog.Int("incidents", ix.n), slog.Duration("took", took))
}

// bodyLists pools the lists of the encoded features of a page, so that a
// page of 10,000 does not leave 240 KB of garbage behind: under 50
// clients that garbage set how often the collector ran.
var bodyLists = sync.Pool{New: func() any { return new([][]byte) }}

// errDataChanged ends a build whose rows may be of a later data version
// than the one it was started for.
var errDataChanged = errors.New("api: item index: the data changed during the build")

// errStaleRow stops a fetch whose rows changed since the index was built.
var errStaleRow = errors.New("api: item index: a row changed")

// features returns the encoded features of the ranks of ix in bodies (as
// long as ranks, all nil), from the cache or else read by id from the
// store in a few queries, or false when a row is not the one the index
// holds (it changed since): the caller then leaves the page to the store.
func (m *itemIndexes) features(ctx context.Context, ix *itemIndex, ranks []int32, bodies [][]byte) ([][]byte, bool, error) {
	var missing []int
	for i, r := range ranks {
		if b, ok := m.cache.get(ix.ids.bytes(int(r)), ix.versions[r], ix.updated[r]); ok {
			bodies[i] = b
		} else {
			missing = append(missing, i)
		}
	}
	buf := make([]byte, 0, 2048)
	ok, err := m.readByID(ctx, ix, ranks, missing, func(i int, inc *incidentmap.Incident) {
		r := ranks[i]
		buf = feature.Append(buf[:0], inc)
		bodies[i] = bytes.Clone(buf)
		m.cache.add(inc.ID, ix.versions[r], ix.updated[r], bodies[i])
	})
	if !ok || err != nil {
		return nil, false, err
	}
	return bodies, true, nil
}

// readByID reads the published incidents of ranks[i] for each i of which
// from the store by id (the primary key), fetchChunk of them a query, and
// calls fn with i and each. It returns false when a row is not the one
// the index holds (another version, or gone since the index was built):
// the caller then leaves the page to the store.
func (m *itemIndexes) readByID(ctx context.Context, ix *itemIndex, ranks []int32, which []int, fn func(i int, inc *incidentmap.Incident)) (bool, error) {
	for len(which) > 0 {
		chunk := which[:min(len(which), fetchChunk)]
		which = which[len(chunk):]
		at := make(map[string]int, len(chunk))
		vals := make([]incidentmap.Literal, len(chunk))
		for j, i := range chunk {
			id := ix.ids.get(int(ranks[i]))
			at[id], vals[j] = i, incidentmap.String(id)
		}
		f := incidentmap.Filter{Where: incidentmap.AllOf(incidentmap.InStrings("status", string(incidentmap.StatusPublished)),
			incidentmap.In{Prop: "id", Values: vals}), Limit: len(chunk)}
		read := 0
		_, err := m.store.FindIncidents(ctx, f, func(inc *incidentmap.Incident) error {
			i, ok := at[inc.ID]
			r := ranks[i]
			if !ok || int(ix.versions[r]) != inc.Version || ix.updated[r] != inc.UpdatedAt.UnixNano() {
				return errStaleRow
			}
			delete(at, inc.ID) // each id once
			fn(i, inc)
			read++
			return nil
		})
		if errors.Is(err, errStaleRow) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		if read != len(chunk) {
			return false, nil // gone since the index was built
		}
	}
	return true, nil
}

// indexedPage is a page of the item index: the index, the ranks of its
// incidents in the page's order, and what the page is (its first and next
// cursors, how many it returns and numberMatched), all known before an
// incident is read.
type indexedPage struct {
	ix    *itemIndex
	ranks []int32
	p     page
}

// pageFromIndex decides the page of f from the item index when the index
// can (see itemIndex.plan) and is of the request's data version: which
// incidents, in which order, with which next cursor and numberMatched. It
// returns nil, counting the request as passed, when the store must answer.
func (s *server) pageFromIndex(c *gin.Context, f incidentmap.Filter) *indexedPage {
	if s.itemIx == nil {
		return nil
	}
	v, err := s.dataVersion(c)
	if err != nil {
		return nil // the store path reports it
	}
	ix := s.itemIx.get(v.ETag())
	if ix == nil {
		s.itemIx.passed.Add(1)
		return nil
	}
	plan, ok := ix.plan(f)
	if ok && pageCursor(f) != nil {
		_, err := pageCursor(f).Values(f.Order())
		ok = err == nil // the store names the bad cursor
	}
	if !ok {
		s.itemIx.passed.Add(1)
		return nil
	}
	ranks, more, ok := ix.page(plan, pageCursor(f), f.PageLimit())
	if !ok {
		s.itemIx.passed.Add(1)
		return nil
	}
	p := page{returned: len(ranks)}
	if len(ranks) > 0 {
		p.first = ix.cursorOf(plan, ranks[0])
	}
	if more && f.Before == nil {
		p.next = ix.cursorOf(plan, ranks[len(ranks)-1])
	}
	if f.Before != nil && len(ranks) > 0 {
		p.last = ix.cursorOf(plan, ranks[len(ranks)-1])
	}
	counted := -1
	if incidentmap.NeedsCount(f, p.next, s.matchedCap) {
		counted = ix.count(plan, s.matchedCap+1)
	}
	p.matched = incidentmap.PageMatched(f, p.returned, p.next, s.matchedCap, counted)
	return &indexedPage{ix: ix, ranks: ranks, p: p}
}

// itemsFromIndex answers a GeoJSON page of all properties from the item
// index when the index can (see pageFromIndex), with the same bytes as the
// store path, its features from the cache of encoded features. It returns
// false, having written nothing, when the store must answer.
func (s *server) itemsFromIndex(c *gin.Context, q url.Values, f incidentmap.Filter) (bool, error) {
	ip := s.pageFromIndex(c, f)
	if ip == nil {
		return false, nil
	}
	list := bodyLists.Get().(*[][]byte)
	defer func() {
		clear(*list) // no evicted feature kept alive by the pool
		bodyLists.Put(list)
	}()
	*list = slices.Grow((*list)[:0], len(ip.ranks))[:len(ip.ranks)]
	bodies, ok, err := s.itemIx.features(c.Request.Context(), ip.ix, ip.ranks, *list)
	if err != nil {
		return true, err
	}
	if !ok {
		s.itemIx.passed.Add(1)
		return false, nil
	}
	s.itemIx.served.Add(1)
	p := ip.p
	// The page is in hand before a byte is written, so its length is
	// known: a Content-Length spares the connection the chunk framing,
	// and with it a short write per chunk.
	var tail bytes.Buffer
	ts := &stream{w: bufio.NewWriterSize(&tail, 512)}
	if err := s.geoJSONTail(c, q, f)(ts, p); err != nil {
		return true, err
	}
	ts.w.Flush()
	size := len(geoJSONHeadText) + tail.Len() + max(len(bodies)-1, 0)
	for _, b := range bodies {
		size += len(b)
	}
	c.Header("Content-Type", mediaGeoJSON)
	c.Header("Content-Length", strconv.Itoa(size))
	return true, s.writePage(c, func(st *stream) error {
		geoJSONHead(st)
		for i, b := range bodies {
			if i > 0 {
				st.w.WriteByte(',')
			}
			if _, err := st.w.Write(b); err != nil {
				return err
			}
		}
		_, err := st.w.Write(tail.Bytes())
		return err
	})
}

// writePage writes a page through a pooled stream with write; an error
// before anything reached the client is returned (the content headers
// dropped), a failure after it aborts the connection as streamPage does.
func (s *server) writePage(c *gin.Context, write func(*stream) error) error {
	st, _ := s.streams.Get().(*stream)
	if st == nil {
		st = &stream{w: bufio.NewWriterSize(nil, flushBytes)}
	}
	st.w.Reset(c.Writer)
	err := write(st)
	if err == nil {
		err = st.w.Flush()
	}
	st.w.Reset(nil)
	s.streams.Put(st)
	if err == nil {
		return nil
	}
	if !c.Writer.Written() {
		dropContentHeaders(c.Writer.Header())
		return err
	}
	s.log.LogAttrs(c.Request.Context(), slog.LevelDebug, "client went away during a page",
		slog.String("requestId", requestIDOf(c)), slog.String("error", err.Error()))
	panic(http.ErrAbortHandler)
}

// featureCache holds encoded features by id, each with the version and
// updated_at of the row it was encoded from, bounded in bytes, least
// recently used out first, in shards locked apart. It is safe for
// concurrent use.
type featureCache struct {
	// hash is maphash with a seed of the cache's own; a test makes ids
	// collide by replacing it.
	hash   func(id []byte) uint64
	shards [featureCacheShards]featureShard
}

// featureShard is one part of the cache: a map and a list from most to
// least recently used, bounded by maxBytes.
type featureShard struct {
	mu          sync.Mutex
	items       map[uint64]*cachedFeature // by featureCache.key of the id
	head        cachedFeature             // sentinel of the ring of entries
	bytes, maxB int
}

// cachedFeature is one entry of a featureShard.
type cachedFeature struct {
	key        uint64
	id         string
	version    int32
	updated    int64
	body       []byte
	prev, next *cachedFeature
}

func newFeatureCache(maxBytes int) *featureCache {
	seed := maphash.MakeSeed()
	c := &featureCache{hash: func(id []byte) uint64 { return maphash.Bytes(seed, id) }}
	for i := range c.shards {
		sh := &c.shards[i]
		sh.items, sh.maxB = map[uint64]*cachedFeature{}, maxBytes/featureCacheShards
		sh.head.prev, sh.head.next = &sh.head, &sh.head
	}
	return c
}

// cost is what an entry counts against the budget: its bytes and the
// overhead of the entry and map slot.
func (e *cachedFeature) cost() int { return len(e.body) + 2*len(e.id) + 96 }

// key hashes an id once for both the shard and its map: an integer key
// spares the map hashing and comparing the id again (a third of a hit's
// cost was there). Two ids of one key replace each other, and a lookup
// compares the entry's id, so a collision costs a miss, never a wrong
// feature.
func (c *featureCache) key(id []byte) uint64 { return c.hash(id) }

func (c *featureCache) shard(key uint64) *featureShard {
	return &c.shards[key%featureCacheShards]
}

// get returns the feature of id encoded from the row at version and
// updated, if cached.
func (c *featureCache) get(id []byte, version int32, updated int64) ([]byte, bool) {
	k := c.key(id)
	sh := c.shard(k)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	e, ok := sh.items[k]
	if !ok || e.id != string(id) || e.version != version || e.updated != updated {
		return nil, false
	}
	sh.unlink(e)
	sh.pushFront(e)
	return e.body, true
}

// add stores the feature of id at version and updated, evicting the least
// recently used beyond the budget.
func (c *featureCache) add(id string, version int32, updated int64, body []byte) {
	k := c.key([]byte(id))
	sh := c.shard(k)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if old, ok := sh.items[k]; ok {
		sh.unlink(old)
		delete(sh.items, k)
		sh.bytes -= old.cost()
	}
	e := &cachedFeature{key: k, id: id, version: version, updated: updated, body: body}
	if e.cost() > sh.maxB {
		return
	}
	sh.items[k] = e
	sh.pushFront(e)
	sh.bytes += e.cost()
	for sh.bytes > sh.maxB {
		last := sh.head.prev
		sh.unlink(last)
		delete(sh.items, last.key)
		sh.bytes -= last.cost()
	}
}

func (sh *featureShard) unlink(e *cachedFeature) {
	e.prev.next, e.next.prev = e.next, e.prev
}

func (sh *featureShard) pushFront(e *cachedFeature) {
	e.prev, e.next = &sh.head, sh.head.next
	sh.head.next.prev = e
	sh.head.next = e
}
