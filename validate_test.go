package incidentmap_test

import (
	"strings"
	"testing"
	"time"

	"github.com/incidentmap/incidentmap"
	"github.com/paulmach/orb"
)

func valid() *incidentmap.Incident {
	day := time.Date(2022, 9, 5, 0, 0, 0, 0, time.UTC)
	return &incidentmap.Incident{ID: "x1", Title: "A blast", OccurredStart: day, OccurredEnd: day,
		DatePrecision: incidentmap.DateDay, Location: orb.Point{69.1, 34.5}, LocationPrecision: incidentmap.LocationCity,
		Country: "AFG", EventType: "Protests", TargetType: incidentmap.TargetEmbassy, Status: incidentmap.StatusDraft}
}

func TestValidateBounds(t *testing.T) {
	long := strings.Repeat("x", incidentmap.MaxTextRunes+1)
	tests := []struct {
		name  string
		edit  func(*incidentmap.Incident)
		param string
	}{
		{"valid", func(*incidentmap.Incident) {}, ""},
		{"summary", func(i *incidentmap.Incident) { i.Summary = strings.Repeat("é", incidentmap.MaxSummaryRunes+1) }, "summary"},
		{"summary at the limit", func(i *incidentmap.Incident) { i.Summary = strings.Repeat("é", incidentmap.MaxSummaryRunes) }, ""},
		{"place name", func(i *incidentmap.Incident) { i.PlaceName = long }, "place_name"},
		{"facility", func(i *incidentmap.Incident) { i.Facility = long }, "facility"},
		{"admin1 code", func(i *incidentmap.Incident) { i.Admin1Code = "Herat" }, "admin1_code"},
		{"admin1 code ok", func(i *incidentmap.Incident) { i.Admin1Code = "AF-HER" }, ""},
		{"year", func(i *incidentmap.Incident) { i.OccurredStart = time.Date(202, 1, 1, 0, 0, 0, 0, time.UTC) }, "occurred_start"},
		{"far future", func(i *incidentmap.Incident) { i.OccurredEnd = time.Date(20222, 1, 1, 0, 0, 0, 0, time.UTC) }, "occurred_end"},
		{"many tags", func(i *incidentmap.Incident) { i.Tags = make([]string, incidentmap.MaxListItems+1) }, "tags"},
		{"empty actor", func(i *incidentmap.Incident) { i.Actors = []string{" "} }, "actors"},
		{"url without host", func(i *incidentmap.Incident) { i.Sources = []incidentmap.Source{{URL: "https://"}} }, "sources"},
		{"url with spaces", func(i *incidentmap.Incident) { i.Sources = []incidentmap.Source{{URL: "https://a.org/x y"}} }, "sources"},
		{"javascript url", func(i *incidentmap.Incident) { i.Sources = []incidentmap.Source{{URL: "javascript:alert(1)"}} }, "sources"},
		{"long publisher", func(i *incidentmap.Incident) { i.Sources = []incidentmap.Source{{Publisher: long}} }, "sources"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inc := valid()
			tt.edit(inc)
			err := inc.Validate()
			if got := incidentmap.ErrorParam(err); got != tt.param || (tt.param == "") != (err == nil) {
				t.Errorf("got %v (param %q), want param %q", err, got, tt.param)
			}
		})
	}
}

func TestCheckTransition(t *testing.T) {
	d, p, r := incidentmap.StatusDraft, incidentmap.StatusPublished, incidentmap.StatusRetracted
	tests := []struct {
		from, to incidentmap.Status
		ok       bool
	}{
		{d, d, true}, {d, p, true}, {d, r, true}, {p, p, true}, {p, r, true}, {r, r, true},
		{p, d, false}, {r, p, false}, {r, d, false},
	}
	for _, tt := range tests {
		err := incidentmap.CheckTransition(tt.from, tt.to)
		if (err == nil) != tt.ok || (err != nil && incidentmap.ErrorCode(err) != incidentmap.ECONFLICT) {
			t.Errorf("%s → %s: %v", tt.from, tt.to, err)
		}
	}
}

func TestAPIKeys(t *testing.T) {
	k, token, err := incidentmap.NewAPIKey("alice", incidentmap.RoleEditor)
	if err != nil {
		t.Fatal(err)
	}
	id, secret, ok := incidentmap.ParseToken(token)
	if !ok || id != k.ID || !k.Verify(secret) {
		t.Fatalf("token %s does not verify against its key", token)
	}
	for _, bad := range []string{"", token + "0", strings.Replace(token, "imk_", "imx_", 1), token[:len(token)-1]} {
		if id, s, ok := incidentmap.ParseToken(bad); ok && id == k.ID && k.Verify(s) {
			t.Errorf("%q verifies", bad)
		}
	}
	other := strings.Repeat("0", 64)
	if k.Verify(other) {
		t.Error("a wrong secret verifies")
	}
	k.RevokedAt = time.Now()
	if k.Verify(secret) {
		t.Error("a revoked key verifies")
	}
	if _, _, err := incidentmap.NewAPIKey("bob", "owner"); incidentmap.ErrorParam(err) != "role" {
		t.Errorf("role owner: %v", err)
	}
	roles := []struct {
		r, need incidentmap.Role
		ok      bool
	}{{"reader", "editor", false}, {"editor", "editor", true}, {"admin", "editor", true}, {"editor", "admin", false}, {"", "reader", false}}
	for _, tt := range roles {
		if tt.r.Allows(tt.need) != tt.ok {
			t.Errorf("%q allows %q: %v", tt.r, tt.need, !tt.ok)
		}
	}
}
