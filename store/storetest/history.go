package storetest

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/incidentmap/incidentmap"
	"github.com/paulmach/orb"
)

// The contract of writes, their history, the change feed and as-of reads.

func testUpdate(t *testing.T, s incidentmap.Store) {
	ctx := context.Background()
	inc := Full("u1")
	load(t, s, inc, NewIncident("other", 1, 1, "2020-01-01"))
	created, err := s.GetIncident(ctx, "u1")
	if err != nil {
		t.Fatal(err)
	}
	changed := Full("u1")
	changed.Title = "Corrected title"
	changed.ExternalIDs = []string{"ucdp:1"}
	changed.Location = orb.Point{62.2, 34.35}
	changed.Fatalities = nil
	if err := s.UpdateIncident(ctx, changed, 1); err != nil {
		t.Fatalf("update: %v", err)
	}
	if changed.Version != 2 || !changed.CreatedAt.Equal(created.CreatedAt) || changed.UpdatedAt.Before(created.UpdatedAt) {
		t.Errorf("after update: version %d created %v updated %v; created was %v", changed.Version, changed.CreatedAt, changed.UpdatedAt, created.CreatedAt)
	}
	got, err := s.GetIncident(ctx, "u1")
	if err != nil {
		t.Fatal(err)
	}
	if d := Diff(changed, got); d != "" {
		t.Errorf("read back: %s", d)
	}
	// The old external ids are free again; the new one is taken.
	reuse := NewIncident("reuse", 1, 1, "2020-01-01")
	reuse.ExternalIDs = []string{"test:u1"}
	if err := s.CreateIncident(ctx, reuse); err != nil {
		t.Errorf("an external id the update dropped: %v", err)
	}

	tests := []struct {
		name     string
		inc      *incidentmap.Incident
		expected int
		code     string
	}{
		{"stale version", NewIncident("u1", 1, 1, "2020-01-01"), 1, incidentmap.ESTALE},
		{"future version", NewIncident("u1", 1, 1, "2020-01-01"), 3, incidentmap.ESTALE},
		{"unknown id", NewIncident("nobody", 1, 1, "2020-01-01"), 1, incidentmap.ENOTFOUND},
		{"invalid", func() *incidentmap.Incident { i := NewIncident("u1", 1, 1, "2020-01-01"); i.Country = "xx"; return i }(), 2, incidentmap.EINVALID},
		{"taken external id", func() *incidentmap.Incident {
			i := NewIncident("u1", 1, 1, "2020-01-01")
			i.ExternalIDs = []string{"test:u1"}
			return i
		}(), 2, incidentmap.ECONFLICT},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := s.UpdateIncident(ctx, tt.inc, tt.expected); incidentmap.ErrorCode(err) != tt.code {
				t.Errorf("got %v, want %s", err, tt.code)
			}
			after, err := s.GetIncident(ctx, "u1")
			if err != nil {
				t.Fatal(err)
			}
			if d := Diff(changed, after); d != "" {
				t.Errorf("a refused update changed the incident: %s", d)
			}
		})
	}
}

