package script

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
)

// BenchmarkFuelCalibration runs scripts built to get the most time out of
// each unit of fuel, each to the end of its budget (or to a cap), and
// reports ns/fuel. Fuel prices (limits.go) are set so that the slowest case
// stays within 10x of the median case, which keeps a full budget well under
// the wall-clock guard. The cases at the end convert or compare long
// strings (operands.go), on variables and on properties (updates.go).
var calibrationScripts = []string{
	`for (;;) {}`,
	`var x = 0; for (;;) { x = x + 1 }`,
	`var a = []; for (;;) { a = [a] }`,
	`var o = {}; for (;;) { o = {p: o, q: 1} }`,
	`var a = [1]; a[1e9] = 2; [...a]`,
	`var a = Array(100000).fill(1); for (;;) { for (const x of a) {} }`,
	`function f() {} for (;;) f()`,
	`for (;;) { try { throw new Error('x') } catch (e) {} }`,
	`function r(n) { if (n) r(n - 1); else try { throw new Error('x') } catch (e) {} } for (;;) r(200)`,
	`var s = 'x'; for (;;) { s = s + 'x'; if (s.length > 200000) s = 'x' }`,
	`var a = 'x'.repeat(200000) + 'a', b = 'x'.repeat(200000) + 'b'; for (;;) a === b`,
	`var a = '\u1234'.repeat(200000) + 'a', b = '\u1234'.repeat(200000) + 'b'; for (;;) a < b`,
	`var s = '1'.repeat(200000); for (;;) +s`,
	`var s = 'x'.repeat(200000), m = new Map(); for (;;) m.get(s)`,
	`var s = 'x'.repeat(200000), o = {}; for (;;) o[s]`,
	`var j = JSON.stringify(Array(20000).fill({a: 1, b: 'xx'})); for (;;) JSON.parse(j)`,
	`var v = Array(20000).fill({a: 1, b: 'xx'}); for (;;) JSON.stringify(v)`,
	`var s = 'ab'.repeat(100000); for (;;) s.split('')`,
	`var a = Array(100000).fill(0).map((_, i) => i); for (;;) a.slice().sort()`,
	`var a = Array(100000).fill(0); for (;;) a.indexOf(1)`,
	`var s = 'x'.repeat(200000); for (;;) s.toUpperCase()`,
	`var s = '\u00e9'.repeat(200000); for (;;) s.normalize('NFD')`,
	`var o = {}; for (var i = 0; i < 50000; i++) o['k' + i] = i; for (;;) Object.keys(o)`,
	`var p = {}; for (var i = 0; i < 60; i++) p = Object.create(p); for (;;) p.missing`,
	`var p = {}; for (;;) { function F() {} F.prototype = p; p = new F() }`,
	`var u = new Uint8Array(1 << 20); for (;;) u.join()`,
	`var u = new Uint8Array(1 << 20); for (;;) u.slice().sort()`,
	`for (;;) new Uint8Array(1 << 20)`,
	`var a = Array(100000).fill('x'); for (;;) a.join('')`,
	`for (;;) { (function () { return arguments })(1,2,3,4,5,6,7,8) }`,
	`var s = 'x'.repeat(200000); for (;;) s.replaceAll('x', 'y')`,
	`var s = 'xy'.repeat(100000); for (;;) s.indexOf('yx', 1)`,
	`for (;;) { class A { constructor() { this.x = 1 } m() {} } new A() }`,
	`var a = Array(1000).fill(0); for (;;) a.map(x => x + 1)`,
	`var s = new Set(); for (var i = 0; ; i++) s.add(i)`,
	`var a = []; for (var i = 0; ; i++) a.push({i})`,
	`for (;;) Math.random()`,
	`var t = 'x'.repeat(100); for (;;) t + t`,
	`for (;;) [1,2,3,4,5,6,7,8,9,10].concat([1,2,3])`,
	`var a = Array(100000).fill(1); for (;;) a.reduce((x, y) => x + y, 0)`,
	`for (;;) encodeURIComponent('\u1234'.repeat(10000))`,
	`(async () => { for (;;) await null })()`,
	`Promise.resolve().then(function f() { return Promise.resolve().then(f) })`,
	`function* g() { for (;;) yield 1 } for (const x of g()) {}`,
	`for (;;) { try { null.x } catch (e) {} }`,
	// Operators and built-ins that convert or compare long strings.
	`var s = '1'.repeat(200000); for (;;) s * 1`,
	`var o = new String('1'.repeat(200000)); for (;;) +o`,
	`var s = '1'.repeat(200000), o = { valueOf() { return s } }; for (;;) o * 1`,
	`var s = '1'.repeat(200000), x; for (;;) { x = s; x++ }`,
	`var s = '1'.repeat(200000), x; for (;;) { x = s; x -= 1 }`,
	`var a = 'x'.repeat(200000) + 'a', b = 'x'.repeat(200000) + 'b'; for (;;) switch (a) { case b: }`,
	`var s = 'x'.repeat(200000); for (;;) ({[s]: 1})`,
	`var s = '1'.repeat(200000); for (;;) s == 1`,
	`var s = 'x'.repeat(200000) + 'a', t = 'x'.repeat(200000) + 'b', a = []; for (var i = 0; i < 1000; i++) a.push(i % 2 ? s : t); for (;;) a.slice().sort()`,
	`var t = 'x'.repeat(200000), a = Array(1000).fill('x'.repeat(199999) + 'y'); for (;;) a.indexOf(t)`,
	`var s = 'xy'.repeat(100000); for (;;) s.split('y', 10)`,
	`var s = '1'.repeat(200000), o = {}; for (;;) { o.p = s; o.p++ }`,
	`var s = '1'.repeat(200000), a = [0], i = 0; for (;;) { a[i] = s; a[i] -= 1 }`,
	`var s = '1'.repeat(200000), o = { get p() { return s }, set p(v) {} }; for (;;) o.p *= 1`,
	`var s = '1'.repeat(200000), o = Object.freeze({ p: s }); for (;;) try { --o.p } catch (e) {}`,
	`var o = { n: 0 }; for (;;) o.n++`,
	`var o = {}, k = 'k'; for (;;) o[k] |= 1`,
	// Updates of variables and properties that hold objects converting to
	// long strings (updates.go, __bv_p in operands.go).
	`var s = '1'.repeat(200000), o = { valueOf() { return s } }, x; for (;;) { x = o; x++ }`,
	`var s = '1'.repeat(200000), o = { toString() { return s } }, x; for (;;) { x = o; --x }`,
	`var s = '1'.repeat(200000), o = { valueOf() { return s } }, x; for (;;) { x = o; x -= 1 }`,
	`var s = '1'.repeat(200000), o = { [Symbol.toPrimitive]() { return s } }, x; for (;;) { x = o; x **= 1 }`,
	`var s = '1'.repeat(200000), o = { valueOf() { return s } }, p = {}; for (;;) { p.q = o; p.q++ }`,
	`var s = '1'.repeat(200000), o = { valueOf() { return s } }, a = [0], i = 0; for (;;) { a[i] = o; a[i] *= 1 }`,
	`var s = '1'.repeat(200000), o = { valueOf() { return s } }, p = { get q() { return o }, set q(v) {} }; for (;;) p.q--`,
	`var x = 0; for (;;) x++`,
	`var x = 5; for (;;) x -= 1`,
	// Objects with a cheap valueOf: the stand-in __bv_n makes for each.
	`var o = { valueOf() { return 1 } }; for (;;) o * 1`,
	`var o = { valueOf() { return 1 } }, a = { p: 0 }; for (;;) { a.p = o; a.p -= o }`,
}

