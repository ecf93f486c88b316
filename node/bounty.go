package node

import (
	"context"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"

	"github.com/bitverse/bitverse/node/chain"
	"github.com/bitverse/bitverse/node/state"
	"github.com/bitverse/bitverse/node/wire"
	"go.etcd.io/bbolt"
)

// BountyInfo describes a bounty on the root chain.
type BountyInfo struct {
	ID        wire.Hash `json:"id"`
	Requester string    `json:"requester"`
	Request   wire.Hash `json:"request"`
	Row       uint8     `json:"row"`
	Amount    uint64    `json:"amount"`
	Deadline  uint64    `json:"deadline"`
	// Worker is the named worker while open ("" if anyone may accept),
	// then the one that accepted.
	Worker    string `json:"worker"`
	Stake     uint64 `json:"stake"`
	State     string `json:"state"` // open accepted committed settled disputed refunded
	Created   uint64 `json:"created"`
	Accepted  uint64 `json:"accepted"`
	Committed uint64 `json:"committed"`
	Closed    uint64 `json:"closed"`
	Promised  uint32 `json:"promised"`
	// Envelope is the committed result envelope's hash (zero before).
	Envelope wire.Hash `json:"envelope"`
	// SettleAfter is the height from which the worker may settle (0
	// before a commit); the requester may dispute below it.
	SettleAfter uint64 `json:"settle_after"`

	// Relay lineups (PROTOCOL §19). Hops is how many relays countersign
	// (0: none). Drawer is the address of the coinbase of the block that
	// drew the lineup ("" before the draw), Drawn that block's height.
	// Result is the commit's result hash. Contest is "", "open",
	// "worker_wrong" or "worker_right".
	Hops    uint8      `json:"hops"`
	Drawer  string     `json:"drawer"`
	Drawn   uint64     `json:"drawn"`
	Result  wire.Hash  `json:"result"`
	Lineup  []SlotInfo `json:"lineup"`
	Jury    []SlotInfo `json:"jury"`
	Contest string     `json:"contest"`
}

// SlotInfo is one slot entry of a bounty's lineup or jury, current or
// past (a missed or replaced entry is followed by the slot's next one).
// Slot numbers run on from the lineup into the jury (a jury's first slot
// is hops). State is "pending" (drawn by the next block), "drawn",
// "countersigned", "missed" or "replaced". Height is when the entry was
// drawn, or countersigned, missed or replaced once it was.
type SlotInfo struct {
	Slot     int       `json:"slot"`
	Relay    string    `json:"relay"`
	PubKey   string    `json:"pubkey"`
	State    string    `json:"state"`
	Result   wire.Hash `json:"result"`
	Envelope wire.Hash `json:"envelope"`
	Height   uint64    `json:"height"`
}

// BountyFilter selects bounties: by state name, by a party's address
// (requester or worker), at most Limit (0: 100) of them.
type BountyFilter struct {
	State string `json:"state,omitempty"`
	Party string `json:"party,omitempty"`
	Limit int    `json:"limit,omitempty"`
}

// ReputationInfo is one identity's record in the reputation ledger.
type ReputationInfo struct {
	Address         string `json:"address"`
	PubKey          string `json:"pubkey"`
	Done            uint64 `json:"done"`
	Failed          uint64 `json:"failed"`
	Disputed        uint64 `json:"disputed"`
	Lost            uint64 `json:"lost"`
	DisputesRaised  uint64 `json:"disputes_raised"`
	Accepted        uint64 `json:"accepted"`
	PromisedBlocks  uint64 `json:"promised_blocks"`
	DeliveredBlocks uint64 `json:"delivered_blocks"`
	// As a relay: lineup slots countersigned and paid, wrong results
	// caught first, slots left silent.
	Relayed uint64 `json:"relayed"`
	Caught  uint64 `json:"caught"`
	Missed  uint64 `json:"missed"`
}

// MaxBountyList bounds one Bounties answer.
const MaxBountyList = 1000

func (n *Node) bountyInfo(b *state.Bounty) BountyInfo {
	net := n.net()
	info := BountyInfo{
		ID: b.ID, Requester: wire.EncodeAddress(net, b.Requester), Request: b.Request, Row: b.Row,
		Amount: b.Amount, Deadline: b.Deadline, Stake: b.Stake, State: b.State.String(),
		Created: b.Created, Accepted: b.Accepted, Committed: b.Committed, Closed: b.Closed,
		Promised: b.Promised, Envelope: b.Envelope, SettleAfter: b.SettleAfter(n.cfg.Params),
	}
	if !b.Worker.IsZero() {
		info.Worker = wire.EncodeAddress(net, b.Worker)
	}
	info.Hops, info.Drawn, info.Result, info.Contest = b.Hops, b.Drawn, b.Result, b.Contest.String()
	if !b.Drawer.IsZero() {
		info.Drawer = wire.EncodeAddress(net, b.Drawer)
	}
	for i, s := range b.Slots {
		si := SlotInfo{Slot: int(s.N), State: s.State.String(), Result: s.Result, Envelope: s.Envelope, Height: s.Height}
		if s.Done != 0 {
			si.Height = s.Done
		}
		if !s.Relay.IsZero() {
			si.Relay, si.PubKey = wire.EncodeAddress(net, s.Relay), hex.EncodeToString(s.Relay[:])
		}
		switch {
		case s.N < b.Hops:
			info.Lineup = append(info.Lineup, si)
		case i >= b.JuryFrom:
			info.Jury = append(info.Jury, si)
		}
	}
	return info
}

