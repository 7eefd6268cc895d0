package api

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/incidentmap/incidentmap"
	"github.com/paulmach/orb"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// fakeStore serves canned incidents in store order and records the filters
// it receives. It applies the whole filter tree of Filter.Expr (see
// fakeSelect in items_test.go), SortBy, After, Before and Limit, and panics
// on a node it cannot evaluate rather than treating it as true.
type fakeStore struct {
	mu        sync.Mutex
	incidents []*incidentmap.Incident // in (OccurredStart, ID) order
	filters   []incidentmap.Filter
	gets      []string
	extents   int // calls of Extent
	// lastModified is the LastModified of DataVersion.
	lastModified time.Time

	countErr error // returned by CountIncidents
	getErr   error // returned by GetIncident
	findErr  error // returned by FindIncidents after failAfter incidents
	pingErr  error
	// failAfter is how many incidents Find yields before findErr.
	failAfter int
	// failCall, when set, is the first call of FindIncidents that findErr
	// applies to (counting from 1); earlier calls succeed.
	failCall int
	finds    int // calls of FindIncidents
	// block makes Count wait for its context to end and return its error.
	block bool
	// panicMsg makes Count panic with this value.
	panicMsg string
	// scans counts the calls of ScanPoints; scanErr is what they return.
	scans   int
	scanErr error
	// blockScan makes ScanPoints wait for its context to end; scanning
	// counts the calls of ScanPoints under way.
	blockScan bool
	scanning  int
}

