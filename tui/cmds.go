package tui

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/bitverse/bitverse/node"
	"github.com/bitverse/bitverse/node/consensus"
	"github.com/bitverse/bitverse/node/script"
	"github.com/bitverse/bitverse/node/wire"
	"github.com/bitverse/bitverse/tui/internal/view"
	"github.com/bitverse/bitverse/wallet"
)

// Every call to the node or the wallet happens in one of the commands
// below, never in Update or View. A command gets copies of what it needs
// (the API, a context, addresses, keys) and returns one typed message; it
// never reads or writes the model.

// callTimeout bounds one API call.
const callTimeout = 15 * time.Second

type (
	statusMsg struct {
		st  node.Status
		err error
	}
	pollMsg         struct{}
	eventsMsg       struct{ ch <-chan node.Event }
	eventsFailedMsg struct{ err error }
	eventMsg        struct {
		ev node.Event
		ch <-chan node.Event
	}
	eventsClosedMsg struct{}
	resubscribeMsg  struct{}
	balancesMsg     struct {
		infos map[string]node.AccountInfo
		err   error
	}
	miningSetMsg struct {
		on  bool
		err error
	}

	walletExistsMsg struct{ exists bool }
	walletOpenedMsg struct {
		w        walletHandle
		mnemonic string // set only by create
		err      error
	}

	blocksPageMsg struct {
		gen    int
		page   uint64
		tip    uint64
		blocks []node.BlockInfo
		err    error
	}
	blockMsg struct {
		id    wire.Hash
		block *node.BlockInfo
		err   error
	}
	historyMsg struct {
		addr string
		txs  []node.TxInfo
		err  error
		who  string // which screen asked
	}
	keysMsg struct {
		prefix, after string
		keys          []string
		err           error
	}
	getMsg struct {
		key     string
		res     *node.GetResult
		preview preview
		err     error
	}
	preparedMsg struct {
		who   string // "send" or "put"
		tx    *wire.Tx
		nonce uint64
		err   error
		// A put on a branch chain: the write credit available there, and
		// the root stamp to submit first when it does not cover the fee.
		available uint64
		stamp     *wire.Tx
	}
	// txConfirmedMsg says a transaction is in a block, or why waiting
	// for it stopped.
	txConfirmedMsg struct {
		id  wire.Hash
		err error
	}
	submittedMsg struct {
		who string
		id  wire.Hash
		err error
	}
)

func withTimeout(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, callTimeout)
}

func statusCmd(ctx context.Context, api node.API) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := withTimeout(ctx)
		defer cancel()
		st, err := api.Status(ctx)
		return statusMsg{st: st, err: err}
	}
}

func pollCmd(d time.Duration) tea.Cmd {
	return tea.Tick(d, func(time.Time) tea.Msg { return pollMsg{} })
}

func subscribeCmd(ctx context.Context, api node.API) tea.Cmd {
	return func() tea.Msg {
		ch, err := api.Events(ctx)
		if err != nil {
			return eventsFailedMsg{err}
		}
		return eventsMsg{ch}
	}
}

// waitEventCmd waits for one event; the root issues it again after each.
func waitEventCmd(ctx context.Context, ch <-chan node.Event) tea.Cmd {
	return func() tea.Msg {
		select {
		case ev, ok := <-ch:
			if !ok {
				return eventsClosedMsg{}
			}
			return eventMsg{ev: ev, ch: ch}
		case <-ctx.Done():
			return eventsClosedMsg{}
		}
	}
}

func resubscribeLater() tea.Cmd {
	return tea.Tick(3*time.Second, func(time.Time) tea.Msg { return resubscribeMsg{} })
}

func balancesCmd(ctx context.Context, api node.API, addrs []string) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := withTimeout(ctx)
		defer cancel()
		out := make(map[string]node.AccountInfo, len(addrs))
		for _, a := range addrs {
			info, err := api.Account(ctx, a)
			if err != nil {
				return balancesMsg{infos: out, err: err}
			}
			out[a] = info
		}
		return balancesMsg{infos: out}
	}
}

