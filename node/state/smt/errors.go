package smt

import "errors"

// Sentinel errors of the smt package. Callers test them with errors.Is; the
// wrapped message says which node, field or rule was at fault.
var (
	// ErrInvalidProof is wrapped by every rejection from Proof.Verify and by
	// structural rejections from DecodeProof.
	ErrInvalidProof = errors.New("invalid tree proof")

	// ErrMissingNode means the store has no node for a hash the tree refers
	// to: the root is unknown (never written, or written in a transaction
	// that was rolled back) or the store has lost data.
	ErrMissingNode = errors.New("missing tree node")

	// ErrCorruptNode means a stored node does not decode, or the tree built
	// from the stored nodes breaks a structural rule. The store is damaged.
	ErrCorruptNode = errors.New("corrupt tree node")
)
