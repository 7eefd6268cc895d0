package api

import (
	"bytes"
	"compress/gzip"
	"context"
	"database/sql"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/incidentmap/incidentmap"
	"github.com/incidentmap/incidentmap/geo/gazetteer"
	"github.com/incidentmap/incidentmap/geo/region"
)

// noGeo is a GeoSource whose data never loads: the checks under test must
// refuse the request before any geography is needed.
type noGeo struct{}

func (noGeo) Regions() (*region.Index, error)          { return nil, errors.New("noGeo: no regions") }
func (noGeo) Gazetteer() (*gazetteer.Gazetteer, error) { return nil, errors.New("noGeo: no gazetteer") }

// post serves a POST of body with a Content-Type.
func (ts *testServer) post(t testing.TB, target, contentType, body string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, target, strings.NewReader(body))
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	w := httptest.NewRecorder()
	ts.h.ServeHTTP(w, r)
	return w
}

// TestHeavyLimit checks that heavy requests beyond MaxHeavy wait at most
// HeavyWait in a queue of at most HeavyQueue, and are then refused with 503,
// Retry-After and a body naming the limit — while light requests and the
// readiness probe still answer.
func TestHeavyLimit(t *testing.T) {
	store := newFake(newIncident("a", 62, 34, "2022-04-11"))
	store.block = true // Count waits for the request's deadline
	ts := newTestServer(t, store, func(c *Config) {
		c.MaxHeavy, c.HeavyQueue, c.HeavyWait, c.RequestTimeout = 1, 1, 100*time.Millisecond, 2*time.Second
	})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // holds the one slot until its deadline
		defer wg.Done()
		ts.get(t, itemsPath)
	}()
	waitFor(t, func() bool { n, _ := ts.server.gate.inFlight(); return n == 1 })

	t.Run("queued, then refused after the wait", func(t *testing.T) {
		start := time.Now()
		w := ts.get(t, aggregatePath+"?groupby=month")
		body := wantError(t, w, http.StatusServiceUnavailable, codeUnavailable, "")
		if body.Limit != limitHeavy || !strings.Contains(body.Description, "none finished within 100ms") {
			t.Errorf("body %+v", body)
		}
		if w.Header().Get("Retry-After") != "2" {
			t.Errorf("Retry-After %q", w.Header().Get("Retry-After"))
		}
		if d := time.Since(start); d < 100*time.Millisecond {
			t.Errorf("refused after %v, before the wait", d)
		}
	})
	t.Run("light requests pass", func(t *testing.T) {
		for _, path := range []string{"/readyz", "/healthz", "/conformance", "/api"} {
			if w := ts.get(t, path); w.Code != http.StatusOK {
				t.Errorf("%s: %d %s", path, w.Code, w.Body)
			}
		}
	})
	t.Run("queue full: refused at once", func(t *testing.T) {
		var inner sync.WaitGroup
		inner.Add(1)
		go func() { defer inner.Done(); ts.get(t, itemsPath) }() // takes the queue's one place
		waitFor(t, func() bool { _, n := ts.server.gate.inFlight(); return n == 1 })
		body := wantError(t, ts.get(t, itemsPath), http.StatusServiceUnavailable, codeUnavailable, "")
		if body.Limit != limitHeavy || !strings.Contains(body.Description, "1 more are waiting") {
			t.Errorf("body %+v", body)
		}
		inner.Wait()
	})
	wg.Wait()
	if m := ts.get(t, metricsPath).Body.String(); !strings.Contains(m, `incidentmap_limit_refusals_total{limit="heavy-requests"} 3`) {
		t.Errorf("refusals not counted:\n%s", grepLines(m, "refusals"))
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for i := 0; i < 500; i++ {
		if cond() {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatal("condition not met within 2.5 s")
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// TestHygiene checks that NUL, control characters and invalid UTF-8 are a
// 400 naming the parameter in every string parameter of every endpoint,
// before any parser or store sees them.
func TestHygiene(t *testing.T) {
	ts := newTestServer(t, newFake(), func(c *Config) { c.Geo = noGeo{} })
	tests := []struct {
		name, target, param, want string
	}{
		{"nul in a property", itemsPath + "?place_name=a%00b", "place_name", "place_name: must not contain NUL (byte 2)"},
		{"invalid utf-8 in a property", itemsPath + "?facility=%FF", "facility", "facility: is not valid UTF-8 (byte 1)"},
		{"nul in a cql2 literal", itemsPath + "?filter=place_name%3D%27a%00%27", "filter", "filter: must not contain NUL"},
		{"invalid utf-8 in cql2", itemsPath + "?filter=place_name%3D%27%FF%27", "filter", "filter: is not valid UTF-8"},
		{"escape in sortby", itemsPath + "?sortby=%1B%5B31m", "sortby", "sortby: must not contain the control character U+001B"},
		{"nul in aggregate", aggregatePath + "?groupby=month&country=%00", "country", "country: must not contain NUL"},
		{"c1 in geocode", geocodePath + "?q=Herat%C2%85", "q", "q: must not contain the control character U+0085"},
		{"nul in regions", regionItemsPath + "?country=%00", "country", "country: must not contain NUL"},
		{"nul in a parameter name", itemsPath + "?a%00b=1", "query", "query: a parameter name must not contain NUL"},
		{"nul in the path", itemsPath + "/a%00b", "path", "path: must not contain NUL"},
		{"invalid utf-8 in the path", itemsPath + "/%FF", "path", "path: is not valid UTF-8"},
		{"nul in an unknown route", "/nowhere%00", "path", "path: must not contain NUL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := wantError(t, ts.get(t, tt.target), http.StatusBadRequest, incidentmap.EINVALID, tt.param)
			if !strings.HasPrefix(body.Description, tt.want) {
				t.Errorf("description %q, want %q…", body.Description, tt.want)
			}
		})
	}
	t.Run("malformed escape", func(t *testing.T) {
		body := wantError(t, ts.get(t, itemsPath+"?bbox=%zz"), http.StatusBadRequest, incidentmap.EINVALID, "")
		if !strings.Contains(body.Description, "query string") {
			t.Errorf("description %q", body.Description)
		}
	})
	t.Run("clean text passes", func(t *testing.T) {
		if w := ts.get(t, itemsPath+"?place_name=%D9%87%D8%B1%D8%A7%D8%AA&filter=title+LIKE+%27%25a%0A%25%27"); w.Code != http.StatusOK {
			t.Errorf("%d %s", w.Code, w.Body)
		}
	})
}

// TestGeoRequests checks the strictness of /geocode and /extract.
func TestGeoRequests(t *testing.T) {
	ts := newTestServer(t, newFake(), func(c *Config) { c.Geo = noGeo{}; c.MaxRequestBytes = 1000 })
	t.Run("geocode with q twice", func(t *testing.T) {
		wantError(t, ts.get(t, geocodePath+"?q=Herat&q=Kabul"), http.StatusBadRequest, incidentmap.EINVALID, "q")
	})
	const good = `{"text":"Protesters stormed the consulate.","published":"2021-05-10"}`
	tests := []struct {
		name, contentType, body string
		status                  int
		code, param             string
	}{
		{"no content type", "", good, http.StatusUnsupportedMediaType, codeUnsupportedMedia, ""},
		{"form", "application/x-www-form-urlencoded", good, http.StatusUnsupportedMediaType, codeUnsupportedMedia, ""},
		{"text", "text/plain", good, http.StatusUnsupportedMediaType, codeUnsupportedMedia, ""},
		{"latin-1 json", "application/json; charset=iso-8859-1", good, http.StatusUnsupportedMediaType, codeUnsupportedMedia, ""},
		{"trailing data", mediaJSON, good + `{"text":"more"}`, http.StatusBadRequest, incidentmap.EINVALID, "body"},
		{"trailing garbage", mediaJSON, good + `x`, http.StatusBadRequest, incidentmap.EINVALID, "body"},
		{"invalid utf-8", mediaJSON, `{"text":"a` + "\xff" + `","published":"2021-05-10"}`, http.StatusBadRequest, incidentmap.EINVALID, "body"},
		{"nul escape in text", mediaJSON, `{"text":"a\u0000b","published":"2021-05-10"}`, http.StatusBadRequest, incidentmap.EINVALID, "text"},
		{"javascript url", "application/json; charset=utf-8", `{"text":"a","published":"2021-05-10","source":{"url":"javascript:alert(1)"}}`,
			http.StatusBadRequest, incidentmap.EINVALID, "source"},
		{"too large", mediaJSON, `{"text":"` + strings.Repeat("a", 2000) + `","published":"2021-05-10"}`,
			http.StatusRequestEntityTooLarge, codeTooLarge, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := wantError(t, ts.post(t, extractPath, tt.contentType, tt.body), tt.status, tt.code, tt.param)
			if tt.status == http.StatusRequestEntityTooLarge && (body.Limit != limitBody || !strings.Contains(body.Description, "1000 bytes")) {
				t.Errorf("body %+v", body)
			}
		})
	}
}

func TestPolicyHeaders(t *testing.T) {
	ts := newTestServer(t, newFake())
	for _, path := range []string{"/", "/conformance", itemsPath, "/nowhere", "/healthz"} {
		w := ts.get(t, path)
		if w.Header().Get("Referrer-Policy") != "no-referrer" || !strings.Contains(w.Header().Get("Permissions-Policy"), "geolocation=()") {
			t.Errorf("%s: headers %v", path, w.Header())
		}
	}
}

// TestDatabaseDown checks that a driver error while the readiness check
// fails is a 503 with Retry-After naming the database, and a driver error
// while the database answers stays a 500.
func TestDatabaseDown(t *testing.T) {
	store := newFake(newIncident("a", 62, 34, "2022-04-11"))
	ts := newTestServer(t, store)
	store.countErr = errors.New("dial tcp 127.0.0.1:5432: connect: connection refused")
	store.pingErr = errors.New("dial tcp 127.0.0.1:5432: connect: connection refused")
	w := ts.get(t, itemsPath)
	body := wantError(t, w, http.StatusServiceUnavailable, codeUnavailable, "")
	if body.Limit != limitDatabase || w.Header().Get("Retry-After") != "5" || strings.Contains(w.Body.String(), "5432") {
		t.Errorf("%v %s", w.Header(), w.Body)
	}
	if w := ts.get(t, "/readyz"); w.Code != http.StatusServiceUnavailable || w.Header().Get("Retry-After") != "5" {
		t.Errorf("readyz: %d %v", w.Code, w.Header())
	}
	store.pingErr = nil
	wantError(t, ts.get(t, itemsPath), http.StatusInternalServerError, incidentmap.EINTERNAL, "")
}

// TestReadinessSingleFlight checks that a burst of probes runs one check.
func TestReadinessSingleFlight(t *testing.T) {
	var mu sync.Mutex
	calls := 0
	release := make(chan struct{})
	r := &readiness{check: func(ctx context.Context) error {
		mu.Lock()
		calls++
		mu.Unlock()
		<-release
		return nil
	}}
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() { defer wg.Done(); _ = r.get(context.Background()) }()
	}
	time.Sleep(50 * time.Millisecond)
	close(release)
	wg.Wait()
	if calls != 1 {
		t.Errorf("%d checks for 20 concurrent probes", calls)
	}
}

