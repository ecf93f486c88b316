package rpc_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/bitverse/bitverse/internal/testutil"
	"github.com/bitverse/bitverse/node/harness"
	"github.com/bitverse/bitverse/node/market"
	"github.com/bitverse/bitverse/node/rpc"
	"github.com/bitverse/bitverse/node/wire"
)

// TestMarketOverTheLocalAPI: the market API answers over the local API as
// in process, its errors keep their identity (no result yet, not serving),
// and market events stream.
func TestMarketOverTheLocalAPI(t *testing.T) {
	h := harness.New(t)
	n := h.NewNode("solo", harness.WithMarket(market.Config{Serve: true, Prices: market.Prices{PerFuel: 1, PerByte: 1, Min: 77}}))
	n.Mine(int(h.Params().CoinbaseMaturity) + 1)
	if _, err := n.Put("public/hello", "hi"); err != nil {
		t.Fatal(err)
	}
	n.Mine(1)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	m := n.API.Market()
	st, err := m.ServeStatus(ctx)
	if err != nil || !st.On || st.Identity != n.Key.PubKey() || st.Prices.Min != 77 {
		t.Fatalf("serve status %+v %v", st, err)
	}
	events, err := m.Events(ctx)
	if err != nil {
		t.Fatal(err)
	}
	q, err := m.Quote(ctx, `("public/hello")`, market.QuoteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var tb *market.Table
	testutil.Eventually(t, 30*time.Second, "the own offer", func() error {
		if tb, err = m.Table(ctx, q.Request); err != nil {
			return err
		}
		if tb.Offers == 0 {
			return errors.New("no offer yet")
		}
		return nil
	})
	if tb.Rows[0].Price != 77 || tb.Rows[0].Worker != n.Key.PubKey() {
		t.Fatalf("row 0 %+v", tb.Rows[0])
	}
	select {
	case e := <-events:
		if e.Kind != market.EventOffer || e.Request != q.Request {
			t.Fatalf("event %+v", e)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("no offer event over the local API")
	}
	rs, err := m.Requests(ctx)
	if err != nil || len(rs) != 1 || rs[0].Request != q.Request {
		t.Fatalf("requests %+v %v", rs, err)
	}
	if _, err := m.Result(ctx, wire.Sum([]byte("no such bounty"))); !errors.Is(err, market.ErrNoResult) {
		t.Fatalf("result of an unknown bounty: %v", err)
	}
	if _, err := m.Table(ctx, wire.Sum([]byte("no such request"))); err == nil {
		t.Fatal("a table for a request never quoted")
	}
	if st, err := m.Serve(ctx, false); err != nil || st.On {
		t.Fatalf("serve off: %+v %v", st, err)
	}
	if err := m.Take(ctx, wire.Sum([]byte("x"))); err == nil {
		t.Fatal("take of an unknown bounty succeeded")
	}

	// A node without a market says so in a sentence.
	bare := h.NewNode("bare")
	if _, err := bare.API.Market().ServeStatus(ctx); !errors.Is(err, rpc.ErrNoMarket) {
		t.Fatalf("market of a node without one: %v", err)
	}
}
