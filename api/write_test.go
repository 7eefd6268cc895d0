package api

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/incidentmap/incidentmap"
)

// The write side is tested end to end on both real stores in
// cmd/incidentmap (writes_e2e_test.go); these tests cover what needs no
// store: authentication, limits and the merge patch.

func (s *fakeStore) UpdateIncident(context.Context, *incidentmap.Incident, int) error {
	return incidentmap.Errorf(incidentmap.ESTALE, "fakeStore: always stale")
}
func (s *fakeStore) DeleteIncidentVersion(context.Context, string, int) error {
	return incidentmap.Errorf(incidentmap.ESTALE, "fakeStore: always stale")
}
func (s *fakeStore) History(context.Context, string) ([]incidentmap.Revision, error) { return nil, nil }
func (s *fakeStore) Changes(context.Context, int64, int, bool) ([]incidentmap.Revision, error) {
	return nil, nil
}

// fakeKeys holds keys in memory.
type fakeKeys map[string]*incidentmap.APIKey

func (k fakeKeys) CreateAPIKey(_ context.Context, key *incidentmap.APIKey) error {
	k[key.ID] = key
	return nil
}
func (k fakeKeys) GetAPIKey(_ context.Context, id string) (*incidentmap.APIKey, error) {
	if key, ok := k[id]; ok {
		return key, nil
	}
	return nil, incidentmap.Errorf(incidentmap.ENOTFOUND, "no key")
}
func (k fakeKeys) ListAPIKeys(context.Context) ([]*incidentmap.APIKey, error) { return nil, nil }
func (k fakeKeys) RevokeAPIKey(context.Context, string) error                 { return nil }

// newKey adds a key of role to keys and returns its token.
func newKey(t *testing.T, keys fakeKeys, role incidentmap.Role) string {
	t.Helper()
	k, token, err := incidentmap.NewAPIKey(string(role)+"-user", role)
	if err != nil {
		t.Fatal(err)
	}
	keys[k.ID] = k
	return token
}

func do(t *testing.T, h http.Handler, method, path, token, body string, header ...string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(method, path, strings.NewReader(body))
	if token != "" {
		r.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		r.Header.Set("Content-Type", mediaGeoJSON)
	}
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Set(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func TestAuthentication(t *testing.T) {
	keys := fakeKeys{}
	reader, editor := newKey(t, keys, incidentmap.RoleReader), newKey(t, keys, incidentmap.RoleEditor)
	revoked := newKey(t, keys, incidentmap.RoleAdmin)
	for _, k := range keys {
		if k.Role == incidentmap.RoleAdmin {
			k.RevokedAt = fixedNow
		}
	}
	wrongSecret := reader[:len(reader)-1] + "0"
	if wrongSecret == reader {
		wrongSecret = reader[:len(reader)-1] + "1"
	}
	e, _, err := newEngine(newFake(herat()), Config{Keys: keys, Now: func() time.Time { return fixedNow }})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, method, path, token, body string
		status                          int
	}{
		{"anonymous read", "GET", itemsPath, "", "", http.StatusOK},
		{"reader reads", "GET", itemsPath, reader, "", http.StatusOK},
		{"malformed token", "GET", itemsPath, "nonsense", "", http.StatusUnauthorized},
		{"empty token", "GET", itemsPath, " ", "", http.StatusUnauthorized},
		{"wrong secret", "GET", itemsPath, wrongSecret, "", http.StatusUnauthorized},
		{"revoked", "GET", itemsPath, revoked, "", http.StatusUnauthorized},
		{"anonymous write", "POST", itemsPath, "", `{}`, http.StatusUnauthorized},
		{"reader writes", "POST", itemsPath, reader, `{}`, http.StatusForbidden},
		{"reader deletes", "DELETE", itemsPath + "/2022-04-11-herat-iran-consulate", reader, "", http.StatusForbidden},
		{"reader imports", "POST", importsPath, reader, `{}`, http.StatusForbidden},
		{"editor without If-Match", "DELETE", itemsPath + "/2022-04-11-herat-iran-consulate", editor, "", http.StatusPreconditionRequired},
		{"editor, bad body", "POST", itemsPath, editor, `[1]`, http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := do(t, e, tt.method, tt.path, tt.token, tt.body)
			if w.Code != tt.status {
				t.Fatalf("%d, want %d: %s", w.Code, tt.status, w.Body)
			}
			if w.Code == http.StatusUnauthorized || w.Code == http.StatusForbidden {
				var body errorBody
				mustDecode(t, w.Body.Bytes(), &body)
				// One message for every failure: nothing says which part was wrong.
				if body.Description != errUnauthenticated.Message && body.Description != errForbidden.Message {
					t.Errorf("description %q says too much", body.Description)
				}
			}
		})
	}
}

