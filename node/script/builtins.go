package script

import (
	"math"

	"github.com/dop251/goja"
)

// Built-ins that loop or allocate in proportion to their input are replaced
// by metered versions. A metered version
//
//   - turns `this` and the arguments into primitives first (running any
//     script-defined toString/valueOf once, metered like all script code), so
//     the original sees exactly the values that were measured;
//   - refuses, by ending the script, work whose result would exceed a cap
//     (strings: MaxStringLength, arrays: MaxArrayLength, buffers:
//     MaxBufferBytes, nesting: MaxNestingDepth);
//   - charges fuel in proportion to the work, then calls the original.
//
// Recursive built-ins whose recursion the script controls (join on nested
// arrays, JSON.stringify, flat) are reimplemented in Go with a depth cap,
// because goja's versions recurse on the Go stack without bound.

type nativeFn = func(goja.FunctionCall) goja.Value

// originalOf returns the Go implementation of a native function.
func originalOf(v goja.Value) (nativeFn, int64, bool) {
	o, ok := v.(*goja.Object)
	if !ok {
		return nil, 0, false
	}
	f, ok := o.Export().(func(goja.FunctionCall) goja.Value)
	if !ok {
		return nil, 0, false
	}
	return f, o.Get("length").ToInteger(), true
}

// wrap replaces obj[name] with make(original).
func (sb *sandbox) wrap(obj *goja.Object, name string, make func(orig nativeFn) nativeFn) {
	orig, length, ok := originalOf(obj.Get(name))
	if !ok {
		panic("sandbox setup: " + name + " is not a native function")
	}
	f := sb.newFunc(name, int(length), make(orig))
	if err := obj.DefineDataProperty(name, f, goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_FALSE); err != nil {
		panic(err)
	}
}

// set replaces obj[name] with a new native function.
func (sb *sandbox) set(obj *goja.Object, name string, length int, f nativeFn) {
	if err := obj.DefineDataProperty(name, sb.newFunc(name, length, f), goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_FALSE); err != nil {
		panic(err)
	}
}

func (sb *sandbox) object(v goja.Value) *goja.Object {
	o, ok := v.(*goja.Object)
	if !ok {
		panic("sandbox setup: not an object")
	}
	return o
}

func (sb *sandbox) global(name string) *goja.Object { return sb.object(sb.vm.Get(name)) }

func (sb *sandbox) proto(name string) *goja.Object {
	return sb.object(sb.global(name).Get("prototype"))
}

// call calls a script-visible function from Go and rethrows its exception.
func (sb *sandbox) call(fn goja.Value, this goja.Value, args ...goja.Value) goja.Value {
	f, ok := goja.AssertFunction(fn)
	if !ok {
		panic(sb.vm.NewTypeError("%s is not a function", sb.typeName(fn)))
	}
	v, err := f(this, args...)
	if err != nil {
		panic(err)
	}
	return v
}

func (sb *sandbox) typeName(v goja.Value) string {
	switch {
	case v == nil || goja.IsUndefined(v):
		return "undefined"
	case goja.IsNull(v):
		return "null"
	case isObject(v):
		return "object"
	}
	return "value"
}

func callWith(this goja.Value, args ...goja.Value) goja.FunctionCall {
	return goja.FunctionCall{This: this, Arguments: args}
}

func (sb *sandbox) installBuiltins(intr *goja.Object) {
	sb.installMath()
	sb.installIterators(intr)
	sb.installFunction()
	sb.installObject()
	sb.installReflect()
	sb.installArray()
	sb.installTypedArrays(intr)
	sb.installString()
	sb.installCollections()
	sb.installJSON()
	sb.installPromises()
	sb.installGlobals()
}

// strLen is the length of a primitive string, or of a String object.
func strLen(v goja.Value) int64 {
	if s, ok := v.(goja.String); ok {
		return int64(s.Length())
	}
	if o, ok := v.(*goja.Object); ok && o.ClassName() == "String" {
		return o.Get("length").ToInteger()
	}
	return 0
}

