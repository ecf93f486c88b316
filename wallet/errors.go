package wallet

import (
	"errors"
	"fmt"
)

// Sentinel errors of the wallet package. Every error the package returns
// wraps one of these (test with errors.Is); its text is a sentence a user can
// act on.
var (
	ErrExists             = errors.New("wallet already exists")
	ErrNotFound           = errors.New("no wallet")
	ErrWrongPassphrase    = errors.New("wrong passphrase")
	ErrCorrupt            = errors.New("wallet file is damaged")
	ErrUnsupportedVersion = errors.New("unsupported wallet file version")
	ErrWrongNetwork       = errors.New("wallet is for another network")
	ErrBadMnemonic        = errors.New("invalid mnemonic")
	ErrBadWordCount       = errors.New("unsupported mnemonic length")
	ErrEmptyPassphrase    = errors.New("empty passphrase")
	ErrNoPassphrase       = errors.New("no passphrase available")
	ErrPassphraseMismatch = errors.New("passphrases do not match")
	ErrUnknownAccount     = errors.New("unknown account")
	ErrAccountExists      = errors.New("account already exists")
	ErrBadAccountName     = errors.New("invalid account name")
	ErrTooManyAccounts    = errors.New("too many accounts")
	ErrBadTx              = errors.New("invalid transaction")
	ErrClosed             = errors.New("wallet is closed")
)

// walletError carries a complete sentence for the user and unwraps to a
// sentinel, so the message need not start with the sentinel's text.
type walletError struct {
	sentinel error
	msg      string
}

func (e *walletError) Error() string { return e.msg }
func (e *walletError) Unwrap() error { return e.sentinel }

func newError(sentinel error, format string, args ...any) error {
	return &walletError{sentinel: sentinel, msg: fmt.Sprintf(format, args...)}
}

// corrupt reports a damaged or modified wallet file; why says what was found,
// for logs and support.
func corrupt(path, why string) error {
	return newError(ErrCorrupt, "wallet file %s is damaged or was modified (%s); restore from your mnemonic", path, why)
}
