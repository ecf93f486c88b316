package node_test

import (
	"context"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/bitverse/bitverse/node"
	"github.com/bitverse/bitverse/node/harness"
	"github.com/bitverse/bitverse/node/store"
	"github.com/bitverse/bitverse/node/wire"
	"go.etcd.io/bbolt"
)

// TestPayoutsReportBranchBlocksPendingThenMatured: a node mines a branch
// block holding a write; the root block that checkpoints it makes its fees
// a pending payout to the miner, reported per chain with the root height
// that pays it; CheckpointMaturity root blocks later it is matured. The
// local API answers the same, and so does a node whose payout index is
// rebuilt at start (an index written in an older layout).
func TestPayoutsReportBranchBlocksPendingThenMatured(t *testing.T) {
	h := harness.New(t)
	one := wire.RootChain.Child(1)
	n := h.NewNode("alice", harness.NoNetwork(), harness.Follow(one))
	p := h.Params()
	n.Mine(int(p.CoinbaseMaturity) + 2)
	ctx := context.Background()
	addr := wire.EncodeAddress(p.Net, n.Key.PubKey())
	same := func(when string) *node.PayoutInfo {
		t.Helper()
		got, err := n.Payouts(ctx, addr)
		if err != nil {
			t.Fatalf("%s: %v", when, err)
		}
		remote, err := n.API.Payouts(ctx, addr)
		if err != nil {
			t.Fatalf("%s, over the local API: %v", when, err)
		}
		if !reflect.DeepEqual(got, remote) {
			t.Fatalf("%s: in process %+v, over the local API %+v", when, got, remote)
		}
		return got
	}
	if got := same("before any branch block"); len(got.Chains) != 0 || got.Matured+got.Pending+got.Voided != 0 {
		t.Fatalf("payouts before any branch block: %+v", got)
	}

	// A write on chain 1, paid by a stamp in the root block before it.
	put := stampAndWrite(t, h, n, one, "public/payout")
	n.Mine(1)
	if b := n.MineOn(one, 1)[0]; len(b.Txs) != 2 || b.Txs[1].ID() != put.ID() {
		t.Fatalf("branch block holds %d transactions, want the coinbase and the write", len(b.Txs))
	}
	cp := n.Mine(1)[0]
	if len(cp.Txs) < 2 || cp.Txs[1].Type != wire.TxCheckpoint {
		t.Fatalf("the root block after the branch block has no checkpoint")
	}
	at := cp.Header.Height

	want := node.ChainPayouts{Chain: "1", Pending: put.Fee, PendingBlocks: 1, NextMatures: at + p.CheckpointMaturity}
	got := same("checkpointed")
	if got.Pending != put.Fee || got.Matured != 0 || len(got.Chains) != 1 || got.Chains[0] != want ||
		got.Height != at || got.Maturity != p.CheckpointMaturity || got.Address != addr {
		t.Fatalf("checkpointed at root height %d: %+v, want chain %+v", at, got, want)
	}

	n.Mine(int(p.CheckpointMaturity) - 1)
	if got := same("one root block before maturity"); got.Pending != put.Fee || got.Matured != 0 {
		t.Fatalf("one root block before maturity: %+v", got)
	}
	n.Mine(1)
	want = node.ChainPayouts{Chain: "1", Matured: put.Fee, MaturedBlocks: 1}
	matured := same("matured")
	if matured.Matured != put.Fee || matured.Pending != 0 || len(matured.Chains) != 1 || matured.Chains[0] != want {
		t.Fatalf("matured: %+v, want chain %+v", matured, want)
	}

	// An index written in an older layout is rebuilt at start.
	n.Stop()
	db, err := bbolt.Open(filepath.Join(n.Dir, "chain.db"), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bbolt.Tx) error {
		if err := tx.Bucket(store.Meta).Delete(store.KeyAddrVersion); err != nil {
			return err
		}
		if err := tx.DeleteBucket(store.Payouts); err != nil {
			return err
		}
		_, err := tx.CreateBucket(store.Payouts)
		return err
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	n.Reopen()
	if got := same("after the index was rebuilt"); !reflect.DeepEqual(got, matured) {
		t.Fatalf("after the index was rebuilt: %+v, want %+v", got, matured)
	}
}
