package postgis

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/incidentmap/incidentmap"
)

// The data version without a round trip. Every change of data_version's
// row sends a NOTIFY on versionChannel when its transaction commits
// (migration 0005), whoever wrote it. A listener holds one connection of
// its own, outside the pool, that LISTENs on the channel; while it does,
// the store answers DataVersion with the last row it read until a
// notification says the row changed. While the listener is down
// (connecting, or between attempts) every DataVersion reads the row.
//
// The races, and why they are safe. Each notification, each change of the
// listener's state and each committed write of this store moves a
// generation counter and drops the cached value. A read of the row notes
// the generation before it asks and caches its answer only if the
// generation has not moved since and the listener is up: a commit that
// the read missed (it committed after the read's snapshot) notifies after
// it committed, so either its notification moved the generation before
// the answer came back (not cached), or it comes later and drops the
// value then. A read that began before LISTEN took effect is never cached,
// as going up moves the generation too. This store's own writes drop the
// value before they return, so the next request of this process reads
// them at once; other processes' writes are seen within a notification's
// latency.

// versionChannel is the channel of migration 0005's notifications.
const versionChannel = "incidentmap_data_version"

// The listener's timing: its first retry after a failure, the longest
// wait between retries (the backoff doubles up to it and starts over once
// a connection LISTENs again), how long one connection attempt may take,
// and how long a quiet connection waits before it pings the server to
// find a connection that died without a word (a half-open TCP connection
// would otherwise keep a stale value current).
const (
	listenRetryMin  = 100 * time.Millisecond
	listenRetryMax  = 10 * time.Second
	listenConnect   = 10 * time.Second
	listenQuietPing = 30 * time.Second
)

// versionCache is the data version known to be current. A nil
// *versionCache caches nothing: every DataVersion reads the row.
type versionCache struct {
	mu    sync.Mutex
	up    bool   // the listener LISTENs
	gen   uint64 // moves at every notification, listener up or down, and write of this store
	valid bool   // v is current
	v     incidentmap.DataVersion
}

// get returns the current version if it is known, or else the generation
// that a read of the row must pass to put.
func (c *versionCache) get() (v incidentmap.DataVersion, gen uint64, ok bool) {
	if c == nil {
		return v, 0, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.valid { // only while up: put needs up, setUp(false) drops it
		return c.v, c.gen, true
	}
	return v, c.gen, false
}

// put keeps v, read of the row after get returned gen, unless something
// changed since or the listener is down.
func (c *versionCache) put(v incidentmap.DataVersion, gen uint64) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.up && c.gen == gen {
		c.v, c.valid = v, true
	}
}

// forget drops the cached version: a notification came, or this store
// wrote.
func (c *versionCache) forget() {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	c.valid = false
}

// setUp records that the listener LISTENs (or no longer does) and drops
// the cached version either way.
func (c *versionCache) setUp(up bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.up = up
	c.gen++
	c.valid = false
}

// isUp reports whether the listener LISTENs (never for a nil cache).
func (c *versionCache) isUp() bool {
	if c == nil {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.up
}

// listener keeps a versionCache current from the notifications of
// versionChannel; stop ends it.
type listener struct {
	cfg    *pgx.ConnConfig
	cache  *versionCache
	cancel context.CancelFunc
	done   chan struct{} // closed when run returns
	pid    atomic.Uint32 // the backend of the connection that LISTENs, 0 when down
	heard  atomic.Int64  // notifications received
}

// startListener starts a listener on a connection of its own to cfg.
func startListener(cfg *pgx.ConnConfig, cache *versionCache) *listener {
	ctx, cancel := context.WithCancel(context.Background())
	l := &listener{cfg: cfg, cache: cache, cancel: cancel, done: make(chan struct{})}
	go l.run(ctx)
	return l
}

// stop ends the listener and waits for it to close its connection.
func (l *listener) stop() {
	l.cancel()
	<-l.done
}

// run connects and listens until ctx ends, and after a failure tries
// again after a wait that doubles from listenRetryMin up to
// listenRetryMax.
func (l *listener) run(ctx context.Context) {
	defer close(l.done)
	wait := listenRetryMin
	for ctx.Err() == nil {
		if l.session(ctx) {
			wait = listenRetryMin
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		wait = min(2*wait, listenRetryMax)
	}
}

// session connects, LISTENs and forgets the cached version at each
// notification until the connection fails or ctx ends. It reports whether
// it got as far as LISTENing.
func (l *listener) session(ctx context.Context) (wasUp bool) {
	cctx, cancel := context.WithTimeout(ctx, listenConnect)
	conn, err := pgx.ConnectConfig(cctx, l.cfg)
	if err == nil {
		_, err = conn.Exec(cctx, `LISTEN `+versionChannel)
	}
	cancel()
	if conn != nil {
		defer func() {
			closeCtx, cancel := context.WithTimeout(context.Background(), time.Second)
			defer cancel()
			conn.Close(closeCtx)
		}()
	}
	if err != nil {
		return false
	}
	l.pid.Store(conn.PgConn().PID())
	l.cache.setUp(true)
	defer func() { // before the connection closes, which may take a while
		l.pid.Store(0)
		l.cache.setUp(false)
	}()
	for {
		wctx, cancel := context.WithTimeout(ctx, listenQuietPing)
		_, err := conn.WaitForNotification(wctx)
		cancel()
		switch {
		case err == nil:
			l.cache.forget()
			l.heard.Add(1)
		case ctx.Err() != nil:
			return true
		case pgconn.Timeout(err):
			pctx, cancel := context.WithTimeout(ctx, listenConnect)
			err = conn.Ping(pctx)
			cancel()
			if err != nil {
				return true
			}
		default:
			return true
		}
	}
}
