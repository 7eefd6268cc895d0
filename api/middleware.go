package api

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/gin-gonic/gin"
)

// HeaderRequestID carries the request id, in requests and responses.
const HeaderRequestID = "X-Request-Id"

// contentSecurityPolicy forbids inline script everywhere. img-src allows
// remote images because basemap tiles come from a tile server.
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
			slog.String("path", c.Request.URL.Path),
			slog.String("query", c.Request.URL.RawQuery),
			slog.Int("status", status),
			slog.Int("bytes", max(c.Writer.Size(), 0)),
			slog.Duration("duration", time.Since(start)),
			slog.String("requestId", requestIDOf(c)),
			slog.String("remote", c.ClientIP()),
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
	c.Next()
}

// withTimeout gives the request a deadline of s.timeout.
func (s *server) withTimeout(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), s.timeout)
	defer cancel()
	c.Request = c.Request.WithContext(ctx)
	c.Next()
}
