package p2p_test

import (
	"testing"
	"time"

	"github.com/bitverse/bitverse/node/harness"
	"github.com/bitverse/bitverse/node/p2p"
	"github.com/bitverse/bitverse/node/wire"
)

// A late joiner receives the branch writes waiting in its peer's mempool:
// offered at the handshake while it is behind, it refuses them (it cannot
// see the writer's credit yet); once it has synced it tells its peers, and
// the peer offers its mempools again. No periodic status or sync helps
// (SyncInterval an hour), and gossip carried the writes before the late
// node existed.
func TestLateJoinerGetsWaitingBranchWrites(t *testing.T) {
	h := harness.New(t)
	quiet := harness.WithP2PConfig(func(c *p2p.Config) { c.SyncInterval = time.Hour })
	a := h.NewNode("a", quiet)
	buildTree(t, h, a)
	w1 := branchPut(t, h, a, "1", keyUnder(cid(t, "1"), "waiting"), "waiting on 1")
	if _, err := a.AddTx(w1); err != nil {
		t.Fatal(err)
	}
	pool1, err := a.PoolOf(cid(t, "1"))
	if err != nil || !pool1.Has(w1.ID()) {
		t.Fatalf("a's pool of 1 lacks the write: %v", err)
	}
	late := h.NewNode("late", quiet)
	h.Connect(late, a)
	waitSameTree(t, 60*time.Second, a, late)
	latePool, err := late.PoolOf(cid(t, "1"))
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for !latePool.Has(w1.ID()) {
		if time.Now().After(deadline) {
			t.Fatalf("late never received the write waiting in a's pool of 1 (late's pool of 1 has %d)", latePool.Len())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// A reorganisation of a branch chain returns the losing block's writes to
// that chain's mempool, and the node offers them to its peers: here to the
// miner of the winning branch, which never saw them (they were written
// while the two were apart).
func TestBranchReorgOffersReturnedWrites(t *testing.T) {
	h := harness.New(t)
	quiet := harness.WithP2PConfig(func(c *p2p.Config) { c.SyncInterval = time.Hour })
	a := h.NewNode("a", quiet)
	b := h.NewNode("b", quiet)
	buildTree(t, h, a)
	h.Connect(a, b)
	waitSameTree(t, 60*time.Second, a, b)
	h.Partition([]*harness.Node{a}, []*harness.Node{b})
	w := branchPut(t, h, a, "1", keyUnder(cid(t, "1"), "reorged"), "written apart")
	if _, err := a.AddTx(w); err != nil {
		t.Fatal(err)
	}
	mineOn(t, h, a, "1", true, w)
	for i := 0; i < 2; i++ {
		mineOn(t, h, b, "1", true)
	}
	bPool, err := b.PoolOf(cid(t, "1"))
	if err != nil {
		t.Fatal(err)
	}
	if bPool.Has(w.ID()) {
		t.Fatal("b had the write before the partition healed")
	}
	h.Heal()
	waitSameTree(t, 60*time.Second, a, b)
	deadline := time.Now().Add(30 * time.Second)
	for !bPool.Has(w.ID()) {
		if time.Now().After(deadline) {
			aPool, _ := a.PoolOf(cid(t, "1"))
			t.Fatalf("b never received the write the reorganisation returned to a's pool of 1 (a has it: %v)", aPool.Has(w.ID()))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// A transaction whose gossip was lost is offered again: a's put reaches
// only a's own mempool (no announcement), b mines, and after
// rebroadcastBlocks (4) root blocks a pushes what is still waiting, so b
// mines it. Without the rebroadcast the put, and every later nonce of a's
// key, would wait for good (nothing else re-offers it: no reorg, no new
// peer).
func TestLostTransactionIsRebroadcast(t *testing.T) {
	h := harness.New(t)
	quiet := harness.WithP2PConfig(func(c *p2p.Config) { c.SyncInterval = time.Hour })
	a, b := h.NewNode("a", quiet), h.NewNode("b", quiet)
	h.Connect(a, b)
	a.Mine(int(h.Params().CoinbaseMaturity) + 1)
	h.WaitForTip(30*time.Second, a, b)
	put := h.NewPut(a.Key, nextNonce(t, a, a.Key), "public/rebroadcast", []byte("gossip lost once"))
	pool, err := a.PoolOf(wire.RootChain)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Add(put); err != nil {
		t.Fatal(err)
	}
	// Two rounds of four blocks at most, and a block to mine it.
	for i := 0; i < 3*4; i++ {
		b.Mine(1)
		h.WaitForTip(30*time.Second, a, b)
		if b.WaitConfirmed(put.ID(), 0) == nil {
			t.Logf("confirmed after %d blocks by b", i+1)
			return
		}
	}
	t.Fatalf("b mined 12 blocks without a's put (b's pool has it: %v)", func() bool {
		p, _ := b.PoolOf(wire.RootChain)
		return p.Has(put.ID())
	}())
}
