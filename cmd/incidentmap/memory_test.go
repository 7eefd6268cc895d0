package main

import (
	"math"
	"runtime"
	"runtime/debug"
	"testing"
	"time"
)

func TestTunedLimit(t *testing.T) {
	for _, tc := range []struct {
		name                     string
		inUse, headroom, ceiling int64
		want                     int64
	}{
		{"in use plus headroom", 300 << 20, 64 << 20, math.MaxInt64, 364 << 20},
		{"at most the ceiling", 300 << 20, 64 << 20, 330 << 20, 330 << 20},
		{"no overflow", math.MaxInt64 - 10, 64 << 20, math.MaxInt64, math.MaxInt64},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tunedLimit(tc.inUse, tc.headroom, tc.ceiling); got != tc.want {
				t.Errorf("tunedLimit(%d, %d, %d) = %d, want %d", tc.inUse, tc.headroom, tc.ceiling, got, tc.want)
			}
		})
	}
}

// waitLimit collects garbage until the memory limit satisfies ok, for at
// most 5 s, and returns the last limit.
func waitLimit(ok func(int64) bool) int64 {
	var l int64
	for range 50 {
		runtime.GC()
		time.Sleep(100 * time.Millisecond) // the finalizer runs on its own goroutine
		if l = debug.SetMemoryLimit(-1); ok(l) {
			break
		}
	}
	return l
}

func TestGCTuner(t *testing.T) {
	before := debug.SetMemoryLimit(-1)
	defer debug.SetMemoryLimit(before)
	const headroom = 16 << 20

	t.Run("follows the live heap both ways", func(t *testing.T) {
		tu := startGCTuner(headroom, 0)
		defer tu.Stop()
		keep := make([]int64, 128<<20/8) // 128 MiB live
		for i := range keep {
			keep[i] = int64(i)
		}
		grown := waitLimit(func(l int64) bool { return l >= 128<<20 })
		if grown < 128<<20+headroom || grown > 128<<20+headroom+64<<20 {
			t.Errorf("with 128 MiB live the limit is %d MiB, want 144 MiB and at most 64 MiB of runtime memory over it", grown>>20)
		}
		runtime.KeepAlive(keep)
		keep = nil
		shrunk := waitLimit(func(l int64) bool { return l < 128<<20 })
		if shrunk >= 128<<20 || shrunk < headroom {
			t.Errorf("with 128 MiB freed the limit is %d MiB, want it to follow the live heap down", shrunk>>20)
		}
		tu.Stop()
		if l := debug.SetMemoryLimit(-1); l != before {
			t.Errorf("after Stop the limit is %d, want %d as it was", l, before)
		}
		runtime.GC()
		time.Sleep(100 * time.Millisecond)
		if l := debug.SetMemoryLimit(-1); l != before {
			t.Errorf("a collection after Stop set the limit to %d, want %d", l, before)
		}
	})
	t.Run("never above the ceiling", func(t *testing.T) {
		tu := startGCTuner(1<<40, 200<<20)
		defer tu.Stop()
		if l := waitLimit(func(int64) bool { return true }); l != 200<<20 {
			t.Errorf("limit %d, want the ceiling %d", l, 200<<20)
		}
	})
	t.Run("headroom 0 leaves Go's rule", func(t *testing.T) {
		if tu := startGCTuner(0, 0); tu != nil {
			tu.Stop()
			t.Fatal("a tuner started with headroom 0")
		}
		if l := debug.SetMemoryLimit(-1); l != before {
			t.Errorf("limit %d, want %d untouched", l, before)
		}
	})
}
