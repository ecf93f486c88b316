package tui

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/bitverse/bitverse/internal/testutil"
	"github.com/bitverse/bitverse/node"
	"github.com/bitverse/bitverse/node/market"
	"github.com/bitverse/bitverse/node/wire"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest/v2"
)

// goldenCase drives the program to one screen. Goldens are the final
// model's view with ANSI stripped, at a fixed size and clock; run
// `go test ./tui -run TestGolden -update` to rewrite them.
type goldenCase struct {
	name     string
	wallet   bool           // a wallet file exists
	noMarket bool           // the node has no market service
	setup    func(*fakeAPI) // before the program starts
	steps    []step
}

// step sends keys, text or messages, then waits until the (ANSI-stripped)
// output shows wait.
type step struct {
	do   func(*fakeAPI) // first
	keys []string
	text string
	msgs []tea.Msg
	wait string
}

func unlock() step { return step{text: testPass, keys: []string{"enter"}, wait: "1 Home"} }

func richChain(api *fakeAPI) {
	api.accounts[testAddr] = node.AccountInfo{Address: testAddr, Balance: 1_234_5000_0000, Immature: 500 * wire.Unit, Nonce: 3, NextNonce: 3}
	for h := uint64(9_999); h > 9_999-14; h-- {
		api.history[testAddr] = append(api.history[testAddr], api.block(h, true).Txs...)
	}
	pending := node.TxInfo{ID: txID(1, 9), Type: "transfer", From: testAddr, To: otherAddr, Amount: 2 * wire.Unit, Fee: 1460, Nonce: 3, Size: 146, Pending: true}
	api.history[testAddr] = append([]node.TxInfo{pending}, api.history[testAddr]...)
	api.values["public/config"] = node.ValueRecord{Key: "public/config", Value: `{"name":"bitverse","tags":["pow","kv"],"blocks":{"interval":"2s"}}`,
		Size: 64, Height: 9_990, Confirmations: 10, Writer: testAddr, TxID: txID(9_990, 1)}
	api.values["public/hello"] = node.ValueRecord{Key: "public/hello", Value: "world", Size: 5, Height: 9_993, Confirmations: 7, Writer: testAddr, TxID: txID(9_993, 1)}
	img := testPNG()
	api.values["public/logo.png"] = node.ValueRecord{Key: "public/logo.png", Value: base64.StdEncoding.EncodeToString(img), Encoding: "base64",
		Size: len(img), Height: 9_996, Confirmations: 4, Writer: otherAddr, TxID: txID(9_996, 1)}
}

// testPNG is a 24×24 image: a diagonal gradient with a dark ring.
func testPNG() []byte {
	img := image.NewRGBA(image.Rect(0, 0, 24, 24))
	for y := 0; y < 24; y++ {
		for x := 0; x < 24; x++ {
			dx, dy := x-12, y-12
			c := color.RGBA{uint8(x * 10), uint8(y * 10), 200, 255}
			if r := dx*dx + dy*dy; r > 60 && r < 100 {
				c = color.RGBA{20, 20, 40, 255}
			}
			img.Set(x, y, c)
		}
	}
	var b bytes.Buffer
	png.Encode(&b, img)
	return b.Bytes()
}

// branchActivity is richChain where branch chain 01 has just moved (its
// tip 3 s old): the node's event is waiting when the program subscribes.
func branchActivity(api *fakeAPI) {
	richChain(api)
	api.events <- node.Event{Kind: node.EventBranchBlock, Chain: "01", Height: 2_492, Time: testNow.Add(-3 * time.Second).UnixMilli()}
}

// branchValue is richChain with public/note written on branch chain 01
// (its chain at depth 2), 5 blocks deep there and checkpointed 2 root
// blocks ago.
func branchValue(api *fakeAPI) {
	richChain(api)
	api.values["public/note"] = node.ValueRecord{Key: "public/note", Value: "written on a branch", Size: 19, Height: 2_488,
		Confirmations: 5, Writer: testAddr, TxID: txID(2_488, 1), Chain: "01", RootConfirmations: 2}
}