func newFake(incs ...*incidentmap.Incident) *fakeStore {
	incs = slices.Clone(incs)
	slices.SortFunc(incs, func(a, b *incidentmap.Incident) int {
		if c := a.OccurredStart.Compare(b.OccurredStart); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return &fakeStore{incidents: incs}
}

func (s *fakeStore) selected(f incidentmap.Filter) []*incidentmap.Incident {
	out, _ := fakeSelect(s.incidents, f)
	return out
}

func (s *fakeStore) CountIncidents(ctx context.Context, f incidentmap.Filter) (int, error) {
	s.mu.Lock()
	s.filters = append(s.filters, f)
	s.mu.Unlock()
	if s.panicMsg != "" {
		panic(s.panicMsg)
	}
	if s.block {
		<-ctx.Done()
		return 0, ctx.Err()
	}
	if s.countErr != nil {
		return 0, s.countErr
	}
	f.After, f.Before = nil, nil
	return len(s.selected(f)), nil
}

// FindPage counts as CountIncidents does (honouring countErr, block and
// panicMsg), then streams the page as FindIncidents does, and bounds the
// count as the stores do.
func (s *fakeStore) FindPage(ctx context.Context, f incidentmap.Filter, countCap int, fn func(*incidentmap.Incident) error) (incidentmap.Page, error) {
	n, err := s.CountIncidents(ctx, f)
	if err != nil {
		return incidentmap.Page{}, err
	}
	returned := 0
	next, err := s.FindIncidents(ctx, f, func(inc *incidentmap.Incident) error {
		returned++
		return fn(inc)
	})
	if err != nil {
		return incidentmap.Page{}, err
	}
	counted := -1
	if incidentmap.NeedsCount(f, next, countCap) {
		counted = min(n, countCap+1)
	}
	return incidentmap.PageMatched(f, returned, next, countCap, counted), nil
}

func (s *fakeStore) FindIncidents(ctx context.Context, f incidentmap.Filter, fn func(*incidentmap.Incident) error) (*incidentmap.Cursor, error) {
	s.mu.Lock()
	s.filters = append(s.filters, f)
	s.mu.Unlock()
	s.mu.Lock()
	s.finds++
	fail := s.findErr != nil && s.finds >= s.failCall
	s.mu.Unlock()
	incs, err := fakeSelect(s.incidents, f)
	if err != nil {
		return nil, err
	}
	for i, inc := range incs {
		if fail && i == s.failAfter {
			return nil, s.findErr
		}
		if i == f.PageLimit() {
			return incidentmap.CursorOf(incs[i-1], f.SortBy), nil
		}
		if err := fn(inc); err != nil {
			return nil, err
		}
	}
	if fail {
		return nil, s.findErr
	}
	return nil, nil
}

// CountBy groups the incidents f selects as the stores do, by
// incidentmap.GroupValue, and records f.
func (s *fakeStore) CountBy(ctx context.Context, f incidentmap.Filter, by string) ([]incidentmap.Bucket, error) {
	s.mu.Lock()
	s.filters = append(s.filters, f)
	s.mu.Unlock()
	if s.countErr != nil {
		return nil, s.countErr
	}
	if _, ok := incidentmap.GroupValue(&incidentmap.Incident{}, by); !ok {
		return nil, invalidGroupKey(by)
	}
	f.After, f.Before, f.Limit, f.SortBy = nil, nil, incidentmap.MaxLimit, nil
	counts := map[string]int{}
	for _, inc := range s.selected(f) {
		k, _ := incidentmap.GroupValue(inc, by)
		counts[k]++
	}
	out := []incidentmap.Bucket{}
	for k, n := range counts {
		out = append(out, incidentmap.Bucket{Key: k, Count: n})
	}
	slices.SortFunc(out, func(a, b incidentmap.Bucket) int { return strings.Compare(a.Key, b.Key) })
	return out, nil
}

// ScanPoints yields the PointRow of each incident f selects, like Find
// without paging, and records f.
func (s *fakeStore) ScanPoints(ctx context.Context, f incidentmap.Filter, fn func(incidentmap.PointRow) error) error {
	s.mu.Lock()
	s.filters = append(s.filters, f)
	s.scans++
	s.scanning++
	err, block := s.scanErr, s.blockScan
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.scanning--
		s.mu.Unlock()
	}()
	if block {
		<-ctx.Done()
		return ctx.Err()
	}
	if err != nil {
		return err
	}
	f.After, f.Before, f.SortBy = nil, nil, nil
	incs, err := fakeSelect(s.incidents, f)
	if err != nil {
		return err
	}
	for _, inc := range incs {
		p := incidentmap.PointRow{ID: inc.ID, Lon: inc.Location.Lon(), Lat: inc.Location.Lat(), OccurredStart: inc.OccurredStart,
			EventType: inc.EventType, Country: inc.Country, Title: inc.Title, Fatalities: inc.Fatalities}
		if err := fn(p); err != nil {
			return err
		}
	}
	return nil
}

func (s *fakeStore) GetIncident(ctx context.Context, id string) (*incidentmap.Incident, error) {
	s.mu.Lock()
	s.gets = append(s.gets, id)
	s.mu.Unlock()
	if s.getErr != nil {
		return nil, s.getErr
	}
	for _, inc := range s.incidents {
		if inc.ID == id {
			return inc, nil
		}
	}
	return nil, incidentmap.Errorf(incidentmap.ENOTFOUND, "incident %s not found", id)
}

func (s *fakeStore) Ping(ctx context.Context) error { return s.pingErr }

// Extent bounds the incidents f selects by status, and counts its calls.
func (s *fakeStore) Extent(ctx context.Context, f incidentmap.Filter) (incidentmap.Extent, error) {
	s.mu.Lock()
	s.extents++
	s.mu.Unlock()
	var ext incidentmap.Extent
	for _, inc := range s.selected(f) {
		lon, lat := inc.Location[0], inc.Location[1]
		if ext.BBox == nil {
			ext.BBox = &incidentmap.BBox{West: lon, South: lat, East: lon, North: lat}
			ext.Start, ext.End = inc.OccurredStart, inc.OccurredEnd
		}
		b := ext.BBox
		b.West, b.South, b.East, b.North = min(b.West, lon), min(b.South, lat), max(b.East, lon), max(b.North, lat)
		if inc.OccurredStart.Before(ext.Start) {
			ext.Start = inc.OccurredStart
		}
		if inc.OccurredEnd.After(ext.End) {
			ext.End = inc.OccurredEnd
		}
		ext.Count++
	}
	return ext, nil
}

func (s *fakeStore) DataVersion(context.Context) (incidentmap.DataVersion, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return incidentmap.DataVersion{Incidents: len(s.incidents), LastModified: s.lastModified}, nil
}

func (s *fakeStore) CreateIncident(context.Context, *incidentmap.Incident) error {
	panic("fakeStore: CreateIncident is not used by the api")
}
func (s *fakeStore) ImportIncidents(context.Context, []*incidentmap.Incident) error {
	panic("fakeStore: ImportIncidents is not used by the api")
}
func (s *fakeStore) UpsertIncidents(context.Context, func() (incidentmap.ImportItem, error), incidentmap.ImportOptions) (incidentmap.ImportResult, error) {
	panic("fakeStore: UpsertIncidents is not used by the api")
}
func (s *fakeStore) DeleteIncident(context.Context, string) error {
	panic("fakeStore: DeleteIncident is not used by the api")
}
func (s *fakeStore) Tombstones(context.Context, time.Time) ([]incidentmap.Tombstone, error) {
	panic("fakeStore: Tombstones is not used by the api")
}
func (s *fakeStore) Close() error { return nil }

// lastFilter returns the filter of the last call to Find or Count.
func (s *fakeStore) lastFilter(t *testing.T) incidentmap.Filter {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.filters) == 0 {
		t.Fatal("the store was not asked for incidents")
	}
	return s.filters[len(s.filters)-1]
}

