package script

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"time"
)

// inProcess runs scripts in sandboxes of this process. It keeps a few idle
// sandboxes so that hardening a runtime is paid once, not per call.
type inProcess struct {
	mu     sync.Mutex
	idle   []*sandbox
	budget uint64        // fuel per write; 0 means FuelPerWrite (tests lower it)
	guard  time.Duration // 0 means WallClockGuard (tests lower it)
}

const maxIdleSandboxes = 8

var errCancelled = errors.New("cancelled")

func newInProcess() *inProcess { return &inProcess{} }

func (r *inProcess) get() (*sandbox, error) {
	r.mu.Lock()
	if n := len(r.idle); n > 0 {
		sb := r.idle[n-1]
		r.idle = r.idle[:n-1]
		r.mu.Unlock()
		return sb, nil
	}
	r.mu.Unlock()
	return newSandbox()
}

func (r *inProcess) put(sb *sandbox) {
	if !sb.usable() {
		return
	}
	r.mu.Lock()
	if len(r.idle) < maxIdleSandboxes {
		r.idle = append(r.idle, sb)
	}
	r.mu.Unlock()
}

// Validate implements Runner.
func (r *inProcess) Validate(ctx context.Context, p *Program, w Write, c Context, l Ledger) (Verdict, error) {
	if err := ctx.Err(); err != nil {
		return Verdict{}, err
	}
	if p == nil {
		return Verdict{}, errors.New("script: Validate needs a compiled program")
	}
	sb, err := r.get()
	if err != nil {
		return Verdict{}, err
	}
	sb.budget = r.budget
	guard := r.guard
	if guard == 0 {
		guard = WallClockGuard
	}
	v, err := runGuarded(ctx, sb, p, w, c, l, guard)
	r.put(sb)
	return v, err
}

// runGuarded runs one validation with the guard and context cancellation
// wired to the runtime's interrupt. In-process the guard can only stop
// JavaScript between instructions; the worker pool kills the process
// instead. The goroutine stays on its thread for the call so that, where
// the thread's CPU time can be read (Linux), the guard counts the script's
// CPU time, not the wall clock: a busy machine does not make it too slow.
func runGuarded(ctx context.Context, sb *sandbox, p *Program, w Write, c Context, l Ledger, guard time.Duration) (Verdict, error) {
	if l == nil {
		l = emptyLedger{}
	}
	return guarded(ctx, sb, guard, func() (Verdict, error) { return sb.run(p, w, c, l) })
}

// guarded runs f in sb under the CPU-time guard and ctx: either one
// interrupts the script and marks the sandbox dirty (it is replaced, not
// reused); a cancelled ctx wins over f's answer.
func guarded[T any](ctx context.Context, sb *sandbox, guard time.Duration, f func() (T, error)) (T, error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	g := newGuard(guard, threadCPUTimer(), func() { sb.vm.Interrupt(errTooSlow) })
	stopCtx := context.AfterFunc(ctx, func() { sb.vm.Interrupt(errCancelled) })
	sb.guard = guard
	v, err := f()
	g.stop()
	if g.fired() {
		sb.dirty = true
	}
	if !stopCtx() {
		sb.dirty = true
		if ctx.Err() != nil {
			var zero T
			return zero, ctx.Err()
		}
	}
	return v, err
}
