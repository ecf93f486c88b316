package tui

import (
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/progress"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/bitverse/bitverse/node"
	"github.com/bitverse/bitverse/tui/internal/view"
	"github.com/bitverse/bitverse/tui/styles"
)

// homeScreen is the node at a glance: sync, peers, the root chain's tip,
// the wallet's balance and the miner.
type homeScreen struct {
	s             *common
	width, height int
	active        bool
	bar           progress.Model
	recent        []node.BlockInfo
	busy, stale   bool

	mkt               marketSummaryMsg // the market box
	haveMkt           bool
	mktBusy, mktStale bool

	explore *exploreView // the Explore page, while it is open
}

func newHome(s *common) *homeScreen {
	return &homeScreen{s: s, bar: progress.New(progress.WithColors(styles.Accent, styles.Accent2), progress.WithWidth(20))}
}

func (h *homeScreen) Title() string     { return "Home" }
func (h *homeScreen) Capturing() bool   { return false }
func (h *homeScreen) Dirty() bool       { return false }
func (h *homeScreen) Deactivate()       { h.active = false }
func (h *homeScreen) SetSize(w, ht int) { h.width, h.height = w, ht }

func (h *homeScreen) ShortHelp() []key.Binding {
	if h.explore != nil {
		return []key.Binding{h.s.keys.Open, h.s.keys.Back, h.s.keys.Move, h.s.keys.Refresh}
	}
	return []key.Binding{h.s.keys.Explore, h.s.keys.ToggleMining, h.s.keys.Refresh}
}

func (h *homeScreen) FullHelp() [][]key.Binding { return [][]key.Binding{h.ShortHelp()} }

func (h *homeScreen) Activate() tea.Cmd {
	h.active = true
	return tea.Batch(h.fetch(), h.fetchMarket())
}

// fetchMarket asks for the market box's figures.
func (h *homeScreen) fetchMarket() tea.Cmd {
	if h.s.market == nil {
		return nil
	}
	if h.mktBusy {
		h.mktStale = true
		return nil
	}
	h.mktBusy = true
	return marketSummaryCmd(h.s.ctx, h.s.market, h.s.api, h.s.mineTo())
}

// The home screen lists as many recent blocks as its height allows, at
// least recentMin and at most recentMax.
const recentMin, recentMax = 12, 60

func (h *homeScreen) recentCount() int { return min(recentMax, max(recentMin, h.height)) }

func (h *homeScreen) fetch() tea.Cmd {
	if h.busy {
		h.stale = true
		return nil
	}
	h.busy = true
	return recentBlocksCmd(h.s.ctx, h.s.api, h.recentCount())
}

func (h *homeScreen) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case exploreMsg:
		if h.explore != nil {
			h.explore.got(msg)
		}
		return nil
	case recentMsg:
		h.busy = false
		if msg.err == nil {
			h.recent = msg.blocks
		}
		if h.stale {
			h.stale = false
			return h.fetch()
		}
	case marketSummaryMsg:
		h.mktBusy = false
		if msg.err != nil {
			h.s.log.Warn("market summary", "err", msg.err)
		} else {
			h.mkt, h.haveMkt = msg, true
		}
		if h.mktStale {
			h.mktStale = false
			return h.fetchMarket()
		}
	case marketEventMsg, serveKeyMsg:
		if h.active {
			return h.fetchMarket()
		}
	case eventMsg:
		if h.active && (msg.ev.Kind == node.EventBlockConnected || msg.ev.Kind == node.EventBlockDisconnected) {
			return tea.Batch(h.fetch(), h.fetchMarket())
		}
	case tea.KeyPressMsg:
		if h.explore != nil {
			if key.Matches(msg, h.s.keys.Back) {
				h.explore = nil
				return nil
			}
			return h.explore.key(msg)
		}
		if key.Matches(msg, h.s.keys.Explore) {
			h.explore = &exploreView{s: h.s}
			return h.explore.fetch()
		}
		if key.Matches(msg, h.s.keys.Refresh) {
			return tea.Batch(h.fetch(), h.fetchMarket())
		}
	}
	return nil
}

