package state

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/bitverse/bitverse/node/state/smt"
	"github.com/bitverse/bitverse/node/store"
	"github.com/bitverse/bitverse/node/wire"
	"go.etcd.io/bbolt"
)

// ErrNotFound means a key has never been written (or the account never used).
var ErrNotFound = errors.New("not found")

// GetAccount reads an account from the flat bucket (zero if unused).
func GetAccount(tx *bbolt.Tx, pk wire.PubKey) (Account, error) {
	raw := tx.Bucket(store.Accounts).Get(pk[:])
	if raw == nil {
		return Account{}, nil
	}
	return decodeAccount(raw)
}

// Get reads the current record of key.
func Get(tx *bbolt.Tx, key string) (*Record, error) {
	raw := tx.Bucket(store.KV).Get([]byte(key))
	if raw == nil {
		return nil, fmt.Errorf("%w: %q", ErrNotFound, key)
	}
	return DecodeRecord(raw)
}

// History returns every record ever written at key, oldest first, at most
// limit (0 = all).
func History(tx *bbolt.Tx, key string, limit int) ([]*Record, error) {
	prefix := append([]byte(key), 0)
	c := tx.Bucket(store.KVHist).Cursor()
	var out []*Record
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		rec, err := DecodeRecord(v)
		if err != nil {
			return nil, err
		}
		out = append(out, rec)
		if limit > 0 && len(out) == limit {
			break
		}
	}
	return out, nil
}

// Keys lists keys with the given prefix in order, starting after `after`, at
// most limit.
func Keys(tx *bbolt.Tx, prefix, after string, limit int) []string {
	c := tx.Bucket(store.KV).Cursor()
	var out []string
	k, _ := c.Seek([]byte(prefix))
	if after != "" {
		k, _ = c.Seek([]byte(after))
		if k != nil && string(k) == after {
			k, _ = c.Next()
		}
	}
	for ; k != nil && bytes.HasPrefix(k, []byte(prefix)); k, _ = c.Next() {
		out = append(out, string(k))
		if limit > 0 && len(out) == limit {
			break
		}
	}
	return out
}

// Proof shows that a key holds a record (or nothing) under a state root.
type Proof struct {
	Key          string
	Record       *Record // nil proves absence
	AccountsRoot wire.Hash
	KVRoot       wire.Hash
	Path         *smt.Proof
}

// ErrStaleRoots means Prove was given roots other than the current state's.
var ErrStaleRoots = errors.New("roots are not those of the current state")

// Prove builds a proof for key under roots: the path comes from the tree,
// the record from the flat bucket, so roots must be the current state's
// (the tip's); otherwise it returns ErrStaleRoots rather than a proof that
// would not verify.
func Prove(tx *bbolt.Tx, roots Roots, key string) (*Proof, error) {
	nodes, err := smt.NewBoltStore(tx, store.SMT)
	if err != nil {
		return nil, err
	}
	p, err := smt.Prove(nodes, roots.KV, wire.KeyPath(key))
	if err != nil {
		return nil, err
	}
	proof := &Proof{Key: key, AccountsRoot: roots.Accounts, KVRoot: roots.KV, Path: p}
	rec, err := Get(tx, key)
	if err == nil {
		proof.Record = rec
	} else if !errors.Is(err, ErrNotFound) {
		return nil, err
	}
	leaf, found, err := smt.Get(nodes, roots.KV, wire.KeyPath(key))
	if err != nil {
		return nil, err
	}
	if found != (proof.Record != nil) || (found && leaf != proof.Record.Hash()) {
		return nil, fmt.Errorf("%w: the tree and the flat record of %q disagree", ErrStaleRoots, key)
	}
	return proof, nil
}

// ErrBadProof means a proof does not show what it claims.
var ErrBadProof = errors.New("proof does not verify")

// Verify checks the proof against a header's state root.
func (p *Proof) Verify(stateRoot wire.Hash) error {
	if (Roots{Accounts: p.AccountsRoot, KV: p.KVRoot}).StateRoot() != stateRoot {
		return fmt.Errorf("%w: sub-roots do not hash to the header's state root", ErrBadProof)
	}
	leaf := wire.ZeroHash
	if p.Record != nil {
		leaf = p.Record.Hash()
	}
	if err := p.Path.Verify(p.KVRoot, wire.KeyPath(p.Key), leaf); err != nil {
		return fmt.Errorf("%w: %v", ErrBadProof, err)
	}
	return nil
}

// Encode returns the canonical encoding of the proof.
func (p *Proof) Encode() []byte {
	w := wire.NewWriter(256)
	w.String(p.Key)
	if p.Record == nil {
		w.U8(0)
	} else {
		w.U8(1)
		w.VarBytes(p.Record.Encode())
	}
	w.Hash(p.AccountsRoot)
	w.Hash(p.KVRoot)
	w.VarBytes(p.Path.Encode())
	return w.Bytes()
}

// DecodeProof decodes a proof; it never panics on junk.
func DecodeProof(b []byte) (*Proof, error) {
	r := wire.NewReader(b)
	p := &Proof{Key: r.String(wire.MaxKeySize, "key")}
	switch flag := r.U8(); flag {
	case 0:
	case 1:
		rec, err := DecodeRecord(r.VarBytes(wire.MaxTxSize, "record"))
		if err != nil {
			r.Fail(err)
		}
		p.Record = rec
	default:
		// Each proof has one encoding: a flag other than 0 or 1 would make
		// a second encoding of a proof of absence.
		r.Fail(fmt.Errorf("%w: record flag %d (0 or 1)", wire.ErrMalformed, flag))
	}
	p.AccountsRoot = r.Hash()
	p.KVRoot = r.Hash()
	path := r.VarBytes(1<<16, "path")
	if err := r.Done(); err != nil {
		return nil, err
	}
	sp, err := smt.DecodeProof(path)
	if err != nil {
		return nil, err
	}
	p.Path = sp
	return p, nil
}
