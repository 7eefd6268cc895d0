package api

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"net/http"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/incidentmap/incidentmap"
)

// twoIncidents is a store of a Herat and a Kabul incident, and a draft that
// no document may count.
func twoIncidents() *fakeStore {
	kabul := newIncident("2022-09-05-kabul-russia-embassy", 69.1523, 34.5281, "2022-09-05")
	draft := newIncident("draft-1", -70, -30, "1999-01-01")
	draft.Status = incidentmap.StatusDraft
	return newFake(herat(), kabul, draft)
}

func mustDecode(t *testing.T, b []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%v: %s", err, b)
	}
}

func TestLanding(t *testing.T) {
	ts := newTestServer(t, newFake())
	t.Run("json", func(t *testing.T) {
		for _, accept := range []string{"", "application/json", "*/*", "application/json, text/html;q=0.5"} {
			w := ts.get(t, "/", "Accept", accept)
			if w.Code != http.StatusOK || w.Header().Get("Content-Type") != mediaJSON {
				t.Fatalf("Accept %q: %d %s %s", accept, w.Code, w.Header().Get("Content-Type"), w.Body)
			}
		}
		w := ts.get(t, "/?f=json", "Accept", "text/html")
		var body landingBody
		mustDecode(t, w.Body.Bytes(), &body)
		rels := map[string]link{}
		for _, l := range body.Links {
			if !strings.HasPrefix(l.Href, "http://example.com/") {
				t.Errorf("link %+v is not absolute", l)
			}
			rels[l.Rel] = l
		}
		for rel, typ := range map[string]string{"self": mediaJSON, "alternate": mediaHTML, "service-desc": mediaOpenAPI,
			"service-doc": mediaHTML, "conformance": mediaJSON, "data": mediaJSON} {
			if rels[rel].Type != typ {
				t.Errorf("rel %s: %+v, want type %s", rel, rels[rel], typ)
			}
		}
		if rels["service-desc"].Href != "http://example.com/api" || rels["data"].Href != "http://example.com/collections" {
			t.Errorf("links %+v", body.Links)
		}
		golden(t, "landing.json", w.Body.Bytes())
	})
	t.Run("a browser gets the map", func(t *testing.T) {
		w := ts.get(t, "/", "Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
		if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "index-B8bUzVfK.js") {
			t.Errorf("%d %s", w.Code, w.Body)
		}
	})
	t.Run("f=html is the landing page", func(t *testing.T) {
		w := ts.get(t, "/?f=html", "Accept", "text/html")
		if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `href="http://example.com/conformance"`) {
			t.Errorf("%d %s", w.Code, w.Body)
		}
	})
	t.Run("unknown f", func(t *testing.T) {
		wantError(t, ts.get(t, "/?f=xml"), http.StatusBadRequest, incidentmap.EINVALID, "f")
	})
	t.Run("base URL", func(t *testing.T) {
		ts := newTestServer(t, newFake(), func(c *Config) { c.BaseURL = "https://maps.example.org/im/" })
		w := ts.get(t, "/", "Accept", "application/json")
		if !strings.Contains(w.Body.String(), `"https://maps.example.org/im/conformance"`) {
			t.Errorf("%s", w.Body)
		}
	})
}

func TestHTMLFirst(t *testing.T) {
	tests := map[string]bool{
		"":                                      false,
		"*/*":                                   false,
		"text/html":                             true,
		"application/json":                      false,
		"text/html;q=0.5, application/json":     false,
		"application/json;q=0.5, text/html":     true,
		"text/html, application/json":           true,
		"application/json, text/html":           false,
		"text/html;q=0":                         false,
		"application/geo+json, text/html;q=0.9": false,
	}
	for accept, want := range tests {
		if got := htmlFirst(accept); got != want {
			t.Errorf("htmlFirst(%q) = %v, want %v", accept, got, want)
		}
	}
}

