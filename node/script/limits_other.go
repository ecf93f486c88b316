//go:build !linux

package script

import (
	"runtime/debug"
	"syscall"
	"time"
)

// limitWorker caps a worker process. Outside Linux only the Go limits
// apply: RLIMIT_AS is not portable, so memory is bounded by the soft heap
// target and the sandbox's own caps.
func limitWorker() {
	debug.SetMemoryLimit(WorkerMemorySoft)
	debug.SetMaxStack(256 << 20)
}

func workerProcAttr() *syscall.SysProcAttr { return nil }

// processCPUTime is unknown here: the guard falls back to wall time.
func processCPUTime(pid int) (time.Duration, bool) { return 0, false }
