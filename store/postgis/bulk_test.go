package postgis_test

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/incidentmap/incidentmap"
	"github.com/incidentmap/incidentmap/store/postgis"
	"github.com/incidentmap/incidentmap/store/storetest"
)

// schemaOf describes what a bulk load takes apart and puts back: the
// indexes, the constraints (with whether they were validated) and the
// triggers (with whether they fire) of the incidents' tables.
func schemaOf(t *testing.T, db *sql.DB) string {
	t.Helper()
	const q = `SELECT 'index ' || indexname || ': ' || indexdef FROM pg_indexes
		WHERE schemaname = current_schema() AND tablename LIKE 'incident%'
	UNION ALL
	SELECT 'constraint ' || conname || ': ' || pg_get_constraintdef(oid) || ' validated ' || convalidated
		FROM pg_constraint WHERE connamespace = current_schema()::regnamespace
	UNION ALL
	SELECT 'trigger ' || tgname || ' on ' || tgrelid::regclass || ': ' || tgenabled::text
		FROM pg_trigger WHERE NOT tgisinternal AND tgrelid::regclass::text LIKE 'incident%'
	ORDER BY 1`
	rows, err := db.Query(q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var lines []string
	for rows.Next() {
		var l string
		if err := rows.Scan(&l); err != nil {
			t.Fatal(err)
		}
		lines = append(lines, l)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return strings.Join(lines, "\n")
}

// openBulk opens a store on a new schema and a plain connection pool to
// the same schema.
func openBulk(t *testing.T) (*postgis.Store, *sql.DB) {
	s, _, db := openWithPool(t)
	return s, db
}

// openWithPool opens a store on a new schema, closed when the test ends,
// and returns it with the schema's DSN and a plain connection pool to it.
func openWithPool(t testing.TB) (*postgis.Store, string, *sql.DB) {
	t.Helper()
	dsn := newSchema(t)
	s, err := postgis.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return s, dsn, db
}

// TestBulkLoad loads into empty stores, with and without an item that
// repeats a key in a later COPY batch: a load leaves the indexes,
// constraints and triggers as they were, and writes all or nothing.
func TestBulkLoad(t *testing.T) {
	testDSN(t)
	const n = 10_050 // two COPY batches
	tests := []struct {
		name    string
		repeat  func(incs []*incidentmap.Incident) // makes the last item repeat a key
		wantErr string
	}{
		{name: "loads", repeat: func([]*incidentmap.Incident) {}},
		{name: "id repeated", repeat: func(incs []*incidentmap.Incident) { incs[n-1].ID = incs[3].ID },
			wantErr: fmt.Sprintf("line %d: its id or an external id repeats an earlier line of this import", n+1)},
		{name: "id repeated in the first batch, a second one follows", repeat: func(incs []*incidentmap.Incident) { incs[9_999].ID = incs[3].ID },
			wantErr: "line 10001: id syn-0000003 repeats line 5"},
		{name: "external id repeated", repeat: func(incs []*incidentmap.Incident) {
			incs[2].ExternalIDs, incs[n-1].ExternalIDs = []string{"x:a", "x:b"}, []string{"x:c", "x:b"}
		}, wantErr: fmt.Sprintf("line %d: its id or an external id repeats an earlier line of this import", n+1)},
		{name: "external id given twice in one item", repeat: func(incs []*incidentmap.Incident) {
			incs[n-1].ExternalIDs = []string{"x:c", "x:c"}
		}, wantErr: fmt.Sprintf(`line %d: external id "x:c" is given twice`, n+1)},
		{name: "fatalities beyond integer", repeat: func(incs []*incidentmap.Incident) {
			big := int64(math.MaxInt32) + 1 // not a constant, so that 32-bit builds compile
			fatalities := int(big)
			incs[n-1].Fatalities = &fatalities
		}, wantErr: fmt.Sprintf("line %d: fatalities: must be at most 2147483647, got 2147483648", n+1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, db := openBulk(t)
			before := schemaOf(t, db)
			incs := storetest.Synthetic(n, 7)
			for i, inc := range incs {
				inc.ExternalIDs = []string{fmt.Sprintf("syn:%d", i)}
			}
			tt.repeat(incs)
			res, err := s.UpsertIncidents(context.Background(), storetest.Items(incs...), incidentmap.ImportOptions{})
			if got := incidentmap.ErrorMessage(err); tt.wantErr != "" && got != tt.wantErr {
				t.Fatalf("error %q (%v), want %q", got, err, tt.wantErr)
			} else if tt.wantErr == "" && (err != nil || !res.Bulk || res.Created != n) {
				t.Fatalf("%+v, %v; want %d created in bulk", res, err, n)
			}
			if after := schemaOf(t, db); after != before {
				t.Errorf("after the load the schema is\n%s\nwant\n%s", after, before)
			}
			want := n
			if tt.wantErr != "" {
				want = 0
			}
			var count, revisions, externalIDs int
			if err := db.QueryRow(`SELECT (SELECT count(*) FROM incidents), (SELECT count(*) FROM incident_revisions),
				(SELECT count(*) FROM incident_external_ids)`).Scan(&count, &revisions, &externalIDs); err != nil {
				t.Fatal(err)
			}
			if count != want || revisions != want || externalIDs != want {
				t.Errorf("%d incidents, %d revisions, %d external ids; want %d of each", count, revisions, externalIDs, want)
			}
		})
	}
}

// TestBulkRevisionsAsRows checks that the revisions a bulk load copies
// hold what the incidents' rows hold, byte for byte, with the external ids
// in their order, in the order of the load.
func TestBulkRevisionsAsRows(t *testing.T) {
	testDSN(t)
	s, db := openBulk(t)
	incs := storetest.Synthetic(40, 3)
	incs[0] = storetest.Full("full")
	incs[1].ExternalIDs = []string{"b:z", "b:a", "b:m"}
	ctx := incidentmap.WithActor(context.Background(), "loader")
	if _, err := s.UpsertIncidents(ctx, storetest.Items(incs...), incidentmap.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	const differ = `SELECT r.incident_id FROM incident_revisions r LEFT JOIN incidents i ON i.id = r.incident_id
		WHERE i.id IS NULL OR r.version <> i.version OR r.op <> 'create' OR r.actor <> i.updated_by OR r.at <> i.updated_at
		   OR r.external_ids <> ARRAY(SELECT x.external_id FROM incident_external_ids x WHERE x.incident_id = i.id ORDER BY x.ord)
		   OR (r.title, r.summary, r.occurred_start, r.occurred_end, r.date_precision, ST_AsEWKB(r.location),
		       r.location_precision, r.place_name, r.country, r.admin1_code, r.admin1_name, r.event_type,
		       r.sub_event_type, r.target_type, r.target_country, r.facility, r.perpetrator, r.actors,
		       r.fatalities, r.injuries, r.tags, r.sources::text, r.responses::text, r.status, r.created_at)
		   IS DISTINCT FROM
		      (i.title, i.summary, i.occurred_start, i.occurred_end, i.date_precision, ST_AsEWKB(i.location),
		       i.location_precision, i.place_name, i.country, i.admin1_code, i.admin1_name, i.event_type,
		       i.sub_event_type, i.target_type, i.target_country, i.facility, i.perpetrator, i.actors,
		       i.fatalities, i.injuries, i.tags, i.sources::text, i.responses::text, i.status, i.created_at)`
	rows, err := db.Query(differ)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		rows.Scan(&id)
		t.Errorf("the revision of %s differs from its incident's row", id)
	}
	var order []string
	rows2, err := db.Query(`SELECT incident_id, actor FROM incident_revisions ORDER BY seq`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows2.Close()
	for rows2.Next() {
		var id, actor string
		if err := rows2.Scan(&id, &actor); err != nil {
			t.Fatal(err)
		}
		if actor != "loader" {
			t.Errorf("revision of %s by %q, want loader", id, actor)
		}
		order = append(order, id)
	}
	if len(order) != len(incs) {
		t.Fatalf("%d revisions, want %d", len(order), len(incs))
	}
	for i, id := range order {
		if id != incs[i].ID {
			t.Fatalf("revision %d is of %s, want %s (the order of the load)", i, id, incs[i].ID)
		}
	}
}

// BenchmarkBulkLoad measures an import of 10,000 synthetic incidents into
// an empty store (the bulk load): the client's and the server's time
// together, per incident. The 1M figures are in the README ("Numbers").
func BenchmarkBulkLoad(b *testing.B) {
	benchImport(b, func(s *postgis.Store, incs []*incidentmap.Incident) error {
		res, err := s.UpsertIncidents(context.Background(), storetest.Items(incs...), incidentmap.ImportOptions{})
		if err == nil && !res.Bulk {
			err = fmt.Errorf("%+v: not loaded in bulk", res)
		}
		return err
	})
}

// TestRepeatedKey checks what a bulk load says of a batch in which keySet
// saw a key again: the first item that repeats a key of the tables, of an
// earlier item of the batch or of its own, and nothing when no key
// repeats (two keys that shared a hash).
func TestRepeatedKey(t *testing.T) {
	testDSN(t)
	s, _ := openBulk(t)
	stored := storetest.Synthetic(3, 5)
	stored[1].ExternalIDs = []string{"x:stored"}
	if _, err := s.UpsertIncidents(context.Background(), storetest.Items(stored...), incidentmap.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	inc := func(id string, externalIDs ...string) *incidentmap.Incident {
		i := storetest.NewIncident(id, 1, 1, "2020-01-01")
		i.ExternalIDs = externalIDs
		return i
	}
	tests := []struct {
		name    string
		batch   []*incidentmap.Incident
		wantErr string
	}{
		{"no key repeats", []*incidentmap.Incident{inc("a", "x:a"), inc("b")}, ""},
		{"id of the table", []*incidentmap.Incident{inc("a"), inc(stored[2].ID)},
			"line 3: its id or an external id repeats an earlier line of this import"},
		{"external id of the table", []*incidentmap.Incident{inc("a"), inc("b", "x:b", "x:stored")},
			"line 3: its id or an external id repeats an earlier line of this import"},
		{"id of the batch", []*incidentmap.Incident{inc("a"), inc("b"), inc("a")}, "line 4: id a repeats line 2"},
		{"external id given twice in one item", []*incidentmap.Incident{inc("a"), inc("b", "x:1", "x:2", "x:1")},
			`line 3: external id "x:1" is given twice`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var items []incidentmap.ImportItem
			next := storetest.Items(tt.batch...)
			for {
				item, err := next()
				if err != nil {
					break
				}
				items = append(items, item)
			}
			err := s.RepeatedKey(context.Background(), items)
			if got := incidentmap.ErrorMessage(err); got != tt.wantErr {
				t.Errorf("error %q (%v), want %q", got, err, tt.wantErr)
			}
		})
	}
}
