package tui

import (
	"fmt"
	"math/big"
	"sort"
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
	levelChain                   // one branch chain's details
	levelBlocks                  // a chain's recent blocks
	levelBlock                   // one block and its transactions
	levelTx                      // one transaction
)

// chainRow is one chain of the blocktree as the tree shows it.
type chainRow struct {
	name       string // "/" for the root, else its bit-string prefix
	depth      int
	height     uint64
	tip        wire.Hash
	tipTime    int64 // ms; 0 when not known (a branch whose tip has not moved since the UI started)
	bits       string
	difficulty float64
	interval   float64 // target seconds between blocks
	followed   bool
}

// blocktreeScreen draws the tree of chains and drills down: chain → its
// blocks → a block's transactions → one transaction.
type blocktreeScreen struct {
	s             *common
	width, height int
	active        bool
	level         treeLevel

	chainSel cursorList
	list     *blockList

	// The tree, as Tree last answered, in depth-first order.
	tree                []chainRow
	treePending         int
	treeErr             error
	haveTree            bool
	treeBusy, treeStale bool
	tipTimes            map[string]int64 // chain → its tip's time, from branch-block events
	movedAt             map[string]int64 // chain → when (UI clock, ms) its tip last moved

	blockID  wire.Hash
	block    *node.BlockInfo
	blockErr error
	txSel    cursorList
}

func newBlocktree(s *common) *blocktreeScreen {
	return &blocktreeScreen{s: s, list: newBlockList(s), tipTimes: map[string]int64{}, movedAt: map[string]int64{}}
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
	return tea.Batch(t.requestTree(), t.refresh())
}

// requestTree asks the node for the tree, one call at a time: a request
// made while one is out is remembered and made when it answers.
func (t *blocktreeScreen) requestTree() tea.Cmd {
	if t.treeBusy {
		t.treeStale = true
		return nil
	}
	t.treeBusy = true
	return treeCmd(t.s.ctx, t.s.api)
}

// gotTree keeps the tree in depth-first order and notes which tips moved.
func (t *blocktreeScreen) gotTree(msg treeMsg) tea.Cmd {
	t.treeBusy = false
	if msg.err != nil {
		if t.treeErr == nil {
			t.s.log.Warn("tree", "err", msg.err)
		}
		t.treeErr = msg.err
	} else {
		old := make(map[string]wire.Hash, len(t.tree))
		for _, r := range t.tree {
			old[r.name] = r.tip
		}
		rows := make([]chainRow, 0, len(msg.tree.Chains))
		for _, c := range msg.tree.Chains {
			rows = append(rows, chainRow{name: c.Chain, depth: int(c.Depth), height: c.Height, tip: c.Tip, bits: c.Bits,
				difficulty: c.Difficulty, interval: c.TargetInterval, followed: c.Followed})
			if prev, ok := old[c.Chain]; t.haveTree && ok && prev != c.Tip {
				t.movedAt[c.Chain] = t.s.now.UnixMilli()
			}
		}
		sortTree(rows)
		t.tree, t.treePending, t.treeErr, t.haveTree = rows, msg.tree.Pending, nil, true
		t.chainSel.clamp(len(rows))
	}
	if t.treeStale {
		t.treeStale = false
		return t.requestTree()
	}
	return nil
}

