package chain

import (
	"errors"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/bitverse/bitverse/node/consensus"
	"github.com/bitverse/bitverse/node/state/smt"
	"github.com/bitverse/bitverse/node/store"
	"github.com/bitverse/bitverse/node/wire"
	"go.etcd.io/bbolt"
)

// runSource mines, on a fixture, count blocks of puts and transfers after
// the fixture's own (rewards maturing inside the run) and returns the
// fixture with every block it made.
func runSource(t *testing.T, count int) *fixture {
	t.Helper()
	fx := newFixture(t, nil)
	for i := 0; i < count; i++ {
		fx.mine(fx.alice.PubKey(),
			fx.put(fx.alice, fmt.Sprintf("public/run/%d", i), "v", -1),
			fx.transfer(fx.alice, fx.bob.PubKey(), 1000+uint64(i), int64(fx.account(fx.alice.PubKey()).Nonce)+1))
	}
	return fx
}

// commits returns how many write transactions db has committed.
func commits(t *testing.T, db *bbolt.DB) int {
	t.Helper()
	tx, err := db.Begin(false)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	return tx.ID()
}

func freshChain(t *testing.T, fx *fixture) (*Chain, *bbolt.DB) {
	t.Helper()
	db := openDB(t, filepath.Join(t.TempDir(), "run.db"))
	t.Cleanup(func() { db.Close() })
	return openChain(t, db, fx.p, fx.clk), db
}

func copies(blocks []*wire.Block) []*wire.Block {
	out := make([]*wire.Block, len(blocks))
	for i, b := range blocks {
		out[i] = copyBlock(b)
	}
	return out
}

// A run connects in one commit and leaves exactly the state of the same
// blocks processed one by one (flat state, history, indexes, undo records,
// roots), rewards maturing inside the run included.
func TestProcessRunMatchesOneByOne(t *testing.T) {
	fx := runSource(t, 20)
	c, db := freshChain(t, fx)
	var hooked []uint64
	c.cfg.OnConnect = func(b *wire.Block, h uint64) { hooked = append(hooked, h) }
	before := commits(t, db)
	n, err := c.ProcessRun(copies(fx.blocks))
	if err != nil || n != len(fx.blocks) {
		t.Fatalf("ProcessRun connected %d of %d blocks, err %v", n, len(fx.blocks), err)
	}
	if got := commits(t, db) - before; got != 1 {
		t.Fatalf("a run of %d blocks took %d commits, want 1", n, got)
	}
	if len(hooked) != n || hooked[0] != 1 || hooked[n-1] != uint64(n) {
		t.Fatalf("OnConnect ran for heights %v", hooked)
	}
	requireSameState(t, c, fx.p, fx.clk, fx.blocks)
	if c.Tip().ID != fx.c.Tip().ID {
		t.Fatalf("tip %s, the source's is %s", c.Tip().ID.Short(), fx.c.Tip().ID.Short())
	}
	// Known blocks: nothing to connect, nothing written.
	before = commits(t, db)
	if n, err := c.ProcessRun(copies(fx.blocks[:3])); n != 0 || err != nil {
		t.Fatalf("known blocks: connected %d, err %v", n, err)
	}
	if commits(t, db) != before {
		t.Fatal("a run of known blocks wrote")
	}
}

// A run stops before a block that breaks a rule: the blocks before it are
// connected (nothing of the bad block is kept), and ProcessBlock then
// gives the bad block's verdict as it would have without the run. Each
// rule family: a state-dependent one (state root), a signature, and a
// header rule (bits).
func TestProcessRunStopsBeforeABadBlock(t *testing.T) {
	fx := runSource(t, 12)
	k := len(fx.blocks) - 4 // the bad block: one with puts and transfers
	cases := []struct {
		name   string
		tamper func(b *wire.Block)
		code   consensus.ErrorCode
	}{
		{"state root", func(b *wire.Block) { b.Header.StateRoot[0] ^= 1; resolve(b) }, consensus.ErrBadStateRoot},
		{"signature", func(b *wire.Block) { b.Txs[1].Sig[5] ^= 1; reseal(b) }, consensus.ErrBadSignature},
		{"bits", func(b *wire.Block) { b.Header.Bits--; resolve(b) }, consensus.ErrBadBits},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, db := freshChain(t, fx)
			blocks := copies(fx.blocks)
			tc.tamper(blocks[k])
			before := commits(t, db)
			n, err := c.ProcessRun(blocks)
			if err != nil || n != k {
				t.Fatalf("connected %d blocks (err %v), want the %d before the bad one", n, err, k)
			}
			if c.Tip().ID != fx.blocks[k-1].ID() {
				t.Fatalf("tip at height %d, want %d", c.Tip().Height, k)
			}
			if got := commits(t, db) - before; got > 1 {
				t.Fatalf("%d commits for the good part of the run, want 1", got)
			}
			requireSameState(t, c, fx.p, fx.clk, fx.blocks[:k])
			_, err = c.ProcessBlock(blocks[k])
			if consensus.CodeOf(err) != tc.code {
				t.Fatalf("the bad block: %v, want code %v", err, tc.code)
			}
			if c.Tip().ID != fx.blocks[k-1].ID() {
				t.Fatal("the bad block moved the tip")
			}
		})
	}
}

