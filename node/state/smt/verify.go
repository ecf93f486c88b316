package smt

import (
	"fmt"

	"github.com/bitverse/bitverse/node/wire"
)

// Verify checks that p proves key has value in the tree with the given root.
// A zero value claims the key is absent, which only a proof of absence
// (ProofEmpty or ProofOtherLeaf) can show; a non-zero value needs an
// inclusion proof. Any rejection wraps ErrInvalidProof and says why.
func (p *Proof) Verify(root, key, value wire.Hash) error {
	if p == nil {
		return fmt.Errorf("%w: no proof", ErrInvalidProof)
	}
	if err := p.check(); err != nil {
		return err
	}
	var h wire.Hash
	switch p.Kind {
	case ProofInclusion:
		if value.IsZero() {
			return fmt.Errorf("%w: an inclusion proof cannot show a key is absent", ErrInvalidProof)
		}
		h = leafHash(key, value)
	case ProofEmpty, ProofOtherLeaf:
		if !value.IsZero() {
			return fmt.Errorf("%w: a proof of absence (%s) cannot show a value", ErrInvalidProof, p.Kind)
		}
		if p.Kind == ProofOtherLeaf {
			if p.OtherKey == key {
				return fmt.Errorf("%w: the leaf in the slot has the key itself", ErrInvalidProof)
			}
			if !samePrefix(&p.OtherKey, &key, p.Depth) {
				return fmt.Errorf("%w: the other leaf's key does not lead to the slot at depth %d", ErrInvalidProof, p.Depth)
			}
			h = leafHash(p.OtherKey, p.OtherValue)
		}
	}
	next := len(p.Siblings)
	for d := p.Depth - 1; d >= 0; d-- {
		var sib wire.Hash
		if p.hasSibling(d) {
			next--
			sib = p.Siblings[next]
		}
		if bit(&key, d) == 0 {
			h = innerHash(h, sib)
		} else {
			h = innerHash(sib, h)
		}
	}
	if h != root {
		return fmt.Errorf("%w: proof leads to root %s, not %s", ErrInvalidProof, h.Short(), root.Short())
	}
	return nil
}