// Bounty implements API.
func (n *Node) Bounty(ctx context.Context, id wire.Hash) (*BountyInfo, error) {
	var info *BountyInfo
	err := n.chain.View(func(tx *bbolt.Tx, _ chain.TipInfo, _ state.Roots) error {
		b, err := state.GetBounty(tx, id)
		if err != nil || b == nil {
			return err
		}
		bi := n.bountyInfo(b)
		info = &bi
		return nil
	})
	if err == nil && info == nil {
		err = fmt.Errorf("%w: there is no bounty %s on the chain (a bounty's ID is its transaction's ID; it exists once that is in a block)", ErrNotFound, id.Short())
	}
	return info, err
}

// Bounties implements API: newest first. The listing reads the market
// records of the tip state, which a reorganisation restores exactly; there
// is no separate index to fall out of step.
func (n *Node) Bounties(ctx context.Context, f BountyFilter) ([]BountyInfo, error) {
	var want state.BountyState
	if f.State != "" {
		s, ok := state.ParseBountyState(f.State)
		if !ok {
			return nil, fmt.Errorf("%w: unknown bounty state %q (open, accepted, committed, settled, disputed or refunded)", ErrBadRequest, f.State)
		}
		want = s
	}
	var party wire.PubKey
	if f.Party != "" {
		pk, err := n.parseAddr(f.Party)
		if err != nil {
			return nil, err
		}
		party = pk
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	limit = min(limit, MaxBountyList)
	var list []*state.Bounty
	err := n.chain.View(func(tx *bbolt.Tx, _ chain.TipInfo, _ state.Roots) error {
		return state.ForEachBounty(tx, func(b *state.Bounty) error {
			if want != 0 && b.State != want {
				return nil
			}
			if f.Party != "" && b.Requester != party && b.Worker != party {
				return nil
			}
			list = append(list, b)
			return ctx.Err()
		})
	})
	if err != nil {
		return nil, err
	}
	sort.Slice(list, func(i, j int) bool {
		if list[i].Created != list[j].Created {
			return list[i].Created > list[j].Created
		}
		return strings.Compare(list[i].ID.String(), list[j].ID.String()) < 0
	})
	out := make([]BountyInfo, 0, min(len(list), limit))
	for _, b := range list[:min(len(list), limit)] {
		out = append(out, n.bountyInfo(b))
	}
	return out, nil
}

// ParseIdentity reads an identity given as an address of net or as a
// public key in hex.
func ParseIdentity(net wire.Network, id string) (wire.PubKey, error) {
	id = strings.TrimSpace(id)
	if len(id) == 2*wire.PubKeySize {
		if raw, err := hex.DecodeString(id); err == nil {
			var pk wire.PubKey
			copy(pk[:], raw)
			// The same rule as an address: a key must be a point on the
			// curve (found by FuzzParseIdentity: hex accepted what the
			// address of the same key refused).
			if _, err := wire.ParseKey(pk); err != nil {
				return pk, fmt.Errorf("%w: %q is not a public key: %w", ErrBadRequest, id, err)
			}
			return pk, nil
		}
	}
	pk, err := wire.ParseAddress(net, id)
	if err != nil {
		return pk, fmt.Errorf("%w: %q is neither an address nor a 64-digit hex public key: %w", ErrBadRequest, id, err)
	}
	return pk, nil
}

// Reputation implements API: a zero record for an identity the ledger
// has not seen.
func (n *Node) Reputation(ctx context.Context, id string) (*ReputationInfo, error) {
	pk, err := ParseIdentity(n.net(), id)
	if err != nil {
		return nil, err
	}
	var r *state.Reputation
	err = n.chain.View(func(tx *bbolt.Tx, _ chain.TipInfo, _ state.Roots) error {
		r, err = state.GetReputation(tx, pk)
		return err
	})
	if err != nil {
		return nil, err
	}
	info := reputationInfo(n.net(), pk, r)
	return &info, nil
}

func reputationInfo(net wire.Network, pk wire.PubKey, r *state.Reputation) ReputationInfo {
	return ReputationInfo{
		Address: wire.EncodeAddress(net, pk), PubKey: hex.EncodeToString(pk[:]),
		Done: r.Done, Failed: r.Failed, Disputed: r.Disputed, Lost: r.Lost, DisputesRaised: r.DisputesRaised,
		Accepted: r.Accepted, PromisedBlocks: r.PromisedBlocks, DeliveredBlocks: r.DeliveredBlocks,
		Relayed: r.Relayed, Caught: r.Caught, Missed: r.Missed,
	}
}
