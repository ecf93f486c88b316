package script

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"testing"
)

// determinismCase is one script and write whose verdict must come out the
// same, fuel included, on every run.
type determinismCase struct {
	name string
	p    *Program
	w    Write
	c    Context
	l    Ledger
}

func determinismCases(t *testing.T) []determinismCase {
	var out []determinismCase
	for _, hc := range hostileCases {
		if hc.src == "" {
			continue
		}
		out = append(out, determinismCase{name: hc.name, p: mustCompile(t, hc.src),
			w: Write{Key: "k", Value: []byte("v"), Signer: alice}, c: Context{Keyspace: "k", Time: 1},
			l: &stubLedger{balances: map[string]uint64{alice: 7}}})
	}
	out = append(out, determinismCase{name: "host probe", p: mustCompile(t, hostProbe), w: Write{Key: "k"}})
	out = append(out, determinismCase{name: "random", p: mustCompile(t,
		`function validate(w) { let s = 0; for (let i = 0; i < 1000; i++) s += Math.random(); throw s }`),
		w: Write{Key: "seeded", Value: []byte("by the write")}})
	for name, cases := range exampleCases {
		p, err := Compile(exampleSource(t, name))
		if err != nil {
			t.Fatal(err)
		}
		for i, tc := range cases {
			out = append(out, determinismCase{name: fmt.Sprintf("%s case %d", name, i), p: p, w: tc.w, c: tc.c, l: exampleLedger()})
		}
	}
	return out
}

// heavyFuel separates the cases the fast suite runs once from those it
// runs everywhere: a case that burns this much fuel takes tens of
// milliseconds, and under load far more.
const heavyFuel = FuelPerWrite / 10

// determinismConfig is one way of running a case: in-process or in a
// worker, under GOMAXPROCS 1 or 2.
type determinismConfig struct {
	name    string
	inProc  bool
	procs   int    // in-process GOMAXPROCS
	poolEnv string // worker GOMAXPROCS
}

var determinismConfigs = []determinismConfig{
	{name: "in-process GOMAXPROCS=1", inProc: true, procs: 1},
	{name: "in-process GOMAXPROCS=2", inProc: true, procs: 2},
	{name: "worker GOMAXPROCS=1", poolEnv: "1"},
	{name: "worker GOMAXPROCS=2", poolEnv: "2"},
}

// determinismPlan says how often case i (whose reference verdict is ref)
// runs in config k. The long suite runs every case 100 times (10 with
// -short) in every config. The fast suite runs every light case twice in
// every config (so a reused runner is compared with a fresh one, and every
// config sees every light case) and every heavy case once, in the config
// i mod 4 (so each config still sees heavy cases, and TestHostileBattery
// compares in-process and worker verdicts of all of them).
func determinismPlan(i, k int, ref Verdict) int {
	if longSuite {
		if testing.Short() {
			return 10
		}
		return 100
	}
	if ref.Fuel < heavyFuel && ref.Code.Deterministic() {
		return 2
	}
	if i%len(determinismConfigs) == k {
		return 1
	}
	return 0
}

// TestDeterminism runs every battery script and example case in-process
// under GOMAXPROCS=1 and 2, and in workers started with GOMAXPROCS=1 and 2
// (how often: determinismPlan), and requires one verdict and one fuel
// figure, equal to that of a fresh runner.
func TestDeterminism(t *testing.T) {
	if raceEnabled {
		t.Skip("timing-sensitive: the race detector slows scripts past the guard")
	}
	cases := determinismCases(t)
	ctx := context.Background()
	// The reference verdicts come from a fresh runner per case: whatever a
	// previous script did must not change the next one's verdict or fuel.
	// A guard verdict is no reference: it is tried again.
	want := make([]Verdict, len(cases))
	for i, dc := range cases {
		for try := 0; try < 3; try++ {
			v, err := NewInProcess().Validate(ctx, dc.p, dc.w, dc.c, dc.l)
			if err != nil {
				t.Fatalf("%s: %v", dc.name, err)
			}
			want[i] = v
			if v.Code.Deterministic() {
				break
			}
		}
	}
	inProc := NewInProcess()
	// A guard verdict (the wall clock, memory, a crash) is by design not a
	// consensus verdict: the chain treats it as "no verdict yet". On a
	// loaded machine a fuel-heavy script can reach the 1 s wall clock
	// first. Such runs are counted, not compared, and must stay rare; every
	// deterministic verdict must equal the reference exactly.
	var guarded, total int
	defer func() {
		t.Logf("%d of %d runs hit a guard instead of giving a verdict", guarded, total)
		if guarded*20 > total {
			t.Errorf("%d of %d runs hit a guard: more than 5%%", guarded, total)
		}
	}()
	check := func(config string, i int, v Verdict, err error) {
		total++
		if err == nil && !v.Code.Deterministic() && want[i].Code.Deterministic() {
			guarded++
			t.Logf("%s %s: guard verdict %q (machine under load?)", config, cases[i].name, v.Reason)
			return
		}
		if err != nil {
			t.Errorf("%s %s: %v", config, cases[i].name, err)
		} else if v != want[i] {
			t.Errorf("%s %s: %+v, want %+v", config, cases[i].name, v, want[i])
		}
	}

	var wg sync.WaitGroup
	var mu sync.Mutex
	for k, cfg := range determinismConfigs {
		if cfg.inProc {
			old := runtime.GOMAXPROCS(cfg.procs)
			for i, dc := range cases {
				for run := 0; run < determinismPlan(i, k, want[i]); run++ {
					v, err := inProc.Validate(ctx, dc.p, dc.w, dc.c, dc.l)
					check(fmt.Sprintf("%s run %d", cfg.name, run), i, v, err)
				}
			}
			runtime.GOMAXPROCS(old)
			continue
		}
		pool := testPool(t, cfg.poolEnv)
		for worker := 0; worker < 2; worker++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i, dc := range cases {
					for run := worker; run < determinismPlan(i, k, want[i]); run += 2 {
						v, err := pool.Validate(ctx, dc.p, dc.w, dc.c, dc.l)
						mu.Lock()
						check(fmt.Sprintf("%s run %d", cfg.name, run), i, v, err)
						mu.Unlock()
					}
				}
			}()
		}
	}
	wg.Wait()
}
