package chain

import (
	"testing"

	"github.com/bitverse/bitverse/node/state"
	"github.com/bitverse/bitverse/node/wire"
	"go.etcd.io/bbolt"
)

func TestMineTransferPut(t *testing.T) {
	c, clk := newTestChain(t)
	alice, bob := key(t, 1), key(t, 2)
	p := c.Params()
	for i := 0; i < int(p.CoinbaseMaturity)+1; i++ {
		mine(t, c, clk, alice.PubKey())
	}
	var acct state.Account
	c.View(func(tx *bbolt.Tx, tip TipInfo, roots state.Roots) error {
		acct, _ = state.GetAccount(tx, alice.PubKey())
		return nil
	})
	if acct.Balance != p.Reward(1) {
		t.Fatalf("balance after maturity = %d, want %d", acct.Balance, p.Reward(1))
	}
	tr := wire.NewTx(wire.RootChain, wire.Transfer{To: bob.PubKey(), Amount: 1000}, 0, 0)
	p.SetMinFee(tr)
	tr.Sign(p.Net, alice)
	put := wire.NewTx(wire.RootChain, wire.Put{Key: "public/hello", Value: []byte("world")}, 1, 0)
	p.SetMinFee(put)
	put.Sign(p.Net, alice)
	mine(t, c, clk, alice.PubKey(), tr, put)

	var rec *state.Record
	err := c.View(func(tx *bbolt.Tx, tip TipInfo, roots state.Roots) error {
		var err error
		if rec, err = state.Get(tx, "public/hello"); err != nil {
			return err
		}
		proof, err := state.Prove(tx, roots, "public/hello")
		if err != nil {
			return err
		}
		if err := proof.Verify(tip.StateRoot); err != nil {
			return err
		}
		dec, err := state.DecodeProof(proof.Encode())
		if err != nil {
			return err
		}
		return dec.Verify(tip.StateRoot)
	})
	if err != nil {
		t.Fatal(err)
	}
	if string(rec.Value) != "world" || rec.Writer != alice.PubKey() {
		t.Fatalf("record = %+v", rec)
	}
	got, loc, err := c.TxByID(put.ID())
	if err != nil || got.ID() != put.ID() || loc.Height != c.Tip().Height {
		t.Fatalf("TxByID: %v %v", loc, err)
	}
}
