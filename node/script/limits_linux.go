//go:build linux

package script

import (
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
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

// restrictWorkerProcess drops what a worker may do once it is serving. The
// worker needs none of it: it reads and writes its three pipes, already
// open. Best effort: an older kernel gets what it supports.
//
//   - no_new_privs (no setuid executable can raise its privileges), set on
//     this thread and spread to every thread by the seccomp filter;
//   - a seccomp filter (amd64, arm64) that fails with EPERM the calls that
//     open or change files, execute programs, make sockets, trace or read
//     other processes, or reach namespaces, keys, BPF and io_uring;
//   - a Landlock ruleset (kernel 5.13+) that denies every filesystem access
//     and, from Landlock ABI 4, TCP bind and connect, from ABI 6 abstract
//     Unix sockets and signals. Landlock restricts one thread at a time, so
//     it needs AllThreadsSyscall, which a binary linked with cgo (the node
//     is, for the resolver) does not have: there the filter stands alone.
func restrictWorkerProcess() {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
		return
	}
	installSeccomp()
	restrictLandlock()
}

// installSeccomp installs the deny-list filter on every thread (TSYNC).
func installSeccomp() {
	if seccompArch == 0 {
		return
	}
	const (
		ldAbs     = 0x20 // BPF_LD | BPF_W | BPF_ABS
		jeq       = 0x15 // BPF_JMP | BPF_JEQ | BPF_K
		jge       = 0x35 // BPF_JMP | BPF_JGE | BPF_K
		ret       = 0x06 // BPF_RET | BPF_K
		retAllow  = 0x7fff0000
		retErrno  = 0x00050000
		setFilter = 1 // SECCOMP_SET_MODE_FILTER
		tsync     = 1 // SECCOMP_FILTER_FLAG_TSYNC
	)
	// deny is the last instruction; jumps are relative to the next one.
	n := 4 + len(deniedSyscalls) + 2
	deny := n - 1
	f := []unix.SockFilter{
		{Code: ldAbs, K: 4}, // seccomp_data.arch
		{Code: jeq, K: seccompArch, Jf: uint8(deny - 2)},
		{Code: ldAbs, K: 0}, // seccomp_data.nr
		{Code: jge, K: 0x40000000, Jt: uint8(deny - 3 - 1)}, // x32 and other aliases
	}
	for _, nr := range deniedSyscalls {
		f = append(f, unix.SockFilter{Code: jeq, K: nr, Jt: uint8(deny - len(f) - 1)})
	}
	f = append(f, unix.SockFilter{Code: ret, K: retAllow}, unix.SockFilter{Code: ret, K: retErrno | uint32(syscall.EPERM)})
	prog := unix.SockFprog{Len: uint16(len(f)), Filter: &f[0]}
	_, _, _ = syscall.Syscall(unix.SYS_SECCOMP, setFilter, tsync, uintptr(unsafe.Pointer(&prog)))
}

// restrictLandlock applies the Landlock ruleset to every thread, where the
// kernel and the binary allow.
func restrictLandlock() {
	abi, _, e := syscall.Syscall(unix.SYS_LANDLOCK_CREATE_RULESET, 0, 0, unix.LANDLOCK_CREATE_RULESET_VERSION)
	if e != 0 || int(abi) < 1 {
		return
	}
	attr := unix.LandlockRulesetAttr{Handled_access_fs: 1<<13 - 1} // ABI 1: execute ... make_sym
	size := unsafe.Sizeof(attr.Handled_access_fs)
	if abi >= 2 {
		attr.Handled_access_fs |= 1 << 13 // refer
	}
	if abi >= 3 {
		attr.Handled_access_fs |= 1 << 14 // truncate
	}
	if abi >= 4 {
		attr.Handled_access_net = unix.LANDLOCK_ACCESS_NET_BIND_TCP | unix.LANDLOCK_ACCESS_NET_CONNECT_TCP
		size += unsafe.Sizeof(attr.Handled_access_net)
	}
	if abi >= 5 {
		attr.Handled_access_fs |= 1 << 15 // ioctl on devices
	}
	if abi >= 6 {
		attr.Scoped = unix.LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET | unix.LANDLOCK_SCOPE_SIGNAL
		size += unsafe.Sizeof(attr.Scoped)
	}
	fd, _, e := syscall.Syscall(unix.SYS_LANDLOCK_CREATE_RULESET, uintptr(unsafe.Pointer(&attr)), size, 0)
	if e != 0 {
		return
	}
	defer syscall.Close(int(fd))
	_, _, _ = syscall.AllThreadsSyscall(unix.SYS_LANDLOCK_RESTRICT_SELF, fd, 0, 0)
}

// closeOnExecAll sets close-on-exec on every descriptor above stderr.
func closeOnExecAll() {
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return
	}
	for _, e := range entries {
		if fd, err := strconv.Atoi(e.Name()); err == nil && fd > 2 {
			syscall.CloseOnExec(fd)
		}
	}
}
