package tui

import (
	"errors"
	"fmt"

	tea "charm.land/bubbletea/v2"
	"github.com/bitverse/bitverse/tui/internal/view"
)

// Relaying beside proof of work: the root reads and turns this node's
// relaying (one read out at a time, as for the status), m starts and
// stops it with the miner, R on the Mining screen turns it alone, and the
// Mining screen draws it (relaySection).

// wantRelayMsg asks the root to read this node's relaying (a screen
// opened that shows it).
type wantRelayMsg struct{}

func wantRelay() tea.Msg { return wantRelayMsg{} }

// requestRelay reads this node's relaying, once the market runs.
func (a *app) requestRelay() tea.Cmd {
	if a.s.market == nil {
		return nil
	}
	if a.relayBusy {
		a.relayStale = true
		return nil
	}
	a.relayBusy = true
	return relayCmd(a.s.ctx, a.s.market, false, false, a.s.relayGen)
}

// gotRelay keeps a relay status read (or a toggle's answer).
func (a *app) gotRelay(msg relayStatusMsg) tea.Cmd {
	if !msg.toggled {
		a.relayBusy = false
		if msg.gen != a.s.relayGen {
			// sent before a toggle: its state may be the old one
			return a.requestRelay()
		}
	}
	switch {
	case msg.err != nil && msg.toggled:
		a.s.log.Warn("relay", "on", msg.on, "err", msg.err)
		a.s.fail(relaySentence(msg.err))
	case msg.err != nil:
		if a.s.relayErr == nil {
			a.s.log.Info("relay status", "err", msg.err)
		}
		a.s.relayErr = msg.err
	default:
		a.s.relay, a.s.relayErr = msg.st, nil
		if msg.toggled && msg.st != nil && !a.togglingBoth {
			if msg.st.On {
				a.s.info("Relaying: this node recomputes and countersigns the jobs whose lineups draw it.")
			} else {
				a.s.info("Stopped relaying: slots already drawn are still done.")
			}
		}
	}
	if msg.toggled {
		a.togglingBoth = false
	}
	if a.relayStale && !a.relayBusy {
		a.relayStale = false
		return a.requestRelay()
	}
	return nil
}

// relayWithMining is the relay half of m: stopping the miner stops
// relaying too (and remembers it was on); starting it turns relaying
// back on if m stopped it.
func (a *app) relayWithMining(on bool) tea.Cmd {
	if a.s.market == nil || a.s.relay == nil {
		return nil
	}
	switch {
	case !on && a.s.relay.On:
		a.relayResume, a.togglingBoth = true, true
		a.s.relayGen++
		return relayCmd(a.s.ctx, a.s.market, true, false, a.s.relayGen)
	case on && a.relayResume && !a.s.relay.On:
		a.relayResume, a.togglingBoth = false, true
		a.s.relayGen++
		return relayCmd(a.s.ctx, a.s.market, true, true, a.s.relayGen)
	}
	return nil
}

// fetchReg reads the wallet's relay registry record; a read already out
// is asked again when it answers.
func (m *miningScreen) fetchReg() tea.Cmd {
	to := m.s.mineTo()
	if to == "" {
		return nil
	}
	if m.regReq != 0 {
		m.regStale = true
		return nil
	}
	m.regReq = m.s.newID()
	return relayRegCmd(m.s.ctx, m.s.api, m.regReq, to)
}

func (m *miningScreen) gotReg(msg relayRegMsg) tea.Cmd {
	if msg.id != m.regReq {
		return nil
	}
	m.regReq = 0
	m.regErr = msg.err
	if msg.err == nil {
		m.reg, m.regKnown = msg.info, true
	}
	if m.regStale {
		m.regStale = false
		return m.fetchReg()
	}
	return nil
}

// regLine is the wallet's registry record in a line.
func (m *miningScreen) regLine() string {
	st := m.s.st
	r := m.reg
	switch {
	case m.regErr != nil:
		return st.Bad.Render(view.Truncate(sentence(m.regErr), m.width-16))
	case !m.regKnown:
		return st.Muted.Render("loading…")
	case r == nil:
		return st.Muted.Render("not registered: bitverse relay register --fee FEE --stake STAKE")
	}
	rp := r.Reputation
	return st.Muted.Render("fee ") + st.Value.Render(view.Amount(r.Fee)) + st.Muted.Render(" · stake ") + st.Value.Render(view.Amount(r.Stake)) +
		st.Muted.Render(fmt.Sprintf(" · %d relayed · %d caught · %d missed · %d lost", rp.Relayed, rp.Caught, rp.Missed, rp.Lost))
}

