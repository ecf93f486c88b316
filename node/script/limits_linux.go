//go:build linux

package script

import (
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// limitWorkerRuntime sets a worker's Go limits: a soft heap target, so the
// collector works hard before memory runs out, and a smaller maximum
// goroutine stack.
func limitWorkerRuntime() {
	debug.SetMemoryLimit(WorkerMemorySoft)
	debug.SetMaxStack(256 << 20)
}

// limitWorkerAddressSpace sets RLIMIT_AS, the hard stop the kernel enforces
// on the whole address space: the worker's present size (the Go runtime
// reserves address space it never touches) plus WorkerHeadroom. A script
// that gets past the sandbox's caps dies here, alone.
func limitWorkerAddressSpace() {
	headroom := uint64(WorkerHeadroom)
	// Tests may lower (never raise) the headroom to exercise the hard stop.
	if mb, err := strconv.ParseUint(os.Getenv(workerHeadroomEnv), 10, 64); err == nil && mb<<20 < headroom {
		headroom = mb << 20
	}
	limit := vmSize() + headroom
	_ = syscall.Setrlimit(syscall.RLIMIT_AS, &syscall.Rlimit{Cur: limit, Max: limit})
}

// vmSize is this process's virtual size in bytes, or 2 GiB if unknown.
func vmSize() uint64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 2 << 30
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmSize:"); ok {
			f := strings.Fields(rest)
			if len(f) > 0 {
				if kb, err := strconv.ParseUint(f[0], 10, 64); err == nil {
					return kb << 10
				}
			}
		}
	}
	return 2 << 30
}

// processCPUTime reads a process's user+system CPU time from /proc.
func processCPUTime(pid int) (time.Duration, bool) {
	return statCPUTime("/proc/" + strconv.Itoa(pid) + "/stat")
}

// statCPUTime reads utime+stime from a /proc stat file.
func statCPUTime(path string) (time.Duration, bool) {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, false
	}
	s := string(data)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, false
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 13 {
		return 0, false
	}
	utime, err1 := strconv.ParseUint(f[11], 10, 64)
	stime, err2 := strconv.ParseUint(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, false
	}
	// Clock ticks are 1/100 s on every Linux configuration Go supports.
	return time.Duration(utime+stime) * (time.Second / 100), true
}

// workerProcAttr makes the kernel kill a worker whose parent dies.
func workerProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}

// threadCPUTimer returns a reader of the calling thread's CPU time (the
// caller must be locked to its thread), or nil if it cannot be read.
func threadCPUTimer() func() (time.Duration, bool) {
	path := "/proc/self/task/" + strconv.Itoa(syscall.Gettid()) + "/stat"
	if _, ok := statCPUTime(path); !ok {
		return nil
	}
	return func() (time.Duration, bool) { return statCPUTime(path) }
}
