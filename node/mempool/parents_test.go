package mempool

import (
	"errors"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/bitverse/bitverse/node/consensus"
	"github.com/bitverse/bitverse/node/state"
	"github.com/bitverse/bitverse/node/store"
	"github.com/bitverse/bitverse/node/wire"
	"go.etcd.io/bbolt"
)

// newParentsEnv is an env whose pool runs the chain's keyspace checks
// after the pending parents, as the node wires it.
func newParentsEnv(t *testing.T) *env {
	var e *env
	e = newEnv(t, Config{Check: func(tx *wire.Tx, parents []*wire.Tx) error { return e.c.CheckAccess(tx, parents...) }})
	e.fund(3, 10*wire.Unit)
	return e
}

// A write into a keyspace whose purchase is still pending is admitted
// when the purchase is its sender's earlier pending transaction (a block
// holding both applies them in that order); a stranger's write into it,
// or a write with no purchase pending, is refused; and a block made from
// the pool holds both.
func TestPendingKeyspaceBuyAdmitsWrite(t *testing.T) {
	e := newParentsEnv(t)
	owner, stranger := e.keys[1], e.keys[2]
	if _, err := e.pool.Add(e.put(owner, "pendingks/x", 0, 1)); !consensus.IsCode(err, consensus.ErrNoKeyspace) {
		t.Fatalf("write with no purchase pending: %v, want ErrNoKeyspace", err)
	}
	buy := e.tx(owner, wire.KeyspaceBuy{Name: "pendingks", MaxPrice: state.KeyspacePrice("pendingks")}, 0, 1)
	if _, err := e.pool.Add(buy); err != nil {
		t.Fatal(err)
	}
	write := e.put(owner, "pendingks/x", 1, 1)
	if _, err := e.pool.Add(write); err != nil {
		t.Fatalf("write after its sender's pending purchase: %v", err)
	}
	if _, err := e.pool.Add(e.put(stranger, "pendingks/y", 0, 1)); !consensus.IsCode(err, consensus.ErrNoKeyspace) {
		t.Fatalf("a stranger's write into a keyspace whose purchase is pending: %v, want ErrNoKeyspace", err)
	}
	sel := e.pool.Select(e.p.MaxBlockSize)
	if len(sel) != 2 || sel[0].ID() != buy.ID() || sel[1].ID() != write.ID() {
		t.Fatalf("selection %v, want the purchase then the write", ids(sel))
	}
	e.mine(e.keys[0].PubKey(), sel...)
	if e.pool.Len() != 0 {
		t.Fatalf("%d left in the pool after the block", e.pool.Len())
	}
	e.requireConsistent()
}

// A pending transaction is a parent only of later nonces: a replacement
// of the purchase is judged without the purchase it replaces.
func TestParentsAreEarlierNonces(t *testing.T) {
	e := newParentsEnv(t)
	owner := e.keys[1]
	if _, err := e.pool.Add(e.tx(owner, wire.KeyspaceBuy{Name: "parentsks", MaxPrice: state.KeyspacePrice("parentsks")}, 0, 1)); err != nil {
		t.Fatal(err)
	}
	// Nonce 0 again: replaces the purchase, so the purchase is no parent.
	if _, err := e.pool.Add(e.put(owner, "parentsks/x", 0, 2)); !consensus.IsCode(err, consensus.ErrNoKeyspace) {
		t.Fatalf("a replacement judged after the transaction it replaces: %v", err)
	}
}

// branchPool returns a pool of branch chain id (on its own file) whose
// writes are paid from credit stamped on e's root, as the node wires it.
func (e *env) branchPool(id wire.ChainID) *Pool {
	e.t.Helper()
	db, err := store.Open(filepath.Join(e.t.TempDir(), id.String()+".db"))
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { db.Close() })
	return New(Config{Params: e.p, DB: db, Sigs: e.sigs, Chain: id, Root: e.pool,
		Check: func(tx *wire.Tx, parents []*wire.Tx) error { return e.c.CheckAccess(tx, parents...) },
		Available: func(pk wire.PubKey, spent uint64) (uint64, error) {
			var credit uint64
			e.db.View(func(tx *bbolt.Tx) error { credit, _ = state.CreditOf(tx, pk, id); return nil })
			if credit < spent {
				return 0, nil
			}
			return credit - spent, nil
		}})
}

