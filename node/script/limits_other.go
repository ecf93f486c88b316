//go:build !linux

package script

import (
	"runtime/debug"
	"syscall"
	"time"
)

// limitWorkerRuntime sets a worker's Go limits: a soft heap target and a
// smaller maximum goroutine stack.
func limitWorkerRuntime() {
	debug.SetMemoryLimit(WorkerMemorySoft)
	debug.SetMaxStack(256 << 20)
}

// limitWorkerAddressSpace does nothing outside Linux: RLIMIT_AS is not
// portable, so memory is bounded by the soft heap target and the caps.
func limitWorkerAddressSpace() {}

func workerProcAttr() *syscall.SysProcAttr { return nil }

// processCPUTime is unknown here: the guard falls back to wall time.
func processCPUTime(pid int) (time.Duration, bool) { return 0, false }

// threadCPUTimer is unknown here: the in-process guard uses wall time.
func threadCPUTimer() func() (time.Duration, bool) { return nil }
