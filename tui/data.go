package tui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/bitverse/bitverse/node"
	"github.com/bitverse/bitverse/node/wire"
	"github.com/bitverse/bitverse/tui/internal/view"
)

type dataMode int

const (
	dmBrowse  dataMode = iota
	dmFilter           // typing a prefix
	dmOpenKey          // typing a key to get
	dmPreview          // a value, full screen (narrow terminals)
	dmPut              // the put form, then its review (flow)
	dmJoin             // joining the value's pool (join flow)
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

	// the blob the value previewed refers to (data_blob.go)
	blob *blobFetch

	// the pools of the value being previewed
	pools    []node.PoolInfo
	poolsErr error
	poolsReq reqID

	// the put form
	putKey, putValue textinput.Model
	putDepth         int  // 0 (the root) to the network's MaxDepth
	put              form // key, value, depth
	putErr           string
	refused          *putRefusal
	// flow reviews, signs and submits the write (and on a branch whose
	// credit is short, the root stamp that buys what is missing first).
	flow *signFlow
	join *signFlow // joining the pool of the value viewed
}

func newData(s *common) *dataScreen {
	d := &dataScreen{s: s, ks: newKeyspacesView(s), flow: newSignFlow(s), join: newSignFlow(s)}
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

func (d *dataScreen) Deactivate() { d.active = false }

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
	return d.mode == dmFilter || d.mode == dmOpenKey || d.mode == dmPut && !d.flow.active() || d.mode == dmJoin
}

func (d *dataScreen) Dirty() bool {
	return d.mode == dmPut && (d.putKey.Value() != "" || d.putValue.Value() != "") || d.ks.Dirty()
}

func (d *dataScreen) ShortHelp() []key.Binding {
	k := d.s.keys
	if d.spaces {
		return d.ks.ShortHelp()
	}
	if d.blob.running() && (d.mode == dmBrowse || d.mode == dmPreview) {
		return []key.Binding{k.Cancel, k.Move}
	}
	switch d.mode {
	case dmBrowse:
		if _, ok := d.joinTarget(); ok {
			return []key.Binding{k.Open, k.Filter, k.GetKey, k.Put, k.JoinPool, k.Keyspaces, k.Move}
		}
		return []key.Binding{k.Open, k.Filter, k.GetKey, k.Put, k.Keyspaces, k.Move}
	case dmJoin:
		return d.join.ShortHelp()
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
		{k.Filter, k.GetKey, k.More, k.Put, k.JoinPool, k.Keyspaces, k.Refresh},
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
	if k != d.getKey {
		d.pools, d.poolsErr = nil, nil
	}
	d.getKey, d.got, d.getErr, d.pOffset, d.pLines = k, nil, nil, 0, nil
	d.stopBlob()
	d.poolsReq = d.s.newID()
	return tea.Batch(getCmd(d.s.ctx, d.s.api, k), poolsCmd(d.s.ctx, d.s.api, d.poolsReq, node.PoolFilter{Key: k, Limit: maxPoolLines}))
}

// maxPoolLines is how many pools of a value the preview lists.
const maxPoolLines = 3

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
				if d.got != nil {
					d.poolsReq = d.s.newID() // members join, endowments pay out
					cmds = append(cmds, poolsCmd(d.s.ctx, d.s.api, d.poolsReq, node.PoolFilter{Key: d.getKey, Limit: maxPoolLines}))
				}
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
	case poolsMsg:
		if msg.id == d.poolsReq && msg.key == d.getKey {
			d.pools, d.poolsErr = msg.pools, msg.err
		}
	case getMsg:
		if msg.key != d.getKey {
			return nil
		}
		d.got, d.prev, d.getErr, d.pLines = msg.res, msg.preview, msg.err, nil
		return d.startBlob()
	case blobProgressMsg, blobFetchedMsg:
		return d.blobUpdate(msg)
	case preparedMsg, submittedMsg, txConfirmedMsg:
		return tea.Batch(d.flowDone(d.flow.Update(msg)), d.joinDone(d.join.Update(msg)))
	}
	return nil
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
	if d.blob.running() && (d.mode == dmBrowse || d.mode == dmPreview) && key.Matches(msg, k.Cancel) {
		d.cancelBlob()
		return nil
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
	case dmJoin:
		return d.joinDone(d.join.Key(msg))
	case dmPreview:
		switch {
		case key.Matches(msg, k.JoinPool):
			return d.startJoin()
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
	case key.Matches(msg, k.JoinPool):
		return d.startJoin()
	}
	return nil
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
	case dmJoin:
		if d.join.shown() {
			body = d.join.View(d.joinReview(), d.width, d.height)
		} else {
			body = " " + d.s.st.Muted.Render("Fetching the pool's data and checking its segment root…")
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