// testConcurrentUpdates has many writers update one version at once:
// exactly one wins and the others get ESTALE, so no update is lost.
func testConcurrentUpdates(t *testing.T, s incidentmap.Store) {
	ctx := context.Background()
	load(t, s, NewIncident("race", 1, 1, "2020-01-01"))
	const writers = 8
	var wg sync.WaitGroup
	errs := make([]error, writers)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			inc := NewIncident("race", 1, 1, "2020-01-01")
			inc.Title = "writer " + string(rune('A'+w))
			errs[w] = s.UpdateIncident(incidentmap.WithActor(ctx, inc.Title), inc, 1)
		}()
	}
	wg.Wait()
	won := ""
	for w, err := range errs {
		switch incidentmap.ErrorCode(err) {
		case "":
			if won != "" {
				t.Errorf("writers %s and %c both won", won, 'A'+w)
			}
			won = "writer " + string(rune('A'+w))
		case incidentmap.ESTALE:
		default:
			t.Errorf("writer %c: %v, want success or ESTALE", 'A'+w, err)
		}
	}
	got, err := s.GetIncident(ctx, "race")
	if err != nil {
		t.Fatal(err)
	}
	if got.Version != 2 || got.Title != won {
		t.Errorf("stored version %d title %q, want 2 and the winner %q", got.Version, got.Title, won)
	}
	h, err := s.History(ctx, "race")
	if err != nil {
		t.Fatal(err)
	}
	if len(h) != 2 || h[1].Actor != won {
		t.Errorf("history has %d revisions (last by %q), want 2, the last by %q", len(h), h[len(h)-1].Actor, won)
	}

	// Then writers read and write in a loop, as clients of the API do:
	// each success must add exactly one version, so the final version
	// counts the successes; a lost update would leave it short.
	const rounds = 15
	wins := make([]int, writers)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range rounds {
				cur, err := s.GetIncident(ctx, "race")
				if err != nil {
					errs[w] = err
					return
				}
				cur.Summary = fmt.Sprintf("%s, writer %d", cur.Summary, w)
				switch err := s.UpdateIncident(ctx, cur, cur.Version); incidentmap.ErrorCode(err) {
				case "":
					wins[w]++
				case incidentmap.ESTALE:
				default:
					errs[w] = err
					return
				}
			}
		}()
	}
	wg.Wait()
	total := 0
	for w, n := range wins {
		if errs[w] != nil && incidentmap.ErrorCode(errs[w]) != incidentmap.ESTALE {
			t.Errorf("writer %d: %v", w, errs[w])
		}
		total += n
	}
	final, err := s.GetIncident(ctx, "race")
	if err != nil {
		t.Fatal(err)
	}
	if final.Version != 2+total {
		t.Errorf("%d updates succeeded but the version went from 2 to %d: updates were lost", total, final.Version)
	}
	if got := strings.Count(final.Summary, "writer"); got != total {
		t.Errorf("the summary records %d writes, want %d", got, total)
	}
}

func testDeleteVersion(t *testing.T, s incidentmap.Store) {
	ctx := context.Background()
	load(t, s, NewIncident("d1", 1, 1, "2020-01-01"))
	if err := s.DeleteIncidentVersion(ctx, "d1", 2); incidentmap.ErrorCode(err) != incidentmap.ESTALE {
		t.Errorf("delete of a stale version: %v, want ESTALE", err)
	}
	if _, err := s.GetIncident(ctx, "d1"); err != nil {
		t.Errorf("a refused delete removed the incident: %v", err)
	}
	if err := s.DeleteIncidentVersion(ctx, "d1", 1); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteIncidentVersion(ctx, "d1", 1); incidentmap.ErrorCode(err) != incidentmap.ENOTFOUND {
		t.Errorf("second delete: %v, want ENOTFOUND", err)
	}
}