func setMiningCmd(ctx context.Context, api node.API, on bool, to string) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := withTimeout(ctx)
		defer cancel()
		return miningSetMsg{on: on, err: api.SetMining(ctx, on, to)}
	}
}

func walletExistsCmd(ws walletStore, dir string) tea.Cmd {
	return func() tea.Msg { return walletExistsMsg{ws.Exists(dir)} }
}

func openWalletCmd(ws walletStore, dir string, net wire.Network, pass []byte) tea.Cmd {
	return func() tea.Msg {
		w, err := ws.Open(dir, net, pass)
		return walletOpenedMsg{w: w, err: err}
	}
}

func createWalletCmd(ws walletStore, dir string, net wire.Network, pass []byte, words int) tea.Cmd {
	return func() tea.Msg {
		w, m, err := ws.Create(dir, net, pass, words)
		return walletOpenedMsg{w: w, mnemonic: m, err: err}
	}
}

func restoreWalletCmd(ws walletStore, dir string, net wire.Network, mnemonic string, pass []byte) tea.Cmd {
	return func() tea.Msg {
		w, err := ws.Restore(dir, net, mnemonic, pass)
		return walletOpenedMsg{w: w, err: err}
	}
}

func blocksPageCmd(ctx context.Context, api node.API, gen int, page, tip uint64) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := withTimeout(ctx)
		defer cancel()
		lo := page * blockPage
		top := min(lo+blockPage-1, tip)
		bs, err := api.Blocks(ctx, top, int(top-lo+1))
		return blocksPageMsg{gen: gen, page: page, tip: tip, blocks: bs, err: err}
	}
}

func blockCmd(ctx context.Context, api node.API, id wire.Hash) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := withTimeout(ctx)
		defer cancel()
		b, err := api.Block(ctx, id.String())
		return blockMsg{id: id, block: b, err: err}
	}
}

func historyCmd(ctx context.Context, api node.API, who, addr string, limit int) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := withTimeout(ctx)
		defer cancel()
		txs, err := api.History(ctx, addr, limit)
		return historyMsg{who: who, addr: addr, txs: txs, err: err}
	}
}

func keysCmd(ctx context.Context, api node.API, prefix, after string, limit int) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := withTimeout(ctx)
		defer cancel()
		ks, err := api.Keys(ctx, prefix, after, limit)
		return keysMsg{prefix: prefix, after: after, keys: ks, err: err}
	}
}

func getCmd(ctx context.Context, api node.API, key string) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := withTimeout(ctx)
		defer cancel()
		res, err := api.Get(ctx, key, false, false)
		if err != nil {
			return getMsg{key: key, err: err}
		}
		return getMsg{key: key, res: res, preview: decodePreview(res.ValueRecord)}
	}
}

// prepareTxCmd fetches the sender's next nonce, sets the lowest fee the
// rules allow and has the wallet sign. build returns the signed tx for a
// nonce and fee.
func prepareTxCmd(ctx context.Context, api node.API, p *consensus.Params, who, from string,
	body wire.Body, sign func(nonce, fee uint64) (*wire.Tx, error)) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := withTimeout(ctx)
		defer cancel()
		acct, err := api.Account(ctx, from)
		if err != nil {
			return preparedMsg{who: who, err: err}
		}
		fee := minFee(p, body, acct.NextNonce)
		tx, err := sign(acct.NextNonce, fee)
		return preparedMsg{who: who, tx: tx, nonce: acct.NextNonce, err: err}
	}
}

// minFee is the lowest fee of a root transaction carrying body at nonce.
// The size of a transaction does not depend on who signs it, so an
// unsigned copy gives the size of the signed one.
func minFee(p *consensus.Params, body wire.Body, nonce uint64) uint64 {
	return minFeeOn(p, wire.RootChain, body, nonce)
}

// minFeeOn is minFee for a transaction on chain id.
func minFeeOn(p *consensus.Params, id wire.ChainID, body wire.Body, nonce uint64) uint64 {
	tx := wire.NewTx(id, body, nonce, 0)
	return p.SetMinFee(tx)
}

