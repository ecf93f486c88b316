package tui

import (
	"fmt"
	"sort"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/bitverse/bitverse/node"
	"github.com/bitverse/bitverse/tui/internal/view"
)

// rateSamples is how many hash-rate samples (one per status poll) the
// sparkline keeps.
const rateSamples = 240

// earningsLimit bounds the history the earnings are summed over.
const earningsLimit = 1000

// miningScreen is the dashboard of all the mining this node does: the
// miner (on/off, the path mined, hash rate with a sparkline), relaying
// (jobs in flight and done with earnings, lineups its blocks drew;
// mining_relay.go), blocks found per chain, and earnings (root coinbases
// and the branch payouts of root checkpoints). m starts and stops all of
// it, R relaying alone.
type miningScreen struct {
	s             *common
	width, height int
	active        bool

	rates []float64

	rewards    []node.TxInfo // coinbase txs to the mining address, newest first
	rewardsErr error
	loaded     bool
	histReq    reqID // the history request out, 0 when none
	stale      bool

	reg      *relayInfo // the wallet's relay registry record, nil: none
	regErr   error
	regKnown bool
	regReq   reqID // the registry read out, 0 when none
	regStale bool

	payouts    *node.PayoutInfo // branch blocks paid by root checkpoints
	payoutsErr error
	payReq     reqID // the payouts request out, 0 when none
	payStale   bool

	served      []node.PoolInfo // pools the account is a member of
	servedErr   error
	servedReq   reqID
	servedStale bool
}

func newMining(s *common) *miningScreen { return &miningScreen{s: s} }

func (m *miningScreen) Title() string    { return "Mining" }
func (m *miningScreen) Capturing() bool  { return false }
func (m *miningScreen) Dirty() bool      { return false }
func (m *miningScreen) Deactivate()      { m.active = false }
func (m *miningScreen) SetSize(w, h int) { m.width, m.height = w, h }
func (m *miningScreen) Activate() tea.Cmd {
	m.active = true
	return tea.Batch(m.fetch(), wantRelay)
}

func (m *miningScreen) ShortHelp() []key.Binding {
	return []key.Binding{relabel(m.s.keys.ToggleMining, "start/stop all"), m.s.keys.ToggleRelay, m.s.keys.Refresh}
}
func (m *miningScreen) FullHelp() [][]key.Binding { return [][]key.Binding{m.ShortHelp()} }

// fetch asks for the coinbases and the payouts; a request already out
// is asked again when it answers.
func (m *miningScreen) fetch() tea.Cmd {
	return tea.Batch(m.fetchHistory(), m.fetchPayouts(), m.fetchReg(), m.fetchServed())
}

func (m *miningScreen) fetchHistory() tea.Cmd {
	to := m.s.mineTo()
	if to == "" {
		return nil
	}
	if m.histReq != 0 {
		m.stale = true
		return nil
	}
	m.histReq = m.s.newID()
	return historyCmd(m.s.ctx, m.s.api, m.histReq, to, earningsLimit)
}

func (m *miningScreen) fetchPayouts() tea.Cmd {
	to := m.s.mineTo()
	if to == "" {
		return nil
	}
	if m.payReq != 0 {
		m.payStale = true
		return nil
	}
	m.payReq = m.s.newID()
	return payoutsCmd(m.s.ctx, m.s.api, m.payReq, to)
}

func (m *miningScreen) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case statusMsg:
		if msg.err == nil {
			m.rates = append(m.rates, msg.st.HashRate)
			if len(m.rates) > rateSamples {
				m.rates = m.rates[len(m.rates)-rateSamples:]
			}
		}
	case eventMsg:
		if m.active && msg.ev.Kind == node.EventBlockConnected {
			return m.fetch()
		}
	case historyMsg:
		if msg.id != m.histReq {
			return nil
		}
		m.histReq, m.loaded = 0, true
		m.rewardsErr = msg.err
		if msg.err == nil {
			m.rewards = m.rewards[:0]
			for _, tx := range msg.txs {
				if tx.Type == "coinbase" && tx.To == msg.addr {
					m.rewards = append(m.rewards, tx)
				}
			}
		}
		if m.stale {
			m.stale = false
			return m.fetchHistory()
		}
	case relayRegMsg:
		return m.gotReg(msg)
	case poolsMsg:
		return m.gotServed(msg)
	case payoutsMsg:
		if msg.id != m.payReq {
			return nil
		}
		m.payReq = 0
		m.payouts, m.payoutsErr = msg.info, msg.err
		if m.payStale {
			m.payStale = false
			return m.fetchPayouts()
		}
	case tea.KeyPressMsg:
		switch {
		case key.Matches(msg, m.s.keys.Refresh):
			return tea.Batch(m.fetch(), wantRelay)
		case key.Matches(msg, m.s.keys.ToggleRelay):
			return m.toggleRelay()
		}
	}
	return nil
}