// testHistory follows one incident through create, update, delete and
// re-creation.
func testHistory(t *testing.T, s incidentmap.Store) {
	ctx := context.Background()
	alice, bob := incidentmap.WithActor(ctx, "alice"), incidentmap.WithActor(ctx, "bob")
	inc := Full("h1")
	inc.Status = incidentmap.StatusDraft
	if err := s.CreateIncident(alice, inc); err != nil {
		t.Fatal(err)
	}
	pub := Full("h1")
	pub.ExternalIDs = []string{"ucdp:7"}
	if err := s.UpdateIncident(bob, pub, 1); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteIncidentVersion(alice, "h1", 2); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateIncident(bob, NewIncident("h1", 1, 1, "2021-01-01")); err != nil {
		t.Fatal(err)
	}
	h, err := s.History(ctx, "h1")
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		op      incidentmap.Op
		version int
		actor   string
		status  incidentmap.Status
	}{
		{incidentmap.OpCreate, 1, "alice", incidentmap.StatusDraft},
		{incidentmap.OpUpdate, 2, "bob", incidentmap.StatusPublished},
		{incidentmap.OpDelete, 3, "alice", ""},
		{incidentmap.OpCreate, 1, "bob", incidentmap.StatusPublished},
	}
	if len(h) != len(want) {
		t.Fatalf("history has %d revisions, want %d: %+v", len(h), len(want), h)
	}
	for i, w := range want {
		r := h[i]
		if r.Op != w.op || r.Version != w.version || r.Actor != w.actor || r.ID != "h1" {
			t.Errorf("revision %d: %s v%d by %q, want %s v%d by %q", i, r.Op, r.Version, r.Actor, w.op, w.version, w.actor)
		}
		if i > 0 && (r.Seq <= h[i-1].Seq || r.At.Before(h[i-1].At)) {
			t.Errorf("revision %d: seq %d at %v does not follow %d at %v", i, r.Seq, r.At, h[i-1].Seq, h[i-1].At)
		}
		if (r.Incident == nil) != (w.op == incidentmap.OpDelete) {
			t.Errorf("revision %d: snapshot %v for a %s", i, r.Incident != nil, r.Op)
		} else if r.Incident != nil && r.Incident.Status != w.status {
			t.Errorf("revision %d: status %s, want %s", i, r.Incident.Status, w.status)
		}
	}
	if d := Diff(inc, h[0].Incident); d != "" {
		t.Errorf("snapshot of the create: %s", d)
	}
	if d := Diff(pub, h[1].Incident); d != "" {
		t.Errorf("snapshot of the update: %s", d)
	}
	if none, err := s.History(ctx, "never"); err != nil || len(none) != 0 {
		t.Errorf("history of an unknown id: %v, %v", none, err)
	}
}

