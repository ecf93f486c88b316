package script

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// hostileCase is a script written to hurt a node. Every one must end as a
// rejected write with a reason, decided by the script's own steps (a
// deterministic code), well within the wall-clock guard, and leave the
// runner able to serve the next write.
type hostileCase struct {
	name   string
	src    string
	code   Code
	reason string // substring of the reason
}

var hostileCases = []hostileCase{
	{"infinite loop", `function validate(w, c) { while (true) {} }`, CodeOutOfFuel, "ran out of fuel"},
	{"infinite loop, brace-less", `function validate(w, c) { for (;;) ; }`, CodeOutOfFuel, "ran out of fuel"},
	{"infinite loop caught", `function validate(w, c) { for (;;) { try { while (true) {} } catch (e) {} finally { return true } } }`, CodeOutOfFuel, "ran out of fuel"},
	{"loop in the top level", `while (true) {} function validate() { return true }`, CodeOutOfFuel, "while loading the script: the script ran out of fuel"},
	{"unbounded recursion", `function validate(w, c) { return validate(w, c) }`, CodeStackOverflow, "maximum call depth of 256"},
	{"recursion caught", `function f() { try { return f() } catch (e) { return f() } } function validate() { return f() }`, CodeStackOverflow, "maximum call depth"},
	{"mutual recursion through getters", `function validate() { const o = { get a() { return this.b }, get b() { return this.a } }; return o.a }`, CodeStackOverflow, "maximum call depth"},
	{"repeat 2**40", `function validate(w, c) { return 'x'.repeat(2 ** 40) }`, CodeLimit, "String.prototype.repeat would make a string of 1099511627776 characters"},
	{"repeat via padEnd", `function validate() { return ''.padEnd(2 ** 40, 'x') }`, CodeLimit, "padEnd would make a string"},
	{"string doubling", `function validate() { let s = 'x'; for (;;) s += s }`, CodeLimit, "built a string of 524288 characters"},
	{"string doubling in a template", "function validate() { let s = 'x'; for (;;) s = `${s}${s}` }", CodeLimit, "built a string"},
	{"Array(5e7).fill(0)", `function validate(w, c) { new Array(5e7).fill(0) }`, CodeLimit, "new Array(50000000)"},
	{"sparse array filled", `function validate() { const a = []; a.length = 5e7; a.fill(0) }`, CodeLimit, "Array.prototype.fill: an array of 50000000 elements"},
	{"sparse array spread", `function validate() { const a = [1]; a[1e9] = 2; return [...a].length }`, CodeOutOfFuel, "ran out of fuel"},
	{"sparse array join", `function validate() { const a = [1]; a[1e9] = 2; return a.join() }`, CodeLimit, "Array.prototype.join"},
	{"huge apply", `function validate() { return Math.max.apply(null, { length: 1e9 }) }`, CodeLimit, "Function.prototype.apply"},
	{"huge typed array", `function validate() { return new Float64Array(1e9) }`, CodeLimit, "typed array"},
	{"huge buffer", `function validate() { return new ArrayBuffer(2 ** 40) }`, CodeLimit, "buffers are limited"},
	{"array-like from", `function validate() { return Array.from({ length: 1e9 }) }`, CodeLimit, "Array.from"},
	{"deep nesting join", `function validate() { let a = []; for (let i = 0; i < 1000; i++) a = [a]; return String(a) }`, CodeLimit, "nests deeper than 64"},
	{"deep nesting JSON", `function validate() { let a = {}; for (let i = 0; i < 1000; i++) a = { a }; return JSON.stringify(a) }`, CodeLimit, "nests deeper than 64"},
	{"deep JSON.parse", `function validate() { return JSON.parse('['.repeat(100000) + ']'.repeat(100000)) }`, CodeLimit, "JSON.parse: the text nests 100000 levels"},
	{"deep flat", `function validate() { let a = [1]; for (let i = 0; i < 1000; i++) a = [a]; return a.flat(Infinity) }`, CodeLimit, "nests deeper than 64"},
	{"bind chain", `function validate() { let f = function () {}; for (;;) f = f.bind(null) }`, CodeLimit, "bound functions nest deeper"},
	{"prototype chain", `function validate() { let p = {}; for (;;) p = Object.create(p) }`, CodeLimit, "prototype chain"},
	{"catastrophic regex literal", "", CodeThrew, ""}, // compile error; see TestHostileCompileErrors
	{"catastrophic regex via match", `function validate() { return 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!'.match('(a+)+$') }`, CodeThrew, "TypeError: regular expressions are not allowed in access scripts"},
	{"regex via search", `function validate() { return 'aaaa!'.search('(a+)+$') === -1 }`, CodeThrew, "regular expressions are not allowed"},
	{"regex via matchAll", `function validate() { return [...'aaa'.matchAll('a')] }`, CodeThrew, "regular expressions are not allowed"},
	{"regex via global lookup", `function validate() { const R = globalThis['Reg' + 'Exp']; return new R('(a+)+$').test('aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!') }`, CodeThrew, "TypeError"},
	{"throw a number", `function validate() { throw 42 }`, CodeThrew, "the script threw the number 42"},
	{"throw an object", `function validate() { throw { code: 3, why: 'taken' } }`, CodeThrew, `the script threw {"code": 3, "why": "taken"}`},
	{"throw null", `function validate() { throw null }`, CodeThrew, "the script threw null"},
	{"throw undefined", `function validate() { throw undefined }`, CodeThrew, "the script threw undefined"},
	{"throw a symbol", `function validate() { throw Symbol('boom') }`, CodeThrew, "the script threw a symbol, Symbol(boom)"},
	{"throw an array", `function validate() { throw [1, 'two'] }`, CodeThrew, `the script threw [1, "two"]`},
	{"throw a function", `function validate() { throw function () {} }`, CodeThrew, "the script threw a function"},
	{"throw an error with a getter message", `function validate() { const e = new Error('x'); Object.defineProperty(e, 'message', { get() { for (;;) {} } }); throw e }`, CodeThrew, "the script threw"},
	{"throw control characters", `function validate() { throw '\u001b[2J\u001b[31mhacked\n\u202e' }`, CodeThrew, "\uFFFD[2J\uFFFD[31mhacked"},
	{"return a string", `function validate() { return 'yes' }`, CodeReturned, `the script returned "yes" instead of true`},
	{"return truthy object", `function validate() { return { valueOf() { return true } } }`, CodeReturned, "instead of true"},
	{"async validate", `async function validate() { return true }`, CodeReturned, "a Promise"},
	{"async loop", `async function validate() { for (;;) await null }`, CodeOutOfFuel, "ran out of fuel"},
	{"loop in a job after true", `function validate() { Promise.resolve().then(() => { for (;;) {} }); return true }`, CodeOutOfFuel, "ran out of fuel"},
	{"endless job chain", `function validate() { Promise.resolve().then(function f() { return Promise.resolve().then(f) }); return true }`, CodeOutOfFuel, "ran out of fuel"},
	{"generator loop", `function* g() { for (;;) yield 1 } function validate() { for (const x of g()) {} }`, CodeOutOfFuel, "ran out of fuel"},
	{"long string updated as a property", `function validate() { const s = '1'.repeat(200000), o = {}; for (;;) { o.p = s; o.p++ } }`, CodeOutOfFuel, "ran out of fuel"},
	{"long string in a String object", `function validate() { const o = new String('1'.repeat(200000)); for (;;) +o }`, CodeOutOfFuel, "ran out of fuel"},
	{"long string from valueOf", `function validate() { const s = '1'.repeat(200000), o = { valueOf() { return s } }; for (;;) +o }`, CodeOutOfFuel, "ran out of fuel"},
	{"long string from toString", `function validate() { const s = '1'.repeat(200000), o = { toString() { return s } }; for (;;) o * 1 }`, CodeOutOfFuel, "ran out of fuel"},
	{"long string from Symbol.toPrimitive", `function validate() { const s = '1'.repeat(200000), o = { [Symbol.toPrimitive]() { return s } }; for (;;) -o }`, CodeOutOfFuel, "ran out of fuel"},
	{"long strings from objects compared", `function validate() { const s = '1'.repeat(200000), a = { valueOf() { return s + 'a' } }, b = new String(s + 'b'); for (;;) a < b }`, CodeOutOfFuel, "ran out of fuel"},
	{"long string from an object, loose equality", `function validate() { const s = '1'.repeat(200000), t = s + 'b', o = { toString() { return s } }; for (;;) o == t }`, CodeOutOfFuel, "ran out of fuel"},
	{"long string from an object as a key", `function validate() { const s = 'x'.repeat(200000), k = { toString() { return s } }, m = {}; for (;;) m[k] }`, CodeOutOfFuel, "ran out of fuel"},
	{"long string from an object, compound assignment", `function validate() { const s = '1'.repeat(200000), o = { valueOf() { return s } }; let x = 0; for (;;) x -= o }`, CodeOutOfFuel, "ran out of fuel"},
	{"long string from an object, variable update", `function validate() { const s = '1'.repeat(200000), o = { valueOf() { return s } }; let x; for (;;) { x = o; x++ } }`, CodeOutOfFuel, "ran out of fuel"},
	{"long string from an object, variable compound update", `function validate() { const s = '1'.repeat(200000), o = { toString() { return s } }; let x; for (;;) { x = o; x *= 1 } }`, CodeOutOfFuel, "ran out of fuel"},
	{"long string from an object, property update", `function validate() { const s = '1'.repeat(200000), o = { [Symbol.toPrimitive]() { return s } }, p = {}; for (;;) { p.q = o; p.q -= 1 } }`, CodeOutOfFuel, "ran out of fuel"},
	{"prototype pollution", `function validate() { Object.prototype.polluted = 'yes'; Array.prototype.includes = () => true; return true }`, CodeThrew, "TypeError"},
	{"prototype pollution caught", `function validate() { try { Object.prototype.polluted = 1 } catch (e) {} try { Object.defineProperty(Object.prototype, 'p', { value: 1 }) } catch (e) {} return ({}).polluted === undefined && ({}).p === undefined ? 'clean' : 'dirty' }`, CodeReturned, `"clean"`},
	{"global pollution", `function validate() { globalThis.x = 1 }`, CodeThrew, "TypeError"},
	{"constructor.constructor", `function validate() { return (function () {}).constructor('return this')() }`, CodeThrew, "TypeError: access scripts cannot create functions from strings"},
	{"generator constructor", `function validate() { return (function* () {}).constructor('yield 1')().next() }`, CodeThrew, "cannot create functions from strings"},
	{"async constructor", `function validate() { return (async function () {}).constructor('return 1')() }`, CodeThrew, "cannot create functions from strings"},
	{"Function via global lookup", `function validate() { return globalThis['Func' + 'tion']('return 1')() }`, CodeThrew, "TypeError"},
	{"eval via global lookup", `function validate() { return globalThis['ev' + 'al']('1') }`, CodeThrew, "TypeError"},
	{"Date via global lookup", `function validate() { return new globalThis['Da' + 'te']() }`, CodeThrew, "TypeError"},
	{"this at the top level", `const g = this; function validate() { return g === undefined ? 'undefined' : 'leak' }`, CodeReturned, `"undefined"`},
	{"arguments of the factory", `const a = arguments; function validate() { a[0](1e9) }`, CodeOutOfFuel, "ran out of fuel"},
	{"ledger argument not a string", `function validate(w, c) { return c.balance({ toString() { return w.signer } }) }`, CodeThrew, "ctx.balance expects an address string"},
	{"ledger query flood", `function validate(w, c) { for (;;) c.balance(w.signer) }`, CodeLimit, "more than 256 ledger queries"},
	{"constructor of a wrapped constructor", `function validate() { const f = [].constructor.constructor; return f('return 1')() }`, CodeThrew, "cannot create functions from strings"},
}

