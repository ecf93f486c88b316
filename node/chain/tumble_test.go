package chain

import (
	"bytes"
	"fmt"
	"math/rand"
	"testing"

	"github.com/bitverse/bitverse/node/consensus"
	"github.com/bitverse/bitverse/node/wire"
	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/btcec/v2/schnorr/musig2"
)

// musigSign is MuSig2 (BIP-327) co-signing of msg by signers among keys
// (x-only, in body order): the signature verifies under
// wire.AggregateKey(keys of signers). It uses btcec's musig2 directly (the
// tumbler package sits above the chain).
func musigSign(t testing.TB, signers []wire.PrivKey, msg wire.Hash) wire.Signature {
	t.Helper()
	byKey := map[wire.PubKey]wire.PrivKey{}
	keys := make([]wire.PubKey, len(signers))
	for i, k := range signers {
		keys[i] = k.PubKey()
		byKey[keys[i]] = k
	}
	sortKeys(keys)
	pts, err := wire.LiftKeys(keys)
	if err != nil {
		t.Fatal(err)
	}
	privs := make([]*btcec.PrivateKey, len(keys))
	nonces := make([]*musig2.Nonces, len(keys))
	pub := make([][musig2.PubNonceSize]byte, len(keys))
	for i, pk := range keys {
		k, p := btcec.PrivKeyFromBytes(byKey[pk].Bytes())
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

func sortKeys(keys []wire.PubKey) {
	for i := 1; i < len(keys); i++ {
		for j := i; j > 0 && bytes.Compare(keys[j-1][:], keys[j][:]) > 0; j-- {
			keys[j-1], keys[j] = keys[j], keys[j-1]
		}
	}
}

// tumbleOpts vary a tumble for the reject vectors.
type tumbleOpts struct {
	edit    func(b *wire.Tumble) // after balancing, before signing
	signers []wire.PrivKey       // who co-signs (default: every input); From is their aggregate
	after   func(tx *wire.Tx)    // after signing
	fee     uint64               // extra fee above the minimum
}

// tumble is a signed tumble in which each of ins pays amt (at its account's
// next nonce) and outs share Σ inputs − fee equally, the last taking the
// remainder.
func (fx *fixture) tumble(ins []wire.PrivKey, amt uint64, outs []wire.PubKey, o tumbleOpts) *wire.Tx {
	fx.t.Helper()
	body := wire.Tumble{Round: wire.Sum([]byte("round"))}
	for _, k := range ins {
		body.Inputs = append(body.Inputs, wire.TumbleInput{Key: k.PubKey(), Amount: amt, Nonce: fx.account(k.PubKey()).Nonce})
	}
	for _, to := range outs {
		body.Outputs = append(body.Outputs, wire.TumbleOutput{To: to, Amount: 1})
	}
	body.Sort()
	tx := wire.NewTx(wire.RootChain, body, 0, 0)
	fx.p.SetMinFee(tx)
	tx.Fee += o.fee
	total := amt*uint64(len(ins)) - tx.Fee
	for i := range body.Outputs {
		body.Outputs[i].Amount = total / uint64(len(outs))
	}
	body.Outputs[len(outs)-1].Amount += total % uint64(len(outs))
	if o.edit != nil {
		o.edit(&body)
	}
	tx.Body = body
	signers := o.signers
	if signers == nil {
		signers = ins
	}
	keys := make([]wire.PubKey, len(signers))
	for i, k := range signers {
		keys[i] = k.PubKey()
	}
	sortKeys(keys)
	agg, err := wire.AggregateKey(keys)
	if err != nil {
		fx.t.Fatal(err)
	}
	tx.From = agg
	tx.Sig = musigSign(fx.t, signers, tx.SigHash(fx.p.Net))
	if o.after != nil {
		o.after(tx)
	}
	return tx
}

// fundTumblers gives bob, carol and dave 20 BVS each (alice has her rewards).
func fundTumblers(fx *fixture) {
	fx.t.Helper()
	n := fx.account(fx.alice.PubKey()).Nonce
	fx.mine(fx.alice.PubKey(),
		fx.transfer(fx.alice, fx.bob.PubKey(), 20*wire.Unit, int64(n)),
		fx.transfer(fx.alice, fx.carol.PubKey(), 20*wire.Unit, int64(n+1)),
		fx.transfer(fx.alice, fx.dave.PubKey(), 20*wire.Unit, int64(n+2)))
}

func freshKeys(t testing.TB, n int, seed byte) []wire.PubKey {
	out := make([]wire.PubKey, n)
	for i := range out {
		out[i] = key(t, seed+byte(i)).PubKey()
	}
	return out
}

// tumbleVectors are the accept and reject vectors of the tumble (PROTOCOL §21).
func tumbleVectors() []vector {
	four := func(fx *fixture) []wire.PrivKey { return []wire.PrivKey{fx.alice, fx.bob, fx.carol, fx.dave} }
	outs := func(fx *fixture) []wire.PubKey { return freshKeys(fx.t, 4, 100) }
	signedBad := func(o tumbleOpts) func(fx *fixture) *wire.Block {
		return func(fx *fixture) *wire.Block {
			fundTumblers(fx)
			return badBlock(fx, fx.tumble(four(fx), 5*wire.Unit, outs(fx), o))
		}
	}
	// single signs a tumble of a bad shape with one ordinary key: the
	// signature is good, the shape is what the rules refuse. Such a block
	// does not decode (the decoder checks counts and order), so it is
	// ErrMalformed, as a peer receiving its bytes sees it; state checks the
	// shape again (ErrBadTumble) for blocks built in memory.
	single := func(edit func(b *wire.Tumble)) func(fx *fixture) *wire.Block {
		return func(fx *fixture) *wire.Block {
			fundTumblers(fx)
			tx := fx.tumble(four(fx), 5*wire.Unit, outs(fx), tumbleOpts{edit: edit})
			tx.Sign(fx.p.Net, fx.alice)
			return badBlock(fx, tx)
		}
	}
	return []vector{
		{name: "tumble of four inputs to four outputs", build: func(fx *fixture) *wire.Block {
			fundTumblers(fx)
			return okBlock(fx, fx.tumble(four(fx), 5*wire.Unit, outs(fx), tumbleOpts{}))
		}},
		{name: "tumble paying change back to an input's own account", build: func(fx *fixture) *wire.Block {
			fundTumblers(fx)
			return okBlock(fx, fx.tumble([]wire.PrivKey{fx.bob, fx.carol}, 3*wire.Unit,
				[]wire.PubKey{fx.bob.PubKey(), freshKeys(fx.t, 1, 120)[0]}, tumbleOpts{}))
		}},
		{name: "tumble whose aggregate key leaves one input out", want: consensus.ErrTumbleKey,
			build: func(fx *fixture) *wire.Block {
				fundTumblers(fx)
				return badBlock(fx, fx.tumble(four(fx), 5*wire.Unit, outs(fx), tumbleOpts{signers: four(fx)[:3]}))
			}},
		{name: "tumble signed by a subset of the input keys", want: consensus.ErrBadSignature,
			build: func(fx *fixture) *wire.Block {
				// From stays the aggregate of all four; three of them sign.
				fundTumblers(fx)
				tx := fx.tumble(four(fx), 5*wire.Unit, outs(fx), tumbleOpts{})
				tx.Sig = musigSign(fx.t, four(fx)[:3], tx.SigHash(fx.p.Net))
				return badBlock(fx, tx)
			}},
		{name: "tumble with an output amount changed after signing", want: consensus.ErrBadSignature,
			build: signedBad(tumbleOpts{after: func(tx *wire.Tx) {
				b := tx.Body.(wire.Tumble)
				b.Outputs = append([]wire.TumbleOutput(nil), b.Outputs...)
				b.Outputs[0].Amount++ // and one unit less elsewhere: the sums still match
				b.Outputs[1].Amount--
				tx.Body = b
			}})},
		{name: "tumble whose inputs exceed outputs plus fee", want: consensus.ErrTumbleSum,
			build: signedBad(tumbleOpts{edit: func(b *wire.Tumble) { b.Outputs[0].Amount-- }})},
		{name: "tumble whose outputs plus fee exceed its inputs", want: consensus.ErrTumbleSum,
			build: signedBad(tumbleOpts{edit: func(b *wire.Tumble) { b.Outputs[2].Amount++ }})},
		{name: "tumble input short of balance", want: consensus.ErrInsufficientFunds, build: func(fx *fixture) *wire.Block {
			fundTumblers(fx)
			return badBlock(fx, fx.tumble(four(fx), 20*wire.Unit+1, outs(fx), tumbleOpts{}))
		}},
		{name: "tumble input at the wrong nonce", want: consensus.ErrBadNonce,
			build: signedBad(tumbleOpts{edit: func(b *wire.Tumble) { b.Inputs[1].Nonce++ }})},
		{name: "tumble with an envelope nonce", want: consensus.ErrBadTumble, build: func(fx *fixture) *wire.Block {
			fundTumblers(fx)
			tx := fx.tumble(four(fx), 5*wire.Unit, outs(fx), tumbleOpts{after: func(tx *wire.Tx) { tx.Nonce = 1 }})
			tx.Sig = musigSign(fx.t, four(fx), tx.SigHash(fx.p.Net))
			return badBlock(fx, tx)
		}},
		{name: "tumble one unit below the per-input fee", want: consensus.ErrFeeTooLow, build: func(fx *fixture) *wire.Block {
			fundTumblers(fx)
			tx := fx.tumble(four(fx), 5*wire.Unit, outs(fx), tumbleOpts{after: func(tx *wire.Tx) {
				b := tx.Body.(wire.Tumble)
				tx.Fee-- // still above the size fee alone
				b.Outputs[len(b.Outputs)-1].Amount++
				tx.Body = b
			}})
			tx.Sig = musigSign(fx.t, four(fx), tx.SigHash(fx.p.Net))
			return badBlock(fx, tx)
		}},
		{name: "tumble paying a zero output", want: consensus.ErrZeroAmount,
			build: signedBad(tumbleOpts{edit: func(b *wire.Tumble) {
				b.Outputs[3].Amount += b.Outputs[0].Amount
				b.Outputs[0].Amount = 0
			}})},
		{name: "tumble with unsorted inputs", want: consensus.ErrMalformed,
			build: single(func(b *wire.Tumble) { b.Inputs[0], b.Inputs[1] = b.Inputs[1], b.Inputs[0] })},
		{name: "tumble with one input twice", want: consensus.ErrMalformed,
			build: single(func(b *wire.Tumble) { b.Inputs[1] = b.Inputs[0] })},
		{name: "tumble with unsorted outputs", want: consensus.ErrMalformed,
			build: single(func(b *wire.Tumble) { b.Outputs[0], b.Outputs[1] = b.Outputs[1], b.Outputs[0] })},
		{name: "tumble with one input more than MaxTumbleInputs", want: consensus.ErrMalformed,
			build: single(func(b *wire.Tumble) {
				for i := 0; len(b.Inputs) <= wire.MaxTumbleInputs; i++ {
					b.Inputs = append(b.Inputs, wire.TumbleInput{Key: wire.PubKey(wire.Sum([]byte{byte(i)})), Amount: 1})
				}
				b.Sort()
			})},
		{name: "tumble naming an input key that is not on the curve", want: consensus.ErrBadTumble,
			build: single(func(b *wire.Tumble) {
				for i := range b.Inputs[3].Key {
					b.Inputs[3].Key[i] = 0xff // above the field prime: sorts last
				}
			})},
		{name: "tumble of a single input", want: consensus.ErrMalformed,
			build: single(func(b *wire.Tumble) { b.Inputs = b.Inputs[:1] })},
	}
}

// TestTumblesConserveCoinsAcrossRandomSequences plays random tumbles
// (valid, or spoiled by a changed amount, a wrong nonce, a missing signer
// or an overdrawn input) and transfers among eight keys, and after every
// block checks that balances + immature + escrow + burned equal what was
// minted and that every input account's nonce moved exactly when its
// tumble was mined. It ends with a replay of the chain.
func TestTumblesConserveCoinsAcrossRandomSequences(t *testing.T) {
	for seed := int64(1); seed <= 3; seed++ {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) { playTumbles(t, seed, 30) })
	}
}

