package market_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bitverse/bitverse/internal/testutil"
	"github.com/bitverse/bitverse/node/daemon"
	"github.com/bitverse/bitverse/node/harness"
	"github.com/bitverse/bitverse/node/market"
	"github.com/bitverse/bitverse/node/wire"
	"github.com/bitverse/bitverse/tumbler"
)

// privateNet is a coordinator that mines and coordinates tumbler rounds,
// a requester and a worker that serves; all three run the tumbler.
type privateNet struct {
	t                *testing.T
	h                *harness.Harness
	coord, req, work *harness.Node
	payer, other     wire.PrivKey // the requester's paying account; another participant's
}

func newPrivateNet(t *testing.T) *privateNet {
	h := harness.New(t)
	with := harness.BeforeStart(func(dm *daemon.Daemon) error {
		return dm.RegisterTumbler(tumbler.Config{Poll: 100 * time.Millisecond, OutputDelay: 300 * time.Millisecond,
			InputBlocks: 5, OutputBlocks: 5, SigningBlocks: 3})
	})
	p := &privateNet{t: t, h: h}
	p.coord = h.NewNode("coord", with, harness.WithMarket(market.Config{}))
	p.req = h.NewNode("requester", with, harness.WithMarket(market.Config{TTL: 30}))
	p.work = h.NewNode("worker", with, harness.WithMarket(market.Config{Serve: true, TTL: 30}))
	h.ConnectAll()
	p.coord.Mine(int(h.Params().CoinbaseMaturity) + 2)
	p.sync()
	p.payer, _ = wire.NewPrivKey()
	p.other, _ = wire.NewPrivKey()
	ctx := context.Background()
	a, err := p.coord.API.Account(ctx, wire.EncodeAddress(h.Params().Net, p.coord.Key.PubKey()))
	if err != nil {
		t.Fatal(err)
	}
	for i, k := range []wire.PrivKey{p.payer, p.other} {
		tx := wire.NewTx(wire.RootChain, wire.Transfer{To: k.PubKey(), Amount: 3 * wire.Unit}, a.NextNonce+uint64(i), 0)
		h.Params().SetMinFee(tx)
		tx.Sign(h.Params().Net, p.coord.Key)
		if _, err := p.coord.API.SubmitTx(ctx, tx.Encode()); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := p.coord.Put("public/hello", "hello, market"); err != nil {
		t.Fatal(err)
	}
	testutil.Eventually(t, 90*time.Second, "the wallets are funded and the value is on every node", func() error {
		if p.balance(p.payer.PubKey()) == 3*wire.Unit && p.balance(p.other.PubKey()) == 3*wire.Unit {
			if _, err := p.work.Get(ctx, "public/hello", false, false); err == nil {
				return nil
			}
		}
		p.coord.Mine(1)
		p.sync()
		return errors.New("not yet")
	})
	return p
}

func (p *privateNet) sync() { p.h.WaitForTip(60*time.Second, p.coord, p.req, p.work) }

func (p *privateNet) balance(k wire.PubKey) uint64 {
	a, err := p.coord.API.Account(context.Background(), wire.EncodeAddress(p.h.Params().Net, k))
	if err != nil {
		return 0
	}
	return a.Balance
}

// round is the coordinator's view of a round.
func (p *privateNet) round(id wire.Hash) tumbler.RoundInfo {
	rs, err := p.coord.API.Tumbler().Rounds(context.Background())
	if err != nil {
		p.t.Fatal(err)
	}
	for _, r := range rs {
		if r.ID == id {
			return r
		}
	}
	p.t.Fatalf("the coordinator lost round %s", id.Short())
	return tumbler.RoundInfo{}
}

// privateJob is the requester's settlement.
func (p *privateNet) privateJob() market.PrivateJob {
	js, err := p.req.Daemon.Market().PrivateJobs(context.Background())
	if err != nil || len(js) != 1 {
		p.t.Fatalf("%d private jobs: %v", len(js), err)
	}
	return js[0]
}

// TestDevnetPrivateRequestIsSettledThroughATumble: a request settled
// privately ends with the result delivered and checked against the
// worker's signed hash, one tumble transaction confirmed, the worker's
// fresh address holding the denomination (its key derived from the serve
// identity), and no transaction on chain naming both the requester's and
// the worker's keys. Then the worker's reject vectors: a replayed token,
// a forged token, a token for another round.
func TestDevnetPrivateRequestIsSettledThroughATumble(t *testing.T) {
	p := newPrivateNet(t)
	ctx := context.Background()
	net := p.h.Params().Net
	rd, err := p.coord.API.Tumbler().Coordinate(ctx, tumbler.CoordinateConfig{Denomination: wire.Unit, Min: 2, Max: 2,
		CoordinatorFee: 1000, FeeTo: p.coord.Key.PubKey()})
	if err != nil {
		t.Fatal(err)
	}
	m := p.req.Daemon.Market()
	var q *market.Quote
	var tb *market.Table
	testutil.Eventually(t, 60*time.Second, "the worker's offer reaches the requester", func() error {
		if q, err = m.Quote(ctx, `("public/hello")`, market.QuoteOptions{TTL: 60}); err != nil {
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
	worker := tb.Rows[0].Worker
	if worker != p.work.Key.PubKey() {
		t.Fatalf("row 0 is %+v, not the worker's offer", tb.Rows[0])
	}
	evs, err := m.Events(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var evMu sync.Mutex
	var states []string
	go func() {
		for e := range evs {
			if e.Kind == market.EventJob && strings.HasPrefix(e.State, "private-") {
				evMu.Lock()
				states = append(states, strings.TrimPrefix(e.State, "private-"))
				evMu.Unlock()
			}
		}
	}()
	if _, err := m.Private(ctx, market.PrivateOptions{Request: q.Request, Worker: worker, Secret: p.payer.Bytes()}); err != nil {
		t.Fatal(err)
	}
	testutil.Eventually(t, 60*time.Second, "the requester registered its input", func() error {
		if j := p.privateJob(); j.State == market.PrivWaiting || j.State == market.PrivFailed {
			return fmt.Errorf("at %s %s", j.State, j.Error)
		}
		return nil
	})
	// Another participant, so the round has its minimum.
	to, _ := wire.NewPrivKey()
	if _, err := p.coord.API.Tumbler().Join(ctx, tumbler.JoinRequest{Secret: p.other.Bytes(), Amount: wire.Unit + 1000 + tumbler.DefaultTxFee,
		To: to.PubKey(), Round: rd.ID, AutoSign: true}); err != nil {
		t.Fatal(err)
	}
	// Blocks only when no step waits on a phase's deadline: never through
	// output registration before every output is in, nor through signing.
	testutil.Eventually(t, 3*time.Minute, "the private settlement ends with the result", func() error {
		j := p.privateJob()
		switch j.State {
		case market.PrivResult:
			return nil
		case market.PrivFailed:
			t.Fatalf("the private settlement failed: %s", j.Error)
		}
		r := p.round(rd.ID)
		if r.Phase == tumbler.OutputRegistration || r.Phase == tumbler.Signing || r.Phase == tumbler.InputRegistration {
			return fmt.Errorf("round at %s (%d inputs, %d outputs), job at %s", r.Phase, r.Inputs, r.Outputs, j.State)
		}
		p.coord.Mine(1)
		p.sync()
		return fmt.Errorf("job at %s, round at %s", j.State, r.Phase)
	})
	j := p.privateJob()
	res, err := m.Result(ctx, j.ID)
	if err != nil || string(res.Value) != "hello, market" {
		t.Fatalf("result %+v %v", res, err)
	}
	// The requester went through every step, in order.
	want := []string{market.PrivRegistered, market.PrivHanded, market.PrivHash, market.PrivSigned, market.PrivConfirmed, market.PrivResult}
	testutil.Eventually(t, 10*time.Second, "every step's event", func() error {
		evMu.Lock()
		defer evMu.Unlock()
		if !slices.Equal(states, want) {
			return fmt.Errorf("steps %v, want %v", states, want)
		}
		return nil
	})
	// The tumble is confirmed and paid the worker's fresh address, whose
	// key the worker derives.
	info, err := p.coord.API.Tx(ctx, j.TxID)
	if err != nil || info.Height == 0 || info.Type != "tumble" {
		t.Fatalf("tumble %+v %v", info, err)
	}
	if got := p.balance(j.To); got != wire.Unit {
		t.Fatalf("the worker's fresh address holds %d, want %d", got, wire.Unit)
	}
	k, err := p.work.Daemon.Market().PrivateKey(j.To)
	if err != nil || k.PubKey() != j.To {
		t.Fatalf("the worker cannot spend its fresh address: %v", err)
	}
	// No transaction names both a requester key and a worker identity.
	pk, rk, wk := p.payer.PubKey(), p.req.Key.PubKey(), p.work.Key.PubKey()
	reqKeys := [][]byte{pk[:], rk[:]}
	workKeys := [][]byte{worker[:], wk[:]}
	tip := p.coord.Chain().Tip().Height
	tumbles := 0
	for h := uint64(0); h <= tip; h++ {
		bi, err := p.coord.API.Block(ctx, fmt.Sprint(h))
		if err != nil {
			t.Fatal(err)
		}
		blk, err := wire.DecodeBlock(bi.Raw)
		if err != nil {
			t.Fatal(err)
		}
		for _, tx := range blk.Txs {
			if tx.Type == wire.TxTumble {
				tumbles++
			}
			enc := tx.Encode()
			if containsAny(enc, reqKeys) && containsAny(enc, workKeys) {
				t.Fatalf("transaction %s at %d names both the requester and the worker", tx.ID().Short(), h)
			}
		}
	}
	if tumbles != 1 {
		t.Fatalf("%d tumble transactions on chain, want 1", tumbles)
	}

	// Reject vectors, sent by the requester's node to the worker's.
	ask := func(msg *market.PrivateMsg) ([]byte, error) {
		msg.Net, msg.Request = net.ID, q.Request
		return m.AskPrivate(ctx, p.work.ID(), msg)
	}
	coordID := []byte(p.coord.ID())
	h, _, ok := p.req.Daemon.Tumbler().Handed(p.payer.PubKey())
	if !ok {
		t.Fatal("the requester's handed token is gone")
	}
	if _, err := ask(&market.PrivateMsg{Kind: market.PrivateToken, Round: h.Round, To: j.To, Coordinator: coordID, Token: h.Token}); err == nil || !strings.Contains(err.Error(), "replayed") {
		t.Fatalf("a replayed token: %v", err)
	}
	b, err := ask(&market.PrivateMsg{Kind: market.PrivateAsk, Round: h.Round, Denomination: wire.Unit})
	if err != nil || len(b) != 3*32 {
		t.Fatalf("a second address: %v", err)
	}
	to2 := wire.PubKey(b[:32])
	forged := bytes.Clone(h.Token)
	forged[17] ^= 1
	if _, err := ask(&market.PrivateMsg{Kind: market.PrivateToken, Round: h.Round, To: to2, Coordinator: coordID, Token: forged}); err == nil || !strings.Contains(err.Error(), "does not verify") {
		t.Fatalf("a forged token: %v", err)
	}
	rd2, err := p.coord.API.Tumbler().Coordinate(ctx, tumbler.CoordinateConfig{Denomination: wire.Unit, Min: 2, Max: 2})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ask(&market.PrivateMsg{Kind: market.PrivateToken, Round: rd2.ID, To: j.To, Coordinator: coordID, Token: h.Token}); err == nil || !strings.Contains(err.Error(), "does not verify") {
		t.Fatalf("a token for another round: %v", err)
	}
	// An address the worker never gave.
	if _, err := ask(&market.PrivateMsg{Kind: market.PrivateFetch, Round: h.Round, To: to.PubKey()}); err == nil {
		t.Fatal("fetched the result of an address the worker never gave")
	}
}

func containsAny(b []byte, keys [][]byte) bool {
	for _, k := range keys {
		if bytes.Contains(b, k) {
			return true
		}
	}
	return false
}