func TestAuthenticationRateLimit(t *testing.T) {
	keys := fakeKeys{}
	good := newKey(t, keys, incidentmap.RoleReader)
	now := fixedNow
	var log bytes.Buffer
	e, _, err := newEngine(newFake(herat()), Config{Keys: keys, AuthFailures: 3, Now: func() time.Time { return now },
		Logger: slog.New(slog.NewTextHandler(&log, nil))})
	if err != nil {
		t.Fatal(err)
	}
	secret := strings.Repeat("0", 64)
	for i := range 3 {
		if w := do(t, e, "GET", itemsPath, "imk_00000000000000ff_"+secret, ""); w.Code != http.StatusUnauthorized {
			t.Fatalf("failure %d: %d", i+1, w.Code)
		}
	}
	// Each failure is logged with the address and key id, never the secret.
	if n := strings.Count(log.String(), "authentication failed"); n != 3 || !strings.Contains(log.String(), "keyId=00000000000000ff") ||
		!strings.Contains(log.String(), "reason=\"unknown key\"") || strings.Contains(log.String(), secret) {
		t.Errorf("the log of 3 failures:\n%s", log.String())
	}
	// Now even the right key is refused from this address, until the minute ends.
	if w := do(t, e, "GET", itemsPath, good, ""); w.Code != http.StatusTooManyRequests {
		t.Errorf("after 3 failures: %d, want 429", w.Code)
	}
	if w := do(t, e, "GET", itemsPath, "", ""); w.Code != http.StatusOK {
		t.Errorf("anonymous read after the failures: %d, want 200", w.Code)
	}
	now = now.Add(time.Minute)
	if w := do(t, e, "GET", itemsPath, good, ""); w.Code != http.StatusOK {
		t.Errorf("a minute later: %d, want 200", w.Code)
	}
}

func TestPrivateRead(t *testing.T) {
	keys := fakeKeys{}
	reader := newKey(t, keys, incidentmap.RoleReader)
	e, _, err := newEngine(newFake(herat()), Config{Keys: keys, PrivateRead: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{itemsPath, itemsPath + "/2022-04-11-herat-iran-consulate", changesPath, "/collections"} {
		if w := do(t, e, "GET", path, "", "", "Authorization", "Basic YWxpY2U6c2VjcmV0"); w.Code != http.StatusUnauthorized {
			t.Errorf("Basic credentials for %s: %d, want 401 (they are not a key)", path, w.Code)
		}
		if w := do(t, e, "GET", path, "", ""); w.Code != http.StatusUnauthorized {
			t.Errorf("anonymous %s: %d, want 401", path, w.Code)
		}
		if w := do(t, e, "GET", path, reader, ""); w.Code != http.StatusOK {
			t.Errorf("reader %s: %d, want 200: %s", path, w.Code, w.Body)
		}
	}
	if w := do(t, e, "GET", "/conformance", "", ""); w.Code != http.StatusOK {
		t.Errorf("anonymous /conformance: %d, want 200", w.Code)
	}
}

func TestBodyLimits(t *testing.T) {
	keys := fakeKeys{}
	editor := newKey(t, keys, incidentmap.RoleEditor)
	e, _, err := newEngine(newFake(herat()), Config{Keys: keys, MaxBodyBytes: 100, MaxImportBytes: 200})
	if err != nil {
		t.Fatal(err)
	}
	big := `{"type":"Feature","properties":{"title":"` + strings.Repeat("x", 300) + `"}}`
	tests := []struct {
		name, method, path, contentType string
		status                          int
	}{
		{"create too large", "POST", itemsPath, mediaGeoJSON, http.StatusRequestEntityTooLarge},
		{"import too large", "POST", importsPath, mediaGeoJSON, http.StatusRequestEntityTooLarge},
		{"create as text", "POST", itemsPath, "text/plain", http.StatusUnsupportedMediaType},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := do(t, e, tt.method, tt.path, editor, big, "Content-Type", tt.contentType)
			if w.Code != tt.status {
				t.Errorf("%d, want %d: %s", w.Code, tt.status, w.Body)
			}
		})
	}
	// A body that hides its length is cut at the limit too.
	r := httptest.NewRequest("POST", itemsPath, strings.NewReader(big))
	r.ContentLength = -1
	r.Header.Set("Content-Type", mediaGeoJSON)
	r.Header.Set("Authorization", "Bearer "+editor)
	w := httptest.NewRecorder()
	e.ServeHTTP(w, r)
	if w.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("chunked body: %d, want 413", w.Code)
	}
}

