package api

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/incidentmap/incidentmap"
)

// TestOpenAPI checks that /api describes every route the engine has and
// every query parameter the items handler accepts, and that its
// references resolve.

func TestOpenAPI(t *testing.T) {
	e, _, err := newEngine(newFake(herat()), Config{})
	if err != nil {
		t.Fatal(err)
	}
	ts := &testServer{h: e}
	w := ts.get(t, "/api")
	if w.Code != http.StatusOK || w.Header().Get("Content-Type") != mediaOpenAPI {
		t.Fatalf("%d %q", w.Code, w.Header().Get("Content-Type"))
	}
	golden(t, "openapi.json", w.Body.Bytes())
	var doc map[string]any
	mustDecode(t, w.Body.Bytes(), &doc)
	if doc["openapi"] != "3.0.3" {
		t.Errorf("openapi %v", doc["openapi"])
	}
	if servers := doc["servers"].([]any); servers[0].(map[string]any)["url"] != "http://example.com" {
		t.Errorf("servers %v", servers)
	}
	paths := doc["paths"].(map[string]any)
	for _, r := range e.Routes() {
		segs := strings.Split(r.Path, "/")
		for i, seg := range segs {
			if name, ok := strings.CutPrefix(seg, ":"); ok {
				segs[i] = "{" + name + "}"
			}
		}
		p := strings.Join(segs, "/")
		op, _ := paths[p].(map[string]any)
		if op == nil {
			op, _ = paths[p+".mvt"].(map[string]any) // the last parameter of XYZ tiles carries the suffix
		}
		if op[strings.ToLower(r.Method)] == nil {
			t.Errorf("%s %s is not in the OpenAPI document", r.Method, p)
		}
	}

	// Every reference resolves.
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if ref, ok := v["$ref"].(string); ok {
				target := any(doc)
				for _, elem := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
					m, _ := target.(map[string]any)
					target = m[elem]
				}
				if target == nil {
					t.Errorf("$ref %s does not resolve", ref)
				}
			}
			for _, x := range v {
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(doc)

	// The items parameters: each documented one is accepted, and each
	// accepted one is documented.
	documented := map[string]bool{}
	params := paths[itemsPath].(map[string]any)["get"].(map[string]any)["parameters"].([]any)
	components := doc["components"].(map[string]any)["parameters"].(map[string]any)
	for _, p := range params {
		pm := p.(map[string]any)
		if ref, ok := pm["$ref"].(string); ok {
			pm = components[strings.TrimPrefix(ref, "#/components/parameters/")].(map[string]any)
		}
		documented[pm["name"].(string)] = true
	}
	candidates := []string{"bbox", "datetime", "limit", "cursor", "filter", "filter-lang", "filter-crs", "sortby",
		"properties", "f", "crs", "bbox-crs", "offset", "resultType", "q", "ids", "skipGeometry", "filter_lang"}
	for _, q := range incidentmap.IncidentQueryables {
		candidates = append(candidates, q.Name)
	}
	for _, p := range itemParams() {
		candidates = append(candidates, p.Name)
	}
	for _, name := range candidates {
		if itemsAccepts(name) && !documented[name] {
			t.Errorf("the items endpoint accepts %s, which /api does not document", name)
		}
	}
	ts2 := newTestServer(t, newFake(herat()))
	for name := range documented {
		w := ts2.get(t, itemsPath+"?"+url.Values{name: {"x"}}.Encode())
		var e errorBody
		_ = json.Unmarshal(w.Body.Bytes(), &e)
		if w.Code == http.StatusBadRequest && e.Parameter == name && strings.Contains(e.Description, "not a query parameter") {
			t.Errorf("/api documents %s, which the items endpoint rejects: %s", name, w.Body)
		}
	}
	for _, want := range []string{"bbox", "datetime", "limit", "cursor", "f", "country", "target_country", "event_type"} {
		if !documented[want] {
			t.Errorf("items parameter %s is not documented", want)
		}
	}
}

func TestOpenAPIHTML(t *testing.T) {
	ts := newTestServer(t, newFake())
	w := ts.get(t, "/api.html")
	if w.Code != http.StatusOK || w.Header().Get("Content-Type") != "text/html; charset=utf-8" {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	for _, want := range []string{"GET /collections/incidents/items/{id}", "GET /conformance", "<code>bbox</code>", "<code>limit</code>"} {
		if !strings.Contains(w.Body.String(), want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	wantError(t, ts.get(t, "/api?f=yaml"), http.StatusBadRequest, incidentmap.EINVALID, "f")
}
