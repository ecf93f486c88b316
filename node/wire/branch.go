package wire

import "fmt"

// Blocktree transaction types. Both execute on the root chain:
// the root holds every balance, so it is where coins become a branch's
// write credit (a stamp) and where branch miners are paid (a checkpoint).
const (
	TxStamp      TxType = 6 // coins → write credit for one branch chain
	TxCheckpoint TxType = 7 // a root block records branch blocks and pays their fees
)

// MaxCheckpointEntries bounds one checkpoint transaction.
const MaxCheckpointEntries = 256

// Stamp moves Amount from the signer's balance into write credit on Chain
// (a branch, never the root). The credit can only be spent by the signer's
// writes on that chain.
type Stamp struct {
	Chain  ChainID
	Amount uint64
}

// Checkpoint records branch blocks in a root block, in order: for each
// chain, the entries continue that chain's last checkpoint one block at a
// time. Fees of each entry are paid to its miner out of what was stamped
// for the chain. A checkpoint is unsigned, like a coinbase: the block's
// proof of work vouches for it.
type Checkpoint struct {
	Entries []CheckpointEntry
}

// CheckpointEntry names one branch block.
type CheckpointEntry struct {
	Chain  ChainID
	Block  Hash
	Height uint64
	Fees   uint64 // the block's coinbase amount
	Miner  PubKey // the block's coinbase recipient
}

// TxType implements Body.
func (Stamp) TxType() TxType { return TxStamp }

// TxType implements Body.
func (Checkpoint) TxType() TxType { return TxCheckpoint }

func (b Stamp) encode(w *Writer) { w.chainID(b.Chain); w.U64(b.Amount) }

func (b Checkpoint) encode(w *Writer) {
	w.Uvarint(uint64(len(b.Entries)))
	for _, e := range b.Entries {
		w.chainID(e.Chain)
		w.Hash(e.Block)
		w.U64(e.Height)
		w.U64(e.Fees)
		w.Fixed(e.Miner[:])
	}
}

func decodeBranchBody(t TxType, r *Reader) Body {
	switch t {
	case TxStamp:
		return Stamp{Chain: r.chainID(), Amount: r.U64()}
	case TxCheckpoint:
		n := r.Len(MaxCheckpointEntries, 5+HashSize+8+8+PubKeySize, "checkpoint entries")
		var c Checkpoint
		for i := 0; i < n && r.err == nil; i++ {
			var e CheckpointEntry
			e.Chain = r.chainID()
			e.Block = r.Hash()
			e.Height = r.U64()
			e.Fees = r.U64()
			copy(e.Miner[:], r.Fixed(PubKeySize))
			c.Entries = append(c.Entries, e)
		}
		return c
	}
	return nil
}

// String shows an entry for logs and errors.
func (e CheckpointEntry) String() string {
	return fmt.Sprintf("%s@%d %s", e.Chain, e.Height, e.Block.Short())
}
