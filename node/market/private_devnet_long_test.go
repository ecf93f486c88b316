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
	to := wire.PubKey(b)
	if _, err := p.req.API.Tumbler().Join(ctx, tumbler.JoinRequest{Secret: p.payer.Bytes(), Amount: wire.Unit + tumbler.DefaultTxFee,
		To: to, Round: rd.ID, Handed: true}); err != nil {
		t.Fatal(err)
	}
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
