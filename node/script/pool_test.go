package script

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

var fuelLoop = `function validate() { for (;;) {} }`

func TestPoolConcurrent(t *testing.T) {
	pool := testPool(t, "")
	inProc := NewInProcess()
	progs := []*Program{
		mustCompile(t, `function validate(w) { if (w.value.length % 3 === 0) throw 'divisible: ' + w.value.length; return true }`),
		mustCompile(t, `function validate(w, c) { return c.balance(w.signer) > w.size }`),
		mustCompile(t, `function validate(w) { let s = 0; for (const b of w.bytes) s += b; throw 'sum ' + s }`),
		mustCompile(t, string(exampleSource(t, "microblog.js"))),
	}
	ledger := &stubLedger{balances: map[string]uint64{alice: 10}, owners: map[string]string{"ks/alice": alice}}
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 16*25)
	for g := 0; g < 16; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 25; i++ {
				p := progs[(g+i)%len(progs)]
				w := Write{Key: fmt.Sprintf("ks/alice/p%d", i), Value: bytes.Repeat([]byte{byte('a' + g)}, g+i), Signer: alice}
				c := Context{Keyspace: "ks"}
				got, err := pool.Validate(ctx, p, w, c, ledger)
				want, err2 := inProc.Validate(ctx, p, w, c, ledger)
				if err != nil || err2 != nil || got != want {
					errs <- fmt.Errorf("goroutine %d call %d: pool %+v %v, in-process %+v %v", g, i, got, err, want, err2)
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestPoolTooSlow lowers the guard of a pool and of an in-process runner to
// a few milliseconds, far less than a full budget of fuel takes: the guard
// ends the script with a verdict that is not deterministic, and the runner
// serves the next call.
func TestPoolTooSlow(t *testing.T) {
	pool, err := NewPool(1)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	pool.guard = 10 * time.Millisecond
	inProc := newInProcess()
	inProc.guard = 10 * time.Millisecond
	slow := mustCompile(t, `function validate() { for (;;) { try { throw new Error('x') } catch (e) {} } }`)
	good := mustCompile(t, `function validate() { return true }`)
	for _, nr := range []namedRunner{{"pool", pool}, {"in-process", inProc}} {
		v, err := nr.r.Validate(context.Background(), slow, Write{}, Context{}, nil)
		if err != nil || v.Allowed || v.Code != CodeTooSlow || !strings.Contains(v.Reason, "took too long") || v.Code.Deterministic() {
			t.Errorf("%s: %+v, %v; want too slow", nr.name, v, err)
		}
		if nr.name == "pool" {
			pool.guard = testGuard()
		} else {
			inProc.guard = testGuard()
		}
		if v, err := nr.r.Validate(context.Background(), good, Write{}, Context{}, nil); err != nil || !v.Allowed {
			t.Fatalf("%s: next call %+v, %v", nr.name, v, err)
		}
	}
}

func TestPoolOutOfMemory(t *testing.T) {
	if raceEnabled {
		t.Skip("timing-sensitive: the race detector slows scripts past the guard")
	}
	// 48 MiB past its size at start: room to start and serve, not to hold
	// the 256 MiB of strings the hog can build within its fuel.
	t.Setenv(workerHeadroomEnv, "48")
	pool, err := NewPool(1)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	hog := mustCompile(t, `function validate() { const keep = []; for (;;) keep.push('\u1234'.repeat(262144)) }`)
	v, err := pool.Validate(context.Background(), hog, Write{}, Context{}, nil)
	if err != nil || v.Allowed || v.Code != CodeOutOfMemory || v.Reason != "the script used too much memory" {
		t.Fatalf("memory hog: %+v, %v; want out of memory", v, err)
	}
	good := mustCompile(t, `function validate() { return true }`)
	if v, err := pool.Validate(context.Background(), good, Write{}, Context{}, nil); err != nil || !v.Allowed {
		t.Fatalf("next call: %+v, %v", v, err)
	}
}

// killingLedger kills the pool's workers when a script asks it a question:
// the worker is then certainly in the middle of a validation.
type killingLedger struct{ pool *Pool }

func (l killingLedger) Balance(string) (uint64, error) {
	l.pool.mu.Lock()
	for w := range l.pool.workers {
		w.kill()
	}
	l.pool.mu.Unlock()
	return 0, nil
}
func (killingLedger) PaidTotal(string, string) (uint64, error) { return 0, nil }
func (killingLedger) Owner(string) (string, bool, error)       { return "", false, nil }

func TestPoolWorkerKilled(t *testing.T) {
	pool, err := NewPool(1)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	// The worker is killed while it waits for the ledger's answer, so the
	// kill always lands mid-validation (a timer raced the fuel running out).
	p := mustCompile(t, `function validate(w, c) { c.balance("x"); for (;;) {} }`)
	v, err := pool.Validate(context.Background(), p, Write{}, Context{}, killingLedger{pool})
	if err != nil || v.Allowed || v.Code != CodeCrashed {
		t.Fatalf("killed worker: %+v, %v; want crashed", v, err)
	}
	good := mustCompile(t, `function validate() { return true }`)
	if v, err := pool.Validate(context.Background(), good, Write{}, Context{}, nil); err != nil || !v.Allowed {
		t.Fatalf("next call: %+v, %v", v, err)
	}
}

func TestCancel(t *testing.T) {
	p := mustCompile(t, fuelLoop)
	good := mustCompile(t, `function validate() { return true }`)
	for _, nr := range bothRunners(t) {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		_, err := nr.r.Validate(ctx, p, Write{}, Context{}, nil)
		cancel()
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("%s: %v, want context.DeadlineExceeded", nr.name, err)
		}
		if v, err := nr.r.Validate(context.Background(), good, Write{}, Context{}, nil); err != nil || !v.Allowed {
			t.Fatalf("%s: next call %+v, %v", nr.name, v, err)
		}
	}
}

func TestPoolClose(t *testing.T) {
	pool, err := NewPool(2)
	if err != nil {
		t.Fatal(err)
	}
	p := mustCompile(t, fuelLoop)
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = pool.Validate(context.Background(), p, Write{}, Context{}, nil)
		}()
	}
	time.Sleep(20 * time.Millisecond)
	if err := pool.Close(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	for i, err := range errs {
		if !errors.Is(err, ErrClosed) {
			t.Errorf("call %d: %v, want ErrClosed", i, err)
		}
	}
	if _, err := pool.Validate(context.Background(), p, Write{}, Context{}, nil); !errors.Is(err, ErrClosed) {
		t.Errorf("after Close: %v, want ErrClosed", err)
	}
	if err := pool.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	pool.mu.Lock()
	left := len(pool.workers)
	pool.mu.Unlock()
	if left != 0 {
		t.Errorf("%d workers left after Close", left)
	}
	if _, err := NewPool(0); err == nil {
		t.Error("NewPool(0) succeeded")
	}
}

