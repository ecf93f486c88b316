package tui

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/bitverse/bitverse/tui/internal/view"
	"github.com/bitverse/bitverse/wallet"
)

// mnemonicWords is the length of a new wallet's mnemonic.
const mnemonicWords = 24

// confirmCount is how many of its words the user types back.
const confirmCount = 3

type setupStep int

const (
	stepLoading      setupStep = iota // looking for the wallet file
	stepWelcome                       // no wallet: create or restore?
	stepNewPass                       // a passphrase, twice
	stepCreating                      // the KDF runs
	stepShowMnemonic                  // shown once
	stepConfirmWords                  // three of its words, typed back
	stepRestoreWords                  // type the mnemonic
	stepRestorePass                   // a passphrase, twice
	stepRestoring                     // the KDF runs
	stepUnlock                        // the passphrase of an existing wallet
	stepUnlocking                     // the KDF runs
)

// setupScreen is the guided wallet setup: create (passphrase twice, the
// mnemonic shown once and confirmed by three of its words), restore from a
// mnemonic, or unlock an existing wallet.
type setupScreen struct {
	s    *common
	d    deps
	dir  string
	step setupStep

	width, height int

	pass1, pass2, unlock, words textinput.Model
	confirm                     [confirmCount]textinput.Model
	confirmAt                   [confirmCount]int // 0-based word positions
	focus                       int

	problem  string // what went wrong, shown under the form
	mnemonic string
	w        walletHandle
	spin     spinner.Model
}

func newSetup(s *common, d deps, dir string) *setupScreen {
	u := &setupScreen{s: s, d: d, dir: dir}
	u.pass1 = newSecret(s.st, "Passphrase  ", 40)
	u.pass2 = newSecret(s.st, "Again       ", 40)
	u.unlock = newSecret(s.st, "Passphrase  ", 40)
	u.words = newInput(s.st, "Mnemonic  ", "the 12 or 24 words, separated by spaces", 60)
	u.words.CharLimit = 400
	for i := range u.confirm {
		u.confirm[i] = newInput(s.st, "", "", 20)
		u.confirm[i].CharLimit = 16
	}
	u.spin = spinner.New(spinner.WithSpinner(spinner.Dot), spinner.WithStyle(s.st.Title))
	return u
}

func (u *setupScreen) restyle() {
	for _, in := range []*textinput.Model{&u.pass1, &u.pass2, &u.unlock, &u.words, &u.confirm[0], &u.confirm[1], &u.confirm[2]} {
		in.SetStyles(u.s.st.Input)
	}
	u.spin.Style = u.s.st.Title
}

func (u *setupScreen) Init() tea.Cmd { return walletExistsCmd(u.d.wallets, u.dir) }

func (u *setupScreen) SetSize(w, h int) {
	u.width, u.height = w, h
	iw := min(60, max(20, w-20))
	u.words.SetWidth(iw)
}

// Capturing: every step with a text field.
func (u *setupScreen) Capturing() bool {
	switch u.step {
	case stepNewPass, stepConfirmWords, stepRestoreWords, stepRestorePass, stepUnlock:
		return true
	}
	return false
}

// Dirty: a passphrase or words typed, or a mnemonic not yet confirmed.
func (u *setupScreen) Dirty() bool {
	switch u.step {
	case stepShowMnemonic, stepConfirmWords:
		return true
	case stepNewPass, stepRestorePass:
		return u.pass1.Value() != "" || u.pass2.Value() != ""
	case stepRestoreWords:
		return u.words.Value() != ""
	}
	return false
}

func (u *setupScreen) ShortHelp() []key.Binding {
	k := u.s.keys
	switch u.step {
	case stepWelcome:
		return []key.Binding{k.Create, k.Restore}
	case stepNewPass, stepRestorePass, stepConfirmWords:
		return []key.Binding{k.NextField, k.Submit, k.Cancel}
	case stepRestoreWords:
		return []key.Binding{k.Submit, k.Cancel}
	case stepUnlock:
		return []key.Binding{k.Submit}
	case stepShowMnemonic:
		return []key.Binding{k.Submit}
	}
	return nil
}