// sortTree puts rows in depth-first order: a chain's name is its prefix,
// so the root ("/", the empty prefix) and then the prefixes in
// lexicographic order are exactly the order of a walk down the tree.
func sortTree(rows []chainRow) {
	name := func(r chainRow) string {
		if r.name == "/" {
			return ""
		}
		return r.name
	}
	sort.SliceStable(rows, func(i, j int) bool { return name(rows[i]) < name(rows[j]) })
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

// chains lists the chains of the blocktree, root first and depth first.
// The root's height and tip come from the latest status when it is newer
// than the tree; a branch's tip time is known once its tip has moved (the
// node's events carry it; Tree does not).
func (t *blocktreeScreen) chains() []chainRow {
	if !t.haveTree {
		// Until the first tree arrives, the root from the status.
		if !t.s.haveStatus {
			return nil
		}
		s := t.s.status
		return []chainRow{{name: "/", height: s.Height, tip: s.Tip, tipTime: s.TipTime, bits: fmt.Sprintf("%08x", s.Bits),
			difficulty: s.Difficulty, interval: t.s.params.IntervalAt(0).Seconds(), followed: true}}
	}
	for i := range t.tree {
		r := &t.tree[i]
		if r.name == "/" {
			if s := t.s.status; t.s.haveStatus && s.Height >= r.height {
				r.height, r.tip, r.tipTime, r.difficulty = s.Height, s.Tip, s.TipTime, s.Difficulty
			}
			continue
		}
		if ms, ok := t.tipTimes[r.name]; ok {
			r.tipTime = ms
		}
	}
	return t.tree
}

// selectedChain is the chain under the cursor.
func (t *blocktreeScreen) selectedChain() (chainRow, bool) {
	rows := t.chains()
	if t.chainSel.cursor < 0 || t.chainSel.cursor >= len(rows) {
		return chainRow{}, false
	}
	return rows[t.chainSel.cursor], true
}

func (t *blocktreeScreen) ShortHelp() []key.Binding {
	k := t.s.keys
	switch t.level {
	case levelChains:
		return []key.Binding{k.Move, k.Open, k.Refresh}
	case levelBlocks:
		return []key.Binding{k.Move, k.PageDown, k.Top, k.Bottom, k.Open, k.Back}
	case levelBlock:
		return []key.Binding{k.Move, k.Open, k.Back}
	}
	return []key.Binding{k.Back}
}

func (t *blocktreeScreen) FullHelp() [][]key.Binding {
	k := t.s.keys
	return [][]key.Binding{k.ListKeys(), {k.Open, k.Back, k.Refresh}}
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
		switch msg.ev.Kind {
		case node.EventBranchBlock:
			if msg.ev.Time != 0 {
				t.tipTimes[msg.ev.Chain] = msg.ev.Time
			}
			t.movedAt[msg.ev.Chain] = t.s.now.UnixMilli()
		case node.EventBlockConnected, node.EventBlockDisconnected:
			t.movedAt["/"] = t.s.now.UnixMilli()
		default:
			return nil
		}
		if t.active {
			return t.requestTree()
		}
	case treeMsg:
		return t.gotTree(msg)
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
		if t.chainSel.key(k, msg, len(t.chains()), t.chainRows(), listJump) {
			return nil
		}
		switch {
		case key.Matches(msg, k.Refresh):
			return t.requestTree()
		case key.Matches(msg, k.Open):
			r, ok := t.selectedChain()
			if !ok {
				return nil
			}
			if r.name != "/" {
				t.level = levelChain
				return nil
			}
			t.level = levelBlocks
			return t.refresh()
		}
	case levelChain:
		if key.Matches(msg, k.Back) {
			t.level = levelChains
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
			t.level, t.blockID, t.block, t.blockErr, t.txSel = levelBlock, b.ID, nil, nil, cursorList{}
			return blockCmd(t.s.ctx, t.s.api, b.ID)
		default:
			return t.list.Update(msg)
		}
	case levelBlock:
		n := 0
		if t.block != nil {
			n = len(t.block.Txs)
		}
		if t.txSel.key(k, msg, n, max(1, t.height-10), listMove) {
			return nil
		}
		switch {
		case key.Matches(msg, k.Back):
			t.level = levelBlocks
			return t.refresh()
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
	if t.level == levelChain {
		if r, ok := t.selectedChain(); ok {
			parts = append(parts, r.name)
		}
	}
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
	if t.level >= levelTx && t.block != nil && t.txSel.cursor < len(t.block.Txs) {
		parts = append(parts, "tx "+view.Short(t.block.Txs[t.txSel.cursor].ID.String(), 10))
	}
	for i := range parts {
		if i == len(parts)-1 {
			parts[i] = st.Strong.Render(parts[i])
		} else {
			parts[i] = st.Muted.Render(parts[i])
		}
	}
	out := " " + strings.Join(parts, st.Subtle.Render(" › "))
	if t.level == levelChains && t.haveTree {
		out += t.treeSummary()
	}
	return view.Truncate(out, t.width)
}

func (t *blocktreeScreen) View() string {
	var body string
	h := t.height - 2
	switch t.level {
	case levelChains:
		body = t.chainsView(h)
	case levelChain:
		body = t.chainView()
	case levelBlocks:
		body = t.list.View()
	case levelBlock:
		body = t.blockView(h)
	case levelTx:
		body = t.txView()
	}
	return t.breadcrumb() + "\n\n" + view.Lines(body, t.width, h)
}

// treeSummary follows "chains" in the breadcrumb: how many, how many
// stored in full, blocks waiting for a parent.
func (t *blocktreeScreen) treeSummary() string {
	st := t.s.st
	full := 0
	for _, r := range t.tree {
		if r.followed {
			full++
		}
	}
	s := fmt.Sprintf("  %s · %d stored in full", view.Count(len(t.tree), "chain", "chains"), full)
	if t.treePending > 0 {
		s += " · " + view.Count(t.treePending, "block", "blocks") + " waiting for a parent"
	}
	return st.Muted.Render(s)
}

// chainRows is how many chains fit under the column header.
func (t *blocktreeScreen) chainRows() int { return max(1, t.height-2-1) }

// recently is how long a chain whose tip moved is marked as active.
const recently = 30 * time.Second

func (t *blocktreeScreen) chainsView(h int) string {
	st := t.s.st
	rows := t.chains()
	switch {
	case len(rows) == 0 && t.treeErr != nil:
		return "  " + st.Bad.Render(sentence(t.treeErr))
	case len(rows) == 0:
		return st.Muted.Render("  waiting for the node…")
	}
	const nameW = 14
	wide := t.width >= 100
	var b strings.Builder
	hdr := fmt.Sprintf("  %-*s %9s  %-10s %8s  %-7s", nameW, "chain", "height", "tip", "interval", "mode")
	if wide {
		hdr += fmt.Sprintf(" %11s", "difficulty")
	}
	hdr += "  last block"
	b.WriteString(st.Column.Render(view.PadRight(hdr, t.width)))
	n := max(1, h-1)
	first, end := t.chainSel.window(len(rows), n)
	prefixes := treePrefixes(rows)
	nowMs := t.s.now.UnixMilli()
	for i := first; i < end; i++ {
		r := rows[i]
		name := st.Tree.Render(prefixes[i]) + st.Strong.Render(r.name)
		mode := st.Good.Render(view.PadRight("full", 7))
		if !r.followed {
			mode = st.Subtle.Render(view.PadRight("headers", 7))
		}
		last := st.Subtle.Render("–")
		if r.tipTime != 0 {
			last = view.Ago(t.s.now, r.tipTime)
		}
		if at, ok := t.movedAt[r.name]; ok && nowMs-at < recently.Milliseconds() {
			last = st.Good.Render("● ") + last
		} else {
			last = "  " + last
		}
		row := fmt.Sprintf("  %s %9s  %-10s %8s  %s", view.PadRight(name, nameW), view.Int(r.height),
			view.Short(r.tip.String(), 8), interval(r.interval), mode)
		if wide {
			row += fmt.Sprintf(" %11s", view.SI(r.difficulty))
		}
		row += " " + last
		b.WriteByte('\n')
		b.WriteString(rowLine(st, row, i == t.chainSel.cursor, t.width))
	}
	return b.String()
}

// interval formats a target interval in seconds.
func interval(sec float64) string {
	if sec <= 0 {
		return "–"
	}
	return view.Duration(time.Duration(sec * float64(time.Second)))
}

// chainView draws one branch chain: the node lists blocks of the root
// chain only, so a branch shows its tip and parameters.
func (t *blocktreeScreen) chainView() string {
	st := t.s.st
	r, ok := t.selectedChain()
	if !ok {
		return ""
	}
	f := func(label, value string) string { return "  " + field(st, label, value) }
	mode := st.Good.Render("full") + st.Muted.Render(" · this node stores its blocks and state")
	if !r.followed {
		mode = st.Warn.Render("headers only") + st.Muted.Render(" · run the node with --follow "+r.name+" to store it")
	}
	parent := "/"
	if r.depth > 1 {
		parent = r.name[:len(r.name)-1]
	}
	last := st.Subtle.Render("not seen move since the UI started")
	if r.tipTime != 0 {
		last = st.Value.Render(utc(r.tipTime)) + st.Muted.Render(" · "+view.Ago(t.s.now, r.tipTime))
	}
	lines := []string{
		f("chain", st.Strong.Render(r.name)+st.Muted.Render(fmt.Sprintf(" · depth %d · child of %s", r.depth, parent))),
		f("holds", st.Value.Render("keys whose SHA-256 starts with the bits "+r.name)+st.Muted.Render(fmt.Sprintf(" (put at depth %d)", r.depth))),
		f("height", st.Value.Render(view.Int(r.height))),
		f("tip", st.Value.Render(r.tip.String())),
		f("last block", last),
		f("difficulty", st.Value.Render(view.SI(r.difficulty))+st.Muted.Render(" · bits "+r.bits)),
		f("interval", st.Value.Render(interval(r.interval))+st.Muted.Render(" between blocks (target)")),
		f("mode", mode),
		"",
		"  " + st.Subtle.Render("The node lists the blocks of the root chain / only; enter on / opens them."),
	}
	return strings.Join(lines, "\n")
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
	first, end := t.txSel.window(len(b.Txs), rows)
	for i := first; i < end; i++ {
		row := "  " + t.txRow(b.Txs[i])
		lines = append(lines, rowLine(st, row, i == t.txSel.cursor, t.width))
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
	if t.block == nil || t.txSel.cursor >= len(t.block.Txs) {
		return ""
	}
	return txDetails(t.s, t.block.Txs[t.txSel.cursor])
}

// txDetails draws every field of a transaction.
func txDetails(s *common, tx node.TxInfo) string {
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
