package tui

import (
	tea "charm.land/bubbletea/v2"
	"github.com/bitverse/bitverse/node"
	"github.com/bitverse/bitverse/node/market"
	"testing"

	"github.com/bitverse/bitverse/node/wire"
)

// newRelayHarness is a ready harness whose market relays (off), on the
// Mining screen.
func newRelayHarness(t *testing.T) *harness {
	t.Helper()
	h := newHarness(t, 9_999, true)
	mining(h.api)
	h.api.market.relay = relaying()
	h.api.market.relay.On = false
	h.api.status.Mining = false
	h.send(tea.WindowSizeMsg{Width: 120, Height: 40})
	h.typeText(testPass)
	h.press("enter")
	if h.a.inSetup {
		t.Fatalf("setup did not finish:\n%s", h.screen())
	}
	h.press("3")
	return h
}

// TestMiningRTogglesRelayingAlone: R turns relaying on and off through the
// market and says so; the miner stays as it was.
func TestMiningRTogglesRelayingAlone(t *testing.T) {
	t.Parallel()
	h := newRelayHarness(t)
	h.mustSee("○ off", "press R to relay", "1 in flight · 2 done · earned 0.027 BVS", "3 drawn by your blocks", "slot 2")
	h.press("R")
	h.mustSee("● relaying", "press R to stop", "recomputes and countersigns")
	if !h.api.market.relay.On {
		t.Fatal("R did not turn the market's relaying on")
	}
	if h.api.status.Mining {
		t.Fatal("R started the miner")
	}
	h.press("R")
	h.mustSee("○ off", "Stopped relaying")
	if h.api.market.relay.On {
		t.Fatal("R did not turn relaying off")
	}
}

// TestMiningMStopsAndRestartsAllOfIt: m stops the miner and relaying at
// once, and starts both again.
func TestMiningMStopsAndRestartsAllOfIt(t *testing.T) {
	t.Parallel()
	h := newRelayHarness(t)
	h.press("R", "m")
	h.mustSee("● mining", "● relaying")
	h.press("m")
	h.mustSee("○ stopped", "○ off", "Mining stopped.")
	if h.api.status.Mining || h.api.market.relay.On {
		t.Fatalf("m left something running: mining %v, relaying %v", h.api.status.Mining, h.api.market.relay.On)
	}
	h.press("m")
	h.mustSee("● mining", "● relaying")
	if !h.api.market.relay.On {
		t.Fatal("m did not turn relaying back on")
	}
}

// TestMiningMLeavesRelayingOffWhenItWasOff: m starts the miner only when
// relaying was not on before.
func TestMiningMLeavesRelayingOffWhenItWasOff(t *testing.T) {
	t.Parallel()
	h := newRelayHarness(t)
	h.press("m")
	h.mustSee("● mining", "○ off")
	h.press("m", "m")
	h.mustSee("● mining", "○ off")
	if h.api.market.relay.On {
		t.Fatal("m turned relaying on though it was never on")
	}
}

// TestMiningWithoutRelayRole: a market without a serve identity cannot
// relay: the screen says so, and R says it in a sentence instead of
// calling anything.
func TestMiningWithoutRelayRole(t *testing.T) {
	t.Parallel()
	h := newReadyHarness(t, 20, 120, 40)
	h.press("3")
	h.mustSee("this node has no serve identity to relay with")
	h.press("R")
	h.mustSee("This node cannot relay: it has no serve identity")
	for _, c := range h.api.Calls() {
		if c == "market.Relay" {
			t.Fatal("R called Relay on a market without the relay role")
		}
	}
}

// TestMiningRelayEarningsFollowJobs: a relay event re-reads the relay
// status: a job that settles shows as done with what it paid.
func TestMiningRelayEarningsFollowJobs(t *testing.T) {
	t.Parallel()
	h := newRelayHarness(t)
	h.mustSee("1 in flight · 2 done")
	h.api.market.mu.Lock()
	r := h.api.market.relay
	r.InFlight, r.Done, r.Earned = 0, 3, r.Earned+20*wire.Unit/1000
	r.Jobs[0].State, r.Jobs[0].Earned = jobPaid, 20*wire.Unit/1000
	h.api.market.mu.Unlock()
	h.send(marketEventMsg{ev: market.Event{Kind: market.EventRelay, Bounty: bountyID(7), State: jobPaid}, ch: h.api.market.events})
	h.mustSee("0 in flight · 3 done · earned 0.047 BVS", "+0.02 BVS")
}

// TestMiningShowsRelayRegistry: the wallet's registry record is read
// again at each block: unregistered says how to register, registered
// shows fee, stake and record.
func TestMiningShowsRelayRegistry(t *testing.T) {
	t.Parallel()
	h := newRelayHarness(t)
	h.mustSee("not registered: bitverse relay register")
	h.api.mu.Lock()
	h.api.relays = map[string]*node.RelayInfo{testAddr: {Address: testAddr, Fee: wire.Unit / 1000, Stake: 10 * wire.Unit,
		Reputation: node.ReputationInfo{Relayed: 4, Missed: 1}}}
	h.api.mu.Unlock()
	h.send(eventMsg{ev: node.Event{Kind: node.EventBlockConnected, Height: 10_000}, ch: h.api.events})
	h.mustSee("fee 0.001 BVS · stake 10 BVS · 4 relayed · 0 caught · 1 missed")
}

// TestMiningRelayReadBeforeAToggleIsNotShown: a status read sent before R
// that answers after it is read again, not shown as the new state.
func TestMiningRelayReadBeforeAToggleIsNotShown(t *testing.T) {
	t.Parallel()
	h := newRelayHarness(t)
	gen := h.a.s.relayGen
	h.press("R")
	h.mustSee("● relaying")
	stale := relaying()
	stale.On = false
	h.send(relayStatusMsg{st: stale, gen: gen})
	h.mustSee("● relaying")
}
