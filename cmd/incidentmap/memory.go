package main

import (
	"math"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
)

// defaultGCHeadroom is the default of --gc-headroom: 64 MiB.
const defaultGCHeadroom = 64 << 20

// gcTuner keeps Go's soft memory limit at what the last garbage collection
// left in use plus a fixed headroom, bounded above by a ceiling (the
// --memory-limit, or none).
//
// Go's own rule lets the heap grow to twice what is live before it
// collects: with the read models of a million incidents live (≈200 MB)
// that is ≈200 MB of garbage on top, and the peak RSS follows it. A fixed
// limit would bound that, but a larger data set, whose live heap reaches
// the limit, would make the collector run without pause. The tuner's
// limit follows the live heap instead: after every collection it is set
// anew to the memory then in use plus headroom, so the heap grows by at
// most headroom (or doubles, when that is less) between collections,
// whatever the data's size. The collector then runs once per headroom of
// allocation: a page of 10,000 items allocates ≈200 KB, so 64 MiB is a
// collection every few hundred such pages, each marking little (the read
// models' columns hold no pointers).
type gcTuner struct {
	headroom, ceiling int64
	prev              int64 // the limit before the tuner started

	mu      sync.Mutex
	stopped bool
}

// startGCTuner starts tuning the limit with headroom, never above
// ceiling (0 or less: Go's limit as it was, math.MaxInt64 when none was
// set); it returns nil and does nothing when headroom is 0.
func startGCTuner(headroom, ceiling int64) *gcTuner {
	if headroom <= 0 {
		return nil
	}
	prev := debug.SetMemoryLimit(-1)
	if ceiling <= 0 {
		ceiling = prev
	}
	t := &gcTuner{headroom: headroom, ceiling: ceiling, prev: prev}
	t.tune()
	t.arm()
	return t
}

// Stop ends the tuning and restores the limit it found.
func (t *gcTuner) Stop() {
	if t == nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.stopped = true
	debug.SetMemoryLimit(t.prev)
}

// gcSentinel is an object that nothing keeps: its finalizer runs after
// each collection. It is bigger than the tiny allocator's 16 bytes, so
// that it is an object of its own.
type gcSentinel struct{ _ [4]int64 }

// arm sets a finalizer that tunes the limit after the next collection and
// arms the one after.
func (t *gcTuner) arm() {
	runtime.SetFinalizer(&gcSentinel{}, func(*gcSentinel) {
		t.mu.Lock()
		defer t.mu.Unlock()
		if t.stopped {
			return
		}
		t.tuneLocked()
		t.arm()
	})
}

func (t *gcTuner) tune() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.tuneLocked()
}

func (t *gcTuner) tuneLocked() {
	debug.SetMemoryLimit(tunedLimit(inUseAfterGC(), t.headroom, t.ceiling))
}

// tunedLimit is the tuner's rule: the memory in use after the last
// collection plus headroom, at most ceiling.
func tunedLimit(inUse, headroom, ceiling int64) int64 {
	if inUse > math.MaxInt64-headroom {
		return ceiling
	}
	return min(inUse+headroom, ceiling)
}

// inUseMetrics are what inUseAfterGC reads.
var inUseMetrics = []string{
	"/memory/classes/total:bytes",
	"/memory/classes/heap/released:bytes",
	"/memory/classes/heap/free:bytes",
	"/memory/classes/heap/objects:bytes",
	"/gc/heap/live:bytes",
}

// inUseAfterGC returns the memory the runtime counts against its limit
// (everything it mapped but what it returned to the system), less the
// free spans it keeps and the heap objects the last collection found
// dead: the live heap plus the runtime's other memory (stacks, metadata,
// fragmentation).
func inUseAfterGC() int64 {
	s := make([]metrics.Sample, len(inUseMetrics))
	for i, name := range inUseMetrics {
		s[i].Name = name
	}
	metrics.Read(s)
	v := func(i int) int64 {
		if s[i].Value.Kind() != metrics.KindUint64 {
			return 0
		}
		return int64(s[i].Value.Uint64())
	}
	total, released, free, objects, live := v(0), v(1), v(2), v(3), v(4)
	return max(total-released-free-objects+live, live)
}
