package upsert

import (
	"errors"
	"io"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/incidentmap/incidentmap"
	"github.com/paulmach/orb"
)

func inc(id string, externalIDs ...string) *incidentmap.Incident {
	day := time.Date(2021, 8, 1, 0, 0, 0, 0, time.UTC)
	return &incidentmap.Incident{ID: id, ExternalIDs: externalIDs, Title: "T " + id, OccurredStart: day, OccurredEnd: day,
		DatePrecision: incidentmap.DateDay, Location: orb.Point{62, 34}, LocationPrecision: incidentmap.LocationCity,
		Country: "AFG", EventType: "Protests", TargetType: incidentmap.TargetEmbassy, Status: incidentmap.StatusPublished}
}

func items(incs ...*incidentmap.Incident) []incidentmap.ImportItem {
	out := make([]incidentmap.ImportItem, len(incs))
	for i, x := range incs {
		out[i] = incidentmap.ImportItem{Incident: x, Line: i + 2}
	}
	return out
}

func TestPlan(t *testing.T) {
	stored := inc("a", "x:1")
	changed := inc("renamed", "x:1")
	changed.Title = "new"
	tests := []struct {
		name      string
		batch     []incidentmap.ImportItem
		found     Found
		created   []string
		updated   []string
		unchanged int
		err       string
	}{
		{"new", items(inc("b")), nil, []string{"b"}, nil, 0, ""},
		{"same by id", items(inc("a", "x:1")), Found{"a": stored}, nil, nil, 1, ""},
		{"changed, matched by external id, keeps the stored id", items(changed), Found{"a": stored}, nil, []string{"a"}, 0, ""},
		{"repeated id", items(inc("b"), inc("b")), nil, nil, nil, 0, "line 3: id b repeats line 2"},
		{"repeated external id", items(inc("b", "x:9"), inc("c", "x:9")), nil, nil, nil, 0, "line 3: external id x:9 repeats line 2"},
		{"two matches", items(inc("a", "x:2")), Found{"a": stored, "z": inc("z", "x:2")}, nil, nil, 0, "line 2: its id and external ids match two incidents"},
		{"one incident twice", items(inc("a"), inc("q", "x:1")), Found{"a": stored}, nil, nil, 0, "line 3: matches incident a, which line 2 already wrote"},
		{"invalid", items(&incidentmap.Incident{ID: "bad"}), nil, nil, nil, 0, "line 2: title:"},
		{"missing", []incidentmap.ImportItem{{Line: 7}}, nil, nil, nil, 0, "line 7: incident: is missing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var p Planner
			creates, updates, err := p.Plan(tt.batch, tt.found)
			if tt.err != "" {
				if err == nil || !strings.Contains(incidentmap.ErrorMessage(err), tt.err) {
					t.Fatalf("got %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := ids(creates); strings.Join(got, ",") != strings.Join(tt.created, ",") {
				t.Errorf("created %v, want %v", got, tt.created)
			}
			if got := ids(updates); strings.Join(got, ",") != strings.Join(tt.updated, ",") {
				t.Errorf("updated %v, want %v", got, tt.updated)
			}
			if p.Result.Unchanged != tt.unchanged || p.Result.Created != len(tt.created) || p.Result.Updated != len(tt.updated) {
				t.Errorf("result %+v", p.Result)
			}
		})
	}
}

// Repeats are caught across batches, and the ids listed as updated stop
// at MaxListedIDs.
func TestPlanAcrossBatches(t *testing.T) {
	var p Planner
	found := Found{}
	var batch []*incidentmap.Incident
	for i := range 30 {
		id := "i" + strconv.Itoa(i)
		found[id] = inc(id)
		changed := inc(id)
		changed.Title = "changed"
		batch = append(batch, changed)
	}
	if _, _, err := p.Plan(items(batch...), found); err != nil {
		t.Fatal(err)
	}
	if p.Result.Updated != 30 || len(p.Result.UpdatedIDs) != incidentmap.MaxListedIDs {
		t.Errorf("updated %d, listed %d", p.Result.Updated, len(p.Result.UpdatedIDs))
	}
	if _, _, err := p.Plan(items(inc("i0")), nil); incidentmap.ErrorCode(err) != incidentmap.ECONFLICT {
		t.Errorf("a repeat in a later batch: %v", err)
	}
}

func TestNext(t *testing.T) {
	n := 0
	next := func() (incidentmap.ImportItem, error) {
		if n == 5 {
			return incidentmap.ImportItem{}, io.EOF
		}
		n++
		return incidentmap.ImportItem{Line: n}, nil
	}
	got, eof, err := Next(next, nil, 3)
	if len(got) != 3 || eof || err != nil {
		t.Fatalf("%d %v %v", len(got), eof, err)
	}
	got, eof, err = Next(next, got, 3)
	if len(got) != 2 || !eof || err != nil || got[1].Line != 5 {
		t.Fatalf("%v %v %v", got, eof, err)
	}
	boom := errors.New("boom")
	if _, _, err := Next(func() (incidentmap.ImportItem, error) { return incidentmap.ImportItem{}, boom }, nil, 3); !errors.Is(err, boom) {
		t.Errorf("got %v", err)
	}
}

func ids(incs []*incidentmap.Incident) []string {
	var out []string
	for _, x := range incs {
		out = append(out, x.ID)
	}
	return out
}
