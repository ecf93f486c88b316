package tui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/bitverse/bitverse/node"
	"github.com/bitverse/bitverse/node/wire"
	"github.com/bitverse/bitverse/tui/internal/view"
)

type ksMode int

const (
	ksList    ksMode = iota
	ksShow           // one keyspace at full size, its script scrollable
	ksOpen           // typing the name of a keyspace to show
	ksBuy            // the buy form, then its review (buyFlow)
	ksEditing        // the editor runs, or its file is being read and signed (scriptFlow)
	ksScript         // the review of a new script (scriptFlow)
)

// keyspacesView is the keyspaces half of the data screen: the keyspaces the
// wallet's first account owns, one keyspace in full (owner, price, its
// access.js), buying one, and editing a script in $EDITOR. The data screen
// owns it, routes keys to it while it is shown and every other message
// always.
type keyspacesView struct {
	s             *common
	width, height int
	mode          ksMode

	// the list
	owner       string // the address listed
	list        []node.KeyspaceInfo
	listErr     error
	loaded      bool
	busy, stale bool
	sel         cursorList

	// ksShow
	shown    *node.KeyspaceInfo
	showName string
	showErr  error
	sOffset  int
	back     ksMode // where esc goes from ksShow

	showReq reqID // the look-up of showName out

	openName textinput.Model

	// the buy form
	buyName, buyScript textinput.Model
	buy                form               // name, script
	checking           string             // the name being looked up
	checkReq           reqID              // its request
	checked            *node.KeyspaceInfo // the last look-up of the name field
	buyErr             string
	buyFlow            *signFlow
	preparedScript     []byte // the script the purchase carries

	// editing a script
	editName   string
	editor     string // the program, for messages
	draft      []byte // an edit that could not be sent yet, for editName
	editErr    string
	scriptFlow *signFlow
}

func newKeyspacesView(s *common) *keyspacesView {
	v := &keyspacesView{s: s, buyFlow: newSignFlow(s), scriptFlow: newSignFlow(s)}
	v.openName = newInput(s.st, "keyspace ", "erik", 40)
	v.openName.CharLimit = wire.MaxKeyspaceName
	v.buyName = newInput(s.st, "", "a name: 8 bytes or more cost 1 BVS", 40)
	v.buyName.CharLimit = wire.MaxKeyspaceName
	v.buyScript = newInput(s.st, "", "access.js file (optional)", 40)
	v.buy = newForm(&v.buyName, &v.buyScript)
	return v
}

func (v *keyspacesView) restyle() {
	for _, in := range []*textinput.Model{&v.openName, &v.buyName, &v.buyScript} {
		in.SetStyles(v.s.st.Input)
	}
}

func (v *keyspacesView) SetSize(w, h int) {
	v.width, v.height = w, h
	iw := min(60, max(20, w-24))
	v.buyName.SetWidth(iw)
	v.buyScript.SetWidth(iw)
	v.openName.SetWidth(iw)
}

// atRest reports whether the view shows the list, where K switches back to
// the keys.
func (v *keyspacesView) atRest() bool { return v.mode == ksList }

func (v *keyspacesView) Capturing() bool {
	return v.mode == ksOpen || v.mode == ksBuy && !v.buyFlow.active()
}

func (v *keyspacesView) Dirty() bool {
	switch v.mode {
	case ksBuy:
		return v.buyName.Value() != "" || v.buyScript.Value() != ""
	case ksScript:
		return true
	}
	return v.draft != nil
}

func (v *keyspacesView) ShortHelp() []key.Binding {
	k := v.s.keys
	switch v.mode {
	case ksList:
		return []key.Binding{k.Buy, k.EditScript, show(k.Open), k.OpenSpace, v.keysBinding()}
	case ksShow:
		if v.shown != nil && !v.shown.Exists {
			return []key.Binding{k.Buy, k.Back}
		}
		return []key.Binding{k.Move, k.EditScript, k.Back}
	case ksOpen:
		return []key.Binding{k.Submit, k.Cancel}
	case ksBuy:
		if v.buyFlow.active() {
			return v.buyFlow.ShortHelp()
		}
		return []key.Binding{k.NextField, k.Submit, k.Cancel}
	case ksScript:
		return v.scriptFlow.ShortHelp()
	}
	return nil
}

