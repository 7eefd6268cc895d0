package api

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/incidentmap/incidentmap"
)

// aggregateFake holds five published incidents and a draft: two months
// with two each, Afghanistan and Iraq, one without province and one
// without target country.
func aggregateFake() *fakeStore {
	a := newIncident("a", 62.2, 34.35, "2019-11-01")
	a.Admin1Code, a.TargetCountry, a.TargetType = "AF-HER", "IRN", incidentmap.TargetConsulate
	b := newIncident("b", 44.33, 32.0, "2019-11-27")
	b.Country, b.EventType, b.SubEventType, b.TargetCountry = "IRQ", "Riots", "Violent demonstration", "IRN"
	c := newIncident("c", 69.17, 34.53, "2021-08-08")
	c.Admin1Code, c.TargetCountry = "AF-KAB", "RUS"
	d := newIncident("d", 44.4, 33.3, "2021-08-20")
	d.Country, d.Admin1Code, d.TargetCountry = "IRQ", "IQ-BG", "USA"
	e := newIncident("e", 44.0, 32.6, "2022-05-23")
	e.Country, e.Admin1Code = "IRQ", "IQ-KA"
	draft := newIncident("draft", 62.2, 34.35, "2019-11-15")
	draft.Status = incidentmap.StatusDraft
	return newFake(a, b, c, d, e, draft)
}

