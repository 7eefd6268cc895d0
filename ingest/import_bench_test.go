package ingest

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/incidentmap/incidentmap/store/storetest"
)

// BenchmarkImportGeoJSON imports 20,000 clustered features into an empty
// in-memory SQLite store, completing country and province from the
// boundaries; rows/s is the figure to compare.
func BenchmarkImportGeoJSON(b *testing.B) {
	const n = 20_000
	var file bytes.Buffer
	if err := storetest.WriteClusteredGeoJSON(&file, n, 42); err != nil {
		b.Fatal(err)
	}
	opt := geoOptions(&testing.T{})
	b.SetBytes(int64(file.Len()))
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		s := memoryStore(b)
		b.StartTimer()
		rep, err := Import(context.Background(), s, bytes.NewReader(file.Bytes()), opt)
		if err != nil || rep.Created != n {
			b.Fatalf("%v\n%s", err, rep)
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkImportUCDP imports the real UCDP file (16,566 events, from
// ../shared/data; skipped without it) into an empty in-memory SQLite store.
func BenchmarkImportUCDP(b *testing.B) {
	t := &testing.T{}
	data, err := os.ReadFile(filepath.Join(*sharedIncidents, "ucdp_ged_syria_2016_2019.csv"))
	if err != nil {
		b.Skip("SKIPPING: the UCDP file of ../shared/data is missing: ", err)
	}
	opt := geoOptions(t)
	opt.Format = FormatUCDP
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	rows := 0
	for range b.N {
		b.StopTimer()
		s := memoryStore(b)
		b.StartTimer()
		rep, err := Import(context.Background(), s, bytes.NewReader(data), opt)
		if err != nil {
			b.Fatalf("%v\n%s", err, rep)
		}
		rows += rep.Created
	}
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
}
