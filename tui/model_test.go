package tui

import (
	"slices"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/bitverse/bitverse/node"
	"github.com/bitverse/bitverse/node/wire"
)

func TestSetupCreateConfirmsThreeWords(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 20, false)
	h.send(tea.WindowSizeMsg{Width: 80, Height: 24})
	h.mustSee("Welcome to Bitverse", "create a new wallet")
	h.press("c")
	h.typeText("abc")
	h.press("enter")
	h.typeText("abd")
	h.press("enter")
	h.mustSee("The two passphrases differ")
	h.typeText("abc")
	h.press("enter")
	h.mustSee("write down your mnemonic", "legal", "title")
	h.press("enter")
	h.mustSee("confirm your backup")
	words := strings.Fields(testMnemonic)
	at := h.a.setup.confirmAt
	// A wrong word is refused and asked again.
	h.typeText(words[at[0]])
	h.press("enter")
	h.typeText("zebra")
	h.press("enter")
	h.typeText(words[at[2]])
	h.press("enter")
	h.mustSee("does not match")
	if !h.a.inSetup {
		t.Fatal("a wrong word finished the setup")
	}
	h.typeText(words[at[1]])
	h.press("enter", "enter")
	if h.a.inSetup {
		t.Fatalf("setup did not finish:\n%s", h.screen())
	}
	h.mustSee("1 Home", "Wallet", "balance")
	h.mustNotSee("legal winner")
}

func TestSetupUnlockWrongPassphraseRetries(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 20, true)
	h.send(tea.WindowSizeMsg{Width: 80, Height: 24})
	h.mustSee("Open your wallet")
	h.typeText("wrong")
	h.press("enter")
	h.mustSee("Wrong passphrase. Try again.")
	if !h.a.inSetup {
		t.Fatal("a wrong passphrase opened the wallet")
	}
	h.typeText(testPass)
	h.press("enter")
	if h.a.inSetup {
		t.Fatalf("the right passphrase did not open the wallet:\n%s", h.screen())
	}
}

func TestSetupUnlockFromEnvironment(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(5)
	ws := &fakeWallets{probe: api.probe, exists: true}
	d := testDeps(api, ws)
	d.envPass = []byte(testPass)
	a := newApp(testOptions(api), d)
	h := &harness{t: t, a: a, api: api, ws: ws}
	h.exec(a.Init())
	h.send(tea.WindowSizeMsg{Width: 80, Height: 24})
	if a.inSetup {
		t.Fatalf("BITVERSE_PASSPHRASE did not open the wallet:\n%s", h.screen())
	}
}

func TestSetupRestore(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 20, false)
	h.send(tea.WindowSizeMsg{Width: 80, Height: 24})
	h.press("r")
	h.typeText("legal winner thank")
	h.press("enter")
	h.mustSee("a mnemonic has 12, 15, 18, 21 or 24 words")
	h.press("ctrl+u")
	h.typeText(testMnemonic)
	h.press("enter")
	h.mustSee("Restore a wallet · 2/2 passphrase")
	h.typeText("pw")
	h.press("enter")
	h.typeText("pw")
	h.press("enter")
	if h.a.inSetup {
		t.Fatalf("restore did not finish:\n%s", h.screen())
	}
}

func TestNavigationTabsAndNumbers(t *testing.T) {
	t.Parallel()
	h := newReadyHarness(t, 20, 80, 24)
	titles := []string{"Home", "Blocktree", "Mining", "Wallet", "Data", "Market", "Tumbler"}
	for i := range titles {
		if h.a.active != i {
			t.Fatalf("case %d: active screen %d, want %d", i, h.a.active, i)
		}
		h.press("tab")
	}
	if h.a.active != tabHome {
		t.Fatalf("tab did not wrap around: %d", h.a.active)
	}
	h.press("shift+tab")
	if h.a.active != tabTumbler {
		t.Fatalf("shift+tab: %d, want the tumbler", h.a.active)
	}
	for i, k := range []string{"1", "2", "3", "4", "5", "6", "7"} {
		h.press(k)
		if h.a.active != i {
			t.Fatalf("case %d: key %s opened screen %d", i, k, h.a.active)
		}
	}
	h.press("?")
	h.mustSee("Keys", "next screen", "start/stop mining")
	h.press("?")
	h.mustNotSee("(? or esc to close)")
}

func TestMiningToggleWithOneKey(t *testing.T) {
	t.Parallel()
	h := newReadyHarness(t, 20, 80, 24)
	h.press("3")
	h.mustSee("○ stopped")
	h.press("m")
	h.mustSee("● mining", "1.23 MH/s")
	if !h.api.status.Mining || h.api.status.MineTo != testAddr {
		t.Fatalf("SetMining was not called with the wallet's address: %+v", h.api.status)
	}
	h.press("m")
	h.mustSee("○ stopped")
}

