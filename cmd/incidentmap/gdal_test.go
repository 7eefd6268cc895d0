package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/incidentmap/incidentmap"
	"github.com/incidentmap/incidentmap/ingest"
)

// These tests drive the real server, over SQLite with the seeds, with GDAL's
// OGC API – Features client (ogrinfo and ogr2ogr, package gdal-bin) and
// with Go's HTTP client, and read the server's access log to see what the
// clients asked for.

// syncBuffer collects the server's log across goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

// requests returns the path and query of each request in the access log,
// as "path?query", and forgets them.
func (b *syncBuffer) requests(t *testing.T) []string {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []string
	dec := json.NewDecoder(&b.b)
	for {
		var rec struct {
			Msg, Path, Query string
		}
		if err := dec.Decode(&rec); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("access log: %v", err)
		}
		if rec.Msg == "request" {
			r := rec.Path
			if rec.Query != "" {
				r += "?" + rec.Query
			}
			out = append(out, r)
		}
	}
	b.b.Reset()
	return out
}

// bootLogged is boot with the server's log, in JSON, kept in a buffer.
func bootLogged(t *testing.T) (*Main, *syncBuffer) {
	t.Helper()
	log := &syncBuffer{}
	cfg := DefaultConfig()
	cfg.Addr = "127.0.0.1:0"
	cfg.DB = sqliteDSN(t)
	cfg.BasemapURL = ""
	m := &Main{Config: cfg, Logger: slog.New(slog.NewJSONHandler(log, nil))}
	if err := m.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- m.Serve() }()
	t.Cleanup(func() {
		if err := m.Close(); err != nil {
			t.Error(err)
		}
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
	return m, log
}

// needGDAL skips the test when GDAL's command-line tools are not installed.
func needGDAL(t *testing.T) {
	t.Helper()
	for _, tool := range []string{"ogrinfo", "ogr2ogr"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not on PATH: install GDAL (apt-get install gdal-bin) to run the GIS client tests", tool)
		}
	}
}

// gdal runs a GDAL tool against the local server and returns its output.
func gdal(t *testing.T, tool string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, tool, args...)
	cmd.Env = append(os.Environ(), "NO_PROXY=127.0.0.1,localhost", "no_proxy=127.0.0.1,localhost",
		"GDAL_HTTP_MAX_RETRY=0", "CPL_DEBUG=OFF")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", tool, strings.Join(args, " "), err, out)
	}
	return string(out)
}

var (
	featureCountRE = regexp.MustCompile(`(?m)^Feature Count: (\d+)$`)
	extentRE       = regexp.MustCompile(`(?m)^Extent: \(([-\d.]+), ([-\d.]+)\) - \(([-\d.]+), ([-\d.]+)\)$`)
	idRE           = regexp.MustCompile(`(?m)^  id \(String\) = (.+)$`)
)

