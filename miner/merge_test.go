package miner

import (
	"math/big"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bitverse/bitverse/internal/testutil"
	"github.com/bitverse/bitverse/node/consensus"
	"github.com/bitverse/bitverse/node/wire"
)

// pathTemplates returns candidates along the path 1, 10, 101 below the
// root, cut at depth, with targets 2^(256-bits[i]).
func pathTemplates(depth int, bits []uint) func() ([]*wire.Block, error) {
	var n atomic.Uint64
	return func() ([]*wire.Block, error) {
		h := n.Add(1)
		chain := wire.RootChain
		var out []*wire.Block
		for d := 0; d <= depth; d++ {
			target := new(big.Int).Lsh(big.NewInt(1), 256-bits[d])
			out = append(out, &wire.Block{Header: wire.Header{Version: 1, Chain: chain, Height: h,
				Bits: consensus.BigToCompact(target), Time: time.Now().UnixMilli()}})
			chain = chain.Child(uint32(d+1) & 1)
		}
		return out, nil
	}
}

// TestMergedMiningAlongAPath: every hash commits to the four candidates;
// each block found meets its own chain's target with a proof at its
// depth's slot, and blocks found by one hash share its commitment.
func TestMergedMiningAlongAPath(t *testing.T) {
	var mu sync.Mutex
	found := map[string][]*wire.Block{}
	m := New(Config{
		Path:     pathTemplates(3, []uint{9, 8, 7, 6}),
		MaxDepth: 3,
		Workers:  2,
		Submit: func(b *wire.Block) error {
			mu.Lock()
			defer mu.Unlock()
			c := *b
			found[b.Header.Chain.String()] = append(found[b.Header.Chain.String()], &c)
			return nil
		},
	})
	m.Start()
	deadline := time.Now().Add(20 * time.Second)
	for {
		mu.Lock()
		done := len(found["/"]) >= 5
		mu.Unlock()
		if done || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	m.Stop()
	mu.Lock()
	defer mu.Unlock()
	if len(found["/"]) < 5 {
		t.Fatalf("only %d root blocks in 20 s", len(found["/"]))
	}
	for _, c := range []string{"/", "1", "10", "101"} {
		for _, b := range found[c] {
			h := &b.Header
			if int(h.Merge.Index) != int(h.Chain.Depth) || len(h.Merge.Branch) != wire.MergeBranchLen(3) {
				t.Fatalf("chain %s: merge proof at slot %d with %d hashes", c, h.Merge.Index, len(h.Merge.Branch))
			}
			if !consensus.HashMeetsTarget(h.PowHash(), consensus.CompactToBig(h.Bits)) {
				t.Fatalf("chain %s: proof of work above its target", c)
			}
		}
	}
	// Deeper chains here have easier targets, so each root solution also
	// made a block on every chain below it, with the same nonce and root.
	for _, r := range found["/"] {
		for _, c := range []string{"1", "10", "101"} {
			ok := false
			for _, b := range found[c] {
				if b.Header.Nonce == r.Header.Nonce && b.Header.Height == r.Header.Height && b.Header.Commit() == r.Header.Commit() {
					ok = true
				}
			}
			if !ok {
				t.Fatalf("root block at nonce %d has no sibling on chain %s", r.Header.Nonce, c)
			}
		}
	}
	st := m.Stats()
	if st.FoundByChain["/"] != uint64(len(found["/"])) || st.FoundByChain["101"] < st.FoundByChain["/"] {
		t.Fatalf("stats by chain %v, found %d root blocks", st.FoundByChain, len(found["/"]))
	}
	t.Logf("blocks found: / %d, 1 %d, 10 %d, 101 %d", len(found["/"]), len(found["1"]), len(found["10"]), len(found["101"]))
}

// BenchmarkMergedHashRate measures hashes/s mining the root alone and along
// a path of depth 3 (four candidates, never solved): the target is
// depth 3 ≥ 0.9 × depth 0.
func BenchmarkMergedHashRate(b *testing.B) {
	for _, depth := range []int{0, 3} {
		b.Run(map[int]string{0: "depth0", 3: "depth3"}[depth], func(b *testing.B) {
			never := []uint{256, 256, 256, 256} // target 2^0 = 1: never met
			m := New(Config{Path: pathTemplates(depth, never), MaxDepth: 3, Submit: func(*wire.Block) error { return nil }})
			want := uint64(b.N) * 1000
			start := time.Now()
			m.Start()
			for m.hashes.Load() < want || time.Since(start) < testutil.RatioMinTime {
				time.Sleep(5 * time.Millisecond)
			}
			m.Stop()
			b.ReportMetric(float64(m.hashes.Load())/time.Since(start).Seconds(), "hashes/s")
		})
	}
}
