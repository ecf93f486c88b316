package wallet

import "github.com/bitverse/bitverse/node/wire"

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
