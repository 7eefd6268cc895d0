package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/incidentmap/incidentmap"
	"github.com/paulmach/orb"
)

// collection is a FeatureCollection response as the tests read it.
type collection struct {
	Type           string            `json:"type"`
	NumberMatched  int               `json:"numberMatched"`
	NumberReturned int               `json:"numberReturned"`
	Features       []json.RawMessage `json:"features"`
	Links          []link            `json:"links"`
	TimeStamp      string            `json:"timeStamp"`
}

func (fc collection) ids(t *testing.T) []string {
	t.Helper()
	var ids []string
	for _, f := range fc.Features {
		var v struct{ ID string }
		if err := json.Unmarshal(f, &v); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, v.ID)
	}
	return ids
}

func (fc collection) link(rel string) string {
	for _, l := range fc.Links {
		if l.Rel == rel {
			return l.Href
		}
	}
	return ""
}

func decodeCollection(t *testing.T, w *httptest.ResponseRecorder) collection {
	t.Helper()
	if w.Code != http.StatusOK {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	if ct := w.Header().Get("Content-Type"); ct != "application/geo+json" {
		t.Errorf("Content-Type %q, want application/geo+json", ct)
	}
	var fc collection
	if err := json.Unmarshal(w.Body.Bytes(), &fc); err != nil {
		t.Fatalf("body is not JSON: %v\n%s", err, w.Body)
	}
	if fc.Type != "FeatureCollection" || fc.NumberReturned != len(fc.Features) {
		t.Errorf("type %q, numberReturned %d for %d features", fc.Type, fc.NumberReturned, len(fc.Features))
	}
	return fc
}

func TestItemsBadInput(t *testing.T) {
	ts := newTestServer(t, newFake(newIncident("a", 62, 34, "2022-04-11")))
	tests := []struct {
		name, query, param string
	}{
		{"bbox with 3 numbers", "bbox=1,2,3", "bbox"},
		{"bbox with 5 numbers", "bbox=1,2,3,4,5", "bbox"},
		{"3D bbox", "bbox=1,2,0,3,4,100", "bbox"},
		{"bbox latitude 95", "bbox=0,0,10,95", "bbox"},
		{"bbox latitude -91", "bbox=0,-91,10,5", "bbox"},
		{"bbox longitude 181", "bbox=0,0,181,5", "bbox"},
		{"bbox south above north", "bbox=0,10,5,0", "bbox"},
		{"bbox NaN", "bbox=NaN,0,5,1", "bbox"},
		{"bbox Inf", "bbox=0,0,Inf,1", "bbox"},
		{"bbox overflow", "bbox=0,0,1e400,1", "bbox"},
		{"bbox hex", "bbox=0x1p3,0,10,1", "bbox"},
		{"bbox word", "bbox=west,0,10,1", "bbox"},
		{"bbox empty number", "bbox=,0,10,1", "bbox"},
		{"bbox swapped west and east", "bbox=70,30,60,35", "bbox"},
		{"bbox crossing wider than 180", "bbox=10,0,-90,1", "bbox"},
		{"bbox empty", "bbox=", "bbox"},
		{"datetime yesterday", "datetime=yesterday", "datetime"},
		{"datetime open both", "datetime=../..", "datetime"},
		{"datetime empty both", "datetime=/", "datetime"},
		{"datetime backwards", "datetime=2022-04-12/2022-04-11", "datetime"},
		{"datetime backwards by an hour", "datetime=2022-04-11T11:00:00Z/2022-04-11T10:00:00Z", "datetime"},
		{"datetime three parts", "datetime=2022-01-01/2022-02-01/2022-03-01", "datetime"},
		{"datetime without zone", "datetime=2022-04-11T10:00:00", "datetime"},
		{"datetime bad month", "datetime=2022-13-01", "datetime"},
		{"datetime year 0", "datetime=0000-01-01", "datetime"},
		{"limit -1", "limit=-1", "limit"},
		{"limit 0", "limit=0", "limit"},
		{"limit 10001", "limit=10001", "limit"},
		{"limit 1e9", "limit=1000000000", "limit"},
		{"limit abc", "limit=abc", "limit"},
		{"limit float", "limit=10.5", "limit"},
		{"country unknown", "country=XXX", "country"},
		{"country lower case", "country=afg", "country"},
		{"country spanning two codes", "country=W%20A", "country"},
		{"country trailing comma", "country=AFG,", "country"},
		{"target_country unknown", "target_country=IRN,ZZZ", "target_country"},
		{"event_type unknown", "event_type=Protests,Picnics", "event_type"},
		{"event_type sub-event", "event_type=Suicide%20bomb", "event_type"},
		{"cursor garbage", "cursor=not-a-cursor", "cursor"},
		{"f html", "f=html", "f"},
		{"unknown parameter", "colour=red", "colour"},
		{"unknown parameter beside good ones", "bbox=0,0,1,1&sortby=title", "sortby"},
		{"repeated parameter", "limit=5&limit=6", "limit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := ts.get(t, "/collections/incidents/items?"+tt.query)
			body := wantError(t, w, http.StatusBadRequest, incidentmap.EINVALID, tt.param)
			if !strings.HasPrefix(body.Description, tt.param+": ") {
				t.Errorf("description %q does not name %s", body.Description, tt.param)
			}
		})
	}
	t.Run("malformed query string", func(t *testing.T) {
		wantError(t, ts.get(t, "/collections/incidents/items?bbox=%zz"), http.StatusBadRequest, incidentmap.EINVALID, "")
	})
	t.Run("long unknown parameter is clipped", func(t *testing.T) {
		name := strings.Repeat("x", 5000)
		body := wantError(t, ts.get(t, "/collections/incidents/items?"+name+"=1"), http.StatusBadRequest, incidentmap.EINVALID, clip(name))
		if len(body.Description) > 500 {
			t.Errorf("description of %d bytes", len(body.Description))
		}
	})
}

