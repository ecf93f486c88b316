package tui

import (
	"github.com/bitverse/bitverse/node/wire"
	"github.com/bitverse/bitverse/wallet"
)

// walletStore is what the UI needs from the wallet package. Every method may
// touch the disk or run a key derivation function, so it is only ever called
// from inside a tea.Cmd.
type walletStore interface {
	Exists(dir string) bool
	Create(dir string, net wire.Network, passphrase []byte, words int) (walletHandle, string, error)
	Restore(dir string, net wire.Network, mnemonic string, passphrase []byte) (walletHandle, error)
	Open(dir string, net wire.Network, passphrase []byte) (walletHandle, error)
}

// walletHandle is an open wallet.
type walletHandle interface {
	Accounts() []wallet.Account
	Transfer(name string, to wire.PubKey, amount, nonce, fee uint64) (*wire.Tx, error)
	Put(name, key string, value []byte, nonce, fee uint64) (*wire.Tx, error)
	// Sign signs any transaction (a keyspace purchase, a script) with the
	// key of the account called name.
	Sign(name string, tx *wire.Tx) error
	NewAccount(name string) (wallet.Account, error)
	// Key is the private key of the account called name (the embedded
	// node's serve identity).
	Key(name string) (wire.PrivKey, error)
	Close()
}

// realWallets is the wallet package.
type realWallets struct{}

func (realWallets) Exists(dir string) bool { return wallet.Exists(dir) }

func (realWallets) Create(dir string, net wire.Network, pass []byte, words int) (walletHandle, string, error) {
	w, m, err := wallet.Create(dir, net, pass, words)
	if err != nil {
		return nil, "", err
	}
	return w, m, nil
}

func (realWallets) Restore(dir string, net wire.Network, mnemonic string, pass []byte) (walletHandle, error) {
	w, err := wallet.Restore(dir, net, mnemonic, pass)
	if err != nil {
		return nil, err
	}
	return w, nil
}

func (realWallets) Open(dir string, net wire.Network, pass []byte) (walletHandle, error) {
	w, err := wallet.Open(dir, net, pass)
	if err != nil {
		return nil, err
	}
	return w, nil
}
