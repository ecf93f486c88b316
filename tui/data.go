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
	dmBrowse    dataMode = iota
	dmFilter             // typing a prefix
	dmOpenKey            // typing a key to get
	dmPreview            // a value, full screen (narrow terminals)
	dmPut                // the put form
	dmPreparing          // nonce, fee, signature
	dmConfirm            // the last look before submitting
	dmSending
)

// keysPage is how many keys one Keys call fetches.
const keysPage = 200

// splitWidth is the width from which the preview sits beside the key list.
const splitWidth = 100

// dataScreen is "Keyspaces & data": it browses keys by prefix, previews
// values (text, JSON, images) and writes new ones; K switches to the
// keyspaces the wallet owns (keyspacesView, keyspaces.go).
type dataScreen struct {
	s             *shared
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
	cursor      int
	offset      int
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
	focus            int
	putErr           string
	refused          *putRefusal
	prepared         *wire.Tx
}

// putRefusal is a write a keyspace refused: by its access script, with the
// script's reason, or because nobody owns the keyspace.
type putRefusal struct {
	keyspace, reason string
	code             consensus.ErrorCode
}

func newData(s *shared) *dataScreen {
	d := &dataScreen{s: s, ks: newKeyspacesView(s)}
	d.prefix = newInput(s.st, "prefix ", "all keys", 40)
	d.openKey = newInput(s.st, "key ", "public/hello", 50)
	d.openKey.CharLimit = wire.MaxKeySize
	d.putKey = newInput(s.st, "", "public/hello", 50)
	d.putKey.CharLimit = wire.MaxKeySize
	d.putValue = newInput(s.st, "", "world", 50)
	d.putValue.CharLimit = wire.MaxValueSize
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
	return d.mode == dmFilter || d.mode == dmOpenKey || d.mode == dmPut
}

