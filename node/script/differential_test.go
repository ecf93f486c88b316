package script

import (
	"testing"

	"github.com/dop251/goja"
)

// The sandbox must compute what plain goja computes, except where it
// refuses. These tests run the same code both ways and compare.

// vanilla evaluates a function body in a plain strict-mode goja runtime and
// returns String(result), or the exception text.
func vanilla(t *testing.T, body string) string {
	t.Helper()
	vm := goja.New()
	v, err := vm.RunString("'use strict'; (function () {" + body + "\n})()")
	if err != nil {
		return "threw: " + exceptionText(err)
	}
	return v.String()
}

func exceptionText(err error) string {
	if ex, ok := err.(*goja.Exception); ok {
		if o, ok := ex.Value().(*goja.Object); ok {
			return o.Get("name").String() + ": " + o.Get("message").String()
		}
		return ex.Value().String()
	}
	return err.Error()
}

// sandboxed runs the same body as validate in a sandbox and returns
// String(result), or the exception text.
func sandboxed(t *testing.T, sb *sandbox, body string) string {
	t.Helper()
	p, err := Compile([]byte("function validate(write, ctx) {" + body + "\n}"))
	if err != nil {
		return "compile: " + err.Error()
	}
	sb.m.reset(emptyLedger{}, func() [32]byte { return [32]byte{} })
	res, jsErr, _, err := sb.invoke(p, Write{}, Context{})
	if err != nil {
		t.Fatalf("sandbox: %v", err)
	}
	if sb.m.stop != nil {
		return "halted: " + sb.m.stop.reason
	}
	if jsErr != nil {
		return "threw: " + exceptionText(jsErr)
	}
	return res.String()
}

func differential(t *testing.T, bodies []string) {
	sb, err := newSandbox()
	if err != nil {
		t.Fatal(err)
	}
	for i, body := range bodies {
		want := truncate(vanilla(t, body), 300)
		got := truncate(sandboxed(t, sb, body), 300)
		if got != want {
			t.Errorf("case %d: %s\n   sandbox: %q\n     goja: %q", i, body, got, want)
		}
	}
}

