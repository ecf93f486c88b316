package script

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/dop251/goja/parser"
)

// Every form that converts a property's value (o.p++, --o[k], o.p -= e,
// a[i] **= e, ...) pays for a long string it converts, as the same forms on
// a variable do: the loop below costs at least 1 unit per 8 characters
// converted more with a 20,000-digit string than with a 1-digit one (before,
// the same: ~2 ms per 200,000 digits for a few units).
func TestPropertyUpdatesChargeLongStrings(t *testing.T) {
	const rounds, digits = 4, 20000
	loops := map[string]string{
		"o.p++":               `const o = {}; for (let n = 0; n < 4; n++) { o.p = s; o.p++ }`,
		"o.p--":               `const o = {}; for (let n = 0; n < 4; n++) { o.p = s; o.p-- }`,
		"++o.p":               `const o = {}; for (let n = 0; n < 4; n++) { o.p = s; ++o.p }`,
		"--o.p":               `const o = {}; for (let n = 0; n < 4; n++) { o.p = s; --o.p }`,
		"o.p -= 1":            `const o = {}; for (let n = 0; n < 4; n++) { o.p = s; o.p -= 1 }`,
		"o.p *= 1":            `const o = {}; for (let n = 0; n < 4; n++) { o.p = s; o.p *= 1 }`,
		"o.p /= 1":            `const o = {}; for (let n = 0; n < 4; n++) { o.p = s; o.p /= 1 }`,
		"o.p %= 7":            `const o = {}; for (let n = 0; n < 4; n++) { o.p = s; o.p %= 7 }`,
		"o.p **= 1":           `const o = {}; for (let n = 0; n < 4; n++) { o.p = s; o.p **= 1 }`,
		"o.p <<= 1":           `const o = {}; for (let n = 0; n < 4; n++) { o.p = s; o.p <<= 1 }`,
		"o.p >>= 1":           `const o = {}; for (let n = 0; n < 4; n++) { o.p = s; o.p >>= 1 }`,
		"o.p >>>= 1":          `const o = {}; for (let n = 0; n < 4; n++) { o.p = s; o.p >>>= 1 }`,
		"o.p &= 1":            `const o = {}; for (let n = 0; n < 4; n++) { o.p = s; o.p &= 1 }`,
		"o.p |= 1":            `const o = {}; for (let n = 0; n < 4; n++) { o.p = s; o.p |= 1 }`,
		"o.p ^= 1":            `const o = {}; for (let n = 0; n < 4; n++) { o.p = s; o.p ^= 1 }`,
		"o[k]++":              `const o = {}; for (let n = 0; n < 4; n++) { o[k] = s; o[k]++ }`,
		"o[k] -= 1":           `const o = {}; for (let n = 0; n < 4; n++) { o[k] = s; o[k] -= 1 }`,
		"a[i]++":              `const a = [0, 0, 0, 0]; for (let n = 0; n < 4; n++) { a[i] = s; a[i]++ }`,
		"--a[i]":              `const a = [0, 0, 0, 0]; for (let n = 0; n < 4; n++) { a[i] = s; --a[i] }`,
		"o[sym]++":            `const o = {}; for (let n = 0; n < 4; n++) { o[sym] = s; o[sym]++ }`,
		"o[{toString}]++":     `const o = {}, ko = { toString() { return 'p' } }; for (let n = 0; n < 4; n++) { o.p = s; o[ko]++ }`,
		"o.a.b.p++":           `const o = { a: { b: {} } }; for (let n = 0; n < 4; n++) { o.a.b.p = s; o.a.b.p++ }`,
		"(o).p++":             `const o = {}; for (let n = 0; n < 4; n++) { o.p = s; (o).p++ }`,
		"getter":              `const o = { get p() { return s }, set p(v) {} }; for (let n = 0; n < 4; n++) o.p++`,
		"frozen":              `const o = Object.freeze({ p: s }); for (let n = 0; n < 4; n++) try { o.p++ } catch (e) {}`,
		"inherited read-only": `const o = Object.create(Object.freeze({ p: s })); for (let n = 0; n < 4; n++) try { o.p -= 1 } catch (e) {}`,
		"this.p++":            `const o = { f() { this.p = s; this.p++ } }; for (let n = 0; n < 4; n++) o.f()`,
		"String object":       `const o = {}; for (let n = 0; n < 4; n++) { o.p = new String(s); o.p++ }`,
	}
	r := newInProcess()
	fuel := func(name, s, loop string) uint64 {
		p := mustCompile(t, "function validate() { const s = "+s+", k = 'p', i = 3, sym = Symbol('p');"+loop+"; return true }")
		v, err := r.Validate(context.Background(), p, Write{}, Context{}, nil)
		if err != nil || v.Code != CodeAllowed {
			t.Fatalf("%s: %v (%s), %v", name, v.Code, v.Reason, err)
		}
		return v.Fuel
	}
	for name, loop := range loops {
		long, short := fuel(name, fmt.Sprintf("'1'.repeat(%d)", digits), loop), fuel(name, "'1'", loop)
		if want := uint64(rounds * digits / rateParse); long < short+want {
			t.Errorf("%s: %d fuel with a %d-digit string, %d with one digit; want at least %d more", name, long, digits, short, want)
		}
	}
	// And a loop of them on a 200,000-digit string runs out of fuel.
	for _, loop := range []string{`const o = {}; for (;;) { o.p = s; o.p++ }`} {
		p := mustCompile(t, "function validate() { const s = '1'.repeat(200000); "+loop+" }")
		v, err := r.Validate(context.Background(), p, Write{}, Context{}, nil)
		if err != nil || v.Code != CodeOutOfFuel {
			t.Errorf("%s: %v (%s) %v, want out of fuel", loop, v.Code, v.Reason, err)
		}
	}
}