func playTumbles(t *testing.T, seed int64, blocks int) {
	rng := rand.New(rand.NewSource(seed))
	fx := newFixture(t, nil)
	fundTumblers(fx)
	keys := []wire.PrivKey{fx.alice, fx.bob, fx.carol, fx.dave}
	for i := byte(0); i < 4; i++ {
		keys = append(keys, key(t, 200+i))
	}
	start, startHeight := fx.ledger(), fx.height()
	mined := 0
	for i := 0; i < blocks; i++ {
		perm := rng.Perm(len(keys))
		var txs []*wire.Tx
		var tumbles []*wire.Tx
		for len(perm) >= 2 {
			if rng.Intn(3) == 0 {
				k := keys[perm[0]]
				perm = perm[1:]
				txs = append(txs, fx.transfer(k, keys[rng.Intn(len(keys))].PubKey(), wire.Unit/2, -1))
				continue
			}
			n := 2 + rng.Intn(min(3, len(perm)-1))
			var ins []wire.PrivKey
			for _, j := range perm[:n] {
				ins = append(ins, keys[j])
			}
			perm = perm[n:]
			var outs []wire.PubKey
			for j := 1 + rng.Intn(4); j > 0; j-- {
				pk := keys[rng.Intn(len(keys))].PubKey()
				if rng.Intn(2) == 0 {
					pk = key(t, byte(100+rng.Intn(50))).PubKey() // fresh: nobody spends it
				}
				if !containsKey(outs, pk) {
					outs = append(outs, pk)
				}
			}
			var o tumbleOpts
			switch rng.Intn(8) {
			case 0:
				o.edit = func(b *wire.Tumble) { b.Outputs[0].Amount++ }
			case 1:
				o.edit = func(b *wire.Tumble) { b.Inputs[0].Nonce++ }
			case 2:
				o.signers = ins[1:]
			}
			amt := wire.Unit + uint64(rng.Int63n(int64(3*wire.Unit)))
			tx := fx.tumble(ins, amt, outs, o)
			txs = append(txs, tx)
			tumbles = append(tumbles, tx)
		}
		before := map[wire.PubKey]uint64{}
		for _, k := range keys {
			before[k.PubKey()] = fx.account(k.PubKey()).Nonce
		}
		fx.clk.t = fx.clk.t.Add(fx.p.TargetInterval)
		tmpl, err := fx.c.NewTemplate(fx.alice.PubKey(), txs, fx.clk.t)
		if err != nil {
			t.Fatal(err)
		}
		solve(tmpl.Block)
		if res, err := fx.c.ProcessBlock(tmpl.Block); err != nil || res != Connected {
			t.Fatalf("block %d: %v %v", i, res, err)
		}
		fx.blocks = append(fx.blocks, tmpl.Block)
		in := map[wire.Hash]bool{}
		for _, x := range tmpl.Block.Txs {
			in[x.ID()] = true
		}
		for _, tx := range tumbles {
			for _, input := range tx.Body.(wire.Tumble).Inputs {
				got := fx.account(input.Key).Nonce - before[input.Key]
				if in[tx.ID()] && got != 1 {
					t.Fatalf("block %d: input %x… of a mined tumble moved its nonce by %d", i, input.Key[:4], got)
				}
			}
			if in[tx.ID()] {
				mined++
			}
		}
		l := fx.ledger()
		var minted uint64
		for h := startHeight + 1; h <= fx.height(); h++ {
			minted += fx.p.Reward(h)
		}
		if l.held+l.escrow+l.burned != start.held+start.escrow+start.burned+minted {
			t.Fatalf("block %d: held %d + escrow %d + burned %d != %d + %d minted", i, l.held, l.escrow, l.burned, start.held, minted)
		}
	}
	if mined == 0 {
		t.Fatal("no tumble was ever mined: the test exercised nothing")
	}
	t.Logf("%d tumbles mined in %d blocks", mined, blocks)
	requireSameState(t, fx.c, fx.p, fx.clk, fx.blocks)
}

