package script

import (
	"fmt"
	"testing"
)

func TestScratchInstrument(t *testing.T) {
	for _, src := range []string{
		`function validate(w, c) { let s = 'a' + w.key + (c.x) + 1; for (let i = 0; i < 3; i++) s += i; while (s.length < 10) s = s + 'x'; return true }`,
		`const validate = (w) => (w.key) + 'x' === 'y'; if (1) for (;;) break; else x();`,
		"function validate(){ var a = `x${1}y${2}`; do a += 'b'; while (a.length < 4); for (const k in {a:1}) ; for (const v of [1,2]) { v } return (a) + (b) }",
		`function validate(){ label: for (;;) { continue label } }`,
		`class A { static x = 1 + y; static { z = 2 } m() { return this.q + 1 } get g() { return 2 } } function validate(){ return async function(){ await 1 + 2 } }`,
		`function validate(){ x = ((a)) + ((b)); y = (a, b) + c; z = typeof a + b; w = a++ + ++b; return f((a) + b, c) }`,
		`function validate(){ if (a) while (b) c(); else d(); return }`,
		`function validate(){ var f = x => ({a: x + 1}); var g = async (x) => x; var h = function*(){ yield a + b } }`,
	} {
		p, err := Compile([]byte(src))
		if err != nil {
			fmt.Println("ERR", err)
			continue
		}
		fmt.Println(p.source)
	}
}
