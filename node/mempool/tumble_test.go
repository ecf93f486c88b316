package mempool

import (
	"bytes"
	"errors"
	"slices"
	"testing"

	"github.com/bitverse/bitverse/node/consensus"
	"github.com/bitverse/bitverse/node/wire"
	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/btcec/v2/schnorr/musig2"
)

// musig co-signs msg with signers (BIP-327): the signature verifies under
// wire.AggregateKey of their keys in sorted order.
func musig(t testing.TB, signers []wire.PrivKey, msg wire.Hash) wire.Signature {
	t.Helper()
	signers = slices.Clone(signers)
	slices.SortFunc(signers, func(a, b wire.PrivKey) int { pa, pb := a.PubKey(), b.PubKey(); return bytes.Compare(pa[:], pb[:]) })
	keys := make([]wire.PubKey, len(signers))
	for i, k := range signers {
		keys[i] = k.PubKey()
	}
	pts, err := wire.LiftKeys(keys)
	if err != nil {
		t.Fatal(err)
	}
	privs := make([]*btcec.PrivateKey, len(keys))
	nonces := make([]*musig2.Nonces, len(keys))
	pub := make([][musig2.PubNonceSize]byte, len(keys))
	for i, s := range signers {
		k, p := btcec.PrivKeyFromBytes(s.Bytes())
		if p.Y().Bit(0) == 1 {
			k.Key.Negate()
		}
		privs[i] = k
		if nonces[i], err = musig2.GenNonces(musig2.WithPublicKey(k.PubKey())); err != nil {
			t.Fatal(err)
		}
		pub[i] = nonces[i].PubNonce
	}
	agg, err := musig2.AggregateNonces(pub)
	if err != nil {
		t.Fatal(err)
	}
	parts := make([]*musig2.PartialSignature, len(keys))
	for i := range keys {
		if parts[i], err = musig2.Sign(nonces[i].SecNonce, privs[i], agg, pts, msg); err != nil {
			t.Fatal(err)
		}
	}
	var sig wire.Signature
	copy(sig[:], musig2.CombineSigs(parts[0].R, parts).Serialize())
	return sig
}

// tumble is a signed tumble: each of ins pays amt at its account's nonce to
// one fresh output each (the fee out of the last). edit runs before signing.
func (e *env) tumble(ins []wire.PrivKey, amt uint64, edit func(*wire.Tumble)) *wire.Tx {
	e.t.Helper()
	b := wire.Tumble{}
	for i, k := range ins {
		b.Inputs = append(b.Inputs, wire.TumbleInput{Key: k.PubKey(), Amount: amt, Nonce: e.account(k.PubKey()).Nonce})
		b.Outputs = append(b.Outputs, wire.TumbleOutput{To: key(e.t, byte(100+i)).PubKey(), Amount: amt})
	}
	b.Sort()
	tx := wire.NewTx(wire.RootChain, b, 0, 0)
	e.p.SetMinFee(tx)
	b.Outputs[len(b.Outputs)-1].Amount -= tx.Fee
	if edit != nil {
		edit(&b)
	}
	tx.Body = b
	agg, err := wire.AggregateKey(b.Keys())
	if err != nil {
		e.t.Fatal(err)
	}
	tx.From = agg
	tx.Sig = musig(e.t, ins, tx.SigHash(e.p.Net))
	return tx
}

