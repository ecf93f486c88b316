package tui

import (
	"fmt"
	"math/big"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/bitverse/bitverse/node"
	"github.com/bitverse/bitverse/node/consensus"
	"github.com/bitverse/bitverse/node/wire"
	"github.com/bitverse/bitverse/tui/internal/view"
)

type treeLevel int

const (
	levelChains treeLevel = iota // the tree of chains
	levelBlocks                  // a chain's recent blocks
	levelBlock                   // one block and its transactions
	levelTx                      // one transaction
)

// chainRow is one chain of the blocktree as the tree shows it.
type chainRow struct {
	name       string // "/" for the root, else its bit-string prefix
	depth      int
	height     uint64
	tipTime    int64
	difficulty float64
	followed   bool
}

// blocktreeScreen draws the tree of chains and drills down: chain → its
// blocks → a block's transactions → one transaction.
type blocktreeScreen struct {
	s             *shared
	width, height int
	active        bool
	level         treeLevel

	chainCursor int
	list        *blockList

	blockID  wire.Hash
	block    *node.BlockInfo
	blockErr error
	txCursor int
	txOffset int
}

func newBlocktree(s *shared) *blocktreeScreen {
	return &blocktreeScreen{s: s, list: newBlockList(s)}
}

func (t *blocktreeScreen) Title() string   { return "Blocktree" }
func (t *blocktreeScreen) Capturing() bool { return false }
func (t *blocktreeScreen) Dirty() bool     { return false }
func (t *blocktreeScreen) Deactivate()     { t.active = false }

// The body's first two lines are the breadcrumb and a blank line.
func (t *blocktreeScreen) SetSize(w, h int) {
	t.width, t.height = w, h
	t.list.SetSize(w, h-2)
}

func (t *blocktreeScreen) Activate() tea.Cmd {
	t.active = true
	return t.refresh()
}

func (t *blocktreeScreen) refresh() tea.Cmd {
	switch t.level {
	case levelBlocks:
		if h, ok := t.s.tipHeight(); ok {
			return t.list.setTip(h)
		}
	case levelBlock, levelTx:
		if t.block == nil {
			return blockCmd(t.s.ctx, t.s.api, t.blockID)
		}
	}
	return nil
}

// chains lists the chains of the blocktree. The node API has no call for
// the tree yet, so it is built from Status: today the root is the only
// chain and this node always follows it.
func (t *blocktreeScreen) chains() []chainRow {
	if !t.s.haveStatus {
		return nil
	}
	s := t.s.status
	return []chainRow{{name: "/", depth: 0, height: s.Height, tipTime: s.TipTime, difficulty: s.Difficulty, followed: true}}
}

func (t *blocktreeScreen) ShortHelp() []key.Binding {
	k := t.s.keys
	switch t.level {
	case levelChains:
		return []key.Binding{k.Move, k.Open}
	case levelBlocks:
		return []key.Binding{k.Move, k.PageDown, k.Top, k.Bottom, k.Open, k.Back}
	case levelBlock:
		return []key.Binding{k.Move, k.Open, k.Back}
	}
	return []key.Binding{k.Back}
}

func (t *blocktreeScreen) FullHelp() [][]key.Binding {
	k := t.s.keys
	return [][]key.Binding{k.ListKeys(), {k.Open, k.Back}}
}

func (t *blocktreeScreen) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case statusMsg:
		if msg.err == nil && t.level == levelBlocks && t.active {
			return t.list.setTip(msg.st.Height)
		}
	case eventMsg:
		if msg.ev.Kind == node.EventBlockDisconnected {
			t.list.reset()
		}
	case blocksPageMsg:
		return t.list.gotPage(msg)
	case blockMsg:
		if msg.id != t.blockID {
			return nil
		}
		t.block, t.blockErr = msg.block, msg.err
		if msg.err != nil {
			t.s.log.Warn("block", "id", msg.id, "err", msg.err)
		}
	case tea.KeyPressMsg:
		return t.key(msg)
	}
	return nil
}