// prepareBranchPutCmd builds and signs a write of value at key on branch
// chain id, as `bitverse put --depth` does: it is paid from the sender's
// write credit on the chain (the nonce is the chain's), and when the
// credit does not cover the fee, a root Stamp of the shortfall is built
// and signed as well, to be submitted and confirmed first.
func prepareBranchPutCmd(ctx context.Context, api node.API, p *consensus.Params, from, payer, key string, value []byte,
	id wire.ChainID, sign signFunc) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := withTimeout(ctx)
		defer cancel()
		fail := func(err error) tea.Msg { return preparedMsg{who: "put", err: err} }
		credit, err := api.Credit(ctx, from, id.String())
		if err != nil {
			return fail(err)
		}
		tx := wire.NewTx(id, wire.Put{Key: key, Value: value}, credit.NextNonce, 0)
		p.SetMinFee(tx)
		msg := preparedMsg{who: "put", tx: tx, nonce: credit.NextNonce, available: credit.Available}
		if credit.Available < tx.Fee {
			acct, err := api.Account(ctx, from)
			if err != nil {
				return fail(err)
			}
			need := tx.Fee - credit.Available
			st := wire.NewTx(wire.RootChain, wire.Stamp{Chain: id, Amount: need}, acct.NextNonce, 0)
			p.SetMinFee(st)
			if total, err := wire.AddAmounts(need, st.Fee); err != nil || total > acct.Balance {
				return fail(fmt.Errorf("writing on chain %s needs %s more write credit: stamping it costs that plus a fee of %s, but %s can spend only %s. Mine a few blocks (m) and wait for the rewards to mature",
					id, view.Amount(need), view.Amount(st.Fee), payer, view.Amount(acct.Balance)))
			}
			if err := sign(st); err != nil {
				return fail(err)
			}
			msg.stamp = st
		}
		if err := sign(tx); err != nil {
			return fail(err)
		}
		return msg
	}
}

// txPoll is how often waitTxCmd asks whether a transaction is in a block.
const txPoll = 300 * time.Millisecond

// waitTxCmd waits until transaction id is in a block, or ctx is cancelled
// (the user stopped waiting).
func waitTxCmd(ctx context.Context, api node.API, id wire.Hash) tea.Cmd {
	return func() tea.Msg {
		for {
			cctx, cancel := withTimeout(ctx)
			info, err := api.Tx(cctx, id)
			cancel()
			switch {
			case err == nil && !info.Pending:
				return txConfirmedMsg{id: id}
			case errors.Is(err, node.ErrNotFound):
				return txConfirmedMsg{id: id, err: fmt.Errorf("transaction %s left the mempool without confirming (replaced, or invalid after a reorg)", id.Short())}
			case err != nil && ctx.Err() == nil && !errors.Is(err, context.DeadlineExceeded):
				return txConfirmedMsg{id: id, err: err}
			}
			select {
			case <-ctx.Done():
				return txConfirmedMsg{id: id, err: ctx.Err()}
			case <-time.After(txPoll):
			}
		}
	}
}

func submitCmd(ctx context.Context, api node.API, who string, raw []byte) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := withTimeout(ctx)
		defer cancel()
		id, err := api.SubmitTx(ctx, raw)
		return submittedMsg{who: who, id: id, err: err}
	}
}

// sentence turns an error into something a user can read and act on.
func sentence(err error) string {
	switch {
	case err == nil:
		return ""
	case errors.Is(err, context.DeadlineExceeded):
		return "The node did not answer in time; it may be busy. Try again."
	case errors.Is(err, wallet.ErrWrongPassphrase):
		return "Wrong passphrase. Try again."
	case errors.Is(err, node.ErrNoMineTo):
		return "There is no address to mine to: open or create a wallet first."
	}
	s := err.Error()
	var re *consensus.RuleError
	if errors.As(err, &re) {
		// A rule's own sentence, without the mempool's prefix (which the
		// local API keeps in it).
		s = strings.TrimPrefix(re.Description, "invalid transaction: ")
	}
	if s == "" {
		return "Something went wrong."
	}
	r := []rune(s)
	if r[0] >= 'a' && r[0] <= 'z' {
		r[0] -= 'a' - 'A'
	}
	s = string(r)
	if last := r[len(r)-1]; last != '.' && last != '?' && last != '!' && last != ')' {
		s += "."
	}
	return s
}

