package chain

import (
	"errors"
	"fmt"
	"math/big"
	"testing"

	"github.com/bitverse/bitverse/node/consensus"
	"github.com/bitverse/bitverse/node/wire"
)

// orphanAt returns a solved block at height h of fx's chain whose parent
// nobody has (a made-up prev), with bits, padded by a put of pad bytes so
// blocks have a known size.
func orphanAt(fx *fixture, h uint64, bits uint32, salt int) *wire.Block {
	b := fx.template()
	b = copyBlock(b)
	b.Header.Height = h
	b.Header.Prev = wire.TaggedSum("made-up parent", []byte(fmt.Sprint(salt)))
	b.Header.Bits = bits
	b.Txs[0].Nonce = h
	return reseal(b)
}

// Held blocks are bounded by bytes; when full, the newest block of the
// source holding the most bytes goes first, so a flooding peer evicts its
// own blocks and an honest peer's held block stays.
func TestHeldBlocksBoundedByBytesEvictFlooderNewest(t *testing.T) {
	fx := newFixture(t, nil)
	tip := fx.c.Tip()
	honest := orphanAt(fx, tip.Height+2, tip.Bits, -1)
	size := len(honest.Encode())
	fx.c.held = newHeldPool(10 * size)
	if _, err := fx.c.ProcessBlockFrom(honest, "honest"); !errors.Is(err, ErrOrphan) {
		t.Fatalf("honest orphan: %v", err)
	}
	var flood []*wire.Block
	for i := 0; i < 40; i++ {
		b := orphanAt(fx, tip.Height+2, tip.Bits, i)
		flood = append(flood, b)
		if _, err := fx.c.ProcessBlockFrom(b, "flooder"); !errors.Is(err, ErrOrphan) {
			t.Fatalf("flood block %d: %v", i, err)
		}
		if fx.c.held.bytes > fx.c.held.max {
			t.Fatalf("held %d bytes, over the budget of %d", fx.c.held.bytes, fx.c.held.max)
		}
	}
	if !fx.c.HasBlock(honest.ID()) {
		t.Fatal("the honest peer's held block was evicted by the flood")
	}
	if !fx.c.HasBlock(flood[0].ID()) || !fx.c.HasBlock(flood[len(flood)-1].ID()) {
		t.Fatal("the pool should keep the flooder's first blocks and admit its newest, evicting the ones between")
	}
	if fx.c.HasBlock(flood[len(flood)-2].ID()) {
		t.Fatal("the flooder's previous newest block is still held")
	}
	if got := fx.c.Orphans(); got != 10 {
		t.Fatalf("%d orphans held, want 10 (the budget in blocks of this size)", got)
	}
}

// A block waiting for its parent must carry the work a descendant of this
// chain could need (within the per-block step bound); a cheaper one is not
// held (and its sender not punished: errNotHeld is no rule violation).
func TestHeldBlockMustCarryReachableWork(t *testing.T) {
	fx := newFixture(t, func(p *consensus.Params) {
		p.GenesisBits = consensus.BigToCompact(new(big.Int).Lsh(big.NewInt(1), 247))
	})
	tip := fx.c.Tip()
	cheap := orphanAt(fx, tip.Height+2, consensus.BigToCompact(fx.p.PowLimit), 1)
	res, err := fx.c.ProcessBlockFrom(cheap, "peer")
	if !errors.Is(err, errNotHeld) || consensus.CodeOf(err) != 0 || res == Orphan {
		t.Fatalf("cheap orphan: result %v, err %v; want errNotHeld, no rule code", res, err)
	}
	if fx.c.HasBlock(cheap.ID()) {
		t.Fatal("the cheap orphan is held")
	}
	fair := orphanAt(fx, tip.Height+2, tip.Bits, 2)
	if _, err := fx.c.ProcessBlockFrom(fair, "peer"); !errors.Is(err, ErrOrphan) {
		t.Fatalf("orphan with the tip's bits: %v, want ErrOrphan", err)
	}
}

// A branch block waiting for its anchor has already passed the bits rule
// against its parent: one with wrong bits is refused, not held.
func TestPendingBranchBlockChecksBitsFirst(t *testing.T) {
	tr := newTree(t, 1)
	tr.mine("/")
	good := tr.template("1")
	missing := mutate(good, func(b *wire.Block) { b.Header.Anchor = wire.TaggedSum("unseen root block") })
	if _, err := tr.f.ProcessBlock(missing); !errors.Is(err, ErrOrphan) {
		t.Fatalf("branch block with an unseen anchor: %v, want held", err)
	}
	if tr.f.Pending() != 1 {
		t.Fatalf("pending %d, want 1", tr.f.Pending())
	}
	wrongBits := mutate(missing, func(b *wire.Block) { b.Header.Bits = consensus.BigToCompact(new(big.Int).Rsh(tr.p.PowLimit, 3)) })
	if _, err := tr.f.ProcessBlock(wrongBits); consensus.CodeOf(err) != consensus.ErrBadBits {
		t.Fatalf("held-to-be branch block with wrong bits: %v, want ErrBadBits", err)
	}
	if tr.f.Pending() != 1 {
		t.Fatalf("pending %d, want 1", tr.f.Pending())
	}
}

// The held pool also bounds its number of blocks, evicting the same way.
func TestHeldPoolBoundsBlockCount(t *testing.T) {
	fx := newFixture(t, nil)
	tip := fx.c.Tip()
	p := newHeldPool(MaxHeldBytes)
	p.maxBlocks = 5
	honest := orphanAt(fx, tip.Height+2, tip.Bits, -1)
	p.add(honest, 100, honest.Header.Prev, "honest", true)
	for i := 0; i < 12; i++ {
		b := orphanAt(fx, tip.Height+2, tip.Bits, i)
		p.add(b, 100, b.Header.Prev, "flooder", true)
		if len(p.blocks) > 5 {
			t.Fatalf("%d blocks held, bound 5", len(p.blocks))
		}
	}
	if !p.has(honest.ID()) || p.bytes != 500 {
		t.Fatalf("honest held %v, %d bytes held", p.has(honest.ID()), p.bytes)
	}
}