// keyUnder returns a public key whose path lies under chain id.
func keyUnder(id wire.ChainID) string {
	for i := 0; ; i++ {
		if k := fmt.Sprintf("public/parents-%d", i); id.Contains(wire.KeyPath(k)) {
			return k
		}
	}
}

// A branch write is admitted when its sender's pending root stamp buys
// the credit its fee needs; a write the pending stamps do not cover is
// refused for want of credit, as is a write with no stamp at all.
func TestPendingStampPaysBranchWrite(t *testing.T) {
	e := newParentsEnv(t)
	id := wire.RootChain.Child(1)
	bp := e.branchPool(id)
	writer := e.keys[1]
	branchPut := func(nonce, feeMul uint64) *wire.Tx {
		t := wire.NewTx(id, wire.Put{Key: keyUnder(id), Value: []byte("v")}, nonce, 0)
		e.p.SetMinFee(t)
		t.Fee *= feeMul
		t.Sign(e.p.Net, writer)
		return t
	}
	first := branchPut(0, 1)
	if _, err := bp.Add(first); !consensus.IsCode(err, consensus.ErrNoCredit) {
		t.Fatalf("branch write with no credit: %v, want ErrNoCredit", err)
	}
	stamp := e.tx(writer, wire.Stamp{Chain: id, Amount: first.Fee}, 0, 1)
	if _, err := e.pool.Add(stamp); err != nil {
		t.Fatal(err)
	}
	if got := e.pool.PendingStamps(writer.PubKey(), id); got != first.Fee {
		t.Fatalf("pending stamps %d, want %d", got, first.Fee)
	}
	if _, err := bp.Add(first); err != nil {
		t.Fatalf("branch write paid by a pending stamp: %v", err)
	}
	if _, err := bp.Add(branchPut(1, 1)); !consensus.IsCode(err, consensus.ErrNoCredit) {
		t.Fatalf("a second write the pending stamp does not cover: %v, want ErrNoCredit", err)
	}
	// The stamp confirms: the credit is the same, now on the root's tip.
	e.mine(e.keys[0].PubKey(), stamp)
	if e.pool.PendingStamps(writer.PubKey(), id) != 0 || !bp.Has(first.ID()) {
		t.Fatal("after the stamp's block: pending stamps left, or the write gone")
	}
	if _, err := bp.Add(branchPut(1, 1)); !consensus.IsCode(err, consensus.ErrNoCredit) && !errors.Is(err, ErrBadTx) {
		t.Fatalf("a write beyond the confirmed credit: %v", err)
	}
}

// TestParentsBounded: a queue of puts yields no parents (a stream of
// writes is judged against the tip, its scripts not run again); parents end
// with the last transaction a check can depend on, and are at most
// MaxParents.
func TestParentsBounded(t *testing.T) {
	put := &wire.Tx{Body: wire.Put{Key: "public/x"}}
	buy := &wire.Tx{Body: wire.KeyspaceBuy{Name: "x"}}
	stamp := &wire.Tx{Body: wire.Stamp{}}
	long := make([]*wire.Tx, MaxParents+5)
	for i := range long {
		long[i] = buy
	}
	tests := []struct {
		pending []*wire.Tx
		want    int
	}{
		{nil, 0},
		{[]*wire.Tx{put, put, put}, 0},
		{[]*wire.Tx{buy, put, put}, 1},
		{[]*wire.Tx{put, stamp, put}, 2},
		{long, MaxParents},
	}
	for i, tc := range tests {
		if got := Parents(tc.pending); len(got) != tc.want {
			t.Errorf("case %d: %d parents, want %d", i, len(got), tc.want)
		}
	}
}
