package p2p_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bitverse/bitverse/node/chain"
	"github.com/bitverse/bitverse/node/harness"
	"github.com/bitverse/bitverse/node/p2p"
	"github.com/bitverse/bitverse/node/wire"
	"github.com/libp2p/go-libp2p/core/peer"
)

// bigValue is the value of the put that makes a branch block's body big
// enough to tell apart from its claim in a byte count.
var bigValue = strings.Repeat("b", 48<<10)

// claimsSetup starts a (every chain in full), b (follows only 1) and all
// (every chain in full), syncs them from a, and waits until a sees b on
// the claims topic of 01 and all on its block topic. No periodic sync:
// after the first, only gossip and fetches by id bring anything.
func claimsSetup(t *testing.T) (h *harness.Harness, a, b, all *harness.Node) {
	t.Helper()
	h = harness.New(t)
	quiet := harness.WithP2PConfig(func(c *p2p.Config) { c.SyncInterval = time.Hour })
	a = h.NewNode("a", quiet)
	b = h.NewNode("b", harness.Follow(cid(t, "1")), quiet)
	all = h.NewNode("all", quiet)
	buildTree(t, h, a)
	h.Connect(a, b)
	h.Connect(a, all)
	waitSameTree(t, 60*time.Second, a, b, all)
	net := h.Params().Net
	waitTopicPeer(t, a, p2p.TopicChainClaims(net, cid(t, "01")), b.ID())
	waitTopicPeer(t, a, p2p.TopicChainBlocks(net, cid(t, "01")), all.ID())
	return h, a, b, all
}

func waitTopicPeer(t *testing.T, n *harness.Node, topic string, p peer.ID) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); !slices.Contains(n.Host.TopicPeers(topic), p); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%s never saw %s on %s", n.Name, p, topic)
		}
	}
}

// settledIn returns n's count of bytes received once it covers what came
// until now (the counter totals its meters once a second).
func settledIn(t *testing.T, n *harness.Node) int64 {
	t.Helper()
	done := time.Now()
	first := n.Host.Stats().BytesIn
	for deadline := done.Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if v := n.Host.Stats().BytesIn; v != first && time.Since(done) > 1100*time.Millisecond || time.Since(done) > 2200*time.Millisecond {
			return v
		}
	}
	t.Fatalf("%s: the byte count did not move", n.Name)
	return 0
}

// A node following only 1 is on the block topic of no other branch: a new
// block of 01 reaches it as a claim (header, coinbase, Merkle branch) from
// the claims topic, and none of the block's body bytes do, while a node
// storing 01 in full receives the block whole.
func TestHeadersOnlyNodeGetsNewBranchBlockAsClaim(t *testing.T) {
	h, a, b, all := claimsSetup(t)
	if ps := a.Host.TopicPeers(p2p.TopicChainBlocks(h.Params().Net, cid(t, "01"))); slices.Contains(ps, b.ID()) {
		t.Fatal("b, which keeps 01 as headers only, is on 01's block topic")
	}
	inB, inAll := settledIn(t, b), settledIn(t, all)
	claims := b.Host.Stats().GossipClaims
	blk := mineOn(t, h, a, "01", true, branchPut(t, h, a, "01", keyUnder(cid(t, "01"), "big"), bigValue))
	waitTip(t, b, "01", blk.ID(), 20*time.Second)
	waitTip(t, all, "01", blk.ID(), 20*time.Second)
	if got := b.Host.Stats().GossipClaims; got != claims+1 {
		t.Fatalf("b took %d blocks from claims gossip, want %d", got-claims, 1)
	}
	if _, err := b.Forest().Chain(cid(t, "01")).BlockByID(blk.ID()); err == nil {
		t.Fatal("b stores the body of a 01 block")
	}
	dB, dAll := settledIn(t, b)-inB, settledIn(t, all)-inAll
	t.Logf("bytes received for a %d-byte block: b (headers only) %d, all (full) %d", len(blk.Encode()), dB, dAll)
	if dAll < int64(len(bigValue)) {
		t.Fatalf("the full node received %d bytes, less than the block's value of %d: the count does not see the block", dAll, len(bigValue))
	}
	if dB >= int64(len(bigValue))/2 {
		t.Fatalf("b received %d bytes for a block whose body holds a %d-byte value: it got the body", dB, len(bigValue))
	}
	if a.Host.Banned(b.ID()) || b.Host.Banned(a.ID()) || a.Host.Banned(all.ID()) {
		t.Fatal("honest gossip cost someone a ban")
	}
}

