package node

import (
	"context"
	"errors"
	"fmt"

	"github.com/bitverse/bitverse/node/consensus"
	"github.com/bitverse/bitverse/node/mempool"
	"github.com/bitverse/bitverse/node/state"
	"github.com/bitverse/bitverse/node/wire"
)

// Verdict is what a node's keyspace rules and access scripts say of a
// transaction before it is sent: a face shows it with the plan, so a face
// attached to another node agrees with that node. JSON names are part of
// the API contract.
type Verdict struct {
	OK bool `json:"ok"`
	// Code and Reason name the rule that refused (Reason is an access
	// script's own words when a script refused).
	Code   consensus.ErrorCode `json:"code,omitempty"`
	Reason string              `json:"reason,omitempty"`
}

// Err returns the refusal as the rule error the node would raise on
// submission, or nil.
func (v *Verdict) Err() error {
	if v == nil || v.OK {
		return nil
	}
	return &consensus.RuleError{Code: v.Code, Description: v.Reason}
}

// PreviewAPI is what a transaction planner asks of a node beyond API.
// *Node and rpc.Client implement it.
type PreviewAPI interface {
	// Preview returns the verdict of the node's keyspace and access-script
	// rules on the last of txs (encoded, signed or not), as if the ones
	// before it, and the sender's pending transactions, were applied first.
	// Nonces, funds and signatures are not judged here.
	Preview(ctx context.Context, txs [][]byte) (*Verdict, error)
}

// maxPreview bounds the transactions of one Preview.
const maxPreview = 16

// Preview implements PreviewAPI.
func (n *Node) Preview(ctx context.Context, raws [][]byte) (*Verdict, error) {
	if len(raws) == 0 || len(raws) > maxPreview {
		return nil, fmt.Errorf("%w: preview 1 to %d transactions, not %d", ErrBadRequest, maxPreview, len(raws))
	}
	txs := make([]*wire.Tx, len(raws))
	for i, raw := range raws {
		t, err := wire.DecodeTx(raw)
		if err != nil {
			return nil, fmt.Errorf("%w: transaction %d: %w", ErrBadRequest, i+1, err)
		}
		txs[i] = t
	}
	last := txs[len(txs)-1]
	// The root transactions before it: the sender's pending ones, then
	// those of the plan, each sender's in nonce order.
	// As the mempool will judge it (mempool.Parents): when the plan's own
	// root transactions come first, after all the sender's pending ones.
	var parents []*wire.Tx
	seen := map[wire.PubKey]bool{}
	for _, t := range txs[:len(txs)-1] {
		if t.Chain.IsRoot() && !seen[t.From] {
			seen[t.From] = true
			parents = append(parents, n.pool.Pending(t.From)...)
		}
	}
	if !seen[last.From] {
		parents = append(parents, n.pool.Pending(last.From)...)
	}
	for _, t := range txs[:len(txs)-1] {
		if t.Chain.IsRoot() {
			parents = append(parents, t)
		}
	}
	parents = mempool.Parents(parents)
	err := n.chain.CheckAccess(last, parents...)
	var re *consensus.RuleError
	switch {
	case err == nil:
		return &Verdict{OK: true}, nil
	case errors.As(err, &re):
		return &Verdict{Code: re.Code, Reason: re.Description}, nil
	case errors.Is(err, state.ErrScriptUnavailable):
		return nil, fmt.Errorf("the node cannot run access scripts right now, so it has no verdict: %w", err)
	}
	return nil, err
}
