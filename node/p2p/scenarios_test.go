package p2p_test

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/bitverse/bitverse/node/chain"
	"github.com/bitverse/bitverse/node/harness"
	"github.com/bitverse/bitverse/node/wire"
	"github.com/libp2p/go-libp2p/core/peer"
)

// The network's acceptance scenarios, parameterised by size:
// the default suite runs them small, `-tags long` at full size.

// nextNonce returns the next nonce of k as n's mempool sees it.
func nextNonce(t *testing.T, n *harness.Node, k wire.PrivKey) uint64 {
	t.Helper()
	nonce, err := n.Mempool().NextNonce(k.PubKey())
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
func scenarioConverge(t *testing.T, nodes, miners int, every time.Duration, minHeight uint64) {
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
		// The previous nonce must have reached this node (in its pool or in
		// a block) first: an event, however slowly gossip runs.
		for deadline := time.Now().Add(time.Minute); nextNonce(t, n, writer.Key) < base+uint64(i); {
			if time.Now().After(deadline) {
				t.Fatalf("%s never saw nonce %d of the writer", n.Name, base+uint64(i)-1)
			}
			time.Sleep(5 * time.Millisecond)
		}
		key := fmt.Sprintf("public/converge/%d", i)
		id, err := n.AddTx(h.NewPut(writer.Key, base+uint64(i), key, []byte("written through "+n.Name)))
		if err != nil {
			t.Fatalf("put through %s: %v", n.Name, err)
		}
		ids, keys = append(ids, id), append(keys, key)
	}
	for _, n := range ns {
		for _, id := range ids {
			if err := n.WaitConfirmed(id, 30*time.Second); err != nil {
				t.Fatal(err)
			}
		}
	}
	for ns[0].Chain().Tip().Height < minHeight {
		time.Sleep(20 * time.Millisecond)
	}
	for _, m := range ns[:miners] {
		m.StopAutoMine()
	}
	// The two miners' last blocks may tie (equal work: each node keeps the
	// one it saw first). Once every node has the highest block, one more
	// block on top of any of them settles it.
	waitSameHeight(t, ns)
	ns[0].Mine(1)
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
	found := map[string]int{}
	for ht := uint64(1); ht <= ns[0].Chain().Tip().Height; ht++ {
		blk, _ := ns[0].Chain().BlockByHeight(ht)
		for _, m := range ns {
			if blk.Txs[0].Body.(wire.Coinbase).To == m.Key.PubKey() {
				found[m.Name]++
			}
		}
	}
	t.Logf("%d nodes converged on %s at height %d (blocks by miner %v); %d puts readable on all",
		nodes, tip.Short(), ns[0].Chain().Tip().Height, found, len(keys))
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
				t.Fatalf("losing-fork write: %v (pool of c: %d)", err, c.Mempool().Len())
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
	commits0 := commitsOf(t, newcomer)
	start := time.Now()
	for _, p := range []*harness.Node{src, p2, p3} {
		h.Connect(newcomer, p)
	}
	h.WaitForTip(5*time.Minute, src, p2, p3, newcomer)
	el := time.Since(start)
	for deadline := time.Now().Add(5 * time.Second); newcomer.Host.SyncStatus().Syncing && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond) // the last progress report follows the last block
	}
	if got := newcomer.Host.Stats().SyncedBlocks; got != uint64(blocks) {
		t.Fatalf("synced %d blocks, want %d", got, blocks)
	}
	if newcomer.Chain().Tip().StateRoot != src.Chain().Tip().StateRoot {
		t.Fatal("state root differs after sync")
	}
	// Fetched blocks connect in runs, many to a write transaction (block
	// by block it was four commits each).
	if c := commitsOf(t, newcomer) - commits0; c > blocks/4 {
		t.Fatalf("sync of %d blocks took %d commits of chain.db, want at most %d", blocks, c, blocks/4)
	}
	st := newcomer.Host.SyncStatus()
	if st.Syncing || st.Done != st.Total || st.Total == 0 || st.Chain != "/" || st.Rate <= 0 || (puts > 0 && st.WriteRate <= 0) {
		t.Fatalf("sync progress at the end: %+v", st)
	}
	if s, _ := newcomer.Status(context.Background()); s.Sync != st || s.Peers != 3 {
		t.Fatalf("node status %+v, want sync %+v and 3 peers", s, st)
	}
	t.Logf("synced %d blocks (%d writes) from 3 peers in %s: %.0f blocks/s, %.0f writes/s",
		blocks, puts, el.Round(time.Millisecond), float64(blocks)/el.Seconds(), float64(puts)/el.Seconds())
}

