package storetest

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/incidentmap/incidentmap"
)

// Items returns a next function for UpsertIncidents over incs, numbering
// their lines from 2 (as under a header line).
func Items(incs ...*incidentmap.Incident) func() (incidentmap.ImportItem, error) {
	i := 0
	return func() (incidentmap.ImportItem, error) {
		if i == len(incs) {
			return incidentmap.ImportItem{}, io.EOF
		}
		i++
		return incidentmap.ImportItem{Incident: incs[i-1], Line: i + 1}, nil
	}
}

// upsertFixtures are three incidents with external ids, as an import of
// another data set makes them.
func upsertFixtures() []*incidentmap.Incident {
	a := NewIncident("ext-1", 62.2, 34.35, "2021-08-01")
	a.ExternalIDs = []string{"ext:1"}
	b := Full("ext-2")
	c := NewIncident("ext-3", 44.4, 33.3, "2020-09-18")
	c.ExternalIDs = []string{"ext:3"}
	c.Country = "IRQ"
	return []*incidentmap.Incident{a, b, c}
}

func upsert(t *testing.T, s incidentmap.Store, opt incidentmap.ImportOptions, incs ...*incidentmap.Incident) incidentmap.ImportResult {
	t.Helper()
	res, err := s.UpsertIncidents(context.Background(), Items(incs...), opt)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func wantResult(t *testing.T, got incidentmap.ImportResult, created, updated, unchanged int) {
	t.Helper()
	if got.Created != created || got.Updated != updated || got.Unchanged != unchanged {
		t.Errorf("created/updated/unchanged = %d/%d/%d, want %d/%d/%d",
			got.Created, got.Updated, got.Unchanged, created, updated, unchanged)
	}
}

func testUpsert(t *testing.T, s incidentmap.Store) {
	ctx := context.Background()
	// Into an empty store: a bulk load, after which the indexes answer.
	res := upsert(t, s, incidentmap.ImportOptions{}, upsertFixtures()...)
	wantResult(t, res, 3, 0, 0)
	if !res.Bulk {
		t.Error("an import into an empty store did not load in bulk")
	}
	wantIDs(t, s, incidentmap.Filter{BBox: &incidentmap.BBox{West: 60, South: 30, East: 70, North: 40}}, "ext-1", "ext-2")
	wantIDs(t, s, incidentmap.Filter{Where: incidentmap.InStrings("country", "IRQ")}, "ext-3")
	got, err := s.GetIncident(ctx, "ext-2")
	if err != nil {
		t.Fatal(err)
	}
	if d := Diff(withStamps(Full("ext-2"), got), got); d != "" {
		t.Errorf("bulk load round trip: %s", d)
	}
	v1, _ := s.DataVersion(ctx)

	t.Run("same again changes nothing", func(t *testing.T) {
		res := upsert(t, s, incidentmap.ImportOptions{}, upsertFixtures()...)
		wantResult(t, res, 0, 0, 3)
		if v2, _ := s.DataVersion(ctx); v2 != v1 {
			t.Errorf("data version moved from %v to %v", v1, v2)
		}
	})
	t.Run("dry run writes nothing", func(t *testing.T) {
		incs := upsertFixtures()
		incs[0].Title = "A new title"
		incs = append(incs, NewIncident("ext-4", 1, 1, "2020-01-01"))
		res := upsert(t, s, incidentmap.ImportOptions{DryRun: true}, incs...)
		wantResult(t, res, 1, 1, 2)
		wantCount(t, s, incidentmap.Filter{}, 3)
		if got, _ := s.GetIncident(ctx, "ext-1"); got.Title != "Incident ext-1" || got.Version != 1 {
			t.Errorf("a dry run changed ext-1: %q version %d", got.Title, got.Version)
		}
	})
	t.Run("changed row updates by external id", func(t *testing.T) {
		incs := upsertFixtures()
		// Matched by ext:1, it keeps the stored id.
		incs[0].ID, incs[0].ExternalIDs = "renamed-in-the-file", []string{"ext:1", "ext:1b"}
		incs[0].Title = "A corrected title"
		res := upsert(t, s, incidentmap.ImportOptions{}, incs...)
		wantResult(t, res, 0, 1, 2)
		if len(res.UpdatedIDs) != 1 || res.UpdatedIDs[0] != "ext-1" {
			t.Errorf("updated ids %v, want [ext-1]", res.UpdatedIDs)
		}
		got, err := s.GetIncident(ctx, "ext-1")
		if err != nil {
			t.Fatal(err)
		}
		if got.Title != "A corrected title" || got.Version != 2 || got.UpdatedAt.Before(got.CreatedAt) {
			t.Errorf("update: title %q version %d created %v updated %v", got.Title, got.Version, got.CreatedAt, got.UpdatedAt)
		}
		if strings.Join(got.ExternalIDs, ",") != "ext:1,ext:1b" {
			t.Errorf("external ids %v", got.ExternalIDs)
		}
		if _, err := s.GetIncident(ctx, "renamed-in-the-file"); incidentmap.ErrorCode(err) != incidentmap.ENOTFOUND {
			t.Errorf("the file's id made an incident: %v", err)
		}
		wantCount(t, s, incidentmap.Filter{}, 3)
		wantIDs(t, s, incidentmap.Filter{BBox: &incidentmap.BBox{West: 62, South: 34, East: 63, North: 35}}, "ext-1")
	})
	t.Run("new rows are created beside old ones", func(t *testing.T) {
		n := NewIncident("ext-5", 44, 33, "2023-01-01")
		n.ExternalIDs = []string{"ext:5"}
		res := upsert(t, s, incidentmap.ImportOptions{}, n)
		wantResult(t, res, 1, 0, 0)
		if res.Bulk {
			t.Error("an import into a store with incidents loaded in bulk")
		}
		wantIDs(t, s, incidentmap.Filter{BBox: &incidentmap.BBox{West: 43.5, South: 32.5, East: 44.5, North: 33.5}}, "ext-3", "ext-5")
	})
	before, _ := s.DataVersion(ctx)
	bad := []struct {
		name string
		incs []*incidentmap.Incident
		code string
		want string
	}{
		{"invalid row", []*incidentmap.Incident{NewIncident("ok-1", 1, 1, "2020-01-01"), {ID: "bad", Title: "x"}}, incidentmap.EINVALID, "line 3: "},
		{"repeated id", []*incidentmap.Incident{NewIncident("rep", 1, 1, "2020-01-01"), NewIncident("rep", 2, 2, "2020-01-01")}, incidentmap.ECONFLICT, "line 3: id rep repeats line 2"},
		{"two matches", []*incidentmap.Incident{withExternal(NewIncident("ext-3", 1, 1, "2020-01-01"), "ext:5")}, incidentmap.ECONFLICT, "line 2: "},
	}
	for _, c := range bad {
		t.Run(c.name, func(t *testing.T) {
			_, err := s.UpsertIncidents(ctx, Items(c.incs...), incidentmap.ImportOptions{})
			if incidentmap.ErrorCode(err) != c.code || !strings.Contains(incidentmap.ErrorMessage(err), c.want) {
				t.Errorf("got %v, want %s with %q", err, c.code, c.want)
			}
			if after, _ := s.DataVersion(ctx); after != before {
				t.Errorf("a failed import changed the data: %v → %v", before, after)
			}
		})
	}
	t.Run("an error of next writes nothing", func(t *testing.T) {
		boom := errors.New("boom")
		items := Items(NewIncident("ok-2", 1, 1, "2020-01-01"))
		calls := 0
		next := func() (incidentmap.ImportItem, error) {
			if calls++; calls == 2 {
				return incidentmap.ImportItem{}, boom
			}
			return items()
		}
		if _, err := s.UpsertIncidents(ctx, next, incidentmap.ImportOptions{}); !errors.Is(err, boom) {
			t.Errorf("got %v, want boom", err)
		}
		if after, _ := s.DataVersion(ctx); after != before {
			t.Errorf("a failed import changed the data: %v → %v", before, after)
		}
	})
}

// A failed bulk load leaves the store empty with its indexes, and a repeat
// in a bulk load names its line.
func testUpsertBulkFails(t *testing.T, s incidentmap.Store) {
	ctx := context.Background()
	incs := upsertFixtures()
	incs = append(incs, withExternal(NewIncident("ext-9", 1, 1, "2020-01-01"), "ext:3"))
	_, err := s.UpsertIncidents(ctx, Items(incs...), incidentmap.ImportOptions{})
	if incidentmap.ErrorCode(err) != incidentmap.ECONFLICT || !strings.Contains(incidentmap.ErrorMessage(err), "line 5: ") {
		t.Errorf("got %v, want a conflict at line 5", err)
	}
	wantCount(t, s, incidentmap.Filter{}, 0)
	res := upsert(t, s, incidentmap.ImportOptions{DryRun: true}, upsertFixtures()...)
	wantResult(t, res, 3, 0, 0)
	wantCount(t, s, incidentmap.Filter{}, 0)
	upsert(t, s, incidentmap.ImportOptions{}, upsertFixtures()...)
	wantIDs(t, s, incidentmap.Filter{BBox: &incidentmap.BBox{West: 44, South: 33, East: 45, North: 34}}, "ext-3")
	// The R*Tree or GiST index came back with the rows, and so did the
	// triggers that keep it: a later create is found by bbox too.
	if err := s.CreateIncident(ctx, NewIncident("later", 44.5, 33.5, "2024-01-01")); err != nil {
		t.Fatal(err)
	}
	wantIDs(t, s, incidentmap.Filter{BBox: &incidentmap.BBox{West: 44, South: 33, East: 45, North: 34}}, "ext-3", "later")
}

func withExternal(inc *incidentmap.Incident, ids ...string) *incidentmap.Incident {
	inc.ExternalIDs = ids
	return inc
}

func withStamps(inc, from *incidentmap.Incident) *incidentmap.Incident {
	inc.Version, inc.CreatedAt, inc.UpdatedAt = from.Version, from.CreatedAt, from.UpdatedAt
	return inc
}
