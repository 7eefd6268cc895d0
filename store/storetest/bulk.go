package storetest

import (
	"context"
	"fmt"
	"testing"

	"github.com/incidentmap/incidentmap"
)

// bulkFixtures are incidents for testBulkLoadAsTriggers: with no, one and
// several external ids, a draft, and a long interval (which moves the data
// version's longest span).
func bulkFixtures() []*incidentmap.Incident {
	var out []*incidentmap.Incident
	for i := range 12 {
		inc := NewIncident(fmt.Sprintf("bulk-%02d", i), 40+float64(i)/10, 30+float64(i)/7, "2021-03-01")
		switch i % 4 {
		case 1:
			inc.ExternalIDs = []string{fmt.Sprintf("bulk:%d", i)}
		case 2:
			inc.ExternalIDs = []string{fmt.Sprintf("bulk:%d:z", i), fmt.Sprintf("bulk:%d:a", i), fmt.Sprintf("bulk:%d:m", i)}
		case 3:
			inc.Status = incidentmap.StatusDraft
		}
		out = append(out, inc)
	}
	out[5] = Full("bulk-full")
	out[6].OccurredEnd = out[6].OccurredStart.AddDate(0, 2, 3)
	return out
}

// testBulkLoadAsTriggers checks that an import into an empty store, which
// a store may load in bulk without its row triggers, leaves the same
// revisions, change feed and data version as the same incidents written
// one import at a time into a store that holds incidents (the path the
// triggers write). Both stores have a history before: an incident created
// and deleted, so that the import continues its sequence.
func testBulkLoadAsTriggers(t *testing.T, open Opener) {
	ctx := incidentmap.WithActor(context.Background(), "loader")
	prepare := func() incidentmap.Store {
		s := open(t)
		t.Cleanup(func() { s.Close() })
		if err := s.CreateIncident(ctx, NewIncident("before", 10, 10, "2020-01-01")); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteIncident(ctx, "before"); err != nil {
			t.Fatal(err)
		}
		return s
	}
	bulk, rows := prepare(), prepare()
	v0, err := bulk.DataVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	incs := bulkFixtures()
	if res, err := bulk.UpsertIncidents(ctx, Items(incs...), incidentmap.ImportOptions{}); err != nil {
		t.Fatal(err)
	} else if !res.Bulk || res.Created != len(incs) {
		t.Fatalf("bulk load: %+v, want %d created in bulk", res, len(incs))
	}
	// The first incident makes the store non-empty, so that the rest go
	// through the triggers.
	incs = bulkFixtures()
	for _, part := range [][]*incidentmap.Incident{incs[:1], incs[1:]} {
		if _, err := rows.UpsertIncidents(ctx, Items(part...), incidentmap.ImportOptions{}); err != nil {
			t.Fatal(err)
		}
	}

	got, want := changes(t, bulk), changes(t, rows)
	if len(got) != len(want) || len(got) != 2+len(incs) {
		t.Fatalf("bulk load: %d revisions in the change feed, %d after row-by-row imports, want %d",
			len(got), len(want), 2+len(incs))
	}
	for i := range got {
		g, w := got[i], want[i]
		if g.Seq != w.Seq || g.ID != w.ID || g.Version != w.Version || g.Op != w.Op || g.Actor != w.Actor {
			t.Errorf("revision %d: bulk load %d %s v%d %s by %q; row by row %d %s v%d %s by %q",
				i, g.Seq, g.ID, g.Version, g.Op, g.Actor, w.Seq, w.ID, w.Version, w.Op, w.Actor)
		}
		if i < 2 { // "before", created and deleted
			continue
		}
		if g.Incident == nil || w.Incident == nil {
			t.Fatalf("revision %d of %s carries no incident", i, g.ID)
		}
		// The two stores imported at other instants: each revision must
		// carry the stamps its store gave the incident.
		stored, err := bulk.GetIncident(ctx, g.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !g.At.Equal(stored.UpdatedAt) || !g.Incident.CreatedAt.Equal(stored.CreatedAt) {
			t.Errorf("revision of %s at %v created %v, the incident was written at %v", g.ID, g.At, g.Incident.CreatedAt, stored.UpdatedAt)
		}
		if d := Diff(withStamps(w.Incident, g.Incident), g.Incident); d != "" {
			t.Errorf("revision of %s: bulk load and row by row differ: %s", g.ID, d)
		}
		h, err := bulk.History(ctx, g.ID)
		if err != nil || len(h) != 1 || h[0].Seq != g.Seq {
			t.Errorf("history of %s after a bulk load: %+v, %v; want the one revision %d", g.ID, h, err, g.Seq)
		}
	}

	v1, err := bulk.DataVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	vr, err := rows.DataVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if v1.Seq <= v0.Seq || v1.Incidents != vr.Incidents || v1.Tombstones != vr.Tombstones {
		t.Errorf("data version after a bulk load %+v (before %+v); after row-by-row imports %+v", v1, v0, vr)
	}
	if last := got[len(got)-1].At; !v1.LastModified.Equal(last) {
		t.Errorf("data version last modified %v after a bulk load at %v", v1.LastModified, last)
	}
	// The longest incident bounds time windows from below: bulk-06 must
	// still be found by a window that starts after it began.
	window := incidentmap.Filter{Interval: &incidentmap.Interval{Start: Day("2021-04-01"), End: Day("2021-04-02")}}
	wantIDs(t, bulk, window, "bulk-06")
	// The triggers are back: a later write leaves its revision.
	upd, err := bulk.GetIncident(ctx, "bulk-01")
	if err != nil {
		t.Fatal(err)
	}
	upd.Title = "Changed after the bulk load"
	upd.ExternalIDs = append(upd.ExternalIDs, "bulk:1:b")
	if err := bulk.UpdateIncident(ctx, upd, upd.Version); err != nil {
		t.Fatal(err)
	}
	h, err := bulk.History(ctx, "bulk-01")
	if err != nil || len(h) != 2 || h[1].Op != incidentmap.OpUpdate || len(h[1].Incident.ExternalIDs) != 2 {
		t.Errorf("history after an update that follows a bulk load: %+v, %v", h, err)
	}
}

// changes returns the whole change feed, drafts included.
func changes(t *testing.T, s incidentmap.Store) []incidentmap.Revision {
	t.Helper()
	var out []incidentmap.Revision
	var since int64
	for range 100 {
		page, err := s.Changes(context.Background(), since, 0, true)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			return out
		}
		out = append(out, page...)
		since = page[len(page)-1].Seq
	}
	t.Fatal("the change feed did not end in 100 pages")
	return nil
}
