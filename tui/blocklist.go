package tui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/bitverse/bitverse/node"
	"github.com/bitverse/bitverse/tui/internal/view"
)

// blockPage is how many blocks one fetch asks for. Pages are aligned:
// page p holds heights p*blockPage … p*blockPage+blockPage-1.
const blockPage = 64

// keepPages is how many pages either side of the window stay cached.
const keepPages = 4

// blockList is a scrolling list of a chain's blocks, newest first, that
// scales to any height: it holds only the pages around the visible window,
// fetches a page when a visible row is missing, and draws only the visible
// rows. Row i shows height tip-i.
type blockList struct {
	s     *common
	chain string // "/", "0", "01"…

	width, height int // height includes the column header

	tip     uint64
	haveTip bool
	cursor  int // row index; 0 is the tip
	offset  int // first visible row

	gen     int // bumped on reorgs: older answers are dropped
	blocks  map[uint64]node.BlockInfo
	pending map[uint64]bool   // pages being fetched
	fetched map[uint64]uint64 // page → tip when it was last fetched
	err     error
}

func newBlockList(s *common) *blockList {
	return &blockList{s: s, chain: "/", blocks: map[uint64]node.BlockInfo{}, pending: map[uint64]bool{}, fetched: map[uint64]uint64{}}
}

func (l *blockList) SetSize(w, h int) {
	l.width, l.height = w, h
	l.clamp()
}

func (l *blockList) rows() int { return max(1, l.height-1) }

func (l *blockList) total() int {
	if !l.haveTip {
		return 0
	}
	return int(l.tip) + 1
}

// height of row i.
func (l *blockList) heightAt(i int) uint64 { return l.tip - uint64(i) }

// selected returns the block under the cursor, if it is loaded.
func (l *blockList) selected() (node.BlockInfo, bool) {
	if l.total() == 0 {
		return node.BlockInfo{}, false
	}
	b, ok := l.blocks[l.heightAt(l.cursor)]
	return b, ok
}

// setTip moves the list to a new tip. A cursor on the tip follows it; any
// other cursor stays on the block it was on.
func (l *blockList) setTip(tip uint64) tea.Cmd {
	if !l.haveTip {
		l.tip, l.haveTip = tip, true
		l.clamp()
		return l.ensure()
	}
	if tip == l.tip {
		return l.ensure()
	}
	if l.cursor > 0 {
		d := int(tip) - int(l.tip)
		l.cursor += d
		l.offset += d
	}
	l.tip = tip
	l.clamp()
	return l.ensure()
}

// setChain shows the blocks of chain, from its tip; the list of another
// chain is forgotten.
func (l *blockList) setChain(chain string) {
	if chain == l.chain {
		return
	}
	l.reset()
	l.chain, l.haveTip, l.tip, l.cursor, l.offset, l.err = chain, false, 0, 0, 0, nil
}

// reset forgets every cached block (after a reorg).
func (l *blockList) reset() {
	l.gen++
	clear(l.blocks)
	clear(l.pending)
	clear(l.fetched)
}

func (l *blockList) clamp() {
	n := l.total()
	if n == 0 {
		l.cursor, l.offset = 0, 0
		return
	}
	l.cursor = min(max(l.cursor, 0), n-1)
	rows := l.rows()
	if l.cursor < l.offset {
		l.offset = l.cursor
	}
	if l.cursor >= l.offset+rows {
		l.offset = l.cursor - rows + 1
	}
	l.offset = min(max(l.offset, 0), max(0, n-rows))
}

// ensure fetches the pages of visible rows that are not cached, and drops
// pages far from the window.
func (l *blockList) ensure() tea.Cmd {
	n := l.total()
	if n == 0 {
		return nil
	}
	first, last := l.offset, min(n-1, l.offset+l.rows()-1)
	var cmds []tea.Cmd
	for i := first; i <= last; i++ {
		h := l.heightAt(i)
		if _, ok := l.blocks[h]; ok {
			continue
		}
		p := h / blockPage
		if l.pending[p] {
			continue
		}
		if at, ok := l.fetched[p]; ok && at == l.tip {
			continue // fetched at this tip and still short (a reorg): wait for the next tip
		}
		l.pending[p] = true
		cmds = append(cmds, blocksPageCmd(l.s.ctx, l.s.api, l.chain, l.gen, p, l.tip))
	}
	l.evict()
	return tea.Batch(cmds...)
}

