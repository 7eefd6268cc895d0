package api

import (
	"context"
	"encoding/json"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/incidentmap/incidentmap"
)

// pageHeaderNames are the headers of an items page that must not depend
// on where its incidents came from.
var pageHeaderNames = []string{"Content-Type", "Content-Disposition", "Content-Length", "Link", headerNumberMatched}

// linkNext and htmlNext find the next page of a Link header and of an
// HTML items page, linkPrev and htmlPrev the previous one.
var (
	linkNext = regexp.MustCompile(`<([^>]*)>; rel="next"`)
	htmlNext = regexp.MustCompile(`rel="next" href="([^"]*)"`)
	linkPrev = regexp.MustCompile(`<([^>]*)>; rel="prev"`)
	htmlPrev = regexp.MustCompile(`rel="prev" href="([^"]*)"`)
)

// pageGet answers one GET through h and returns the status, the body and
// the page headers, one line each.
func pageGet(t *testing.T, h http.Handler, target string) (int, string, string) {
	t.Helper()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, target, nil))
	var heads []string
	for _, name := range pageHeaderNames {
		heads = append(heads, name+": "+strings.Join(w.Header().Values(name), " | "))
	}
	return w.Code, requestIDs.ReplaceAllString(w.Body.String(), ""), strings.Join(heads, "\n")
}

// nextTarget returns the next page of a response of any items format: from
// its Link header, its HTML next link or its GeoJSON links; "" at the end.
func nextTarget(t *testing.T, headers, body string) string {
	t.Helper()
	return relTarget(t, headers, body, "next", linkNext, htmlNext)
}

// prevTarget is nextTarget for the previous page.
func prevTarget(t *testing.T, headers, body string) string {
	t.Helper()
	return relTarget(t, headers, body, "prev", linkPrev, htmlPrev)
}

// relTarget returns the link of relation rel of a page: from its Link
// header (inLink), its HTML (inHTML; nil: none) or its GeoJSON links; ""
// when none.
func relTarget(t *testing.T, headers, body, rel string, inLink, inHTML *regexp.Regexp) string {
	t.Helper()
	if m := inLink.FindStringSubmatch(headers); m != nil {
		return m[1]
	}
	if strings.HasPrefix(body, "<!") {
		if inHTML == nil {
			return ""
		}
		if m := inHTML.FindStringSubmatch(body); m != nil {
			return html.UnescapeString(m[1])
		}
		return ""
	}
	if strings.HasPrefix(body, "{") {
		var fc struct{ Links []link }
		if err := json.Unmarshal([]byte(body), &fc); err != nil {
			t.Fatalf("not JSON: %v: %s", err, clipDiff(body, ""))
		}
		for _, l := range fc.Links {
			if l.Rel == rel {
				return l.Href
			}
		}
	}
	return ""
}

// compareFormat runs query through both engines, following next links to
// the last page (at most 100 pages), then prev links back to the first,
// and fails on the first difference of status, bytes or page headers. It
// returns how many pages it read.
func compareFormat(t *testing.T, withIndex, store *gin.Engine, query string) int {
	t.Helper()
	target := "http://example.org" + itemsPath + "?" + query
	pages, forward, last := 0, 0, ""
	for ; target != "" && pages < 100; pages++ {
		last = target
		heads, body := comparePage(t, withIndex, store, target)
		target = nextTarget(t, heads, body)
	}
	if target != "" {
		t.Fatalf("%s: more than %d pages", query, pages)
	}
	forward = pages
	_, lastBody, lastHeads := pageGet(t, store, last)
	target = prevTarget(t, lastHeads, lastBody)
	for ; target != ""; pages++ {
		if pages >= 2*forward {
			t.Fatalf("%s: more prev pages than the %d pages forward", query, forward)
		}
		heads, body := comparePage(t, withIndex, store, target)
		target = prevTarget(t, heads, body)
	}
	if forward > 1 && pages != 2*forward-1 {
		t.Fatalf("%s: %d pages back from the last, want %d", query, pages-forward, forward-1)
	}
	return pages
}

// comparePage gets target through both engines and fails on a difference
// of status, bytes or page headers, or a status other than 200. It
// returns the page's headers and body.
func comparePage(t *testing.T, withIndex, store *gin.Engine, target string) (string, string) {
	t.Helper()
	code, body, heads := pageGet(t, withIndex, target)
	wantCode, want, wantHeads := pageGet(t, store, target)
	if code != wantCode || body != want {
		t.Fatalf("%s:\nindex %d %s\nstore %d %s", target, code, clipDiff(body, want), wantCode, clipDiff(want, body))
	}
	if heads != wantHeads {
		t.Fatalf("%s: headers\nindex %s\nstore %s", target, heads, wantHeads)
	}
	if code != http.StatusOK {
		t.Fatalf("%s: %d %s", target, code, body)
	}
	return heads, body
}

// formatQueries are the formats the tests of the index's pages ask for:
// all but the GeoJSON of all properties, which has its own path; each
// shows the title.
var formatQueries = []string{
	"f=csv",
	"f=jsonseq",
	"f=html",
	"properties=title,fatalities",
	"f=csv&properties=title,country",
	"f=jsonseq&properties=title,occurred_start",
}

