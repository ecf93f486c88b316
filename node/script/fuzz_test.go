package script

import (
	"context"
	"strings"
	"testing"
)

// FuzzValidateExamples throws random keys, values, signers and previous
// values at the example scripts in-process: no crash, no error from a
// ledger that never fails, every verdict decided by the script's own steps,
// a reason on every refusal, and the same verdict when run again.
func FuzzValidateExamples(f *testing.F) {
	names := []string{"pay-to-write.js", "microblog.js", "game.js"}
	progs := make([]*Program, len(names))
	for i, name := range names {
		p, err := Compile(exampleSource(f, name))
		if err != nil {
			f.Fatal(err)
		}
		progs[i] = p
	}
	for i, name := range names {
		for _, tc := range exampleCases[name] {
			f.Add(uint8(i), tc.w.Key, tc.w.Value, tc.w.Signer, tc.w.Prev, tc.w.PrevExists, tc.c.Keyspace, tc.c.Time)
		}
	}
	f.Add(uint8(1), "erik/blog/alice/\x00", []byte("\xff\xfe"), "\u202e", []byte(nil), false, "erik/blog", int64(-1))
	f.Add(uint8(2), "g/players/x", []byte(`{"x":1e308,"y":-1e308,"t":9007199254740993,"owner":"a"}`), alice, []byte(`{"x":0,"y":0,"t":0,"owner":"`+alice+`"}`), true, "g", int64(1<<62))
	r := NewInProcess()
	f.Fuzz(func(t *testing.T, which uint8, key string, value []byte, signer string, prev []byte, prevExists bool, keyspace string, now int64) {
		p := progs[int(which)%len(progs)]
		w := Write{Key: key, Value: value, Signer: signer, Prev: prev, PrevExists: prevExists}
		c := Context{Keyspace: keyspace, Owner: alice, Height: 7, Time: now, Chain: "/"}
		v, err := r.Validate(context.Background(), p, w, c, exampleLedger())
		if err != nil {
			t.Fatalf("error: %v", err)
		}
		if !v.Code.Deterministic() {
			t.Fatalf("verdict decided by a guard: %+v", v)
		}
		if !v.Allowed && strings.TrimSpace(v.Reason) == "" {
			t.Fatalf("refusal without a reason: %+v", v)
		}
		again, err := r.Validate(context.Background(), p, w, c, exampleLedger())
		if err != nil || again != v {
			t.Fatalf("second run: %+v %v, first %+v", again, err, v)
		}
	})
}

// FuzzCompile feeds random sources to the compiler: it refuses or compiles,
// never panics, and a compiled script runs to a verdict. The runner has a
// small fuel budget so that scripts that loop do not slow the fuzzer down.
func FuzzCompile(f *testing.F) {
	for _, hc := range hostileCases {
		f.Add(hc.src)
	}
	for _, name := range []string{"pay-to-write.js", "microblog.js", "game.js"} {
		f.Add(string(exampleSource(f, name)))
	}
	f.Add("function validate(w) { for (let i = 0; i < 3; i++) if (i) while (false) ; else w = (w) + `${i}` }")
	f.Add("class A { #p; q = 1 + 2; ['r' + 1]; static s = 3 } function validate() { return new A().q === 3 }")
	f.Add("function validate() { let x = { valueOf() { return 1 } }, y = 2, o = { p: x }\nx++\n--y\n(x) -= y; x **= -(y >>>= 1); o.p *= x--; o['p'] |= (y, 3); return [x, y, o.p].join() }")
	r := &inProcess{budget: 20_000}
	f.Fuzz(func(t *testing.T, src string) {
		p, err := Compile([]byte(src))
		if err != nil {
			// The splicing must meter every script goja accepts; an internal
			// failure is a bug (the script is refused, never run unmetered).
			if strings.Contains(err.Error(), "could not be metered") {
				t.Fatalf("%v\n%s", err, src)
			}
			return
		}
		v, err := r.Validate(context.Background(), p, Write{Key: "k", Value: []byte("v"), Signer: alice}, Context{}, exampleLedger())
		if err != nil {
			t.Fatalf("error: %v", err)
		}
		if !v.Allowed && v.Reason == "" {
			t.Fatalf("refusal without a reason: %+v", v)
		}
	})
}