func (h *homeScreen) View() string {
	if h.explore != nil {
		return indent(h.explore.view(h.width-2, h.height), 1)
	}
	st := h.s.st
	colW := h.width - 2
	twoCols := h.width >= 76
	if twoCols {
		colW = (h.width - 3) / 2
	}
	left := h.nodePanel(colW)
	right := h.walletPanel(colW)
	var top string
	if twoCols {
		top = lipgloss.JoinHorizontal(lipgloss.Top, left, " ", right)
	} else {
		top = left + "\n" + right
	}
	out := indent(top, 1)
	if h.s.market != nil {
		out += "\n" + indent(h.marketPanel(h.width-2), 1)
	}
	used := lipgloss.Height(out)
	if rows := h.height - used - 1; rows > 1 && len(h.recent) > 0 {
		out += "\n\n" + indent(h.recentView(h.width-2, rows), 2)
	}
	_ = st
	return out
}

func indent(s string, n int) string {
	pad := strings.Repeat(" ", n)
	return pad + strings.ReplaceAll(s, "\n", "\n"+pad)
}

// field draws "label   value" with a fixed label column.
func field(st styles.Styles, label, value string) string {
	return st.Label.Render(view.PadRight(label, 11)) + value
}

func (h *homeScreen) nodePanel(w int) string {
	st := h.s.st
	s := h.s.status
	lines := []string{st.Title.Render("Node")}
	if !h.s.haveStatus {
		msg := "waiting for the node…"
		if h.s.statusErr != nil {
			msg = sentence(h.s.statusErr)
		}
		lines = append(lines, st.Muted.Render(msg))
		return panel(st, w, lines)
	}
	lines = append(lines,
		field(st, "network", st.Value.Render(s.Network)),
		field(st, "height", st.Strong.Render(view.Int(s.Height))+st.Muted.Render(" (root /)")),
		field(st, "tip", st.Value.Render(view.Short(s.Tip.String(), 8))+st.Muted.Render(" · "+view.Ago(h.s.now, s.TipTime))),
		field(st, "difficulty", st.Value.Render(view.SI(s.Difficulty))),
		field(st, "peers", st.Value.Render(view.Int(s.Peers))),
		field(st, "mempool", st.Value.Render(view.Count(s.Mempool, "tx", "txs"))+st.Muted.Render(" · "+view.Bytes(s.MempoolBytes))),
	)
	if s.Sync.Syncing {
		pct := 0.0
		if s.Sync.Total > 0 {
			pct = float64(s.Sync.Done) / float64(s.Sync.Total)
		}
		bar := h.bar
		bar.SetWidth(max(10, w-4-11))
		lines = append(lines,
			field(st, "sync", bar.ViewAs(pct)),
			field(st, "", st.Muted.Render(fmt.Sprintf("%s/%s · %.0f/s · %s left",
				view.Int(s.Sync.Done), view.Int(s.Sync.Total), s.Sync.Rate, view.Duration(secs(s.Sync.ETASeconds))))))
	} else {
		lines = append(lines, field(st, "sync", st.Good.Render("✓ up to date")))
	}
	return panel(st, w, lines)
}

