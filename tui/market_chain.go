package tui

import (
	"context"
	"errors"

	"github.com/bitverse/bitverse/node"
	"github.com/bitverse/bitverse/node/wire"
	"github.com/bitverse/bitverse/wallet/plan"
)

// The market's on-chain half as the TUI sees it: the bounties the node
// reports (node.API's bounty reads) and the intents the planner turns
// into bounty, settle and dispute transactions. The market screen reaches
// them only through this file.

// bountyInfo is a bounty as the node reports it.
type bountyInfo struct {
	ID          wire.Hash `json:"id"`
	Requester   string    `json:"requester"`
	Request     wire.Hash `json:"request"`
	Row         uint8     `json:"row"`
	Amount      uint64    `json:"amount"`
	Deadline    uint64    `json:"deadline"`
	Worker      string    `json:"worker"`
	Stake       uint64    `json:"stake"`
	State       string    `json:"state"`
	Created     uint64    `json:"created"`
	Accepted    uint64    `json:"accepted"`
	Committed   uint64    `json:"committed"`
	Closed      uint64    `json:"closed"`
	Promised    uint32    `json:"promised"`
	Envelope    wire.Hash `json:"envelope"`
	SettleAfter uint64    `json:"settle_after"`
}

// bountyFilter narrows a bounty list: by state, by a party (requester or
// worker), and how many.
type bountyFilter struct {
	State string
	Party string
	Limit int
}

// Bounty states.
const (
	bountyOpen      = "open"
	bountyAccepted  = "accepted"
	bountyCommitted = "committed"
	bountySettled   = "settled"
	bountyDisputed  = "disputed"
	bountyRefunded  = "refunded"
)

// bountyReader is a node that lists bounties.
type bountyReader interface {
	Bounties(ctx context.Context, f bountyFilter) ([]bountyInfo, error)
}

// errNoBounties says the node cannot list bounties.
var errNoBounties = errors.New("this node does not list bounties; update it to use the market from the UI")

// listBounties asks api for the bounties f selects, newest first.
func listBounties(ctx context.Context, api node.API, f bountyFilter) ([]bountyInfo, error) {
	r, ok := api.(bountyReader)
	if !ok {
		return nil, errNoBounties
	}
	return r.Bounties(ctx, f)
}

// errNoMarketPlanner says the planner cannot plan market transactions.
var errNoMarketPlanner = errors.New("this build cannot sign bounties yet; use `bitverse request` and `bitverse bounty` from the command line")

// fundIntent is the bounty that funds row of request: amount escrowed
// until deadline (a root height), for worker (zero: any).
func fundIntent(request wire.Hash, row uint8, amount, deadline uint64, worker wire.PubKey) (plan.Intent, error) {
	return nil, errNoMarketPlanner
}

// settleIntent pays a committed bounty's worker.
func settleIntent(bounty wire.Hash) (plan.Intent, error) { return nil, errNoMarketPlanner }

// disputeIntent disputes a committed bounty's result.
func disputeIntent(bounty wire.Hash) (plan.Intent, error) { return nil, errNoMarketPlanner }

// bountyBlocks is how many root blocks a funded bounty gives its worker
// (deadline = tip + bountyBlocks).
const bountyBlocks = 120
