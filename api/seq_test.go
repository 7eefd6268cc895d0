package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"testing"

	"github.com/incidentmap/incidentmap"
)

// seqFeature is a feature of a text sequence as the tests read it.
type seqFeature struct {
	Type       string                     `json:"type"`
	ID         string                     `json:"id"`
	Properties map[string]json.RawMessage `json:"properties"`
}

// decodeSeq checks an RFC 8142 response and returns its features: every
// text starts with RS and ends with LF, and is a GeoJSON Feature.
func decodeSeq(t *testing.T, w *httptest.ResponseRecorder) []seqFeature {
	t.Helper()
	if w.Code != http.StatusOK {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	if ct := w.Header().Get("Content-Type"); ct != "application/geo+json-seq" {
		t.Errorf("Content-Type %q", ct)
	}
	body := w.Body.Bytes()
	if len(body) == 0 {
		return nil
	}
	if body[0] != 0x1E || body[len(body)-1] != '\n' {
		t.Fatalf("body does not start with RS and end with LF: %q…", body[:min(len(body), 40)])
	}
	var out []seqFeature
	for _, rec := range bytes.Split(body[1:], []byte{0x1E}) {
		if len(rec) == 0 || rec[len(rec)-1] != '\n' || bytes.Count(rec, []byte{'\n'}) != 1 {
			t.Fatalf("text not ended by one LF: %q", rec)
		}
		var f seqFeature
		if err := json.Unmarshal(rec, &f); err != nil || f.Type != "Feature" {
			t.Fatalf("text is not a Feature (%v): %s", err, rec)
		}
		out = append(out, f)
	}
	return out
}

var linkHeader = regexp.MustCompile(`^<([^>]*)>; rel="([a-z]+)"; type="([^"]+)"$`)

// headerLinks returns the Link headers of w by relation, checking their type.
func headerLinks(t *testing.T, h http.Header, media string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, v := range h.Values("Link") {
		m := linkHeader.FindStringSubmatch(v)
		if m == nil {
			t.Fatalf("Link %q", v)
		}
		if m[3] != media {
			t.Errorf("Link %q: type, want %s", v, media)
		}
		out[m[2]] = m[1]
	}
	return out
}

func fiveIncidents() []*incidentmap.Incident {
	var incs []*incidentmap.Incident
	for i := range 5 {
		incs = append(incs, newIncident(fmt.Sprintf("inc-%d", i), 62, 34, fmt.Sprintf("2022-04-%02d", 10+i)))
	}
	return incs
}

func TestItemsSeq(t *testing.T) {
	ts := newTestServer(t, newFake(fiveIncidents()...))
	for name, req := range map[string][]string{
		"f":      {"/collections/incidents/items?f=jsonseq"},
		"Accept": {"/collections/incidents/items", "Accept", "application/geo+json-seq"},
		"Accept with qualities": {"/collections/incidents/items", "Accept",
			"application/geo+json;q=0.5, application/geo+json-seq, text/csv;q=0.9"},
	} {
		t.Run(name, func(t *testing.T) {
			w := ts.get(t, req[0], req[1:]...)
			fs := decodeSeq(t, w)
			if len(fs) != 5 || fs[0].ID != "inc-0" || fs[4].ID != "inc-4" {
				t.Errorf("%d features", len(fs))
			}
			if got := w.Header().Get(headerNumberMatched); got != "5" {
				t.Errorf("%s %q", headerNumberMatched, got)
			}
			links := headerLinks(t, w.Header(), "application/geo+json-seq")
			if links["self"] == "" || links["next"] != "" || links["prev"] != "" {
				t.Errorf("links %v", links)
			}
		})
	}

	t.Run("pages", func(t *testing.T) {
		target := "/collections/incidents/items?f=jsonseq&limit=2"
		var ids []string
		for page := 0; target != ""; page++ {
			if page > 5 {
				t.Fatal("the next links do not end")
			}
			w := ts.get(t, target)
			for _, f := range decodeSeq(t, w) {
				ids = append(ids, f.ID)
			}
			links := headerLinks(t, w.Header(), "application/geo+json-seq")
			if (page > 0) != (links["prev"] != "") {
				t.Errorf("page %d: prev link %q", page, links["prev"])
			}
			target = ""
			if next := links["next"]; next != "" {
				u, err := url.Parse(next)
				if err != nil || u.Query().Get("f") != "jsonseq" {
					t.Fatalf("next %q", next)
				}
				target = u.RequestURI()
			}
		}
		if len(ids) != 5 {
			t.Errorf("pages gave %v", ids)
		}
	})

	t.Run("properties", func(t *testing.T) {
		fs := decodeSeq(t, ts.get(t, "/collections/incidents/items?f=jsonseq&properties=country,title"))
		for _, f := range fs {
			if len(f.Properties) != 2 || f.Properties["title"] == nil || f.Properties["country"] == nil {
				t.Errorf("%s: properties %v", f.ID, f.Properties)
			}
		}
	})

	t.Run("empty", func(t *testing.T) {
		w := ts.get(t, "/collections/incidents/items?f=jsonseq&id=nope")
		if fs := decodeSeq(t, w); len(fs) != 0 || w.Body.Len() != 0 {
			t.Errorf("body %q", w.Body)
		}
		if got := w.Header().Get(headerNumberMatched); got != "0" {
			t.Errorf("%s %q", headerNumberMatched, got)
		}
	})

	t.Run("a bad cursor is a JSON error", func(t *testing.T) {
		w := ts.get(t, "/collections/incidents/items?f=jsonseq&cursor=x")
		wantError(t, w, http.StatusBadRequest, incidentmap.EINVALID, "cursor")
		if w.Header().Get(headerNumberMatched) != "" || w.Header().Get("Link") != "" {
			t.Errorf("error carries page headers: %v", w.Header())
		}
	})
	t.Run("a cursor of another sortby is a JSON error", func(t *testing.T) {
		c := encodeCursor(incidentmap.CursorOf(newIncident("inc-1", 62, 34, "2022-04-11"), nil))
		w := ts.get(t, "/collections/incidents/items?f=jsonseq&sortby=-occurred_start&cursor="+c)
		wantError(t, w, http.StatusBadRequest, incidentmap.EINVALID, "cursor")
		if w.Header().Get(headerNumberMatched) != "" || w.Header().Get("Link") != "" || w.Header().Get("Content-Type") != "application/json" {
			t.Errorf("error carries page headers: %v", w.Header())
		}
	})
}

func TestNegotiateItems(t *testing.T) {
	tests := []struct{ accept, want string }{
		{"", outGeoJSON},
		{"*/*", outGeoJSON},
		{"application/json", outGeoJSON},
		{"application/geo+json-seq", outSeq},
		{"text/csv", outCSV},
		{"text/csv;q=0.5, application/geo+json", outGeoJSON},
		{"text/csv, application/geo+json", outCSV},
		{"application/geo+json-seq;q=0.9, text/csv;q=0.95", outCSV},
		{"image/png", outGeoJSON},
		{"text/csv;q=0", outGeoJSON},
		{"text/csv;q=abc", outGeoJSON},
		{"TEXT/CSV", outCSV},
	}
	for _, tt := range tests {
		if got := negotiateItems(tt.accept); got != tt.want {
			t.Errorf("negotiateItems(%q) = %s, want %s", tt.accept, got, tt.want)
		}
	}
	browser := "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
	want := outHTML
	if got := negotiateItems(browser); got != want {
		t.Errorf("a browser's Accept gives %s, want %s", got, want)
	}
}

// BenchmarkItemsSeq1000 serves a page of 1,000 features as a GeoJSON text
// sequence through the whole handler.
func BenchmarkItemsSeq1000(b *testing.B) {
	benchmarkItems(b, "/collections/incidents/items?limit=1000&f=jsonseq")
}

func benchmarkItems(b *testing.B, target string) {
	ts := newTestServer(b, newFake(synthetic(1000)...))
	r := httptest.NewRequest(http.MethodGet, target, nil)
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
	b.ReportMetric(float64(w.n)/1000, "B/feature")
}