// accountsMsg carries the wallet's accounts after one was added.
type accountsMsg struct {
	accounts []wallet.Account
	added    string
	err      error
}

func newAccountCmd(w walletHandle, name string) tea.Cmd {
	return func() tea.Msg {
		a, err := w.NewAccount(name)
		if err != nil {
			return accountsMsg{err: err}
		}
		return accountsMsg{accounts: w.Accounts(), added: a.Name}
	}
}

type recentMsg struct {
	blocks []node.BlockInfo
	err    error
}

func recentBlocksCmd(ctx context.Context, api node.API, n int) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := withTimeout(ctx)
		defer cancel()
		bs, err := api.Blocks(ctx, 0, n)
		return recentMsg{blocks: bs, err: err}
	}
}

// Keyspaces.

type (
	keyspacesMsg struct {
		owner string
		list  []node.KeyspaceInfo
		err   error
	}
	// keyspaceMsg answers a look-up of one name; who is "buy" (the buy
	// form checks availability) or "show".
	keyspaceMsg struct {
		who, name string
		info      *node.KeyspaceInfo
		err       error
	}
	// keyspaceTxMsg carries a signed keyspace transaction (who is "ksbuy"
	// or "ksscript"), or why there is none. script is the access script it
	// carries; for "ksscript", unchanged means the edit changed nothing and
	// draft keeps an edit that cannot be sent as it is.
	keyspaceTxMsg struct {
		who, name string
		tx        *wire.Tx
		script    []byte
		unchanged bool
		draft     []byte
		err       error
		onScript  bool // the error is about the script file
	}
	// editFileMsg says the script to edit is in a temporary file and the
	// editor command is ready to run.
	editFileMsg struct {
		name, path string
		orig       []byte
		cmd        *exec.Cmd
		err        error
	}
	// editedMsg says the editor has exited.
	editedMsg struct {
		name, path string
		orig       []byte
		err        error
	}
)

func keyspacesCmd(ctx context.Context, api node.API, owner string) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := withTimeout(ctx)
		defer cancel()
		list, err := api.Keyspaces(ctx, owner)
		return keyspacesMsg{owner: owner, list: list, err: err}
	}
}

func keyspaceCmd(ctx context.Context, api node.API, who, name string) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := withTimeout(ctx)
		defer cancel()
		info, err := api.Keyspace(ctx, name)
		return keyspaceMsg{who: who, name: name, info: info, err: err}
	}
}

// signFunc signs a transaction with the paying account's key.
type signFunc func(tx *wire.Tx) error

// readScript reads an access script from path and checks it as the chain
// would (size, compiles), so that a bad script is refused with the
// compiler's reason before anything is signed.
func readScript(path string) ([]byte, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			return nil, fmt.Errorf("cannot read %s: %v", path, pe.Err)
		}
		return nil, err
	}
	return src, checkScript("the script "+filepath.Base(path), src)
}

// checkScript refuses a script the chain would refuse, with the
// compiler's reason; what names it in the sentence.
func checkScript(what string, src []byte) error {
	if len(src) > wire.MaxScriptSize {
		return fmt.Errorf("%s is %s; an access script is at most %s", what, view.Bytes(len(src)), view.Bytes(wire.MaxScriptSize))
	}
	if _, err := script.Compile(src); err != nil {
		reason := strings.TrimPrefix(err.Error(), script.ErrCompile.Error()+": ")
		return fmt.Errorf("%s does not compile: %s", what, reason)
	}
	return nil
}

