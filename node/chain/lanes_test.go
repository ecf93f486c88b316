package chain

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/bitverse/bitverse/node/script"
	"github.com/bitverse/bitverse/node/state"
)

// countingRunner runs scripts in process and counts the calls.
type countingRunner struct {
	script.Runner
	calls atomic.Int64
}

func (r *countingRunner) Validate(ctx context.Context, p *script.Program, w script.Write, c script.Context, l script.Ledger) (script.Verdict, error) {
	r.calls.Add(1)
	return r.Runner.Validate(ctx, p, w, c, l)
}

// Block validation (templates and connecting blocks) runs scripts on the
// chain's Scripts, admission checks (CheckAccess) on AdmissionScripts: the
// two lanes of the node's worker pool.
func TestScriptLanes(t *testing.T) {
	fx := newFixture(t, nil)
	fx.mine(fx.alice.PubKey(), fx.buy(fx.alice, "erik", `function validate(w) { return w.value !== 'no' }`, -1))
	blocks := &countingRunner{Runner: script.NewInProcess()}
	admission := &countingRunner{Runner: script.NewInProcess()}
	scripts := state.NewScripts(blocks)
	c, err := New(Config{Params: fx.p, DB: fx.db, Now: fx.clk.Now, Scripts: scripts, AdmissionScripts: scripts.WithRunner(admission)})
	if err != nil {
		t.Fatal(err)
	}
	fx.c = c
	counts := func() [2]int64 { return [2]int64{blocks.calls.Load(), admission.calls.Load()} }

	put := fx.put(fx.alice, "erik/x", "hello", -1)
	if err := c.CheckAccess(put); err != nil {
		t.Fatal(err)
	}
	if got := counts(); got != [2]int64{0, 1} {
		t.Fatalf("after CheckAccess: %d block and %d admission runs, want 0 and 1", got[0], got[1])
	}
	b := fx.template(put)
	if got := counts(); got != [2]int64{1, 1} {
		t.Fatalf("after a template: %d block and %d admission runs, want 1 and 1", got[0], got[1])
	}
	if res, err := c.ProcessBlock(b); err != nil || res != Connected {
		t.Fatalf("block: %v, %v", res, err)
	}
	if got := counts(); got != [2]int64{2, 1} {
		t.Fatalf("after connecting: %d block and %d admission runs, want 2 and 1", got[0], got[1])
	}
	if rec, _ := fx.kv("erik/x"); rec == nil || string(rec.Value) != "hello" {
		t.Fatalf("erik/x = %+v, want hello", rec)
	}
	// Without AdmissionScripts, admission uses Scripts.
	c2, err := New(Config{Params: fx.p, DB: fx.db, Now: fx.clk.Now, Scripts: scripts})
	if err != nil {
		t.Fatal(err)
	}
	if err := c2.CheckAccess(fx.put(fx.alice, "erik/y", "no", -1)); err == nil {
		t.Fatal("a refused write passed CheckAccess")
	}
	if got := counts(); got != [2]int64{3, 1} {
		t.Fatalf("without AdmissionScripts: %d block and %d admission runs, want 3 and 1", got[0], got[1])
	}
}