func TestItemsFilter(t *testing.T) {
	published := []incidentmap.Status{incidentmap.StatusPublished}
	at := func(s string) time.Time {
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			panic(err)
		}
		return t.UTC()
	}
	cursor := &incidentmap.Cursor{OccurredStart: day("2022-04-11"), ID: "a-1"}
	tests := []struct {
		name  string
		query string
		want  incidentmap.Filter
	}{
		{"none", "", incidentmap.Filter{}},
		{"bbox", "bbox=60.5,30,65,35.25", incidentmap.Filter{BBox: &incidentmap.BBox{West: 60.5, South: 30, East: 65, North: 35.25}}},
		{"bbox with spaces and exponents", "bbox=6e1,%203,65,3.5e1", incidentmap.Filter{BBox: &incidentmap.BBox{West: 60, South: 3, East: 65, North: 35}}},
		{"bbox whole world", "bbox=-180,-90,180,90", incidentmap.Filter{BBox: &incidentmap.BBox{West: -180, South: -90, East: 180, North: 90}}},
		{"bbox antimeridian", "bbox=170,-20,-170,-10", incidentmap.Filter{BBox: &incidentmap.BBox{West: 170, South: -20, East: -170, North: -10}}},
		{"bbox a line", "bbox=62,34,62,34", incidentmap.Filter{BBox: &incidentmap.BBox{West: 62, South: 34, East: 62, North: 34}}},
		{"date", "datetime=2022-04-11", incidentmap.Filter{Interval: &incidentmap.Interval{Start: day("2022-04-11"), End: day("2022-04-11")}}},
		{"date-time", "datetime=2022-04-11T15:30:00Z", incidentmap.Filter{Interval: &incidentmap.Interval{Start: at("2022-04-11T15:30:00Z"), End: at("2022-04-11T15:30:00Z")}}},
		{"date-time with offset", "datetime=2022-04-11T23:30:00-05:00", incidentmap.Filter{Interval: &incidentmap.Interval{Start: at("2022-04-12T04:30:00Z"), End: at("2022-04-12T04:30:00Z")}}},
		{"date-time with fraction", "datetime=2022-04-11T15:30:00.25Z", incidentmap.Filter{Interval: &incidentmap.Interval{Start: at("2022-04-11T15:30:00.25Z"), End: at("2022-04-11T15:30:00.25Z")}}},
		{"interval", "datetime=2019-11-01/2022-04-11", incidentmap.Filter{Interval: &incidentmap.Interval{Start: day("2019-11-01"), End: day("2022-04-11")}}},
		{"interval open end", "datetime=2021-05-01/..", incidentmap.Filter{Interval: &incidentmap.Interval{Start: day("2021-05-01")}}},
		{"interval empty end", "datetime=2021-05-01/", incidentmap.Filter{Interval: &incidentmap.Interval{Start: day("2021-05-01")}}},
		{"interval open start", "datetime=../2021-05-01T12:00:00Z", incidentmap.Filter{Interval: &incidentmap.Interval{End: at("2021-05-01T12:00:00Z")}}},
		{"interval empty start", "datetime=/2021-05-01", incidentmap.Filter{Interval: &incidentmap.Interval{End: day("2021-05-01")}}},
		{"interval within a date end", "datetime=2022-04-11T15:00:00Z/2022-04-11", incidentmap.Filter{Interval: &incidentmap.Interval{Start: at("2022-04-11T15:00:00Z"), End: day("2022-04-11")}}},
		{"limit", "limit=1", incidentmap.Filter{Limit: 1}},
		{"limit max", "limit=10000", incidentmap.Filter{Limit: 10000}},
		{"countries", "country=AFG,IRQ,AFG&target_country=IRN", incidentmap.Filter{Countries: []string{"AFG", "IRQ"}, TargetCountries: []string{"IRN"}}},
		{"event types", "event_type=Explosions/Remote%20violence,Protests", incidentmap.Filter{EventTypes: []string{"Explosions/Remote violence", "Protests"}}},
		{"cursor", "cursor=" + cursor.Encode(), incidentmap.Filter{After: cursor}},
		{"f", "f=geojson", incidentmap.Filter{}},
		{"all", "bbox=40,20,70,40&datetime=2020-01-01/..&limit=50&country=IRQ&event_type=Riots&f=json",
			incidentmap.Filter{BBox: &incidentmap.BBox{West: 40, South: 20, East: 70, North: 40}, Interval: &incidentmap.Interval{Start: day("2020-01-01")},
				Limit: 50, Countries: []string{"IRQ"}, EventTypes: []string{"Riots"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := newFake()
			ts := newTestServer(t, store)
			decodeCollection(t, ts.get(t, "/collections/incidents/items?"+tt.query))
			tt.want.Statuses = published
			got := store.lastFilter(t)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("filter\n got %s\nwant %s", showFilter(got), showFilter(tt.want))
			}
		})
	}
}

