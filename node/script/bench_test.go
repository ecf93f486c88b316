package script

import (
	"context"
	"testing"
	"time"

	"github.com/bitverse/bitverse/internal/testutil"
	"github.com/dop251/goja"
)

// The benchmarks compare, on the same script and write:
//
//	BenchmarkPlainGoja  plain goja: a reused runtime, the program compiled
//	                    once, fresh write/ctx objects per call, no metering;
//	BenchmarkMetered    the in-process runner: instrumented, metered,
//	                    hardened runtime;
//	BenchmarkPool       the worker pool: the same plus a round trip to a
//	                    worker process per call.
//
// Each reports calls/s. "microblog" is examples/keyspaces/microblog.js on an
// accepted post; "loop" is a loop-heavy script (a checksum over a 1 KiB
// value), the worst case for metering overhead.

type benchScript struct {
	name string
	src  func(testing.TB) string
	w    Write
	c    Context
}

var benchScripts = []benchScript{
	{"microblog", func(t testing.TB) string { return string(exampleSource(t, "microblog.js")) },
		Write{Key: "erik/blog/alice/hello", Value: []byte("Hello, world! A short post."), Signer: alice},
		Context{Keyspace: "erik/blog", Owner: alice, Height: 10, Time: 1000, Chain: "/"}},
	{"loop", func(testing.TB) string {
		return `function validate(write, ctx) {
  let sum = 0;
  for (let i = 0; i < write.bytes.length; i++) { sum = (sum * 31 + write.bytes[i]) % 65521; }
  if (sum === 7) throw 'unlucky';
  return true;
}`
	}, Write{Key: "k", Value: make([]byte, 1024), Signer: alice}, Context{Keyspace: "k"}},
}

func reportRate(b *testing.B, start time.Time) {
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "calls/s")
}

// plainGoja prepares the plain-goja equivalent of one validation and
// returns a function that runs it once.
func plainGoja(b *testing.B, bs benchScript) func() {
	vm := goja.New()
	prog := goja.MustCompile("access.js", "(function () {"+bs.src(b)+"\n;return validate })", true)
	ledger := exampleLedger()
	balance := vm.ToValue(func(c goja.FunctionCall) goja.Value {
		n, _ := ledger.Balance(c.Argument(0).String())
		return vm.ToValue(float64(n))
	})
	paid := vm.ToValue(func(c goja.FunctionCall) goja.Value {
		n, _ := ledger.PaidTotal(c.Argument(0).String(), c.Argument(1).String())
		return vm.ToValue(float64(n))
	})
	ownerOf := vm.ToValue(func(c goja.FunctionCall) goja.Value {
		o, ok, _ := ledger.Owner(c.Argument(0).String())
		if !ok {
			return goja.Null()
		}
		return vm.ToValue(o)
	})
	u8, _ := goja.AssertConstructor(vm.Get("Uint8Array"))
	return func() {
		f, err := vm.RunProgram(prog)
		if err != nil {
			b.Fatal(err)
		}
		factory, _ := goja.AssertFunction(f)
		v, err := factory(goja.Undefined())
		if err != nil {
			b.Fatal(err)
		}
		validate, _ := goja.AssertFunction(v)
		w := vm.NewObject()
		w.Set("key", bs.w.Key)
		w.Set("value", string(bs.w.Value))
		bytes, _ := u8(nil, vm.ToValue(vm.NewArrayBuffer(append([]byte(nil), bs.w.Value...))))
		w.Set("bytes", bytes)
		w.Set("size", len(bs.w.Value))
		w.Set("signer", bs.w.Signer)
		w.Set("prev", goja.Null())
		w.Set("prevExists", false)
		c := vm.NewObject()
		c.Set("keyspace", bs.c.Keyspace)
		c.Set("owner", bs.c.Owner)
		c.Set("height", bs.c.Height)
		c.Set("time", bs.c.Time)
		c.Set("chain", bs.c.Chain)
		c.Set("balance", balance)
		c.Set("paid", paid)
		c.Set("ownerOf", ownerOf)
		res, err := validate(goja.Undefined(), w, c)
		if err != nil || !res.ToBoolean() {
			b.Fatalf("plain goja: %v %v", res, err)
		}
	}
}

