package market

import (
	"fmt"

	"github.com/bitverse/bitverse/node/store"
	"github.com/bitverse/bitverse/node/wire"
	"go.etcd.io/bbolt"
)

// DBFile is the market's own store in the data directory: the results
// this node received (they survive a restart) and the requests it quoted.
const DBFile = "market.db"

var (
	bucketResults = []byte("results") // bounty ID → envelope ‖ value
	bucketQuoted  = []byte("quoted")  // request ID → nothing
)

func openDB(path string) (*bbolt.DB, error) {
	db, err := store.OpenBuckets(path, bucketResults, bucketQuoted)
	if err != nil {
		return nil, fmt.Errorf("market store: %w", err)
	}
	return db, nil
}

func markQuoted(db *bbolt.DB, id wire.Hash) error {
	return db.Update(func(tx *bbolt.Tx) error { return tx.Bucket(bucketQuoted).Put(id[:], nil) })
}

func isQuoted(db *bbolt.DB, id wire.Hash) bool {
	ok := false
	db.View(func(tx *bbolt.Tx) error {
		ok = tx.Bucket(bucketQuoted).Get(id[:]) != nil
		return nil
	})
	return ok
}

func storeResult(db *bbolt.DB, e *Envelope, value []byte) error {
	rec := append(e.Encode(), value...)
	return db.Update(func(tx *bbolt.Tx) error { return tx.Bucket(bucketResults).Put(e.Bounty[:], rec) })
}

// loadResult reads a kept result, checking it again (a damaged file must
// not hand out a wrong result).
func loadResult(db *bbolt.DB, bounty wire.Hash) (*Result, error) {
	var rec []byte
	db.View(func(tx *bbolt.Tx) error {
		if v := tx.Bucket(bucketResults).Get(bounty[:]); v != nil {
			rec = append([]byte(nil), v...)
		}
		return nil
	})
	if rec == nil {
		return nil, ErrNoResult
	}
	if len(rec) < EnvelopeSize {
		return nil, fmt.Errorf("market store: result of bounty %s is damaged", bounty.Short())
	}
	e, err := DecodeEnvelope(rec[:EnvelopeSize])
	if err != nil {
		return nil, fmt.Errorf("market store: result of bounty %s: %w", bounty.Short(), err)
	}
	value := rec[EnvelopeSize:]
	if err := e.Matches(value); err != nil {
		return nil, fmt.Errorf("market store: result of bounty %s: %w", bounty.Short(), err)
	}
	return &Result{Bounty: bounty, Request: e.Request, Envelope: e.Hash(), Kind: e.Kind, Value: value, Fuel: e.Fuel}, nil
}
