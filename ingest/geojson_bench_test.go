package ingest

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/incidentmap/incidentmap/store/storetest"
)

// BenchmarkDecodeGeoJSON measures the decoding side of a GeoJSON import
// alone: clustered features are read from a file, decoded, completed
// from the boundaries and validated, and handed to a store that only
// counts them. 10k and 100k always; 1M when INCIDENTMAP_BENCH_1M is set
// (it writes a 713 MB file to a temporary directory). Compare rows/s and
// the CPU time of the run (go test -bench DecodeGeoJSON -cpuprofile).
func BenchmarkDecodeGeoJSON(b *testing.B) {
	sizes := []int{10_000, 100_000}
	if os.Getenv("INCIDENTMAP_BENCH_1M") != "" {
		sizes = append(sizes, 1_000_000)
	}
	opt := geoOptions(b)
	for _, n := range sizes {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			path := filepath.Join(b.TempDir(), "gen.geojson")
			f, err := os.Create(path)
			if err != nil {
				b.Fatal(err)
			}
			if err := storetest.WriteClusteredGeoJSON(f, n, 42); err != nil {
				b.Fatal(err)
			}
			size, _ := f.Seek(0, 1)
			f.Close()
			b.SetBytes(size)
			b.ResetTimer()
			for range b.N {
				f, err := os.Open(path)
				if err != nil {
					b.Fatal(err)
				}
				s := &countingStore{sampleAt: math.MaxInt}
				rep, err := Import(context.Background(), s, f, opt)
				f.Close()
				if err != nil || s.items != n {
					b.Fatalf("%v: %d items\n%s", err, s.items, rep)
				}
			}
			b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}
