//go:build !unix

package gazetteer

// cpuNanos is 0 where getrusage is missing; the cpu-ns/op metric then
// reads 0.
func cpuNanos() int64 { return 0 }