// toggleRelay is R: relaying alone on or off.
func (m *miningScreen) toggleRelay() tea.Cmd {
	switch {
	case m.s.market == nil && m.s.marketStarting:
		m.s.fail("The market is starting: try again in a moment.")
		return nil
	case m.s.market == nil:
		m.s.fail("Open a wallet first: a relay countersigns with its first account's key.")
		return nil
	case errors.Is(m.s.relayErr, errNoRelaying):
		m.s.fail(relaySentence(errNoRelaying))
		return nil
	}
	on := m.s.relay == nil || !m.s.relay.On
	if on {
		m.s.info("Turning relaying on…")
	} else {
		m.s.info("Turning relaying off…")
	}
	m.s.relayGen++ // a count of requests, as newID: the root reads it
	return relayCmd(m.s.ctx, m.s.market, true, on, m.s.relayGen)
}

// relaySentence says why relaying could not be read or turned.
func relaySentence(err error) string {
	if errors.Is(err, errNoRelaying) {
		return "This node cannot relay: it has no serve identity (start it with --serve --relay, or open the UI on its own node)."
	}
	return sentence(err)
}

// relaySection is the Mining screen's relaying: on/off, jobs in flight
// and done with what they paid, the lineups this node's blocks drew, and
// (room given) the newest relay jobs.
func (m *miningScreen) relaySection(room int) []string {
	st := m.s.st
	f := func(label, value string) string { return "  " + field(st, label, value) }
	head := " " + st.Title.Render("Relaying")
	r := m.s.relay
	switch {
	case m.s.market == nil && m.s.marketStarting:
		return []string{head, f("state", st.Muted.Render("the market is starting…"))}
	case m.s.market == nil:
		return []string{head, f("state", st.Muted.Render("open a wallet to relay"))}
	case r == nil && errors.Is(m.s.relayErr, errNoRelaying):
		return []string{head, f("state", st.Subtle.Render("–")+st.Muted.Render("  this node has no serve identity to relay with"))}
	case r == nil && m.s.relayErr != nil:
		return []string{head, f("state", st.Bad.Render(view.Truncate(sentence(m.s.relayErr), m.width-16)))}
	case r == nil:
		return []string{head, f("state", st.Muted.Render("loading…"))}
	}
	state := st.Subtle.Render("○ off") + st.Muted.Render("       press ") + st.Strong.Render("R") + st.Muted.Render(" to relay")
	if r.On {
		state = st.Good.Render("● relaying") + st.Muted.Render("  press ") + st.Strong.Render("R") + st.Muted.Render(" to stop")
	}
	lines := []string{head, f("state", state), f("registry", m.regLine()),
		f("jobs", st.Strong.Render(fmt.Sprintf("%d", r.InFlight))+st.Muted.Render(" in flight · ")+
			st.Strong.Render(fmt.Sprintf("%d", r.Done))+st.Muted.Render(" done · earned ")+st.Strong.Render(view.Amount(r.Earned))),
		f("lineups", st.Strong.Render(fmt.Sprintf("%d", r.Drawn))+st.Muted.Render(" drawn by your blocks · earned ")+
			st.Strong.Render(view.Amount(r.DrawEarned))),
	}
	room++ // the registry line
	for i, j := range r.Jobs {
		if len(lines) >= room {
			break
		}
		label := ""
		if i == 0 {
			label = "recent"
		}
		lines = append(lines, f(label, m.relayJobLine(j)))
	}
	return lines
}

// relayJobLine is one relay job: its bounty, the slot this node holds,
// the job's state and what it paid.
func (m *miningScreen) relayJobLine(j relayJob) string {
	st := m.s.st
	slot := fmt.Sprintf("slot %d", j.Slot+1)
	if j.Jury {
		slot = fmt.Sprintf("juror %d", j.Slot+1)
	}
	paid := st.Muted.Render("–")
	if j.Earned > 0 {
		paid = st.Good.Render("+" + view.Amount(j.Earned))
	}
	return st.Value.Render(view.Short(j.Bounty.String(), 8)) + "  " + st.Muted.Render(view.PadRight(slot, 8)) + " " +
		slotStyle(st, j.State).Render(view.PadRight(j.State, 13)) + " " + paid
}
