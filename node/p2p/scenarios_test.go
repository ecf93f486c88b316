package p2p_test

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/bitverse/bitverse/node/chain"
	"github.com/bitverse/bitverse/node/harness"
	"github.com/bitverse/bitverse/node/wire"
)

// The acceptance scenarios of the network issue, parameterised by size:
// the default suite runs them small, `-tags long` at full size.

// nextNonce returns the next nonce of k as n's mempool sees it.
func nextNonce(t *testing.T, n *harness.Node, k wire.PrivKey) uint64 {
	t.Helper()
	nonce, err := n.Pool().NextNonce(k.PubKey())
	if err != nil {
		t.Fatal(err)
	}
	return nonce
}

func stateRoots(nodes []*harness.Node) map[wire.Hash][]string {
	out := map[wire.Hash][]string{}
	for _, n := range nodes {
		r := n.Chain().Tip().StateRoot
		out[r] = append(out[r], n.Name)
	}
	return out
}

// scenarioConverge: nodes nodes, miners of them mining; every node gets
// one put (all signed by the first miner, so they also test nonce ordering
// across nodes); all confirm everywhere and every node ends on the same tip
// and state root.
func scenarioConverge(t *testing.T, nodes, miners int, every time.Duration) {
	h := harness.New(t)
	var ns []*harness.Node
	for i := 0; i < nodes; i++ {
		ns = append(ns, h.NewNode(fmt.Sprintf("n%d", i)))
	}
	h.ConnectAll()
	writer := ns[0]
	writer.Mine(int(h.Params().CoinbaseMaturity) + 2) // a spendable reward
	h.WaitForTip(10*time.Second, ns...)
	for _, m := range ns[:miners] {
		m.StartAutoMine(every)
	}
	base := nextNonce(t, writer, writer.Key)
	var ids []wire.Hash
	var keys []string
	for i, n := range ns {
		key := fmt.Sprintf("public/converge/%d", i)
		id, err := n.AddTx(h.NewPut(writer.Key, base+uint64(i), key, []byte("written through "+n.Name)))
		if err != nil {
			t.Fatalf("put through %s: %v", n.Name, err)
		}
		ids, keys = append(ids, id), append(keys, key)
		time.Sleep(20 * time.Millisecond) // let the put reach the others before the next nonce
	}
	for _, n := range ns {
		for _, id := range ids {
			if err := n.WaitConfirmed(id, 30*time.Second); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, m := range ns[:miners] {
		m.StopAutoMine()
	}
	ns[0].Mine(1) // settles a tie between the two miners' last blocks
	tip := h.WaitForTip(20*time.Second, ns...)
	if roots := stateRoots(ns); len(roots) != 1 {
		t.Fatalf("state roots differ at a common tip: %v", roots)
	}
	for _, n := range ns {
		for i, key := range keys {
			got, err := n.Get(context.Background(), key, false, false)
			if err != nil || got.Value != "written through "+ns[i].Name {
				t.Fatalf("%s: get %s: %v %v", n.Name, key, got, err)
			}
		}
	}
	t.Logf("%d nodes converged on %s at height %d; %d puts readable on all", nodes, tip.Short(), ns[0].Chain().Tip().Height, len(keys))
}

// scenarioPartition: five nodes split {a,b} / {c,d,e}; both sides mine
// (side B more), with puts on both sides, one of them conflicting; after
// Heal every node must converge on side B's chain within 30 s, match a
// replay from genesis, and the losing side's non-conflicting writes must
// confirm again.
func scenarioPartition(t *testing.T, blocksA, blocksB int) {
	h := harness.New(t)
	a, b, c, d, e := h.NewNode("a"), h.NewNode("b"), h.NewNode("c"), h.NewNode("d"), h.NewNode("e")
	all := []*harness.Node{a, b, c, d, e}
	h.ConnectAll()
	mat := int(h.Params().CoinbaseMaturity)
	a.Mine(mat + 1)
	h.WaitForTip(10*time.Second, all...)
	c.Mine(mat + 1) // both miners' first rewards are spendable from here
	h.WaitForTip(10*time.Second, all...)
	// b (a non-miner) gets coins for its own put later.
	fund := wire.NewTx(wire.RootChain, wire.Transfer{To: b.Key.PubKey(), Amount: 5 * wire.Unit}, nextNonce(t, a, a.Key), 0)
	fund.From = a.Key.PubKey()
	h.Params().SetMinFee(fund)
	fund.Sign(h.Params().Net, a.Key)
	fundID, err := a.AddTx(fund)
	if err != nil {
		t.Fatal(err)
	}
	waitPending(t, c, fundID)
	c.Mine(1)
	h.WaitForTip(10*time.Second, all...)
	if err := b.WaitConfirmed(fundID, 10*time.Second); err != nil {
		t.Fatal(err)
	}

	h.Partition([]*harness.Node{a, b}, []*harness.Node{c, d, e})
	k := nextNonce(t, a, a.Key)
	// Side A: a writes x (nonce k) and x2 (k+1); b writes w.
	x, _ := a.AddTx(h.NewPut(a.Key, k, "public/part/x", []byte("side A")))
	x2, _ := a.AddTx(h.NewPut(a.Key, k+1, "public/part/x2", []byte("side A, after x")))
	w, err := b.Put("public/part/w", "written by b on side A")
	if err != nil {
		t.Fatal(err)
	}
	// Side B: a's key also signed y with nonce k (a double spend of x's nonce).
	y, err := d.AddTx(h.NewPut(a.Key, k, "public/part/y", []byte("side B")))
	if err != nil {
		t.Fatal(err)
	}
	waitPending(t, b, x2)
	waitPending(t, a, w)
	waitPending(t, c, y)
	done := make(chan struct{})
	go func() { defer close(done); a.Mine(blocksA) }()
	c.Mine(blocksB)
	<-done
	h.WaitForTip(20*time.Second, a, b)
	h.WaitForTip(20*time.Second, c, d, e)
	for _, id := range []wire.Hash{x, x2, w} {
		if err := b.WaitConfirmed(id, 5*time.Second); err != nil {
			t.Fatalf("side A: %v", err)
		}
	}
	if err := e.WaitConfirmed(y, 5*time.Second); err != nil {
		t.Fatalf("side B: %v", err)
	}
	winner := c.Chain().Tip()
	t.Logf("partitioned: side A at height %d, side B at %d", a.Chain().Tip().Height, winner.Height)

	start := time.Now()
	h.Heal()
	tip := h.WaitForTip(30*time.Second, all...)
	took := time.Since(start)
	if tip != winner.ID {
		t.Fatalf("converged on %s, not on the most-work tip %s", tip.Short(), winner.ID.Short())
	}
	t.Logf("healed: all five on %s (height %d) after %s", tip.Short(), winner.Height, took.Round(time.Millisecond))
	if roots := stateRoots(all); len(roots) != 1 {
		t.Fatalf("state roots differ: %v", roots)
	}

	// A fresh node fed the winning chain from genesis reaches the same root.
	replay := h.NewNode("replay", harness.NoNetwork())
	for ht := uint64(1); ht <= winner.Height; ht++ {
		blk, err := a.Chain().BlockByHeight(ht)
		if err != nil {
			t.Fatal(err)
		}
		if res, err := replay.SubmitBlock(blk); err != nil || res != chain.Connected {
			t.Fatalf("replay block %d: %v %v", ht, res, err)
		}
	}
	if got := replay.Chain().Tip(); got.ID != tip || got.StateRoot != winner.StateRoot {
		t.Fatalf("replay from genesis: tip %s root %s, network root %s", got.ID.Short(), got.StateRoot.Short(), winner.StateRoot.Short())
	}

	// x conflicts with y (same nonce): gone for good. x2 and w return to the
	// mempool, reach side B and confirm again once someone mines.
	time.Sleep(time.Second) // the re-announcement of returned txs
	c.Mine(1)
	for _, n := range all {
		for _, id := range []wire.Hash{x2, w} {
			if err := n.WaitConfirmed(id, 20*time.Second); err != nil {
				t.Fatalf("losing-fork write: %v (pool of c: %d)", err, c.Pool().Len())
			}
		}
		if _, err := n.Tx(context.Background(), x); err == nil {
			if info, _ := n.Tx(context.Background(), x); !info.Pending {
				t.Fatalf("%s: conflicting write x confirmed", n.Name)
			}
		}
	}
	got, err := d.Get(context.Background(), "public/part/w", false, false)
	if err != nil || got.Value != "written by b on side A" {
		t.Fatalf("w on d: %v %v", got, err)
	}
}

// scenarioSync: a newcomer joins three peers that hold a chain of blocks
// blocks (putsPerBlock writes each) and syncs it.
func scenarioSync(t *testing.T, blocks, putsPerBlock int) {
	h := harness.New(t)
	src := h.NewNode("src")
	puts := src.BuildChain(blocks, putsPerBlock)
	p2 := h.NewNode("p2", harness.CopyChainOf(src))
	p3 := h.NewNode("p3", harness.CopyChainOf(src))
	newcomer := h.NewNode("newcomer")
	start := time.Now()
	for _, p := range []*harness.Node{src, p2, p3} {
		h.Connect(newcomer, p)
	}
	h.WaitForTip(5*time.Minute, src, p2, p3, newcomer)
	el := time.Since(start)
	if got := newcomer.Host.Stats().SyncedBlocks; got != uint64(blocks) {
		t.Fatalf("synced %d blocks, want %d", got, blocks)
	}
	if newcomer.Chain().Tip().StateRoot != src.Chain().Tip().StateRoot {
		t.Fatal("state root differs after sync")
	}
	st := newcomer.Host.SyncStatus()
	if st.Syncing || st.Done != st.Total || st.Total == 0 {
		t.Fatalf("sync progress at the end: %+v", st)
	}
	if s, _ := newcomer.Status(context.Background()); s.Sync != st || s.Peers != 3 {
		t.Fatalf("node status %+v, want sync %+v and 3 peers", s, st)
	}
	t.Logf("synced %d blocks (%d writes) from 3 peers in %s: %.0f blocks/s, %.0f writes/s",
		blocks, puts, el.Round(time.Millisecond), float64(blocks)/el.Seconds(), float64(puts)/el.Seconds())
}

// median returns the median of ds.
func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}

// waitPending waits until tx id is in n's mempool.
func waitPending(t *testing.T, n *harness.Node, id wire.Hash) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !n.Pool().Has(id) {
		if time.Now().After(deadline) {
			t.Fatalf("%s: tx %s never reached the mempool", n.Name, id.Short())
		}
		time.Sleep(10 * time.Millisecond)
	}
}
