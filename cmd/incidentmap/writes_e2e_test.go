package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/incidentmap/incidentmap"
)

// writeClient talks to a booted server with an API key.
type writeClient struct {
	base  string
	token string
}

// do sends a request and returns the status, the ETag and the body.
func (wc writeClient) do(t *testing.T, method, path, body string, header ...string) (int, string, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, wc.base+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if wc.token != "" {
		req.Header.Set("Authorization", "Bearer "+wc.token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/geo+json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header.Get("ETag"), b
}

// mustStatus fails the test unless status is want.
func mustStatus(t *testing.T, what string, status, want int, body []byte) {
	t.Helper()
	if status != want {
		t.Fatalf("%s: %d, want %d: %s", what, status, want, body)
	}
}

// newTestKey makes a key of role in the server's store.
func newTestKey(t *testing.T, m *Main, role incidentmap.Role) string {
	t.Helper()
	k, token, err := incidentmap.NewAPIKey(string(role)+" of the test", role)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Store.(incidentmap.KeyStore).CreateAPIKey(context.Background(), k); err != nil {
		t.Fatal(err)
	}
	return token
}

const draftFeature = `{"type": "Feature", "id": "kabul-2026-test",
	"geometry": {"type": "Point", "coordinates": [69.1836, 34.5358]},
	"properties": {"title": "Rocket lands near an embassy in Kabul", "occurred_start": "2026-03-02",
		"date_precision": "day", "location_precision": "site", "country": "AFG",
		"event_type": "Explosions/Remote violence", "sub_event_type": "Shelling/artillery/missile attack",
		"target_type": "embassy", "target_country": "IRN",
		"sources": [{"publisher": "Example Wire", "url": "https://example.org/kabul", "published_on": "2026-03-02"}]}}`

type historyDoc struct {
	Revisions []struct {
		Seq      int64                      `json:"seq"`
		Version  int                        `json:"version"`
		Op       string                     `json:"op"`
		Actor    string                     `json:"actor"`
		At       string                     `json:"at"`
		Changed  []string                   `json:"changed"`
		Previous map[string]json.RawMessage `json:"previous"`
		Feature  *struct {
			Properties map[string]any `json:"properties"`
		} `json:"feature"`
	} `json:"revisions"`
}

type changesDoc struct {
	Changes []struct {
		Seq int64  `json:"seq"`
		ID  string `json:"id"`
		Op  string `json:"op"`
	} `json:"changes"`
	Last int64 `json:"last"`
}

// TestWritesE2E walks an incident through the workflow over HTTP on both
// stores: an editor creates a draft, publishes it, corrects it and
// retracts it, and the history, the change feed and as_of show each step.
func TestWritesE2E(t *testing.T) {
	for _, st := range bothStores {
		t.Run(st.name, func(t *testing.T) {
			m := boot(t, st.dsn(t))
			editor := writeClient{m.URL(), newTestKey(t, m, incidentmap.RoleEditor)}
			reader := writeClient{m.URL(), newTestKey(t, m, incidentmap.RoleReader)}
			anon := writeClient{base: m.URL()}
			item := itemsPathE2E + "/kabul-2026-test"

			status, _, body := anon.do(t, "POST", itemsPathE2E, draftFeature)
			mustStatus(t, "anonymous create", status, 401, body)
			status, _, body = reader.do(t, "POST", itemsPathE2E, draftFeature)
			mustStatus(t, "reader create", status, 403, body)
			status, etag, body := editor.do(t, "POST", itemsPathE2E, draftFeature)
			mustStatus(t, "editor create", status, 201, body)
			if etag != `"1"` || !strings.Contains(string(body), `"status":"draft"`) {
				t.Errorf("created: ETag %s, body %s", etag, body)
			}
			status, _, body = editor.do(t, "POST", itemsPathE2E, draftFeature)
			mustStatus(t, "create again", status, 409, body)

			status, _, _ = anon.do(t, "GET", item, "")
			mustStatus(t, "anonymous GET of a draft", status, 404, nil)
			status, _, body = reader.do(t, "GET", item, "")
			mustStatus(t, "reader GET of a draft", status, 200, body)
			status, _, body = reader.do(t, "GET", itemsPathE2E+"?status=draft,retracted", "")
			mustStatus(t, "reader lists drafts", status, 200, body)
			if !strings.Contains(string(body), `"numberMatched":1,`) || !strings.Contains(string(body), "kabul-2026-test") {
				t.Errorf("the drafts listed: %s", body)
			}
			status, _, body = anon.do(t, "GET", itemsPathE2E+"?status=draft", "")
			mustStatus(t, "anonymous lists drafts", status, 400, body)

			publish := `{"properties": {"status": "published"}}`
			status, _, body = editor.do(t, "PATCH", item, publish)
			mustStatus(t, "PATCH without If-Match", status, 428, body)
			status, _, body = reader.do(t, "PATCH", item, publish, "If-Match", `"1"`)
			mustStatus(t, "reader publishes", status, 403, body)
			status, etag, body = editor.do(t, "PATCH", item, publish, "If-Match", `"1"`)
			mustStatus(t, "editor publishes", status, 200, body)
			if etag != `"2"` {
				t.Errorf("published: ETag %s", etag)
			}
			status, _, body = editor.do(t, "PATCH", item, `{"properties": {"title": "lost update"}}`, "If-Match", `"1"`)
			mustStatus(t, "stale PATCH", status, 412, body)

			corrected := strings.Replace(draftFeature, "Rocket lands near", "Two rockets land near", 1)
			corrected = strings.Replace(corrected, `"target_country": "IRN",`, `"target_country": "IRN", "fatalities": 2,`, 1)
			status, etag, body = editor.do(t, "PUT", item, corrected, "If-Match", `"2"`)
			mustStatus(t, "editor corrects", status, 200, body)
			if etag != `"3"` || !strings.Contains(string(body), `"status":"published"`) {
				t.Errorf("corrected: ETag %s (a PUT without status keeps it): %s", etag, body)
			}
			status, _, body = anon.do(t, "GET", item, "")
			mustStatus(t, "anonymous GET once published", status, 200, body)

			status, etag, body = editor.do(t, "PATCH", item, `{"properties": {"status": "retracted"}}`, "If-Match", `"3"`)
			mustStatus(t, "editor retracts", status, 200, body)
			status, _, body = editor.do(t, "PATCH", item, publish, "If-Match", etag)
			mustStatus(t, "publish a retracted incident", status, 409, body)

			// The history: the reader sees the draft, the public does not.
			var mine, public historyDoc
			status, _, body = reader.do(t, "GET", item+"/history", "")
			mustStatus(t, "history", status, 200, body)
			mustUnmarshal(t, body, &mine)
			status, _, body = anon.do(t, "GET", item+"/history", "")
			mustStatus(t, "public history", status, 200, body)
			mustUnmarshal(t, body, &public)
			if len(mine.Revisions) != 4 || len(public.Revisions) != 3 {
				t.Fatalf("history has %d revisions (public %d), want 4 (3)", len(mine.Revisions), len(public.Revisions))
			}
			fix := mine.Revisions[2]
			if fix.Version != 3 || fix.Op != "update" || !strings.HasPrefix(fix.Actor, "editor of the test (key ") ||
				!slices.Equal(fix.Changed, []string{"title", "fatalities"}) ||
				string(fix.Previous["title"]) != `"Rocket lands near an embassy in Kabul"` || string(fix.Previous["fatalities"]) != "null" {
				t.Errorf("the correction's revision: %+v", fix)
			}
			if public.Revisions[0].Op != "create" || public.Revisions[0].Version != 2 || public.Revisions[0].Changed != nil {
				t.Errorf("the public history starts with %+v, want the published state as its create", public.Revisions[0])
			}

			// as_of reproduces each state.
			for _, tt := range []struct {
				at    string
				who   writeClient
				code  int
				title string
			}{
				{mine.Revisions[0].At, anon, 404, ""},
				{mine.Revisions[0].At, reader, 200, "Rocket lands near an embassy in Kabul"},
				{mine.Revisions[1].At, anon, 200, "Rocket lands near an embassy in Kabul"},
				{mine.Revisions[2].At, anon, 200, "Two rockets land near an embassy in Kabul"},
			} {
				status, _, body = tt.who.do(t, "GET", item+"?as_of="+url.QueryEscape(tt.at), "")
				if status != tt.code || (tt.code == 200 && !strings.Contains(string(body), tt.title)) {
					t.Errorf("as_of %s: %d %s, want %d with %q", tt.at, status, body, tt.code, tt.title)
				}
			}
			status, _, body = anon.do(t, "GET", itemsPathE2E+"?country=AFG&as_of="+url.QueryEscape(mine.Revisions[2].At), "")
			mustStatus(t, "items as_of", status, 200, body)
			if !strings.Contains(string(body), "Two rockets") {
				t.Errorf("items as_of the correction lack it: %s", body)
			}

			status, _, body = editor.do(t, "DELETE", item, "", "If-Match", `"3"`)
			mustStatus(t, "stale DELETE", status, 412, body)
			status, _, body = editor.do(t, "DELETE", item, "", "If-Match", `"4"`)
			mustStatus(t, "DELETE", status, 204, body)
			status, _, _ = reader.do(t, "GET", item, "")
			mustStatus(t, "GET after DELETE", status, 404, nil)

			// The change feed lists our changes in order, after the seeds.
			var feed changesDoc
			status, _, body = reader.do(t, "GET", changesPathE2E+"?since=0&limit=1000", "")
			mustStatus(t, "changes", status, 200, body)
			mustUnmarshal(t, body, &feed)
			var ours []string
			for _, c := range feed.Changes {
				if c.ID == "kabul-2026-test" {
					ours = append(ours, c.Op)
				}
			}
			if want := []string{"create", "update", "update", "update", "delete"}; !slices.Equal(ours, want) {
				t.Errorf("the feed lists %v for the incident, want %v", ours, want)
			}
			var pub changesDoc
			status, _, body = anon.do(t, "GET", changesPathE2E+"?since=0&limit=1000", "")
			mustStatus(t, "public changes", status, 200, body)
			mustUnmarshal(t, body, &pub)
			if len(pub.Changes) != len(feed.Changes)-1 {
				t.Errorf("the public feed has %d changes, want %d (all but the draft)", len(pub.Changes), len(feed.Changes)-1)
			}
			var empty changesDoc
			status, _, body = anon.do(t, "GET", changesPathE2E+fmt.Sprintf("?since=%d", feed.Last), "")
			mustStatus(t, "changes after the last", status, 200, body)
			mustUnmarshal(t, body, &empty)
			if len(empty.Changes) != 0 || empty.Last != feed.Last {
				t.Errorf("after the last seq: %s", body)
			}
		})
	}
}

// TestWritesE2EValidation: every kind of bad field is a 400 naming it,
// and nothing is written.
func TestWritesE2EValidation(t *testing.T) {
	m := boot(t, sqliteDSN(t))
	editor := writeClient{m.URL(), newTestKey(t, m, incidentmap.RoleEditor)}
	tests := []struct{ name, from, to, param string }{
		{"longitude", "69.1836, 34.5358", "190, 34.5358", "geometry"},
		{"latitude", "69.1836, 34.5358", "69.1836, -91", "geometry"},
		{"date", `"occurred_start": "2026-03-02"`, `"occurred_start": "2026-02-30"`, "occurred_start"},
		{"interval", `"occurred_start": "2026-03-02"`, `"occurred_start": "2026-03-02", "occurred_end": "2026-03-01"`, "occurred_end"},
		{"enum", `"target_type": "embassy"`, `"target_type": "palace"`, "target_type"},
		{"event type", `"event_type": "Explosions/Remote violence"`, `"event_type": "Bombing"`, "event_type"},
		{"country code", `"country": "AFG"`, `"country": "Afghanistan"`, "country"},
		{"source url", `https://example.org/kabul`, `javascript:alert(1)`, "sources"},
		{"title length", `"title": "Rocket lands near an embassy in Kabul"`, `"title": "` + strings.Repeat("x", 301) + `"`, "title"},
		{"unknown field", `"country": "AFG"`, `"country": "AFG", "colour": "red"`, "colour"},
		{"status", `"country": "AFG"`, `"country": "AFG", "status": "gone"`, "status"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := strings.Replace(draftFeature, tt.from, tt.to, 1)
			if body == draftFeature {
				t.Fatalf("the fixture lacks %s", tt.from)
			}
			status, _, resp := editor.do(t, "POST", itemsPathE2E, body)
			var e struct {
				Parameter string `json:"parameter"`
			}
			_ = json.Unmarshal(resp, &e)
			if status != 400 || e.Parameter != tt.param {
				t.Errorf("%d %s, want 400 naming %s", status, resp, tt.param)
			}
		})
	}
	if status, _, body := editor.do(t, "GET", itemsPathE2E+"/kabul-2026-test", ""); status != 404 {
		t.Errorf("a refused create left something: %d %s", status, body)
	}
}

// TestConcurrentWritesE2E: editors patching one version at once over HTTP
// get one 200 and 412s, never a lost update.
func TestConcurrentWritesE2E(t *testing.T) {
	for _, st := range bothStores {
		t.Run(st.name, func(t *testing.T) {
			m := boot(t, st.dsn(t))
			editor := writeClient{m.URL(), newTestKey(t, m, incidentmap.RoleEditor)}
			status, _, body := editor.do(t, "POST", itemsPathE2E, draftFeature)
			mustStatus(t, "create", status, 201, body)
			const writers = 10
			codes := make([]int, writers)
			var wg sync.WaitGroup
			for w := range writers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					patch := fmt.Sprintf(`{"properties": {"summary": "writer %d"}}`, w)
					codes[w], _, _ = editor.do(t, "PATCH", itemsPathE2E+"/kabul-2026-test", patch, "If-Match", `"1"`)
				}()
			}
			wg.Wait()
			ok, stale := 0, 0
			for _, c := range codes {
				switch c {
				case 200:
					ok++
				case 412:
					stale++
				}
			}
			if ok != 1 || stale != writers-1 {
				t.Errorf("statuses %v, want one 200 and the rest 412", codes)
			}
			inc, err := m.Store.GetIncident(context.Background(), "kabul-2026-test")
			if err != nil || inc.Version != 2 {
				t.Errorf("version %v %v, want 2", inc, err)
			}
		})
	}
}

