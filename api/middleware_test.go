package api

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

func TestRequestID(t *testing.T) {
	ts := newTestServer(t, newFake())
	generated := regexp.MustCompile(`^[0-9a-f]{16}$`)
	tests := []struct {
		name, in string
		kept     bool
	}{
		{"none", "", false},
		{"valid", "abc-123_X.y", true},
		{"64 characters", strings.Repeat("a", 64), true},
		{"65 characters", strings.Repeat("a", 65), false},
		{"space", "abc 123", false},
		{"injection", `x","level":"ERROR`, false},
		{"non-ASCII", "héllo", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var header []string
			if tt.in != "" {
				header = []string{HeaderRequestID, tt.in}
			}
			w := ts.get(t, "/nope", header...)
			got := w.Header().Get(HeaderRequestID)
			if tt.kept && got != tt.in {
				t.Errorf("request id %q, want %q kept", got, tt.in)
			}
			if !tt.kept && !generated.MatchString(got) {
				t.Errorf("request id %q, want 16 hex digits", got)
			}
			if body := wantError(t, w, http.StatusNotFound, "not_found", ""); body.RequestID != got {
				t.Errorf("body requestId %q, header %q", body.RequestID, got)
			}
		})
	}
	if a, b := ts.get(t, "/healthz").Header().Get(HeaderRequestID), ts.get(t, "/healthz").Header().Get(HeaderRequestID); a == b {
		t.Errorf("two requests got the same id %q", a)
	}
}

func TestAccessLog(t *testing.T) {
	ts := newTestServer(t, newFake())
	ts.get(t, "/healthz?x=1", HeaderRequestID, "log-test-1")
	var line map[string]any
	for _, l := range strings.Split(strings.TrimSpace(ts.log.String()), "\n") {
		if strings.Contains(l, "log-test-1") {
			if err := json.Unmarshal([]byte(l), &line); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, k := range []string{"method", "path", "status", "bytes", "duration", "requestId"} {
		if _, ok := line[k]; !ok {
			t.Errorf("the access log line lacks %s: %v", k, line)
		}
	}
	if line["method"] != "GET" || line["path"] != "/healthz" || line["status"] != float64(200) || line["bytes"] != float64(15) {
		t.Errorf("access log line %v", line)
	}
}

func TestPanicRecovery(t *testing.T) {
	store := newFake()
	store.panicMsg = "boom"
	ts := newTestServer(t, store)
	body := wantError(t, ts.get(t, "/collections/incidents/items"), http.StatusInternalServerError, "internal", "")
	if body.Description != "internal error" {
		t.Errorf("description %q", body.Description)
	}
	if logged := ts.log.String(); !strings.Contains(logged, "boom") || !strings.Contains(logged, "stack") {
		t.Errorf("the panic was not logged with its stack:\n%s", logged)
	}
	// The server still serves.
	store.panicMsg = ""
	if w := ts.get(t, "/collections/incidents/items"); w.Code != http.StatusOK {
		t.Errorf("after a panic: status %d", w.Code)
	}
}
