package p2p_test

import (
	"testing"
	"time"

	"github.com/bitverse/bitverse/node/harness"
)

// A node following only branch 1 syncs the chains it keeps as headers
// only by header, coinbase and the coinbase's Merkle branch, never their
// bodies, and still judges every root checkpoint of them as the full
// node does (it ends on the same root: the coinbase claims it recorded
// are what checkpoints are checked against).
func TestHeadersOnlyChainsSyncClaimsNotBodies(t *testing.T) {
	h := harness.New(t)
	a := h.NewNode("a")
	buildTree(t, h, a)
	for i := 0; i < 2; i++ {
		for _, s := range []string{"0", "01", "1", "10"} {
			mineOn(t, h, a, s, true)
		}
		mineOn(t, h, a, "/", true)
	}
	b := h.NewNode("b", harness.Follow(cid(t, "1")))
	h.Connect(b, a)
	waitSameTree(t, 60*time.Second, a, b)
	claimed := uint64(0)
	for _, s := range []string{"0", "01", "10"} {
		c := b.Forest().Chain(cid(t, s))
		if !c.HeadersOnly() {
			t.Fatalf("b keeps %s in full", s)
		}
		claimed += c.Tip().Height
		if _, err := c.BlockByID(c.Tip().ID); err == nil {
			t.Fatalf("b stores a body of %s", s)
		}
	}
	// Sync is not the only way in: a root block synced before the
	// branch blocks it checkpoints is held, and those blocks are fetched
	// by id, as claims; blocks a mines while b syncs may come by claims
	// gossip.
	if st := b.Host.Stats(); st.SyncedClaimed+st.GossipClaims+st.FetchedClaims < claimed {
		t.Fatalf("b took %d blocks of its headers-only chains as claims (%d synced, %d gossiped, %d fetched for held blocks), want at least %d",
			st.SyncedClaimed+st.GossipClaims+st.FetchedClaims, st.SyncedClaimed, st.GossipClaims, st.FetchedClaims, claimed)
	}
	if a.Host.Banned(b.ID()) || b.Host.Banned(a.ID()) {
		t.Fatal("an honest sync cost someone a ban")
	}
}

// TestHeadersOnlyNodeServesClaimsItTook: c follows branch 1 only and
// knows b alone, which keeps the other branches as headers only: c syncs
// the whole tree from b, taking b's headers-only chains as b took them
// (claims), so a branch whose full nodes are gone can still be followed.
func TestHeadersOnlyNodeServesClaimsItTook(t *testing.T) {
	h := harness.New(t)
	a := h.NewNode("a")
	buildTree(t, h, a)
	for _, s := range []string{"0", "01", "1", "10"} {
		mineOn(t, h, a, s, true)
	}
	mineOn(t, h, a, "/", true)
	b := h.NewNode("b", harness.Follow(cid(t, "1")))
	h.Connect(b, a)
	waitSameTree(t, 60*time.Second, a, b)
	a.Stop() // b is now the only source
	c := h.NewNode("c", harness.Follow(cid(t, "1")))
	h.Connect(c, b)
	waitSameTree(t, 60*time.Second, b, c)
	for _, s := range []string{"0", "01", "10"} {
		if got := c.Forest().Chain(cid(t, s)).Tip().Height; got == 0 {
			t.Fatalf("c has no block of headers-only chain %s", s)
		}
	}
	if b.Host.Banned(c.ID()) || c.Host.Banned(b.ID()) {
		t.Fatal("an honest sync cost someone a ban")
	}
}
