package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/incidentmap/incidentmap"
)

// SameIncidents fails t unless stores a and b hold the same incidents,
// published or not, field by field (Diff), and the same tombstones: what a
// backup followed by a restore must give.
func SameIncidents(t *testing.T, a, b incidentmap.Store) {
	t.Helper()
	ctx := context.Background()
	all := incidentmap.Filter{Where: incidentmap.InStrings("status", incidentmap.Statuses...), Limit: incidentmap.MaxLimit}
	list := func(s incidentmap.Store) map[string]*incidentmap.Incident {
		out := map[string]*incidentmap.Incident{}
		f := all
		for range 1000 { // at most 10 million incidents
			next, err := s.FindIncidents(ctx, f, func(inc *incidentmap.Incident) error { out[inc.ID] = inc; return nil })
			if err != nil {
				t.Fatal(err)
			}
			if next == nil {
				break
			}
			f.After = next
		}
		return out
	}
	wa, wb := list(a), list(b)
	if len(wa) != len(wb) {
		t.Fatalf("%d incidents, then %d", len(wa), len(wb))
	}
	for id, inc := range wa {
		other, ok := wb[id]
		if !ok {
			t.Fatalf("incident %s is missing", id)
		}
		if d := Diff(inc, other); d != "" {
			t.Fatalf("incident %s differs: %s", id, d)
		}
	}
	ta, err := a.Tombstones(ctx, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	tb, err := b.Tombstones(ctx, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if len(ta) != len(tb) {
		t.Fatalf("%d tombstones, then %d", len(ta), len(tb))
	}
}

// BackupSource fills s for a backup test: 400 of 500 synthetic incidents,
// the first of them deleted (a tombstone). It returns the 100 left out,
// for a test to change the database after the backup.
func BackupSource(t *testing.T, s incidentmap.Store) []*incidentmap.Incident {
	t.Helper()
	ctx := context.Background()
	incs := Synthetic(500, 7)
	if err := s.ImportIncidents(ctx, incs[:400]); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteIncident(ctx, incs[0].ID); err != nil {
		t.Fatal(err)
	}
	return incs[400:]
}