var _ incidentmap.Store = (*fakeStore)(nil)

// fixedNow is the clock of every test server.
var fixedNow = time.Date(2026, 11, 23, 14, 0, 0, 0, time.UTC)

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

// newIncident returns a minimal published incident.
func newIncident(id string, lon, lat float64, date string) *incidentmap.Incident {
	return &incidentmap.Incident{
		ID: id, Title: "Incident " + id,
		OccurredStart: day(date), OccurredEnd: day(date), DatePrecision: incidentmap.DateDay,
		Location: orb.Point{lon, lat}, LocationPrecision: incidentmap.LocationCity,
		Country: "AFG", EventType: "Protests", TargetType: incidentmap.TargetEmbassy,
		Status: incidentmap.StatusPublished, Version: 1, CreatedAt: fixedNow, UpdatedAt: fixedNow,
	}
}

// herat is a fully populated incident for the golden files.
func herat() *incidentmap.Incident {
	src := incidentmap.Source{Publisher: "Mehr News Agency", Title: "Protest at the consulate in Herat",
		URL: "https://example.org/news?id=1&lang=en", PublishedOn: day("2022-04-12")}
	inc := newIncident("2022-04-11-herat-iran-consulate", 62.1990004, 34.342, "2022-04-11")
	inc.ExternalIDs = []string{"acled:AFG12345"}
	inc.Title = "Protesters attack the Iranian consulate-general in Herat"
	inc.Summary = `Protesters threw stones at the consulate; "<script>" & U+2028` + "\u2028" + "end."
	inc.LocationPrecision = incidentmap.LocationSite
	inc.PlaceName, inc.Admin1Code, inc.Admin1Name = "Herat", "AF-HER", "Herat"
	inc.SubEventType = "Protest with intervention"
	inc.TargetType, inc.TargetCountry = incidentmap.TargetConsulate, "IRN"
	inc.Facility = "Consulate-General of Iran in Herat"
	inc.Actors, inc.Tags = []string{"Protesters (Afghanistan)"}, []string{"diplomatic"}
	zero := 0
	inc.Injuries = &zero
	inc.Sources = []incidentmap.Source{src}
	inc.Responses = []incidentmap.Response{{Date: day("2022-04-12"), DatePrecision: incidentmap.DateDay,
		Actor: "Ministry of Foreign Affairs of Iran", ActorCountry: "IRN", Kind: incidentmap.ResponseSummons,
		Summary: "Summoned Afghanistan's chargé d'affaires.", Source: src}}
	return inc
}

// testServer is a handler under test with its store and log.
type testServer struct {
	h      http.Handler
	server *server
	store  *fakeStore
	log    *syncBuffer
}

// syncBuffer is a bytes.Buffer safe for the concurrent writes of a server.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// webFS is a small built front end.
func webFS() fstest.MapFS {
	return fstest.MapFS{
		"index.html":                {Data: []byte(`<!doctype html><title>incidentmap</title><script type="module" src="/assets/index-B8bUzVfK.js"></script>`)},
		"favicon.svg":               {Data: []byte(`<svg xmlns="http://www.w3.org/2000/svg"/>`)},
		"assets/index-B8bUzVfK.js":  {Data: []byte(`console.log("map")`)},
		"assets/index-Jn5A2ZZq.css": {Data: []byte(`body{margin:0}`)},
		".keep":                     {Data: nil},
	}
}