func containsKey(keys []wire.PubKey, k wire.PubKey) bool {
	for _, x := range keys {
		if x == k {
			return true
		}
	}
	return false
}

// TestTumbleReorgRestoresAccounts mines a tumble on chain A, then lets a
// heavier chain B without it win: every input's balance and nonce and
// every output's balance are B's, the state equals a replay of B, and the
// tumble is valid again on B (its inputs' nonces are free once more).
func TestTumbleReorgRestoresAccounts(t *testing.T) {
	fx := newFixture(t, nil)
	fundTumblers(fx)
	fy := fx.forkAt(uint64(len(fx.blocks)))
	ins := []wire.PrivKey{fx.alice, fx.bob, fx.carol}
	outs := freshKeys(t, 3, 150)
	tx := fx.tumble(ins, 2*wire.Unit, outs, tumbleOpts{})
	fx.mine(fx.alice.PubKey(), tx)
	if fx.account(outs[0]).Balance == 0 || fx.account(fx.bob.PubKey()).Nonce != 1 {
		t.Fatal("A: the tumble did not apply")
	}
	fy.mine(fy.dave.PubKey())
	fy.mine(fy.dave.PubKey())
	fx.feed(fy.blocks[len(fy.blocks)-2:]...)
	if fx.c.Tip().ID != fy.c.Tip().ID {
		t.Fatal("did not reorg to B")
	}
	requireSameState(t, fx.c, fx.p, fx.clk, fy.blocks)
	for _, pk := range outs {
		if a := fx.account(pk); !a.IsZero() {
			t.Fatalf("output %x… kept A's tumble: %+v", pk[:4], a)
		}
	}
	if n := fx.account(fx.bob.PubKey()).Nonce; n != 0 {
		t.Fatalf("bob's nonce is %d after the reorg, want 0", n)
	}
	if res, err := fx.c.ProcessBlock(withTxs(fx.template(), tx)); err == nil || consensus.CodeOf(err) != consensus.ErrBadStateRoot {
		// withTxs does not recompute the state root: reaching that check
		// means every tumble rule passed.
		t.Fatalf("the tumble on B: %v %v; want it to pass every rule", res, err)
	}
}