func (v *keyspacesView) FullHelp() [][]key.Binding {
	k := v.s.keys
	return [][]key.Binding{
		{k.Up, k.Down, k.PageUp, k.PageDown, relabel(k.Top, "first"), relabel(k.Bottom, "last")},
		{show(k.Open), k.Back, k.Buy, k.EditScript, k.OpenSpace, v.keysBinding(), k.Refresh},
		{k.NextField, k.PrevField, k.Submit, k.Cancel, k.Yes, k.No},
	}
}

// keysBinding is K as the keyspaces view names it: back to the keys.
func (v *keyspacesView) keysBinding() key.Binding { return relabel(v.s.keys.Keyspaces, "keys") }

// show is enter as the list of keyspaces names it.
func show(b key.Binding) key.Binding { return relabel(b, "show") }

// relabel is b described as desc: the same keys, meaning something else
// here.
func relabel(b key.Binding, desc string) key.Binding {
	b.SetHelp(b.Help().Key, desc)
	return b
}

// fetch asks for the keyspaces of the wallet's first account.
func (v *keyspacesView) fetch() tea.Cmd {
	owner := v.s.mineTo()
	if owner == "" {
		return nil
	}
	if v.busy {
		v.stale = true
		return nil
	}
	v.busy = true
	return keyspacesCmd(v.s.ctx, v.s.api, owner)
}

// Activate refreshes what the view shows.
func (v *keyspacesView) Activate() tea.Cmd {
	cmds := []tea.Cmd{v.fetch()}
	if v.mode == ksShow && v.showName != "" {
		v.showReq = v.s.newID()
		cmds = append(cmds, keyspaceCmd(v.s.ctx, v.s.api, v.showReq, v.showName))
	}
	return tea.Batch(cmds...)
}

// Update handles every message but keys (key gets those, when shown);
// visible says whether the view is on screen.
func (v *keyspacesView) Update(msg tea.Msg, visible bool) tea.Cmd {
	switch msg := msg.(type) {
	case eventMsg:
		if visible && msg.ev.Kind == node.EventBlockConnected {
			return v.Activate()
		}
	case keyspacesMsg:
		return v.gotList(msg)
	case keyspaceMsg:
		return v.gotKeyspace(msg)
	case preparedMsg, submittedMsg, txConfirmedMsg:
		return tea.Batch(v.buyDone(v.buyFlow.Update(msg)), v.scriptDone(v.scriptFlow.Update(msg)))
	case editFileMsg:
		return v.editFile(msg)
	case editedMsg:
		if msg.name != v.editName || v.mode != ksEditing {
			return removeFileCmd(msg.path)
		}
		if msg.err != nil {
			v.s.log.Warn("editor", "editor", v.editor, "err", msg.err)
			v.mode = ksList
			v.s.fail(fmt.Sprintf("The editor %s did not run (%v). Set $EDITOR to your editor and press e again.", v.editor, msg.err))
			return removeFileCmd(msg.path)
		}
		return v.prepareScript(msg)
	}
	return nil
}

func (v *keyspacesView) gotList(msg keyspacesMsg) tea.Cmd {
	v.busy = false
	if msg.err != nil {
		v.listErr = msg.err
	} else {
		v.list, v.owner, v.listErr, v.loaded = msg.list, msg.owner, nil, true
		v.sel.clamp(len(v.list))
	}
	if v.stale {
		v.stale = false
		return v.fetch()
	}
	return nil
}

func (v *keyspacesView) gotKeyspace(msg keyspaceMsg) tea.Cmd {
	switch msg.id {
	case v.checkReq:
		v.checking, v.checkReq = "", 0
		if msg.err != nil {
			v.buyErr = sentence(msg.err)
			return nil
		}
		if strings.TrimSpace(v.buyName.Value()) != msg.name {
			return nil // the name changed while it was looked up
		}
		v.checked = msg.info
		if msg.info.Exists {
			v.buyErr = fmt.Sprintf("%s is taken: it belongs to %s. Try another name.", msg.name, v.who(msg.info.Owner))
			return nil
		}
		v.buyErr = ""
		if v.mode == ksBuy {
			return v.focusField(1)
		}
	case v.showReq:
		v.showReq = 0
		v.shown, v.showErr = msg.info, msg.err
	}
	return nil
}

