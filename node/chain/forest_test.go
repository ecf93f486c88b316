package chain

import (
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/bitverse/bitverse/node/consensus"
	"github.com/bitverse/bitverse/node/script"
	"github.com/bitverse/bitverse/node/state"
	"github.com/bitverse/bitverse/node/wire"
	"go.etcd.io/bbolt"
)

// tree is a regtest forest of every chain down to the network's MaxDepth,
// each on its own bbolt file, with alice holding matured root rewards.
type tree struct {
	t     testing.TB
	f     *Forest
	p     *consensus.Params
	clk   *testClock
	alice wire.PrivKey
	bob   wire.PrivKey
	miner wire.PrivKey
	// accepted blocks per chain, in order of acceptance (for replays)
	log []*wire.Block
}

// newTree opens a forest; headersOnly names chains kept as headers only.
func newTree(t testing.TB, maxDepth uint8, headersOnly ...string) *tree {
	t.Helper()
	p := consensus.Regtest()
	p.MaxDepth = maxDepth
	clk := &testClock{t: time.UnixMilli(p.GenesisTime).Add(time.Hour)}
	tr := &tree{t: t, p: p, clk: clk, alice: key(t, 1), bob: key(t, 2), miner: key(t, 9)}
	tr.f = openForest(t, p, clk, t.TempDir(), headersOnly...)
	return tr
}

