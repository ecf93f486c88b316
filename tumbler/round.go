package tumbler

import (
	"crypto/rsa"
	"errors"
	"fmt"
	"slices"

	"github.com/bitverse/bitverse/node/wire"
)

// Round is the coordinator's state of one round: a pure state machine
// (no I/O, no clock: heights are time). The service owns it from one
// goroutine, checks what needs the chain (balances, nonces, bans) before
// calling in, and acts on the phase after each call.
type Round struct {
	Terms Terms
	ID    wire.Hash
	net   wire.Network
	key   *rsa.PrivateKey
	pub   *rsa.PublicKey

	phase    Phase
	deadline uint64
	err      string

	inputs  map[wire.PubKey]*InputReg
	outputs map[wire.PubKey]bool // denomination outputs by address
	spent   map[wire.Hash]bool   // redeemed tokens
	batch   *Batch
	msg     wire.Hash
	keys    []wire.PubKey // batch input order
	nonces  map[wire.PubKey]SignMsg
	parts   map[wire.PubKey][PartialSize]byte
	tx      *wire.Tx
	txid    wire.Hash
	proofs  []Proof   // who signed, once signing failed
	Next    wire.Hash // the blame round, set by the coordinator
}

// Batch is the built transaction body with what lets every participant
// check it: each input's signed registration.
type Batch struct {
	Body wire.Tumble `json:"body"`
	Fee  uint64      `json:"fee"`
	Regs []PublicReg `json:"regs"` // in Body.Inputs order
}

// Tx is the batch's transaction, unsigned, From the aggregate key, and the
// hash the aggregate signature signs.
func (b *Batch) Tx(net wire.Network) (*wire.Tx, wire.Hash, error) {
	agg, err := wire.AggregateKey(b.Body.Keys())
	if err != nil {
		return nil, wire.Hash{}, err
	}
	tx := wire.NewTx(wire.RootChain, b.Body, 0, b.Fee)
	tx.From = agg
	return tx, tx.SigHash(net), nil
}

// NewRound announces a round on terms made at t.Height with its token
// key. It is Announced (known to anyone who asks, taking nothing) until
// the first Tick at or after t.Height opens input registration.
func NewRound(net wire.Network, t Terms, key *rsa.PrivateKey) (*Round, error) {
	t.TokenKey = EncodeTokenKey(&key.PublicKey)
	pub, err := t.Check()
	if err != nil {
		return nil, err
	}
	return &Round{Terms: t, ID: t.ID(), net: net, key: key, pub: pub,
		phase: Announced, deadline: t.Height,
		inputs: map[wire.PubKey]*InputReg{}, outputs: map[wire.PubKey]bool{}, spent: map[wire.Hash]bool{}}, nil
}

// Phase is the round's phase.
func (r *Round) Phase() Phase { return r.phase }

// Err is why the round failed.
func (r *Round) Err() string { return r.err }

// Deadline is the height the current phase ends at.
func (r *Round) Deadline() uint64 { return r.deadline }

// Leftover is what goes back to an input's change address.
func (t *Terms) Leftover(amount uint64) (uint64, error) {
	need := t.Denomination + t.Cost()
	if amount < need {
		return 0, fmt.Errorf("amount %s is less than the denomination plus fees, %s", wire.FormatAmount(amount), wire.FormatAmount(need))
	}
	return amount - need, nil
}

// AddInput registers an input (the caller checked the account's balance,
// nonce and bans) and returns the blind signature of its token.
func (r *Round) AddInput(g *InputReg) ([]byte, error) {
	switch {
	case g.Round != r.ID:
		return nil, ErrNoRound
	case r.phase == Announced:
		return nil, errors.New("input registration is not open yet (the round is announced): try again in a moment")
	case r.phase != InputRegistration:
		return nil, fmt.Errorf("input registration is closed (the round is at %s)", r.phase)
	case r.inputs[g.Key] != nil:
		return nil, errors.New("this input is already registered")
	case len(r.inputs) >= r.Terms.Max:
		return nil, errors.New("the round is full")
	case !r.Terms.BlameOf.IsZero() && !slices.Contains(r.Terms.Allowed, g.Key):
		return nil, errors.New("a blame round takes only inputs that signed the failed round")
	case g.Change == (wire.PubKey{}):
		return nil, errors.New("no change address")
	}
	if _, err := r.Terms.Leftover(g.Amount); err != nil {
		return nil, err
	}
	if err := wire.Verify(g.Key, g.SigHash(), g.Sig); err != nil {
		return nil, fmt.Errorf("input registration signature: %w", err)
	}
	sig, err := signBlinded(r.key, g.Blinded)
	if err != nil {
		return nil, err
	}
	cp := *g
	r.inputs[g.Key] = &cp
	if len(r.inputs) == r.Terms.Max {
		r.closeInputs(r.deadline)
	}
	return sig, nil
}

func (r *Round) closeInputs(height uint64) {
	r.phase = OutputRegistration
	r.deadline = max(height, r.deadline) + r.Terms.OutputBlocks
}

