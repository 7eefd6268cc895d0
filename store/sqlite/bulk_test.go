package sqlite

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/incidentmap/incidentmap"
	"github.com/incidentmap/incidentmap/store/storetest"
	"github.com/jmoiron/sqlx"
)

// bulkRowsFixture is more incidents than revisionRows, so that a bulk
// load copies revisions during the load and after it, with external ids
// that JSON escapes and spans across a leap day and a year.
func bulkRowsFixture() []*incidentmap.Incident {
	incs := storetest.Synthetic(revisionRows+bulkRows+bulkRows/2, 7)
	for i, x := range []string{`x:quote"d`, `x:back\slash`, `x:<tag>&amp;`, "x:é ü", "x:emoji 🙂"} {
		incs[i].ExternalIDs = []string{x, fmt.Sprintf("%d:second", i), fmt.Sprintf("%d:third", i)}
	}
	incs[10].ExternalIDs = nil
	incs[11].OccurredStart = time.Date(2020, 2, 27, 0, 0, 0, 0, time.UTC)
	incs[11].OccurredEnd = time.Date(2021, 3, 2, 0, 0, 0, 0, time.UTC)
	incs[12].OccurredStart = time.Date(2019, 12, 31, 0, 0, 0, 0, time.UTC)
	incs[12].OccurredEnd = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	return incs
}

// TestBulkLoadRows checks, column by column and byte for byte, that a bulk
// load leaves the same incidents, external ids, revisions and data version
// as ImportIncidents, which writes row by row through the triggers, at the
// same instant, and a database whose indexes agree with their tables.
func TestBulkLoadRows(t *testing.T) {
	ctx := incidentmap.WithActor(context.Background(), "loader")
	at := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	bulk, rows := openFile(t), openFile(t)
	defer bulk.Close()
	defer rows.Close()
	bulk.Now = func() time.Time { return at }
	rows.Now = bulk.Now
	res, err := bulk.UpsertIncidents(ctx, storetest.Items(bulkRowsFixture()...), incidentmap.ImportOptions{})
	if err != nil || !res.Bulk {
		t.Fatalf("bulk load: %+v, %v", res, err)
	}
	if err := rows.ImportIncidents(ctx, bulkRowsFixture()); err != nil {
		t.Fatal(err)
	}
	var check string
	if err := bulk.db.QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&check); err != nil || check != "ok" {
		t.Errorf("integrity_check after a bulk load: %q, %v", check, err)
	}
	// The load runs with foreign_keys off: every reference must hold.
	if got := dump(t, bulk, `PRAGMA foreign_key_check`); len(got) != 0 {
		t.Errorf("foreign_key_check after a bulk load: %q", got)
	}
	for _, q := range []string{
		`SELECT * FROM incidents ORDER BY rid`,
		`SELECT * FROM incident_external_ids ORDER BY incident_id, position`,
		`SELECT * FROM incident_revisions ORDER BY seq`,
		`SELECT * FROM data_version`,
	} {
		t.Run(q, func(t *testing.T) {
			got, want := dump(t, bulk, q), dump(t, rows, q)
			if len(got) != len(want) {
				t.Fatalf("%d rows after a bulk load, %d row by row", len(got), len(want))
			}
			for i := range got {
				if !reflect.DeepEqual(got[i], want[i]) {
					t.Fatalf("row %d after a bulk load:\n%q\nrow by row:\n%q", i, got[i], want[i])
				}
			}
		})
	}
}