func (m *miningScreen) View() string {
	st := m.s.st
	s := m.s.status
	f := func(label, value string) string { return "  " + field(st, label, value) }
	var lines []string

	state := st.Subtle.Render("○ stopped") + st.Muted.Render("   press ") + st.Strong.Render("m") + st.Muted.Render(" to start")
	if s.Mining {
		state = st.Good.Render("● mining") + st.Muted.Render("    press ") + st.Strong.Render("m") + st.Muted.Render(" to stop (relaying too)")
	}
	lines = append(lines, " "+st.Title.Render("Miner"), f("state", state))
	to := s.MineTo
	if to == "" {
		to = m.s.mineTo()
	}
	if to != "" {
		lines = append(lines, f("pays to", st.Value.Render(view.ShortAddr(to, m.width-16))))
	}
	lines = append(lines, f("path", m.pathView(s)))

	sparkW := max(10, m.width-16-14)
	lines = append(lines,
		f("hash rate", st.Strong.Render(view.HashRate(s.HashRate))+st.Muted.Render(fmt.Sprintf(" · network difficulty %s", view.SI(s.Difficulty)))),
		f("recent", st.Spark.Render(view.Sparkline(m.rates, sparkW))),
	)

	// Relay jobs get the room a tall screen leaves over the earnings'
	// first lines.
	lines = append(lines, "")
	lines = append(lines, m.relaySection(4+max(0, min(3, m.height-31)))...)

	lines = append(lines, m.poolsSection()...)

	lines = append(lines, "", " "+st.Title.Render("Blocks found")+st.Muted.Render("  (since the node started)"))
	if m.height < 24 && len(s.FoundByChain) > 1 {
		// A short screen: one line, for the earnings below.
		lines = append(lines, m.foundLine(s))
	} else {
		lines = append(lines, m.foundView(s)...)
	}

	lines = append(lines, "", " "+st.Title.Render("Earnings")+st.Muted.Render("  (to this wallet)"))
	lines = append(lines, m.earnings(m.height-len(lines))...)
	return view.Lines(strings.Join(lines, "\n"), m.width, m.height)
}

// pathView draws the path being mined: the root, then each chain down to
// the deepest one (merged mining: every hash counts for all of them).
func (m *miningScreen) pathView(s node.Status) string {
	st := m.s.st
	switch {
	case !s.Mining:
		return st.Subtle.Render("–") + st.Muted.Render("  not mining")
	case s.MinePath == "" || s.MinePath == "/":
		return st.Strong.Render("/") + st.Muted.Render("  the root chain")
	}
	parts := []string{"/"}
	for i := 1; i <= len(s.MinePath); i++ {
		parts = append(parts, s.MinePath[:i])
	}
	return st.Strong.Render(strings.Join(parts, " › ")) +
		st.Muted.Render("  one hash mines every chain on it")
}

// foundView lists the blocks found per chain, root first, depth first
// (one line each: "chain  count"); a node that does not count per chain
// gives the total, on the root.
func (m *miningScreen) foundView(s node.Status) []string {
	st := m.s.st
	f := func(label, value string) string { return "  " + field(st, label, value) }
	if len(s.FoundByChain) == 0 {
		return []string{f("/", st.Value.Render(view.Int(s.BlocksFound)))}
	}
	chains := make([]string, 0, len(s.FoundByChain))
	for c := range s.FoundByChain {
		chains = append(chains, c)
	}
	sort.Slice(chains, func(i, j int) bool { return treeOrder(chains[i]) < treeOrder(chains[j]) })
	out := make([]string, 0, len(chains))
	for _, c := range chains {
		out = append(out, f(c, st.Value.Render(view.Int(s.FoundByChain[c]))))
	}
	return out
}

// foundLine is foundView on one line: "/ 42 · 0 57 · 01 88".
func (m *miningScreen) foundLine(s node.Status) string {
	st := m.s.st
	chains := make([]string, 0, len(s.FoundByChain))
	for c := range s.FoundByChain {
		chains = append(chains, c)
	}
	sort.Slice(chains, func(i, j int) bool { return treeOrder(chains[i]) < treeOrder(chains[j]) })
	parts := make([]string, len(chains))
	for i, c := range chains {
		parts[i] = st.Label.Render(c) + " " + st.Value.Render(view.Int(s.FoundByChain[c]))
	}
	return "  " + view.Truncate(strings.Join(parts, st.Muted.Render(" · ")), m.width-2)
}

