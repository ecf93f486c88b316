package p2p_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/bitverse/bitverse/node/harness"
	"github.com/bitverse/bitverse/node/p2p"
	"github.com/bitverse/bitverse/node/store"
	"go.etcd.io/bbolt"
)

// TestPeerStoreIsItsOwnFile: the host keeps known addresses and bans in
// its own file (p2p.PeersFile), not in the node's chain database, and
// they survive a restart.
func TestPeerStoreIsItsOwnFile(t *testing.T) {
	h := harness.New(t)
	a, b := h.NewNode("a"), h.NewNode("b")
	h.Connect(a, b)
	if err := a.Host.Ban(b.ID().String(), time.Hour); err != nil {
		t.Fatal(err)
	}
	a.Stop()
	chainDB, err := bbolt.Open(filepath.Join(a.Dir, "chain.db"), 0o600, &bbolt.Options{Timeout: time.Second, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	chainDB.View(func(tx *bbolt.Tx) error {
		if tx.Bucket(store.Peers) != nil {
			t.Error("chain.db has a peers bucket: the p2p layer should keep its own file")
		}
		return nil
	})
	chainDB.Close()
	peerDB, err := bbolt.Open(filepath.Join(a.Dir, p2p.PeersFile), 0o600, &bbolt.Options{Timeout: time.Second, ReadOnly: true})
	if err != nil {
		t.Fatalf("open %s: %v", p2p.PeersFile, err)
	}
	var records int
	peerDB.View(func(tx *bbolt.Tx) error {
		if bk := tx.Bucket(store.Peers); bk != nil {
			records = bk.Stats().KeyN
		}
		return nil
	})
	peerDB.Close()
	if records < 2 { // b's address and b's ban
		t.Fatalf("%s holds %d peer records, want b's address and ban", p2p.PeersFile, records)
	}
	a.Reopen()
	if !a.Host.Banned(b.ID()) {
		t.Fatal("the ban did not survive a restart")
	}
}
