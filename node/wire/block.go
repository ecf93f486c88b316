package wire

import "fmt"

// MaxBlockSize bounds an encoded block.
const MaxBlockSize = 4 << 20

// minTxSize is the smallest possible encoded transaction, used to bound how
// many a block may claim before any is decoded.
const minTxSize = 1 + 5 + PubKeySize + 1 + 1 + 1 + SigSize

// Block is a header and its transactions; the first is the coinbase.
type Block struct {
	Header Header
	Txs    []*Tx
}

// ID returns the header's ID.
func (b *Block) ID() Hash { return b.Header.ID() }

// TxIDs returns the IDs of the transactions in order.
func (b *Block) TxIDs() []Hash {
	ids := make([]Hash, len(b.Txs))
	for i, tx := range b.Txs {
		ids[i] = tx.ID()
	}
	return ids
}

// ComputeTxRoot returns the Merkle root of the transaction IDs.
func (b *Block) ComputeTxRoot() Hash { return MerkleRoot(b.TxIDs()) }

// Encode returns the canonical encoding.
func (b *Block) Encode() []byte {
	w := NewWriter(256 + 256*len(b.Txs))
	b.Header.EncodeTo(w)
	w.Uvarint(uint64(len(b.Txs)))
	for _, tx := range b.Txs {
		tx.EncodeTo(w)
	}
	return w.Bytes()
}

// DecodeBlock decodes exactly one block.
func DecodeBlock(data []byte) (*Block, error) {
	if len(data) > MaxBlockSize {
		return nil, fmt.Errorf("%w: block of %d bytes (max %d): %w", ErrMalformed, len(data), MaxBlockSize, ErrTooLarge)
	}
	r := NewReader(data)
	b := &Block{Header: readHeader(r)}
	n := r.Len(MaxBlockSize/minTxSize, minTxSize, "block txs")
	if n > 0 {
		b.Txs = make([]*Tx, 0, n)
	}
	for i := 0; i < n && r.err == nil; i++ {
		tx := readTx(r)
		if tx != nil {
			b.Txs = append(b.Txs, tx)
		}
	}
	if err := r.Done(); err != nil {
		return nil, err
	}
	return b, nil
}
