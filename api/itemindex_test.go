package api

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/incidentmap/incidentmap"
	"github.com/incidentmap/incidentmap/store/postgis"
	"github.com/incidentmap/incidentmap/store/sqlite"
	"github.com/incidentmap/incidentmap/store/storetest"
	"github.com/paulmach/orb"
)

// indexStores opens each store the equivalence tests run on, empty:
// SQLite always, PostGIS when INCIDENTMAP_TEST_POSTGRES names a database
// (skipped loudly without it, failed under CI=true).
func indexStores(t *testing.T) map[string]func(*testing.T) incidentmap.Store {
	return map[string]func(*testing.T) incidentmap.Store{
		"sqlite": func(t *testing.T) incidentmap.Store {
			s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "index.db"))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			return s
		},
		"postgis": func(t *testing.T) incidentmap.Store {
			dsn := os.Getenv("INCIDENTMAP_TEST_POSTGRES")
			if dsn == "" {
				msg := "PostGIS half of the item index test skipped: INCIDENTMAP_TEST_POSTGRES not set (scripts/pgtest.sh start DIR prints it)"
				if os.Getenv("CI") == "true" {
					t.Fatal(msg + "; CI=true requires it")
				}
				t.Skip(msg)
			}
			admin, err := sql.Open("pgx", dsn)
			if err != nil {
				t.Fatal(err)
			}
			b := make([]byte, 8)
			rand.Read(b)
			schema := "ix_" + hex.EncodeToString(b)
			if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() {
				admin.Exec("DROP SCHEMA " + schema + " CASCADE")
				admin.Close()
			})
			u, err := url.Parse(dsn)
			if err != nil {
				t.Fatal(err)
			}
			q := u.Query()
			q.Set("search_path", schema+",public")
			u.RawQuery = q.Encode()
			s, err := postgis.Open(context.Background(), u.String())
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			return s
		},
	}
}

// indexFixture returns n incidents that make paging hard: ids in another
// order than the days, many incidents per day, spans of up to a year,
// points on the edges of 0.1° boxes and some across the antimeridian,
// drafts among them, and a mix of the indexed properties.
func indexFixture(n int, seed uint64) []*incidentmap.Incident {
	r := mrand.New(mrand.NewPCG(seed, 7))
	incs := storetest.Synthetic(n, seed)
	for i, inc := range incs {
		inc.ID = fmt.Sprintf("%c%c-%05d", 'a'+r.IntN(26), 'a'+r.IntN(26), i)
		inc.ExternalIDs = nil
		inc.OccurredStart = time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, r.IntN(700))
		inc.OccurredEnd = inc.OccurredStart
		switch k := r.IntN(20); {
		case k == 0:
			inc.OccurredEnd = inc.OccurredStart.AddDate(0, 0, 1+r.IntN(365))
		case k < 4:
			inc.OccurredEnd = inc.OccurredStart.AddDate(0, 0, r.IntN(10))
		}
		if r.IntN(30) == 0 {
			inc.Location = orb.Point{179.5 + float64(r.IntN(5))/10, float64(r.IntN(10)) / 10}
			if r.IntN(2) == 0 {
				inc.Location[0] = -inc.Location[0]
			}
		}
		if subs := incidentmap.EventTypes[inc.EventType]; len(subs) > 0 && r.IntN(2) == 0 {
			inc.SubEventType = subs[r.IntN(len(subs))]
		}
		if r.IntN(10) == 0 {
			inc.Status = incidentmap.StatusDraft
		}
		if r.IntN(6) == 0 {
			inc.Fatalities = nil
		}
		// Text properties of many values, some rare, some absent.
		inc.PlaceName = []string{"", "Kabul", "Herat", "Karbala"}[r.IntN(4)]
		inc.Admin1Name = fmt.Sprintf("Province %d", r.IntN(40))
		if r.IntN(3) > 0 {
			inc.Perpetrator = []string{"Unknown", "Group A", "Group B"}[r.IntN(3)]
		}
		if r.IntN(50) == 0 {
			inc.Facility = "Embassy " + string(rune('A'+r.IntN(3)))
		}
		inc.DatePrecision = []incidentmap.DatePrecision{incidentmap.DateDay, incidentmap.DateWeek}[r.IntN(2)]
		if inj := r.IntN(12); inj < 8 {
			inc.Injuries = &inj
		}
	}
	return incs
}

