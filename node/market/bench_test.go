package market_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/bitverse/bitverse/node"
	"github.com/bitverse/bitverse/node/harness"
	"github.com/bitverse/bitverse/node/market"
	"github.com/bitverse/bitverse/wallet/plan"
)

// BenchmarkRequestZeroHop is a zero-hop request end to end on loopback,
// a lone node serving itself and mining a block about every 250 ms:
// the latency split into quote (until the own offer is in the table),
// bounty confirmation (submit → in a block), compute (→ the commit in a
// block, the accept's block included), delivery (→ the checked result
// in market.db) and settlement (settle → in a block), in ms per request.
const benchKeys = 8

func BenchmarkRequestZeroHop(b *testing.B) {
	h := harness.New(b)
	n := h.NewNode("solo", harness.WithMarket(market.Config{Serve: true}))
	n.Mine(int(h.Params().CoinbaseMaturity) + 2)
	for i := range benchKeys {
		if _, err := n.Put(fmt.Sprintf("public/hello%d", i), "hello, market"); err != nil {
			b.Fatal(err)
		}
	}
	n.Mine(1)
	n.StartAutoMine(250 * time.Millisecond)
	defer n.StopAutoMine()
	ctx := context.Background()
	m := n.Daemon.Market()
	wait := func(what string, cond func() bool) {
		deadline := time.Now().Add(time.Minute)
		for !cond() {
			if time.Now().After(deadline) {
				b.Fatalf("%s: not within a minute", what)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	state := func(id [32]byte) string {
		bi, err := n.API.Bounty(ctx, id)
		if err != nil {
			return ""
		}
		return bi.State
	}
	var quote, confirm, compute, deliver, settle time.Duration
	b.ResetTimer()
	for i := range b.N {
		t0 := time.Now()
		// Another expression each time (up to benchKeys): nothing cached.
		q, err := m.Quote(ctx, fmt.Sprintf(`("public/hello%d")`, i%benchKeys), market.QuoteOptions{})
		if err != nil {
			b.Fatal(err)
		}
		var tb *market.Table
		wait("an offer", func() bool {
			tb, err = m.Table(ctx, q.Request)
			return err == nil && tb.Offers > 0
		})
		t1 := time.Now()
		st, _ := n.Status(ctx)
		id := send(b, h, n, plan.Bounty{Request: q.Request, Amount: tb.Rows[0].Price, Deadline: st.Height + 40, Worker: tb.Rows[0].Worker})
		wait("the bounty in a block", func() bool { return state(id) != "" })
		t2 := time.Now()
		wait("the commit in a block", func() bool {
			s := state(id)
			return s == market.StateCommitted || s == market.StateSettled
		})
		t3 := time.Now()
		wait("the result", func() bool {
			_, err := m.Result(ctx, id)
			if err != nil && !errors.Is(err, market.ErrNoResult) {
				b.Fatal(err)
			}
			return err == nil
		})
		t4 := time.Now()
		send(b, h, n, plan.Settle{Bounty: id})
		wait("the settle in a block", func() bool { return state(id) == market.StateSettled })
		t5 := time.Now()
		quote += t1.Sub(t0)
		confirm += t2.Sub(t1)
		compute += t3.Sub(t2)
		deliver += t4.Sub(t3)
		settle += t5.Sub(t4)
	}
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 / float64(b.N) }
	b.ReportMetric(ms(quote), "quote-ms")
	b.ReportMetric(ms(confirm), "confirm-ms")
	b.ReportMetric(ms(compute), "compute-ms")
	b.ReportMetric(ms(deliver), "delivery-ms")
	b.ReportMetric(ms(settle), "settle-ms")
}

// BenchmarkRequestHopOne is a hops-1 request end to end on loopback: a
// node that requests, serves and mines a block about every 250 ms, and a
// registered relay. The latency in ms per request, split into quote
// (until the own offer is in the table), bounty confirmation (submit → in
// a block), lineup draw (→ the lineup drawn, at the next block), compute
// (→ the commit in a block, the accept's block included), relay (→ the
// relay's countersign in a block and the full checked envelope chain in
// market.db) and settlement (settle → in a block).
func BenchmarkRequestHopOne(b *testing.B) {
	h := harness.New(b)
	n := h.NewNode("solo", harness.WithMarket(market.Config{Serve: true}))
	rk := harness.KeyFor("relay")
	relay := h.NewNode("relay", harness.WithMarket(market.Config{Relay: true, Key: &rk}))
	h.ConnectAll()
	relay.Mine(2)
	h.WaitForTip(30*time.Second, n, relay)
	n.Mine(int(h.Params().CoinbaseMaturity) + 2)
	h.WaitForTip(30*time.Second, n, relay)
	send(b, h, relay, plan.RelayRegister{Fee: 1, Stake: h.Params().RelayMinStake, Caps: 1})
	if _, err := n.Put("public/upper", upperJS); err != nil {
		b.Fatal(err)
	}
	for i := range benchKeys {
		if _, err := n.Put(fmt.Sprintf("public/hello%d", i), "hello, market"); err != nil {
			b.Fatal(err)
		}
	}
	ctx := context.Background()
	for range 20 {
		if rs, _ := n.API.Relays(ctx, 0); len(rs) == 1 {
			break
		}
		n.Mine(1)
		h.WaitForTip(30*time.Second, n, relay)
	}
	n.StartAutoMine(250 * time.Millisecond)
	defer n.StopAutoMine()
	m := n.Daemon.Market()
	wait := func(what string, cond func() bool) {
		deadline := time.Now().Add(time.Minute)
		for !cond() {
			if time.Now().After(deadline) {
				b.Fatalf("%s: not within a minute", what)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	bounty := func(id [32]byte) *node.BountyInfo {
		bi, err := n.API.Bounty(ctx, id)
		if err != nil {
			return nil
		}
		return bi
	}
	var quote, confirm, draw, compute, relayed, settle time.Duration
	b.ResetTimer()
	for i := range b.N {
		t0 := time.Now()
		q, err := m.Quote(ctx, fmt.Sprintf(`("public/upper")("public/hello%d")`, i%benchKeys), market.QuoteOptions{})
		if err != nil {
			b.Fatal(err)
		}
		var row *market.Row
		wait("an offer and a row with one hop", func() bool {
			tb, err := m.Table(ctx, q.Request)
			if err != nil {
				return false
			}
			for _, r := range tb.Rows {
				if r.Hops == 1 {
					row = &r
					return true
				}
			}
			return false
		})
		t1 := time.Now()
		st, _ := n.Status(ctx)
		id := send(b, h, n, plan.Bounty{Request: q.Request, Amount: row.Price, Deadline: st.Height + 60, Worker: row.Worker, Hops: 1})
		wait("the bounty in a block", func() bool { return bounty(id) != nil })
		t2 := time.Now()
		wait("the lineup drawn", func() bool { bi := bounty(id); return bi != nil && bi.Drawn != 0 })
		t3 := time.Now()
		wait("the commit in a block", func() bool { bi := bounty(id); return bi != nil && bi.Committed != 0 })
		t4 := time.Now()
		wait("the checked envelope chain", func() bool {
			_, err := m.Result(ctx, id)
			if err != nil && !errors.Is(err, market.ErrNoResult) {
				b.Fatal(err)
			}
			return err == nil
		})
		t5 := time.Now()
		send(b, h, n, plan.Settle{Bounty: id})
		wait("the settle in a block", func() bool { bi := bounty(id); return bi != nil && bi.State == market.StateSettled })
		t6 := time.Now()
		quote += t1.Sub(t0)
		confirm += t2.Sub(t1)
		draw += t3.Sub(t2)
		compute += t4.Sub(t3)
		relayed += t5.Sub(t4)
		settle += t6.Sub(t5)
	}
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 / float64(b.N) }
	b.ReportMetric(ms(quote), "quote-ms")
	b.ReportMetric(ms(confirm), "confirm-ms")
	b.ReportMetric(ms(draw), "draw-ms")
	b.ReportMetric(ms(compute), "compute-ms")
	b.ReportMetric(ms(relayed), "relay-ms")
	b.ReportMetric(ms(settle), "settle-ms")
}
