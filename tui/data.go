package tui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/bitverse/bitverse/node"
	"github.com/bitverse/bitverse/node/consensus"
	"github.com/bitverse/bitverse/node/wire"
	"github.com/bitverse/bitverse/tui/internal/view"
	"github.com/charmbracelet/x/ansi"
)

type dataMode int

const (
	dmBrowse  dataMode = iota
	dmFilter           // typing a prefix
	dmOpenKey          // typing a key to get
	dmPreview          // a value, full screen (narrow terminals)
	dmPut              // the put form, then its review (flow)
)

// Fields of the put form.
const (
	putFieldKey = iota
	putFieldValue
	putFieldDepth
	putFields
)

// keysPage is how many keys one Keys call fetches.
const keysPage = 200

// splitWidth is the width from which the preview sits beside the key list.
const splitWidth = 100

// dataScreen is "Keyspaces & data": it browses keys by prefix, previews
// values (text, JSON, images) and writes new ones; K switches to the
// keyspaces the wallet owns (keyspacesView, keyspaces.go).
type dataScreen struct {
	s             *common
	width, height int
	active        bool
	mode          dataMode

	ks     *keyspacesView
	spaces bool // the keyspaces are shown rather than the keys

	prefix      textinput.Model
	openKey     textinput.Model
	keys        []string
	keysPrefix  string
	keysErr     error
	keysLoaded  bool
	keysMore    bool
	list        cursorList // the selected key
	busy, stale bool

	// the value being previewed
	getKey  string
	got     *node.GetResult
	prev    preview
	getErr  error
	pOffset int
	pLines  []string
	pCacheW int
	pCacheH int

	// the put form
	putKey, putValue textinput.Model
	putDepth         int  // 0 (the root) to the network's MaxDepth
	put              form // key, value, depth
	putErr           string
	refused          *putRefusal
	// flow reviews, signs and submits the write (and on a branch whose
	// credit is short, the root stamp that buys what is missing first).
	flow *signFlow
}

// putRefusal is a write a keyspace refused: by its access script, with the
// script's reason, or because nobody owns the keyspace.
type putRefusal struct {
	keyspace, reason string
	code             consensus.ErrorCode
}

func newData(s *common) *dataScreen {
	d := &dataScreen{s: s, ks: newKeyspacesView(s), flow: newSignFlow(s)}
	d.prefix = newInput(s.st, "prefix ", "all keys", 40)
	d.openKey = newInput(s.st, "key ", "public/hello", 50)
	d.openKey.CharLimit = wire.MaxKeySize
	d.putKey = newInput(s.st, "", "public/hello", 50)
	d.putKey.CharLimit = wire.MaxKeySize
	d.putValue = newInput(s.st, "", "world", 50)
	d.putValue.CharLimit = wire.MaxValueSize
	d.put = newForm(&d.putKey, &d.putValue, nil)
	return d
}

func (d *dataScreen) restyle() {
	for _, in := range []*textinput.Model{&d.prefix, &d.openKey, &d.putKey, &d.putValue} {
		in.SetStyles(d.s.st.Input)
	}
	d.ks.restyle()
}

func (d *dataScreen) Title() string { return "Keyspaces & data" }
func (d *dataScreen) Deactivate()   { d.active = false }

func (d *dataScreen) SetSize(w, h int) {
	d.width, d.height = w, h
	iw := min(60, max(20, w-24))
	d.putKey.SetWidth(iw)
	d.putValue.SetWidth(iw)
	d.openKey.SetWidth(iw)
	d.ks.SetSize(w, h)
}

func (d *dataScreen) Activate() tea.Cmd {
	d.active = true
	if d.spaces {
		return d.ks.Activate()
	}
	return d.fetchKeys()
}

func (d *dataScreen) Capturing() bool {
	if d.spaces {
		return d.ks.Capturing()
	}
	return d.mode == dmFilter || d.mode == dmOpenKey || d.mode == dmPut && !d.flow.active()
}

func (d *dataScreen) Dirty() bool {
	return d.mode == dmPut && (d.putKey.Value() != "" || d.putValue.Value() != "") || d.ks.Dirty()
}