// randomItemsQuery returns the query string of a random items request,
// mostly of filters the index answers, some of filters it does not.
func randomItemsQuery(r *mrand.Rand) string {
	q := url.Values{}
	limits := []int{10, 37, 100, 1000}
	q.Set("limit", fmt.Sprint(limits[r.IntN(len(limits))]))
	tenth := func(lo, n int) float64 { return float64(lo) + float64(r.IntN(n))/10 }
	if r.IntN(2) == 0 {
		switch r.IntN(6) {
		case 0: // across the antimeridian
			q.Set("bbox", fmt.Sprintf("%g,%g,%g,%g", tenth(179, 10), 0.0, -tenth(179, 10), tenth(0, 10)))
		case 1: // any floats
			w, s := 40+r.Float64()*40, 25+r.Float64()
			q.Set("bbox", fmt.Sprintf("%g,%g,%g,%g", w, s, w+r.Float64()*10, s+r.Float64()))
		default: // on the grid of the points, so that some lie on the edges
			w, s := tenth(40, 400), tenth(25, 8)
			q.Set("bbox", fmt.Sprintf("%g,%g,%g,%g", w, s, w+tenth(0, 100), s+tenth(0, 8)))
		}
	}
	day := func() string {
		return time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, r.IntN(760)-30).Format(time.DateOnly)
	}
	if r.IntN(3) == 0 {
		switch r.IntN(5) {
		case 0:
			q.Set("datetime", day())
		case 1:
			q.Set("datetime", "../"+day())
		case 2:
			q.Set("datetime", day()+"/..")
		case 3:
			q.Set("datetime", day()+"T13:30:00Z")
		default:
			a, b := day(), day()
			if a > b {
				a, b = b, a
			}
			q.Set("datetime", a+"/"+b)
		}
	}
	pick := func(vals ...string) string { return vals[r.IntN(len(vals))] }
	if r.IntN(4) == 0 {
		q.Set("event_type", pick("Battles", "Riots", "Protests,Riots", "Strategic developments"))
	}
	if r.IntN(3) == 0 {
		// The map's orders, newest first, and some others, all of which
		// the index answers too.
		q.Set("sortby", pick("-occurred_start", "-occurred_start,id", "-occurred_start,-id", "-occurred_start,-id", "-occurred_start,country", "-fatalities", "country,-id"))
	}
	if r.IntN(5) == 0 {
		q.Set("country", pick("AFG", "IRQ,SYR", "PAK", "USA"))
	}
	if r.IntN(6) == 0 {
		q.Set("target_country", pick("IRN", "GBR,RUS", "TUR"))
	}
	if r.IntN(8) == 0 {
		q.Set("sub_event_type", pick("Armed clash", "Peaceful protest", "Shelling/artillery/missile attack"))
	}
	if r.IntN(8) == 0 {
		q.Set("perpetrator", pick("Unknown", "Group A,Group B", "nobody"))
	}
	if r.IntN(4) == 0 {
		q.Set("filter", pick(
			"event_type = 'Battles' OR event_type = 'Riots'",
			"country IN ('AFG', 'IRN') AND target_type = 'embassy'",
			"S_INTERSECTS(location, BBOX(41, 25, 60, 25.5))",
			"T_INTERSECTS(occurred, INTERVAL('2015-06-01', '2015-09-30'))",
			"target_country = ''",
			"fatalities > 10",
			"fatalities >= 3 AND fatalities <> 7",
			"fatalities BETWEEN 1 AND 5",
			"fatalities IN (0, 2, 4)",
			"fatalities IS NULL",
			"fatalities < 2.5",
			"injuries > 3",
			"injuries IS NULL AND fatalities > 2",
			"injuries BETWEEN 1 AND 4 OR injuries IN (7, 9)", // an OR of two conditions
			"perpetrator = 'Group B'",
			"facility IN ('Embassy A', 'Embassy C')",
			"facility = 'Embassy B' OR facility = 'nowhere'",
			"place_name = '' AND date_precision = 'week'",
			"admin1_name = 'Province 7' AND location_precision = 'city'",
			"perpetrator = ''",
			"country = 'AFG' OR event_type = 'Riots'", // an OR of two properties
			"(country = 'IRQ' AND fatalities > 5) OR S_INTERSECTS(location, BBOX(41, 25, 45, 25.5)) OR perpetrator = 'Group A'",
			"NOT (event_type = 'Riots' OR injuries > 4)",
			"T_INTERSECTS(occurred, INTERVAL('2015-06-01', '2015-06-30')) OR facility <> ''",
			"S_INTERSECTS(location, POLYGON((40 25, 50 25, 50 26, 40 26, 40 25)))",
			"S_INTERSECTS(location, POLYGON((45.5 25.3, 45.5 25.7, 47.2 25.7, 47.2 25.3, 45.5 25.3)))", // corners on the points' grid
			"S_INTERSECTS(location, POLYGON((45 25, 50 25.5, 45 26, 45 25)))",                          // a triangle: the store
		))
	}
	return q.Encode()
}

