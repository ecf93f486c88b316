package chain

import (
	"bytes"
	"errors"
	"testing"

	"github.com/bitverse/bitverse/node/consensus"
	"github.com/bitverse/bitverse/node/wire"
)

// claimedPair is a pair whose headers-only node took every block so far
// whole, and from now on takes branch blocks as a syncing headers-only
// node does: header, coinbase and the coinbase's Merkle branch.
func claimedPair(t *testing.T) (*pair, *wire.Block, uint64) {
	pr := newPair(t, 4)
	pr.fund()
	for _, b := range pr.log {
		if _, err := pr.light.ProcessBlock(copyBlock(b)); err != nil {
			t.Fatal(err)
		}
	}
	const stamp = wire.Unit / 100
	pr.mine("/", pr.rootTx(pr.alice, wire.Stamp{Chain: wire.ChainID{Depth: 1}, Amount: stamp}))
	h1 := pr.mine("0", pr.branchPut(pr.alice, 1, keyOn("0", 21), "a"))
	return pr, h1, stamp
}

// bodyInvalid returns a child of the branch tip built from a valid
// template with mutate applied to its transactions, resealed (tx root
// and proof of work true): a valid header and coinbase over a body that
// breaks a rule.
func (pr *pair) bodyInvalid(mutate func(b *wire.Block)) *wire.Block {
	pr.t.Helper()
	saved := pr.miner
	pr.miner = pr.branchMiner
	defer func() { pr.miner = saved }()
	b := pr.template("0", pr.branchPut(pr.alice, 1, keyOn("0", 22), "b"))
	mutate(b)
	return reseal(b)
}

// A branch block whose header, tx root and coinbase are valid but whose
// body breaks a stateless rule is stored by a full node, marked invalid,
// and by a headers-only node that syncs only its header, coinbase and the
// coinbase's Merkle branch: both hold the same headers, and give the same
// verdict on a root block that checkpoints it; the honest branch's
// replacement voids that checkpoint before it pays.
func TestBranchBlockWithInvalidBodyKnownToEveryFollowSet(t *testing.T) {
	pr, h1, stamp := claimedPair(t)
	zero := wire.ChainID{Depth: 1}
	attacker := key(t, 66)
	cases := []struct {
		name   string
		mutate func(b *wire.Block)
		full   consensus.ErrorCode // the full node's verdict (the block is stored either way)
	}{
		{"duplicate tx", func(b *wire.Block) { b.Txs = append(b.Txs, b.Txs[1]) }, consensus.ErrDuplicateTx},
		{"second coinbase", func(b *wire.Block) {
			b.Txs = append(b.Txs, wire.NewTx(zero, wire.Coinbase{To: attacker.PubKey()}, b.Header.Height, 0))
		}, consensus.ErrMultipleCoinbases},
		{"checkpoint in a branch block", func(b *wire.Block) {
			cp := wire.NewTx(wire.RootChain, wire.Checkpoint{Entries: []wire.CheckpointEntry{entry(h1)}}, 0, 0)
			b.Txs = append([]*wire.Tx{b.Txs[0], cp}, b.Txs[1:]...)
		}, consensus.ErrBadCheckpoint},
		{"oversized value", func(b *wire.Block) {
			put := wire.NewTx(zero, wire.Put{Key: keyOn("0", 23), Value: bytes.Repeat([]byte{1}, wire.MaxValueSize+1)}, 1, 1)
			b.Txs = append(b.Txs, put)
		}, consensus.ErrValueTooBig},
		{"tx of another chain", func(b *wire.Block) {
			b.Txs = append(b.Txs, pr.branchPut(pr.alice, 1, keyOn("1", 24), "c"))
		}, consensus.ErrBadTxChain},
	}
	var bad []*wire.Block
	for _, tc := range cases {
		x := pr.bodyInvalid(tc.mutate)
		_, errFull := pr.f.ProcessBlock(x)
		n, errLight := pr.light.ProcessClaimed([]Claimed{ClaimedOf(x)})
		if consensus.CodeOf(errFull) != tc.full {
			t.Fatalf("%s: full node says %v, want %s", tc.name, errFull, tc.full)
		}
		if errLight != nil || n != 1 {
			t.Fatalf("%s: headers-only node took %d, err %v", tc.name, n, errLight)
		}
		for _, f := range []*Forest{pr.f, pr.light} {
			if !f.Chain(zero).HasBlock(x.ID()) {
				t.Fatalf("%s: a node does not know the block's header", tc.name)
			}
		}
		if tip := pr.chain("0").Tip(); tip.ID != h1.ID() {
			t.Fatalf("%s: the full node's branch left its valid tip", tc.name)
		}
		bad = append(bad, x)
	}

	// Every verdict on root blocks naming them is the same.
	x := bad[0]
	good := pr.template("/")
	pr.both(withCheckpoint(good, entry(h1), func() wire.CheckpointEntry { e := entry(x); e.Fees++; return e }()), consensus.ErrBadCheckpoint)
	r := pr.rootWith(entry(h1), entry(x))
	pr.both(r, 0)
	if _, res := pr.reserved(pr.light, zero); res != entry(h1).Fees+entry(x).Fees {
		t.Fatalf("the checkpoint of the invalid block reserved %d", res)
	}

	// The honest branch outworks it; the root template replaces the
	// checkpoint, on both nodes alike.
	h2 := pr.mine("0")
	h3 := pr.mine("0")
	rep := pr.template("/")
	if len(rep.Txs) < 2 || len(rep.Txs[1].Body.(wire.Checkpoint).Entries) != 3 {
		t.Fatalf("the root template did not replace the checkpoint with h1, h2, h3")
	}
	pr.both(rep, 0)
	want := entry(h1).Fees + entry(h2).Fees + entry(h3).Fees
	for _, f := range []*Forest{pr.f, pr.light} {
		if pool, res := pr.reserved(f, zero); res != want || pool != stamp-want {
			t.Fatalf("after the replacement: pool %d reserved %d, want %d and %d", pool, res, stamp-want, want)
		}
	}
	for i := uint64(0); i <= pr.p.CheckpointMaturity; i++ {
		pr.mine("/")
	}
	if full, light := pr.chain("/").Tip(), pr.light.Root().Tip(); full.ID != light.ID {
		t.Fatalf("root tips differ: full %s, headers-only %s", full.ID.Short(), light.ID.Short())
	}
	if d := diffState(dumpState(t, pr.chain("/")), dumpState(t, pr.light.Root())); d != "" {
		t.Fatalf("root state differs between the nodes:\n%s", d)
	}
	if got := rootBalance(t, pr.f, pr.branchMiner.PubKey()); got < want {
		t.Fatalf("the honest branch miner got %d, want at least %d", got, want)
	}

	// The full node refuses a block built on one of them as it refuses
	// one built on any invalid block: stored, invalid.
	child := copyBlock(h2)
	child.Header.Prev, child.Header.Height = bad[1].ID(), bad[1].Header.Height+1
	child = reseal(child)
	if _, err := pr.f.ProcessBlock(child); consensus.CodeOf(err) != consensus.ErrInvalidAncestor && consensus.CodeOf(err) != consensus.ErrBadBits {
		t.Fatalf("a child of a block with an invalid body: %v", err)
	}
}

