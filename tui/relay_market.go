package tui

import (
	"context"
	"errors"

	tea "charm.land/bubbletea/v2"
	"github.com/bitverse/bitverse/node/market"
	"github.com/bitverse/bitverse/node/wire"
)

// The relay role's off-chain half as the TUI sees it: whether this node
// relays, the relay jobs it holds a slot of with what they paid, and the
// lineups the blocks it mined drew. The Mining screen reaches the market's
// relay methods only through this file, so that the rest of the UI does
// not change when the service's shape does.

// relayStatus is this node's relaying.
type relayStatus struct {
	On       bool
	Identity wire.PubKey
	InFlight int        // relay jobs holding a slot of this node's, not closed
	Done     int        // relay jobs closed after this node countersigned
	Earned   uint64     // what the done jobs paid this node
	Jobs     []relayJob // newest first
	// Drawn is how many lineups blocks this node mined drew, and
	// DrawEarned the drawer's share those bounties paid.
	Drawn      int
	DrawEarned uint64
}

// relayJob is one bounty this node holds (or held) a lineup or jury
// slot of.
type relayJob struct {
	Bounty wire.Hash
	Slot   int
	Hops   int
	Jury   bool
	State  string // the slot's: drawn, countersigned, missed, replaced
	Earned uint64
}

// relayMarket is a market that relays: it reads and turns this node's
// relaying.
type relayMarket interface {
	RelayStatus(ctx context.Context) (*relayStatus, error)
	Relay(ctx context.Context, on bool) (*relayStatus, error)
}

// errNoRelaying: the market runs no relay role.
var errNoRelaying = errors.New("this node's market does not relay: it runs without the relay role")

// relayOf is m's relay role, or errNoRelaying.
func relayOf(m market.API) (relayMarket, error) {
	if r, ok := m.(relayMarket); ok {
		return r, nil
	}
	return nil, errNoRelaying
}

// relayStatusMsg answers relayCmd.
type relayStatusMsg struct {
	st      *relayStatus
	err     error
	toggled bool // the answer to R (or m), not to a refresh
	on      bool // what the toggle asked for
}

// relayCmd reads this node's relaying, or turns it on or off when toggle.
func relayCmd(ctx context.Context, m market.API, toggle, on bool) tea.Cmd {
	return func() tea.Msg {
		r, err := relayOf(m)
		if err != nil {
			return relayStatusMsg{err: err, toggled: toggle, on: on}
		}
		var st *relayStatus
		if toggle {
			st, err = r.Relay(ctx, on)
		} else {
			st, err = r.RelayStatus(ctx)
		}
		return relayStatusMsg{st: st, err: err, toggled: toggle, on: on}
	}
}