func (l *blockList) evict() {
	if len(l.blocks) <= (2*keepPages+1)*blockPage {
		return
	}
	mid := l.heightAt(l.cursor) / blockPage
	for h := range l.blocks {
		p := h / blockPage
		if p+keepPages < mid || p > mid+keepPages {
			delete(l.blocks, h)
			delete(l.fetched, p)
		}
	}
}

// gotPage stores a fetched page.
func (l *blockList) gotPage(msg blocksPageMsg) tea.Cmd {
	if msg.gen != l.gen || msg.chain != l.chain {
		return nil
	}
	delete(l.pending, msg.page)
	if msg.err != nil {
		l.err = msg.err
		l.fetched[msg.page] = l.tip
		return nil
	}
	l.err = nil
	l.fetched[msg.page] = l.tip
	for _, b := range msg.blocks {
		l.blocks[b.Height] = b
	}
	return l.ensure()
}

// Update handles list keys.
func (l *blockList) Update(msg tea.KeyPressMsg) tea.Cmd {
	k := l.s.keys
	switch {
	case key.Matches(msg, k.Up):
		l.cursor--
	case key.Matches(msg, k.Down):
		l.cursor++
	case key.Matches(msg, k.PageUp):
		l.cursor -= l.rows()
		l.offset -= l.rows()
	case key.Matches(msg, k.PageDown):
		l.cursor += l.rows()
		l.offset += l.rows()
	case key.Matches(msg, k.Top):
		l.cursor = 0
	case key.Matches(msg, k.Bottom):
		l.cursor = l.total() - 1
	default:
		return nil
	}
	l.clamp()
	return l.ensure()
}

// View draws the column header and the visible rows only.
func (l *blockList) View() string {
	st := l.s.st
	wide := l.width >= 100
	var b strings.Builder
	b.Grow((l.rows() + 1) * (l.width + 40))
	hdr := fmt.Sprintf("  %9s  %-18s %10s %5s %9s", "height", "block", "age", "txs", "size")
	if wide {
		hdr += fmt.Sprintf(" %10s  %s", "difficulty", "state root")
	}
	b.WriteString(st.Column.Render(view.PadRight(hdr, l.width)))
	if l.err != nil {
		// A chain this node cannot list (headers only, or an older node)
		// shows why instead of rows that never load.
		return b.String() + "\n" + fieldErrorAt(st, sentence(l.err), l.width, 2)
	}
	n := l.total()
	last := min(n, l.offset+l.rows())
	for i := l.offset; i < last; i++ {
		b.WriteByte('\n')
		h := l.heightAt(i)
		blk, ok := l.blocks[h]
		var row string
		if !ok {
			row = fmt.Sprintf("  %9s  %s", "#"+view.Int(h), "…")
		} else {
			txs, size := fmt.Sprint(len(blk.Txs)), view.Bytes(blk.Size)
			if blk.HeadersOnly { // a header: its body is fetched when opened
				txs, size = "–", "–"
			}
			row = fmt.Sprintf("  %9s  %-18s %10s %5s %9s", "#"+view.Int(h), view.Short(blk.ID.String(), 16),
				view.Age(l.s.now, blk.Time), txs, size)
			if wide {
				row += fmt.Sprintf(" %10s  %s", view.SI(difficultyOf(blk.Bits)), view.Short(blk.StateRoot.String(), 16))
			}
		}
		b.WriteString(rowLine(st, row, i == l.cursor, l.width))
	}
	if n == 0 {
		b.WriteString("\n" + st.Muted.Render("  waiting for the node…"))
	}
	return b.String()
}