func (t *blocktreeScreen) key(msg tea.KeyPressMsg) tea.Cmd {
	k := t.s.keys
	switch t.level {
	case levelChains:
		switch {
		case key.Matches(msg, k.Up):
			t.chainCursor = max(0, t.chainCursor-1)
		case key.Matches(msg, k.Down):
			t.chainCursor = min(len(t.chains())-1, t.chainCursor+1)
		case key.Matches(msg, k.Open):
			if len(t.chains()) == 0 {
				return nil
			}
			t.level = levelBlocks
			return t.refresh()
		}
	case levelBlocks:
		switch {
		case key.Matches(msg, k.Back):
			t.level = levelChains
		case key.Matches(msg, k.Open):
			b, ok := t.list.selected()
			if !ok {
				return nil
			}
			t.level, t.blockID, t.block, t.blockErr, t.txCursor, t.txOffset = levelBlock, b.ID, nil, nil, 0, 0
			return blockCmd(t.s.ctx, t.s.api, b.ID)
		default:
			return t.list.Update(msg)
		}
	case levelBlock:
		n := 0
		if t.block != nil {
			n = len(t.block.Txs)
		}
		switch {
		case key.Matches(msg, k.Back):
			t.level = levelBlocks
			return t.refresh()
		case key.Matches(msg, k.Up):
			t.txCursor = max(0, t.txCursor-1)
		case key.Matches(msg, k.Down):
			t.txCursor = max(0, min(n-1, t.txCursor+1))
		case key.Matches(msg, k.Open):
			if n > 0 {
				t.level = levelTx
			}
		}
	case levelTx:
		if key.Matches(msg, k.Back) {
			t.level = levelBlock
		}
	}
	return nil
}

func (t *blocktreeScreen) breadcrumb() string {
	st := t.s.st
	parts := []string{"chains"}
	if t.level >= levelBlocks {
		parts = append(parts, "/ blocks")
	}
	if t.level >= levelBlock {
		label := "block " + view.Short(t.blockID.String(), 10)
		if t.block != nil {
			label = "#" + view.Int(t.block.Height)
		}
		parts = append(parts, label)
	}
	if t.level >= levelTx && t.block != nil && t.txCursor < len(t.block.Txs) {
		parts = append(parts, "tx "+view.Short(t.block.Txs[t.txCursor].ID.String(), 10))
	}
	for i := range parts {
		if i == len(parts)-1 {
			parts[i] = st.Strong.Render(parts[i])
		} else {
			parts[i] = st.Muted.Render(parts[i])
		}
	}
	return " " + strings.Join(parts, st.Subtle.Render(" › "))
}

func (t *blocktreeScreen) View() string {
	var body string
	h := t.height - 2
	switch t.level {
	case levelChains:
		body = t.chainsView()
	case levelBlocks:
		body = t.list.View()
	case levelBlock:
		body = t.blockView(h)
	case levelTx:
		body = t.txView()
	}
	return t.breadcrumb() + "\n\n" + view.Lines(body, t.width, h)
}

func (t *blocktreeScreen) chainsView() string {
	st := t.s.st
	rows := t.chains()
	if len(rows) == 0 {
		return st.Muted.Render("  waiting for the node…")
	}
	const nameW = 14
	var b strings.Builder
	hdr := fmt.Sprintf("  %-*s %5s %10s %9s %11s  %s", nameW, "chain", "depth", "height", "tip age", "difficulty", "followed")
	b.WriteString(st.Column.Render(view.PadRight(hdr, t.width)))
	prefixes := treePrefixes(rows)
	for i, r := range rows {
		name := st.Tree.Render(prefixes[i]) + st.Strong.Render(r.name)
		followed := st.Subtle.Render("○ no")
		if r.followed {
			followed = st.Good.Render("● yes")
		}
		row := fmt.Sprintf("  %s %5d %10s %9s %11s  %s", view.PadRight(name, nameW), r.depth, view.Int(r.height),
			view.Age(t.s.now, r.tipTime), view.SI(r.difficulty), followed)
		b.WriteByte('\n')
		if i == t.chainCursor {
			b.WriteString(st.Selected.Render(view.PadRight("▸"+row[1:], t.width)))
		} else {
			b.WriteString(view.Truncate(row, t.width))
		}
	}
	b.WriteString("\n\n" + st.Subtle.Render("  The root chain / is the whole blocktree today: chains for key prefixes"))
	b.WriteString("\n" + st.Subtle.Render("  appear here as the network splits. enter opens a chain's blocks."))
	return b.String()
}

// treePrefixes returns the connector drawn before each chain's name; rows
// are in depth-first order.
func treePrefixes(rows []chainRow) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		if r.depth == 0 {
			continue
		}
		var b strings.Builder
		for d := 1; d < r.depth; d++ {
			if hasLaterSibling(rows, i, d) {
				b.WriteString("│  ")
			} else {
				b.WriteString("   ")
			}
		}
		if hasLaterSibling(rows, i, r.depth) {
			b.WriteString("├─ ")
		} else {
			b.WriteString("└─ ")
		}
		out[i] = b.String()
	}
	return out
}

// hasLaterSibling reports whether a row after i sits at depth d before the
// tree climbs above d.
func hasLaterSibling(rows []chainRow, i, d int) bool {
	for _, r := range rows[i+1:] {
		if r.depth < d {
			return false
		}
		if r.depth == d {
			return true
		}
	}
	return false
}