// commitsOf returns how many write transactions n's chain.db committed.
func commitsOf(t *testing.T, n *harness.Node) int {
	t.Helper()
	tx, err := n.Chain().DB().Begin(false)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	return tx.ID()
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
	for !n.Mempool().Has(id) {
		if time.Now().After(deadline) {
			var stats any
			if n.Host != nil {
				stats = fmt.Sprintf("stats %+v bans %+v gossip peers %d", n.Host.Stats(), n.Host.Bans(), len(n.Host.GossipPeers()))
			}
			t.Fatalf("%s: tx %s never reached the mempool (%v)", n.Name, id.Short(), stats)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// scenarioJunk: a hostile peer sends messages junk messages to alice, the
// first an invalid block; it must be banned at once. Then a second one
// floods well-formed but useless objects (orphan blocks, unfunded txs),
// which cost alice work until its score runs out. Meanwhile bob's
// request/response round trip to alice must stay under twice its
// undisturbed median (plus 2 ms for timer noise on a shared machine).
func scenarioJunk(t *testing.T, messages int, strictRTT bool) {
	h := harness.New(t)
	alice, bob := h.NewNode("alice"), h.NewNode("bob")
	alice.Mine(30)
	h.Connect(alice, bob)
	h.WaitForTip(10*time.Second, alice, bob)
	gen, _ := alice.Chain().IDAt(0)
	rtt := func() time.Duration {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		start := time.Now()
		if _, err := bob.Host.GetHeaders(ctx, alice.ID(), []wire.Hash{gen}, 16); err != nil {
			t.Errorf("bob's request: %v", err)
		}
		return time.Since(start)
	}
	sample := func(n int, stop <-chan struct{}) []time.Duration {
		var out []time.Duration
		for i := 0; i < n; i++ {
			select {
			case <-stop:
				return out
			default:
			}
			out = append(out, rtt())
		}
		return out
	}
	base := median(sample(60, nil))

	// Phase 1: invalid first.
	junk := h.NewJunk()
	if err := junk.Connect(alice); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	bad := [][]byte{
		h.InvalidTx(harness.KeyFor("junk"), 0),
		make([]byte, 3<<20), // oversized gossip
		[]byte("definitely not a block"),
	}
	start := time.Now()
	if err := junk.Blocks.Publish(ctx, alice.InvalidBlock()); err != nil {
		t.Fatal(err)
	}
	waitBanned(t, alice, junk.Host.ID())
	bannedAfter := time.Since(start)
	sent, failed := 1, 0
	for i := 1; i < messages; i++ {
		var err error
		switch i % 5 {
		case 0:
			err = junk.Txs.Publish(ctx, bad[0])
		case 1:
			err = junk.Blocks.Publish(ctx, bad[1])
		case 2:
			err = junk.Blocks.Publish(ctx, append([]byte{byte(i)}, bad[2]...))
		case 3:
			err = junk.SendSync(alice, []byte{0x7f, 0xff, 0xff, 0xff}) // a 2 GiB frame
		case 4:
			err = junk.SendSync(alice, []byte{0, 0, 0, 3, 99, 1, 2}) // an unknown request
		}
		if err != nil {
			failed++
		}
		sent++
	}
	time.Sleep(100 * time.Millisecond) // anything still in flight
	bans := alice.Host.Bans()
	if len(bans) != 1 || bans[0].ID != junk.Host.ID().String() {
		t.Fatalf("bans %+v", bans)
	}
	st := alice.Host.Stats()
	t.Logf("junk: banned %s after its first message (%q); %d messages sent in all (%d refused at once); alice fully checked %d invalid objects",
		bannedAfter.Round(time.Microsecond), bans[0].Reason, sent, failed, st.GossipRejected)
	if st.GossipRejected != 1 {
		t.Errorf("alice fully checked %d invalid objects from a peer banned after the first", st.GossipRejected)
	}
	if !strings.Contains(bans[0].Reason, "invalid block") {
		t.Errorf("ban reason %q: want the invalid block", bans[0].Reason)
	}

	// Phase 2: a flood of well-formed, useless objects.
	spam := h.NewJunk()
	if err := spam.Connect(alice); err != nil {
		t.Fatal(err)
	}
	// Each peer has a free allowance of 100 such objects (then 5 a
	// second); past it each costs a point, and at -100 the peer is banned.
	floodN := max(messages, 300)
	var orphans, txs [][]byte
	for i := 0; i < floodN; i++ {
		orphans = append(orphans, h.OrphanBlock(uint64(1000+i)))
		k := harness.KeyFor(fmt.Sprintf("pauper%d", i))
		txs = append(txs, h.NewPut(k, 0, "public/spam", []byte("no funds")).Encode())
	}
	ignoredBefore := alice.Host.Stats().GossipIgnored
	stop := make(chan struct{})
	flooded := 0
	floodStart := time.Now()
	go func() {
		defer close(stop)
		for i := 0; i < floodN; i++ {
			if spam.Blocks.Publish(ctx, orphans[i]) == nil {
				flooded++
			}
			if spam.Txs.Publish(ctx, txs[i]) == nil {
				flooded++
			}
		}
		// Keep the pressure up until alice has had enough: gossip may drop
		// some of a burst (a slow receiver, the race detector), so more
		// useless objects follow until the ban, the event waited on.
		for i := 0; !alice.Host.Banned(spam.Host.ID()) && time.Since(floodStart) < banWaitCap; i++ {
			k := harness.KeyFor(fmt.Sprintf("pauper-more%d", i))
			if spam.Txs.Publish(ctx, h.NewPut(k, 0, "public/spam", []byte("no funds")).Encode()) == nil {
				flooded++
			}
		}
	}()
	var during []time.Duration
	for len(during) < 5 || !isClosed(stop) {
		during = append(during, rtt())
	}
	waitBanned(t, alice, spam.Host.ID())
	dm := median(during)
	t.Logf("flood: %d well-formed useless messages in %s; alice checked %d before banning the sender",
		flooded, time.Since(floodStart).Round(time.Millisecond), alice.Host.Stats().GossipIgnored-ignoredBefore)
	t.Logf("round trip bob→alice: undisturbed median %s; during the flood median %s, max %s (%d samples)",
		base, dm, slices.Max(during), len(during))
	// A timing comparison: asserted in the full-size run only (make
	// test-long), where the scenario runs alone; the fast suite shares the
	// machine and runs under the race detector, so it only reports it.
	if strictRTT && dm > 2*base+2*time.Millisecond {
		t.Errorf("flood slowed an honest peer: median round trip %s, undisturbed %s", dm, base)
	}
	if bob.Host.Banned(alice.ID()) || alice.Host.Banned(bob.ID()) {
		t.Error("honest peers banned each other")
	}
}

func isClosed(c <-chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

// banWaitCap bounds the wait for a ban: generous, since a ban is an event
// that arrives as soon as the node has seen enough, however slowly it runs.
const banWaitCap = 2 * time.Minute

func waitBanned(t *testing.T, n *harness.Node, id peer.ID) {
	t.Helper()
	deadline := time.Now().Add(banWaitCap)
	for !n.Host.Banned(id) {
		if time.Now().After(deadline) {
			t.Fatalf("%s did not ban %s; peers %+v", n.Name, id, n.Host.Peers())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// waitSameHeight waits until every node is at the highest height any of
// them has.
func waitSameHeight(t *testing.T, ns []*harness.Node) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		var lo, hi uint64 = ^uint64(0), 0
		for _, n := range ns {
			ht := n.Chain().Tip().Height
			lo, hi = min(lo, ht), max(hi, ht)
		}
		if lo == hi {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("heights still differ (%d..%d) after 20 s", lo, hi)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