// runnerCall returns a function that runs one validation on r.
func runnerCall(b *testing.B, r Runner, bs benchScript) func() {
	p := mustCompile(b, bs.src(b))
	ledger := exampleLedger()
	ctx := context.Background()
	return func() {
		if v, err := r.Validate(ctx, p, bs.w, bs.c, ledger); err != nil || !v.Allowed {
			b.Fatalf("%+v %v", v, err)
		}
	}
}

func BenchmarkPlainGoja(b *testing.B) {
	for _, bs := range benchScripts {
		b.Run(bs.name, func(b *testing.B) {
			call := plainGoja(b, bs)
			call()
			b.ResetTimer()
			start := time.Now()
			for i := 0; i < b.N; i++ {
				call()
			}
			reportRate(b, start)
		})
	}
}

func BenchmarkMetered(b *testing.B) {
	for _, bs := range benchScripts {
		b.Run(bs.name, func(b *testing.B) {
			benchRunner(b, NewInProcess(), bs)
		})
	}
}

func BenchmarkPool(b *testing.B) {
	for _, bs := range benchScripts {
		b.Run(bs.name, func(b *testing.B) {
			benchRunner(b, testPool(b, ""), bs)
		})
	}
}

func benchRunner(b *testing.B, r Runner, bs benchScript) {
	call := runnerCall(b, r, bs)
	call()
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		call()
	}
	reportRate(b, start)
}

// BenchmarkRatio interleaves plain goja, metered in-process and pool calls
// on the same script, so that a busy machine slows all three alike, and
// reports each rate and the ratios (the target is metered/plain ≤ 1.3).
func BenchmarkRatio(b *testing.B) {
	for _, bs := range benchScripts {
		b.Run(bs.name, func(b *testing.B) {
			calls := []func(){plainGoja(b, bs), runnerCall(b, NewInProcess(), bs), runnerCall(b, testPool(b, ""), bs)}
			var spent [3]time.Duration
			for _, c := range calls {
				c()
			}
			b.ResetTimer()
			// The plain side (the quickest) measures RatioMinTime, or
			// 100,000 calls if that comes first.
			n := 0
			for ; n < b.N || testutil.More(n, b.N, spent[0]) && n < 100_000; n++ {
				for j, c := range calls {
					start := time.Now()
					c()
					spent[j] += time.Since(start)
				}
			}
			rate := func(d time.Duration) float64 { return float64(n) / d.Seconds() }
			b.ReportMetric(rate(spent[0]), "plain-calls/s")
			b.ReportMetric(rate(spent[1]), "metered-calls/s")
			b.ReportMetric(rate(spent[2]), "pool-calls/s")
			b.ReportMetric(float64(spent[1])/float64(spent[0]), "metered/plain")
			b.ReportMetric(float64(spent[2])/float64(spent[0]), "pool/plain")
			b.ReportMetric(float64(spent[2]-spent[1])/float64(n)/1e3, "isolation-µs/call")
		})
	}
}

// BenchmarkPoolParallel measures throughput with both workers busy.
func BenchmarkPoolParallel(b *testing.B) {
	bs := benchScripts[0]
	pool := testPool(b, "")
	p := mustCompile(b, bs.src(b))
	ledger := exampleLedger()
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if v, err := pool.Validate(context.Background(), p, bs.w, bs.c, ledger); err != nil || !v.Allowed {
				b.Errorf("%+v %v", v, err)
				return
			}
		}
	})
	reportRate(b, start)
}

// BenchmarkCompile is the one-off cost of checking and instrumenting a script.
func BenchmarkCompile(b *testing.B) {
	src := exampleSource(b, "game.js")
	for i := 0; i < b.N; i++ {
		if _, err := Compile(src); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkNewSandbox is the cost of hardening a runtime, paid once per
// sandbox (a sandbox serves up to 10,000 calls).
func BenchmarkNewSandbox(b *testing.B) {
	for i := 0; i < b.N; i++ {
		if _, err := newSandbox(); err != nil {
			b.Fatal(err)
		}
	}
}