func (d *dataScreen) ShortHelp() []key.Binding {
	k := d.s.keys
	if d.spaces {
		return d.ks.ShortHelp()
	}
	switch d.mode {
	case dmBrowse:
		return []key.Binding{k.Open, k.Filter, k.GetKey, k.Put, k.Keyspaces, k.Move}
	case dmFilter, dmOpenKey:
		return []key.Binding{k.Submit, k.Cancel}
	case dmPut:
		if d.flow.active() {
			return d.flow.ShortHelp()
		}
		if d.put.focus == putFieldDepth {
			return []key.Binding{k.Deeper, k.Shallower, k.Submit, k.Cancel}
		}
		return []key.Binding{k.NextField, k.Submit, k.Cancel}
	case dmPreview:
		return []key.Binding{k.Move, k.Back}
	}
	return nil
}

func (d *dataScreen) FullHelp() [][]key.Binding {
	k := d.s.keys
	if d.spaces {
		return d.ks.FullHelp()
	}
	return [][]key.Binding{
		{k.Up, k.Down, k.PageUp, k.PageDown, k.Open, k.Back},
		{k.Filter, k.GetKey, k.More, k.Put, k.Keyspaces, k.Refresh},
		{k.NextField, k.PrevField, k.Deeper, k.Shallower, k.Submit, k.Cancel, k.Yes, k.No},
	}
}

func (d *dataScreen) fetchKeys() tea.Cmd {
	if d.busy {
		d.stale = true
		return nil
	}
	d.busy = true
	return keysCmd(d.s.ctx, d.s.api, d.prefix.Value(), "", keysPage)
}

func (d *dataScreen) get(k string) tea.Cmd {
	d.getKey, d.got, d.getErr, d.pOffset, d.pLines = k, nil, nil, 0, nil
	return getCmd(d.s.ctx, d.s.api, k)
}

// Update gives every message but keys to the keyspaces view as well.
func (d *dataScreen) Update(msg tea.Msg) tea.Cmd {
	if _, isKey := msg.(tea.KeyPressMsg); isKey {
		return d.key(msg.(tea.KeyPressMsg))
	}
	return tea.Batch(d.ks.Update(msg, d.active && d.spaces), d.update(msg))
}

func (d *dataScreen) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case eventMsg:
		if d.active && !d.spaces && (msg.ev.Kind == node.EventBlockConnected || msg.ev.Kind == node.EventBranchBlock) {
			var cmds []tea.Cmd
			if msg.ev.Kind == node.EventBlockConnected {
				cmds = append(cmds, d.fetchKeys()) // the key list is the root's
			}
			switch {
			case d.getKey != "" && (d.got == nil || d.getErr != nil):
				cmds = append(cmds, d.get(d.getKey)) // waiting for a write to land
			case d.got != nil && d.got.Chain != "" && d.got.Chain != "/" && d.got.RootConfirmations == 0 &&
				msg.ev.Kind == node.EventBlockConnected:
				cmds = append(cmds, d.get(d.getKey)) // waiting for a root block to checkpoint it
			}
			return tea.Batch(cmds...)
		}
	case keysMsg:
		return d.gotKeys(msg)
	case getMsg:
		if msg.key != d.getKey {
			return nil
		}
		d.got, d.prev, d.getErr, d.pLines = msg.res, msg.preview, msg.err, nil
	case preparedMsg, submittedMsg, txConfirmedMsg:
		return d.flowDone(d.flow.Update(msg))
	}
	return nil
}

