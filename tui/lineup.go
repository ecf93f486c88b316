package tui

import (
	"fmt"

	"charm.land/lipgloss/v2"
	"github.com/bitverse/bitverse/tui/internal/view"
	"github.com/bitverse/bitverse/tui/styles"
)

// Slot states of a relay lineup or jury (node.SlotInfo.State).
const (
	slotDrawn         = "drawn"
	slotCountersigned = "countersigned"
	slotMissed        = "missed"
	slotReplaced      = "replaced"
)

// slotStyle colours a slot's (or a relay job's) state: done green,
// waiting amber, failed red, gone grey.
func slotStyle(st styles.Styles, state string) lipgloss.Style {
	switch state {
	case slotCountersigned, jobPaid:
		return st.Good
	case slotDrawn, jobWaiting, jobComputing, jobDisagreed:
		return st.Warn
	case slotMissed, jobFailed:
		return st.Bad
	}
	return st.Subtle
}

// lineupView draws b's relay lineup (and its jury, when a contest drew
// one) as the envelope chain advances: one line per slot with its relay,
// its state and the root height of its last step. width bounds the
// lines; room the slots shown (the newest steps win).
func lineupView(s *common, b bountyInfo, width, room int) []string {
	st := s.st
	f := func(label, value string) string { return " " + field(st, label, value) }
	head := view.Count(int(b.Hops), "hop", "hops")
	switch {
	case b.Drawn == 0 && (b.State == bountyOpen || b.State == bountyAccepted || b.State == bountyCommitted):
		head += " · drawn by the block after the bounty's"
	case b.Drawn == 0:
		head += " · never drawn"
	default:
		by := view.ShortAddr(b.Drawer, 20)
		if s.isMine(b.Drawer) {
			by = "your block"
		}
		head += " · drawn at #" + view.Int(b.Drawn) + " by " + by
		head += fmt.Sprintf(" · %d of %d countersigned", countersigned(b), b.Hops)
	}
	out := []string{f("lineup", st.Muted.Render(view.Truncate(head, width-14)))}
	if b.Drawn != 0 && len(b.Lineup) < int(b.Hops) {
		out = append(out, f("", st.Warn.Render(view.Truncate(
			"only "+view.Count(len(b.Lineup), "relay", "relays")+" could be drawn: the lineup is shorter than the row's", width-14))))
	}
	slots := slotLines(s, b, b.Lineup, width)
	if b.Contest != "" {
		slots = append(slots, f("jury", st.Warn.Render(contestSentence(b.Contest))))
		slots = append(slots, slotLines(s, b, b.Jury, width)...)
	}
	if len(slots) > room {
		slots = slots[len(slots)-max(room, 0):]
	}
	return append(out, slots...)
}

// slotLines are the lines of one lineup's or jury's slots.
func slotLines(s *common, b bountyInfo, slots []slotInfo, width int) []string {
	st := s.st
	out := make([]string, 0, len(slots))
	for i, sl := range slots {
		who := view.ShortAddr(sl.Relay, 24)
		mine := "     "
		if s.isMine(sl.Relay) {
			mine = "(you)"
		}
		when := "–"
		switch {
		case sl.State == slotDrawn:
			since := b.Committed
			if i > 0 {
				since = slots[i-1].Height
			}
			if since == 0 {
				when = "waits for the worker's commit"
			} else {
				when = "waiting since #" + view.Int(since)
			}
		case sl.Height > 0:
			when = "#" + view.Int(sl.Height)
		}
		line := fmt.Sprintf("   %2d  %s %s  ", sl.Slot+1, view.PadRight(who, 24), mine)
		out = append(out, view.Truncate(st.Muted.Render(line)+slotStyle(st, sl.State).Render(view.PadRight(sl.State, 13))+" "+
			st.Muted.Render(when), width))
	}
	return out
}

// contestSentence says where a contest stands.
func contestSentence(c string) string {
	switch c {
	case "open":
		return "a relay computed another result: a jury recomputes"
	case "worker_wrong":
		return "the jury found the worker wrong: the requester is refunded"
	case "worker_right":
		return "the jury found the worker right: the accuser's slot is redrawn"
	}
	return c
}

// countersigned counts b's lineup slots done.
func countersigned(b bountyInfo) int {
	n := 0
	for _, sl := range b.Lineup {
		if sl.State == slotCountersigned {
			n++
		}
	}
	return n
}
