package market_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/bitverse/bitverse/internal/testutil"
	"github.com/bitverse/bitverse/node"
	"github.com/bitverse/bitverse/node/harness"
	"github.com/bitverse/bitverse/node/market"
	"github.com/bitverse/bitverse/node/wire"
	"github.com/bitverse/bitverse/wallet/plan"
)

// devnet is three harness nodes: a requester, a worker that serves, and
// a bystander that mines the blocks (so every block is one the test
// asked for) and watches the bounty through its own Bounties.
type devnet struct {
	h             *harness.Harness
	req, work, by *harness.Node
	seen          []string // states the bystander saw, in order
	t             *testing.T
}

func newDevnet(t *testing.T, serving bool) *devnet {
	h := harness.New(t)
	d := &devnet{h: h, t: t}
	d.req = h.NewNode("requester", harness.WithMarket(market.Config{TTL: 30}))
	d.work = h.NewNode("worker", harness.WithMarket(market.Config{Serve: serving, TTL: 30}))
	d.by = h.NewNode("bystander", harness.WithMarket(market.Config{}))
	// Fund the requester and the worker (the worker stakes).
	m := int(h.Params().CoinbaseMaturity)
	d.req.Mine(2)
	h.ConnectAll()
	h.WaitForTip(30*time.Second, d.req, d.work, d.by)
	d.work.Mine(2)
	h.WaitForTip(30*time.Second, d.req, d.work, d.by)
	d.by.Mine(m + 1)
	h.WaitForTip(30*time.Second, d.req, d.work, d.by)
	if _, err := d.req.Put("public/hello", "hello, market"); err != nil {
		t.Fatal(err)
	}
	d.mineUntil(10, "the put is mined", func() bool {
		_, err := d.work.Get(context.Background(), "public/hello", false, false)
		return err == nil
	})
	return d
}

// mine has the bystander mine n blocks, waits until every node has them,
// and records the states of the bystander's bounties.
func (d *devnet) mine(n int) {
	d.t.Helper()
	for range n {
		d.by.Mine(1)
		d.h.WaitForTip(30*time.Second, d.req, d.work, d.by)
		d.watch()
	}
}

func (d *devnet) watch() {
	bs, err := d.by.API.Bounties(context.Background(), node.BountyFilter{})
	if err != nil {
		d.t.Fatal(err)
	}
	for _, b := range bs {
		if len(d.seen) == 0 || d.seen[len(d.seen)-1] != b.State {
			d.seen = append(d.seen, b.State)
		}
	}
}

// quote quotes expr on the requester until the worker's offer is in the
// table (the gossip mesh forms in a heartbeat or two).
func (d *devnet) quote(text string) (*market.Quote, *market.Table) {
	d.t.Helper()
	ctx := context.Background()
	m := d.req.Daemon.Market()
	var q *market.Quote
	var tb *market.Table
	testutil.Eventually(d.t, 30*time.Second, "the worker's offer reaches the requester", func() error {
		var err error
		if q, err = m.Quote(ctx, text, market.QuoteOptions{TTL: 5}); err != nil {
			return err
		}
		if tb, err = m.Table(ctx, q.Request); err != nil {
			return err
		}
		if tb.Offers == 0 {
			return errors.New("no offer yet")
		}
		return nil
	})
	return q, tb
}

// send plans in for n's key, signs and submits it.
func send(t testing.TB, h *harness.Harness, n *harness.Node, in plan.Intent) wire.Hash {
	t.Helper()
	ctx := context.Background()
	pl, err := plan.New(h.Params(), n.API).Plan(ctx, n.Key.PubKey(), in, plan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := pl.Refused(); err != nil {
		t.Fatal(err)
	}
	if err := pl.Sign(func(tx *wire.Tx) error { tx.Sign(h.Params().Net, n.Key); return nil }); err != nil {
		t.Fatal(err)
	}
	ids, err := pl.Submit(ctx, n.API)
	if err != nil {
		t.Fatal(err)
	}
	return ids[len(ids)-1]
}

// send submits in from n and waits until the bystander (the miner) has
// the transaction.
func (d *devnet) send(n *harness.Node, in plan.Intent) wire.Hash {
	d.t.Helper()
	id := send(d.t, d.h, n, in)
	testutil.Eventually(d.t, 20*time.Second, "the bystander has the transaction", func() error {
		_, err := d.by.API.Tx(context.Background(), id)
		return err
	})
	return id
}

func (d *devnet) bounty(id wire.Hash) *node.BountyInfo {
	d.t.Helper()
	b, err := d.by.API.Bounty(context.Background(), id)
	if err != nil {
		d.t.Fatal(err)
	}
	return b
}

// state is the bounty's state on the bystander ("" before it is mined).
func (d *devnet) state(id wire.Hash) string {
	b, err := d.by.API.Bounty(context.Background(), id)
	if errors.Is(err, node.ErrNotFound) {
		return ""
	}
	if err != nil {
		d.t.Fatal(err)
	}
	return b.State
}

// mineUntil mines until cond holds, at most limit blocks.
func (d *devnet) mineUntil(limit int, what string, cond func() bool) {
	d.t.Helper()
	for range limit {
		if cond() {
			return
		}
		d.mine(1)
	}
	if !cond() {
		d.t.Fatalf("%s: not after %d blocks (bystander saw %v)", what, limit, d.seen)
	}
}

// TestDevnetRequestIsQuotedFundedComputedDeliveredSettled: the request
// is quoted from the worker's offer, the requester funds row 0 naming the
// worker, the worker accepts, computes, commits and delivers, the
// requester checks and settles; the bystander's Bounties shows every
// state.
func TestDevnetRequestIsQuotedFundedComputedDeliveredSettled(t *testing.T) {
	d := newDevnet(t, true)
	ctx := context.Background()
	q, tb := d.quote(`("public/hello")`)
	row := tb.Rows[0]
	if row.Worker != d.work.Key.PubKey() {
		t.Fatalf("row 0 is %+v, not the worker's offer", row)
	}
	h0 := d.work.Chain().Tip().Height
	id := d.send(d.req, plan.Bounty{Request: q.Request, Amount: row.Price, Deadline: h0 + 30, Worker: row.Worker})
	m := d.req.Daemon.Market()
	var res *market.Result
	d.mineUntil(25, "the result arrives", func() bool {
		r, err := m.Result(ctx, id)
		if err == nil {
			res = r
			return true
		}
		if !errors.Is(err, market.ErrNoResult) {
			t.Fatal(err)
		}
		return false
	})
	if string(res.Value) != "hello, market" || res.Envelope != d.bounty(id).Envelope {
		t.Fatalf("result %q envelope %s, bounty %+v", res.Value, res.Envelope.Short(), d.bounty(id))
	}
	d.send(d.req, plan.Settle{Bounty: id})
	d.mineUntil(5, "settled", func() bool { return d.state(id) == market.StateSettled })
	want := []string{market.StateOpen, market.StateAccepted, market.StateCommitted, market.StateSettled}
	if !slices.Equal(d.seen, want) {
		t.Fatalf("the bystander saw %v, want %v", d.seen, want)
	}
	st, err := d.work.Daemon.Market().ServeStatus(ctx)
	if err != nil || st.Earned != row.Price {
		t.Fatalf("worker status %+v %v", st, err)
	}
}

func feeOf(t *testing.T, n *harness.Node, id wire.Hash) uint64 {
	t.Helper()
	tx, err := n.API.Tx(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return tx.Fee
}