// hostProbe walks everything a script can reach and reports anything that
// looks like the host: functions whose source names a Go package, objects of
// unexpected classes, properties that are not plain JavaScript.
const hostProbe = `
function validate(write, ctx) {
  const seen = new Set();
  const todo = [globalThis, write, ctx, Object.getPrototypeOf(function* () {}), Object.getPrototypeOf(async function () {}),
    Object.getPrototypeOf([][Symbol.iterator]()), Object.getPrototypeOf(''[Symbol.iterator]()),
    Object.getPrototypeOf(new Map()[Symbol.iterator]()), Object.getPrototypeOf(new Set()[Symbol.iterator]()),
    Object.getPrototypeOf(Uint8Array), new Error('x'), Promise.resolve(1)];
  const bad = [];
  const toStr = Object.getPrototypeOf(function () {}).toString;
  let functions = 0;
  while (todo.length > 0) {
    const o = todo.pop();
    if (o === null || (typeof o !== 'object' && typeof o !== 'function') || seen.has(o)) continue;
    seen.add(o);
    if (typeof o === 'function') {
      functions++;
      const src = toStr.call(o);
      if (!/*native*/ src.startsWith('function ') || src.includes('github.com') || src.includes('.go') || src.includes('/') || src.includes('(*')) {
        if (!src.startsWith('function validate') && !src.startsWith('class ')) bad.push('function source: ' + src.slice(0, 80));
      }
      const name = o.name;
      if (typeof name === 'string' && (name.includes('.') && !name.startsWith('get ') && !name.startsWith('set ') && !name.startsWith('[Symbol.') || name.includes('/'))) bad.push('function name: ' + name);
    }
    const tag = Object.prototype.toString.call(o);
    if (tag.includes('Go') || tag.includes('go')) bad.push('class: ' + tag);
    for (const k of Reflect.ownKeys(o)) {
      const ks = String(k);
      if (/*forbidden names*/ ['eval', 'Function', 'Date', 'RegExp', 'Proxy', 'BigInt', 'GoError', 'require', 'process', 'console'].includes(ks) && o === globalThis) bad.push('global ' + ks);
      const d = Object.getOwnPropertyDescriptor(o, k);
      if ('value' in d) todo.push(d.value); else { todo.push(d.get); todo.push(d.set); }
    }
    todo.push(Object.getPrototypeOf(o));
  }
  if (bad.length > 0) throw 'HOST: ' + bad.join('; ');
  throw 'reached ' + seen.size + ' objects, ' + functions + ' functions, nothing of the host';
}`