// flowDone acts on what the write's review-and-sign flow reports.
func (d *dataScreen) flowDone(cmd tea.Cmd, r flowResult) tea.Cmd {
	stampStep := func() bool { return r.plan != nil && r.plan.stamp() != nil && r.step == 0 }
	switch r.outcome {
	case outcomeFailed:
		d.s.log.Warn("prepare put", "err", r.err)
		d.putErr = sentence(r.err)
		return d.focusField(d.put.focus)
	case outcomeBack:
		return d.focusField(putFieldValue)
	case outcomeRefused:
		if stampStep() {
			d.s.log.Warn("submit stamp", "err", r.err)
			d.putErr = "The node refused the stamp of write credit: " + sentence(r.err)
			return d.focusField(putFieldValue)
		}
		d.s.log.Warn("submit put", "err", r.err)
		if ks, reason, code, ok := refusal(r.err); ok {
			d.refused = &putRefusal{keyspace: ks, reason: reason, code: code}
		} else {
			d.putErr = "The node refused the write: " + sentence(r.err)
		}
		return d.focusField(0)
	case outcomeWaiting:
		st := r.plan.stamp()
		body := st.Body.(wire.Stamp)
		id := r.ids[len(r.ids)-1]
		d.s.log.Info("stamp", "chain", body.Chain.String(), "amount", body.Amount, "fee", st.Fee, "tx", id)
		d.s.info(fmt.Sprintf("Stamping %s of write credit on chain %s (fee %s, tx %s); waiting for a root block…",
			view.Amount(body.Amount), body.Chain, view.Amount(st.Fee), view.Short(id.String(), 12)))
	case outcomeLost:
		d.s.log.Warn("wait for stamp", "err", r.err)
		d.putErr = "The stamp did not confirm: " + sentence(r.err)
		return d.focusField(putFieldValue)
	case outcomeStopped:
		d.putErr = "Stopped waiting. The stamp stays submitted and pays for the write once a root block holds it; enter writes again then."
		return d.focusField(putFieldValue)
	case outcomeDone:
		k := d.putKey.Value()
		put := r.plan.main()
		id := r.ids[len(r.ids)-1]
		d.s.log.Info("put", "key", k, "chain", put.Chain.String(), "tx", id)
		where := ""
		if !put.Chain.IsRoot() {
			where = " on chain " + put.Chain.String()
		}
		if st := r.plan.stamp(); st != nil {
			where += fmt.Sprintf(" (its credit stamped for %s + fee %s)", view.Amount(st.Body.(wire.Stamp).Amount), view.Amount(st.Fee))
		}
		d.s.info("Written: " + k + where + " is pending until a block includes it (tx " + view.Short(id.String(), 12) + ").")
		d.putKey.Reset()
		d.putValue.Reset()
		d.mode = dmBrowse
		d.prefix.SetValue(k)
		return tea.Batch(d.fetchKeys(), d.get(k))
	}
	return cmd
}

func (d *dataScreen) gotKeys(msg keysMsg) tea.Cmd {
	d.busy = false
	if msg.err != nil {
		d.keysErr = msg.err
	} else if msg.after == "" {
		d.keys, d.keysPrefix, d.keysErr, d.keysLoaded = msg.keys, msg.prefix, nil, true
		d.list.clamp(len(d.keys))
		d.keysMore = len(msg.keys) == keysPage
	} else if msg.prefix == d.keysPrefix {
		d.keys = append(d.keys, msg.keys...)
		d.keysMore = len(msg.keys) == keysPage
	}
	if d.stale {
		d.stale = false
		return d.fetchKeys()
	}
	return nil
}

func (d *dataScreen) focusField(i int) tea.Cmd {
	return d.put.focusOn(i)
}

// putChain is the chain a write of the form's key at its depth goes to.
func (d *dataScreen) putChain() wire.ChainID {
	return wire.ForPath(wire.KeyPath(strings.TrimSpace(d.putKey.Value())), uint8(d.putDepth))
}

// depthKey changes the depth while its field has focus.
func (d *dataScreen) depthKey(msg tea.KeyPressMsg) {
	k := d.s.keys
	maxD := int(d.s.params.MaxDepth)
	switch s := msg.String(); {
	case key.Matches(msg, k.Deeper):
		d.putDepth = min(maxD, d.putDepth+1)
	case key.Matches(msg, k.Shallower):
		d.putDepth = max(0, d.putDepth-1)
	case len(s) == 1 && s[0] >= '0' && int(s[0]-'0') <= maxD:
		d.putDepth = int(s[0] - '0')
	default:
		return
	}
	d.putErr, d.refused = "", nil
}

