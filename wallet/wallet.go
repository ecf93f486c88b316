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
	"strings"
	"sync"

	"github.com/bitverse/bitverse/node/wire"
	"github.com/btcsuite/btcd/btcutil/hdkeychain"
)

// DefaultAccount is the name of the account every wallet starts with.
const DefaultAccount = "default"

// Account is one account of the wallet: its default address (index 0 of
// the account's external chain) and where it derives from.
type Account struct {
	Name    string
	Index   uint32 // the account' level of the path
	Address string // bech32m address on the wallet's network
	PubKey  wire.PubKey
	Path    string // e.g. m/44'/7777'/0'/0/0
}

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

type account struct {
	Account
	key wire.PrivKey
}

// Exists reports whether dir holds a wallet file.
func Exists(dir string) bool {
	_, err := os.Lstat(filepath.Join(dir, fileName))
	return err == nil
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

// readFile reads at most maxFileSize+1 bytes, so a huge file is rejected
// without being read whole.
func readFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, maxFileSize+1))
}

// checkRecords validates a stored account list.
func checkRecords(recs []accountRecord) error {
	if len(recs) == 0 {
		return errors.New("no accounts")
	}
	names := map[string]bool{}
	indices := map[uint32]bool{}
	for _, r := range recs {
		if err := checkAccountName(r.Name); err != nil {
			return err
		}
		if r.Index >= MaxAccounts {
			return fmt.Errorf("account index %d out of range", r.Index)
		}
		if names[r.Name] || indices[r.Index] {
			return fmt.Errorf("account %q or index %d appears twice", r.Name, r.Index)
		}
		names[r.Name], indices[r.Index] = true, true
	}
	return nil
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

func (w *Wallet) derive(name string, index uint32) (account, error) {
	k, err := accountKey(w.coin, index, 0)
	if err != nil {
		return account{}, err
	}
	pk := k.PubKey()
	return account{
		Account: Account{
			Name: name, Index: index, PubKey: pk,
			Address: wire.EncodeAddress(w.net, pk),
			Path:    Path(index, 0),
		},
		key: k,
	}, nil
}

func (w *Wallet) payload(accts []account) *payload {
	p := &payload{Mnemonic: w.mnemonic}
	for _, a := range accts {
		p.Accounts = append(p.Accounts, accountRecord{Name: a.Name, Index: a.Index})
	}
	return p
}

// Network returns the network the wallet signs for.
func (w *Wallet) Network() wire.Network { return w.net }

// Dir returns the wallet's directory.
func (w *Wallet) Dir() string { return w.dir }

// Accounts lists the accounts in creation order; the first is the default.
func (w *Wallet) Accounts() []Account {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := make([]Account, len(w.accounts))
	for i, a := range w.accounts {
		out[i] = a.Account
	}
	return out
}

// Account returns the account called name; "" names the first account.
func (w *Wallet) Account(name string) (Account, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	a, err := w.lookup(name)
	if err != nil {
		return Account{}, err
	}
	return a.Account, nil
}

// Key returns the signing key of the account called name ("" = the first).
func (w *Wallet) Key(name string) (wire.PrivKey, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	a, err := w.lookup(name)
	if err != nil {
		return wire.PrivKey{}, err
	}
	return a.key, nil
}

func (w *Wallet) lookup(name string) (*account, error) {
	if w.closed {
		return nil, newError(ErrClosed, "the wallet has been closed: open it again")
	}
	if name == "" {
		return &w.accounts[0], nil
	}
	for i := range w.accounts {
		if w.accounts[i].Name == name {
			return &w.accounts[i], nil
		}
	}
	names := make([]string, len(w.accounts))
	for i, a := range w.accounts {
		names[i] = a.Name
	}
	return nil, newError(ErrUnknownAccount, "no account %q in this wallet (accounts: %s)", name, strings.Join(names, ", "))
}

// NewAccount adds an account at the next unused index and saves the wallet:
// the file is re-encrypted and replaced atomically, so a crash leaves either
// the old file or the new one. Names are 1–32 characters of letters, digits,
// '.', '_' and '-', starting with a letter or digit.
func (w *Wallet) NewAccount(name string) (Account, error) {
	if err := checkAccountName(name); err != nil {
		return Account{}, newError(ErrBadAccountName, "%v", err)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return Account{}, newError(ErrClosed, "the wallet has been closed: open it again")
	}
	var next uint32
	for _, a := range w.accounts {
		if a.Name == name {
			return Account{}, newError(ErrAccountExists, "the wallet already has an account %q", name)
		}
		if a.Index >= next {
			next = a.Index + 1
		}
	}
	if next >= MaxAccounts {
		return Account{}, newError(ErrTooManyAccounts, "no account index is left in this wallet")
	}
	a, err := w.derive(name, next)
	if err != nil {
		return Account{}, err
	}
	accts := append(append([]account(nil), w.accounts...), a)
	data, err := seal(w.hdr, &w.key, w.payload(accts))
	if err != nil {
		return Account{}, err
	}
	if err := writeFile(w.dir, data, false); err != nil {
		return Account{}, fmt.Errorf("save wallet: %w", err)
	}
	w.accounts = accts
	return a.Account, nil
}

func checkAccountName(name string) error {
	if name == "" || len(name) > 32 {
		return fmt.Errorf("account name %q must be 1 to 32 characters", name)
	}
	for i, c := range name {
		alnum := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
		if alnum || i > 0 && (c == '.' || c == '_' || c == '-') {
			continue
		}
		return fmt.Errorf("account name %q: use letters, digits, '.', '_' and '-', starting with a letter or digit", name)
	}
	return nil
}

// Mnemonic returns the wallet's mnemonic, for the user to back up.
func (w *Wallet) Mnemonic() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.mnemonic
}

