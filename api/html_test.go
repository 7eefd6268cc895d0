package api

import (
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/incidentmap/incidentmap"
)

// checkPage checks an HTML response: 200, text/html, the style sheet, and
// nothing the CSP would block or that escaping should have caught.
func checkPage(t *testing.T, w *httptest.ResponseRecorder, want ...string) {
	t.Helper()
	if w.Code != http.StatusOK || w.Header().Get("Content-Type") != "text/html; charset=utf-8" {
		t.Fatalf("%d %q %s", w.Code, w.Header().Get("Content-Type"), w.Body)
	}
	body := w.Body.String()
	if !strings.Contains(body, `<link rel="stylesheet" href="http://example.com/api.css">`) {
		t.Error("no style sheet")
	}
	if strings.Contains(body, "<script") || strings.Contains(body, " style=") || strings.Contains(body, " on") && regexp.MustCompile(` on[a-z]+=`).MatchString(body) {
		t.Errorf("inline script or style:\n%s", body)
	}
	for _, s := range want {
		if !strings.Contains(body, s) {
			t.Errorf("the page lacks %q:\n%s", s, body)
		}
	}
}

func TestHTMLPages(t *testing.T) {
	ts := newTestServer(t, twoIncidents())
	tests := []struct {
		target string
		want   []string
	}{
		{"/?f=html", []string{`<a href="http://example.com/collections">data</a>`}},
		{"/conformance?f=html", []string{"conf/oas30"}},
		{"/collections?f=html", []string{"Incidents", "west 62.1990004"}},
		{"/collections/incidents?f=html", []string{"2022-09-05T23:59:59Z", "/collections/incidents/queryables"}},
		{"/collections/incidents/queryables?f=html", []string{"<code>occurred_start</code>", "geometry-point"}},
	}
	for _, tt := range tests {
		t.Run(tt.target, func(t *testing.T) {
			checkPage(t, ts.get(t, tt.target), tt.want...)
		})
	}
	t.Run("Accept: text/html", func(t *testing.T) {
		checkPage(t, ts.get(t, "/conformance", "Accept", "text/html"), "conf/core")
	})
	t.Run("unknown f", func(t *testing.T) {
		wantError(t, ts.get(t, "/collections?f=pdf"), http.StatusBadRequest, incidentmap.EINVALID, "f")
	})
	t.Run("style sheet", func(t *testing.T) {
		w := ts.get(t, "/api.css")
		if w.Code != http.StatusOK || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/css") {
			t.Errorf("%d %s", w.Code, w.Header())
		}
	})
}

// htmlContext returns a gin context for target and the server of a test
// store, to call the HTML renderers the items handler dispatches to.
func htmlContext(t *testing.T, store *fakeStore, target string) (*gin.Context, *httptest.ResponseRecorder, *server) {
	t.Helper()
	_, s, err := newEngine(store, Config{MatchedCap: 10_000})
	if err != nil {
		t.Fatal(err)
	}
	w := httptest.NewRecorder()
	c, _ := gin.CreateTestContext(w)
	c.Request = httptest.NewRequest(http.MethodGet, target, nil)
	return c, w, s
}

func TestItemsHTML(t *testing.T) {
	store := twoIncidents()
	c, w, s := htmlContext(t, store, itemsPath+"?f=html&limit=1")
	f := incidentmap.Filter{Where: incidentmap.InStrings("status", incidentmap.StatusPublished), Limit: 1}
	if err := s.renderItemsHTML(c, storePage(f)); err != nil {
		t.Fatal(err)
	}
	checkPage(t, w, "1 of 2 matching incidents",
		`<a href="http://example.com/collections/incidents/items/2022-04-11-herat-iran-consulate?f=html">2022-04-11-herat-iran-consulate</a>`,
		`rel="next" href="http://example.com/collections/incidents/items?cursor=`)
	if strings.Contains(w.Body.String(), "kabul") {
		t.Error("the page holds more than limit incidents")
	}
}

func TestItemHTML(t *testing.T) {
	inc := herat()
	inc.Sources = append(inc.Sources, incidentmap.Source{Publisher: "Evil", Title: "click", URL: "javascript:alert(1)"})
	c, w, s := htmlContext(t, newFake(inc), itemsPath+"/"+inc.ID+"?f=html")
	if err := s.renderItemHTML(c, inc); err != nil {
		t.Fatal(err)
	}
	checkPage(t, w, "<dt>Summary</dt>", "&#34;&lt;script&gt;&#34; &amp;", "62.199000, 34.342000",
		`<a href="https://example.org/news?id=1&amp;lang=en">Protest at the consulate in Herat</a>`,
		"Summoned Afghanistan&#39;s chargé d&#39;affaires.", "<dt>Injuries</dt><dd>0</dd>", "<dt>Fatalities</dt><dd>unknown</dd>")
	if strings.Contains(w.Body.String(), "javascript:") {
		t.Error("a javascript: URL reached the page")
	}
}
