package wallet

import (
	"errors"
	"fmt"
	"strings"

	"github.com/bitverse/bitverse/node/wire"
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

type account struct {
	Account
	key wire.PrivKey
}

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