// dump reads the rows of q, each value as text (a blob or text as its
// bytes), so that rows compare byte for byte.
func dump(t *testing.T, s *Store, q string) [][]string {
	t.Helper()
	rows, err := s.db.Query(q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		t.Fatal(err)
	}
	var out [][]string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		row := make([]string, len(cols))
		for i, v := range vals {
			row[i] = fmt.Sprintf("%s=%T:%v", cols[i], v, v)
			if b, ok := v.([]byte); ok {
				row[i] = fmt.Sprintf("%s=%T:%s", cols[i], v, b)
			}
		}
		out = append(out, row)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestBulkPragmasUndone checks that the writer's connection is back to
// the settings of its DSN (and SQLite's defaults) after a bulk load,
// whether it succeeds or fails.
func TestBulkPragmasUndone(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		name string
		incs []*incidentmap.Incident
	}{
		{"success", storetest.Synthetic(10, 1)},
		{"failure", append(storetest.Synthetic(10, 1), storetest.Synthetic(1, 1)...)}, // a repeated id
	} {
		t.Run(c.name, func(t *testing.T) {
			s := openFile(t)
			defer s.Close()
			_, err := s.UpsertIncidents(ctx, storetest.Items(c.incs...), incidentmap.ImportOptions{})
			if (err != nil) != (c.name == "failure") {
				t.Fatalf("import: %v", err)
			}
			for _, p := range []struct {
				name string
				want int
			}{{"temp_store", 2 /* MEMORY, as the DSN sets it */}, {"threads", 0}, {"foreign_keys", 1}} {
				var got int
				if err := s.db.QueryRowContext(ctx, `PRAGMA `+p.name).Scan(&got); err != nil {
					t.Fatal(err)
				}
				if got != p.want {
					t.Errorf("%s after a bulk load: %d, want %d", p.name, got, p.want)
				}
			}
		})
	}
}

// TestBulkJournal checks that a bulk load into an empty file database of a
// store opened with ExclusiveImports writes past the WAL (its pages go to
// the database file, so the WAL stays small), leaves the file in WAL mode
// whether the load succeeds or fails, and that it loads through the WAL as
// before when another connection has the file open or the option is off.
func TestBulkJournal(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		name             string
		exclusive, other bool
		incs             []*incidentmap.Incident
		wantErr, pastWAL bool
	}{
		{name: "exclusive", exclusive: true, incs: storetest.Synthetic(4000, 3), pastWAL: true},
		{name: "exclusive, fails", exclusive: true, incs: append(storetest.Synthetic(4000, 3), storetest.Synthetic(1, 3)...), wantErr: true},
		{name: "not exclusive", incs: storetest.Synthetic(4000, 3)},
		{name: "exclusive, another connection open", exclusive: true, other: true, incs: storetest.Synthetic(4000, 3)},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "j.db")
			s, err := OpenOptions(ctx, path, Options{ExclusiveImports: c.exclusive})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if c.other {
				other, err := sqlx.Open("sqlite", path)
				if err != nil {
					t.Fatal(err)
				}
				defer other.Close()
				var n int
				if err := other.QueryRowContext(ctx, `SELECT count(*) FROM incidents`).Scan(&n); err != nil {
					t.Fatal(err)
				}
			}
			walBefore := fileSize(t, path+"-wal")
			start := time.Now()
			_, err = s.UpsertIncidents(ctx, storetest.Items(c.incs...), incidentmap.ImportOptions{})
			if (err != nil) != c.wantErr {
				t.Fatalf("import: %v", err)
			}
			t.Logf("import of %d: %v", len(c.incs), time.Since(start))
			// 4,000 incidents are about 4 MB of pages: through the WAL,
			// it grows by about that much (a load that fails may not
			// have written its pages anywhere yet).
			grew := fileSize(t, path+"-wal") - walBefore
			if !c.wantErr && c.pastWAL != (grew < 512<<10) {
				t.Errorf("the WAL grew by %d bytes; want the load past the WAL: %v", grew, c.pastWAL)
			}
			var mode string
			if err := s.db.QueryRowContext(ctx, `PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "wal" {
				t.Errorf("journal_mode after the load: %q (%v), want wal", mode, err)
			}
			n, err := s.CountIncidents(ctx, incidentmap.Filter{})
			if want := map[bool]int{false: len(c.incs), true: 0}[c.wantErr]; err != nil || n != want {
				t.Errorf("after the load: %d incidents (%v), want %d", n, err, want)
			}
		})
	}
}

// fileSize is the size of the file at path, 0 when there is none.
func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	st, err := os.Stat(path)
	if errors.Is(err, os.ErrNotExist) {
		return 0
	} else if err != nil {
		t.Fatal(err)
	}
	return st.Size()
}
