package plan_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/bitverse/bitverse/node"
	"github.com/bitverse/bitverse/node/harness"
	"github.com/bitverse/bitverse/node/wire"
	"github.com/bitverse/bitverse/wallet/plan"
)

// TestMarketIntents plans a bounty through its life on a lone node that
// serves itself (requester and worker are one key), checking the
// pre-checks' refusals, the defaults (minimum stake, longest promise), the
// previews of what moves, and the node's verdict.
func TestMarketIntents(t *testing.T) {
	n, pl := setup(t)
	ctx := context.Background()
	p := n.Params()
	me := n.Key.PubKey()
	stranger := harness.KeyFor("stranger").PubKey()
	height := func() uint64 {
		st, err := n.Status(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return st.Height
	}
	do := func(in plan.Intent) *plan.Plan {
		t.Helper()
		got, err := pl.Plan(ctx, me, in, plan.Options{})
		if err != nil {
			t.Fatalf("%T: %v", in, err)
		}
		if err := got.Refused(); err != nil {
			t.Fatalf("%T: %v", in, err)
		}
		if err := got.Sign(signer(n)); err != nil {
			t.Fatal(err)
		}
		if _, err := got.Submit(ctx, n); err != nil {
			t.Fatalf("%T: %v", in, err)
		}
		n.Mine(1)
		return got
	}
	refuse := func(from wire.PubKey, in plan.Intent, target error, words string) {
		t.Helper()
		_, err := pl.Plan(ctx, from, in, plan.Options{})
		if !errors.Is(err, target) || !strings.Contains(err.Error(), words) {
			t.Fatalf("%T: %v; want %v saying %q", in, err, target, words)
		}
	}

	refuse(me, plan.Bounty{Amount: wire.Unit, Deadline: height() + p.MinBountyBlocks + plan.BountySlack + 1}, plan.ErrBadIntent, "too near")
	refuse(me, plan.Bounty{Deadline: height() + 50}, plan.ErrBadIntent, "above zero")
	deadline := height() + 20
	bp := do(plan.Bounty{Request: wire.Sum([]byte("req")), Row: 2, Amount: 4 * wire.Unit, Deadline: deadline})
	if bp.Cost != 4*wire.Unit || !strings.Contains(bp.Main().What, "escrow 4 BVS") {
		t.Fatalf("bounty plan: cost %d, %q", bp.Cost, bp.Main().What)
	}
	id := bp.Main().Tx.ID()

	refuse(me, plan.Accept{Bounty: wire.Sum([]byte("none"))}, node.ErrNotFound, "no bounty")
	refuse(me, plan.Accept{Bounty: id, Stake: p.MinStake(4*wire.Unit) - 1}, plan.ErrBadIntent, "below")
	refuse(me, plan.Accept{Bounty: id, Promised: 1000}, plan.ErrBadIntent, "past")
	refuse(me, plan.Settle{Bounty: id}, plan.ErrBadIntent, "is open")
	ap := do(plan.Accept{Bounty: id})
	acc := ap.Main().Tx.Body.(wire.Accept)
	if acc.Stake != p.MinStake(4*wire.Unit) || ap.Cost != acc.Stake {
		t.Fatalf("accept with stake 0: stake %d, cost %d; want the minimum %d", acc.Stake, ap.Cost, p.MinStake(4*wire.Unit))
	}
	if want := deadline - (height() - 1 + 1) - 1; uint64(acc.Promised) != want {
		t.Fatalf("accept with promise 0 promises %d blocks, want the most the deadline allows, %d", acc.Promised, want)
	}
	refuse(me, plan.Refund{Bounty: id}, plan.ErrBadIntent, "from its deadline")
	refuse(stranger, plan.Commit{Bounty: id, Envelope: wire.Sum([]byte("e"))}, plan.ErrBadIntent, "only that worker")
	do(plan.Commit{Bounty: id, Envelope: wire.Sum([]byte("e"))})

	refuse(stranger, plan.Settle{Bounty: id}, plan.ErrBadIntent, "only the requester")
	refuse(stranger, plan.Dispute{Bounty: id}, plan.ErrBadIntent, "only the requester")
	dp, err := pl.Plan(ctx, me, plan.Dispute{Bounty: id}, plan.Options{})
	if err != nil || dp.Refused() != nil || !strings.Contains(dp.Main().What, "burned") {
		t.Fatalf("dispute plan: %v, %+v", err, dp)
	}
	sp := do(plan.Settle{Bounty: id})
	if !strings.Contains(sp.Main().What, "pay 4 BVS") {
		t.Fatalf("settle preview %q", sp.Main().What)
	}
	b, err := n.Bounty(ctx, id)
	if err != nil || b.State != "settled" {
		t.Fatalf("bounty after settle: %+v, %v", b, err)
	}
	refuse(me, plan.Settle{Bounty: id}, plan.ErrBadIntent, "is settled")
	refuse(me, plan.Refund{Bounty: id}, plan.ErrBadIntent, "is settled")

	// A bounty nobody takes: anyone may refund it at the deadline.
	lateDeadline := height() + 1 + p.MinBountyBlocks + 1 + plan.BountySlack
	late := do(plan.Bounty{Amount: wire.Unit, Deadline: lateDeadline, Worker: stranger}).Main().Tx.ID()
	refuse(me, plan.Accept{Bounty: late}, plan.ErrBadIntent, "only that key")
	for height()+1 < lateDeadline {
		n.Mine(1)
	}
	rp := do(plan.Refund{Bounty: late})
	if !strings.Contains(rp.Main().What, "back to requester") {
		t.Fatalf("refund preview %q", rp.Main().What)
	}
	if b, err := n.Bounty(ctx, late); err != nil || b.State != "refunded" {
		t.Fatalf("bounty after refund: %+v, %v", b, err)
	}
}
