package tumbler

import (
	"crypto/rsa"
	"strings"
	"sync"
	"testing"

	"github.com/bitverse/bitverse/node/wire"
	"pgregory.net/rapid"
)

// tb is what the helpers need of a test (testing.T and rapid.T).
type tb interface {
	Fatal(args ...any)
	Fatalf(format string, args ...any)
	Helper()
}

var (
	testKeyOnce sync.Once
	testKey     *rsa.PrivateKey
)

// tokenKey is one token key for every test round (a 2048-bit key takes a
// while to make; production rounds make their own).
func tokenKey(t tb) *rsa.PrivateKey {
	testKeyOnce.Do(func() {
		k, err := NewTokenKey()
		if err != nil {
			t.Fatal(err)
		}
		testKey = k
	})
	return testKey
}

func newKey(t tb) wire.PrivKey {
	k, err := wire.NewPrivKey()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func testTerms(n int) Terms {
	return Terms{Denomination: 1_000_000, CoordinatorFee: 100, TxFee: 10, Min: 2, Max: n,
		FeeTo: wire.PubKey{0xfe}, Height: 10, InputBlocks: 5, OutputBlocks: 5, SigningBlocks: 5}
}

// world is a round and its participants, run in process.
type world struct {
	r     *Round
	ps    []*Participant
	privs []wire.PrivKey
}

func newWorld(t tb, terms Terms, amounts []uint64) *world {
	r, err := NewRound(wire.Devnet, terms, tokenKey(t))
	if err != nil {
		t.Fatal(err)
	}
	r.Tick(terms.Height) // opens input registration
	w := &world{r: r}
	for i, a := range amounts {
		priv := newKey(t)
		p, err := NewParticipant(wire.Devnet, r.Terms, priv, a, uint64(i), newKey(t).PubKey(), newKey(t).PubKey())
		if err != nil {
			t.Fatal(err)
		}
		w.ps, w.privs = append(w.ps, p), append(w.privs, priv)
	}
	return w
}

// register runs input and output registration for every participant.
func (w *world) register(t tb) {
	for _, p := range w.ps {
		sig, err := w.r.AddInput(p.InputReg())
		if err != nil {
			t.Fatal(err)
		}
		if err := p.Registered(sig); err != nil {
			t.Fatal(err)
		}
	}
	if w.r.Phase() != OutputRegistration {
		w.r.Tick(w.r.Deadline())
	}
	for _, p := range w.ps {
		o, err := p.OutputReg()
		if err != nil {
			t.Fatal(err)
		}
		if err := w.r.AddOutput(o); err != nil {
			t.Fatal(err)
		}
	}
	if w.r.Phase() != Signing {
		t.Fatalf("after output registration the round is at %s: %s", w.r.Phase(), w.r.Err())
	}
}

// sign has the participants in signers give nonces and, if every nonce
// is in, partials.
func (w *world) sign(t tb, signers []*Participant) {
	for _, p := range signers {
		m, err := p.NonceMsg(w.r.Batch())
		if err != nil {
			t.Fatal(err)
		}
		if err := w.r.AddSign(m); err != nil {
			t.Fatal(err)
		}
	}
	nonces, ok := w.r.Nonces()
	if !ok {
		return
	}
	for _, p := range signers {
		m, err := p.PartialMsg(nonces)
		if err != nil {
			t.Fatal(err)
		}
		if err := w.r.AddSign(m); err != nil {
			t.Fatal(err)
		}
	}
}

func TestRoundSignsOneAggregateTransaction(t *testing.T) {
	w := newWorld(t, testTerms(5), []uint64{1_000_110, 1_500_000, 1_000_110, 2_000_000, 1_000_500})
	w.register(t)
	w.sign(t, w.ps)
	if w.r.Phase() != Broadcast {
		t.Fatalf("phase %s: %s", w.r.Phase(), w.r.Err())
	}
	tx := w.r.Tx()
	if err := tx.VerifySig(wire.Devnet); err != nil {
		t.Fatal(err)
	}
	body := tx.Body.(wire.Tumble)
	if len(body.Inputs) != 5 || tx.Fee != 50 {
		t.Fatalf("%d inputs, fee %d", len(body.Inputs), tx.Fee)
	}
	// Every participant's output and leftover are in; the coordinator
	// takes its fee and no more.
	outs := map[wire.TumbleOutput]bool{}
	for _, o := range body.Outputs {
		outs[o] = true
	}
	for _, p := range w.ps {
		if !outs[wire.TumbleOutput{To: p.To, Amount: 1_000_000}] {
			t.Errorf("output of %s missing", short(p.Key))
		}
		if p.Left > 0 && !outs[wire.TumbleOutput{To: p.Change, Amount: p.Left}] {
			t.Errorf("leftover of %s missing", short(p.Key))
		}
	}
	if !outs[wire.TumbleOutput{To: wire.PubKey{0xfe}, Amount: 500}] {
		t.Error("coordinator fee missing")
	}
	// The encoding round-trips and decodes as a tumble.
	got, err := wire.DecodeTx(tx.Encode())
	if err != nil || got.ID() != tx.ID() {
		t.Fatalf("decode: %v", err)
	}
}

// A round is Announced until its first tick: it takes no input, then
// input registration opens for InputBlocks from the tick's height.
func TestRoundIsAnnouncedBeforeInputRegistrationOpens(t *testing.T) {
	terms := testTerms(3)
	r, err := NewRound(wire.Devnet, terms, tokenKey(t))
	if err != nil {
		t.Fatal(err)
	}
	if r.Phase() != Announced {
		t.Fatalf("a new round is at %s", r.Phase())
	}
	p, err := NewParticipant(wire.Devnet, r.Terms, newKey(t), 1_000_110, 0, newKey(t).PubKey(), wire.PubKey{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.AddInput(p.InputReg()); err == nil || !strings.Contains(err.Error(), "not open yet") {
		t.Fatalf("an announced round took an input: %v", err)
	}
	r.Tick(terms.Height + 2)
	if r.Phase() != InputRegistration || r.Deadline() != terms.Height+2+terms.InputBlocks {
		t.Fatalf("after the first tick: %s until %d", r.Phase(), r.Deadline())
	}
	if _, err := r.AddInput(p.InputReg()); err != nil {
		t.Fatal(err)
	}
}

func TestAddInputRefuses(t *testing.T) {
	terms := testTerms(3)
	r, err := NewRound(wire.Devnet, terms, tokenKey(t))
	if err != nil {
		t.Fatal(err)
	}
	r.Tick(terms.Height) // opens input registration
	good := func() *InputReg {
		p, err := NewParticipant(wire.Devnet, r.Terms, newKey(t), 1_000_110, 0, newKey(t).PubKey(), wire.PubKey{})
		if err != nil {
			t.Fatal(err)
		}
		return p.InputReg()
	}
	dup := good()
	if _, err := r.AddInput(dup); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		edit func(g *InputReg)
		want string
	}{
		{"other round", func(g *InputReg) { g.Round[0] ^= 1 }, "no such round"},
		{"duplicate", func(g *InputReg) { *g = *dup }, "already registered"},
		{"amount below denomination plus fees", func(g *InputReg) { g.Amount = 1_000_109 }, "less than"},
		{"amount changed after signing", func(g *InputReg) { g.Amount++ }, "signature"},
		{"change changed after signing", func(g *InputReg) { g.Change[0] ^= 1 }, "signature"},
		{"blinded token changed after signing", func(g *InputReg) { g.Blinded[5] ^= 1 }, "signature"},
		{"short blinded token", func(g *InputReg) { g.Blinded = g.Blinded[:10]; g.Sig = wire.Signature{} }, "signature"},
	} {
		t.Run(c.name, func(t *testing.T) {
			g := good()
			c.edit(g)
			if _, err := r.AddInput(g); err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want %q", err, c.want)
			}
		})
	}
}

func TestInputRegistrationWaitsForMin(t *testing.T) {
	terms := testTerms(5)
	terms.Min = 3
	w := newWorld(t, terms, []uint64{1_000_110, 1_000_110, 1_000_110})
	for _, p := range w.ps[:2] {
		if _, err := w.r.AddInput(p.InputReg()); err != nil {
			t.Fatal(err)
		}
	}
	w.r.Tick(w.r.Deadline())
	if w.r.Phase() != InputRegistration {
		t.Fatalf("closed under min: %s", w.r.Phase())
	}
	if _, err := w.r.AddInput(w.ps[2].InputReg()); err != nil {
		t.Fatal(err)
	}
	w.r.Tick(w.r.Deadline())
	if w.r.Phase() != OutputRegistration {
		t.Fatalf("did not close at min: %s", w.r.Phase())
	}
}

func TestAddOutputRefuses(t *testing.T) {
	w := newWorld(t, testTerms(2), []uint64{1_000_110, 1_000_110})
	for _, p := range w.ps {
		sig, err := w.r.AddInput(p.InputReg())
		if err != nil {
			t.Fatal(err)
		}
		p.Registered(sig)
	}
	o, _ := w.ps[0].OutputReg()
	other := *o
	other.To[0] ^= 1 // the token signs another address
	if err := w.r.AddOutput(&other); err == nil || !strings.Contains(err.Error(), "does not verify") {
		t.Fatalf("token for another address: %v", err)
	}
	if err := w.r.AddOutput(o); err != nil {
		t.Fatal(err)
	}
	if err := w.r.AddOutput(o); err == nil {
		t.Fatal("a token redeemed twice")
	}
	again := *o
	again.To = w.ps[1].To // a fresh address but a spent token
	if err := w.r.AddOutput(&again); err == nil {
		t.Fatal("spent token took another address")
	}
	forged := &OutputReg{Round: w.r.ID, To: newKey(t).PubKey(), Token: make([]byte, TokenSize)}
	if err := w.r.AddOutput(forged); err == nil {
		t.Fatal("forged token")
	}
}

func TestParticipantRefusesTamperedBatch(t *testing.T) {
	for _, c := range []struct {
		name string
		edit func(w *world, b *Batch)
		want string
	}{
		{"my output amount changed", func(w *world, b *Batch) {
			for i, o := range b.Body.Outputs {
				if o.To == w.ps[0].To {
					b.Body.Outputs[i].Amount--
					b.Fee++
				}
			}
		}, "fee"},
		{"my output dropped, fee output raised", func(w *world, b *Batch) {
			b.Body.Outputs = dropOutput(b.Body.Outputs, w.ps[0].To)
			for i, o := range b.Body.Outputs {
				if o.To == (wire.PubKey{0xfe}) {
					b.Body.Outputs[i].Amount += 1_000_000
				}
			}
		}, "neither a denomination"},
		{"a leftover redirected to the coordinator", func(w *world, b *Batch) {
			b.Body.Outputs = dropOutput(b.Body.Outputs, w.ps[1].Change)
			b.Body.Outputs = append(b.Body.Outputs, wire.TumbleOutput{To: wire.PubKey{0xfd}, Amount: w.ps[1].Left})
			b.Body.Sort()
		}, "neither a denomination"},
		{"an input's registration dropped", func(w *world, b *Batch) { b.Regs = b.Regs[1:] }, "every input's registration"},
		{"an input's amount changed", func(w *world, b *Batch) { b.Body.Inputs[0].Amount++; b.Fee++ }, "fee"},
		{"more tx fee", func(w *world, b *Batch) { b.Fee++ }, "fee"},
		{"my input missing", func(w *world, b *Batch) {
			for i, in := range b.Body.Inputs {
				if in.Key == w.ps[0].Key {
					b.Body.Inputs = append(b.Body.Inputs[:i], b.Body.Inputs[i+1:]...)
					b.Regs = append(b.Regs[:i], b.Regs[i+1:]...)
					break
				}
			}
			b.Fee -= 10
		}, "my input is not in the batch"},
	} {
		t.Run(c.name, func(t *testing.T) {
			w := newWorld(t, testTerms(3), []uint64{1_000_110, 1_700_000, 1_000_200})
			w.register(t)
			if err := w.ps[0].Check(w.r.Batch()); err != nil {
				t.Fatalf("honest batch refused: %v", err)
			}
			b := cloneBatch(w.r.Batch())
			c.edit(w, b)
			err := w.ps[0].Check(b)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want %q", err, c.want)
			}
			if _, err := w.ps[0].NonceMsg(b); err == nil {
				t.Fatal("gave a nonce for a tampered batch")
			}
		})
	}
}

