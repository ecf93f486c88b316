package script

import (
	"math/bits"

	"github.com/dop251/goja"
)

func (sb *sandbox) installArray() {
	array := sb.global("Array")
	proto := sb.proto("Array")

	// Methods that visit every element of `this`.
	for _, name := range []string{"copyWithin", "every", "some", "find", "findIndex", "findLast", "findLastIndex",
		"forEach", "filter", "map", "reduce", "reduceRight", "fill", "reverse", "shift", "slice", "with", "toReversed"} {
		sb.wrap(proto, name, func(orig nativeFn) nativeFn {
			return func(call goja.FunctionCall) goja.Value {
				sb.thisElements(call, "Array.prototype."+name)
				return orig(call)
			}
		})
	}
	// Searches: every element may be compared with the needle.
	for _, name := range []string{"includes", "indexOf", "lastIndexOf"} {
		sb.wrap(proto, name, func(orig nativeFn) nativeFn {
			return func(call goja.FunctionCall) goja.Value {
				n := sb.thisElements(call, "Array.prototype."+name)
				sb.m.charge(uint64(mulCap(n, strLen(call.Argument(0))/rateScan)))
				return orig(call)
			}
		})
	}
	// Methods that add arguments.
	for _, name := range []string{"push", "unshift", "splice", "toSpliced"} {
		sb.wrap(proto, name, func(orig nativeFn) nativeFn {
			return func(call goja.FunctionCall) goja.Value {
				n := sb.thisLength(call, "Array.prototype."+name)
				sb.m.checkArrayLen(n+int64(len(call.Arguments)), "Array.prototype."+name)
				cost := uint64(len(call.Arguments))
				if name != "push" {
					cost += uint64(n)
				}
				sb.m.charge(cost + fuelPerBuiltin)
				return orig(call)
			}
		})
	}
	// The default order, as a comparator that charges long strings: sorting
	// a few long strings that differ only at the end is n·log2(n) long
	// comparisons. It compares what the default one compares, the same way.
	defaultOrder := sb.newFunc("compare", 2, func(c goja.FunctionCall) goja.Value {
		x, y := sb.toStr(c.Argument(0)), sb.toStr(c.Argument(1))
		if n := min(x.Length(), y.Length()); n >= rateScan {
			sb.m.charge(uint64(n / rateScan))
		}
		return sb.vm.ToValue(x.CompareTo(y))
	})
	for _, name := range []string{"sort", "toSorted"} {
		sb.wrap(proto, name, func(orig nativeFn) nativeFn {
			return func(call goja.FunctionCall) goja.Value {
				n := sb.thisLength(call, "Array.prototype."+name)
				sb.m.checkArrayLen(n, "Array.prototype."+name)
				// n·log2(n) comparisons; a comparator is charged as it runs,
				// the default one converts both sides to strings.
				cost := uint64(n) * uint64(bits.Len64(uint64(n)))
				if goja.IsUndefined(call.Argument(0)) {
					cost *= 2
					call.Arguments = append([]goja.Value{defaultOrder}, call.Arguments[min(1, len(call.Arguments)):]...)
				}
				sb.m.charge(cost + fuelPerBuiltin)
				return orig(call)
			}
		})
	}
	sb.wrap(proto, "concat", func(orig nativeFn) nativeFn {
		return func(call goja.FunctionCall) goja.Value {
			total := sb.concatLength(call.This)
			for _, a := range call.Arguments {
				total += sb.concatLength(a)
			}
			sb.m.checkArrayLen(total, "Array.prototype.concat")
			sb.m.charge(uint64(total)*fuelPerElement + fuelPerBuiltin)
			return orig(call)
		}
	})
	sb.set(proto, "join", 1, sb.arrayJoin)
	sb.set(proto, "toLocaleString", 0, sb.arrayToLocaleString)
	sb.set(proto, "flat", 0, sb.arrayFlat)
	sb.set(proto, "flatMap", 1, sb.arrayFlatMap)

	sb.wrap(array, "from", func(orig nativeFn) nativeFn {
		return func(call goja.FunctionCall) goja.Value {
			items := call.Argument(0)
			switch x := items.(type) {
			case goja.String:
				sb.m.checkArrayLen(int64(x.Length()), "Array.from")
			case *goja.Object:
				it := x.GetSymbol(goja.SymIterator)
				if it == nil || goja.IsUndefined(it) || goja.IsNull(it) || isArrayObject(x) {
					n := sb.lengthOf(x, "Array.from")
					sb.m.checkArrayLen(n, "Array.from")
					sb.m.charge(uint64(n) * fuelPerElement)
				}
			}
			sb.m.charge(fuelPerBuiltin)
			if call.This == array {
				// Array.from on the wrapper builds a plain array, as on
				// %Array% itself, whose fast paths goja keeps for it.
				call.This = sb.h.origArray
			}
			return orig(call)
		}
	})
}