func TestMergePatch(t *testing.T) {
	tests := []struct{ target, patch, want string }{
		{`{"a":1,"b":{"c":2,"d":3}}`, `{"b":{"c":null,"e":4}}`, `{"a":1,"b":{"d":3,"e":4}}`},
		{`{"a":[1,2]}`, `{"a":[3]}`, `{"a":[3]}`},
		{`{"a":1}`, `{"a":null}`, `{}`},
		{`{"a":"x"}`, `{"a":{"b":1}}`, `{"a":{"b":1}}`},
	}
	for _, tt := range tests {
		t.Run(tt.patch, func(t *testing.T) {
			var target, patch any
			mustDecode(t, []byte(tt.target), &target)
			mustDecode(t, []byte(tt.patch), &patch)
			got, _ := json.Marshal(mergePatch(target, patch))
			if string(got) != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
}

func TestIfMatch(t *testing.T) {
	keys := fakeKeys{}
	editor := newKey(t, keys, incidentmap.RoleEditor)
	e, _, err := newEngine(newFake(herat()), Config{Keys: keys})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		ifMatch string
		status  int
	}{
		{"", http.StatusPreconditionRequired},
		{`"7"`, http.StatusPreconditionFailed},
		{`W/"1"`, http.StatusPreconditionFailed},
		{`"x"`, http.StatusPreconditionFailed},
		{`"1"`, http.StatusPreconditionFailed}, // the fake store says stale
	}
	for _, tt := range tests {
		t.Run(tt.ifMatch, func(t *testing.T) {
			w := do(t, e, "DELETE", itemsPath+"/2022-04-11-herat-iran-consulate", editor, "", "If-Match", tt.ifMatch)
			if w.Code != tt.status {
				t.Errorf("%d, want %d: %s", w.Code, tt.status, w.Body)
			}
		})
	}
}

// TestItemETag: one incident carries a strong ETag of its version, which
// If-None-Match revalidates and If-Match of a write names.
func TestItemETag(t *testing.T) {
	store := twoIncidents()
	ts := newTestServer(t, store)
	path := itemsPath + "/2022-04-11-herat-iran-consulate"
	w := ts.get(t, path)
	inc, _ := store.GetIncident(context.Background(), "2022-04-11-herat-iran-consulate")
	if etag := w.Header().Get("ETag"); w.Code != http.StatusOK || etag != versionETag(inc.Version) {
		t.Fatalf("%d ETag %q, want %q", w.Code, etag, versionETag(inc.Version))
	}
	if got := w.Header().Get("Cache-Control"); got != DefaultCacheControl {
		t.Errorf("Cache-Control %q", got)
	}
	if w := ts.get(t, path, "If-None-Match", versionETag(inc.Version)); w.Code != http.StatusNotModified || w.Body.Len() != 0 {
		t.Errorf("If-None-Match of the version: %d", w.Code)
	}
	if w := ts.get(t, path, "If-None-Match", versionETag(inc.Version+1)); w.Code != http.StatusOK {
		t.Errorf("If-None-Match of another version: %d", w.Code)
	}
	if w := ts.get(t, path+"?as_of=2026-01-01T00:00:00Z"); w.Code != http.StatusNotFound {
		t.Errorf("as_of before any history (the fake has none): %d", w.Code)
	}
	if w := ts.get(t, path+"?as_of=yesterday"); w.Code != http.StatusBadRequest {
		t.Errorf("as_of=yesterday: %d", w.Code)
	}
}

// TestOtherAuthorizationSchemes: credentials of another scheme, such as
// the Basic of a proxy in front, leave a request anonymous.
func TestOtherAuthorizationSchemes(t *testing.T) {
	e, _, err := newEngine(newFake(herat()), Config{Keys: fakeKeys{}})
	if err != nil {
		t.Fatal(err)
	}
	if w := do(t, e, "GET", itemsPath, "", "", "Authorization", "Basic YWxpY2U6c2VjcmV0"); w.Code != http.StatusOK {
		t.Errorf("a public read with Basic credentials: %d, want 200", w.Code)
	}
	if w := do(t, e, "POST", itemsPath, "", "{}", "Authorization", "Basic YWxpY2U6c2VjcmV0"); w.Code != http.StatusUnauthorized {
		t.Errorf("a write with Basic credentials: %d, want 401", w.Code)
	}
}
