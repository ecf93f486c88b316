package tui

import (
	"context"
	"errors"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/bitverse/bitverse/node"
	"github.com/bitverse/bitverse/node/consensus"
	"github.com/bitverse/bitverse/node/market"
	"github.com/bitverse/bitverse/node/wire"
)

// The market screen's commands: every call to the market service
// (market.API) and every bounty read happens here, as for the node in
// cmds.go.

type (
	marketEventsMsg       struct{ ch <-chan market.Event }
	marketEventsFailedMsg struct{ err error }
	marketEventMsg        struct {
		ev market.Event
		ch <-chan market.Event
	}
	marketEventsClosedMsg struct{}
	marketResubscribeMsg  struct{}

	quoteMsg struct {
		id    reqID
		expr  string
		quote *market.Quote
		err   error
	}
	tableMsg struct {
		request wire.Hash
		table   *market.Table
		err     error
	}
	requestsMsg struct {
		list []market.RequestInfo
		err  error
	}
	serveMsg struct {
		st      *market.ServeStatus
		err     error
		toggled bool // the answer to S, not to a refresh
	}
	takeMsg struct {
		bounty wire.Hash
		err    error
	}
	bountiesMsg struct {
		id   reqID
		list []bountyInfo
		err  error
	}
	resultMsg struct {
		bounty  wire.Hash
		res     *market.Result
		preview preview
		err     error
	}
	// marketSummaryMsg is the home screen's market box.
	marketSummaryMsg struct {
		serve    *market.ServeStatus
		requests int
		bounties []bountyInfo
		err      error
	}
)

func marketSubscribeCmd(ctx context.Context, m market.API) tea.Cmd {
	return func() tea.Msg {
		ch, err := m.Events(ctx)
		if err != nil {
			return marketEventsFailedMsg{err}
		}
		return marketEventsMsg{ch}
	}
}

// marketWaitCmd waits for one market event; the market screen issues it
// again after each.
func marketWaitCmd(ctx context.Context, ch <-chan market.Event) tea.Cmd {
	return func() tea.Msg {
		select {
		case ev, ok := <-ch:
			if !ok {
				return marketEventsClosedMsg{}
			}
			return marketEventMsg{ev: ev, ch: ch}
		case <-ctx.Done():
			return marketEventsClosedMsg{}
		}
	}
}

func marketResubscribeLater() tea.Cmd {
	return tea.Tick(3*time.Second, func(time.Time) tea.Msg { return marketResubscribeMsg{} })
}

func quoteCmd(ctx context.Context, m market.API, id reqID, expr string) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := withTimeout(ctx)
		defer cancel()
		q, err := m.Quote(ctx, expr, market.QuoteOptions{})
		return quoteMsg{id: id, expr: expr, quote: q, err: err}
	}
}

func tableCmd(ctx context.Context, m market.API, request wire.Hash) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := withTimeout(ctx)
		defer cancel()
		t, err := m.Table(ctx, request)
		return tableMsg{request: request, table: t, err: err}
	}
}

func requestsCmd(ctx context.Context, m market.API) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := withTimeout(ctx)
		defer cancel()
		l, err := m.Requests(ctx)
		return requestsMsg{list: l, err: err}
	}
}

// serveCmd reads the serve status, or with toggle sets it to on.
func serveCmd(ctx context.Context, m market.API, toggle, on bool) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := withTimeout(ctx)
		defer cancel()
		if toggle {
			st, err := m.Serve(ctx, on)
			return serveMsg{st: st, err: err, toggled: true}
		}
		st, err := m.ServeStatus(ctx)
		return serveMsg{st: st, err: err}
	}
}

func takeCmd(ctx context.Context, m market.API, bounty wire.Hash) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := withTimeout(ctx)
		defer cancel()
		return takeMsg{bounty: bounty, err: m.Take(ctx, bounty)}
	}
}

