package script

import (
	"bytes"
	"context"
	"fmt"
	"sync/atomic"
)

// Transforms in worker processes. The parent sends
//
//	'T'  hash [32] ‖ input bytes ‖ key str ‖ request [32] ‖ fuel u64
//
// answers 'N' (need program) with 'P' as for a validation, and reads
//
//	'O'  kind u8 ‖ ...   kind 0: code u8 ‖ fuel u64 ‖ result kind str ‖ output bytes
//	                     kind 1: code u8 ‖ fuel u64 ‖ reason str   (the transform failed)
//	                     kind 2: message str                       (the worker failed)
const (
	transformOK       = 0
	transformFailed   = 1
	transformBroken   = 2
	maxTransformFrame = MaxTransformOutput + 64<<10
)

type transformRequest struct {
	hash  [32]byte
	input []byte
	tc    TransformContext
	fuel  uint64
}

func encodeTransformRequest(r transformRequest) []byte {
	e := &enc{b: make([]byte, 0, len(r.input)+len(r.tc.Key)+96)}
	e.b = append(e.b, r.hash[:]...)
	e.bytes(r.input).str(r.tc.Key)
	e.b = append(e.b, r.tc.Request[:]...)
	return e.u64(r.fuel).b
}

func decodeTransformRequest(p []byte) (transformRequest, error) {
	d := &dec{b: p}
	var r transformRequest
	r.hash = d.hash()
	r.input, r.tc.Key = d.bytes(), d.str()
	r.tc.Request = d.hash()
	r.fuel = d.u64()
	return r, d.end()
}

func encodeTransformResult(res TransformResult, err error) []byte {
	if err == nil {
		e := &enc{b: make([]byte, 0, len(res.Output)+32)}
		return e.byte1(transformOK).byte1(byte(CodeAllowed)).u64(res.Fuel).str(res.Kind).bytes(res.Output).b
	}
	if te, ok := err.(*TransformError); ok {
		return (&enc{}).byte1(transformFailed).byte1(byte(te.Code)).u64(te.Fuel).str(te.Reason).b
	}
	return (&enc{}).byte1(transformBroken).str(err.Error()).b
}

// decodeTransformResult returns the kind and the result, the transform's
// failure, or the worker's (broken: a message, not a script outcome).
func decodeTransformResult(p []byte) (kind byte, res TransformResult, failed *TransformError, broken string, err error) {
	d := &dec{b: p}
	switch kind = d.byte1(); kind {
	case transformOK:
		if d.byte1() != byte(CodeAllowed) {
			d.fail("result code")
		}
		res.Fuel, res.Kind = d.u64(), d.str()
		res.Output = append([]byte(nil), d.bytes()...)
		if d.err == nil && res.Kind != KindBytes && res.Kind != KindString && res.Kind != KindJSON {
			d.fail("result kind")
		}
	case transformFailed:
		failed = &TransformError{Code: Code(d.byte1()), Fuel: d.u64(), Reason: d.str()}
	case transformBroken:
		broken = d.str()
	default:
		d.fail("transform result")
	}
	return kind, res, failed, broken, d.end()
}

// handleTransform runs one transform in the worker.
func (ws *workerState) handleTransform(payload []byte) error {
	req, err := decodeTransformRequest(payload)
	if err != nil {
		return err
	}
	p, err := ws.program(req.hash)
	if err != nil {
		return err
	}
	var res TransformResult
	switch {
	case p == nil:
		err = fmt.Errorf("the parent sent a transform that does not compile")
	case req.fuel == 0 || req.fuel > MaxTransformFuel:
		err = fmt.Errorf("the parent sent a fuel budget of %d", req.fuel)
	default:
		res, err = ws.sb.transform(p, req.input, req.tc, req.fuel)
	}
	if err := ws.out.sendMax(frameTransformResult, encodeTransformResult(res, err), maxTransformFrame); err != nil {
		return err
	}
	if !ws.sb.usable() {
		ws.sb, err = newSandbox()
		return err
	}
	return nil
}

// Transform runs a transform in a worker process: src is its source (the
// value stored at the transform's key), input the value it transforms.
// fuel 0 means DefaultTransformFuel. A transform that fails returns a
// *TransformError (errors.Is ErrTransform); one that does not compile an
// error wrapping ErrCompile; the pool's own failures ErrClosed, ErrWorker
// or the context's error. Transforms take the admission lane: block
// validation never waits behind them.
func (p *Pool) Transform(ctx context.Context, src string, input []byte, tc TransformContext, fuel uint64) (TransformResult, error) {
	budget, err := transformBudget(fuel)
	if err != nil {
		return TransformResult{}, err
	}
	prog, err := CompileTransform([]byte(src))
	if err != nil {
		return TransformResult{}, err
	}
	if err := checkInput(input, tc); err != nil {
		return TransformResult{}, err
	}
	if err := ctx.Err(); err != nil {
		return TransformResult{}, err
	}
	wk, err := p.acquire(ctx, laneAdmission)
	if err != nil {
		return TransformResult{}, err
	}
	res, err, healthy := p.transformExchange(ctx, wk, prog, transformRequest{hash: prog.hash, input: input, tc: tc, fuel: budget})
	if healthy {
		p.release(laneAdmission, wk)
	} else {
		p.release(laneAdmission, nil)
		p.replace(wk)
	}
	return res, err
}

func (p *Pool) transformExchange(ctx context.Context, wk *worker, prog *Program, req transformRequest) (res TransformResult, err error, healthy bool) {
	guard := transformGuard(p.guard, req.fuel)
	g := newGuard(guard, wk.cpuTime, wk.kill)
	defer g.stop()
	var cancelled atomic.Bool
	stopCtx := context.AfterFunc(ctx, func() {
		cancelled.Store(true)
		wk.kill()
	})
	defer stopCtx()

	fail := func(cause error) (TransformResult, error, bool) {
		wk.kill()
		wk.reap()
		switch {
		case p.closed():
			return TransformResult{}, ErrClosed, false
		case cancelled.Load():
			return TransformResult{}, ctx.Err(), false
		case g.fired():
			return TransformResult{}, &TransformError{Code: CodeTooSlow, Reason: fmt.Sprintf("the transform took too long (over %v)", guard)}, false
		}
		v := wk.deathVerdict(cause)
		return TransformResult{}, &TransformError{Code: v.Code, Reason: v.Reason}, false
	}

	if err := wk.fw.sendMax(frameTransform, encodeTransformRequest(req), maxTransformFrame); err != nil {
		return fail(err)
	}
	for {
		typ, payload, err := readFrameMax(wk.out, maxTransformFrame)
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
		case frameTransformResult:
			kind, res, failed, broken, err := decodeTransformResult(payload)
			g.stop()
			healthy := !g.fired()
			switch {
			case err != nil:
				return fail(err)
			case kind == transformFailed:
				return TransformResult{}, failed, healthy
			case kind == transformBroken:
				return TransformResult{}, fmt.Errorf("%w: %s", ErrWorker, broken), healthy
			}
			return res, nil, healthy
		default:
			return fail(fmt.Errorf("%w: unexpected frame %q", errProtocol, typ))
		}
	}
}
