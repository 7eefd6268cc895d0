package api

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"runtime/debug"
	"slices"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"
	"github.com/incidentmap/incidentmap"
)

// HeaderRequestID carries the request id, in requests and responses.
const HeaderRequestID = "X-Request-Id"

// contentSecurityPolicy forbids inline script everywhere. img-src allows
// remote images because basemap tiles come from a tile server.
// referrerPolicy sends no Referer to the publishers whose articles the
// map links to, nor anywhere else.
const referrerPolicy = "no-referrer"

// permissionsPolicy turns off the browser features the map never uses.
const permissionsPolicy = "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), " +
	"payment=(), usb=(), interest-cohort=()"

const contentSecurityPolicy = "default-src 'self'; img-src 'self' data: https: http:; style-src 'self'; " +
	"script-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"

const requestIDKey = "incidentmap.requestID"

// requestID takes the caller's X-Request-Id when it is 1-64 characters of
// [A-Za-z0-9._-] and otherwise makes one of 16 random hex digits; either
// way it echoes the id in the response.
func (s *server) requestID(c *gin.Context) {
	id := c.GetHeader(HeaderRequestID)
	if !validRequestID(id) {
		id = newRequestID()
	}
	c.Set(requestIDKey, id)
	c.Header(HeaderRequestID, id)
	c.Next()
}

func validRequestID(id string) bool {
	if len(id) == 0 || len(id) > 64 {
		return false
	}
	for i := 0; i < len(id); i++ {
		switch b := id[i]; {
		case 'a' <= b && b <= 'z', 'A' <= b && b <= 'Z', '0' <= b && b <= '9', b == '.', b == '_', b == '-':
		default:
			return false
		}
	}
	return true
}

func newRequestID() string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand)
	return hex.EncodeToString(b[:])
}

// requestIDOf returns the id the requestID middleware gave the request.
func requestIDOf(c *gin.Context) string { return c.GetString(requestIDKey) }

// accessLog writes one structured line per request, also for requests whose
// response was aborted (then with aborted=true).
func (s *server) accessLog(c *gin.Context) {
	start := time.Now()
	completed := false
	defer func() {
		status := c.Writer.Status()
		level := slog.LevelInfo
		switch {
		case !completed:
			level = slog.LevelWarn
		case status >= 500:
			level = slog.LevelWarn
		}
		attrs := []slog.Attr{
			slog.String("method", c.Request.Method),
			slog.String("path", clipLog(c.Request.URL.Path)),
			slog.String("query", clipLog(c.Request.URL.RawQuery)),
			slog.Int("status", status),
			slog.Int("bytes", max(c.Writer.Size(), 0)),
			slog.Duration("duration", time.Since(start)),
			slog.String("requestId", requestIDOf(c)),
			slog.String("remote", c.ClientIP()),
		}
		if n := len(c.Request.URL.RawQuery); n > maxLogValue {
			attrs = append(attrs, slog.Int("queryBytes", n))
		}
		if !completed {
			attrs = append(attrs, slog.Bool("aborted", true))
		}
		s.log.LogAttrs(context.Background(), level, "request", attrs...)
	}()
	c.Next()
	completed = true
}

// recovery turns a panic in a handler into a 500, or into an aborted
// response when the response has already begun. http.ErrAbortHandler passes
// through: it is how a handler aborts a response on purpose.
func (s *server) recovery(c *gin.Context) {
	defer func() {
		v := recover()
		if v == nil {
			return
		}
		if v == http.ErrAbortHandler {
			panic(v)
		}
		s.log.LogAttrs(context.Background(), slog.LevelError, "panic",
			slog.String("requestId", requestIDOf(c)), slog.Any("panic", v), slog.String("stack", string(debug.Stack())))
		if c.Writer.Written() {
			panic(http.ErrAbortHandler)
		}
		s.renderError(c, fmt.Errorf("panic: %v", v))
	}()
	c.Next()
}

// securityHeaders sets the headers every response carries. The CSP matters
// for HTML only but costs nothing on the rest.
func securityHeaders(c *gin.Context) {
	h := c.Writer.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", contentSecurityPolicy)
	h.Set("Referrer-Policy", referrerPolicy)
	h.Set("Permissions-Policy", permissionsPolicy)
	c.Next()
}

// maxLogValue is the most bytes of one client-supplied value (path, query,
// error text) that a log line carries; the rest is cut, so that a 1 MB
// query string cannot make a 1 MB log line.
const maxLogValue = 512

// clipLog cuts s to maxLogValue bytes, on a rune boundary, saying how much
// was cut.
func clipLog(s string) string {
	if len(s) <= maxLogValue {
		return s
	}
	cut := maxLogValue
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + fmt.Sprintf("…(%d bytes cut)", len(s)-cut)
}

// hygiene refuses, with a 400 naming the parameter, a request whose query
// does not parse or whose path, parameter names or values are not clean
// text (incidentmap.CheckText: NUL, other control characters, invalid
// UTF-8). Every endpoint gets this one check before any parsing of its own,
// so both stores see only clean strings.
func (s *server) hygiene(c *gin.Context) {
	if err := checkRequestText(c.Request.URL); err != nil {
		s.renderError(c, err)
		return
	}
	c.Next()
}

// checkRequestText is the check of hygiene.
func checkRequestText(u *url.URL) error {
	if p := incidentmap.CheckLine(u.Path); p != "" {
		return incidentmap.Invalidf("path", "%s", p)
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return &incidentmap.Error{Code: incidentmap.EINVALID, Message: "the query string is not valid: " + clip(err.Error())}
	}
	names := make([]string, 0, len(q))
	for name := range q {
		names = append(names, name)
	}
	slices.Sort(names) // the same error for the same query
	for _, name := range names {
		if p := incidentmap.CheckLine(name); p != "" {
			return incidentmap.Invalidf("query", "a parameter name %s", p)
		}
		for _, v := range q[name] {
			if p := incidentmap.CheckText(v); p != "" {
				return incidentmap.Invalidf(clip(name), "%s", p)
			}
		}
	}
	return nil
}

// withTimeout gives the request a deadline of s.timeout. The time a heavy
// request waits for a slot counts against it.
func (s *server) withTimeout(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), s.timeout)
	defer cancel()
	c.Request = c.Request.WithContext(ctx)
	c.Next()
}
