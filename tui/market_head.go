package tui

import (
	"errors"
	"fmt"
	"strings"

	"github.com/bitverse/bitverse/node/market"
	"github.com/bitverse/bitverse/node/wire"
	"github.com/bitverse/bitverse/tui/internal/view"
)

// The market screen's head: the serve line, the section switcher, and the
// request section's line about the last bounty funded from the table.

// progress says where the last bounty funded from the table stands.
func (ms *marketScreen) progress() string {
	id := ms.req.last
	if id.IsZero() {
		return ""
	}
	st := ms.s.st
	head := st.Label.Render("bounty ") + st.Value.Render(view.Short(id.String(), 12)) + st.Muted.Render(" · ")
	b, ok := ms.mine.find(id)
	if !ok {
		return head + st.Muted.Render("funded: waiting for a block to hold it")
	}
	height, _ := ms.s.tipHeight()
	what := map[string]string{
		bountyOpen:      "waiting for the worker to accept",
		bountyAccepted:  "accepted: the worker computes",
		bountyCommitted: "result committed",
	}[b.State]
	if what == "" {
		what = b.State
	}
	if b.Hops > 0 && b.State == bountyCommitted {
		what += fmt.Sprintf(" · lineup %d of %d countersigned", countersigned(b), b.Hops)
	}
	return head + st.Strong.Render(what) + st.Muted.Render(" · "+countdown(ms.s, b, height))
}

// switcher names the sections, the shown one bright, with their keys.
func (ms *marketScreen) switcher() string {
	st := ms.s.st
	names := []struct {
		sec  marketSection
		name string
		key  string
	}{{mkRequest, "Request", "r"}, {mkMine, "My bounties & jobs", "b"}, {mkOpen, "Open bounties", "o"}}
	var parts []string
	for _, n := range names {
		label := n.name
		if n.sec == ms.section && !ms.showResult {
			parts = append(parts, st.Title.Render(label)+st.Subtle.Render(" "+n.key))
		} else {
			parts = append(parts, st.Subtle.Render(label+" "+n.key))
		}
	}
	if ms.showResult {
		parts = append(parts, st.Title.Render("Result"))
	}
	return " " + view.Truncate(strings.Join(parts, st.Subtle.Render("  ·  ")), ms.width-2)
}

// serveLine says whether this node serves compute, as whom, and what it
// earned.
func (ms *marketScreen) serveLine() string {
	st := ms.s.st
	var b strings.Builder
	b.WriteString(" " + st.Label.Render("serve "))
	switch {
	case ms.serve == nil && ms.serveErr != nil:
		if errors.Is(ms.serveErr, market.ErrNotServing) {
			b.WriteString(st.Subtle.Render("○ off") + st.Muted.Render(" · no serve identity"))
		} else {
			b.WriteString(st.Bad.Render(sentence(ms.serveErr)))
		}
	case ms.serve == nil:
		b.WriteString(st.Muted.Render("…"))
	default:
		sv := ms.serve
		if sv.On {
			b.WriteString(st.Good.Render("● on"))
		} else {
			b.WriteString(st.Subtle.Render("○ off"))
		}
		if !sv.Identity.IsZero() {
			who := view.ShortAddr(wire.EncodeAddress(ms.s.net, sv.Identity), 20)
			if ms.s.isMine(wire.EncodeAddress(ms.s.net, sv.Identity)) {
				who = "you"
			}
			b.WriteString(st.Muted.Render(" as ") + st.Value.Render(who))
		}
		b.WriteString(st.Muted.Render(" · ") + st.Value.Render(view.Count(sv.Jobs, "job", "jobs")))
		b.WriteString(st.Muted.Render(" · earned ") + st.Strong.Render(view.Amount(sv.Earned)))
		if ms.width >= 100 {
			b.WriteString(st.Muted.Render(" · min " + view.Amount(sv.Prices.Min)))
		}
	}
	return view.Truncate(b.String(), ms.width)
}
