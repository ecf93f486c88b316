package tui

import (
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

// harness drives the root model synchronously: it calls Update (and View)
// with the fakes' probe in phaseUpdate, then runs the returned commands
// outside that phase and feeds their messages back, until nothing is left.
// Commands that do not return quickly (ticks, event waits, spinners) are
// left running and their messages dropped.
type harness struct {
	t    *testing.T
	a    *app
	api  *fakeAPI
	ws   *fakeWallets
	quit bool
}

func newHarness(t *testing.T, tip uint64, walletExists bool) *harness {
	t.Helper()
	api := newFakeAPI(tip)
	ws := &fakeWallets{probe: api.probe, exists: walletExists}
	a := newApp(testOptions(api), testDeps(api, ws))
	h := &harness{t: t, a: a, api: api, ws: ws}
	h.exec(a.Init())
	return h
}

// newReadyHarness has an open wallet and the home screen up.
func newReadyHarness(t *testing.T, tip uint64, w, ht int) *harness {
	h := newHarness(t, tip, true)
	h.send(tea.WindowSizeMsg{Width: w, Height: ht})
	h.typeText(testPass)
	h.press("enter")
	if h.a.inSetup {
		t.Fatalf("setup did not finish:\n%s", h.screen())
	}
	return h
}

func (h *harness) send(msg tea.Msg) {
	h.t.Helper()
	h.drain([]tea.Msg{msg})
}

func (h *harness) exec(cmd tea.Cmd) { h.drain(h.run(cmd)) }

// drain feeds queue to Update (and View) in order, each message's
// command starting as Update returns it, as bubbletea starts them; the
// commands' messages join the queue in the order of the messages that
// asked for them, once every message before has been fed. So the
// subscriptions that several messages renew cost one patience together,
// not one each.
func (h *harness) drain(queue []tea.Msg) {
	for len(queue) > 0 && !h.quit {
		var started []chan []tea.Msg
		for _, m := range queue {
			if _, ok := m.(tea.QuitMsg); ok {
				h.quit = true
				return
			}
			h.api.enter()
			_, cmd := h.a.Update(m)
			_ = h.a.View()
			h.api.leave()
			ch := make(chan []tea.Msg, 1)
			go func() { ch <- h.run(cmd) }()
			started = append(started, ch)
		}
		queue = nil
		for _, ch := range started {
			queue = append(queue, <-ch...)
		}
	}
}

// cmdPatience is how long run waits for a command's message before taking
// it for a long-running one (an event subscription) and moving on. Too
// short, and a quick command on a loaded machine is lost (seen: the script
// editor's confirmation, with three test suites running; the wallet opening
// at 150 ms with a load of 26). The tests run four at a time (TestMain), so
// the waits overlap.
const cmdPatience = 300 * time.Millisecond

// run executes cmd and returns its messages, flattening batches. A
// batch's commands run at once, as bubbletea runs them, and each has its
// own patience: the subscriptions a screen starts together (event waits,
// ticks) cost one patience, not one each.
func (h *harness) run(cmd tea.Cmd) []tea.Msg {
	if cmd == nil {
		return nil
	}
	ch := make(chan tea.Msg, 1)
	go func() { ch <- cmd() }()
	select {
	case msg := <-ch:
		if b, ok := msg.(tea.BatchMsg); ok {
			return h.runBatch(b)
		}
		if msg == nil {
			return nil
		}
		return []tea.Msg{msg}
	case <-time.After(cmdPatience):
		return nil
	}
}

// runBatch runs a batch's commands concurrently and returns their
// messages in the batch's order.
func (h *harness) runBatch(b tea.BatchMsg) []tea.Msg {
	outs := make([][]tea.Msg, len(b))
	var wg sync.WaitGroup
	for i, c := range b {
		wg.Add(1)
		go func() {
			defer wg.Done()
			outs[i] = h.run(c)
		}()
	}
	wg.Wait()
	var out []tea.Msg
	for _, o := range outs {
		out = append(out, o...)
	}
	return out
}

// press sends key presses by name: "enter", "tab", "esc", "up", "ctrl+c",
// or a single character.
func (h *harness) press(keys ...string) {
	h.t.Helper()
	for _, k := range keys {
		h.send(keyMsg(k))
	}
}

func (h *harness) typeText(s string) {
	h.t.Helper()
	for _, r := range s {
		h.send(tea.KeyPressMsg{Code: r, Text: string(r)})
	}
}

func keyMsg(k string) tea.KeyPressMsg {
	switch k {
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "tab":
		return tea.KeyPressMsg{Code: tea.KeyTab}
	case "shift+tab":
		return tea.KeyPressMsg{Code: tea.KeyTab, Mod: tea.ModShift}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	case "up":
		return tea.KeyPressMsg{Code: tea.KeyUp}
	case "down":
		return tea.KeyPressMsg{Code: tea.KeyDown}
	case "pgdown":
		return tea.KeyPressMsg{Code: tea.KeyPgDown}
	case "end":
		return tea.KeyPressMsg{Code: tea.KeyEnd}
	case "backspace":
		return tea.KeyPressMsg{Code: tea.KeyBackspace}
	case "ctrl+c":
		return tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl}
	case "ctrl+u":
		return tea.KeyPressMsg{Code: 'u', Mod: tea.ModCtrl}
	}
	r := []rune(k)
	return tea.KeyPressMsg{Code: r[0], Text: k}
}

// screen is the window as plain text.
func (h *harness) screen() string { return ansi.Strip(h.a.render()) }

func (h *harness) mustSee(what ...string) {
	h.t.Helper()
	s := h.screen()
	for _, w := range what {
		if !strings.Contains(s, w) {
			h.t.Fatalf("screen lacks %q:\n%s", w, s)
		}
	}
}

func (h *harness) mustNotSee(what string) {
	h.t.Helper()
	if s := h.screen(); strings.Contains(s, what) {
		h.t.Fatalf("screen shows %q:\n%s", what, s)
	}
}
