package api

import (
	"container/list"
	"sync"
)

// lru is a least-recently-used cache bounded by a number of entries and a
// total cost. It is not safe for concurrent use; callers lock.
type lru[K comparable, V any] struct {
	maxEntries, maxCost int
	cost                func(V) int
	total               int
	order               *list.List // of *lruItem, most recent first
	items               map[K]*list.Element
}

type lruItem[K comparable, V any] struct {
	key  K
	val  V
	cost int
}

// newLRU returns a cache of at most maxEntries entries whose costs add up
// to at most maxCost.
func newLRU[K comparable, V any](maxEntries, maxCost int, cost func(V) int) *lru[K, V] {
	return &lru[K, V]{maxEntries: maxEntries, maxCost: maxCost, cost: cost, order: list.New(), items: map[K]*list.Element{}}
}

// Get returns the value of key and marks it used.
func (c *lru[K, V]) Get(key K) (V, bool) {
	if el, ok := c.items[key]; ok {
		c.order.MoveToFront(el)
		return el.Value.(*lruItem[K, V]).val, true
	}
	var zero V
	return zero, false
}

// Peek returns the value of key without marking it used.
func (c *lru[K, V]) Peek(key K) (V, bool) {
	if el, ok := c.items[key]; ok {
		return el.Value.(*lruItem[K, V]).val, true
	}
	var zero V
	return zero, false
}

// Add stores val under key, replacing any value there, and evicts the
// least recently used entries beyond the bounds. A value that costs more
// than the whole budget is not stored.
func (c *lru[K, V]) Add(key K, val V) {
	c.Remove(key)
	it := &lruItem[K, V]{key: key, val: val, cost: c.cost(val)}
	if it.cost > c.maxCost {
		return
	}
	c.items[key] = c.order.PushFront(it)
	c.total += it.cost
	c.evict(key)
}

// Resize recomputes the cost of key's value, which may have changed, and
// evicts others to fit; a value now over the budget is dropped.
func (c *lru[K, V]) Resize(key K) {
	el, ok := c.items[key]
	if !ok {
		return
	}
	it := el.Value.(*lruItem[K, V])
	c.total += c.cost(it.val) - it.cost
	it.cost = c.cost(it.val)
	if it.cost > c.maxCost {
		c.Remove(key)
		return
	}
	c.evict(key)
}

// evict drops least recently used entries other than keep until the
// bounds hold.
func (c *lru[K, V]) evict(keep K) {
	for c.order.Len() > 1 && (c.order.Len() > c.maxEntries || c.total > c.maxCost) {
		el := c.order.Back()
		if it := el.Value.(*lruItem[K, V]); it.key == keep {
			el = el.Prev()
		}
		c.Remove(el.Value.(*lruItem[K, V]).key)
	}
}

// Remove drops key.
func (c *lru[K, V]) Remove(key K) {
	if el, ok := c.items[key]; ok {
		c.total -= el.Value.(*lruItem[K, V]).cost
		c.order.Remove(el)
		delete(c.items, key)
	}
}

// Len returns the number of entries.
func (c *lru[K, V]) Len() int { return c.order.Len() }

// tileCache holds encoded tiles, bounded in bytes, and resists scans: a
// tile enters the cache only when asked for a second time while its key
// is still remembered among the recently seen, so one client walking
// through thousands of tiles once cannot flush the tiles everyone asks
// for. It is safe for concurrent use.
type tileCache struct {
	mu   sync.Mutex
	seen *lru[string, struct{}]
	hot  *lru[string, []byte]
}

// newTileCache returns a cache of at most maxBytes of tiles that
// remembers the last seenKeys keys asked for.
func newTileCache(maxBytes, seenKeys int) *tileCache {
	return &tileCache{
		seen: newLRU[string](seenKeys, seenKeys, func(struct{}) int { return 1 }),
		hot:  newLRU[string](1<<30, maxBytes, func(b []byte) int { return len(b) + len(b)/8 + 64 }),
	}
}

// Get returns the tile of key.
func (c *tileCache) Get(key string) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.hot.Get(key)
}

// Add offers a tile: cached when its key was seen before, else only
// remembered.
func (c *tileCache) Add(key string, body []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.seen.Get(key); ok {
		c.seen.Remove(key)
		c.hot.Add(key, body)
		return
	}
	c.seen.Add(key, struct{}{})
}