func (u *setupScreen) spinning() bool {
	return u.step == stepCreating || u.step == stepRestoring || u.step == stepUnlocking
}

func (u *setupScreen) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case walletExistsMsg:
		if !msg.exists {
			u.step = stepWelcome
			return nil
		}
		if len(u.d.envPass) > 0 {
			u.step = stepUnlocking
			return tea.Batch(u.spin.Tick, openWalletCmd(u.d.wallets, u.dir, u.s.net, u.d.envPass))
		}
		return u.toUnlock("")
	case walletOpenedMsg:
		return u.opened(msg)
	case spinner.TickMsg:
		if !u.spinning() {
			return nil
		}
		var cmd tea.Cmd
		u.spin, cmd = u.spin.Update(msg)
		return cmd
	case tea.KeyPressMsg:
		return u.key(msg)
	}
	return u.updateFocused(msg)
}

func (u *setupScreen) toUnlock(problem string) tea.Cmd {
	u.step, u.problem = stepUnlock, problem
	u.unlock.Reset()
	return u.unlock.Focus()
}

func (u *setupScreen) opened(msg walletOpenedMsg) tea.Cmd {
	switch u.step {
	case stepUnlocking:
		if msg.err != nil {
			u.s.log.Warn("open wallet", "err", msg.err)
			if errors.Is(msg.err, wallet.ErrWrongPassphrase) {
				return u.toUnlock("Wrong passphrase. Try again.")
			}
			return u.toUnlock(sentence(msg.err))
		}
		return ready(msg.w)
	case stepCreating:
		if msg.err != nil {
			u.s.log.Warn("create wallet", "err", msg.err)
			u.step, u.problem = stepNewPass, sentence(msg.err)
			return u.focusPass(0)
		}
		u.w, u.mnemonic, u.step, u.problem = msg.w, msg.mnemonic, stepShowMnemonic, ""
		u.pass1.Reset()
		u.pass2.Reset()
		return nil
	case stepRestoring:
		if msg.err != nil {
			u.s.log.Warn("restore wallet", "err", msg.err)
			u.step, u.problem = stepRestoreWords, sentence(msg.err)
			u.words.Focus()
			return nil
		}
		u.pass1.Reset()
		u.pass2.Reset()
		u.words.Reset()
		return ready(msg.w)
	}
	return nil
}

// ready ends the setup; the accounts are read in the command, like every
// other wallet call.
func ready(w walletHandle) tea.Cmd {
	return func() tea.Msg { return walletReadyMsg{w: w, accounts: w.Accounts()} }
}

func (u *setupScreen) focusPass(i int) tea.Cmd {
	u.focus = i
	f := newForm(&u.pass1, &u.pass2)
	return f.focusOn(i)
}

