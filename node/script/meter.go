package script

import (
	"fmt"
	"math"

	"github.com/dop251/goja"
)

// A meter holds the state of one validation: fuel, the first limit hit,
// ledger access and the seeded random stream. The sandbox resets it before
// every call; it belongs to the goroutine that runs the sandbox.
type meter struct {
	vm        *goja.Runtime
	used      uint64
	budget    uint64
	stop      *stopInfo
	ledger    Ledger
	ledgerErr error
	queries   int
	rng       splitmix
	seeded    bool
	seedFrom  func() [32]byte      // derives the Math.random seed on first use
	depth     int                  // nesting of recursive built-ins
	bound     map[*goja.Object]int // bind-chain depth of bound functions made in this call
	joining   []*goja.Object       // arrays being joined, to cut cycles
	maxBuffer int64                // cap on one buffer or typed array: MaxBufferBytes, more for transforms
	standIn   *goja.Object         // prototype of the stand-ins __bv_n makes for objects (deferred)
}

type stopInfo struct {
	code   Code
	reason string
}

// errHalted is the interrupt value the meter uses; the wall-clock guard of the
// in-process runner uses errTooSlow.
var (
	errHalted  = fmt.Errorf("halted by the meter")
	errTooSlow = fmt.Errorf("wall clock")
)

func (m *meter) reset(l Ledger, seed func() [32]byte) {
	m.used, m.budget, m.maxBuffer = 0, FuelPerWrite, MaxBufferBytes
	m.stop, m.ledger, m.ledgerErr, m.queries, m.depth = nil, l, nil, 0, 0
	m.seeded, m.seedFrom = false, seed
	clear(m.bound)
	m.joining = m.joining[:0]
}

// halt ends the script: it records why, interrupts the VM so that not even a
// catch block runs again, and unwinds the current native call with an
// exception scripts cannot catch.
func (m *meter) halt(code Code, format string, args ...any) {
	if m.stop == nil {
		m.stop = &stopInfo{code: code, reason: fmt.Sprintf(format, args...)}
	}
	m.vm.Interrupt(errHalted)
	panic(&goja.InterruptedError{})
}

// charge spends n units of fuel.
func (m *meter) charge(n uint64) {
	if n > m.budget-m.used {
		m.used = m.budget
		m.halt(CodeOutOfFuel, "the script ran out of fuel (the budget is %d per write)", m.budget)
	}
	m.used += n
}

// chargeUnits spends one unit per div units of work, at least one.
func (m *meter) chargeUnits(units int64, div int64) {
	if units < 0 {
		units = 0
	}
	m.charge(uint64(units/div) + fuelPerBuiltin)
}

// fuel is __bv_f(n), inserted at the start of every function body and loop
// iteration.
func (m *meter) fuel(call goja.FunctionCall) goja.Value {
	var n int64 = 1
	if len(call.Arguments) > 0 {
		n = call.Arguments[0].ToInteger()
	}
	if n < 1 {
		n = 1
	}
	m.charge(uint64(n))
	return goja.Undefined()
}

// check is __bv_c(v), wrapped around every + and template literal: strings
// over the cap end the script, and long strings cost fuel in proportion to
// the copy that made them.
func (m *meter) check(call goja.FunctionCall) goja.Value {
	v := call.Argument(0)
	if s, ok := v.(goja.String); ok {
		n := s.Length()
		if n > MaxStringLength {
			m.halt(CodeLimit, "the script built a string of %d characters; the limit is %d", n, MaxStringLength)
		}
		if n >= rateCopy {
			m.charge(uint64(n / rateCopy))
		}
	}
	return v
}

// operand is __bv_o(v), wrapped around operands that an operator may
// convert or compare in time proportional to a string's length (see
// operands.go): long strings cost fuel at the parsing rate. It returns its
// last argument.
func (m *meter) operand(call goja.FunctionCall) goja.Value {
	for _, v := range call.Arguments {
		if s, ok := v.(goja.String); ok {
			if n := s.Length(); n >= rateOperand {
				m.charge(uint64(n / rateParse))
			}
		}
	}
	if len(call.Arguments) == 0 {
		return goja.Undefined()
	}
	return call.Arguments[len(call.Arguments)-1]
}

// primitive is __bv_p(x): the variable x that ++, -- or a compound
// arithmetic assignment is about to convert, converted first (ToPrimitive,
// hint number) and charged like an operand. The instrumenter stores the
// result back in x, so the update converts a primitive already paid for
// and a valueOf or toString runs once.
func (m *meter) primitive(call goja.FunctionCall) goja.Value {
	v := m.toPrimitiveNumber(call.Argument(0))
	m.chargeOperand(v)
	return v
}

// number is __bv_n(v), wrapped around operands that an operator converts
// to a number (arithmetic, bitwise, relational, unary -, + and ~): a
// primitive is charged like any operand and handed on; an object is handed
// on as a stand-in (deferred) that the operator converts when it would
// have converted the object, after evaluating the other operand, so
// valueOf or toString runs once, in the language's order, and a long
// string it returns costs fuel.
func (m *meter) number(call goja.FunctionCall) goja.Value {
	v := call.Argument(0)
	if o, ok := v.(*goja.Object); ok {
		return m.deferred(o)
	}
	m.chargeOperand(v)
	return v
}

// deferred returns a stand-in for o: a new object whose Symbol.toPrimitive
// (inherited from m.standIn, see newStandIn) converts o (ToPrimitive, hint
// number) and charges the primitive like an operand. o is kept under a
// symbol scripts do not have. Only an operator that converts it at once
// ever holds a stand-in: __bv_n and the property ref of an update hand it
// straight to one.
func (m *meter) deferred(o *goja.Object) goja.Value {
	w := m.vm.CreateObject(m.standIn)
	if err := w.SetSymbol(standInOf, o); err != nil {
		panic(err)
	}
	return w
}