func testChanges(t *testing.T, s incidentmap.Store) {
	ctx := context.Background()
	start, err := s.Changes(ctx, 0, 0, true)
	if err != nil {
		t.Fatal(err)
	}
	since := int64(0)
	if len(start) > 0 {
		since = start[len(start)-1].Seq
	}
	draft := NewIncident("secret", 1, 1, "2020-01-01")
	draft.Status = incidentmap.StatusDraft
	load(t, s, NewIncident("c1", 1, 1, "2020-01-01"), NewIncident("c2", 2, 2, "2020-01-02"), draft)
	pub := NewIncident("c1", 1, 1, "2020-01-01")
	pub.Status = incidentmap.StatusRetracted
	if err := s.UpdateIncident(ctx, pub, 1); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"c2", "secret"} {
		if err := s.DeleteIncident(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	type change struct {
		op incidentmap.Op
		id string
	}
	list := func(rs []incidentmap.Revision) []change {
		var out []change
		for i, r := range rs {
			if i > 0 && r.Seq <= rs[i-1].Seq {
				t.Errorf("seq %d after %d", r.Seq, rs[i-1].Seq)
			}
			out = append(out, change{r.Op, r.ID})
		}
		return out
	}
	tests := []struct {
		name   string
		drafts bool
		want   []change
	}{
		{"with drafts", true, []change{{"create", "c1"}, {"create", "c2"}, {"create", "secret"},
			{"update", "c1"}, {"delete", "c2"}, {"delete", "secret"}}},
		{"public", false, []change{{"create", "c1"}, {"create", "c2"}, {"update", "c1"}, {"delete", "c2"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			all, err := s.Changes(ctx, since, 0, tt.drafts)
			if err != nil {
				t.Fatal(err)
			}
			if got := list(all); !slices.Equal(got, tt.want) {
				t.Errorf("changes %v, want %v", got, tt.want)
			}
			// Paging by the last seq seen gives the same list.
			var paged []incidentmap.Revision
			for from, n := since, 0; n < 20; n++ {
				page, err := s.Changes(ctx, from, 2, tt.drafts)
				if err != nil {
					t.Fatal(err)
				}
				if len(page) == 0 {
					break
				}
				paged = append(paged, page...)
				from = page[len(page)-1].Seq
			}
			if got := list(paged); !slices.Equal(got, tt.want) {
				t.Errorf("paged changes %v, want %v", got, tt.want)
			}
		})
	}
}

// testAsOf reads the data as it stood between writes, with filters that
// touch the moved location and the external ids.
func testAsOf(t *testing.T, s incidentmap.Store) {
	ctx := context.Background()
	before := time.Now().Add(-time.Hour)
	first := NewIncident("a1", 10, 10, "2020-01-01")
	first.ExternalIDs = []string{"gdelt:1"}
	load(t, s, first, NewIncident("a2", 20, 20, "2020-01-01"))
	moved := NewIncident("a1", 50, 50, "2020-01-01")
	moved.Title = "Moved"
	if err := s.UpdateIncident(ctx, moved, 1); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteIncident(ctx, "a2"); err != nil {
		t.Fatal(err)
	}
	h1, err := s.History(ctx, "a1")
	if err != nil || len(h1) != 2 {
		t.Fatalf("history of a1: %v %v", h1, err)
	}
	h2, err := s.History(ctx, "a2")
	if err != nil || len(h2) != 2 {
		t.Fatalf("history of a2: %v %v", h2, err)
	}
	created, updated, deleted := h1[0].At, h1[1].At, h2[1].At
	box := func(w, s, e, n float64) *incidentmap.BBox {
		return &incidentmap.BBox{West: w, South: s, East: e, North: n}
	}
	tests := []struct {
		name  string
		f     incidentmap.Filter
		want  []string
		title string // of a1, when listed
	}{
		{"before anything", incidentmap.Filter{AsOf: before}, nil, ""},
		{"after the creates", incidentmap.Filter{AsOf: created}, []string{"a1", "a2"}, "Incident a1"},
		{"old place", incidentmap.Filter{AsOf: created, BBox: box(9, 9, 11, 11)}, []string{"a1"}, "Incident a1"},
		{"new place, old time", incidentmap.Filter{AsOf: created, BBox: box(49, 49, 51, 51)}, nil, ""},
		{"after the update", incidentmap.Filter{AsOf: updated, BBox: box(49, 49, 51, 51)}, []string{"a1"}, "Moved"},
		{"after the delete", incidentmap.Filter{AsOf: deleted}, []string{"a1"}, "Moved"},
		{"now", incidentmap.Filter{AsOf: time.Now().Add(time.Hour), Limit: 1}, []string{"a1"}, "Moved"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			title := ""
			var exts []string
			if _, err := s.FindIncidents(ctx, tt.f, func(inc *incidentmap.Incident) error {
				got = append(got, inc.ID)
				if inc.ID == "a1" {
					title, exts = inc.Title, inc.ExternalIDs
				}
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tt.want) || title != tt.title {
				t.Errorf("got %v (a1 titled %q), want %v (%q)", got, title, tt.want, tt.title)
			}
			if title == "Incident a1" && !slices.Equal(exts, []string{"gdelt:1"}) {
				t.Errorf("external ids as of then: %v", exts)
			}
			if n, err := s.CountIncidents(ctx, tt.f); err != nil || n != len(tt.want) {
				t.Errorf("count %d, %v; want %d", n, err, len(tt.want))
			}
		})
	}
}

// BenchmarkWrites measures single writes, each its own transaction with
// its revision: CreateIncident of a new incident, and UpdateIncident of
// one incident at its current version. It reports writes/s.
func BenchmarkWrites(b *testing.B, s incidentmap.Store) {
	ctx := incidentmap.WithActor(context.Background(), "benchmark")
	run := 0 // the testing package calls each benchmark more than once
	b.Run("Create", func(b *testing.B) {
		run++
		incs := Synthetic(b.N, 3)
		b.ResetTimer()
		for i := range b.N {
			incs[i].ID = "bench-create-" + strconv.Itoa(run) + "-" + incs[i].ID
			incs[i].ExternalIDs = nil
			if err := s.CreateIncident(ctx, incs[i]); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "writes/s")
	})
	b.Run("Update", func(b *testing.B) {
		run++
		inc := Full("bench-update-" + strconv.Itoa(run))
		inc.ExternalIDs = nil
		if err := s.CreateIncident(ctx, inc); err != nil {
			b.Fatal(err)
		}
		b.ResetTimer()
		for i := range b.N {
			inc.Title = "Update " + strconv.Itoa(i)
			if err := s.UpdateIncident(ctx, inc, inc.Version); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "writes/s")
	})
}
