package tumbler

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/bitverse/bitverse/node/wire"
	"github.com/libp2p/go-libp2p/core/peer"
)

// Private settlements (PROTOCOL §18 "Private settlements"): a requester
// pays a worker one denomination through a round. It registers its input
// as usual, with the worker's fresh address as the output, and hands the
// unblinded token to the worker instead of redeeming it; the worker
// redeems it from its own fresh identity after a random delay, like any
// participant. The coordinator sees a token redeemed, as always; the chain
// sees the requester's key among the inputs and a fresh key among the
// outputs.

// Handover is a token handed to the owner of its output address.
type Handover struct {
	Round       wire.Hash
	Coordinator peer.ID
	To          wire.PubKey
	Token       []byte
}

// Handed is the token of this node's newest handed registration paying
// from input, with the registration: the round changes when a blame
// round re-runs a failed one (the requester hands the new token over).
// ok is false until the input is registered.
func (s *Service) Handed(input wire.PubKey) (h Handover, r Registration, ok bool) {
	s.do(func() {
		for i := len(s.regs) - 1; i >= 0; i-- {
			g := s.regs[i]
			if !g.handed || g.info.Input != input {
				continue
			}
			r = g.info
			o, err := g.p.OutputReg()
			if err != nil {
				return
			}
			h, ok = Handover{Round: o.Round, Coordinator: g.coord, To: o.To, Token: o.Token}, true
			return
		}
	})
	return h, r, ok
}

// CheckHandover is the payee's check of a handed token, before it does
// anything for it: the coordinator's status of the round (its terms hash
// to the round ID), the token verifies under the round's announced key
// for (round, to), the round takes outputs now or soon, and its input
// registration holds at least one input. It returns the round's terms.
func (s *Service) CheckHandover(ctx context.Context, h Handover) (Terms, error) {
	if len(h.Token) != TokenSize {
		return Terms{}, fmt.Errorf("a token of %d bytes, not %d", len(h.Token), TokenSize)
	}
	b, err := s.ask(ctx, h.Coordinator, "status", h.Round[:], MaxStatusSize)
	if err != nil {
		return Terms{}, fmt.Errorf("the round's coordinator: %w", err)
	}
	st, err := DecodeStatus(b, h.Round)
	if err != nil {
		return Terms{}, fmt.Errorf("the round's coordinator: %w", err)
	}
	pk, err := st.Terms.Check()
	if err != nil {
		return Terms{}, err
	}
	if err := verifyToken(pk, h.Round, h.To, h.Token); err != nil {
		return Terms{}, err
	}
	switch {
	case st.Phase != InputRegistration && st.Phase != OutputRegistration && st.Phase != Blame:
		return Terms{}, fmt.Errorf("the round is at %s: it takes no output any more", st.Phase)
	case st.Inputs < 1:
		return Terms{}, errors.New("the round holds no input: the token pays nothing")
	}
	return st.Terms, nil
}

// Redeem registers a handed token's output when the round reaches output
// registration: after a random delay, from a fresh network identity, on
// a new connection, retried from another identity until the phase ends.
// It returns once the coordinator took it.
func (s *Service) Redeem(ctx context.Context, h Handover) error {
	o := &OutputReg{Round: h.Round, To: h.To, Token: h.Token}
	tk := time.NewTicker(s.cfg.Poll)
	defer tk.Stop()
	var last error
	for {
		b, err := s.ask(ctx, h.Coordinator, "status", h.Round[:], MaxStatusSize)
		if err == nil {
			st, derr := DecodeStatus(b, h.Round)
			switch {
			case derr != nil:
				return fmt.Errorf("the round's coordinator: %w", derr)
			case st.Phase == OutputRegistration:
				select {
				case <-ctx.Done():
					return ctx.Err()
				case <-time.After(randomDelay(s.cfg.OutputDelay)):
				}
				if last = s.sendOutput(ctx, h.Coordinator, o); last == nil {
					return nil
				}
				s.log.Debug("tumbler: handed output", "round", h.Round.Short(), "err", last)
			case st.Phase != InputRegistration && st.Phase != Blame:
				if last != nil {
					return fmt.Errorf("the round left output registration (%s) before the output was taken: %w", st.Phase, last)
				}
				return fmt.Errorf("the round is at %s: it takes no output any more", st.Phase)
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-s.ctx.Done():
			return errors.New("the node stopped")
		case <-tk.C:
		}
	}
}
