package tui

import (
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/bitverse/bitverse/node"
)

// newLineupHarness is a ready harness over lineupChain on "my bounties",
// its first bounty (mine, 2 hops) selected.
func newLineupHarness(t *testing.T) *harness {
	t.Helper()
	h := newHarness(t, 9_999, true)
	lineupChain(h.api)
	h.send(tea.WindowSizeMsg{Width: 120, Height: 40})
	h.typeText(testPass)
	h.press("enter")
	if h.a.inSetup {
		t.Fatalf("setup did not finish:\n%s", h.screen())
	}
	h.send(statusMsg{st: h.api.status})
	h.press("6", "b")
	return h
}

// setLineup changes bounty 10 on the fake chain, then connects a block.
func (h *harness) setLineup(change func(b *bountyInfo)) {
	h.t.Helper()
	h.api.mu.Lock()
	for i := range h.api.bounties {
		if h.api.bounties[i].ID == bountyID(10) {
			change(&h.api.bounties[i])
		}
	}
	h.api.mu.Unlock()
	h.send(eventMsg{ev: node.Event{Kind: node.EventBlockConnected, Height: 10_000}, ch: h.api.events})
}

// TestMarketLineupAdvancesWithTheEnvelopeChain: my bounty's lineup is read
// again at each block: a slot countersigns, a silent one is missed and
// redrawn, and a contest shows its jury.
func TestMarketLineupAdvancesWithTheEnvelopeChain(t *testing.T) {
	t.Parallel()
	h := newLineupHarness(t)
	h.mustSee("row 2 (2 hops)", "drawn at #9,992 by your block", "1 of 2 countersigned", "waiting since #9,997")

	// The second relay stays silent: missed, and another is drawn.
	h.setLineup(func(b *bountyInfo) {
		b.Lineup[1].State, b.Lineup[1].Height = slotMissed, 10_000
		b.Lineup = append(b.Lineup, slot(1, otherAddr, slotDrawn, 0))
	})
	h.mustSee("missed", "#10,000", otherAddr[:16])

	// It countersigns: the lineup is complete.
	h.setLineup(func(b *bountyInfo) { b.Lineup[2].State, b.Lineup[2].Height = slotCountersigned, 10_001 })
	h.mustSee("2 of 2 countersigned", "#10,001")

	// Another result: a contest, and its jury drawn.
	h.setLineup(func(b *bountyInfo) {
		b.Contest = "open"
		b.Jury = []slotInfo{slot(2, relayAAddr, slotDrawn, 0), slot(3, testAddr, slotCountersigned, 10_002), slot(4, relayBAddr, slotDrawn, 0)}
	})
	h.mustSee("jury", "a jury recomputes", "(you)")
	h.setLineup(func(b *bountyInfo) { b.Contest = "worker_wrong" })
	h.mustSee("the requester is refunded")
}

// TestMarketLineupBeforeTheDraw: a bounty with hops whose lineup is not
// drawn yet says when it will be; a lineup shorter than its hops says
// too few relays could be drawn.
func TestMarketLineupBeforeTheDraw(t *testing.T) {
	t.Parallel()
	h := newLineupHarness(t)
	h.setLineup(func(b *bountyInfo) { b.Drawn, b.Drawer, b.Lineup = 0, "", nil })
	h.mustSee("drawn by the block after the bounty's")
	h.setLineup(func(b *bountyInfo) {
		b.Drawn, b.Drawer, b.Lineup = 9_999, otherAddr, []slotInfo{slot(0, relayAAddr, slotDrawn, 0)}
	})
	h.mustSee("only 1 relay could be drawn", "waiting since #9,995")
}

// TestMarketListsJobsIRelay: a bounty whose lineup holds this node is in
// "my bounties & jobs" (from the relay role's jobs) with the slot's
// state as its countdown.
func TestMarketListsJobsIRelay(t *testing.T) {
	t.Parallel()
	h := newLineupHarness(t)
	h.mustSee("relay    committed       0.2 BVS  your slot 2 of 2: drawn")
}
