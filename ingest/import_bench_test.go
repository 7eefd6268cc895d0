package ingest

import (
	"bytes"
	"context"
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
