package script

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"
)

// serviceLog records which call a worker served, in order. Every call's
// script makes one ledger query, answered in the parent while the call
// holds its worker, so the order of queries is the order of service.
type serviceLog struct {
	mu    sync.Mutex
	order []string
}

func (s *serviceLog) add(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.order = append(s.order, name)
}

func (s *serviceLog) get() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.order)
}

// laneLedger logs its call's name at its query, then closes entered (if
// set) and holds the worker until gate (if set) is closed. The guard does
// not count time spent answering queries, so a held call is never "too slow".
type laneLedger struct {
	name    string
	log     *serviceLog
	entered chan struct{}
	gate    <-chan struct{}
}

func (l *laneLedger) Balance(string) (uint64, error) {
	l.log.add(l.name)
	if l.entered != nil {
		close(l.entered)
	}
	if l.gate != nil {
		<-l.gate
	}
	return 1, nil
}

func (l *laneLedger) PaidTotal(string, string) (uint64, error) { return 0, nil }
func (l *laneLedger) Owner(string) (string, bool, error)       { return "", false, nil }

const laneScript = `function validate(w, c) { return c.balance(w.signer) === 1 }`

// waitUntil polls cond until it holds, failing the test after a generous cap.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(60 * time.Second); !cond(); time.Sleep(2 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting until %s", what)
		}
	}
}

func waitClosed(t *testing.T, what string, ch <-chan struct{}) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(60 * time.Second):
		t.Fatalf("gave up waiting until %s", what)
	}
}

func lanePool(t *testing.T, n int) *Pool {
	t.Helper()
	pool, err := NewPool(n)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pool.Close() })
	pool.guard = testGuard()
	return pool
}

// laneCall runs laneScript on r in the background; done gets its outcome.
func laneCall(ctx context.Context, r Runner, prog *Program, l *laneLedger, done chan<- error) {
	go func() {
		v, err := r.Validate(ctx, prog, Write{Signer: alice}, Context{Keyspace: "ks"}, l)
		if err == nil && !v.Allowed {
			err = fmt.Errorf("%s: refused: %+v", l.name, v)
		} else if err != nil {
			err = fmt.Errorf("%s: %w", l.name, err)
		}
		done <- err
	}()
}

// With the only worker busy on a slow admission check and two more
// admission checks queued, a block-validation call that comes last is
// served first when the worker frees.
func TestPoolBlockValidationServedBeforeQueuedAdmission(t *testing.T) {
	pool := lanePool(t, 1)
	prog := mustCompile(t, laneScript)
	log := &serviceLog{}
	gate, entered := make(chan struct{}), make(chan struct{})
	done := make(chan error, 4)
	ctx := context.Background()
	adm, blk := pool.ForAdmission(), pool.ForBlocks()

	laneCall(ctx, adm, prog, &laneLedger{name: "admission 1", log: log, entered: entered, gate: gate}, done)
	waitClosed(t, "admission 1 holds the worker", entered)
	laneCall(ctx, adm, prog, &laneLedger{name: "admission 2", log: log}, done)
	waitUntil(t, "admission 2 waits", func() bool { return pool.queued(laneAdmission) == 1 })
	laneCall(ctx, adm, prog, &laneLedger{name: "admission 3", log: log}, done)
	waitUntil(t, "admission 3 waits", func() bool { return pool.queued(laneAdmission) == 2 })
	laneCall(ctx, blk, prog, &laneLedger{name: "block", log: log}, done)
	waitUntil(t, "the block waits", func() bool { return pool.queued(laneBlocks) == 1 })

	close(gate)
	for range 4 {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
	want := []string{"admission 1", "block", "admission 2", "admission 3"}
	if got := log.get(); !slices.Equal(got, want) {
		t.Fatalf("order of service %q, want %q", got, want)
	}
}

// With two workers, admission checks hold at most one: a block-validation
// call finds the other free while an admission check is slow and another
// waits.
func TestPoolReservesAWorkerForBlocks(t *testing.T) {
	pool := lanePool(t, 2)
	prog := mustCompile(t, laneScript)
	log := &serviceLog{}
	gate := make(chan struct{})
	entered1, entered2 := make(chan struct{}), make(chan struct{})
	done := make(chan error, 3)
	ctx := context.Background()
	adm, blk := pool.ForAdmission(), pool.ForBlocks()

	laneCall(ctx, adm, prog, &laneLedger{name: "admission 1", log: log, entered: entered1, gate: gate}, done)
	waitClosed(t, "admission 1 holds a worker", entered1)
	laneCall(ctx, adm, prog, &laneLedger{name: "admission 2", log: log, entered: entered2, gate: gate}, done)
	waitUntil(t, "admission 2 waits or runs", func() bool {
		select {
		case <-entered2:
			return true
		default:
			return pool.queued(laneAdmission) == 1
		}
	})
	select {
	case <-entered2:
		close(gate)
		t.Fatal("a second admission check took the last worker")
	default:
	}
	v, err := blk.Validate(ctx, prog, Write{Signer: alice}, Context{Keyspace: "ks"}, &laneLedger{name: "block", log: log})
	if err != nil || !v.Allowed {
		t.Fatalf("block: %+v, %v", v, err)
	}
	close(gate)
	for range 2 {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
	want := []string{"admission 1", "block", "admission 2"}
	if got := log.get(); !slices.Equal(got, want) {
		t.Fatalf("order of service %q, want %q", got, want)
	}
}

// A queued call whose context ends leaves the queue and takes no worker
// with it; a queued call gets ErrClosed when the pool closes.
func TestPoolQueuedCallsCancelAndClose(t *testing.T) {
	pool := lanePool(t, 1)
	prog := mustCompile(t, laneScript)
	log := &serviceLog{}
	gate, entered := make(chan struct{}), make(chan struct{})
	done := make(chan error, 4)
	adm, blk := pool.ForAdmission(), pool.ForBlocks()

	laneCall(context.Background(), adm, prog, &laneLedger{name: "holder", log: log, entered: entered, gate: gate}, done)
	waitClosed(t, "the holder holds the worker", entered)
	for _, r := range []struct {
		name string
		r    Runner
		ln   lane
	}{{"admission", adm, laneAdmission}, {"block", blk, laneBlocks}} {
		ctx, cancel := context.WithCancel(context.Background())
		laneCall(ctx, r.r, prog, &laneLedger{name: r.name, log: log}, done)
		waitUntil(t, r.name+" waits", func() bool { return pool.queued(r.ln) == 1 })
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("cancelled %s: %v, want context.Canceled", r.name, err)
		}
		if n := pool.queued(r.ln); n != 0 {
			t.Errorf("cancelled %s: %d calls still queued", r.name, n)
		}
	}
	close(gate)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	// The worker came back: both lanes are served.
	for _, r := range []Runner{adm, blk} {
		if v, err := r.Validate(context.Background(), prog, Write{Signer: alice}, Context{}, &laneLedger{name: "after", log: log}); err != nil || !v.Allowed {
			t.Fatalf("after cancelling: %+v, %v", v, err)
		}
	}

	gate, entered = make(chan struct{}), make(chan struct{})
	laneCall(context.Background(), blk, prog, &laneLedger{name: "holder 2", log: log, entered: entered, gate: gate}, done)
	waitClosed(t, "the second holder holds the worker", entered)
	laneCall(context.Background(), adm, prog, &laneLedger{name: "admission queued at close", log: log}, done)
	laneCall(context.Background(), blk, prog, &laneLedger{name: "block queued at close", log: log}, done)
	waitUntil(t, "both wait", func() bool { return pool.queued(laneAdmission) == 1 && pool.queued(laneBlocks) == 1 })
	closed := make(chan struct{})
	go func() {
		pool.Close()
		close(closed)
	}()
	for range 2 {
		if err := <-done; !errors.Is(err, ErrClosed) {
			t.Errorf("queued at close: %v, want ErrClosed", err)
		}
	}
	close(gate)
	<-done // the holder: its worker was killed under it
	waitClosed(t, "Close returns", closed)
}

// queued reports how many calls of lane ln wait for a worker.
func (p *Pool) queued(ln lane) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.queue[ln])
}

