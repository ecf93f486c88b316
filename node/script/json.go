package script

import (
	"math"
	"strings"

	"github.com/dop251/goja"
)

func (sb *sandbox) installCollections() {
	for _, c := range []struct {
		ctor    string
		methods []string
	}{
		{"Map", []string{"get", "set", "has", "delete"}},
		{"Set", []string{"add", "has", "delete"}},
	} {
		proto := sb.proto(c.ctor)
		for _, name := range c.methods {
			sb.wrap(proto, name, func(orig nativeFn) nativeFn {
				return func(call goja.FunctionCall) goja.Value {
					// Keys are hashed: long string keys cost in proportion.
					sb.m.chargeUnits(strLen(call.Argument(0)), rateScan)
					return orig(call)
				}
			})
		}
	}
}

// installPromises charges the promise built-ins: each makes a promise and
// schedules jobs, which run after validate returns and before the verdict.
func (sb *sandbox) installPromises() {
	promise := sb.global("Promise")
	proto := sb.proto("Promise")
	charge := func(orig nativeFn) nativeFn {
		return func(call goja.FunctionCall) goja.Value {
			sb.m.charge(fuelPerPromise)
			return orig(call)
		}
	}
	for _, name := range []string{"then", "catch", "finally"} {
		sb.wrap(proto, name, charge)
	}
	for _, name := range []string{"resolve", "reject", "all", "allSettled", "any", "race"} {
		if promise.Get(name) != nil {
			sb.wrap(promise, name, charge)
		}
	}
}

func (sb *sandbox) installJSON() {
	json := sb.global("JSON")
	quote, _, ok := originalOf(json.Get("stringify"))
	if !ok {
		panic("sandbox setup: JSON.stringify is not native")
	}
	sb.wrap(json, "parse", func(orig nativeFn) nativeFn {
		return func(call goja.FunctionCall) goja.Value {
			text := sb.toStr(call.Argument(0))
			sb.m.chargeUnits(int64(text.Length()), rateParse)
			if d := jsonDepth(text); d > MaxNestingDepth {
				sb.m.halt(CodeLimit, "JSON.parse: the text nests %d levels deep; the limit is %d", d, MaxNestingDepth)
			}
			return orig(callWith(call.This, text, call.Argument(1)))
		}
	})
	sb.set(json, "stringify", 3, func(call goja.FunctionCall) goja.Value {
		return sb.jsonStringify(call, quote)
	})
}

// jsonDepth is the deepest bracket nesting of a JSON text, ignoring
// brackets inside strings.
func jsonDepth(s goja.String) int {
	depth, max := 0, 0
	inString, escaped := false, false
	for i, n := 0, s.Length(); i < n; i++ {
		c := s.CharAt(i)
		switch {
		case inString && escaped:
			escaped = false
		case inString && c == '\\':
			escaped = true
		case inString && c == '"':
			inString = false
		case inString:
		case c == '"':
			inString = true
		case c == '[' || c == '{':
			depth++
			if depth > max {
				max = depth
			}
		case c == ']' || c == '}':
			depth--
		}
	}
	return max
}

// jsonWriter builds JSON.stringify output with the string cap enforced as
// it grows, so no oversized intermediate is ever made.
type jsonWriter struct {
	sb     *sandbox
	quote  nativeFn // the original JSON.stringify, used on primitive strings only
	b      goja.StringBuilder
	size   int64
	replFn goja.Value
	keys   []goja.Value // property list replacer, or nil
	gap    string
	indent string
	stack  []*goja.Object
}

func (w *jsonWriter) grow(n int) {
	w.size += int64(n)
	w.sb.m.checkStringLen(w.size, "JSON.stringify")
}

func (w *jsonWriter) write(s goja.String) {
	w.grow(s.Length())
	w.b.WriteString(s)
}

func (w *jsonWriter) writeASCII(s string) {
	w.grow(len(s))
	w.b.WriteUTF8String(s)
}