// Sign signs tx for the wallet's network with the key of the account called
// name, setting tx.From.
func (w *Wallet) Sign(name string, tx *wire.Tx) error {
	if tx == nil {
		return newError(ErrBadTx, "no transaction to sign")
	}
	if tx.Type == wire.TxCoinbase {
		return newError(ErrBadTx, "a coinbase is not signed")
	}
	k, err := w.Key(name)
	if err != nil {
		return err
	}
	tx.Sign(w.net, k)
	return nil
}

// Transfer returns a signed transfer of amount base units from the account
// called name to the key to, on the root chain. nonce is the sender's next
// account nonce.
func (w *Wallet) Transfer(name string, to wire.PubKey, amount, nonce, fee uint64) (*wire.Tx, error) {
	if amount == 0 {
		return nil, newError(ErrBadTx, "a transfer needs an amount above zero")
	}
	if _, err := wire.AddAmounts(amount, fee); err != nil {
		return nil, newError(ErrBadTx, "amount %s plus fee %s overflows", wire.FormatAmount(amount), wire.FormatAmount(fee))
	}
	if _, err := wire.ParseAddress(w.net, wire.EncodeAddress(w.net, to)); err != nil {
		return nil, newError(ErrBadTx, "the recipient is not a valid public key")
	}
	tx := wire.NewTx(wire.RootChain, wire.Transfer{To: to, Amount: amount}, nonce, fee)
	if err := w.Sign(name, tx); err != nil {
		return nil, err
	}
	return tx, nil
}

// Put returns a signed write of value at key, on the root chain, paid by the
// account called name.
func (w *Wallet) Put(name, key string, value []byte, nonce, fee uint64) (*wire.Tx, error) {
	if err := wire.ValidKey(key); err != nil {
		return nil, newError(ErrBadTx, "%v", err)
	}
	if len(value) > wire.MaxValueSize {
		return nil, newError(ErrBadTx, "a value of %d bytes is larger than %d bytes", len(value), wire.MaxValueSize)
	}
	tx := wire.NewTx(wire.RootChain, wire.Put{Key: key, Value: append([]byte(nil), value...)}, nonce, fee)
	if err := w.Sign(name, tx); err != nil {
		return nil, err
	}
	return tx, nil
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

// writeFile writes the keystore atomically: a temporary file in dir is
// written, synced and then renamed over (or, when exclusive, linked to) the
// wallet file, and the directory is synced. With exclusive, an existing
// wallet file is never replaced.
func writeFile(dir string, data []byte, exclusive bool) error {
	final := filepath.Join(dir, fileName)
	tmp, err := os.CreateTemp(dir, ".wallet-*.tmp")
	if err != nil {
		return err
	}
	tmpName := tmp.Name()
	defer os.Remove(tmpName) // after a rename or link this is a no-op or drops the extra name
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if exclusive {
		if err := os.Link(tmpName, final); err != nil {
			if errors.Is(err, fs.ErrExist) {
				return errExists(dir)
			}
			// A file system without hard links: check, then rename.
			if Exists(dir) {
				return errExists(dir)
			}
			if err := os.Rename(tmpName, final); err != nil {
				return err
			}
		}
	} else if err := os.Rename(tmpName, final); err != nil {
		return err
	}
	return syncDir(dir)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
