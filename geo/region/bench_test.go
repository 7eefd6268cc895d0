package region

import (
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/paulmach/orb"
)

// BenchmarkLoad reports the start-up cost of Load and, as retained-MB, the
// heap an Index keeps alive.
func BenchmarkLoad(b *testing.B) {
	b.ReportAllocs()
	var ix *Index
	for b.Loop() {
		var err error
		if ix, err = Load(); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	var before, after runtime.MemStats
	ix = nil
	runtime.GC()
	runtime.ReadMemStats(&before)
	ix = load(b)
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(ix)
	b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/1e6, "retained-MB")
}

// middleEast returns n points spread uniformly over lon 35–75, lat 25–40
// (the Middle East and Afghanistan), the same every time.
func middleEast(n int) []orb.Point {
	rng := rand.New(rand.NewPCG(1, 2))
	pts := make([]orb.Point, n)
	for i := range pts {
		pts[i] = orb.Point{35 + 40*rng.Float64(), 25 + 15*rng.Float64()}
	}
	return pts
}

// BenchmarkLocate reports the time per point; multiply by 100,000 for the
// whole sample.
func BenchmarkLocate(b *testing.B) {
	ix := load(b)
	pts := middleEast(100_000)
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		ix.Locate(pts[i%len(pts)])
		i++
	}
}

// BenchmarkLocate100k locates all 100,000 points once per iteration.
func BenchmarkLocate100k(b *testing.B) {
	ix := load(b)
	pts := middleEast(100_000)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		for _, p := range pts {
			ix.Locate(p)
		}
	}
}
