package script

import (
	"math"

	"github.com/dop251/goja"
)

// errNoRegExp is what string methods say when asked to build a regular
// expression. Regular expressions cannot be metered (regexp2 ignores
// Interrupt and a timed-out match silently returns false), so there are none.
const errNoRegExp = "regular expressions are not allowed in access scripts"

func (sb *sandbox) installString() {
	proto := sb.proto("String")
	str := sb.global("String")

	// Methods that read `this` and their string arguments once and return at
	// most a proportional string.
	for _, name := range []string{"at", "charAt", "charCodeAt", "codePointAt", "endsWith", "startsWith", "includes",
		"indexOf", "lastIndexOf", "slice", "substring", "substr", "isWellFormed"} {
		if proto.Get(name) == nil {
			continue
		}
		sb.wrap(proto, name, func(orig nativeFn) nativeFn {
			return func(call goja.FunctionCall) goja.Value {
				s := sb.thisStr(call, name)
				units := int64(s.Length())
				for i, a := range call.Arguments {
					if isObject(a) {
						call.Arguments[i] = sb.toStr(a)
					}
					units += strLen(call.Arguments[i])
				}
				call.This = s
				sb.m.chargeUnits(units, rateScan)
				return sb.m.checkString(orig(call))
			}
		})
	}
	sb.wrap(proto, "normalize", func(orig nativeFn) nativeFn {
		return func(call goja.FunctionCall) goja.Value {
			s := sb.thisStr(call, "normalize")
			if len(call.Arguments) > 0 && !goja.IsUndefined(call.Arguments[0]) {
				call.Arguments[0] = sb.toStr(call.Arguments[0])
			}
			call.This = s
			sb.m.charge(uint64(s.Length())*fuelPerNormalized + fuelPerBuiltin)
			return sb.m.checkString(orig(call))
		}
	})
	for _, name := range []string{"localeCompare", "trim", "trimStart", "trimEnd", "trimLeft", "trimRight",
		"toLowerCase", "toUpperCase", "toLocaleLowerCase", "toLocaleUpperCase", "toWellFormed"} {
		if proto.Get(name) == nil {
			continue
		}
		sb.wrap(proto, name, func(orig nativeFn) nativeFn {
			return func(call goja.FunctionCall) goja.Value {
				s := sb.thisStr(call, name)
				units := int64(s.Length())
				if len(call.Arguments) > 0 {
					call.Arguments[0] = sb.toStr(call.Arguments[0])
					units += strLen(call.Arguments[0])
				}
				call.This = s
				sb.m.chargeUnits(units, rateParse)
				return sb.m.checkString(orig(call))
			}
		})
	}
	sb.wrap(proto, "concat", func(orig nativeFn) nativeFn {
		return func(call goja.FunctionCall) goja.Value {
			s := sb.thisStr(call, "concat")
			total := int64(s.Length())
			for i, a := range call.Arguments {
				call.Arguments[i] = sb.toStr(a)
				total += strLen(call.Arguments[i])
			}
			sb.m.checkStringLen(total, "String.prototype.concat")
			call.This = s
			return sb.m.checkString(orig(call))
		}
	})
	sb.wrap(proto, "repeat", func(orig nativeFn) nativeFn {
		return func(call goja.FunctionCall) goja.Value {
			s := sb.thisStr(call, "repeat")
			count := call.Argument(0).ToNumber()
			f := count.ToFloat()
			if !math.IsNaN(f) && !math.IsInf(f, 0) && f >= 0 {
				total := mulCap(int64(s.Length()), int64(f))
				if int64(f) > 0 && s.Length() > 0 {
					sb.m.checkStringLen(total, "String.prototype.repeat")
				}
				sb.m.chargeUnits(total, rateCopy)
			}
			return sb.m.checkString(orig(callWith(s, count)))
		}
	})
	for _, name := range []string{"padStart", "padEnd"} {
		sb.wrap(proto, name, func(orig nativeFn) nativeFn {
			return func(call goja.FunctionCall) goja.Value {
				s := sb.thisStr(call, name)
				max := toLength(call.Argument(0).ToNumber())
				args := []goja.Value{sb.vm.ToValue(max)}
				if fill := call.Argument(1); !goja.IsUndefined(fill) {
					args = append(args, sb.toStr(fill))
				}
				if max > int64(s.Length()) {
					sb.m.checkStringLen(max, "String.prototype."+name)
				}
				sb.m.chargeUnits(max, rateCopy)
				return sb.m.checkString(orig(callWith(s, args...)))
			}
		})
	}
	for _, name := range []string{"replace", "replaceAll"} {
		sb.wrap(proto, name, func(orig nativeFn) nativeFn {
			return func(call goja.FunctionCall) goja.Value {
				return sb.stringReplace(orig, call, name == "replaceAll")
			}
		})
	}
	sb.wrap(proto, "split", func(orig nativeFn) nativeFn {
		return func(call goja.FunctionCall) goja.Value {
			return sb.stringSplit(orig, call)
		}
	})
	for _, name := range []string{"match", "matchAll", "search"} {
		sym := map[string]*goja.Symbol{"match": goja.SymMatch, "matchAll": goja.SymMatchAll, "search": goja.SymSearch}[name]
		sb.wrap(proto, name, func(orig nativeFn) nativeFn {
			return func(call goja.FunctionCall) goja.Value {
				if !sb.hasMethod(call.Argument(0), sym) {
					panic(sb.vm.NewTypeError(errNoRegExp))
				}
				sb.m.charge(fuelPerBuiltin)
				return orig(call)
			}
		})
	}
	sb.wrap(str, "raw", func(orig nativeFn) nativeFn {
		return func(call goja.FunctionCall) goja.Value {
			if t, ok := call.Argument(0).(*goja.Object); ok {
				n := sb.lengthOf(t.Get("raw"), "String.raw")
				sb.m.checkArrayLen(n, "String.raw")
				sb.m.charge(uint64(n) * fuelPerElement)
			}
			return sb.m.checkString(orig(call))
		}
	})
	for _, name := range []string{"fromCharCode", "fromCodePoint"} {
		sb.wrap(str, name, func(orig nativeFn) nativeFn {
			return func(call goja.FunctionCall) goja.Value {
				sb.m.charge(uint64(len(call.Arguments)) + fuelPerBuiltin)
				return sb.m.checkString(orig(call))
			}
		})
	}
}

