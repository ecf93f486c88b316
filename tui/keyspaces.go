package tui

import (
	"fmt"
	"path/filepath"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/bitverse/bitverse/node"
	"github.com/bitverse/bitverse/node/state"
	"github.com/bitverse/bitverse/node/wire"
	"github.com/bitverse/bitverse/tui/internal/view"
	"github.com/charmbracelet/x/ansi"
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

// buyDone acts on what the purchase's review-and-sign flow reports.
func (v *keyspacesView) buyDone(cmd tea.Cmd, r flowResult) tea.Cmd {
	switch r.outcome {
	case outcomePrepared:
		v.preparedScript = r.prep.script
	case outcomeFailed:
		v.s.log.Warn("prepare keyspace buy", "err", r.err)
		v.buyErr = sentence(r.err)
		if r.prep.onScript {
			return v.focusField(1)
		}
		return v.focusField(v.buy.focus)
	case outcomeBack:
		return v.focusField(1)
	case outcomeRefused:
		name := r.plan.main().Body.(wire.KeyspaceBuy).Name
		v.s.log.Warn("submit keyspace buy", "name", name, "err", r.err)
		v.buyErr = refusedSentence("the purchase of "+name, r.err)
		return v.focusField(0)
	case outcomeDone:
		name := r.plan.main().Body.(wire.KeyspaceBuy).Name
		id := r.ids[len(r.ids)-1]
		v.s.log.Info("keyspace buy", "name", name, "tx", id)
		v.s.info("Bought " + name + ": it is yours once a block includes it (tx " + view.Short(id.String(), 12) + ").")
		v.resetBuy()
		v.mode = ksList
		return v.fetch()
	}
	return cmd
}

// scriptDone acts on what the new script's review-and-sign flow reports.
func (v *keyspacesView) scriptDone(cmd tea.Cmd, r flowResult) tea.Cmd {
	name := v.editName
	switch r.outcome {
	case outcomePrepared:
		v.mode, v.draft = ksScript, r.prep.draft
	case outcomeFailed:
		v.mode = ksList
		if r.prep.unchanged {
			v.draft = nil
			v.s.info("access.js of " + name + " is unchanged; nothing was sent.")
			return nil
		}
		v.s.log.Warn("prepare keyspace script", "name", name, "err", r.err)
		v.draft, v.editErr = r.prep.draft, sentence(r.err)
		if r.prep.draft != nil {
			v.editErr += " Press e to go on editing."
		}
		v.s.fail("Nothing was sent: the new script of " + name + " has a problem.")
	case outcomeBack:
		v.mode = ksList
		v.s.info("Nothing was sent. Press e to go on editing access.js of " + name + ".")
	case outcomeRefused:
		v.mode = ksList
		v.s.log.Warn("submit keyspace script", "name", name, "err", r.err)
		v.editErr = refusedSentence("the new script of "+name, r.err)
		if _, _, _, ok := refusal(r.err); ok {
			v.editErr += " A script is asked about its own replacement, as a write of " + name + "/access.js."
		}
		v.editErr += " Press e to go on editing."
		v.s.fail("The new script of " + name + " was refused; nothing changed.")
	case outcomeDone:
		v.mode = ksList
		id := r.ids[len(r.ids)-1]
		v.s.log.Info("keyspace script", "name", name, "tx", id)
		v.draft = nil
		v.s.info("New script of " + name + " sent: it applies once a block includes it (tx " + view.Short(id.String(), 12) + ").")
		return v.fetch()
	}
	return cmd
}

func (v *keyspacesView) resetBuy() {
	v.buyName.Reset()
	v.buyScript.Reset()
	v.buyName.Blur()
	v.buyScript.Blur()
	v.buyFlow.reset()
	v.checked, v.checking, v.checkReq, v.buyErr, v.preparedScript = nil, "", 0, "", nil
}

func (v *keyspacesView) focusField(i int) tea.Cmd {
	return v.buy.focusOn(i)
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

func (v *keyspacesView) startBuy(name string) tea.Cmd {
	if v.s.wallet == nil || len(v.s.accounts) == 0 {
		v.s.fail("Open a wallet first: a keyspace is bought by your account.")
		return nil
	}
	v.resetBuy()
	v.mode = ksBuy
	v.buyName.SetValue(name)
	v.buyName.CursorEnd()
	return v.focusField(0)
}

func (v *keyspacesView) buyKey(msg tea.KeyPressMsg) tea.Cmd {
	k := v.s.keys
	if v.buyFlow.active() {
		return v.buyDone(v.buyFlow.Key(msg))
	}
	switch {
	case key.Matches(msg, k.Cancel):
		v.buy.blur()
		v.mode = ksList
		return nil
	case key.Matches(msg, k.Submit):
		return v.submitBuy()
	case key.Matches(msg, k.NextField), key.Matches(msg, k.PrevField):
		return v.buy.next()
	}
	cmd, _ := v.buy.update(msg)
	if v.checked != nil && v.checked.Name != strings.TrimSpace(v.buyName.Value()) {
		v.checked = nil
	}
	v.buyErr = ""
	return cmd
}

// nameProblem says what is wrong with a keyspace name.
func nameProblem(name string, err error) string {
	if name == "" {
		return "Enter the name of a keyspace, such as erik (or erik/blog for a sub-keyspace)."
	}
	if name == wire.PublicKeyspace || strings.HasPrefix(name, wire.PublicKeyspace+"/") {
		return "public is open to everyone: nobody can own it or anything under it."
	}
	why := err.Error()
	if i := strings.LastIndex(why, wire.ErrMalformed.Error()+": "); i >= 0 {
		why = why[i+len(wire.ErrMalformed.Error())+2:]
	}
	return "Not a keyspace name: " + why + ". A name is one or more segments of a key, such as erik or erik/blog."
}

// submitBuy moves the form on: the name is checked here, then looked up
// on the node; once it is known to be free, enter reads the script file
// and has the purchase signed, and the confirmation shows it.
func (v *keyspacesView) submitBuy() tea.Cmd {
	name := strings.TrimSpace(v.buyName.Value())
	if err := wire.ValidKeyspaceName(name); err != nil {
		v.buyErr = nameProblem(name, err)
		return v.focusField(0)
	}
	if v.checked == nil || v.checked.Name != name {
		if v.checking == name {
			return nil
		}
		v.checking, v.checkReq, v.buyErr = name, v.s.newID(), ""
		return keyspaceCmd(v.s.ctx, v.s.api, v.checkReq, name)
	}
	if v.checked.Exists {
		v.buyErr = fmt.Sprintf("%s is taken: it belongs to %s. Try another name.", name, v.who(v.checked.Owner))
		return v.focusField(0)
	}
	if v.buy.focus == 0 {
		return v.focusField(1)
	}
	acct := v.s.accounts[0]
	path := strings.TrimSpace(v.buyScript.Value())
	v.buyName.Blur()
	v.buyScript.Blur()
	v.buyErr = ""
	hw, acctName, price := v.s.wallet, acct.Name, v.checked.Price
	ctx, api, params, from := v.s.ctx, v.s.api, v.s.params, acct.Address
	return v.buyFlow.start(func(id reqID) tea.Cmd {
		return prepareBuyCmd(ctx, api, params, id, from, acctName, name, price, path,
			func(tx *wire.Tx) error { return hw.Sign(acctName, tx) })
	})
}

// edit opens ks's script (or the edit that could not be sent yet) in the
// user's editor. Only the owner may change a script.
func (v *keyspacesView) edit(ks *node.KeyspaceInfo) tea.Cmd {
	switch {
	case ks == nil:
		v.s.fail("Select one of your keyspaces first, or buy one (b).")
		return nil
	case !ks.Exists:
		v.s.fail(ks.Name + " is not owned by anyone yet: buy it first (b).")
		return nil
	case v.s.wallet == nil || ks.Owner != v.s.mineTo():
		v.s.fail("Only the owner of " + ks.Name + " may change its script, and it is not you.")
		return nil
	}
	// orig is what the file holds when the user changes nothing: saving
	// it as it is sends nothing.
	orig := []byte(ks.Script)
	if ks.Script == "" {
		orig = scriptTemplate(ks.Name)
	}
	src := orig
	if v.draft != nil && v.editName == ks.Name {
		src = v.draft
	} else {
		v.draft = nil
	}
	v.mode, v.editName, v.editor, v.editErr = ksEditing, ks.Name, "", ""
	return editFileCmd(ks.Name, src, orig)
}

// editFile runs the editor on the file editFileCmd wrote.
func (v *keyspacesView) editFile(msg editFileMsg) tea.Cmd {
	if msg.name != v.editName || v.mode != ksEditing {
		return removeFileCmd(msg.path)
	}
	if msg.err != nil {
		v.mode = ksList
		v.s.fail("Cannot prepare the script for editing: " + sentence(msg.err))
		return nil
	}
	v.editor = filepath.Base(msg.cmd.Path)
	if msg.cmd.Err != nil {
		v.mode = ksList
		v.s.fail(fmt.Sprintf("Cannot start the editor %s: %v. Set $EDITOR to your editor and press e again.", msg.cmd.Args[0], msg.cmd.Err))
		return removeFileCmd(msg.path)
	}
	name, path, orig := msg.name, msg.path, msg.orig
	return v.s.runExec(msg.cmd, func(err error) tea.Msg {
		return editedMsg{name: name, path: path, orig: orig, err: err}
	})
}

func (v *keyspacesView) prepareScript(msg editedMsg) tea.Cmd {
	acct := v.s.accounts[0]
	hw, acctName := v.s.wallet, acct.Name
	ctx, api, params, from := v.s.ctx, v.s.api, v.s.params, acct.Address
	return v.scriptFlow.start(func(id reqID) tea.Cmd {
		return prepareScriptCmd(ctx, api, params, id, from, acctName, msg.name, msg.path, msg.orig,
			func(tx *wire.Tx) error { return hw.Sign(acctName, tx) })
	})
}

// View draws the view in its size; title is the data screen's switcher.
func (v *keyspacesView) View(title string) string {
	switch v.mode {
	case ksShow:
		return v.detailView(v.shown, v.showErr, v.width, v.height, true)
	case ksBuy:
		if v.buyFlow.shown() {
			return v.buyFlow.View(v.buyReview(), v.width, v.height)
		}
		return v.buyView()
	case ksScript:
		return v.scriptFlow.View(v.scriptReview(), v.width, v.height)
	}
	if v.width < splitWidth {
		return v.listView(title, v.width)
	}
	lw := v.width * 2 / 5
	left := view.Lines(v.listView(title, lw), lw, v.height)
	ks, _ := v.selected()
	var right string
	if ks != nil {
		right = v.detailView(ks, nil, v.width-lw-3, v.height, false)
	} else {
		right = v.s.st.Muted.Render(" Your keyspaces show here, with their scripts.")
	}
	sep := strings.TrimRight(strings.Repeat(v.s.st.Tree.Render("│")+"\n", v.height), "\n")
	return lipgloss.JoinHorizontal(lipgloss.Top, left, " ", sep, " ", right)
}

func (v *keyspacesView) listView(title string, w int) string {
	st := v.s.st
	lines := []string{title}
	switch v.mode {
	case ksOpen:
		lines = append(lines, " "+v.openName.View())
	case ksEditing:
		lines = append(lines, " "+st.Muted.Render(view.Truncate("access.js of "+v.editName+": in the editor, then checked…", w-2)))
	default:
		owner := "–"
		if len(v.s.accounts) > 0 {
			owner = v.s.accounts[0].Name
		}
		lines = append(lines, " "+st.Label.Render("owned by ")+st.Value.Render(owner)+st.Subtle.Render("  (b buys one, o looks up any)"))
	}
	lines = append(lines, "")
	switch {
	case v.s.mineTo() == "":
		return strings.Join(append(lines, "  "+st.Muted.Render("Open a wallet to see your keyspaces.")), "\n")
	case v.listErr != nil:
		return strings.Join(append(lines, "  "+st.Bad.Render(view.Truncate(sentence(v.listErr), w-2))), "\n")
	case !v.loaded:
		return strings.Join(append(lines, "  "+st.Muted.Render("loading…")), "\n")
	case len(v.list) == 0:
		lines = append(lines, "  "+st.Muted.Render("You own no keyspace yet."))
		for _, l := range strings.Split(ansi.Wrap(priceRule, max(20, w-4), ""), "\n") {
			lines = append(lines, "  "+st.Muted.Render(l))
		}
		return strings.Join(append(lines, "", "  "+st.Muted.Render("b buys one.")), "\n")
	}
	nameW := 8
	for _, ks := range v.list {
		nameW = max(nameW, ansi.StringWidth(ks.Name))
	}
	nameW = min(nameW, max(8, w-2-20))
	lines = append(lines, st.Column.Render(view.PadRight(fmt.Sprintf("  %-*s %9s %9s", nameW, "name", "script", "bought"), w)))
	first, end := v.sel.window(len(v.list), v.listRows())
	for i := first; i < end; i++ {
		ks := v.list[i]
		scr := "none"
		if ks.Script != "" {
			scr = view.Bytes(len(ks.Script))
		}
		row := fmt.Sprintf("%-*s %9s %9s", nameW, view.Truncate(ks.Name, nameW), scr, "#"+view.Int(ks.Height))
		lines = append(lines, rowLine(st, "  "+row, i == v.sel.cursor, w))
	}
	if v.editErr != "" {
		lines = append(lines, "", fieldErrorAt(st, v.editErr, w, 2))
	}
	return strings.Join(lines, "\n")
}

// priceRule says what names cost.
const priceRule = "Names of 8 bytes or more cost 1 BVS; each byte shorter doubles the price. " +
	"Sub-keyspaces (erik/blog) cost 0.01 BVS. The price is burned."

// detailView draws one keyspace: its facts, then its script with line
// numbers, scrolled by sOffset when scroll is set.
func (v *keyspacesView) detailView(ks *node.KeyspaceInfo, err error, w, h int, scroll bool) string {
	st := v.s.st
	f := func(label, value string) string { return "  " + field(st, label, value) }
	title := v.showName
	if ks != nil {
		title = ks.Name
	}
	lines := []string{" " + st.Title.Render(view.Truncate(title, w-2))}
	switch {
	case err != nil:
		return strings.Join(append(lines, "", " "+st.Bad.Render(view.Truncate(sentence(err), w-2))), "\n")
	case ks == nil:
		return strings.Join(append(lines, "", " "+st.Muted.Render("loading…")), "\n")
	case !ks.Exists:
		lines = append(lines,
			f("status", st.Good.Render("free")+st.Muted.Render(" · nobody owns it")),
			f("price", st.Strong.Render(view.Amount(ks.Price))+st.Muted.Render(" (burned)")),
		)
		if ks.Parent != "" {
			lines = append(lines, f("inside", st.Value.Render(ks.Parent)+st.Muted.Render(" · its owner's script decides who may create it")))
		}
		return strings.Join(append(lines, "", "  "+st.Muted.Render("b buys it.")), "\n")
	}
	owner := st.Value.Render(view.ShortAddr(ks.Owner, max(12, w-16)))
	if ks.Owner == v.s.mineTo() {
		owner = st.Value.Render(view.ShortAddr(ks.Owner, max(12, w-22))) + st.Good.Render("  you")
	}
	bought := st.Value.Render("block #" + view.Int(ks.Height))
	if tip, ok := v.s.tipHeight(); ok && tip >= ks.Height {
		bought += st.Muted.Render(" · " + view.Count(tip-ks.Height+1, "confirmation", "confirmations"))
	}
	lines = append(lines, f("owner", owner), f("bought", bought),
		f("price", st.Value.Render(view.Amount(ks.Price))+st.Muted.Render(" to buy it today (burned)")))
	if ks.Parent != "" {
		lines = append(lines, f("inside", st.Value.Render(ks.Parent)))
	}
	mine := ks.Owner == v.s.mineTo()
	if ks.Script == "" {
		s := st.Value.Render("none") + st.Muted.Render(" · only the owner may write")
		if mine {
			s += st.Subtle.Render(" · e adds one")
		}
		return strings.Join(append(lines, f("script", s)), "\n")
	}
	s := st.Value.Render(view.Short(ks.ScriptHash, 12)) + st.Muted.Render(" · "+view.Bytes(len(ks.Script)))
	if mine {
		s += st.Subtle.Render(" · e edits it")
	}
	lines = append(lines, f("script", s), "")
	src := strings.Split(strings.TrimRight(strings.ReplaceAll(ks.Script, "\t", "  "), "\n"), "\n")
	room := max(1, h-len(lines)-1)
	off := 0
	if scroll {
		v.sOffset = min(v.sOffset, max(0, len(src)-room))
		off = v.sOffset
	}
	end := min(len(src), off+room)
	pos := ""
	if len(src) > room {
		pos = fmt.Sprintf("lines %d–%d of %d", off+1, end, len(src))
	}
	head := " " + st.Strong.Render("access.js")
	if pos != "" {
		head += "  " + st.Subtle.Render(pos)
	}
	lines = append(lines, head)
	numW := len(fmt.Sprint(len(src)))
	for i := off; i < end; i++ {
		gutter := st.Subtle.Render(fmt.Sprintf(" %*d │ ", numW, i+1))
		lines = append(lines, gutter+view.Truncate(src[i], max(1, w-numW-4)))
	}
	return strings.Join(lines, "\n")
}

func (v *keyspacesView) buyView() string {
	st := v.s.st
	acct := v.s.accounts[0]
	bal := v.s.balances[acct.Address]
	name := strings.TrimSpace(v.buyName.Value())
	lines := []string{" " + st.Title.Render("Buy a keyspace"), "", "  " + field(st, "name", v.buyName.View())}
	var info string
	switch {
	case v.checking != "" && v.checking == name:
		info = st.Muted.Render("looking " + name + " up…")
	case v.checked != nil && v.checked.Name == name && !v.checked.Exists:
		info = st.Good.Render("✓ free") + st.Muted.Render(" · costs ") + st.Strong.Render(view.Amount(v.checked.Price)) + st.Muted.Render(" (burned)")
		if v.checked.Parent != "" {
			info += st.Muted.Render(" · inside " + v.checked.Parent)
		}
	case v.checked != nil && v.checked.Name == name:
		owner := view.ShortAddr(v.checked.Owner, 24)
		if v.checked.Owner == v.s.mineTo() {
			owner = "you"
		}
		info = st.Bad.Render("✗ taken") + st.Muted.Render(" · owned by "+owner)
	case name != "" && wire.ValidKeyspaceName(name) == nil:
		info = st.Muted.Render("costs " + view.Amount(state.KeyspacePrice(name)) + " · enter checks that it is free")
	default:
		info = st.Muted.Render("8 bytes or more: 1 BVS; each byte shorter doubles it")
	}
	lines = append(lines, "  "+field(st, "", info), "", "  "+field(st, "script", v.buyScript.View()))
	lines = append(lines, "  "+field(st, "", st.Muted.Render("a file with an access.js; none: only you may write")))
	fee := minFee(v.s.params, wire.KeyspaceBuy{Name: name}, bal.NextNonce)
	lines = append(lines, "", "  "+field(st, "fee", st.Value.Render("from "+view.Amount(fee))+
		st.Muted.Render(fmt.Sprintf(" · paid by %s (%s spendable)", acct.Name, view.Amount(bal.Balance)))))
	if v.buyErr != "" {
		lines = append(lines, "", fieldError(st, v.buyErr, v.width))
	}
	lines = append(lines, "")
	if v.buyFlow.active() {
		lines = append(lines, "  "+st.Muted.Render("Reading the script and signing…"))
	} else {
		lines = append(lines, "  "+st.Muted.Render("enter checks the name, then shows the purchase before anything is sent"))
	}
	return strings.Join(lines, "\n")
}

// buyReview is the purchase's last look before anything is sent.
func (v *keyspacesView) buyReview() review {
	st := v.s.st
	tx := v.buyFlow.plan.main()
	body := tx.Body.(wire.KeyspaceBuy)
	total, _ := wire.AddAmounts(body.MaxPrice, tx.Fee)
	scr := st.Value.Render("none") + st.Muted.Render(" · only you may write")
	if len(v.preparedScript) > 0 {
		scr = st.Value.Render(view.Truncate(filepath.Base(strings.TrimSpace(v.buyScript.Value())), 30)) +
			st.Muted.Render(" · "+view.Bytes(len(v.preparedScript)))
	}
	f := func(label, value string) string { return field(st, label, value) }
	return review{
		title: "Buy this keyspace?",
		rows: []string{
			f("name", st.Strong.Render(view.Truncate(body.Name, 40))),
			f("price", st.Value.Render(view.Amount(body.MaxPrice))+st.Muted.Render(" (burned: nobody receives it)")),
			f("fee", st.Value.Render(view.Amount(tx.Fee))),
			f("total", st.Strong.Render(view.Amount(total))),
			f("script", scr),
			f("paid by", st.Value.Render(v.s.accounts[0].Name)),
		},
		yes: "buy", no: "back to the form",
	}
}

// scriptReview is the new script's last look before anything is sent.
func (v *keyspacesView) scriptReview() review {
	st := v.s.st
	tx := v.scriptFlow.plan.main()
	body := tx.Body.(wire.KeyspaceScript)
	old := "none"
	for _, ks := range v.list {
		if ks.Name == body.Name && ks.Script != "" {
			old = view.Bytes(len(ks.Script))
		}
	}
	change := st.Value.Render(old + " → " + view.Bytes(len(body.Script)))
	if len(body.Script) == 0 {
		change = st.Warn.Render("removed") + st.Muted.Render(" · then only you may write")
	}
	f := func(label, value string) string { return field(st, label, value) }
	return review{
		title: "Replace the access script of " + view.Truncate(body.Name, 30) + "?",
		rows: []string{
			f("script", change),
			f("fee", st.Value.Render(view.Amount(tx.Fee))),
			"",
			st.Muted.Render("Every write into " + view.Truncate(body.Name, 30) + " will be checked by it."),
		},
		yes: "replace", no: "not now (e edits again)",
	}
}
