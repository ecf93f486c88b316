package market

import (
	"context"

	"github.com/bitverse/bitverse/node/wire"
)

// Bounty states, as the chain reports them.
const (
	StateOpen      = "open"
	StateAccepted  = "accepted"
	StateCommitted = "committed"
	StateSettled   = "settled"
	StateDisputed  = "disputed"
	StateRefunded  = "refunded"
)

// Bounty is an on-chain bounty as the service needs it.
type Bounty struct {
	ID          wire.Hash
	Request     wire.Hash
	Requester   wire.PubKey
	Worker      wire.PubKey // zero: open to any worker and not accepted
	Amount      uint64
	Deadline    uint64
	State       string
	Committed   uint64    // height of the commit (0: none)
	SettleAfter uint64    // height from which the worker may settle
	Envelope    wire.Hash // committed envelope hash
}

// Closed reports whether the bounty reached a final state.
func (b *Bounty) Closed() bool {
	return b.State == StateSettled || b.State == StateDisputed || b.State == StateRefunded
}

// Chain is what the service reads from and writes to the root chain:
// bounties, the reputation ledger, values, and the worker's transactions
// signed with the serve identity. NodeChain implements it over a node.
type Chain interface {
	// Height is the root chain's height.
	Height(ctx context.Context) (uint64, error)
	// Bounty reads one bounty (an error wrapping node.ErrNotFound if the
	// chain has none with this ID).
	Bounty(ctx context.Context, id wire.Hash) (*Bounty, error)
	// Bounties lists the bounties where party is the requester or the
	// (named or accepted) worker, newest first.
	Bounties(ctx context.Context, party wire.PubKey) ([]Bounty, error)
	// Record is a worker's reputation record (zero if unknown).
	Record(ctx context.Context, who wire.PubKey) (Record, error)
	// Value reads the value at key, through a verified read when this
	// node keeps its chain as headers only.
	Value(ctx context.Context, key string) ([]byte, error)
	// Accept, Commit and Settle sign a worker's transaction with k and
	// submit it.
	Accept(ctx context.Context, k wire.PrivKey, bounty wire.Hash, promised uint32) error
	Commit(ctx context.Context, k wire.PrivKey, bounty, envelope, result wire.Hash) error
	Settle(ctx context.Context, k wire.PrivKey, bounty wire.Hash) error
	// Blocks delivers the height of each new root tip until ctx ends.
	Blocks(ctx context.Context) (<-chan uint64, error)
}