// AddOutput redeems a token for one denomination output.
func (r *Round) AddOutput(o *OutputReg) error {
	switch {
	case o.Round != r.ID:
		return ErrNoRound
	case r.phase != OutputRegistration:
		return fmt.Errorf("output registration is not open (the round is at %s)", r.phase)
	case o.To == (wire.PubKey{}):
		return errors.New("no output address")
	case r.outputs[o.To]:
		return errors.New("this address already has an output in the round: use a fresh one")
	}
	th := wire.Sum(o.Token)
	if r.spent[th] {
		return errors.New("this token was already redeemed")
	}
	if err := verifyToken(r.pub, r.ID, o.To, o.Token); err != nil {
		return err
	}
	r.spent[th] = true
	r.outputs[o.To] = true
	if len(r.outputs) == len(r.inputs) {
		return r.build()
	}
	return nil
}

// build makes the batch in canonical order and opens signing.
func (r *Round) build() error {
	t := &r.Terms
	n := uint64(len(r.inputs))
	b := &Batch{Body: wire.Tumble{Round: r.ID}, Fee: n * t.TxFee}
	for _, g := range r.inputs {
		b.Body.Inputs = append(b.Body.Inputs, wire.TumbleInput{Key: g.Key, Amount: g.Amount, Nonce: g.Nonce})
		if left, _ := t.Leftover(g.Amount); left > 0 {
			b.Body.Outputs = append(b.Body.Outputs, wire.TumbleOutput{To: g.Change, Amount: left})
		}
	}
	for to := range r.outputs {
		b.Body.Outputs = append(b.Body.Outputs, wire.TumbleOutput{To: to, Amount: t.Denomination})
	}
	if t.CoordinatorFee > 0 {
		b.Body.Outputs = append(b.Body.Outputs, wire.TumbleOutput{To: t.FeeTo, Amount: n * t.CoordinatorFee})
	}
	b.Body.Sort()
	for _, in := range b.Body.Inputs {
		g := r.inputs[in.Key]
		b.Regs = append(b.Regs, PublicReg{Key: g.Key, Amount: g.Amount, Nonce: g.Nonce, Change: g.Change, BlindedHash: wire.Sum(g.Blinded), Sig: g.Sig})
	}
	for i := 1; i < len(b.Body.Outputs); i++ {
		if b.Body.Outputs[i-1] == b.Body.Outputs[i] {
			return r.fail("two outputs pay the same amount to the same address (a change address reused as an output address)")
		}
	}
	tx, msg, err := b.Tx(r.net)
	if err != nil {
		return r.fail(err.Error())
	}
	r.batch, r.tx, r.msg = b, tx, msg
	r.keys = b.Body.Keys()
	r.nonces, r.parts = map[wire.PubKey]SignMsg{}, map[wire.PubKey][PartialSize]byte{}
	r.phase = Signing
	r.deadline += t.SigningBlocks
	return nil
}

func (r *Round) fail(why string) error {
	r.phase, r.err = Failed, why
	return errors.New(why)
}

// Batch is the built batch (nil before signing).
func (r *Round) Batch() *Batch { return r.batch }

// Inputs are the registered inputs' keys, sorted.
func (r *Round) Inputs() []wire.PubKey {
	out := make([]wire.PubKey, 0, len(r.inputs))
	for k := range r.inputs {
		out = append(out, k)
	}
	slices.SortFunc(out, func(a, b wire.PubKey) int { return compareKeys(a, b) })
	return out
}

// Input is one registered input.
func (r *Round) Input(k wire.PubKey) *InputReg { return r.inputs[k] }

// Counts are the registered inputs and outputs.
func (r *Round) Counts() (inputs, outputs int) { return len(r.inputs), len(r.outputs) }

// AddSign takes an input's nonce or partial signature.
func (r *Round) AddSign(m *SignMsg) error {
	switch {
	case m.Round != r.ID:
		return ErrNoRound
	case r.phase != Signing:
		return fmt.Errorf("the round is not signing (it is at %s)", r.phase)
	case r.inputs[m.Key] == nil:
		return errors.New("not an input of this round")
	}
	switch m.Kind {
	case KindNonce:
		if _, ok := r.nonces[m.Key]; ok {
			return errors.New("nonce already given")
		}
		if err := wire.Verify(m.Key, nonceSigHash(r.ID, m.Data), m.NonceSig); err != nil {
			return fmt.Errorf("nonce signature: %w", err)
		}
		r.nonces[m.Key] = *m
		return nil
	case KindPartial:
		nonces, ok := r.Nonces()
		if !ok {
			return errors.New("not every nonce is in yet")
		}
		if _, ok := r.parts[m.Key]; ok {
			return errors.New("partial signature already given")
		}
		i := slices.Index(r.keys, m.Key)
		var p [PartialSize]byte
		copy(p[:], m.Data)
		if err := VerifyPartial(r.keys, nonces, i, p, r.msg); err != nil {
			return fmt.Errorf("partial signature: %w", err)
		}
		r.parts[m.Key] = p
		if len(r.parts) == len(r.keys) {
			return r.combine(nonces)
		}
		return nil
	}
	return fmt.Errorf("unknown signing message kind %d", m.Kind)
}