func (d *dataScreen) key(msg tea.KeyPressMsg) tea.Cmd {
	k := d.s.keys
	if d.spaces {
		if d.ks.atRest() && key.Matches(msg, k.Keyspaces) {
			d.spaces = false
			return d.fetchKeys()
		}
		return d.ks.key(msg)
	}
	if d.mode == dmBrowse && key.Matches(msg, k.Keyspaces) {
		d.spaces = true
		return d.ks.Activate()
	}
	switch d.mode {
	case dmBrowse:
		return d.browseKey(msg)
	case dmFilter:
		switch {
		case key.Matches(msg, k.Submit):
			d.prefix.Blur()
			d.mode, d.list = dmBrowse, cursorList{}
			return d.fetchKeys()
		case key.Matches(msg, k.Cancel):
			d.prefix.Blur()
			d.prefix.SetValue(d.keysPrefix)
			d.mode = dmBrowse
			return nil
		}
		var cmd tea.Cmd
		d.prefix, cmd = d.prefix.Update(msg)
		return cmd
	case dmOpenKey:
		switch {
		case key.Matches(msg, k.Submit):
			kk := strings.TrimSpace(d.openKey.Value())
			if err := wire.ValidKey(kk); err != nil {
				d.s.fail(sentence(err))
				return nil
			}
			d.openKey.Blur()
			d.mode = d.previewMode()
			return d.get(kk)
		case key.Matches(msg, k.Cancel):
			d.openKey.Blur()
			d.mode = dmBrowse
			return nil
		}
		var cmd tea.Cmd
		d.openKey, cmd = d.openKey.Update(msg)
		return cmd
	case dmPreview:
		switch {
		case key.Matches(msg, k.Back):
			d.mode = dmBrowse
		case key.Matches(msg, k.Up):
			d.pOffset = max(0, d.pOffset-1)
		case key.Matches(msg, k.Down):
			d.pOffset++
		case key.Matches(msg, k.PageDown):
			d.pOffset += d.height / 2
		case key.Matches(msg, k.PageUp):
			d.pOffset = max(0, d.pOffset-d.height/2)
		}
	case dmPut:
		if d.flow.active() {
			return d.flowDone(d.flow.Key(msg))
		}
		switch {
		case key.Matches(msg, k.Cancel):
			d.put.blur()
			d.mode = dmBrowse
			return nil
		case key.Matches(msg, k.Submit):
			if d.put.focus == putFieldKey {
				return d.focusField(putFieldValue)
			}
			return d.submitPut()
		case key.Matches(msg, k.NextField):
			return d.put.next()
		case key.Matches(msg, k.PrevField):
			return d.put.prev()
		}
		cmd, ok := d.put.update(msg)
		if !ok {
			d.depthKey(msg)
			return nil
		}
		d.putErr, d.refused = "", nil
		return cmd
	}
	return nil
}

// previewMode is where a value opens: beside the list when there is room.
func (d *dataScreen) previewMode() dataMode {
	if d.width >= splitWidth {
		return dmBrowse
	}
	return dmPreview
}

func (d *dataScreen) listRows() int { return max(1, d.height-4) }

func (d *dataScreen) browseKey(msg tea.KeyPressMsg) tea.Cmd {
	k := d.s.keys
	if d.list.key(k, msg, len(d.keys), d.listRows(), listMove) {
		return nil
	}
	switch {
	case key.Matches(msg, k.Open):
		if d.list.cursor < len(d.keys) {
			d.mode = d.previewMode()
			return d.get(d.keys[d.list.cursor])
		}
	case key.Matches(msg, k.Filter):
		d.mode = dmFilter
		d.prefix.CursorEnd()
		return d.prefix.Focus()
	case key.Matches(msg, k.GetKey):
		d.mode = dmOpenKey
		d.openKey.Reset()
		return d.openKey.Focus()
	case key.Matches(msg, k.Put):
		if d.s.wallet == nil || len(d.s.accounts) == 0 {
			d.s.fail("Open a wallet first: a write is signed and paid by your account.")
			return nil
		}
		d.mode, d.putErr, d.refused = dmPut, "", nil
		return d.focusField(0)
	case key.Matches(msg, k.More):
		if d.keysMore && len(d.keys) > 0 && !d.busy {
			d.busy = true
			return keysCmd(d.s.ctx, d.s.api, d.keysPrefix, d.keys[len(d.keys)-1], keysPage)
		}
	case key.Matches(msg, k.Refresh):
		return d.fetchKeys()
	}
	return nil
}