func (d *dataScreen) Dirty() bool {
	return (d.mode == dmPut || d.mode == dmPreparing || d.mode == dmConfirm) &&
		(d.putKey.Value() != "" || d.putValue.Value() != "") || d.ks.Dirty()
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
		return []key.Binding{k.NextField, k.Submit, k.Cancel}
	case dmConfirm:
		return []key.Binding{k.Yes, k.No}
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
		{k.NextField, k.PrevField, k.Submit, k.Cancel, k.Yes, k.No},
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
		if d.active && !d.spaces && msg.ev.Kind == node.EventBlockConnected {
			cmds := []tea.Cmd{d.fetchKeys()}
			if d.getKey != "" && (d.got == nil || d.getErr != nil) {
				cmds = append(cmds, d.get(d.getKey)) // waiting for a write to land
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
	case preparedMsg:
		if msg.who != "put" || d.mode != dmPreparing {
			return nil
		}
		if msg.err != nil {
			d.s.log.Warn("prepare put", "err", msg.err)
			d.mode, d.putErr = dmPut, sentence(msg.err)
			return d.focusField(d.focus)
		}
		d.prepared, d.mode = msg.tx, dmConfirm
	case submittedMsg:
		if msg.who != "put" || d.mode != dmSending {
			return nil
		}
		if msg.err != nil {
			d.s.log.Warn("submit put", "err", msg.err)
			d.mode = dmPut
			if ks, reason, code, ok := refusal(msg.err); ok {
				d.refused = &putRefusal{keyspace: ks, reason: reason, code: code}
			} else {
				d.putErr = "The node refused the write: " + sentence(msg.err)
			}
			return d.focusField(0)
		}
		k := d.putKey.Value()
		d.s.log.Info("put", "key", k, "tx", msg.id)
		d.s.info("Written: " + k + " is pending until a block includes it (tx " + view.Short(msg.id.String(), 12) + ").")
		d.putKey.Reset()
		d.putValue.Reset()
		d.prepared = nil
		d.mode = dmBrowse
		d.prefix.SetValue(k)
		return tea.Batch(d.fetchKeys(), d.get(k))
	}
	return nil
}

func (d *dataScreen) gotKeys(msg keysMsg) tea.Cmd {
	d.busy = false
	if msg.err != nil {
		d.keysErr = msg.err
	} else if msg.after == "" {
		d.keys, d.keysPrefix, d.keysErr, d.keysLoaded = msg.keys, msg.prefix, nil, true
		d.cursor = min(d.cursor, max(0, len(d.keys)-1))
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
	d.focus = i
	focusOnly([]*textinput.Model{&d.putKey, &d.putValue}, i)
	return nil
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
			d.mode, d.cursor, d.offset = dmBrowse, 0, 0
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
		switch {
		case key.Matches(msg, k.Cancel):
			d.putKey.Blur()
			d.putValue.Blur()
			d.mode = dmBrowse
			return nil
		case key.Matches(msg, k.Submit):
			if d.focus == 0 {
				return d.focusField(1)
			}
			return d.submitPut()
		case key.Matches(msg, k.NextField), key.Matches(msg, k.PrevField):
			return d.focusField(1 - d.focus)
		}
		var cmd tea.Cmd
		if d.focus == 0 {
			d.putKey, cmd = d.putKey.Update(msg)
		} else {
			d.putValue, cmd = d.putValue.Update(msg)
		}
		d.putErr, d.refused = "", nil
		return cmd
	case dmConfirm:
		switch {
		case key.Matches(msg, k.Yes):
			d.mode = dmSending
			return submitCmd(d.s.ctx, d.s.api, "put", d.prepared.Encode())
		case key.Matches(msg, k.No):
			d.mode, d.prepared = dmPut, nil
			return d.focusField(1)
		}
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
	switch {
	case key.Matches(msg, k.Up):
		d.cursor = max(0, d.cursor-1)
	case key.Matches(msg, k.Down):
		d.cursor = max(0, min(len(d.keys)-1, d.cursor+1))
	case key.Matches(msg, k.PageUp):
		d.cursor = max(0, d.cursor-d.listRows())
	case key.Matches(msg, k.PageDown):
		d.cursor = max(0, min(len(d.keys)-1, d.cursor+d.listRows()))
	case key.Matches(msg, k.Open):
		if d.cursor < len(d.keys) {
			d.mode = d.previewMode()
			return d.get(d.keys[d.cursor])
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
	fee := minFee(d.s.params, wire.Put{Key: k, Value: []byte(v)}, d.s.balances[acct.Address].NextNonce)
	if bal, known := d.s.balances[acct.Address]; known && bal.Balance < fee {
		d.putErr = fmt.Sprintf("The fee is %s but %s can spend only %s. Mine a few blocks (m) and wait for the rewards to mature.",
			view.Amount(fee), acct.Name, view.Amount(bal.Balance))
		return d.focusField(1)
	}
	d.putKey.Blur()
	d.putValue.Blur()
	d.mode = dmPreparing
	hw, name, value := d.s.wallet, acct.Name, []byte(v)
	return prepareTxCmd(d.s.ctx, d.s.api, d.s.params, "put", acct.Address, wire.Put{Key: k, Value: value},
		func(nonce, fee uint64) (*wire.Tx, error) { return hw.Put(name, k, value, nonce, fee) })
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
	case dmPut, dmPreparing:
		body = d.putView()
	case dmConfirm, dmSending:
		body = d.confirmView()
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
	rows := d.listRows()
	if d.cursor < d.offset {
		d.offset = d.cursor
	}
	if d.cursor >= d.offset+rows {
		d.offset = d.cursor - rows + 1
	}
	for i := d.offset; i < len(d.keys) && i < d.offset+rows; i++ {
		row := "  " + d.keys[i]
		if i == d.cursor {
			lines = append(lines, st.Selected.Render(view.PadRight("▸ "+d.keys[i], w)))
		} else {
			lines = append(lines, view.Truncate(row, w))
		}
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
		" "+st.Muted.Render(fmt.Sprintf("%s · %s · block #%s · %s", d.prev.label(), view.Bytes(d.prev.size),
			view.Int(r.Height), view.Count(r.Confirmations, "confirmation", "confirmations"))),
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
		"  " + field(st, "depth", st.Value.Render("0 · the root chain /")+st.Muted.Render("  (the only depth today)")),
	}
	fee := minFee(d.s.params, wire.Put{Key: d.putKey.Value(), Value: []byte(d.putValue.Value())}, d.s.balances[acct.Address].NextNonce)
	lines = append(lines, "  "+field(st, "fee", st.Value.Render(view.Amount(fee))+
		st.Muted.Render(fmt.Sprintf(" · paid by %s (%s spendable)", acct.Name, view.Amount(d.s.balances[acct.Address].Balance)))))
	if d.putErr != "" {
		lines = append(lines, "", fieldError(st, d.putErr, d.width))
	}
	if r := d.refused; r != nil {
		lines = append(lines, "", d.refusalView(r))
	}
	lines = append(lines, "")
	if d.mode == dmPreparing {
		lines = append(lines, "  "+st.Muted.Render("Signing…"))
	} else {
		lines = append(lines, "  "+st.Muted.Render("enter reviews the write before anything is sent"))
	}
	return strings.Join(lines, "\n")
}

func (d *dataScreen) confirmView() string {
	st := d.s.st
	tx := d.prepared
	if tx == nil {
		return ""
	}
	body := tx.Body.(wire.Put)
	f := func(label, value string) string { return field(st, label, value) }
	msg := strings.Join([]string{
		st.Strong.Render("Write this value?"),
		"",
		f("key", st.Value.Render(view.Truncate(body.Key, 50))),
		f("value", st.Value.Render(view.Bytes(len(body.Value)))),
		f("depth", st.Value.Render("0 (root /)")),
		f("fee", st.Strong.Render(view.Amount(tx.Fee))),
		"",
		st.Strong.Render("y") + st.Muted.Render(" write   ") + st.Strong.Render("n") + st.Muted.Render(" back to the form"),
	}, "\n")
	if d.mode == dmSending {
		msg += "\n\n" + st.Muted.Render("Submitting…")
	}
	return lipgloss.Place(d.width, d.height, lipgloss.Center, lipgloss.Center, st.Modal.Render(msg))
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