func bountiesCmd(ctx context.Context, api node.API, id reqID, f bountyFilter) tea.Cmd {
	return mineBountiesCmd(ctx, api, id, f, nil)
}

// mineBountiesCmd lists the bounties f selects, then the relayed ones
// (bounties whose lineup or jury holds this node) that are not among
// them.
func mineBountiesCmd(ctx context.Context, api node.API, id reqID, f bountyFilter, relayed []wire.Hash) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := withTimeout(ctx)
		defer cancel()
		l, err := listBounties(ctx, api, f)
		if err == nil && len(relayed) > 0 {
			l, err = withRelayed(ctx, api, l, relayed)
		}
		return bountiesMsg{id: id, list: l, err: err}
	}
}

// resultCmd fetches a bounty's result and decodes it for display.
func resultCmd(ctx context.Context, m market.API, bounty wire.Hash) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := withTimeout(ctx)
		defer cancel()
		r, err := m.Result(ctx, bounty)
		if err != nil {
			return resultMsg{bounty: bounty, err: err}
		}
		return resultMsg{bounty: bounty, res: r, preview: decodeResult(r)}
	}
}

// marketSummaryCmd gathers the home screen's market box: the serve
// status, how many live requests, and addr's bounties.
func marketSummaryCmd(ctx context.Context, m market.API, api node.API, addr string) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := withTimeout(ctx)
		defer cancel()
		var out marketSummaryMsg
		st, err := m.ServeStatus(ctx)
		if err != nil && !errors.Is(err, market.ErrNotServing) {
			return marketSummaryMsg{err: err}
		}
		out.serve = st
		reqs, err := m.Requests(ctx)
		if err != nil {
			return marketSummaryMsg{err: err}
		}
		out.requests = len(reqs)
		if addr != "" {
			out.bounties, err = listBounties(ctx, api, bountyFilter{Party: addr, Limit: marketListLimit})
			if err != nil {
				return marketSummaryMsg{err: err}
			}
		}
		return out
	}
}

// fundCmd plans, checks and signs the bounty that funds a row.
func fundCmd(ctx context.Context, api node.API, p *consensus.Params, id reqID, from wire.PubKey,
	request wire.Hash, row, hops uint8, amount, deadline uint64, worker wire.PubKey, sign signFunc) tea.Cmd {
	return func() tea.Msg {
		in, err := fundIntent(request, row, hops, amount, deadline, worker)
		if err != nil {
			return preparedMsg{id: id, err: err}
		}
		pl, err := makePlan(ctx, api, p, from, in, sign)
		return preparedMsg{id: id, plan: pl, err: err}
	}
}

// closeCmd plans, checks and signs a settle (dispute false) or a dispute
// of bounty.
func closeCmd(ctx context.Context, api node.API, p *consensus.Params, id reqID, from wire.PubKey,
	bounty wire.Hash, dispute bool, sign signFunc) tea.Cmd {
	return func() tea.Msg {
		mk := settleIntent
		if dispute {
			mk = disputeIntent
		}
		in, err := mk(bounty)
		if err != nil {
			return preparedMsg{id: id, err: err}
		}
		pl, err := makePlan(ctx, api, p, from, in, sign)
		return preparedMsg{id: id, plan: pl, err: err}
	}
}

// serveKeyMsg carries the market started with the wallet's key (or why
// it did not start).
type serveKeyMsg struct {
	m   market.API
	err error
}

// serveKeyCmd hands the key of account name to the embedded node, which
// starts its market with it.
func serveKeyCmd(w walletHandle, name string, start func(wire.PrivKey) (market.API, error)) tea.Cmd {
	return func() tea.Msg {
		k, err := w.Key(name)
		if err != nil {
			return serveKeyMsg{err: err}
		}
		m, err := start(k)
		return serveKeyMsg{m: m, err: err}
	}
}

// marketListLimit is how many bounties one list asks for.
const marketListLimit = 200