// toStr converts a value to a primitive string, running script code if the
// value is an object.
func (sb *sandbox) toStr(v goja.Value) goja.String {
	for i := 0; i < 2; i++ {
		switch x := v.(type) {
		case goja.String:
			return x
		case *goja.Symbol:
			panic(sb.vm.NewTypeError("Cannot convert a Symbol value to a string"))
		case *goja.Object:
			v = x.ToString()
		default:
			if v == nil {
				return sb.str("undefined").(goja.String)
			}
			return sb.str(v.String()).(goja.String)
		}
	}
	panic(sb.vm.NewTypeError("Cannot convert object to primitive value"))
}

// thisStr is RequireObjectCoercible(this) followed by ToString.
func (sb *sandbox) thisStr(call goja.FunctionCall, method string) goja.String {
	if call.This == nil || goja.IsUndefined(call.This) || goja.IsNull(call.This) {
		panic(sb.vm.NewTypeError("Value is not object coercible"))
	}
	return sb.toStr(call.This)
}

// toLength is ToLength of an already primitive number, clamped to int64.
func toLength(v goja.Value) int64 {
	f := v.ToFloat()
	if math.IsNaN(f) || f <= 0 {
		return 0
	}
	if f >= 1<<53 {
		return 1<<53 - 1
	}
	return int64(f)
}

// isArrayObject reports whether v is a real Array (no proxies exist in the
// sandbox).
func isArrayObject(v goja.Value) bool {
	o, ok := v.(*goja.Object)
	return ok && o.ClassName() == "Array"
}

func (sb *sandbox) isTypedArray(o *goja.Object) bool {
	v, err := sb.h.isView(goja.Undefined(), o)
	return err == nil && v.ToBoolean() && o.ClassName() != "DataView"
}

// lengthOf returns the length of an array-like without letting the script
// change it between the measurement and the built-in's own read: arrays,
// strings and typed arrays have fixed-meaning lengths; other objects must
// carry a plain number as an own data property "length" (or none at all).
func (sb *sandbox) lengthOf(v goja.Value, what string) int64 {
	switch x := v.(type) {
	case goja.String:
		return int64(x.Length())
	case *goja.Object:
		switch cls := x.ClassName(); {
		case cls == "Array" || cls == "String" || sb.isTypedArray(x):
			return toLength(x.Get("length"))
		}
		for o, depth := x, 0; o != nil && depth < MaxNestingDepth; o, depth = o.Prototype(), depth+1 {
			d, err := sb.h.getOwnPropertyDescriptor(goja.Undefined(), o, sb.str("length"))
			if err != nil {
				panic(err)
			}
			if goja.IsUndefined(d) {
				continue
			}
			desc := d.(*goja.Object)
			if has, _ := sb.h.hasOwn(goja.Undefined(), desc, sb.str("value")); has == nil || !has.ToBoolean() {
				break
			}
			val := desc.Get("value")
			if !goja.IsNumber(val) && !goja.IsUndefined(val) {
				break
			}
			return toLength(val)
		}
		if x.Prototype() == nil || sb.noLength(x) {
			return 0
		}
		panic(sb.vm.NewTypeError("%s needs an array, a string, a typed array or an object whose length is a plain number", what))
	}
	return 0
}

// noLength reports whether no object on the prototype chain has "length".
func (sb *sandbox) noLength(o *goja.Object) bool {
	for depth := 0; o != nil && depth < MaxNestingDepth; o, depth = o.Prototype(), depth+1 {
		d, err := sb.h.getOwnPropertyDescriptor(goja.Undefined(), o, sb.str("length"))
		if err != nil || !goja.IsUndefined(d) {
			return false
		}
	}
	return o == nil
}

// installMath replaces Math.random with the seeded generator.
func (sb *sandbox) installMath() {
	sb.set(sb.global("Math"), "random", 0, func(goja.FunctionCall) goja.Value {
		sb.m.charge(fuelPerBuiltin)
		return sb.vm.ToValue(sb.m.random())
	})
}

// installIterators charges every step of the built-in iterators, which is
// what spread, destructuring, for-of, Array.from and the collection
// constructors run on.
func (sb *sandbox) installIterators(intr *goja.Object) {
	for _, name := range []string{"ArrayIteratorPrototype", "StringIteratorPrototype", "MapIteratorPrototype", "SetIteratorPrototype"} {
		sb.wrap(sb.object(intr.Get(name)), "next", func(orig nativeFn) nativeFn {
			return func(call goja.FunctionCall) goja.Value {
				sb.m.charge(fuelPerIterStep)
				return orig(call)
			}
		})
	}
}

