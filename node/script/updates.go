package script

import (
	"fmt"

	"github.com/dop251/goja"
)

// Property updates. o.p++, --o[k] and o.p -= e read a property and convert
// its value inside goja, in one step, in time proportional to a string's
// length. Charging the value first would read the property twice (a getter
// would run twice), so the instrumenter routes the property through a ref
// instead (operands.go):
//
//	o.p++      →  __bv_u(o).p++
//	o[k] -= e  →  __bv_u(o, (k))[__bv_k()] -= e
//
// __bv_u returns its first argument unchanged unless it is an object; for
// an object it returns a ref, a dynamic object that reads and writes that
// object's property (getters and setters run once, with this being the
// object, in the order the operator would) and hands on the value it reads
// as __bv_n does: a primitive charged as an operand (long strings at the
// parsing rate), an object as a stand-in the update converts and charges
// when it would have converted the object (for o.p -= e, after e). The
// two-argument form binds the ref to k (an object key is converted at the
// read and at the write, as goja does); __bv_k() then returns a placeholder
// the ref ignores (or, when o is not an object, k itself, so the update runs
// as written).
// A ref never reaches the script: it is only the base of the update.

// updateHelpersJS are plain functions for keys a Go string cannot carry
// (symbols, objects, lone surrogates): get and strict set.
const updateHelpersJS = `(function () {
	'use strict';
	return [
		function (o, k) { return o[k] },
		function (o, k, v) { o[k] = v },
	];
})()`

type updates struct {
	next  goja.Value // what __bv_k returns
	get   goja.Callable
	set   goja.Callable
	dummy goja.Value // the placeholder key of a bound ref
}

func (sb *sandbox) installUpdates() error {
	v, err := sb.vm.RunString(updateHelpersJS)
	if err != nil {
		return err
	}
	fns, ok := v.(*goja.Object)
	if !ok {
		return fmt.Errorf("update helpers: not an array")
	}
	for i, dst := range []*goja.Callable{&sb.upd.get, &sb.upd.set} {
		f, ok := goja.AssertFunction(fns.Get(fmt.Sprint(i)))
		if !ok {
			return fmt.Errorf("update helper %d is not a function", i)
		}
		*dst = f
	}
	sb.upd.dummy = sb.vm.ToValue("k")
	sb.upd.next = goja.Undefined()
	sb.updateFn = sb.newFunc("update", 1, sb.update)
	sb.keyFn = sb.newFunc("key", 0, func(goja.FunctionCall) goja.Value {
		k := sb.upd.next
		sb.upd.next = goja.Undefined()
		return k
	})
	return nil
}

// update is __bv_u(o) and __bv_u(o, k).
func (sb *sandbox) update(call goja.FunctionCall) goja.Value {
	base := call.Argument(0)
	obj, isObj := base.(*goja.Object)
	if len(call.Arguments) < 2 {
		if !isObj {
			// A primitive's properties are its prototype's (frozen built-ins)
			// or its characters; null and undefined throw as written.
			return base
		}
		return sb.vm.NewDynamicObject(&propRef{sb: sb, o: obj})
	}
	k := call.Arguments[1]
	sb.m.chargeOperand(k) // the key, as o[k] charges it
	if !isObj {
		sb.upd.next = k
		return base
	}
	ref := &propRef{sb: sb, o: obj}
	switch key := k.(type) {
	case *goja.Symbol, *goja.Object:
		// goja converts an object key at the read and again at the write:
		// so do the helpers.
		ref.key = key
	case goja.String:
		if hasSurrogate(key) {
			ref.key = key
		} else {
			ref.name, ref.bound = key.String(), true
		}
	default:
		ref.name, ref.bound = k.String(), true // numbers, booleans, null, undefined
	}
	sb.upd.next = sb.upd.dummy
	return sb.vm.NewDynamicObject(ref)
}

func (sb *sandbox) callJS(f goja.Callable, args ...goja.Value) goja.Value {
	v, err := f(goja.Undefined(), args...)
	if err != nil {
		panic(err)
	}
	return v
}

func hasSurrogate(s goja.String) bool {
	for i, n := 0, s.Length(); i < n; i++ {
		if c := s.CharAt(i); c >= 0xd800 && c <= 0xdfff {
			return true
		}
	}
	return false
}

// propRef is the ref __bv_u returns: every property of it is o's (the o.p
// form), or its one property is o's property name or key (the o[k] form).
type propRef struct {
	sb    *sandbox
	o     *goja.Object
	name  string     // bound to this name, if bound
	bound bool       //
	key   goja.Value // else bound to this key (a symbol or an odd string), if set
}

func (r *propRef) Get(name string) goja.Value {
	var v goja.Value
	switch {
	case r.key != nil:
		v = r.sb.callJS(r.sb.upd.get, r.o, r.key)
	case r.bound:
		v = r.o.Get(r.name)
	default:
		v = r.o.Get(name)
	}
	if v == nil {
		v = goja.Undefined() // never nil: the ref's own prototype must not answer
	}
	// The update converts what it reads (ToNumeric): an object goes on as
	// a stand-in that converts and charges it when the update converts it
	// (for o.p -= e, after e is evaluated), a primitive is charged here.
	if o, ok := v.(*goja.Object); ok {
		return r.sb.m.deferred(o)
	}
	r.sb.m.chargeOperand(v)
	return v
}

func (r *propRef) Set(name string, v goja.Value) bool {
	switch {
	case r.key != nil:
		r.sb.callJS(r.sb.upd.set, r.o, r.key, v)
		return true
	case r.bound:
		name = r.name
	}
	if err := r.o.Set(name, v); err != nil {
		panic(err) // strict mode: a failed assignment throws, as written
	}
	return true
}

func (r *propRef) Has(string) bool    { return true }
func (r *propRef) Delete(string) bool { return false }
func (r *propRef) Keys() []string     { return nil }