func TestLedgerErrors(t *testing.T) {
	boom := errors.New("disk on fire")
	p := mustCompile(t, `function validate(w, c) { try { c.balance(w.signer) } catch (e) { return true } }`)
	good := mustCompile(t, `function validate(w, c) { return c.balance(w.signer) === 3 }`)
	for _, nr := range bothRunners(t) {
		l := &stubLedger{err: boom}
		if _, err := nr.r.Validate(context.Background(), p, Write{Signer: alice}, Context{}, l); !errors.Is(err, boom) {
			t.Errorf("%s: %v, want the ledger's error (a script cannot catch it)", nr.name, err)
		}
		l = &stubLedger{balances: map[string]uint64{alice: 3}}
		if v, err := nr.r.Validate(context.Background(), good, Write{Signer: alice}, Context{}, l); err != nil || !v.Allowed {
			t.Fatalf("%s: next call %+v, %v", nr.name, v, err)
		}
	}
}

type slowLedger struct {
	stubLedger
	delay time.Duration
}

func (l *slowLedger) Balance(addr string) (uint64, error) {
	time.Sleep(l.delay)
	return l.stubLedger.Balance(addr)
}

// Time the parent spends answering ledger queries is not the script's:
// neither as CPU time nor towards the guard's cap on wall time. Each query
// takes three times the guard, all five together fifteen times.
func TestPoolLedgerTimeNotCounted(t *testing.T) {
	pool, err := NewPool(1)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	pool.guard = 50 * time.Millisecond
	p := mustCompile(t, `function validate(w, c) { let s = 0; for (let i = 0; i < 5; i++) s += c.balance(w.signer); return s === 10 }`)
	l := &slowLedger{stubLedger: stubLedger{balances: map[string]uint64{alice: 2}}, delay: 3 * pool.guard}
	// The first call loads the program into the worker.
	if v, err := pool.Validate(context.Background(), p, Write{Signer: alice}, Context{}, &stubLedger{balances: map[string]uint64{alice: 2}}); err != nil || !v.Allowed {
		t.Fatalf("warm-up: %+v, %v", v, err)
	}
	v, err := pool.Validate(context.Background(), p, Write{Signer: alice}, Context{}, l)
	if err != nil || !v.Allowed {
		t.Fatalf("%+v, %v; want allowed after %v of ledger time", v, err, 5*l.delay)
	}
}

