package wallet

import (
	"crypto/hmac"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"

	"github.com/bitverse/bitverse/node/wire"
	"github.com/btcsuite/btcd/btcutil/hdkeychain"
)

// Wallet is an open HD wallet. Its methods are safe for concurrent use.
// One process at a time should use a wallet directory: NewAccount in two
// processes at once would keep only one of the new accounts.
type Wallet struct {
	mu       sync.Mutex
	dir      string
	path     string
	net      wire.Network
	hdr      header
	key      [keySize]byte // AEAD key derived from the passphrase
	mnemonic string
	coin     *hdkeychain.ExtendedKey // m/44'/7777'
	accounts []account
	closed   bool
}

// Create makes a new wallet in dir (created 0700 if missing) with a fresh
// mnemonic of words words (12 or 24) and one account, "default". It returns
// the mnemonic, which the caller must show the user once for backup. It
// refuses to replace an existing wallet (ErrExists).
func Create(dir string, net wire.Network, passphrase []byte, words int) (*Wallet, string, error) {
	if err := checkCreate(dir, net, passphrase); err != nil {
		return nil, "", err
	}
	m, err := newMnemonic(words)
	if err != nil {
		return nil, "", err
	}
	w, err := create(dir, net, m, passphrase)
	if err != nil {
		return nil, "", err
	}
	return w, m, nil
}

// Restore makes a wallet in dir from an existing mnemonic, as Create does.
// The mnemonic is checked first: a word not in the BIP39 list or a wrong
// checksum is an ErrBadMnemonic naming the problem. Accounts are derived by
// index, so creating accounts again after a restore yields the same
// addresses in the same order.
func Restore(dir string, net wire.Network, mnemonic string, passphrase []byte) (*Wallet, error) {
	m, err := CheckMnemonic(mnemonic)
	if err != nil {
		return nil, err
	}
	if err := checkCreate(dir, net, passphrase); err != nil {
		return nil, err
	}
	return create(dir, net, m, passphrase)
}

func checkCreate(dir string, net wire.Network, passphrase []byte) error {
	if net.Name == "" || net.HRP == "" {
		return fmt.Errorf("wallet: network %+v has no name or address prefix", net)
	}
	if len(passphrase) == 0 {
		return newError(ErrEmptyPassphrase, "a wallet needs a passphrase: it encrypts the keys on disk")
	}
	if Exists(dir) {
		return errExists(dir)
	}
	return nil
}

func errExists(dir string) error {
	return newError(ErrExists, "a wallet already exists in %s: open it, or choose another directory", dir)
}

func create(dir string, net wire.Network, mnemonic string, passphrase []byte) (*Wallet, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create wallet directory: %w", err)
	}
	hdr := header{network: net.Name, n: scryptN, r: scryptR, p: scryptP, salt: make([]byte, saltSize)}
	if _, err := io.ReadFull(rand.Reader, hdr.salt); err != nil {
		return nil, fmt.Errorf("generate salt: %w", err)
	}
	key, check, err := deriveKeys(passphrase, &hdr)
	if err != nil {
		return nil, err
	}
	hdr.check = check
	w, err := newWallet(dir, net, hdr, key, mnemonic, []accountRecord{{Name: DefaultAccount, Index: 0}})
	if err != nil {
		return nil, err
	}
	data, err := seal(w.hdr, &w.key, w.payload(w.accounts))
	if err != nil {
		return nil, err
	}
	if err := writeFile(dir, data, true); err != nil {
		return nil, err
	}
	return w, nil
}

// Open decrypts the wallet in dir. A passphrase that does not match is
// ErrWrongPassphrase; a file that is damaged or was modified is ErrCorrupt;
// a wallet made for another network is ErrWrongNetwork.
func Open(dir string, net wire.Network, passphrase []byte) (*Wallet, error) {
	path := filepath.Join(dir, fileName)
	data, err := readFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, newError(ErrNotFound, "no wallet in %s: create one, or restore one from its mnemonic", dir)
	}
	if err != nil {
		return nil, fmt.Errorf("read wallet: %w", err)
	}
	return openData(dir, path, data, net, passphrase)
}

// openData is Open after the file has been read.
func openData(dir, path string, data []byte, net wire.Network, passphrase []byte) (*Wallet, error) {
	ks, err := parseKeystore(path, data)
	if err != nil {
		return nil, err
	}
	if ks.network != net.Name {
		return nil, newError(ErrWrongNetwork, "wallet %s is for %s, not %s", path, ks.network, net.Name)
	}
	key, check, err := deriveKeys(passphrase, &ks.header)
	if err != nil {
		return nil, err
	}
	if !hmac.Equal(check, ks.check) {
		clear(key[:])
		return nil, newError(ErrWrongPassphrase, "wrong passphrase for wallet %s", path)
	}
	p, err := unseal(path, ks, &key)
	if err != nil {
		clear(key[:])
		return nil, err
	}
	m, err := CheckMnemonic(p.Mnemonic)
	if err != nil || m != p.Mnemonic {
		clear(key[:])
		return nil, corrupt(path, "the stored mnemonic is invalid")
	}
	if err := checkRecords(p.Accounts); err != nil {
		clear(key[:])
		return nil, corrupt(path, err.Error())
	}
	return newWallet(dir, net, ks.header, key, m, p.Accounts)
}

// newWallet derives the account keys and assembles a wallet.
func newWallet(dir string, net wire.Network, hdr header, key [keySize]byte, mnemonic string, recs []accountRecord) (*Wallet, error) {
	seed := mnemonicSeed(mnemonic, "")
	defer clear(seed)
	master, err := masterKey(seed)
	if err != nil {
		return nil, fmt.Errorf("master key: %w", err)
	}
	defer master.Zero()
	coin, err := coinKey(master)
	if err != nil {
		return nil, err
	}
	w := &Wallet{
		dir: dir, path: filepath.Join(dir, fileName), net: net,
		hdr: hdr, key: key, mnemonic: mnemonic, coin: coin,
	}
	for _, r := range recs {
		a, err := w.derive(r.Name, r.Index)
		if err != nil {
			return nil, err
		}
		w.accounts = append(w.accounts, a)
	}
	return w, nil
}

// Network returns the network the wallet signs for.
func (w *Wallet) Network() wire.Network { return w.net }

// Dir returns the wallet's directory.
func (w *Wallet) Dir() string { return w.dir }

// Mnemonic returns the wallet's mnemonic, for the user to back up.
func (w *Wallet) Mnemonic() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.mnemonic
}

// Close forgets the wallet's secrets as far as Go allows (the derived keys
// and the extended key are zeroed; strings cannot be). Later calls that need
// a key return ErrClosed.
func (w *Wallet) Close() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return
	}
	w.closed = true
	clear(w.key[:])
	w.coin.Zero()
	w.mnemonic = ""
	for i := range w.accounts {
		w.accounts[i].key = wire.PrivKey{}
	}
}
