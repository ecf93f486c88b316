package state

import (
	"errors"
	"fmt"

	"go.etcd.io/bbolt"

	"github.com/bitverse/bitverse/node/state/smt"
	"github.com/bitverse/bitverse/node/store"
	"github.com/bitverse/bitverse/node/wire"
)

// A run of blocks connected in one transaction (chain.ProcessRun) applies
// each block's key/value tree updates on one smt.Overlay and persists only
// the run's last version: every block's root is still computed and
// checked against its header, but the tree pages that the run's later
// blocks replace (the upper pages change with every block) are never
// written. The accounts tree is stored for every block as before: branch
// blocks read the root's ledger at any anchor (LedgerAt).
//
// A block inside a run thus has a key/value root whose records are not
// stored. Only the tip's tree is ever read or updated, so this matters
// when a disconnect makes such a block the tip again: RestoreKVTree
// rebuilds its tree from the child's with the reverse of the child's
// updates, which the undo record holds.

// NewKVOverlay returns the overlay a run applies its key/value trees on,
// over the tree bucket of tx.
func NewKVOverlay(tx *bbolt.Tx) (*smt.Overlay, error) {
	nodes, err := smt.NewBoltStore(tx, store.SMT)
	if err != nil {
		return nil, err
	}
	return smt.NewOverlay(nodes), nil
}

// SetKVOverlay makes CommitTrees apply the key/value tree on o instead of
// the tree bucket; the caller persists the version it keeps
// (o.Persist(roots.KV)) before the transaction commits.
func (b *Batch) SetKVOverlay(o *smt.Overlay) { b.kvNodes = o }

// RestoreKVTree makes the key/value tree of parent readable after its
// child block was disconnected: if the tree bucket lacks parent's root, it
// applies to the child's tree (which is stored: it was the tip's) the
// reverse of the child's key/value updates, read from the child's undo
// record, and checks that the result is parent's root.
func RestoreKVTree(tx *bbolt.Tx, parent, child Roots, undo []byte) error {
	if parent.KV.IsZero() || parent.KV == child.KV {
		return nil
	}
	nodes, err := smt.NewBoltStore(tx, store.SMT)
	if err != nil {
		return err
	}
	if _, err := nodes.Get(parent.KV); err == nil {
		return nil
	} else if !errors.Is(err, smt.ErrMissingNode) {
		return err
	}
	ups, err := undoKVUpdates(undo)
	if err != nil {
		return err
	}
	got, err := smt.Apply(nodes, child.KV, ups)
	if err != nil {
		return fmt.Errorf("restore the key/value tree: %w", err)
	}
	if got != parent.KV {
		return fmt.Errorf("restore the key/value tree: the undo record leads to root %s, the block's is %s", got.Short(), parent.KV.Short())
	}
	return nil
}

// undoKVUpdates returns the tree updates that take the key/value tree back
// over a block: each key the block wrote, set to the hash of its prior
// record (zero, absent, when there was none).
func undoKVUpdates(undo []byte) ([]smt.Update, error) {
	r := wire.NewReader(undo)
	n := r.Len(1<<24, wire.PubKeySize+1, "undo accounts")
	for i := 0; i < n && r.Err() == nil; i++ {
		r.Fixed(wire.PubKeySize)
		readOptional(r)
	}
	n = r.Len(1<<24, 2, "undo keys")
	ups := make([]smt.Update, 0, n)
	for i := 0; i < n && r.Err() == nil; i++ {
		k := r.String(wire.MaxKeySize, "undo key")
		prior := readOptional(r)
		if r.Err() != nil {
			break
		}
		u := smt.Update{Key: wire.KeyPath(k)}
		if prior != nil {
			rec, err := DecodeRecord(prior)
			if err != nil {
				return nil, fmt.Errorf("undo record is damaged: %w", err)
			}
			u.Value = rec.Hash()
		}
		ups = append(ups, u)
	}
	if err := r.Err(); err != nil {
		return nil, fmt.Errorf("undo record is damaged: %w", err)
	}
	return ups, nil
}
