package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
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
	"github.com/paulmach/orb/planar"
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
		{"unknown parameter", "colour=red", "colour"},
		{"unknown parameter beside good ones", "bbox=0,0,1,1&colour=red", "colour"},
		{"sortby not sortable", "sortby=title", "sortby"},
		{"sortby twice the same", "sortby=id,-id", "sortby"},
		{"filter unbalanced parentheses", "filter=" + url.QueryEscape("(country='IRQ'"), "filter"},
		{"filter unknown property", "filter=" + url.QueryEscape("colour='red'"), "filter"},
		{"filter bad json", "filter-lang=cql2-json&filter=" + url.QueryEscape(`{"op":"=","args":[{"property":"country"}`), "filter"},
		{"filter text given as json", "filter-lang=cql2-json&filter=" + url.QueryEscape("country='IRQ'"), "filter"},
		{"filter nested NOT 100 KB", "filter=" + url.QueryEscape(strings.Repeat("NOT ", 25000)+"TRUE"), "filter"},
		{"filter-lang xml", "filter-lang=xml&filter=TRUE", "filter-lang"},
		{"filter-crs EPSG:3857", "filter-crs=EPSG:3857&filter=TRUE", "filter-crs"},
		{"filter-crs EPSG URI", "filter-crs=" + url.QueryEscape("http://www.opengis.net/def/crs/EPSG/0/4326"), "filter-crs"},
		{"properties unknown", "properties=title,colour", "properties"},
		{"properties empty name", "properties=title,,country", "properties"},
		{"status", "status=draft", "status"},
		{"fatalities negative", "fatalities=-1", "fatalities"},
		{"fatalities word", "fatalities=many", "fatalities"},
		{"injuries float", "injuries=1.5", "injuries"},
		{"target_type not in enum", "target_type=embassy,castle", "target_type"},
		{"sub_event_type not in enum", "sub_event_type=Picnic", "sub_event_type"},
		{"date_precision not in enum", "date_precision=decade", "date_precision"},
		{"location_precision not in enum", "location_precision=planet", "location_precision"},
		{"admin1_code lower case", "admin1_code=af-her", "admin1_code"},
		{"admin1_code without hyphen", "admin1_code=AFHER", "admin1_code"},
		{"occurred_start not a date", "occurred_start=2022-13-01", "occurred_start"},
		{"id not an id", "id=" + url.QueryEscape("<script>"), "id"},
		{"place_name invalid UTF-8", "place_name=%ff", "place_name"},
		{"place_name too long", "place_name=" + strings.Repeat("x", 501), "place_name"},
		{"place_name empty value", "place_name=Herat,,Kabul", "place_name"},
		{"too many values", "fatalities=" + strings.Repeat("1,", 300) + "1", "fatalities"},
		{"prev cursor garbage", "cursor=b.not-a-cursor", "cursor"},
		{"f xml", "f=xml", "f"},
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
	t.Run("filter errors give the position", func(t *testing.T) {
		for query, pos := range map[string]string{
			"filter=" + url.QueryEscape("country='IRQ' AND (event_type='Riots'"):                                 "position 19",
			"filter=" + url.QueryEscape("country='IRQ' AND colour='red'"):                                        "position 19",
			"filter-lang=cql2-json&filter=" + url.QueryEscape(`{"op":"=","args":[{"property":"colour"},"red"]}`): "position",
		} {
			body := wantError(t, ts.get(t, "/collections/incidents/items?"+query), http.StatusBadRequest, incidentmap.EINVALID, "filter")
			if !strings.Contains(body.Description, pos) {
				t.Errorf("%s: description %q lacks %q", query, body.Description, pos)
			}
		}
	})
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
		{"countries", "country=AFG,IRQ,AFG&target_country=IRN", incidentmap.Filter{Where: incidentmap.AllOf(incidentmap.InStrings("country", "AFG", "IRQ"), incidentmap.InStrings("target_country", "IRN"))}},
		{"event types", "event_type=Explosions/Remote%20violence,Protests", incidentmap.Filter{Where: incidentmap.InStrings("event_type", "Explosions/Remote violence", "Protests")}},
		{"cursor", "cursor=" + encodeCursor(cursor), incidentmap.Filter{After: cursor}},
		{"f", "f=geojson", incidentmap.Filter{}},
		{"prev cursor", "cursor=b." + encodeCursor(cursor), incidentmap.Filter{Before: cursor}},
		{"sortby", "sortby=-occurred_start,%2Bcountry", incidentmap.Filter{SortBy: []incidentmap.SortKey{{Property: "occurred_start", Desc: true}, {Property: "country"}}}},
		{"filter text", "filter=" + url.QueryEscape("country='IRQ' AND fatalities > 5"), incidentmap.Filter{Where: incidentmap.And{Args: []incidentmap.Expr{
			incidentmap.Compare{Op: "=", Left: incidentmap.Property{Name: "country"}, Right: incidentmap.String("IRQ")},
			incidentmap.Compare{Op: ">", Left: incidentmap.Property{Name: "fatalities"}, Right: incidentmap.Number(5)},
		}}}},
		{"filter json", "filter-lang=cql2-json&filter-crs=" + url.QueryEscape("http://www.opengis.net/def/crs/OGC/1.3/CRS84") +
			"&filter=" + url.QueryEscape(`{"op":"=","args":[{"property":"country"},"IRQ"]}`),
			incidentmap.Filter{Where: incidentmap.Compare{Op: "=", Left: incidentmap.Property{Name: "country"}, Right: incidentmap.String("IRQ")}}},
		{"filter-lang text", "filter-lang=cql2-text&filter=TRUE", incidentmap.Filter{Where: incidentmap.Bool(true)}},
		{"property parameters", "target_type=embassy,consulate,embassy&fatalities=0,10&place_name=Herat&occurred_start=2022-04-11&admin1_code=AF-HER&id=a-1",
			incidentmap.Filter{Where: incidentmap.And{Args: []incidentmap.Expr{
				incidentmap.In{Prop: "admin1_code", Values: []incidentmap.Literal{incidentmap.String("AF-HER")}},
				incidentmap.In{Prop: "fatalities", Values: []incidentmap.Literal{incidentmap.Number(0), incidentmap.Number(10)}},
				incidentmap.In{Prop: "id", Values: []incidentmap.Literal{incidentmap.String("a-1")}},
				incidentmap.In{Prop: "occurred_start", Values: []incidentmap.Literal{incidentmap.Date{Day: day("2022-04-11")}}},
				incidentmap.In{Prop: "place_name", Values: []incidentmap.Literal{incidentmap.String("Herat")}},
				incidentmap.In{Prop: "target_type", Values: []incidentmap.Literal{incidentmap.String("embassy"), incidentmap.String("consulate")}},
			}}}},
		{"property parameter and filter", "sub_event_type=Violent%20demonstration&filter=" + url.QueryEscape("title LIKE '%embassy%'"),
			incidentmap.Filter{Where: incidentmap.And{Args: []incidentmap.Expr{
				incidentmap.In{Prop: "sub_event_type", Values: []incidentmap.Literal{incidentmap.String("Violent demonstration")}},
				incidentmap.Like{Prop: "title", Pattern: "%embassy%"},
			}}}},
		{"one property parameter", "injuries=3", incidentmap.Filter{Where: incidentmap.In{Prop: "injuries", Values: []incidentmap.Literal{incidentmap.Number(3)}}}},
		{"properties and formats do not filter", "properties=title,country&f=geojson", incidentmap.Filter{}},
		{"all", "bbox=40,20,70,40&datetime=2020-01-01/..&limit=50&country=IRQ&event_type=Riots&f=json",
			incidentmap.Filter{BBox: &incidentmap.BBox{West: 40, South: 20, East: 70, North: 40}, Interval: &incidentmap.Interval{Start: day("2020-01-01")},
				Limit: 50, Where: incidentmap.AllOf(incidentmap.InStrings("country", "IRQ"), incidentmap.InStrings("event_type", "Riots"))}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := newFake()
			ts := newTestServer(t, store)
			decodeCollection(t, ts.get(t, "/collections/incidents/items?"+tt.query))
			tt.want.Where = incidentmap.AllOf(incidentmap.InStrings("status", published...), tt.want.Where)
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
		if after, err = decodeCursor(q.Get("cursor")); err != nil {
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

// TestItemsPrevNext walks the pages of a sort order forward by next links
// and back by prev links: each incident once each way, the same pages.
func TestItemsPrevNext(t *testing.T) {
	var incs []*incidentmap.Incident
	for i := range 7 {
		inc := newIncident(fmt.Sprintf("inc-%d", i), 62, 34, fmt.Sprintf("2022-04-%02d", 10+i/2)) // pairs share a day
		n := i % 3
		inc.Fatalities = &n
		incs = append(incs, inc)
	}
	ts := newTestServer(t, newFake(incs...))
	for _, sortby := range []string{"", "-occurred_start", "fatalities,-id", "-fatalities"} {
		t.Run(sortby, func(t *testing.T) {
			first := "/collections/incidents/items?limit=3"
			if sortby != "" {
				first += "&sortby=" + sortby
			}
			var forward [][]string
			target, last := first, ""
			for page := 0; target != ""; page++ {
				if page > 5 {
					t.Fatal("the next links do not end")
				}
				fc := decodeCollection(t, ts.get(t, target))
				forward = append(forward, fc.ids(t))
				if (page == 0) != (fc.link("prev") == "") {
					t.Errorf("page %d: prev link %q", page, fc.link("prev"))
				}
				last, target = target, strings.TrimPrefix(fc.link("next"), "http://example.com")
			}
			var all []string
			for _, p := range forward {
				all = append(all, p...)
			}
			want := fakeOrderIDs(t, incs, sortby)
			if !slices.Equal(all, want) {
				t.Fatalf("next links gave %v, want %v", all, want)
			}
			// Back from the last page.
			var backward [][]string
			target = last
			for page := 0; target != ""; page++ {
				if page > 5 {
					t.Fatal("the prev links do not end")
				}
				fc := decodeCollection(t, ts.get(t, target))
				backward = append(backward, fc.ids(t))
				if page > 0 && fc.link("next") == "" {
					t.Errorf("a page reached by prev has no next link")
				}
				target = strings.TrimPrefix(fc.link("prev"), "http://example.com")
			}
			slices.Reverse(backward)
			if !reflect.DeepEqual(backward, forward) {
				t.Errorf("prev links gave pages %v, next links %v", backward, forward)
			}
		})
	}
	t.Run("a next link from a page reached by prev", func(t *testing.T) {
		fc := decodeCollection(t, ts.get(t, "/collections/incidents/items?limit=2"))
		fc = decodeCollection(t, ts.get(t, strings.TrimPrefix(fc.link("next"), "http://example.com")))
		back := decodeCollection(t, ts.get(t, strings.TrimPrefix(fc.link("prev"), "http://example.com")))
		if got := back.ids(t); !slices.Equal(got, []string{"inc-0", "inc-1"}) || back.link("prev") != "" {
			t.Fatalf("prev page %v, prev link %q", got, back.link("prev"))
		}
		again := decodeCollection(t, ts.get(t, strings.TrimPrefix(back.link("next"), "http://example.com")))
		if !slices.Equal(again.ids(t), fc.ids(t)) {
			t.Errorf("next of prev gave %v, want %v", again.ids(t), fc.ids(t))
		}
	})
}

// fakeOrderIDs returns the ids of incs in the order sortby names.
func fakeOrderIDs(t *testing.T, incs []*incidentmap.Incident, sortby string) []string {
	t.Helper()
	keys, err := parseSortBy(sortby)
	if err != nil {
		t.Fatal(err)
	}
	sorted, err := fakeSelect(incs, incidentmap.Filter{SortBy: keys})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, inc := range sorted {
		ids = append(ids, inc.ID)
	}
	return ids
}

func TestItemsProperties(t *testing.T) {
	ts := newTestServer(t, newFake(herat()))
	fc := decodeCollection(t, ts.get(t, "/collections/incidents/items?properties=updated_at,title,sources,id"))
	var f struct {
		ID         string
		Geometry   json.RawMessage
		Properties json.RawMessage
	}
	if err := json.Unmarshal(fc.Features[0], &f); err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(strings.NewReader(string(f.Properties)))
	var keys []string
	dec.Token()
	for dec.More() {
		k, _ := dec.Token()
		keys = append(keys, k.(string))
		var skip json.RawMessage
		dec.Decode(&skip)
	}
	if !slices.Equal(keys, []string{"title", "sources", "updated_at"}) || f.ID == "" || len(f.Geometry) == 0 {
		t.Errorf("keys %v, id %q, geometry %s", keys, f.ID, f.Geometry)
	}
	if fc.link("self") == "" || !strings.Contains(fc.link("self"), "properties=") {
		t.Errorf("self link %q lost properties", fc.link("self"))
	}
}

// TestItemsWhereInFake checks end to end through the fake store that
// property parameters and filter select the same incidents.
func TestItemsWhereInFake(t *testing.T) {
	a := herat()
	b := newIncident("b-1", 44.4, 33.3, "2020-09-15")
	b.Country, b.EventType, b.TargetType, b.Title = "IRQ", "Riots", incidentmap.TargetConsulate, "Crowd's attack at 100% of the gate_x"
	c := newIncident("c-1", 69.17, 34.53, "2022-09-05")
	ts := newTestServer(t, newFake(a, b, c))
	for query, want := range map[string][]string{
		"country=IRQ":                         {"b-1"},
		"target_type=consulate":               {"b-1", "2022-04-11-herat-iran-consulate"},
		"target_type=embassy,consulate":       {"b-1", "2022-04-11-herat-iran-consulate", "c-1"},
		"injuries=0":                          {"2022-04-11-herat-iran-consulate"},
		"id=c-1,b-1":                          {"b-1", "c-1"},
		"place_name=Herat&admin1_code=AF-HER": {"2022-04-11-herat-iran-consulate"},
		"filter=" + url.QueryEscape("country='IRQ' AND event_type='Riots'"):                 {"b-1"},
		"filter=" + url.QueryEscape(`title LIKE 'Crowd''s attack at 100\% of the gate\_x'`): {"b-1"},
		"filter=" + url.QueryEscape("title LIKE 'Crowd_s%'"):                                {"b-1"},
		"filter=" + url.QueryEscape("injuries IS NULL"):                                     {"b-1", "c-1"},
		"country=AFG&filter=" + url.QueryEscape("NOT (id = 'c-1')"):                         {"2022-04-11-herat-iran-consulate"},
		"bbox=60,30,66,36":                        {"2022-04-11-herat-iran-consulate"},
		"bbox=40,30,70,36":                        {"b-1", "2022-04-11-herat-iran-consulate", "c-1"},
		"bbox=170,-20,-170,-10":                   {},
		"datetime=2022-04-11":                     {"2022-04-11-herat-iran-consulate"},
		"datetime=2020-09-15T12:00:00Z/..":        {"b-1", "2022-04-11-herat-iran-consulate", "c-1"},
		"datetime=../2020-09-14":                  {},
		"bbox=40,30,70,36&datetime=2022-01-01/..": {"2022-04-11-herat-iran-consulate", "c-1"},
		"filter=" + url.QueryEscape("S_INTERSECTS(location, POLYGON((44 33, 45 33, 45 34, 44 34, 44 33)))"): {"b-1"},
		"filter=" + url.QueryEscape("T_INTERSECTS(occurred, INTERVAL('2022-09-01','2022-09-30'))"):          {"c-1"},
		"filter=" + url.QueryEscape("fatalities BETWEEN 0 AND 100"):                                         {},
	} {
		if want == nil {
			want = []string{}
		}
		fc := decodeCollection(t, ts.get(t, "/collections/incidents/items?"+query))
		if got := fc.ids(t); !slices.Equal(got, want) && (len(got) != 0 || len(want) != 0) || fc.NumberMatched != len(want) {
			t.Errorf("?%s: %v (matched %d), want %v", query, got, fc.NumberMatched, want)
		}
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
// went out breaks the transfer instead of ending a valid-looking document,
// in every format, and compressed too.
func TestItemsStreamFailure(t *testing.T) {
	var incs []*incidentmap.Incident
	for i := range 1000 { // about 1 MB of features, well past the first flush
		incs = append(incs, newIncident(fmt.Sprintf("inc-%04d", i), 62, 34, "2022-04-11"))
	}
	for _, tt := range []struct{ name, query, encoding string }{
		{"geojson", "", "identity"},
		{"jsonseq", "&f=jsonseq", "identity"},
		{"csv", "&f=csv", "identity"},
		{"geojson gzip", "", "gzip"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			store := newFake(incs...)
			store.findErr, store.failAfter = errors.New("SELECT secret: connection reset"), 900
			if tt.query != "" {
				store.failCall = 2 // jsonseq and CSV read the page once for their headers first
			}
			ts := newTestServer(t, store)
			srv := httptest.NewServer(ts.h)
			defer srv.Close()

			req, _ := http.NewRequest(http.MethodGet, srv.URL+"/collections/incidents/items?limit=10000"+tt.query, nil)
			req.Header.Set("Accept-Encoding", tt.encoding)
			resp, err := http.DefaultTransport.RoundTrip(req)
			if err != nil {
				if tt.encoding == "gzip" {
					return // the compressor held everything: the transfer broke before the header
				}
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
			if tt.encoding == "gzip" {
				return
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
		})
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

// fakeSelect is the query of fakeStore: the incidents of incs that the
// whole tree of f (f.Expr()) selects, in f's order, after f.After, or the
// last PageLimit() before f.Before. An error is a cursor made for another
// order.
func fakeSelect(incs []*incidentmap.Incident, f incidentmap.Filter) ([]*incidentmap.Incident, error) {
	order := f.Order()
	var out []*incidentmap.Incident
	where := f.Expr()
	for _, inc := range incs {
		if fakeEval(where, inc) {
			out = append(out, inc)
		}
	}
	if len(f.SortBy) == 0 && f.After == nil && f.Before == nil {
		return out, nil // incs are in the default order already
	}
	keys := map[*incidentmap.Incident][]any{}
	values := func(inc *incidentmap.Incident) []any {
		if vs, ok := keys[inc]; ok {
			return vs
		}
		vs := make([]any, len(order))
		for i, k := range order {
			vs[i] = incidentmap.SortValue(inc, k.Property)
		}
		keys[inc] = vs
		return vs
	}
	cmp := func(a, b []any) int {
		for i, k := range order {
			c := compareValues(a[i], b[i])
			if k.Desc {
				c = -c
			}
			if c != 0 {
				return c
			}
		}
		return 0
	}
	slices.SortStableFunc(out, func(a, b *incidentmap.Incident) int { return cmp(values(a), values(b)) })
	switch {
	case f.After != nil:
		at, err := f.After.Values(order)
		if err != nil {
			return nil, err
		}
		i := 0
		for i < len(out) && cmp(values(out[i]), at) <= 0 {
			i++
		}
		out = out[i:]
	case f.Before != nil:
		at, err := f.Before.Values(order)
		if err != nil {
			return nil, err
		}
		i := 0
		for i < len(out) && cmp(values(out[i]), at) < 0 {
			i++
		}
		out = out[max(0, i-f.PageLimit()):i]
	}
	return out, nil
}

// compareValues orders two sort values of one key (see SortValue): nil
// first, then strings, times and integers by value.
func compareValues(a, b any) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return -1
	case b == nil:
		return 1
	}
	switch a := a.(type) {
	case string:
		return strings.Compare(a, b.(string))
	case time.Time:
		return a.Compare(b.(time.Time))
	case int64:
		return cmpInt(a, b.(int64))
	}
	panic(fmt.Sprintf("compareValues: %T", a))
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// fakeEval evaluates the non-spatial, non-temporal nodes of a filter tree
// on inc; the others are true.
func fakeEval(e incidentmap.Expr, inc *incidentmap.Incident) bool {
	switch e := e.(type) {
	case incidentmap.And:
		for _, a := range e.Args {
			if !fakeEval(a, inc) {
				return false
			}
		}
		return true
	case incidentmap.Or:
		for _, a := range e.Args {
			if fakeEval(a, inc) {
				return true
			}
		}
		return false
	case incidentmap.Not:
		return !fakeEval(e.Arg, inc)
	case incidentmap.Bool:
		return bool(e)
	case incidentmap.In:
		v := fakeProp(inc, e.Prop)
		for _, l := range e.Values {
			if v != nil && compareLiteral(v, l) == 0 {
				return true
			}
		}
		return false
	case incidentmap.IsNull:
		return fakeProp(inc, e.Prop) == nil
	case incidentmap.Compare:
		p, ok := e.Left.(incidentmap.Property)
		l, lok := e.Right.(incidentmap.Literal)
		if !ok || !lok {
			return true
		}
		v := fakeProp(inc, p.Name)
		if v == nil {
			return false
		}
		c := compareLiteral(v, l)
		switch e.Op {
		case "=":
			return c == 0
		case "<>":
			return c != 0
		case "<":
			return c < 0
		case "<=":
			return c <= 0
		case ">":
			return c > 0
		case ">=":
			return c >= 0
		}
		return true
	case incidentmap.Like:
		v, _ := fakeProp(inc, e.Prop).(string)
		return likeMatch(e.Pattern, v, e.CaseInsensitive)
	case incidentmap.Between:
		v := fakeProp(inc, e.Prop)
		return v != nil && compareLiteral(v, e.Low) >= 0 && compareLiteral(v, e.High) <= 0
	case incidentmap.Spatial:
		return fakeSpatial(e, inc.Location)
	case incidentmap.Temporal:
		return fakeTemporal(e, inc)
	}
	// A node the fake cannot evaluate must not pass as true: a test that
	// sends one would otherwise check nothing.
	panic(fmt.Sprintf("fakeEval: %T is not supported by the fake store", e))
}

// fakeSpatial evaluates the spatial functions the api tests send (boxes,
// polygons and points, as intersects, within and disjoint) on a point.
func fakeSpatial(e incidentmap.Spatial, p orb.Point) bool {
	var in bool
	switch g := e.Geometry.(type) {
	case orb.Bound:
		in = g.Contains(p)
	case orb.Polygon:
		in = planar.PolygonContains(g, p)
	case orb.MultiPolygon:
		in = planar.MultiPolygonContains(g, p)
	case orb.Point:
		in = g == p
	default:
		panic(fmt.Sprintf("fakeSpatial: %T is not supported by the fake store", g))
	}
	switch e.Op {
	case incidentmap.SIntersects, incidentmap.SWithin:
		return in
	case incidentmap.SDisjoint:
		return !in
	}
	panic(fmt.Sprintf("fakeSpatial: %s is not supported by the fake store", e.Op))
}

// fakeTemporal evaluates t_intersects of the incident's day interval (or
// one of its dates) with the interval, the only temporal function the api
// tests send; a zero end of the interval is open.
func fakeTemporal(e incidentmap.Temporal, inc *incidentmap.Incident) bool {
	if e.Op != incidentmap.TIntersects {
		panic(fmt.Sprintf("fakeTemporal: %s is not supported by the fake store", e.Op))
	}
	start, end := inc.OccurredStart, inc.OccurredEnd
	switch e.Prop {
	case "occurred_start":
		end = start
	case "occurred_end":
		start = end
	}
	first, last := e.Interval.Days()
	return (last.IsZero() || !start.After(last)) && (first.IsZero() || !end.Before(first))
}

// fakeProp returns a property of inc as a string, float64, time.Time or
// nil, read through the one table of properties.
func fakeProp(inc *incidentmap.Incident, name string) any {
	f, ok := incidentmap.FindField(name)
	if !ok {
		return nil
	}
	if n, ok := f.Value(inc).(int64); ok {
		return float64(n)
	}
	return f.Value(inc)
}

func compareLiteral(v any, l incidentmap.Literal) int {
	switch l := l.(type) {
	case incidentmap.String:
		s, _ := v.(string)
		return strings.Compare(s, string(l))
	case incidentmap.Number:
		n, _ := v.(float64)
		switch {
		case n < float64(l):
			return -1
		case n > float64(l):
			return 1
		}
		return 0
	case incidentmap.Date:
		t, _ := v.(time.Time)
		return t.Compare(l.Day)
	case incidentmap.Timestamp:
		t, _ := v.(time.Time)
		return t.Compare(l.Time)
	}
	return 1
}

// likeMatch matches s against a CQL2 LIKE pattern: % any run, _ any one
// character, backslash escapes.
func likeMatch(pattern, s string, fold bool) bool {
	if fold {
		pattern, s = strings.ToLower(pattern), strings.ToLower(s)
	}
	p, v := []rune(pattern), []rune(s)
	var match func(i, j int) bool
	match = func(i, j int) bool {
		for i < len(p) {
			switch p[i] {
			case '%':
				for k := j; k <= len(v); k++ {
					if match(i+1, k) {
						return true
					}
				}
				return false
			case '_':
				if j >= len(v) {
					return false
				}
			case '\\':
				i++
				if i >= len(p) || j >= len(v) || p[i] != v[j] {
					return false
				}
			default:
				if j >= len(v) || p[i] != v[j] {
					return false
				}
			}
			i++
			j++
		}
		return j == len(v)
	}
	return match(0, 0)
}

// FuzzItemsQuery throws query strings at the items handler over the fake
// store: every answer is 200 or a 400 JSON error, never a 5xx or a panic.
func FuzzItemsQuery(f *testing.F) {
	for _, seed := range []string{
		"", "bbox=1,2,3,4", "datetime=2022-04-11/..", "limit=2&cursor=x", "country=IRQ,AFG&event_type=Riots",
		"filter=" + url.QueryEscape("country='IRQ' AND (event_type='Riots' OR fatalities > 5)"),
		"filter=" + url.QueryEscape("S_INTERSECTS(location, POLYGON((61.9 34.2, 62.4 34.2, 62.4 34.5, 61.9 34.5, 61.9 34.2)))"),
		"filter=" + url.QueryEscape("T_INTERSECTS(occurred, INTERVAL('2020-01-01','2020-12-31'))"),
		"filter-lang=cql2-json&filter=" + url.QueryEscape(`{"op":"like","args":[{"property":"title"},"%a_"]}`),
		"filter-crs=EPSG:3857", "sortby=-occurred_start,id&limit=1", "sortby=-fatalities&cursor=b.eyJ2IjoyfQ",
		"properties=title,sources&f=csv", "f=jsonseq&properties=id", "f=html", "status=draft",
		"fatalities=0,1&injuries=2&target_type=embassy&place_name=%ff", "occurred_start=2022-04-11",
	} {
		f.Add(seed)
	}
	incs := synthetic(20)
	incs = append(incs, herat())
	ts := newTestServer(f, newFake(incs...))
	f.Fuzz(func(t *testing.T, query string) {
		r := httptest.NewRequest(http.MethodGet, "/collections/incidents/items", nil)
		r.URL.RawQuery = query
		w := httptest.NewRecorder()
		ts.h.ServeHTTP(w, r)
		switch w.Code {
		case http.StatusOK:
		case http.StatusBadRequest:
			var body errorBody
			if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil || body.Code != incidentmap.EINVALID {
				t.Fatalf("?%s: 400 with body %s", query, w.Body)
			}
		default:
			t.Fatalf("?%s: status %d: %s", query, w.Code, w.Body)
		}
	})
}

func TestItemsHTMLDispatch(t *testing.T) {
	ts := newTestServer(t, newFake(herat()))
	for _, req := range [][]string{
		{"/collections/incidents/items?f=html"},
		{"/collections/incidents/items", "Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"},
		{"/collections/incidents/items/2022-04-11-herat-iran-consulate?f=html"},
		{"/collections/incidents/items/2022-04-11-herat-iran-consulate", "Accept", "text/html"},
	} {
		w := ts.get(t, req[0], req[1:]...)
		if w.Code != http.StatusOK || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/html") ||
			!strings.Contains(w.Body.String(), "Herat") {
			t.Errorf("%v: %d %q", req, w.Code, w.Header().Get("Content-Type"))
		}
	}
	// The map's fetch sends */*: GeoJSON.
	decodeCollection(t, ts.get(t, "/collections/incidents/items", "Accept", "*/*"))
}

// TestItemsNumberMatchedCap checks that numberMatched is there only when
// it is exact and cheap: when the page holds every match, or when no more
// than Config.MatchedCap match.
func TestItemsNumberMatchedCap(t *testing.T) {
	cases := []struct {
		cap         int
		query       string
		want        int // -1: left out
		wantHeader  string
		headerQuery string
	}{
		{0, "limit=10", 5, "5", "limit=10&f=jsonseq"},
		{0, "limit=2", -1, "", "limit=2&f=jsonseq"},
		{3, "limit=2", -1, "", "limit=2&f=csv"},
		{5, "limit=2", 5, "5", "limit=2&f=csv"},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("cap %d %s", c.cap, c.query), func(t *testing.T) {
			ts := newTestServer(t, newFake(fiveIncidents()...), func(cfg *Config) { cfg.MatchedCap = c.cap })
			w := ts.get(t, itemsPath+"?"+c.query)
			var body map[string]any
			if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
				t.Fatal(err)
			}
			got, ok := body["numberMatched"].(float64)
			switch {
			case c.want < 0 && ok:
				t.Errorf("numberMatched %v, want it left out", got)
			case c.want >= 0 && (!ok || int(got) != c.want):
				t.Errorf("numberMatched %v (present %v), want %d", got, ok, c.want)
			}
			if h := ts.get(t, itemsPath+"?"+c.headerQuery).Header().Get(headerNumberMatched); h != c.wantHeader {
				t.Errorf("%s %q, want %q", headerNumberMatched, h, c.wantHeader)
			}
		})
	}
}

// TestItemsVertexCap checks that a polygon of more than MaxVertices
// vertices written in a filter is a 400 naming filter, and one of
// MaxVertices is not.
func TestItemsVertexCap(t *testing.T) {
	ring := func(n int) string {
		var b strings.Builder
		b.WriteString("POLYGON((")
		for i := range n - 1 {
			a := 2 * math.Pi * float64(i) / float64(n-1)
			fmt.Fprintf(&b, "%.6f %.6f, ", 62+math.Cos(a), 34+math.Sin(a))
		}
		b.WriteString("63 34))")
		return b.String()
	}
	ts := newTestServer(t, newFake(fiveIncidents()...))
	for _, c := range []struct {
		vertices int
		status   int
	}{{MaxVertices, http.StatusOK}, {MaxVertices + 1, http.StatusBadRequest}} {
		w := ts.get(t, itemsPath+"?filter="+url.QueryEscape("S_INTERSECTS(location, "+ring(c.vertices)+")"))
		if w.Code != c.status || c.status == http.StatusBadRequest && !strings.Contains(w.Body.String(), `"parameter":"filter"`) {
			t.Errorf("%d vertices: %d %s", c.vertices, w.Code, w.Body.String())
		}
	}
}
