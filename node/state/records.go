package state

import (
	"fmt"

	"github.com/bitverse/bitverse/node/wire"
)

// Account is a root-chain account.
type Account struct {
	Balance  uint64 // spendable
	Immature uint64 // coinbase rewards not yet spendable
	Nonce    uint64 // the nonce its next transaction must carry
}

func (a Account) encode() []byte {
	w := wire.NewWriter(24)
	w.Uvarint(a.Balance)
	w.Uvarint(a.Immature)
	w.Uvarint(a.Nonce)
	return w.Bytes()
}

func decodeAccount(b []byte) (Account, error) {
	r := wire.NewReader(b)
	a := Account{Balance: r.Uvarint(), Immature: r.Uvarint(), Nonce: r.Uvarint()}
	return a, r.Done()
}

// IsZero reports whether the account holds nothing and was never used.
func (a Account) IsZero() bool { return a == Account{} }

// Record is the value stored at a key, with who wrote it and when.
type Record struct {
	Value  []byte
	Writer wire.PubKey
	Height uint64
	TxID   wire.Hash
}

// Encode returns the canonical encoding.
func (r *Record) Encode() []byte {
	w := wire.NewWriter(len(r.Value) + 80)
	w.VarBytes(r.Value)
	w.Fixed(r.Writer[:])
	w.U64(r.Height)
	w.Hash(r.TxID)
	return w.Bytes()
}

// DecodeRecord decodes a value record.
func DecodeRecord(b []byte) (*Record, error) {
	r := wire.NewReader(b)
	rec := &Record{Value: r.VarBytes(wire.MaxValueSize, "value")}
	copy(rec.Writer[:], r.Fixed(wire.PubKeySize))
	rec.Height = r.U64()
	rec.TxID = r.Hash()
	if err := r.Done(); err != nil {
		return nil, fmt.Errorf("value record: %w", err)
	}
	return rec, nil
}

// Hash is the leaf value committed in the KV tree.
func (r *Record) Hash() wire.Hash { return wire.TaggedSum("bitverse/kv/v1", r.Encode()) }

// Roots are the sub-roots whose hash is a header's StateRoot.
type Roots struct {
	Accounts wire.Hash
	KV       wire.Hash
}

// StateRoot combines the sub-roots.
func (r Roots) StateRoot() wire.Hash {
	return wire.TaggedSum("bitverse/state/v1", r.Accounts[:], r.KV[:])
}

// Encode returns the 64-byte form.
func (r Roots) Encode() []byte { return append(append([]byte{}, r.Accounts[:]...), r.KV[:]...) }

// DecodeRoots decodes the 64-byte form.
func DecodeRoots(b []byte) (Roots, error) {
	var r Roots
	if len(b) != 2*wire.HashSize {
		return r, fmt.Errorf("%w: roots record of %d bytes", wire.ErrMalformed, len(b))
	}
	copy(r.Accounts[:], b)
	copy(r.KV[:], b[wire.HashSize:])
	return r, nil
}

// accountPath is where an account's leaf sits in the accounts tree.
func accountPath(pk wire.PubKey) wire.Hash { return wire.TaggedSum("bitverse/acct", pk[:]) }

func accountLeaf(a Account) wire.Hash {
	if a.IsZero() {
		return wire.ZeroHash // absent
	}
	return wire.TaggedSum("bitverse/acctrec/v1", a.encode())
}