// thisLength measures `this` for an Array.prototype method.
func (sb *sandbox) thisLength(call goja.FunctionCall, what string) int64 {
	if call.This == nil || goja.IsUndefined(call.This) || goja.IsNull(call.This) {
		panic(sb.vm.NewTypeError("%s called on null or undefined", what))
	}
	return sb.lengthOf(call.This, what)
}

// thisElements caps and charges a method that visits every element.
func (sb *sandbox) thisElements(call goja.FunctionCall, what string) int64 {
	n := sb.thisLength(call, what)
	sb.m.checkArrayLen(n, what)
	sb.m.charge(uint64(n)*fuelPerElement + fuelPerBuiltin)
	return n
}

// concatLength is how many elements v adds to a concat result.
func (sb *sandbox) concatLength(v goja.Value) int64 {
	o, ok := v.(*goja.Object)
	if !ok {
		return 1
	}
	if has, err := sb.h.has(goja.Undefined(), o, goja.SymIsConcatSpreadable); err != nil || has.ToBoolean() {
		panic(sb.vm.NewTypeError("Symbol.isConcatSpreadable is not supported in access scripts"))
	}
	if o.ClassName() == "Array" {
		return toLength(o.Get("length"))
	}
	return 1
}

// element reads o[i], or reports that it is a hole.
func (sb *sandbox) element(o *goja.Object, i int64) (goja.Value, bool) {
	k := sb.str(itoa(i))
	if has, err := sb.h.has(goja.Undefined(), o, k); err != nil || !has.ToBoolean() {
		return nil, false
	}
	return o.Get(itoa(i)), true
}

// arrayJoin is Array.prototype.join. goja's join recurses on the Go stack
// through nested arrays without bound; this one caps nesting and the size
// of the result as it goes, and treats a cycle as an empty string as
// other engines do.
func (sb *sandbox) arrayJoin(call goja.FunctionCall) goja.Value {
	const what = "Array.prototype.join"
	n := sb.thisLength(call, what)
	sb.m.checkArrayLen(n, what)
	o := call.This.ToObject(sb.vm)
	sep := goja.String(nil)
	if s := call.Argument(0); goja.IsUndefined(s) {
		sep = sb.str(",").(goja.String)
	} else {
		sep = sb.toStr(s)
	}
	return sb.joinElements(o, n, sep, what, func(v goja.Value) goja.String { return sb.toStr(v) })
}

func (sb *sandbox) arrayToLocaleString(call goja.FunctionCall) goja.Value {
	const what = "Array.prototype.toLocaleString"
	n := sb.thisLength(call, what)
	sb.m.checkArrayLen(n, what)
	o := call.This.ToObject(sb.vm)
	return sb.joinElements(o, n, sb.str(",").(goja.String), what, func(v goja.Value) goja.String {
		obj := v.ToObject(sb.vm)
		return sb.toStr(sb.call(obj.Get("toLocaleString"), v))
	})
}

func (sb *sandbox) joinElements(o *goja.Object, n int64, sep goja.String, what string, conv func(goja.Value) goja.String) goja.Value {
	m := sb.m
	for _, a := range m.joining {
		if a == o {
			return sb.str("")
		}
	}
	m.enter(what)
	m.joining = append(m.joining, o)
	defer func() {
		m.joining = m.joining[:len(m.joining)-1]
		m.leave()
	}()
	m.charge(uint64(n)*fuelPerJoined + fuelPerBuiltin)
	parts := make([]goja.String, 0, n)
	total := int64(0)
	for i := int64(0); i < n; i++ {
		if i > 0 {
			total += int64(sep.Length())
		}
		v := o.Get(itoa(i))
		if v == nil || goja.IsUndefined(v) || goja.IsNull(v) {
			parts = append(parts, nil)
			continue
		}
		s := conv(v)
		total += int64(s.Length())
		m.checkStringLen(total, what)
		parts = append(parts, s)
	}
	m.checkStringLen(total, what)
	m.chargeUnits(total, rateCopy)
	var b goja.StringBuilder
	for i, p := range parts {
		if i > 0 {
			b.WriteString(sep)
		}
		if p != nil {
			b.WriteString(p)
		}
	}
	return b.String()
}

