package tui

import (
	"context"
	"errors"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/bitverse/bitverse/node"
	"github.com/bitverse/bitverse/node/consensus"
	"github.com/bitverse/bitverse/node/wire"
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

// minFee is the lowest fee of a transaction carrying body at nonce. The
// size of a transaction does not depend on who signs it, so an unsigned
// copy gives the size of the signed one.
func minFee(p *consensus.Params, body wire.Body, nonce uint64) uint64 {
	tx := wire.NewTx(wire.RootChain, body, nonce, 0)
	return p.SetMinFee(tx)
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