func mining(api *fakeAPI) {
	richChain(api)
	api.status.Mining, api.status.HashRate, api.status.MineTo, api.status.BlocksFound = true, 1_234_567, testAddr, 42
	api.status.MinePath, api.status.FoundByChain = "01", foundByChain()
	api.payouts = map[string]*node.PayoutInfo{testAddr: {Address: testAddr, Height: 9_999, Maturity: 20,
		Matured: 5_740_000, Pending: 1_250_000,
		Chains: []node.ChainPayouts{
			{Chain: "0", Matured: 3_990_000, MaturedBlocks: 55, Pending: 0, PendingBlocks: 2, NextMatures: 10_004},
			{Chain: "01", Matured: 1_750_000, MaturedBlocks: 80, Pending: 1_250_000, PendingBlocks: 8, NextMatures: 10_001},
		}}}
}

// miningRelay is mining with the market's relay role on: relay jobs in
// flight and done, lineups drawn.
func miningRelay(api *fakeAPI) {
	mining(api)
	api.market.relay = relaying()
	api.relays = map[string]*node.RelayInfo{testAddr: {Address: testAddr, Fee: wire.Unit / 1000, Stake: 10 * wire.Unit,
		Caps: wire.RelayCapRecompute, Registered: 9_000, Reputation: node.ReputationInfo{Relayed: 2}}}
}

// foundByChain: blocks found on the root and down the path to 01.
func foundByChain() map[string]uint64 { return map[string]uint64{"/": 42, "0": 57, "01": 88} }

func rates() []tea.Msg {
	var out []tea.Msg
	for i, r := range []float64{0.2, 0.6, 0.9, 1.1, 1.2, 1.25, 1.18, 1.3, 1.22, 1.27, 1.24, 1.234567} {
		st := newFakeAPI(9_999).status
		st.Mining, st.HashRate, st.MineTo, st.BlocksFound = true, r*1e6, testAddr, uint64(30+i)
		st.MinePath, st.FoundByChain = "01", foundByChain()
		out = append(out, statusMsg{st: st})
	}
	return out
}

