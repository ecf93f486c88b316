package tui

import (
	"charm.land/lipgloss/v2"
	"github.com/bitverse/bitverse/tui/styles"
)

// Slot states of a relay lineup or jury (node.SlotInfo.State).
const (
	slotDrawn         = "drawn"
	slotCountersigned = "countersigned"
	slotMissed        = "missed"
	slotReplaced      = "replaced"
)

// slotStyle colours a slot's state: done green, waiting amber, failed
// red, gone grey.
func slotStyle(st styles.Styles, state string) lipgloss.Style {
	switch state {
	case slotCountersigned:
		return st.Good
	case slotDrawn:
		return st.Warn
	case slotMissed:
		return st.Bad
	}
	return st.Subtle
}
