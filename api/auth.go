package api

import (
	"crypto/sha256"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/incidentmap/incidentmap"
)

// Defaults of the authentication settings of Config.
const (
	// DefaultAuthFailures is how many failed authentications one client
	// address may make per minute before it is refused for the rest of it.
	DefaultAuthFailures = 10
	// maxTrackedClients bounds the memory of the failure counter.
	maxTrackedClients = 10000
)

// codeTooManyRequests is the code of a client refused for failing to
// authenticate too often.
const codeTooManyRequests = "too_many_requests"

var (
	// errUnauthenticated answers every failed authentication alike: it
	// never says whether the key exists, is revoked or mistyped.
	errUnauthenticated = incidentmap.Errorf(incidentmap.EUNAUTHORIZED, "this needs a valid API key: Authorization: Bearer <key>")
	errForbidden       = incidentmap.Errorf(incidentmap.EFORBIDDEN, "the API key's role does not allow this")
	errTooManyFailures = incidentmap.Errorf(codeTooManyRequests, "too many failed authentications from this address; try again in a minute")
)

// principalKey is where authenticate leaves the caller's key in the gin
// context.
const principalKey = "incidentmap.apiKey"

// failures counts failed authentications per client address in fixed
// one-minute windows.
type failures struct {
	mu      sync.Mutex
	limit   int
	windows map[string]*failureWindow
}

type failureWindow struct {
	start time.Time
	n     int
}

// blocked reports whether addr has used up its failures in the window
// that now falls in.
func (f *failures) blocked(addr string, now time.Time) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	w := f.windows[addr]
	return w != nil && now.Sub(w.start) < time.Minute && w.n >= f.limit
}

// fail counts a failure of addr.
func (f *failures) fail(addr string, now time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.windows == nil {
		f.windows = map[string]*failureWindow{}
	}
	w := f.windows[addr]
	if w == nil || now.Sub(w.start) >= time.Minute {
		if len(f.windows) >= maxTrackedClients {
			for a, old := range f.windows {
				if now.Sub(old.start) >= time.Minute {
					delete(f.windows, a)
				}
			}
			if len(f.windows) >= maxTrackedClients {
				clear(f.windows) // a flood of addresses: start again rather than grow
			}
		}
		w = &failureWindow{start: now}
		f.windows[addr] = w
	}
	w.n++
}

// dummyHash is compared against when a token names no key, so that a
// missing key costs what a wrong secret does.
var dummyHash = sha256.Sum256([]byte("incidentmap"))

// authenticate reads an Authorization: Bearer header, if any, and leaves the
// key in the context. No header, or another scheme, is an anonymous request; a header with a
// key that is malformed, unknown, revoked or wrong is 401 whatever the
// endpoint, with one message for all, and counts against the client
// address, which after Config.AuthFailures failures in a minute gets 429
// for the rest of it. Failures are logged with the address and the key id
// (never the secret).
func (s *server) authenticate(c *gin.Context) {
	h := c.GetHeader("Authorization")
	if scheme, _, _ := strings.Cut(h, " "); !strings.EqualFold(scheme, "Bearer") {
		// No key, or another scheme (such as the Basic of a proxy in
		// front): an anonymous request.
		c.Next()
		return
	}
	addr, now := c.ClientIP(), s.now()
	if s.failures.blocked(addr, now) {
		s.renderError(c, errTooManyFailures)
		return
	}
	key, reason := s.lookupKey(c, h)
	if key == nil {
		s.failures.fail(addr, now)
		id, _, _ := incidentmap.ParseToken(strings.TrimSpace(strings.TrimPrefix(h, "Bearer ")))
		s.log.LogAttrs(c.Request.Context(), slog.LevelWarn, "authentication failed",
			slog.String("requestId", requestIDOf(c)), slog.String("remote", addr),
			slog.String("keyId", id), slog.String("reason", reason))
		c.Header("WWW-Authenticate", `Bearer realm="incidentmap"`)
		s.renderError(c, errUnauthenticated)
		return
	}
	c.Set(principalKey, key)
	c.Request = c.Request.WithContext(incidentmap.WithActor(c.Request.Context(), key.Actor()))
	c.Next()
}

// lookupKey returns the valid key a header names, or nil and why not (for
// the log only).
func (s *server) lookupKey(c *gin.Context, header string) (*incidentmap.APIKey, string) {
	_, token, _ := strings.Cut(header, " ")
	id, secret, ok := incidentmap.ParseToken(strings.TrimSpace(token))
	if !ok {
		return nil, "malformed token"
	}
	if s.keys == nil {
		return nil, "no key store"
	}
	key, err := s.keys.GetAPIKey(c.Request.Context(), id)
	if err != nil {
		// Spend what checking a secret costs, so that an unknown id does
		// not answer faster than a wrong secret.
		(&incidentmap.APIKey{Hash: dummyHash[:]}).Verify(secret)
		if incidentmap.ErrorCode(err) != incidentmap.ENOTFOUND {
			return nil, fmt.Sprintf("lookup: %v", err)
		}
		return nil, "unknown key"
	}
	if !key.Verify(secret) {
		if !key.RevokedAt.IsZero() {
			return nil, "revoked key"
		}
		return nil, "wrong secret"
	}
	return key, ""
}

// principal returns the caller's key, or nil for an anonymous request.
func principal(c *gin.Context) *incidentmap.APIKey {
	k, _ := c.Get(principalKey)
	key, _ := k.(*incidentmap.APIKey)
	return key
}

// require returns the caller's key if its role allows need: 401 without a
// key, 403 with a key of a lesser role.
func require(c *gin.Context, need incidentmap.Role) (*incidentmap.APIKey, error) {
	key := principal(c)
	if key == nil {
		c.Header("WWW-Authenticate", `Bearer realm="incidentmap"`)
		return nil, errUnauthenticated
	}
	if !key.Role.Allows(need) {
		return nil, errForbidden
	}
	return key, nil
}

// readGate refuses anonymous reads when Config.PrivateRead is set.
func (s *server) readGate(c *gin.Context) {
	if s.privateRead && principal(c) == nil {
		c.Header("WWW-Authenticate", `Bearer realm="incidentmap"`)
		s.renderError(c, errUnauthenticated)
		return
	}
	c.Next()
}

// privateCache marks a response that depends on the caller's key as
// private, and every response of the route as varying by Authorization.
func privateCache(c *gin.Context) {
	addVary(c.Writer.Header(), "Authorization")
	if principal(c) != nil {
		c.Header("Cache-Control", "private, no-cache")
	}
}

// statusOf maps the transport codes of auth and writes to HTTP statuses.
func statusOf(code string) (int, bool) {
	switch code {
	case codeTooManyRequests:
		return http.StatusTooManyRequests, true
	case codeTooLarge:
		return http.StatusRequestEntityTooLarge, true
	case codePreconditionRequired:
		return http.StatusPreconditionRequired, true
	case codeUnsupportedMedia:
		return http.StatusUnsupportedMediaType, true
	case incidentmap.ESTALE:
		return http.StatusPreconditionFailed, true
	}
	return 0, false
}