func (r *Round) combine(nonces [][NonceSize]byte) error {
	parts := make([][PartialSize]byte, len(r.keys))
	for i, k := range r.keys {
		parts[i] = r.parts[k]
	}
	sig, err := CombinePartials(r.keys, nonces, parts, r.msg)
	if err != nil {
		return r.fail("combining the partial signatures: " + err.Error())
	}
	r.tx.Sig = sig
	if err := r.tx.VerifySig(r.net); err != nil {
		return r.fail("the aggregate signature does not verify: " + err.Error())
	}
	r.txid = r.tx.ID()
	r.phase = Broadcast
	return nil
}

// Nonces are all public nonces in batch input order, once every input
// gave one.
func (r *Round) Nonces() ([][NonceSize]byte, bool) {
	if r.batch == nil || len(r.nonces) < len(r.keys) {
		return nil, false
	}
	out := make([][NonceSize]byte, len(r.keys))
	for i, k := range r.keys {
		copy(out[i][:], r.nonces[k].Data)
	}
	return out, true
}

// Tx is the signed transaction (from Broadcast on).
func (r *Round) Tx() *wire.Tx {
	if r.phase != Broadcast && r.phase != Done {
		return nil
	}
	return r.tx
}

// TxID is the signed transaction's ID.
func (r *Round) TxID() wire.Hash { return r.txid }

// Broadcasted records that the chain took the transaction.
func (r *Round) Broadcasted() {
	if r.phase == Broadcast {
		r.phase = Done
	}
}

// FailBroadcast records that the transaction could not be submitted.
func (r *Round) FailBroadcast(why string) { r.fail("broadcast: " + why) }

// Proof is what shows an input signed a failed round: its signed nonce
// and, once every nonce was in, its partial signature. A participant
// checks every proof before it joins the blame round.
type Proof struct {
	Key      wire.PubKey        `json:"key"`
	Nonce    [NonceSize]byte    `json:"nonce"`
	NonceSig wire.Signature     `json:"nonce_sig"`
	Partial  *[PartialSize]byte `json:"partial,omitempty"`
}

// Tick moves the round on at a new root height: phases end at their
// deadline. A signing timeout fails the round and returns the proofs of
// the inputs that did sign (the blame round takes only those) and the
// inputs that did not (to ban).
func (r *Round) Tick(height uint64) (signed []Proof, silent []wire.PubKey) {
	if height < r.deadline {
		return nil, nil
	}
	switch r.phase {
	case Announced:
		r.phase, r.deadline = InputRegistration, height+r.Terms.InputBlocks
	case InputRegistration:
		if len(r.inputs) >= r.Terms.Min {
			r.closeInputs(height)
		} else {
			r.deadline = height + r.Terms.InputBlocks // wait for more
		}
	case OutputRegistration:
		r.fail(fmt.Sprintf("only %d of %d outputs were registered in time", len(r.outputs), len(r.inputs)))
	case Signing:
		return r.blame()
	}
	return nil, nil
}

// blame fails a signing round: the inputs with a signed nonce (and, once
// every nonce was in, a valid partial) signed; the others are silent.
func (r *Round) blame() (signed []Proof, silent []wire.PubKey) {
	_, all := r.Nonces()
	for _, k := range r.keys {
		n, ok := r.nonces[k]
		if ok && all {
			p, ok2 := r.parts[k]
			if ok2 {
				var nn [NonceSize]byte
				copy(nn[:], n.Data)
				signed = append(signed, Proof{Key: k, Nonce: nn, NonceSig: n.NonceSig, Partial: &p})
				continue
			}
		} else if ok {
			var nn [NonceSize]byte
			copy(nn[:], n.Data)
			signed = append(signed, Proof{Key: k, Nonce: nn, NonceSig: n.NonceSig})
			continue
		}
		silent = append(silent, k)
	}
	r.fail(fmt.Sprintf("%d of %d inputs did not sign in time", len(silent), len(r.keys)))
	r.proofs = signed
	return signed, silent
}

// BlameTerms are the terms of the round that re-runs a failed one with
// the inputs that signed it.
func BlameTerms(failed Terms, failedID wire.Hash, signed []Proof, height uint64) Terms {
	t := failed
	t.Height = height
	t.BlameOf = failedID
	t.Allowed = nil
	for _, p := range signed {
		t.Allowed = append(t.Allowed, p.Key)
	}
	slices.SortFunc(t.Allowed, compareKeys)
	t.Min = 2
	t.Max = len(t.Allowed)
	t.InputBlocks = t.SigningBlocks // the remaining signers re-register at once
	t.TokenKey = nil
	return t
}

func compareKeys(a, b wire.PubKey) int {
	switch {
	case keyLess(a, b):
		return -1
	case a == b:
		return 0
	}
	return 1
}
