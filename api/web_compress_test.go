package api

import (
	"strings"
	"testing"
	"testing/fstest"
)

// TestPrecompressedWeb checks that the front end's precompressed copies are
// chosen by Accept-Encoding, with the caching of the file they stand for.
func TestPrecompressedWeb(t *testing.T) {
	fsys := fstest.MapFS{
		"index.html":                   {Data: []byte(`<!doctype html><title>incidentmap</title>`)},
		"index.html.br":                {Data: []byte("BR-index")},
		"index.html.gz":                {Data: []byte("GZ-index")},
		"assets/index-B8bUzVfK.js":     {Data: []byte(`console.log("map")`)},
		"assets/index-B8bUzVfK.js.br":  {Data: []byte("BR-js")},
		"assets/index-B8bUzVfK.js.gz":  {Data: []byte("GZ-js")},
		"assets/index-Jn5A2ZZq.css":    {Data: []byte(`body{margin:0}`)},
		"assets/index-Jn5A2ZZq.css.gz": {Data: []byte("GZ-css")},
		"assets/marker-hN30_KVU.png":   {Data: []byte("PNG")},
	}
	ts := newTestServer(t, newFake(), func(c *Config) { c.Web = fsys })
	const immutable = "public, max-age=31536000, immutable"
	tests := []struct {
		name, path, accept    string
		body, encoding, cache string
		contentType           string
		vary                  bool
	}{
		{"js as brotli", "/assets/index-B8bUzVfK.js", "gzip, deflate, br", "BR-js", "br", immutable, "text/javascript; charset=utf-8", true},
		{"js as gzip", "/assets/index-B8bUzVfK.js", "gzip", "GZ-js", "gzip", immutable, "text/javascript; charset=utf-8", true},
		{"js plain", "/assets/index-B8bUzVfK.js", "", `console.log("map")`, "", immutable, "text/javascript; charset=utf-8", true},
		{"brotli refused", "/assets/index-B8bUzVfK.js", "br;q=0, gzip", "GZ-js", "gzip", immutable, "text/javascript; charset=utf-8", true},
		{"css without brotli copy", "/assets/index-Jn5A2ZZq.css", "br, gzip", "GZ-css", "gzip", immutable, "text/css; charset=utf-8", true},
		{"image never compressed", "/assets/marker-hN30_KVU.png", "br, gzip", "PNG", "", immutable, "image/png", false},
		{"index revalidated", "/", "br, gzip", "BR-index", "br", "no-cache", "text/html; charset=utf-8", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := ts.get(t, tt.path, "Accept-Encoding", tt.accept, "Accept", "text/html")
			h := w.Header()
			if w.Code != 200 || w.Body.String() != tt.body {
				t.Fatalf("got %d %q, want %q", w.Code, w.Body, tt.body)
			}
			if got := h.Get("Content-Encoding"); got != tt.encoding {
				t.Errorf("Content-Encoding %q, want %q", got, tt.encoding)
			}
			if got := h.Get("Cache-Control"); got != tt.cache {
				t.Errorf("Cache-Control %q, want %q", got, tt.cache)
			}
			if got := h.Get("Content-Type"); got != tt.contentType {
				t.Errorf("Content-Type %q, want %q", got, tt.contentType)
			}
			if got := h.Get("Vary") != "" && containsToken(h.Values("Vary"), "Accept-Encoding"); got != tt.vary {
				t.Errorf("Vary %q: Accept-Encoding there %v, want %v", h.Values("Vary"), got, tt.vary)
			}
		})
	}
	t.Run("the encodings have their own ETags", func(t *testing.T) {
		br := ts.get(t, "/assets/index-B8bUzVfK.js", "Accept-Encoding", "br").Header().Get("ETag")
		plain := ts.get(t, "/assets/index-B8bUzVfK.js").Header().Get("ETag")
		if br == "" || br == plain {
			t.Errorf("ETags %q and %q", br, plain)
		}
	})
}

func containsToken(values []string, token string) bool {
	for _, v := range values {
		for _, f := range strings.Split(v, ",") {
			if strings.TrimSpace(f) == token {
				return true
			}
		}
	}
	return false
}