// A claim gossiped on a headers-only chain is checked before it is taken
// or relayed: a valid one moves the chain's tip; one whose coinbase is not
// proven under its header's tx root is refused and its sender banned.
func TestForgedClaimRefusedAndSenderBanned(t *testing.T) {
	h, a, b, _ := claimsSetup(t)
	net := h.Params().Net
	junk := h.NewJunk()
	topic, err := junk.PS.Join(p2p.TopicChainClaims(net, cid(t, "01")))
	if err != nil {
		t.Fatal(err)
	}
	topic.Relay()
	if err := junk.Connect(b); err != nil {
		t.Fatal(err)
	}
	waitTopicPeer(t, b, p2p.TopicChainClaims(net, cid(t, "01")), junk.Host.ID())
	for deadline := time.Now().Add(30 * time.Second); !slices.Contains(topic.ListPeers(), b.ID()); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the junk peer never saw b on 01's claims topic")
		}
	}
	ctx := context.Background()
	// Accept: a real block of 01 nobody announced, sent as its claim.
	good := mineOn(t, h, a, "01", false)
	cl := chain.ClaimedOf(good)
	if err := topic.Publish(ctx, p2p.EncodeClaim(&cl)); err != nil {
		t.Fatal(err)
	}
	waitTip(t, b, "01", good.ID(), 20*time.Second)
	if b.Host.Banned(junk.Host.ID()) {
		t.Fatal("b banned the sender of a valid claim")
	}
	// Reject: the next block with its coinbase paying someone else.
	next := mineOn(t, h, a, "01", false)
	forged := chain.ClaimedOf(next)
	cb := *forged.Coinbase
	body := cb.Body.(wire.Coinbase)
	body.Amount++
	cb.Body = body
	forged.Coinbase = &cb
	if err := topic.Publish(ctx, p2p.EncodeClaim(&forged)); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(20 * time.Second); !b.Host.Banned(junk.Host.ID()); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("b did not ban the sender of a claim whose coinbase is not under its tx root")
		}
	}
	if b.Forest().Chain(cid(t, "01")).HasBlock(next.ID()) {
		t.Fatal("b stored the block of a forged claim")
	}
}

// A root block that checkpoints a block of a chain this node keeps as
// headers only, a block it never heard of, is held until the missing
// block is fetched — as a claim, not whole.
func TestHeldBlockFetchesHeadersOnlyDepAsClaim(t *testing.T) {
	h, a, b, _ := claimsSetup(t)
	hidden := mineOn(t, h, a, "01", false, branchPut(t, h, a, "01", keyUnder(cid(t, "01"), "hidden"), bigValue))
	inB := settledIn(t, b)
	fetched, fetchedClaims := b.Host.Stats().FetchedDeps, b.Host.Stats().FetchedClaims
	root := mineOn(t, h, a, "/", true)
	if len(root.Txs) < 2 || root.Txs[1].Type != wire.TxCheckpoint {
		t.Fatal("the root block checkpoints nothing")
	}
	waitTip(t, b, "/", root.ID(), 30*time.Second)
	if !b.Forest().Chain(cid(t, "01")).HasBlock(hidden.ID()) {
		t.Fatal("b took the root block without the 01 block it checkpoints")
	}
	if got := b.Host.Stats().FetchedDeps; got <= fetched {
		t.Fatalf("b fetched %d missing blocks, want more than %d", got, fetched)
	}
	if got := b.Host.Stats().FetchedClaims; got <= fetchedClaims {
		t.Fatalf("b counted %d blocks fetched as claims, want more than %d", got, fetchedClaims)
	}
	if d := settledIn(t, b) - inB; d >= int64(len(bigValue))/2 {
		t.Fatalf("b received %d bytes for a missing 01 block whose body holds a %d-byte value: it fetched the body", d, len(bigValue))
	}
}
