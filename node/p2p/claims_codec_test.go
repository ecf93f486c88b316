package p2p

import (
	"bytes"
	"errors"
	"testing"

	"github.com/bitverse/bitverse/node/wire"
)

func fullClaim() *claim {
	cb := wire.NewTx(wire.ChainID{Depth: 3, Bits: 5}, wire.Coinbase{To: wire.PubKey{1}, Amount: ^uint64(0)}, ^uint64(0), ^uint64(0))
	cb.From, cb.Sig = wire.PubKey{2}, wire.Signature{3} // what the decoder allows of a coinbase
	return &claim{Coinbase: cb.Encode(), Branch: hashes(wire.MaxFirstBranch)}
}

// The largest Claims reply fits its frame cap; counts, flags and branch
// lengths beyond the limits are protocol violations.
func TestClaimsCodecBounds(t *testing.T) {
	c := fullClaim()
	if len(c.Coinbase) > MaxCoinbaseSize {
		t.Fatalf("the largest coinbase takes %d bytes, over MaxCoinbaseSize %d", len(c.Coinbase), MaxCoinbaseSize)
	}
	all := make([]*claim, MaxClaimsPerReq)
	for i := range all {
		if i%7 != 0 {
			all[i] = c
		}
	}
	raw := encodeClaims(all)
	if len(raw) > MaxClaimsFrame {
		t.Fatalf("%d claims take %d bytes, more than the frame cap %d", len(all), len(raw), MaxClaimsFrame)
	}
	got, err := decodeClaims(raw, len(all))
	if err != nil || !bytes.Equal(encodeClaims(got), raw) {
		t.Fatalf("round trip: %v", err)
	}
	if _, err := decodeClaims(raw, len(all)-1); !errors.Is(err, ErrProtocol) {
		t.Errorf("a reply for another number of ids: %v", err)
	}
	long := &claim{Coinbase: c.Coinbase, Branch: hashes(wire.MaxFirstBranch + 1)}
	if _, err := decodeClaims(encodeClaims([]*claim{long}), 1); !errors.Is(err, ErrProtocol) {
		t.Errorf("a branch over %d hashes: %v", wire.MaxFirstBranch, err)
	}
	bad := encodeClaims([]*claim{nil})
	bad[len(bad)-1] = 2
	if _, err := decodeClaims(bad, 1); !errors.Is(err, ErrProtocol) {
		t.Errorf("flag 2: %v", err)
	}
	q := &request{Type: msgGetClaims, Chain: wire.ChainID{Depth: 2, Bits: 1}, IDs: hashes(MaxClaimsPerReq)}
	if d, err := decodeRequest(q.encode()); err != nil || len(d.IDs) != MaxClaimsPerReq {
		t.Fatalf("GetClaims of %d ids: %v", MaxClaimsPerReq, err)
	}
	q.IDs = hashes(MaxClaimsPerReq + 1)
	if _, err := decodeRequest(q.encode()); !errors.Is(err, ErrProtocol) {
		t.Errorf("GetClaims of %d ids: %v", MaxClaimsPerReq+1, err)
	}
}

func FuzzDecodeClaims(f *testing.F) {
	f.Add(encodeClaims([]*claim{fullClaim(), nil}), 2)
	f.Add(encodeClaims(nil), 0)
	f.Add([]byte{replyBusy}, 1)
	f.Fuzz(func(t *testing.T, b []byte, n int) {
		cs, err := decodeClaims(b, n)
		if err != nil {
			return
		}
		if len(cs) != n {
			t.Fatalf("%d claims for %d ids", len(cs), n)
		}
		again, err := decodeClaims(encodeClaims(cs), n)
		if err != nil || !bytes.Equal(encodeClaims(again), encodeClaims(cs)) {
			t.Fatalf("round trip: %v", err)
		}
	})
}

// A claim is accepted only as the canonical coinbase proven first under
// its own header's tx root.
func TestClaimsVerifiedAgainstTheirHeaders(t *testing.T) {
	zero := wire.ChainID{Depth: 1}
	cb := wire.NewTx(zero, wire.Coinbase{To: wire.PubKey{9}, Amount: 5}, 3, 0)
	put := wire.NewTx(zero, wire.Put{Key: "public/x", Value: []byte("v")}, 0, 1)
	b := &wire.Block{Header: wire.Header{Chain: zero, Height: 3}, Txs: []*wire.Tx{cb, put, wire.NewTx(zero, wire.Put{Key: "public/y"}, 1, 1)}}
	b.Header.TxRoot = b.ComputeTxRoot()
	ids := b.TxIDs()
	hs := []wire.Header{b.Header}
	good := &claim{Coinbase: cb.Encode(), Branch: wire.FirstBranch(ids)}
	got, err := verifyClaims(hs, []*claim{good})
	if err != nil || got[0] == nil || got[0].Coinbase.ID() != ids[0] {
		t.Fatalf("the true claim: %v", err)
	}
	if got, err := verifyClaims(hs, []*claim{nil}); err != nil || got[0] != nil {
		t.Fatalf("a block not served: %v", err)
	}
	other := b.Header
	other.Height++
	other.TxRoot = wire.Hash{1}
	// The second transaction with the first's branch, a branch cut short,
	// a coinbase with trailing bytes, and the claim under another header.
	for name, tc := range map[string]struct {
		h wire.Header
		c *claim
	}{
		"second tx":      {b.Header, &claim{Coinbase: put.Encode(), Branch: good.Branch}},
		"short branch":   {b.Header, &claim{Coinbase: good.Coinbase, Branch: good.Branch[:1]}},
		"trailing bytes": {b.Header, &claim{Coinbase: append(bytes.Clone(good.Coinbase), 0), Branch: good.Branch}},
		"another header": {other, good},
	} {
		if _, err := verifyClaims([]wire.Header{tc.h}, []*claim{tc.c}); !errors.Is(err, ErrProtocol) {
			t.Errorf("%s: %v, want ErrProtocol", name, err)
		}
	}
}
