package script

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"reflect"
	"time"

	"github.com/bitverse/bitverse/node/wire"
	"github.com/dop251/goja"
)

// Transforms are the compute engine's scripts: JavaScript stored at a key
// that turns one value into another,
//
//	function transform(input, ctx) { ... return output; }
//
// run in the same hardened, metered sandbox as access scripts (same
// instrumentation, same built-ins, same caps except the buffer cap, same
// worker processes), with a fuel budget the caller chooses instead of
// FuelPerWrite. See transform_host.go for what ctx offers.

// Limits of a transform run. Not consensus: they bound the work one
// request may cause on the node that serves it.
const (
	// DefaultTransformFuel is the budget when the caller passes 0: a 1 MP
	// per-pixel loop takes about 80 M.
	DefaultTransformFuel = 250_000_000
	// MaxTransformFuel caps any budget.
	MaxTransformFuel = 4_000_000_000
	// MaxTransformInput and MaxTransformOutput bound the bytes in and out.
	MaxTransformInput  = 16 << 20
	MaxTransformOutput = 32 << 20
	// MaxTransformPixels caps an image a transform decodes or builds; the
	// header is checked before any pixel is decoded.
	MaxTransformPixels = 16 << 20
	// MaxTransformBuffer caps one buffer or typed array in a transform:
	// room for the RGBA pixels of the largest image.
	MaxTransformBuffer = 4 * MaxTransformPixels

	// transformGuardPerFuel is how much CPU time each unit of a transform's
	// budget adds to the guard (above the base guard): the costliest fuel
	// measured is ~300 ns (doc.go, Fuel), so a transform that is within its
	// budget never meets the guard.
	transformGuardPerFuel = 300 * time.Nanosecond
)

// Result kinds.
const (
	KindBytes  = "bytes"
	KindString = "string"
	KindJSON   = "json"
)

// TransformContext is what ctx exposes to a transform besides the host
// helpers: ctx.key (the key the transform is stored at) and ctx.request
// (the request ID in hex).
type TransformContext struct {
	Key     string
	Request wire.Hash
}

// TransformResult is a transform's output: bytes as returned, a string as
// UTF-8, any other value as JSON text (the sandbox's JSON.stringify).
type TransformResult struct {
	Output []byte
	Kind   string // KindBytes, KindString or KindJSON
	Fuel   uint64
}

// ErrTransform marks a transform that ran and failed (threw, ran out of
// fuel, hit a cap, returned nothing usable): errors.As gives the
// *TransformError with the code, the reason and the fuel spent.
var ErrTransform = errors.New("transform failed")

// TransformError is a transform's failure, as deterministic as a verdict:
// Code.Deterministic says whether every node would reach it.
type TransformError struct {
	Code   Code
	Reason string
	Fuel   uint64
}

func (e *TransformError) Error() string { return "transform failed: " + e.Reason }

// Unwrap makes errors.Is(err, ErrTransform) hold.
func (e *TransformError) Unwrap() error { return ErrTransform }

var transformEntry = entry{name: "transform", signature: "function transform(input, ctx)", hashTag: "bitverse/transform/v1\x00"}

// CompileTransform checks and instruments a transform as Compile does an
// access script; it must define function transform(input, ctx). Answers
// are cached by the program's hash.
func CompileTransform(src []byte) (*Program, error) {
	if len(src) > MaxScriptSize {
		return nil, fmt.Errorf("%w: %w: %d bytes, the limit is %d", ErrCompile, ErrTooLarge, len(src), MaxScriptSize)
	}
	h := programHash(src, transformEntry)
	if r, ok := compiled.get(h); ok {
		return r.p, r.err
	}
	p, err := compileAs(src, transformEntry)
	compiled.put(h, p, err)
	return p, err
}

// transformBudget checks a caller's fuel and picks the default for 0.
func transformBudget(fuel uint64) (uint64, error) {
	switch {
	case fuel == 0:
		return DefaultTransformFuel, nil
	case fuel > MaxTransformFuel:
		return 0, fmt.Errorf("script: a transform's fuel is at most %d, not %d", uint64(MaxTransformFuel), fuel)
	}
	return fuel, nil
}

func transformGuard(base time.Duration, fuel uint64) time.Duration {
	return base + time.Duration(fuel)*transformGuardPerFuel
}

