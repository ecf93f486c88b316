package tui

import (
	"context"
	"errors"
	"slices"

	tea "charm.land/bubbletea/v2"

	"github.com/bitverse/bitverse/node"
	"github.com/bitverse/bitverse/node/consensus"
	"github.com/bitverse/bitverse/node/wire"
	"github.com/bitverse/bitverse/wallet/plan"
)

// The market's on-chain half as the TUI sees it: the bounties the node
// reports (node.API's bounty reads) and the intents the planner turns
// into bounty, settle and dispute transactions. The market screen reaches
// them only through this file.

type (
	bountyInfo   = node.BountyInfo
	bountyFilter = node.BountyFilter
	slotInfo     = node.SlotInfo
)

// Bounty states (node.BountyInfo.State).
const (
	bountyOpen      = "open"
	bountyAccepted  = "accepted"
	bountyCommitted = "committed"
	bountySettled   = "settled"
	bountyDisputed  = "disputed"
	bountyRefunded  = "refunded"
)

// listBounties asks api for the bounties f selects, newest first.
func listBounties(ctx context.Context, api node.API, f bountyFilter) ([]bountyInfo, error) {
	return api.Bounties(ctx, f)
}

// maxRelayedListed bounds the relay jobs read into my list, one read each.
const maxRelayedListed = 20

// withRelayed adds to list (newest first) the bounties of relayed that
// are not in it, at most maxRelayedListed, each before the first listed
// bounty created before it.
func withRelayed(ctx context.Context, api node.API, list []bountyInfo, relayed []wire.Hash) ([]bountyInfo, error) {
	have := make(map[wire.Hash]bool, len(list))
	for _, b := range list {
		have[b.ID] = true
	}
	for i, id := range relayed {
		if i == maxRelayedListed {
			break
		}
		if have[id] {
			continue
		}
		b, err := api.Bounty(ctx, id)
		if errors.Is(err, node.ErrNotFound) {
			continue // not on this node's chain (yet)
		}
		if err != nil {
			return list, err
		}
		at := len(list)
		for j, o := range list {
			if o.Created < b.Created {
				at = j
				break
			}
		}
		list, have[id] = slices.Insert(list, at, *b), true
	}
	return list, nil
}

// relays reports whether addr holds a slot of b's lineup or jury.
func relays(b bountyInfo, addr string) bool {
	_, ok := slotOf(b, addr)
	return ok
}

// slotOf is the last slot addr holds in b's lineup or jury.
func slotOf(b bountyInfo, addr string) (slotInfo, bool) {
	var found slotInfo
	ok := false
	for _, sl := range append(slices.Clone(b.Lineup), b.Jury...) {
		if sl.Relay == addr {
			found, ok = sl, true
		}
	}
	return found, ok
}

// mySlot is the slot one of the wallet's accounts holds in b, when it
// is neither b's requester nor its worker.
func mySlot(s *common, b bountyInfo) (slotInfo, bool) {
	if s.isMine(b.Requester) || s.isMine(b.Worker) {
		return slotInfo{}, false
	}
	for _, a := range s.accounts {
		if sl, ok := slotOf(b, a.Address); ok {
			return sl, true
		}
	}
	return slotInfo{}, false
}

// fundIntent is the bounty that funds row of request: amount escrowed
// until deadline (a root height), for worker (zero: any), countersigned
// by a lineup of hops relays.
func fundIntent(request wire.Hash, row, hops uint8, amount, deadline uint64, worker wire.PubKey) (plan.Intent, error) {
	return plan.Bounty{Request: request, Row: row, Hops: hops, Amount: amount, Deadline: deadline, Worker: worker}, nil
}

// settleIntent pays a committed bounty's worker.
func settleIntent(bounty wire.Hash) (plan.Intent, error) { return plan.Settle{Bounty: bounty}, nil }

// disputeIntent disputes a committed bounty's result.
func disputeIntent(bounty wire.Hash) (plan.Intent, error) { return plan.Dispute{Bounty: bounty}, nil }

// bountyBlocks is how many root blocks a funded bounty gives its worker
// at least.
const bountyBlocks = 120

// bountyDeadline is the deadline of a bounty funded at root height tip:
// bountyBlocks on, and always past the rules' least.
func bountyDeadline(p *consensus.Params, tip uint64) uint64 {
	return tip + max(bountyBlocks, p.MinBountyBlocks+2)
}

// relayInfo is a relay's registry record (node.API's Relay).
type relayInfo = node.RelayInfo

// relayRegMsg answers relayRegCmd: addr's registry record, nil when it
// never registered.
type relayRegMsg struct {
	id   reqID
	info *relayInfo
	err  error
}

// relayRegCmd reads addr's relay registry record.
func relayRegCmd(ctx context.Context, api node.API, id reqID, addr string) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := withTimeout(ctx)
		defer cancel()
		info, err := api.Relay(ctx, addr)
		if errors.Is(err, node.ErrNotFound) {
			info, err = nil, nil
		}
		return relayRegMsg{id: id, info: info, err: err}
	}
}