func TestBuiltinsMatchGoja(t *testing.T) {
	differential(t, []string{
		// join, toString, toLocaleString on nested, holey and cyclic arrays
		`return [1, [2, [3, [4]]], null, undefined, 'x'].join('-')`,
		`return String([1, [2, 3], [], [[]]])`,
		`return [1, , 3].join()`,
		`const a = [1, 2]; a.push(a); return a.join()`,
		`return [1, 2.5, 'x'].toLocaleString()`,
		`return Array.prototype.join.call({ length: 3, 0: 'a', 2: 'c' }, '+')`,
		`return Array.prototype.join.call('abc', '.')`,
		`return [{ toString() { return 'o' } }, 2].join()`,
		// flat and flatMap
		`return JSON.stringify([[1, 2], [3, [4, [5]]]].flat())`,
		`return JSON.stringify([[1, 2], [3, [4, [5]]]].flat(2))`,
		`return JSON.stringify([[1, 2], [3, [4, [5]]]].flat(Infinity))`,
		`return JSON.stringify([1, , [2, , 3]].flat())`,
		`return JSON.stringify([[1], 2].flat(0))`,
		`return JSON.stringify([1, 2, 3].flatMap((x, i) => [x, i * 10]))`,
		`return JSON.stringify([1, 2].flatMap(x => [[x]]))`,
		// JSON.stringify
		`return JSON.stringify({ a: 1, b: [true, false, null], c: 'x"y\\z', d: undefined, e() {}, f: Symbol('s') })`,
		`return JSON.stringify([undefined, function () {}, Symbol('s'), NaN, Infinity, -0, 1e21, 1.5])`,
		`return JSON.stringify({ a: [1, { b: 2 }], c: {} }, null, 2)`,
		`return JSON.stringify({ a: [1, { b: 2 }], c: [] }, null, '--')`,
		`return JSON.stringify({ a: 1 }, null, 20)`,
		`return JSON.stringify({ a: 1, b: 2, c: { a: 3, d: 4 } }, ['a', 'c'])`,
		`return JSON.stringify({ a: 1, b: 'x' }, (k, v) => typeof v === 'number' ? v * 2 : v)`,
		`return JSON.stringify({ toJSON(k) { return 'key:' + k } })`,
		`return JSON.stringify({ x: { toJSON(k) { return [k] } } })`,
		`return JSON.stringify([new Number(3), new String('s'), new Boolean(false), Object(true)])`,
		`return JSON.stringify('\u2028\u2029\ud800\u0007 é 😀')`,
		`return JSON.stringify({ '\ud800': 1, 'é': 2 })`,
		`return String(JSON.stringify(undefined)) + String(JSON.stringify(() => 1))`,
		`return JSON.stringify(null) + JSON.stringify(7) + JSON.stringify('s') + JSON.stringify(true)`,
		`const o = {}; o.o = o; return JSON.stringify(o)`,
		`return JSON.stringify([[]], null, 2) + JSON.stringify({}, null, 2)`,
		`return JSON.stringify({ a: 1 }, null, new Number(3))`,
		`return JSON.stringify({ a: 1 }, null, new String('ab'))`,
		`return JSON.stringify([1, 2], ['0'])`,
		`return JSON.stringify({ 1: 'a', b: 2 }, [1, 'b', 1])`,
		`return JSON.stringify(Object.create({ inherited: 1 }, { own: { value: 2, enumerable: true } }))`,
		// JSON.parse
		`return JSON.stringify(JSON.parse('{"a":[1,2,{"b":null}],"c":"\\u00e9"}'))`,
		`return JSON.stringify(JSON.parse('[1,2,3]', (k, v) => typeof v === 'number' ? v + 1 : v))`,
		`return JSON.parse('{bad')`,
		`return JSON.parse('"[[[["')`,
		// string methods
		`return 'aaa'.replace('a', '$&$&') + '|' + 'aaa'.replaceAll('a', '[$&]')`,
		"return 'abc'.replace('b', '($`)($\\')($$)($1)')",
		`return 'abc'.replaceAll('', '-') + '|' + 'abc'.replace('', '-')`,
		`return 'a.b.c'.replaceAll('.', (m, i, s) => '<' + m + i + s.length + '>')`,
		`return 'x'.replace('y', 'z') + 'xyx'.replaceAll('x', '')`,
		`return 'abc'.replace({ [Symbol.replace](s, r) { return s + r } }, '!')`,
		`return JSON.stringify(['a,b,,c'.split(','), 'a,b'.split(',', 1), ''.split(''), 'abc'.split(''), 'abc'.split(), 'a,b'.split(',', -1), 'abc'.split('', 2)])`,
		`return JSON.stringify('a1b1c'.split({ [Symbol.split](s) { return s.length } }))`,
		`return 'ab'.concat(1, null, [2, 3], { toString() { return 'o' } })`,
		`return 'ab'.repeat(3) + '|' + 'ab'.repeat(0) + '|' + ''.repeat(1e9)`,
		`return 'ab'.repeat(-1)`,
		`return 'ab'.repeat(Infinity)`,
		`return '5'.padStart(3, '0') + '5'.padEnd(4, 'xy') + 'long'.padStart(2) + 'a'.padStart(3)`,
		`return ' é Straße ﬃ '.trim().toUpperCase() + '|' + 'ÉÀ'.toLowerCase()`,
		`return 'é'.normalize('NFD').length + ',' + 'e\u0301'.normalize().length`,
		`return 'a'.localeCompare('b') + ',' + 'b'.localeCompare('a')`,
		`return 'hello'.at(-1) + 'hello'.slice(1, 3) + 'hello'.substring(3, 1) + 'hello'.substr(1, 2) + 'hello'.indexOf('l') + 'hello'.lastIndexOf('l') + 'hello'.includes('ell') + 'hello'.startsWith('he') + 'hello'.endsWith('lo')`,
		`return String.raw` + "`a\\n${1 + 1}b`",
		`return String.fromCharCode(104, 105) + String.fromCodePoint(128512)`,
		`return 'abc'.match({ [Symbol.match](s) { return 'custom ' + s } })`,
		`return String.prototype.trim.call(null)`,
		// arrays
		`return JSON.stringify([Array(3).length, new Array(1, 2), Array.of(7), Array.from('héllo'), Array.from({ length: 2, 0: 'x' }), Array.from(new Set([1, 1, 2])), Array.from([1, 2], x => x * 2)])`,
		`return JSON.stringify([[3, 1, 10, 2].sort(), [3, 1, 10, 2].sort((a, b) => a - b), ['b', 'a'].toSorted()])`,
		`return JSON.stringify([[NaN].indexOf(NaN), [NaN].includes(NaN), [1, 2, 1].lastIndexOf(1)])`,
		`return JSON.stringify([[1, 2].concat([3], 4, [[5]]), [].concat.call(1, 2)])`,
		`const a = [1, 2, 3]; a.push(4, 5); a.unshift(0); a.splice(1, 2, 'x'); return JSON.stringify([a, a.toSpliced(0, 1), a.with(0, 'w'), a.toReversed()])`,
		`return JSON.stringify([1, 2, 3].map(x => x * 2).filter(x => x > 2).reduce((a, b) => a + b, 0))`,
		// objects and functions
		`return JSON.stringify([Object.keys('ab'), Object.entries({ a: 1 }), Object.assign({}, 'xy', { z: 1 }), Object.getOwnPropertyNames([1])])`,
		`return Math.max.apply(null, [1, 5, 2]) + Math.min.apply(null, { length: 2, 0: 3, 1: -1 })`,
		`function f(a, b) { return this.x + a + b } return f.apply({ x: 1 }, [2, 3]) + f.bind({ x: 10 }, 20)(30) + f.call({ x: 0 }, 0, 0)`,
		`return Reflect.apply(Math.max, null, [4, 9]) + Reflect.construct(Array, [3]).length`,
		`class P { constructor(v) { this.v = v } } class Q extends P {} return new Q(4).v + Reflect.construct(P, [5], Q).v`,
		`return JSON.stringify(Object.getPrototypeOf(Object.create({ a: 1 })))`,
		`const o = {}; Object.setPrototypeOf(o, { p: 2 }); o.__proto__ = { q: 3 }; return o.q`,
		`return [parseInt('42px'), parseFloat('3.5e2'), isNaN('x'), isFinite('7'), Number('0x10'), Number.parseFloat('1.5')].join()`,
		`return encodeURIComponent('a b/é') + decodeURIComponent('%C3%A9') + encodeURI('http://x/ y') + escape('é')`,
		`return decodeURIComponent('%')`,
		// typed arrays, buffers, collections
		`const u = new Uint8Array([3, 1, 2]); return [u.join('-'), u.slice().sort().join(), Array.from(u.map(x => x * 2)), u.indexOf(1), new Uint16Array(u).length, Uint8Array.from([1, 2]).join(), Uint8Array.of(5).join()].join('|')`,
		`const b = new ArrayBuffer(8); const d = new DataView(b); d.setInt32(0, -5); return d.getInt32(0) + ',' + new Int32Array(b, 4, 1).length + ',' + b.slice(2).byteLength`,
		`const m = new Map([['a', 1]]); m.set('b', 2); const s = new Set('hello'); return [m.get('a'), m.has('b'), m.delete('a'), m.size, s.size, s.has('l'), [...m.keys()].join(), [...s].join('')].join()`,
		`return [...'héllo😀'].length + ',' + [...[1, 2].entries()].join(';')`,
		`const w = new WeakMap(); const k = {}; w.set(k, 1); return w.get(k)`,
		// generators, async, closures, classes
		`function* g() { yield 1; yield* [2, 3] } return [...g()].join()`,
		`let out = ''; Promise.resolve(1).then(v => { out = 'later' }); return typeof out`,
		`class A { #x; static s = 2; constructor() { this.#x = 1 } get x() { return this.#x } } return new A().x + A.s`,
		`class A { a = 1; b = this.a + 1; #c = 3; d; ['e' + 1] = 5; static f = 6; get c() { return this.#c } } const o = new A(); return [o.a, o.b, o.c, o.d, o.e1, A.f, Object.keys(o)].join()`,
	})
}

