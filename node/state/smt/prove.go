package smt

import (
	"fmt"

	"github.com/bitverse/bitverse/node/wire"
)

// Prove returns a proof of key's value in the tree with the given root: an
// inclusion proof when the key is present, a proof of absence (an empty
// slot, or another key's leaf in the key's slot) when it is not.
func Prove(s NodeStore, root, key wire.Hash) (*Proof, error) {
	a := getArena()
	defer putArena(a)
	p := &Proof{Siblings: make([]wire.Hash, 0, 24)}
	i := a.ref(root)
	for d := 0; ; {
		n := &a.nodes[i]
		switch n.kind {
		case kindEmpty:
			p.Kind, p.Depth = ProofEmpty, d
		case kindLeaf:
			p.Depth = d
			if n.key() == key {
				p.Kind = ProofInclusion
			} else {
				p.Kind, p.OtherKey, p.OtherValue = ProofOtherLeaf, n.key(), n.value()
			}
		case kindRef, kindRaw:
			if err := a.open(s, i, d); err != nil {
				return nil, err
			}
			continue
		case kindInner:
			next, sib := n.left, n.right
			if bit(&key, d) == 1 {
				next, sib = sib, next
			}
			if sib != empty {
				p.Bitmap[d>>3] |= 0x80 >> uint(d&7)
				p.Siblings = append(p.Siblings, a.hashOf(sib))
			}
			i = next
			d++
			continue
		}
		break
	}
	if err := p.check(); err != nil {
		return nil, fmt.Errorf("%w: tree under root %s: %w", ErrCorruptNode, root, err)
	}
	if p.Kind == ProofOtherLeaf && !samePrefix(&key, &p.OtherKey, p.Depth) {
		return nil, fmt.Errorf("%w: leaf %s at depth %d is off its key's path", ErrCorruptNode, p.OtherKey, p.Depth)
	}
	return p, nil
}
