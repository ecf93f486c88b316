//go:build long

package market_test

import (
	"context"
	"slices"
	"testing"

	"github.com/bitverse/bitverse/node/harness"
	"github.com/bitverse/bitverse/node/market"
	"github.com/bitverse/bitverse/node/wire"
	"github.com/bitverse/bitverse/wallet/plan"
)

// TestDevnetSilentWorkerIsRefundedAtTheDeadline: a bounty naming a worker
// that never answers is refunded to the requester at its deadline.
func TestDevnetSilentWorkerIsRefundedAtTheDeadline(t *testing.T) {
	d := newDevnet(t, true)
	ctx := context.Background()
	q, tb := d.quote(`("public/hello")`)
	silent := harness.KeyFor("nobody").PubKey()
	h0 := d.by.Chain().Tip().Height
	deadline := h0 + d.h.Params().MinBountyBlocks + 4
	before, _ := d.req.API.Account(ctx, wire.EncodeAddress(d.h.Params().Net, d.req.Key.PubKey()))
	id := d.send(d.req, plan.Bounty{Request: q.Request, Amount: tb.Rows[0].Price, Deadline: deadline, Worker: silent})
	d.mineUntil(int(deadline-h0)+2, "the deadline passes", func() bool { return d.by.Chain().Tip().Height >= deadline })
	refund := d.send(d.req, plan.Refund{Bounty: id})
	d.mineUntil(5, "refunded", func() bool { return d.state(id) == market.StateRefunded })
	after, _ := d.req.API.Account(ctx, wire.EncodeAddress(d.h.Params().Net, d.req.Key.PubKey()))
	// The amount came back; only the two fees are gone.
	fees := feeOf(t, d.by, id) + feeOf(t, d.by, refund)
	if after.Balance != before.Balance-fees {
		t.Fatalf("balance %d → %d, want only the two fees (%d) spent", before.Balance, after.Balance, fees)
	}
	if want := []string{market.StateOpen, market.StateRefunded}; !slices.Equal(d.seen, want) {
		t.Fatalf("the bystander saw %v, want %v", d.seen, want)
	}
}

// TestDevnetWorkerIsPaidAfterTheWindow: a requester who never settles
// does not keep the worker from its pay: the worker settles itself once
// the settle window is over.
func TestDevnetWorkerIsPaidAfterTheWindow(t *testing.T) {
	d := newDevnet(t, true)
	q, tb := d.quote(`("public/hello")`)
	h0 := d.by.Chain().Tip().Height
	id := d.send(d.req, plan.Bounty{Request: q.Request, Amount: tb.Rows[0].Price, Deadline: h0 + 30, Worker: tb.Rows[0].Worker})
	d.mineUntil(25, "committed", func() bool { return d.state(id) == market.StateCommitted })
	committed := d.bounty(id).Committed
	d.mineUntil(int(d.h.Params().SettleWindow)+6, "the worker settles", func() bool { return d.state(id) == market.StateSettled })
	if closed := d.bounty(id).Closed; closed < committed+d.h.Params().SettleWindow {
		t.Fatalf("settled at %d, before the window (commit %d + %d)", closed, committed, d.h.Params().SettleWindow)
	}
}

// TestDevnetOpenBountyIsTakenWithAccept: a bounty open to any worker is
// left alone until the serving node is told to take it (bounty accept),
// then done and settled like a named one.
func TestDevnetOpenBountyIsTakenWithAccept(t *testing.T) {
	d := newDevnet(t, true)
	ctx := context.Background()
	q, tb := d.quote(`("public/hello")`)
	h0 := d.by.Chain().Tip().Height
	id := d.send(d.req, plan.Bounty{Request: q.Request, Amount: tb.Rows[0].Price, Deadline: h0 + 30})
	d.mineUntil(5, "the open bounty is mined", func() bool { return d.state(id) == market.StateOpen })
	d.mine(2)
	if s := d.state(id); s != market.StateOpen {
		t.Fatalf("an open bounty was %s before anyone took it", s)
	}
	if err := d.work.API.Market().Take(ctx, id); err != nil {
		t.Fatal(err)
	}
	m := d.req.Daemon.Market()
	d.mineUntil(25, "the result arrives", func() bool {
		_, err := m.Result(ctx, id)
		return err == nil
	})
	if w := d.bounty(id).Worker; w != wire.EncodeAddress(d.h.Params().Net, d.work.Key.PubKey()) {
		t.Fatalf("worker %s", w)
	}
	d.send(d.req, plan.Settle{Bounty: id})
	d.mineUntil(5, "settled", func() bool { return d.state(id) == market.StateSettled })
}
