package script

import (
	"strconv"
	"strings"

	"github.com/dop251/goja"
)

// Everything a script receives is a plain, frozen JavaScript value built
// here: no Go object is ever wrapped (no reflection, no field mapper), and
// the only host functions are ctx.balance, ctx.paid and ctx.ownerOf.

func (sb *sandbox) str(s string) goja.Value { return sb.vm.ToValue(s) }

// makeObjectsJS builds the write and ctx objects in one step of the VM,
// which costs less than setting their properties one by one from Go.
const makeObjectsJS = `(function () {
	'use strict';
	return [
		(key, value, bytes, size, signer, prev, prevExists) => ({ key, value, bytes, size, signer, prev, prevExists }),
		(keyspace, owner, height, time, chain, balance, paid, ownerOf) => ({ keyspace, owner, height, time, chain, balance, paid, ownerOf }),
	];
})()`

// writeObject and contextObject fail only if the runtime was interrupted
// (the wall-clock guard, a cancelled context).
func (sb *sandbox) writeObject(w Write) (goja.Value, error) {
	vm := sb.vm
	prev := goja.Null()
	if w.PrevExists {
		prev = sb.str(decodeUTF8(w.Prev))
	}
	bytes, err := sb.bytes(w.Value)
	if err != nil {
		return nil, err
	}
	return sb.h.makeWrite(goja.Undefined(), sb.str(decodeUTF8([]byte(w.Key))), sb.str(decodeUTF8(w.Value)),
		bytes, vm.ToValue(len(w.Value)), sb.str(decodeUTF8([]byte(w.Signer))), prev, vm.ToValue(w.PrevExists))
}

// bytes is a Uint8Array over a copy of b: the script may change it without
// touching the caller's slice.
func (sb *sandbox) bytes(b []byte) (goja.Value, error) {
	buf := sb.vm.NewArrayBuffer(append([]byte(nil), b...))
	return sb.h.uint8Array(nil, sb.vm.ToValue(buf))
}

func (sb *sandbox) contextObject(c Context) (goja.Value, error) {
	vm := sb.vm
	return sb.h.makeCtx(goja.Undefined(), sb.str(decodeUTF8([]byte(c.Keyspace))), sb.str(decodeUTF8([]byte(c.Owner))),
		vm.ToValue(c.Height), vm.ToValue(c.Time), sb.str(decodeUTF8([]byte(c.Chain))), sb.h.balance, sb.h.paid, sb.h.ownerOf)
}

func (sb *sandbox) freeze(o *goja.Object) {
	if _, err := sb.h.freeze(goja.Undefined(), o); err != nil {
		panic(err)
	}
}

// Ledger queries. Arguments must already be strings of the right shape;
// anything else is a TypeError in the script, never a call to the ledger.

func (sb *sandbox) ledgerQuery(name string) {
	m := sb.m
	m.queries++
	if m.queries > MaxLedgerQueries {
		m.halt(CodeLimit, "the script made more than %d ledger queries", MaxLedgerQueries)
	}
	m.charge(fuelPerLedgerQuery)
}

func (sb *sandbox) ledgerFailed(err error) {
	sb.m.ledgerErr = err
	sb.m.halt(CodeCrashed, "the ledger failed")
}

func (sb *sandbox) addressArg(call goja.FunctionCall, i int, fn string) string {
	s, ok := call.Argument(i).(goja.String)
	if !ok {
		panic(sb.vm.NewTypeError("ctx.%s expects an address string as argument %d", fn, i+1))
	}
	text := s.String()
	if len(text) == 0 || len(text) > 128 {
		panic(sb.vm.NewTypeError("ctx.%s: %q is not an address", fn, truncate(text, 40)))
	}
	for i := 0; i < len(text); i++ {
		c := text[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
			panic(sb.vm.NewTypeError("ctx.%s: %q is not an address", fn, truncate(text, 40)))
		}
	}
	return text
}

func (sb *sandbox) keyspaceArg(call goja.FunctionCall, fn string) string {
	s, ok := call.Argument(0).(goja.String)
	if !ok {
		panic(sb.vm.NewTypeError("ctx.%s expects a keyspace name string", fn))
	}
	text := s.String()
	if len(text) == 0 || len(text) > MaxKeySize || strings.ContainsFunc(text, func(r rune) bool { return r < 0x20 || r == 0x7f || r == 0xfffd }) {
		panic(sb.vm.NewTypeError("ctx.%s: %q is not a keyspace name", fn, truncate(text, 40)))
	}
	return text
}

func (sb *sandbox) amount(u uint64) goja.Value {
	// Exact up to 2^53 units (90 million BVS); above that the nearest double.
	return sb.vm.ToValue(float64(u))
}

func (sb *sandbox) balance(call goja.FunctionCall) goja.Value {
	addr := sb.addressArg(call, 0, "balance")
	sb.ledgerQuery("balance")
	n, err := sb.m.ledger.Balance(addr)
	if err != nil {
		sb.ledgerFailed(err)
	}
	return sb.amount(n)
}

func (sb *sandbox) paid(call goja.FunctionCall) goja.Value {
	from := sb.addressArg(call, 0, "paid")
	to := sb.addressArg(call, 1, "paid")
	sb.ledgerQuery("paid")
	n, err := sb.m.ledger.PaidTotal(from, to)
	if err != nil {
		sb.ledgerFailed(err)
	}
	return sb.amount(n)
}