func showFilter(f incidentmap.Filter) string {
	s := fmt.Sprintf("%+v", f)
	if f.BBox != nil {
		s += fmt.Sprintf(" bbox=%+v", *f.BBox)
	}
	if f.Interval != nil {
		s += fmt.Sprintf(" interval=%v/%v", f.Interval.Start, f.Interval.End)
	}
	if f.After != nil {
		s += fmt.Sprintf(" after=%+v", *f.After)
	}
	return s
}

func TestItemsPaging(t *testing.T) {
	var incs []*incidentmap.Incident
	for i := range 5 {
		incs = append(incs, newIncident(fmt.Sprintf("inc-%d", i), 62, 34, fmt.Sprintf("2022-04-%02d", 10+i)))
	}
	draft := newIncident("draft-1", 62, 34, "2022-04-12")
	draft.Status = incidentmap.StatusDraft
	incs = append(incs, draft)
	store := newFake(incs...)
	ts := newTestServer(t, store)

	target := "/collections/incidents/items?limit=2&country=AFG&datetime=2022-01-01/..&bbox=60,30,65,35"
	var ids []string
	var after *incidentmap.Cursor // the cursor the last next link carried
	for page := 0; target != ""; page++ {
		if page > 5 {
			t.Fatal("the next links do not end")
		}
		fc := decodeCollection(t, ts.get(t, target))
		// Following a next link hands its cursor to the store.
		if f := store.lastFilter(t); !reflect.DeepEqual(f.After, after) {
			t.Errorf("page %d: the store got After=%v, want %v", page, f.After, after)
		}
		if fc.NumberMatched != 5 {
			t.Errorf("page %d: numberMatched %d, want 5", page, fc.NumberMatched)
		}
		got := fc.ids(t)
		ids = append(ids, got...)
		self, err := url.Parse(fc.link("self"))
		if want, _ := url.Parse("http://example.com" + target); err != nil || self.Host != want.Host ||
			self.Path != want.Path || !reflect.DeepEqual(self.Query(), want.Query()) {
			t.Errorf("page %d: self link %q, want %q", page, fc.link("self"), want)
		}
		target = ""
		next := fc.link("next")
		if next == "" {
			continue
		}
		u, err := url.Parse(next)
		if err != nil || u.Scheme != "http" || u.Host != "example.com" || u.Path != "/collections/incidents/items" {
			t.Fatalf("page %d: next link %q", page, next)
		}
		q := u.Query()
		for k, v := range map[string]string{"limit": "2", "country": "AFG", "datetime": "2022-01-01/..", "bbox": "60,30,65,35"} {
			if q.Get(k) != v {
				t.Errorf("page %d: next link %q lost %s=%s", page, next, k, v)
			}
		}
		if after, err = incidentmap.DecodeCursor(q.Get("cursor")); err != nil {
			t.Fatalf("page %d: next link %q: %v", page, next, err)
		}
		if after.ID != got[len(got)-1] {
			t.Errorf("page %d: cursor names %s, want the last feature %s", page, after.ID, got[len(got)-1])
		}
		target = u.RequestURI()
	}
	if want := []string{"inc-0", "inc-1", "inc-2", "inc-3", "inc-4"}; !slices.Equal(ids, want) {
		t.Errorf("pages gave %v, want %v", ids, want)
	}
}