func TestLogTruncation(t *testing.T) {
	ts := newTestServer(t, newFake())
	ts.get(t, itemsPath+"?filter="+strings.Repeat("x", 1<<20))
	for _, line := range strings.Split(strings.TrimSpace(ts.log.String()), "\n") {
		if len(line) > 4096 {
			t.Fatalf("a log line of %d bytes", len(line))
		}
	}
	if !strings.Contains(ts.log.String(), "bytes cut") || !strings.Contains(ts.log.String(), `"queryBytes":1048583`) {
		t.Errorf("log %s", ts.log.String())
	}
}

func TestMetrics(t *testing.T) {
	store := newFake(newIncident("a", 62, 34, "2022-04-11"))
	ts := newTestServer(t, store, func(c *Config) {
		c.Pools = []DBStats{{Name: "primary", Stats: func() (s sql.DBStats) { s.MaxOpenConnections = 7; return s }}}
	})
	ts.get(t, itemsPath)
	etag := ts.get(t, itemsPath).Header().Get("ETag")
	ts.get(t, itemsPath, "If-None-Match", etag)
	ts.get(t, itemsPath+"/nope")
	w := ts.get(t, metricsPath)
	if w.Code != http.StatusOK || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/plain") {
		t.Fatalf("%d %v", w.Code, w.Header())
	}
	m := w.Body.String()
	for _, want := range []string{
		`incidentmap_http_request_duration_seconds_count{method="GET",route="/collections/incidents/items",status="200"} 2`,
		`incidentmap_http_request_duration_seconds_count{method="GET",route="/collections/incidents/items",status="304"} 1`,
		`incidentmap_http_request_duration_seconds_count{method="GET",route="/collections/incidents/items/:id",status="404"} 1`,
		`incidentmap_http_requests_in_flight 1`, // this request
		`incidentmap_cache_requests_total{cache="http",result="hit"} 1`,
		`incidentmap_heavy_requests_limit 8`,
		`incidentmap_db_connections_max{pool="primary"} 7`,
		`go_goroutines`,
	} {
		if !strings.Contains(m, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

// TestGzipAbort checks that a response that fails after it began is not
// sent as a complete gzip stream, which a client would take for a whole
// document.
func TestGzipAbort(t *testing.T) {
	var incs []*incidentmap.Incident
	for i := range 300 {
		incs = append(incs, newIncident(strings.Repeat("x", 1+i%50)+string(rune('a'+i%26))+time.Duration(i).String(), 62, 34, "2022-04-11"))
	}
	store := newFake(incs...)
	store.findErr, store.failAfter = errors.New("connection reset"), 250
	ts := newTestServer(t, store)
	r := httptest.NewRequest(http.MethodGet, itemsPath+"?limit=300", nil)
	r.Header.Set("Accept-Encoding", "gzip")
	w := httptest.NewRecorder()
	func() {
		defer func() {
			if v := recover(); v != http.ErrAbortHandler {
				t.Errorf("recovered %v, want http.ErrAbortHandler", v)
			}
		}()
		ts.h.ServeHTTP(w, r)
	}()
	raw := w.Body.Bytes()
	if w.Header().Get("Content-Encoding") != "gzip" {
		t.Fatalf("not gzipped: %v", w.Header())
	}
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err == nil {
		_, err = io.ReadAll(zr)
	}
	if err == nil {
		t.Errorf("the aborted response is a complete gzip stream of %d bytes", len(raw))
	}
}

// FuzzRequestText checks the hygiene check on any path and query: it never
// panics, and what it lets through parses and is clean text throughout.
func FuzzRequestText(f *testing.F) {
	for _, s := range []string{"/collections/incidents/items?place_name=a%00b", "/a?b=%FF", "/x?filter=title+LIKE+%27%25%27",
		"/%E2%80%A8?q=1", "/?a=1&a=2;b", "/items?%zz=1", "/geocode?q=Her%C3%A2t"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, target string) {
		u, err := url.ParseRequestURI(target)
		if err != nil {
			return
		}
		if err := checkRequestText(u); err != nil {
			if incidentmap.ErrorCode(err) != incidentmap.EINVALID {
				t.Fatalf("error %v", err)
			}
			return
		}
		if incidentmap.CheckLine(u.Path) != "" {
			t.Fatalf("path %q passed", u.Path)
		}
		q, err := url.ParseQuery(u.RawQuery)
		if err != nil {
			t.Fatalf("query %q passed: %v", u.RawQuery, err)
		}
		for name, vs := range q {
			for _, v := range append(vs, name) {
				if incidentmap.CheckText(v) != "" {
					t.Fatalf("value %q passed", v)
				}
			}
		}
	})
}
