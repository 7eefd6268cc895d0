package sqlite

import (
	"context"
	"io"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/incidentmap/incidentmap"
	"github.com/incidentmap/incidentmap/store/storetest"
)

// BenchmarkBulkLoad measures the writer of an import alone: 200,000
// clustered incidents, decoded beforehand, loaded by UpsertIncidents into
// an empty file store (the bulk load). It reports the CPU time of the
// process during the load (cpu-s/op), steadier than the wall time on a
// shared machine. Profile it with
//
//	go test -run - -bench BulkLoad -benchtime 1x -cpuprofile cpu.out ./store/sqlite
func BenchmarkBulkLoad(b *testing.B) {
	const n = 200_000
	items := make([]incidentmap.ImportItem, n)
	for i := range items {
		items[i] = incidentmap.ImportItem{Incident: storetest.Clustered(i, 1), Line: i + 1}
	}
	b.ReportAllocs()
	var cpu time.Duration
	for b.Loop() {
		b.StopTimer()
		s := openFile(b)
		b.StartTimer()
		cpu0 := cpuTime()
		i := 0
		next := func() (incidentmap.ImportItem, error) {
			if i == len(items) {
				return incidentmap.ImportItem{}, io.EOF
			}
			i++
			return items[i-1], nil
		}
		res, err := s.UpsertIncidents(context.Background(), next, incidentmap.ImportOptions{})
		if err != nil || res.Created != n {
			b.Fatalf("created %d, err %v", res.Created, err)
		}
		cpu += cpuTime() - cpu0
		b.StopTimer()
		s.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/row")
	b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/op")
}

// cpuTime is the CPU time, user and system, that the process has used:
// on a shared machine a steadier figure than the wall time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkInsertFloor measures what SQLite alone needs to insert the
// same 200,000 rows with the same multi-row INSERTs and nothing else: no
// external ids, revisions, data version or R*Tree, and no index built
// after. "bare" is a table of the same columns without types, keys or
// checks; "incidents" is the incidents table with its secondary indexes
// and row triggers dropped, as during a bulk load (the unique id stays).
// The difference to BenchmarkBulkLoad is what the rest of the load costs.
func BenchmarkInsertFloor(b *testing.B) {
	const n = 200_000
	cols := insertHead[strings.Index(insertHead, "(") : strings.Index(insertHead, ")")+1]
	for _, c := range []struct{ name, setup, head string }{
		{"bare", `CREATE TABLE t ` + cols, `INSERT INTO t ` + cols + ` VALUES `},
		{"incidents", `DROP TRIGGER incidents_rtree_insert; DROP TRIGGER incidents_version_insert;
			DROP TRIGGER incidents_revision_insert; DROP INDEX incidents_occurred; DROP INDEX incidents_country;
			DROP INDEX incidents_event_type; DROP INDEX incidents_target_country`, insertHead},
	} {
		b.Run(c.name, func(b *testing.B) {
			var args []any
			for i := range n {
				row, err := incidentArgs(storetest.Clustered(i, 1), "2026-12-01T00:00:00.000000Z")
				if err != nil {
					b.Fatal(err)
				}
				args = append(append(args, row...), "")
			}
			perRow := len(args) / n
			tuple := "(?" + strings.Repeat(", ?", perRow-1) + ")"
			q := c.head + tuple + strings.Repeat(", "+tuple, bulkRows-1)
			var cpu time.Duration
			for b.Loop() {
				b.StopTimer()
				s := openFile(b)
				tx, err := s.db.Beginx()
				if err != nil {
					b.Fatal(err)
				}
				for _, q := range strings.Split(c.setup, ";") {
					if _, err := tx.Exec(q); err != nil {
						b.Fatal(err)
					}
				}
				st, err := tx.Preparex(q)
				if err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				cpu0 := cpuTime()
				for r := 0; r < n; r += bulkRows {
					if _, err := st.Exec(args[r*perRow : (r+bulkRows)*perRow]...); err != nil {
						b.Fatal(err)
					}
				}
				if err := tx.Commit(); err != nil {
					b.Fatal(err)
				}
				cpu += cpuTime() - cpu0
				b.StopTimer()
				s.Close()
				b.StartTimer()
			}
			b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/op")
		})
	}
}
