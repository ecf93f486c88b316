package node

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/bitverse/bitverse/node/state"
	"github.com/bitverse/bitverse/node/wire"
)

// keyOn returns a key whose path lies under chain c.
func keyOn(c wire.ChainID) string {
	for i := 0; ; i++ {
		k := fmt.Sprintf("public/proof-%d", i)
		if c.Contains(wire.KeyPath(k)) {
			return k
		}
	}
}

// A node proves keys of every chain it stores in full, says so for the
// chains it keeps as headers only, refuses a key of another chain, and
// trusts headers of every chain of its forest.
func TestProofsPerChain(t *testing.T) {
	n := openTestNode(t, t.TempDir(), "1")
	defer n.Close()
	ctx := context.Background()
	one, zero := wire.RootChain.Child(1), wire.RootChain.Child(0)

	got := n.StoredChains()
	if len(got) != 2 || !got[0].IsRoot() || got[1] != one {
		t.Fatalf("stored chains %v, want / and 1", got)
	}
	p, err := n.ProveKey(ctx, one, keyOn(one), nil)
	if err != nil || p.Status != ProofOK {
		t.Fatalf("proof on 1: %v %v", p.Status, err)
	}
	h, err := wire.DecodeHeader(p.Header)
	if err != nil || h.Chain != one {
		t.Fatalf("proof on 1 against header of chain %v: %v", h.Chain, err)
	}
	pr, err := state.DecodeProof(p.Proof)
	if err != nil || pr.Record != nil || pr.Verify(h.StateRoot) != nil {
		t.Fatalf("absence proof on 1 does not verify: %v", err)
	}
	if tr, ok := n.TrustedHeader(one, h.ID()); !ok || tr.ID() != h.ID() {
		t.Fatal("the tip of 1 is not trusted")
	}
	if p, err := n.ProveKey(ctx, zero, keyOn(zero), nil); err != nil || p.Status != ProofNotStored {
		t.Fatalf("proof on headers-only 0: %v %v", p.Status, err)
	}
	if _, ok := n.TrustedHeader(zero, n.Forest().Chain(zero).Tip().ID); !ok {
		t.Fatal("the tip of headers-only 0 is not trusted")
	}
	if _, err := n.ProveKey(ctx, one, keyOn(zero), nil); !errors.Is(err, ErrBadRequest) {
		t.Fatalf("a key of 0 proven on 1: %v, want a bad request", err)
	}
	deep := wire.ChainID{Depth: n.Params().MaxDepth + 1}
	if p, _ := n.ProveKey(ctx, deep, keyOn(deep), nil); p.Status != ProofNotStored {
		t.Fatalf("proof below the tree: %v", p.Status)
	}
	if _, ok := n.TrustedHeader(deep, wire.Hash{}); ok {
		t.Fatal("a header below the tree is trusted")
	}
}
