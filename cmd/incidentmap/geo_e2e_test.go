package main

import (
	"bytes"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib"
)

// postgisDSN returns a DSN for a fresh schema in the test PostGIS, or
// skips when none is configured (make test starts one).
func postgisDSN(t *testing.T) string {
	base := os.Getenv("INCIDENTMAP_TEST_POSTGRES")
	if base == "" {
		t.Skip("PostGIS tests skipped: INCIDENTMAP_TEST_POSTGRES not set")
	}
	db, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	b := make([]byte, 6)
	rand.Read(b)
	schema := "e2e_" + hex.EncodeToString(b)
	if _, err := db.Exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		db, err := sql.Open("pgx", base)
		if err == nil {
			db.Exec("DROP SCHEMA " + schema + " CASCADE")
			db.Close()
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema+",public")
	u.RawQuery = q.Encode()
	return u.String()
}

func featureIDs(c collection) []string {
	var out []string
	for _, f := range c.Features {
		out = append(out, f.ID)
	}
	slices.Sort(out)
	return out
}

// region=AF-HER returns the Herat incidents in both stores, and the same
// ones; so does a province filter through CQL2-equivalent parameters.
func TestRegionFilterBothStores(t *testing.T) {
	stores := map[string]string{"sqlite": sqliteDSN(t), "postgis": postgisDSN(t)}
	got := map[string][]string{}
	for name, dsn := range stores {
		m := boot(t, dsn)
		herat := getCollection(t, m.URL()+"/collections/incidents/items?region=AF-HER")
		got[name] = featureIDs(herat)
		if len(herat.Features) == 0 {
			t.Fatalf("%s: no incident in AF-HER", name)
		}
		for _, f := range herat.Features {
			if f.Properties["admin1_code"] != "AF-HER" {
				t.Errorf("%s: %s is in %v, not AF-HER", name, f.ID, f.Properties["admin1_code"])
			}
		}
		iraq := getCollection(t, m.URL()+"/collections/incidents/items?region=IQ-KA,IQ-NA")
		if len(iraq.Features) != 2 {
			t.Errorf("%s: Karbala and Najaf gave %v", name, featureIDs(iraq))
		}
		for _, bad := range []string{"region=AF-XXX", "region=afg", "region=" + strings.Repeat("AFG,", 21) + "AFG"} {
			resp, body := get(t, m.URL()+"/collections/incidents/items?"+bad)
			if resp.StatusCode != 400 || !bytes.Contains(body, []byte(`"parameter":"region"`)) {
				t.Errorf("%s: ?%s: %s %s", name, bad, resp.Status, body)
			}
		}
	}
	if !slices.Equal(got["sqlite"], got["postgis"]) {
		t.Errorf("region=AF-HER: sqlite %v, postgis %v", got["sqlite"], got["postgis"])
	}
}

func TestGeocodeEndpoint(t *testing.T) {
	m := boot(t, sqliteDSN(t))
	for q, want := range map[string]string{"Herat": "AF-HER", "Hirat": "AF-HER", "Kerbala": "IQ-KA", "An Najaf": "IQ-NA", "Green Zone": "IQ-BG"} {
		c := getCollection(t, m.URL()+"/geocode?q="+url.QueryEscape(q))
		if len(c.Features) == 0 || c.Features[0].Properties["admin1_code"] != want {
			t.Errorf("geocode %q: first %+v, want %s", q, c.Features, want)
		}
	}
	for _, bad := range []string{"", "q=", "q=Herat&limit=0", "q=Herat&near=200,1", "q=Herat&country=afg", "q=" + strings.Repeat("x", 300), "q=Herat&colour=red"} {
		resp, body := get(t, m.URL()+"/geocode?"+bad)
		if resp.StatusCode != 400 || !json.Valid(body) {
			t.Errorf("?%s: %s %s", bad, resp.Status, body)
		}
	}
}

func TestRegionsCollection(t *testing.T) {
	m := boot(t, sqliteDSN(t))
	c := getCollection(t, m.URL()+"/collections/regions/items?level=1&country=AFG&limit=100")
	if c.NumberMatched != 34 || len(c.Features) != 34 {
		t.Errorf("Afghanistan has 34 provinces, got %d of %d", len(c.Features), c.NumberMatched)
	}
	resp, body := get(t, m.URL()+"/collections/regions/items/AF-HER")
	if resp.StatusCode != 200 || !bytes.Contains(body, []byte(`"MultiPolygon"`)) {
		t.Errorf("AF-HER: %s", resp.Status)
	}
	if resp, _ := get(t, m.URL()+"/collections/regions/items/XX-YYY"); resp.StatusCode != 404 {
		t.Errorf("unknown region: %s", resp.Status)
	}
	page := getCollection(t, m.URL()+"/collections/regions/items?level=0&limit=100")
	if len(page.Links) < 2 || page.Links[1].Rel != "next" {
		t.Errorf("countries page lacks a next link: %+v", page.Links)
	}
}

func TestExtractEndpoint(t *testing.T) {
	m := boot(t, sqliteDSN(t))
	post := func(body string) (*http.Response, []byte) { return postJSON(t, m.URL()+"/extract", body) }
	article := "Protesters burned tyres outside the Iranian consulate in Karbala on Sunday evening."
	resp, body := post(`{"text":` + string(mustJSONString(article)) + `,"published":"2021-05-10","source":{"publisher":"Test Wire"}}`)
	if resp.StatusCode != 200 {
		t.Fatalf("%s %s", resp.Status, body)
	}
	var fc struct {
		Features []struct {
			Properties map[string]any  `json:"properties"`
			Evidence   json.RawMessage `json:"evidence"`
		} `json:"features"`
		Toponyms json.RawMessage `json:"toponyms"`
	}
	if err := json.Unmarshal(body, &fc); err != nil || len(fc.Features) != 1 {
		t.Fatalf("%v %s", err, body)
	}
	p := fc.Features[0].Properties
	if p["admin1_code"] != "IQ-KA" || p["occurred_start"] != "2021-05-09" || p["target_country"] != "IRN" || p["status"] != "draft" {
		t.Errorf("draft %+v", p)
	}
	if len(fc.Features[0].Evidence) < 3 || len(fc.Toponyms) < 3 {
		t.Errorf("evidence %s toponyms %s", fc.Features[0].Evidence, fc.Toponyms)
	}
	// Nothing was stored.
	if c := getCollection(t, m.URL()+"/collections/incidents/items?filter="+url.QueryEscape("status = 'draft'")); c.NumberMatched != 0 {
		t.Errorf("extract stored %d incidents", c.NumberMatched)
	}
	for _, bad := range []string{`{}`, `{"text":"x"}`, `{"text":"x","published":"May"}`, `not json`, `{"text":"x","published":"2021-05-10","extra":1}`} {
		if resp, body := post(bad); resp.StatusCode != 400 || !json.Valid(body) {
			t.Errorf("%.40s: %s %s", bad, resp.Status, body)
		}
	}
	// Over the body limit: 413 naming it.
	if resp, body := post(`{"text":"` + strings.Repeat("a", 3<<20) + `","published":"2021-05-10"}`); resp.StatusCode != 413 ||
		!strings.Contains(string(body), `"limit":"body-bytes"`) {
		t.Errorf("3 MB body: %s %s", resp.Status, body)
	}
}

func mustJSONString(s string) []byte {
	b, _ := json.Marshal(s)
	return b
}
