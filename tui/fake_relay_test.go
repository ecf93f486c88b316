package tui

import (
	"context"
	"slices"

	"github.com/bitverse/bitverse/node/market"
	"github.com/bitverse/bitverse/node/wire"
)

// The fake market's relay role: a test sets relay (nil: no serve
// identity, answered as the service does) and turns it as the service
// would; its jobs and draws come from it too.

func (f *fakeMarket) RelayStatus(ctx context.Context) (*market.RelayStatus, error) {
	if err := f.wait(ctx, "market.RelayStatus"); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.relay == nil {
		return &market.RelayStatus{}, nil // as the service without a key
	}
	st := f.relay.RelayStatus
	return &st, nil
}

func (f *fakeMarket) Relay(ctx context.Context, on bool) (*market.RelayStatus, error) {
	if err := f.wait(ctx, "market.Relay"); err != nil {
		return nil, err
	}
	f.mu.Lock()
	if f.relay == nil {
		f.mu.Unlock()
		return nil, market.ErrNoIdentity
	}
	f.relay.On = on
	f.mu.Unlock()
	return f.RelayStatus(ctx)
}

func (f *fakeMarket) RelayJobs(ctx context.Context) ([]market.RelayJob, error) {
	if err := f.wait(ctx, "market.RelayJobs"); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.relay == nil {
		return nil, nil
	}
	return slices.Clone(f.relay.Jobs), nil
}

// Draws answers relay.Drawn draws, each paying a share of DrawEarned.
func (f *fakeMarket) Draws(ctx context.Context) ([]market.Draw, error) {
	if err := f.wait(ctx, "market.Draws"); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.relay == nil || f.relay.Drawn == 0 {
		return nil, nil
	}
	out := make([]market.Draw, f.relay.Drawn)
	for i := range out {
		out[i] = market.Draw{Bounty: bountyID(20 + i), Hops: 1, Height: 9_990 - uint64(i), Paid: true}
	}
	out[0].Share = f.relay.DrawEarned
	return out, nil
}

// relaying is the relay role of the goldens: on, registered, one job in
// flight (slot 2, waiting) and two paid, and three lineups drawn by this
// node's blocks.
func relaying() *relayStatus {
	return &relayStatus{RelayStatus: market.RelayStatus{On: true, Identity: testPub, Registered: true, Fee: wire.Unit / 1000,
		Stake: 10 * wire.Unit, InFlight: 1, Done: 2, Earned: 27 * wire.Unit / 1000},
		Drawn: 3, DrawEarned: 45 * wire.Unit / 10000,
		Jobs: []relayJob{
			{Bounty: bountyID(7), Slot: 1, State: jobWaiting},
			{Bounty: bountyID(8), Slot: 0, State: jobPaid, Earned: 15 * wire.Unit / 1000},
			{Bounty: bountyID(9), Slot: 0, State: jobPaid, Earned: 12 * wire.Unit / 1000},
		}}
}

// Relays of the lineup goldens.
var (
	relayAKey, _ = wire.PrivKeyFromBytes(slices.Repeat([]byte{11}, 32))
	relayAAddr   = wire.EncodeAddress(wire.Devnet, relayAKey.PubKey())
	relayBKey, _ = wire.PrivKeyFromBytes(slices.Repeat([]byte{12}, 32))
	relayBAddr   = wire.EncodeAddress(wire.Devnet, relayBKey.PubKey())
)

// slot is a lineup slot held by addr.
func slot(i int, addr, state string, height uint64) slotInfo {
	return slotInfo{Slot: i, Relay: addr, State: state, Height: height}
}

// lineupChain is marketChain with relay lineups: bounty 10 is mine at 2
// hops, its worker committed, drawn by my block, the first relay
// countersigned and the second drawn; bounty 7 is a job this node relays
// (slot 2 of 2, drawn), which the market's relay role lists.
func lineupChain(api *fakeAPI) {
	marketChain(api)
	api.market.relay = relaying()
	h := api.status.Height
	mine := bountyInfo{ID: bountyID(10), Requester: testAddr, Request: requestID(bwExpr), Row: 2, Hops: 2, Amount: 15 * wire.Unit / 100,
		Deadline: h + 110, Worker: otherAddr, Stake: wire.Unit / 100, State: bountyCommitted, Created: h - 8, Accepted: h - 6,
		Committed: h - 4, SettleAfter: h + 16, Envelope: wire.Sum([]byte("env10")), Result: wire.Sum([]byte("result10")),
		Drawer: testAddr, Drawn: h - 7,
		Lineup: []slotInfo{slot(0, relayAAddr, slotCountersigned, h-2), slot(1, relayBAddr, slotDrawn, 0)}}
	relayed := bountyInfo{ID: bountyID(7), Requester: otherAddr, Request: requestID(thumbExpr), Row: 1, Hops: 2, Amount: 2 * wire.Unit / 10,
		Deadline: h + 90, Worker: relayBAddr, Stake: wire.Unit / 100, State: bountyCommitted, Created: h - 30, Accepted: h - 28,
		Committed: h - 12, SettleAfter: h + 8, Drawer: otherAddr, Drawn: h - 29,
		Lineup: []slotInfo{slot(0, relayAAddr, slotCountersigned, h-10), slot(1, testAddr, slotDrawn, 0)}}
	api.bounties = append([]bountyInfo{mine}, api.bounties...)
	api.bounties = append(api.bounties, relayed)
	// the relayed job is not the wallet's as requester or worker: only
	// the relay role's jobs name it
}
