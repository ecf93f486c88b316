package chain

import (
	"math/big"
	"testing"

	"github.com/bitverse/bitverse/node/consensus"
	"github.com/bitverse/bitverse/node/wire"
)

// A block dated MaxFutureTime ahead buys its successor at most a
// 1/TargetStepDiv easier target: the successor carrying ASERT's unbounded
// bits is refused (ErrBadBits), the bounded bits are accepted.
func TestDatedBlockMovesTargetOneStep(t *testing.T) {
	fx := newBareFixture(t, func(p *consensus.Params) {
		p.GenesisBits = consensus.BigToCompact(new(big.Int).Lsh(big.NewInt(1), 247)) // ~512 hashes a block
	})
	for i := 0; i < 5; i++ {
		fx.mine(fx.alice.PubKey())
	}
	fx.clk.t = fx.clk.t.Add(fx.p.MaxFutureTime)
	dated := fx.mine(fx.alice.PubKey())
	next := fx.template()
	parentBits := dated.Header.Bits
	free := fx.p.NextBits(consensus.Anchor{Height: 1, Time: fx.blocks[0].Header.Time, Bits: fx.blocks[0].Header.Bits},
		dated.Header.Height, dated.Header.Time)
	if free == next.Header.Bits {
		t.Fatalf("the dated block did not move ASERT's target beyond the step bound (bits %08x)", free)
	}
	unbounded := mutate(next, func(b *wire.Block) { b.Header.Bits = free })
	if _, err := fx.c.ProcessBlock(unbounded); consensus.CodeOf(err) != consensus.ErrBadBits {
		t.Fatalf("block with ASERT's unbounded bits %08x: err %v, want ErrBadBits", free, err)
	}
	if _, err := fx.c.ProcessBlock(next); err != nil {
		t.Fatalf("block with bounded bits %08x: %v", next.Header.Bits, err)
	}
	lo, hi := fx.p.StepBounds(parentBits)
	if tgt := consensus.CompactToBig(next.Header.Bits); tgt.Cmp(hi) > 0 || tgt.Cmp(lo) < 0 {
		t.Fatalf("target %x outside the step bounds [%x, %x]", tgt, lo, hi)
	}
}

// A branch block may not be dated at or before the median time past of
// the root block its anchors lead to: block 1 of a branch, the chain's
// ASERT anchor, cannot be dated back to the shared genesis time to make
// every later block look late.
func TestBranchBlockTimeAboveRootAnchorMTP(t *testing.T) {
	tr := newTree(t, 1)
	for i := 0; i < 12; i++ {
		tr.mine("/")
	}
	root := tr.chain("/")
	tip := root.index[root.Tip().ID]
	mtp := medianTimePast(tip)
	good := tr.template("1")
	if good.Header.Anchor != tip.id {
		t.Fatal("the branch template does not anchor to the root tip")
	}
	old := mutate(good, func(b *wire.Block) { b.Header.Time = mtp })
	if _, err := tr.f.ProcessBlock(old); consensus.CodeOf(err) != consensus.ErrTimeTooOld {
		t.Fatalf("branch block 1 dated at its root anchor's MTP: err %v, want ErrTimeTooOld", err)
	}
	early := mutate(good, func(b *wire.Block) { b.Header.Time = tr.p.GenesisTime + 1 })
	if _, err := tr.f.ProcessBlock(early); consensus.CodeOf(err) != consensus.ErrTimeTooOld {
		t.Fatalf("branch block 1 dated just after genesis: err %v, want ErrTimeTooOld", err)
	}
	justAfter := mutate(good, func(b *wire.Block) { b.Header.Time = mtp + 1 })
	if _, err := tr.f.ProcessBlock(justAfter); err != nil {
		t.Fatalf("branch block 1 dated just after its root anchor's MTP: %v", err)
	}
}
