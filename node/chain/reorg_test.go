package chain

import (
	"errors"
	"path/filepath"
	"testing"

	"github.com/bitverse/bitverse/node/consensus"
	"github.com/bitverse/bitverse/node/state"
	"github.com/bitverse/bitverse/node/wire"
	"go.etcd.io/bbolt"
)

// forkAt returns a second node (its own bbolt file, the same parameters,
// keys and clock) that has received fx's first height blocks, so blocks it
// mines fork from fx's chain at that height.
func (fx *fixture) forkAt(height uint64) *fixture {
	fx.t.Helper()
	path := filepath.Join(fx.t.TempDir(), "fork.db")
	db := openDB(fx.t, path)
	fx.t.Cleanup(func() { db.Close() })
	fy := *fx
	fy.db, fy.path = db, path
	fy.c = openChain(fx.t, db, fx.p, fx.clk)
	fy.blocks = nil
	for _, b := range fx.blocks[:height] {
		if res, err := fy.c.ProcessBlock(copyBlock(b)); err != nil || res != Connected {
			fx.t.Fatalf("fork: block %d: %v %v", b.Header.Height, res, err)
		}
		fy.blocks = append(fy.blocks, b)
	}
	return &fy
}

// feed sends blocks to fx's chain and returns the results.
func (fx *fixture) feed(blocks ...*wire.Block) []Result {
	fx.t.Helper()
	var out []Result
	for _, b := range blocks {
		res, err := fx.c.ProcessBlock(copyBlock(b))
		if err != nil && !errors.Is(err, ErrOrphan) {
			fx.t.Fatalf("block %d (%s): %v", b.Header.Height, b.ID().Short(), err)
		}
		out = append(out, res)
	}
	return out
}

func (fx *fixture) kv(key string) (*state.Record, []*state.Record) {
	fx.t.Helper()
	var rec *state.Record
	var hist []*state.Record
	err := fx.c.View(func(tx *bbolt.Tx, _ TipInfo, _ state.Roots) error {
		var err error
		rec, err = state.Get(tx, key)
		if err != nil && !errors.Is(err, state.ErrNotFound) {
			return err
		}
		hist, err = state.History(tx, key, 0)
		return err
	})
	if err != nil {
		fx.t.Fatal(err)
	}
	return rec, hist
}

// buildA mines three blocks of transfers, puts and overwrites on fx.
func buildA(fx *fixture) []*wire.Block {
	a1 := fx.mine(fx.alice.PubKey(),
		fx.transfer(fx.alice, fx.bob.PubKey(), 10*wire.Unit, 0),
		fx.put(fx.alice, "public/shared/x", "A1", 1),
		fx.put(fx.alice, "public/a/only", "A", 2))
	a2 := fx.mine(fx.bob.PubKey(),
		fx.put(fx.bob, "public/shared/x", "A2-bob", 0),
		fx.transfer(fx.bob, fx.carol.PubKey(), wire.Unit, 1))
	a3 := fx.mine(fx.alice.PubKey(), fx.put(fx.alice, "public/shared/x", "A3", 3))
	return []*wire.Block{a1, a2, a3}
}

// buildB mines n blocks on fy with different writes to the same keys.
func buildB(fy *fixture, n int) []*wire.Block {
	var out []*wire.Block
	out = append(out, fy.mine(fy.carol.PubKey(),
		fy.transfer(fy.alice, fy.carol.PubKey(), 3*wire.Unit, 0),
		fy.put(fy.alice, "public/shared/x", "B1", 1)))
	out = append(out, fy.mine(fy.carol.PubKey(),
		fy.put(fy.carol, "public/shared/x", "B2-carol", 0),
		fy.put(fy.carol, "public/b/only", "B", 1)))
	for i := 2; i < n; i++ {
		out = append(out, fy.mine(fy.dave.PubKey(), fy.put(fy.alice, "public/shared/x", "B"+string(rune('0'+i+1)), -1)))
	}
	return out
}

