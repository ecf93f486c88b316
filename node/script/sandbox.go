package script

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/dop251/goja"
	"github.com/dop251/goja/parser"
)

// A sandbox is one hardened goja runtime. It is created once, hardened
// (dangerous globals removed, allocating built-ins metered, every intrinsic
// frozen) and then reused for many validations: every call gets fresh script
// state (the script's top level runs again inside a new closure) and nothing
// a script can reach is shared and mutable, so calls cannot see each other.
// A sandbox is used by one goroutine at a time. A call that ends in any
// uncatchable way (out of fuel, a cap, the call depth, the guard, a
// cancelled context, a crash) marks it dirty and it is thrown away: goja
// does not always restore its state when such an error unwinds its job
// queue.
type sandbox struct {
	vm        *goja.Runtime
	m         *meter
	fuelFn    goja.Value
	checkFn   goja.Value
	operandFn goja.Value
	numberFn  goja.Value
	updateFn  goja.Value
	keyFn     goja.Value
	primFn    goja.Value
	upd       updates
	factories map[[32]byte]goja.Callable
	uses      int
	dirty     bool
	h         helpers
	th        *transformHost // made on the first transform (transform_host.go)
	budget    uint64         // 0: FuelPerWrite
	guard     time.Duration  // for the too-slow reason; 0: WallClockGuard
}

// maxSandboxUses bounds how long a runtime lives, so that whatever a
// runtime accumulates internally (interned symbols, caches) stays small.
const maxSandboxUses = 10_000

// maxFactories bounds the compiled-factory cache of one sandbox.
const maxFactories = 256

func newSandbox() (*sandbox, error) {
	vm := goja.New()
	vm.SetMaxCallStackSize(MaxCallDepth)
	vm.SetRandSource(func() float64 { return 0 })
	vm.SetTimeSource(func() time.Time { return time.Unix(0, 0) })
	vm.SetParserOptions(parser.WithDisableSourceMaps)
	m := &meter{vm: vm, bound: map[*goja.Object]int{}, budget: FuelPerWrite, maxBuffer: MaxBufferBytes}
	sb := &sandbox{vm: vm, m: m, factories: map[[32]byte]goja.Callable{}}
	if err := sb.harden(); err != nil {
		return nil, fmt.Errorf("harden sandbox: %w", err)
	}
	sb.fuelFn = sb.newFunc("fuel", 1, m.fuel)
	sb.checkFn = sb.newFunc("check", 1, m.check)
	sb.operandFn = sb.newFunc("operand", 1, m.operand)
	sb.numberFn = sb.newFunc("number", 1, m.number)
	sb.primFn = sb.newFunc("primitive", 1, m.primitive)
	proto, conv := m.newStandIn()
	sb.freeze(conv)
	sb.freeze(proto)
	if err := sb.installUpdates(); err != nil {
		return nil, fmt.Errorf("harden sandbox: %w", err)
	}
	// Scripts reach these through the factory's arguments: frozen, they
	// carry nothing from one call to the next.
	for _, f := range []goja.Value{sb.fuelFn, sb.checkFn, sb.operandFn, sb.numberFn, sb.primFn, sb.updateFn, sb.keyFn} {
		sb.freeze(f.(*goja.Object))
	}
	return sb, nil
}

// newFunc makes a native function with a given name and length. goja would
// otherwise name it after the Go function, which would show host details to
// scripts.
func (sb *sandbox) newFunc(name string, length int, f func(goja.FunctionCall) goja.Value) *goja.Object {
	fn := sb.vm.ToValue(f).(*goja.Object)
	_ = fn.DefineDataProperty("name", sb.vm.ToValue(name), goja.FLAG_FALSE, goja.FLAG_TRUE, goja.FLAG_FALSE)
	_ = fn.DefineDataProperty("length", sb.vm.ToValue(length), goja.FLAG_FALSE, goja.FLAG_TRUE, goja.FLAG_FALSE)
	return fn
}

// usable reports whether the sandbox may run another call.
func (sb *sandbox) usable() bool { return !sb.dirty && sb.uses < maxSandboxUses }

func (sb *sandbox) factory(p *Program) (goja.Callable, error) {
	if f, ok := sb.factories[p.hash]; ok {
		return f, nil
	}
	gp, err := p.compiled()
	if err != nil {
		return nil, err
	}
	v, err := sb.vm.RunProgram(gp)
	if err != nil {
		return nil, err
	}
	f, ok := goja.AssertFunction(v)
	if !ok {
		return nil, errors.New("internal: script factory is not a function")
	}
	if len(sb.factories) >= maxFactories {
		clear(sb.factories)
	}
	sb.factories[p.hash] = f
	return f, nil
}

// run validates one write. Its error is an infrastructure failure (the
// ledger failed); every script outcome is a verdict.
func (sb *sandbox) run(p *Program, w Write, c Context, l Ledger) (v Verdict, err error) {
	sb.uses++
	m := sb.m
	m.reset(l, func() [32]byte { return seedFor(p, w, c) })
	if sb.budget != 0 {
		m.budget = sb.budget
	}
	sb.vm.ClearInterrupt()
	defer func() {
		if r := recover(); r != nil {
			// A Go panic inside goja: not reachable by design; the runtime
			// may be inconsistent, so it goes.
			sb.dirty = true
			v, err = rejected(CodeCrashed, 0, "the script crashed its sandbox"), nil
		}
	}()
	if bad := checkWrite(w, c); bad != "" {
		return rejected(CodeInvalidWrite, 0, "%s", bad), nil
	}
	res, jsErr, stage, err := sb.invoke(p, w, c)
	if err != nil {
		return Verdict{}, err
	}
	if errors.Is(jsErr, errNoValidate) {
		return rejected(CodeNoValidate, m.used, "the script does not define function validate(write, ctx)"), nil
	}
	return sb.outcome(res, jsErr, stage)
}

