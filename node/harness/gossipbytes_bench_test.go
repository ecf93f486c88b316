package harness

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/bitverse/bitverse/node/chain"
	"github.com/bitverse/bitverse/node/wire"
)

// BenchmarkGossipBytes is BenchmarkSyncBytes in the steady state: two
// synced nodes, one following only 01 and one following all, stay
// connected to a source that keeps mining a block on every branch (each
// with one put of gossipBytesValue bytes) and a root block that
// checkpoints them, gossipBytesRounds rounds per iteration. It reports the
// stream bytes each received per round and their ratio. The branches the
// first keeps as headers only reach it as claims on their claims topics
// (header, coinbase, Merkle branch), never on their block topics; the
// puts are put in the blocks directly, not through the mempools, so no
// transaction gossip is counted.
func BenchmarkGossipBytes(b *testing.B) {
	const (
		gossipBytesRounds = 8
		gossipBytesValue  = 1 << 10
	)
	h := New(b)
	p := h.Params()
	src := h.NewNode("src")
	src.Mine(int(p.CoinbaseMaturity) + 3)
	branches := wire.TreeChains(p.MaxDepth)[1:]
	for i, id := range branches {
		tx := wire.NewTx(wire.RootChain, wire.Stamp{Chain: id, Amount: wire.Unit}, uint64(i), 0)
		p.SetMinFee(tx)
		tx.Sign(p.Net, src.Key)
		if _, err := src.AddTx(tx); err != nil {
			b.Fatal(err)
		}
	}
	src.Mine(1)
	for _, id := range branches {
		src.MineOn(id, 1)
	}
	src.Mine(2)
	chains := append([]wire.ChainID{wire.RootChain}, branches...)
	f01, _ := wire.ParseChainID("01")
	one := h.NewNode("follow01", Follow(f01))
	all := h.NewNode("followall")
	h.Connect(one, src)
	h.Connect(all, src)
	waitTips := func() {
		b.Helper()
		deadline := time.Now().Add(2 * time.Minute)
		for {
			behind := ""
			for _, id := range chains {
				want := src.Forest().Chain(id).Tip().ID
				for _, n := range []*Node{one, all} {
					if n.Forest().Chain(id).Tip().ID != want {
						behind = fmt.Sprintf("%s on chain %s", n.Name, id)
					}
				}
			}
			if behind == "" {
				return
			}
			if time.Now().After(deadline) {
				b.Fatalf("not at the source's tips after 2 minutes: %s", behind)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	waitTips()
	nonce := map[wire.ChainID]uint64{}
	value := []byte(strings.Repeat("v", gossipBytesValue))
	mineWith := func(id wire.ChainID, txs ...*wire.Tx) {
		b.Helper()
		c := src.Forest().Chain(id)
		tip := c.Tip()
		at := time.UnixMilli(tip.Time).Add(p.IntervalAt(id.Depth))
		if !id.IsRoot() {
			if parent := src.Forest().Chain(id.Parent()).Tip(); at.UnixMilli() <= parent.Time {
				at = time.UnixMilli(parent.Time + 1) // keep branch time near its anchor's
			}
		}
		tmpl, err := c.NewTemplate(src.Key.PubKey(), txs, at)
		if err != nil || len(tmpl.Rejected) > 0 {
			b.Fatalf("template on %s: %v (%d refused)", id, err, len(tmpl.Rejected))
		}
		Solve(tmpl.Block)
		if res, err := src.SubmitBlock(tmpl.Block); err != nil || res != chain.Connected {
			b.Fatalf("block on %s: %v %v", id, res, err)
		}
	}
	var inOne, inAll int64
	var claims uint64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		startOne, startAll, startClaims := settledBytesIn(b, one), settledBytesIn(b, all), one.Host.Stats().GossipClaims
		b.StartTimer()
		for r := 0; r < gossipBytesRounds; r++ {
			for _, id := range branches {
				key := ""
				for k := 0; ; k++ {
					if key = fmt.Sprintf("public/gossip/%d-%d-%d", i, r, k); wire.ForPath(wire.KeyPath(key), id.Depth) == id {
						break
					}
				}
				tx := wire.NewTx(id, wire.Put{Key: key, Value: value}, nonce[id], 0)
				nonce[id]++
				p.SetMinFee(tx)
				tx.Sign(p.Net, src.Key)
				mineWith(id, tx)
			}
			mineWith(wire.RootChain)
			waitTips()
		}
		b.StopTimer()
		inOne += settledBytesIn(b, one) - startOne
		inAll += settledBytesIn(b, all) - startAll
		claims += one.Host.Stats().GossipClaims - startClaims
		b.StartTimer()
	}
	rounds := float64(b.N * gossipBytesRounds)
	b.ReportMetric(float64(inOne)/rounds, "bytes/round-follow-01")
	b.ReportMetric(float64(inAll)/rounds, "bytes/round-follow-all")
	b.ReportMetric(float64(inOne)/float64(inAll), "one/all")
	b.ReportMetric(float64(claims)/rounds, "gossiped-claims/round")
}