// itemsGet answers one GET through h and returns the status and body.
// It fails t when the response declares a Content-Length other than the
// body's.
func itemsGet(t *testing.T, h http.Handler, target string) (int, string) {
	t.Helper()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, target, nil))
	if cl := w.Header().Get("Content-Length"); cl != "" && cl != strconv.Itoa(w.Body.Len()) {
		t.Errorf("%s: Content-Length %s, body of %d bytes", target, cl, w.Body.Len())
	}
	return w.Code, w.Body.String()
}

// waitIndex waits until the item index of the store's data version is
// built.
func waitIndex(t *testing.T, s *server) *itemIndex {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		v, err := s.store.DataVersion(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if ix := s.itemIx.get(v.ETag()); ix != nil {
			return ix
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatal("the item index was not built within a minute")
	return nil
}

// comparePaths runs query through both engines, following next links to
// the last page (at most 150 pages), and fails on the first difference of
// status or bytes.
func comparePaths(t *testing.T, withIndex, store *gin.Engine, query string) {
	t.Helper()
	target := "http://example.org" + itemsPath + "?" + query
	for pages := 0; target != "" && pages < 150; pages++ {
		code, body := itemsGet(t, withIndex, target)
		wantCode, want := itemsGet(t, store, target)
		body, want = requestIDs.ReplaceAllString(body, ""), requestIDs.ReplaceAllString(want, "")
		if code != wantCode || body != want {
			t.Fatalf("%s:\nindex %d %s\nstore %d %s", target, code, clipDiff(body, want), wantCode, clipDiff(want, body))
		}
		var fc struct{ Links []link }
		if err := json.Unmarshal([]byte(body), &fc); err != nil {
			t.Fatalf("%s: %v", target, err)
		}
		target = ""
		for _, l := range fc.Links {
			if l.Rel == "next" {
				target = l.Href
			}
		}
	}
}

// requestIDs matches the request id of an error body, which differs
// between any two requests.
var requestIDs = regexp.MustCompile(`"requestId":"[^"]*"`)

// clipDiff returns the part of s around its first difference from other.
func clipDiff(s, other string) string {
	i := 0
	for i < len(s) && i < len(other) && s[i] == other[i] {
		i++
	}
	return "…" + s[max(i-200, 0):min(i+200, len(s))] + "…"
}

// TestItemIndexMatchesStore runs random item requests (boxes, datetime
// intervals, properties, CQL2, limits, following next links to the end)
// through the item index and through the store on both stores, and
// wants the same status and bytes for each page: ids, order, links and
// numberMatched, with and without a count cap. It then changes an
// incident and wants the index to stand aside until rebuilt and then to
// serve the new state, not its cached features.
func TestItemIndexMatchesStore(t *testing.T) {
	now := func() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) }
	fixture := func() []*incidentmap.Incident { return indexFixture(1500, 42) }
	eachIndexStore(t, fixture, func(t *testing.T, st incidentmap.Store, incs []*incidentmap.Incident) {
		for _, matchedCap := range []int{0, 40} {
			withIndex, s, store := indexEngines(t, st, Config{Now: now, MatchedCap: matchedCap})
			r := mrand.New(mrand.NewPCG(uint64(matchedCap), 3))
			queries := 60
			if matchedCap > 0 {
				queries = 25
			}
			for i := range queries {
				q := randomItemsQuery(r)
				comparePaths(t, withIndex, store, q)
				if i%3 == 0 {
					comparePrevPaths(t, withIndex, store, q)
				}
			}
			// Conditions each answered by the index, every page of them.
			for _, q := range []string{"injuries > 3", "injuries IS NULL", "injuries BETWEEN 2 AND 5 AND fatalities < 9",
				"perpetrator = 'Group B' AND place_name = ''", "facility = 'Embassy C'"} {
				before := s.itemIx.passed.Load()
				comparePaths(t, withIndex, store, "limit=100&filter="+url.QueryEscape(q))
				if n := s.itemIx.passed.Load() - before; n != 0 {
					t.Errorf("%s: %d pages left to the store", q, n)
				}
			}
			served, passed := s.itemIx.served.Load(), s.itemIx.passed.Load()
			t.Logf("matched cap %d: %d pages from the index, %d from the store", matchedCap, served, passed)
			if served <= passed {
				t.Errorf("the index answered %d pages and left %d to the store; want most of them answered", served, passed)
			}
		}

		// A change: the stale index stands aside, the new one serves
		// the new state.
		withIndex, s, store := indexEngines(t, st, Config{Now: now})
		query := "limit=1000&bbox=40,25,80,26"
		comparePaths(t, withIndex, store, query) // fills the cache
		var first *incidentmap.Incident
		for _, inc := range incs {
			if inc.Status == incidentmap.StatusPublished && inc.Location[1] <= 26 && inc.Location[0] >= 40 && inc.Location[0] <= 80 &&
				(first == nil || inc.OccurredStart.Before(first.OccurredStart) ||
					inc.OccurredStart.Equal(first.OccurredStart) && inc.ID < first.ID) {
				first = inc
			}
		}
		changed, err := st.GetIncident(context.Background(), first.ID)
		if err != nil {
			t.Fatal(err)
		}
		changed.Title = "Changed after the index was built"
		if err := st.UpdateIncident(context.Background(), changed, changed.Version); err != nil {
			t.Fatal(err)
		}
		before := s.itemIx.served.Load()
		_, body := itemsGet(t, withIndex, "http://example.org"+itemsPath+"?"+query)
		if s.itemIx.served.Load() != before || !strings.Contains(body, changed.Title) {
			t.Errorf("after a change: served from the stale index, or without the change")
		}
		waitIndex(t, s)
		before = s.itemIx.served.Load()
		comparePaths(t, withIndex, store, query)
		if s.itemIx.served.Load() == before {
			t.Error("the rebuilt index served nothing")
		}
	})
}

