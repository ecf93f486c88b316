package plan_test

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"github.com/bitverse/bitverse/node/consensus"
	"github.com/bitverse/bitverse/node/harness"
	"github.com/bitverse/bitverse/node/rpc"
	"github.com/bitverse/bitverse/node/wire"
	"github.com/bitverse/bitverse/wallet/plan"
)

// setup returns a lone harness node whose key has mature coins, and a
// planner asking it in process.
func setup(t *testing.T) (*harness.Node, *plan.Planner) {
	t.Helper()
	h := harness.New(t)
	n := h.NewNode("alice", harness.NoNetwork())
	n.Mine(int(h.Params().CoinbaseMaturity) + 3)
	return n, plan.New(h.Params(), n)
}

// branchKey returns a public key whose path lies under c.
func branchKey(c wire.ChainID) string {
	for i := 0; ; i++ {
		k := "public/plan-" + string(rune('a'+i%26)) + string(rune('a'+i/26%26))
		if c.Contains(wire.KeyPath(k)) {
			return k
		}
	}
}

func signer(n *harness.Node) func(*wire.Tx) error {
	return func(t *wire.Tx) error {
		t.Sign(n.Params().Net, n.Key)
		return nil
	}
}

// TestPlanIntents plans each kind of intent against a real node and checks
// the steps, nonces, fees, totals, shortfall and verdict.
func TestPlanIntents(t *testing.T) {
	n, pl := setup(t)
	ctx := context.Background()
	p := n.Params()
	me := n.Key.PubKey()
	bob := harness.KeyFor("bob").PubKey()
	acct, err := n.Account(ctx, wire.EncodeAddress(p.Net, me))
	if err != nil {
		t.Fatal(err)
	}
	one := wire.RootChain.Child(1)
	deep := branchKey(one)
	huge := acct.Balance + 1

	type want struct {
		steps     int
		types     []wire.TxType
		cost      uint64
		shortfall uint64
		verdict   consensus.ErrorCode // 0 with judged: accepted
		judged    bool
	}
	tests := []struct {
		name   string
		intent plan.Intent
		opt    plan.Options
		err    error // errors.Is target; nil: a plan
		funds  bool  // a *FundsError
		want   want
	}{
		{name: "send", intent: plan.Send{To: bob, Amount: wire.Unit},
			want: want{steps: 1, types: []wire.TxType{wire.TxTransfer}, cost: wire.Unit}},
		{name: "send zero", intent: plan.Send{To: bob}, err: plan.ErrBadIntent},
		{name: "send with a fee below the floor", intent: plan.Send{To: bob, Amount: 1}, opt: plan.Options{Fee: 1}, err: plan.ErrFeeTooLow},
		{name: "send more than the balance", intent: plan.Send{To: bob, Amount: huge}, funds: true},
		{name: "put on the root", intent: plan.Put{Key: "public/x", Value: []byte("v")},
			want: want{steps: 1, types: []wire.TxType{wire.TxPut}, judged: true}},
		{name: "put on a branch without credit stamps the fee first", intent: plan.Put{Key: deep, Value: []byte("v"), Depth: 1},
			want: want{steps: 2, types: []wire.TxType{wire.TxStamp, wire.TxPut}, judged: true, shortfall: 1 /* the put's fee, checked below */}},
		{name: "put below the tree", intent: plan.Put{Key: "public/x", Value: []byte("v"), Depth: p.MaxDepth + 1}, err: plan.ErrBadIntent},
		{name: "put into a keyspace nobody owns", intent: plan.Put{Key: "nobody-owns/x", Value: []byte("v")},
			want: want{steps: 1, types: []wire.TxType{wire.TxPut}, judged: true, verdict: consensus.ErrNoKeyspace}},
		{name: "stamp", intent: plan.Stamp{Chain: one, Amount: 1000},
			want: want{steps: 1, types: []wire.TxType{wire.TxStamp}, cost: 1000}},
		{name: "stamp the root", intent: plan.Stamp{Chain: wire.RootChain, Amount: 1000}, err: plan.ErrBadIntent},
		{name: "buy a free keyspace", intent: plan.BuyKeyspace{Name: "planner-test"},
			want: want{steps: 1, types: []wire.TxType{wire.TxKeyspaceBuy}, cost: wire.Unit, judged: true}},
		{name: "buy over the limit", intent: plan.BuyKeyspace{Name: "planner-test", MaxPrice: 5}, err: plan.ErrBadIntent},
		{name: "buy with a script that does not compile", intent: plan.BuyKeyspace{Name: "planner-test", Script: []byte("function (")},
			want: want{steps: 1, types: []wire.TxType{wire.TxKeyspaceBuy}, cost: wire.Unit, judged: true, verdict: consensus.ErrBadScript}},
		{name: "set the script of a keyspace nobody owns", intent: plan.SetScript{Name: "planner-none"},
			want: want{steps: 1, types: []wire.TxType{wire.TxKeyspaceScript}, judged: true, verdict: consensus.ErrNoKeyspace}},
		{name: "give away a keyspace nobody owns", intent: plan.TransferKeyspace{Name: "planner-none", To: bob},
			want: want{steps: 1, types: []wire.TxType{wire.TxKeyspaceTransfer}, judged: true, verdict: consensus.ErrNoKeyspace}},
	}
	for i, tc := range tests {
		got, err := pl.Plan(ctx, me, tc.intent, tc.opt)
		var fe *plan.FundsError
		switch {
		case tc.funds:
			if !errors.As(err, &fe) || fe.Have != acct.Balance {
				t.Errorf("case %d (%s): %v, want a funds error with the balance", i, tc.name, err)
			}
			continue
		case tc.err != nil:
			if !errors.Is(err, tc.err) {
				t.Errorf("case %d (%s): %v, want %v", i, tc.name, err, tc.err)
			}
			continue
		case err != nil:
			t.Errorf("case %d (%s): %v", i, tc.name, err)
			continue
		}
		if len(got.Steps) != tc.want.steps {
			t.Errorf("case %d (%s): %d steps, want %d", i, tc.name, len(got.Steps), tc.want.steps)
			continue
		}
		var fee, creditFee uint64
		nonce := acct.NextNonce
		for j, s := range got.Steps {
			if s.Tx.Type != tc.want.types[j] || s.Tx.From != me {
				t.Errorf("case %d (%s): step %d is a %s from %v", i, tc.name, j, s.Tx.Type, s.Tx.From)
			}
			if min := p.MinFee(s.Tx.Size()); s.Tx.Fee != min {
				t.Errorf("case %d (%s): step %d fee %d, want the minimum %d", i, tc.name, j, s.Tx.Fee, min)
			}
			if s.Tx.Chain.IsRoot() {
				if s.Tx.Nonce != nonce {
					t.Errorf("case %d (%s): step %d nonce %d, want %d", i, tc.name, j, s.Tx.Nonce, nonce)
				}
				nonce++
				fee += s.Tx.Fee
			} else {
				creditFee += s.Tx.Fee
			}
		}
		if got.Fee != fee || got.CreditFee != creditFee || got.Cost != tc.want.cost+got.Shortfall || got.Balance != acct.Balance {
			t.Errorf("case %d (%s): fee %d credit fee %d cost %d balance %d; want %d %d %d %d", i, tc.name,
				got.Fee, got.CreditFee, got.Cost, got.Balance, fee, creditFee, tc.want.cost+got.Shortfall, acct.Balance)
		}
		if tc.want.shortfall != 0 {
			main := got.Main()
			if got.Shortfall != main.Tx.Fee || got.Stamp() == nil || got.Stamp().Cost != main.Tx.Fee || !main.FromCredit {
				t.Errorf("case %d (%s): shortfall %d, stamp %+v; want the put's fee %d stamped", i, tc.name, got.Shortfall, got.Stamp(), main.Tx.Fee)
			}
			if st := got.Stamp().Tx.Body.(wire.Stamp); st.Chain != main.Tx.Chain || main.Tx.Chain != one {
				t.Errorf("case %d (%s): stamp on %s for a put on %s", i, tc.name, st.Chain, main.Tx.Chain)
			}
		} else if got.Stamp() != nil || got.Shortfall != 0 {
			t.Errorf("case %d (%s): an unexpected stamp", i, tc.name)
		}
		switch {
		case !tc.want.judged && got.Verdict != nil:
			t.Errorf("case %d (%s): a verdict on a transaction no script judges", i, tc.name)
		case tc.want.judged && got.Verdict == nil:
			t.Errorf("case %d (%s): no verdict", i, tc.name)
		case tc.want.judged && tc.want.verdict == 0 && (!got.Verdict.OK || got.Refused() != nil):
			t.Errorf("case %d (%s): refused: %v", i, tc.name, got.Refused())
		case tc.want.verdict != 0 && (got.Verdict.OK || !consensus.IsCode(got.Refused(), tc.want.verdict)):
			t.Errorf("case %d (%s): verdict %+v, want a refusal by rule %v", i, tc.name, got.Verdict, tc.want.verdict)
		}
	}
}