func (d *dataScreen) submitPut() tea.Cmd {
	k, v := strings.TrimSpace(d.putKey.Value()), d.putValue.Value()
	if err := wire.ValidKey(k); err != nil {
		d.putErr = sentence(err)
		return d.focusField(0)
	}
	acct := d.s.accounts[0]
	hw, name, value := d.s.wallet, acct.Name, []byte(v)
	ctx, api, params, from := d.s.ctx, d.s.api, d.s.params, acct.Address
	if d.putDepth > 0 {
		d.putKey.Blur()
		d.putValue.Blur()
		chain := d.putChain()
		return d.flow.start(func(id reqID) tea.Cmd {
			return prepareBranchPutCmd(ctx, api, params, id, from, name, k, value, chain,
				func(tx *wire.Tx) error { return hw.Sign(name, tx) })
		})
	}
	fee := minFee(d.s.params, wire.Put{Key: k, Value: []byte(v)}, d.s.balances[acct.Address].NextNonce)
	if bal, known := d.s.balances[acct.Address]; known && bal.Balance < fee {
		d.putErr = fmt.Sprintf("The fee is %s but %s can spend only %s. Mine a few blocks (m) and wait for the rewards to mature.",
			view.Amount(fee), acct.Name, view.Amount(bal.Balance))
		return d.focusField(1)
	}
	d.putKey.Blur()
	d.putValue.Blur()
	return d.flow.start(func(id reqID) tea.Cmd {
		return prepareTxCmd(ctx, api, params, id, from, wire.Put{Key: k, Value: value}, "the write",
			func(nonce, fee uint64) (*wire.Tx, error) { return hw.Put(name, k, value, nonce, fee) })
	})
}

// switcher is the first line of both views: which one is shown, and the
// key that switches.
func (d *dataScreen) switcher() string {
	st := d.s.st
	keys, spaces := st.Title.Render("Keys"), st.Subtle.Render("Keyspaces")
	if d.spaces {
		keys, spaces = st.Subtle.Render("Keys"), st.Title.Render("Keyspaces")
	}
	return " " + keys + "  " + spaces + st.Subtle.Render("  · K switches")
}

func (d *dataScreen) View() string {
	if d.spaces {
		return view.Lines(d.ks.View(d.switcher()), d.width, d.height)
	}
	var body string
	switch d.mode {
	case dmPreview:
		body = d.previewView(d.width, d.height)
	case dmPut:
		if d.flow.shown() {
			body = d.flow.View(d.review(), d.width, d.height)
		} else {
			body = d.putView()
		}
	default:
		if d.width >= splitWidth {
			lw := d.width * 2 / 5
			left := view.Lines(d.listView(lw), lw, d.height)
			right := d.previewView(d.width-lw-3, d.height)
			sep := strings.TrimRight(strings.Repeat(d.s.st.Tree.Render("│")+"\n", d.height), "\n")
			body = lipgloss.JoinHorizontal(lipgloss.Top, left, " ", sep, " ", right)
		} else {
			body = d.listView(d.width)
		}
	}
	return view.Lines(body, d.width, d.height)
}

func (d *dataScreen) listView(w int) string {
	st := d.s.st
	lines := []string{d.switcher()}
	switch d.mode {
	case dmFilter:
		lines = append(lines, " "+d.prefix.View())
	case dmOpenKey:
		lines = append(lines, " "+d.openKey.View())
	default:
		p := d.keysPrefix
		if p == "" {
			p = st.Subtle.Render("all keys")
		} else {
			p = st.Value.Render(p)
		}
		lines = append(lines, " "+st.Label.Render("prefix ")+p+st.Subtle.Render("  (/ to change, o to open a key)"))
	}
	lines = append(lines, "")
	switch {
	case d.keysErr != nil:
		lines = append(lines, "  "+st.Bad.Render(sentence(d.keysErr)))
	case !d.keysLoaded:
		lines = append(lines, "  "+st.Muted.Render("loading…"))
	case len(d.keys) == 0:
		lines = append(lines, "  "+st.Muted.Render("No keys here yet. p writes one."))
	}
	first, end := d.list.window(len(d.keys), d.listRows())
	for i := first; i < end; i++ {
		lines = append(lines, rowLine(st, "  "+d.keys[i], i == d.list.cursor, w))
	}
	if d.keysMore {
		lines = append(lines, "  "+st.Subtle.Render("n loads more keys"))
	}
	return strings.Join(lines, "\n")
}