// TestHostileBattery runs every hostile case on the in-process runner and
// on the worker pool, reusing each runner from case to case: every verdict
// is the expected refusal, decided by fuel or a cap (never a guard), the
// worker's verdict equals the in-process one exactly (fuel included), and
// the runner serves the next write.
func TestHostileBattery(t *testing.T) {
	good := mustCompile(t, `function validate(w, c) { return w.key === 'ok' && c.balance(w.signer) === 7 }`)
	goodWrite := Write{Key: "ok", Signer: alice}
	ledger := &stubLedger{balances: map[string]uint64{alice: 7}}
	ctx := context.Background()
	cases := append([]hostileCase{}, hostileCases...)
	cases = append(cases, hostileCase{"host objects", hostProbe, CodeThrew, "nothing of the host"})
	first := make([]Verdict, len(cases))
	skip := make([]bool, len(cases))
	for i, hc := range cases {
		skip[i] = raceHeavy(t, hc.name, 0)
	}
	for r, nr := range bothRunners(t) {
		for i, hc := range cases {
			if hc.src == "" || skip[i] {
				continue
			}
			p := mustCompile(t, hc.src)
			start := time.Now()
			v, err := nr.r.Validate(ctx, p, Write{Key: "k", Value: []byte("v"), Signer: alice}, Context{Keyspace: "k", Time: 1}, ledger)
			if took := time.Since(start); took > WallClockGuard/2 {
				t.Logf("%s case %d (%s): took %v", nr.name, i, hc.name, took)
			}
			if err != nil {
				t.Fatalf("%s case %d (%s): error %v", nr.name, i, hc.name, err)
			}
			if v.Allowed || v.Reason == "" {
				t.Errorf("%s case %d (%s): %+v, want a refusal with a reason", nr.name, i, hc.name, v)
			}
			if v.Code != hc.code || !strings.Contains(v.Reason, hc.reason) {
				t.Errorf("%s case %d (%s): %v %q, want %v containing %q", nr.name, i, hc.name, v.Code, v.Reason, hc.code, hc.reason)
			}
			if !v.Code.Deterministic() {
				t.Errorf("%s case %d (%s): ended by a guard (%v), not by fuel or a cap", nr.name, i, hc.name, v.Code)
			}
			if r == 0 {
				first[i] = v
			} else if v != first[i] && v.Code.Deterministic() && first[i].Code.Deterministic() {
				t.Errorf("%s case %d (%s): %+v, but in-process %+v", nr.name, i, hc.name, v, first[i])
			}
			// The runner is still healthy.
			ok, err := nr.r.Validate(ctx, good, goodWrite, Context{}, ledger)
			if err != nil || !ok.Allowed {
				t.Fatalf("%s case %d (%s): the next good call got %+v, %v", nr.name, i, hc.name, ok, err)
			}
		}
	}
}