var goldenCases = []goldenCase{
	{name: "setup_welcome"},
	{name: "setup_unlock_wrong", wallet: true, steps: []step{{text: "nope", keys: []string{"enter"}, wait: "Wrong passphrase"}}},
	{name: "setup_mnemonic", steps: []step{{keys: []string{"c"}, wait: "1/3"}, {text: "pw", keys: []string{"enter"}}, {text: "pw", keys: []string{"enter"}, wait: "write down"}}},
	{name: "setup_confirm", steps: []step{{keys: []string{"c"}, wait: "1/3"}, {text: "pw", keys: []string{"enter"}}, {text: "pw", keys: []string{"enter"}, wait: "write down"},
		{keys: []string{"enter"}, wait: "confirm your backup"}, {text: "legal", wait: "legal"}}},
	{name: "home", wallet: true, setup: mining, steps: []step{unlock(), {wait: "1,234.5 BVS"}}},
	{name: "home_syncing", wallet: true, setup: func(api *fakeAPI) {
		richChain(api)
		api.status.Sync = node.Sync{Syncing: true, Done: 6_000, Total: 9_999, Rate: 150, ETASeconds: 27}
		api.status.Peers = 8
	}, steps: []step{unlock(), {wait: "150/s"}}},
	{name: "help", wallet: true, setup: richChain, steps: []step{unlock(), {keys: []string{"?"}, wait: "esc to close"}}},
	{name: "blocktree_chains", wallet: true, setup: branchActivity, steps: []step{unlock(), {keys: []string{"2"}, wait: "stored in full"}}},
	{name: "blocktree_branch", wallet: true, setup: branchActivity, steps: []step{unlock(), {keys: []string{"2"}, wait: "stored in full"},
		{keys: []string{"down", "down", "down", "down", "down", "enter"}, wait: "keys whose SHA-256"}}},
	{name: "blocktree_branch_blocks", wallet: true, setup: branchActivity, steps: []step{unlock(), {keys: []string{"2"}, wait: "stored in full"},
		{keys: []string{"down", "down", "down", "down", "down", "enter"}, wait: "keys whose SHA-256"}, {keys: []string{"enter"}, wait: "412 B"}}},
	{name: "blocktree_branch_block", wallet: true, setup: branchActivity, steps: []step{unlock(), {keys: []string{"2"}, wait: "stored in full"},
		{keys: []string{"down", "down", "down", "down", "down", "enter"}, wait: "keys whose SHA-256"}, {keys: []string{"enter"}, wait: "412 B"},
		{keys: []string{"enter"}, wait: "Transactions"}}},
	{name: "blocktree_blocks", wallet: true, setup: richChain, steps: []step{unlock(), {keys: []string{"2", "enter"}, wait: "316 B"}}},
	{name: "blocktree_block", wallet: true, setup: richChain, steps: []step{unlock(), {keys: []string{"2", "enter"}, wait: "316 B"},
		{keys: []string{"down", "down", "down", "enter"}, wait: "Transactions"}}},
	{name: "blocktree_tx", wallet: true, setup: richChain, steps: []step{unlock(), {keys: []string{"2", "enter"}, wait: "316 B"},
		{keys: []string{"down", "down", "down", "enter"}, wait: "Transactions"}, {keys: []string{"down", "enter"}, wait: "nonce"}}},
	{name: "mining", wallet: true, setup: mining, steps: []step{unlock(), {keys: []string{"3"}, wait: "in 14 root blocks"}, {msgs: rates()}}},
	{name: "mining_relay", wallet: true, setup: miningRelay, steps: []step{unlock(), {keys: []string{"3"}, wait: "drawn by your blocks"}, {msgs: rates()}}},
	{name: "wallet_accounts", wallet: true, setup: richChain, steps: []step{unlock(), {keys: []string{"4"}, wait: "Accounts"}}},
	{name: "wallet_receive", wallet: true, setup: richChain, steps: []step{unlock(), {keys: []string{"4", "r"}, wait: "Send BVS to"}}},
	{name: "wallet_send_invalid", wallet: true, setup: richChain, steps: []step{unlock(), {keys: []string{"4", "s"}, wait: "from"},
		{text: "bvd1qqqqbad", keys: []string{"tab"}}, {text: "1.5", keys: []string{"enter"}, wait: "Invalid address"}}},
	{name: "wallet_send_confirm", wallet: true, setup: richChain, steps: []step{unlock(), {keys: []string{"4", "s"}, wait: "from"},
		{text: otherAddr, keys: []string{"tab"}}, {text: "2.5", keys: []string{"enter"}, wait: "Send this transaction?"}}},
	{name: "wallet_history", wallet: true, setup: richChain, steps: []step{unlock(), {keys: []string{"4", "h"}, wait: "block reward"}}},
	{name: "data_browse", wallet: true, setup: richChain, steps: []step{unlock(), {keys: []string{"5"}, wait: "public/logo.png"}}},
	{name: "data_json", wallet: true, setup: richChain, steps: []step{unlock(), {keys: []string{"5"}, wait: "public/logo.png"},
		{keys: []string{"enter"}, wait: "interval"}}},
	{name: "data_text", wallet: true, setup: richChain, steps: []step{unlock(), {keys: []string{"5"}, wait: "public/logo.png"},
		{keys: []string{"down", "enter"}, wait: "world"}}},
	{name: "data_image", wallet: true, setup: richChain, steps: []step{unlock(), {keys: []string{"5"}, wait: "public/logo.png"},
		{keys: []string{"down", "down", "enter"}, wait: "24×24"}}},
	{name: "data_put", wallet: true, setup: richChain, steps: []step{unlock(), {keys: []string{"5", "p"}, wait: "Put a value"},
		{text: "public/greeting", keys: []string{"tab"}}, {text: "hello, bitverse", wait: "bitverse"}}},
	{name: "data_put_depth", wallet: true, setup: richChain, steps: []step{unlock(), {keys: []string{"5", "p"}, wait: "Put a value"},
		{text: "public/note", keys: []string{"tab"}}, {text: "on a branch", keys: []string{"tab", "+", "+"}, wait: "chain 01"}}},
	{name: "data_put_stamp_confirm", wallet: true, setup: richChain, steps: []step{unlock(), {keys: []string{"5", "p"}, wait: "Put a value"},
		{text: "public/note", keys: []string{"tab"}}, {text: "on a branch", keys: []string{"tab", "2", "enter"}, wait: "the write waits"}}},
	{name: "data_branch_value", wallet: true, setup: branchValue, steps: []step{unlock(), {keys: []string{"5"}, wait: "public/logo.png"},
		{keys: []string{"o"}}, {text: "public/note", keys: []string{"enter"}, wait: "root confirmations"}}},
	{name: "data_put_refused", wallet: true, setup: ownedKeyspaces, steps: []step{unlock(), {keys: []string{"5", "p"}, wait: "Put a value"},
		{text: "alice/hello", keys: []string{"tab"}}, {text: "hi", keys: []string{"enter"}, wait: "refused this write"}}},
	{name: "data_blob_fetching", wallet: true, setup: blobChain, steps: []step{unlock(), {keys: []string{"5"}, wait: "public/big.bin"},
		{keys: []string{"enter"}, wait: "12/80"}}},
	{name: "keyspaces_empty", wallet: true, setup: richChain, steps: []step{unlock(), {keys: []string{"5", "K"}, wait: "You own no keyspace yet"}}},
	{name: "keyspaces_help", wallet: true, setup: ownedKeyspaces, steps: []step{unlock(), {keys: []string{"5", "K"}, wait: "erik/blog"},
		{keys: []string{"?"}, wait: "esc to close"}}},
	{name: "keyspaces_list", wallet: true, setup: ownedKeyspaces, steps: []step{unlock(), {keys: []string{"5", "K"}, wait: "erik/blog"}}},
	{name: "keyspace_show", wallet: true, setup: ownedKeyspaces, steps: []step{unlock(), {keys: []string{"5", "K"}, wait: "erik/blog"},
		{keys: []string{"enter"}, wait: "to buy it today"}}},
	{name: "keyspace_open_free", wallet: true, setup: ownedKeyspaces, steps: []step{unlock(), {keys: []string{"5", "K"}, wait: "erik/blog"},
		{keys: []string{"o"}}, {text: "zed", keys: []string{"enter"}, wait: "nobody owns it"}}},
	{name: "keyspace_buy_invalid", wallet: true, setup: ownedKeyspaces, steps: []step{unlock(), {keys: []string{"5", "K"}, wait: "erik/blog"},
		{keys: []string{"b"}, wait: "each byte shorter doubles it"}, {text: "public", keys: []string{"enter"}, wait: "open to everyone"}}},
	{name: "keyspace_buy_free", wallet: true, setup: ownedKeyspaces, steps: []step{unlock(), {keys: []string{"5", "K"}, wait: "erik/blog"},
		{keys: []string{"b"}, wait: "each byte shorter doubles it"}, {text: "bitverse", keys: []string{"enter"}, wait: "✓ free"}}},
	{name: "keyspace_buy_confirm", wallet: true, setup: ownedKeyspaces, steps: []step{unlock(), {keys: []string{"5", "K"}, wait: "erik/blog"},
		{keys: []string{"b"}, wait: "each byte shorter doubles it"}, {text: "bitverse", keys: []string{"enter"}, wait: "✓ free"},
		{text: "testdata/keyspaces/owner-only.js", keys: []string{"enter"}, wait: "Buy this keyspace?"}}},
	{name: "keyspace_script_confirm", wallet: true, setup: ownedKeyspaces, steps: []step{unlock(), {keys: []string{"5", "K"}, wait: "erik/blog"},
		{keys: []string{"e"}, wait: "Replace the access script"}}},
	{name: "market_request_empty", wallet: true, setup: marketChain, steps: []step{unlock(), {keys: []string{"6"}, wait: "Live requests"},
		{wait: "json/field name"}}},
	{name: "market_request_live", wallet: true, setup: marketChain, steps: []step{unlock(), {keys: []string{"6"}, wait: "Live requests"},
		{keys: []string{"r"}}, {text: bwExpr, keys: []string{"enter"}, wait: "Waiting for offers"},
		{do: offers(1), wait: "1 offer"}, {do: offers(3), wait: "needs relays"}}},
	{name: "market_request_private", wallet: true, setup: marketChain, steps: []step{unlock(), {keys: []string{"6"}, wait: "Live requests"},
		{keys: []string{"r"}}, {text: bwExpr, keys: []string{"enter"}, wait: "Waiting for offers"},
		{do: offers(3), wait: "needs relays"}, {keys: []string{"p"}, wait: "[x]"}}},
	{name: "market_request_bad", wallet: true, setup: marketChain, steps: []step{unlock(), {keys: []string{"6"}, wait: "Live requests"},
		{keys: []string{"r"}}, {text: `photo filters"`, keys: []string{"enter"}, wait: "expected ("}}},
	{name: "market_fund_confirm", wallet: true, setup: marketChain, steps: []step{unlock(), {keys: []string{"6"}, wait: "Live requests"},
		{keys: []string{"r"}}, {text: bwExpr, keys: []string{"enter"}, wait: "Waiting for offers"},
		{do: offers(3), wait: "needs relays"}, {keys: []string{"enter"}, wait: "Fund this bounty?"}}},
	{name: "market_dispute_confirm", wallet: true, setup: marketChain, steps: []step{unlock(), {keys: []string{"6", "b"}, wait: "dispute window"},
		{keys: []string{"d"}, wait: "Dispute this result?"}}},
	{name: "market_mine", wallet: true, setup: marketChain, steps: []step{unlock(), {keys: []string{"6", "b"}, wait: "dispute window"}}},
	{name: "market_lineup", wallet: true, setup: lineupChain, steps: []step{unlock(), {keys: []string{"6", "b"}, wait: "1 of 2 countersigned"}}},
	{name: "market_relay_job", wallet: true, setup: lineupChain, steps: []step{unlock(), {keys: []string{"6", "b"}, wait: "1 of 2 countersigned"},
		{keys: []string{"down", "down", "down", "down"}, wait: "(you)"}}},
	{name: "market_open", wallet: true, setup: marketChain, steps: []step{unlock(), {keys: []string{"6", "o"}, wait: "json/field name"}}},
	{name: "market_open_filtered", wallet: true, setup: marketChain, steps: []step{unlock(), {keys: []string{"6", "o"}, wait: "json/field name"},
		{keys: []string{"/"}, wait: "Filter open bounties"}, {text: "thumb", keys: []string{"tab"}}, {text: "1", keys: []string{"enter"}, wait: `transform "thumb"`}}},
	{name: "market_result", wallet: true, setup: marketChain, steps: []step{unlock(), {keys: []string{"6", "b"}, wait: "dispute window"},
		{keys: []string{"enter"}, wait: "24×24"}}},
	{name: "market_help", wallet: true, setup: marketChain, steps: []step{unlock(), {keys: []string{"6"}, wait: "Live requests"},
		{keys: []string{"?"}, wait: "esc to close"}}},
	{name: "market_none", wallet: true, noMarket: true, setup: richChain, steps: []step{unlock(), {keys: []string{"6"}, wait: "no compute market"}}},
	{name: "tumbler_rounds", wallet: true, setup: tumbleChain, steps: []step{unlock(), {keys: []string{"7"}, wait: "enter: join"}}},
	{name: "tumbler_join_confirm", wallet: true, setup: tumbleChain, steps: []step{unlock(), {keys: []string{"7"}, wait: "enter: join"},
		{keys: []string{"enter"}, wait: "Nothing moves until"}}},
	{name: "tumbler_mine", wallet: true, setup: tumbleChain, steps: []step{unlock(), {keys: []string{"7", "r"}, wait: "enter: review"}}},
	{name: "tumbler_review", wallet: true, setup: tumbleChain, steps: []step{unlock(), {keys: []string{"7", "r"}, wait: "enter: review"},
		{keys: []string{"enter"}, wait: "INPUTS"}}},
	{name: "tumbler_cosign_confirm", wallet: true, setup: tumbleChain, steps: []step{unlock(), {keys: []string{"7", "r"}, wait: "enter: review"},
		{keys: []string{"enter"}, wait: "INPUTS"}, {keys: []string{"s"}, wait: "valid only once"}}},
	{name: "tumbler_history", wallet: true, setup: tumbleChain, steps: []step{unlock(), {keys: []string{"7", "h"}, wait: "as it was signed"}}},
	{name: "tumbler_help", wallet: true, setup: tumbleChain, steps: []step{unlock(), {keys: []string{"7"}, wait: "enter: join"},
		{keys: []string{"?"}, wait: "esc to close"}}},
	{name: "explore", wallet: true, setup: discovery, steps: []step{unlock(), {keys: []string{"x"}, wait: "Keyspaces, newest first"}}},
	{name: "explore_open_keyspace", wallet: true, setup: discovery, steps: []step{unlock(), {keys: []string{"x"}, wait: "Keyspaces, newest first"},
		{keys: []string{"enter"}, wait: "to buy it today"}}},
	{name: "explore_open_transform", wallet: true, setup: discovery, steps: []step{unlock(), {keys: []string{"x"}, wait: "Keyspaces, newest first"},
		{keys: []string{"j", "j", "j", "j", "j", "j", "j", "j", "enter"}, wait: "function transform"}}},
	{name: "explore_open_bounty", wallet: true, setup: discovery, steps: []step{unlock(), {keys: []string{"x"}, wait: "Keyspaces, newest first"},
		{keys: []string{"j", "j", "j", "j", "j", "j", "j", "j", "j", "enter"}, wait: "json/field name"}}},
}

