package tui

import (
	"fmt"
	"sort"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/bitverse/bitverse/node"
	"github.com/bitverse/bitverse/node/wire"
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

	blockID     wire.Hash
	blockHeight uint64
	block       *node.BlockInfo
	blockErr    error
	fetchErr    error // no peer gave the block of a headers-only chain
	txSel       cursorList
}

func newBlocktree(s *common) *blocktreeScreen {
	return &blocktreeScreen{s: s, list: newBlockList(s), tipTimes: map[string]int64{}, movedAt: map[string]int64{}}
}

func (t *blocktreeScreen) Title() string { return "Blocktree" }

func (t *blocktreeScreen) Capturing() bool { return false }

func (t *blocktreeScreen) Dirty() bool { return false }

func (t *blocktreeScreen) Deactivate() { t.active = false }

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
	sort.SliceStable(rows, func(i, j int) bool { return treeOrder(rows[i].name) < treeOrder(rows[j].name) })
}

func (t *blocktreeScreen) refresh() tea.Cmd {
	switch t.level {
	case levelBlocks:
		if h, ok := t.chainTip(t.list.chain); ok {
			return t.list.setTip(h)
		}
	case levelBlock, levelTx:
		if t.block == nil {
			return blockCmd(t.s.ctx, t.s.api, t.list.chain, t.blockID, t.blockHeight)
		}
	}
	return nil
}

// chainTip is the height of chain's tip: the root's from the status, a
// branch's from the tree.
func (t *blocktreeScreen) chainTip(chain string) (uint64, bool) {
	if chain == "/" {
		return t.s.tipHeight()
	}
	for _, r := range t.tree {
		if r.name == chain {
			return r.height, true
		}
	}
	return 0, false
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
	case levelChain:
		return []key.Binding{relabel(k.Open, "its blocks"), k.Back}
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
		if msg.err == nil && t.level == levelBlocks && t.active && t.list.chain == "/" {
			return t.list.setTip(msg.st.Height)
		}
	case eventMsg:
		if msg.ev.Kind == node.EventBlockDisconnected && t.list.chain == "/" {
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
		cmd := t.gotTree(msg)
		if t.level == levelBlocks && t.active && t.list.chain != "/" {
			return tea.Batch(cmd, t.refresh()) // the branch's tip moved with the tree
		}
		return cmd
	case blocksPageMsg:
		return t.list.gotPage(msg)
	case blockMsg:
		if msg.id != t.blockID {
			return nil
		}
		t.block, t.blockErr, t.fetchErr = msg.block, msg.err, msg.fetchErr
		if msg.err != nil {
			t.s.log.Warn("block", "id", msg.id, "err", msg.err)
		}
	case tea.KeyPressMsg:
		return t.key(msg)
	}
	return nil
}

// openBlocks shows the blocks of chain, newest first.
func (t *blocktreeScreen) openBlocks(chain string) tea.Cmd {
	t.list.setChain(chain)
	t.level = levelBlocks
	return t.refresh()
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
			return t.openBlocks("/")
		}
	case levelChain:
		switch {
		case key.Matches(msg, k.Back):
			t.level = levelChains
		case key.Matches(msg, k.Open):
			r, ok := t.selectedChain()
			if !ok {
				return nil
			}
			return t.openBlocks(r.name)
		}
	case levelBlocks:
		switch {
		case key.Matches(msg, k.Back):
			t.level = levelChains
			if t.list.chain != "/" {
				t.level = levelChain
			}
		case key.Matches(msg, k.Open):
			b, ok := t.list.selected()
			if !ok {
				return nil
			}
			t.level, t.blockID, t.blockHeight, t.block, t.blockErr, t.fetchErr, t.txSel = levelBlock, b.ID, b.Height, nil, nil, nil, cursorList{}
			return blockCmd(t.s.ctx, t.s.api, t.list.chain, b.ID, b.Height)
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
