package tui

import (
	"context"
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/bitverse/bitverse/node"
	"github.com/bitverse/bitverse/node/wire"
	"github.com/bitverse/bitverse/tui/internal/view"
)

// exploreView is the home screen's Explore page: what the node verified
// that a new user may look at, in sections; enter opens an entry in the
// screen that shows it.
type exploreView struct {
	s      *common
	ex     *node.Explore
	err    error
	busy   bool
	rows   []exploreRow
	cursor int
	loaded bool
	offset int
}

// exploreRow is a section title (open empty) or an entry to open.
type exploreRow struct {
	text string
	open exploreOpenMsg
	head bool
}

// exploreMsg carries an Explore answer.
type exploreMsg struct {
	ex  *node.Explore
	err error
}

// exploreOpenMsg asks the app to show an entry: a key or a keyspace on
// the data screen, a bounty on the market screen. A key's chain ("" for
// any) is read at its depth, so a key of a chain the node keeps as headers
// only is read from a peer with a proof.
type exploreOpenMsg struct {
	key, keyspace, chain string
	bounty               bool
}

// fromPeer is a short note for an entry proven by a block fetched from a
// peer ("" for one this node stores).
func fromPeer(proven string) string {
	if proven == "" || proven == node.ProvenStored {
		return ""
	}
	return " · verified from a peer"
}

func exploreCmd(ctx context.Context, api node.API) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := withTimeout(ctx)
		defer cancel()
		ex, err := api.Explore(ctx, node.ExploreOptions{})
		return exploreMsg{ex: ex, err: err}
	}
}

func (v *exploreView) fetch() tea.Cmd {
	if v.busy {
		return nil
	}
	v.busy = true
	return exploreCmd(v.s.ctx, v.s.api)
}

func (v *exploreView) got(msg exploreMsg) {
	v.busy, v.loaded = false, true
	v.ex, v.err = msg.ex, msg.err
	if msg.err != nil {
		v.rows = nil
		return
	}
	v.rows = exploreRows(msg.ex)
	v.cursor = v.next(min(v.cursor, len(v.rows)-1), 1)
}

func exploreRows(ex *node.Explore) []exploreRow {
	var rows []exploreRow
	head := func(t string, n int, empty string) {
		if n == 0 {
			t += " · " + empty
		}
		rows = append(rows, exploreRow{text: t, head: true})
	}
	head("Keyspaces, newest first", len(ex.Keyspaces), "none yet")
	for _, k := range ex.Keyspaces {
		rows = append(rows, exploreRow{text: fmt.Sprintf("%-24s bought at %d  %s", k.Name, k.Height, k.Description),
			open: exploreOpenMsg{keyspace: k.Name}})
	}
	head("Recent writes", len(ex.Writes), "none in the newest blocks")
	for _, w := range ex.Writes {
		rows = append(rows, exploreRow{text: fmt.Sprintf("%-24s chain %s at %d · %s%s", w.Key, w.Chain, w.Height, view.Bytes(w.Size), fromPeer(w.Proven)),
			open: exploreOpenMsg{key: w.Key, chain: w.Chain}})
	}
	head("Transforms", len(ex.Transforms), "none in the newest blocks")
	for _, t := range ex.Transforms {
		rows = append(rows, exploreRow{text: fmt.Sprintf("%-24s %s%s", t.Key, t.Description, fromPeer(t.Proven)),
			open: exploreOpenMsg{key: t.Key, chain: t.Chain}})
	}
	head("Open bounties", len(ex.Bounties), "none open")
	for _, b := range ex.Bounties {
		rows = append(rows, exploreRow{text: fmt.Sprintf("%s  %s until %d", b.ID.Short(), view.Amount(b.Amount), b.Deadline),
			open: exploreOpenMsg{bounty: true}})
	}
	head("Busiest branches", len(ex.Branches), "no writes lately")
	for _, b := range ex.Branches {
		rows = append(rows, exploreRow{text: fmt.Sprintf("chain %-8s %d writes in %d blocks", b.Chain, b.Writes, b.Blocks), head: true})
	}
	return rows
}

// next is the first entry (not a title) from i in direction dir, or i.
func (v *exploreView) next(i, dir int) int {
	for j := i; j >= 0 && j < len(v.rows); j += dir {
		if !v.rows[j].head {
			return j
		}
	}
	return max(0, i)
}

func (v *exploreView) key(msg tea.KeyPressMsg) tea.Cmd {
	k := v.s.keys
	switch {
	case key.Matches(msg, k.Up):
		if j := v.next(v.cursor-1, -1); j < v.cursor && !v.rows[j].head {
			v.cursor = j
		}
	case key.Matches(msg, k.Down):
		if j := v.next(v.cursor+1, 1); j > v.cursor && j < len(v.rows) && !v.rows[j].head {
			v.cursor = j
		}
	case key.Matches(msg, k.Open):
		if v.cursor < len(v.rows) && !v.rows[v.cursor].head {
			o := v.rows[v.cursor].open
			return func() tea.Msg { return o }
		}
	case key.Matches(msg, k.Refresh):
		return v.fetch()
	}
	return nil
}

func (v *exploreView) view(w, h int) string {
	st := v.s.st
	lines := []string{st.Title.Render("Explore") + st.Muted.Render(" · what this node verified · enter opens · esc back")}
	switch {
	case v.err != nil:
		lines = append(lines, "", st.Bad.Render(sentence(v.err)))
	case !v.loaded:
		lines = append(lines, "", st.Muted.Render("reading…"))
	}
	rows := h - len(lines) - 1
	if v.cursor < v.offset {
		v.offset = v.cursor
	}
	if v.cursor >= v.offset+rows {
		v.offset = v.cursor - rows + 1
	}
	for i := v.offset; i < len(v.rows) && i < v.offset+rows; i++ {
		r := v.rows[i]
		switch {
		case r.head:
			lines = append(lines, st.Label.Render(view.Truncate(r.text, w)))
		case i == v.cursor:
			lines = append(lines, st.Selected.Render(view.PadRight("▸ "+view.Truncate(r.text, w-2), w)))
		default:
			lines = append(lines, "  "+view.Truncate(r.text, w-2))
		}
	}
	return strings.Join(lines, "\n")
}

// openExplored shows an Explore entry: a keyspace in the keyspaces view,
// a key's value in the browser.
func (d *dataScreen) openExplored(m exploreOpenMsg) tea.Cmd {
	if m.keyspace != "" {
		d.spaces = true
		return tea.Batch(d.ks.Activate(), d.ks.show(m.keyspace, nil, ksList))
	}
	d.spaces, d.mode = false, d.previewMode()
	id, err := wire.ParseChainID(m.chain)
	if err != nil {
		return d.get(m.key)
	}
	d.getKey, d.got, d.getErr, d.pOffset, d.pLines = m.key, nil, nil, 0, nil
	api, ctx, k, depth := d.s.api, d.s.ctx, m.key, int(id.Depth)
	return func() tea.Msg {
		ctx, cancel := withTimeout(ctx)
		defer cancel()
		res, err := api.GetOn(ctx, k, depth, false, false)
		if err != nil {
			return getMsg{key: k, err: err}
		}
		return getMsg{key: k, res: res, preview: decodePreview(res.ValueRecord)}
	}
}

// openExplored shows the open bounties, where an Explore bounty is listed.
func (ms *marketScreen) openExplored() tea.Cmd {
	if ms.s.market == nil {
		return nil
	}
	ms.section = mkOpen
	return tea.Batch(ms.open.fetch(), ms.fetchRequests())
}