// hasMethod reports whether v is an object with a callable v[sym]: a
// script-defined matcher, splitter or replacer, which the original method
// calls (metered like all script code).
func (sb *sandbox) hasMethod(v goja.Value, sym *goja.Symbol) bool {
	o, ok := v.(*goja.Object)
	if !ok {
		return false
	}
	m := o.GetSymbol(sym)
	if m == nil || goja.IsUndefined(m) || goja.IsNull(m) {
		return false
	}
	_, ok = goja.AssertFunction(m)
	return ok
}

// occurrences counts the non-overlapping matches of p in s, up to limit.
// Each match found costs fuelPerMatch: counting is a search per match.
func (sb *sandbox) occurrences(s, p goja.String, limit int64) int64 {
	if p.Length() == 0 {
		return min(int64(s.Length())+1, limit)
	}
	indexOf, _, _ := originalOf(sb.h.indexOf)
	var n int64
	from := int64(0)
	for n < limit {
		i := indexOf(callWith(s, p, sb.vm.ToValue(from))).ToInteger()
		if i < 0 {
			break
		}
		sb.m.charge(fuelPerMatch)
		n++
		from = i + int64(p.Length())
	}
	return n
}

// stringReplace meters replace and replaceAll with a string pattern. With a
// replacement string the result size is bounded before the call; with a
// replacement function, the function's results are counted as they come.
func (sb *sandbox) stringReplace(orig nativeFn, call goja.FunctionCall, all bool) goja.Value {
	what := "String.prototype.replace"
	if all {
		what += "All"
	}
	pattern := call.Argument(0)
	if sb.hasMethod(pattern, goja.SymReplace) {
		sb.m.charge(fuelPerBuiltin)
		return orig(call)
	}
	s := sb.thisStr(call, "replace")
	p := sb.toStr(pattern)
	limit := int64(1)
	if all {
		limit = math.MaxInt64
	}
	sb.m.chargeUnits(int64(s.Length())+int64(p.Length()), rateScan)
	repl := call.Argument(1)
	if _, ok := goja.AssertFunction(repl); ok {
		total := int64(s.Length())
		counted := sb.newFunc("replacer", 0, func(c goja.FunctionCall) goja.Value {
			r := sb.toStr(sb.call(repl, goja.Undefined(), c.Arguments...))
			total += int64(r.Length())
			sb.m.checkStringLen(total, what)
			sb.m.chargeUnits(int64(r.Length()), rateCopy)
			return r
		})
		return sb.m.checkString(orig(callWith(s, p, counted)))
	}
	r := sb.toStr(repl)
	occ := sb.occurrences(s, p, limit)
	// Each match becomes the replacement with its $-patterns expanded:
	// $& is the match, $` and $' are up to the whole string.
	per := int64(r.Length())
	for i := 0; i+1 < r.Length(); i++ {
		if r.CharAt(i) != '$' {
			continue
		}
		switch r.CharAt(i + 1) {
		case '&':
			per += int64(p.Length())
		case '`', '\'':
			per += int64(s.Length())
		}
	}
	bound := int64(s.Length()) + mulCap(occ, per)
	sb.m.checkStringLen(bound, what)
	sb.m.chargeUnits(bound, rateCopy)
	return sb.m.checkString(orig(callWith(s, p, r)))
}

func (sb *sandbox) stringSplit(orig nativeFn, call goja.FunctionCall) goja.Value {
	sep := call.Argument(0)
	if sb.hasMethod(sep, goja.SymSplit) {
		sb.m.charge(fuelPerBuiltin)
		return orig(call)
	}
	s := sb.thisStr(call, "split")
	limit := int64(math.MaxUint32)
	args := []goja.Value{sep}
	if l := call.Argument(1); !goja.IsUndefined(l) {
		limit = int64(toUint32(l.ToNumber().ToFloat()))
		args = append(args, sb.vm.ToValue(limit))
	}
	var count int64 = 1
	if !goja.IsUndefined(sep) {
		p := sb.toStr(sep)
		args[0] = p
		if p.Length() == 0 {
			count = int64(s.Length())
		} else {
			count = sb.occurrences(s, p, MaxArrayLength+1) + 1
		}
	}
	count = min(count, limit)
	sb.m.checkArrayLen(count, "String.prototype.split")
	sb.m.chargeUnits(int64(s.Length()), rateScan)
	sb.m.charge(uint64(count) * fuelPerElement)
	return orig(callWith(s, args...))
}

// toUint32 is ECMAScript ToUint32 of a number.
func toUint32(f float64) uint32 {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return 0
	}
	m := math.Mod(math.Trunc(f), 1<<32)
	if m < 0 {
		m += 1 << 32
	}
	return uint32(m)
}
