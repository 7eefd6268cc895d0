package api

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/incidentmap/incidentmap"
)

func TestConditionalRequests(t *testing.T) {
	store := twoIncidents()
	store.lastModified = fixedNow
	ts := newTestServer(t, store)
	for _, path := range []string{"/collections", "/collections/incidents", itemsPath + "?limit=1"} {
		t.Run(path, func(t *testing.T) {
			w := ts.get(t, path)
			etag := w.Header().Get("ETag")
			if w.Code != http.StatusOK || !strings.HasPrefix(etag, `W/"`) {
				t.Fatalf("%d ETag %q", w.Code, etag)
			}
			if got := w.Header().Get("Last-Modified"); got != fixedNow.Format(http.TimeFormat) {
				t.Errorf("Last-Modified %q", got)
			}
			if got := w.Header().Get("Cache-Control"); got != DefaultCacheControl {
				t.Errorf("Cache-Control %q", got)
			}
			w = ts.get(t, path, "If-None-Match", etag)
			if w.Code != http.StatusNotModified || w.Body.Len() != 0 || w.Header().Get("ETag") != etag {
				t.Errorf("If-None-Match: %d %q %s", w.Code, w.Header().Get("ETag"), w.Body)
			}
			if w := ts.get(t, path, "If-Modified-Since", fixedNow.Format(http.TimeFormat)); w.Code != http.StatusNotModified {
				t.Errorf("If-Modified-Since now: %d", w.Code)
			}
			if w := ts.get(t, path, "If-Modified-Since", fixedNow.Add(-time.Hour).Format(http.TimeFormat)); w.Code != http.StatusOK {
				t.Errorf("If-Modified-Since an hour ago: %d", w.Code)
			}
			if w := ts.get(t, path, "If-None-Match", `W/"other"`, "If-Modified-Since", fixedNow.Format(http.TimeFormat)); w.Code != http.StatusOK {
				t.Errorf("If-None-Match wins over If-Modified-Since: %d", w.Code)
			}
			if other := ts.get(t, path, "Accept", "text/html").Header().Get("ETag"); other == etag {
				t.Error("the HTML and JSON forms share an ETag")
			}
		})
	}
	t.Run("a change of the data changes the ETag", func(t *testing.T) {
		etag := ts.get(t, "/collections").Header().Get("ETag")
		store.mu.Lock()
		store.lastModified = fixedNow.Add(time.Second)
		store.mu.Unlock()
		w := ts.get(t, "/collections", "If-None-Match", etag)
		if w.Code != http.StatusOK || w.Header().Get("ETag") == etag {
			t.Errorf("%d %q", w.Code, w.Header().Get("ETag"))
		}
	})
	t.Run("errors carry no validators", func(t *testing.T) {
		w := ts.get(t, itemsPath+"?bbox=1,2,3")
		if w.Code != http.StatusBadRequest || w.Header().Get("ETag") != "" || w.Header().Get("Last-Modified") != "" ||
			w.Header().Get("Cache-Control") != "no-store" {
			t.Errorf("%d %v", w.Code, w.Header())
		}
	})
	t.Run("configured Cache-Control", func(t *testing.T) {
		ts := newTestServer(t, twoIncidents(), func(c *Config) { c.CacheControl = "private, max-age=5" })
		if got := ts.get(t, "/collections").Header().Get("Cache-Control"); got != "private, max-age=5" {
			t.Errorf("Cache-Control %q", got)
		}
		if got := ts.get(t, "/healthz").Header().Get("Cache-Control"); got != "no-store" {
			t.Errorf("healthz Cache-Control %q", got)
		}
	})
}