// Updates of short values stay cheap: a loop of 1,000 property updates fits
// well within a budget.
func TestPropertyUpdatesOfShortValuesStayCheap(t *testing.T) {
	p := mustCompile(t, `function validate() {
		const o = { n: 0 }, c = {}, a = [0];
		for (let i = 0; i < 1000; i++) { o.n++; c['k' + (i % 10)] |= 0; c['k' + (i % 10)] += 1; a[0] -= 1 }
		return o.n === 1000 && c.k3 === 100 && a[0] === -1000
	}`)
	v, err := newInProcess().Validate(context.Background(), p, Write{}, Context{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if v.Code != CodeAllowed || v.Fuel > FuelPerWrite/10 {
		t.Fatalf("%v (%s), %d fuel; want allowed within a tenth of the budget", v.Code, v.Reason, v.Fuel)
	}
}

// Charging property updates keeps their meaning: results, evaluation
// order, getters and setters (called once each, with the right this), key
// conversion (once), errors, ASI and odd keys all match plain goja.
func TestPropertyUpdatesPreserveSemantics(t *testing.T) {
	differential(t, []string{
		`const o = { p: 1 }; return [o.p++, o.p, ++o.p, o.p--, --o.p, o.p].join()`,
		`const o = { p: '5' }; const r = o.p++; return typeof r + r + typeof o.p + o.p`,
		`const o = { p: 10 }; return [o.p -= 1, o.p *= 2, o.p /= 3, o.p %= 4, o.p **= 2, o.p <<= 3, o.p >>= 1, o.p >>>= 0, o.p &= 12, o.p |= 3, o.p ^= 5].join()`,
		`const a = [1, 2, 3]; let i = 0; a[i++]++; a[++i] -= 5; return a.join() + ':' + i`,
		`const log = []; const o = { get p() { log.push('get:' + (this === o)); return 1 }, set p(v) { log.push('set:' + v + (this === o)) } }; o.p++; ++o.p; o.p -= 3; return log.join()`,
		`const log = []; const o = { p: 1 }; const k = { toString() { log.push('ts'); return 'p' } }; o[k]++; o[k] -= 2; --o[k]; return log.length + ':' + o.p`,
		`const log = []; const o = { p: 1 }; const f = () => (log.push('obj'), o), g = () => (log.push('key'), 'p'), h = () => (log.push('rhs'), 2); f()[g()] *= h(); return log.join() + ':' + o.p`,
		`const o = { p: 5 }; o.p -= (o.p = 100, 1); return o.p`,
		`const o = { p: { valueOf() { return 7 } } }; o.p++; return o.p`,
		`const o = Object.freeze({ p: 1 }); try { o.p++ } catch (e) { return e.name + ': ' + e.message }`,
		`const o = Object.create(Object.freeze({ p: 1 })); try { o.p -= 1 } catch (e) { return e.name + ': ' + e.message }`,
		`const o = { get p() { return 1 } }; try { o.p++ } catch (e) { return e.name + ': ' + e.message }`,
		`let o; try { o.p++ } catch (e) { return e.name + ': ' + e.message }`,
		`let o = null; try { o[0] -= 1 } catch (e) { return e.name + ': ' + e.message }`,
		`const s = 'abc'; try { s.length++ } catch (e) { return e.name + ': ' + e.message }`,
		`try { (5).x++ } catch (e) { return e.name + ': ' + e.message }`,
		`const sym = Symbol('s'); const o = { [sym]: 1 }; o[sym]++; o[sym] *= 10; return o[sym] + ':' + Object.keys(o).length`,
		`const o = {}; o['\ud800']++; o['\ud800'] = 1; o['\ud800']++; return o['\ud800'] + ':' + o['\ufffd']`,
		`const o = {}; o['__proto__'] = 1; return Object.getPrototypeOf(o) === Object.prototype`,
		`const o = { ['__proto__']: 2 }; o['__proto__']++; return o['__proto__'] + ':' + (Object.getPrototypeOf(o) === Object.prototype)`,
		`const o = { p: 1 }; let x = 0; o[x++, 'p']++; return o.p + ':' + x`,
		`const o = { p: 1, q: 1 }; const a = ['p', 'q']; let i = 0; o[a[i++]] += o[a[i]]++; return o.p + o.q + ':' + i`,
		`const t = new Uint8Array(4); t[1] += 300; t[2]--; t['3']++; return t.join()`,
		`const m = [[1]]; m[0][0]++; m[0][0] **= 3; return m[0][0]`,
		`class A { constructor() { this.n = 1 } inc() { this.n++; return this } } return new A().inc().inc().n`,
		`class B { static c = 0; static bump() { return ++B.c } } B.bump(); return B.bump()`,
		"const o = { p: 1 }\nlet x = o\n;[o][0].p++\nx.p--\nreturn o.p",
		"const o = { p: 1 }\nlet y = 1\no\n.p++\nreturn o.p + y",
		`const o = { p: 1 }; (o).p++; ((o)).p -= 2; (o.p)++; return o.p`,
		`const o = { 'a b': 1 }; o['a' + ' b'] += 2; o['a b']--; return o['a b']`,
		`const a = []; a[1e9 - 1]++; return a.length`,
		`const o = {}; o.p++; return String(o.p)`,
		`const f = function () { return this }; try { f().p++ } catch (e) { return e.name + ': ' + e.message }`,
		`function* g() { const o = { p: 1 }; o[yield 'k'] += yield 'v'; return o.p } const it = g(); it.next(); it.next('p'); return it.next(41).value`,
		`const o = { p: 1 }; const r = (async () => { o[await 'p'] -= await 1; return o.p })(); return typeof r`,
	})
}

// Private fields and super properties cannot be wrapped by the meter, so
// ++, -- and compound arithmetic on them are refused at compile time with
// a sentence saying what to do.
func TestPropertyUpdatesOfPrivateAndSuperRefused(t *testing.T) {
	for _, src := range []string{
		`class A { #n = 0; inc() { this.#n++ } } function validate() { return true }`,
		`class A { #n = 0; dec(o) { o.#n -= 1 } } function validate() { return true }`,
		`class A { m() { super.x++ } } function validate() { return true }`,
		`class A { m() { super['x'] *= 2 } } function validate() { return true }`,
	} {
		_, err := Compile([]byte(src))
		if err == nil || !errors.Is(err, ErrCompile) || !strings.Contains(err.Error(), "copy it to a variable") {
			t.Errorf("%s: %v, want a compile error saying to copy it to a variable", src, err)
		}
	}
	// += on them concatenates (checked as a whole) and compiles.
	if _, err := Compile([]byte(`class A { #s = ''; add(x) { this.#s += x } } function validate() { return true }`)); err != nil {
		t.Errorf("+= on a private field: %v", err)
	}
}

// The key __bv_u(o, k) leaves for __bv_k is the call's own: a script that
// reaches the helpers through the factory's arguments cannot hand a value
// to the next call in the same sandbox.
func TestUpdateKeyDoesNotLeakBetweenCalls(t *testing.T) {
	sb, err := newSandbox()
	if err != nil {
		t.Fatal(err)
	}
	leave := mustCompile(t, `const u = arguments[3]; function validate() { u({}, { left: 'by the call before' }); return true }`)
	look := mustCompile(t, `const k = arguments[4]; function validate() { const v = k(); if (v !== undefined) throw 'saw ' + JSON.stringify(v); return true }`)
	for _, p := range []*Program{leave, look} {
		v, err := sb.run(p, Write{}, Context{}, nil)
		if err != nil || !v.Allowed {
			t.Fatalf("%+v, %v", v, err)
		}
	}
}

// ++, -- and compound arithmetic assignments on a variable or a property
// that holds an object convert it (valueOf, toString or Symbol.toPrimitive)
// inside goja, in one step: a long string the conversion returns must cost
// fuel as it does when the object is an operand (before, ~2 ms per
// 200,000 digits for a few units).
func TestUpdatesOfObjectsChargeTheirLongStrings(t *testing.T) {
	const rounds, digits = 4, 20000
	objects := map[string]string{
		"valueOf":            `{ valueOf() { return s } }`,
		"toString":           `{ toString() { return s } }`,
		"Symbol.toPrimitive": `{ [Symbol.toPrimitive]() { return s } }`,
	}
	forms := map[string]string{
		"x++":       `let x; for (let n = 0; n < 4; n++) { x = o; x++ }`,
		"x--":       `let x; for (let n = 0; n < 4; n++) { x = o; x-- }`,
		"++x":       `let x; for (let n = 0; n < 4; n++) { x = o; ++x }`,
		"--x":       `let x; for (let n = 0; n < 4; n++) { x = o; --x }`,
		"y = x++":   `let x, y; for (let n = 0; n < 4; n++) { x = o; y = x++ }`,
		"x -= 1":    `let x; for (let n = 0; n < 4; n++) { x = o; x -= 1 }`,
		"x *= 1":    `let x; for (let n = 0; n < 4; n++) { x = o; x *= 1 }`,
		"x **= 1":   `let x; for (let n = 0; n < 4; n++) { x = o; x **= 1 }`,
		"x |= 0":    `let x; for (let n = 0; n < 4; n++) { x = o; x |= 0 }`,
		"x >>>= 0":  `let x; for (let n = 0; n < 4; n++) { x = o; x >>>= 0 }`,
		"x -= o":    `let x; for (let n = 0; n < 4; n++) { x = 1; x -= o }`,
		"var x++":   `var v; for (let n = 0; n < 4; n++) { v = o; v++ }`,
		"p.q++":     `const p = {}; for (let n = 0; n < 4; n++) { p.q = o; p.q++ }`,
		"--p.q":     `const p = {}; for (let n = 0; n < 4; n++) { p.q = o; --p.q }`,
		"p.q -= 1":  `const p = {}; for (let n = 0; n < 4; n++) { p.q = o; p.q -= 1 }`,
		"p[k]++":    `const p = {}; for (let n = 0; n < 4; n++) { p[k] = o; p[k]++ }`,
		"p[k] *= 1": `const p = {}; for (let n = 0; n < 4; n++) { p[k] = o; p[k] *= 1 }`,
		"a[i]--":    `const a = [0, 0, 0, 0]; for (let n = 0; n < 4; n++) { a[i] = o; a[i]-- }`,
		"getter":    `const p = { get q() { return o }, set q(v) {} }; for (let n = 0; n < 4; n++) p.q++`,
	}
	r := newInProcess()
	fuel := func(name, s, obj, loop string) uint64 {
		p := mustCompile(t, "function validate() { const s = "+s+", o = "+obj+", k = 'q', i = 3;"+loop+"; return true }")
		v, err := r.Validate(context.Background(), p, Write{}, Context{}, nil)
		if err != nil || v.Code != CodeAllowed {
			t.Fatalf("%s: %v (%s), %v", name, v.Code, v.Reason, err)
		}
		return v.Fuel
	}
	for oname, obj := range objects {
		for fname, loop := range forms {
			name := fname + " on " + oname
			long, short := fuel(name, fmt.Sprintf("'1'.repeat(%d)", digits), obj, loop), fuel(name, "'1'", obj, loop)
			if want := uint64(rounds * digits / rateParse); long < short+want {
				t.Errorf("%s: %d fuel with a %d-digit string, %d with one digit; want at least %d more", name, long, digits, short, want)
			}
		}
	}
}

// The same loops without end on a 200,000-digit string run out of fuel, a
// verdict of the script's own steps, not the wall-clock guard.
func TestUpdatesOfObjectsRunOutOfFuel(t *testing.T) {
	r := newInProcess()
	for _, loop := range []string{
		`let x; for (;;) { x = o; x++ }`,
		`let x; for (;;) { x = o; --x }`,
		`let x; for (;;) { x = o; x -= 1 }`,
		`const p = {}; for (;;) { p.q = o; p.q++ }`,
		`const p = {}; for (;;) { p.q = o; p.q *= 1 }`,
	} {
		p := mustCompile(t, "function validate() { const s = '1'.repeat(200000), o = { valueOf() { return s } }; "+loop+" }")
		v, err := r.Validate(context.Background(), p, Write{}, Context{}, nil)
		if err != nil || v.Code != CodeOutOfFuel {
			t.Errorf("%s: %v (%s) %v, want out of fuel", loop, v.Code, v.Reason, err)
		}
	}
}

// Converting a variable before its update keeps the update's meaning:
// results, how often valueOf, toString and Symbol.toPrimitive run and with
// which hint, errors (a constant, a binding not yet initialized, an
// undeclared name, a conversion that throws), and ASI.
func TestVariableUpdatesOfObjectsPreserveSemantics(t *testing.T) {
	differential(t, []string{
		`const log = []; let x = { valueOf() { log.push('v'); return 7 } }; const a = x++; let y = { valueOf() { log.push('w'); return '3' } }; const b = ++y; return [a, x, b, y, typeof a].join() + ' ' + log.join('')`,
		`const log = []; const mk = () => ({ valueOf() { log.push('v'); return {} }, toString() { log.push('s'); return '5' } }); let x = mk(), y = mk(), z = mk(); x--; --y; z **= 2; return [x, y, z].join() + ' ' + log.join('')`,
		`const hints = []; let x = { [Symbol.toPrimitive](h) { hints.push(h); return 4 } }; x++; let y = { [Symbol.toPrimitive](h) { hints.push(h); return 4 } }; y -= 1; y = { [Symbol.toPrimitive](h) { hints.push(h); return 2 } }; y <<= 3; return [x, y].join() + ' ' + hints.join()`,
		`let x = 10; x -= (x = 100, 1); let y = 10; y *= (y = 2); return x + ':' + y`,
		`let n = 0; const o = { valueOf() { n++; return 1 } }; let x = o; for (let i = 0; i < 5; i++) { x = o; x++; x = o; x |= 0; x = o; --x } return n`,
		`const o = { valueOf() { return 1 } }; const x = o; try { x++ } catch (e) { return e.name + ': ' + e.message }`,
		`let n = 0; const x = { valueOf() { n++; return 1 } }; try { x -= 1 } catch (e) { return e.name + ': ' + e.message + ' ' + n }`,
		`const x = 1; try { x++ } catch (e) { return e.name + ': ' + e.message }`,
		`try { x++ } catch (e) { return e.name + ': ' + e.message } let x = 1`,
		`try { notDeclared++ } catch (e) { return e.name + ': ' + e.message }`,
		`try { notDeclared -= 1 } catch (e) { return e.name + ': ' + e.message }`,
		`let x = { valueOf() { throw new Error('boom') } }; try { x++ } catch (e) { return e.message + ' ' + typeof x }`,
		`let x = { valueOf() { return {} }, toString() { return {} } }; try { x *= 2 } catch (e) { return e.name + ' ' + typeof x }`,
		`let x = Object.create(null); try { x++ } catch (e) { return e.name + ' ' + typeof x }`,
		`let x = '5', y = true, z = null, u, s = 'x'.repeat(100); x++; y--; z++; u++; s--; return [x, y, z, u, s].join()`,
		`let x = new String('41'), y = new Number(2), z = [7]; x++; y **= 3; z -= 1; return [x, y, z].join()`,
		`let s = Symbol('s'); try { s++ } catch (e) { return e.name }`,
		"let x = { valueOf() { return 2 } }, y = 1\nlet z = y\nx++\n--x\nx\n++y\nreturn [x, y, z].join()",
		"let x = 1, f = () => 5\nf\n(x++)\nif (x) x++\nwhile (x < 6) x++\nfor (let i = 0; i < 2; i++) x--\nreturn x",
		`let i = { valueOf() { return 0 } }; const a = []; for (; i < 3; i++) a.push(i); return a.join()`,
		`const f = function g() { try { g++ } catch (e) { return e.name } return typeof g }; return f()`,
		`let x = 1; const r = [x++, x++ + x++, -x--, x-- - --x, x ** 2]; return r.join() + ':' + x`,
		`function* g() { let x = { valueOf() { return 1 } }; x += yield; x -= yield; return x } const it = g(); it.next(); it.next(5); return it.next(2).value`,
	})
}

// Consensus vectors for updates of values that are not numbers: every node
// must give these scripts the same verdict and the same fuel. The refused
// ones were the gap: an object converting to a long string in x++, x -= e
// or o.p++ cost a few units however long the string.
func TestUpdateConversionVectors(t *testing.T) {
	vectors := []struct {
		src  string
		code Code
		fuel uint64
	}{
		// Accepted: the updates compute what JavaScript computes.
		{`function validate() { let x = { valueOf() { return 41 } }; x++; return x === 42 }`, CodeAllowed, 47},
		{`function validate() { let x = { toString() { return '10' } }; const y = x--; return x === 9 && y === 10 }`, CodeAllowed, 53},
		{`function validate() { let x = { [Symbol.toPrimitive](h) { return h === 'number' ? 8 : 0 } }; x **= 2; x >>= 1; return x === 32 }`, CodeAllowed, 66},
		{`function validate() { let x = '7'; x -= 2; const o = { p: { valueOf() { return 1 } } }; o.p++; o.p *= 5; return x === 5 && o.p === 10 }`, CodeAllowed, 99},
		{`function validate() { let n = 0; for (let i = 0; i < 100; i++) n += i; let s = 'x'.repeat(100); s--; return n === 4950 && Number.isNaN(s) }`, CodeAllowed, 1563},
		// Refused: out of fuel, however fast the machine.
		{`function validate() { const s = '1'.repeat(200000), o = { valueOf() { return s } }; let x; for (;;) { x = o; x++ } }`, CodeOutOfFuel, FuelPerWrite},
		{`function validate() { const s = '1'.repeat(200000), o = { toString() { return s } }; let x; for (;;) { x = o; x -= 1 } }`, CodeOutOfFuel, FuelPerWrite},
		{`function validate() { const s = '1'.repeat(200000), o = { valueOf() { return s } }, p = {}; for (;;) { p.q = o; --p.q } }`, CodeOutOfFuel, FuelPerWrite},
		{`function validate() { const s = '1'.repeat(200000), o = { valueOf() { return s } }, a = [0]; for (;;) { a[0] = o; a[0] |= 0 } }`, CodeOutOfFuel, FuelPerWrite},
	}
	r := newInProcess()
	for _, vec := range vectors {
		v, err := r.Validate(context.Background(), mustCompile(t, vec.src), Write{}, Context{}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if v.Code != vec.code || v.Fuel != vec.fuel {
			t.Errorf("%s: %v (%s), %d fuel; want %v, %d fuel", vec.src, v.Code, v.Reason, v.Fuel, vec.code, vec.fuel)
		}
	}
}

// The metering functions a script can reach through its factory's
// arguments (and the stand-ins __bv_n makes) are frozen: a call cannot
// leave a mark on them for the next call in the same sandbox to read.
func TestMeteringHelpersCarryNothingBetweenCalls(t *testing.T) {
	sb, err := newSandbox()
	if err != nil {
		t.Fatal(err)
	}
	p := mustCompile(t, `const a = arguments; function validate() {
		const seen = [];
		for (let i = 0; i < a.length; i++) {
			if (a[i].mark !== undefined) seen.push(i);
			try { a[i].mark = 1 } catch (e) {}
		}
		const w = a[5]({ valueOf() { return 1 } }), proto = Object.getPrototypeOf(w);
		if (proto.mark !== undefined) seen.push('stand-in');
		try { proto.mark = 1 } catch (e) {}
		try { proto[Symbol.toPrimitive].mark = 1 } catch (e) {}
		if (proto[Symbol.toPrimitive].mark !== undefined) seen.push('stand-in method');
		return seen.length === 0 ? true : 'marked by the call before: ' + seen.join()
	}`)
	for i := 0; i < 3; i++ {
		v, err := sb.run(p, Write{}, Context{}, nil)
		if err != nil || !v.Allowed {
			t.Fatalf("call %d: %v (%s), %v", i, v.Code, v.Reason, err)
		}
	}
}

// Every update form, on every kind of target, in every syntactic position
// the instrumenter treats differently (statement start after a line
// without a semicolon, loop heads, operands, arrow bodies, templates...),
// compiles and computes what plain goja computes.
func TestUpdateFormsInEveryPosition(t *testing.T) {
	targets := []string{"x", "(x)", "o.p", "o['p']", "a[i]", "s"}
	ops := []string{"T++", "T--", "++T", "--T", "T -= 2", "T *= y", "T **= 2", "T %= 4", "T /= 2", "T <<= 1", "T >>= 1", "T >>>= 0", "T |= 1", "T &= 3", "T ^= y"}
	places := []string{
		"E",
		"y\nE",
		"if (c) E",
		"for (let n = 0; n < 2; E) n++",
		"while (y-- > 3) E",
		"y = y - E",
		"y = [E, E][1]",
		"y = f(E)",
		"y = (() => E)()",
		"y = `${E}`",
		"y = c ? E : 0",
		"y = (0, E)",
		"y = -(E)",
		"y = typeof E",
		"y = (E) ** 2",
		"y = { [E]: 1 }",
		"switch (y) { case E: }",
	}
	var bodies []string
	for _, tg := range targets {
		for _, op := range ops {
			e := strings.ReplaceAll(op, "T", tg)
			for _, pl := range places {
				body := "let x = { valueOf() { return 3 } }, s = '12', o = { p: x }, a = [0, x], i = 1, y = 5, c = true; const f = v => v;\n" +
					strings.ReplaceAll(pl, "E", e) + "\nreturn [x, s, o.p, a[1], y].join()"
				if _, err := parser.ParseFile(nil, "", "function f() {"+body+"\n}", 0); err != nil {
					continue // a compound assignment where only an update may stand
				}
				bodies = append(bodies, body)
			}
		}
	}
	if len(bodies) < 1000 {
		t.Fatalf("only %d forms parse", len(bodies))
	}
	if raceEnabled {
		// Tenfold slower: every seventh form, spread over all targets,
		// operators and places.
		var some []string
		for i := 0; i < len(bodies); i += 7 {
			some = append(some, bodies[i])
		}
		bodies = some
	}
	differential(t, bodies)
}