// TestIndexFormatsMatchStore pages through CSV, GeoJSON text sequences,
// HTML and GeoJSON of a properties selection, in several orders and with
// filters the item index answers, through a server with the index and
// through one without, on both stores, and wants every page from the
// index and the same bytes and page headers as the store's (rows, order,
// Link and next links with their cursors, OGC-NumberMatched,
// Content-Disposition), with and without a count cap.
func TestIndexFormatsMatchStore(t *testing.T) {
	now := func() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) }
	fixture := func() []*incidentmap.Incident { return sortFixture(700, 8) }
	filters := []string{
		"limit=100",
		"limit=37&sortby=-fatalities",
		"limit=100&sortby=" + url.QueryEscape("country,-occurred_start"),
		"limit=37&bbox=40,25,60,26",
		"limit=50&event_type=Battles&sortby=-injuries",
		"limit=37&filter=" + url.QueryEscape("admin1_name LIKE 'Province 1%'"),
		"limit=100&datetime=2015-03-01/2015-09-30&sortby=target_country",
	}
	eachIndexStore(t, fixture, func(t *testing.T, st incidentmap.Store, incs []*incidentmap.Incident) {
		touchSome(t, st, incs)
		for _, matchedCap := range []int{0, 1000} {
			withIndex, s, store := indexEngines(t, st, Config{Now: now, MatchedCap: matchedCap})
			for _, filter := range filters {
				for _, format := range formatQueries {
					q := filter + "&" + format
					t.Run(q, func(t *testing.T) {
						served, passed := s.itemIx.served.Load(), s.itemIx.passed.Load()
						pages := compareFormat(t, withIndex, store, q)
						if n := s.itemIx.passed.Load() - passed; n > 0 {
							t.Errorf("%d pages left to the store", n)
						}
						if n := s.itemIx.served.Load() - served; n != int64(pages) {
							t.Errorf("the index served %d of %d pages", n, pages)
						}
					})
				}
			}
		}
	})
}

// frozenVersion is a store whose data version stays v: it lets a write
// race the version an item page was planned at.
type frozenVersion struct {
	incidentmap.Store
	v incidentmap.DataVersion
}

func (f *frozenVersion) DataVersion(context.Context) (incidentmap.DataVersion, error) {
	return f.v, nil
}

// TestIndexFormatsStaleRow changes an incident after the index was built
// while the data version the server sees stays that of the index (a write
// that raced the version), and wants each format's page that holds it
// answered by the store, with the change and the store's bytes.
func TestIndexFormatsStaleRow(t *testing.T) {
	now := func() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) }
	eachIndexStore(t, func() []*incidentmap.Incident { return indexFixture(400, 3) }, func(t *testing.T, st incidentmap.Store, _ []*incidentmap.Incident) {
		ctx := context.Background()
		v, err := st.DataVersion(ctx)
		if err != nil {
			t.Fatal(err)
		}
		withIndex, s, err := newEngine(&frozenVersion{Store: st, v: v}, Config{Now: now, ItemIndex: true})
		if err != nil {
			t.Fatal(err)
		}
		waitIndex(t, s)
		store, _, err := newEngine(st, Config{Now: now})
		if err != nil {
			t.Fatal(err)
		}
		const query = "limit=30&sortby=-fatalities"
		var top struct{ Features []struct{ ID string } }
		if _, body := itemsGet(t, store, "http://example.org"+itemsPath+"?"+query); json.Unmarshal([]byte(body), &top) != nil || len(top.Features) == 0 {
			t.Fatalf("no first page: %s", body)
		}
		for _, format := range formatQueries {
			q := query + "&" + format
			before := s.itemIx.served.Load()
			compareFormat(t, withIndex, store, q)
			if s.itemIx.served.Load() == before {
				t.Fatalf("%s: the index served nothing before the change", q)
			}
		}
		changed, err := st.GetIncident(ctx, top.Features[len(top.Features)-1].ID)
		if err != nil {
			t.Fatal(err)
		}
		changed.Title = "Changed after the index was built"
		if err := st.UpdateIncident(ctx, changed, changed.Version); err != nil {
			t.Fatal(err)
		}
		for _, format := range formatQueries {
			q := query + "&" + format
			t.Run(q, func(t *testing.T) {
				served, passed := s.itemIx.served.Load(), s.itemIx.passed.Load()
				_, body, _ := pageGet(t, withIndex, "http://example.org"+itemsPath+"?"+q)
				if !strings.Contains(body, changed.Title) {
					t.Errorf("the page does not hold the change: %s", clipDiff(body, ""))
				}
				if s.itemIx.served.Load() != served || s.itemIx.passed.Load() != passed+1 {
					t.Errorf("served %d, passed %d; want the first page passed to the store",
						s.itemIx.served.Load()-served, s.itemIx.passed.Load()-passed)
				}
				compareFormat(t, withIndex, store, q)
			})
		}
	})
}
