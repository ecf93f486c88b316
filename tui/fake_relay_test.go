package tui

import (
	"context"
	"slices"

	"github.com/bitverse/bitverse/node/wire"
)

// The fake market's relay role: a test sets relay (nil: the market runs
// none) and turns it as the service would.

func (f *fakeMarket) RelayStatus(ctx context.Context) (*relayStatus, error) {
	if err := f.wait(ctx, "market.RelayStatus"); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.relay == nil {
		return nil, errNoRelaying
	}
	st := *f.relay
	st.Jobs = slices.Clone(f.relay.Jobs)
	return &st, nil
}

func (f *fakeMarket) Relay(ctx context.Context, on bool) (*relayStatus, error) {
	if err := f.wait(ctx, "market.Relay"); err != nil {
		return nil, err
	}
	f.mu.Lock()
	if f.relay == nil {
		f.mu.Unlock()
		return nil, errNoRelaying
	}
	f.relay.On = on
	f.mu.Unlock()
	return f.RelayStatus(ctx)
}

// relaying is the relay role of the goldens: on, one job in flight (slot
// 2 of 2, drawn) and two done, and three lineups drawn by this node's
// blocks.
func relaying() *relayStatus {
	return &relayStatus{On: true, Identity: testPub, InFlight: 1, Done: 2, Earned: 27 * wire.Unit / 1000,
		Drawn: 3, DrawEarned: 45 * wire.Unit / 10000,
		Jobs: []relayJob{
			{Bounty: bountyID(7), Slot: 1, Hops: 2, State: slotDrawn},
			{Bounty: bountyID(8), Slot: 0, Hops: 1, State: slotCountersigned, Earned: 15 * wire.Unit / 1000},
			{Bounty: bountyID(9), Slot: 0, Hops: 2, State: slotCountersigned, Earned: 12 * wire.Unit / 1000},
		}}
}