func (h *homeScreen) walletPanel(w int) string {
	st := h.s.st
	s := h.s.status
	lines := []string{st.Title.Render("Wallet")}
	if h.s.wallet == nil {
		lines = append(lines, st.Muted.Render("not open"))
	} else {
		spend, imm, pend := h.s.totals()
		lines = append(lines, field(st, "balance", st.Strong.Render(view.Amount(spend))))
		lines = append(lines, field(st, "immature", st.Value.Render(view.Amount(imm))))
		if pend > 0 {
			lines = append(lines, field(st, "pending", st.Warn.Render(fmt.Sprintf("%d outgoing tx", pend))))
		} else {
			lines = append(lines, field(st, "accounts", st.Value.Render(view.Int(len(h.s.accounts)))))
		}
	}
	lines = append(lines, "", st.Title.Render("Mining"))
	switch {
	case !h.s.haveStatus:
		lines = append(lines, st.Muted.Render("–"))
	case s.Mining:
		lines = append(lines, field(st, "miner", st.Good.Render("● on")+st.Muted.Render(" · ")+st.Value.Render(view.HashRate(s.HashRate))))
	default:
		lines = append(lines, field(st, "miner", st.Subtle.Render("○ off")+st.Muted.Render(" · m starts it")))
	}
	if h.s.haveStatus {
		lines = append(lines, field(st, "found", st.Value.Render(view.Int(s.BlocksFound))+st.Muted.Render(" blocks")))
	}
	return panel(st, w, lines)
}

func (h *homeScreen) recentView(w, rows int) string {
	st := h.s.st
	lines := []string{st.Title.Render("Recent blocks")}
	for i, b := range h.recent {
		if i >= rows-1 {
			break
		}
		lines = append(lines, fmt.Sprintf("%s  %s  %s  %s",
			st.Strong.Render(view.PadLeft("#"+view.Int(b.Height), 9)),
			st.Value.Render(view.Short(b.ID.String(), 16)),
			st.Muted.Render(view.PadLeft(view.Ago(h.s.now, b.Time), 12)),
			st.Muted.Render(view.Count(len(b.Txs), "tx", "txs"))))
	}
	return view.Lines(strings.Join(lines, "\n"), w, min(rows, len(lines)))
}

// panel boxes lines in a rounded border of outer width w.
func panel(st styles.Styles, w int, lines []string) string {
	inner := max(1, w-4)
	for i, l := range lines {
		lines[i] = view.PadRight(l, inner)
	}
	return st.Panel.Width(w).Render(strings.Join(lines, "\n"))
}

func secs(f float64) time.Duration { return time.Duration(f * float64(time.Second)) }

// marketPanel is the market in one box: serving, what it earned, live
// requests, and the wallet's bounties that wait for something.
func (h *homeScreen) marketPanel(w int) string {
	st := h.s.st
	line := st.Title.Render("Market") + "  "
	if !h.haveMkt {
		return panel(st, w, []string{line + st.Muted.Render("…")})
	}
	m := h.mkt
	var parts []string
	switch {
	case m.serve != nil && m.serve.On:
		parts = append(parts, st.Good.Render("● serving")+st.Muted.Render(" · earned ")+st.Strong.Render(view.Amount(m.serve.Earned)))
	default:
		parts = append(parts, st.Subtle.Render("○ not serving"))
	}
	parts = append(parts, st.Value.Render(view.Count(m.requests, "live request", "live requests")))
	var open, settle, jobs int
	for _, b := range m.bounties {
		switch {
		case b.State == bountyCommitted && h.s.isMine(b.Requester):
			settle++
		case (b.State == bountyAccepted || b.State == bountyCommitted) && h.s.isMine(b.Worker):
			jobs++
		case b.State == bountyOpen || b.State == bountyAccepted:
			open++
		}
	}
	if open+settle+jobs == 0 {
		parts = append(parts, st.Muted.Render("no bounty of yours waiting"))
	} else {
		var mine []string
		if open > 0 {
			mine = append(mine, view.Count(open, "bounty", "bounties")+" waiting")
		}
		if settle > 0 {
			mine = append(mine, st.Warn.Render(fmt.Sprintf("%d to settle", settle)))
		}
		if jobs > 0 {
			mine = append(mine, view.Count(jobs, "job", "jobs"))
		}
		parts = append(parts, strings.Join(mine, st.Muted.Render(", ")))
	}
	return panel(st, w, []string{view.Truncate(line+strings.Join(parts, st.Muted.Render(" · ")), w-4)})
}