func checkInput(input []byte, tc TransformContext) error {
	if len(tc.Key) > MaxKeySize {
		return &TransformError{Code: CodeInvalidWrite, Reason: fmt.Sprintf("the transform's key is %d bytes; the limit is %d", len(tc.Key), MaxKeySize)}
	}
	if len(input) > MaxTransformInput {
		return &TransformError{Code: CodeInvalidWrite, Reason: fmt.Sprintf("the input is %d bytes; transforms take at most %d", len(input), MaxTransformInput)}
	}
	return nil
}

// transformSandboxes keeps RunTransform's idle sandboxes.
var transformSandboxes = newInProcess()

// RunTransform runs a transform in this process: deterministic and metered
// exactly like Pool.Transform, but without the worker's memory limits, so
// only for trusted transforms, tools (bitverse transform test) and tests.
// fuel 0 means DefaultTransformFuel. The error is a *TransformError when
// the transform itself failed, wrapping ErrCompile when it does not compile.
func RunTransform(src string, input []byte, tc TransformContext, fuel uint64) (TransformResult, error) {
	return runTransformInProcess(context.Background(), transformSandboxes, src, input, tc, fuel, WallClockGuard)
}

func runTransformInProcess(ctx context.Context, r *inProcess, src string, input []byte, tc TransformContext, fuel uint64, base time.Duration) (TransformResult, error) {
	budget, err := transformBudget(fuel)
	if err != nil {
		return TransformResult{}, err
	}
	p, err := CompileTransform([]byte(src))
	if err != nil {
		return TransformResult{}, err
	}
	if err := checkInput(input, tc); err != nil {
		return TransformResult{}, err
	}
	sb, err := r.get()
	if err != nil {
		return TransformResult{}, err
	}
	defer r.put(sb)
	return guarded(ctx, sb, transformGuard(base, budget), func() (TransformResult, error) {
		return sb.transform(p, input, tc, budget)
	})
}

// transform runs one transform in the sandbox. The error is a
// *TransformError for every outcome of the script.
func (sb *sandbox) transform(p *Program, input []byte, tc TransformContext, budget uint64) (res TransformResult, err error) {
	sb.uses++
	m := sb.m
	m.reset(emptyLedger{}, func() [32]byte { return transformSeed(p, input, tc) })
	m.budget, m.maxBuffer = budget, MaxTransformBuffer
	sb.vm.ClearInterrupt()
	defer func() {
		if r := recover(); r != nil {
			sb.dirty = true
			res, err = TransformResult{}, &TransformError{Code: CodeCrashed, Reason: "the transform crashed its sandbox"}
		}
	}()
	fail := func(v Verdict) (TransformResult, error) {
		return TransformResult{}, &TransformError{Code: v.Code, Reason: v.Reason, Fuel: v.Fuel}
	}
	factory, err := sb.factory(p)
	if err != nil {
		sb.dirty = true
		return TransformResult{}, fmt.Errorf("load transform: %w", err)
	}
	val, jsErr := factory(goja.Undefined(), sb.fuelFn, sb.checkFn, sb.operandFn, sb.updateFn, sb.keyFn, sb.numberFn, sb.primFn)
	if jsErr != nil || m.stop != nil {
		v, _ := sb.outcome(nil, jsErr, "while loading the transform: ")
		return fail(v)
	}
	fn, ok := goja.AssertFunction(val)
	if !ok {
		return fail(rejected(CodeNoValidate, m.used, "the transform does not define function transform(input, ctx)"))
	}
	in, jsErr := sb.bytes(input)
	if jsErr != nil {
		v, _ := sb.outcome(nil, jsErr, "")
		return fail(v)
	}
	cv, jsErr := sb.transformContext(tc)
	if jsErr != nil {
		v, _ := sb.outcome(nil, jsErr, "")
		return fail(v)
	}
	out, jsErr := fn(goja.Undefined(), in, cv)
	if jsErr != nil || m.stop != nil {
		v, _ := sb.outcome(nil, jsErr, "")
		return fail(v)
	}
	res, v := sb.transformOutput(out)
	if v != nil {
		return fail(*v)
	}
	return res, nil
}