func TestReorgToHeavierFork(t *testing.T) {
	fx := newFixture(t, nil)
	common := uint64(len(fx.blocks))
	fy := fx.forkAt(common)
	aBlocks := buildA(fx)
	bBlocks := buildB(fy, 4)
	aTip := fx.c.Tip()

	var connected, disconnected []uint64
	fx.c.cfg.OnConnect = func(b *wire.Block, h uint64) { connected = append(connected, h) }
	fx.c.cfg.OnDisconnect = func(b *wire.Block, h uint64) { disconnected = append(disconnected, h) }

	res := fx.feed(bBlocks...)
	want := []Result{SideChain, SideChain, SideChain, Connected}
	for i := range want {
		if res[i] != want[i] {
			t.Fatalf("B block %d: result %v, want %v (all: %v)", i, res[i], want[i], res)
		}
	}
	if tip := fx.c.Tip(); tip.ID != fy.c.Tip().ID {
		t.Fatalf("tip %s, want B's %s", tip.ID.Short(), fy.c.Tip().ID.Short())
	}
	if len(disconnected) != 3 || disconnected[0] != aTip.Height || len(connected) != 4 {
		t.Fatalf("hooks: disconnected %v, connected %v", disconnected, connected)
	}
	// The state is B's and nothing of A's, and equals a replay of B.
	requireSameState(t, fx.c, fx.p, fx.clk, fy.blocks)
	if d := diffState(dumpState(t, fx.c), dumpState(t, fy.c)); d != "" {
		t.Fatalf("state differs from the node that mined B:\n%s", d)
	}
	rec, hist := fx.kv("public/shared/x")
	if string(rec.Value) != "B4" || len(hist) != 4 {
		t.Fatalf("shared/x = %q with %d history entries, want B4 with 4", rec.Value, len(hist))
	}
	for i, w := range []string{"B1", "B2-carol", "B3", "B4"} {
		if string(hist[i].Value) != w {
			t.Fatalf("history[%d] = %q, want %q", i, hist[i].Value, w)
		}
	}
	if rec, _ := fx.kv("public/a/only"); rec != nil {
		t.Fatalf("a/only survived the reorg: %q", rec.Value)
	}
	if rec, _ := fx.kv("public/b/only"); rec == nil || string(rec.Value) != "B" {
		t.Fatalf("b/only = %v", rec)
	}
	// A's transactions are no longer confirmed; B's are.
	for _, tx := range aBlocks[1].Txs[1:] {
		if _, _, err := fx.c.TxByID(tx.ID()); !errors.Is(err, ErrNotFound) {
			t.Fatalf("A's tx %s still indexed: %v", tx.ID().Short(), err)
		}
	}
	if _, loc, err := fx.c.TxByID(bBlocks[1].Txs[1].ID()); err != nil || loc.Height != common+2 {
		t.Fatalf("B's tx: %v at %d", err, loc.Height)
	}
	// A's blocks are still known, on a side chain.
	if _, onBest, err := fx.c.HeaderByID(aBlocks[2].ID()); err != nil || onBest {
		t.Fatalf("A's tip: on best %v, err %v", onBest, err)
	}

	// And back: A grows heavier again and wins; state equals a replay of A.
	fx.c.cfg.OnConnect, fx.c.cfg.OnDisconnect = nil, nil
	fz := fx.forkAt(common)
	fz.feed(aBlocks...)
	fz.blocks = append(fz.blocks, aBlocks...)
	fz.mine(fz.alice.PubKey(), fz.put(fz.bob, "public/shared/x", "A4", -1))
	fz.mine(fz.alice.PubKey())
	fx.feed(fz.blocks[common+3:]...)
	if tip := fx.c.Tip(); tip.ID != fz.c.Tip().ID {
		t.Fatalf("tip %s, want A's %s", tip.ID.Short(), fz.c.Tip().ID.Short())
	}
	requireSameState(t, fx.c, fx.p, fx.clk, fz.blocks)
}

// TestReorgInsideMaturityWindow forks a few blocks after genesis, so the
// rewards that mature differ between the branches.
func TestReorgInsideMaturityWindow(t *testing.T) {
	fx := newBareFixture(t, nil)
	for i := 0; i < 3; i++ {
		fx.mine(fx.alice.PubKey())
	}
	fy := fx.forkAt(3)
	for i := uint64(0); i < fx.p.CoinbaseMaturity+2; i++ {
		fx.mine(fx.alice.PubKey())
	}
	fx.mine(fx.alice.PubKey(), fx.transfer(fx.alice, fx.bob.PubKey(), wire.Unit, -1))
	for i := uint64(0); i < fx.p.CoinbaseMaturity+4; i++ {
		fy.mine(fy.carol.PubKey())
	}
	fy.mine(fy.carol.PubKey(), fy.transfer(fy.carol, fy.dave.PubKey(), 2*wire.Unit, -1))
	fy.mine(fy.carol.PubKey(), fy.transfer(fy.alice, fy.dave.PubKey(), wire.Unit, -1))
	fx.feed(fy.blocks[3:]...)
	if fx.c.Tip().ID != fy.c.Tip().ID {
		t.Fatalf("did not reorg to B")
	}
	requireSameState(t, fx.c, fx.p, fx.clk, fy.blocks)
	if a := fx.account(fx.bob.PubKey()); !a.IsZero() {
		t.Fatalf("bob kept A's transfer: %+v", a)
	}
}