// protoDepth is the length of o's prototype chain.
func protoDepth(o *goja.Object) int {
	n := 0
	for ; o != nil && n <= MaxNestingDepth+1; o = o.Prototype() {
		n++
	}
	return n
}

func (sb *sandbox) checkProto(v goja.Value) {
	if o, ok := v.(*goja.Object); ok && protoDepth(o) >= MaxNestingDepth {
		sb.m.halt(CodeLimit, "a prototype chain would be deeper than %d objects", MaxNestingDepth)
	}
}

func (sb *sandbox) installObject() {
	object := sb.global("Object")
	objectProto := sb.proto("Object")
	sb.wrap(object, "create", func(orig nativeFn) nativeFn {
		return func(call goja.FunctionCall) goja.Value {
			sb.m.charge(fuelPerBuiltin)
			sb.checkProto(call.Argument(0))
			return orig(call)
		}
	})
	sb.wrap(object, "setPrototypeOf", func(orig nativeFn) nativeFn {
		return func(call goja.FunctionCall) goja.Value {
			sb.m.charge(fuelPerBuiltin)
			sb.checkProto(call.Argument(1))
			return orig(call)
		}
	})
	// The __proto__ setter is an accessor on Object.prototype.
	d, err := sb.h.getOwnPropertyDescriptor(goja.Undefined(), objectProto, sb.str("__proto__"))
	if err == nil && isObject(d) {
		desc := sb.object(d)
		getter, setter := desc.Get("get"), desc.Get("set")
		if origSet, _, ok := originalOf(setter); ok {
			wrapped := sb.newFunc("set __proto__", 1, func(call goja.FunctionCall) goja.Value {
				sb.checkProto(call.Argument(0))
				return origSet(call)
			})
			if err := objectProto.DefineAccessorProperty("__proto__", getter, wrapped, goja.FLAG_TRUE, goja.FLAG_FALSE); err != nil {
				panic(err)
			}
		}
	}
	// Results proportional to the number of own properties.
	for _, name := range []string{"keys", "values", "entries", "getOwnPropertyNames", "getOwnPropertySymbols", "getOwnPropertyDescriptors"} {
		sb.wrap(object, name, sb.ownPropertiesMethod)
	}
	sb.wrap(object, "assign", func(orig nativeFn) nativeFn {
		return func(call goja.FunctionCall) goja.Value {
			for _, src := range call.Arguments[min(1, len(call.Arguments)):] {
				sb.chargeIndexedProps(src, "Object.assign")
			}
			sb.m.charge(uint64(len(call.Arguments)) + fuelPerBuiltin)
			return orig(call)
		}
	})
}

// chargeIndexedProps charges for, and caps, the index properties strings
// and typed arrays have without having been given them one by one.
func (sb *sandbox) chargeIndexedProps(v goja.Value, what string) {
	var n int64
	switch x := v.(type) {
	case goja.String:
		n = int64(x.Length())
	case *goja.Object:
		if x.ClassName() == "String" || sb.isTypedArray(x) {
			n = toLength(x.Get("length"))
		}
	}
	if n > 0 {
		sb.m.checkArrayLen(n, what)
		sb.m.charge(uint64(n) * fuelPerKey)
	}
}

// ownPropertiesMethod meters Object.keys and friends: the result has one
// element per own property.
func (sb *sandbox) ownPropertiesMethod(orig nativeFn) nativeFn {
	return func(call goja.FunctionCall) goja.Value {
		sb.chargeIndexedProps(call.Argument(0), "listing properties")
		res := orig(call)
		if o, ok := res.(*goja.Object); ok && o.ClassName() == "Array" {
			n := toLength(o.Get("length"))
			sb.m.checkArrayLen(n, "listing properties")
			sb.m.charge(uint64(n)*fuelPerKey + fuelPerBuiltin)
		}
		return res
	}
}