// A run takes only a line extending the tip: it stops at a gap and at a
// block of another line, and a run that does not start on the tip
// connects nothing.
func TestProcessRunTakesOnlyTheLineOnTheTip(t *testing.T) {
	fx := runSource(t, 6)
	c, _ := freshChain(t, fx)
	blocks := copies(fx.blocks)
	gap := append(append([]*wire.Block{}, blocks[:4]...), blocks[5:]...)
	if n, err := c.ProcessRun(gap); n != 4 || err != nil {
		t.Fatalf("run with a gap: connected %d, err %v; want 4", n, err)
	}
	if n, err := c.ProcessRun(blocks[5:]); n != 0 || err != nil {
		t.Fatalf("run after the tip's child: connected %d, err %v; want 0", n, err)
	}
	if n, err := c.ProcessRun(blocks[4:]); n != len(blocks)-4 || err != nil {
		t.Fatalf("rest of the line: connected %d, err %v", n, err)
	}
	if _, err := c.ProcessBlock(copyBlock(fx.blocks[0])); !errors.Is(err, ErrKnown) {
		t.Fatalf("a run's block is not known afterwards: %v", err)
	}
}

// A line longer than one transaction may hold is connected whole, in
// ceil(n / MaxRunBlocks) commits (the memory a run holds is bounded).
func TestProcessRunSplitsLongLines(t *testing.T) {
	fx := runSource(t, 2*MaxRunBlocks+8)
	c, db := freshChain(t, fx)
	before := commits(t, db)
	n, err := c.ProcessRun(copies(fx.blocks))
	if err != nil || n != len(fx.blocks) {
		t.Fatalf("connected %d of %d, err %v", n, len(fx.blocks), err)
	}
	want := (len(fx.blocks) + MaxRunBlocks - 1) / MaxRunBlocks
	if got := commits(t, db) - before; got != want {
		t.Fatalf("%d blocks took %d commits, want %d", n, got, want)
	}
	requireSameState(t, c, fx.p, fx.clk, fx.blocks)
}

// A run stores the key/value tree of its last block only (the pages its
// later blocks replace are never written), every block's root still
// checked; a reorganisation back into the middle of the run rebuilds the
// tree of the block it returns to, and the fork connects on it.
func TestRunStoresOnlyItsLastKVTreeAndAReorgRebuildsOne(t *testing.T) {
	fx := runSource(t, 20)
	c, _ := freshChain(t, fx)
	if n, err := c.ProcessRun(copies(fx.blocks)); err != nil || n != len(fx.blocks) {
		t.Fatalf("connected %d of %d, err %v", n, len(fx.blocks), err)
	}
	mid := uint64(len(fx.blocks) - 10)
	stored := func(id wire.Hash) (bool, int) {
		t.Helper()
		var ok bool
		var leaves int
		err := c.db.View(func(tx *bbolt.Tx) error {
			roots, err := rootsOf(tx, id)
			if err != nil {
				return err
			}
			nodes, err := smt.NewBoltStore(tx, store.SMT)
			if err != nil {
				return err
			}
			if _, err := nodes.Get(roots.KV); err != nil {
				return nil
			}
			ok = true
			leaves, err = smt.Check(nodes, roots.KV)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return ok, leaves
	}
	if ok, _ := stored(fx.blocks[mid-1].ID()); ok {
		t.Fatalf("the key/value tree of block %d, inside the run, was stored", mid)
	}
	if ok, _ := stored(c.Tip().ID); !ok {
		t.Fatal("the tip's key/value tree was not stored")
	}

	// A heavier fork from the block in the middle of the run.
	fy := fx.forkAt(mid)
	for i := 0; i < 12; i++ {
		fy.mine(fy.carol.PubKey(), fy.put(fy.alice, fmt.Sprintf("public/fork/%d", i), "f", -1))
	}
	for _, b := range fy.blocks[mid:] {
		if _, err := c.ProcessBlock(copyBlock(b)); err != nil {
			t.Fatalf("fork block %d: %v", b.Header.Height, err)
		}
	}
	if c.Tip().ID != fy.c.Tip().ID {
		t.Fatalf("tip at height %d, want the fork's %d", c.Tip().Height, fy.c.Tip().Height)
	}
	if ok, _ := stored(fx.blocks[mid-1].ID()); !ok {
		t.Fatal("the reorg did not rebuild the key/value tree of the block it went back to")
	}
	if ok, _ := stored(c.Tip().ID); !ok {
		t.Fatal("the fork's tip has no stored key/value tree")
	}
	requireSameState(t, c, fx.p, fx.clk, fy.blocks)
}
