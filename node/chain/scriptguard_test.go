package chain

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/bitverse/bitverse/node/consensus"
	"github.com/bitverse/bitverse/node/script"
	"github.com/bitverse/bitverse/node/state"
	"github.com/bitverse/bitverse/node/wire"
)

// busyScript allows every write after a loop that uses most of the fuel
// budget: 34–120 ms here, which the default guard (1 s) always lets
// finish. Under -race, ten times fewer rounds take as long.
var busyScript = fmt.Sprintf(`function validate(w) { let a = []; for (let i = 0; i < %d; i++) a = [a]; return a.length === 1 }`, busyRounds())

func busyRounds() int {
	if raceEnabled {
		return 4000
	}
	return 40000
}

// A block whose script hits the wall-clock guard is not a verdict: the
// reorganization towards it stops, the node goes back to its old, heavier
// tip (not the fork point), the block is not marked invalid, and it
// connects once the script can run.
func TestScriptGuardNeverLowersTip(t *testing.T) {
	fx := newFixture(t, nil)
	fx.mine(fx.alice.PubKey(), fx.buy(fx.alice, "erik", busyScript, -1))
	fork := uint64(len(fx.blocks))
	fy := fx.forkAt(fork)
	fx.mine(fx.alice.PubKey(), fx.transfer(fx.alice, fx.carol.PubKey(), wire.Unit, -1))
	fx.mine(fx.alice.PubKey())
	oldTip := fx.c.Tip()

	fy.mine(fy.bob.PubKey(), fy.put(fy.alice, "erik/x", "hello", -1))
	for i := 0; i < 2; i++ {
		fy.mine(fy.bob.PubKey())
	}

	// fx's node cannot run the script to a verdict: its guard fires on
	// every run. (A real 1 ms guard did not always fire: the guard reads
	// thread CPU time, looks again 20 ms later on a busy machine, and this
	// script can finish in 34 ms; when it hit the guard is node/script's
	// to test, what the chain does then is this test's.)
	slow := state.NewScripts(guardAlwaysFires{})
	fx.c = openChainWith(t, fx, slow)
	if fx.c.Tip().ID != oldTip.ID {
		t.Fatalf("reopened at %s, want %s", fx.c.Tip().ID.Short(), oldTip.ID.Short())
	}
	for _, b := range fy.blocks[fork:] {
		_, err := fx.c.ProcessBlock(copyBlock(b))
		if err != nil && !errors.Is(err, state.ErrScriptUnavailable) {
			t.Fatalf("block %d: %v", b.Header.Height, err)
		}
		if tip := fx.c.Tip(); tip.ID != oldTip.ID {
			t.Fatalf("after block %d the tip is %s at height %d, want the old tip %s at %d", b.Header.Height, tip.ID.Short(), tip.Height, oldTip.ID.Short(), oldTip.Height)
		}
	}
	if _, err := fx.c.ProcessBlock(copyBlock(fy.blocks[fork])); consensus.CodeOf(err) != 0 {
		t.Fatalf("the block was marked invalid: %v", err)
	}

	// With room to run, the next block brings the heavier branch in.
	slow.Runner = script.NewInProcess()
	fy.mine(fy.bob.PubKey())
	fx.feed(fy.blocks[len(fy.blocks)-1])
	if fx.c.Tip().ID != fy.c.Tip().ID {
		t.Fatalf("tip %s, want the heavier branch %s", fx.c.Tip().ID.Short(), fy.c.Tip().ID.Short())
	}
	if rec, _ := fx.kv("erik/x"); rec == nil || string(rec.Value) != "hello" {
		t.Fatalf("erik/x = %+v, want hello", rec)
	}
}

// guardAlwaysFires answers every script as the in-process runner does
// when its wall-clock guard interrupts it: no verdict.
type guardAlwaysFires struct{}

func (guardAlwaysFires) Validate(context.Context, *script.Program, script.Write, script.Context, script.Ledger) (script.Verdict, error) {
	return script.Verdict{Code: script.CodeTooSlow, Reason: "the script took too long (over 1ms)"}, nil
}

func openChainWith(t *testing.T, fx *fixture, scripts *state.Scripts) *Chain {
	t.Helper()
	c, err := New(Config{Params: fx.p, DB: fx.db, Now: fx.clk.Now, Scripts: scripts})
	if err != nil {
		t.Fatal(err)
	}
	return c
}
