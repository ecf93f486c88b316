package script

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"
)

func TestScratchRun(t *testing.T) {
	st := time.Now()
	sb, err := newSandbox()
	if err != nil {
		t.Fatal(err)
	}
	fmt.Println("sandbox", time.Since(st), "frozen", sb.h.frozen)
	r := NewInProcess()
	srcs := []string{
		`function validate(w, c) { return w.key === 'a' }`,
		`function validate(w, c) { if (w.value.length > 3) throw new Error('too long: ' + w.value.length); return true }`,
		`function validate(w, c) { while (true) {} }`,
		`function validate(w, c) { function f() { return f() } return f() }`,
		`function validate(w, c) { return 'x'.repeat(2**40) }`,
		`function validate(w, c) { new Array(5e7).fill(0) }`,
		`function validate(w, c) { var a = []; a.length = 5e7; a.fill(0) }`,
		`function validate(w, c) { throw 42 }`,
		`function validate(w, c) { throw {code: 3, why: "taken"} }`,
		`function validate(w, c) { throw null }`,
		`function validate(w, c) { throw Symbol('x') }`,
		`function validate(w, c) { throw undefined }`,
		`function validate(w, c) { Object.prototype.x = 1; return true }`,
		`function validate(w, c) { try { Object.prototype.x = 1 } catch (e) {} return ({}).x === undefined }`,
		`function validate(w, c) { return (function(){}).constructor('return this')() }`,
		`function validate(w, c) { return Object.keys(globalThis).join(',') }`,
		`function validate(w, c) { return Object.getOwnPropertyNames(globalThis).join(',') }`,
		`function validate(w, c) { return 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!'.match('(a+)+$') }`,
		`function validate(w, c) { return [Math.random(), Math.random()].join() }`,
		`function validate(w, c) { let s = 'x'; for (;;) s += s; }`,
		`function validate(w, c) { var a = [1]; a[1e9] = 2; return [...a].length }`,
		`function validate(w, c) { var a = []; for (var i = 0; i < 100000; i++) a = [a]; return String(a) }`,
		`function validate(w, c) { var a = []; for (var i = 0; i < 100000; i++) a = [a]; return JSON.stringify(a) }`,
		`function validate(w, c) { return JSON.stringify({a: [1, 'x', null, true, {b: 2}], c: undefined}, null, 2) }`,
		`function validate(w, c) { return c.balance(w.signer) + ' ' + c.ownerOf('x') + ' ' + typeof c.balance + c.balance.name + String(c.balance) }`,
		`function validate(w, c) { return String(Array) + String([].join) + Array.name }`,
		`async function validate(w, c) { return true }`,
		`function validate(w, c) { return 'a,b,c'.split(',').map(x => x + '!').join('') + 'abcabc'.replaceAll('b', '$&$&') }`,
	}
	for _, src := range srcs {
		if f := os.Getenv("ONLY"); f != "" && f != src[:10] {
			continue
		}
		p, err := Compile([]byte(src))
		if err != nil {
			fmt.Println("COMPILE ERR", err)
			continue
		}
		st := time.Now()
		v, err := r.Validate(context.Background(), p, Write{Key: "a", Value: []byte("hello"), Signer: "bvd1qqq"}, Context{Keyspace: "ks", Time: 1000}, nil)
		fmt.Printf("%-70.70s -> %+v err=%v (%v)\n", src, v, err, time.Since(st))
	}
}
