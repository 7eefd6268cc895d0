//go:build unix

package gazetteer

import "syscall"

// cpuNanos returns the CPU time (user and system) the process has used,
// in nanoseconds. Benchmarks report it per operation beside the wall time,
// which on a shared, loaded machine mostly measures the wait for a core.
func cpuNanos() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