// TestItemIndexPlan: which filters the index answers and which it leaves
// to the store.
func TestItemIndexPlan(t *testing.T) {
	ix, err := newItemIndex("v", func(fn func(incidentmap.PointRow) error) error {
		return fn(incidentmap.PointRow{ID: "a", Lon: 44, Lat: 33, EventType: "Battles", Country: "IRQ"})
	})
	if err != nil {
		t.Fatal(err)
	}
	pub := incidentmap.InStrings("status", string(incidentmap.StatusPublished))
	box := &incidentmap.BBox{West: 40, South: 30, East: 50, North: 35}
	where := func(text string) incidentmap.Expr {
		iq, err := parseItemsQuery(url.Values{"filter": {text}})
		if err != nil {
			t.Fatal(err)
		}
		return iq.filter.Where
	}
	cur := &incidentmap.Cursor{ID: "a"}
	mostFatal := []incidentmap.SortKey{{Property: "fatalities", Desc: true}}
	tests := []struct {
		name string
		f    incidentmap.Filter
		want bool
	}{
		{"published", incidentmap.Filter{Where: pub}, true},
		{"box, types, interval, cursor", incidentmap.Filter{Where: incidentmap.AllOf(pub, incidentmap.InStrings("event_type", "Riots", "Battles")), BBox: box, Interval: &incidentmap.Interval{Start: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)}, After: cur}, true},
		{"or of equalities", incidentmap.Filter{Where: incidentmap.AllOf(pub, where("country = 'IRQ' OR country = 'SYR'"))}, true},
		{"any status", incidentmap.Filter{}, false},
		{"drafts too", incidentmap.Filter{Where: incidentmap.InStrings("status", "published", "draft")}, false},
		{"sortby", incidentmap.Filter{Where: pub, SortBy: []incidentmap.SortKey{{Property: "id"}}}, true},
		{"most fatalities first after a cursor", incidentmap.Filter{Where: pub, SortBy: mostFatal,
			After: incidentmap.CursorOf(&incidentmap.Incident{ID: "a"}, mostFatal)}, true},
		{"most fatalities first after a cursor of the default order", incidentmap.Filter{Where: pub, SortBy: mostFatal, After: cur}, false},
		{"most fatalities first after a cursor of another order", incidentmap.Filter{Where: pub, SortBy: mostFatal,
			After: incidentmap.CursorOf(&incidentmap.Incident{ID: "a"}, []incidentmap.SortKey{{Property: "injuries", Desc: true}})}, false},
		{"updated_at after a cursor finer than the stores keep", incidentmap.Filter{Where: pub, SortBy: []incidentmap.SortKey{{Property: "updated_at"}},
			After: &incidentmap.Cursor{ID: "a", Order: []incidentmap.SortKey{{Property: "updated_at"}, {Property: "id"}}, Keys: []any{time.Date(2026, 1, 1, 0, 0, 0, 1, time.UTC)}}}, false},
		{"newest first", incidentmap.Filter{Where: pub, SortBy: []incidentmap.SortKey{{Property: "occurred_start", Desc: true}}}, true},
		{"newest first after a cursor", incidentmap.Filter{Where: pub, SortBy: []incidentmap.SortKey{{Property: "occurred_start", Desc: true}},
			After: incidentmap.CursorOf(&incidentmap.Incident{ID: "a"}, []incidentmap.SortKey{{Property: "occurred_start", Desc: true}})}, true},
		{"newest first after a cursor of the default order", incidentmap.Filter{Where: pub, SortBy: []incidentmap.SortKey{{Property: "occurred_start", Desc: true}}, After: cur}, false},
		{"newest first, ids descending", incidentmap.Filter{Where: pub, SortBy: []incidentmap.SortKey{{Property: "occurred_start", Desc: true}, {Property: "id", Desc: true}}}, true},
		{"newest first, then by country", incidentmap.Filter{Where: pub, SortBy: []incidentmap.SortKey{{Property: "occurred_start", Desc: true}, {Property: "country"}}}, true},
		{"before a cursor", incidentmap.Filter{Where: pub, Before: cur}, true},
		{"both after and before a cursor", incidentmap.Filter{Where: pub, After: cur, Before: cur}, false},
		{"most fatalities first before a cursor", incidentmap.Filter{Where: pub, SortBy: mostFatal,
			Before: incidentmap.CursorOf(&incidentmap.Incident{ID: "a"}, mostFatal)}, true},
		{"most fatalities first before a cursor of the default order", incidentmap.Filter{Where: pub, SortBy: mostFatal, Before: cur}, false},
		{"newest first before a cursor", incidentmap.Filter{Where: pub, SortBy: []incidentmap.SortKey{{Property: "occurred_start", Desc: true}},
			Before: incidentmap.CursorOf(&incidentmap.Incident{ID: "a"}, []incidentmap.SortKey{{Property: "occurred_start", Desc: true}})}, true},
		{"newest first before a cursor of the default order", incidentmap.Filter{Where: pub, SortBy: []incidentmap.SortKey{{Property: "occurred_start", Desc: true}}, Before: cur}, false},
		{"as_of", incidentmap.Filter{Where: pub, AsOf: time.Now()}, false},
		{"a property not indexed", incidentmap.Filter{Where: incidentmap.AllOf(pub, where("summary = 'Kabul'"))}, false},
		{"a rare text property", incidentmap.Filter{Where: incidentmap.AllOf(pub, where("place_name = 'Kabul' AND perpetrator IN ('x', 'y')"))}, true},
		{"a comparison of fatalities", incidentmap.Filter{Where: incidentmap.AllOf(pub, where("fatalities > 3"))}, true},
		{"fatalities between, in, unknown", incidentmap.Filter{Where: incidentmap.AllOf(pub, where("fatalities BETWEEN 1 AND 5 AND fatalities IN (2, 3) AND fatalities IS NULL"))}, true},
		{"the number on the left, which the parser turns round", incidentmap.Filter{Where: incidentmap.AllOf(pub, where("3 < fatalities"))}, true},
		{"not null: a known count", incidentmap.Filter{Where: incidentmap.AllOf(pub, where("fatalities IS NOT NULL"))}, true},
		{"a comparison of injuries", incidentmap.Filter{Where: incidentmap.AllOf(pub, where("injuries > 3 AND injuries IN (4, 5)"))}, true},
		{"an or of two properties", incidentmap.Filter{Where: incidentmap.AllOf(pub, where("country = 'IRQ' OR event_type = 'Riots'"))}, true},
		{"an or of ands, boxes, counts and likes", incidentmap.Filter{Where: incidentmap.AllOf(pub, where("(country = 'AFG' AND fatalities > 5) OR CASEI(facility) LIKE '%embassy%' OR S_INTERSECTS(location, BBOX(40, 30, 41, 31)) OR T_INTERSECTS(occurred, INTERVAL('2020-01-01', '2020-12-31'))"))}, true},
		{"an or with a branch on a property not indexed", incidentmap.Filter{Where: incidentmap.AllOf(pub, where("country = 'IRQ' OR summary = 'Kabul'"))}, false},
		{"an or with a polygon", incidentmap.Filter{Where: incidentmap.AllOf(pub, where("country = 'IRQ' OR S_INTERSECTS(location, POLYGON((40 30, 50 30, 50 35, 40 30)))"))}, false},
		{"an or with a status", incidentmap.Filter{Where: incidentmap.AllOf(pub, where("country = 'IRQ' OR status = 'published'"))}, false},
		{"the status only within an or", incidentmap.Filter{Where: where("country = 'IRQ' OR status = 'published'")}, false},
		{"a polygon", incidentmap.Filter{Where: incidentmap.AllOf(pub, where("S_INTERSECTS(location, POLYGON((40 30, 50 30, 50 35, 40 30)))"))}, false},
		{"a rectangle", incidentmap.Filter{Where: incidentmap.AllOf(pub, where("S_INTERSECTS(location, POLYGON((40 30, 50 30, 50 35, 40 35, 40 30)))"))}, true},
		{"a rectangle the other way round", incidentmap.Filter{Where: incidentmap.AllOf(pub, where("S_INTERSECTS(location, POLYGON((40 30, 40 35, 50 35, 50 30, 40 30)))"))}, true},
		{"a rhombus", incidentmap.Filter{Where: incidentmap.AllOf(pub, where("S_INTERSECTS(location, POLYGON((45 30, 50 32, 45 35, 40 32, 45 30)))"))}, false},
		{"a rectangle with a hole", incidentmap.Filter{Where: incidentmap.AllOf(pub, where("S_INTERSECTS(location, POLYGON((40 30, 50 30, 50 35, 40 35, 40 30), (44 31, 46 31, 46 33, 44 33, 44 31)))"))}, false},
		{"a degenerate rectangle", incidentmap.Filter{Where: incidentmap.AllOf(pub, where("S_INTERSECTS(location, POLYGON((40 30, 50 30, 50 30, 40 30, 40 30)))"))}, false},
		{"within a box", incidentmap.Filter{Where: incidentmap.AllOf(pub, where("S_WITHIN(location, BBOX(40, 30, 50, 35))"))}, false},
		{"case-insensitive", incidentmap.Filter{Where: incidentmap.AllOf(pub, where("CASEI(country) = CASEI('irq')"))}, true},
		{"like", incidentmap.Filter{Where: incidentmap.AllOf(pub, where("country LIKE 'I%' AND CASEI(event_type) LIKE CASEI('%battle%')"))}, true},
		{"not like, not in, unequal", incidentmap.Filter{Where: incidentmap.AllOf(pub, where("country NOT LIKE 'I%' AND event_type NOT IN ('Riots') AND country <> 'SYR'"))}, true},
		{"case-insensitive like of a pattern past ASCII", incidentmap.Filter{Where: incidentmap.AllOf(pub, where("CASEI(country) LIKE CASEI('%Ä%')"))}, false},
		{"like of a property not indexed", incidentmap.Filter{Where: incidentmap.AllOf(pub, where("title LIKE '%Kabul%'"))}, false},
		{"not of two properties", incidentmap.Filter{Where: incidentmap.AllOf(pub, where("NOT (country = 'IRQ' OR event_type = 'Riots')"))}, true},
		{"not of an and of counts", incidentmap.Filter{Where: incidentmap.AllOf(pub, where("NOT (fatalities > 5 AND fatalities BETWEEN 1 AND 9 AND NOT (injuries IS NULL))"))}, true},
		{"not of an or with a box", incidentmap.Filter{Where: incidentmap.AllOf(pub, where("NOT (country = 'IRQ' OR S_INTERSECTS(location, BBOX(40, 30, 41, 31)))"))}, false},
		{"not of an or with a time window", incidentmap.Filter{Where: incidentmap.AllOf(pub, where("NOT (country = 'IRQ' OR T_INTERSECTS(occurred, INTERVAL('2020-01-01', '2020-12-31')))"))}, false},
		{"not of a count in", incidentmap.Filter{Where: incidentmap.AllOf(pub, where("NOT (fatalities IN (1, 2) OR country = 'IRQ')"))}, false},
		{"not status", incidentmap.Filter{Where: incidentmap.AllOf(pub, where("NOT (status = 'draft')"))}, false},
		{"another temporal function", incidentmap.Filter{Where: incidentmap.AllOf(pub, where("T_DURING(occurred, INTERVAL('2020-01-01', '2020-12-31'))"))}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, ok := ix.plan(tt.f); ok != tt.want {
				t.Errorf("answered %v, want %v", ok, tt.want)
			}
		})
	}
}