func dropOutput(outs []wire.TumbleOutput, to wire.PubKey) []wire.TumbleOutput {
	var keep []wire.TumbleOutput
	for _, o := range outs {
		if o.To != to {
			keep = append(keep, o)
		}
	}
	return keep
}

func cloneBatch(b *Batch) *Batch {
	c := *b
	c.Body.Inputs = append([]wire.TumbleInput(nil), b.Body.Inputs...)
	c.Body.Outputs = append([]wire.TumbleOutput(nil), b.Body.Outputs...)
	c.Regs = append([]PublicReg(nil), b.Regs...)
	return &c
}

func TestSilentSignerIsBlamedAndBlameRoundCompletes(t *testing.T) {
	w := newWorld(t, testTerms(4), []uint64{1_000_110, 1_000_110, 1_000_110, 1_200_000})
	w.register(t)
	silent := w.ps[2]
	signers := []*Participant{w.ps[0], w.ps[1], w.ps[3]}
	// Every nonce in, one partial missing.
	for _, p := range w.ps {
		m, err := p.NonceMsg(w.r.Batch())
		if err != nil {
			t.Fatal(err)
		}
		w.r.AddSign(m)
	}
	nonces, _ := w.r.Nonces()
	for _, p := range signers {
		m, _ := p.PartialMsg(nonces)
		if err := w.r.AddSign(m); err != nil {
			t.Fatal(err)
		}
	}
	if w.r.Tx() != nil {
		t.Fatal("a transaction without every signature")
	}
	proofs, banned := w.r.Tick(w.r.Deadline() - 1)
	if proofs != nil || w.r.Phase() != Signing {
		t.Fatal("blamed before the signing deadline")
	}
	proofs, banned = w.r.Tick(w.r.Deadline())
	if w.r.Phase() != Failed || len(banned) != 1 || banned[0] != silent.Key || len(proofs) != 3 {
		t.Fatalf("phase %s, banned %d, proofs %d", w.r.Phase(), len(banned), len(proofs))
	}
	bt := BlameTerms(w.r.Terms, w.r.ID, proofs, 30)
	br, err := NewRound(wire.Devnet, bt, tokenKey(t))
	if err != nil {
		t.Fatal(err)
	}
	br.Tick(bt.Height) // opens input registration
	for _, p := range signers {
		if err := p.CheckBlame(&br.Terms, proofs); err != nil {
			t.Fatalf("honest blame round refused: %v", err)
		}
	}
	// The silent input cannot join it; a participant refuses a blame round
	// holding anything else than the signers.
	if _, err := NewParticipant(wire.Devnet, br.Terms, w.privs[2], 1_000_110, 2, newKey(t).PubKey(), wire.PubKey{}); err == nil {
		t.Fatal("silent input prepared a blame registration")
	}
	sneaky := BlameTerms(w.r.Terms, w.r.ID, append(proofs[:2:2], Proof{Key: newKey(t).PubKey()}), 30)
	sneaky.TokenKey = br.Terms.TokenKey
	if err := signers[0].CheckBlame(&sneaky, append(proofs[:2:2], Proof{Key: sneaky.Allowed[0]})); err == nil {
		t.Fatal("a blame round with a slipped-in input accepted")
	}
	fewer := BlameTerms(w.r.Terms, w.r.ID, proofs[:2], 30)
	fewer.TokenKey = br.Terms.TokenKey
	if err := signers[0].CheckBlame(&fewer, proofs); err == nil {
		t.Fatal("a blame round dropping a signer accepted")
	}
	// Re-run: the signers register again (fresh tokens) and sign.
	bw := &world{r: br}
	for i, p := range signers {
		np, err := NewParticipant(wire.Devnet, br.Terms, []wire.PrivKey{w.privs[0], w.privs[1], w.privs[3]}[i], p.Amount, p.Nonce, p.To, p.Change)
		if err != nil {
			t.Fatal(err)
		}
		bw.ps = append(bw.ps, np)
	}
	bw.register(t)
	bw.sign(t, bw.ps)
	if br.Phase() != Broadcast {
		t.Fatalf("blame round at %s: %s", br.Phase(), br.Err())
	}
	if _, err := br.AddInput(&InputReg{Round: br.ID, Key: silent.Key}); err == nil {
		t.Fatal("blame round took an input after closing")
	}
}

