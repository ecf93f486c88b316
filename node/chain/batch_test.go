package chain

import (
	"errors"
	"fmt"
	"testing"

	"github.com/bitverse/bitverse/node/consensus"
	"github.com/bitverse/bitverse/node/wire"
)

// batchTxs returns n signed puts from a few senders (not a block: VerifyTxs
// only looks at signatures), and their IDs.
func batchTxs(t *testing.T, p *consensus.Params, n int) ([]*wire.Tx, []wire.Hash) {
	t.Helper()
	txs := make([]*wire.Tx, n)
	ids := make([]wire.Hash, n)
	for i := range txs {
		k := key(t, byte(1+i%5))
		tx := wire.NewTx(wire.RootChain, wire.Put{Key: fmt.Sprintf("public/%d", i), Value: []byte("v")}, uint64(i), 1000)
		tx.Sign(p.Net, k)
		txs[i], ids[i] = tx, tx.ID()
	}
	return txs, ids
}

// VerifyTxs through batch verification (≥ batchMin signatures) reports the
// first bad transaction as verification one by one does, fills the cache
// only with what verified, and behaves the same without a cache.
func TestVerifyTxsBatch(t *testing.T) {
	p := consensus.Regtest()
	for _, n := range []int{batchMin - 1, batchMin, 2 * batchMin, 101} {
		for _, withCache := range []bool{true, false} {
			name := fmt.Sprintf("n=%d cache=%v", n, withCache)
			newCache := func() *SigCache {
				if withCache {
					return NewSigCache(1000)
				}
				return nil
			}
			txs, ids := batchTxs(t, p, n)
			c := newCache()
			if at, err := VerifyTxs(p.Net, txs, ids, c); at != -1 || err != nil {
				t.Fatalf("%s: valid set: %d, %v", name, at, err)
			}
			if c != nil && (c.Len() != n || c.Stats().Verified != uint64(n)) {
				t.Fatalf("%s: cache holds %d, verified %d; want %d", name, c.Len(), c.Stats().Verified, n)
			}
			// Bad signatures at a few places: the first is reported, and the
			// cache gets exactly the others.
			for _, bad := range [][]int{{0}, {n - 1}, {n / 2}, {n / 3, n - 2}, {n - 2, 1}} {
				txs, ids := batchTxs(t, p, n)
				first := n
				for _, i := range bad {
					txs[i].Sig[40] ^= 4
					ids[i] = txs[i].ID()
					first = min(first, i)
				}
				c := newCache()
				at, err := VerifyTxs(p.Net, txs, ids, c)
				if at != first || !errors.Is(err, wire.ErrBadSignature) {
					t.Fatalf("%s: bad at %v: VerifyTxs = %d, %v; want %d", name, bad, at, err, first)
				}
				if c != nil {
					for i, id := range ids {
						isBad := false
						for _, b := range bad {
							isBad = isBad || b == i
						}
						if c.Has(id) == isBad {
							t.Fatalf("%s: bad at %v: cache has %d: %v", name, bad, i, c.Has(id))
						}
					}
				}
			}
			// A sender key that is not on the curve.
			txs, ids = batchTxs(t, p, n)
			for x := byte(0); ; x++ {
				var pk wire.PubKey
				pk[0], pk[31] = 0x55, x
				if _, err := wire.ParseKey(pk); err != nil {
					txs[n-1].From = pk
					ids[n-1] = txs[n-1].ID()
					break
				}
			}
			if at, err := VerifyTxs(p.Net, txs, ids, newCache()); at != n-1 || !errors.Is(err, wire.ErrBadSignature) {
				t.Fatalf("%s: key off the curve: VerifyTxs = %d, %v", name, at, err)
			}
		}
	}
}