func openForest(t testing.TB, p *consensus.Params, clk *testClock, dir string, headersOnly ...string) *Forest {
	t.Helper()
	f := NewForest(p)
	scripts := state.NewScripts(script.NewInProcess())
	ho := map[string]bool{}
	for _, s := range headersOnly {
		ho[s] = true
	}
	for _, id := range wire.TreeChains(p.MaxDepth) {
		name := id.String()
		if id.IsRoot() {
			name = "root"
		}
		db := openDB(t, filepath.Join(dir, name+".db"))
		t.Cleanup(func() { db.Close() })
		if _, err := f.Add(Config{Params: p, DB: db, Now: clk.Now, Scripts: scripts, ID: id, HeadersOnly: ho[id.String()]}); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

func (tr *tree) chain(s string) *Chain {
	tr.t.Helper()
	id, err := wire.ParseChainID(s)
	if err != nil {
		tr.t.Fatal(err)
	}
	c := tr.f.Chain(id)
	if c == nil {
		tr.t.Fatalf("no chain %s", s)
	}
	return c
}

// template builds and solves a block on chain s holding txs.
func (tr *tree) template(s string, txs ...*wire.Tx) *wire.Block {
	tr.t.Helper()
	tr.clk.t = tr.clk.t.Add(2 * time.Second)
	tmpl, err := tr.chain(s).NewTemplate(tr.miner.PubKey(), txs, tr.clk.t)
	if err != nil {
		tr.t.Fatal(err)
	}
	if len(tmpl.Rejected) > 0 {
		tr.t.Fatalf("template on %s rejected %d txs", s, len(tmpl.Rejected))
	}
	solve(tmpl.Block)
	return tmpl.Block
}

// mine makes a block on chain s and requires it to connect.
func (tr *tree) mine(s string, txs ...*wire.Tx) *wire.Block {
	tr.t.Helper()
	b := tr.template(s, txs...)
	tr.submit(b, Connected)
	return b
}

func (tr *tree) submit(b *wire.Block, want Result) {
	tr.t.Helper()
	res, err := tr.f.ProcessBlock(b)
	if err != nil || res != want {
		tr.t.Fatalf("block %s on %s at height %d: result %v, err %v; want %v", b.ID().Short(), b.Header.Chain, b.Header.Height, res, err, want)
	}
	tr.log = append(tr.log, b)
}

// fund mines enough root blocks to mature a reward for alice, then pays
// the reward's worth forward to her (the miner key mines).
func (tr *tree) fund() {
	tr.t.Helper()
	saved := tr.miner
	tr.miner = tr.alice
	for i := uint64(0); i < tr.p.CoinbaseMaturity+2; i++ {
		tr.mine("/")
	}
	tr.miner = saved
}

// rootTx signs body from k on the root with the minimum fee.
func (tr *tree) rootTx(k wire.PrivKey, body wire.Body) *wire.Tx {
	a := tr.account("/", k.PubKey())
	t := wire.NewTx(wire.RootChain, body, a.Nonce, 0)
	tr.p.SetMinFee(t)
	t.Sign(tr.p.Net, k)
	return t
}

// branchPut signs a put of key on the chain at depth that holds it.
func (tr *tree) branchPut(k wire.PrivKey, depth uint8, key, value string) *wire.Tx {
	id := wire.ForPath(wire.KeyPath(key), depth)
	a := tr.account(id.String(), k.PubKey())
	t := wire.NewTx(id, wire.Put{Key: key, Value: []byte(value)}, a.Nonce, 0)
	tr.p.SetMinFee(t)
	t.Sign(tr.p.Net, k)
	return t
}

func (tr *tree) account(s string, pk wire.PubKey) state.Account {
	tr.t.Helper()
	var a state.Account
	err := tr.chain(s).View(func(tx *bbolt.Tx, _ TipInfo, _ state.Roots) error {
		var err error
		a, err = state.GetAccount(tx, pk)
		return err
	})
	if err != nil {
		tr.t.Fatal(err)
	}
	return a
}

func (tr *tree) get(s, key string) (*state.Record, error) {
	var rec *state.Record
	err := tr.chain(s).View(func(tx *bbolt.Tx, _ TipInfo, _ state.Roots) error {
		var err error
		rec, err = state.Get(tx, key)
		return err
	})
	return rec, err
}

func (tr *tree) pool(c string) uint64 {
	id, _ := wire.ParseChainID(c)
	var pool uint64
	tr.chain("/").View(func(tx *bbolt.Tx, _ TipInfo, _ state.Roots) error {
		_, pool = state.CreditOf(tx, wire.PubKey{}, id)
		return nil
	})
	return pool
}

// keyOn finds a key whose path lies under chain s.
func keyOn(s string, salt int) string {
	id, _ := wire.ParseChainID(s)
	for i := 0; ; i++ {
		k := fmt.Sprintf("public/k%d-%d", salt, i)
		if wire.ForPath(wire.KeyPath(k), id.Depth) == id {
			return k
		}
	}
}

// path mines one block on each chain from the root down to s (what merged
// mining along that path yields when every target is met).
func (tr *tree) path(s string) {
	tr.t.Helper()
	id, _ := wire.ParseChainID(s)
	var chains []wire.ChainID
	for c := id; ; c = c.Parent() {
		chains = append([]wire.ChainID{c}, chains...)
		if c.IsRoot() {
			break
		}
	}
	for _, c := range chains {
		tr.mine(c.String())
	}
}

func TestBranchWriteStampCheckpointPayout(t *testing.T) {
	tr := newTree(t, 2)
	tr.fund()
	k := keyOn("01", 1)

	// Without credit on 01 the write is refused with a sentence.
	tr.path("01")
	noCredit := tr.branchPut(tr.alice, 2, k, "v1")
	tmpl, err := tr.chain("01").NewTemplate(tr.miner.PubKey(), []*wire.Tx{noCredit}, tr.clk.t.Add(2*time.Second))
	// Left out, not rejected: the credit may yet appear under a later anchor.
	if err != nil || len(tmpl.Rejected) != 0 || len(tmpl.Block.Txs) != 1 {
		t.Fatalf("template: err %v, rejected %d, %d txs; want the write left out", err, len(tmpl.Rejected), len(tmpl.Block.Txs))
	}

	// Stamp 1 BVS for 01, let the anchors reach past it, write.
	tr.mine("/", tr.rootTx(tr.alice, wire.Stamp{Chain: wire.ChainID{Depth: 2, Bits: 1}, Amount: wire.Unit}))
	if got := tr.pool("01"); got != wire.Unit {
		t.Fatalf("pool of 01 after the stamp: %d, want %d", got, wire.Unit)
	}
	tr.mine("0")
	put := tr.branchPut(tr.alice, 2, k, "v1")
	blk := tr.mine("01", put)
	rec, err := tr.get("01", k)
	if err != nil || string(rec.Value) != "v1" {
		t.Fatalf("get %s on 01: %v, %v", k, rec, err)
	}
	if a := tr.account("01", tr.alice.PubKey()); a.Balance != put.Fee || a.Nonce != 1 {
		t.Fatalf("branch account: spent %d nonce %d, want %d and 1", a.Balance, a.Nonce, put.Fee)
	}
	// The key of another chain is refused on 01.
	wrong := tr.branchPut(tr.alice, 2, keyOn("00", 2), "x")
	wrong.Chain = wire.ChainID{Depth: 2, Bits: 1}
	tr.p.SetMinFee(wrong)
	wrong.Sign(tr.p.Net, tr.alice)
	tmpl, _ = tr.chain("01").NewTemplate(tr.miner.PubKey(), []*wire.Tx{wrong}, tr.clk.t.Add(2*time.Second))
	if len(tmpl.Rejected) != 1 {
		t.Fatalf("a put of a key under 00 was not refused on 01")
	}

	// The next root block checkpoints 0 and 01 and reserves the fees; they
	// are paid CheckpointMaturity root blocks later.
	tr.p.CheckpointMaturity = 2
	root := tr.mine("/")
	if len(root.Txs) < 2 || root.Txs[1].Type != wire.TxCheckpoint {
		t.Fatalf("root block has no checkpoint: %d txs", len(root.Txs))
	}
	var paid uint64
	for _, e := range root.Txs[1].Body.(wire.Checkpoint).Entries {
		paid += e.Fees
		if e.Chain.String() == "01" && e.Block != blk.ID() {
			t.Fatalf("checkpoint of 01 names %s, want %s", e.Block.Short(), blk.ID().Short())
		}
	}
	if paid != put.Fee {
		t.Fatalf("checkpoint pays %d, the write paid %d", paid, put.Fee)
	}
	if got := tr.pool("01"); got != wire.Unit-put.Fee {
		t.Fatalf("pool of 01: %d, want %d", got, wire.Unit-put.Fee)
	}
}

// A checkpoint that pays more than was stamped, skips a block, or
// misstates a block's fees is refused with its code.
func TestCheckpointRules(t *testing.T) {
	tr := newTree(t, 1)
	tr.fund()
	tr.mine("/", tr.rootTx(tr.alice, wire.Stamp{Chain: wire.ChainID{Depth: 1, Bits: 0}, Amount: wire.Unit / 100}))
	k := keyOn("0", 3)
	b1 := tr.mine("0", tr.branchPut(tr.alice, 1, k, "a"))
	b2 := tr.mine("0", tr.branchPut(tr.alice, 1, k, "b"))
	fees := func(b *wire.Block) uint64 { return b.Txs[0].Body.(wire.Coinbase).Amount }
	miner := tr.miner.PubKey()
	zero := wire.ChainID{Depth: 1}
	cases := []struct {
		name    string
		entries []wire.CheckpointEntry
		code    consensus.ErrorCode
	}{
		{"skips a block", []wire.CheckpointEntry{{Chain: zero, Block: b2.ID(), Height: 2, Fees: fees(b2), Miner: miner}}, consensus.ErrBadCheckpoint},
		{"wrong height", []wire.CheckpointEntry{{Chain: zero, Block: b1.ID(), Height: 5, Fees: fees(b1), Miner: miner}}, consensus.ErrBadCheckpoint},
		{"wrong fees", []wire.CheckpointEntry{{Chain: zero, Block: b1.ID(), Height: 1, Fees: fees(b1) + 1, Miner: miner}}, consensus.ErrBadCheckpoint},
		{"wrong miner", []wire.CheckpointEntry{{Chain: zero, Block: b1.ID(), Height: 1, Fees: fees(b1), Miner: tr.bob.PubKey()}}, consensus.ErrBadCheckpoint},
		{"root entry", []wire.CheckpointEntry{{Chain: wire.RootChain, Block: b1.ID(), Height: 1}}, consensus.ErrBadCheckpoint},
		{"no entries", nil, consensus.ErrBadCheckpoint},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := tr.template("/")
			cp := wire.NewTx(wire.RootChain, wire.Checkpoint{Entries: tc.entries}, 0, 0)
			b.Txs = append([]*wire.Tx{b.Txs[0], cp}, b.Txs[2:]...)
			_, err := tr.f.ProcessBlock(reseal(b))
			if consensus.CodeOf(err) != tc.code {
				t.Fatalf("err %v (code %s), want %s", err, consensus.CodeOf(err), tc.code)
			}
		})
	}
}

