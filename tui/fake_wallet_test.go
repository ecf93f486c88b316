package tui

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"os/exec"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/bitverse/bitverse/node"
	"github.com/bitverse/bitverse/node/consensus"
	"github.com/bitverse/bitverse/node/wire"
	"github.com/bitverse/bitverse/wallet"
)

// The fake wallet store and wallet, and the test dependencies.

type fakeWallets struct {
	*probe
	mu     sync.Mutex
	exists bool
	opened int
}

func (f *fakeWallets) Exists(dir string) bool {
	f.record("wallet.Exists")
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.exists
}

func (f *fakeWallets) Create(dir string, net wire.Network, pass []byte, words int) (walletHandle, string, error) {
	f.record("wallet.Create")
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.exists {
		return nil, "", wallet.ErrExists
	}
	if words != 24 {
		return nil, "", wallet.ErrBadWordCount
	}
	f.exists = true
	return &fakeWallet{probe: f.probe}, testMnemonic, nil
}

func (f *fakeWallets) Restore(dir string, net wire.Network, mnemonic string, pass []byte) (walletHandle, error) {
	f.record("wallet.Restore")
	if _, err := wallet.CheckMnemonic(mnemonic); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.exists = true
	return &fakeWallet{probe: f.probe}, nil
}

func (f *fakeWallets) Open(dir string, net wire.Network, pass []byte) (walletHandle, error) {
	f.record("wallet.Open")
	if string(pass) != testPass {
		return nil, fmt.Errorf("%w: the passphrase does not open %s", wallet.ErrWrongPassphrase, dir)
	}
	f.mu.Lock()
	f.opened++
	f.mu.Unlock()
	return &fakeWallet{probe: f.probe}, nil
}

type fakeWallet struct {
	*probe
	mu    sync.Mutex
	added []wallet.Account
}

func (w *fakeWallet) Accounts() []wallet.Account {
	w.record("wallet.Accounts")
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]wallet.Account{{Name: "default", Index: 0, Address: testAddr, PubKey: testPub, Path: wallet.Path(0, 0)}}, w.added...)
}

func (w *fakeWallet) Transfer(name string, to wire.PubKey, amount, nonce, fee uint64) (*wire.Tx, error) {
	w.record("wallet.Transfer")
	if name != "default" {
		return nil, wallet.ErrUnknownAccount
	}
	tx := wire.NewTx(wire.RootChain, wire.Transfer{To: to, Amount: amount}, nonce, fee)
	tx.Sign(wire.Devnet, testKey)
	return tx, nil
}

func (w *fakeWallet) Put(name, key string, value []byte, nonce, fee uint64) (*wire.Tx, error) {
	w.record("wallet.Put")
	if name != "default" {
		return nil, wallet.ErrUnknownAccount
	}
	tx := wire.NewTx(wire.RootChain, wire.Put{Key: key, Value: value}, nonce, fee)
	tx.Sign(wire.Devnet, testKey)
	return tx, nil
}

func (w *fakeWallet) Sign(name string, tx *wire.Tx) error {
	w.record("wallet.Sign")
	if name != "default" {
		return wallet.ErrUnknownAccount
	}
	tx.Sign(wire.Devnet, testKey)
	return nil
}

func (w *fakeWallet) NewAccount(name string) (wallet.Account, error) {
	w.record("wallet.NewAccount")
	// The wallet's rule for names (wallet.checkAccountName).
	for i, c := range name {
		alnum := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
		if !alnum && (i == 0 || (c != '.' && c != '_' && c != '-')) || len(name) > 32 {
			return wallet.Account{}, fmt.Errorf("account name %q: use letters, digits, '.', '_' and '-', starting with a letter or digit", name)
		}
	}
	if name == "default" {
		return wallet.Account{}, fmt.Errorf("%w: the wallet already has an account %q", wallet.ErrAccountExists, name)
	}
	a := wallet.Account{Name: name, Index: 1, Address: otherAddr, PubKey: otherKey.PubKey()}
	w.mu.Lock()
	w.added = append(w.added, a)
	w.mu.Unlock()
	return a, nil
}

func (w *fakeWallet) Key(name string) (wire.PrivKey, error) {
	w.record("wallet.Key")
	if name != "default" {
		return wire.PrivKey{}, wallet.ErrUnknownAccount
	}
	return testKey, nil
}

func (w *fakeWallet) Close() {}

// testDeps are deterministic deps over the fakes: polling is effectively
// off (tests send what they need), the word positions are fixed by a seed.
func testDeps(api *fakeAPI, ws *fakeWallets) deps {
	return deps{
		wallets: ws,
		rand:    rand.New(rand.NewPCG(1, 2)),
		poll:    time.Hour,
		log:     discardLog(),
		ctx:     context.Background(),
		exec:    testEditor([]byte(editedScript)),
	}
}

func testOptions(api node.API) Options {
	opts := Options{API: api, Params: consensus.Devnet(), WalletDir: "/tmp/bitverse/wallet", DataDir: "/tmp/bitverse",
		Now: testClock, Version: "v0.1.0"}
	if f, ok := api.(*fakeAPI); ok {
		opts.Market = f.market
		opts.Tumbler = f.tumbler
	}
	return opts
}

func discardLog() *slog.Logger { return slog.New(slog.DiscardHandler) }

// testEditor stands for the user's editor: it writes content into the file
// it is given, as if the user typed it and saved, and says it exited.
func testEditor(content []byte) func(*exec.Cmd, tea.ExecCallback) tea.Cmd {
	return func(c *exec.Cmd, fn tea.ExecCallback) tea.Cmd {
		return func() tea.Msg {
			if content != nil {
				if err := os.WriteFile(c.Args[len(c.Args)-1], content, 0o600); err != nil {
					return fn(err)
				}
			}
			return fn(nil)
		}
	}
}
