package api

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
)

// readyTimeout bounds the database ping of /readyz.
const readyTimeout = 2 * time.Second

// notBuiltPage is what / shows when the front end was not built.
const notBuiltPage = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>incidentmap</title></head>
<body><p>front end not built: run make run</p></body>
</html>
`

// healthz serves GET /healthz: the process is up.
func (s *server) healthz(c *gin.Context) error {
	c.Header("Cache-Control", "no-store")
	writeJSON(c, http.StatusOK, map[string]string{"status": "ok"})
	return nil
}

// readyz serves GET /readyz: the database answers the readiness check
// within readyTimeout. The check has a deadline of its own and runs once
// for a burst of probes; it takes no heavy-request slot.
func (s *server) readyz(c *gin.Context) error {
	c.Header("Cache-Control", "no-store")
	if err := s.ready.get(c.Request.Context()); err != nil {
		if clientGone(c, err) {
			return err
		}
		return fmt.Errorf("%w: %w", errNotReady, err)
	}
	writeJSON(c, http.StatusOK, map[string]string{"status": "ready"})
	return nil
}

// configBody is the body of /config.json, what the front end needs to know
// that the server decides.
type configBody struct {
	Basemap *basemapBody `json:"basemap"`
	// Builtin is the basemap the server draws itself: the default when
	// Basemap is null and the fallback when its tiles fail to load.
	Builtin *basemapBody `json:"builtin_basemap"`
}

type basemapBody struct {
	URL         string `json:"url"`
	Attribution string `json:"attribution"`
}

// wmtsPlaceholders are the WMTS tile template's names for the XYZ
// template's {z}, {y} and {x}, as they appear in a KVP or RESTful URL.
var wmtsPlaceholders = strings.NewReplacer(
	"{TileMatrix}", "{z}", "{tilematrix}", "{z}",
	"{TileRow}", "{y}", "{tilerow}", "{y}",
	"{TileCol}", "{x}", "{tilecol}", "{x}",
)

// TileTemplate checks a configured basemap URL and returns it as the
// {z}/{x}/{y} template that the page fills: an XYZ template as it is, or a
// WMTS one (KVP or RESTful) with {TileMatrix}, {TileRow} and {TileCol}
// renamed. The tile matrix set must be Web Mercator with the zoom level as
// the matrix identifier (GoogleMapsCompatible), and every other WMTS
// placeholder ({Style}, {TileMatrixSet}, …) written out. Empty stays empty:
// the built-in basemap. The URL must be absolute http(s) or a path on this
// server.
func TileTemplate(raw string) (string, error) {
	if raw == "" {
		return "", nil
	}
	t := wmtsPlaceholders.Replace(raw)
	if !strings.HasPrefix(t, "http://") && !strings.HasPrefix(t, "https://") && !strings.HasPrefix(t, "/") {
		return "", fmt.Errorf("the basemap URL must start with http://, https:// or /, got %q", raw)
	}
	for _, p := range []string{"{z}", "{x}", "{y}"} {
		if !strings.Contains(t, p) {
			return "", fmt.Errorf("the basemap URL must hold {z}, {x} and {y} (or WMTS {TileMatrix}, {TileCol} and {TileRow}); %q has no %s", raw, p)
		}
	}
	rest := t
	for _, p := range []string{"{z}", "{x}", "{y}", "{s}", "{r}"} {
		rest = strings.ReplaceAll(rest, p, "")
	}
	if i := strings.Index(rest, "{"); i >= 0 {
		end := strings.Index(rest[i:], "}")
		if end < 0 {
			end = len(rest) - i - 1
		}
		return "", fmt.Errorf("the basemap URL holds %s, which the map cannot fill: write its value into the URL", rest[i:i+end+1])
	}
	return t, nil
}

// config serves GET /config.json. basemap is null when none is
// configured; builtin_basemap is null without the embedded geography.
func (s *server) config(c *gin.Context) error {
	var body configBody
	if s.basemap.URL != "" {
		body.Basemap = &basemapBody{URL: s.basemap.URL, Attribution: s.basemap.Attribution}
	}
	if s.geo != nil {
		body.Builtin = &basemapBody{URL: BuiltinBasemapURL, Attribution: BuiltinBasemapAttribution}
		// A page is starting: build the basemap while it loads its
		// incidents, before it asks for tiles (once; later calls return).
		go func() { _, _ = s.builtin.load(s.geo) }()
	}
	c.Header("Cache-Control", "no-cache")
	writeJSON(c, http.StatusOK, body)
	return nil
}

// index serves GET /: the front end's index.html, or a 503 page saying how
// to build it. index.html names the hashed assets, so clients revalidate it
// on every load (no-cache, with an ETag).
func (s *server) index(c *gin.Context) error {
	b, err := s.readWeb("index.html")
	if errors.Is(err, fs.ErrNotExist) {
		c.Header("Cache-Control", "no-store")
		c.Data(http.StatusServiceUnavailable, "text/html; charset=utf-8", []byte(notBuiltPage))
		return nil
	} else if err != nil {
		return fmt.Errorf("api: read index.html: %w", err)
	}
	s.serveContent(c, "index.html", b)
	return nil
}

// static serves the files of the front end for GET and HEAD requests that
// match no route, and answers 404 for everything else. Hidden files and
// directories are not served.
func (s *server) static(c *gin.Context) error {
	if c.Request.Method != http.MethodGet && c.Request.Method != http.MethodHead {
		return errRouteNotFound
	}
	name := strings.TrimPrefix(c.Request.URL.Path, "/")
	if !fs.ValidPath(name) || name == "." {
		return errRouteNotFound
	}
	for _, elem := range strings.Split(name, "/") {
		if strings.HasPrefix(elem, ".") {
			return errRouteNotFound
		}
	}
	b, err := s.readWeb(name)
	if errors.Is(err, fs.ErrNotExist) {
		return errRouteNotFound
	} else if err != nil {
		return fmt.Errorf("api: read %s: %w", name, err)
	}
	s.serveContent(c, name, b)
	return nil
}

// readWeb reads a regular file of the front end; a missing front end, file
// or a directory is fs.ErrNotExist.
func (s *server) readWeb(name string) ([]byte, error) {
	if s.web == nil {
		return nil, fs.ErrNotExist
	}
	f, err := s.web.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !info.Mode().IsRegular() {
		return nil, fs.ErrNotExist
	}
	return io.ReadAll(f)
}

// precompressed are the encodings the front-end build writes beside each
// text file (web/scripts/compress.mjs), best first, with their suffixes.
var precompressed = [...]struct{ encoding, suffix string }{{"br", ".br"}, {"gzip", ".gz"}}

// serveContent writes a front-end file with an ETag of its content, so that
// conditional and range requests work whatever the file system. Files under
// assets/ have content hashes in their names and are cached for a year;
// everything else is revalidated. When the build left a brotli or gzip
// copy of the file and the client accepts it, that copy is sent with its
// Content-Encoding (and an ETag of its own).
func (s *server) serveContent(c *gin.Context, name string, b []byte) {
	h := c.Writer.Header()
	for _, p := range precompressed {
		z, err := s.readWeb(name + p.suffix)
		if err != nil {
			continue
		}
		addVary(h, "Accept-Encoding")
		if acceptsEncoding(c.Request, p.encoding) && h.Get("Content-Encoding") == "" {
			h.Set("Content-Encoding", p.encoding)
			b = z
		}
	}
	sum := sha256.Sum256(b)
	h.Set("ETag", `"`+hex.EncodeToString(sum[:12])+`"`)
	switch {
	case strings.HasPrefix(name, "assets/"):
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	case name == "index.html":
		h.Set("Cache-Control", "no-cache")
	default:
		h.Set("Cache-Control", "public, max-age=3600")
	}
	http.ServeContent(c.Writer, c.Request, path.Base(name), time.Time{}, bytes.NewReader(b))
}