func (u *setupScreen) key(msg tea.KeyPressMsg) tea.Cmd {
	k := u.s.keys
	switch u.step {
	case stepWelcome:
		switch {
		case key.Matches(msg, k.Create):
			u.step, u.problem = stepNewPass, ""
			return u.focusPass(0)
		case key.Matches(msg, k.Restore):
			u.step, u.problem = stepRestoreWords, ""
			return u.words.Focus()
		}
	case stepNewPass, stepRestorePass:
		switch {
		case key.Matches(msg, k.Cancel):
			u.pass1.Reset()
			u.pass2.Reset()
			if u.step == stepRestorePass {
				u.step, u.problem = stepRestoreWords, ""
				return u.words.Focus()
			}
			u.step, u.problem = stepWelcome, ""
			return nil
		case key.Matches(msg, k.Submit):
			if u.focus == 0 {
				return u.focusPass(1)
			}
			return u.submitPass()
		case key.Matches(msg, k.NextField), key.Matches(msg, k.PrevField):
			return u.focusPass(1 - u.focus)
		}
	case stepShowMnemonic:
		if key.Matches(msg, k.Submit) {
			u.step, u.problem = stepConfirmWords, ""
			u.pickConfirmWords()
			return u.focusConfirm(0)
		}
		return nil
	case stepConfirmWords:
		switch {
		case key.Matches(msg, k.Cancel):
			u.step, u.problem = stepShowMnemonic, ""
			return nil
		case key.Matches(msg, k.Submit):
			if u.focus < confirmCount-1 {
				return u.focusConfirm(u.focus + 1)
			}
			return u.checkConfirm()
		case key.Matches(msg, k.NextField):
			return u.focusConfirm((u.focus + 1) % confirmCount)
		case key.Matches(msg, k.PrevField):
			return u.focusConfirm((u.focus + confirmCount - 1) % confirmCount)
		}
	case stepRestoreWords:
		switch {
		case key.Matches(msg, k.Cancel):
			u.words.Reset()
			u.step, u.problem = stepWelcome, ""
			return nil
		case key.Matches(msg, k.Submit):
			m, err := wallet.CheckMnemonic(u.words.Value()) // word-list lookups: no I/O
			if err != nil {
				u.problem = sentence(err)
				return nil
			}
			u.words.SetValue(m)
			u.words.Blur()
			u.step, u.problem = stepRestorePass, ""
			return u.focusPass(0)
		}
	case stepUnlock:
		if key.Matches(msg, k.Submit) {
			if u.unlock.Value() == "" {
				u.problem = "Type the passphrase you chose when you created the wallet."
				return nil
			}
			pass := []byte(u.unlock.Value())
			u.unlock.Reset()
			u.step, u.problem = stepUnlocking, ""
			return tea.Batch(u.spin.Tick, openWalletCmd(u.d.wallets, u.dir, u.s.net, pass))
		}
	}
	return u.updateFocused(msg)
}

// updateFocused passes msg to the focused text field.
func (u *setupScreen) updateFocused(msg tea.Msg) tea.Cmd {
	var cmd tea.Cmd
	switch u.step {
	case stepNewPass, stepRestorePass:
		if u.focus == 0 {
			u.pass1, cmd = u.pass1.Update(msg)
		} else {
			u.pass2, cmd = u.pass2.Update(msg)
		}
	case stepConfirmWords:
		u.confirm[u.focus], cmd = u.confirm[u.focus].Update(msg)
	case stepRestoreWords:
		u.words, cmd = u.words.Update(msg)
	case stepUnlock:
		u.unlock, cmd = u.unlock.Update(msg)
	}
	return cmd
}

func (u *setupScreen) submitPass() tea.Cmd {
	p1, p2 := u.pass1.Value(), u.pass2.Value()
	switch {
	case p1 == "":
		u.problem = "Choose a passphrase: it encrypts your keys on this disk."
		return u.focusPass(0)
	case p1 != p2:
		u.problem = "The two passphrases differ. Type them again."
		u.pass2.Reset()
		return u.focusPass(1)
	}
	pass := []byte(p1)
	u.problem = ""
	if u.step == stepRestorePass {
		u.step = stepRestoring
		return tea.Batch(u.spin.Tick, restoreWalletCmd(u.d.wallets, u.dir, u.s.net, u.words.Value(), pass))
	}
	u.step = stepCreating
	return tea.Batch(u.spin.Tick, createWalletCmd(u.d.wallets, u.dir, u.s.net, pass, mnemonicWords))
}

func (u *setupScreen) pickConfirmWords() {
	n := len(strings.Fields(u.mnemonic))
	perm := u.d.rand.Perm(n)[:confirmCount]
	slices.Sort(perm)
	for i := range u.confirm {
		u.confirmAt[i] = perm[i]
		u.confirm[i].Reset()
		u.confirm[i].Prompt = fmt.Sprintf("Word #%-2d  ", perm[i]+1)
	}
}

func (u *setupScreen) focusConfirm(i int) tea.Cmd {
	u.focus = i
	ins := make([]*textinput.Model, confirmCount)
	for j := range u.confirm {
		ins[j] = &u.confirm[j]
	}
	f := newForm(ins...)
	return f.focusOn(i)
}

