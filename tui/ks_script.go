package tui

import (
	"fmt"
	"path/filepath"

	tea "charm.land/bubbletea/v2"
	"github.com/bitverse/bitverse/node"
	"github.com/bitverse/bitverse/node/wire"
	"github.com/bitverse/bitverse/tui/internal/view"
)

// Editing a keyspace's access.js in the user's editor, then the
// review-and-sign flow of the KeyspaceScript that installs it.

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
		if _, _, _, ok := refusal(r.err); ok {
			// The current script refuses its replacement: nothing is signed.
			v.draft = r.prep.draft
			v.editErr = refusedSentence("the new script of "+name, r.err) +
				" A script is asked about its own replacement, as a write of " + name + "/access.js. Press e to go on editing."
			v.s.fail("The new script of " + name + " was refused; nothing changed.")
			return nil
		}
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
	ctx, api, params, from := v.s.ctx, v.s.api, v.s.params, acct.PubKey
	return v.scriptFlow.start(func(id reqID) tea.Cmd {
		return prepareScriptCmd(ctx, api, params, id, from, msg.name, msg.path, msg.orig,
			func(tx *wire.Tx) error { return hw.Sign(acctName, tx) })
	})
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
