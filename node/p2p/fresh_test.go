package p2p_test

import (
	"context"
	"testing"
	"time"

	"github.com/bitverse/bitverse/node/harness"
	"github.com/bitverse/bitverse/node/wire"
	"github.com/libp2p/go-libp2p/core/peer"
)

// TestVerifiedReadIsFresh: a provider that serves proofs against an older
// header (valid: it is among the last node.TrustWindow blocks) cannot make
// the reader take a stale value when another provider can prove the
// current one; alone, its answer is returned with the height it was
// proven at, so the reader sees it is old.
func TestVerifiedReadIsFresh(t *testing.T) {
	h := harness.New(t)
	a, b, s := h.NewNode("a"), h.NewNode("b"), h.NewNode("s")
	mineWrites(t, h, a, map[string]string{"public/fresh": "old value"})
	old := h.NewNode("old", harness.NoNetwork(), harness.CopyChainOf(a))
	staleAt := old.Chain().Tip().Height
	id, err := a.Put("public/fresh", "new value")
	if err != nil {
		t.Fatal(err)
	}
	a.Mine(3)
	if err := a.WaitConfirmed(id, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	s.Host.SetProofSource(old.Node) // s answers from the old state
	h.Connect(a, b)
	h.Connect(s, b)
	tip := h.WaitForTip(20*time.Second, a, b, s)
	tipHeight := b.Chain().Tip().Height
	ctx := context.Background()

	res, err := b.Host.GetVerifiedFrom(ctx, wire.RootChain, "public/fresh", []peer.ID{s.ID(), a.ID()})
	if err != nil {
		t.Fatal(err)
	}
	if string(res.Record.Value) != "new value" || res.Header.ID() != tip || res.Peer != a.ID() {
		t.Fatalf("read %q at height %d from %s; want %q at the tip %d from a", res.Record.Value, res.Header.Height, res.Peer, "new value", tipHeight)
	}
	res, err = b.Host.GetVerifiedFrom(ctx, wire.RootChain, "public/fresh", []peer.ID{s.ID()})
	if err != nil {
		t.Fatal(err)
	}
	if string(res.Record.Value) != "old value" || res.Header.Height != staleAt {
		t.Fatalf("alone, s's answer reads %q at height %d; want %q at %d", res.Record.Value, res.Header.Height, "old value", staleAt)
	}
	if b.Host.Banned(s.ID()) || b.Host.Banned(a.ID()) {
		t.Fatal("a provider that is behind was banned")
	}
	// The same through GetVerified: whoever is asked first, the fresh value.
	res, err = b.Host.GetVerified(ctx, wire.RootChain, "public/fresh")
	if err != nil || string(res.Record.Value) != "new value" || res.Header.Height != tipHeight {
		t.Fatalf("GetVerified: %+v, %v", res, err)
	}
}