// What decides whether a branch block is stored at all is checked alike
// on the whole block and on its claimed form: a header rule, a body whose
// tx root is not the header's, a first transaction that is not a
// well-formed coinbase. Neither node stores such a block.
func TestBranchBlockRefusedWholeAndClaimedAlike(t *testing.T) {
	pr, _, _ := claimedPair(t)
	zero := wire.ChainID{Depth: 1}
	valid := pr.bodyInvalid(func(*wire.Block) {})
	cases := []struct {
		name  string
		block func() *wire.Block // the whole block the full node gets
		claim func() Claimed     // what the headers-only node gets
		want  consensus.ErrorCode
		light consensus.ErrorCode // if not want
	}{
		{"tx root not the body's", func() *wire.Block {
			b := copyBlock(valid)
			b.Txs = b.Txs[:1]
			return resolve(b)
		}, func() Claimed {
			cl := ClaimedOf(valid)
			cl.Branch = cl.Branch[:0]
			return cl
		}, consensus.ErrBadTxRoot, 0},
		{"coinbase not first", func() *wire.Block {
			b := copyBlock(valid)
			b.Txs[0], b.Txs[1] = b.Txs[1], b.Txs[0]
			return reseal(b)
		}, func() Claimed {
			b := copyBlock(valid)
			b.Txs[0], b.Txs[1] = b.Txs[1], b.Txs[0]
			b = reseal(b)
			cl := ClaimedOf(b)
			cl.Coinbase = valid.Txs[0] // the real coinbase, not proven first
			return cl
		}, consensus.ErrFirstTxNotCoinbase, consensus.ErrBadTxRoot},
		{"first tx a put", func() *wire.Block {
			b := copyBlock(valid)
			b.Txs = b.Txs[1:]
			return reseal(b)
		}, func() Claimed {
			b := copyBlock(valid)
			b.Txs = b.Txs[1:]
			return ClaimedOf(reseal(b))
		}, consensus.ErrFirstTxNotCoinbase, 0},
		{"proof of work", func() *wire.Block {
			b := copyBlock(valid)
			b.Header.Nonce++
			for consensus.HashMeetsTarget(b.Header.PowHash(), consensus.CompactToBig(b.Header.Bits)) {
				b.Header.Nonce++
			}
			return b
		}, func() Claimed {
			cl := ClaimedOf(valid)
			cl.Header.Nonce++
			for consensus.HashMeetsTarget(cl.Header.PowHash(), consensus.CompactToBig(cl.Header.Bits)) {
				cl.Header.Nonce++
			}
			return cl
		}, consensus.ErrHighHash, 0},
	}
	for _, tc := range cases {
		b, cl := tc.block(), tc.claim()
		_, errFull := pr.f.ProcessBlock(b)
		_, errLight := pr.light.ProcessClaimed([]Claimed{cl})
		light := tc.light
		if light == 0 {
			light = tc.want
		}
		if consensus.CodeOf(errFull) != tc.want || consensus.CodeOf(errLight) != light {
			t.Fatalf("%s: full node %v, headers-only node %v; want %s and %s", tc.name, errFull, errLight, tc.want, light)
		}
		if pr.f.Chain(zero).HasBlock(b.ID()) || pr.light.Chain(zero).HasBlock(cl.ID()) {
			t.Fatalf("%s: stored", tc.name)
		}
	}
	// The valid one is accepted in both forms; a claimed block of a fully
	// stored chain is refused (its body is needed), one whose parent is
	// unknown is not held.
	pr.both(valid, 0)
	if _, err := pr.f.ProcessClaimed([]Claimed{ClaimedOf(valid)}); err == nil {
		t.Fatal("a full chain took a block without its body")
	}
	ob := copyBlock(valid)
	ob.Header.Prev = wire.Hash{7}
	orphan := ClaimedOf(resolve(ob))
	if n, err := pr.light.ProcessClaimed([]Claimed{orphan}); n != 0 || !errors.Is(err, ErrOrphan) {
		t.Fatalf("an orphan claimed block: %v", err)
	}
}