func (u *setupScreen) checkConfirm() tea.Cmd {
	words := strings.Fields(u.mnemonic)
	for i, at := range u.confirmAt {
		got := strings.ToLower(strings.TrimSpace(u.confirm[i].Value()))
		if got != words[at] {
			u.problem = fmt.Sprintf("Word #%d does not match. Check your written copy (esc shows the words again).", at+1)
			u.confirm[i].Reset()
			return u.focusConfirm(i)
		}
	}
	w := u.w
	u.w, u.mnemonic, u.problem = nil, "", ""
	return ready(w)
}

// View draws the current step, centred.
func (u *setupScreen) View() string {
	st := u.s.st
	var b strings.Builder
	title := func(s string) { b.WriteString(st.Title.Render(s) + "\n\n") }
	para := func(s string) { b.WriteString(st.Muted.Render(s) + "\n") }
	switch u.step {
	case stepLoading:
		para("Looking for your wallet…")
	case stepWelcome:
		title("Welcome to Bitverse")
		para("This node has no wallet yet. A wallet holds the keys of your")
		para("accounts: mining rewards go to it, and it signs what you send")
		para("and write.")
		b.WriteString("\n")
		b.WriteString(st.Strong.Render("  c") + "  create a new wallet\n")
		b.WriteString(st.Strong.Render("  r") + "  restore a wallet from its mnemonic\n")
	case stepNewPass, stepRestorePass:
		if u.step == stepNewPass {
			title("Create a wallet · 1/3 passphrase")
		} else {
			title("Restore a wallet · 2/2 passphrase")
		}
		para("The passphrase encrypts your keys on this disk. You will type")
		para("it each time you open the wallet.")
		b.WriteString("\n" + u.pass1.View() + "\n" + u.pass2.View() + "\n")
	case stepCreating, stepRestoring, stepUnlocking:
		what := map[setupStep]string{stepCreating: "Creating your wallet", stepRestoring: "Restoring your wallet",
			stepUnlocking: "Opening your wallet"}[u.step]
		b.WriteString(u.spin.View() + " " + st.Strong.Render(what) + st.Muted.Render(" (deriving the key from the passphrase)"))
	case stepShowMnemonic:
		title("Create a wallet · 2/3 write down your mnemonic")
		para("These words are the only backup of your wallet. Write them down,")
		para("in order, and keep them offline. They are shown once.")
		b.WriteString("\n" + u.mnemonicGrid() + "\n")
		b.WriteString(st.Muted.Render("Press ") + st.Strong.Render("enter") + st.Muted.Render(" when they are written down.") + "\n")
	case stepConfirmWords:
		title("Create a wallet · 3/3 confirm your backup")
		para("Type these words from your written copy.")
		b.WriteString("\n")
		for i := range u.confirm {
			b.WriteString(u.confirm[i].View() + "\n")
		}
	case stepRestoreWords:
		title("Restore a wallet · 1/2 mnemonic")
		para("Type the words of your mnemonic, separated by spaces.")
		b.WriteString("\n" + u.words.View() + "\n")
	case stepUnlock:
		title("Open your wallet")
		para("Wallet: " + u.dir)
		b.WriteString("\n" + u.unlock.View() + "\n")
	}
	if u.problem != "" {
		b.WriteString("\n" + st.FieldError.Render(u.problem) + "\n")
	}
	box := lipgloss.NewStyle().Width(min(72, u.width-4)).Render(strings.TrimRight(b.String(), "\n"))
	return lipgloss.Place(u.width, u.height, lipgloss.Center, lipgloss.Center, box)
}

// mnemonicGrid lays the words out in numbered columns, down then across.
func (u *setupScreen) mnemonicGrid() string {
	st := u.s.st
	words := strings.Fields(u.mnemonic)
	cols := 4
	if u.width < 64 {
		cols = 2
	}
	rows := (len(words) + cols - 1) / cols
	var b strings.Builder
	for r := 0; r < rows; r++ {
		for c := 0; c < cols; c++ {
			i := c*rows + r
			if i >= len(words) {
				continue
			}
			cell := st.Subtle.Render(fmt.Sprintf("%2d ", i+1)) + st.Mnemonic.Render(view.PadRight(words[i], 10))
			b.WriteString(cell + "  ")
		}
		b.WriteString("\n")
	}
	return b.String()
}
