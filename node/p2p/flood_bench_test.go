package p2p_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/bitverse/bitverse/internal/testutil"
	"github.com/bitverse/bitverse/node/chain"
	"github.com/bitverse/bitverse/node/harness"
	"github.com/bitverse/bitverse/node/state"
	"github.com/bitverse/bitverse/node/wire"
)

// The flood benchmark's chain: a keyspace whose access script burns fuel,
// then floodBlocks honest blocks of puts; and floodTxs puts under that
// keyspace, signed by the funded key, each with a nonce far ahead.
const (
	floodBlocks  = 150
	floodTxs     = 4000
	floodSpace   = "floodspace"
	floodScript  = "function validate(write, ctx) { let s = 0; for (let i = 0; i < 5000; i++) { s += i % 7; } return s >= 0; }"
	floodPerPuts = 10
)

var floodFixture struct {
	once   sync.Once
	setup  []*wire.Block // the keyspace and the funds
	blocks []*wire.Block // the timed honest blocks
	txs    [][]byte
}

func floodChain(b *testing.B) ([]*wire.Block, []*wire.Block, [][]byte) {
	f := &floodFixture
	f.once.Do(func() {
		h := harness.New(b)
		src := h.NewNode("src", harness.NoNetwork())
		p := h.Params()
		src.Mine(int(p.CoinbaseMaturity) + 2)
		nonce, err := src.Mempool().NextNonce(src.Key.PubKey())
		if err != nil {
			b.Fatal(err)
		}
		buy := wire.NewTx(wire.RootChain, wire.KeyspaceBuy{Name: floodSpace, Script: []byte(floodScript), MaxPrice: state.KeyspacePrice(floodSpace)}, nonce, 0)
		p.SetMinFee(buy)
		buy.Sign(p.Net, src.Key)
		if _, err := src.AddTx(buy); err != nil {
			b.Fatalf("buy the flood keyspace: %v", err)
		}
		src.Mine(1)
		setupHeight := src.Chain().Tip().Height
		src.BuildChain(floodBlocks, floodPerPuts)
		for ht := uint64(1); ht <= src.Chain().Tip().Height; ht++ {
			blk, err := src.Chain().BlockByHeight(ht)
			if err != nil {
				b.Fatal(err)
			}
			if ht <= setupHeight {
				f.setup = append(f.setup, blk)
			} else {
				f.blocks = append(f.blocks, blk)
			}
		}
		for i := 0; i < floodTxs; i++ {
			tx := h.NewPut(src.Key, 1_000_000+uint64(i), fmt.Sprintf("%s/x/%d", floodSpace, i), []byte("never applicable"))
			f.txs = append(f.txs, tx.Encode())
		}
	})
	if len(f.blocks) == 0 {
		b.Fatal("flood fixture failed")
	}
	return f.setup, f.blocks, f.txs
}

// BenchmarkValidationUnderTxFlood: a networked node validates honest blocks
// (submitted in order, as sync does) while, in the flood case, a peer
// floods it over gossip with puts under a keyspace whose access script
// burns fuel, each with a nonce gap. Reports blocks/s; the ratio flood /
// quiet (scripts/bench-ratios.sh) is the share of its validation rate an
// honest node keeps under the flood.
func BenchmarkValidationUnderTxFlood(b *testing.B) {
	b.Run("quiet", func(b *testing.B) { benchFlood(b, false) })
	b.Run("flood", func(b *testing.B) { benchFlood(b, true) })
}

func benchFlood(b *testing.B, flood bool) {
	setup, blocks, txs := floodChain(b)
	var total time.Duration
	var sent int
	ops := 0
	for i := 0; testutil.More(i, b.N, total); i++ {
		ops++
		b.StopTimer()
		h := harness.New(b)
		v := h.NewNode(fmt.Sprintf("v%d", i))
		for _, blk := range setup {
			if res, err := v.SubmitBlock(blk); err != nil || res != chain.Connected {
				b.Fatalf("setup block %d: %v %v", blk.Header.Height, res, err)
			}
		}
		stop := make(chan struct{})
		done := make(chan struct{})
		if flood {
			junk := h.NewJunk()
			if err := junk.Connect(v); err != nil {
				b.Fatal(err)
			}
			go func() {
				defer close(done)
				ctx := context.Background()
				for j := 0; ; j++ {
					select {
					case <-stop:
						return
					default:
					}
					if v.Host.Banned(junk.Host.ID()) {
						return
					}
					if junk.Txs.Publish(ctx, txs[j%len(txs)]) == nil {
						sent++
					}
				}
			}()
		} else {
			close(done)
		}
		b.StartTimer()
		start := time.Now()
		for _, blk := range blocks {
			if res, err := v.SubmitBlock(blk); err != nil || res != chain.Connected {
				b.Fatalf("block %d: %v %v", blk.Header.Height, res, err)
			}
		}
		total += time.Since(start)
		b.StopTimer()
		close(stop)
		<-done
		h.Close()
		b.StartTimer()
	}
	sec := total.Seconds() / float64(ops)
	b.ReportMetric(float64(len(blocks))/sec, "blocks/s")
	if flood {
		b.ReportMetric(float64(sent)/float64(ops), "flood_txs/op")
	}
}