// TestTumbleAdmission: a tumble is admitted when every input is idle at its
// account's nonce and covered, is refused with the rule's code otherwise,
// blocks its inputs' other transactions while pending, is selected first,
// and leaves the pool when mined, its inputs free again.
func TestTumbleAdmission(t *testing.T) {
	e := newEnv(t, Config{})
	e.fund(5, 10*wire.Unit)
	a, b, c, d := e.keys[1], e.keys[2], e.keys[3], e.keys[4]
	refuse := []struct {
		name string
		tx   *wire.Tx
		code consensus.ErrorCode
	}{
		{"sums differ", e.tumble([]wire.PrivKey{a, b}, wire.Unit, func(t *wire.Tumble) { t.Outputs[0].Amount-- }), consensus.ErrTumbleSum},
		{"wrong nonce", e.tumble([]wire.PrivKey{a, b}, wire.Unit, func(t *wire.Tumble) { t.Inputs[0].Nonce = 5 }), consensus.ErrBadNonce},
		{"short of balance", e.tumble([]wire.PrivKey{a, b}, 11*wire.Unit, nil), consensus.ErrInsufficientFunds},
		{"zero output", e.tumble([]wire.PrivKey{a, b}, wire.Unit, func(t *wire.Tumble) {
			t.Outputs[1].Amount += t.Outputs[0].Amount
			t.Outputs[0].Amount = 0
		}), consensus.ErrZeroAmount},
	}
	missing := e.tumble([]wire.PrivKey{a, b, c}, wire.Unit, nil)
	missing.From, _ = wire.AggregateKey([]wire.PubKey{missing.Body.(wire.Tumble).Inputs[0].Key, missing.Body.(wire.Tumble).Inputs[1].Key})
	refuse = append(refuse, struct {
		name string
		tx   *wire.Tx
		code consensus.ErrorCode
	}{"aggregate key leaving an input out", missing, consensus.ErrTumbleKey})
	subset := e.tumble([]wire.PrivKey{a, b, c}, wire.Unit, nil)
	subset.Sig = musig(t, []wire.PrivKey{a, b}, subset.SigHash(e.p.Net))
	refuse = append(refuse, struct {
		name string
		tx   *wire.Tx
		code consensus.ErrorCode
	}{"signed by a subset", subset, consensus.ErrBadSignature})
	for _, r := range refuse {
		if _, err := e.pool.Add(r.tx); !errors.Is(err, ErrBadTx) || consensus.CodeOf(err) != r.code {
			t.Errorf("%s: %v, want %v", r.name, err, r.code)
		}
	}
	if e.pool.Len() != 0 {
		t.Fatalf("%d admitted", e.pool.Len())
	}

	// An input with something pending is busy.
	dPut := e.put(d, "public/d", 0, 1)
	if _, err := e.pool.Add(dPut); err != nil {
		t.Fatal(err)
	}
	if _, err := e.pool.Add(e.tumble([]wire.PrivKey{c, d}, wire.Unit, nil)); !errors.Is(err, ErrInputBusy) {
		t.Fatalf("tumble with a busy input: %v", err)
	}

	tx := e.tumble([]wire.PrivKey{a, b, c}, 2*wire.Unit, nil)
	if _, err := e.pool.Add(tx); err != nil {
		t.Fatalf("valid tumble: %v", err)
	}
	e.requireConsistent()
	if _, err := e.pool.Add(e.tumble([]wire.PrivKey{c, e.keys[0]}, wire.Unit, nil)); !errors.Is(err, ErrTumbleConflict) {
		t.Fatalf("second tumble sharing an input: %v", err)
	}
	if _, err := e.pool.Add(e.put(b, "public/b", 0, 1)); !errors.Is(err, ErrInTumble) {
		t.Fatalf("an input's own transaction while the tumble is pending: %v", err)
	}
	if spend, _ := e.pool.PendingSpend(a.PubKey()); spend != 2*wire.Unit {
		t.Fatalf("a's pending spend is %d, want its input", spend)
	}
	sel := e.pool.Select(1 << 20)
	if len(sel) != 2 || sel[0].ID() != tx.ID() {
		t.Fatalf("select: %d txs, tumble first: %v", len(sel), len(sel) > 0 && sel[0].ID() == tx.ID())
	}
	// Mined: gone, and its inputs may send at their next nonce.
	e.mine(e.keys[0].PubKey(), sel...)
	if e.pool.Len() != 0 {
		t.Fatalf("%d left after mining", e.pool.Len())
	}
	e.requireConsistent()
	if _, err := e.pool.Add(e.put(b, "public/b", 1, 1)); err != nil {
		t.Fatalf("an input after its tumble was mined: %v", err)
	}
	e.requireConsistent()
}

// TestTumbleReturnsOnDisconnectAndStaleOnesLeave: a tumble mined on a
// chain that loses a reorg comes back to the pool (persisted, so a restart
// keeps it); a pending tumble whose input a block spends otherwise is
// dropped.
func TestTumbleReturnsOnDisconnectAndStaleOnesLeave(t *testing.T) {
	e := newEnv(t, Config{})
	e.fund(4, 10*wire.Unit)
	common := len(e.mined)
	f := e.fork(common)
	a, b, c := e.keys[1], e.keys[2], e.keys[3]
	tx := e.tumble([]wire.PrivKey{a, b}, wire.Unit, nil)
	e.mine(e.keys[0].PubKey(), tx)
	f.mine(f.keys[0].PubKey())
	f.mine(f.keys[0].PubKey())
	for _, blk := range f.mined[common:] {
		if _, err := e.c.ProcessBlock(blk); err != nil {
			t.Fatal(err)
		}
	}
	if e.c.Tip().ID != f.c.Tip().ID {
		t.Fatal("no reorg")
	}
	if !e.pool.Has(tx.ID()) {
		t.Fatal("the disconnected tumble did not return to the pool")
	}
	e.requireConsistent()
	if n := e.reopen(); n != 1 || !e.pool.Has(tx.ID()) {
		t.Fatalf("after a restart: %d loaded, tumble pending %v", n, e.pool.Has(tx.ID()))
	}
	// b's transfer, mined from elsewhere, spends b's nonce: the tumble is stale.
	e.mine(e.keys[0].PubKey(), e.tx(b, wire.Transfer{To: c.PubKey(), Amount: 1}, 0, 1))
	if e.pool.Has(tx.ID()) {
		t.Fatal("a stale tumble stayed pending")
	}
	e.requireConsistent()
}