func TestBlocktreeDrillDown(t *testing.T) {
	t.Parallel()
	h := newReadyHarness(t, 30, 80, 24)
	h.press("2")
	h.mustSee("15 chains", "├─ 0", "headers")
	h.press("enter")
	h.mustSee("#30", "#29")
	h.press("down", "down", "down", "enter") // #27: coinbase and a put
	h.mustSee("chains › / blocks › #27", "Transactions", "coinbase", "put")
	h.press("down", "enter")
	h.mustSee("tx ", "public/hello", "fee")
	h.press("esc", "esc", "esc")
	h.mustSee("chain", "interval", "mode")
}

func TestQuitAsksWhenAFormIsDirty(t *testing.T) {
	t.Parallel()
	h := newReadyHarness(t, 20, 80, 24)
	h.press("4", "s")
	h.typeText("bvd1")
	h.press("ctrl+c")
	h.mustSee("Quit and lose what you typed?")
	if h.quit {
		t.Fatal("quit without asking")
	}
	h.press("n")
	h.mustNotSee("Quit and lose")
	h.press("esc", "q")
	if !h.quit {
		t.Fatal("q did not quit from a clean screen")
	}
}

func TestGlobalKeysIgnoredWhileTyping(t *testing.T) {
	t.Parallel()
	h := newReadyHarness(t, 20, 80, 24)
	h.press("5", "p")
	h.typeText("q2m?")
	if h.quit || h.a.active != tabData || h.a.showHelp || h.api.status.Mining {
		t.Fatalf("a global key acted while typing: quit=%v active=%d help=%v mining=%v", h.quit, h.a.active, h.a.showHelp, h.api.status.Mining)
	}
	h.mustSee("q2m?")
}

func TestSendRefusesInvalidAddress(t *testing.T) {
	t.Parallel()
	cases := []struct {
		to, amount, want string
	}{
		{"", "1", "Enter the address to send to."},
		{"bvd1qqqqbad", "1", "Invalid address"},
		{strings.Replace(otherAddr, "q", "p", 1), "1", "Invalid address"}, // a typo: the checksum fails
		{wire.EncodeAddress(wire.Testnet, otherKey.PubKey()), "1", "Invalid address"},
		{otherAddr, "", "Enter an amount"},
		{otherAddr, "1.123456789", "at most 8 decimal places"},
		{otherAddr, "0", "above zero"},
		{otherAddr, "5000", "but only 100 BVS is"},
	}
	for i, c := range cases {
		h := newReadyHarness(t, 20, 80, 24)
		h.api.accounts[testAddr] = node.AccountInfo{Balance: 100 * wire.Unit, NextNonce: 4}
		h.press("4", "ctrl+r")
		h.exec(h.a.requestBalances())
		h.press("s")
		h.typeText(c.to)
		h.press("tab")
		h.typeText(c.amount)
		h.press("enter") // enter on the amount submits
		if h.a.screens[tabWallet].(*walletScreen).mode != wmSend {
			t.Fatalf("case %d: %q/%q left the form:\n%s", i, c.to, c.amount, h.screen())
		}
		h.mustSee(c.want)
		if h.api.Submitted() != nil {
			t.Fatalf("case %d: submitted", i)
		}
	}
}

func TestSendNeedsConfirmation(t *testing.T) {
	t.Parallel()
	h := newReadyHarness(t, 20, 80, 24)
	h.api.accounts[testAddr] = node.AccountInfo{Balance: 100 * wire.Unit, NextNonce: 4}
	h.exec(h.a.requestBalances())
	h.press("4", "s")
	h.typeText(otherAddr)
	h.press("tab")
	h.typeText("1.5")
	h.press("enter")
	h.mustSee("Send this transaction?", "1.5 BVS", "fee", otherAddr)
	if h.api.Submitted() != nil {
		t.Fatal("submitted before the confirmation")
	}
	h.press("n") // back to the form, values kept
	h.mustSee("Send", "1.5")
	h.press("enter")
	h.mustSee("Send this transaction?")
	h.press("y")
	raw := h.api.Submitted()
	if raw == nil {
		t.Fatal("y did not submit")
	}
	tx, err := wire.DecodeTx(raw)
	if err != nil {
		t.Fatal(err)
	}
	body := tx.Body.(wire.Transfer)
	if body.Amount != 150_000_000 || body.To != otherKey.PubKey() || tx.Nonce != 4 {
		t.Fatalf("wrong transfer: %+v nonce %d", body, tx.Nonce)
	}
	if want := h.a.s.params.MinFee(tx.Size()); tx.Fee != want {
		t.Fatalf("fee %d, want the minimum %d", tx.Fee, want)
	}
	h.mustSee("Sent.")
}

