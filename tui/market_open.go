package tui

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/bitverse/bitverse/node/market"
	"github.com/bitverse/bitverse/node/wire"
	"github.com/bitverse/bitverse/tui/internal/view"
)

// marketOpen is "open bounties": the bounties nobody has accepted yet,
// newest first, filtered by transform (text in the request), price and
// deadline; a asks this node's worker to accept the selected one and do
// the job (market Take).
type marketOpen struct {
	s             *common
	width, height int

	list        []bountyInfo
	listErr     error
	loaded      bool
	req         reqID
	busy, stale bool
	sel         cursorList
	shown       bool // the section was opened: blocks refresh it

	names map[wire.Hash]string // request ID → expression, from the live requests

	// the filter form and the filter it applied
	editing                   bool
	fTransform, fMax, fBlocks textinput.Model
	form                      form
	filterErr                 string
	transform                 string
	maxPrice                  uint64 // 0: any
	minBlocks                 uint64 // 0: any

	taking wire.Hash // the Take out
}

func newMarketOpen(s *common) *marketOpen {
	v := &marketOpen{s: s, names: map[wire.Hash]string{}}
	v.fTransform = newInput(s.st, "", "black and white", 30)
	v.fMax = newInput(s.st, "", "any (BVS)", 16)
	v.fBlocks = newInput(s.st, "", "any", 8)
	v.form = newForm(&v.fTransform, &v.fMax, &v.fBlocks)
	return v
}

func (v *marketOpen) restyle() { v.form.restyle(v.s.st) }

func (v *marketOpen) SetSize(w, h int) { v.width, v.height = w, h }

func (v *marketOpen) capturing() bool { return v.editing }
func (v *marketOpen) holding() bool   { return v.editing }

func (v *marketOpen) ShortHelp() []key.Binding {
	k := v.s.keys
	if v.editing {
		return []key.Binding{k.NextField, relabel(k.Submit, "apply"), k.Cancel}
	}
	return []key.Binding{k.Accept, relabel(k.Filter, "filter"), k.Move}
}

func (v *marketOpen) setRequests(l []market.RequestInfo) {
	for _, r := range l {
		v.names[r.Request] = r.Expr
	}
}

// fetch opens the section: it lists the open bounties.
func (v *marketOpen) fetch() tea.Cmd {
	v.shown = true
	if v.busy {
		v.stale = true
		return nil
	}
	v.busy, v.req = true, v.s.newID()
	return bountiesCmd(v.s.ctx, v.s.api, v.req, bountyFilter{State: bountyOpen, Limit: marketListLimit})
}

// refresh lists them again if the section was opened.
func (v *marketOpen) refresh() tea.Cmd {
	if !v.shown {
		return nil
	}
	return v.fetch()
}

func (v *marketOpen) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case bountiesMsg:
		if msg.id != v.req {
			return nil
		}
		v.busy = false
		if msg.err != nil {
			v.listErr = msg.err
		} else {
			v.list, v.listErr, v.loaded = msg.list, nil, true
			v.sel.clamp(len(v.filtered()))
		}
		if v.stale {
			v.stale = false
			return v.fetch()
		}
	case takeMsg:
		if msg.bounty != v.taking {
			return nil
		}
		v.taking = wire.Hash{}
		if msg.err != nil {
			v.s.log.Warn("take", "bounty", msg.bounty, "err", msg.err)
			if errors.Is(msg.err, market.ErrNotServing) {
				v.s.fail("This node does not serve compute: S turns serving on, then a accepts.")
			} else {
				v.s.fail("The worker cannot take bounty " + view.Short(msg.bounty.String(), 12) + ": " + sentence(msg.err))
			}
			return nil
		}
		v.s.info("This node's worker accepts bounty " + view.Short(msg.bounty.String(), 12) + ": the job shows under b once a block holds the accept.")
		return v.fetch()
	}
	return nil
}

// filtered are the listed bounties the filter keeps.
func (v *marketOpen) filtered() []bountyInfo {
	height, _ := v.s.tipHeight()
	var out []bountyInfo
	for _, b := range v.list {
		if v.transform != "" && !strings.Contains(strings.ToLower(v.names[b.Request]), strings.ToLower(v.transform)) {
			continue
		}
		if v.maxPrice > 0 && b.Amount > v.maxPrice {
			continue
		}
		if v.minBlocks > 0 && (b.Deadline <= height || b.Deadline-height < v.minBlocks) {
			continue
		}
		out = append(out, b)
	}
	return out
}

