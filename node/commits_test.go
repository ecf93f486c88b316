package node

import (
	"bytes"
	"testing"
	"time"

	"github.com/bitverse/bitverse/node/consensus"
	"github.com/bitverse/bitverse/node/store"
	"github.com/bitverse/bitverse/node/wire"
	"go.etcd.io/bbolt"
)

// txID returns how many write transactions db has committed.
func txID(t *testing.T, db *bbolt.DB) int {
	t.Helper()
	tx, err := db.Begin(false)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	return tx.ID()
}

// A root block connected through the node costs two commits of chain.db
// (the block stored, then connected), not four: the address index is
// written in the connecting transaction, and the mempool's cleanup writes
// nothing when none of the block's transactions were in it. The index is
// there and ends at the tip, after connects and after a disconnect.
func TestConnectedBlockCostsTwoCommits(t *testing.T) {
	n := openTestNode(t, t.TempDir())
	defer n.Close()
	miner := wire.PubKey(wire.Sum([]byte("miner")))
	mine := func() *wire.Block {
		tmpl, err := n.chain.NewTemplate(miner, nil, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		b := tmpl.Block
		target := consensus.CompactToBig(b.Header.Bits)
		for !consensus.HashMeetsTarget(b.Header.PowHash(), target) {
			b.Header.Nonce++
		}
		return b
	}
	for i := 0; i < 3; i++ {
		b := mine()
		before := txID(t, n.db)
		if _, err := n.SubmitBlock(b); err != nil {
			t.Fatal(err)
		}
		if got := txID(t, n.db) - before; got != 2 {
			t.Fatalf("block %d took %d commits of chain.db, want 2", b.Header.Height, got)
		}
		var at []byte
		var refs []histRef
		n.db.View(func(tx *bbolt.Tx) error {
			at = append(at, tx.Bucket(store.Meta).Get(store.KeyAddrAt)...)
			refs = historyIDs(tx, miner, 100)
			return nil
		})
		if id := b.ID(); !bytes.Equal(at, id[:]) || len(refs) != i+1 {
			t.Fatalf("address index at %x with %d entries for the miner, want block %s and %d", at, len(refs), id.Short(), i+1)
		}
	}
}
