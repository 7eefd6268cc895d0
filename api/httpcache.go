package api

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
)

// DefaultCacheControl is the Cache-Control of data responses when
// Config.CacheControl is empty.
const DefaultCacheControl = "public, max-age=60"

// CORS: what a cross-origin page may send and read.
const (
	corsAllowMethods  = "GET, HEAD, OPTIONS, POST, PUT, PATCH, DELETE"
	corsAllowHeaders  = "Accept, Accept-Language, Authorization, Content-Type, If-Match, If-None-Match, If-Modified-Since, X-Request-Id"
	corsExposeHeaders = "ETag, Last-Modified, Link, Location, X-Request-Id"
	corsMaxAgeSeconds = "600"
)

// validateCORSOrigin reports whether o may appear in Config.CORSOrigins:
// "*" or an origin, scheme://host[:port] with no path.
func validateCORSOrigin(o string) error {
	if o == "*" {
		return nil
	}
	scheme, host, ok := strings.Cut(o, "://")
	if !ok || (scheme != "http" && scheme != "https") || !validHost(host) {
		return fmt.Errorf("api: CORSOrigins entries must be * or an origin such as https://maps.example.org, got %q", o)
	}
	return nil
}

// cors answers CORS preflight requests with 204 and adds the CORS response
// headers to every request from an allowed origin. Requests from other
// origins pass through without them, so browsers refuse to share the
// response; non-browser clients are unaffected.
func (s *server) cors(c *gin.Context) {
	origin := c.GetHeader("Origin")
	if origin == "" {
		c.Next()
		return
	}
	h := c.Writer.Header()
	all := slices.Contains(s.corsOrigins, "*")
	if !all {
		addVary(h, "Origin")
	}
	if !all && !slices.Contains(s.corsOrigins, origin) {
		c.Next()
		return
	}
	if all {
		h.Set("Access-Control-Allow-Origin", "*")
	} else {
		h.Set("Access-Control-Allow-Origin", origin)
	}
	if c.Request.Method == http.MethodOptions && c.GetHeader("Access-Control-Request-Method") != "" {
		h.Set("Access-Control-Allow-Methods", corsAllowMethods)
		h.Set("Access-Control-Allow-Headers", corsAllowHeaders)
		h.Set("Access-Control-Max-Age", corsMaxAgeSeconds)
		c.AbortWithStatus(http.StatusNoContent)
		return
	}
	h.Set("Access-Control-Expose-Headers", corsExposeHeaders)
	c.Next()
}

// cached makes a data response conditional on the data version: it gives
// the response a weak ETag made of the store's DataVersion, the request's
// path and query and its Accept header, and the data's Last-Modified, and
// answers 304 without running the handler when the client's copy is
// current. The validators are dropped from responses other than 200, so
// that errors are never cached as the resource.
func (s *server) cached(c *gin.Context) {
	if c.Request.Method != http.MethodGet && c.Request.Method != http.MethodHead {
		c.Next()
		return
	}
	v, err := s.store.DataVersion(c.Request.Context())
	if err != nil {
		s.renderError(c, fmt.Errorf("api: data version: %w", err))
		return
	}
	c.Set(dataVersionKey, v)
	sum := sha256.Sum256([]byte(v.ETag() + "\x00" + c.Request.URL.RequestURI() + "\x00" + c.GetHeader("Accept")))
	etag := `W/"` + hex.EncodeToString(sum[:12]) + `"`
	h := c.Writer.Header()
	h.Set("ETag", etag)
	h.Set("Cache-Control", s.cacheControl)
	addVary(h, "Accept")
	var lastModified time.Time
	if !v.LastModified.IsZero() {
		lastModified = v.LastModified.UTC().Truncate(time.Second)
		h.Set("Last-Modified", lastModified.Format(http.TimeFormat))
	}
	hit := notModified(c.Request, etag, lastModified)
	s.metrics.cacheResult("http", hit)
	if hit {
		c.AbortWithStatus(http.StatusNotModified)
		return
	}
	c.Writer = &validatorWriter{ResponseWriter: c.Writer}
	c.Next()
}

// notModified evaluates If-None-Match, or when it is absent
// If-Modified-Since (RFC 9110 §13.2.2), against the current validators.
func notModified(r *http.Request, etag string, lastModified time.Time) bool {
	if inm := r.Header.Get("If-None-Match"); inm != "" {
		for _, tag := range strings.Split(inm, ",") {
			tag = strings.TrimSpace(tag)
			if tag == "*" || strings.TrimPrefix(tag, "W/") == strings.TrimPrefix(etag, "W/") {
				return true
			}
		}
		return false
	}
	if ims := r.Header.Get("If-Modified-Since"); ims != "" && !lastModified.IsZero() {
		t, err := http.ParseTime(ims)
		return err == nil && !lastModified.After(t)
	}
	return false
}

// validatorWriter removes the validators and the Cache-Control that cached
// set when the handler answers with anything but 200.
type validatorWriter struct {
	gin.ResponseWriter
}

func (w *validatorWriter) WriteHeader(code int) {
	if code != http.StatusOK {
		h := w.Header()
		h.Del("ETag")
		h.Del("Last-Modified")
		h.Set("Cache-Control", "no-store")
	}
	w.ResponseWriter.WriteHeader(code)
}

// compressible reports whether a media type is text that gzip shrinks.
func compressible(contentType string) bool {
	mt, _, _ := strings.Cut(contentType, ";")
	mt = strings.TrimSpace(strings.ToLower(mt))
	switch {
	case strings.HasPrefix(mt, "text/"), strings.HasSuffix(mt, "+json"), strings.HasSuffix(mt, "+xml"),
		mt == "application/json", mt == "application/json-seq", mt == "application/geo+json-seq", mt == "application/javascript",
		mt == "application/xml", mt == "image/svg+xml":
		return true
	}
	return false
}

// addVary adds name to the Vary header unless it is there already.
func addVary(h http.Header, name string) {
	for _, v := range h.Values("Vary") {
		for _, f := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(f), name) {
				return
			}
		}
	}
	h.Add("Vary", name)
}
