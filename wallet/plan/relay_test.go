package plan_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/bitverse/bitverse/node/harness"
	"github.com/bitverse/bitverse/node/wire"
	"github.com/bitverse/bitverse/wallet/plan"
)

// TestRelayIntents registers a second key as a relay on a lone node, runs a
// one-hop bounty through its lineup with the intents, and checks each
// intent's refusals before signing: stake and caps of a register, a leave
// while drawn or unregistered, hops above the maximum, a commit without its
// result, a countersign by the wrong key or too early, a miss inside the
// window or of a countersigned slot.
func TestRelayIntents(t *testing.T) {
	n, pl := setup(t)
	ctx := context.Background()
	p := n.Params()
	me := n.Key.PubKey()
	rk := harness.KeyFor("relay")
	relay := rk.PubKey()
	stranger := harness.KeyFor("stranger").PubKey()
	height := func() uint64 {
		st, err := n.Status(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return st.Height
	}
	doAs := func(k wire.PrivKey, in plan.Intent) *plan.Plan {
		t.Helper()
		got, err := pl.Plan(ctx, k.PubKey(), in, plan.Options{})
		if err != nil {
			t.Fatalf("%T: %v", in, err)
		}
		if err := got.Refused(); err != nil {
			t.Fatalf("%T: %v", in, err)
		}
		if err := got.Sign(func(tx *wire.Tx) error { tx.Sign(p.Net, k); return nil }); err != nil {
			t.Fatal(err)
		}
		if _, err := got.Submit(ctx, n); err != nil {
			t.Fatalf("%T: %v", in, err)
		}
		n.Mine(1)
		return got
	}
	do := func(in plan.Intent) *plan.Plan { t.Helper(); return doAs(n.Key, in) }
	refuse := func(from wire.PubKey, in plan.Intent, words string) {
		t.Helper()
		_, err := pl.Plan(ctx, from, in, plan.Options{})
		if !errors.Is(err, plan.ErrBadIntent) || !strings.Contains(err.Error(), words) {
			t.Fatalf("%T: %v; want a refusal saying %q", in, err, words)
		}
	}

	do(plan.Send{To: relay, Amount: 10 * wire.Unit})
	refuse(relay, plan.RelayLeave{}, "not a registered relay")
	refuse(relay, plan.RelayRegister{Stake: p.RelayMinStake - 1, Caps: 1}, "at least")
	refuse(relay, plan.RelayRegister{Stake: p.RelayMinStake, Caps: 2}, "reserved bits")
	rp := doAs(rk, plan.RelayRegister{Stake: p.RelayMinStake, Caps: wire.RelayCapRecompute})
	if !strings.Contains(rp.Main().What, "register as a relay") || rp.Cost != p.RelayMinStake {
		t.Fatalf("register plan: cost %d, %q", rp.Cost, rp.Main().What)
	}
	if up, err := pl.Plan(ctx, relay, plan.RelayRegister{Fee: 5, Caps: 1}, plan.Options{}); err != nil || !strings.Contains(up.Main().What, "update") {
		t.Fatalf("update plan: %v", err)
	}

	refuse(me, plan.Bounty{Amount: 4 * wire.Unit, Hops: p.MaxHops + 1, Deadline: height() + 40}, "at most")
	bp := do(plan.Bounty{Request: wire.Sum([]byte("req")), Amount: 4 * wire.Unit, Hops: 1, Deadline: height() + 40, Worker: me})
	if !strings.Contains(bp.Main().What, "relays drawn") {
		t.Fatalf("bounty preview %q", bp.Main().What)
	}
	id := bp.Main().Tx.ID()
	n.Mine(1)
	bi, err := n.Bounty(ctx, id)
	if err != nil || len(bi.Lineup) != 1 || bi.Lineup[0].Relay != wire.EncodeAddress(p.Net, relay) || bi.Lineup[0].State != "drawn" {
		t.Fatalf("lineup of the only relay: %+v, %v", bi, err)
	}
	refuse(relay, plan.RelayLeave{}, "slot(s)")
	do(plan.Accept{Bounty: id})
	result := wire.Sum([]byte("result"))
	refuse(me, plan.Commit{Bounty: id, Envelope: wire.Sum([]byte("e"))}, "result hash")
	cs := plan.Countersign{Bounty: id, Slot: 0, Result: result, Envelope: wire.Sum([]byte("cs"))}
	refuse(relay, cs, "once the worker has committed")
	do(plan.Commit{Bounty: id, Envelope: wire.Sum([]byte("e")), Result: result})
	refuse(me, cs, "drawn for")
	refuse(me, plan.Settle{Bounty: id}, "has not countersigned")
	refuse(me, plan.Refund{Bounty: id}, "from its deadline")
	if dp, err := pl.Plan(ctx, me, plan.Dispute{Bounty: id}, plan.Options{}); err != nil || dp.Refused() != nil || !strings.Contains(dp.Main().What, "jury") {
		t.Fatalf("dispute of a relayed bounty: %v, %+v", err, dp)
	}
	refuse(relay, plan.Countersign{Bounty: id, Slot: 0}, "zero")
	refuse(stranger, plan.RelayMiss{Bounty: id, Slot: 0}, "has until block")
	doAs(rk, cs)
	refuse(stranger, plan.RelayMiss{Bounty: id, Slot: 0}, "no drawn relay waiting")
	do(plan.Settle{Bounty: id})
	rec, err := n.Relay(ctx, wire.EncodeAddress(p.Net, relay))
	if err != nil || rec.Active != 0 || rec.Reputation.Relayed != 1 {
		t.Fatalf("relay after the settle: %+v, %v", rec, err)
	}
	lp := doAs(rk, plan.RelayLeave{})
	if !strings.Contains(lp.Main().What, "comes back") {
		t.Fatalf("leave preview %q", lp.Main().What)
	}
}