func TestAggregate(t *testing.T) {
	ts := newTestServer(t, aggregateFake())
	tests := []struct {
		name, query, want string
	}{
		{"month", "groupby=month",
			`{"groupby":"month","numberMatched":5,"buckets":[{"key":"2019-11","count":2},{"key":"2021-08","count":2},{"key":"2022-05","count":1}]}`},
		{"day", "groupby=day&country=AFG",
			`{"groupby":"day","numberMatched":2,"buckets":[{"key":"2019-11-01","count":1},{"key":"2021-08-08","count":1}]}`},
		{"year", "groupby=year",
			`{"groupby":"year","numberMatched":5,"buckets":[{"key":"2019","count":2},{"key":"2021","count":2},{"key":"2022","count":1}]}`},
		{"country", "groupby=country",
			`{"groupby":"country","numberMatched":5,"buckets":[{"key":"AFG","count":2},{"key":"IRQ","count":3}]}`},
		{"empty keys", "groupby=admin1_code",
			`{"groupby":"admin1_code","numberMatched":5,"buckets":[{"key":"","count":1},{"key":"AF-HER","count":1},{"key":"AF-KAB","count":1},{"key":"IQ-BG","count":1},{"key":"IQ-KA","count":1}]}`},
		{"target_country", "groupby=target_country&f=json",
			`{"groupby":"target_country","numberMatched":5,"buckets":[{"key":"","count":1},{"key":"IRN","count":2},{"key":"RUS","count":1},{"key":"USA","count":1}]}`},
		{"country parameter", "groupby=month&country=IRQ",
			`{"groupby":"month","numberMatched":3,"buckets":[{"key":"2019-11","count":1},{"key":"2021-08","count":1},{"key":"2022-05","count":1}]}`},
		{"cql2 filter", "groupby=event_type&filter=" + url.QueryEscape("target_country IN ('IRN','RUS')"),
			`{"groupby":"event_type","numberMatched":3,"buckets":[{"key":"Protests","count":2},{"key":"Riots","count":1}]}`},
		{"property parameter", "groupby=sub_event_type&target_type=consulate",
			`{"groupby":"sub_event_type","numberMatched":1,"buckets":[{"key":"","count":1}]}`},
		{"nothing matches", "groupby=month&country=SYR", `{"groupby":"month","numberMatched":0,"buckets":[]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := ts.get(t, aggregatePath+"?"+tt.query)
			if w.Code != http.StatusOK || w.Header().Get("Content-Type") != mediaJSON {
				t.Fatalf("%d %q %s", w.Code, w.Header().Get("Content-Type"), w.Body)
			}
			if got := w.Body.String(); got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
	t.Run("HEAD", func(t *testing.T) {
		if w := ts.do(t, http.MethodHead, aggregatePath+"?groupby=month"); w.Code != http.StatusOK {
			t.Errorf("%d", w.Code)
		}
	})
}

// TestAggregateFilter checks that the aggregate hands the store exactly
// the filter the items endpoint does for the same filter parameters.
func TestAggregateFilter(t *testing.T) {
	for _, query := range []string{
		"",
		"bbox=40,20,70,40&datetime=2020-01-01/..&country=IRQ&event_type=Riots",
		"target_country=IRN&target_type=embassy,consulate&fatalities=0,10&admin1_code=AF-HER",
		"filter=" + url.QueryEscape("country='IRQ' AND fatalities > 5"),
		"filter-lang=cql2-json&filter-crs=" + url.QueryEscape(crs84) + "&filter=" + url.QueryEscape(`{"op":"=","args":[{"property":"country"},"IRQ"]}`),
		"sub_event_type=Violent%20demonstration&filter=" + url.QueryEscape("title LIKE '%embassy%'"),
	} {
		t.Run(query, func(t *testing.T) {
			store := newFake()
			ts := newTestServer(t, store)
			if w := ts.get(t, itemsPath+"?"+query); w.Code != http.StatusOK {
				t.Fatalf("items: %d %s", w.Code, w.Body)
			}
			items := store.lastFilter(t)
			sep := "&"
			if query == "" {
				sep = ""
			}
			if w := ts.get(t, aggregatePath+"?"+query+sep+"groupby=country"); w.Code != http.StatusOK {
				t.Fatalf("aggregate: %d %s", w.Code, w.Body)
			}
			if got := store.lastFilter(t); !reflect.DeepEqual(got, items) {
				t.Errorf("aggregate filter\n got %s\nwant %s", showFilter(got), showFilter(items))
			}
		})
	}
}

func TestAggregateBadInput(t *testing.T) {
	ts := newTestServer(t, aggregateFake())
	tests := []struct {
		name, query, param string
	}{
		{"groupby missing", "country=AFG", "groupby"},
		{"groupby empty", "groupby=", "groupby"},
		{"groupby unknown", "groupby=colour", "groupby"},
		{"groupby upper case", "groupby=Month", "groupby"},
		{"groupby not a group key", "groupby=id", "groupby"},
		{"groupby twice", "groupby=month&groupby=year", "groupby"},
		{"groupby list", "groupby=month,country", "groupby"},
		{"limit", "groupby=month&limit=10", "limit"},
		{"cursor", "groupby=month&cursor=abc", "cursor"},
		{"sortby", "groupby=month&sortby=id", "sortby"},
		{"properties", "groupby=month&properties=title", "properties"},
		{"limit without groupby", "limit=10", "limit"},
		{"f geojson", "groupby=month&f=geojson", "f"},
		{"f csv", "groupby=month&f=csv", "f"},
		{"f html", "groupby=month&f=html", "f"},
		{"f empty", "groupby=month&f=", "f"},
		{"f twice", "groupby=month&f=json&f=json", "f"},
		{"unknown parameter", "groupby=month&colour=red", "colour"},
		{"status", "groupby=month&status=draft", "status"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := wantError(t, ts.get(t, aggregatePath+"?"+tt.query), http.StatusBadRequest, incidentmap.EINVALID, tt.param)
			if !strings.HasPrefix(body.Description, tt.param+": ") {
				t.Errorf("description %q does not name %s", body.Description, tt.param)
			}
		})
	}
	t.Run("unknown parameter lists the aggregate's", func(t *testing.T) {
		body := wantError(t, ts.get(t, aggregatePath+"?groupby=month&colour=red"), http.StatusBadRequest, incidentmap.EINVALID, "colour")
		if !strings.Contains(body.Description, "groupby") || strings.Contains(body.Description, "limit") {
			t.Errorf("description %q", body.Description)
		}
	})
	t.Run("malformed query string", func(t *testing.T) {
		wantError(t, ts.get(t, aggregatePath+"?groupby=month&bbox=%zz"), http.StatusBadRequest, incidentmap.EINVALID, "")
	})

	// A bad filter parameter is the same 400 as from the items.
	for _, query := range []string{
		"bbox=1,2,3", "bbox=0,10,5,0", "bbox=", "datetime=yesterday", "datetime=2022-04-12/2022-04-11",
		"country=XXX", "country=afg", "target_country=IRN,ZZZ", "event_type=Picnics",
		"filter=" + url.QueryEscape("(country='IRQ'"), "filter=" + url.QueryEscape("colour='red'"),
		"filter-lang=cql2-json&filter=" + url.QueryEscape("country='IRQ'"), "filter-lang=xml&filter=TRUE",
		"filter-crs=EPSG:3857&filter=TRUE", "region=AFG", "region=afghanistan", "fatalities=-1", "target_type=castle",
		"admin1_code=af-her", "id=" + url.QueryEscape("<script>"), "place_name=%ff", "country=AFG&country=IRQ",
	} {
		t.Run("as items: "+query, func(t *testing.T) {
			items := ts.get(t, itemsPath+"?"+query)
			if items.Code != http.StatusBadRequest {
				t.Fatalf("items gave %d %s", items.Code, items.Body)
			}
			var want errorBody
			mustDecode(t, items.Body.Bytes(), &want)
			got := wantError(t, ts.get(t, aggregatePath+"?groupby=month&"+query), http.StatusBadRequest, want.Code, want.Parameter)
			if got.Description != want.Description {
				t.Errorf("description %q, items say %q", got.Description, want.Description)
			}
		})
	}
}

func TestAggregateStoreErrors(t *testing.T) {
	store := aggregateFake()
	store.countErr = errors.New("postgis: count incidents by month: connection refused at 10.0.0.5")
	ts := newTestServer(t, store)
	body := wantError(t, ts.get(t, aggregatePath+"?groupby=month"), http.StatusInternalServerError, incidentmap.EINTERNAL, "")
	if body.Description != "internal error" || strings.Contains(body.Description, "10.0.0.5") {
		t.Errorf("description %q", body.Description)
	}
	// A filter the store cannot compile is the store's 400.
	store.countErr = incidentmap.Invalidf("filter", "cannot compile")
	wantError(t, ts.get(t, aggregatePath+"?groupby=month"), http.StatusBadRequest, incidentmap.EINVALID, "filter")
}

// TestAggregateHTTP checks that the aggregate is served like the items:
// ETag and 304, Cache-Control, gzip when large.
func TestAggregateHTTP(t *testing.T) {
	store := newFake(synthetic(3650)...)
	store.lastModified = fixedNow
	ts := newTestServer(t, store)
	path := aggregatePath + "?groupby=month"
	w := ts.get(t, path)
	etag := w.Header().Get("ETag")
	if w.Code != http.StatusOK || !strings.HasPrefix(etag, `W/"`) || w.Header().Get("Cache-Control") != DefaultCacheControl ||
		w.Header().Get("Last-Modified") != fixedNow.Format(http.TimeFormat) {
		t.Fatalf("%d %v", w.Code, w.Header())
	}
	if w := ts.get(t, path, "If-None-Match", etag); w.Code != http.StatusNotModified || w.Body.Len() != 0 {
		t.Errorf("If-None-Match: %d %s", w.Code, w.Body)
	}
	if other := ts.get(t, aggregatePath+"?groupby=year").Header().Get("ETag"); other == etag {
		t.Error("two groupings share an ETag")
	}
	w = ts.get(t, path, "Accept-Encoding", "gzip")
	if w.Code != http.StatusOK || w.Header().Get("Content-Encoding") != "gzip" {
		t.Fatalf("gzip: %d %v", w.Code, w.Header())
	}
	zr, err := gzip.NewReader(bytes.NewReader(w.Body.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	var body struct {
		GroupBy       string `json:"groupby"`
		NumberMatched int    `json:"numberMatched"`
		Buckets       []struct {
			Key   string `json:"key"`
			Count int    `json:"count"`
		} `json:"buckets"`
	}
	mustDecode(t, b, &body)
	sum := 0
	for i, bk := range body.Buckets {
		sum += bk.Count
		if i > 0 && body.Buckets[i-1].Key >= bk.Key {
			t.Errorf("bucket %d: %q after %q", i, bk.Key, body.Buckets[i-1].Key)
		}
	}
	if body.GroupBy != "month" || len(body.Buckets) != 120 || sum != 3650 || body.NumberMatched != 3650 {
		t.Errorf("%s: %d buckets adding up to %d, numberMatched %d", body.GroupBy, len(body.Buckets), sum, body.NumberMatched)
	}
	t.Run("errors carry no validators", func(t *testing.T) {
		w := ts.get(t, aggregatePath+"?groupby=colour")
		if w.Code != http.StatusBadRequest || w.Header().Get("ETag") != "" || w.Header().Get("Cache-Control") != "no-store" {
			t.Errorf("%d %v", w.Code, w.Header())
		}
	})
}

// TestAggregateOpenAPI checks that /api documents exactly the parameters
// the aggregate accepts, groupby as required.
func TestAggregateOpenAPI(t *testing.T) {
	ts := newTestServer(t, newFake())
	var doc struct {
		Paths map[string]map[string]struct {
			Parameters []struct {
				Name     string
				Required bool
			}
		}
	}
	mustDecode(t, ts.get(t, "/api").Body.Bytes(), &doc)
	get, ok := doc.Paths[aggregatePath]["get"]
	if !ok {
		t.Fatal("the aggregate is not in /api")
	}
	documented := map[string]bool{}
	for _, p := range get.Parameters {
		documented[p.Name] = true
		if p.Required != (p.Name == "groupby") {
			t.Errorf("%s required %v", p.Name, p.Required)
		}
	}
	candidates := []string{"groupby", "limit", "cursor", "sortby", "properties", "f", "status", "crs", "offset"}
	for _, p := range itemParams() {
		candidates = append(candidates, p.Name)
	}
	for _, q := range incidentmap.IncidentQueryables {
		candidates = append(candidates, q.Name)
	}
	for _, name := range candidates {
		if isAggregateParam(name) != documented[name] {
			t.Errorf("%s: accepted %v, documented %v", name, isAggregateParam(name), documented[name])
		}
	}
	for name := range documented {
		q := url.Values{name: {"x"}}
		if name != "groupby" {
			q.Set("groupby", "month")
		}
		var e errorBody
		w := ts.get(t, aggregatePath+"?"+q.Encode())
		_ = json.Unmarshal(w.Body.Bytes(), &e)
		if w.Code == http.StatusBadRequest && e.Parameter == name && strings.Contains(e.Description, "not a query parameter") {
			t.Errorf("/api documents %s, which the aggregate rejects: %s", name, w.Body)
		}
	}
}

// TestAggregateCachedPerVersion checks that the same aggregate asked
// twice is counted once while the data version stays, and again after it
// changes.
func TestAggregateCachedPerVersion(t *testing.T) {
	store := aggregateFake()
	ts := newTestServer(t, store)
	calls := func() int {
		store.mu.Lock()
		defer store.mu.Unlock()
		return len(store.filters)
	}
	target := aggregatePath + "?groupby=month&country=IRQ"
	first := ts.get(t, target).Body.String()
	n := calls()
	if again := ts.get(t, target).Body.String(); again != first || calls() != n {
		t.Errorf("the second request counted again (%d calls, then %d) or differed:\n%s\n%s", n, calls(), first, again)
	}
	if other := ts.get(t, aggregatePath+"?groupby=year&country=IRQ"); other.Code != http.StatusOK || calls() != n+1 {
		t.Errorf("another groupby was not counted: %d calls after %d", calls(), n)
	}
	store.mu.Lock()
	store.lastModified = store.lastModified.Add(1e9)
	store.mu.Unlock()
	ts.get(t, target)
	if calls() != n+2 {
		t.Errorf("after the data changed the aggregate was not counted again: %d calls, want %d", calls(), n+2)
	}
}