func (w *jsonWriter) writeQuoted(v goja.Value) {
	w.write(w.quote(callWith(goja.Undefined(), v)).(goja.String))
}

// jsonStringify is JSON.stringify (ECMA-262 25.5.2) with the nesting and
// size caps. goja's own recurses without bound on nested values.
func (sb *sandbox) jsonStringify(call goja.FunctionCall, quote nativeFn) goja.Value {
	w := &jsonWriter{sb: sb, quote: quote}
	if r, ok := call.Argument(1).(*goja.Object); ok {
		if _, callable := goja.AssertFunction(r); callable {
			w.replFn = r
		} else if r.ClassName() == "Array" {
			n := sb.lengthOf(r, "JSON.stringify")
			sb.m.checkArrayLen(n, "JSON.stringify")
			sb.m.charge(uint64(n)*fuelPerElement + fuelPerBuiltin)
			seen := map[string]bool{}
			w.keys = []goja.Value{}
			for i := int64(0); i < n; i++ {
				v := r.Get(itoa(i))
				var key goja.Value
				switch x := v.(type) {
				case goja.String:
					key = x
				case *goja.Object:
					if cls := x.ClassName(); cls == "String" || cls == "Number" {
						key = sb.toStr(x)
					}
				default:
					if goja.IsNumber(v) {
						key = sb.toStr(v)
					}
				}
				if key != nil && !seen[key.String()] {
					seen[key.String()] = true
					w.keys = append(w.keys, key)
				}
			}
		}
	}
	space := call.Argument(2)
	if o, ok := space.(*goja.Object); ok {
		switch o.ClassName() {
		case "Number":
			space = o.ToNumber()
		case "String":
			space = sb.toStr(o)
		}
	}
	if goja.IsNumber(space) {
		f := space.ToFloat()
		n := 0
		if f >= 1 {
			n = int(min(f, 10))
		}
		w.gap = strings.Repeat(" ", n)
	} else if s, ok := space.(goja.String); ok {
		g := s
		if g.Length() > 10 {
			g = g.Substring(0, 10)
		}
		w.gap = g.String()
	}
	holder := sb.vm.NewObject()
	_ = holder.Set("", call.Argument(0))
	v, ok := w.resolve(holder, sb.str(""), call.Argument(0))
	if !ok {
		return goja.Undefined()
	}
	w.emit(v)
	sb.m.chargeUnits(w.size, rateCopy)
	return w.b.String()
}

// resolve applies toJSON, the replacer function and primitive unwrapping to
// a property value (the first half of SerializeJSONProperty). It reports
// false for values JSON leaves out: undefined, functions and symbols.
func (w *jsonWriter) resolve(holder *goja.Object, key goja.Value, value goja.Value) (goja.Value, bool) {
	sb := w.sb
	sb.m.charge(fuelPerJSONValue)
	if o, ok := value.(*goja.Object); ok {
		if toJSON := o.Get("toJSON"); toJSON != nil {
			if _, callable := goja.AssertFunction(toJSON); callable {
				value = sb.call(toJSON, o, key)
			}
		}
	}
	if w.replFn != nil {
		value = sb.call(w.replFn, holder, key, value)
	}
	switch x := value.(type) {
	case nil:
		return nil, false
	case *goja.Symbol:
		return nil, false
	case *goja.Object:
		switch x.ClassName() {
		case "Number":
			return x.ToNumber(), true
		case "String":
			return sb.toStr(x), true
		case "Boolean":
			return sb.vm.ToValue(x.Export()), true
		}
		if _, callable := goja.AssertFunction(x); callable {
			return nil, false
		}
	}
	if goja.IsUndefined(value) {
		return nil, false
	}
	return value, true
}