func (sb *sandbox) installReflect() {
	reflect := sb.global("Reflect")
	sb.wrap(reflect, "ownKeys", sb.ownPropertiesMethod)
	sb.wrap(reflect, "setPrototypeOf", func(orig nativeFn) nativeFn {
		return func(call goja.FunctionCall) goja.Value {
			sb.m.charge(fuelPerBuiltin)
			sb.checkProto(call.Argument(1))
			return orig(call)
		}
	})
	sb.wrap(reflect, "apply", func(orig nativeFn) nativeFn {
		return func(call goja.FunctionCall) goja.Value {
			args := sb.argList(call.Argument(2), "Reflect.apply")
			return orig(callWith(call.This, call.Argument(0), call.Argument(1), sb.vm.NewArray(args...)))
		}
	})
	sb.wrap(reflect, "construct", func(orig nativeFn) nativeFn {
		return func(call goja.FunctionCall) goja.Value {
			args := sb.argList(call.Argument(1), "Reflect.construct")
			a := []goja.Value{call.Argument(0), sb.vm.NewArray(args...)}
			if len(call.Arguments) > 2 {
				a = append(a, call.Arguments[2])
			}
			return orig(callWith(call.This, a...))
		}
	})
}

// argList is CreateListFromArrayLike with the array cap: goja would allocate
// the whole list up front, whatever length the object claims.
func (sb *sandbox) argList(v goja.Value, what string) []any {
	if !isObject(v) {
		panic(sb.vm.NewTypeError("%s: the argument list must be an object", what))
	}
	n := sb.lengthOf(v, what)
	sb.m.checkArrayLen(n, what)
	sb.m.charge(uint64(n)*fuelPerElement + fuelPerBuiltin)
	o := v.(*goja.Object)
	out := make([]any, n)
	for i := int64(0); i < n; i++ {
		out[i] = o.Get(itoa(i))
	}
	return out
}

func (sb *sandbox) installFunction() {
	proto := sb.object(sb.global("Math").Get("max")).Prototype() // Function.prototype
	sb.wrap(proto, "apply", func(orig nativeFn) nativeFn {
		return func(call goja.FunctionCall) goja.Value {
			arg := call.Argument(1)
			if arg == nil || goja.IsUndefined(arg) || goja.IsNull(arg) {
				sb.m.charge(fuelPerBuiltin)
				return orig(call)
			}
			args := sb.argList(arg, "Function.prototype.apply")
			return orig(callWith(call.This, call.Argument(0), sb.vm.NewArray(args...)))
		}
	})
	sb.wrap(proto, "bind", func(orig nativeFn) nativeFn {
		return func(call goja.FunctionCall) goja.Value {
			depth := 0
			if t, ok := call.This.(*goja.Object); ok {
				depth = sb.m.bound[t]
			}
			if depth+1 > MaxNestingDepth {
				sb.m.halt(CodeLimit, "bound functions nest deeper than %d levels", MaxNestingDepth)
			}
			sb.m.charge(uint64(len(call.Arguments)) + fuelPerBuiltin)
			res := orig(call)
			if o, ok := res.(*goja.Object); ok {
				sb.m.bound[o] = depth + 1
			}
			return res
		}
	})
	sb.wrap(proto, "toString", func(orig nativeFn) nativeFn {
		return func(call goja.FunctionCall) goja.Value {
			sb.m.charge(fuelPerBuiltin)
			if o, ok := call.This.(*goja.Object); ok {
				if name, ok := sb.h.native[o]; ok {
					return sb.str("function " + name + "() { [native code] }")
				}
			}
			return sb.m.checkString(orig(call))
		}
	})
}

// Constructor checks, called by the wrappers lockdownJS builds with the
// constructor's arguments.

func (sb *sandbox) arrayCtorCheck(call goja.FunctionCall) goja.Value {
	if len(call.Arguments) == 1 && goja.IsNumber(call.Arguments[0]) {
		n := call.Arguments[0].ToFloat()
		if n > MaxArrayLength {
			sb.m.halt(CodeLimit, "new Array(%v): arrays made by built-ins are limited to %d elements", call.Arguments[0], MaxArrayLength)
		}
		if n > 0 {
			sb.m.charge(uint64(n) * fuelPerElement)
		}
	}
	sb.m.charge(uint64(len(call.Arguments)) + fuelPerBuiltin)
	return goja.Undefined()
}