// BenchmarkFuelCalibrationGaps runs only the cases from the comment
// "Operators and built-ins that convert..." on: the forms that were once
// charged too little for their work (operators converting long strings,
// directly, through objects, in updates), with two plain cases for scale.
// Sub-benchmarks keep their index in calibrationScripts.
func BenchmarkFuelCalibration(b *testing.B) { calibrate(b, func(int) bool { return true }) }

func BenchmarkFuelCalibrationGaps(b *testing.B) {
	calibrate(b, func(i int) bool { return i == 1 || i == 6 || i >= firstGapCase })
}

// firstGapCase is the index of `var s = '1'.repeat(200000); for (;;) s * 1`.
const firstGapCase = 45

func calibrate(b *testing.B, include func(int) bool) {
	if !strings.HasPrefix(calibrationScripts[firstGapCase], "var s = '1'.repeat(200000); for (;;) s * 1") {
		b.Fatal("firstGapCase does not name the first operator case")
	}
	r := newInProcess()
	for i, body := range calibrationScripts {
		if !include(i) {
			continue
		}
		p, err := Compile([]byte("function validate(w, c) { " + body + " }"))
		if err != nil {
			b.Fatalf("%d: %v", i, err)
		}
		b.Run(fmt.Sprintf("%02d", i), func(b *testing.B) {
			var fuel uint64
			var code Code
			var elapsed time.Duration
			for n := 0; n < b.N; n++ {
				// Hardening a runtime is paid per sandbox, not per unit of
				// fuel: a ready one waits for every call.
				b.StopTimer()
				sb, err := newSandbox()
				if err != nil {
					b.Fatal(err)
				}
				r.put(sb)
				b.StartTimer()
				start := time.Now()
				v, err := r.Validate(context.Background(), p, Write{}, Context{}, nil)
				elapsed += time.Since(start)
				if err != nil {
					b.Fatal(err)
				}
				fuel += v.Fuel
				code = max(code, v.Code)
			}
			b.ReportMetric(float64(elapsed.Nanoseconds())/float64(max(fuel, 1)), "ns/fuel")
			b.ReportMetric(float64(elapsed.Milliseconds())/float64(b.N), "ms/call")
			b.ReportMetric(float64(fuel)/float64(b.N), "fuel/call")
			b.ReportMetric(float64(code), "code")
		})
	}
}
