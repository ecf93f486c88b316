package node

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/bitverse/bitverse/node/chain"
	"github.com/bitverse/bitverse/node/consensus"
	"github.com/bitverse/bitverse/node/wire"
)

// heldFloodBlocks fills the held pool by count (chain's bound of 8192
// blocks; small blocks stay far below its byte bound).
const heldFloodBlocks = 8192

// A block a peer sent counts against that peer in the held pool: when a
// flood from one sender fills it, the flooder's newest block is evicted,
// not the block an honest peer sent after the flood.
func TestHeldBlocksEvictTheFloodingSender(t *testing.T) {
	n := openTestNode(t, t.TempDir())
	defer n.Close()
	tip := n.Chain().Tip()
	tmpl, err := n.Chain().NewTemplate(wire.PubKey{}, nil, time.UnixMilli(tip.Time).Add(n.Params().TargetInterval))
	if err != nil {
		t.Fatal(err)
	}
	orphan := func(salt int) *wire.Block {
		b, err := wire.DecodeBlock(tmpl.Block.Encode())
		if err != nil {
			t.Fatal(err)
		}
		b.Header.Height = tip.Height + 2
		b.Txs[0].Nonce = b.Header.Height
		b.Header.TxRoot = b.ComputeTxRoot()
		b.Header.Prev = wire.TaggedSum("made-up parent", []byte(fmt.Sprint(salt)))
		for target := consensus.CompactToBig(b.Header.Bits); !consensus.HashMeetsTarget(b.Header.PowHash(), target); {
			b.Header.Nonce++
		}
		return b
	}
	submit := func(b *wire.Block, from string) {
		t.Helper()
		if _, err := n.SubmitBlockFrom(b, from); !errors.Is(err, chain.ErrOrphan) {
			t.Fatalf("orphan from %q: %v, want it held", from, err)
		}
	}
	for i := 0; i < heldFloodBlocks; i++ {
		submit(orphan(i), "flooder")
	}
	honest := orphan(-1)
	submit(honest, "honest")
	submit(orphan(heldFloodBlocks), "flooder")
	if !n.Chain().HasBlock(honest.ID()) {
		t.Fatal("the honest peer's held block was evicted by the flooder's next block")
	}
}