func (sb *sandbox) ownerOf(call goja.FunctionCall) goja.Value {
	ks := sb.keyspaceArg(call, "ownerOf")
	sb.ledgerQuery("ownerOf")
	owner, ok, err := sb.m.ledger.Owner(ks)
	if err != nil {
		sb.ledgerFailed(err)
	}
	if !ok {
		return goja.Null()
	}
	return sb.str(decodeUTF8([]byte(owner)))
}

// emptyLedger answers for a runner called without a ledger.
type emptyLedger struct{}

func (emptyLedger) Balance(string) (uint64, error)           { return 0, nil }
func (emptyLedger) PaidTotal(string, string) (uint64, error) { return 0, nil }
func (emptyLedger) Owner(string) (string, bool, error)       { return "", false, nil }

// Describing values for reasons. None of this runs script code: properties
// are read through their descriptors and accessors are never called.

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}

// dataProp finds a data property along the prototype chain without calling
// getters.
func (sb *sandbox) dataProp(o *goja.Object, key string) (goja.Value, bool) {
	k := sb.str(key)
	for depth := 0; o != nil && depth < 32; depth++ {
		d, err := sb.h.getOwnPropertyDescriptor(goja.Undefined(), o, k)
		if err != nil {
			return nil, false
		}
		if d != nil && !goja.IsUndefined(d) {
			desc, ok := d.(*goja.Object)
			if !ok {
				return nil, false
			}
			if v, err := sb.h.hasOwn(goja.Undefined(), desc, sb.str("value")); err != nil || !v.ToBoolean() {
				return nil, false // an accessor: not called
			}
			return desc.Get("value"), true
		}
		o = o.Prototype()
	}
	return nil, false
}

func (sb *sandbox) describeThrown(v goja.Value) string {
	if s, ok := v.(goja.String); ok {
		if s.Length() == 0 {
			return "the script threw an empty string"
		}
		return s.String()
	}
	o, ok := v.(*goja.Object)
	if !ok {
		return "the script threw " + sb.describePrimitive(v)
	}
	if msg, ok := sb.dataProp(o, "message"); ok {
		if ms, ok := msg.(goja.String); ok {
			name := "Error"
			if n, ok := sb.dataProp(o, "name"); ok {
				if ns, ok := n.(goja.String); ok {
					name = ns.String()
				}
			}
			text := ms.String()
			switch {
			case text == "":
				return "the script threw " + name + " without a message"
			case name == "Error" || name == "":
				return text
			default:
				return name + ": " + text
			}
		}
	}
	return "the script threw " + sb.describeObject(o)
}

func (sb *sandbox) describeValue(v goja.Value) string {
	if o, ok := v.(*goja.Object); ok {
		if _, ok := o.Export().(*goja.Promise); ok {
			return "a Promise (validate must not be async)"
		}
		return sb.describeObject(o)
	}
	if s, ok := v.(goja.String); ok {
		return strconv.Quote(truncate(s.String(), 60))
	}
	return sb.describePrimitive(v)
}

func (sb *sandbox) describePrimitive(v goja.Value) string {
	switch {
	case v == nil || goja.IsUndefined(v):
		return "undefined"
	case goja.IsNull(v):
		return "null"
	case goja.IsNumber(v):
		return "the number " + v.String()
	case goja.IsString(v):
		return strconv.Quote(truncate(v.String(), 60))
	}
	if _, ok := v.(*goja.Symbol); ok {
		return "a symbol, Symbol(" + v.String() + ")"
	}
	return v.String() // booleans
}

// describeObject renders up to a few own enumerable data properties, e.g.
// {"code": 3, "why": "taken"}.
func (sb *sandbox) describeObject(o *goja.Object) string {
	if _, ok := goja.AssertFunction(o); ok {
		return "a function"
	}
	keysV, err := sb.h.keys(goja.Undefined(), o)
	if err != nil {
		return "an object"
	}
	keys, ok := keysV.(*goja.Object)
	if !ok {
		return "an object"
	}
	n := keys.Get("length").ToInteger()
	isArray := o.ClassName() == "Array"
	var b strings.Builder
	if isArray {
		b.WriteByte('[')
	} else {
		b.WriteByte('{')
	}
	for i := int64(0); i < n && i < 6; i++ {
		k := keys.Get(strconv.FormatInt(i, 10)).String()
		if i > 0 {
			b.WriteString(", ")
		}
		if !isArray {
			b.WriteString(strconv.Quote(truncate(k, 30)))
			b.WriteString(": ")
		}
		v, ok := sb.dataProp(o, k)
		switch {
		case !ok:
			b.WriteString("…")
		case isObject(v):
			b.WriteString("…")
		case goja.IsString(v):
			b.WriteString(strconv.Quote(truncate(v.String(), 60)))
		default:
			b.WriteString(sb.primitiveText(v))
		}
	}
	if n > 6 {
		b.WriteString(", …")
	}
	if isArray {
		b.WriteByte(']')
	} else {
		b.WriteByte('}')
	}
	return b.String()
}

func (sb *sandbox) primitiveText(v goja.Value) string {
	if v == nil || goja.IsUndefined(v) {
		return "undefined"
	}
	if _, ok := v.(*goja.Symbol); ok {
		return v.String()
	}
	return v.String()
}

func isObject(v goja.Value) bool {
	_, ok := v.(*goja.Object)
	return ok
}