// A node that keeps only headers of a branch checks a checkpoint's fees
// against the block's coinbase claim exactly as a full node does (it saw
// the coinbase, checked against the tx root, when it took the header).
func TestCheckpointFeesRefusedAlikeByHeadersOnlyNode(t *testing.T) {
	full := newTree(t, 1)
	light := openForest(t, full.p, full.clk, t.TempDir(), "0")
	full.fund()
	full.mine("/", full.rootTx(full.alice, wire.Stamp{Chain: wire.ChainID{Depth: 1}, Amount: wire.Unit / 100}))
	full.mine("0", full.branchPut(full.alice, 1, keyOn("0", 5), "v"))
	for _, b := range full.log {
		if _, err := light.ProcessBlock(copyBlock(b)); err != nil {
			t.Fatal(err)
		}
	}
	if light.Chain(wire.ChainID{Depth: 1}).Tip().Height != 1 {
		t.Fatal("headers-only chain 0 did not follow the header")
	}
	good := full.template("/")
	bad := copyBlock(good)
	cp := bad.Txs[1].Body.(wire.Checkpoint)
	cp.Entries[0].Fees = wire.Unit/100 + 1
	bad.Txs[1] = wire.NewTx(wire.RootChain, cp, 0, 0)
	if _, err := light.ProcessBlock(reseal(bad)); !consensus.IsCode(err, consensus.ErrBadCheckpoint) {
		t.Fatalf("the headers-only node should refuse the wrong fees: err %v, want ErrBadCheckpoint", err)
	}
	if _, err := full.f.ProcessBlock(copyBlock(bad)); !consensus.IsCode(err, consensus.ErrBadCheckpoint) {
		t.Fatalf("the full node should refuse the wrong fees: err %v, want ErrBadCheckpoint", err)
	}
	if res, err := light.ProcessBlock(copyBlock(good)); err != nil || res != Connected {
		t.Fatalf("honest checkpoint on the headers-only node: %v %v", res, err)
	}
}