// offers makes n offers for bwExpr arrive: the table grows, then the
// market says so.
func offers(n int) func(*fakeAPI) {
	return func(api *fakeAPI) {
		api.market.setTable(bwExpr, marketRows(n)...)
		api.market.events <- market.Event{Kind: market.EventOffer, Request: requestID(bwExpr)}
	}
}

func TestGolden(t *testing.T) {
	t.Parallel()
	for _, size := range []struct{ w, h int }{{80, 24}, {120, 40}} {
		for _, c := range goldenCases {
			t.Run(fmt.Sprintf("%s_%dx%d", c.name, size.w, size.h), func(t *testing.T) {
				t.Parallel()
				api := newFakeAPI(9_999)
				if c.setup != nil {
					c.setup(api)
				}
				ws := &fakeWallets{probe: api.probe, exists: c.wallet}
				opts := testOptions(api)
				if c.noMarket {
					opts.Market = nil
				}
				a := newApp(opts, testDeps(api, ws))
				tm := teatest.NewTestModel(t, a, teatest.WithInitialTermSize(size.w, size.h))
				var seen bytes.Buffer
				first := step{wait: "Welcome to Bitverse"}
				if c.wallet {
					first.wait = "Open your wallet"
				}
				for _, s := range append([]step{first}, c.steps...) {
					if s.do != nil {
						s.do(api)
					}
					for _, k := range strings.Split(s.text, "") {
						if k != "" {
							tm.Send(keyMsg(k))
						}
					}
					for _, k := range s.keys {
						tm.Send(keyMsg(k))
					}
					for _, m := range s.msgs {
						tm.Send(m)
					}
					if s.wait != "" {
						waitFor(t, tm, &seen, s.wait)
					}
					settle(t, tm, &seen)
				}
				if err := tm.Quit(); err != nil {
					t.Fatal(err)
				}
				final := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(*app)
				if v := api.Violations(); len(v) > 0 {
					t.Fatalf("calls from Update or View: %v", v)
				}
				golden.RequireEqual(t, []byte(ansi.Strip(final.render())+"\n"))
			})
		}
	}
}

