package tui

import (
	"bytes"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
)

const (
	phaseIdle phase = iota
	phaseUpdate
)

// phase says where the code under test is: the harness sets phaseUpdate
// around Update and View, and the fakes record any call made then.
type phase int32

// probe records calls to the fakes made from Update or View: while the
// harness is in phaseUpdate, on the goroutine that runs Update (a command
// the harness stopped waiting for may still call the fakes from its own
// goroutine then, on a loaded machine; that is no violation).
type probe struct {
	phase      atomic.Int32
	updater    atomic.Uint64 // the goroutine that runs Update, in phaseUpdate
	mu         sync.Mutex
	violations []string
	calls      []string
}

// enter and leave bracket Update and View.
func (p *probe) enter() {
	p.updater.Store(goroutineID())
	p.phase.Store(int32(phaseUpdate))
}

func (p *probe) leave() { p.phase.Store(int32(phaseIdle)) }

func (p *probe) record(call string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls = append(p.calls, call)
	if phase(p.phase.Load()) == phaseUpdate && goroutineID() == p.updater.Load() {
		p.violations = append(p.violations, call)
	}
}

// goroutineID is the calling goroutine's number, from its stack header
// ("goroutine 42 [running]:").
func goroutineID() uint64 {
	var buf [64]byte
	b := buf[:runtime.Stack(buf[:], false)]
	b = bytes.TrimPrefix(b, []byte("goroutine "))
	id, _ := strconv.ParseUint(string(b[:bytes.IndexByte(b, ' ')]), 10, 64)
	return id
}

func (p *probe) Calls() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.calls)
}

func (p *probe) Violations() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.violations)
}
