package plan_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/bitverse/bitverse/node/harness"
	"github.com/bitverse/bitverse/node/wire"
	"github.com/bitverse/bitverse/wallet/plan"
)

// TestPlanSubmitBackToBack signs a plan, submits it, and plans the next:
// nonces count the pending transactions, and a keyspace bought but not yet
// in a block is judged as bought (the write into it is accepted).
func TestPlanSubmitBackToBack(t *testing.T) {
	n, pl := setup(t)
	ctx := context.Background()
	me := n.Key.PubKey()
	run := func(in plan.Intent) *plan.Plan {
		t.Helper()
		got, err := pl.Plan(ctx, me, in, plan.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if err := got.Refused(); err != nil {
			t.Fatal(err)
		}
		if err := got.Sign(signer(n)); err != nil {
			t.Fatal(err)
		}
		if _, err := got.Submit(ctx, n); err != nil {
			t.Fatal(err)
		}
		return got
	}
	buy := run(plan.BuyKeyspace{Name: "backtoback"})
	put := run(plan.Put{Key: "backtoback/first", Value: []byte("hello")})
	if put.Main().Tx.Nonce != buy.Main().Tx.Nonce+1 {
		t.Fatalf("put nonce %d after buy nonce %d", put.Main().Tx.Nonce, buy.Main().Tx.Nonce)
	}
	run(plan.Send{To: harness.KeyFor("mallory").PubKey(), Amount: wire.Unit})
	n.Mine(1)
	res, err := n.Get(ctx, "backtoback/first", false, false)
	if err != nil || res.Value != "hello" {
		t.Fatalf("after a block: %+v %v", res, err)
	}
	if _, err := pl.Plan(ctx, me, plan.BuyKeyspace{Name: "backtoback"}, plan.Options{}); !errors.Is(err, plan.ErrOwned) {
		t.Fatalf("buying an owned keyspace: %v, want ErrOwned", err)
	}
	// Someone else's write into it: the node's verdict (only the owner
	// writes without a script), asked before anything is signed.
	other, err := pl.Plan(ctx, harness.KeyFor("mallory").PubKey(), plan.Put{Key: "backtoback/x", Value: []byte("x")}, plan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if other.Refused() == nil {
		t.Fatal("a stranger's write into an owned keyspace is not refused")
	}
}

// TestPlanStampThenBranchWrite submits a branch write and the stamp that
// pays for it back to back; the node's miner then confirms both, the
// write in a block of the branch.
func TestPlanStampThenBranchWrite(t *testing.T) {
	n, pl := setup(t)
	ctx := context.Background()
	key := branchKey(wire.RootChain.Child(0))
	got, err := pl.Plan(ctx, n.Key.PubKey(), plan.Put{Key: key, Value: []byte("deep"), Depth: 1}, plan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got.Stamp() == nil {
		t.Fatal("no stamp planned for a chain without credit")
	}
	if err := got.Sign(signer(n)); err != nil {
		t.Fatal(err)
	}
	ids, err := got.Submit(ctx, n)
	if err != nil {
		t.Fatalf("stamp then write, back to back: %v", err)
	}
	// The pending stamp counts as credit: the next write plans no second
	// stamp for what is already being stamped (it stamps its own fee).
	addr := wire.EncodeAddress(n.Params().Net, n.Key.PubKey())
	ci, err := n.Credit(ctx, addr, "0")
	if err != nil || ci.Stamping != got.Shortfall || ci.Available != 0 {
		t.Fatalf("credit while the stamp is pending: %+v %v", ci, err)
	}
	if err := n.StartMining(nil); err != nil {
		t.Fatal(err)
	}
	defer n.StopMining()
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	info, err := n.WaitForTx(ctx, ids[1])
	if err != nil {
		t.Fatalf("the branch write was not confirmed: %v", err)
	}
	if info.Chain != "0" {
		t.Fatalf("write confirmed on chain %q, want 0", info.Chain)
	}
}

// TestPlanCountsPendingSpends: a plan must fit in the balance less what
// the sender's pending transactions spend, as the mempool admits it. After
// a send of most of the balance, a second send the confirmed balance would
// cover but the rest does not is refused at planning (a FundsError naming
// the pending amount), not by the mempool after signing; one that fits the
// rest is planned and admitted.
func TestPlanCountsPendingSpends(t *testing.T) {
	n, pl := setup(t)
	ctx := context.Background()
	me := n.Key.PubKey()
	addr := wire.EncodeAddress(n.Params().Net, me)
	acct, err := n.Account(ctx, addr)
	if err != nil || acct.Spending != 0 {
		t.Fatalf("account before: %+v %v", acct, err)
	}
	bob := harness.KeyFor("bob").PubKey()
	send := func(amount uint64) (*plan.Plan, error) {
		got, err := pl.Plan(ctx, me, plan.Send{To: bob, Amount: amount}, plan.Options{})
		if err != nil {
			return nil, err
		}
		if err := got.Sign(signer(n)); err != nil {
			t.Fatal(err)
		}
		_, err = got.Submit(ctx, n)
		return got, err
	}
	first, err := send(acct.Balance - wire.Unit)
	if err != nil {
		t.Fatal(err)
	}
	spent := first.Cost + first.Fee
	if after, err := n.Account(ctx, addr); err != nil || after.Spending != spent || after.Balance != acct.Balance {
		t.Fatalf("account with the send pending: %+v %v, want spending %d of balance %d", after, err, spent, acct.Balance)
	}
	_, err = send(wire.Unit) // the fee does not fit in what is left
	var fe *plan.FundsError
	if !errors.As(err, &fe) || fe.Have != acct.Balance-spent || fe.Pending != spent {
		t.Fatalf("a second send beyond what the pending one leaves: %v, want a FundsError with %d left and %d pending", err, acct.Balance-spent, spent)
	}
	second, err := send(wire.Unit / 2)
	if err != nil {
		t.Fatalf("a second send within what is left: %v", err)
	}
	if second.Spending != spent || second.Balance != acct.Balance {
		t.Fatalf("second plan: balance %d, spending %d; want %d and %d", second.Balance, second.Spending, acct.Balance, spent)
	}
}