// Programs with every syntactic form the instrumenter touches: it must
// neither change what they compute nor fail to compile them.
func TestInstrumentationPreservesSemantics(t *testing.T) {
	differential(t, []string{
		`let s = 0; for (let i = 0; i < 10; i++) s += i; return s`,
		`let s = ''; for (let i = 0; i < 3; i++) { s += i } while (s.length < 6) s = s + 'w'; do s += 'd'; while (s.length < 8); return s`,
		`let s = ''; for (const k in { a: 1, b: 2 }) s += k; for (const v of [3, 4]) s += v; return s`,
		`let s = ''; outer: for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) { if (j === 1) continue outer; if (i === 2) break outer; s += i + '' + j } return s`,
		`let n = 0; if (n === 0) while (n < 3) n++; else n = 100; return n`,
		`let n = 0; if (n === 1) for (;;) break; else n = 7; return n`,
		`let n = 0; for (;;) if (++n > 4) break; return n`,
		`let n = 0; do n++; while (n < 5) return n`,
		`let n = 0; while (n < 3) { n++ } ; return n`,
		`var a = 1, b = 2; return (a) + (b) + ((a)) + ((a) + b) + (a, b) + typeof a + b + -a + +b + !a + ~b`,
		`var a = 'x', b = 'y'; a += b; a += (b); a += ((b) + (a)); return a`,
		"var a = 1; return `t${a}${`n${a + 1}`}` + `plain` + `${'x' + 'y'}`",
		`const f = x => x + 1, g = (x, y) => ({ s: x + y }), h = async x => x, k = () => (1, 2); return f(1) + g(1, 2).s + k() + typeof h`,
		`const f = function* () { let i = 0; while (true) yield i++ }; const it = f(); it.next(); return it.next().value + 1`,
		`class A { static n = 1 + 1; static { A.m = A.n + 1 } get g() { return 'g' + A.m } m(x) { return x + this.g } } return new A().m('=')`,
		`const o = { a: 1, get b() { return this.a + 1 }, set c(v) { this.a = v + 1 }, ['d' + 1]: 3, m() { return 'm' + this.a } }; o.c = 5; return o.m() + o.b + o.d1`,
		`function f(a = 1 + 1, { b, c = b + 'c' } = { b: 'b' }, ...rest) { return a + b + c + rest.length } return f(undefined, undefined, 1, 2)`,
		`const [a, b = a + 1, ...c] = [1, undefined, 3, 4]; const { x, y: { z } = { z: a + b } } = { x: 'x' }; return a + b + c.length + x + z`,
		`let s = ''; try { throw new Error('e' + 1) } catch ({ message }) { s += message } finally { s += 'f' } return s`,
		`let x = 1
let y = x
+ 2
return y`,
		`const a = 1
const b = (a)
return b + a`,
		`let i = 0
i
++i
return i`,
		`let s = 'a' // a comment with ( and ' and " and ` + "`" + `
  + 'b' /* another ) comment */ + 'c'
return s`,
		`const s = 'str with // not a comment /* and ${x}'; const t = "${'}'}"; return s + t`,
		"const t = `multi\nline ${'x' + `${1 + 1}`}`; return t",
		`var a = 10, b = 2, g = 5; return a / b / g + a /b/ g`,
		`const x = 3; switch (x + 1) { case 1 + 3: return 'four' + x; default: return 'other' }`,
		`let s = 0; for (let i = 0, j = 10; i < j; i += 2, j--) s += i + j; return s`,
		`function fib(n) { return n < 2 ? n : fib(n - 1) + fib(n - 2) } return fib(15)`,
		`const add = (a) => (b) => a + b; return add('x')('y') + add(1)(2)`,
		`let s = ''; [1, 2, 3].forEach(function (v) { s += v }); [4].map(v => { s += v }); return s`,
		`let o = { v: 1 }; o.v += 1; o['v'] += 'x'; return o.v`,
		`const a = [1, 2]; a[0] += a[1] + 1; return a.join()`,
		`const f = async function () { await null; return 1 + 1 }; return typeof f()`,
		`label: { if (true) break label; return 'no' } return 'yes'`,
		`for (var i = 0; i < 2; i++) function_name: { continue } return i`,
		`return new.target === undefined ? 'plain call' : 'constructed'`,
		`let s = 0; for (const x of [1, 2, 3]) if (x === 2) continue; else s += x; return s`,
		`let s = ''; for (const [k, v] of Object.entries({ a: 1, b: 2 })) s += k + v; return s`,
		`return void 0 + '' + typeof undefined + (null ?? 'n') + (0 || 'o') + (1 && 'a')`,
		`let c = 0; const o = { f() { return ++c } }; o?.f(); o.g?.(); return c + (o?.x?.y ?? 'none')`,
		`var \u0061bc = 1; return abc + 1`,
		`return ((a, b) => a + b)(1, 2) + (function () { return 3 })() + (() => 4)()`,
		`return [1, 2, 3].map((x) => x * 2).join() + [..."ab"].join()`,
	})
}

