package smt

import (
	"fmt"

	"github.com/bitverse/bitverse/node/wire"
)

// Prove returns a proof of key's value in the tree with the given root: an
// inclusion proof when the key is present, a proof of absence (an empty
// slot or another key's leaf in the key's slot) when it is not.
func Prove(s NodeStore, root, key wire.Hash) (*Proof, error) {
	p := &Proof{Siblings: make([]wire.Hash, 0, 24)}
	h := root
	for d := 0; ; d++ {
		if h.IsZero() {
			p.Kind, p.Depth = ProofEmpty, d
			break
		}
		n, err := load(s, h)
		if err != nil {
			return nil, err
		}
		if n.leaf {
			p.Depth = d
			if n.key == key {
				p.Kind = ProofInclusion
			} else {
				p.Kind, p.OtherKey, p.OtherValue = ProofOtherLeaf, n.key, n.value
			}
			break
		}
		if d >= KeyBits {
			return nil, fmt.Errorf("%w: internal node %s below depth %d", ErrCorruptNode, h, KeyBits)
		}
		next, sib := n.left, n.right
		if bit(&key, d) == 1 {
			next, sib = sib, next
		}
		if !sib.IsZero() {
			p.Bitmap[d>>3] |= 0x80 >> uint(d&7)
			p.Siblings = append(p.Siblings, sib)
		}
		h = next
	}
	if err := p.check(); err != nil {
		return nil, fmt.Errorf("%w: tree under root %s: %w", ErrCorruptNode, root, err)
	}
	if p.Kind == ProofOtherLeaf && !samePrefix(&key, &p.OtherKey, p.Depth) {
		return nil, fmt.Errorf("%w: leaf %s at depth %d is off its key's path", ErrCorruptNode, h, p.Depth)
	}
	return p, nil
}