func TestInvalidWrites(t *testing.T) {
	p := mustCompile(t, `function validate() { return true }`)
	for _, nr := range bothRunners(t) {
		for i, w := range []Write{
			{Key: strings.Repeat("k", MaxKeySize+1)},
			{Value: make([]byte, MaxValueSize+1)},
			{Prev: make([]byte, MaxValueSize+1), PrevExists: true},
			{Signer: strings.Repeat("s", MaxKeySize+1)},
		} {
			v, err := nr.r.Validate(context.Background(), p, w, Context{}, nil)
			if err != nil || v.Allowed || v.Code != CodeInvalidWrite || v.Fuel != 0 {
				t.Errorf("%s case %d: %+v, %v", nr.name, i, v, err)
			}
		}
		if _, err := nr.r.Validate(context.Background(), nil, Write{}, Context{}, nil); err == nil {
			t.Errorf("%s: nil program accepted", nr.name)
		}
	}
}

func TestProtocolRoundTrip(t *testing.T) {
	req := request{hash: [32]byte{1, 2, 3}, w: Write{Key: "k/é", Value: []byte{0, 1, 0xff}, Signer: alice, Prev: []byte("p"), PrevExists: true},
		c: Context{Keyspace: "k", Owner: bob, Height: 1 << 40, Time: -5, Chain: "01"}}
	got, err := decodeRequest(encodeRequest(req))
	if err != nil || got.hash != req.hash || got.w.Key != req.w.Key || !bytes.Equal(got.w.Value, req.w.Value) ||
		got.w.Signer != req.w.Signer || !bytes.Equal(got.w.Prev, req.w.Prev) || got.w.PrevExists != req.w.PrevExists || got.c != req.c {
		t.Fatalf("request round trip: %+v, %v", got, err)
	}
	v := Verdict{Reason: "no", Fuel: 77, Code: CodeLimit}
	if got, kind, _, err := decodeResult(encodeVerdict(v)); err != nil || kind != resultVerdict || got != v {
		t.Fatalf("verdict round trip: %+v %d %v", got, kind, err)
	}
	if _, kind, msg, err := decodeResult(encodeFailure(resultFailure, "bad")); err != nil || kind != resultFailure || msg != "bad" {
		t.Fatalf("failure round trip: %d %q %v", kind, msg, err)
	}
	a := answer{amount: 9, owner: bob, ok: true}
	if got, err := decodeAnswer(encodeAnswer(a)); err != nil || got != a {
		t.Fatalf("answer round trip: %+v %v", got, err)
	}
	// Every truncation and every extension of a valid payload is refused.
	for name, payload := range map[string][]byte{
		"request": encodeRequest(req), "verdict": encodeVerdict(v), "answer": encodeAnswer(a),
	} {
		decode := map[string]func([]byte) error{
			"request": func(p []byte) error { _, err := decodeRequest(p); return err },
			"verdict": func(p []byte) error { _, _, _, err := decodeResult(p); return err },
			"answer":  func(p []byte) error { _, err := decodeAnswer(p); return err },
		}[name]
		for n := 0; n < len(payload); n++ {
			if err := decode(payload[:n]); !errors.Is(err, errProtocol) {
				t.Errorf("%s truncated to %d bytes: %v", name, n, err)
			}
		}
		if err := decode(append(append([]byte{}, payload...), 0)); !errors.Is(err, errProtocol) {
			t.Errorf("%s with a trailing byte: %v", name, err)
		}
	}
}

func TestFrames(t *testing.T) {
	var buf bytes.Buffer
	fw := &frameWriter{w: &buf}
	if err := fw.send('X', []byte("hello")); err != nil {
		t.Fatal(err)
	}
	typ, p, err := readFrame(bufio.NewReader(&buf))
	if err != nil || typ != 'X' || string(p) != "hello" {
		t.Fatalf("frame round trip: %q %q %v", typ, p, err)
	}
	for i, raw := range [][]byte{
		{0, 0, 0, 0, 'X'},             // zero length
		{0xff, 0xff, 0xff, 0xff, 'X'}, // over maxFrame
		{0, 0, 0, 9, 'X', 1, 2},       // truncated payload
		{0, 0},                        // truncated header
	} {
		if _, _, err := readFrame(bufio.NewReader(bytes.NewReader(raw))); err == nil {
			t.Errorf("case %d: bad frame accepted", i)
		}
	}
	if err := fw.send('X', make([]byte, maxFrame)); !errors.Is(err, errProtocol) {
		t.Errorf("oversized send: %v", err)
	}
}