func (d *dataScreen) previewView(w, h int) string {
	st := d.s.st
	if d.getKey == "" {
		return st.Muted.Render(" Select a key and press enter to see its value.")
	}
	lines := []string{" " + st.Title.Render(view.Truncate(d.getKey, w-2))}
	switch {
	case d.getErr != nil:
		return strings.Join(append(lines, "", " "+st.Bad.Render(view.Truncate(sentence(d.getErr), w-2))), "\n")
	case d.got == nil:
		return strings.Join(append(lines, "", " "+st.Muted.Render("loading…")), "\n")
	}
	r := d.got
	lines = append(lines,
		" "+st.Muted.Render(view.Truncate(fmt.Sprintf("%s · %s · block #%s · %s", d.prev.label(), view.Bytes(d.prev.size),
			view.Int(r.Height), view.Count(r.Confirmations, "confirmation", "confirmations")), w-2)),
		" "+st.Muted.Render(view.Truncate(chainLine(r.ValueRecord), w-2)),
		" "+st.Muted.Render("writer "+view.ShortAddr(r.Writer, max(12, w-10))),
		"",
	)
	room := max(1, h-len(lines))
	content := d.previewLines(w-1, room)
	d.pOffset = min(d.pOffset, max(0, len(content)-room))
	end := min(len(content), d.pOffset+room)
	for _, l := range content[d.pOffset:end] {
		lines = append(lines, " "+l)
	}
	return strings.Join(lines, "\n")
}

// previewLines lays the value out for width w (cached per size).
func (d *dataScreen) previewLines(w, h int) []string {
	if d.pLines != nil && d.pCacheW == w && d.pCacheH == h {
		return d.pLines
	}
	var s string
	switch d.prev.kind {
	case previewImage:
		s = view.HalfBlocks(d.prev.img, w, h)
	case previewJSON, previewBinary:
		s = d.prev.text
	default:
		s = ansi.Wrap(d.prev.text, w, "")
	}
	lines := strings.Split(s, "\n")
	if d.prev.kind != previewImage {
		for i, l := range lines {
			lines[i] = view.Truncate(l, w)
		}
	}
	d.pLines, d.pCacheW, d.pCacheH = lines, w, h
	return lines
}

func (d *dataScreen) putView() string {
	st := d.s.st
	acct := d.s.accounts[0]
	lines := []string{
		" " + st.Title.Render("Put a value"),
		"",
		"  " + field(st, "key", d.putKey.View()),
		"  " + field(st, "value", d.putValue.View()),
		"  " + field(st, "depth", d.depthView()),
	}
	body := wire.Put{Key: d.putKey.Value(), Value: []byte(d.putValue.Value())}
	if d.putDepth == 0 {
		fee := minFee(d.s.params, body, d.s.balances[acct.Address].NextNonce)
		lines = append(lines, "  "+field(st, "fee", st.Value.Render(view.Amount(fee))+
			st.Muted.Render(fmt.Sprintf(" · paid by %s (%s spendable)", acct.Name, view.Amount(d.s.balances[acct.Address].Balance)))))
	} else {
		fee := minFeeOn(d.s.params, d.putChain(), body, 0)
		lines = append(lines, "  "+field(st, "fee", st.Value.Render(view.Amount(fee))+
			st.Muted.Render(" · from write credit on chain "+d.putChain().String()+" (stamped if short)")))
	}
	if d.putErr != "" {
		lines = append(lines, "", fieldError(st, d.putErr, d.width))
	}
	if r := d.refused; r != nil {
		lines = append(lines, "", d.refusalView(r))
	}
	lines = append(lines, "")
	if d.flow.active() {
		lines = append(lines, "  "+st.Muted.Render("Signing…"))
	} else {
		lines = append(lines, "  "+st.Muted.Render("enter reviews the write before sending · depth: tab to it, +/- changes it"))
	}
	return strings.Join(lines, "\n")
}