// signBody fetches from's next nonce, sets the lowest fee, checks that the
// balance covers cost plus the fee and signs.
func signBody(ctx context.Context, api node.API, p *consensus.Params, from, payer string, body wire.Body,
	cost uint64, what string, sign signFunc) (*wire.Tx, error) {
	acct, err := api.Account(ctx, from)
	if err != nil {
		return nil, err
	}
	tx := wire.NewTx(wire.RootChain, body, acct.NextNonce, 0)
	p.SetMinFee(tx)
	if total, err := wire.AddAmounts(cost, tx.Fee); err != nil || total > acct.Balance {
		return nil, fmt.Errorf("%s costs %s plus a fee of %s, but %s can spend only %s. Mine a few blocks (m) and wait for the rewards to mature",
			what, view.Amount(cost), view.Amount(tx.Fee), payer, view.Amount(acct.Balance))
	}
	if err := sign(tx); err != nil {
		return nil, err
	}
	return tx, nil
}

// prepareBuyCmd reads and checks the script file (if any), then builds and
// signs the purchase of name at price.
func prepareBuyCmd(ctx context.Context, api node.API, p *consensus.Params, from, payer, name string, price uint64,
	path string, sign signFunc) tea.Cmd {
	return func() tea.Msg {
		var src []byte
		if rest, ok := strings.CutPrefix(path, "~/"); ok {
			if home, err := os.UserHomeDir(); err == nil {
				path = filepath.Join(home, rest)
			}
		}
		if path != "" {
			var err error
			if src, err = readScript(path); err != nil {
				return keyspaceTxMsg{who: "ksbuy", name: name, err: err, onScript: true}
			}
		}
		ctx, cancel := withTimeout(ctx)
		defer cancel()
		body := wire.KeyspaceBuy{Name: name, Script: src, MaxPrice: price}
		tx, err := signBody(ctx, api, p, from, payer, body, price, "Buying "+name, sign)
		return keyspaceTxMsg{who: "ksbuy", name: name, tx: tx, script: src, err: err}
	}
}

// removeFileCmd removes a temporary file.
func removeFileCmd(path string) tea.Cmd {
	if path == "" {
		return nil
	}
	return func() tea.Msg {
		os.Remove(path)
		return nil
	}
}

// scriptTemplate is what the editor opens for a keyspace without a script.
func scriptTemplate(name string) []byte {
	return []byte(`// access.js of ` + name + `: decides which writes into ` + name + ` are allowed.
// validate(write, ctx) returns true, or throws a reason the writer sees.
//   write: key, value, size, signer, prev, prevExists
//   ctx:   keyspace, owner, height, time, chain, paid(from, to), ownerOf(name)
// Save this file unchanged to send nothing; save it empty to remove the
// script (then only the owner may write). Examples: examples/keyspaces/.

function validate(write, ctx) {
  if (write.signer !== ctx.owner) {
    throw 'only the owner of ' + ctx.keyspace + ' may write here';
  }
  return true;
}
`)
}

// editorArgv is the user's editor: $VISUAL, else $EDITOR, else vi.
func editorArgv() []string {
	for _, env := range []string{"VISUAL", "EDITOR"} {
		if f := strings.Fields(os.Getenv(env)); len(f) > 0 {
			return f
		}
	}
	return []string{"vi"}
}

// editFileCmd writes src to a temporary file and prepares the editor
// command that opens it (runEditor runs it, with the terminal).
func editFileCmd(name string, src, orig []byte) tea.Cmd {
	return func() tea.Msg {
		f, err := os.CreateTemp("", "bitverse-access-*.js")
		if err != nil {
			return editFileMsg{name: name, err: err}
		}
		_, err = f.Write(src)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			os.Remove(f.Name())
			return editFileMsg{name: name, err: err}
		}
		argv := append(editorArgv(), f.Name())
		return editFileMsg{name: name, path: f.Name(), orig: orig, cmd: exec.Command(argv[0], argv[1:]...)}
	}
}

// runEditor hands the terminal to the editor command (tea.Exec) and
// returns fn's message when it exits.
func runEditor(c *exec.Cmd, fn tea.ExecCallback) tea.Cmd { return tea.Exec(settledCmd{c}, fn) }

// execSettle is the least time an editor command takes, as the program
// sees it. Bubble Tea v2.1.1 stops its renderer without waiting for the
// render goroutine, which may then stop the ticker that restarting the
// renderer has just reset: after a command that returns at once (a script,
// `code` without -w, an editor that fails to start) the screen can stay
// blank for good (charmbracelet/bubbletea#1778, fixed by #1781, not yet
// released). A command that returns sooner waits here; an editor someone
// types in takes far longer anyway.
const execSettle = 150 * time.Millisecond

