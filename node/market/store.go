package market

import (
	"bytes"
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
	bucketChains  = []byte("chains")  // bounty ID → n × countersign envelope (hops > 0)
	bucketHeld    = []byte("held")    // bounty ID → slot u8 ‖ package: what this relay passes on
	// bounty ID → the result hash this requester's node recomputed, when
	// it differs from the one the worker and every relay signed
	bucketDisagreed = []byte("disagreed")
)

func openDB(path string) (*bbolt.DB, error) {
	db, err := store.OpenBuckets(path, bucketResults, bucketQuoted, bucketChains, bucketHeld, bucketDisagreed)
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

// storeChain keeps a checked envelope chain: the result as storeResult
// does, and the countersign envelopes in slot order.
func storeChain(db *bbolt.DB, p *Package) error {
	rec := append(p.Worker.Encode(), p.Value...)
	var cs []byte
	for _, c := range p.Signs {
		cs = append(cs, c.Encode()...)
	}
	return db.Update(func(tx *bbolt.Tx) error {
		if err := tx.Bucket(bucketChains).Put(p.Worker.Bounty[:], cs); err != nil {
			return err
		}
		return tx.Bucket(bucketResults).Put(p.Worker.Bounty[:], rec)
	})
}

// storeHeld keeps the package a relay countersigned, so that after a
// restart it still passes on the envelope whose hash its transaction
// carries (a recomputation would read at another height and sign
// another envelope).
func storeHeld(db *bbolt.DB, id wire.Hash, slot uint8, p *Package) error {
	rec := append([]byte{slot}, p.Encode()...)
	return db.Update(func(tx *bbolt.Tx) error { return tx.Bucket(bucketHeld).Put(id[:], rec) })
}

// loadHeld reads a kept package, checked again as it is read (nil if
// none or damaged).
func loadHeld(db *bbolt.DB, net wire.Network, id wire.Hash) (*Package, uint8) {
	var rec []byte
	db.View(func(tx *bbolt.Tx) error {
		rec = append(rec, tx.Bucket(bucketHeld).Get(id[:])...)
		return nil
	})
	if len(rec) < 1 {
		return nil, 0
	}
	p, err := ReadPackage(net, bytes.NewReader(rec[1:]))
	if err != nil {
		return nil, 0
	}
	return p, rec[0]
}

// dropHeld forgets the package of a closed bounty.
func dropHeld(db *bbolt.DB, id wire.Hash) {
	db.Update(func(tx *bbolt.Tx) error { return tx.Bucket(bucketHeld).Delete(id[:]) })
}

// loadChain reads the countersign envelopes kept with a result (none at
// zero hops).
func loadChain(db *bbolt.DB, bounty wire.Hash) ([]*Countersign, error) {
	var rec []byte
	db.View(func(tx *bbolt.Tx) error {
		rec = append(rec, tx.Bucket(bucketChains).Get(bounty[:])...)
		return nil
	})
	if len(rec)%CountersignSize != 0 {
		return nil, fmt.Errorf("market store: the envelope chain of bounty %s is damaged", bounty.Short())
	}
	var out []*Countersign
	for len(rec) > 0 {
		c, err := DecodeCountersign(rec[:CountersignSize])
		if err != nil {
			return nil, fmt.Errorf("market store: envelope chain of bounty %s: %w", bounty.Short(), err)
		}
		out = append(out, c)
		rec = rec[CountersignSize:]
	}
	return out, nil
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
	cs, err := loadChain(db, bounty)
	if err != nil {
		return nil, err
	}
	r := &Result{Bounty: bounty, Request: e.Request, Envelope: e.Hash(), Kind: e.Kind, Value: value, Fuel: e.Fuel}
	for _, c := range cs {
		r.Countersigns = append(r.Countersigns, c.Hash())
	}
	return r, nil
}

// storeDisagreed records that this node recomputed bounty's result as
// mine, another result than the one its worker and lineup signed.
func storeDisagreed(db *bbolt.DB, bounty, mine wire.Hash) error {
	return db.Update(func(tx *bbolt.Tx) error { return tx.Bucket(bucketDisagreed).Put(bounty[:], mine[:]) })
}

// loadDisagreed reads what storeDisagreed kept (ok false: nothing).
func loadDisagreed(db *bbolt.DB, bounty wire.Hash) (mine wire.Hash, ok bool) {
	db.View(func(tx *bbolt.Tx) error {
		if v := tx.Bucket(bucketDisagreed).Get(bounty[:]); len(v) == wire.HashSize {
			copy(mine[:], v)
			ok = true
		}
		return nil
	})
	return mine, ok
}
