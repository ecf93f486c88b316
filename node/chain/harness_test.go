package chain

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/bitverse/bitverse/node/consensus"
	"github.com/bitverse/bitverse/node/store"
	"github.com/bitverse/bitverse/node/wire"
)

// testClock is a controllable clock: each block made by mine advances it.
type testClock struct{ t time.Time }

func (c *testClock) Now() time.Time { return c.t }

func newTestChain(t testing.TB) (*Chain, *testClock) {
	t.Helper()
	db, err := store.Open(filepath.Join(t.TempDir(), "chain.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	p := consensus.Regtest()
	clk := &testClock{t: time.UnixMilli(p.GenesisTime).Add(time.Hour)}
	c, err := New(Config{Params: p, DB: db, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	return c, clk
}

// solve finds a nonce meeting the block's target.
func solve(b *wire.Block) {
	target := consensus.CompactToBig(b.Header.Bits)
	for !consensus.HashMeetsTarget(b.Header.PowHash(), target) {
		b.Header.Nonce++
	}
}

// mineTemplate builds, solves and returns (without processing) a block on the tip.
func mineTemplate(t testing.TB, c *Chain, clk *testClock, to wire.PubKey, txs ...*wire.Tx) *wire.Block {
	t.Helper()
	clk.t = clk.t.Add(2 * time.Second)
	tmpl, err := c.NewTemplate(to, txs, clk.t)
	if err != nil {
		t.Fatal(err)
	}
	if len(tmpl.Rejected) > 0 {
		t.Fatalf("template rejected %d txs", len(tmpl.Rejected))
	}
	solve(tmpl.Block)
	return tmpl.Block
}

func mine(t testing.TB, c *Chain, clk *testClock, to wire.PubKey, txs ...*wire.Tx) *wire.Block {
	t.Helper()
	b := mineTemplate(t, c, clk, to, txs...)
	if res, err := c.ProcessBlock(b); err != nil || res != Connected {
		t.Fatalf("block at height %d: result %v, err %v", b.Header.Height, res, err)
	}
	return b
}

func key(t testing.TB, seed byte) wire.PrivKey {
	t.Helper()
	b := make([]byte, 32)
	b[31] = seed
	b[0] = 1
	k, err := wire.PrivKeyFromBytes(b)
	if err != nil {
		t.Fatal(err)
	}
	return k
}