// The operand checks (operands.go) keep semantics: evaluation order,
// update results, ASI, parentheses, compound assignments.
func TestOperandChecksPreserveSemantics(t *testing.T) {
	differential(t, []string{
		`let i = 0, s = ''; for (let j = 0; j < 3; j++) s += i++ + ',' + ++i + ';'; return s + i`,
		`let i = 5; i--; --i; i -= 1; i *= 3; i /= 2; i %= 4; i **= 2; i |= 8; i &= 12; i ^= 1; i <<= 2; i >>= 1; i >>>= 0; return i`,
		`let i = 0
i
++i
i
--i
return i`,
		`let x = '12'; x -= 2; let y = '3'; y++; return x + ':' + y + ':' + typeof y`,
		`let x = 1, order = []; const f = () => (order.push('rhs'), x = 10, 2); x -= f(); return x + ' ' + order.join()`,
		`const o = { a: 1, '1': 'one', k: 'key' }; const k = 'a', n = 1; return o[k] + o[n] + o['k'] + o[k + ''] + ({ [k]: 2, [n + 1]: 3 })[2]`,
		`const a = 'abc', b = 'abd'; return [a < b, a > b, a <= b, a >= b, a == b, a != b, a === b, a !== b, 'b' in { b: 1 }, -a, +'7', ~'1'].join()`,
		`let s = ''; for (const v of [1, 'x', 3]) switch (v) { case 1: s += 'one'; break; case 'x': s += 'ex'; break; default: s += 'd' } return s`,
		`const t = 'x'; switch (t + '') { case t: return 'same'; default: return 'other' }`,
		`let i = 0; const a = [10, 20, 30]; return a[i++] + a[++i] + (i++, i) + a.length - -i`,
		`let x = 3; const f = () => x++; f(); const g = () => --x; return g() + x`,
		`let a = 2; a = a ** 2 - (a, 1); return a * (a - 1) / (a % 3 || 1) & 0xff | 1 ^ 2 << 1 >> 1 >>> 0`,
		`var c = 0; for (var k in { p: 1, q: 2 }) c -= -1; return c`,
		`let s = 'ab'; s += 1; s -= 0; return String(s)`,
		`return new.target === undefined && typeof this === 'undefined'`,
		"let x = 1, y = 2\nlet z = x\ny < x\nz = y\n-x\nreturn z + ':' + (x < y) + [x][0] * y",
		"let i = 0, n = 3, s = ''\nfor (; i < n; i++) s += i * n\nreturn s + (n - i) + -n + ~i + (i in [1])",
		"const k = 'a', o = { a: 'v' }\nconst f = () => o\nf()\n[k] = 1\nreturn typeof o[k] + (k === 'a') + ('x' + k > k)",
		"let t = 'x'.repeat(70), u = t\nreturn (t === u) + ':' + (t < u + 'y') + ':' + (-t) + ':' + ({ [t]: 1 })[u]",
	})
}