func featureCount(t *testing.T, out string) int {
	t.Helper()
	m := featureCountRE.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no feature count in\n%s", out)
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// ids returns the sorted ids of the features an ogrinfo -al listed.
func ids(out string) []string {
	var out2 []string
	for _, m := range idRE.FindAllStringSubmatch(out, -1) {
		out2 = append(out2, strings.TrimSpace(m[1]))
	}
	slices.Sort(out2)
	return out2
}

// seedIDs returns the sorted ids of the published seeds that keep selects.
func seedIDs(t *testing.T, keep func(*incidentmap.Incident) bool) []string {
	t.Helper()
	seeds, err := ingest.Seeds()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, inc := range seeds {
		if inc.Status == incidentmap.StatusPublished && keep(inc) {
			out = append(out, inc.ID)
		}
	}
	slices.Sort(out)
	return out
}

func oapif(m *Main) string { return "OAPIF:" + m.URL() + "/" }

// TestOGRInfo: GDAL finds the collection through the landing page, the
// OpenAPI document and /collections, counts every seed and reads the
// extent the server computed from the data.
func TestOGRInfo(t *testing.T) {
	needGDAL(t)
	m, log := bootLogged(t)
	out := gdal(t, "ogrinfo", "-ro", "-so", oapif(m), "incidents")
	all := seedIDs(t, func(*incidentmap.Incident) bool { return true })
	if n := featureCount(t, out); n != len(all) {
		t.Errorf("ogrinfo counts %d features, want %d\n%s", n, len(all), out)
	}
	if !strings.Contains(out, "Geometry: Point") {
		t.Errorf("no point geometry:\n%s", out)
	}
	seeds, _ := ingest.Seeds()
	want := [4]float64{180, 90, -180, -90}
	for _, inc := range seeds {
		want[0], want[1] = min(want[0], inc.Location[0]), min(want[1], inc.Location[1])
		want[2], want[3] = max(want[2], inc.Location[0]), max(want[3], inc.Location[1])
	}
	e := extentRE.FindStringSubmatch(out)
	if e == nil {
		t.Fatalf("no extent in\n%s", out)
	}
	for i := range 4 {
		got, _ := strconv.ParseFloat(e[i+1], 64)
		if math.Abs(got-want[i]) > 1e-5 {
			t.Errorf("extent %v, want %v", e[1:], want)
			break
		}
	}
	reqs := log.requests(t)
	if !slices.Contains(reqs, "/collections") {
		t.Errorf("GDAL did not read /collections: %q", reqs)
	}
	t.Logf("GDAL requests: %q", reqs)
}

// TestOGR2OGR: GDAL copies every incident to a GeoPackage and to a GeoJSON
// file, paging through the next links.
func TestOGR2OGR(t *testing.T) {
	needGDAL(t)
	m, log := bootLogged(t)
	dir := t.TempDir()
	all := seedIDs(t, func(*incidentmap.Incident) bool { return true })
	gpkg, geojson := filepath.Join(dir, "out.gpkg"), filepath.Join(dir, "out.geojson")
	gdal(t, "ogr2ogr", "-f", "GPKG", gpkg, oapif(m), "incidents")
	gdal(t, "ogr2ogr", "-f", "GeoJSON", geojson, oapif(m), "incidents")
	for _, path := range []string{gpkg, geojson} {
		out := gdal(t, "ogrinfo", "-ro", "-al", "-q", path)
		if got := ids(out); !slices.Equal(got, all) {
			t.Errorf("%s holds %d incidents %v, want the %d seeds", filepath.Base(path), len(got), got, len(all))
		}
	}
	b, err := os.ReadFile(geojson)
	if err != nil {
		t.Fatal(err)
	}
	var fc struct {
		Features []struct {
			Geometry struct{ Coordinates []float64 }
		}
	}
	if err := json.Unmarshal(b, &fc); err != nil || len(fc.Features) != len(all) {
		t.Errorf("GeoJSON output: %v, %d features", err, len(fc.Features))
	}
	t.Logf("GDAL requests: %q", log.requests(t))
}

// TestOGRSpatialFilter: ogrinfo -spat sends the box to the server as bbox,
// and gets the Herat incidents.
func TestOGRSpatialFilter(t *testing.T) {
	needGDAL(t)
	m, log := bootLogged(t)
	box := incidentmap.BBox{West: 61.9, South: 34.2, East: 62.4, North: 34.5}
	out := gdal(t, "ogrinfo", "-ro", "-al", "-q", "-spat", "61.9", "34.2", "62.4", "34.5", oapif(m), "incidents")
	want := seedIDs(t, func(inc *incidentmap.Incident) bool { return box.Contains(inc.Location) })
	if len(want) == 0 {
		t.Fatal("no seed in the Herat box")
	}
	if got := ids(out); !slices.Equal(got, want) {
		t.Errorf("-spat gives %v, want %v", got, want)
	}
	reqs := log.requests(t)
	t.Logf("GDAL requests: %q", reqs)
	found := false
	for _, r := range reqs {
		u, _ := url.Parse(r)
		if u.Path == "/collections/incidents/items" && u.Query().Get("bbox") != "" {
			b := strings.Split(u.Query().Get("bbox"), ",")
			w, _ := strconv.ParseFloat(b[0], 64)
			found = len(b) == 4 && math.Abs(w-61.9) < 1e-9
		}
	}
	if !found {
		t.Errorf("no items request carried bbox=61.9,…: %q", reqs)
	}
}

// TestOGRAttributeFilter: ogrinfo -where is answered by the server: GDAL
// finds country among the items parameters of the OpenAPI document and
// sends it as a property query parameter (GDAL 3.6; later versions may
// send filter= in CQL2 instead, which the server also takes).
func TestOGRAttributeFilter(t *testing.T) {
	needGDAL(t)
	m, log := bootLogged(t)
	out := gdal(t, "ogrinfo", "-ro", "-al", "-q", "-where", "country = 'IRQ'", oapif(m), "incidents")
	want := seedIDs(t, func(inc *incidentmap.Incident) bool { return inc.Country == "IRQ" })
	if got := ids(out); !slices.Equal(got, want) {
		t.Errorf("-where gives %v, want %v", got, want)
	}
	reqs := log.requests(t)
	t.Logf("GDAL requests: %q", reqs)
	serverSide := false
	for _, r := range reqs {
		u, _ := url.Parse(r)
		q := u.Query()
		if u.Path == "/collections/incidents/items" && (q.Get("country") == "IRQ" || strings.Contains(q.Get("filter"), "IRQ")) {
			serverSide = true
		}
	}
	if !serverSide {
		t.Errorf("the server never received the filter; GDAL filtered on the client: %q", reqs)
	}
}

// TestHTTPClient: conditional requests, CORS preflight and gzip with Go's
// HTTP client against the real server.
func TestHTTPClient(t *testing.T) {
	m, _ := bootLogged(t)
	items := m.URL() + "/collections/incidents/items?limit=1000"
	t.Run("ETag and 304", func(t *testing.T) {
		resp, body := get(t, items)
		etag := resp.Header.Get("ETag")
		if resp.StatusCode != 200 || etag == "" || resp.Header.Get("Last-Modified") == "" || len(body) == 0 {
			t.Fatalf("%s %v", resp.Status, resp.Header)
		}
		req, _ := http.NewRequest(http.MethodGet, items, nil)
		req.Header.Set("If-None-Match", etag)
		resp2, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp2.Body)
		resp2.Body.Close()
		if resp2.StatusCode != http.StatusNotModified || len(b) != 0 {
			t.Errorf("If-None-Match: %s %q", resp2.Status, b)
		}
		req.Header.Del("If-None-Match")
		req.Header.Set("If-Modified-Since", resp.Header.Get("Last-Modified"))
		if resp3, err := http.DefaultClient.Do(req); err != nil || resp3.StatusCode != http.StatusNotModified {
			t.Errorf("If-Modified-Since: %v %v", resp3, err)
		} else {
			resp3.Body.Close()
		}
	})
	t.Run("CORS preflight", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodOptions, items, nil)
		req.Header.Set("Origin", "https://notebook.example.org")
		req.Header.Set("Access-Control-Request-Method", "GET")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNoContent || resp.Header.Get("Access-Control-Allow-Origin") != "*" ||
			resp.Header.Get("Access-Control-Allow-Methods") == "" {
			t.Errorf("%s %v", resp.Status, resp.Header)
		}
	})
	t.Run("gzip", func(t *testing.T) {
		// The transport asks for gzip and decompresses transparently.
		resp, body := get(t, items)
		if !resp.Uncompressed {
			t.Errorf("the page of all seeds was not compressed: %v", resp.Header)
		}
		var fc struct{ NumberMatched int }
		if err := json.Unmarshal(body, &fc); err != nil || fc.NumberMatched == 0 {
			t.Errorf("%v %d", err, fc.NumberMatched)
		}
	})
}
