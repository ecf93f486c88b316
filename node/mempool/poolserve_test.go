package mempool

import (
	"errors"
	"testing"

	"github.com/bitverse/bitverse/node/consensus"
	"github.com/bitverse/bitverse/node/wire"
)

// A claim of silence escrows its deposit: admission counts it with the fee
// against the balance left by pending spends; a serve without its segment
// is refused from the body alone.
func TestPoolSilenceDepositAndServeBodyAtAdmission(t *testing.T) {
	e := newEnv(t, Config{})
	e.fund(3, 5*wire.Unit)
	bob, dave := e.keys[1], e.keys[3]
	claim := wire.PoolSilence{Pool: wire.Hash{1}, Redemption: wire.Hash{2}, Member: dave.PubKey()}
	bal := e.account(bob.PubKey()).Balance
	spend := e.tx(bob, wire.Transfer{To: dave.PubKey(), Amount: 1}, 0, 1)
	// Leave exactly the deposit and the claim's fee, less one unit.
	c := e.tx(bob, claim, 1, 1)
	spend = e.tx(bob, wire.Transfer{To: dave.PubKey(), Amount: bal - spend.Fee - c.Fee - e.p.PoolSilenceDeposit + 1}, 0, 1)
	if _, err := e.pool.Add(spend); err != nil {
		t.Fatal(err)
	}
	if _, err := e.pool.Add(c); !errors.Is(err, ErrBadTx) || !consensus.IsCode(err, consensus.ErrInsufficientFunds) {
		t.Fatalf("a claim whose deposit is not covered: %v, want ErrInsufficientFunds", err)
	}
	serve := e.tx(dave, wire.PoolServe{Pool: wire.Hash{1}, Redemption: wire.Hash{2}}, 0, 1)
	if _, err := e.pool.Add(serve); !errors.Is(err, ErrBadTx) || !consensus.IsCode(err, consensus.ErrBadAnswer) {
		t.Fatalf("an empty serve: %v, want ErrBadAnswer", err)
	}
	e.requireConsistent()
}
