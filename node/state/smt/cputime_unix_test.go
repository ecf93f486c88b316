//go:build unix

package smt

import (
	"syscall"
	"time"
)

// cpuTime returns the CPU time this process has used (all threads, so
// garbage collection counts too). Benchmarks report it next to wall time,
// which on a shared machine also counts waiting for a core.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
