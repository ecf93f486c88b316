package script

import (
	"fmt"
	"testing"
)

func TestScratchDbg(t *testing.T) {
	for _, s := range []string{
		`label: { if (true) break label; return 'no' } return 'yes'`,
		`for (var i = 0; i < 2; i++) function_name: { continue } return i`,
		`return new.target === undefined ? 'plain call' : 'constructed'`,
		`let s = 0; for (const x of [1, 2, 3]) if (x === 2) continue; else s += x; return s`,
		`return void 0 + '' + typeof undefined + (null ?? 'n') + (0 || 'o') + (1 && 'a')`,
		`let c = 0; const o = { f() { return ++c } }; o?.f(); o.g?.(); return c + (o?.x?.y ?? 'none')`,
		`var \u0061bc = 1; return abc + 1`,
	} {
		func() {
			defer func() {
				if r := recover(); r != nil {
					fmt.Println("PANIC", s, r)
				}
			}()
			_, err := Compile([]byte("function validate(write, ctx) {" + s + "\n}"))
			fmt.Println(s, "->", err)
		}()
	}
}