func TestMissingNonceBlamesOnlyTheSilent(t *testing.T) {
	w := newWorld(t, testTerms(3), []uint64{1_000_110, 1_000_110, 1_000_110})
	w.register(t)
	w.sign(t, w.ps[:2])
	proofs, silent := w.r.Tick(w.r.Deadline())
	if len(silent) != 1 || silent[0] != w.ps[2].Key || len(proofs) != 2 {
		t.Fatalf("silent %d proofs %d", len(silent), len(proofs))
	}
	bt := BlameTerms(w.r.Terms, w.r.ID, proofs, 30)
	br, err := NewRound(wire.Devnet, bt, tokenKey(t))
	if err != nil {
		t.Fatal(err)
	}
	br.Tick(bt.Height) // opens input registration
	if err := w.ps[0].CheckBlame(&br.Terms, proofs); err != nil {
		t.Fatal(err)
	}
}

func TestOutputRegistrationTimeoutFails(t *testing.T) {
	w := newWorld(t, testTerms(2), []uint64{1_000_110, 1_000_110})
	for _, p := range w.ps {
		sig, _ := w.r.AddInput(p.InputReg())
		p.Registered(sig)
	}
	o, _ := w.ps[0].OutputReg()
	w.r.AddOutput(o)
	w.r.Tick(w.r.Deadline())
	if w.r.Phase() != Failed || !strings.Contains(w.r.Err(), "1 of 2 outputs") {
		t.Fatalf("%s: %s", w.r.Phase(), w.r.Err())
	}
}

