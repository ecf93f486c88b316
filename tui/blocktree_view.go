package tui

import (
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/bitverse/bitverse/node"
	"github.com/bitverse/bitverse/node/consensus"
	"github.com/bitverse/bitverse/tui/internal/view"
)

// Drawing the blocktree screen: the breadcrumb, the tree of chains, one
// chain, one block, one transaction.

func (t *blocktreeScreen) breadcrumb() string {
	st := t.s.st
	parts := []string{"chains"}
	if t.level == levelChain {
		if r, ok := t.selectedChain(); ok {
			parts = append(parts, r.name)
		}
	}
	if t.level >= levelBlocks {
		parts = append(parts, t.list.chain+" blocks")
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
	}
	switch {
	case r.followed:
		lines = append(lines, "  "+st.Subtle.Render("enter opens its blocks and their transactions."))
	default:
		lines = append(lines, "  "+st.Subtle.Render("enter opens its blocks (headers here; a block opened comes from a peer)."))
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
	switch {
	case b.FromPeer != "":
		lines[len(lines)-1] += st.Muted.Render("  from peer " + view.Short(b.FromPeer, 20) + " · checked against the header this node verified")
	case b.HeadersOnly && t.fetchErr != nil:
		lines = append(lines, fieldErrorAt(st, fetchSentence(t.fetchErr), t.width, 2))
	case b.HeadersOnly:
		lines = append(lines, "  "+st.Muted.Render("This node keeps chain "+b.Chain+" as headers only."))
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
	case "tumble":
		what = fmt.Sprintf("%d in → %d out  %s", len(tx.Inputs), len(tx.Outputs), view.Amount(tx.Amount))
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
	if tx.Chain != "" && tx.Chain != "/" {
		lines = append(lines, f("chain", st.Value.Render(tx.Chain)+st.Muted.Render(" (a branch chain)")))
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
	for _, in := range tx.Inputs {
		lines = append(lines, f("input", st.Value.Render(in.Address)+" "+st.Strong.Render(view.Amount(in.Amount))))
	}
	for _, out := range tx.Outputs {
		lines = append(lines, f("output", st.Value.Render(out.Address)+" "+st.Strong.Render(view.Amount(out.Amount))))
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

// fetchSentence is why no peer sent a block of a headers-only chain: the
// node's own sentence, which names the block and what each peer said.
func fetchSentence(err error) string {
	if errors.Is(err, node.ErrNotFound) {
		err = errors.New(strings.TrimPrefix(err.Error(), node.ErrNotFound.Error()+": "))
	}
	return sentence(err)
}