func TestCORS(t *testing.T) {
	t.Run("any origin", func(t *testing.T) {
		ts := newTestServer(t, twoIncidents())
		w := ts.do(t, http.MethodOptions, itemsPath, "Origin", "https://elsewhere.example", "Access-Control-Request-Method", "GET",
			"Access-Control-Request-Headers", "If-None-Match")
		h := w.Header()
		if w.Code != http.StatusNoContent || h.Get("Access-Control-Allow-Origin") != "*" ||
			!strings.Contains(h.Get("Access-Control-Allow-Methods"), "GET") ||
			!strings.Contains(h.Get("Access-Control-Allow-Headers"), "If-None-Match") {
			t.Errorf("preflight: %d %v", w.Code, h)
		}
		w = ts.get(t, itemsPath, "Origin", "https://elsewhere.example")
		if w.Header().Get("Access-Control-Allow-Origin") != "*" || w.Header().Get("Access-Control-Expose-Headers") != corsExposeHeaders {
			t.Errorf("GET: %v", w.Header())
		}
		if w := ts.get(t, itemsPath); w.Header().Get("Access-Control-Allow-Origin") != "" {
			t.Error("CORS headers without an Origin")
		}
	})
	t.Run("listed origins", func(t *testing.T) {
		ts := newTestServer(t, twoIncidents(), func(c *Config) { c.CORSOrigins = []string{"https://maps.example.org"} })
		w := ts.get(t, "/collections", "Origin", "https://maps.example.org")
		if w.Header().Get("Access-Control-Allow-Origin") != "https://maps.example.org" || !strings.Contains(strings.Join(w.Header().Values("Vary"), ","), "Origin") {
			t.Errorf("allowed: %v", w.Header())
		}
		w = ts.get(t, "/collections", "Origin", "https://evil.example")
		if w.Header().Get("Access-Control-Allow-Origin") != "" {
			t.Errorf("not allowed: %v", w.Header())
		}
		w = ts.do(t, http.MethodOptions, "/collections", "Origin", "https://evil.example", "Access-Control-Request-Method", "GET")
		if w.Code == http.StatusNoContent || w.Header().Get("Access-Control-Allow-Origin") != "" {
			t.Errorf("preflight from a stranger: %d %v", w.Code, w.Header())
		}
	})
}

func TestGzip(t *testing.T) {
	incs := synthetic(300)
	ts := newTestServer(t, newFake(incs...))
	t.Run("large", func(t *testing.T) {
		w := ts.get(t, itemsPath+"?limit=300", "Accept-Encoding", "gzip, deflate, br")
		if w.Code != http.StatusOK || w.Header().Get("Content-Encoding") != "gzip" {
			t.Fatalf("%d %v", w.Code, w.Header())
		}
		zr, err := gzip.NewReader(bytes.NewReader(w.Body.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(zr)
		if err != nil {
			t.Fatal(err)
		}
		var fc struct{ Features []json.RawMessage }
		mustDecode(t, b, &fc)
		if len(fc.Features) != 300 || len(b) < 2*w.Body.Len() {
			t.Errorf("%d features, %d bytes from %d", len(fc.Features), len(b), w.Body.Len())
		}
		if !strings.Contains(strings.Join(w.Header().Values("Vary"), ","), "Accept-Encoding") {
			t.Errorf("Vary %v", w.Header().Values("Vary"))
		}
	})
	t.Run("small", func(t *testing.T) {
		w := ts.get(t, "/tileMatrixSets", "Accept-Encoding", "gzip") // below gzipMinBytes
		if w.Header().Get("Content-Encoding") != "" || !json.Valid(w.Body.Bytes()) {
			t.Errorf("%v %s", w.Header(), w.Body)
		}
	})
	t.Run("not asked", func(t *testing.T) {
		for _, ae := range []string{"", "identity", "gzip;q=0"} {
			if w := ts.get(t, itemsPath+"?limit=300", "Accept-Encoding", ae); w.Header().Get("Content-Encoding") != "" {
				t.Errorf("Accept-Encoding %q: compressed", ae)
			}
		}
	})
	t.Run("errors", func(t *testing.T) {
		w := ts.get(t, itemsPath+"?bbox=x", "Accept-Encoding", "gzip")
		wantError(t, w, http.StatusBadRequest, incidentmap.EINVALID, "bbox")
	})
}

func TestConfigValidateHTTP(t *testing.T) {
	for _, cfg := range []Config{
		{CORSOrigins: []string{"https://maps.example.org/"}},
		{CORSOrigins: []string{"maps.example.org"}},
		{CacheControl: "public\r\nX-Evil: 1"},
	} {
		if cfg.Validate() == nil {
			t.Errorf("%+v: want an error", cfg)
		}
	}
	if err := (Config{CORSOrigins: []string{"*", "http://localhost:5173"}, CacheControl: "no-cache"}).Validate(); err != nil {
		t.Error(err)
	}
}
