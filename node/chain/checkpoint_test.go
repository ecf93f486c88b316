package chain

import (
	"testing"

	"github.com/bitverse/bitverse/node/consensus"
	"github.com/bitverse/bitverse/node/state"
	"github.com/bitverse/bitverse/node/wire"
	"go.etcd.io/bbolt"
)

// pair is one node storing branch 0 in full (tr) and one keeping it as
// headers only (light); every block goes to both, and every verdict must
// agree: a root block's validity never depends on the follow set.
type pair struct {
	*tree
	light *Forest
	// branchMiner mines the branch blocks (the tree's miner the root's), so
	// payouts are told apart from matured root rewards.
	branchMiner wire.PrivKey
}

func newPair(t *testing.T, maturity uint64) *pair {
	tr := newTree(t, 1)
	tr.p.CheckpointMaturity = maturity
	return &pair{tree: tr, light: openForest(t, tr.p, tr.clk, t.TempDir(), "0"), branchMiner: key(t, 77)}
}

// both hands b to both nodes and requires the same error code from each
// (0: accepted); accepted blocks are logged.
func (pr *pair) both(b *wire.Block, want consensus.ErrorCode) {
	pr.t.Helper()
	_, errFull := pr.f.ProcessBlock(copyBlock(b))
	_, errLight := pr.light.ProcessBlock(copyBlock(b))
	if consensus.CodeOf(errFull) != want || consensus.CodeOf(errLight) != want {
		pr.t.Fatalf("block %s on %s: full node %v, headers-only node %v; want code %s from both",
			b.ID().Short(), b.Header.Chain, errFull, errLight, want)
	}
	if (errFull == nil) != (errLight == nil) {
		pr.t.Fatalf("block %s: full node err %v, headers-only node err %v", b.ID().Short(), errFull, errLight)
	}
	if want == 0 {
		pr.log = append(pr.log, b)
	}
}

// mine makes a block on chain s at the full node and hands it to both.
func (pr *pair) mine(s string, txs ...*wire.Tx) *wire.Block {
	pr.t.Helper()
	if s != "/" {
		saved := pr.miner
		pr.miner = pr.branchMiner
		defer func() { pr.miner = saved }()
	}
	b := pr.template(s, txs...)
	pr.both(b, 0)
	return b
}

// rootWith builds a root block on the full node whose checkpoint is
// entries (with the true state root).
func (pr *pair) rootWith(entries ...wire.CheckpointEntry) *wire.Block {
	pr.t.Helper()
	root := pr.chain("/")
	root.testEntries = func() []wire.CheckpointEntry { return entries }
	defer func() { root.testEntries = nil }()
	b := pr.template("/")
	if len(b.Txs) < 2 || b.Txs[1].Type != wire.TxCheckpoint {
		pr.t.Fatal("the root template left the chosen checkpoint out")
	}
	return b
}

// withCheckpoint returns a copy of the root block b with its checkpoint
// replaced by entries (the state root is then wrong, but the checkpoint
// rules run first).
func withCheckpoint(b *wire.Block, entries ...wire.CheckpointEntry) *wire.Block {
	b = copyBlock(b)
	cp := wire.NewTx(wire.RootChain, wire.Checkpoint{Entries: entries}, 0, 0)
	if len(b.Txs) > 1 && b.Txs[1].Type == wire.TxCheckpoint {
		b.Txs[1] = cp
	} else {
		b.Txs = append([]*wire.Tx{b.Txs[0], cp}, b.Txs[1:]...)
	}
	return reseal(b)
}

func entry(b *wire.Block) wire.CheckpointEntry {
	cb := b.Txs[0].Body.(wire.Coinbase)
	return wire.CheckpointEntry{Chain: b.Header.Chain, Block: b.ID(), Height: b.Header.Height, Fees: cb.Amount, Miner: cb.To}
}