// Operands that are objects are converted by the number check (__bv_n) as
// the operator would: same hint, same results, valueOf and toString called
// as often as without the check.
func TestObjectOperandsConvertOnce(t *testing.T) {
	differential(t, []string{
		`const log = []; const o = { valueOf() { log.push('v'); return 7 }, toString() { log.push('s'); return '9' } }; return [+o, -o, ~o, o * 2, o - 1, o / 7, o % 4, o ** 2, o | 0, o & 3, o ^ 1, o << 1, o >> 1, o >>> 0, o < 8, o > 8, o <= 7, o >= 7].join() + ' ' + log.join('')`,
		`const log = []; const o = { toString() { log.push('s'); return '12' } }; return [+o, o * 1, o < '2', o > 3].join() + ' ' + log.join('')`,
		`const log = []; const o = { valueOf() { log.push('v'); return {} }, toString() { log.push('s'); return '5' } }; return (o - 1) + ' ' + log.join('')`,
		"const hints = []; const o = { [Symbol.toPrimitive](h) { hints.push(h); return h === 'number' ? 3 : 'str' } }; return [+o, o * 2, o < 4, o + '', '' + o, o == 'str', `${o}`, String(o)].join() + ' ' + hints.join()",
		`const a = { valueOf() { return 1 } }, b = { valueOf() { return 1 } }; let n = 0; const c = { valueOf() { n++; return 1 } }; return [a == b, a != b, a == a, a == 1, 1 == a, a != 2, c == 1, c == c, c == null, undefined == c].join() + ' ' + n`,
		`const s = new String('42'); return [+s, s * 2, s - 1, s < '5', s == '42', s === '42', -new String('x'), +new Number(3), ~new Boolean(true)].join()`,
		`const o = { valueOf() { throw new Error('boom') } }; try { return +o } catch (e) { return e.message }`,
		`const o = { valueOf() { return {} }, toString() { return {} } }; try { return +o } catch (e) { return e.name }`,
		`const o = { [Symbol.toPrimitive]() { return {} } }; try { return o * 1 } catch (e) { return e.name }`,
		`const o = { [Symbol.toPrimitive]: 5 }; try { return o * 1 } catch (e) { return e.name }`,
		`const o = Object.create(null); try { return -o } catch (e) { return e.name }`,
		`let n = 0; const o = { valueOf() { return ++n } }; let x = 10; x -= o; x *= o; const p = { q: 5 }; p.q -= o; p['q'] += 1; return [x, p.q, n].join()`,
		`const f = Object.defineProperty(function () {}, 'valueOf', { value: () => 4 }); class C { static valueOf() { return 2 } } return [+f, f * C, -[5], +[], +{}, [1] < [2], +{ valueOf() { return '3' } }, +(() => 1), ~class {}].join()`,
		`let n = 0; const o = { valueOf() { return 3 + (n++ & 0) } }; for (let i = 0; i < o; i++) {} return n`,
		`const o = { toString() { return 'k' } }, m = { k: 1 }; return [m[o], o in m, ({ [o]: 2 }).k].join()`,
	})
}

