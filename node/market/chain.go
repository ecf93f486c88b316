package market

import (
	"context"
	"slices"

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

	// Relay lineups (PROTOCOL §19, §20).
	Hops    int
	Result  wire.Hash   // the commit's result hash
	Drawer  wire.PubKey // coinbase of the block that drew the lineup (zero before)
	Drawn   uint64
	Lineup  []Slot // slots 0..hops-1 (fewer when the registry could not fill them)
	Jury    []Slot // slots hops.. once a contest opened
	Contest string // "", ContestOpen, ContestWorkerWrong or ContestWorkerRight
}

// Contest states, as the chain reports them.
const (
	ContestOpen        = "open"
	ContestWorkerWrong = "worker_wrong"
	ContestWorkerRight = "worker_right"
)

// Slot is one slot of a lineup or jury.
type Slot struct {
	Slot     int
	Relay    wire.PubKey
	State    string // SlotDrawn, SlotCountersigned, SlotMissed, SlotReplaced
	Result   wire.Hash
	Envelope wire.Hash // the countersign envelope's hash
	Height   uint64    // of the last change
}

// current reports whether a slot entry still holds its slot (a missed or
// replaced entry is history).
func (sl *Slot) current() bool {
	return sl.State == SlotDrawn || sl.State == SlotCountersigned || sl.State == SlotPending
}

// CurrentLineup returns the current entry of each lineup slot, in slot
// order; a slot the registry could not fill has none.
func (b *Bounty) CurrentLineup() []Slot { return latest(b.Lineup) }

// CurrentJury returns the current entry of each jury slot, in slot order.
func (b *Bounty) CurrentJury() []Slot { return latest(b.Jury) }

func latest(entries []Slot) []Slot {
	last := map[int]Slot{}
	var order []int
	for _, sl := range entries {
		if _, ok := last[sl.Slot]; !ok {
			order = append(order, sl.Slot)
		}
		last[sl.Slot] = sl
	}
	slices.Sort(order)
	var out []Slot
	for _, n := range order {
		if sl := last[n]; sl.current() {
			out = append(out, sl)
		}
	}
	return out
}

// Relayed reports whether the bounty runs with relays, as the chain
// judges it: it asked for hops and its lineup is not drawn yet or still
// has a slot, or a contest is open (a lineup the registry could not fill
// at all leaves a zero-hop bounty, PROTOCOL §19).
func (b *Bounty) Relayed() bool {
	return b.Hops > 0 && (b.Drawn == 0 || len(b.CurrentLineup()) > 0 || b.Contest == ContestOpen)
}

// LineupDone reports whether the lineup is drawn and every current slot
// of it is countersigned.
func (b *Bounty) LineupDone() bool {
	cl := b.CurrentLineup()
	if len(cl) == 0 {
		return false
	}
	for _, sl := range cl {
		if sl.State != SlotCountersigned {
			return false
		}
	}
	return true
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
	// Countersign and RelayMiss sign a relay's transaction with k and
	// submit it.
	Countersign(ctx context.Context, k wire.PrivKey, bounty wire.Hash, slot uint8, result, envelope wire.Hash) error
	RelayMiss(ctx context.Context, k wire.PrivKey, bounty wire.Hash, slot uint8) error
	// Dispute signs a requester's dispute with k and submits it.
	Dispute(ctx context.Context, k wire.PrivKey, bounty wire.Hash) error
	// Relayed lists the bounties whose lineup or jury holds relay,
	// newest first.
	Relayed(ctx context.Context, relay wire.PubKey) ([]Bounty, error)
	// Drawn lists the bounties whose lineup a block mined to this node's
	// mining address drew, newest first.
	Drawn(ctx context.Context) ([]Bounty, error)
	// Relay is relay's registry entry (nil if it never registered).
	Relay(ctx context.Context, relay wire.PubKey) (*RelayRecord, error)
	// Relays reads the relay registry: each registered relay's terms
	// and record, in public-key order.
	Relays(ctx context.Context) ([]RelayRecord, error)
	// Terms are the consensus numbers of the relay rules.
	Terms() RelayTerms
	// Blocks delivers the height of each new root tip until ctx ends.
	Blocks(ctx context.Context) (<-chan uint64, error)
}

// RelayRecord is a registered relay as the service needs it.
type RelayRecord struct {
	PubKey wire.PubKey
	Fee    uint64
	Stake  uint64
	Caps   uint32
	Record Record
}

// RelayTerms are the consensus numbers of the relay rules (PROTOCOL §19).
type RelayTerms struct {
	Window       uint64 // blocks a slot may stay silent after the step before it
	DrawShareBps uint64 // of the amount, to the drawing block's coinbase
	RelayHopBps  uint64 // of the amount, to each countersigning relay
	MinStake     uint64
	MaxHops      int
}