// A root reorg that orphans the root blocks a branch anchored to takes
// those branch blocks off the branch (their anchors left the root's best
// line); new branch blocks anchor to the new root line, and the branch's
// state equals a replay of its best line.
func TestRootReorgReanchorsBranch(t *testing.T) {
	tr := newTree(t, 1)
	tr.fund()
	tr.mine("/", tr.rootTx(tr.alice, wire.Stamp{Chain: wire.ChainID{Depth: 1, Bits: 1}, Amount: wire.Unit}))
	fork := tr.chain("/").Tip()

	// A second node shares everything up to the fork.
	other := openForest(t, tr.p, tr.clk, t.TempDir())
	for _, b := range tr.log {
		if _, err := other.ProcessBlock(copyBlock(b)); err != nil {
			t.Fatal(err)
		}
	}

	// Here: one root block, then branch 1 anchors to it and takes a write.
	tr.mine("/")
	k := keyOn("1", 4)
	orphaned := tr.mine("1", tr.branchPut(tr.alice, 1, k, "doomed"))
	if rec, err := tr.get("1", k); err != nil || string(rec.Value) != "doomed" {
		t.Fatalf("write not applied: %v %v", rec, err)
	}

	// There: three root blocks from the fork, heavier.
	var heavier []*wire.Block
	for i := 0; i < 3; i++ {
		tr.clk.t = tr.clk.t.Add(3 * time.Second)
		tmpl, err := other.Root().NewTemplate(tr.bob.PubKey(), nil, tr.clk.t)
		if err != nil {
			t.Fatal(err)
		}
		solve(tmpl.Block)
		if _, err := other.ProcessBlock(tmpl.Block); err != nil {
			t.Fatal(err)
		}
		heavier = append(heavier, tmpl.Block)
	}
	for _, b := range heavier {
		if _, err := tr.f.ProcessBlock(copyBlock(b)); err != nil {
			t.Fatal(err)
		}
		tr.log = append(tr.log, b)
	}
	if tip := tr.chain("/").Tip(); tip.ID != heavier[2].ID() {
		t.Fatalf("root did not reorg onto the heavier fork (tip %s at %d, fork at %d)", tip.ID.Short(), tip.Height, fork.Height)
	}
	if tip := tr.chain("1").Tip(); tip.ID == orphaned.ID() || tip.Height != 0 {
		t.Fatalf("branch 1 kept block %s anchored to an orphaned root block (tip height %d)", orphaned.ID().Short(), tip.Height)
	}
	if _, err := tr.get("1", k); !errors.Is(err, state.ErrNotFound) {
		t.Fatalf("the orphaned write is still readable: %v", err)
	}

	// The write can be mined again, anchored to the new line.
	again := tr.branchPut(tr.alice, 1, k, "again")
	b := tr.mine("1", again)
	if b.Header.Anchor != heavier[2].ID() {
		t.Fatalf("new branch block anchors to %s, want the new root tip", b.Header.Anchor.Short())
	}
	requireSameTree(t, tr, []string{"1"})
}

