package node

import (
	"context"
	"fmt"

	"github.com/bitverse/bitverse/node/chain"
	"github.com/bitverse/bitverse/node/state"
	"github.com/bitverse/bitverse/node/wire"
	"go.etcd.io/bbolt"
)

// Remote reads (docs/PROTOCOL.md §12, proof protocol): a node serves proofs
// of keys for the chains it stores, and trusts a proof from a peer only
// against a header it verified itself. The p2p layer carries both; these
// are the node's halves.

// TrustWindow is how far behind this node's tip a block may be for a
// remote proof built against it to be accepted: the last TrustWindow
// best-chain blocks (the tip and 63 before it). A peer can only prove
// against its own tip, which may trail ours by a few blocks; further back,
// the answer is too stale to call the key's current value.
const TrustWindow = 64

// ProofStatus says what a proof server had for a request.
type ProofStatus uint8

// Proof statuses, as they travel on the wire.
const (
	ProofOK        ProofStatus = 0 // a header and a proof of the key (present or absent)
	ProofNotStored ProofStatus = 1 // this node does not store the chain
	ProofNotAt     ProofStatus = 2 // this node cannot prove against the block asked for
	ProofBusy      ProofStatus = 3 // over the rate limit or out of serving slots
)

// String names the status for logs and errors.
func (s ProofStatus) String() string {
	switch s {
	case ProofOK:
		return "ok"
	case ProofNotStored:
		return "chain not stored here"
	case ProofNotAt:
		return "cannot prove at that block"
	case ProofBusy:
		return "busy"
	}
	return fmt.Sprintf("ProofStatus(%d)", uint8(s))
}

// KeyProof is a proof server's answer for one key. With ProofOK, Header is
// the encoded header (wire.Header.Encode) of the block the proof is built
// against and Proof the encoded state proof (state.Proof.Encode), which
// carries the key and its value record, or no record to prove absence.
// Both stay encoded so the p2p layer forwards exactly what was built.
type KeyProof struct {
	Status ProofStatus
	Header []byte
	Proof  []byte
}

// StoredChains lists the chains whose full state this node stores (and so
// can prove keys of and serve blocks of): the forest's chains not kept as
// headers only, root first, then by depth and prefix.
func (n *Node) StoredChains() []wire.ChainID {
	var out []wire.ChainID
	for _, c := range n.forest.Chains() {
		if !c.HeadersOnly() {
			out = append(out, c.ID())
		}
	}
	return out
}

// ProveKey builds a proof of key on chain c against this node's tip of c.
// at, if set, names the block the caller wants: anything but the tip is
// answered ProofNotAt, since the flat state the record comes from is the
// tip's. A chain this node does not store in full is answered
// ProofNotStored; a key that does not belong to c is a bad request.
func (n *Node) ProveKey(ctx context.Context, c wire.ChainID, key string, at *wire.Hash) (KeyProof, error) {
	ch := n.forest.Chain(c)
	if ch == nil || ch.HeadersOnly() {
		return KeyProof{Status: ProofNotStored}, nil
	}
	if err := wire.ValidKey(key); err != nil {
		return KeyProof{}, fmt.Errorf("%w: %w", ErrBadRequest, err)
	}
	if !c.IsRoot() && !c.Contains(wire.KeyPath(key)) {
		return KeyProof{}, fmt.Errorf("%w: key %q belongs to chain %s, not %s", ErrBadRequest, key,
			wire.ForPath(wire.KeyPath(key), c.Depth), c)
	}
	var out KeyProof
	err := ch.View(func(tx *bbolt.Tx, tip chain.TipInfo, roots state.Roots) error {
		if at != nil && *at != tip.ID {
			out.Status = ProofNotAt
			return nil
		}
		p, err := state.Prove(tx, roots, key)
		if err != nil {
			return err
		}
		out = KeyProof{Status: ProofOK, Header: tip.Header.Encode(), Proof: p.Encode()}
		return nil
	})
	return out, err
}

// TrustedHeader returns the header of block id of chain c if this node
// verified it itself and it is one of the last TrustWindow blocks of its
// best line of c: the only headers a remote proof is checked against. Any
// chain of the forest counts, full or headers only (a headers-only chain
// keeps exactly what this check needs).
func (n *Node) TrustedHeader(c wire.ChainID, id wire.Hash) (wire.Header, bool) {
	ch := n.forest.Chain(c)
	if ch == nil {
		return wire.Header{}, false
	}
	h, main, err := ch.HeaderByID(id)
	if err != nil || !main {
		return wire.Header{}, false
	}
	if tip := ch.Tip().Height; h.Height+TrustWindow <= tip {
		return wire.Header{}, false
	}
	return h, true
}