// Any number of participants with any amounts and any set of silent
// signers: the honest batch passes every participant's check, and either
// everyone signed and the transaction verifies, or the round fails with
// exactly the silent inputs blamed and no transaction.
func TestRoundProperties(t *testing.T) {
	key := tokenKey(t)
	rapid.Check(t, func(rt *rapid.T) {
		n := rapid.IntRange(2, 4).Draw(rt, "n")
		terms := testTerms(n)
		terms.CoordinatorFee = rapid.Uint64Range(0, 1000).Draw(rt, "fee")
		if terms.CoordinatorFee == 0 {
			terms.FeeTo = wire.PubKey{}
		}
		r, err := NewRound(wire.Devnet, terms, key)
		if err != nil {
			rt.Fatal(err)
		}
		r.Tick(terms.Height) // opens input registration
		w := &world{r: r}
		for i := 0; i < n; i++ {
			amt := terms.Denomination + terms.Cost() + rapid.Uint64Range(0, 3_000_000).Draw(rt, "extra")
			p, err := NewParticipant(wire.Devnet, r.Terms, newKey(rt), amt, uint64(i), newKey(rt).PubKey(), newKey(rt).PubKey())
			if err != nil {
				rt.Fatal(err)
			}
			w.ps = append(w.ps, p)
		}
		w.register(rt)
		for _, p := range w.ps {
			if err := p.Check(r.Batch()); err != nil {
				rt.Fatalf("honest batch refused: %v", err)
			}
		}
		var signers []*Participant
		silent := map[wire.PubKey]bool{}
		for i, p := range w.ps {
			if rapid.Bool().Draw(rt, "signs"+string(rune('a'+i))) {
				signers = append(signers, p)
			} else {
				silent[p.Key] = true
			}
		}
		w.sign(rt, signers)
		if len(silent) == 0 {
			if r.Phase() != Broadcast || r.Tx().VerifySig(wire.Devnet) != nil {
				rt.Fatalf("all signed, phase %s", r.Phase())
			}
			return
		}
		if r.Tx() != nil {
			rt.Fatal("transaction with a missing signature")
		}
		_, banned := r.Tick(r.Deadline())
		if len(banned) != len(silent) {
			rt.Fatalf("banned %d, silent %d", len(banned), len(silent))
		}
		for _, k := range banned {
			if !silent[k] {
				rt.Fatal("a signer was blamed")
			}
		}
	})
}