// TestPollutionDoesNotLeak runs a script that tries every way of changing
// shared state, then one that looks for changes, on the same runner.
func TestPollutionDoesNotLeak(t *testing.T) {
	polluter := mustCompile(t, `
var counter = 0;
function validate() {
  const tries = [
    () => { Object.prototype.polluted = 1 },
    () => { Array.prototype.push = function () { return 'hijacked' } },
    () => { JSON.parse = () => 'hijacked' },
    () => { Math.random = () => 4 },
    () => { globalThis.shared = 1 },
    () => { Object.defineProperty(Object.prototype, 'polluted', { value: 1 }) },
    () => { Object.setPrototypeOf(Object.prototype, { polluted: 1 }) },
    () => { String.prototype.trim = () => 'hijacked' },
    () => { Symbol.iterator = 1 },
    () => { delete Array.prototype.map },
    () => { (function () {}).__proto__.call = null },
  ];
  let blocked = 0;
  for (const t of tries) { try { t() } catch (e) { blocked++ } }
  counter++;
  return blocked + '/' + tries.length + ' counter=' + counter;
}`)
	checker := mustCompile(t, `
var counter = 0;
function validate() {
  counter++;
  const leaks = [];
  if (({}).polluted !== undefined) leaks.push('Object.prototype');
  if ([].push(1) !== 1) leaks.push('Array.prototype.push');
  if (JSON.parse('1') !== 1) leaks.push('JSON.parse');
  if (typeof globalThis.shared !== 'undefined') leaks.push('global');
  if (' a '.trim() !== 'a') leaks.push('String.prototype.trim');
  if (typeof [].map !== 'function') leaks.push('Array.prototype.map');
  if (counter !== 1) leaks.push('script state');
  return leaks.length === 0 ? true : leaks.join(',');
}`)
	ctx := context.Background()
	for _, nr := range bothRunners(t) {
		for round := 0; round < 3; round++ {
			v, err := nr.r.Validate(ctx, polluter, Write{}, Context{}, nil)
			if err != nil || v.Reason != `the script returned "11/11 counter=1" instead of true` {
				t.Fatalf("%s round %d: polluter got %+v, %v", nr.name, round, v, err)
			}
			v, err = nr.r.Validate(ctx, checker, Write{}, Context{}, nil)
			if err != nil || !v.Allowed {
				t.Fatalf("%s round %d: checker found %+v, %v", nr.name, round, v, err)
			}
		}
	}
}