// arrayFlat is Array.prototype.flat with the nesting and size caps.
func (sb *sandbox) arrayFlat(call goja.FunctionCall) goja.Value {
	const what = "Array.prototype.flat"
	n := sb.thisLength(call, what)
	o := call.This.ToObject(sb.vm)
	depth := int64(1)
	if d := call.Argument(0); !goja.IsUndefined(d) {
		f := d.ToFloat()
		switch {
		case f != f || f < 0:
			depth = 0
		case f > MaxNestingDepth:
			depth = MaxNestingDepth + 1 // deeper nesting is refused as it is met
		default:
			depth = int64(f)
		}
	}
	out := make([]any, 0)
	sb.flatten(&out, o, n, depth, what)
	return sb.vm.NewArray(out...)
}

func (sb *sandbox) flatten(out *[]any, o *goja.Object, n, depth int64, what string) {
	m := sb.m
	m.enter(what)
	defer m.leave()
	m.checkArrayLen(n, what)
	m.charge(uint64(n)*fuelPerElement + fuelPerBuiltin)
	for i := int64(0); i < n; i++ {
		v, ok := sb.element(o, i)
		if !ok {
			continue
		}
		if depth > 0 && isArrayObject(v) {
			inner := v.(*goja.Object)
			sb.flatten(out, inner, toLength(inner.Get("length")), depth-1, what)
			continue
		}
		*out = append(*out, v)
		m.checkArrayLen(int64(len(*out)), what)
	}
}

func (sb *sandbox) arrayFlatMap(call goja.FunctionCall) goja.Value {
	const what = "Array.prototype.flatMap"
	n := sb.thisLength(call, what)
	sb.m.checkArrayLen(n, what)
	o := call.This.ToObject(sb.vm)
	fn := call.Argument(0)
	if _, ok := goja.AssertFunction(fn); !ok {
		panic(sb.vm.NewTypeError("flatMap needs a function"))
	}
	sb.m.charge(uint64(n)*fuelPerElement + fuelPerBuiltin)
	out := make([]any, 0)
	for i := int64(0); i < n; i++ {
		v, ok := sb.element(o, i)
		if !ok {
			continue
		}
		r := sb.call(fn, call.Argument(1), v, sb.vm.ToValue(i), o)
		if isArrayObject(r) {
			inner := r.(*goja.Object)
			sb.flatten(&out, inner, toLength(inner.Get("length")), 0, what)
			continue
		}
		out = append(out, r)
		sb.m.checkArrayLen(int64(len(out)), what)
	}
	return sb.vm.NewArray(out...)
}

// installTypedArrays meters %TypedArray%.prototype: lengths are capped when
// typed arrays are made, so methods are charged per element.
func (sb *sandbox) installTypedArrays(intr *goja.Object) {
	proto := sb.object(intr.Get("TypedArrayPrototype"))
	for _, name := range []string{"copyWithin", "every", "fill", "filter", "find", "findIndex", "findLast", "findLastIndex",
		"forEach", "includes", "indexOf", "lastIndexOf", "map", "reduce", "reduceRight", "reverse", "set", "slice", "some",
		"sort", "toReversed", "toSorted", "with"} {
		sb.wrap(proto, name, func(orig nativeFn) nativeFn {
			return func(call goja.FunctionCall) goja.Value {
				n := int64(0)
				if o, ok := call.This.(*goja.Object); ok && sb.isTypedArray(o) {
					n = toLength(o.Get("length"))
				}
				if name == "sort" || name == "toSorted" {
					n *= int64(bits.Len64(uint64(n)))
				}
				sb.m.chargeUnits(n, rateBuffer/8)
				return orig(call)
			}
		})
	}
	// Number formatting: one unit per element, and the result is capped.
	for _, name := range []string{"join", "toLocaleString"} {
		sb.wrap(proto, name, func(orig nativeFn) nativeFn {
			return func(call goja.FunctionCall) goja.Value {
				if o, ok := call.This.(*goja.Object); ok && sb.isTypedArray(o) {
					sb.m.charge(uint64(toLength(o.Get("length"))) * fuelPerElement)
				}
				return sb.m.checkString(orig(call))
			}
		})
	}
}
