package tumbler

import (
	"crypto/rsa"
	"errors"
	"fmt"
	"slices"

	"github.com/bitverse/bitverse/node/wire"
)

// Participant is one input's side of a round: pure, like Round. It never
// trusts the coordinator: it checks the terms, the token the coordinator
// signs, the batch (its own input and outputs in, every owner's leftover
// to that owner's change, no more fee than announced), a blame round's
// inputs against the failed round's proofs, and it computes the message
// it signs itself.
type Participant struct {
	Terms  Terms
	ID     wire.Hash
	net    wire.Network
	pub    *rsa.PublicKey
	priv   wire.PrivKey
	Key    wire.PubKey
	Amount uint64
	Nonce  uint64
	To     wire.PubKey
	Change wire.PubKey
	Left   uint64

	blinding *Blinding
	reg      InputReg
	token    []byte
	signer   *Signer
	msg      wire.Hash
	keys     []wire.PubKey
	nonces   [][NonceSize]byte
}

// NewParticipant prepares an input registration in a round: amount taken
// from priv's account at its next nonce, the denomination to the fresh
// address to, the leftover to change.
func NewParticipant(net wire.Network, t Terms, priv wire.PrivKey, amount, nonce uint64, to, change wire.PubKey) (*Participant, error) {
	pub, err := t.Check()
	if err != nil {
		return nil, fmt.Errorf("the round's terms are malformed: %w", err)
	}
	left, err := t.Leftover(amount)
	if err != nil {
		return nil, err
	}
	key := priv.PubKey()
	switch {
	case to == (wire.PubKey{}):
		return nil, errors.New("no fresh output address")
	case to == key || to == change:
		return nil, errors.New("the output address must be fresh: not the paying account and not the change address")
	case !t.BlameOf.IsZero() && !slices.Contains(t.Allowed, key):
		return nil, errors.New("this input did not sign the failed round, so the blame round does not take it")
	}
	if change == (wire.PubKey{}) {
		change = key
	}
	id := t.ID()
	b, err := BlindToken(pub, id, to)
	if err != nil {
		return nil, err
	}
	p := &Participant{Terms: t, ID: id, net: net, pub: pub, priv: priv, Key: key, Amount: amount, Nonce: nonce,
		To: to, Change: change, Left: left, blinding: b}
	p.reg = InputReg{Round: id, Key: key, Amount: amount, Nonce: nonce, Change: change, Blinded: b.Blinded}
	p.reg.Sig = priv.Sign(p.reg.SigHash())
	return p, nil
}

// InputReg is the signed input registration to send.
func (p *Participant) InputReg() *InputReg { r := p.reg; return &r }

// Registered takes the coordinator's blind signature and unblinds the
// token.
func (p *Participant) Registered(blindSig []byte) error {
	tok, err := p.blinding.Unblind(blindSig)
	if err != nil {
		return err
	}
	p.token = tok
	return nil
}

// OutputReg is the output registration to send from a fresh identity.
func (p *Participant) OutputReg() (*OutputReg, error) {
	if p.token == nil {
		return nil, errors.New("no token yet")
	}
	return &OutputReg{Round: p.ID, To: p.To, Token: p.token}, nil
}

// Check checks a batch; nil means this participant may sign it. The error
// is the sentence a user reads.
func (p *Participant) Check(b *Batch) error {
	t := &p.Terms
	body := &b.Body
	n := uint64(len(body.Inputs))
	switch {
	case body.Round != p.ID:
		return errors.New("the batch names another round")
	case len(b.Regs) != len(body.Inputs):
		return errors.New("the batch does not carry every input's registration")
	case n < uint64(t.Min) || n > uint64(t.Max):
		return fmt.Errorf("the batch has %d inputs, outside the announced %d..%d", n, t.Min, t.Max)
	case b.Fee != n*t.TxFee:
		return fmt.Errorf("the transaction fee is %s, not the announced %s per input", wire.FormatAmount(b.Fee), wire.FormatAmount(t.TxFee))
	}
	if err := body.CheckShape(); err != nil {
		return fmt.Errorf("the batch is malformed: %v", err)
	}
	// Every output must be accounted for: n denominations, each input's
	// leftover to its own signed change address, the coordinator's fee.
	want := map[wire.TumbleOutput]int{}
	mine := false
	for i, in := range body.Inputs {
		g := &b.Regs[i]
		if g.Key != in.Key || g.Amount != in.Amount || g.Nonce != in.Nonce {
			return fmt.Errorf("input %d does not match its registration", i)
		}
		if !t.BlameOf.IsZero() && !slices.Contains(t.Allowed, in.Key) {
			return fmt.Errorf("input %s did not sign the failed round: a blame round may not take it (the coordinator may be isolating a participant)", short(in.Key))
		}
		if err := g.verify(p.ID); err != nil {
			return fmt.Errorf("input %s's registration is not signed by its key", short(in.Key))
		}
		left, err := t.Leftover(in.Amount)
		if err != nil {
			return fmt.Errorf("input %s: %v", short(in.Key), err)
		}
		if left > 0 {
			want[wire.TumbleOutput{To: g.Change, Amount: left}]++
		}
		if in.Key == p.Key {
			if in.Amount != p.Amount || in.Nonce != p.Nonce || g.Change != p.Change {
				return errors.New("my input is in the batch with another amount, nonce or change address than I registered")
			}
			mine = true
		}
	}
	if !mine {
		return errors.New("my input is not in the batch")
	}
	if t.CoordinatorFee > 0 {
		want[wire.TumbleOutput{To: t.FeeTo, Amount: n * t.CoordinatorFee}]++
	}
	denoms, myOut := uint64(0), false
	for _, o := range body.Outputs {
		if want[o] > 0 {
			want[o]--
			continue
		}
		if o.Amount != t.Denomination {
			return fmt.Errorf("output %s of %s is neither a denomination, a leftover to its owner nor the announced fee", short(o.To), wire.FormatAmount(o.Amount))
		}
		denoms++
		if o.To == p.To {
			myOut = true
		}
	}
	for o, c := range want {
		if c > 0 {
			return fmt.Errorf("the leftover %s to %s is missing", wire.FormatAmount(o.Amount), short(o.To))
		}
	}
	switch {
	case !myOut:
		return errors.New("my output is not in the batch")
	case denoms != n:
		return fmt.Errorf("the batch has %d denomination outputs for %d inputs", denoms, n)
	}
	in, err := body.InputSum()
	if err != nil {
		return err
	}
	out, err := body.OutputSum()
	if err != nil {
		return err
	}
	if in != out+b.Fee {
		return errors.New("inputs do not equal outputs plus the fee")
	}
	return nil
}