func TestItemsGolden(t *testing.T) {
	a := herat()
	b := newIncident("2020-09-15-baghdad-us-embassy", 44.3955, 33.2995, "2020-09-15")
	b.Country, b.EventType, b.TargetCountry = "IRQ", "Explosions/Remote violence", "USA"
	c := newIncident("2022-09-05-kabul-russia-embassy", 69.1234567, 34.5123456, "2022-09-05")
	ts := newTestServer(t, newFake(a, b, c))
	w := ts.get(t, "/collections/incidents/items?limit=2&bbox=40,20,70,40")
	decodeCollection(t, w)
	golden(t, "items.json", w.Body.Bytes())
}

func TestItemGolden(t *testing.T) {
	ts := newTestServer(t, newFake(herat()))
	w := ts.get(t, "/collections/incidents/items/2022-04-11-herat-iran-consulate")
	if w.Code != http.StatusOK {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	if ct := w.Header().Get("Content-Type"); ct != "application/geo+json" {
		t.Errorf("Content-Type %q", ct)
	}
	golden(t, "item.json", w.Body.Bytes())
}

func TestItemNotFound(t *testing.T) {
	draft := newIncident("draft-1", 62, 34, "2022-04-12")
	draft.Status = incidentmap.StatusDraft
	retracted := newIncident("retracted-1", 62, 34, "2022-04-12")
	retracted.Status = incidentmap.StatusRetracted
	store := newFake(newIncident("a", 62, 34, "2022-04-11"), draft, retracted)
	ts := newTestServer(t, store)
	tests := []struct{ name, path string }{
		{"unknown", "/collections/incidents/items/nope"},
		{"malformed", "/collections/incidents/items/%3Cscript%3Ealert(1)%3Cb%3E"},
		{"slash in id", "/collections/incidents/items/a%2Fb"},
		{"too long", "/collections/incidents/items/" + strings.Repeat("a", 200)},
		{"draft", "/collections/incidents/items/draft-1"},
		{"retracted", "/collections/incidents/items/retracted-1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := ts.get(t, tt.path)
			body := wantError(t, w, http.StatusNotFound, incidentmap.ENOTFOUND, "")
			if strings.Contains(w.Body.String(), "alert") || body.Description != "incident not found" && body.Description != "no such resource" {
				t.Errorf("body %s", w.Body)
			}
		})
	}
	if slices.Contains(store.gets, "<script>alert(1)<b>") {
		t.Error("a malformed id reached the store")
	}
	t.Run("unknown parameter", func(t *testing.T) {
		wantError(t, ts.get(t, "/collections/incidents/items/a?bbox=1,2,3,4"), http.StatusBadRequest, incidentmap.EINVALID, "bbox")
	})
	t.Run("f", func(t *testing.T) {
		if w := ts.get(t, "/collections/incidents/items/a?f=json"); w.Code != http.StatusOK {
			t.Errorf("status %d", w.Code)
		}
		wantError(t, ts.get(t, "/collections/incidents/items/a?f=csv"), http.StatusBadRequest, incidentmap.EINVALID, "f")
	})
}

