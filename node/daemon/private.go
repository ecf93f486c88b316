package daemon

import (
	"context"
	"errors"

	"github.com/bitverse/bitverse/node/market"
	"github.com/bitverse/bitverse/node/wire"
	"github.com/bitverse/bitverse/tumbler"
	"github.com/libp2p/go-libp2p/core/peer"
)

// marketTumbler is the tumbler as the market's private settlements see
// it (nil while the tumbler does not run).
func (d *Daemon) marketTumbler() market.Tumbler {
	t := d.Tumbler()
	if t == nil {
		return nil
	}
	return privateTumbler{t: t, d: d}
}

type privateTumbler struct {
	t *tumbler.Service
	d *Daemon
}

func (p privateTumbler) OpenRound(ctx context.Context, price uint64) (market.PrivateRound, error) {
	rs, err := p.t.Rounds(ctx)
	if err != nil {
		return market.PrivateRound{}, err
	}
	var best *tumbler.RoundInfo
	for i := range rs {
		r := &rs[i]
		if !r.Joinable() || r.Denomination < price || r.Inputs >= r.Max {
			continue
		}
		if best == nil || r.Denomination < best.Denomination {
			best = r // Rounds lists the newest first
		}
	}
	if best == nil {
		return market.PrivateRound{}, tumbler.ErrNoOpenRound
	}
	return market.PrivateRound{ID: best.ID, Denomination: best.Denomination, Cost: best.CoordinatorFee + best.TxFee}, nil
}

func (p privateTumbler) JoinHanded(ctx context.Context, secret []byte, amount uint64, round wire.Hash, to wire.PubKey, blameTo []wire.PubKey) error {
	_, err := p.t.Join(ctx, tumbler.JoinRequest{Secret: secret, Amount: amount, To: to, Round: round, Handed: true, BlameTo: blameTo})
	return err
}

func (p privateTumbler) Handed(input wire.PubKey) (market.Handover, market.TumbleState, bool) {
	h, r, ok := p.t.Handed(input)
	// Ended by the registration's state, not the round's phase: a round
	// that failed in signing shows Failed until its blame round re-runs it.
	ts := market.TumbleState{Round: r.Round, Phase: r.Phase.String(), State: r.State, TxID: r.TxID, Error: r.Error,
		Ended: r.State == "done" || r.State == "failed", Done: r.State == "done"}
	if !ok {
		return market.Handover{}, ts, false
	}
	return market.Handover{Round: h.Round, Coordinator: []byte(h.Coordinator), To: h.To, Token: h.Token}, ts, true
}

// CoSign is done when it was signed already (a blame round re-signs by
// itself what its participant signed in the failed round).
func (p privateTumbler) CoSign(ctx context.Context, round wire.Hash) error {
	if err := p.t.CoSign(ctx, round); err != nil && !errors.Is(err, tumbler.ErrAlreadySigned) {
		return err
	}
	return nil
}

func (p privateTumbler) handover(h market.Handover) (tumbler.Handover, error) {
	id, err := peer.IDFromBytes(h.Coordinator)
	if err != nil {
		return tumbler.Handover{}, errors.New("the handed token names no valid coordinator")
	}
	return tumbler.Handover{Round: h.Round, Coordinator: id, To: h.To, Token: h.Token}, nil
}

func (p privateTumbler) CheckHandover(ctx context.Context, h market.Handover) (uint64, error) {
	th, err := p.handover(h)
	if err != nil {
		return 0, err
	}
	t, err := p.t.CheckHandover(ctx, th)
	return t.Denomination, err
}

func (p privateTumbler) Redeem(ctx context.Context, h market.Handover) error {
	th, err := p.handover(h)
	if err != nil {
		return err
	}
	return p.t.Redeem(ctx, th)
}

func (p privateTumbler) Balance(ctx context.Context, key wire.PubKey) (uint64, error) {
	a, err := p.d.node.Account(ctx, wire.EncodeAddress(p.d.cfg.Params.Net, key))
	if err != nil {
		return 0, err
	}
	return a.Balance, nil
}
