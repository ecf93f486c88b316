package tui

import (
	"context"
	"strconv"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/bitverse/bitverse/node"
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
		chain  string
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
		// fetchErr: the block is of a headers-only chain and no peer gave
		// it (block is then its header).
		fetchErr error
	}
	historyMsg struct {
		addr string
		txs  []node.TxInfo
		err  error
		id   reqID
	}
	payoutsMsg struct {
		addr string
		info *node.PayoutInfo
		err  error
		id   reqID
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

// blocksPageCmd fetches page page of chain's blocks (heights
// page*blockPage… up to tip), newest first: Blocks for the root, BlocksOn
// for a branch.
func blocksPageCmd(ctx context.Context, api node.API, chain string, gen int, page, tip uint64) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := withTimeout(ctx)
		defer cancel()
		lo := page * blockPage
		top := min(lo+blockPage-1, tip)
		var bs []node.BlockInfo
		var err error
		if chain == "/" {
			bs, err = api.Blocks(ctx, top, int(top-lo+1))
		} else {
			bs, err = api.BlocksOn(ctx, chain, top, int(top-lo+1))
		}
		return blocksPageMsg{chain: chain, gen: gen, page: page, tip: tip, blocks: bs, err: err}
	}
}

// blockCmd fetches block id of chain, at height on its best chain, with
// its transactions. A branch block is asked for by height: the node files
// a merged-mined branch block under another hash than the ID its lists
// give (seen on a real node: BlockOn by that ID is not found). A block of
// a chain the node keeps as headers only comes as its header; the node is
// then asked to fetch the whole block from a peer (FetchBlock), and if no
// peer has it the header stays, with the reason.
func blockCmd(ctx context.Context, api node.API, chain string, id wire.Hash, height uint64) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := withTimeout(ctx)
		defer cancel()
		var b *node.BlockInfo
		var err error
		if chain == "/" {
			b, err = api.Block(ctx, id.String())
		} else {
			b, err = api.BlockOn(ctx, chain, strconv.FormatUint(height, 10))
		}
		if err != nil || !b.HeadersOnly {
			return blockMsg{id: id, block: b, err: err}
		}
		full, ferr := api.FetchBlock(ctx, chain, b.ID.String())
		if ferr != nil {
			return blockMsg{id: id, block: b, fetchErr: ferr}
		}
		return blockMsg{id: id, block: full}
	}
}

func historyCmd(ctx context.Context, api node.API, id reqID, addr string, limit int) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := withTimeout(ctx)
		defer cancel()
		txs, err := api.History(ctx, addr, limit)
		return historyMsg{id: id, addr: addr, txs: txs, err: err}
	}
}

func payoutsCmd(ctx context.Context, api node.API, id reqID, addr string) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := withTimeout(ctx)
		defer cancel()
		info, err := api.Payouts(ctx, addr)
		return payoutsMsg{id: id, addr: addr, info: info, err: err}
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