// An object operand is converted when the operator converts it, after the
// other operand is evaluated, as without the checks: o - f() calls f
// before o.valueOf, and not at all if f throws. Likewise for the value an
// update reads (o.p -= f(), x -= f()).
func TestObjectOperandsConvertInSpecOrder(t *testing.T) {
	differential(t, []string{
		`const log = []; const o = { valueOf() { log.push('o'); return 5 } }; const f = () => (log.push('f'), 2); return [o - f(), o < f(), o ** f(), o | f(), f() * o, -o].join() + ' ' + log.join('')`,
		`const log = []; const a = { valueOf() { log.push('a'); return 1 } }, b = { valueOf() { log.push('b'); return 2 } }; return [a - b, a >= b, (log.push('x'), a) % (log.push('y'), b)].join() + ' ' + log.join('')`,
		`const log = []; const o = { valueOf() { log.push('o'); return 5 } }; const g = () => { log.push('g'); throw new Error('g') }; try { o - g() } catch (e) { log.push(e.message) } return log.join('')`,
		`const log = []; const p = { q: { valueOf() { log.push('q'); return 5 } } }; const f = () => (log.push('f'), 2); p.q -= f(); p.q = { valueOf() { log.push('r'); return 1 } }; p['q'] <<= f(); return p.q + ' ' + log.join('')`,
		`const log = []; let x = { valueOf() { log.push('x'); return 5 } }; const f = () => (log.push('f:' + typeof x), 2); x -= f(); x = { toString() { log.push('s'); return '3' } }; x **= f(); return x + ' ' + log.join()`,
		`const log = []; let x = { valueOf() { log.push('x'); return 5 } }; try { x *= (() => { throw 'e' })() } catch (e) { log.push(e) } return typeof x + ' ' + log.join()`,
		`let x = { valueOf() { return 5 } }; const f = () => { x = 100; return 1 }; x -= f(); return x`,
	})
}