// newTestServer returns a server over store; edit adjusts its config.
func newTestServer(t testing.TB, store *fakeStore, edit ...func(*Config)) *testServer {
	t.Helper()
	log := &syncBuffer{}
	cfg := Config{
		Basemap: Basemap{URL: "https://tile.openstreetmap.org/{z}/{x}/{y}.png", Attribution: "© OpenStreetMap contributors"},
		Web:     webFS(),
		Logger:  slog.New(slog.NewJSONHandler(log, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Now:     func() time.Time { return fixedNow },
		// The tests page through few incidents and check their counts.
		MatchedCap: 10_000,
	}
	for _, fn := range edit {
		fn(&cfg)
	}
	h, srv, err := newEngine(store, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &testServer{h: h, server: srv, store: store, log: log}
}

// get serves a GET of target ("/path?query") with optional header pairs.
func (ts *testServer) get(t testing.TB, target string, header ...string) *httptest.ResponseRecorder {
	t.Helper()
	return ts.do(t, http.MethodGet, target, header...)
}

func (ts *testServer) do(t testing.TB, method, target string, header ...string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(method, target, nil)
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Set(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	ts.h.ServeHTTP(w, r)
	return w
}

// wantError checks an error response: status, JSON body, code and, when
// param is not "", the parameter named.
func wantError(t *testing.T, w *httptest.ResponseRecorder, status int, code, param string) errorBody {
	t.Helper()
	if w.Code != status {
		t.Errorf("status %d, want %d; body %s", w.Code, status, w.Body)
	}
	if ct := w.Header().Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q, want application/json", ct)
	}
	var body errorBody
	dec := json.NewDecoder(bytes.NewReader(w.Body.Bytes()))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&body); err != nil {
		t.Fatalf("error body %s: %v", w.Body, err)
	}
	if body.Code != code {
		t.Errorf("code %q, want %q", body.Code, code)
	}
	if body.Parameter != param {
		t.Errorf("parameter %q, want %q (%s)", body.Parameter, param, body.Description)
	}
	if body.Description == "" {
		t.Error("no description")
	}
	if id := w.Header().Get(HeaderRequestID); body.RequestID == "" || body.RequestID != id {
		t.Errorf("requestId %q, header %q", body.RequestID, id)
	}
	return body
}

// golden compares got with testdata/name, or rewrites it under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	var indented bytes.Buffer
	if err := json.Indent(&indented, got, "", "  "); err != nil {
		t.Fatalf("%s is not JSON: %v\n%s", name, err, got)
	}
	indented.WriteByte('\n')
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, indented.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(indented.Bytes(), want) {
		t.Errorf("%s differs from the golden file (run go test -update if the change is intended)\ngot:\n%s", path, indented.Bytes())
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		ok   bool
	}{
		{"zero", Config{}, true},
		{"full", Config{BaseURL: "https://maps.example.org/incidentmap/", Basemap: Basemap{URL: "https://{s}.tile.example.org/{z}/{x}/{y}.png"}, RequestTimeout: time.Second}, true},
		{"local tiles", Config{Basemap: Basemap{URL: "/tiles/{z}/{x}/{y}.png"}}, true},
		{"base without scheme", Config{BaseURL: "maps.example.org"}, false},
		{"base ftp", Config{BaseURL: "ftp://maps.example.org"}, false},
		{"base with query", Config{BaseURL: "https://maps.example.org/?a=1"}, false},
		{"base with user", Config{BaseURL: "https://u:p@maps.example.org"}, false},
		{"basemap javascript", Config{Basemap: Basemap{URL: "javascript:alert(1)//{z}{x}{y}"}}, false},
		{"basemap protocol-relative", Config{Basemap: Basemap{URL: "//tiles.example.org/{z}/{x}/{y}.png"}}, false},
		{"basemap not a template", Config{Basemap: Basemap{URL: "https://tiles.example.org/tile.png"}}, false},
		{"negative timeout", Config{RequestTimeout: -time.Second}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate()
			if (err == nil) != tt.ok {
				t.Errorf("Validate() = %v, want ok=%v", err, tt.ok)
			}
			if _, nerr := New(newFake(), tt.cfg); (nerr == nil) != tt.ok {
				t.Errorf("New() = %v, want ok=%v", nerr, tt.ok)
			}
		})
	}
	if _, err := New(nil, Config{}); err == nil {
		t.Error("New accepted a nil store")
	}
}

func TestRouting(t *testing.T) {
	ts := newTestServer(t, newFake())
	t.Run("unknown route", func(t *testing.T) {
		wantError(t, ts.get(t, "/no/such/thing"), http.StatusNotFound, incidentmap.ENOTFOUND, "")
	})
	t.Run("trailing slash is not redirected", func(t *testing.T) {
		wantError(t, ts.get(t, "/collections/incidents/items/"), http.StatusNotFound, incidentmap.ENOTFOUND, "")
	})
	t.Run("wrong method", func(t *testing.T) {
		w := ts.do(t, http.MethodPost, "/collections/incidents")
		wantError(t, w, http.StatusMethodNotAllowed, codeMethodNotAllowed, "")
		if got := w.Header().Get("Allow"); got != "GET, HEAD" {
			t.Errorf("Allow %q, want GET", got)
		}
	})
	t.Run("wrong method on a file", func(t *testing.T) {
		wantError(t, ts.do(t, http.MethodDelete, "/favicon.svg"), http.StatusNotFound, incidentmap.ENOTFOUND, "")
	})
}

