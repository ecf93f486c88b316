package script

import (
	"context"
	"testing"
)

// loadCases are the battery's scripts that run longest: whole fuel budgets
// of loops, promise jobs and generators. The fast suite runs these under
// load; make test-long runs the whole battery.
var loadCases = []string{"infinite loop", "generator loop"}

// TestVerdictsUnderLoad runs the hostile battery on both runners on a quiet
// machine, then again while two busy processes load it: every verdict, fuel
// included, must equal its quiet reference. The guards count CPU time, and
// fuel ends every script long before a guard would.
func TestVerdictsUnderLoad(t *testing.T) {
	if raceEnabled {
		t.Skip("timing-sensitive: the race detector slows scripts past the guard")
	}
	var cases []hostileCase
	for _, hc := range hostileCases {
		if hc.src == "" {
			continue
		}
		for _, name := range loadCases {
			if longSuite || hc.name == name {
				cases = append(cases, hc)
				break
			}
		}
	}
	ledger := &stubLedger{balances: map[string]uint64{alice: 7}}
	w, c := Write{Key: "k", Value: []byte("v"), Signer: alice}, Context{Keyspace: "k", Time: 1}
	run := func() [][]Verdict {
		var out [][]Verdict
		for _, nr := range bothRunners(t) {
			var vs []Verdict
			for _, hc := range cases {
				v, err := nr.r.Validate(context.Background(), mustCompile(t, hc.src), w, c, ledger)
				if err != nil {
					t.Fatalf("%s %s: %v", nr.name, hc.name, err)
				}
				vs = append(vs, v)
			}
			out = append(out, vs)
		}
		return out
	}
	quiet := run()
	startBusy(t, 2)
	loaded := run()
	for r, nr := range bothRunners(t) {
		for i, hc := range cases {
			if !quiet[r][i].Code.Deterministic() {
				t.Errorf("%s %s: the quiet reference is a guard verdict: %+v", nr.name, hc.name, quiet[r][i])
			}
			if loaded[r][i] != quiet[r][i] {
				t.Errorf("%s %s under load: %+v, quiet: %+v", nr.name, hc.name, loaded[r][i], quiet[r][i])
			}
		}
	}
}
