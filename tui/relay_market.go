package tui

import (
	"context"
	"errors"

	tea "charm.land/bubbletea/v2"
	"github.com/bitverse/bitverse/node/market"
	"github.com/bitverse/bitverse/node/rpc"
	"github.com/bitverse/bitverse/node/wire"
)

// The relay role's off-chain half as the TUI sees it: whether this node
// relays, the relay jobs it holds a slot of with what they paid, and the
// lineups the blocks it mined drew (market.API's Relay, RelayStatus,
// RelayJobs and Draws). The UI reaches the market's relay methods only
// through this file.

// relayStatus is this node's relaying, in one read.
type relayStatus struct {
	market.RelayStatus
	Jobs []market.RelayJob // in flight first, then closed, newest first
	// Drawn is how many lineups blocks this node mined drew, and
	// DrawEarned the drawer's share the settled ones paid.
	Drawn      int
	DrawEarned uint64
}

// relayJob is one slot this node's identity holds or held.
type relayJob = market.RelayJob

// Relay job states (market.RelayJob.State) the UI tells apart.
const (
	jobWaiting   = "waiting"
	jobComputing = "computing"
	jobDisagreed = "disagreed"
	jobFailed    = "failed"
	jobPaid      = "paid"
)

// errNoRelaying: the market runs no relay role (no serve identity, or a
// node attached to that runs no market).
var errNoRelaying = errors.New("this node's market does not relay: it has no serve identity")

// readRelay reads this node's relaying, turning it on or off first when
// toggle.
func readRelay(ctx context.Context, m market.API, toggle, on bool) (*relayStatus, error) {
	var st *market.RelayStatus
	var err error
	if toggle {
		st, err = m.Relay(ctx, on)
	} else {
		st, err = m.RelayStatus(ctx)
	}
	if errors.Is(err, market.ErrNoIdentity) || errors.Is(err, rpc.ErrNoMarket) {
		return nil, errNoRelaying
	}
	if err != nil {
		return nil, err
	}
	if st.Identity.IsZero() {
		return nil, errNoRelaying // a market without a serve identity
	}
	out := &relayStatus{RelayStatus: *st}
	if out.Jobs, err = m.RelayJobs(ctx); err != nil {
		return nil, err
	}
	draws, err := m.Draws(ctx)
	if err != nil {
		return nil, err
	}
	out.Drawn = len(draws)
	for _, d := range draws {
		if d.Paid {
			out.DrawEarned += d.Share
		}
	}
	return out, nil
}

// relayStatusMsg answers relayCmd.
type relayStatusMsg struct {
	st      *relayStatus
	err     error
	toggled bool // the answer to R (or m), not to a refresh
	on      bool // what the toggle asked for
	gen     int  // the toggles asked for before this call
}

// relayCmd reads this node's relaying, or turns it on or off when toggle.
// gen counts the toggles asked for so far, so that a read sent before
// one is not taken for the state after it.
func relayCmd(ctx context.Context, m market.API, toggle, on bool, gen int) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := withTimeout(ctx)
		defer cancel()
		st, err := readRelay(ctx, m, toggle, on)
		return relayStatusMsg{st: st, err: err, toggled: toggle, on: on, gen: gen}
	}
}

// relayBounties are the bounties of st's jobs.
func relayBounties(st *relayStatus) []wire.Hash {
	if st == nil {
		return nil
	}
	ids := make([]wire.Hash, 0, len(st.Jobs))
	for _, j := range st.Jobs {
		ids = append(ids, j.Bounty)
	}
	return ids
}