// A block held for its parent is stored when the parent is, even if the
// parent is a body-invalid branch block (stored invalid): it is stored
// invalid in turn, as it would be had it come second, so the order blocks
// arrive in does not change which headers a node knows.
func TestHeldChildOfBodyInvalidBlockStored(t *testing.T) {
	pr, _, _ := claimedPair(t)
	zero := wire.ChainID{Depth: 1}
	x := pr.bodyInvalid(func(b *wire.Block) { b.Txs = append(b.Txs, b.Txs[1]) })
	// A child of x with a valid header: its bits and time follow x.
	y := copyBlock(x)
	y.Txs = y.Txs[:1]
	y.Txs[0] = wire.NewTx(zero, wire.Coinbase{To: pr.branchMiner.PubKey()}, x.Header.Height+1, 0)
	y.Header.Prev, y.Header.Height, y.Header.Time = x.ID(), x.Header.Height+1, x.Header.Time+1
	// Its bits, from the headers-only node, which takes x first.
	if _, err := pr.light.ProcessBlock(copyBlock(x)); consensus.CodeOf(err) != consensus.ErrDuplicateTx {
		t.Fatalf("the headers-only node on x whole: %v", err)
	}
	lc := pr.light.Chain(zero)
	y.Header.Bits = lc.nextBits(lc.index[x.ID()])
	y = reseal(y)
	if _, err := pr.f.ProcessBlock(y); !errors.Is(err, ErrOrphan) {
		t.Fatalf("the child first: %v, want held", err)
	}
	if _, err := pr.f.ProcessBlock(x); consensus.CodeOf(err) != consensus.ErrDuplicateTx {
		t.Fatalf("the body-invalid parent: %v", err)
	}
	for _, b := range []*wire.Block{x, y} {
		if c := pr.f.Chain(zero); !c.HasBlock(b.ID()) || c.Orphans() != 0 {
			t.Fatalf("block at height %d: known %v, %d orphans held", b.Header.Height, c.HasBlock(b.ID()), c.Orphans())
		}
	}
	if _, err := pr.f.ProcessBlock(copyBlock(y)); consensus.CodeOf(err) != consensus.ErrInvalidAncestor {
		t.Fatalf("the child again: %v, want it known invalid", err)
	}
}
