package script

import (
	"context"
	"crypto/sha256"
	"fmt"
	"sync/atomic"

	"github.com/dop251/goja/ast"
)

// Compiler compiles access scripts. A Pool (and each of its lanes)
// compiles in its workers; callers holding a Runner use it when the runner
// is one (see node/state), else the package's Compile.
//
// Its errors are those of Compile (wrapping ErrCompile: the script is
// refused, the same on every node) or failures of the runner (ErrWorker, a
// closed pool, the context): no verdict, try again.
type Compiler interface {
	Compile(ctx context.Context, src []byte) (*Program, error)
}

var (
	_ Compiler = (*Pool)(nil)
	_ Compiler = laneRunner{}
)

// Compile compiles src in a worker of the block lane: it is
// ForBlocks().(Compiler).Compile.
func (p *Pool) Compile(ctx context.Context, src []byte) (*Program, error) {
	return p.compile(ctx, laneBlocks, src)
}

// Compile compiles src in a worker of this lane.
func (r laneRunner) Compile(ctx context.Context, src []byte) (*Program, error) {
	return r.p.compile(ctx, r.lane, src)
}

// workerCompileError is a refusal a worker's compile answered with; its
// text is the error compile returned there.
type workerCompileError struct{ msg string }

func (e *workerCompileError) Error() string { return e.msg }
func (e *workerCompileError) Unwrap() error { return ErrCompile }

// localGojaCompiles counts goja compiler runs in this process for programs
// (tests check that a Pool leaves them to its workers).
var localGojaCompiles atomic.Int64

// compile answers as Compile does, and shares its cache. The cheap checks
// (size, syntax, the node and depth caps) run here first; goja's compiler
// runs only in a worker, under the guard and the worker's memory limits;
// then, on a yes, the linear stages (static checks, instrumentation,
// verification) run here to build the factory the workers will run, so the
// parent never takes a worker's word for code. Only answers are cached:
// a worker that failed leaves nothing behind.
func (p *Pool) compile(ctx context.Context, ln lane, src []byte) (prog *Program, err error) {
	if len(src) > MaxScriptSize {
		return nil, fmt.Errorf("%w: %w: %d bytes, the limit is %d", ErrCompile, ErrTooLarge, len(src), MaxScriptSize)
	}
	h := sha256.Sum256(src)
	if r, ok := compiled.get(h); ok {
		return r.p, r.err
	}
	answer := func(p *Program, err error) (*Program, error) {
		compiled.put(h, p, err)
		return p, err
	}
	text, tree, err := func() (text string, tree *ast.Program, err error) {
		defer recoverCompile(&err)
		return prepare(src)
	}()
	if err != nil {
		return answer(nil, err)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	wk, err := p.acquire(ctx, ln)
	if err != nil {
		return nil, err
	}
	ok, refusal, err, healthy := p.compileOn(ctx, wk, src)
	if healthy {
		p.release(ln, wk)
	} else {
		p.release(ln, nil)
		p.replace(wk)
	}
	if err != nil {
		return nil, err
	}
	if !ok {
		return answer(nil, &workerCompileError{msg: refusal})
	}
	factory, err := func() (f string, err error) {
		defer recoverCompile(&err)
		return instrumentFactory(text, tree)
	}()
	if err != nil {
		return answer(nil, err)
	}
	return answer(&Program{hash: h, source: factory}, nil)
}

// compileOn asks wk to compile src. healthy is false when the worker was
// killed or broke the protocol and must be replaced.
func (p *Pool) compileOn(ctx context.Context, wk *worker, src []byte) (ok bool, refusal string, err error, healthy bool) {
	g := newGuard(p.guard, wk.cpuTime, wk.kill)
	defer g.stop()
	var cancelled atomic.Bool
	stopCtx := context.AfterFunc(ctx, func() {
		cancelled.Store(true)
		wk.kill()
	})
	defer stopCtx()
	fail := func(cause error) (bool, string, error, bool) {
		wk.kill()
		wk.reap()
		switch {
		case p.closed():
			return false, "", ErrClosed, false
		case cancelled.Load():
			return false, "", ctx.Err(), false
		case g.fired():
			return false, "", fmt.Errorf("%w: compiling the script took over %v", ErrWorker, p.guard), false
		}
		return false, "", fmt.Errorf("%w: compiling the script: %s (%v)", ErrWorker, wk.deathVerdict(cause).Reason, cause), false
	}
	if err := wk.fw.send(frameCompile, encodeCompile(src)); err != nil {
		return fail(err)
	}
	typ, payload, err := readFrame(wk.out)
	if err != nil {
		return fail(err)
	}
	if typ != frameCompiled {
		return fail(fmt.Errorf("%w: unexpected frame %q", errProtocol, typ))
	}
	ok, refusal, err = decodeCompiled(payload)
	if err != nil {
		return fail(err)
	}
	g.stop()
	return ok, refusal, nil, !g.fired()
}