// sideBlock returns a block of the same chain, height, anchor, time and
// bits as b but on b's parent, whose coinbase claims amount for to and
// that carries no transactions: stored as a side block (equal work to b)
// and never connected, invalid once anyone tries (it claims fees it has
// not got).
func sideBlock(b *wire.Block, to wire.PubKey, amount uint64) *wire.Block {
	x := copyBlock(b)
	x.Txs = []*wire.Tx{wire.NewTx(b.Header.Chain, wire.Coinbase{To: to, Amount: amount}, b.Header.Height, 0)}
	return reseal(x)
}

func (pr *pair) reserved(f *Forest, c wire.ChainID) (pool, reserved uint64) {
	f.Root().View(func(tx *bbolt.Tx, _ TipInfo, _ state.Roots) error {
		_, pool = state.CreditOf(tx, wire.PubKey{}, c)
		reserved = state.ReservedOf(tx, c)
		return nil
	})
	return pool, reserved
}

func rootBalance(t *testing.T, f *Forest, pk wire.PubKey) uint64 {
	var a state.Account
	err := f.Root().View(func(tx *bbolt.Tx, _ TipInfo, _ state.Roots) error {
		var err error
		a, err = state.GetAccount(tx, pk)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return a.Balance
}

// The attack: a branch block stored but never connected (a side block of
// equal work whose coinbase claims the whole postage pool) is named by a
// root checkpoint. Every node accepts that root block alike (the rules it
// breaks are branch rules a headers-only node cannot check); the branch
// does not freeze on the full node; the honest, heavier fork replaces the
// checkpoint before it matures, and the attacker is never paid. A full node
// and a headers-only node end on the same root tip and state.
func TestCheckpointOfUnconnectedBranchBlockIsReplacedBeforePayout(t *testing.T) {
	pr := newPair(t, 4)
	zero := wire.ChainID{Depth: 1}
	attacker := key(t, 66).PubKey()
	pr.fund()
	for _, b := range pr.log {
		if _, err := pr.light.ProcessBlock(copyBlock(b)); err != nil {
			t.Fatal(err)
		}
	}
	const stamp = wire.Unit / 100
	pr.mine("/", pr.rootTx(pr.alice, wire.Stamp{Chain: zero, Amount: stamp}))
	k := keyOn("0", 11)
	h1 := pr.mine("0", pr.branchPut(pr.alice, 1, k, "a"))
	h2 := pr.mine("0", pr.branchPut(pr.alice, 1, k, "b"))
	f1 := entry(h1).Fees

	x := sideBlock(h2, attacker, stamp-f1)
	pr.both(x, 0) // stored, equal work: not connected
	if tip := pr.chain("0").Tip(); tip.ID != h2.ID() {
		t.Fatalf("the side block became the tip")
	}

	// Refused alike: fees that are not the block's claim, a claim above
	// the pool, a run that skips its parent.
	good := pr.template("/")
	pr.both(withCheckpoint(good, entry(h1), func() wire.CheckpointEntry { e := entry(x); e.Fees--; return e }()), consensus.ErrBadCheckpoint)
	greedy := sideBlock(h2, attacker, stamp-f1+1)
	pr.both(greedy, 0)
	pr.both(withCheckpoint(good, entry(h1), entry(greedy)), consensus.ErrOverpay)
	pr.both(withCheckpoint(good, entry(x)), consensus.ErrBadCheckpoint)

	// Accepted alike: the attacker's checkpoint (h1, then x).
	r := pr.rootWith(entry(h1), entry(x))
	pr.both(r, 0)
	if pool, res := pr.reserved(pr.f, zero); pool != 0 || res != stamp {
		t.Fatalf("after the attack: pool %d reserved %d, want 0 and %d", pool, res, stamp)
	}
	// The branch did not freeze: the full node still builds on h2.
	if tip := pr.chain("0").Tip(); tip.ID != h2.ID() {
		t.Fatalf("branch 0 left its valid tip for %s", tip.ID.Short())
	}

	// A replacement must outwork the last checkpoint: h1, h2 has the
	// same work as h1, x.
	pr.both(withCheckpoint(pr.template("/"), entry(h1), entry(h2)), consensus.ErrBadCheckpoint)

	// The honest branch grows; its next root block replaces the pending
	// checkpoint from the final one (genesis) with h1, h2, h3.
	h3 := pr.mine("0")
	rep := pr.template("/")
	if len(rep.Txs) < 2 || len(rep.Txs[1].Body.(wire.Checkpoint).Entries) != 3 {
		t.Fatalf("the root template did not replace the checkpoint with h1, h2, h3")
	}
	pr.both(rep, 0)
	if pool, res := pr.reserved(pr.light, zero); pool != stamp-f1-entry(h2).Fees || res != f1+entry(h2).Fees+entry(h3).Fees {
		t.Fatalf("after the replacement (headers-only node): pool %d reserved %d", pool, res)
	}
	// A replacement of a checkpoint the fork contains is refused: it
	// would only delay payouts.
	h4 := pr.mine("0")
	pr.both(withCheckpoint(pr.template("/"), entry(h1), entry(h2), entry(h3), entry(h4)), consensus.ErrBadCheckpoint)

	minerBefore := rootBalance(t, pr.f, pr.branchMiner.PubKey())
	for i := uint64(0); i < pr.p.CheckpointMaturity+1; i++ {
		pr.mine("/")
	}
	if got := rootBalance(t, pr.f, attacker); got != 0 {
		t.Fatalf("the attacker was paid %d", got)
	}
	want := f1 + entry(h2).Fees + entry(h3).Fees + entry(h4).Fees
	if got := rootBalance(t, pr.f, pr.branchMiner.PubKey()) - minerBefore; got != want {
		t.Fatalf("the honest branch miner got %d, want %d", got, want)
	}
	full, light := pr.chain("/").Tip(), pr.light.Root().Tip()
	if full.ID != light.ID {
		t.Fatalf("root tips differ: full %s, headers-only %s", full.ID.Short(), light.ID.Short())
	}
	if d := diffState(dumpState(t, pr.chain("/")), dumpState(t, pr.light.Root())); d != "" {
		t.Fatalf("root state differs between the nodes:\n%s", d)
	}
}

// A checkpoint pays nothing until CheckpointMaturity root blocks have
// passed; then it pays, and binds the branch's fork choice.
func TestCheckpointPaysAfterMaturity(t *testing.T) {
	pr := newPair(t, 3)
	zero := wire.ChainID{Depth: 1}
	pr.fund()
	for _, b := range pr.log {
		if _, err := pr.light.ProcessBlock(copyBlock(b)); err != nil {
			t.Fatal(err)
		}
	}
	pr.mine("/", pr.rootTx(pr.alice, wire.Stamp{Chain: zero, Amount: wire.Unit / 100}))
	h1 := pr.mine("0", pr.branchPut(pr.alice, 1, keyOn("0", 12), "a"))
	before := rootBalance(t, pr.f, pr.branchMiner.PubKey())
	pr.mine("/") // checkpoints h1
	for i := uint64(1); i < pr.p.CheckpointMaturity; i++ {
		pr.mine("/")
		if got := rootBalance(t, pr.f, pr.branchMiner.PubKey()) - before; got != 0 {
			t.Fatalf("paid %d before maturity", got)
		}
	}
	pr.mine("/")
	for _, f := range []*Forest{pr.f, pr.light} {
		if got := rootBalance(t, f, pr.branchMiner.PubKey()) - before; got != entry(h1).Fees {
			t.Fatalf("paid %d at maturity, want %d", got, entry(h1).Fees)
		}
		if fin := f.Chain(zero).finalCheckpoint(); fin == nil || fin.id != h1.ID() {
			t.Fatalf("final checkpoint is not h1")
		}
	}
}