func (t *blocktreeScreen) blockView(h int) string {
	st := t.s.st
	if t.blockErr != nil {
		return "  " + st.Bad.Render(sentence(t.blockErr))
	}
	if t.block == nil {
		return st.Muted.Render("  loading block…")
	}
	b := t.block
	lines := []string{
		"  " + field(st, "id", st.Value.Render(b.ID.String())),
		"  " + field(st, "prev", st.Muted.Render(b.Prev.String())),
		"  " + field(st, "time", st.Value.Render(utc(b.Time))+st.Muted.Render(" · "+view.Ago(t.s.now, b.Time))),
		"  " + field(st, "difficulty", st.Value.Render(view.SI(difficultyOf(b.Bits)))+st.Muted.Render(fmt.Sprintf(" · bits %08x · nonce %d", b.Bits, b.Nonce))),
		"  " + field(st, "state root", st.Muted.Render(b.StateRoot.String())),
		"  " + field(st, "size", st.Value.Render(view.Bytes(b.Size))+st.Muted.Render(" · "+view.Count(len(b.Txs), "tx", "txs")+" · "+view.Count(b.Confirmations, "confirmation", "confirmations"))),
		"",
		"  " + st.Title.Render("Transactions"),
	}
	rows := max(1, h-len(lines))
	if t.txCursor < t.txOffset {
		t.txOffset = t.txCursor
	}
	if t.txCursor >= t.txOffset+rows {
		t.txOffset = t.txCursor - rows + 1
	}
	for i := t.txOffset; i < len(b.Txs) && i < t.txOffset+rows; i++ {
		row := "  " + t.txRow(b.Txs[i])
		if i == t.txCursor {
			lines = append(lines, st.Selected.Render(view.PadRight("▸"+row[1:], t.width)))
		} else {
			lines = append(lines, view.Truncate(row, t.width))
		}
	}
	return strings.Join(lines, "\n")
}

func (t *blocktreeScreen) txRow(tx node.TxInfo) string {
	addrW := 20
	if t.width >= 100 {
		addrW = 30
	}
	what := ""
	switch tx.Type {
	case "coinbase", "transfer":
		what = fmt.Sprintf("→ %-*s %s", addrW, view.ShortAddr(tx.To, addrW), view.Amount(tx.Amount))
	case "put":
		what = fmt.Sprintf("%s (%s)", view.Short(tx.Key, 40), view.Bytes(tx.ValueSize))
	}
	return fmt.Sprintf("%-9s %-12s %s", txKind(tx.Type), view.Short(tx.ID.String(), 10), what)
}

func (t *blocktreeScreen) txView() string {
	if t.block == nil || t.txCursor >= len(t.block.Txs) {
		return ""
	}
	return txDetails(t.s, t.block.Txs[t.txCursor])
}

// txDetails draws every field of a transaction.
func txDetails(s *shared, tx node.TxInfo) string {
	st := s.st
	f := func(label, value string) string { return "  " + field(st, label, value) }
	lines := []string{
		f("id", st.Value.Render(tx.ID.String())),
		f("type", st.Strong.Render(tx.Type)),
	}
	if tx.From != "" {
		lines = append(lines, f("from", st.Value.Render(tx.From)))
	}
	if tx.To != "" {
		lines = append(lines, f("to", st.Value.Render(tx.To)))
	}
	if tx.Type == "coinbase" || tx.Type == "transfer" {
		lines = append(lines, f("amount", st.Strong.Render(view.Amount(tx.Amount))))
	}
	if tx.Key != "" {
		lines = append(lines, f("key", st.Value.Render(tx.Key)), f("value", st.Value.Render(view.Bytes(tx.ValueSize))))
	}
	if tx.Type != "coinbase" {
		lines = append(lines, f("fee", st.Value.Render(view.Amount(tx.Fee))), f("nonce", st.Value.Render(fmt.Sprint(tx.Nonce))))
	}
	lines = append(lines, f("size", st.Value.Render(view.Bytes(tx.Size))))
	if tx.Pending {
		lines = append(lines, f("status", st.Warn.Render("pending (in the mempool)")))
	} else {
		lines = append(lines,
			f("block", st.Muted.Render(tx.Block.String())),
			f("height", st.Value.Render(view.Int(tx.Height))),
			f("confirms", st.Good.Render(view.Int(tx.Confirmations))),
			f("time", st.Value.Render(utc(tx.Time))+st.Muted.Render(" · "+view.Ago(s.now, tx.Time))))
	}
	return strings.Join(lines, "\n")
}

func utc(ms int64) string {
	if ms == 0 {
		return "–"
	}
	return time.UnixMilli(ms).UTC().Format("2006-01-02 15:04:05 UTC")
}

// difficultyOf is the expected number of hashes of a block with bits.
func difficultyOf(bits uint32) float64 {
	f, _ := new(big.Float).SetInt(consensus.Work(bits)).Float64()
	return f
}