// A worker fed garbage fails with an error; it does not panic or hang.
func TestWorkerRejectsGarbage(t *testing.T) {
	for i, input := range [][]byte{
		{0, 0, 0, 2, 'Z', 0},
		{0, 0, 0, 2, frameValidate, 0},
		{0, 0, 0, 0},
	} {
		err := serveWorker(bytes.NewReader(input), io.Discard, nil)
		if err == nil || errors.Is(err, io.EOF) && i < 2 {
			t.Errorf("case %d: %v", i, err)
		}
	}
}

func TestMaybeRunWorkerReturns(t *testing.T) {
	// Without the environment variable it returns and leaves stdin alone.
	if os.Getenv(workerEnv) != "" {
		t.Skip("running as a worker")
	}
	MaybeRunWorker()
}

// A Pool compiles in its workers: the cheap checks (size, syntax, the node
// and depth caps) run in the calling process, goja's compiler only in a
// worker, and the answers (a program, or the same refusal Compile gives)
// are cached by hash; a worker that fails gives no answer and leaves
// nothing in the cache.
func TestPoolCompilesInWorkers(t *testing.T) {
	pool := testPool(t, "")
	ctx := context.Background()
	tag := fmt.Sprintf("// %s %d\n", t.Name(), time.Now().UnixNano())
	cases := []string{
		`function validate(w) { const o = { n: 0 }; o.n++; return w.size > o.n }`,
		`function validate() { delete x }`,
		`function validate() { return /x/ }`,
		`function validate() { return ` + strings.Repeat("[", 80) + strings.Repeat("]", 80) + ` }`,
		`function validate() {`,
	}
	for i, body := range cases {
		src := []byte(tag + body)
		want, wantErr := compile(src) // uncached, in this process
		before := localGojaCompiles.Load()
		got, err := pool.Compile(ctx, src)
		if n := localGojaCompiles.Load() - before; n != 0 {
			t.Errorf("case %d: goja compiled %d times in the calling process", i, n)
		}
		switch {
		case wantErr != nil:
			if err == nil || !errors.Is(err, ErrCompile) || err.Error() != wantErr.Error() {
				t.Errorf("case %d: pool %v, want %v", i, err, wantErr)
			}
			if errors.Is(wantErr, ErrTooComplex) != errors.Is(err, ErrTooComplex) {
				t.Errorf("case %d: ErrTooComplex lost: %v", i, err)
			}
		case err != nil:
			t.Errorf("case %d: pool %v, want a program", i, err)
		default:
			if got.source != want.source || got.hash != want.hash {
				t.Errorf("case %d: the pool's program differs from Compile's", i)
			}
			v, err := pool.Validate(ctx, got, Write{Key: "k/x", Value: []byte("ab")}, Context{Keyspace: "k"}, nil)
			if err != nil || !v.Allowed {
				t.Errorf("case %d: the pool's program ran as %+v, %v", i, v, err)
			}
		}
		again, err2 := pool.ForAdmission().(Compiler).Compile(ctx, src)
		if again != got || (err2 == nil) != (err == nil) || (err2 != nil && err2.Error() != err.Error()) {
			t.Errorf("case %d: the second answer (%p, %v) is not the cached (%p, %v)", i, again, err2, got, err)
		}
	}

	// A worker that is killed while it compiles is no answer: an ErrWorker,
	// not ErrCompile, and the next call compiles.
	slow, err := NewPool(1)
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	slow.guard = time.Nanosecond
	// A script near the node cap keeps goja's compiler busy for
	// milliseconds, far longer than the guard: a tiny one could be
	// answered before the guard's kill lands.
	var big strings.Builder
	big.WriteString(tag + `function validate() { return 'killed first' }` + "\n")
	for i := 0; i < 1500; i++ {
		fmt.Fprintf(&big, "var v%d = [%d, %d];\n", i, i, i+1)
	}
	src := []byte(big.String())
	if _, err := slow.Compile(ctx, src); !errors.Is(err, ErrWorker) || errors.Is(err, ErrCompile) {
		t.Fatalf("killed compile: %v, want ErrWorker", err)
	}
	slow.guard = testGuard()
	if p, err := slow.Compile(ctx, src); err != nil || p == nil {
		t.Fatalf("compile after a killed worker: %v", err)
	}
}
