package script

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Pool runs scripts in worker processes: copies of this executable started
// with workerEnv set, which MaybeRunWorker turns into workers. Each worker
// limits its own memory (RLIMIT_AS and a soft Go limit) and runs one
// validation at a time. The parent kills a worker that runs past
// WallClockGuard; a worker that dies for any reason becomes a rejected
// verdict and is replaced, while the parent carries on.
//
// A Pool is safe for concurrent use; at most n validations run at once.
// Its callers come in two lanes (lanes.go): block validation is served
// before admission, and admission holds at most n-1 workers.
type Pool struct {
	exe   string
	guard time.Duration
	quit  chan struct{}
	once  sync.Once

	mu      sync.Mutex
	workers map[*worker]struct{} // every live worker, idle or busy
	wg      sync.WaitGroup       // goroutines replacing workers
	sched                        // idle workers and waiting calls (lanes.go)
}

// How long a new worker may take to say hello, and how long the parent
// waits for a killed worker to be reaped.
const (
	workerStartTimeout = 20 * time.Second
	workerReapTimeout  = 5 * time.Second
)

// NewPool starts n worker processes.
func NewPool(n int) (*Pool, error) {
	if n < 1 {
		return nil, fmt.Errorf("script: a pool needs at least one worker, not %d", n)
	}
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("script: find this executable for workers: %w", err)
	}
	p := &Pool{
		exe:     exe,
		guard:   WallClockGuard,
		quit:    make(chan struct{}),
		workers: map[*worker]struct{}{},
		sched:   sched{admitCap: max(n-1, 1)},
	}
	for i := 0; i < n; i++ {
		w, err := p.start()
		if err != nil {
			p.Close()
			return nil, err
		}
		p.added(w)
	}
	return p, nil
}

// Close kills every worker. Validations in progress return ErrClosed.
func (p *Pool) Close() error {
	p.once.Do(func() {
		p.mu.Lock()
		close(p.quit)
		for w := range p.workers {
			w.kill()
		}
		p.mu.Unlock()
		p.wg.Wait()
		p.mu.Lock()
		idle := p.idle
		p.idle = nil
		for _, w := range idle {
			delete(p.workers, w)
		}
		p.mu.Unlock()
		for _, w := range idle {
			w.reap()
		}
	})
	return nil
}

func (p *Pool) closed() bool {
	select {
	case <-p.quit:
		return true
	default:
		return false
	}
}

// Validate implements Runner in the block lane: it is ForBlocks().Validate.
// Admission checks must go through ForAdmission.
func (p *Pool) Validate(ctx context.Context, prog *Program, w Write, c Context, l Ledger) (Verdict, error) {
	return p.validate(ctx, laneBlocks, prog, w, c, l)
}

func (p *Pool) validate(ctx context.Context, ln lane, prog *Program, w Write, c Context, l Ledger) (Verdict, error) {
	if prog == nil {
		return Verdict{}, errors.New("script: Validate needs a compiled program")
	}
	if l == nil {
		l = emptyLedger{}
	}
	if bad := checkWrite(w, c); bad != "" {
		return rejected(CodeInvalidWrite, 0, "%s", bad), nil
	}
	if err := ctx.Err(); err != nil {
		return Verdict{}, err
	}
	wk, err := p.acquire(ctx, ln)
	if err != nil {
		return Verdict{}, err
	}
	v, err, healthy := p.exchange(ctx, wk, prog, w, c, l)
	if healthy {
		p.release(ln, wk)
	} else {
		p.release(ln, nil)
		p.replace(wk)
	}
	return v, err
}

