package api

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
)

// Defaults of the limits in Config.
const (
	// DefaultMaxHeavy is how many heavy requests (requests for data:
	// collections, items, counts; extraction) run at once when
	// Config.MaxHeavy is zero.
	DefaultMaxHeavy = 8
	// DefaultHeavyQueue is how many heavy requests may wait for a slot
	// when Config.HeavyQueue is zero.
	DefaultHeavyQueue = 64
	// DefaultHeavyWait is how long a heavy request waits for a slot when
	// Config.HeavyWait is zero.
	DefaultHeavyWait = 30 * time.Second
	// DefaultMaxRequestBytes caps a request body when Config.MaxRequestBytes is
	// zero.
	DefaultMaxRequestBytes = 2 << 20
	// DefaultWriteStall is how long one write of a response may block on a
	// client that does not read when Config.WriteStall is zero.
	DefaultWriteStall = 15 * time.Second
)

// Names of the limits, as error bodies and metrics name them.
const (
	limitHeavy    = "heavy-requests"
	limitBody     = "body-bytes"
	limitDatabase = "database"
	limitDeadline = "request-timeout"
)

// retryAfterDB is what a client is told to wait when the database is down.
const retryAfterDB = 5 * time.Second

// limitError is a request refused by a limit of the server: it becomes a
// response of status, with a Retry-After when retry is set and a body
// whose "limit" member names the limit.
type limitError struct {
	status int
	limit  string
	msg    string
	retry  time.Duration
	cause  error // what the limit hides from the client, for the log
}

func (e *limitError) Error() string {
	if e.cause != nil {
		return e.msg + ": " + e.cause.Error()
	}
	return e.msg
}

func (e *limitError) Unwrap() error { return e.cause }

// retryAfter formats a Retry-After value in whole seconds, at least 1.
func retryAfter(d time.Duration) string {
	return strconv.Itoa(max(1, int(math.Ceil(d.Seconds()))))
}

// heavyGate lets at most max heavy requests run at once; up to queue more
// wait at most wait for a slot, and the rest are refused at once.
type heavyGate struct {
	slots   chan struct{}
	wait    time.Duration
	mu      sync.Mutex
	waiting int
	queue   int
}

func newHeavyGate(maxRunning, queue int, wait time.Duration) *heavyGate {
	return &heavyGate{slots: make(chan struct{}, maxRunning), queue: queue, wait: wait}
}

// acquire takes a slot, waiting as long as the gate allows; the error is a
// *limitError, or the context's error when the client went away.
func (g *heavyGate) acquire(ctx context.Context) error {
	select {
	case g.slots <- struct{}{}:
		return nil
	default:
	}
	g.mu.Lock()
	if g.waiting >= g.queue {
		g.mu.Unlock()
		return g.refuse("and %d more are waiting", g.queue)
	}
	g.waiting++
	g.mu.Unlock()
	defer func() {
		g.mu.Lock()
		g.waiting--
		g.mu.Unlock()
	}()
	t := time.NewTimer(g.wait)
	defer t.Stop()
	select {
	case g.slots <- struct{}{}:
		return nil
	case <-t.C:
		return g.refuse("and none finished within %v", g.wait)
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (g *heavyGate) release() { <-g.slots }

func (g *heavyGate) refuse(format string, args ...any) error {
	return &limitError{status: http.StatusServiceUnavailable, limit: limitHeavy, retry: 2 * time.Second,
		msg: fmt.Sprintf("the server is busy: %d heavy requests are running (the limit) %s; retry later",
			cap(g.slots), fmt.Sprintf(format, args...))}
}

// inFlight reports the heavy requests running and waiting, for /metrics.
func (g *heavyGate) inFlight() (running, waiting int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.slots), g.waiting
}

// heavy admits a request through the heavy gate. It runs before the cache
// middleware, whose data version is a query of its own.
func (s *server) heavy(c *gin.Context) {
	if err := s.gate.acquire(c.Request.Context()); err != nil {
		s.renderError(c, err)
		return
	}
	defer s.gate.release()
	c.Next()
}

// stallGuard gives every write of the response its own deadline of
// s.writeStall, so that a client that stops reading loses its connection
// (and the heavy slot and database connection its response holds) after
// that long, however long the request may take in all: a slow but steady
// reader keeps going until the request's deadline. The final flush, after
// the handler, gets the same allowance.
func (s *server) stallGuard(c *gin.Context) {
	rc := http.NewResponseController(c.Writer)
	c.Writer = &stallWriter{ResponseWriter: c.Writer, rc: rc, stall: s.writeStall}
	defer func() { _ = rc.SetWriteDeadline(time.Now().Add(s.writeStall)) }()
	c.Next()
}

// stallWriter renews the write deadline before each write and flush. Where
// deadlines are not supported (httptest), it just writes.
type stallWriter struct {
	gin.ResponseWriter
	rc    *http.ResponseController
	stall time.Duration
}

func (w *stallWriter) renew() { _ = w.rc.SetWriteDeadline(time.Now().Add(w.stall)) }

func (w *stallWriter) Write(p []byte) (int, error) {
	w.renew()
	return w.ResponseWriter.Write(p)
}

func (w *stallWriter) WriteString(s string) (int, error) {
	w.renew()
	return w.ResponseWriter.WriteString(s)
}

func (w *stallWriter) Flush() {
	w.renew()
	w.ResponseWriter.Flush()
}

// limitBody caps the request body at s.maxRequest bytes, or an import's at
// s.maxImport; reading past the cap fails with *http.MaxBytesError, which
// bodyError turns into a 413.
func (s *server) limitBody(c *gin.Context) {
	limit := s.maxRequest
	if c.Request.URL.Path == importsPath {
		limit = s.maxImport
	}
	if c.Request.ContentLength > limit {
		s.renderError(c, bodyTooLarge(limit))
		return
	}
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, limit)
	c.Next()
}

func bodyTooLarge(limit int64) error {
	return &limitError{status: http.StatusRequestEntityTooLarge, limit: limitBody,
		msg: fmt.Sprintf("the request body is larger than the limit of %d bytes", limit)}
}

// bodyError turns an error from reading a request body into the limit
// error when the body was too large, and returns other errors unchanged.
func bodyError(err error) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return bodyTooLarge(tooBig.Limit)
	}
	return err
}

// readiness is the one readiness check of the server: it runs check with
// its own deadline, detached from any request, and at most once at a time:
// a burst of probes (or of failing requests asking whether the database is
// down) waits for the check in progress instead of starting its own.
type readiness struct {
	check func(context.Context) error

	mu      sync.Mutex
	err     error
	running chan struct{} // closed when the check in progress ends
}

// get runs the check, or joins the one in progress, and returns its answer.
func (r *readiness) get(ctx context.Context) error {
	r.mu.Lock()
	if r.running == nil {
		r.running = make(chan struct{})
		go r.run(r.running)
	}
	done := r.running
	r.mu.Unlock()
	select {
	case <-done:
		r.mu.Lock()
		defer r.mu.Unlock()
		return r.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (r *readiness) run(done chan struct{}) {
	ctx, cancel := context.WithTimeout(context.Background(), readyTimeout)
	err := r.check(ctx)
	cancel()
	r.mu.Lock()
	r.err, r.running = err, nil
	r.mu.Unlock()
	close(done)
}
