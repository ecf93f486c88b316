package p2p_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/bitverse/bitverse/node"
	"github.com/bitverse/bitverse/node/chain"
	"github.com/bitverse/bitverse/node/harness"
	"github.com/bitverse/bitverse/node/p2p"
	"github.com/bitverse/bitverse/node/state"
	"github.com/bitverse/bitverse/node/wire"
	"go.etcd.io/bbolt"
)

// The network carries the whole blocktree: sync per chain (root first,
// held blocks released as their anchors and checkpointed blocks arrive),
// gossip of branch blocks, fetches of a held block's missing anchor, and
// verified reads of branch keys.

func cid(t testing.TB, s string) wire.ChainID {
	t.Helper()
	id, err := wire.ParseChainID(s)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// mineOn makes a block on chain s of n's forest, timed one target interval
// after that chain's tip, and requires it to connect. announce submits it
// through the node (so its host publishes it); otherwise it goes to the
// forest directly and nobody hears of it.
func mineOn(t testing.TB, h *harness.Harness, n *harness.Node, s string, announce bool, txs ...*wire.Tx) *wire.Block {
	t.Helper()
	c := n.Forest().Chain(cid(t, s))
	tip := c.Tip()
	tmpl, err := c.NewTemplate(n.Key.PubKey(), txs, time.UnixMilli(tip.Time).Add(h.Params().TargetInterval))
	if err != nil {
		t.Fatal(err)
	}
	if len(tmpl.Rejected) > 0 {
		t.Fatalf("template on %s rejected %d of %d txs", s, len(tmpl.Rejected), len(txs))
	}
	harness.Solve(tmpl.Block)
	var res chain.Result
	if announce {
		res, err = n.SubmitBlock(tmpl.Block)
	} else {
		res, err = n.Forest().ProcessBlock(tmpl.Block)
	}
	if err != nil || res != chain.Connected {
		t.Fatalf("%s: block on %s: %v %v", n.Name, s, res, err)
	}
	return tmpl.Block
}

// account reads pk's account on chain s of n.
func account(t testing.TB, n *harness.Node, s string, pk wire.PubKey) state.Account {
	t.Helper()
	var a state.Account
	err := n.Forest().Chain(cid(t, s)).View(func(tx *bbolt.Tx, _ chain.TipInfo, _ state.Roots) error {
		var err error
		a, err = state.GetAccount(tx, pk)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// rootTx signs body from n's key on the root with the next nonce.
func rootTx(t testing.TB, h *harness.Harness, n *harness.Node, nonceOffset uint64, body wire.Body) *wire.Tx {
	t.Helper()
	tx := wire.NewTx(wire.RootChain, body, account(t, n, "/", n.Key.PubKey()).Nonce+nonceOffset, 0)
	h.Params().SetMinFee(tx)
	tx.Sign(h.Params().Net, n.Key)
	return tx
}

// branchPut signs a put of key (which must lie under chain s) from n's key.
func branchPut(t testing.TB, h *harness.Harness, n *harness.Node, s, key, value string) *wire.Tx {
	t.Helper()
	id := cid(t, s)
	if !id.Contains(wire.KeyPath(key)) {
		t.Fatalf("key %s is not under chain %s", key, s)
	}
	tx := wire.NewTx(id, wire.Put{Key: key, Value: []byte(value)}, account(t, n, s, n.Key.PubKey()).Nonce, 0)
	h.Params().SetMinFee(tx)
	tx.Sign(h.Params().Net, n.Key)
	return tx
}

// localGet reads key on chain s of n's own state.
func localGet(t *testing.T, n *harness.Node, s, key string) *state.Record {
	t.Helper()
	var rec *state.Record
	err := n.Forest().Chain(cid(t, s)).View(func(tx *bbolt.Tx, _ chain.TipInfo, _ state.Roots) error {
		var err error
		rec, err = state.Get(tx, key)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return rec
}

// tips lists a node's tip of every chain, in tree order.
func tips(n *harness.Node) []string {
	var out []string
	for _, c := range n.Forest().Chains() {
		tip := c.Tip()
		out = append(out, fmt.Sprintf("%s@%d:%s", c.ID(), tip.Height, tip.ID.Short()))
	}
	return out
}

// waitSameTree waits until every node has the same tip on every chain.
func waitSameTree(t testing.TB, timeout time.Duration, nodes ...*harness.Node) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		want := strings.Join(tips(nodes[0]), " ")
		same := true
		for _, n := range nodes[1:] {
			if strings.Join(tips(n), " ") != want {
				same = false
			}
		}
		if same {
			return
		}
		if time.Now().After(deadline) {
			var b strings.Builder
			for _, n := range nodes {
				fmt.Fprintf(&b, "\n  %s (held %d): %s", n.Name, n.Forest().Pending(), strings.Join(tips(n), " "))
			}
			t.Fatalf("the nodes' trees did not meet within %s:%s", timeout, b.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// buildTree has n fund itself, stamp credit for 0, 01 and 1, mine the
// paths, write one key on each of those chains, and mine root blocks that
// checkpoint them. It returns the keys written, by chain.
func buildTree(t testing.TB, h *harness.Harness, n *harness.Node) map[string]string {
	t.Helper()
	n.Mine(int(h.Params().CoinbaseMaturity) + 2)
	var stamps []*wire.Tx
	for i, s := range []string{"0", "01", "1"} {
		stamps = append(stamps, rootTx(t, h, n, uint64(i), wire.Stamp{Chain: cid(t, s), Amount: wire.Unit}))
	}
	mineOn(t, h, n, "/", true, stamps...)
	for _, s := range []string{"0", "01", "1"} { // anchors pass the stamp
		mineOn(t, h, n, s, true)
	}
	keys := map[string]string{}
	for _, s := range []string{"0", "01", "1"} {
		keys[s] = keyUnder(cid(t, s), "tree-"+s)
		mineOn(t, h, n, s, true, branchPut(t, h, n, s, keys[s], "value on "+s))
	}
	for i := 0; i < 2; i++ {
		b := mineOn(t, h, n, "/", true)
		if i == 0 && (len(b.Txs) < 2 || b.Txs[1].Type != wire.TxCheckpoint) {
			t.Fatal("the root block after the writes checkpoints nothing")
		}
	}
	mineOn(t, h, n, "0", true)
	mineOn(t, h, n, "01", true)
	return keys
}

// Two nodes: a stores every chain, b follows only 1 (so /, 1 in full, the
// rest as headers). b syncs every chain from a, headers-only ones
// included, reads a's key on 01 through a verified read and its own copy
// of the key on 1; then a branch block gossiped by a moves b's tip, and a
// branch block whose anchor b lacks is held until b fetches the anchor
// from a by id.
func TestTreeSyncGossipAndReads(t *testing.T) {
	h := harness.New(t)
	// No periodic status or sync: after the first sync (started by the
	// handshake), only gossip and fetches of missing blocks bring b
	// anything.
	quiet := harness.WithP2PConfig(func(c *p2p.Config) { c.SyncInterval = time.Hour })
	a := h.NewNode("a", quiet)
	b := h.NewNode("b", harness.Follow(cid(t, "1")), quiet)
	keys := buildTree(t, h, a)
	if got := b.Forest().Chain(cid(t, "01")).HeadersOnly(); !got {
		t.Fatal("b keeps 01 in full; it follows only 1")
	}
	h.Connect(a, b)
	waitSameTree(t, 60*time.Second, a, b)
	if n := b.Forest().Pending(); n != 0 {
		t.Fatalf("b still holds %d blocks after the sync", n)
	}
	t.Logf("b synced the tree: %s", strings.Join(tips(b), " "))

	// Headers only on b: the header is there, the body is not.
	c01 := b.Forest().Chain(cid(t, "01"))
	if _, err := c01.BlockByID(c01.Tip().ID); err == nil {
		t.Fatal("b stores a body of 01, which it keeps as headers only")
	}

	// A verified read of a key on 01 (stored only by a), checked against
	// b's own headers of 01.
	ctx := context.Background()
	res, err := b.Host.GetVerified(ctx, cid(t, "01"), keys["01"])
	if err != nil {
		t.Fatal(err)
	}
	if res.Peer != a.ID() || !res.Found() || string(res.Record.Value) != "value on 01" || res.Header.ID() != c01.Tip().ID {
		t.Fatalf("read of %s on 01: %+v from %s, want %q proven at b's tip %s", keys["01"], res.Record, res.Peer, "value on 01", c01.Tip().ID.Short())
	}
	// Through the node's get: the height it was proven at, and that the
	// state root is vouched for by proof of work only.
	got, err := b.GetOn(ctx, keys["01"], 2, false, false)
	if err != nil {
		t.Fatal(err)
	}
	if got.ProvenAt != c01.Tip().Height || got.RootVouchedBy != node.RootByWorkOnly || got.RemotePeer != a.ID().String() {
		t.Fatalf("get of %s on 01: proven at %d (want %d), vouched by %q, from %s", keys["01"], got.ProvenAt, c01.Tip().Height, got.RootVouchedBy, got.RemotePeer)
	}
	if own, err := b.Get(ctx, keys["1"], false, false); err != nil || own.ProvenAt != b.Forest().Chain(cid(t, "1")).Tip().Height || own.RootVouchedBy != "" {
		t.Fatalf("b's get of its own key on 1: %+v, %v", own, err)
	}
	// b's own copy of the key on 1, which it stores.
	if rec := localGet(t, b, "1", keys["1"]); rec == nil || string(rec.Value) != "value on 1" {
		t.Fatalf("b's own read of %s on 1: %+v", keys["1"], rec)
	}
	if got := b.StoredChains(); len(got) != 2 || !got[0].IsRoot() || got[1] != cid(t, "1") {
		t.Fatalf("b stores %v, want / and 1", got)
	}
	// b cannot prove a key of 01 itself.
	if p, err := b.ProveKey(ctx, cid(t, "01"), keys["01"], nil); err != nil || p.Status.String() != "chain not stored here" {
		t.Fatalf("b proving on 01: %v %v", p.Status, err)
	}

	// Gossip: a branch block a mines reaches b.
	blk := mineOn(t, h, a, "1", true, branchPut(t, h, a, "1", keys["1"], "second value on 1"))
	waitTip(t, b, "1", blk.ID(), 20*time.Second)
	if rec := localGet(t, b, "1", keys["1"]); rec == nil || string(rec.Value) != "second value on 1" {
		t.Fatalf("b's read of %s on 1 after the gossiped block: %+v", keys["1"], rec)
	}

	// A block of 0 nobody announces, then a block of 01 anchored on it:
	// b holds the 01 block and asks a for its anchor.
	before := b.Host.Stats().FetchedDeps
	anchor := mineOn(t, h, a, "0", false)
	child := mineOn(t, h, a, "01", true)
	if child.Header.Anchor != anchor.ID() {
		t.Fatal("the 01 block does not anchor on the unannounced 0 block")
	}
	waitTip(t, b, "01", child.ID(), 20*time.Second)
	if got := b.Host.Stats().FetchedDeps; got <= before {
		t.Fatalf("b fetched %d missing blocks, want more than %d (the anchor)", got, before)
	}
	waitSameTree(t, 20*time.Second, a, b)
	if a.Host.Banned(b.ID()) || b.Host.Banned(a.ID()) {
		t.Fatal("an honest exchange cost someone a ban")
	}
}

// waitTip waits until chain s of n has tip id.
func waitTip(t *testing.T, n *harness.Node, s string, id wire.Hash, timeout time.Duration) {
	t.Helper()
	c := n.Forest().Chain(cid(t, s))
	deadline := time.Now().Add(timeout)
	for c.Tip().ID != id {
		if time.Now().After(deadline) {
			t.Fatalf("%s: tip of %s is %s at %d, want %s (held %d)", n.Name, s, c.Tip().ID.Short(), c.Tip().Height, id.Short(), n.Forest().Pending())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// A node joining late syncs the whole tree from one that has it: root
// blocks whose checkpoints name branch blocks it lacks are held, and
// released as later chains of the same pass bring those blocks.
func TestTreeLateJoinerSyncsInOrder(t *testing.T) {
	h := harness.New(t)
	a := h.NewNode("a")
	buildTree(t, h, a)
	// More of the same: a few rounds of branch blocks and checkpoints.
	for i := 0; i < 3; i++ {
		for _, s := range []string{"0", "01", "1", "10"} {
			mineOn(t, h, a, s, true)
		}
		mineOn(t, h, a, "/", true)
	}
	late := h.NewNode("late")
	h.Connect(late, a)
	waitSameTree(t, 60*time.Second, a, late)
	if n := late.Forest().Pending(); n != 0 {
		t.Fatalf("late still holds %d blocks", n)
	}
	if got := late.Host.Stats().SyncedBlocks; got == 0 {
		t.Fatal("late synced no blocks")
	}
	t.Logf("late synced %d blocks: %s", late.Host.Stats().SyncedBlocks, strings.Join(tips(late), " "))
}

// A transaction of a branch chain a node keeps as headers only is checked
// for what holds whatever the state and relayed, but kept in no mempool;
// one with a bad signature bans its sender.
func TestBranchTxRelayedByHeadersOnlyNode(t *testing.T) {
	h := harness.New(t)
	one := harness.Follow(cid(t, "1"))
	b, c := h.NewNode("b", one), h.NewNode("c", one)
	h.Connect(b, c)
	junk := h.NewJunk()
	if err := junk.Connect(b); err != nil {
		t.Fatal(err)
	}
	k := harness.KeyFor("writer")
	put := func(value string) *wire.Tx {
		tx := wire.NewTx(cid(t, "01"), wire.Put{Key: keyUnder(cid(t, "01"), "relay"), Value: []byte(value)}, 0, 0)
		h.Params().SetMinFee(tx)
		tx.Sign(h.Params().Net, k)
		return tx
	}
	ctx := context.Background()
	// Gossip meshes form over a heartbeat or two: publish until c has
	// validated one (each value is a new message).
	deadline := time.Now().Add(30 * time.Second)
	for i := 0; c.Host.Stats().GossipAccepted == 0; i++ {
		if time.Now().After(deadline) {
			t.Fatalf("c never received a relayed branch transaction (b: %+v)", b.Host.Stats())
		}
		if err := junk.Txs.Publish(ctx, put(fmt.Sprintf("v%d", i)).Encode()); err != nil {
			t.Fatal(err)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if b.Mempool().Len() != 0 || c.Mempool().Len() != 0 {
		t.Fatalf("a branch transaction entered a mempool: b %d, c %d", b.Mempool().Len(), c.Mempool().Len())
	}
	if b.Host.Banned(junk.Host.ID()) {
		t.Fatal("b banned the sender of valid branch transactions")
	}
	bad := put("forged")
	bad.Sig[0] ^= 1
	if err := junk.Txs.Publish(ctx, bad.Encode()); err != nil {
		t.Fatal(err)
	}
	deadline = time.Now().Add(10 * time.Second)
	for !b.Host.Banned(junk.Host.ID()) {
		if time.Now().After(deadline) {
			t.Fatal("b did not ban the sender of a branch transaction with a bad signature")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