// bothStores makes a fresh database of each store; the PostGIS one skips
// its subtest when no PostGIS is configured.
var bothStores = []struct {
	name string
	dsn  func(*testing.T) string
}{{"sqlite", sqliteDSN}, {"postgis", postgisDSN}}

const (
	itemsPathE2E   = "/collections/incidents/items"
	changesPathE2E = "/collections/incidents/changes"
)

func mustUnmarshal(t *testing.T, b []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%v: %s", err, b)
	}
}

// TestImportEndpointE2E: an editor imports a FeatureCollection over HTTP,
// all or nothing; the history names the editor; a re-import changes
// nothing and a dry run writes nothing.
func TestImportEndpointE2E(t *testing.T) {
	m := boot(t, sqliteDSN(t))
	editor := writeClient{m.URL(), newTestKey(t, m, incidentmap.RoleEditor)}
	second := strings.Replace(strings.Replace(draftFeature, "kabul-2026-test", "kabul-2026-second", 1), "2026-03-02", "2026-03-03", 1)
	collection := `{"type": "FeatureCollection", "features": [` + draftFeature + `,` + second + `]}`
	status, _, body := editor.do(t, "POST", "/imports", collection)
	mustStatus(t, "import", status, 201, body)
	if !strings.Contains(string(body), `"created":2`) || !strings.Contains(string(body), `"committed":true`) {
		t.Errorf("import answered %s", body)
	}
	status, _, body = editor.do(t, "GET", itemsPathE2E+"/kabul-2026-second/history", "")
	mustStatus(t, "history of an imported incident", status, 200, body)
	if !strings.Contains(string(body), `"actor":"editor of the test (key `) {
		t.Errorf("the import's revision does not name the editor: %s", body)
	}
	// A bad feature: nothing of the file is imported, and the error names
	// the line.
	bad := strings.Replace(strings.Replace(collection, "kabul-2026-test", "third", 1), "kabul-2026-second", "fourth", 1)
	bad = strings.Replace(bad, `"country": "AFG"`, `"country": "AFX"`, 1)
	status, _, body = editor.do(t, "POST", "/imports", bad)
	mustStatus(t, "import of a bad file", status, 400, body)
	if !strings.Contains(string(body), `"line":`) || !strings.Contains(string(body), `"field":"country"`) {
		t.Errorf("the error does not name the line and field: %s", body)
	}
	if status, _, _ := editor.do(t, "GET", itemsPathE2E+"/fourth", ""); status != 404 {
		t.Errorf("a failed import left the good feature behind: %d", status)
	}
	// Importing the same file again changes nothing.
	status, _, body = editor.do(t, "POST", "/imports", collection)
	mustStatus(t, "import of the same file", status, 200, body)
	if !strings.Contains(string(body), `"unchanged":2`) || !strings.Contains(string(body), `"created":0`) {
		t.Errorf("a re-import answered %s, want 2 unchanged", body)
	}
	// A dry run of a changed file counts the update and writes nothing.
	changed := strings.Replace(collection, "2026-03-03", "2026-03-04", 1)
	status, _, body = editor.do(t, "POST", "/imports?dry_run=true", changed)
	mustStatus(t, "dry run", status, 200, body)
	if !strings.Contains(string(body), `"updated":1`) || !strings.Contains(string(body), `"committed":false`) {
		t.Errorf("a dry run answered %s, want 1 updated and nothing committed", body)
	}
	status, _, body = editor.do(t, "GET", itemsPathE2E+"/kabul-2026-second", "")
	mustStatus(t, "incident after the dry run", status, 200, body)
	if !strings.Contains(string(body), "2026-03-03") {
		t.Errorf("the dry run changed the incident: %s", body)
	}
	status, _, body = editor.do(t, "POST", "/imports?format=nope", collection)
	mustStatus(t, "unknown format", status, 400, body)
}