// who names an address: "you" for the wallet's first account.
func (v *keyspacesView) who(addr string) string {
	if addr == v.s.mineTo() {
		return "you (" + view.ShortAddr(addr, 20) + ")"
	}
	return addr
}

// selected is the keyspace under the cursor.
func (v *keyspacesView) selected() (*node.KeyspaceInfo, bool) {
	if v.sel.cursor < len(v.list) {
		ks := v.list[v.sel.cursor]
		return &ks, true
	}
	return nil, false
}

func (v *keyspacesView) listRows() int { return max(1, v.height-5) }

// key handles a key press while the view is shown.
func (v *keyspacesView) key(msg tea.KeyPressMsg) tea.Cmd {
	k := v.s.keys
	switch v.mode {
	case ksList:
		return v.listKey(msg)
	case ksShow:
		switch {
		case key.Matches(msg, k.Back):
			v.mode = v.back
		case key.Matches(msg, k.Up):
			v.sOffset = max(0, v.sOffset-1)
		case key.Matches(msg, k.Down):
			v.sOffset++
		case key.Matches(msg, k.PageDown):
			v.sOffset += max(1, v.height/2)
		case key.Matches(msg, k.PageUp):
			v.sOffset = max(0, v.sOffset-max(1, v.height/2))
		case key.Matches(msg, k.Top):
			v.sOffset = 0
		case key.Matches(msg, k.Bottom):
			v.sOffset = 1 << 30 // the view clamps it
		case key.Matches(msg, k.EditScript):
			return v.edit(v.shown)
		case key.Matches(msg, k.Buy):
			if v.shown != nil && !v.shown.Exists {
				return v.startBuy(v.shown.Name)
			}
		case key.Matches(msg, k.Refresh):
			return v.Activate()
		}
	case ksOpen:
		switch {
		case key.Matches(msg, k.Submit):
			name := strings.TrimSpace(v.openName.Value())
			if err := wire.ValidKeyspaceName(name); err != nil {
				v.s.fail(nameProblem(name, err))
				return nil
			}
			v.openName.Blur()
			return v.show(name, nil, ksList)
		case key.Matches(msg, k.Cancel):
			v.openName.Blur()
			v.mode = ksList
			return nil
		}
		var cmd tea.Cmd
		v.openName, cmd = v.openName.Update(msg)
		return cmd
	case ksBuy:
		return v.buyKey(msg)
	case ksScript:
		return v.scriptDone(v.scriptFlow.Key(msg))
	}
	return nil
}

func (v *keyspacesView) listKey(msg tea.KeyPressMsg) tea.Cmd {
	k := v.s.keys
	if v.sel.key(k, msg, len(v.list), v.listRows(), listJump) {
		return nil
	}
	switch {
	case key.Matches(msg, k.Open):
		if ks, ok := v.selected(); ok {
			return v.show(ks.Name, ks, ksList)
		}
	case key.Matches(msg, k.EditScript):
		ks, _ := v.selected()
		return v.edit(ks)
	case key.Matches(msg, k.Buy):
		return v.startBuy("")
	case key.Matches(msg, k.OpenSpace):
		v.mode = ksOpen
		v.openName.Reset()
		return v.openName.Focus()
	case key.Matches(msg, k.Refresh):
		return v.fetch()
	}
	return nil
}

// show opens one keyspace at full size: ks if the list has it already,
// else it is looked up.
func (v *keyspacesView) show(name string, ks *node.KeyspaceInfo, back ksMode) tea.Cmd {
	v.mode, v.back, v.showName, v.shown, v.showErr, v.sOffset = ksShow, back, name, ks, nil, 0
	v.showReq = 0
	if ks != nil {
		return nil
	}
	v.showReq = v.s.newID()
	return keyspaceCmd(v.s.ctx, v.s.api, v.showReq, name)
}
