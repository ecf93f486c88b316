package market

import (
	"context"
	"encoding/base64"
	"fmt"

	"github.com/bitverse/bitverse/node"
	"github.com/bitverse/bitverse/node/consensus"
	"github.com/bitverse/bitverse/node/wire"
	"github.com/bitverse/bitverse/wallet/plan"
)

// NodeAPI is what NodeChain needs of a node: the face API with its
// bounty reads, and what the planner asks. *node.Node and rpc.Client
// implement it.
type NodeAPI interface {
	node.API
	plan.Node
}

// NodeChain implements Chain over a node; the worker's transactions are
// planned with wallet/plan (which checks what it can and says what is
// wrong) and signed with the serve identity.
func NodeChain(n NodeAPI, p *consensus.Params) Chain {
	return &nodeChain{n: n, p: p, planner: plan.New(p, n)}
}

type nodeChain struct {
	n       NodeAPI
	p       *consensus.Params
	planner *plan.Planner
}

func (c *nodeChain) Height(ctx context.Context) (uint64, error) {
	st, err := c.n.Status(ctx)
	return st.Height, err
}

func (c *nodeChain) bounty(bi *node.BountyInfo) (Bounty, error) {
	b := Bounty{ID: bi.ID, Request: bi.Request, Amount: bi.Amount, Deadline: bi.Deadline, State: bi.State,
		Committed: bi.Committed, SettleAfter: bi.SettleAfter, Envelope: bi.Envelope}
	var err error
	if b.Requester, err = wire.ParseAddress(c.p.Net, bi.Requester); err != nil {
		return b, fmt.Errorf("bounty %s: requester: %w", bi.ID.Short(), err)
	}
	if bi.Worker != "" {
		if b.Worker, err = wire.ParseAddress(c.p.Net, bi.Worker); err != nil {
			return b, fmt.Errorf("bounty %s: worker: %w", bi.ID.Short(), err)
		}
	}
	b.Hops, b.Result, b.Drawn, b.Contest = int(bi.Hops), bi.Result, bi.Drawn, bi.Contest
	if bi.Drawer != "" {
		if b.Drawer, err = wire.ParseAddress(c.p.Net, bi.Drawer); err != nil {
			return b, fmt.Errorf("bounty %s: drawer: %w", bi.ID.Short(), err)
		}
	}
	if b.Lineup, err = c.slots(bi.Lineup); err != nil {
		return b, fmt.Errorf("bounty %s: lineup: %w", bi.ID.Short(), err)
	}
	if b.Jury, err = c.slots(bi.Jury); err != nil {
		return b, fmt.Errorf("bounty %s: jury: %w", bi.ID.Short(), err)
	}
	return b, nil
}

func (c *nodeChain) slots(in []node.SlotInfo) ([]Slot, error) {
	var out []Slot
	for _, si := range in {
		var k wire.PubKey // zero while pending
		if si.Relay != "" {
			var err error
			if k, err = wire.ParseAddress(c.p.Net, si.Relay); err != nil {
				return nil, err
			}
		}
		out = append(out, Slot{Slot: si.Slot, Relay: k, State: si.State, Result: si.Result, Envelope: si.Envelope, Height: si.Height})
	}
	return out, nil
}

func (c *nodeChain) Bounty(ctx context.Context, id wire.Hash) (*Bounty, error) {
	bi, err := c.n.Bounty(ctx, id)
	if err != nil {
		return nil, err
	}
	b, err := c.bounty(bi)
	return &b, err
}

func (c *nodeChain) Bounties(ctx context.Context, party wire.PubKey) ([]Bounty, error) {
	bis, err := c.n.Bounties(ctx, node.BountyFilter{Party: wire.EncodeAddress(c.p.Net, party), Limit: 1000})
	if err != nil {
		return nil, err
	}
	out := make([]Bounty, 0, len(bis))
	for i := range bis {
		b, err := c.bounty(&bis[i])
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, nil
}

func (c *nodeChain) Record(ctx context.Context, who wire.PubKey) (Record, error) {
	r, err := c.n.Reputation(ctx, wire.EncodeAddress(c.p.Net, who))
	if err != nil {
		return Record{}, err
	}
	return record(r), nil
}

func record(r *node.ReputationInfo) Record {
	return Record{Done: r.Done, Failed: r.Failed, Disputed: r.Disputed, Lost: r.Lost,
		Relayed: r.Relayed, Caught: r.Caught, Missed: r.Missed}
}

func (c *nodeChain) Value(ctx context.Context, key string) ([]byte, error) {
	res, err := c.n.Get(ctx, key, false, false)
	if err != nil {
		return nil, fmt.Errorf("read %q: %w", key, err)
	}
	if res.Encoding == "base64" {
		return base64.StdEncoding.DecodeString(res.Value)
	}
	return []byte(res.Value), nil
}

func (c *nodeChain) submit(ctx context.Context, k wire.PrivKey, in plan.Intent) error {
	pl, err := c.planner.Plan(ctx, k.PubKey(), in, plan.Options{})
	if err != nil {
		return err
	}
	if err := pl.Refused(); err != nil {
		return err
	}
	if err := pl.Sign(func(tx *wire.Tx) error { tx.Sign(c.p.Net, k); return nil }); err != nil {
		return err
	}
	_, err = pl.Submit(ctx, c.n)
	return err
}

func (c *nodeChain) Accept(ctx context.Context, k wire.PrivKey, bounty wire.Hash, promised uint32) error {
	return c.submit(ctx, k, plan.Accept{Bounty: bounty, Promised: promised})
}

func (c *nodeChain) Commit(ctx context.Context, k wire.PrivKey, bounty, envelope, result wire.Hash) error {
	return c.submit(ctx, k, plan.Commit{Bounty: bounty, Envelope: envelope, Result: result})
}

func (c *nodeChain) Settle(ctx context.Context, k wire.PrivKey, bounty wire.Hash) error {
	return c.submit(ctx, k, plan.Settle{Bounty: bounty})
}

func (c *nodeChain) Blocks(ctx context.Context) (<-chan uint64, error) {
	ev, err := c.n.Events(ctx)
	if err != nil {
		return nil, err
	}
	out := make(chan uint64, 16)
	go func() {
		defer close(out)
		for e := range ev {
			if e.Kind != node.EventBlockConnected && e.Kind != node.EventBlockDisconnected {
				continue
			}
			select {
			case out <- e.Height:
			default: // the scan reads the height again anyway
			}
		}
	}()
	return out, nil
}
