package tui

import (
	"context"
	"fmt"

	tea "charm.land/bubbletea/v2"
	"github.com/bitverse/bitverse/node/wire"
	"github.com/bitverse/bitverse/tumbler"
)

// The tumbler screen's calls. Each runs in a command, never in Update.

// tumblerDataMsg is one read of the three lists.
type tumblerDataMsg struct {
	rounds []tumbler.RoundInfo
	regs   []tumbler.Registration
	hist   []tumbler.Registration
	err    error
}

func tumblerFetchCmd(ctx context.Context, t tumbler.API) tea.Cmd {
	return func() tea.Msg {
		var m tumblerDataMsg
		if m.rounds, m.err = t.Rounds(ctx); m.err != nil {
			return m
		}
		if m.regs, m.err = t.Registrations(ctx); m.err != nil {
			return m
		}
		m.hist, m.err = t.History(ctx)
		return m
	}
}

// tumblerReviewMsg is a round's batch as this node sees it.
type tumblerReviewMsg struct {
	round  wire.Hash
	review *tumbler.Review
	err    error
}

func tumblerReviewCmd(ctx context.Context, t tumbler.API, round wire.Hash) tea.Cmd {
	return func() tea.Msg {
		r, err := t.Review(ctx, round)
		return tumblerReviewMsg{round: round, review: r, err: err}
	}
}

// tumblerJoinedMsg answers a join.
type tumblerJoinedMsg struct {
	reg tumbler.Registration
	err error
}

// tumblerJoinCmd registers the account called from in round: the wallet
// makes a fresh account to receive the denomination (never used, never
// linked to from), and the paying key goes to the tumbler over the local
// API only. The amount is the least the round takes: denomination plus
// the coordinator's and the transaction's fee per input.
func tumblerJoinCmd(ctx context.Context, t tumbler.API, w walletHandle, from string, r tumbler.RoundInfo) tea.Cmd {
	return func() tea.Msg {
		k, err := w.Key(from)
		if err != nil {
			return tumblerJoinedMsg{err: err}
		}
		// A name the wallet takes (letters, digits, '-'), new for each join.
		fresh, err := w.NewAccount(fmt.Sprintf("tumbled-%s-%d", r.ID.Short()[:8], len(w.Accounts())))
		if err != nil {
			return tumblerJoinedMsg{err: err}
		}
		// A second one for a blame round's output (a blame round never
		// reuses the first: the coordinator would learn whose it was).
		spare, err := w.NewAccount(fmt.Sprintf("tumbled-%s-%d", r.ID.Short()[:8], len(w.Accounts())))
		if err != nil {
			return tumblerJoinedMsg{err: err}
		}
		reg, err := t.Join(ctx, tumbler.JoinRequest{Secret: k.Bytes(), Amount: joinAmount(r), To: fresh.PubKey,
			BlameTo: []wire.PubKey{spare.PubKey}, Round: r.ID})
		return tea.BatchMsg{
			func() tea.Msg { return accountsMsg{accounts: w.Accounts()} },
			func() tea.Msg { return tumblerJoinedMsg{reg: reg, err: err} },
		}
	}
}

// joinAmount is what joining r takes from the paying account.
func joinAmount(r tumbler.RoundInfo) uint64 { return r.Denomination + r.CoordinatorFee + r.TxFee }

// tumblerSignedMsg answers a co-sign.
type tumblerSignedMsg struct {
	round wire.Hash
	err   error
}

func tumblerCoSignCmd(ctx context.Context, t tumbler.API, round wire.Hash) tea.Cmd {
	return func() tea.Msg { return tumblerSignedMsg{round: round, err: t.CoSign(ctx, round)} }
}

// tumblerEventMsg is one phase change of a round this node is in.
type tumblerEventMsg struct {
	ev tumbler.Event
	ch <-chan tumbler.Event
}

// tumblerEventsClosedMsg: the tumbler's event channel closed.
type tumblerEventsClosedMsg struct{}

// tumblerWaitCmd waits for one tumbler event; the screen issues it again
// after each, so one wait is out at a time.
func tumblerWaitCmd(ctx context.Context, ch <-chan tumbler.Event) tea.Cmd {
	if ch == nil {
		return nil
	}
	return func() tea.Msg {
		select {
		case ev, ok := <-ch:
			if !ok {
				return tumblerEventsClosedMsg{}
			}
			return tumblerEventMsg{ev: ev, ch: ch}
		case <-ctx.Done():
			return tumblerEventsClosedMsg{}
		}
	}
}
