package node_test

import (
	"context"
	"testing"

	"github.com/bitverse/bitverse/node"
	"github.com/bitverse/bitverse/node/harness"
	"github.com/bitverse/bitverse/node/wire"
)

// TestVerifyProof checks a proven value in the client's process: the
// node's answer verifies; a changed value, a proof of another record or a
// header without its proof of work does not.
func TestVerifyProof(t *testing.T) {
	h := harness.New(t)
	n := h.NewNode("alice", harness.NoNetwork())
	p := h.Params()
	n.Mine(int(p.CoinbaseMaturity) + 2)
	ctx := context.Background()
	acct, err := n.Account(ctx, wire.EncodeAddress(p.Net, n.Key.PubKey()))
	if err != nil {
		t.Fatal(err)
	}
	tx := wire.NewTx(wire.RootChain, wire.Put{Key: "public/proven", Value: []byte("true value")}, acct.NextNonce, 0)
	p.SetMinFee(tx)
	tx.Sign(p.Net, n.Key)
	if _, err := n.AddTx(tx); err != nil {
		t.Fatal(err)
	}
	n.Mine(1)
	get := func() *node.GetResult {
		res, err := n.Get(ctx, "public/proven", true, false)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	if res := get(); res.VerifyProof() != nil || !res.Proof.Verified {
		t.Fatalf("the node's own answer: %v", res.VerifyProof())
	}
	tamper := []func(r *node.GetResult){
		func(r *node.GetResult) { r.Value = "false value" },
		func(r *node.GetResult) { r.Height++ },
		func(r *node.GetResult) { r.Proof.Header[len(r.Proof.Header)-1] ^= 1 },
		func(r *node.GetResult) { r.Proof.Proof = r.Proof.Proof[:len(r.Proof.Proof)/2] },
		func(r *node.GetResult) { r.Proof = nil },
	}
	for i, f := range tamper {
		res := get()
		f(res)
		if res.VerifyProof() == nil {
			t.Errorf("case %d: a tampered answer verifies", i)
		}
	}
}