// exchange runs one validation on wk. healthy is false when the worker was
// killed or broke the protocol and must be replaced.
func (p *Pool) exchange(ctx context.Context, wk *worker, prog *Program, w Write, c Context, l Ledger) (v Verdict, err error, healthy bool) {
	g := newGuard(p.guard, wk.cpuTime, wk.kill)
	defer g.stop()
	var cancelled atomic.Bool
	stopCtx := context.AfterFunc(ctx, func() {
		cancelled.Store(true)
		wk.kill()
	})
	defer stopCtx()

	fail := func(cause error) (Verdict, error, bool) {
		wk.kill()
		wk.reap()
		switch {
		case p.closed():
			return Verdict{}, ErrClosed, false
		case cancelled.Load():
			return Verdict{}, ctx.Err(), false
		case g.fired():
			return rejected(CodeTooSlow, 0, "the script took too long (over %v)", p.guard), nil, false
		}
		return wk.deathVerdict(cause), nil, false
	}

	if err := wk.fw.send(frameValidate, encodeRequest(request{hash: prog.hash, w: w, c: c})); err != nil {
		return fail(err)
	}
	var ledgerErr error
	for {
		typ, payload, err := readFrame(wk.out)
		if err != nil {
			return fail(err)
		}
		switch typ {
		case frameNeed:
			if !bytes.Equal(payload, prog.hash[:]) {
				return fail(fmt.Errorf("%w: worker asked for another program", errProtocol))
			}
			e := &enc{b: append([]byte(nil), prog.hash[:]...)}
			if err := wk.fw.send(frameProgram, e.str(prog.source).b); err != nil {
				return fail(err)
			}
		case frameQuery:
			g.pause()
			a, qerr := answerQuery(l, payload)
			g.resume()
			if qerr != nil {
				if errors.Is(qerr, errProtocol) {
					return fail(qerr)
				}
				ledgerErr = qerr
			}
			if err := wk.fw.send(frameAnswer, encodeAnswer(a)); err != nil {
				return fail(err)
			}
		case frameResult:
			v, kind, msg, err := decodeResult(payload)
			// A guard that fired as the result came has killed the worker
			// or is about to: the answer stands, the worker is replaced.
			g.stop()
			healthy := !g.fired()
			switch {
			case err != nil:
				return fail(err)
			case kind == resultLedgerError && ledgerErr != nil:
				return Verdict{}, fmt.Errorf("ledger query: %w", ledgerErr), healthy
			case kind != resultVerdict:
				return Verdict{}, fmt.Errorf("%w: %s", ErrWorker, msg), healthy
			}
			return v, nil, healthy
		default:
			return fail(fmt.Errorf("%w: unexpected frame %q", errProtocol, typ))
		}
	}
}

// replace kills wk and starts a replacement in the background.
func (p *Pool) replace(wk *worker) {
	wk.kill()
	p.mu.Lock()
	delete(p.workers, wk)
	p.mu.Unlock()
	if p.closed() {
		return
	}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		wk.reap()
		for delay := 10 * time.Millisecond; ; delay = min(2*delay, 5*time.Second) {
			if p.closed() {
				return
			}
			nw, err := p.start()
			if err == nil {
				p.added(nw)
				return
			}
			select {
			case <-p.quit:
				return
			case <-time.After(delay):
			}
		}
	}()
}

// worker is one worker process and the parent's ends of its pipes.
type worker struct {
	cmd    *exec.Cmd
	stdin  *os.File
	stdout *os.File
	fw     *frameWriter
	out    *bufio.Reader
	stderr *tailBuffer
	exited chan struct{}
}

func (p *Pool) start() (*worker, error) {
	inR, inW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		inR.Close()
		inW.Close()
		return nil, err
	}
	cmd := exec.Command(p.exe)
	cmd.Env = workerEnviron()
	inheritNothing.Do(closeOnExecAll)
	cmd.Stdin, cmd.Stdout = inR, outW
	stderr := &tailBuffer{max: 16 << 10}
	cmd.Stderr = stderr
	cmd.SysProcAttr = workerProcAttr()
	err = cmd.Start()
	inR.Close()
	outW.Close()
	if err != nil {
		inW.Close()
		outR.Close()
		return nil, fmt.Errorf("script: start worker: %w", err)
	}
	w := &worker{
		cmd: cmd, stdin: inW, stdout: outR,
		fw:     &frameWriter{w: inW},
		out:    bufio.NewReaderSize(outR, 64<<10),
		stderr: stderr,
		exited: make(chan struct{}),
	}
	go func() {
		_ = cmd.Wait()
		close(w.exited)
	}()
	p.mu.Lock()
	p.workers[w] = struct{}{}
	p.mu.Unlock()

	hello := time.AfterFunc(workerStartTimeout, w.kill)
	typ, payload, err := readFrame(w.out)
	hello.Stop()
	if err == nil && (typ != frameHello || (&dec{b: payload}).str() != protocolVersion) {
		err = fmt.Errorf("%w: bad hello", errProtocol)
	}
	if err != nil {
		w.kill()
		w.reap()
		p.mu.Lock()
		delete(p.workers, w)
		p.mu.Unlock()
		return nil, fmt.Errorf("script: worker did not start (does main, or TestMain, call script.MaybeRunWorker first?): %v %s",
			err, truncate(strings.TrimSpace(w.stderr.String()), 500))
	}
	return w, nil
}

// cpuTime is the worker's user+system CPU time so far.
func (w *worker) cpuTime() (time.Duration, bool) {
	if w.cmd.Process == nil {
		return 0, false
	}
	return processCPUTime(w.cmd.Process.Pid)
}

