package tui

import (
	"context"
	"fmt"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/bitverse/bitverse/node"
	"github.com/bitverse/bitverse/node/consensus"
	"github.com/bitverse/bitverse/node/pool"
	"github.com/bitverse/bitverse/node/wire"
	"github.com/bitverse/bitverse/tui/internal/view"
	"github.com/bitverse/bitverse/wallet/plan"
)

// Joining the pool of the value viewed: J on the data screen. The
// prepare command has the node fetch the pool's data (a blob through the
// node's blob API when the face has one), checks it against the pool's
// size and segment root, and only then signs a pool-join with the stake;
// the review shows the pool, the stake and the fee before anything is
// sent.

// joinStake is the stake a join from the TUI escrows: ten times the
// network's least, enough to outlast a few missed challenges.
func joinStake(p *consensus.Params) uint64 { return 10 * p.PoolMinStake }

// joinTarget is the first pool of the value viewed that the wallet's
// account is not a member of.
func (d *dataScreen) joinTarget() (node.PoolInfo, bool) {
	if len(d.s.accounts) == 0 {
		return node.PoolInfo{}, false
	}
	for _, p := range d.pools {
		if _, member := memberOf(p, d.s.accounts[0].Address); !member && !p.Closed {
			return p, true
		}
	}
	return node.PoolInfo{}, false
}

// startJoin begins the join flow for the value viewed.
func (d *dataScreen) startJoin() tea.Cmd {
	if d.s.wallet == nil || len(d.s.accounts) == 0 {
		d.s.fail("Open a wallet first: a pool member stakes from your account.")
		return nil
	}
	p, ok := d.joinTarget()
	if !ok {
		if len(d.pools) == 0 {
			d.s.fail("No availability pool keeps this value.")
		} else {
			d.s.fail("Your account is already a member of this value's pools.")
		}
		return nil
	}
	acct := d.s.accounts[0]
	hw, name := d.s.wallet, acct.Name
	ctx, api, params := d.s.ctx, d.s.api, d.s.params
	stake := joinStake(params)
	d.mode = dmJoin
	return d.join.start(func(id reqID) tea.Cmd {
		return prepareJoinCmd(ctx, api, params, id, acct.PubKey, p, stake, func(tx *wire.Tx) error { return hw.Sign(name, tx) })
	})
}

// prepareJoinCmd fetches and checks the pool's data, then signs the join.
func prepareJoinCmd(ctx context.Context, api node.API, p *consensus.Params, id reqID, from wire.PubKey, pl node.PoolInfo,
	stake uint64, sign signFunc) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(ctx, blobJoinTimeout)
		defer cancel()
		blobs, _ := api.(node.BlobAPI)
		if _, _, err := pool.Data(ctx, pool.NodeChain(api, p), blobs, &pl, pool.DefaultMaxData, true); err != nil {
			return preparedMsg{id: id, err: fmt.Errorf("the pool's data: %w; nothing was sent", err)}
		}
		out, err := makePlan(ctx, api, p, from, plan.PoolJoin{Pool: pl.ID, Stake: stake}, sign)
		return preparedMsg{id: id, plan: out, err: err}
	}
}

// blobJoinTimeout bounds fetching a pool's blob before a join.
const blobJoinTimeout = 30 * time.Minute

// joinDone ends the join flow.
func (d *dataScreen) joinDone(cmd tea.Cmd, r flowResult) tea.Cmd {
	switch r.outcome {
	case outcomeFailed:
		d.mode = d.previewMode()
		d.s.fail(sentence(r.err))
	case outcomeBack, outcomeStopped, outcomeLost:
		d.mode = d.previewMode()
	case outcomeRefused:
		d.mode = d.previewMode()
		d.s.fail("The node refused the join: " + sentence(r.err))
	case outcomeDone:
		d.mode = d.previewMode()
		j := r.plan.main().Body.(wire.PoolJoin)
		d.s.info(fmt.Sprintf("Joining pool %s with a stake of %s (tx %s): run the node with --pools so that it answers the challenges.",
			j.Pool.Short(), view.Amount(j.Stake), view.Short(r.ids[len(r.ids)-1].String(), 12)))
		return d.get(d.getKey)
	}
	return cmd
}

// joinReview is the join's review.
func (d *dataScreen) joinReview() review {
	st := d.s.st
	tx := d.join.plan.main()
	j := tx.Body.(wire.PoolJoin)
	f := func(label, value string) string { return field(st, label, value) }
	rows := []string{f("pool", st.Value.Render(j.Pool.String()[:16]+"…"))}
	for _, p := range d.pools {
		if p.ID == j.Pool {
			rows = append(rows, f("keeps", st.Value.Render(fmt.Sprintf("%s %s · %s · segment root checked", p.Target.Kind, view.Truncate(p.Target.Key, 40), view.Bytes(int(p.Target.Size))))),
				f("pays", st.Value.Render(fmt.Sprintf("%s left · ~%s epochs", view.Amount(p.Endowment), view.Int(p.ExpectedLifetime)))))
		}
	}
	rows = append(rows, f("stake", st.Strong.Render(view.Amount(j.Stake))+st.Muted.Render(" escrowed; a missed challenge costs part of it")),
		f("fee", st.Strong.Render(view.Amount(tx.Fee))))
	return review{title: "Join this pool?", rows: rows, yes: "join", no: "back"}
}