func TestConformance(t *testing.T) {
	ts := newTestServer(t, newFake())
	w := ts.get(t, "/conformance")
	if w.Code != http.StatusOK || w.Header().Get("Content-Type") != mediaJSON {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	var body conformanceBody
	mustDecode(t, w.Body.Bytes(), &body)
	for _, want := range []string{"core", "geojson", "html", "oas30"} {
		if !slices.Contains(body.ConformsTo, "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/"+want) {
			t.Errorf("conformsTo lacks %s: %v", want, body.ConformsTo)
		}
	}
	for _, c := range body.ConformsTo {
		if strings.HasSuffix(c, "/oas3") || strings.Contains(c, "ogcapi-features-2") {
			t.Errorf("declares %s", c)
		}
	}
	golden(t, "conformance.json", w.Body.Bytes())
	wantError(t, ts.get(t, "/conformance?limit=1"), http.StatusBadRequest, incidentmap.EINVALID, "limit")
	wantError(t, ts.get(t, "/conformance?f=json&f=html"), http.StatusBadRequest, incidentmap.EINVALID, "f")
}

func TestCollections(t *testing.T) {
	store := twoIncidents()
	store.lastModified = fixedNow
	ts := newTestServer(t, store)
	w := ts.get(t, "/collections")
	if w.Code != http.StatusOK || w.Header().Get("Content-Type") != mediaJSON {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	golden(t, "collections.json", w.Body.Bytes())
	var all collectionsBody
	mustDecode(t, w.Body.Bytes(), &all)
	if len(all.Collections) != 1 {
		t.Fatalf("%d collections", len(all.Collections))
	}
	coll := all.Collections[0]
	if coll.ID != "incidents" || coll.ItemType != "feature" || !slices.Equal(coll.CRS, []string{crsCRS84}) {
		t.Errorf("%+v", coll)
	}
	ext := coll.Extent
	if ext == nil || ext.Spatial == nil || ext.Temporal == nil {
		t.Fatalf("extent %+v", ext)
	}
	wantBBox := [4]float64{62.1990004, 34.342, 69.1523, 34.5281}
	if len(ext.Spatial.BBox) != 1 || ext.Spatial.BBox[0] != wantBBox || ext.Spatial.CRS != crsCRS84 {
		t.Errorf("spatial %+v, want %v (the draft is left out)", ext.Spatial, wantBBox)
	}
	iv := ext.Temporal.Interval
	if len(iv) != 1 || iv[0][0] == nil || *iv[0][0] != "2022-04-11T00:00:00Z" || iv[0][1] == nil || *iv[0][1] != "2022-09-05T23:59:59Z" {
		t.Errorf("temporal %+v", ext.Temporal)
	}
	types := map[string][]string{}
	for _, l := range coll.Links {
		types[l.Rel] = append(types[l.Rel], l.Type)
	}
	if !slices.Contains(types["items"], mediaGeoJSON) || !slices.Contains(types["items"], mediaHTML) ||
		!slices.Equal(types[relQueryables], []string{mediaSchema}) {
		t.Errorf("links %+v", coll.Links)
	}

	w = ts.get(t, "/collections/incidents")
	golden(t, "collection.json", w.Body.Bytes())
	var one collectionBody
	mustDecode(t, w.Body.Bytes(), &one)
	if one.Links[0].Rel != "self" || one.Links[0].Href != "http://example.com/collections/incidents?f=json" {
		t.Errorf("links %+v", one.Links)
	}

	t.Run("the extent is computed once per data version", func(t *testing.T) {
		store.mu.Lock()
		store.extents = 0
		store.mu.Unlock()
		ts.get(t, "/collections")
		ts.get(t, "/collections/incidents")
		if store.extents != 0 {
			t.Errorf("%d Extent calls for an unchanged version, want 0", store.extents)
		}
		store.mu.Lock()
		store.lastModified = fixedNow.Add(time.Minute)
		store.mu.Unlock()
		ts.get(t, "/collections")
		ts.get(t, "/collections/incidents")
		if store.extents != 1 {
			t.Errorf("%d Extent calls after a change, want 1", store.extents)
		}
	})
	t.Run("an empty collection has no extent", func(t *testing.T) {
		ts := newTestServer(t, newFake())
		var one collectionBody
		mustDecode(t, ts.get(t, "/collections/incidents").Body.Bytes(), &one)
		if one.Extent != nil {
			t.Errorf("extent %+v", one.Extent)
		}
	})
}

func TestQueryables(t *testing.T) {
	ts := newTestServer(t, newFake())
	w := ts.get(t, "/collections/incidents/queryables")
	if w.Code != http.StatusOK || w.Header().Get("Content-Type") != mediaSchema {
		t.Fatalf("%d %q %s", w.Code, w.Header().Get("Content-Type"), w.Body)
	}
	golden(t, "queryables.json", w.Body.Bytes())
	var doc struct {
		Schema               string                    `json:"$schema"`
		ID                   string                    `json:"$id"`
		Type                 string                    `json:"type"`
		Properties           map[string]map[string]any `json:"properties"`
		AdditionalProperties *bool                     `json:"additionalProperties"`
	}
	mustDecode(t, w.Body.Bytes(), &doc)
	if doc.Schema != "https://json-schema.org/draft/2020-12/schema" || doc.Type != "object" ||
		doc.ID != "http://example.com/collections/incidents/queryables" || doc.AdditionalProperties == nil || *doc.AdditionalProperties {
		t.Errorf("%+v", doc)
	}
	if len(doc.Properties) != len(incidentmap.IncidentQueryables) {
		t.Errorf("%d properties, want %d", len(doc.Properties), len(incidentmap.IncidentQueryables))
	}
	// The order of the properties is that of IncidentQueryables.
	if i, j := strings.Index(w.Body.String(), `"id":{`), strings.Index(w.Body.String(), `"status":{`); i < 0 || j < i {
		t.Error("properties are not in the order of IncidentQueryables")
	}
	for name, want := range map[string]map[string]any{
		"occurred_start": {"type": "string", "format": "date"},
		"location":       {"format": "geometry-point"},
		"fatalities":     {"type": "integer"},
		"country":        {"type": "string"},
		"occurred":       {"type": "array", "format": "interval"},
	} {
		for k, v := range want {
			if doc.Properties[name][k] != v {
				t.Errorf("%s.%s = %v, want %v", name, k, doc.Properties[name][k], v)
			}
		}
	}
	if enum, _ := doc.Properties["event_type"]["enum"].([]any); len(enum) == 0 {
		t.Error("event_type has no enum")
	}
}

// TestConformanceProofsExist checks that every test a conformance class
// names as its proof exists: a Test function of that name (or, for a name
// ending in "*", with that prefix) in the named package's test files, and
// for a subtest ("TestX/name") a string literal in those files that is the
// subtest's first element or starts with it followed by "/". A proof that
// names a deleted or renamed test fails here rather than passing as text.
func TestConformanceProofsExist(t *testing.T) {
	for _, c := range conformanceClasses {
		if strings.TrimSpace(c.Proof) == "" {
			t.Errorf("%s names no test that proves it", c.URI)
			continue
		}
		for _, part := range strings.Split(c.Proof, ";") {
			pkg, names, ok := strings.Cut(part, ":")
			if !ok {
				t.Errorf("%s: proof %q is not \"package: Test, …\"", c.URI, part)
				continue
			}
			funcs, lits := testDecls(t, strings.TrimSpace(pkg))
			names = remark.ReplaceAllString(names, "")
			for _, name := range strings.Split(names, ",") {
				name = strings.TrimSpace(name)
				fn, sub, _ := strings.Cut(name, "/")
				found := false
				for f := range funcs {
					if f == fn || strings.HasSuffix(fn, "*") && strings.HasPrefix(f, strings.TrimSuffix(fn, "*")) {
						found = true
					}
				}
				if !found {
					t.Errorf("%s: proof names %s in %s, which has no such test", c.URI, name, pkg)
					continue
				}
				if sub != "" && !slices.ContainsFunc(lits, func(l string) bool { return l == sub || strings.HasPrefix(l, sub+"/") }) {
					t.Errorf("%s: proof names subtest %s in %s, which no t.Run name there starts with", c.URI, name, pkg)
				}
			}
		}
	}
}

// remark matches a remark in parentheses in a conformance proof.
var remark = regexp.MustCompile(`\([^)]*\)`)

// testDecls returns the Test functions and the string literals of the
// _test.go files of the package at the module-relative path pkg.
func testDecls(t *testing.T, pkg string) (map[string]bool, []string) {
	t.Helper()
	dir := filepath.Join("..", filepath.FromSlash(pkg))
	files, err := filepath.Glob(filepath.Join(dir, "*_test.go"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no test files for package %s in %s", pkg, dir)
	}
	funcs := map[string]bool{}
	var lits []string
	fset := token.NewFileSet()
	for _, name := range files {
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv == nil && strings.HasPrefix(fd.Name.Name, "Test") {
				funcs[fd.Name.Name] = true
			}
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if bl, ok := n.(*ast.BasicLit); ok && bl.Kind == token.STRING {
				if s, err := strconv.Unquote(bl.Value); err == nil {
					lits = append(lits, s)
				}
			}
			return true
		})
	}
	return funcs, lits
}