func (sb *sandbox) bufferCtorCheck(call goja.FunctionCall) goja.Value {
	n := call.Argument(0).ToFloat()
	if n > float64(sb.m.maxBuffer) {
		sb.m.halt(CodeLimit, "new ArrayBuffer(%v): buffers are limited to %d bytes", call.Argument(0), sb.m.maxBuffer)
	}
	if n > 0 {
		sb.m.charge(uint64(n) / rateBuffer)
	}
	sb.m.charge(fuelPerBuiltin)
	return goja.Undefined()
}

func (sb *sandbox) typedArrayCtorCheck(call goja.FunctionCall, size int64) goja.Value {
	arg := call.Argument(0)
	var n int64
	switch {
	case !isObject(arg):
		f := arg.ToFloat()
		if f > float64(sb.m.maxBuffer) {
			sb.m.halt(CodeLimit, "a typed array of %v elements is over the limit of %d bytes", arg, sb.m.maxBuffer)
		}
		if f > 0 {
			n = int64(f)
		}
	default:
		o := arg.(*goja.Object)
		switch {
		case o.ClassName() == "ArrayBuffer":
			// A view on an existing buffer: no allocation.
		case isArrayObject(o) || sb.isTypedArray(o):
			n = toLength(o.Get("length"))
		case o.GetSymbol(goja.SymIterator) != nil && !goja.IsUndefined(o.GetSymbol(goja.SymIterator)):
			// Iterables are charged per step by the iterator.
		default:
			n = sb.lengthOf(o, "typed array constructor")
		}
	}
	if mulCap(n, size) > sb.m.maxBuffer {
		sb.m.halt(CodeLimit, "a typed array of %d elements is over the limit of %d bytes", n, sb.m.maxBuffer)
	}
	sb.m.charge(uint64(n*size)/rateBuffer + fuelPerBuiltin)
	return goja.Undefined()
}

func (sb *sandbox) collectionCtorCheck(call goja.FunctionCall) goja.Value {
	if arg := call.Argument(0); isArrayObject(arg) {
		n := toLength(arg.(*goja.Object).Get("length"))
		sb.m.checkArrayLen(n, "a Map or Set constructor")
		sb.m.charge(uint64(n) * fuelPerElement)
	}
	sb.m.charge(fuelPerBuiltin)
	return goja.Undefined()
}

func (sb *sandbox) numberCtorCheck(call goja.FunctionCall) goja.Value {
	sb.m.chargeUnits(strLen(call.Argument(0)), rateParse)
	return goja.Undefined()
}

// installGlobals meters the global functions that parse or encode strings.
func (sb *sandbox) installGlobals() {
	g := sb.vm.GlobalObject()
	number := sb.global("Number")
	for _, name := range []string{"parseInt", "parseFloat", "isNaN", "isFinite"} {
		sb.wrap(g, name, sb.parseMethod)
	}
	for _, name := range []string{"encodeURI", "encodeURIComponent", "decodeURI", "decodeURIComponent", "escape", "unescape"} {
		sb.wrap(g, name, func(orig nativeFn) nativeFn {
			return func(call goja.FunctionCall) goja.Value {
				sb.m.chargeUnits(strLen(call.Argument(0)), rateURI)
				return sb.m.checkString(orig(call))
			}
		})
	}
	for _, name := range []string{"parseInt", "parseFloat"} {
		sb.wrap(number, name, sb.parseMethod)
	}
}

// parseMethod meters a function that parses or encodes its first argument.
func (sb *sandbox) parseMethod(orig nativeFn) nativeFn {
	return func(call goja.FunctionCall) goja.Value {
		sb.m.chargeUnits(strLen(call.Argument(0)), rateParse)
		return sb.m.checkString(orig(call))
	}
}

func itoa(i int64) string {
	if i >= 0 && i < 10 {
		return string(rune('0' + i))
	}
	var b [20]byte
	n := len(b)
	neg := i < 0
	if neg {
		i = -i
	}
	for i > 0 {
		n--
		b[n] = byte('0' + i%10)
		i /= 10
	}
	if neg {
		n--
		b[n] = '-'
	}
	return string(b[n:])
}