// newStandIn makes the prototype of stand-ins, once per runtime; the
// sandbox freezes it with its method.
func (m *meter) newStandIn() (proto, conv *goja.Object) {
	proto = m.vm.NewObject()
	conv = m.vm.ToValue(func(call goja.FunctionCall) goja.Value {
		w, ok := call.This.(*goja.Object)
		if !ok {
			panic(m.vm.NewTypeError("Cannot convert object to primitive value"))
		}
		orig, ok := w.GetSymbol(standInOf).(*goja.Object)
		if !ok {
			panic(m.vm.NewTypeError("Cannot convert object to primitive value"))
		}
		p := m.toPrimitiveNumber(orig)
		m.chargeOperand(p)
		return p
	}).(*goja.Object)
	_ = conv.DefineDataProperty("name", m.vm.ToValue("[Symbol.toPrimitive]"), goja.FLAG_FALSE, goja.FLAG_FALSE, goja.FLAG_TRUE)
	if err := proto.SetSymbol(goja.SymToPrimitive, conv); err != nil {
		panic(err)
	}
	m.standIn = proto
	return proto, conv
}

// standInOf keys the object a stand-in converts.
var standInOf = goja.NewSymbol("bitverse.standIn")

// toPrimitiveNumber is ToPrimitive(v, number): Symbol.toPrimitive with the
// hint "number", else valueOf, then toString. Exceptions (and the meter's
// own halts) pass through unchanged.
func (m *meter) toPrimitiveNumber(v goja.Value) goja.Value {
	o, ok := v.(*goja.Object)
	if !ok {
		return v
	}
	if f := o.GetSymbol(goja.SymToPrimitive); f != nil && !goja.IsUndefined(f) && !goja.IsNull(f) {
		fn, ok := goja.AssertFunction(f)
		if !ok {
			panic(m.vm.NewTypeError("%s is not a method", f.String()))
		}
		r := m.callConv(fn, o, m.vm.ToValue("number"))
		if _, isObj := r.(*goja.Object); isObj {
			panic(m.vm.NewTypeError("Cannot convert object to primitive value"))
		}
		return r
	}
	for _, name := range [...]string{"valueOf", "toString"} {
		if fn, ok := goja.AssertFunction(o.Get(name)); ok {
			if r := m.callConv(fn, o); r != nil {
				if _, isObj := r.(*goja.Object); !isObj {
					return r
				}
			}
		}
	}
	panic(m.vm.NewTypeError("Cannot convert object to primitive value"))
}

// callConv calls a conversion method; what it throws is rethrown as is.
func (m *meter) callConv(fn goja.Callable, this goja.Value, args ...goja.Value) goja.Value {
	r, err := fn(this, args...)
	if err != nil {
		panic(err)
	}
	return r
}

// chargeOperand charges a value an operator converts: a long string, or a
// String object around one, at the parsing rate.
func (m *meter) chargeOperand(v goja.Value) {
	n := 0
	switch x := v.(type) {
	case goja.String:
		n = x.Length()
	case *goja.Object:
		if x.ClassName() == "String" {
			n = int(strLen(x))
		}
	}
	if n >= rateOperand {
		m.charge(uint64(n / rateParse))
	}
}

// checkString ends the script if a built-in produced an over-long string
// and charges for producing it.
func (m *meter) checkString(v goja.Value) goja.Value {
	if s, ok := v.(goja.String); ok {
		n := s.Length()
		if n > MaxStringLength {
			m.halt(CodeLimit, "the script built a string of %d characters; the limit is %d", n, MaxStringLength)
		}
		m.chargeUnits(int64(n), rateCopy)
	}
	return v
}

// checkArrayLen ends the script if a built-in would make or walk an array
// longer than the cap.
func (m *meter) checkArrayLen(n int64, what string) {
	if n > MaxArrayLength {
		m.halt(CodeLimit, "%s: %s of %d elements is over the limit of %d", what, "an array", n, MaxArrayLength)
	}
}

func (m *meter) checkStringLen(n int64, what string) {
	if n > MaxStringLength {
		m.halt(CodeLimit, "%s would make a string of %d characters; the limit is %d", what, n, MaxStringLength)
	}
}

// enter and leave bound the nesting of recursive built-ins.
func (m *meter) enter(what string) {
	m.depth++
	if m.depth > MaxNestingDepth {
		m.halt(CodeLimit, "%s nests deeper than %d levels", what, MaxNestingDepth)
	}
}

func (m *meter) leave() { m.depth-- }

// mulCap multiplies non-negative counts, saturating at MaxInt64.
func mulCap(a, b int64) int64 {
	if a <= 0 || b <= 0 {
		return 0
	}
	if a > math.MaxInt64/b {
		return math.MaxInt64
	}
	return a * b
}

// splitmix is the deterministic generator behind Math.random, seeded from
// the write (see seedFor).
type splitmix struct{ s uint64 }

func (g *splitmix) seed(b [32]byte) {
	var s uint64
	for i := 0; i < 8; i++ {
		s = s<<8 | uint64(b[i])
	}
	g.s = s
}

func (g *splitmix) next() uint64 {
	g.s += 0x9e3779b97f4a7c15
	z := g.s
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// random is Math.random: the seed is derived from the write the first time
// a script asks for a number.
func (m *meter) random() float64 {
	if !m.seeded {
		m.rng.seed(m.seedFrom())
		m.seeded = true
	}
	return m.rng.float()
}

// float returns a float64 in [0, 1) with 53 random bits.
func (g *splitmix) float() float64 {
	return float64(g.next()>>11) / (1 << 53)
}
