//go:build unix

package p2p_test

import (
	"syscall"
	"time"
)

// cpuTime returns the CPU time this process has used, all threads. The
// benchmarks report CPU-time ratios next to wall-clock ones, which on a
// shared machine also count waiting for a core.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