func TestItemLinks(t *testing.T) {
	tests := []struct {
		name   string
		cfg    func(*Config)
		header []string
		want   string
	}{
		{"from the request", nil, nil, "http://example.com"},
		{"forwarded but not trusted", nil, []string{"X-Forwarded-Proto", "https", "X-Forwarded-Host", "evil.example"}, "http://example.com"},
		{"forwarded and trusted", func(c *Config) { c.TrustProxy = true }, []string{"X-Forwarded-Proto", "https", "X-Forwarded-Host", "maps.example.org, proxy.internal"}, "https://maps.example.org"},
		{"trusted but malformed", func(c *Config) { c.TrustProxy = true }, []string{"X-Forwarded-Proto", "gopher", "X-Forwarded-Host", "a b/c"}, ""},
		{"base URL", func(c *Config) { c.BaseURL = "https://maps.example.org/incidentmap/" }, []string{"X-Forwarded-Host", "evil.example"}, "https://maps.example.org/incidentmap"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var edits []func(*Config)
			if tt.cfg != nil {
				edits = append(edits, tt.cfg)
			}
			ts := newTestServer(t, newFake(newIncident("a", 62, 34, "2022-04-11")), edits...)
			w := ts.get(t, "/collections/incidents/items/a", tt.header...)
			var f struct{ Links []link }
			if err := json.Unmarshal(w.Body.Bytes(), &f); err != nil {
				t.Fatal(err)
			}
			want := []link{
				{Href: tt.want + "/collections/incidents/items/a", Rel: "self", Type: "application/geo+json"},
				{Href: tt.want + "/collections/incidents", Rel: "collection", Type: "application/json"},
			}
			if !reflect.DeepEqual(f.Links, want) {
				t.Errorf("links %+v, want %+v", f.Links, want)
			}
		})
	}
}

func TestInternalErrorsHidden(t *testing.T) {
	secret := errors.New(`sqlite: SELECT secret FROM incidents WHERE id = 'x': database is locked`)
	tests := []struct {
		name  string
		store func(*fakeStore)
		path  string
	}{
		{"count", func(s *fakeStore) { s.countErr = secret }, "/collections/incidents/items"},
		{"find before the first byte", func(s *fakeStore) { s.findErr, s.failAfter = secret, 1 }, "/collections/incidents/items"},
		{"get", func(s *fakeStore) { s.getErr = fmt.Errorf("postgis: get incident a: %w", secret) }, "/collections/incidents/items/a"},
		{"get with an internal *Error", func(s *fakeStore) {
			s.getErr = &incidentmap.Error{Code: incidentmap.EINTERNAL, Message: "SELECT secret"}
		}, "/collections/incidents/items/a"},
		{"panic", func(s *fakeStore) { s.panicMsg = "SELECT secret panicked" }, "/collections/incidents/items"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := newFake(newIncident("a", 62, 34, "2022-04-11"), newIncident("b", 62, 34, "2022-04-12"))
			tt.store(store)
			ts := newTestServer(t, store)
			w := ts.get(t, tt.path, HeaderRequestID, "req-"+strings.ReplaceAll(tt.name, " ", "-"))
			body := wantError(t, w, http.StatusInternalServerError, incidentmap.EINTERNAL, "")
			if body.Description != "internal error" || strings.Contains(w.Body.String(), "SELECT") {
				t.Errorf("body leaks: %s", w.Body)
			}
			logged := ts.log.String()
			if !strings.Contains(logged, "SELECT secret") || !strings.Contains(logged, `"requestId":"`+body.RequestID+`"`) {
				t.Errorf("the cause was not logged with the request id:\n%s", logged)
			}
		})
	}
}

func TestItemsTimeout(t *testing.T) {
	store := newFake()
	store.block = true
	ts := newTestServer(t, store, func(c *Config) { c.RequestTimeout = 20 * time.Millisecond })
	body := wantError(t, ts.get(t, "/collections/incidents/items"), http.StatusServiceUnavailable, "unavailable", "")
	if body.Description != "the request took too long" {
		t.Errorf("description %q", body.Description)
	}
}