// TestPlanChosenFee uses the fee given for the intent's transaction and
// the minimum for the stamp the planner adds.
func TestPlanChosenFee(t *testing.T) {
	n, pl := setup(t)
	got, err := pl.Plan(context.Background(), n.Key.PubKey(),
		plan.Put{Key: branchKey(wire.RootChain.Child(0)), Value: []byte("v"), Depth: 1}, plan.Options{Fee: 50_000})
	if err != nil {
		t.Fatal(err)
	}
	if got.Main().Tx.Fee != 50_000 || got.Shortfall != 50_000 {
		t.Fatalf("put fee %d shortfall %d, want 50000 both", got.Main().Tx.Fee, got.Shortfall)
	}
	st := got.Stamp().Tx
	if st.Fee != n.Params().MinFee(st.Size()) {
		t.Fatalf("stamp fee %d, want the minimum", st.Fee)
	}
}

// TestPlanOverRPCAgrees plans the same intents in process and through the
// local API client: a face attached to the node by RPC gets the same plan.
func TestPlanOverRPCAgrees(t *testing.T) {
	n, local := setup(t)
	srv, err := rpc.Listen("127.0.0.1:0", n.Dir, n.Node)
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve()
	defer srv.Close()
	cl, err := rpc.Dial(n.Dir, "")
	if err != nil {
		t.Fatal(err)
	}
	remote := plan.New(n.Params(), cl)
	ctx := context.Background()
	intents := []plan.Intent{
		plan.Send{To: harness.KeyFor("bob").PubKey(), Amount: 7},
		plan.Put{Key: branchKey(wire.RootChain.Child(1)), Value: []byte("v"), Depth: 1},
		plan.Put{Key: "nobody-owns/x", Value: []byte("v")},
		plan.BuyKeyspace{Name: "rpc-agrees", Script: []byte("function (")},
	}
	for i, in := range intents {
		a, err := local.Plan(ctx, n.Key.PubKey(), in, plan.Options{})
		if err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		b, err := remote.Plan(ctx, n.Key.PubKey(), in, plan.Options{})
		if err != nil {
			t.Fatalf("case %d over rpc: %v", i, err)
		}
		for j := range a.Steps {
			if a.Steps[j].Tx.ID() != b.Steps[j].Tx.ID() {
				t.Errorf("case %d: step %d differs", i, j)
			}
		}
		a.Steps, b.Steps = nil, nil
		if !reflect.DeepEqual(a, b) {
			t.Errorf("case %d: in process %+v, over rpc %+v", i, a, b)
		}
	}
}