func TestHealth(t *testing.T) {
	store := newFake()
	ts := newTestServer(t, store)
	tests := []struct {
		name    string
		path    string
		pingErr error
		status  int
		body    string
	}{
		{"healthz", "/healthz", nil, http.StatusOK, `{"status":"ok"}`},
		{"healthz ignores the database", "/healthz", fmt.Errorf("dial tcp: connection refused"), http.StatusOK, `{"status":"ok"}`},
		{"readyz", "/readyz", nil, http.StatusOK, `{"status":"ready"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store.pingErr = tt.pingErr
			w := ts.get(t, tt.path)
			if w.Code != tt.status || w.Body.String() != tt.body {
				t.Errorf("got %d %s, want %d %s", w.Code, w.Body, tt.status, tt.body)
			}
			if ct := w.Header().Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q", ct)
			}
		})
	}
	t.Run("readyz when the database is down", func(t *testing.T) {
		store.pingErr = fmt.Errorf("dial tcp 10.0.0.5:5432: SELECT secret connection refused")
		w := ts.get(t, "/readyz")
		body := wantError(t, w, http.StatusServiceUnavailable, "unavailable", "")
		if body.Description != "database unreachable" {
			t.Errorf("description %q", body.Description)
		}
		if strings.Contains(w.Body.String(), "secret") || strings.Contains(w.Body.String(), "10.0.0.5") {
			t.Errorf("body leaks the cause: %s", w.Body)
		}
		if !strings.Contains(ts.log.String(), "SELECT secret") {
			t.Error("the cause was not logged")
		}
	})
	t.Run("readyz when the ping times out", func(t *testing.T) {
		store.pingErr = fmt.Errorf("ping: %w", context.DeadlineExceeded)
		body := wantError(t, ts.get(t, "/readyz"), http.StatusServiceUnavailable, "unavailable", "")
		if body.Description != "database unreachable" {
			t.Errorf("description %q", body.Description)
		}
	})
}

func TestTileTemplate(t *testing.T) {
	tests := []struct {
		name, raw, want, err string
	}{
		{"none: the built-in basemap", "", "", ""},
		{"XYZ", "https://t.example/{z}/{x}/{y}.png", "https://t.example/{z}/{x}/{y}.png", ""},
		{"XYZ with subdomains", "https://{s}.t.example/{z}/{x}/{y}{r}.png", "https://{s}.t.example/{z}/{x}/{y}{r}.png", ""},
		{"path on this server", "/tiles/{z}/{x}/{y}.png", "/tiles/{z}/{x}/{y}.png", ""},
		{"WMTS REST", "https://w.example/wmts/roads/default/GoogleMapsCompatible/{TileMatrix}/{TileRow}/{TileCol}.png",
			"https://w.example/wmts/roads/default/GoogleMapsCompatible/{z}/{y}/{x}.png", ""},
		{"WMTS KVP", "https://w.example/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=roads&STYLE=default&TILEMATRIXSET=GoogleMapsCompatible&FORMAT=image/png&TILEMATRIX={TileMatrix}&TILEROW={TileRow}&TILECOL={TileCol}",
			"https://w.example/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=roads&STYLE=default&TILEMATRIXSET=GoogleMapsCompatible&FORMAT=image/png&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}", ""},
		{"relative", "tiles/{z}/{x}/{y}.png", "", "must start with"},
		{"no y", "https://t.example/{z}/{x}.png", "", "has no {y}"},
		{"WMTS placeholder left", "https://w.example/{TileMatrixSet}/{TileMatrix}/{TileRow}/{TileCol}.png", "", "holds {TileMatrixSet}"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := TileTemplate(tt.raw)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("got %q, %v; want an error with %q", got, err, tt.err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("got %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestConfigJSON(t *testing.T) {
	tests := []struct {
		name    string
		basemap Basemap
		want    string
	}{
		{"basemap", Basemap{URL: "https://tile.openstreetmap.org/{z}/{x}/{y}.png", Attribution: "© OpenStreetMap <contributors>"},
			`{"basemap":{"url":"https://tile.openstreetmap.org/{z}/{x}/{y}.png","attribution":"© OpenStreetMap \u003ccontributors\u003e"},"builtin_basemap":null}`},
		{"none", Basemap{}, `{"basemap":null,"builtin_basemap":null}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := newTestServer(t, newFake(), func(c *Config) { c.Basemap = tt.basemap })
			w := ts.get(t, "/config.json")
			if w.Code != http.StatusOK || w.Body.String() != tt.want {
				t.Errorf("got %d %s, want %s", w.Code, w.Body, tt.want)
			}
			if ct := w.Header().Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q", ct)
			}
		})
	}
}
