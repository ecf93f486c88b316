package node_test

import (
	"bytes"
	"slices"
	"testing"

	"github.com/bitverse/bitverse/node/harness"
	"github.com/bitverse/bitverse/node/wire"
	"github.com/bitverse/bitverse/tumbler"
)

// coSign signs msg with every key through the tumbler's MuSig2 helpers, as
// a round's participants and coordinator would.
func coSign(t *testing.T, privs []wire.PrivKey, keys []wire.PubKey, msg wire.Hash) wire.Signature {
	t.Helper()
	signers := make([]*tumbler.Signer, len(privs))
	nonces := make([][tumbler.NonceSize]byte, len(privs))
	for i, k := range privs {
		s, err := tumbler.NewSigner(k, keys, msg)
		if err != nil {
			t.Fatal(err)
		}
		signers[i], nonces[i] = s, s.Nonce()
	}
	partials := make([][tumbler.PartialSize]byte, len(privs))
	for i, s := range signers {
		var err error
		if partials[i], err = s.Sign(nonces); err != nil {
			t.Fatal(err)
		}
	}
	sig, err := tumbler.CombinePartials(keys, nonces, partials, msg)
	if err != nil {
		t.Fatal(err)
	}
	return sig
}

// TestTumbleShowsToEveryInputAndOutput submits a tumble of two inputs to
// four outputs: the transaction describes its inputs and outputs, the
// pending tumble is in each input's history, and once mined every input
// and output account finds it in its history.
func TestTumbleShowsToEveryInputAndOutput(t *testing.T) {
	h := harness.New(t)
	n := h.NewNode("tumbler", harness.NoNetwork())
	p := h.Params()
	ctx := t.Context()
	addr := func(pk wire.PubKey) string { return wire.EncodeAddress(p.Net, pk) }
	n.Mine(int(p.CoinbaseMaturity) + 3)
	bob := harness.KeyFor("bob")
	fund := wire.NewTx(wire.RootChain, wire.Transfer{To: bob.PubKey(), Amount: 10 * wire.Unit}, 0, 0)
	p.SetMinFee(fund)
	fund.Sign(p.Net, n.Key)
	if _, err := n.Node.SubmitTx(ctx, fund.Encode()); err != nil {
		t.Fatal(err)
	}
	n.Mine(1)

	privs := []wire.PrivKey{n.Key, bob}
	slices.SortFunc(privs, func(a, b wire.PrivKey) int { pa, pb := a.PubKey(), b.PubKey(); return bytes.Compare(pa[:], pb[:]) })
	body := wire.Tumble{Round: wire.Sum([]byte("round 1"))}
	var keys []wire.PubKey
	for _, k := range privs {
		acct, err := n.Node.Account(ctx, addr(k.PubKey()))
		if err != nil {
			t.Fatal(err)
		}
		body.Inputs = append(body.Inputs, wire.TumbleInput{Key: k.PubKey(), Amount: 3 * wire.Unit, Nonce: acct.NextNonce})
		keys = append(keys, k.PubKey())
	}
	outs := []wire.PubKey{harness.KeyFor("out1").PubKey(), harness.KeyFor("out2").PubKey(), harness.KeyFor("out3").PubKey()}
	for _, o := range outs {
		body.Outputs = append(body.Outputs, wire.TumbleOutput{To: o, Amount: 19 * wire.Unit / 10})
	}
	coord := harness.KeyFor("coordinator").PubKey()
	body.Outputs = append(body.Outputs, wire.TumbleOutput{To: coord, Amount: 1})
	body.Sort()
	tx := wire.NewTx(wire.RootChain, body, 0, 0)
	p.SetMinFee(tx)
	for i := range body.Outputs {
		if body.Outputs[i].To == coord { // the coordinator's fee is what the chain's fee leaves
			body.Outputs[i].Amount = 3*wire.Unit/10 - tx.Fee
		}
	}
	tx.Body = body
	if tx.From, _ = wire.AggregateKey(keys); tx.From.IsZero() {
		t.Fatal("no aggregate key")
	}
	tx.Sig = coSign(t, privs, keys, tx.SigHash(p.Net))
	id, err := n.Node.SubmitTx(ctx, tx.Encode())
	if err != nil {
		t.Fatalf("submit the tumble: %v", err)
	}
	inHistory := func(pk wire.PubKey, pending bool) {
		t.Helper()
		hist, err := n.Node.History(ctx, addr(pk), 10)
		if err != nil {
			t.Fatal(err)
		}
		for _, ti := range hist {
			if ti.ID == id && ti.Pending == pending {
				return
			}
		}
		t.Fatalf("%s… does not see the tumble (pending %v) in its history", addr(pk)[:12], pending)
	}
	for _, pk := range keys {
		inHistory(pk, true)
	}
	n.Mine(1)
	for _, pk := range append(append(keys, outs...), coord) {
		inHistory(pk, false)
	}
	ti, err := n.Node.Tx(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if ti.Type != "tumble" || len(ti.Inputs) != 2 || len(ti.Outputs) != 4 || ti.Amount != 6*wire.Unit-tx.Fee || ti.Round == "" {
		t.Fatalf("tumble described as %+v", ti)
	}
	for i, in := range ti.Inputs {
		if in.Address != addr(keys[i]) || in.Amount != 3*wire.Unit {
			t.Fatalf("input %d described as %+v", i, in)
		}
	}
	for _, o := range outs {
		acct, err := n.Node.Account(ctx, addr(o))
		if err != nil || acct.Balance != 19*wire.Unit/10 {
			t.Fatalf("output %s… holds %+v, %v", addr(o)[:12], acct, err)
		}
	}
}