func (v *marketOpen) key(msg tea.KeyPressMsg) tea.Cmd {
	k := v.s.keys
	if v.editing {
		switch {
		case key.Matches(msg, k.Cancel):
			v.editing = false
			v.form.blur()
			return nil
		case key.Matches(msg, k.Submit):
			return v.apply()
		case key.Matches(msg, k.NextField):
			return v.form.next()
		case key.Matches(msg, k.PrevField):
			return v.form.prev()
		}
		cmd, _ := v.form.update(msg)
		v.filterErr = ""
		return cmd
	}
	list := v.filtered()
	if v.sel.key(k, msg, len(list), v.rows(), listJump) {
		return nil
	}
	switch {
	case key.Matches(msg, k.Filter):
		v.editing, v.filterErr = true, ""
		return v.form.focusOn(0)
	case key.Matches(msg, k.Accept):
		if v.sel.cursor >= len(list) {
			return nil
		}
		b := list[v.sel.cursor]
		if b.Worker != "" && !v.s.isMine(b.Worker) {
			v.s.fail("This bounty names another worker: only it may accept.")
			return nil
		}
		if v.taking != (wire.Hash{}) {
			return nil
		}
		v.taking = b.ID
		v.s.info("Asking this node's worker to accept bounty " + view.Short(b.ID.String(), 12) + "…")
		return takeCmd(v.s.ctx, v.s.market, b.ID)
	}
	return nil
}

// apply reads the filter form.
func (v *marketOpen) apply() tea.Cmd {
	var maxPrice, minBlocks uint64
	if s := strings.TrimSpace(v.fMax.Value()); s != "" {
		p, err := wire.ParseAmount(s)
		if err != nil {
			v.filterErr = "The highest price is an amount in BVS, such as 0.5."
			return v.form.focusOn(1)
		}
		maxPrice = p
	}
	if s := strings.TrimSpace(v.fBlocks.Value()); s != "" {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			v.filterErr = "The blocks left are a whole number, such as 20."
			return v.form.focusOn(2)
		}
		minBlocks = n
	}
	v.transform, v.maxPrice, v.minBlocks = strings.TrimSpace(v.fTransform.Value()), maxPrice, minBlocks
	v.editing = false
	v.form.blur()
	v.sel = cursorList{}
	return nil
}

func (v *marketOpen) rows() int { return max(1, v.height-6) }

// filterLine says what the filter keeps.
func (v *marketOpen) filterLine() string {
	var parts []string
	if v.transform != "" {
		parts = append(parts, fmt.Sprintf("transform %q", v.transform))
	}
	if v.maxPrice > 0 {
		parts = append(parts, "price ≤ "+view.Amount(v.maxPrice))
	}
	if v.minBlocks > 0 {
		parts = append(parts, fmt.Sprintf("≥ %d blocks left", v.minBlocks))
	}
	if len(parts) == 0 {
		return "all open bounties · / filters"
	}
	return strings.Join(parts, " · ") + " · / changes"
}

func (v *marketOpen) View() string {
	st := v.s.st
	if v.editing {
		lines := []string{" " + st.Title.Render("Filter open bounties"), "",
			"  " + field(st, "transform", v.fTransform.View()),
			"  " + field(st, "", st.Muted.Render("text in the request, such as black and white")),
			"  " + field(st, "max price", v.fMax.View()),
			"  " + field(st, "blocks left", v.fBlocks.View()),
			"  " + field(st, "", st.Muted.Render("at least this many blocks to the deadline")),
		}
		if v.filterErr != "" {
			lines = append(lines, "", fieldError(st, v.filterErr, v.width))
		}
		lines = append(lines, "", "  "+st.Muted.Render("enter applies; an empty field keeps everything"))
		return strings.Join(lines, "\n")
	}
	height, _ := v.s.tipHeight()
	lines := []string{" " + st.Muted.Render(view.Truncate(v.filterLine(), v.width-2)), ""}
	switch {
	case v.listErr != nil:
		return strings.Join(append(lines, " "+st.Bad.Render(view.Truncate(sentence(v.listErr), v.width-2))), "\n")
	case !v.loaded:
		return strings.Join(append(lines, " "+st.Muted.Render("loading…")), "\n")
	}
	list := v.filtered()
	if len(list) == 0 {
		return strings.Join(append(lines, " "+st.Muted.Render("No open bounty to show.")), "\n")
	}
	lines = append(lines, st.Column.Render(view.PadRight(fmt.Sprintf("  %-9s  %12s  %-12s  %-6s  %s", "bounty", "amount", "deadline", "worker", "request"), v.width)))
	first, end := v.sel.window(len(list), v.rows())
	for i := first; i < end; i++ {
		b := list[i]
		who := "any"
		switch {
		case b.Worker != "" && v.s.isMine(b.Worker):
			who = "you"
		case b.Worker != "":
			who = "named"
		}
		name := v.names[b.Request]
		if name == "" {
			name = view.Short(b.Request.String(), 12)
		}
		dl := "past"
		if b.Deadline > height {
			dl = "in " + view.Count(b.Deadline-height, "block", "blocks")
		}
		line := fmt.Sprintf("  %-9s  %12s  %-12s  %-6s  %s", view.Short(b.ID.String(), 8), view.Amount(b.Amount), dl, who, name)
		lines = append(lines, rowLine(st, line, i == v.sel.cursor, v.width))
	}
	return strings.Join(lines, "\n")
}
