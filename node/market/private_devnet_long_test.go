//go:build long

package market_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/bitverse/bitverse/internal/testutil"
	"github.com/bitverse/bitverse/node/market"
	"github.com/bitverse/bitverse/node/wire"
	"github.com/bitverse/bitverse/tumbler"
)

// TestDevnetRequesterThatDoesNotSignGetsOnlyTheHash: the order of trust.
// A requester that hands the token over, takes the worker's signed result
// hash and then never co-signs gets no result: the round fails in
// signing, its input is banned, the worker's address is never paid, and
// the worker keeps answering with the hash only.
func TestDevnetRequesterThatDoesNotSignGetsOnlyTheHash(t *testing.T) {
	p := newPrivateNet(t)
	ctx := context.Background()
	net := p.h.Params().Net
	rd, err := p.coord.API.Tumbler().Coordinate(ctx, tumbler.CoordinateConfig{Denomination: wire.Unit, Min: 2, Max: 2})
	if err != nil {
		t.Fatal(err)
	}
	m := p.req.Daemon.Market()
	var q *market.Quote
	testutil.Eventually(t, 60*time.Second, "the worker's offer reaches the requester", func() error {
		if q, err = m.Quote(ctx, `("public/hello")`, market.QuoteOptions{TTL: 120}); err != nil {
			return err
		}
		tb, err := m.Table(ctx, q.Request)
		if err != nil {
			return err
		}
		if tb.Offers == 0 {
			return errors.New("no offer yet")
		}
		return nil
	})
	ask := func(msg *market.PrivateMsg) ([]byte, error) {
		msg.Net, msg.Request, msg.Round = net.ID, q.Request, rd.ID
		return m.AskPrivate(ctx, p.work.ID(), msg)
	}
	// The requester's steps, by hand, without the co-sign.
	b, err := ask(&market.PrivateMsg{Kind: market.PrivateAsk, Denomination: wire.Unit})
	if err != nil {
		t.Fatal(err)
	}
	to := wire.PubKey(b[:32])
	testutil.Eventually(t, 30*time.Second, "the round opens for inputs", func() error {
		_, err := p.req.API.Tumbler().Join(ctx, tumbler.JoinRequest{Secret: p.payer.Bytes(), Amount: wire.Unit + tumbler.DefaultTxFee,
			To: to, Round: rd.ID, Handed: true})
		return err
	})
	h, _, ok := p.req.Daemon.Tumbler().Handed(p.payer.PubKey())
	if !ok {
		t.Fatal("no handed token")
	}
	if _, err := ask(&market.PrivateMsg{Kind: market.PrivateToken, To: to, Coordinator: []byte(h.Coordinator), Token: h.Token}); err != nil {
		t.Fatal(err)
	}
	other, _ := wire.NewPrivKey()
	if _, err := p.coord.API.Tumbler().Join(ctx, tumbler.JoinRequest{Secret: p.other.Bytes(), Amount: wire.Unit + tumbler.DefaultTxFee,
		To: other.PubKey(), Round: rd.ID, AutoSign: true}); err != nil {
		t.Fatal(err)
	}
	fetch := func() *market.FetchAnswer {
		b, err := ask(&market.PrivateMsg{Kind: market.PrivateFetch, To: to})
		if err != nil {
			t.Fatal(err)
		}
		a, err := market.DecodeFetchAnswer(b)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	testutil.Eventually(t, 60*time.Second, "the worker's output is registered and its signed hash given", func() error {
		if a := fetch(); a.Envelope == nil {
			return errors.New("the worker is waiting")
		}
		return nil
	})
	// No co-sign: mine through the signing window until the round fails.
	testutil.Eventually(t, 90*time.Second, "the round fails in signing", func() error {
		if r := p.round(rd.ID); r.Phase != tumbler.Failed {
			p.coord.Mine(1)
			p.sync()
			return fmt.Errorf("round at %s", r.Phase)
		}
		return nil
	})
	p.coord.Mine(2)
	p.sync()
	if a := fetch(); a.Value != nil || a.Envelope == nil {
		t.Fatalf("the worker answered %d with a value of %d bytes to a requester that did not sign", a.State, len(a.Value))
	}
	if got := p.balance(to); got != 0 {
		t.Fatalf("the worker's address holds %d without a tumble", got)
	}
	// The requester's input is banned from the coordinator's rounds.
	rd2, err := p.coord.API.Tumbler().Coordinate(ctx, tumbler.CoordinateConfig{Denomination: wire.Unit, Min: 2, Max: 2})
	if err != nil {
		t.Fatal(err)
	}
	fresh, _ := wire.NewPrivKey()
	_, err = p.req.API.Tumbler().Join(ctx, tumbler.JoinRequest{Secret: p.payer.Bytes(), Amount: wire.Unit + tumbler.DefaultTxFee,
		To: fresh.PubKey(), Round: rd2.ID})
	if err == nil || !strings.Contains(err.Error(), "banned") {
		t.Fatalf("the silent requester's input registers again: %v", err)
	}
}

// TestDevnetPrivateSettlementSurvivesABlameRound: a third participant
// registers and never signs; the blame round re-runs the tumble with the
// requester and the other signer, the requester hands the blame round's
// fresh token over, the worker redeems it, and the settlement ends with
// the result and the worker's address paid once.
func TestDevnetPrivateSettlementSurvivesABlameRound(t *testing.T) {
	p := newPrivateNet(t)
	ctx := context.Background()
	silent, _ := wire.NewPrivKey()
	a, err := p.coord.API.Account(ctx, wire.EncodeAddress(p.h.Params().Net, p.coord.Key.PubKey()))
	if err != nil {
		t.Fatal(err)
	}
	tx := wire.NewTx(wire.RootChain, wire.Transfer{To: silent.PubKey(), Amount: 3 * wire.Unit}, a.NextNonce, 0)
	p.h.Params().SetMinFee(tx)
	tx.Sign(p.h.Params().Net, p.coord.Key)
	if _, err := p.coord.API.SubmitTx(ctx, tx.Encode()); err != nil {
		t.Fatal(err)
	}
	testutil.Eventually(t, 60*time.Second, "the silent wallet is funded", func() error {
		if p.balance(silent.PubKey()) == 3*wire.Unit {
			return nil
		}
		p.coord.Mine(1)
		p.sync()
		return errors.New("not yet")
	})
	rd, err := p.coord.API.Tumbler().Coordinate(ctx, tumbler.CoordinateConfig{Denomination: wire.Unit, Min: 3, Max: 3})
	if err != nil {
		t.Fatal(err)
	}
	m := p.req.Daemon.Market()
	var q *market.Quote
	var tb *market.Table
	testutil.Eventually(t, 60*time.Second, "the worker's offer reaches the requester", func() error {
		if q, err = m.Quote(ctx, `("public/hello")`, market.QuoteOptions{TTL: 120}); err != nil {
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
	if _, err := m.Private(ctx, market.PrivateOptions{Request: q.Request, Worker: tb.Rows[0].Worker, Secret: p.payer.Bytes()}); err != nil {
		t.Fatal(err)
	}
	testutil.Eventually(t, 60*time.Second, "the requester registered its input", func() error {
		if j := p.privateJob(); j.State == market.PrivWaiting || j.State == market.PrivFailed {
			return fmt.Errorf("at %s %s", j.State, j.Error)
		}
		return nil
	})
	for _, w := range []struct {
		k    wire.PrivKey
		auto bool
	}{{p.other, true}, {silent, false}} {
		to, _ := wire.NewPrivKey()
		spare, _ := wire.NewPrivKey()
		if _, err := p.coord.API.Tumbler().Join(ctx, tumbler.JoinRequest{Secret: w.k.Bytes(), Amount: wire.Unit + tumbler.DefaultTxFee,
			To: to.PubKey(), BlameTo: []wire.PubKey{spare.PubKey()}, Round: rd.ID, AutoSign: w.auto}); err != nil {
			t.Fatal(err)
		}
	}
	// Mine only while no phase waits for participants: through the
	// signing window of the first round (the silent one never signs),
	// never through the blame round's output registration or signing
	// before they are done.
	testutil.Eventually(t, 3*time.Minute, "the private settlement ends with the result", func() error {
		j := p.privateJob()
		switch j.State {
		case market.PrivResult:
			return nil
		case market.PrivFailed:
			t.Fatalf("the private settlement failed: %s", j.Error)
		}
		r := p.round(j.Round)
		blame := !r.BlameOf.IsZero()
		switch {
		case r.Phase == tumbler.OutputRegistration, r.Phase == tumbler.InputRegistration, r.Phase == tumbler.Blame:
			return fmt.Errorf("round at %s (%d inputs, %d outputs), job at %s", r.Phase, r.Inputs, r.Outputs, j.State)
		case r.Phase == tumbler.Signing && (blame || j.State != market.PrivSigned):
			return fmt.Errorf("round at %s (blame %v), job at %s", r.Phase, blame, j.State)
		}
		p.coord.Mine(1)
		p.sync()
		return fmt.Errorf("job at %s, round %s at %s", j.State, j.Round.Short(), r.Phase)
	})
	j := p.privateJob()
	if j.Round == rd.ID {
		t.Fatalf("the settlement went through the first round %s, not its blame round", rd.ID.Short())
	}
	res, err := m.Result(ctx, j.ID)
	if err != nil || string(res.Value) != "hello, market" {
		t.Fatalf("result %+v %v", res, err)
	}
	if got := p.balance(j.To); got != wire.Unit {
		t.Fatalf("the worker's fresh address holds %d, want %d", got, wire.Unit)
	}
}
