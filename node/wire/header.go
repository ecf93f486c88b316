package wire

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
)

// MaxMergeBranch bounds a merge proof (one level per doubling of the number
// of chains mined together).
const MaxMergeBranch = 8

// Header is a block header. Its content (everything but the proof of work)
// is hashed once per template; the miner then hashes only Commit ‖ Nonce.
type Header struct {
	Version   uint32
	Chain     ChainID
	Height    uint64
	Prev      Hash  // previous block on this chain (zero for genesis)
	Anchor    Hash  // block of the parent chain this one builds on (zero on the root)
	TxRoot    Hash  // MerkleRoot of the transaction IDs
	StateRoot Hash  // authenticated state after this block
	Time      int64 // milliseconds since the Unix epoch
	Bits      uint32

	// Proof of work.
	Nonce uint64
	Merge MergeProof
}

// MergeProof places a header's content hash among the candidate blocks that
// one merged-mining attempt committed to. Empty for a block mined alone.
type MergeProof struct {
	Index  uint32
	Branch []Hash
}

// HeaderContentSize is the size of the encoded content part of a header.
const HeaderContentSize = 4 + 5 + 8 + 4*HashSize + 8 + 4

func (h *Header) encodeContent(w *Writer) {
	w.U32(h.Version)
	w.chainID(h.Chain)
	w.U64(h.Height)
	w.Hash(h.Prev)
	w.Hash(h.Anchor)
	w.Hash(h.TxRoot)
	w.Hash(h.StateRoot)
	w.I64(h.Time)
	w.U32(h.Bits)
}

// ContentHash commits to every field except the proof of work.
func (h *Header) ContentHash() Hash {
	w := NewWriter(HeaderContentSize)
	h.encodeContent(w)
	return TaggedSum("bitverse/header/v1", w.Bytes())
}

// Commit returns the root that the proof of work hashes: the content hash
// folded along the merge branch.
func (h *Header) Commit() Hash { return h.Merge.Fold(h.ContentHash()) }

// Fold computes the merge root from a leaf.
func (m MergeProof) Fold(leaf Hash) Hash {
	acc := leaf
	for i, sib := range m.Branch {
		if m.Index>>uint(i)&1 == 0 {
			acc = merkleNode(acc, sib)
		} else {
			acc = merkleNode(sib, acc)
		}
	}
	return acc
}

// PowHash returns SHA-256(commit ‖ nonce), the hash compared to the target.
func PowHash(commit Hash, nonce uint64) Hash {
	var buf [HashSize + 8]byte
	copy(buf[:], commit[:])
	binary.BigEndian.PutUint64(buf[HashSize:], nonce)
	return sha256.Sum256(buf[:])
}

// PowHash returns the header's proof-of-work hash.
func (h *Header) PowHash() Hash { return PowHash(h.Commit(), h.Nonce) }

// ID identifies the block and commits to everything that makes it valid:
// for a block mined alone SHA-256(content hash ‖ nonce), its PoW hash; for a
// merged-mined one TaggedSum("bitverse/block/merged", content hash ‖ nonce
// ‖ merge index ‖ branch). Two encodings of one content and nonce with
// different merge proofs are two blocks, so a header found by ID is the
// header that was sent, byte for byte. (The PoW hash cannot serve: every
// block of one merged attempt shares it.)
func (h *Header) ID() Hash {
	c := h.ContentHash()
	if h.Merge.Index == 0 && len(h.Merge.Branch) == 0 {
		return PowHash(c, h.Nonce)
	}
	w := NewWriter(HashSize + 8 + 4 + 1 + HashSize*len(h.Merge.Branch))
	w.Hash(c)
	w.U64(h.Nonce)
	w.U32(h.Merge.Index)
	w.Uvarint(uint64(len(h.Merge.Branch)))
	for _, b := range h.Merge.Branch {
		w.Hash(b)
	}
	return TaggedSum("bitverse/block/merged", w.Bytes())
}

// EncodeTo appends the canonical encoding.
func (h *Header) EncodeTo(w *Writer) {
	h.encodeContent(w)
	w.U64(h.Nonce)
	w.U32(h.Merge.Index)
	w.Uvarint(uint64(len(h.Merge.Branch)))
	for _, b := range h.Merge.Branch {
		w.Hash(b)
	}
}

// Encode returns the canonical encoding.
func (h *Header) Encode() []byte {
	w := NewWriter(HeaderContentSize + 16)
	h.EncodeTo(w)
	return w.Bytes()
}

func readHeader(r *Reader) Header {
	var h Header
	h.Version = r.U32()
	h.Chain = r.chainID()
	h.Height = r.U64()
	h.Prev = r.Hash()
	h.Anchor = r.Hash()
	h.TxRoot = r.Hash()
	h.StateRoot = r.Hash()
	h.Time = r.I64()
	h.Bits = r.U32()
	h.Nonce = r.U64()
	h.Merge.Index = r.U32()
	n := r.Len(MaxMergeBranch, HashSize, "merge branch")
	if n > 0 {
		h.Merge.Branch = make([]Hash, n)
		for i := range h.Merge.Branch {
			h.Merge.Branch[i] = r.Hash()
		}
	}
	if r.err == nil && h.Merge.Index>>uint(n) != 0 {
		r.Fail(fmt.Errorf("%w: merge index %d out of range for a branch of %d", ErrMalformed, h.Merge.Index, n))
	}
	return h
}

// DecodeHeader decodes exactly one header.
func DecodeHeader(b []byte) (Header, error) {
	r := NewReader(b)
	h := readHeader(r)
	return h, r.Done()
}