// concurrencyLedger tracks how many admission calls hold a worker at once.
type concurrencyLedger struct {
	mu       sync.Mutex
	now, max int
}

func (l *concurrencyLedger) enter() func() {
	l.mu.Lock()
	l.now++
	l.max = max(l.max, l.now)
	l.mu.Unlock()
	return func() {
		l.mu.Lock()
		l.now--
		l.mu.Unlock()
	}
}

type countingLedger struct {
	c *concurrencyLedger // nil: not counted
}

func (l countingLedger) Balance(string) (uint64, error) {
	if l.c != nil {
		defer l.c.enter()()
		time.Sleep(200 * time.Microsecond) // widen the window for overlaps
	}
	return 1, nil
}
func (l countingLedger) PaidTotal(string, string) (uint64, error) { return 0, nil }
func (l countingLedger) Owner(string) (string, bool, error)       { return "", false, nil }

// Many calls of both lanes, some given up while they wait: every call
// ends, admission never holds both workers, and afterwards every worker
// is idle and nothing is queued or counted.
func TestPoolLanesUnderLoad(t *testing.T) {
	pool := lanePool(t, 2)
	prog := mustCompile(t, laneScript)
	adm := &concurrencyLedger{}
	var wg sync.WaitGroup
	errs := make(chan error, 8*20)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 20 {
				r, l := pool.ForBlocks(), Ledger(countingLedger{})
				if g%2 == 0 {
					r, l = pool.ForAdmission(), countingLedger{adm}
				}
				ctx, cancel := context.WithCancel(context.Background())
				if i%5 == 4 {
					cancel() // given up at once, likely while queued
				}
				v, err := r.Validate(ctx, prog, Write{Signer: alice}, Context{}, l)
				cancel()
				if err != nil && !errors.Is(err, context.Canceled) || err == nil && !v.Allowed {
					errs <- fmt.Errorf("goroutine %d call %d: %+v, %v", g, i, v, err)
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if adm.max > 1 {
		t.Errorf("admission held %d workers at once, want at most 1 of 2", adm.max)
	}
	pool.mu.Lock()
	defer pool.mu.Unlock()
	if len(pool.idle) != 2 || pool.admitting != 0 || len(pool.queue[laneBlocks])+len(pool.queue[laneAdmission]) != 0 {
		t.Errorf("after the calls: %d idle, %d admitting, %d+%d queued", len(pool.idle), pool.admitting, len(pool.queue[laneBlocks]), len(pool.queue[laneAdmission]))
	}
}
