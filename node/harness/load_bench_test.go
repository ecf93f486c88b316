package harness

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/bitverse/bitverse/node"
	"github.com/bitverse/bitverse/node/chain"
	"github.com/bitverse/bitverse/node/wire"
)

// The load generator: signed puts go through a node's local API (the
// JSON-RPC client a wallet or script uses) at increasing offered rates,
// from loadSenders senders, each with its own nonce sequence. A put is
// confirmed when a block holding it connects on the node that took it;
// its latency runs from the submit call to that block's event.
const (
	loadSenders   = 8
	loadStep      = 2 * time.Second        // how long each rate is offered
	loadDrain     = 5 * time.Second        // how long a step's puts may take to confirm after it
	loadBlockTime = 500 * time.Millisecond // the miner's mean block interval
)

// loadRates are the offered rates, puts/s, in order; the ramp stops at the
// first rate the node does not sustain.
var loadRates = []int{50, 100, 200, 400, 800, 1600, 3200}

// loadStepResult is what one offered rate gave.
type loadStepResult struct {
	offered   int
	submitted int
	confirmed int
	rate      float64       // confirmed puts per second of the step
	span      time.Duration // from the step's start to its last confirmation
	p50, p99  time.Duration
	sustained bool
}

// ceiling is the validation ceiling: blocks of puts processed by a fresh
// node (ProcessBlock through SubmitBlock, signature cache empty), writes/s.
var ceiling struct {
	once   sync.Once
	blocks []*wire.Block
	puts   int
}

func validationCeiling(b *testing.B) float64 {
	b.Helper()
	ceiling.once.Do(func() {
		h := New(b)
		src := h.NewNode("ceiling-src", NoNetwork())
		ceiling.puts = src.BuildChain(int(h.params.CoinbaseMaturity)+2+10, 200)
		for ht := uint64(1); ht <= src.Chain().Tip().Height; ht++ {
			blk, err := src.Chain().BlockByHeight(ht)
			if err != nil {
				b.Fatal(err)
			}
			ceiling.blocks = append(ceiling.blocks, blk)
		}
		h.Close()
	})
	h := New(b)
	n := h.NewNode("ceiling", NoNetwork())
	start := time.Now()
	for _, blk := range ceiling.blocks {
		if res, err := n.SubmitBlock(blk); err != nil || res != chain.Connected {
			b.Fatalf("ceiling block %d: %v %v", blk.Header.Height, res, err)
		}
	}
	rate := float64(ceiling.puts) / time.Since(start).Seconds()
	h.Close()
	return rate
}

// BenchmarkLoad ramps the offered rate of signed puts through the local
// API on a lone mining node and on a 3-node devnet (puts sent to a node
// that does not mine, so they travel by gossip to the miner and back in
// blocks). It reports the highest confirmed rate sustained (the API took
// ≥ 90% of the offered puts and every one confirmed), the p50 and p99
// confirmation latency at that rate, and that rate as a fraction of the
// validation ceiling measured just before (blocks of puts connected by a
// fresh node). Blocks come every loadBlockTime on average, so the latency
// floor is about half of it.
func BenchmarkLoad(b *testing.B) {
	for _, nodes := range []int{1, 3} {
		name := "lone"
		if nodes > 1 {
			name = fmt.Sprintf("devnet%d", nodes)
		}
		b.Run(name, func(b *testing.B) {
			ceil := validationCeiling(b)
			steps := runLoad(b, nodes)
			best := loadStepResult{}
			for _, s := range steps {
				b.Logf("offered %5d/s: submitted %5d, confirmed %5d (%.0f/s, the last %s after the start), p50 %s, p99 %s, sustained %v",
					s.offered, s.submitted, s.confirmed, s.rate, s.span.Round(time.Millisecond), s.p50.Round(time.Millisecond), s.p99.Round(time.Millisecond), s.sustained)
				if s.sustained && s.rate > best.rate {
					best = s
				}
			}
			b.ReportMetric(best.rate, "writes/s")
			b.ReportMetric(float64(best.p50.Microseconds())/1000, "p50_ms")
			b.ReportMetric(float64(best.p99.Microseconds())/1000, "p99_ms")
			b.ReportMetric(ceil, "ceiling-writes/s")
			b.ReportMetric(best.rate/ceil, "ratio")
		})
	}
}