func TestHostileCompileErrors(t *testing.T) {
	cases := []struct {
		src  string
		want string
	}{
		{`function validate() { return /(a+)+$/.test('aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!') }`, "regular expressions are not allowed in access scripts"},
		{`function validate() { return new RegExp('(a+)+$') }`, "regular expressions are not allowed in access scripts"},
		{`function validate() { return eval('1') }`, "eval is not available"},
		{`function validate() { return Function('return 1')() }`, "the Function constructor is not available"},
		{`function validate() { return Date.now() }`, "use ctx.time"},
		{`function validate() { return new Proxy({}, {}) }`, "Proxy is not available"},
		{`function validate() { return 1n }`, "BigInt literals are not allowed"},
		{`function validate() { return require('fs') }`, "require is not available"},
		{`function validate() { var __bv_f = 1 }`, "reserved"},
		{`function validate() { debugger }`, "debugger statements are not allowed"},
		{`function validate() { with ({}) {} }`, "with"},
		{`function validate() {`, "syntax error at line 1"},
		{`function check() { return true }`, "must define function validate(write, ctx)"},
		{``, "empty"},
		{`function validate() { return 1 }` + "\u00a0", "non-ASCII character outside strings"},
		{`function validate() { return arguments.callee }; return 1`, "syntax error"},
		{`function validate() { delete x }`, "Delete of an unqualified identifier in strict mode"},
		{string([]byte{0xff, 0xfe}), "not valid UTF-8"},
	}
	for i, tc := range cases {
		_, err := Compile([]byte(tc.src))
		if err == nil || !errors.Is(err, ErrCompile) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("case %d: Compile error %v, want one containing %q", i, err, tc.want)
		}
	}
	// A 10 MB script is refused before it is parsed: the error is the size,
	// not the syntax error the parser would find.
	big := "function validate() { return true }\n" + strings.Repeat("a+(((( padding padding padding padding padding pad\n", 10<<20/50)
	_, err := Compile([]byte(big))
	if !errors.Is(err, ErrTooLarge) || !errors.Is(err, ErrCompile) || !strings.Contains(err.Error(), "the limit is 65536") || strings.Contains(err.Error(), "syntax") {
		t.Fatalf("10 MB script: %v, want ErrTooLarge", err)
	}
}

