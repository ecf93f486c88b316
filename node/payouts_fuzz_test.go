package node

import (
	"testing"

	"github.com/bitverse/bitverse/node/wire"
)

// FuzzDecodePayout: a payout index record decodes only at its exact size,
// never panics, and what decodes encodes back to the same bytes.
func FuzzDecodePayout(f *testing.F) {
	e := wire.CheckpointEntry{Chain: wire.RootChain.Child(1), Block: wire.Sum([]byte("b")), Height: 7, Fees: 1250}
	f.Add(payoutKey(wire.PubKey(wire.Sum([]byte("m"))), 42, 3), encodePayout(e))
	f.Add([]byte{}, []byte{})
	f.Fuzz(func(t *testing.T, k, v []byte) {
		r, err := decodePayout(k, v)
		if err != nil {
			return
		}
		back := encodePayout(wire.CheckpointEntry{Chain: r.chain, Block: r.block, Height: r.height, Fees: r.fees})
		if string(back) != string(v) {
			t.Fatalf("decode(%x) re-encodes as %x", v, back)
		}
	})
}
