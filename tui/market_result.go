package tui

import (
	"errors"
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/bitverse/bitverse/node/market"
	"github.com/bitverse/bitverse/node/wire"
	"github.com/bitverse/bitverse/tui/internal/view"
)

// marketResult previews a bounty's result as the data screen previews a
// value: an image drawn with half blocks, text, or JSON; the result was
// checked by the service against the envelope its worker committed on
// chain. The command that fetched it decoded it (resultCmd).
type marketResult struct {
	s             *common
	width, height int

	want   wire.Hash // the bounty shown
	res    *market.Result
	prev   preview
	err    error
	offset int

	lines  []string // the layout, for cw×ch
	cw, ch int
}

func newMarketResult(s *common) *marketResult { return &marketResult{s: s} }

func (v *marketResult) SetSize(w, h int) { v.width, v.height = w, h }

func (v *marketResult) ShortHelp() []key.Binding {
	k := v.s.keys
	return []key.Binding{k.Settle, k.Dispute, k.Move}
}

// load fetches bounty's result.
func (v *marketResult) load(bounty wire.Hash) tea.Cmd {
	v.want, v.res, v.err, v.offset, v.lines = bounty, nil, nil, 0, nil
	return resultCmd(v.s.ctx, v.s.market, bounty)
}

func (v *marketResult) Update(msg tea.Msg) tea.Cmd {
	if msg, ok := msg.(resultMsg); ok && msg.bounty == v.want {
		v.res, v.prev, v.err, v.lines = msg.res, msg.preview, msg.err, nil
	}
	return nil
}

func (v *marketResult) key(msg tea.KeyPressMsg) tea.Cmd {
	k := v.s.keys
	switch {
	case key.Matches(msg, k.Up):
		v.offset = max(0, v.offset-1)
	case key.Matches(msg, k.Down):
		v.offset++
	case key.Matches(msg, k.PageDown):
		v.offset += max(1, v.height/2)
	case key.Matches(msg, k.PageUp):
		v.offset = max(0, v.offset-max(1, v.height/2))
	case key.Matches(msg, k.Refresh):
		return v.load(v.want)
	}
	return nil
}

func (v *marketResult) View() string {
	st := v.s.st
	w := v.width
	lines := []string{" " + st.Title.Render("Result of bounty "+view.Short(v.want.String(), 16))}
	switch {
	case errors.Is(v.err, market.ErrNoResult):
		return strings.Join(append(lines, "", " "+st.Muted.Render(view.Truncate("No result yet: the worker has not delivered it. It shows here when it arrives.", w-2))), "\n")
	case v.err != nil:
		return strings.Join(append(lines, "", " "+st.Bad.Render(view.Truncate(sentence(v.err), w-2))), "\n")
	case v.res == nil:
		return strings.Join(append(lines, "", " "+st.Muted.Render("loading…")), "\n")
	}
	r := v.res
	lines = append(lines,
		" "+st.Muted.Render(view.Truncate(fmt.Sprintf("%s · %s · %s fuel", v.prev.label(), view.Bytes(v.prev.size), view.Int(r.Fuel)), w-2)),
		" "+st.Muted.Render(view.Truncate("checked against envelope "+view.Short(r.Envelope.String(), 12)+", committed on chain by its worker", w-2)),
		"",
	)
	room := max(1, v.height-len(lines))
	if v.lines == nil || v.cw != w-1 || v.ch != room {
		v.lines, v.cw, v.ch = layoutPreview(v.prev, w-1, room), w-1, room
	}
	v.offset = min(v.offset, max(0, len(v.lines)-room))
	for _, l := range v.lines[v.offset:min(len(v.lines), v.offset+room)] {
		lines = append(lines, " "+l)
	}
	return strings.Join(lines, "\n")
}