// Compiling is bounded: 32 KiB of a+a+... (seconds in goja's compiler) and
// scripts with too many syntax nodes are refused before goja compiles them,
// with a sentence saying why; the examples pass the caps with room to spare.
func TestCompileBounded(t *testing.T) {
	chain := "function validate() { return " + strings.Repeat("a+", 16000) + "a }"
	_, err := Compile([]byte(chain))
	if !errors.Is(err, ErrTooComplex) || !errors.Is(err, ErrCompile) || !strings.Contains(err.Error(), "nests more than 64 levels") {
		t.Fatalf("32 KiB chain: %v, want ErrTooComplex", err)
	}
	wide := "function validate() { var a = 1, x;\n" + strings.Repeat("x = [a, a, a, a, a, a, a, a];\n", 1000) + "return true }"
	_, err = Compile([]byte(wide))
	if !errors.Is(err, ErrTooComplex) || !strings.Contains(err.Error(), "more than 10000 syntax nodes") {
		t.Fatalf("%d nodes: %v, want ErrTooComplex", 1000*12, err)
	}
	for _, name := range []string{"pay-to-write.js", "microblog.js", "game.js"} {
		if _, err := Compile(exampleSource(t, name)); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// Compile answers from its cache for a source it has seen, errors included.
func TestCompileCached(t *testing.T) {
	src := []byte(`function validate() { return 'cached' === 'cached' }`)
	p1, err := Compile(src)
	if err != nil {
		t.Fatal(err)
	}
	p2, err := Compile(append([]byte(nil), src...))
	if err != nil || p2 != p1 {
		t.Fatalf("second Compile: %p %v, want the cached %p", p2, err, p1)
	}
	bad := []byte(`function validate() { return /x/ }`)
	_, err1 := Compile(bad)
	_, err2 := Compile(bad)
	if err1 == nil || err1 != err2 {
		t.Fatalf("cached error: %v then %v", err1, err2)
	}
}