// TestDoubleSpendAcrossForks: alice spends the same nonce to bob on A and to
// carol on B. After the reorg only B's spend exists, and A's can no longer
// be mined.
func TestDoubleSpendAcrossForks(t *testing.T) {
	fx := newFixture(t, nil)
	fy := fx.forkAt(uint64(len(fx.blocks)))
	nonce := fx.account(fx.alice.PubKey()).Nonce
	toBob := fx.transfer(fx.alice, fx.bob.PubKey(), 20*wire.Unit, int64(nonce))
	toCarol := fy.transfer(fy.alice, fy.carol.PubKey(), 30*wire.Unit, int64(nonce))
	fx.mine(fx.alice.PubKey(), toBob)
	if fx.account(fx.bob.PubKey()).Balance != 20*wire.Unit {
		t.Fatalf("A: bob not paid")
	}
	fy.mine(fy.dave.PubKey(), toCarol)
	fy.mine(fy.dave.PubKey())
	fx.feed(fy.blocks[len(fy.blocks)-2:]...)
	if fx.c.Tip().ID != fy.c.Tip().ID {
		t.Fatalf("did not reorg to B")
	}
	if a := fx.account(fx.bob.PubKey()); a.Balance != 0 {
		t.Fatalf("bob still has %d after the reorg", a.Balance)
	}
	if a := fx.account(fx.carol.PubKey()); a.Balance != 30*wire.Unit {
		t.Fatalf("carol has %d, want %d", a.Balance, 30*wire.Unit)
	}
	if a := fx.account(fx.alice.PubKey()); a.Nonce != nonce+1 {
		t.Fatalf("alice nonce %d, want %d", a.Nonce, nonce+1)
	}
	if _, _, err := fx.c.TxByID(toBob.ID()); !errors.Is(err, ErrNotFound) {
		t.Fatalf("A's spend still indexed: %v", err)
	}
	if _, err := fx.c.ProcessBlock(withTxs(fx.template(), toBob)); consensus.CodeOf(err) != consensus.ErrBadNonce {
		t.Fatalf("A's spend mined after the reorg: %v", err)
	}
	requireSameState(t, fx.c, fx.p, fx.clk, fy.blocks)
}

// TestReorgFailsMidway: B is heavier but its second block has a bad state
// root. The reorg connects B's first block, fails on the second, marks it
// and its descendants invalid and restores A.
func TestReorgFailsMidway(t *testing.T) {
	fx := newFixture(t, nil)
	common := uint64(len(fx.blocks))
	fy := fx.forkAt(common)
	buildA(fx)
	aTip := fx.c.Tip()
	aState := dumpState(t, fx.c)
	good := buildB(fy, 4)

	// b2 with a bad state root, and b3, b4 rebuilt on top of it (their
	// headers are otherwise valid: ASERT only looks at heights and times).
	bad := make([]*wire.Block, 4)
	bad[0] = good[0]
	prev := good[0].ID()
	for i := 1; i < 4; i++ {
		b := copyBlock(good[i])
		b.Header.Prev = prev
		if i == 1 {
			b.Header.StateRoot[5] ^= 0xff
		}
		reseal(b)
		bad[i] = b
		prev = b.ID()
	}
	var connected, disconnected int
	fx.c.cfg.OnConnect = func(*wire.Block, uint64) { connected++ }
	fx.c.cfg.OnDisconnect = func(*wire.Block, uint64) { disconnected++ }
	for i, b := range bad[:3] {
		if res, err := fx.c.ProcessBlock(copyBlock(b)); err != nil || res != SideChain {
			t.Fatalf("bad B block %d: %v %v", i, res, err)
		}
	}
	res, err := fx.c.ProcessBlock(copyBlock(bad[3]))
	if res != SideChain || consensus.CodeOf(err) != consensus.ErrInvalidAncestor {
		t.Fatalf("heavier invalid branch: result %v, err %v", res, err)
	}
	if fx.c.Tip().ID != aTip.ID {
		t.Fatalf("tip %s, want A's %s back", fx.c.Tip().ID.Short(), aTip.ID.Short())
	}
	// Three A blocks went and came back; B's first block came and went.
	if disconnected != 4 || connected != 4 {
		t.Fatalf("hooks: %d disconnected, %d connected; want 4 and 4", disconnected, connected)
	}
	if d := diffState(dumpState(t, fx.c), aState); d != "" {
		t.Fatalf("state after the failed reorg differs from A's:\n%s", d)
	}
	requireSameState(t, fx.c, fx.p, fx.clk, fx.blocks)
	// The bad block reports its own reason; its children are invalid.
	for i, b := range bad[1:] {
		_, err := fx.c.ProcessBlock(copyBlock(b))
		if consensus.CodeOf(err) != consensus.ErrInvalidAncestor {
			t.Fatalf("bad block %d sent again: %v", i+1, err)
		}
	}
	// B's valid first block stays valid (it is on a side chain), and A grows.
	if _, onBest, err := fx.c.HeaderByID(bad[0].ID()); err != nil || onBest {
		t.Fatalf("b1: on best %v, err %v", onBest, err)
	}
	fx.mine(fx.alice.PubKey())
	// The invalid marks survive a restart.
	fx.c.cfg.OnConnect, fx.c.cfg.OnDisconnect = nil, nil
	fx.reopen()
	if _, err := fx.c.ProcessBlock(copyBlock(bad[3])); consensus.CodeOf(err) != consensus.ErrInvalidAncestor {
		t.Fatalf("after restart, bad branch: %v", err)
	}
	requireSameState(t, fx.c, fx.p, fx.clk, fx.blocks)
}

