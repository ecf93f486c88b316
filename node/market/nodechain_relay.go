package market

import (
	"context"
	"errors"
	"slices"

	"github.com/bitverse/bitverse/node"
	"github.com/bitverse/bitverse/node/wire"
	"github.com/bitverse/bitverse/wallet/plan"
)

func (c *nodeChain) Countersign(ctx context.Context, k wire.PrivKey, bounty wire.Hash, slot uint8, result, envelope wire.Hash) error {
	return c.submit(ctx, k, plan.Countersign{Bounty: bounty, Slot: slot, Result: result, Envelope: envelope})
}

func (c *nodeChain) RelayMiss(ctx context.Context, k wire.PrivKey, bounty wire.Hash, slot uint8) error {
	return c.submit(ctx, k, plan.RelayMiss{Bounty: bounty, Slot: slot})
}

func (c *nodeChain) Dispute(ctx context.Context, k wire.PrivKey, bounty wire.Hash) error {
	return c.submit(ctx, k, plan.Dispute{Bounty: bounty})
}

// all lists every bounty the node reads (newest first) and keeps those
// keep selects. The chain has no index by relay or drawer: this is a scan
// of at most node.MaxBountyList bounties.
func (c *nodeChain) all(ctx context.Context, keep func(*Bounty) bool) ([]Bounty, error) {
	bis, err := c.n.Bounties(ctx, node.BountyFilter{Limit: node.MaxBountyList})
	if err != nil {
		return nil, err
	}
	var out []Bounty
	for i := range bis {
		if bis[i].Hops == 0 {
			continue
		}
		b, err := c.bounty(&bis[i])
		if err != nil {
			return nil, err
		}
		if keep(&b) {
			out = append(out, b)
		}
	}
	return out, nil
}

func (c *nodeChain) Relayed(ctx context.Context, relay wire.PubKey) ([]Bounty, error) {
	return c.all(ctx, func(b *Bounty) bool {
		for _, sl := range append(slices.Clone(b.Lineup), b.Jury...) {
			if sl.Relay == relay {
				return true
			}
		}
		return false
	})
}

func (c *nodeChain) Drawn(ctx context.Context) ([]Bounty, error) {
	st, err := c.n.Status(ctx)
	if err != nil || st.MineTo == "" {
		return nil, err
	}
	to, err := wire.ParseAddress(c.p.Net, st.MineTo)
	if err != nil {
		return nil, err
	}
	return c.all(ctx, func(b *Bounty) bool { return b.Drawer == to })
}

func (c *nodeChain) relayRecord(ri *node.RelayInfo) (RelayRecord, error) {
	k, err := wire.ParseAddress(c.p.Net, ri.Address)
	if err != nil {
		return RelayRecord{}, err
	}
	return RelayRecord{PubKey: k, Fee: ri.Fee, Stake: ri.Stake, Caps: ri.Caps, Record: record(&ri.Reputation)}, nil
}

func (c *nodeChain) Relay(ctx context.Context, relay wire.PubKey) (*RelayRecord, error) {
	ri, err := c.n.Relay(ctx, wire.EncodeAddress(c.p.Net, relay))
	if errors.Is(err, node.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	r, err := c.relayRecord(ri)
	return &r, err
}

func (c *nodeChain) Relays(ctx context.Context) ([]RelayRecord, error) {
	ris, err := c.n.Relays(ctx, node.MaxRelayList)
	if err != nil {
		return nil, err
	}
	out := make([]RelayRecord, 0, len(ris))
	for i := range ris {
		r, err := c.relayRecord(&ris[i])
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

func (c *nodeChain) Terms() RelayTerms {
	return RelayTerms{Window: c.p.RelayWindow, DrawShareBps: c.p.DrawShareBps, RelayHopBps: c.p.RelayHopBps,
		MinStake: c.p.RelayMinStake, MaxHops: int(c.p.MaxHops)}
}