// requireSameTree replays the best lines of every chain (root first, in the
// order the blocks were accepted) into a fresh forest and compares the
// named chains' state.
func requireSameTree(t *testing.T, tr *tree, chains []string) {
	t.Helper()
	fresh := openForest(t, tr.p, tr.clk, t.TempDir())
	for _, b := range tr.log {
		fresh.ProcessBlock(copyBlock(b)) // side blocks may or may not connect; state must match at the end
	}
	for _, s := range chains {
		id, _ := wire.ParseChainID(s)
		got, want := dumpState(t, tr.f.Chain(id)), dumpState(t, fresh.Chain(id))
		if d := diffState(got, want); d != "" {
			t.Fatalf("chain %s differs from a replay:\n%s", s, d)
		}
	}
}

// A branch block covered by a matured checkpoint on the root's best line
// stays, even when a heavier fork of the branch alone arrives; the same
// fork wins where no checkpoint covers the block.
func TestCheckpointSurvivesHeavierBranchReorg(t *testing.T) {
	for _, checkpointed := range []bool{true, false} {
		t.Run(fmt.Sprint("checkpointed=", checkpointed), func(t *testing.T) {
			tr := newTree(t, 1)
			tr.mine("/")
			other := openForest(t, tr.p, tr.clk, t.TempDir())
			for _, b := range tr.log {
				if _, err := other.ProcessBlock(copyBlock(b)); err != nil {
					t.Fatal(err)
				}
			}
			x := tr.mine("1")
			if checkpointed {
				root := tr.mine("/")
				if len(root.Txs) < 2 {
					t.Fatal("no checkpoint in the root block")
				}
				for i := uint64(0); i < tr.p.CheckpointMaturity; i++ {
					tr.mine("/") // the checkpoint matures
				}
			}
			// The other node mines three blocks of branch 1 without x.
			var fork []*wire.Block
			for i := 0; i < 3; i++ {
				tr.clk.t = tr.clk.t.Add(3 * time.Second)
				tmpl, err := other.Chain(wire.ChainID{Depth: 1, Bits: 1}).NewTemplate(tr.bob.PubKey(), nil, tr.clk.t)
				if err != nil {
					t.Fatal(err)
				}
				solve(tmpl.Block)
				if _, err := other.ProcessBlock(tmpl.Block); err != nil {
					t.Fatal(err)
				}
				fork = append(fork, tmpl.Block)
			}
			for _, b := range fork {
				if _, err := tr.f.ProcessBlock(copyBlock(b)); err != nil && !errors.Is(err, ErrKnown) {
					t.Fatal(err)
				}
			}
			tip := tr.chain("1").Tip()
			if checkpointed && tip.ID != x.ID() {
				t.Fatalf("checkpointed block %s was reorganised away by a heavier branch-only fork (tip %s at %d)", x.ID().Short(), tip.ID.Short(), tip.Height)
			}
			if !checkpointed && tip.ID != fork[2].ID() {
				t.Fatalf("without a checkpoint the heavier fork should win; tip %s at %d", tip.ID.Short(), tip.Height)
			}
		})
	}
}