// emit writes a resolved value (the second half of SerializeJSONProperty).
func (w *jsonWriter) emit(value goja.Value) {
	switch {
	case goja.IsNull(value):
		w.writeASCII("null")
	case goja.IsString(value):
		w.writeQuoted(value)
	case goja.IsNumber(value):
		if f := value.ToFloat(); math.IsNaN(f) || math.IsInf(f, 0) {
			w.writeASCII("null")
		} else {
			w.write(w.sb.toStr(value))
		}
	default:
		if o, ok := value.(*goja.Object); ok {
			if o.ClassName() == "Array" {
				w.array(o)
			} else {
				w.object(o)
			}
			return
		}
		if b, ok := value.Export().(bool); ok && b {
			w.writeASCII("true")
		} else {
			w.writeASCII("false")
		}
	}
}

func (w *jsonWriter) enter(o *goja.Object) {
	for _, s := range w.stack {
		if s == o {
			panic(w.sb.vm.NewTypeError("Converting circular structure to JSON"))
		}
	}
	w.sb.m.enter("JSON.stringify")
	w.stack = append(w.stack, o)
}

func (w *jsonWriter) leave() {
	w.stack = w.stack[:len(w.stack)-1]
	w.sb.m.leave()
}

func (w *jsonWriter) object(o *goja.Object) {
	sb := w.sb
	w.enter(o)
	defer w.leave()
	keys := w.keys
	if keys == nil {
		kv, err := sb.h.keys(goja.Undefined(), o)
		if err != nil {
			panic(err)
		}
		ko := kv.(*goja.Object)
		n := toLength(ko.Get("length"))
		sb.m.checkArrayLen(n, "JSON.stringify")
		sb.m.charge(uint64(n) * fuelPerKey)
		keys = make([]goja.Value, n)
		for i := range keys {
			keys[i] = ko.Get(itoa(int64(i)))
		}
	}
	stepback := w.indent
	w.indent += w.gap
	w.writeASCII("{")
	first := true
	for _, k := range keys {
		v, ok := w.resolve(o, k, w.get(o, k))
		if !ok {
			continue
		}
		if !first {
			w.writeASCII(",")
		}
		first = false
		if w.gap != "" {
			w.writeASCII("\n" + w.indent)
		}
		w.writeQuoted(k)
		if w.gap != "" {
			w.writeASCII(": ")
		} else {
			w.writeASCII(":")
		}
		w.emit(v)
	}
	if !first && w.gap != "" {
		w.writeASCII("\n" + stepback)
	}
	w.writeASCII("}")
	w.indent = stepback
}

// get reads o[k]. Keys that are not valid UTF-16 (lone surrogates) do not
// survive goja's string-keyed Get, so they go through Reflect.get.
func (w *jsonWriter) get(o *goja.Object, k goja.Value) goja.Value {
	if s, ok := k.(goja.String); ok {
		wellFormed := true
		for i, n := 0, s.Length(); i < n; i++ {
			if c := s.CharAt(i); c >= 0xd800 && c <= 0xdfff {
				wellFormed = false
				break
			}
		}
		if wellFormed {
			return o.Get(s.String())
		}
	}
	v, err := w.sb.h.reflectGet(goja.Undefined(), o, k)
	if err != nil {
		panic(err)
	}
	return v
}

func (w *jsonWriter) array(o *goja.Object) {
	sb := w.sb
	w.enter(o)
	defer w.leave()
	n := toLength(o.Get("length"))
	sb.m.checkArrayLen(n, "JSON.stringify")
	stepback := w.indent
	w.indent += w.gap
	w.writeASCII("[")
	for i := int64(0); i < n; i++ {
		if i > 0 {
			w.writeASCII(",")
		}
		if w.gap != "" {
			w.writeASCII("\n" + w.indent)
		}
		if v, ok := w.resolve(o, sb.str(itoa(i)), o.Get(itoa(i))); ok {
			w.emit(v)
		} else {
			w.writeASCII("null")
		}
	}
	if n > 0 && w.gap != "" {
		w.writeASCII("\n" + stepback)
	}
	w.writeASCII("]")
	w.indent = stepback
}
