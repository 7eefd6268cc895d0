package api

import (
	"io/fs"
	"net/http"
	"strings"
	"testing"
	"testing/fstest"
)

func TestStatic(t *testing.T) {
	ts := newTestServer(t, newFake())
	tests := []struct {
		name, path   string
		status       int
		contentType  string
		cacheControl string
		body         string
	}{
		{"index", "/", http.StatusOK, "text/html; charset=utf-8", "no-cache", "<!doctype html>"},
		{"index by name", "/index.html", http.StatusOK, "text/html; charset=utf-8", "no-cache", "<!doctype html>"},
		{"hashed asset", "/assets/index-B8bUzVfK.js", http.StatusOK, "text/javascript; charset=utf-8", "public, max-age=31536000, immutable", `console.log("map")`},
		{"hashed css", "/assets/index-Jn5A2ZZq.css", http.StatusOK, "text/css; charset=utf-8", "public, max-age=31536000, immutable", "body{margin:0}"},
		{"other file", "/favicon.svg", http.StatusOK, "image/svg+xml", "public, max-age=3600", "<svg"},
		{"missing asset", "/assets/missing.js", http.StatusNotFound, "application/json", "", `"code":"not_found"`},
		{"directory", "/assets", http.StatusNotFound, "application/json", "", `"code":"not_found"`},
		{"directory slash", "/assets/", http.StatusNotFound, "application/json", "", `"code":"not_found"`},
		{"dotfile", "/.keep", http.StatusNotFound, "application/json", "", `"code":"not_found"`},
		{"traversal", "/assets/../../etc/passwd", http.StatusNotFound, "application/json", "", `"code":"not_found"`},
		{"encoded traversal", "/assets/%2e%2e/index.html", http.StatusNotFound, "application/json", "", `"code":"not_found"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := ts.get(t, tt.path, "Accept", browserAccept)
			if w.Code != tt.status {
				t.Errorf("status %d, want %d: %s", w.Code, tt.status, w.Body)
			}
			if got := w.Header().Get("Content-Type"); got != tt.contentType {
				t.Errorf("Content-Type %q, want %q", got, tt.contentType)
			}
			if got := w.Header().Get("Cache-Control"); got != tt.cacheControl {
				t.Errorf("Cache-Control %q, want %q", got, tt.cacheControl)
			}
			if !strings.Contains(w.Body.String(), tt.body) {
				t.Errorf("body %q lacks %q", w.Body, tt.body)
			}
		})
	}
	t.Run("revalidation", func(t *testing.T) {
		etag := ts.get(t, "/", "Accept", browserAccept).Header().Get("ETag")
		if etag == "" {
			t.Fatal("no ETag on index.html")
		}
		if w := ts.get(t, "/", "Accept", browserAccept, "If-None-Match", etag); w.Code != http.StatusNotModified {
			t.Errorf("If-None-Match gave %d", w.Code)
		}
	})
	t.Run("head", func(t *testing.T) {
		w := ts.do(t, http.MethodHead, "/assets/index-B8bUzVfK.js")
		if w.Code != http.StatusOK || w.Body.Len() != 0 {
			t.Errorf("HEAD gave %d with %d bytes", w.Code, w.Body.Len())
		}
	})
}

func TestFrontEndNotBuilt(t *testing.T) {
	tests := []struct {
		name string
		web  fs.FS
	}{
		{"nil", nil},
		{"only .keep", fstest.MapFS{".keep": {}}},
		{"index.html is a directory", fstest.MapFS{"index.html/x": {}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := newTestServer(t, newFake(), func(c *Config) { c.Web = tt.web })
			w := ts.get(t, "/", "Accept", browserAccept)
			if w.Code != http.StatusServiceUnavailable {
				t.Errorf("status %d", w.Code)
			}
			if ct := w.Header().Get("Content-Type"); ct != "text/html; charset=utf-8" {
				t.Errorf("Content-Type %q", ct)
			}
			if !strings.Contains(w.Body.String(), "front end not built: run make run") {
				t.Errorf("body %s", w.Body)
			}
			if w.Header().Get("Content-Security-Policy") == "" {
				t.Error("no CSP on the page")
			}
			wantError(t, ts.get(t, "/assets/index-B8bUzVfK.js"), http.StatusNotFound, "not_found", "")
		})
	}
}

func TestSecurityHeaders(t *testing.T) {
	ts := newTestServer(t, newFake(newIncident("a", 62, 34, "2022-04-11")))
	for _, path := range []string{"/", "/favicon.svg", "/assets/index-B8bUzVfK.js", "/healthz", "/config.json",
		"/collections/incidents/items", "/collections/incidents/items/a", "/collections/incidents/items?limit=0", "/nope"} {
		t.Run(path, func(t *testing.T) {
			w := ts.get(t, path)
			if got := w.Header().Get("X-Content-Type-Options"); got != "nosniff" {
				t.Errorf("X-Content-Type-Options %q", got)
			}
			if got := w.Header().Get("Content-Security-Policy"); got != contentSecurityPolicy {
				t.Errorf("Content-Security-Policy %q", got)
			}
		})
	}
	if !strings.Contains(contentSecurityPolicy, "script-src 'self';") || strings.Contains(contentSecurityPolicy, "unsafe-inline") {
		t.Errorf("the CSP allows inline script: %s", contentSecurityPolicy)
	}
}

// browserAccept is the Accept header of a browser loading a page: / gives
// it the map, where OGC API clients get the landing page.
const browserAccept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
