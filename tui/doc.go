// Package tui is the terminal UI of Bitverse: a wallet and miner on top of
// a node, embedded (*node.Node) or remote (rpc.Client), both seen through
// node.API. `bitverse` with no arguments runs it; Run is the entry point and
// New returns the root model for tests.
//
// # Pieces
//
//	Run ── tea.Program ── app (root model: app.go, chrome.go)
//	                        ├─ setupScreen   create / restore / unlock the wallet (setup.go)
//	                        ├─ homeScreen    sync, peers, tip, balance, miner   (home.go)
//	                        ├─ blocktreeScreen tree of chains → a chain's blocks → block → tx (blocktree*.go, blocklist.go)
//	                        ├─ miningScreen  on/off, hash rate, found, earnings  (mining.go)
//	                        ├─ walletScreen  accounts, receive+QR, send, history (walletscreen.go, wallet_*.go)
//	                        ├─ dataScreen    keys by prefix, preview, put at a depth (data.go, data_put.go, preview.go)
//	                        │    └─ keyspacesView  yours, one in full, buy, edit access.js (keyspaces.go, ks_*.go)
//	                        └─ marketScreen  serve toggle and earnings, market events (market.go)
//	                             ├─ marketRequest  request box, live price table, fund a row (market_request.go)
//	                             ├─ marketMine     my bounties and jobs, countdowns, settle, dispute (market_mine.go)
//	                             ├─ marketOpen     open bounties, filter, accept (market_open.go)
//	                             └─ marketResult   a result's preview (market_result.go)
//
// Every component gets one *common (common.go), as soft-serve's
// common.Common: the context, the node API, the network's parameters,
// styles, keys, the clock and the logger, and the state every screen reads
// (status, wallet, balances, the message line). The root owns it: it polls
// Status every second with tea.Tick, listens to node events one at a time
// (waitEventCmd returns one event as a message and is issued again after
// each), routes keys to the active screen and every other message to all
// screens, and draws the header, tab bar, message line and help around the
// active screen. The market screen listens to the market service's
// events (market.API, Options.Market) the same way, one wait out at a
// time, and reads a quoted request's price table again per offer, one
// call out and a stale flag. Its on-chain half (bounty lists, the bounty,
// settle and dispute intents) goes through market_chain.go. The market
// may come late: the embedded node starts it with the wallet's first key
// once the wallet is open (Options.ServeKey, from a command); the root
// then sets common.market and the screen subscribes. Styles live in tui/styles, key bindings in tui/keymap,
// pure drawing helpers (numbers, ages, sparkline, half-block images, QR
// codes) in tui/internal/view.
//
// # Components
//
// The screens are built from a few components:
//
//   - signFlow (review.go), the review-and-sign flow of every form that
//     sends (send, put, keyspace buy, keyspace script): a command prepares
//     and signs a plan (its transactions in order), the review shows it in
//     the owner's words, y submits the steps in order (waiting for a block
//     between them when the plan says so; esc stops waiting), n goes back.
//     The owner acts on its outcomes (prepared, failed, refused, done…).
//   - form (form.go): fields, focus, tab and shift+tab, typing to the
//     focused input; cursorList (list.go): a list's cursor and window, its
//     keys, the selected row drawn; field and txDetails draw the details of
//     one thing (a block, a transaction, a keyspace).
//   - Replies are matched by typed request IDs (reqID, given out by
//     common.newID): every reply reaches every screen, and a component takes
//     only the answer to the request it is waiting for, so a reply to an
//     abandoned request (a look-up typed over, a run sent back) is dropped.
//
// # No blocking work in Update or View
//
// Update, View and Init never call the node or the wallet and never touch
// the disk. This is ensured by construction and checked by tests:
//
//   - Every node or wallet call, and every file the UI reads or writes
//     (an access script, the editor's temporary file), lives in a function
//     of cmds*.go that returns a tea.Cmd. The command gets copies of what it needs (the API, a
//     context, addresses, the unsigned body) and returns one typed message
//     (statusMsg, blocksPageMsg, preparedMsg, …); it never reads or writes
//     the model. Bubble Tea runs commands on their own goroutines.
//   - Work that costs more than formatting also runs in commands: the
//     wallet's key derivation, signing, decoding a value for preview
//     (base64, JSON indentation, PNG/JPEG) and planning a transaction.
//   - The script editor ($VISUAL, $EDITOR or vi) runs through tea.Exec
//     (runEditor), which hands it the terminal; a command writes the
//     script to a temporary file first and another reads it back after.
//     runEditor works around a Bubble Tea race that can leave the screen
//     blank after a command that returns at once (see execSettle).
//   - Requests are coalesced (one request out and a stale flag per kind), so a
//     burst of events never piles up commands (Status, balances, keys, and
//     the blocktree's Tree, asked again on block and branch-block events).
//   - Every transaction is planned by the planner (wallet/plan) in a
//     command: it asks the node for the nonce, write credit, keyspace price
//     and its rules' verdict (Preview), so the UI never runs consensus code
//     (no script compiler, no price rule) and agrees with the node it is
//     attached to. A write on a branch whose credit is short is a plan of
//     two transactions: the flow sends the root Stamp, waits for a block to
//     hold it (waitTxCmd, cancelled by esc through a context the flow
//     keeps), then sends the write.
//   - Logs go to DataDir/tui.log through a writer that queues lines in memory
//     and writes them on its own goroutine (internal/logfile), so logging
//     from Update never waits for the disk.
//   - View draws only what is visible: the block list of a chain of any
//     length renders only its window of rows and fetches only the pages of
//     that window (BenchmarkBlockListView10k).
//   - TestNoCallsFromUpdateOrView drives a whole session through fakes that
//     record every call made while Update or View runs (there must be none),
//     and TestUpdateDoesNotWaitForTheNode feeds the model a session's worth
//     of messages while every API call blocks: Update and View must keep
//     returning.
//
// # Hostile values
//
// Values come from the chain, written by anyone. An image is decoded only
// after its header (image.DecodeConfig) declares at most
// view.MaxImagePixels pixels: a PNG of a hundred bytes can declare
// 60000×60000, and the decoders allocate what the header declares. A
// refused image shows its declared size and a sentence instead
// (FuzzDecodeImage, TestPreviewRefusesAnImageDeclaring60000x60000).
//
// # Tests
//
// Golden files (testdata/TestGolden) hold every screen at 80×24 and 120×40,
// ANSI stripped, with a fixed clock and a fake node; regenerate them with
// `go test ./tui -run TestGolden -update`. scripts/tui-e2e.sh drives the
// real binary in tmux.
//
// # Errors
//
// A user sees a sentence on the message line or under a form field, never
// a Go error chain: sentence() turns errors into one (and names a wrong
// passphrase, a node that does not answer, a refused address). A write
// refused by a keyspace shows the keyspace and the access script's own
// reason (refusal()). Errors are also logged to tui.log. Run returns the error of the Bubble Tea program,
// or nil when the user quits or ctx is cancelled.
package tui
