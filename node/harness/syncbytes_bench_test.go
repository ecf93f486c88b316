package harness

import (
	"fmt"
	"testing"
	"time"

	"github.com/bitverse/bitverse/node/wire"
)

// BenchmarkSyncBytes: a source storing every chain holds syncBytesPuts
// puts spread over depths 0–3 (a quarter on the root, the rest over the
// 14 branches); a newcomer following only 01 and one following all sync
// from it. It reports the stream bytes each received until it had every
// chain's tip (full or headers only) and their ratio: what keeping the
// other 12 branches as headers only saves on the wire. Those are synced
// by header, coinbase and the coinbase's Merkle branch (GetClaims), never
// their bodies; claimed-blocks counts the blocks the first newcomer took
// that way. With these small writes a block's header outweighs its
// body, so the ratio stays well above the share of bodies followed.
func BenchmarkSyncBytes(b *testing.B) {
	const syncBytesPuts = 240
	h := New(b)
	p := h.Params()
	src := h.NewNode("src")
	src.Mine(int(p.CoinbaseMaturity) + 3)
	branches := wire.TreeChains(p.MaxDepth)[1:]
	nonce := map[wire.ChainID]uint64{}
	send := func(tx *wire.Tx) {
		b.Helper()
		tx.Nonce = nonce[tx.Chain]
		nonce[tx.Chain]++
		p.SetMinFee(tx)
		tx.Sign(p.Net, src.Key)
		if _, err := src.AddTx(tx); err != nil {
			b.Fatalf("add %s on %s: %v", tx.Type, tx.Chain, err)
		}
	}
	for _, id := range branches {
		send(wire.NewTx(wire.RootChain, wire.Stamp{Chain: id, Amount: wire.Unit}, 0, 0))
	}
	src.Mine(1)
	for _, id := range branches {
		src.MineOn(id, 1)
	}
	for i := 0; i < syncBytesPuts; i++ {
		key := fmt.Sprintf("public/bytes/%d", i)
		send(wire.NewTx(wire.ForPath(wire.KeyPath(key), uint8(i%4)), wire.Put{Key: key, Value: []byte(fmt.Sprintf("value %d, some tens of bytes long", i))}, 0, 0))
	}
	for round := 0; ; round++ {
		waiting := 0
		for _, id := range append([]wire.ChainID{wire.RootChain}, branches...) {
			pool, _ := src.PoolOf(id)
			waiting += pool.Len()
		}
		if waiting == 0 {
			break
		}
		if round > 50 {
			b.Fatalf("%d writes still waiting after %d rounds", waiting, round)
		}
		src.Mine(1)
		for _, id := range branches {
			src.MineOn(id, 1)
		}
	}
	src.Mine(2) // checkpoint the last branch blocks
	chains := append([]wire.ChainID{wire.RootChain}, branches...)

	var one, all int64
	var claimed uint64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		f01, _ := wire.ParseChainID("01")
		n1 := h.NewNode(fmt.Sprintf("follow01-%d", i), Follow(f01))
		na := h.NewNode(fmt.Sprintf("followall-%d", i))
		b.StartTimer()
		h.Connect(n1, src)
		h.Connect(na, src)
		deadline := time.Now().Add(2 * time.Minute)
		for {
			behind := ""
			for _, id := range chains {
				want := src.Forest().Chain(id).Tip().ID
				for _, n := range []*Node{n1, na} {
					if n.Forest().Chain(id).Tip().ID != want {
						behind = fmt.Sprintf("%s on chain %s", n.Name, id)
					}
				}
			}
			if behind == "" {
				break
			}
			if time.Now().After(deadline) {
				b.Fatalf("not synced after 2 minutes: %s", behind)
			}
			time.Sleep(20 * time.Millisecond)
		}
		b.StopTimer()
		claimed += n1.Host.Stats().SyncedClaimed
		one += settledBytesIn(b, n1)
		all += settledBytesIn(b, na)
		n1.Stop()
		na.Stop()
		b.StartTimer()
	}
	b.ReportMetric(float64(one)/float64(b.N), "bytes-follow-01")
	b.ReportMetric(float64(all)/float64(b.N), "bytes-follow-all")
	b.ReportMetric(float64(one)/float64(all), "one/all")
	b.ReportMetric(float64(claimed)/float64(b.N), "claimed-blocks")
}

// settledBytesIn returns n's count of bytes received once it covers the
// sync just done: the counter totals its meters once a second, so it is
// read after the next total (it then also holds a second of the peers'
// background chatter, gossip heartbeats and the like, alike for every
// node).
func settledBytesIn(b *testing.B, n *Node) int64 {
	b.Helper()
	done := time.Now()
	first := n.Host.Stats().BytesIn
	for deadline := done.Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if v := n.Host.Stats().BytesIn; v != first && time.Since(done) > 1100*time.Millisecond || time.Since(done) > 2200*time.Millisecond {
			return v
		}
	}
	b.Fatalf("%s: the byte count did not move", n.Name)
	return 0
}