// review is the write's last look before anything is sent.
func (d *dataScreen) review() review {
	st := d.s.st
	pl := d.flow.plan
	tx := pl.main()
	body := tx.Body.(wire.Put)
	f := func(label, value string) string { return field(st, label, value) }
	rows := []string{
		f("key", st.Value.Render(view.Truncate(body.Key, 50))),
		f("value", st.Value.Render(view.Bytes(len(body.Value)))),
	}
	if tx.Chain.IsRoot() {
		rows = append(rows,
			f("depth", st.Value.Render("0 (root /)")),
			f("fee", st.Strong.Render(view.Amount(tx.Fee))))
	} else {
		rows = append(rows,
			f("depth", st.Value.Render(fmt.Sprintf("%d (chain %s)", tx.Chain.Depth, tx.Chain))),
			f("fee", st.Strong.Render(view.Amount(tx.Fee))+st.Muted.Render(" from write credit ("+view.Amount(pl.available)+" left)")))
		if s := pl.stamp(); s != nil {
			amount := s.Body.(wire.Stamp).Amount
			total, _ := wire.AddAmounts(amount, s.Fee)
			rows = append(rows,
				f("stamp", st.Strong.Render(view.Amount(amount))+st.Muted.Render(" of credit + fee "+view.Amount(s.Fee))),
				f("", st.Muted.Render("= "+view.Amount(total)+" from your balance, first;")),
				f("", st.Muted.Render("the write waits for a root block to hold it")))
		}
	}
	return review{title: "Write this value?", rows: rows, yes: "write", no: "back to the form"}
}

// refusalView says which keyspace refused the write and why, in the
// script's own words, and what to do.
func (d *dataScreen) refusalView(r *putRefusal) string {
	st := d.s.st
	ks := r.keyspace
	if ks == "" {
		ks = "its keyspace"
	}
	var head, why, next string
	switch {
	case r.code == consensus.ErrNoKeyspace:
		head = "✗ Nobody owns the keyspace " + ks + " yet."
		next = "Buy it (esc, then K, then b), or write under public/."
	case strings.Contains(r.reason, "only its owner may write"):
		head = "✗ Only the owner of " + ks + " may write there."
		why = ks + " has no access script, so nobody else may write into it."
		next = "Write under public/ or into a keyspace of your own (esc, then K, lists yours)."
	default:
		head = "✗ The access script of " + ks + " refused this write:"
		why = r.reason
		next = "Change the key or the value and try again; esc, then K, then o " + ks + " shows the script."
	}
	w := max(20, d.width-6)
	out := []string{"  " + st.Bad.Render(head)}
	if why != "" {
		for _, l := range strings.Split(ansi.Wrap(why, w, ""), "\n") {
			out = append(out, "    "+st.Strong.Render(l))
		}
	}
	for _, l := range strings.Split(ansi.Wrap(next, w, ""), "\n") {
		out = append(out, "  "+st.Muted.Render(l))
	}
	return strings.Join(out, "\n")
}

// depthView draws the depth field: the depth and the chain the key goes to.
func (d *dataScreen) depthView() string {
	st := d.s.st
	n := st.Value.Render(fmt.Sprint(d.putDepth)) + st.Muted.Render(" ·")
	if d.put.focus == putFieldDepth && d.mode == dmPut && !d.flow.active() {
		n = st.Selected.Render(fmt.Sprintf("‹ %d ›", d.putDepth))
	}
	if d.putDepth == 0 {
		return n + st.Muted.Render(" the root chain / · paid from your balance")
	}
	id := d.putChain()
	where := "chain " + id.String()
	if strings.TrimSpace(d.putKey.Value()) == "" {
		where = "the chain of the key's first " + view.Count(d.putDepth, "bit", "bits")
	}
	return n + st.Muted.Render(" "+where+" · blocks every "+view.Duration(d.s.params.IntervalAt(uint8(d.putDepth)))+
		" · paid from write credit")
}

// chainLine says which chain holds a value and how final it is on the root.
func chainLine(r node.ValueRecord) string {
	if r.Chain == "" || r.Chain == "/" {
		return "chain / (the root)"
	}
	id, err := wire.ParseChainID(r.Chain)
	depth := ""
	if err == nil {
		depth = fmt.Sprintf(" (depth %d)", id.Depth)
	}
	if r.RootConfirmations == 0 {
		return "chain " + r.Chain + depth + " · not yet checkpointed on the root"
	}
	return "chain " + r.Chain + depth + " · " + view.Count(r.RootConfirmations, "root confirmation", "root confirmations")
}