// TestOrphansChildFirst: blocks that arrive before their parents are held and
// connected, in order, when the missing parent arrives.
func TestOrphansChildFirst(t *testing.T) {
	fx := newFixture(t, nil)
	fy := fx.forkAt(uint64(len(fx.blocks)))
	b := buildB(fy, 5)
	for i := 4; i >= 1; i-- {
		res, err := fx.c.ProcessBlock(copyBlock(b[i]))
		if res != Orphan || !errors.Is(err, ErrOrphan) {
			t.Fatalf("child %d first: %v %v", i, res, err)
		}
	}
	if n := fx.c.Orphans(); n != 4 {
		t.Fatalf("%d orphans held, want 4", n)
	}
	tipBefore := fx.c.Tip()
	if tipBefore.ID == fy.c.Tip().ID {
		t.Fatalf("tip moved before the parent arrived")
	}
	if res, err := fx.c.ProcessBlock(copyBlock(b[0])); err != nil || res != Connected {
		t.Fatalf("parent: %v %v", res, err)
	}
	if n := fx.c.Orphans(); n != 0 {
		t.Fatalf("%d orphans left", n)
	}
	if fx.c.Tip().ID != fy.c.Tip().ID {
		t.Fatalf("tip %d, want %d", fx.c.Tip().Height, fy.c.Tip().Height)
	}
	requireSameState(t, fx.c, fx.p, fx.clk, fy.blocks)
}

// reopen closes the database and opens the chain again from it.
func (fx *fixture) reopen() {
	fx.t.Helper()
	if err := fx.db.Close(); err != nil {
		fx.t.Fatal(err)
	}
	fx.db = openDB(fx.t, fx.path)
	db := fx.db
	fx.t.Cleanup(func() { db.Close() })
	fx.c = openChain(fx.t, fx.db, fx.p, fx.clk)
}

func TestRestartKeepsTipAndState(t *testing.T) {
	fx := newFixture(t, nil)
	fy := fx.forkAt(uint64(len(fx.blocks)))
	buildA(fx)
	buildB(fy, 4)
	fx.feed(fy.blocks[len(fy.blocks)-4:]...)
	tip := fx.c.Tip()
	before := dumpState(t, fx.c)
	fx.reopen()
	if got := fx.c.Tip(); got.ID != tip.ID || got.Work.Cmp(tip.Work) != 0 {
		t.Fatalf("tip after restart %s (work %v), want %s (work %v)", got.ID.Short(), got.Work, tip.ID.Short(), tip.Work)
	}
	if d := diffState(dumpState(t, fx.c), before); d != "" {
		t.Fatalf("state changed across a restart:\n%s", d)
	}
	// The reopened chain knows the side branch and keeps growing.
	fx.blocks = fy.blocks
	fx.mine(fx.alice.PubKey(), fx.put(fx.alice, "public/after/restart", "1", -1))
	requireSameState(t, fx.c, fx.p, fx.clk, fx.blocks)
}

// TestRestartMidReorg: a crash after some blocks were disconnected (each
// disconnect is its own bbolt transaction) leaves a consistent state that is
// not the best; opening the chain finishes the move to the best chain.
func TestRestartMidReorg(t *testing.T) {
	fx := newFixture(t, nil)
	buildA(fx)
	tip := fx.c.Tip()
	fx.c.mu.Lock()
	for i := 0; i < 2; i++ {
		if err := fx.c.disconnectTip(); err != nil {
			t.Fatal(err)
		}
	}
	fx.c.mu.Unlock()
	requireSameState(t, fx.c, fx.p, fx.clk, fx.blocks[:len(fx.blocks)-2])
	fx.reopen()
	if fx.c.Tip().ID != tip.ID {
		t.Fatalf("tip after reopen %s, want %s", fx.c.Tip().ID.Short(), tip.ID.Short())
	}
	requireSameState(t, fx.c, fx.p, fx.clk, fx.blocks)
}
