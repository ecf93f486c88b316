package smt

import (
	"fmt"
	"math/bits"

	"github.com/bitverse/bitverse/node/wire"
)

// ProofKind says what a proof found in the key's slot.
type ProofKind uint8

const (
	// ProofInclusion: the slot holds the key's own leaf; it proves the
	// key's value.
	ProofInclusion ProofKind = 0
	// ProofEmpty: the slot is an empty subtree; it proves the key absent.
	ProofEmpty ProofKind = 1
	// ProofOtherLeaf: the slot holds the leaf of another key (OtherKey,
	// OtherValue), the only key under it; it proves the key absent.
	ProofOtherLeaf ProofKind = 2
)

// String names the kind.
func (k ProofKind) String() string {
	switch k {
	case ProofInclusion:
		return "inclusion"
	case ProofEmpty:
		return "empty slot"
	case ProofOtherLeaf:
		return "other leaf"
	}
	return fmt.Sprintf("ProofKind(%d)", uint8(k))
}

// Proof shows that a key has a value, or no value, in the tree with a given
// root. The key's slot is where the walk from the root along the key's bits
// stops: at a leaf or at an empty subtree, Depth levels down. The proof
// carries the siblings of the Depth nodes on that path, root side first,
// with the empty ones left out: bit i of Bitmap (most significant bit of
// Bitmap[0] first) is set when the sibling at depth i+1 is non-empty, and
// Siblings holds exactly those, in order.
//
// Prove and DecodeProof return well-formed proofs; Encode of a well-formed
// proof gives bytes that DecodeProof turns back into an equal proof.
type Proof struct {
	Kind       ProofKind
	Depth      int               // depth of the key's slot, 0..KeyBits
	Bitmap     [KeyBits / 8]byte // which siblings are non-empty; bits ≥ Depth are zero
	Siblings   []wire.Hash       // the non-empty siblings, root side first
	OtherKey   wire.Hash         // ProofOtherLeaf only: the key in the slot
	OtherValue wire.Hash         // ProofOtherLeaf only: its value
}

// MaxProofSize is the size of the largest encoded proof.
const MaxProofSize = 1 + 2 + KeyBits/8 + KeyBits*wire.HashSize + 2*wire.HashSize

// hasSibling reports whether bit i of the bitmap is set.
func (p *Proof) hasSibling(i int) bool {
	return p.Bitmap[i>>3]>>(7-uint(i&7))&1 == 1
}

// bitmapLen is the number of bitmap bytes encoded for a depth.
func bitmapLen(depth int) int {
	return min(max((depth+7)/8, 0), KeyBits/8)
}

// Encode returns the canonical encoding of a well-formed proof:
//
//	kind      u8       0 inclusion, 1 empty slot, 2 other leaf
//	depth     uvarint  0..256, minimal
//	bitmap    ceil(depth/8) bytes; bit i set iff sibling i+1 is non-empty, padding bits zero
//	siblings  32 bytes each, one per set bitmap bit, root side first, none zero
//	other     32-byte key ‖ 32-byte value, for kind 2 only
func (p *Proof) Encode() []byte {
	w := wire.NewWriter(1 + 2 + bitmapLen(p.Depth) + (len(p.Siblings)+2)*wire.HashSize)
	w.U8(uint8(p.Kind))
	w.Uvarint(uint64(p.Depth))
	w.Fixed(p.Bitmap[:bitmapLen(p.Depth)])
	for _, s := range p.Siblings {
		w.Hash(s)
	}
	if p.Kind == ProofOtherLeaf {
		w.Hash(p.OtherKey)
		w.Hash(p.OtherValue)
	}
	return w.Bytes()
}

// DecodeProof decodes a proof encoded by Encode. It never panics, allocates
// no more than its input justifies, and rejects trailing bytes and any form
// that is not well-formed (so each proof has exactly one encoding).
func DecodeProof(b []byte) (*Proof, error) {
	r := wire.NewReader(b)
	p := &Proof{Kind: ProofKind(r.U8())}
	depth := r.Uvarint()
	if r.Err() == nil && depth > KeyBits {
		r.Fail(fmt.Errorf("%w: proof depth %d exceeds %d (%w)", wire.ErrMalformed, depth, KeyBits, ErrInvalidProof))
	}
	if r.Err() == nil {
		p.Depth = int(depth)
		copy(p.Bitmap[:], r.Fixed(bitmapLen(p.Depth)))
	}
	n := p.popcount()
	if r.Err() == nil && n > r.Remaining()/wire.HashSize {
		r.Fail(fmt.Errorf("%w: proof bitmap claims %d siblings but only %d bytes follow", wire.ErrMalformed, n, r.Remaining()))
	}
	if r.Err() == nil && n > 0 {
		p.Siblings = make([]wire.Hash, n)
		for i := range p.Siblings {
			p.Siblings[i] = r.Hash()
		}
	}
	if p.Kind == ProofOtherLeaf {
		p.OtherKey = r.Hash()
		p.OtherValue = r.Hash()
	}
	if err := r.Done(); err != nil {
		return nil, err
	}
	if err := p.check(); err != nil {
		return nil, fmt.Errorf("%w: %w", wire.ErrMalformed, err)
	}
	return p, nil
}

// popcount counts the set bits of the bitmap.
func (p *Proof) popcount() int {
	n := 0
	for _, b := range p.Bitmap {
		n += bits.OnesCount8(b)
	}
	return n
}

// check reports whether p is well-formed, whatever the key and root.
func (p *Proof) check() error {
	switch {
	case p.Kind > ProofOtherLeaf:
		return fmt.Errorf("%w: unknown proof kind %d", ErrInvalidProof, p.Kind)
	case p.Depth < 0 || p.Depth > KeyBits:
		return fmt.Errorf("%w: depth %d is outside 0..%d", ErrInvalidProof, p.Depth, KeyBits)
	}
	for i := p.Depth; i < KeyBits; i++ {
		if p.hasSibling(i) {
			return fmt.Errorf("%w: bitmap has a sibling at depth %d, below the slot at depth %d", ErrInvalidProof, i+1, p.Depth)
		}
	}
	if n := p.popcount(); n != len(p.Siblings) {
		return fmt.Errorf("%w: bitmap has %d siblings, list has %d", ErrInvalidProof, n, len(p.Siblings))
	}
	for i, s := range p.Siblings {
		if s.IsZero() {
			return fmt.Errorf("%w: sibling %d is empty; empty siblings are left out by the bitmap", ErrInvalidProof, i)
		}
	}
	if p.Depth > 0 && !p.hasSibling(p.Depth-1) {
		return fmt.Errorf("%w: the slot's own sibling is empty, so the slot would be one level up", ErrInvalidProof)
	}
	if p.Kind == ProofOtherLeaf {
		if p.OtherValue.IsZero() {
			return fmt.Errorf("%w: the other leaf has an empty value", ErrInvalidProof)
		}
	} else if !p.OtherKey.IsZero() || !p.OtherValue.IsZero() {
		return fmt.Errorf("%w: a %s proof carries another leaf", ErrInvalidProof, p.Kind)
	}
	return nil
}