// TestFeatureCache: entries are found only at their version and
// updated_at, and the cache keeps to its budget, least recently used out
// first.
func TestFeatureCache(t *testing.T) {
	c := newFeatureCache(featureCacheShards * 2000) // about 2 entries of 700 bytes per shard
	body := []byte(strings.Repeat("x", 700))
	c.add("a", 1, 10, body)
	tests := []struct {
		name    string
		version int32
		updated int64
		want    bool
	}{
		{"same state", 1, 10, true},
		{"another version", 2, 10, false},
		{"another updated_at", 1, 11, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, ok := c.get([]byte("a"), tt.version, tt.updated); ok != tt.want {
				t.Errorf("found %v, want %v", ok, tt.want)
			}
		})
	}
	for i := range 1000 {
		c.add(fmt.Sprint("id", i), 1, 1, body)
	}
	total, n := 0, 0
	for i := range c.shards {
		sh := &c.shards[i]
		if sh.bytes > sh.maxB {
			t.Errorf("shard %d holds %d bytes, over its %d", i, sh.bytes, sh.maxB)
		}
		total, n = total+sh.bytes, n+len(sh.items)
	}
	if n == 0 || n > 2*featureCacheShards {
		t.Errorf("%d entries (%d bytes) after 1,000 adds; want at most %d", n, total, 2*featureCacheShards)
	}
	if _, ok := c.get([]byte("id999"), 1, 1); !ok {
		t.Error("the latest entry was evicted")
	}
	if _, ok := c.get([]byte("id0"), 1, 1); ok {
		t.Error("the oldest entry is still there")
	}

	// Ids whose keys collide replace each other and are never taken for
	// one another.
	c = newFeatureCache(1 << 20)
	c.hash = func([]byte) uint64 { return 7 }
	c.add("a", 1, 1, []byte("A"))
	if _, ok := c.get([]byte("b"), 1, 1); ok {
		t.Error("b found under a's key")
	}
	c.add("b", 1, 1, []byte("B"))
	if b, ok := c.get([]byte("b"), 1, 1); !ok || string(b) != "B" {
		t.Errorf("b: %q %v, want B", b, ok)
	}
	if _, ok := c.get([]byte("a"), 1, 1); ok {
		t.Error("a still found after b took its key")
	}
	if sh := c.shard(7); len(sh.items) != 1 || sh.bytes != (&cachedFeature{id: "b", body: []byte("B")}).cost() {
		t.Errorf("shard of the key: %d entries, %d bytes; want b alone", len(sh.items), sh.bytes)
	}
}

