package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"time"

	"go.etcd.io/bbolt"
)

// SchemaVersion is the layout version this code reads and writes.
const SchemaVersion = 3

// Bucket names.
var (
	Meta     = []byte("meta")
	Blocks   = []byte("blocks")
	Index    = []byte("index")
	Main     = []byte("main")
	TxIndex  = []byte("txindex")
	Undo     = []byte("undo")
	Roots    = []byte("roots")
	Accounts = []byte("accounts")
	KV       = []byte("kv")
	KVHist   = []byte("kvhist")
	SMT      = []byte("smt")
	Mempool  = []byte("mempool")
	// Peers is the p2p layer's bucket of known addresses and bans, in its
	// own file (p2p.PeersFile) opened with OpenBuckets, not in chain.db.
	Peers = []byte("peers")
	Addr  = []byte("addrindex")
	// Payouts indexes root checkpoint entries by the miner they pay, for
	// an address's branch earnings (maintained with Addr).
	Payouts  = []byte("payouts")
	Keyspace = []byte("keyspaces")
	Scripts  = []byte("scripts")
	Paid     = []byte("paid")
	Blobs    = []byte("blobs")
	// Leaves holds the blocktree's value leaves of the ledger tree
	// (credits, chain pools, checkpoints); LeafRecs keeps every ledger
	// record by its leaf hash, so a branch can read the root's ledger as
	// it was at any anchor.
	Leaves   = []byte("leaves")
	LeafRecs = []byte("leafrecs")
	// Market holds the bounties ("b" ‖ id) and the reputation ledger
	// ("r" ‖ pubkey) of the root chain, at the tip.
	Market = []byte("market")

	all = [][]byte{Meta, Blocks, Index, Main, TxIndex, Undo, Roots, Accounts, KV, KVHist, SMT, Mempool, Addr, Payouts, Keyspace, Scripts, Paid, Blobs, Leaves, LeafRecs, Market}
)

// Meta keys.
var (
	KeySchema = []byte("schema")
	KeyTip    = []byte("tip")
	KeyAddrAt = []byte("addrindex-tip")
	// KeyAddrVersion is the layout of the address and payout indexes; a
	// node rebuilds them when it differs from its own.
	KeyAddrVersion = []byte("addrindex-version")
)

// Errors.
var (
	ErrLocked = errors.New("the data directory is in use by another bitverse process")
	ErrSchema = errors.New("the database was written by an incompatible version of bitverse")
)

// Open opens (creating if needed) the database at path, creates every
// bucket, and checks the schema version.
func Open(path string) (*bbolt.DB, error) {
	db, err := openFile(path)
	if err != nil {
		return nil, err
	}
	err = db.Update(func(tx *bbolt.Tx) error {
		for _, b := range all {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		m := tx.Bucket(Meta)
		v := m.Get(KeySchema)
		if v == nil {
			return m.Put(KeySchema, U64(SchemaVersion))
		}
		if len(v) != 8 || binary.BigEndian.Uint64(v) != SchemaVersion {
			found := fmt.Sprintf("%x", v)
			if len(v) == 8 {
				found = fmt.Sprint(binary.BigEndian.Uint64(v))
			}
			return fmt.Errorf("%w (%s has schema %s, this build reads %d); on devnet, move that data directory aside and start afresh",
				ErrSchema, path, found, SchemaVersion)
		}
		return nil
	})
	if err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// OpenBuckets opens (creating if needed) a database file of its own for a
// package that keeps its records apart from the chain (the p2p layer's
// peers and bans), with the given buckets created. It locks the file as
// Open does.
func OpenBuckets(path string, buckets ...[]byte) (*bbolt.DB, error) {
	db, err := openFile(path)
	if err != nil {
		return nil, err
	}
	err = db.Update(func(tx *bbolt.Tx) error {
		for _, b := range buckets {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// openFile opens the bbolt file at path, failing with ErrLocked if another
// process holds it.
func openFile(path string) (*bbolt.DB, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	opts := &bbolt.Options{Timeout: 2 * time.Second, FreelistType: bbolt.FreelistMapType}
	if strconv.IntSize == 64 && runtime.GOOS != "windows" {
		// Map 1 GiB of address space from the start (it is not memory: only
		// the file's pages are ever touched). Otherwise bbolt remaps each
		// time the file outgrows the map, inside a write's commit — copying
		// out the transaction's nodes and waiting for every reader — and a
		// freshly opened node does so on its first blocks. On Windows the
		// map's size is the file's size, so the default stays there.
		opts.InitialMmapSize = 1 << 30
	}
	db, err := bbolt.Open(path, 0o600, opts)
	if errors.Is(err, bbolt.ErrTimeout) {
		return nil, fmt.Errorf("%w (%s)", ErrLocked, path)
	}
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	return db, nil
}

// U64 encodes v as 8 big-endian bytes (so keys sort by number).
func U64(v uint64) []byte { return binary.BigEndian.AppendUint64(nil, v) }