// settle waits until the program has drawn nothing new for a while: the
// fakes answer at once, so by then every command has landed.
func settle(t *testing.T, tm *teatest.TestModel, seen *bytes.Buffer) {
	t.Helper()
	const quiet = 120 * time.Millisecond
	deadline := time.Now().Add(5 * time.Second)
	last, lastChange := seen.Len(), time.Now()
	for time.Now().Before(deadline) {
		if _, err := io.Copy(seen, tm.Output()); err != nil {
			t.Fatal(err)
		}
		if seen.Len() != last {
			last, lastChange = seen.Len(), time.Now()
		} else if time.Since(lastChange) >= quiet {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// waitFor reads the program's output into seen until, ANSI stripped, it
// holds want. The renderer sends only what changed, so seen accumulates.
func waitFor(t *testing.T, tm *teatest.TestModel, seen *bytes.Buffer, want string) {
	t.Helper()
	// A generous cap: a screen may wait on real work (scrypt at the
	// product's cost when a wallet is restored takes seconds under -race).
	testutil.Eventually(t, 60*time.Second, fmt.Sprintf("the screen showing %q", want), func() error {
		if _, err := io.Copy(seen, tm.Output()); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(ansi.Strip(seen.String()), want) {
			return fmt.Errorf("output so far:\n%s", ansi.Strip(seen.String()))
		}
		return nil
	})
}