// runLoad starts the nodes, funds the senders and runs the ramp against
// the last node's API.
func runLoad(b *testing.B, nodes int) []loadStepResult {
	b.Helper()
	h := New(b)
	defer h.Close()
	miner := h.NewNode("miner")
	target := miner
	for i := 1; i < nodes; i++ {
		target = h.NewNode(fmt.Sprintf("peer%d", i))
	}
	if nodes > 1 {
		h.ConnectAll()
	}
	miner.Mine(int(h.params.CoinbaseMaturity) + 2)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	// Fund the senders from the miner's matured rewards.
	acct, err := miner.Node.Account(ctx, wire.EncodeAddress(h.params.Net, miner.Key.PubKey()))
	if err != nil {
		b.Fatal(err)
	}
	senders := make([]wire.PrivKey, loadSenders)
	var funding []wire.Hash
	for i := range senders {
		senders[i] = KeyFor(fmt.Sprintf("load-sender-%d", i))
		tx := wire.NewTx(wire.RootChain, wire.Transfer{To: senders[i].PubKey(), Amount: acct.Balance / (2 * loadSenders)}, acct.NextNonce+uint64(i), 0)
		tx.From = miner.Key.PubKey()
		h.params.SetMinFee(tx)
		tx.Sign(h.params.Net, miner.Key)
		id, err := miner.API.SubmitTx(ctx, tx.Encode())
		if err != nil {
			b.Fatalf("fund sender %d: %v", i, err)
		}
		funding = append(funding, id)
	}
	miner.Mine(1)
	for _, id := range funding {
		if err := target.WaitConfirmed(id, time.Minute); err != nil {
			b.Fatal(err)
		}
	}

	// Confirmations, seen on the target through its event stream.
	events, err := target.API.Events(ctx)
	if err != nil {
		b.Fatal(err)
	}
	var mu sync.Mutex
	sent := map[wire.Hash]time.Time{}
	var lat []time.Duration
	var last time.Time // the latest confirmation
	go func() {
		for ev := range events {
			if ev.Kind != node.EventBlockConnected {
				continue
			}
			at := time.Now()
			info, err := target.API.Block(ctx, ev.Block.String())
			if err != nil {
				continue
			}
			mu.Lock()
			for _, t := range info.Txs {
				if s, ok := sent[t.ID]; ok {
					delete(sent, t.ID)
					lat = append(lat, at.Sub(s))
					last = at
				}
			}
			mu.Unlock()
		}
	}()
	miner.StartAutoMine(loadBlockTime)
	defer miner.StopAutoMine()

	nonces := make([]uint64, loadSenders)
	pubs := make([]wire.PubKey, loadSenders)
	for i, k := range senders {
		pubs[i] = k.PubKey()
	}
	var out []loadStepResult
	for _, rate := range loadRates {
		mu.Lock()
		lat = lat[:0]
		mu.Unlock()
		res := loadStepResult{offered: rate}
		// Each sender offers rate/loadSenders puts a second, paced
		// against the clock: a slow submit is caught up within the step.
		var wg sync.WaitGroup
		var subMu sync.Mutex
		start := time.Now()
		for s := range senders {
			wg.Add(1)
			go func() {
				defer wg.Done()
				per := time.Duration(float64(time.Second) * loadSenders / float64(rate))
				for i := 0; ; i++ {
					// Offered for loadStep only: a sender that falls
					// behind stops with the step, its puts not offered.
					due := start.Add(time.Duration(i) * per)
					if due.Sub(start) >= loadStep || time.Since(start) >= loadStep {
						return
					}
					if d := time.Until(due); d > 0 {
						time.Sleep(d)
					}
					tx := wire.NewTx(wire.RootChain, wire.Put{Key: fmt.Sprintf("public/load/%d/%d", s, nonces[s]), Value: []byte("load")}, nonces[s], 0)
					tx.From = pubs[s] // derived once: a wallet does not derive its key per put
					h.params.SetMinFee(tx)
					tx.Sign(h.params.Net, senders[s])
					at := time.Now()
					mu.Lock()
					sent[tx.ID()] = at
					mu.Unlock()
					if _, err := target.API.SubmitTx(ctx, tx.Encode()); err != nil {
						mu.Lock()
						delete(sent, tx.ID())
						mu.Unlock()
						b.Logf("sender %d: %v", s, err)
						return
					}
					nonces[s]++
					subMu.Lock()
					res.submitted++
					subMu.Unlock()
				}
			}()
		}
		wg.Wait()
		// Let the step's puts confirm (or not).
		for end := time.Now().Add(loadDrain); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
			mu.Lock()
			left := len(sent)
			mu.Unlock()
			if left == 0 {
				break
			}
		}
		mu.Lock()
		res.confirmed = len(lat)
		ls := slices.Clone(lat)
		span := last.Sub(start)
		pendingLeft := len(sent)
		clear(sent) // whatever is left counts as not confirmed
		mu.Unlock()
		slices.Sort(ls)
		if len(ls) > 0 {
			res.p50 = ls[len(ls)/2]
			res.p99 = ls[min(len(ls)-1, len(ls)*99/100)]
		}
		// A rate is sustained when the senders kept up with it (the API
		// took ≥ 90% of the puts offered in the step) and every put
		// confirmed by the end of the drain: the node keeps pace, its
		// queue does not grow. The latencies say how far behind it runs.
		res.rate = float64(res.confirmed) / loadStep.Seconds()
		res.span = span
		res.sustained = pendingLeft == 0 && float64(res.submitted) >= 0.9*float64(rate)*loadStep.Seconds()
		out = append(out, res)
		if !res.sustained {
			break
		}
	}
	return out
}