var errNoValidate = errors.New("no validate function")

// invoke runs the script's top level and then validate(write, ctx). jsErr
// is what the script did (an exception, an interrupt); err is a failure of
// the sandbox itself. stage prefixes reasons from the top level.
func (sb *sandbox) invoke(p *Program, w Write, c Context) (res goja.Value, jsErr error, stage string, err error) {
	factory, err := sb.factory(p)
	if err != nil {
		sb.dirty = true
		return nil, nil, "", fmt.Errorf("load script: %w", err)
	}
	sb.upd.next = goja.Undefined() // nothing of the call before
	val, jsErr := factory(goja.Undefined(), sb.fuelFn, sb.checkFn, sb.operandFn, sb.updateFn, sb.keyFn, sb.numberFn, sb.primFn)
	if jsErr != nil {
		return nil, jsErr, "while loading the script: ", nil
	}
	fn, ok := goja.AssertFunction(val)
	if !ok {
		return nil, errNoValidate, "", nil
	}
	wv, jsErr := sb.writeObject(w)
	if jsErr != nil {
		return nil, jsErr, "", nil
	}
	cv, jsErr := sb.contextObject(c)
	if jsErr != nil {
		return nil, jsErr, "", nil
	}
	res, jsErr = fn(goja.Undefined(), wv, cv)
	return res, jsErr, "", nil
}

func (sb *sandbox) outcome(res goja.Value, jsErr error, prefix string) (Verdict, error) {
	m := sb.m
	if m.ledgerErr != nil {
		sb.dirty = true
		return Verdict{}, fmt.Errorf("ledger query: %w", m.ledgerErr)
	}
	if m.stop != nil {
		// goja unwinds the meter's exception, but one raised while it runs
		// promise jobs leaves the runtime's call stack behind: later calls
		// would then skip their jobs. A stopped runtime is never reused.
		sb.dirty = true
		return rejected(m.stop.code, m.used, "%s%s", prefix, m.stop.reason), nil
	}
	if jsErr != nil {
		var so *goja.StackOverflowError
		var ie *goja.InterruptedError
		var ex *goja.Exception
		switch {
		case errors.As(jsErr, &so):
			sb.dirty = true
			return rejected(CodeStackOverflow, m.used, "%sthe script exceeded the maximum call depth of %d", prefix, MaxCallDepth), nil
		case errors.As(jsErr, &ie):
			sb.dirty = true
			if ie.Value() == errTooSlow {
				guard := sb.guard
				if guard == 0 {
					guard = WallClockGuard
				}
				return rejected(CodeTooSlow, 0, "the script took too long (over %v)", guard), nil
			}
			return rejected(CodeCrashed, 0, "the script was interrupted"), nil
		case errors.As(jsErr, &ex):
			return rejected(CodeThrew, m.used, "%s%s", prefix, sb.describeThrown(ex.Value())), nil
		}
		sb.dirty = true
		return rejected(CodeCrashed, 0, "%sthe script failed in its sandbox", prefix), nil
	}
	if isTrue(res) {
		return allowed(m.used), nil
	}
	return rejected(CodeReturned, m.used, "the script returned %s instead of true", sb.describeValue(res)), nil
}

func isTrue(v goja.Value) bool {
	if v == nil {
		return false
	}
	if _, obj := v.(*goja.Object); obj {
		return false
	}
	b, ok := v.Export().(bool)
	return ok && b
}

// checkWrite refuses writes outside what scripts are given.
func checkWrite(w Write, c Context) string {
	switch {
	case len(w.Key) > MaxKeySize:
		return fmt.Sprintf("the key is %d bytes; scripts validate keys up to %d bytes", len(w.Key), MaxKeySize)
	case len(w.Value) > MaxValueSize:
		return fmt.Sprintf("the value is %d bytes; scripts validate values up to %d bytes", len(w.Value), MaxValueSize)
	case len(w.Prev) > MaxValueSize:
		return fmt.Sprintf("the previous value is %d bytes; scripts see values up to %d bytes", len(w.Prev), MaxValueSize)
	case len(w.Signer) > MaxKeySize || len(c.Keyspace) > MaxKeySize || len(c.Owner) > MaxKeySize || len(c.Chain) > MaxKeySize:
		return "the write's signer, keyspace, owner or chain name is too long"
	}
	return ""
}

// seedFor derives the Math.random seed from the script and the write, so
// every node draws the same numbers for the same write.
func seedFor(p *Program, w Write, c Context) [32]byte {
	h := sha256.New()
	h.Write([]byte("bitverse/script/random/v1\x00"))
	h.Write(p.hash[:])
	for _, s := range []string{w.Key, string(w.Value), w.Signer, c.Keyspace, c.Chain} {
		var n [8]byte
		binary.BigEndian.PutUint64(n[:], uint64(len(s)))
		h.Write(n[:])
		h.Write([]byte(s))
	}
	var n [16]byte
	binary.BigEndian.PutUint64(n[:8], c.Height)
	binary.BigEndian.PutUint64(n[8:], uint64(c.Time))
	h.Write(n[:])
	var out [32]byte
	h.Sum(out[:0])
	return out
}

// decodeUTF8 turns bytes into text the same way on every node: each byte
// that is not part of a valid UTF-8 sequence becomes U+FFFD.
func decodeUTF8(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	out := make([]rune, 0, len(b))
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		out = append(out, r)
		b = b[n:]
	}
	return string(out)
}