// treeOrder sorts chain names depth first: the root ("/", the empty
// prefix) first, then the prefixes in lexicographic order.
func treeOrder(name string) string {
	if name == "/" {
		return ""
	}
	return name
}

// earnings sums the rewards and lists the newest that fit in room lines.
func (m *miningScreen) earnings(room int) []string {
	st := m.s.st
	f := func(label, value string) string { return "  " + field(st, label, value) }
	switch {
	case m.s.mineTo() == "":
		return []string{f("", st.Muted.Render("open a wallet to mine"))}
	case m.rewardsErr != nil:
		return append([]string{f("coinbase", st.Bad.Render(sentence(m.rewardsErr)))}, m.payoutsView()...)
	case !m.loaded:
		return append([]string{f("coinbase", st.Muted.Render("loading…"))}, m.payoutsView()...)
	}
	maturity := m.s.params.CoinbaseMaturity
	var total, mature uint64
	for _, r := range m.rewards {
		total += r.Amount
		if r.Confirmations > maturity {
			mature += r.Amount
		}
	}
	out := []string{
		f("coinbase", st.Strong.Render(view.Amount(total))+st.Muted.Render(fmt.Sprintf(" in %s root blocks", view.Int(len(m.rewards))))),
		f("spendable", st.Value.Render(view.Amount(mature))+st.Muted.Render(fmt.Sprintf(" · %s maturing (%d confirmations)", view.Amount(total-mature), maturity))),
	}
	if len(m.rewards) == earningsLimit {
		out = append(out, f("", st.Subtle.Render(fmt.Sprintf("(the last %d rewards)", earningsLimit))))
	}
	out = append(out, m.payoutsView()...)
	room -= len(out)
	shown := m.rewards[:max(0, min(room, len(m.rewards)))]
	// Columns as wide as their widest cell, under the value column.
	var hw, aw, cw int
	for _, r := range shown {
		hw = max(hw, len(view.Int(r.Height))+1)
		aw = max(aw, len(view.Amount(r.Amount)))
		cw = max(cw, len(view.Int(r.Confirmations)))
	}
	for i, r := range shown {
		label := ""
		if i == 0 {
			label = "rewards"
		}
		out = append(out, f(label, st.Strong.Render(view.PadLeft("#"+view.Int(r.Height), hw))+"  "+
			st.Value.Render(view.PadLeft(view.Amount(r.Amount), aw))+"  "+
			st.Muted.Render(view.PadLeft(view.Int(r.Confirmations), cw)+" conf · "+view.Ago(m.s.now, r.Time))))
	}
	return out
}

// payoutsView shows what root checkpoints pay for the branch blocks this
// wallet mined: the totals, then one line per chain with its blocks
// counted in brackets. A branch block's
// coinbase pays nothing on its branch; the root pays its fees
// CheckpointMaturity root blocks after checkpointing it.
func (m *miningScreen) payoutsView() []string {
	st := m.s.st
	f := func(label, value string) string { return "  " + field(st, label, value) }
	p := m.payouts
	switch {
	case m.s.mineTo() == "":
		return nil
	case m.payoutsErr != nil:
		return []string{f("payouts", st.Bad.Render(sentence(m.payoutsErr)))}
	case p == nil:
		return []string{f("payouts", st.Muted.Render("loading…"))}
	case len(p.Chains) == 0:
		return []string{f("payouts", st.Muted.Render("none yet · branch blocks are paid by root checkpoints"))}
	}
	voided := ""
	if p.Voided > 0 {
		voided = " · " + view.Amount(p.Voided) + " voided"
	}
	out := []string{f("payouts", st.Strong.Render(view.Amount(p.Matured))+st.Muted.Render(" paid · ")+
		st.Value.Render(view.Amount(p.Pending))+st.Muted.Render(fmt.Sprintf(" pending%s (%d-block maturity)", voided, p.Maturity)))}
	for _, c := range p.Chains {
		line := st.Muted.Render("paid ") + st.Value.Render(view.Amount(c.Matured)) + st.Muted.Render(fmt.Sprintf(" (%s)", view.Int(c.MaturedBlocks)))
		if c.PendingBlocks > 0 {
			line += st.Muted.Render(" · pending ") + st.Value.Render(view.Amount(c.Pending)) +
				st.Muted.Render(fmt.Sprintf(" (%s), next #%s", view.Int(c.PendingBlocks), view.Int(c.NextMatures)))
		}
		if c.VoidedBlocks > 0 {
			line += st.Muted.Render(fmt.Sprintf(" · voided %s (%s)", view.Amount(c.Voided), view.Int(c.VoidedBlocks)))
		}
		out = append(out, f(c.Chain, line))
	}
	if p.Truncated {
		out = append(out, f("", st.Subtle.Render("(the newest payouts only)")))
	}
	return out
}
