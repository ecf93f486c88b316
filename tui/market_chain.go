package tui

import (
	"context"

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

// fundIntent is the bounty that funds row of request: amount escrowed
// until deadline (a root height), for worker (zero: any).
func fundIntent(request wire.Hash, row uint8, amount, deadline uint64, worker wire.PubKey) (plan.Intent, error) {
	return plan.Bounty{Request: request, Row: row, Amount: amount, Deadline: deadline, Worker: worker}, nil
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
