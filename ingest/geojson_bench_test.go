//go:build unix

package ingest

import (
	"bytes"
	"context"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/incidentmap/incidentmap/store/storetest"
)

// BenchmarkDecodeGeoJSON measures the decoding side of a GeoJSON import
// alone: clustered features are read from a file, decoded, completed
// from the boundaries and validated, and handed to a store that only
// counts them. 10k and 100k always; 1M when INCIDENTMAP_BENCH_1M is set
// (it writes a 713 MB file to a temporary directory). Compare rows/s and
// cpu-s/op, the CPU time of the process (all goroutines) per import: on a
// shared machine it says more than the wall time.
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
			cpu0 := cpuTime(b)
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
			b.ReportMetric((cpuTime(b)-cpu0).Seconds()/float64(b.N), "cpu-s/op")
		})
	}
}

// cpuTime returns the user and system CPU time of the process so far.
func cpuTime(b *testing.B) time.Duration {
	var u syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &u); err != nil {
		b.Fatal(err)
	}
	return time.Duration(u.Utime.Nano() + u.Stime.Nano())
}

// BenchmarkSplitGeoJSON measures the scanner that splits a collection of
// 10,000 features into raw features, alone: MB/s is the figure.
func BenchmarkSplitGeoJSON(b *testing.B) {
	var file bytes.Buffer
	if err := storetest.WriteClusteredGeoJSON(&file, 10_000, 42); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(file.Len()))
	for range b.N {
		n := 0
		s := &geoScanner{r: bytes.NewReader(file.Bytes())}
		if err := s.collection(func([]byte, int) bool { n++; return true }); err != io.EOF || n != 10_000 {
			b.Fatal(err, n)
		}
	}
}
