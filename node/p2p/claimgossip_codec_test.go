package p2p

import (
	"bytes"
	"testing"

	"github.com/bitverse/bitverse/node/chain"
	"github.com/bitverse/bitverse/node/wire"
)

// fullClaimed is the largest claim message: a merge branch and a coinbase
// Merkle branch of the most hashes, the largest coinbase.
func fullClaimed() *chain.Claimed {
	c := fullClaim()
	cb, _ := wire.DecodeTx(c.Coinbase)
	h := wire.Header{Chain: cb.Chain, Height: ^uint64(0), Time: -1, Bits: ^uint32(0), Nonce: ^uint64(0)}
	h.Merge.Branch = hashes(wire.MaxMergeBranch)
	return &chain.Claimed{Header: h, Coinbase: cb, Branch: c.Branch}
}

// The largest claim fits MaxClaimMessage and round-trips; a coinbase that
// is not canonical, trailing bytes and a branch over the limit are refused.
func TestClaimMessageBounds(t *testing.T) {
	cl := fullClaimed()
	raw := EncodeClaim(cl)
	if len(raw) > MaxClaimMessage {
		t.Fatalf("the largest claim takes %d bytes, over MaxClaimMessage %d", len(raw), MaxClaimMessage)
	}
	got, err := DecodeClaim(raw)
	if err != nil || !bytes.Equal(EncodeClaim(got), raw) {
		t.Fatalf("round trip: %v", err)
	}
	if _, err := DecodeClaim(append(raw, 0)); err == nil {
		t.Error("a claim with a trailing byte decoded")
	}
	long := *cl
	long.Branch = hashes(wire.MaxFirstBranch + 1)
	if _, err := DecodeClaim(EncodeClaim(&long)); err == nil {
		t.Errorf("a branch of %d hashes decoded", wire.MaxFirstBranch+1)
	}
	none := *cl
	none.Coinbase = nil
	if _, err := DecodeClaim(EncodeClaim(&none)); err == nil {
		t.Error("a claim without a coinbase decoded")
	}
}

func FuzzDecodeClaim(f *testing.F) {
	f.Add(EncodeClaim(fullClaimed()))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		cl, err := DecodeClaim(b)
		if err != nil {
			return
		}
		again, err := DecodeClaim(EncodeClaim(cl))
		if err != nil || !bytes.Equal(EncodeClaim(again), EncodeClaim(cl)) {
			t.Fatalf("round trip: %v", err)
		}
	})
}