// Each blocktree rule refuses with its own code.
func TestBranchRuleCodes(t *testing.T) {
	tr := newTree(t, 1)
	tr.fund()
	tr.mine("/", tr.rootTx(tr.alice, wire.Stamp{Chain: wire.ChainID{Depth: 1, Bits: 1}, Amount: wire.Unit}))
	one := wire.ChainID{Depth: 1, Bits: 1}

	applyOn := func(s string, t0 *wire.Tx) error {
		tmpl, err := tr.chain(s).NewTemplate(tr.miner.PubKey(), []*wire.Tx{t0}, tr.clk.t.Add(2*time.Second))
		if err != nil {
			return err
		}
		if len(tmpl.Rejected) == 0 && len(tmpl.Block.Txs) > 1 {
			return nil
		}
		// The template drops it; apply it to a block by hand to see the code.
		b := tmpl.Block
		b.Txs = append(b.Txs, t0)
		_, err = tr.f.ProcessBlock(reseal(b))
		return err
	}
	sign := func(t0 *wire.Tx, k wire.PrivKey) *wire.Tx {
		tr.p.SetMinFee(t0)
		t0.Sign(tr.p.Net, k)
		return t0
	}
	cases := []struct {
		name  string
		chain string
		tx    *wire.Tx
		code  consensus.ErrorCode
	}{
		{"write without credit", "0", sign(wire.NewTx(wire.ChainID{Depth: 1}, wire.Put{Key: keyOn("0", 6), Value: []byte("x")}, 0, 0), tr.alice), consensus.ErrNoCredit},
		{"transfer on a branch", "1", sign(wire.NewTx(one, wire.Transfer{To: tr.bob.PubKey(), Amount: 1}, 0, 0), tr.alice), consensus.ErrBadTxChain},
		{"key of the other branch", "1", sign(wire.NewTx(one, wire.Put{Key: keyOn("0", 7), Value: []byte("x")}, 0, 0), tr.alice), consensus.ErrBadTxChain},
		{"root tx in a branch block", "1", sign(wire.NewTx(wire.RootChain, wire.Put{Key: keyOn("1", 8), Value: []byte("x")}, 0, 0), tr.alice), consensus.ErrBadTxChain},
		{"stamp for the root", "/", tr.rootTx(tr.alice, wire.Stamp{Chain: wire.RootChain, Amount: 5}), consensus.ErrBadStamp},
		{"stamp below MaxDepth", "/", tr.rootTx(tr.alice, wire.Stamp{Chain: wire.ChainID{Depth: 2}, Amount: 5}), consensus.ErrBadStamp},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if err := applyOn(tc.chain, tc.tx); !consensus.IsCode(err, tc.code) {
				t.Fatalf("err %v (code %s), want %s", err, consensus.CodeOf(err), tc.code)
			}
		})
	}

	// Anchors: zero on a branch, non-zero on the root, and one that goes
	// backwards (does not descend from the parent block's anchor).
	t.Run("branch block without anchor", func(t *testing.T) {
		b := tr.template("1")
		b.Header.Anchor = wire.Hash{}
		if _, err := tr.f.ProcessBlock(resolve(b)); !consensus.IsCode(err, consensus.ErrBadAnchor) {
			t.Fatalf("err %v, want ErrBadAnchor", err)
		}
	})
	t.Run("root block with anchor", func(t *testing.T) {
		b := tr.template("/")
		b.Header.Anchor = b.Header.Prev
		if _, err := tr.f.ProcessBlock(resolve(b)); !consensus.IsCode(err, consensus.ErrBadAnchor) {
			t.Fatalf("err %v, want ErrBadAnchor", err)
		}
	})
	t.Run("anchor going backwards", func(t *testing.T) {
		early := tr.chain("/").Tip().ID
		tr.mine("/")
		tr.mine("1") // anchors to the newer root tip
		b := tr.template("1")
		b.Header.Anchor = early
		if _, err := tr.f.ProcessBlock(resolve(b)); !consensus.IsCode(err, consensus.ErrBadAnchor) {
			t.Fatalf("err %v, want ErrBadAnchor", err)
		}
	})
	t.Run("unknown anchor waits", func(t *testing.T) {
		b := tr.template("1")
		b.Header.Anchor = wire.Hash{1}
		if res, err := tr.f.ProcessBlock(resolve(b)); res != Orphan || !errors.Is(err, ErrOrphan) {
			t.Fatalf("res %v err %v, want it held", res, err)
		}
		if tr.f.Pending() != 1 {
			t.Fatalf("pending %d, want 1", tr.f.Pending())
		}
	})
}