// TestIndexPageOverTheWire fetches a page the item index answers through a
// real connection three ways and wants one body: plain (with the
// Content-Length the index sets, not chunked), gzipped when asked (the
// length then is the compressed one, set by the compressor), and a HEAD
// with the GET's length and no body.
func TestIndexPageOverTheWire(t *testing.T) {
	eachIndexStore(t, func() []*incidentmap.Incident { return indexFixture(800, 5) }, func(t *testing.T, st incidentmap.Store, _ []*incidentmap.Incident) {
		withIndex, s, _ := indexEngines(t, st, Config{})
		srv := httptest.NewServer(withIndex)
		defer srv.Close()
		url := srv.URL + itemsPath + "?limit=500"
		get := func(method, encoding string) (*http.Response, []byte) {
			t.Helper()
			req, err := http.NewRequest(method, url, nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Accept-Encoding", encoding) // set, so the client leaves the body as sent
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, err := io.ReadAll(resp.Body)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("%s %s: %d %s", method, encoding, resp.StatusCode, body)
			}
			return resp, body
		}
		before := s.itemIx.served.Load()
		plain, body := get(http.MethodGet, "identity")
		if s.itemIx.served.Load() == before {
			t.Fatal("the page did not come from the index")
		}
		if plain.ContentLength != int64(len(body)) || len(plain.TransferEncoding) != 0 {
			t.Errorf("plain: Content-Length %d, Transfer-Encoding %v, body of %d bytes; want the length, not chunked",
				plain.ContentLength, plain.TransferEncoding, len(body))
		}
		if !json.Valid(body) {
			t.Errorf("plain: not JSON: %s", clipDiff(string(body), ""))
		}
		zipped, zbody := get(http.MethodGet, "gzip")
		if zipped.Header.Get("Content-Encoding") != "gzip" {
			t.Fatalf("gzip asked, Content-Encoding %q", zipped.Header.Get("Content-Encoding"))
		}
		if zipped.ContentLength >= 0 && zipped.ContentLength != int64(len(zbody)) {
			t.Errorf("gzip: Content-Length %d, body of %d bytes", zipped.ContentLength, len(zbody))
		}
		zr, err := gzip.NewReader(bytes.NewReader(zbody))
		if err != nil {
			t.Fatal(err)
		}
		unzipped, err := io.ReadAll(zr)
		if err != nil {
			t.Fatal(err)
		}
		strip := func(b []byte) string { return timeStamps.ReplaceAllString(string(b), "") }
		if strip(unzipped) != strip(body) {
			t.Errorf("gzip: the body differs from the plain one: %s", clipDiff(strip(unzipped), strip(body)))
		}
		head, hbody := get(http.MethodHead, "identity")
		if len(hbody) != 0 || head.ContentLength != int64(len(body)) {
			t.Errorf("HEAD: %d bytes of body, Content-Length %d; want none and %d", len(hbody), head.ContentLength, len(body))
		}
	})
}