func (w *worker) kill() {
	if w.cmd.Process != nil {
		_ = w.cmd.Process.Kill()
	}
}

// reap waits for the process to exit and closes the parent's pipe ends.
func (w *worker) reap() {
	select {
	case <-w.exited:
	case <-time.After(workerReapTimeout):
	}
	w.stdin.Close()
	w.stdout.Close()
}

// deathVerdict classifies a worker that died on its own.
func (w *worker) deathVerdict(cause error) Verdict {
	tail := w.stderr.String()
	switch {
	case strings.Contains(tail, "out of memory") || strings.Contains(tail, "cannot allocate memory"):
		return rejected(CodeOutOfMemory, 0, "the script used too much memory")
	case strings.Contains(tail, "stack overflow") || strings.Contains(tail, "stack exceeds"):
		return rejected(CodeCrashed, 0, "the script overflowed the sandbox's stack")
	}
	return rejected(CodeCrashed, 0, "the script crashed its sandbox")
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	b   []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if len(t.b) > t.max {
		t.b = append(t.b[:0], t.b[len(t.b)-t.max:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.b)
}

// guard kills a worker that computes for longer than its limit. When the
// worker's CPU time can be read (Linux), the limit is CPU time, so a
// loaded machine does not turn a slow-but-metered script into "too slow";
// wall time then only caps the wait at hardWallFactor times the limit.
// Time spent answering ledger queries in the parent is not counted.
type guard struct {
	mu       sync.Mutex
	limit    time.Duration
	timer    *time.Timer
	left     time.Duration
	since    time.Time
	start    time.Time // shifted by paused time
	pausedAt time.Time
	cpu      func() (time.Duration, bool)
	cpu0     time.Duration
	isFired  bool
	done     bool // stopped: a timer that fires late does nothing
	onFire   func()
}

const hardWallFactor = 10

func newGuard(limit time.Duration, cpu func() (time.Duration, bool), onFire func()) *guard {
	now := time.Now()
	g := &guard{limit: limit, left: limit, since: now, start: now, cpu: cpu, onFire: onFire}
	if cpu != nil {
		if c, ok := cpu(); ok {
			g.cpu0 = c
		} else {
			g.cpu = nil
		}
	}
	// fire takes g.mu: holding it here keeps a timer that fires at once
	// (a short limit on a loaded machine) from seeing g.timer still nil.
	g.mu.Lock()
	g.timer = time.AfterFunc(limit, g.fire)
	g.mu.Unlock()
	return g
}

func (g *guard) fire() {
	g.mu.Lock()
	if g.done {
		g.mu.Unlock()
		return
	}
	if g.cpu != nil && time.Since(g.start) < hardWallFactor*g.limit {
		if c, ok := g.cpu(); ok {
			if spent := c - g.cpu0; spent < g.limit {
				// The machine is busy, not the script: look again later.
				g.left = max(g.limit-spent, 20*time.Millisecond)
				g.since = time.Now()
				g.timer.Reset(g.left)
				g.mu.Unlock()
				return
			}
		}
	}
	g.isFired = true
	g.mu.Unlock()
	g.onFire()
}

func (g *guard) fired() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.isFired
}

func (g *guard) pause() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.pausedAt = time.Now()
	if g.timer.Stop() {
		g.left -= time.Since(g.since)
	}
}

func (g *guard) resume() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.isFired || g.done {
		return
	}
	// Paused time counts towards neither limit, the wall-time cap included.
	g.start = g.start.Add(time.Since(g.pausedAt))
	g.since = time.Now()
	g.timer.Reset(max(g.left, 0))
}

// stop ends the guard: once it returns, onFire is not called any more.
func (g *guard) stop() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.done = true
	g.timer.Stop()
}

// workerPassEnv are the only variables a worker inherits: the Go runtime's
// knobs and the test hook of the memory limit. Everything else (a wallet
// passphrase above all) stays with the parent.
var workerPassEnv = []string{"GOMAXPROCS", "GOMEMLIMIT", "GOGC", "GODEBUG", "GOTRACEBACK", workerHeadroomEnv}

// workerEnviron is a worker's whole environment.
func workerEnviron() []string {
	env := []string{workerEnv + "=" + protocolVersion}
	for _, k := range workerPassEnv {
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, k+"="+v)
		}
	}
	return env
}

// inheritNothing marks, once, every descriptor this process holds as
// close-on-exec: Go opens its own files so, but descriptors this process
// inherited from its parent would otherwise pass on to every worker.
var inheritNothing sync.Once
