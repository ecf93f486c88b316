package consensus

import (
	"bytes"
	"testing"

	"github.com/bitverse/bitverse/node/wire"
)

// TestSetMinFee checks that SetMinFee finds the least fee the rules accept,
// across value sizes where the fee's own varint grows a byte.
func TestSetMinFee(t *testing.T) {
	p := Devnet()
	for n := 0; n < 3000; n += 7 {
		tx := wire.NewTx(wire.RootChain, wire.Put{Key: "k", Value: bytes.Repeat([]byte{1}, n)}, 0, 0)
		fee := p.SetMinFee(tx)
		if fee != tx.Fee {
			t.Fatalf("case %d: returned %d, set %d", n, fee, tx.Fee)
		}
		if tx.Fee < p.MinFee(tx.Size()) {
			t.Fatalf("case %d: fee %d below the minimum %d", n, tx.Fee, p.MinFee(tx.Size()))
		}
		lower := *tx
		lower.Fee--
		if lower.Fee >= p.MinFee(lower.Size()) {
			t.Fatalf("case %d: fee %d is not the least (%d also passes)", n, tx.Fee, lower.Fee)
		}
	}
}