// timeStamps matches the timeStamp of a FeatureCollection, which moves
// between two requests.
var timeStamps = regexp.MustCompile(`"timeStamp":"[^"]*"`)

// TestItemIndexUncoded: a property of more values than the index codes is
// left to the store (place names of a large data set), the others are
// still answered, and event_type or country beyond it fails the build.
func TestItemIndexUncoded(t *testing.T) {
	day := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	rows := func(set func(p *incidentmap.PointRow, i int)) func(func(incidentmap.PointRow) error) error {
		return func(fn func(incidentmap.PointRow) error) error {
			for i := range maxCodes + 1 {
				p := incidentmap.PointRow{ID: fmt.Sprintf("i%06d", i), Lon: 44, Lat: 33, OccurredStart: day, OccurredEnd: day,
					EventType: "Battles", Country: "IRQ", Perpetrator: "Unknown"}
				set(&p, i)
				if err := fn(p); err != nil {
					return err
				}
			}
			return nil
		}
	}
	ix, err := newItemIndex("v", rows(func(p *incidentmap.PointRow, i int) { p.PlaceName = fmt.Sprint("place ", i) }))
	if err != nil {
		t.Fatal(err)
	}
	pub := incidentmap.InStrings("status", string(incidentmap.StatusPublished))
	for _, tt := range []struct {
		cql  string
		want bool
	}{
		{"place_name = 'place 7'", false},
		{"perpetrator = 'Unknown'", true},
	} {
		iq, err := parseItemsQuery(url.Values{"filter": {tt.cql}})
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := ix.plan(incidentmap.Filter{Where: incidentmap.AllOf(pub, iq.filter.Where)}); ok != tt.want {
			t.Errorf("%s: answered %v, want %v", tt.cql, ok, tt.want)
		}
	}
	if _, ok := ix.countBy(indexPlan{}, "admin1_code"); !ok {
		t.Error("admin1_code counts refused beside an uncoded place_name")
	}
	if _, err := newItemIndex("v", rows(func(p *incidentmap.PointRow, i int) { p.Country = fmt.Sprint(i) })); err == nil {
		t.Error("a build with more countries than codes succeeded")
	}
}