func TestPutAndReadBack(t *testing.T) {
	t.Parallel()
	h := newReadyHarness(t, 20, 80, 24)
	h.api.accounts[testAddr] = node.AccountInfo{Balance: 100 * wire.Unit, NextNonce: 1}
	h.exec(h.a.requestBalances())
	h.press("5", "p")
	h.mustSee("depth", "0 · the root chain /")
	h.typeText("public/hello")
	h.press("tab")
	h.typeText("world")
	h.press("enter")
	h.mustSee("Write this value?")
	h.press("y")
	tx, err := wire.DecodeTx(h.api.Submitted())
	if err != nil {
		t.Fatal(err)
	}
	if p := tx.Body.(wire.Put); p.Key != "public/hello" || string(p.Value) != "world" {
		t.Fatalf("wrong put: %+v", p)
	}
	// The write lands in a block: the key appears and opens.
	h.api.values["public/hello"] = node.ValueRecord{Key: "public/hello", Value: "world", Size: 5, Height: 21, Confirmations: 1, Writer: testAddr}
	h.send(eventMsg{ev: node.Event{Kind: node.EventBlockConnected, Height: 21}, ch: h.api.events})
	h.mustSee("▸ public/hello")
	h.press("enter")
	h.mustSee("world", "1 confirmation")
}

func TestBlockListFetchesOnlyTheVisibleWindow(t *testing.T) {
	t.Parallel()
	h := newReadyHarness(t, 9_999, 80, 24)
	h.press("2", "enter")
	h.mustSee("#9,999")
	if p := h.api.listPages(); !slices.Equal(p, []uint64{9_999}) {
		t.Fatalf("Blocks calls %v to show the top of 10,000 blocks, want one at the tip", p)
	}
	h.press("end")
	h.mustSee("#0")
	if p := h.api.listPages(); !slices.Equal(p, []uint64{9_999, blockPage - 1}) {
		t.Fatalf("Blocks calls %v after jumping to the oldest block, want the tip's page and page 0", p)
	}
	if l := h.a.screens[tabBlocktree].(*blocktreeScreen).list; len(l.blocks) > (2*keepPages+1)*blockPage {
		t.Fatalf("%d blocks cached", len(l.blocks))
	}
}

func TestNewAccount(t *testing.T) {
	t.Parallel()
	h := newReadyHarness(t, 20, 80, 24)
	h.press("4", "a")
	h.typeText("default")
	h.press("enter")
	h.mustSee("already has an account")
	h.press("ctrl+u")
	h.typeText("savings")
	h.press("enter")
	h.mustSee("Account savings added.", "savings")
	if len(h.a.s.accounts) != 2 || h.a.screens[tabWallet].(*walletScreen).cursor != 1 {
		t.Fatalf("accounts %v, cursor %d", h.a.s.accounts, h.a.screens[tabWallet].(*walletScreen).cursor)
	}
}

// TestMiningShowsPathAndFoundByChain: the mining screen shows the path
// the node mines and the blocks found per chain from its status; an older
// node's status (no path, no per-chain counts) shows the root and the
// total; stopped, no path.
func TestMiningShowsPathAndFoundByChain(t *testing.T) {
	t.Parallel()
	h := newReadyHarness(t, 20, 100, 30)
	st := h.api.status
	st.Mining, st.BlocksFound, st.MinePath, st.FoundByChain = true, 12, "101", map[string]uint64{"101": 7, "/": 3, "1": 2, "10": 0}
	h.press("3")
	h.send(statusMsg{st: st})
	h.mustSee("/ › 1 › 10 › 101", "/          3", "1          2", "10         0", "101        7")
	scr := h.screen()
	if strings.Index(scr, "/          3") > strings.Index(scr, "101        7") {
		t.Fatalf("chains not in tree order:\n%s", scr)
	}
	st.MinePath, st.FoundByChain = "", nil
	h.send(statusMsg{st: st})
	h.mustSee("/  the root chain", "/          12")
	st.Mining = false
	h.send(statusMsg{st: st})
	h.mustSee("–  not mining")
}

// TestMiningShowsBranchPayouts: the mining screen's earnings include what
// root checkpoints pay the wallet for branch blocks, totals and per chain
// (paid, pending with the root height of the next payout, voided), asked
// again of the node when a block connects; none yet says how they come.
func TestMiningShowsBranchPayouts(t *testing.T) {
	t.Parallel()
	h := newReadyHarness(t, 20, 120, 40)
	h.press("3")
	h.mustSee("payouts    none yet · branch blocks are paid by root checkpoints", "coinbase")
	h.api.mu.Lock()
	h.api.payouts = map[string]*node.PayoutInfo{testAddr: {Address: testAddr, Height: 20, Maturity: 20,
		Matured: 3_000, Pending: 1_250, Voided: 500,
		Chains: []node.ChainPayouts{
			{Chain: "1", Matured: 3_000, MaturedBlocks: 2, Voided: 500, VoidedBlocks: 1},
			{Chain: "10", Pending: 1_250, PendingBlocks: 1, NextMatures: 31},
		}}}
	h.api.mu.Unlock()
	h.send(eventMsg{ev: node.Event{Kind: node.EventBlockConnected, Height: 21}})
	h.mustSee("payouts    0.00003 BVS paid · 0.0000125 BVS pending · 0.000005 BVS voided (20-block maturity)",
		"1          paid 0.00003 BVS (2) · voided 0.000005 BVS (1)",
		"10         paid 0 BVS (0) · pending 0.0000125 BVS (1), next #31")
}