// settledCmd is an editor command that returns no sooner than execSettle
// after it started.
type settledCmd struct{ *exec.Cmd }

func (c settledCmd) Run() error {
	start := time.Now()
	err := c.Cmd.Run()
	time.Sleep(execSettle - time.Since(start))
	return err
}

func (c settledCmd) SetStdin(r io.Reader) {
	if c.Stdin == nil {
		c.Stdin = r
	}
}

func (c settledCmd) SetStdout(w io.Writer) {
	if c.Stdout == nil {
		c.Stdout = w
	}
}

func (c settledCmd) SetStderr(w io.Writer) {
	if c.Stderr == nil {
		c.Stderr = w
	}
}

// prepareScriptCmd reads the edited file (and removes it), and if the
// script changed and compiles, builds and signs the KeyspaceScript that
// installs it. An empty file removes the script.
func prepareScriptCmd(ctx context.Context, api node.API, p *consensus.Params, from, payer, name, path string,
	orig []byte, sign signFunc) tea.Cmd {
	return func() tea.Msg {
		src, err := os.ReadFile(path)
		os.Remove(path)
		if err != nil {
			return keyspaceTxMsg{who: "ksscript", name: name, err: fmt.Errorf("cannot read the edited script: %w", err)}
		}
		if bytes.Equal(src, orig) {
			return keyspaceTxMsg{who: "ksscript", name: name, unchanged: true}
		}
		if len(bytes.TrimSpace(src)) == 0 {
			src = nil
		} else if err := checkScript("the new access.js of "+name, src); err != nil {
			return keyspaceTxMsg{who: "ksscript", name: name, draft: src, err: err, onScript: true}
		}
		ctx, cancel := withTimeout(ctx)
		defer cancel()
		tx, err := signBody(ctx, api, p, from, payer, wire.KeyspaceScript{Name: name, Script: src}, 0,
			"Replacing the script of "+name, sign)
		return keyspaceTxMsg{who: "ksscript", name: name, tx: tx, script: src, draft: src, err: err}
	}
}

// refusal recognises a write refused by a keyspace: by its access script
// (reason is the script's own words) or because nobody owns it. ok is false
// for any other error.
func refusal(err error) (keyspace, reason string, code consensus.ErrorCode, ok bool) {
	var re *consensus.RuleError
	if !errors.As(err, &re) {
		return "", "", 0, false
	}
	code = re.Code
	d := re.Description
	switch code {
	case consensus.ErrScriptRejected, consensus.ErrNoKeyspace:
	default:
		return "", "", 0, false
	}
	if m := refusedRe.FindStringSubmatch(d); m != nil {
		return m[1], m[2], code, true
	}
	if m := quotedRe.FindStringSubmatch(d); m != nil {
		keyspace = m[1]
	}
	reason = strings.TrimPrefix(d, "invalid transaction: ")
	return keyspace, reason, code, true
}

// refusedSentence says why the node refused a transaction: in the words
// of the access script that refused it, when one did. what names the
// transaction ("the purchase of erik/blog").
func refusedSentence(what string, err error) string {
	if ks, reason, code, ok := refusal(err); ok && code == consensus.ErrScriptRejected && refusedRe.MatchString(err.Error()) {
		return "The access script of " + ks + " refused " + what + ": “" + reason + "”."
	}
	return "The node refused " + what + ": " + sentence(err)
}

var (
	refusedRe = regexp.MustCompile(`(?s)keyspace "([^"]+)" refused the write: (.*)$`)
	quotedRe  = regexp.MustCompile(`keyspace "([^"]+)"`)
)

// The blocktree.

type treeMsg struct {
	tree node.Tree
	err  error
}

func treeCmd(ctx context.Context, api node.API) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := withTimeout(ctx)
		defer cancel()
		tr, err := api.Tree(ctx)
		return treeMsg{tree: tr, err: err}
	}
}