func TestItemsClientGone(t *testing.T) {
	store := newFake()
	store.block = true
	ts := newTestServer(t, store)
	ctx, cancel := context.WithCancel(context.Background())
	r := httptest.NewRequest(http.MethodGet, "/collections/incidents/items", nil).WithContext(ctx)
	w := httptest.NewRecorder()
	time.AfterFunc(10*time.Millisecond, cancel)
	ts.h.ServeHTTP(w, r)
	if logged := ts.log.String(); strings.Contains(logged, `"level":"ERROR"`) || strings.Contains(logged, `"level":"WARN"`) {
		t.Errorf("a client that went away was logged as a problem:\n%s", logged)
	}
	if w.Code != statusClientClosed {
		t.Errorf("status %d", w.Code)
	}
}

// TestItemsStreamFailure checks that a store failing after the first bytes
// went out breaks the transfer instead of ending a valid-looking document.
func TestItemsStreamFailure(t *testing.T) {
	var incs []*incidentmap.Incident
	for i := range 1000 { // about 1 MB of features, well past the first flush
		incs = append(incs, newIncident(fmt.Sprintf("inc-%04d", i), 62, 34, "2022-04-11"))
	}
	store := newFake(incs...)
	store.findErr, store.failAfter = errors.New("SELECT secret: connection reset"), 900
	ts := newTestServer(t, store)
	srv := httptest.NewServer(ts.h)
	defer srv.Close()

	resp, err := http.Get(srv.URL + "/collections/incidents/items?limit=10000")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	b, err := io.ReadAll(resp.Body)
	if err == nil {
		t.Fatalf("the transfer completed (%d bytes); want it broken", len(b))
	}
	if len(b) < flushBytes {
		t.Errorf("only %d bytes arrived before the break", len(b))
	}
	if json.Valid(b) {
		t.Error("the truncated body is valid JSON")
	}
	if strings.Contains(string(b), "SELECT") {
		t.Error("the body leaks the cause")
	}
	if logged := ts.log.String(); !strings.Contains(logged, "SELECT secret") || !strings.Contains(logged, "aborting") {
		t.Errorf("the failure was not logged:\n%s", logged)
	}
}

func TestItemsLarge(t *testing.T) {
	// A page larger than the stream buffer arrives whole and valid.
	incs := synthetic(3000)
	ts := newTestServer(t, newFake(incs...))
	srv := httptest.NewServer(ts.h)
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/collections/incidents/items?limit=2500")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var fc collection
	if err := json.NewDecoder(resp.Body).Decode(&fc); err != nil {
		t.Fatal(err)
	}
	if fc.NumberMatched != 3000 || fc.NumberReturned != 2500 || len(fc.Features) != 2500 || fc.link("next") == "" {
		t.Errorf("matched %d, returned %d, %d features, next %q", fc.NumberMatched, fc.NumberReturned, len(fc.Features), fc.link("next"))
	}
}

// synthetic returns n published incidents on distinct days and points.
func synthetic(n int) []*incidentmap.Incident {
	out := make([]*incidentmap.Incident, n)
	for i := range n {
		inc := newIncident(fmt.Sprintf("syn-%07d", i), 40+float64(i%400)/10, 25+float64(i/400)/10, "2015-01-01")
		inc.OccurredStart = inc.OccurredStart.AddDate(0, 0, i%3650)
		inc.OccurredEnd = inc.OccurredStart
		inc.Summary = "A generated incident for tests and benchmarks."
		inc.Location = orb.Point{inc.Location[0], inc.Location[1]}
		inc.Sources = []incidentmap.Source{{Publisher: "Generator", Title: "Synthetic source", URL: "https://example.org/s"}}
		out[i] = inc
	}
	return out
}

// BenchmarkItems1000 serves a page of 1,000 features through the whole
// handler, middleware included, to a writer that discards the body.
func BenchmarkItems1000(b *testing.B) {
	ts := newTestServer(b, newFake(synthetic(1000)...))
	r := httptest.NewRequest(http.MethodGet, "/collections/incidents/items?limit=1000", nil)
	b.ReportAllocs()
	var w discardWriter
	for b.Loop() {
		w = discardWriter{header: http.Header{}}
		ts.h.ServeHTTP(&w, r)
		if w.status != http.StatusOK {
			b.Fatal(w.status)
		}
	}
	b.SetBytes(w.n)
}

// discardWriter is a ResponseWriter that counts the body and drops it.
type discardWriter struct {
	header http.Header
	status int
	n      int64
}

func (w *discardWriter) Header() http.Header { return w.header }
func (w *discardWriter) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
}
func (w *discardWriter) Write(p []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	w.n += int64(len(p))
	return len(p), nil
}
