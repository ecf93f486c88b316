package smt

import (
	"bytes"
	"fmt"

	"go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/bitverse/bitverse/node/wire"
)

// NodeStore holds tree records by content: the key of a record is the hash
// of the node it stores (a page of the tree, or the single leaf of a
// one-leaf tree).
//
// Get returns the stored record of the node with hash h, or an error
// wrapping ErrMissingNode when there is none. The returned bytes are valid
// until the store's transaction ends and must not be modified.
//
// Put stores a record under its node's hash. Like bbolt, the store may keep
// node itself until its transaction ends, so the caller must not change it
// after the call. Putting the same record twice is harmless.
type NodeStore interface {
	Get(h wire.Hash) ([]byte, error)
	Put(h wire.Hash, node []byte) error
}

// memStore is a NodeStore in a Go map, for tests and tools.
type memStore struct {
	nodes map[wire.Hash][]byte
}

// NewMemStore returns an empty in-memory store. It keeps what is put as it
// is, so callers must never change it afterwards. It is not safe for
// concurrent use, and it is for tests and tools only: the node keeps its
// trees in bbolt (NewBoltStore).
func NewMemStore() NodeStore {
	return &memStore{nodes: make(map[wire.Hash][]byte)}
}

func (m *memStore) Get(h wire.Hash) ([]byte, error) {
	b, ok := m.nodes[h]
	if !ok {
		return nil, fmt.Errorf("%w: %s", ErrMissingNode, h)
	}
	return b, nil
}

func (m *memStore) Put(h wire.Hash, node []byte) error {
	if _, ok := m.nodes[h]; !ok {
		m.nodes[h] = node
	}
	return nil
}

// boltStore is a NodeStore in one bucket of a caller's bbolt transaction.
type boltStore struct {
	tx *bbolt.Tx
	b  *bbolt.Bucket // nil in a read-only transaction whose bucket does not exist yet
	c  *bbolt.Cursor // reused by Get: a Seek costs less than a Bucket.Get, which allocates a cursor
	// lent are the chunks lent to Apply in this transaction; they go back
	// to freeChunks once it commits, when bbolt has written them out.
	lent [][]byte
}

// lender is a store that lends Apply the chunks it encodes records into,
// and takes them back when the store no longer needs what was put.
type lender interface {
	lendChunk() []byte // an empty slice with capacity recChunk
}

// freeChunks holds chunks given back after their transaction committed.
// Reusing them spares the garbage collector a block's worth of records
// (megabytes) per block.
var freeChunks = make(chan []byte, 64)

func (s *boltStore) lendChunk() []byte {
	var c []byte
	select {
	case c = <-freeChunks:
	default:
		c = make([]byte, 0, recChunk)
	}
	if s.lent == nil {
		s.tx.OnCommit(s.giveBack) // on rollback the chunks are simply dropped
	}
	s.lent = append(s.lent, c)
	return c
}

func (s *boltStore) giveBack() {
	for _, c := range s.lent {
		select {
		case freeChunks <- c[:0]:
		default:
		}
	}
	s.lent = nil
}

// NewBoltStore returns a store that keeps records in the named bucket of
// tx, keyed by node hash, so that a block's tree updates commit or roll back
// with the rest of the caller's transaction. In a writable transaction it
// creates the bucket if needed. In a read-only transaction a missing bucket
// reads as an empty store: every Get reports ErrMissingNode (the empty tree,
// EmptyRoot, needs no node and is always readable).
//
// The store is valid only while tx is open, and, like tx, it must be used by
// one goroutine at a time.
func NewBoltStore(tx *bbolt.Tx, bucket []byte) (NodeStore, error) {
	if tx.Writable() {
		b, err := tx.CreateBucketIfNotExists(bucket)
		if err != nil {
			return nil, fmt.Errorf("create tree bucket %q: %w", bucket, err)
		}
		return &boltStore{tx: tx, b: b}, nil
	}
	return &boltStore{tx: tx, b: tx.Bucket(bucket)}, nil
}

func (s *boltStore) Get(h wire.Hash) ([]byte, error) {
	if s.b != nil {
		if s.c == nil {
			s.c = s.b.Cursor()
		}
		if k, v := s.c.Seek(h[:]); v != nil && bytes.Equal(k, h[:]) {
			return v, nil
		}
	}
	return nil, fmt.Errorf("%w: %s", ErrMissingNode, h)
}

func (s *boltStore) Put(h wire.Hash, node []byte) error {
	if s.b == nil {
		return fmt.Errorf("put tree node %s: %w", h, berrors.ErrTxNotWritable)
	}
	if err := s.b.Put(h[:], node); err != nil {
		return fmt.Errorf("put tree node %s: %w", h, err)
	}
	return nil
}