// Fee is what this participant pays beyond its denomination and leftover.
func (p *Participant) Fee() uint64 { return p.Terms.Cost() }

// Nonce checks the batch, then makes this input's signer and its signed
// public nonce. The message is computed here, from the batch.
func (p *Participant) NonceMsg(b *Batch) (*SignMsg, error) {
	if err := p.Check(b); err != nil {
		return nil, err
	}
	_, msg, err := b.Tx(p.net)
	if err != nil {
		return nil, err
	}
	keys := b.Body.Keys()
	s, err := NewSigner(p.priv, keys, msg)
	if err != nil {
		return nil, err
	}
	p.signer, p.msg, p.keys = s, msg, keys
	n := s.Nonce()
	return &SignMsg{Round: p.ID, Key: p.Key, Kind: KindNonce, Data: n[:], NonceSig: p.priv.Sign(nonceSigHash(p.ID, n[:]))}, nil
}

// PartialMsg signs with every input's nonce (in batch input order); my
// own nonce must be among them unchanged.
func (p *Participant) PartialMsg(nonces [][NonceSize]byte) (*SignMsg, error) {
	if p.signer == nil {
		return nil, errors.New("no nonce given yet")
	}
	if len(nonces) != len(p.keys) {
		return nil, fmt.Errorf("%d nonces for %d inputs", len(nonces), len(p.keys))
	}
	if nonces[p.signer.Index()] != p.signer.Nonce() {
		return nil, errors.New("the coordinator changed my nonce")
	}
	part, err := p.signer.Sign(nonces)
	if err != nil {
		return nil, err
	}
	p.nonces = slices.Clone(nonces)
	return &SignMsg{Round: p.ID, Key: p.Key, Kind: KindPartial, Data: part[:]}, nil
}

// CheckBlame checks the terms of a blame round of this participant's
// failed round: exactly the inputs whose proofs show they signed, this one
// among them. A coordinator that slips in another input, or drops a
// signer, is caught here and the participant abandons it.
func (p *Participant) CheckBlame(t *Terms, proofs []Proof) error {
	if t.BlameOf != p.ID {
		return errors.New("the blame round names another failed round")
	}
	if _, err := t.Check(); err != nil {
		return fmt.Errorf("the blame round's terms are malformed: %v", err)
	}
	if t.Denomination != p.Terms.Denomination || t.CoordinatorFee != p.Terms.CoordinatorFee || t.TxFee != p.Terms.TxFee || t.FeeTo != p.Terms.FeeTo {
		return errors.New("the blame round changed the denomination or fees")
	}
	var signed []wire.PubKey
	for _, pr := range proofs {
		i := slices.Index(p.keys, pr.Key)
		if i < 0 {
			return fmt.Errorf("a proof names %s, not an input of the failed round", short(pr.Key))
		}
		if err := wire.Verify(pr.Key, nonceSigHash(p.ID, pr.Nonce[:]), pr.NonceSig); err != nil {
			return fmt.Errorf("the proof that %s signed does not verify", short(pr.Key))
		}
		if p.nonces != nil {
			// Every nonce was in: only a valid partial proves signing.
			if pr.Partial == nil || pr.Nonce != p.nonces[i] || VerifyPartial(p.keys, p.nonces, i, *pr.Partial, p.msg) != nil {
				return fmt.Errorf("the proof that %s signed does not verify", short(pr.Key))
			}
		}
		signed = append(signed, pr.Key)
	}
	slices.SortFunc(signed, compareKeys)
	if !slices.Equal(signed, t.Allowed) {
		return errors.New("the blame round's inputs are not exactly those that signed the failed round")
	}
	if !slices.Contains(t.Allowed, p.Key) {
		return errors.New("the blame round leaves out this input although it signed")
	}
	return nil
}

func short(k wire.PubKey) string { return fmt.Sprintf("%x", k[:6]) }

// resumeToken takes back the token unblinded before a restart, checked
// against the round's key and this output.
func (p *Participant) resumeToken(tok []byte) error {
	if err := verifyToken(p.pub, p.ID, p.To, tok); err != nil {
		return fmt.Errorf("the saved token: %w", err)
	}
	p.token = tok
	return nil
}

// NonceLost marks a participant restored after it gave its nonce for
// batch b: its secret nonce is gone, so it never signs that round (a new
// nonce for the same round would be refused, and one is never reused);
// it only keeps what checking a blame round needs.
func (p *Participant) NonceLost(b *Batch) error {
	if err := p.Check(b); err != nil {
		return fmt.Errorf("the coordinator's batch: %w", err)
	}
	_, msg, err := b.Tx(p.net)
	if err != nil {
		return err
	}
	p.signer, p.msg, p.keys = nil, msg, b.Body.Keys()
	return nil
}
