package state

import (
	"fmt"

	"github.com/bitverse/bitverse/node/state/smt"
	"github.com/bitverse/bitverse/node/store"
	"github.com/bitverse/bitverse/node/wire"
	"go.etcd.io/bbolt"
)

// RootsFromFlat recomputes the state roots from the flat buckets alone, in a
// scratch tree in memory. When the flat state and the trees agree it equals
// the tip's stored roots; tests and audits use it to check that, and to
// compare a node's state with a replay of its chain.
func RootsFromFlat(tx *bbolt.Tx) (Roots, error) {
	var accUps, kvUps []smt.Update
	err := tx.Bucket(store.Accounts).ForEach(func(k, v []byte) error {
		a, err := decodeAccount(v)
		if err != nil {
			return fmt.Errorf("stored account %x: %w", k, err)
		}
		var pk wire.PubKey
		copy(pk[:], k)
		accUps = append(accUps, smt.Update{Key: accountPath(pk), Value: accountLeaf(a)})
		return nil
	})
	if err != nil {
		return Roots{}, err
	}
	err = tx.Bucket(store.KV).ForEach(func(k, v []byte) error {
		rec, err := DecodeRecord(v)
		if err != nil {
			return fmt.Errorf("stored record %q: %w", k, err)
		}
		kvUps = append(kvUps, smt.Update{Key: wire.KeyPath(string(k)), Value: rec.Hash()})
		return nil
	})
	if err != nil {
		return Roots{}, err
	}
	ledger, err := ledgerLeaves(tx)
	if err != nil {
		return Roots{}, err
	}
	accUps = append(accUps, ledger...)
	market, err := marketLeaves(tx)
	if err != nil {
		return Roots{}, err
	}
	accUps = append(accUps, market...)
	mem := smt.NewMemStore()
	var r Roots
	if r.Accounts, err = smt.Apply(mem, smt.EmptyRoot, accUps); err != nil {
		return Roots{}, err
	}
	if r.KV, err = smt.Apply(mem, smt.EmptyRoot, kvUps); err != nil {
		return Roots{}, err
	}
	return r, nil
}