// transformOutput turns what transform returned into bytes: a buffer or
// typed array as it is, a string as UTF-8, anything else through the
// sandbox's metered JSON.stringify. Copying the output costs fuel like any
// buffer.
func (sb *sandbox) transformOutput(out goja.Value) (TransformResult, *Verdict) {
	m := sb.m
	bad := func(code Code, format string, args ...any) (TransformResult, *Verdict) {
		v := rejected(code, m.used, format, args...)
		return TransformResult{}, &v
	}
	var res TransformResult
	switch {
	case out == nil || goja.IsUndefined(out):
		return bad(CodeReturned, "the transform returned undefined; return bytes (a Uint8Array), a string or a JSON value")
	case isObject(out) && (isArrayBuffer(out.(*goja.Object)) || sb.isTypedArray(out.(*goja.Object))):
		b, ok := sb.rawBytes(out)
		if !ok {
			return bad(CodeReturned, "the transform returned a detached buffer")
		}
		res = TransformResult{Output: b, Kind: KindBytes}
	default:
		if s, ok := out.(goja.String); ok {
			res = TransformResult{Output: []byte(s.String()), Kind: KindString}
			break
		}
		if o, ok := out.(*goja.Object); ok && o.ExportType() == typePromise {
			return bad(CodeReturned, "the transform returned a promise; a transform returns its result directly (no async)")
		}
		if _, fn := goja.AssertFunction(out); fn {
			return bad(CodeReturned, "the transform returned a function; return bytes (a Uint8Array), a string or a JSON value")
		}
		stringify, _ := goja.AssertFunction(sb.object(sb.vm.Get("JSON")).Get("stringify"))
		js, jsErr := stringify(goja.Undefined(), out)
		if jsErr != nil || m.stop != nil {
			v, _ := sb.outcome(nil, jsErr, "while turning the result into JSON: ")
			return TransformResult{}, &v
		}
		s, ok := js.(goja.String)
		if !ok {
			return bad(CodeReturned, "the transform returned %s, which has no JSON form", sb.describeValue(out))
		}
		res = TransformResult{Output: []byte(s.String()), Kind: KindJSON}
	}
	if len(res.Output) > MaxTransformOutput {
		return bad(CodeLimit, "the transform returned %d bytes; the limit is %d", len(res.Output), MaxTransformOutput)
	}
	if cost := uint64(len(res.Output))/rateBuffer + fuelPerBuiltin; cost > m.budget-m.used {
		m.used = m.budget
		return bad(CodeOutOfFuel, "the transform ran out of fuel (the budget is %d)", m.budget)
	} else {
		m.used += cost
	}
	if res.Kind == KindBytes {
		res.Output = append([]byte(nil), res.Output...) // the buffer stays with the runtime
	}
	res.Fuel = m.used
	return res, nil
}

// rawBytes returns the bytes a buffer or typed array views (not a copy).
func (sb *sandbox) rawBytes(v goja.Value) ([]byte, bool) {
	o, ok := v.(*goja.Object)
	if !ok {
		return nil, false
	}
	if isArrayBuffer(o) {
		ab, _ := o.Export().(goja.ArrayBuffer)
		if ab.Detached() {
			return nil, false
		}
		return ab.Bytes(), true
	}
	if !sb.isTypedArray(o) {
		return nil, false
	}
	var b []byte
	if err := sb.vm.ExportTo(o, &b); err != nil {
		return nil, false
	}
	return b, true
}

// Export converts a whole object (an array of 100,000 elements too), so
// kinds are told apart by ExportType, which converts nothing.
var (
	typeArrayBuffer = reflect.TypeOf(goja.ArrayBuffer{})
	typePromise     = reflect.TypeOf((*goja.Promise)(nil))
)

func isArrayBuffer(o *goja.Object) bool { return o.ExportType() == typeArrayBuffer }

// transformSeed derives Math.random's seed from the program, the input and
// the context, so every run of the same request draws the same numbers.
func transformSeed(p *Program, input []byte, tc TransformContext) [32]byte {
	h := sha256.New()
	h.Write([]byte("bitverse/transform/random/v1\x00"))
	h.Write(p.hash[:])
	in := sha256.Sum256(input)
	h.Write(in[:])
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(len(tc.Key)))
	h.Write(n[:])
	h.Write([]byte(tc.Key))
	h.Write(tc.Request[:])
	var out [32]byte
	h.Sum(out[:0])
	return out
}
