package tumbler

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/bitverse/bitverse/node/wire"
	"github.com/libp2p/go-libp2p/core/peer"
	ma "github.com/multiformats/go-multiaddr"
)

// reg is one of this node's registrations: the participant and what the
// user sees of it. Its goroutine runs the rounds (a blame round after a
// failed one) until the tumble is done or failed.
type reg struct {
	info     Registration
	p        *Participant
	coord    peer.ID
	batch    *Batch
	problem  string
	signed   bool
	cosign   chan struct{} // closed by CoSign
	finished time.Time
	handed   bool // To's owner registers the output with the handed token
}

// Join implements API.
func (s *Service) Join(ctx context.Context, j JoinRequest) (Registration, error) {
	priv, err := wire.PrivKeyFromBytes(j.Secret)
	if err != nil {
		return Registration{}, fmt.Errorf("tumbler: the paying account's key: %v", err)
	}
	if j.To == (wire.PubKey{}) {
		return Registration{}, errors.New("tumbler: no fresh address for the output")
	}
	s.mu.Lock()
	busy := len(s.regs) >= maxRegs && !slices.ContainsFunc(s.regs, func(g *reg) bool { return g.info.Phase.Ended() })
	s.mu.Unlock()
	if busy {
		return Registration{}, fmt.Errorf("tumbler: this node already has %d registrations in flight; wait for some to finish", maxRegs)
	}
	terms, coord, err := s.pick(ctx, j)
	if err != nil {
		return Registration{}, err
	}
	spendable, next, err := s.deps.Chain.Account(ctx, priv.PubKey())
	if err != nil {
		return Registration{}, err
	}
	if spendable < j.Amount {
		return Registration{}, fmt.Errorf("tumbler: the account can spend %s, less than %s", wire.FormatAmount(spendable), wire.FormatAmount(j.Amount))
	}
	p, err := NewParticipant(s.deps.Net, terms, priv, j.Amount, next, j.To, j.Change)
	if err != nil {
		return Registration{}, fmt.Errorf("tumbler: %w", err)
	}
	g := &reg{p: p, coord: coord, cosign: make(chan struct{}), handed: j.Handed,
		info: Registration{Round: p.ID, Input: p.Key, Amount: j.Amount, To: j.To, Change: p.Change, Leftover: p.Left,
			Phase: InputRegistration, State: "registering", AutoSign: j.AutoSign}}
	if err := s.registerInput(ctx, g); err != nil {
		return Registration{}, err
	}
	s.mu.Lock()
	if len(s.regs) >= maxRegs {
		s.dropFinished()
	}
	if len(s.regs) >= maxRegs {
		s.mu.Unlock()
		return Registration{}, fmt.Errorf("tumbler: this node already has %d registrations in flight; wait for some to finish", maxRegs)
	}
	s.regs = append(s.regs, g)
	info := g.info
	s.mu.Unlock()
	s.wg.Add(1)
	go s.participate(g)
	return info, nil
}

// pick finds the round to join: the one named, or the newest open one
// whose denomination fits the amount (the largest fitting denomination
// when none is asked for).
func (s *Service) pick(ctx context.Context, j JoinRequest) (Terms, peer.ID, error) {
	s.discover(ctx)
	s.mu.Lock()
	defer s.mu.Unlock()
	type cand struct {
		t    Terms
		p    peer.ID
		at   uint64
		open bool
	}
	var cs []cand
	self := s.deps.Host.ID()
	for _, id := range s.order {
		r := s.rounds[id].r
		cs = append(cs, cand{r.Terms, self, r.Terms.Height, r.Phase() == InputRegistration && r.Terms.BlameOf.IsZero()})
	}
	for _, r := range s.seen {
		cs = append(cs, cand{r.terms, r.peer, r.terms.Height, r.info.Phase == InputRegistration && r.terms.BlameOf.IsZero()})
	}
	if !j.Round.IsZero() {
		for _, c := range cs {
			if c.t.ID() == j.Round {
				return c.t, c.p, nil
			}
		}
		return Terms{}, "", ErrNoRound
	}
	var best *cand
	for i := range cs {
		c := &cs[i]
		if !c.open || c.t.Denomination+c.t.Cost() > j.Amount || (j.Denomination != 0 && c.t.Denomination != j.Denomination) {
			continue
		}
		if best == nil || c.t.Denomination > best.t.Denomination || c.t.Denomination == best.t.Denomination && c.at > best.at {
			best = c
		}
	}
	if best == nil {
		return Terms{}, "", ErrNoOpenRound
	}
	return best.t, best.p, nil
}

func (s *Service) dropFinished() {
	s.regs = slices.DeleteFunc(s.regs, func(g *reg) bool { return g.info.Phase.Ended() && len(s.regs) > maxRegs/2 })
}

// ask sends a request to the coordinator, in process when it is this
// node.
func (s *Service) ask(ctx context.Context, coord peer.ID, name string, req []byte, maxResp int) ([]byte, error) {
	if coord == s.deps.Host.ID() {
		var h handler
		switch name {
		case "status":
			h = s.handleStatus
		case "input":
			h = s.handleInput
		case "output":
			h = s.handleOutput
		case "sign":
			h = s.handleSign
		}
		return h(coord, req)
	}
	return request(ctx, s.deps.Host, coord, proto(s.deps.Net, name), req, maxResp)
}

func (s *Service) registerInput(ctx context.Context, g *reg) error {
	sig, err := s.ask(ctx, g.coord, "input", g.p.InputReg().Encode(), TokenSize+1)
	if err != nil {
		return fmt.Errorf("tumbler: input registration: %w", err)
	}
	if err := g.p.Registered(sig); err != nil {
		return fmt.Errorf("tumbler: %w", err)
	}
	s.set(g, func() { g.info.State = "registered" })
	return nil
}

func (s *Service) status(ctx context.Context, coord peer.ID, id wire.Hash) (*Status, error) {
	for {
		now := s.deps.Now()
		s.mu.Lock()
		c, ok := s.statuses[id]
		if ok && c.st != nil && now.Sub(c.at) < s.cfg.Poll/2 {
			s.mu.Unlock()
			return c.st, nil
		}
		if ok && c.wait != nil {
			// Another registration is asking: share its answer.
			s.mu.Unlock()
			select {
			case <-c.wait:
				continue
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		wait := make(chan struct{})
		if len(s.statuses) >= maxRounds {
			clear(s.statuses)
		}
		s.statuses[id] = cachedStatus{st: c.st, at: c.at, wait: wait}
		s.mu.Unlock()

		st, err := s.fetchStatus(ctx, coord, id)
		s.mu.Lock()
		if err == nil {
			s.statuses[id] = cachedStatus{st: st, at: s.deps.Now()}
		} else {
			s.statuses[id] = cachedStatus{st: c.st, at: c.at}
		}
		close(wait)
		s.mu.Unlock()
		return st, err
	}
}

func (s *Service) fetchStatus(ctx context.Context, coord peer.ID, id wire.Hash) (*Status, error) {
	b, err := s.ask(ctx, coord, "status", id[:], MaxStatusSize)
	if err != nil {
		return nil, err
	}
	return DecodeStatus(b, id)
}

// set changes a registration under the lock and tells subscribers when
// its round, phase, state or error changed.
func (s *Service) set(g *reg, f func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	before := Event{Round: g.info.Round, Phase: g.info.Phase, State: g.info.State, Error: g.info.Error}
	f()
	if e := (Event{Round: g.info.Round, Phase: g.info.Phase, State: g.info.State, Error: g.info.Error}); e != before {
		s.emit(e)
	}
}

// participate runs a registration to its end.
func (s *Service) participate(g *reg) {
	defer s.wg.Done()
	err := s.runRound(g)
	for {
		var blame *blameErr
		if !errors.As(err, &blame) {
			break
		}
		err = s.runBlame(g, blame)
	}
	s.set(g, func() {
		g.finished = s.deps.Now()
		if err != nil {
			g.info.Phase, g.info.State, g.info.Error = Failed, "failed", err.Error()
		} else {
			g.info.Phase, g.info.State = Done, "done"
		}
	})
}

// blameErr says the round failed in signing and names the blame round.
type blameErr struct {
	next   wire.Hash
	proofs []Proof
}

func (e *blameErr) Error() string { return "the round failed in signing; a blame round re-runs it" }

// runRound takes a registered input through output registration, review,
// signing and broadcast.
func (s *Service) runRound(g *reg) error {
	ctx := s.ctx
	p := g.p
	outputSent, nonceSent, partialSent, waits := false, false, false, 0
	tk := time.NewTicker(s.cfg.Poll)
	defer tk.Stop()
	cosign := g.cosign
	for {
		select {
		case <-ctx.Done():
			return errors.New("the node stopped")
		case <-tk.C:
		case <-cosign:
			cosign = nil // closed: fires once
		}
		st, err := s.status(ctx, g.coord, p.ID)
		if err != nil {
			s.log.Debug("tumbler: status", "round", p.ID.Short(), "err", err)
			continue
		}
		s.set(g, func() {
			g.info.Phase = st.Phase
		})
		switch st.Phase {
		case OutputRegistration:
			if !outputSent && g.handed {
				outputSent = true // the payee redeems the token (private.go)
				s.set(g, func() { g.info.State = "handed" })
			}
			if !outputSent {
				if err := s.registerOutput(ctx, g); err != nil {
					// Again after another random delay, from another fresh
					// identity, until the phase ends.
					s.log.Debug("tumbler: output registration", "round", p.ID.Short(), "err", err)
					s.set(g, func() { g.info.Error = err.Error() })
					continue
				}
				outputSent = true
				s.set(g, func() { g.info.State, g.info.Error = "output-registered", "" })
			}
		case Signing:
			if st.Batch == nil {
				continue
			}
			if !nonceSent {
				s.mu.Lock()
				first := g.batch == nil
				if first {
					g.batch = st.Batch
					if err := p.Check(st.Batch); err != nil {
						g.problem = err.Error()
					}
				}
				problem, approved := g.problem, g.info.AutoSign || g.signed
				s.mu.Unlock()
				if problem != "" {
					return fmt.Errorf("the batch failed a check, not signed: %s", problem)
				}
				if first {
					s.set(g, func() { g.info.State = "review" })
				}
				if !approved {
					continue
				}
				m, err := p.NonceMsg(st.Batch)
				if err != nil {
					return err
				}
				if _, err := s.ask(ctx, g.coord, "sign", m.Encode(), maxReason+1); err != nil {
					return fmt.Errorf("giving the nonce: %w", err)
				}
				nonceSent = true
				s.set(g, func() { g.signed = true; g.info.State = "signing" })
			}
			if nonceSent && !partialSent && st.Nonces != nil {
				m, err := p.PartialMsg(st.Nonces)
				if err != nil {
					return err
				}
				if _, err := s.ask(ctx, g.coord, "sign", m.Encode(), maxReason+1); err != nil {
					return fmt.Errorf("giving the partial signature: %w", err)
				}
				partialSent = true
				s.set(g, func() { g.info.State = "signed" })
			}
		case Broadcast, Done:
			tx, err := wire.DecodeTx(st.Tx)
			if err != nil {
				return fmt.Errorf("the coordinator's transaction: %v", err)
			}
			// Check it is the batch this participant signed, then hand it
			// to this node too (the coordinator may not).
			if g.batch == nil || tx.Fee != g.batch.Fee || tx.VerifySig(s.deps.Net) != nil {
				return errors.New("the coordinator's transaction is not the batch this node checked")
			}
			if _, msg, err := g.batch.Tx(s.deps.Net); err != nil || msg != tx.SigHash(s.deps.Net) {
				return errors.New("the coordinator's transaction is not the batch this node checked")
			}
			if err := s.deps.Chain.Submit(ctx, tx); err != nil {
				s.log.Debug("tumbler: submit", "round", p.ID.Short(), "err", err)
			}
			s.set(g, func() { g.info.TxID = tx.ID() })
			return nil
		case Failed:
			signed := slices.ContainsFunc(st.Proofs, func(pr Proof) bool { return pr.Key == p.Key })
			if signed && !st.Next.IsZero() {
				return &blameErr{next: st.Next, proofs: st.Proofs}
			}
			if signed && len(st.Proofs) >= 2 && waits < 100 {
				waits++ // the coordinator is opening the blame round
				continue
			}
			if st.Error == "" {
				return errors.New("the round failed")
			}
			return errors.New(st.Error)
		}
	}
}

// registerOutput waits a random delay, then redeems the token from a
// fresh identity on a new connection, and drops the identity.
func (s *Service) registerOutput(ctx context.Context, g *reg) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(randomDelay(s.cfg.OutputDelay)):
	}
	o, err := g.p.OutputReg()
	if err != nil {
		return err
	}
	return s.sendOutput(ctx, g.coord, o)
}

// sendOutput redeems a token from a fresh identity on a new connection.
func (s *Service) sendOutput(ctx context.Context, coord peer.ID, o *OutputReg) error {
	if coord == s.deps.Host.ID() && s.deps.Host.Addrs() == nil {
		_, err := s.handleOutput(coord, o.Encode())
		return err
	}
	fh, err := s.cfg.FreshHost()
	if err != nil {
		return fmt.Errorf("a fresh network identity: %w", err)
	}
	defer fh.Close()
	addrs := s.deps.Host.Peerstore().Addrs(coord)
	if coord == s.deps.Host.ID() {
		addrs = s.deps.Host.Addrs()
	}
	// One address: a dial of several transports at once could open two
	// connections, and an observer counts them.
	addrs = oneAddr(addrs)
	cctx, cancel := context.WithTimeout(ctx, streamTimeout)
	defer cancel()
	if err := fh.Connect(cctx, peer.AddrInfo{ID: coord, Addrs: addrs}); err != nil {
		return fmt.Errorf("reaching the coordinator from a fresh identity: %w", err)
	}
	if _, err := request(cctx, fh, coord, proto(s.deps.Net, "output"), o.Encode(), maxReason+1); err != nil {
		return fmt.Errorf("output registration: %w", err)
	}
	return nil
}

// runBlame checks the blame round (only inputs that signed the failed
// round, proven), registers again with a fresh token and runs it.
func (s *Service) runBlame(g *reg, b *blameErr) error {
	st, err := s.status(s.ctx, g.coord, b.next)
	if err != nil {
		return fmt.Errorf("the blame round: %w", err)
	}
	if err := g.p.CheckBlame(&st.Terms, b.proofs); err != nil {
		return fmt.Errorf("abandoned the blame round: %w", err)
	}
	old := g.p
	np, err := NewParticipant(s.deps.Net, st.Terms, old.priv, old.Amount, old.Nonce, old.To, old.Change)
	if err != nil {
		return err
	}
	s.set(g, func() {
		g.p, g.batch, g.problem = np, nil, ""
		// It signed the failed round's batch; the blame round's is the
		// same less the silent inputs, checked again before signing.
		g.signed = true
		g.info.Round, g.info.Phase, g.info.State = np.ID, Blame, "registering"
	})
	if err := s.registerInput(s.ctx, g); err != nil {
		return err
	}
	return s.runRound(g)
}

// Registrations implements API.
func (s *Service) Registrations(ctx context.Context) ([]Registration, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Registration
	for _, g := range s.regs {
		if !g.info.Phase.Ended() {
			out = append(out, g.info)
		}
	}
	return out, nil
}

// History implements API.
func (s *Service) History(ctx context.Context) ([]Registration, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Registration
	for i := len(s.regs) - 1; i >= 0; i-- {
		if g := s.regs[i]; g.info.Phase.Ended() {
			out = append(out, g.info)
		}
	}
	return out, nil
}

// regsIn are this node's registrations in a round (a node may register
// several inputs in one round: they are reviewed and co-signed together).
func (s *Service) regsIn(round wire.Hash) []*reg {
	var out []*reg
	for _, g := range s.regs {
		if g.info.Round == round {
			out = append(out, g)
		}
	}
	return out
}

// Review implements API.
func (s *Service) Review(ctx context.Context, round wire.Hash) (*Review, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	gs := s.regsIn(round)
	if len(gs) == 0 {
		return nil, ErrNotIn
	}
	if gs[0].batch == nil {
		return nil, ErrNoBatch
	}
	g0 := gs[0]
	p, b := g0.p, g0.batch
	t := &p.Terms
	rv := &Review{Round: RoundInfo{ID: p.ID, Denomination: t.Denomination, CoordinatorFee: t.CoordinatorFee, TxFee: t.TxFee,
		Min: t.Min, Max: t.Max, Phase: g0.info.Phase, Inputs: len(b.Body.Inputs), Outputs: len(b.Body.Inputs), BlameOf: t.BlameOf,
		Coordinator: g0.coord.String()},
		TxFee: b.Fee, OK: true, Signed: true}
	mineIn := map[wire.PubKey]bool{}
	mineOut := map[wire.TumbleOutput]bool{}
	for _, g := range gs {
		if g.batch == nil {
			return nil, ErrNoBatch
		}
		rv.Fee += g.p.Fee()
		if g.problem != "" {
			rv.OK, rv.Problem = false, g.problem
		}
		rv.Signed = rv.Signed && g.signed
		mineIn[g.p.Key] = true
		mineOut[wire.TumbleOutput{To: g.p.To, Amount: t.Denomination}] = true
		if g.p.Left > 0 {
			mineOut[wire.TumbleOutput{To: g.p.Change, Amount: g.p.Left}] = true
		}
	}
	for _, in := range b.Body.Inputs {
		rv.Inputs = append(rv.Inputs, ReviewInput{Key: in.Key, Amount: in.Amount, Mine: mineIn[in.Key]})
	}
	for _, o := range b.Body.Outputs {
		kind := "denomination"
		switch {
		case t.CoordinatorFee > 0 && o.To == t.FeeTo && o.Amount == uint64(len(b.Body.Inputs))*t.CoordinatorFee:
			kind = "fee"
		case o.Amount != t.Denomination:
			kind = "change"
		}
		rv.Outputs = append(rv.Outputs, ReviewOutput{To: o.To, Amount: o.Amount, Mine: mineOut[o], Kind: kind})
	}
	return rv, nil
}

// CoSign implements API: it signs every registration of this node in the
// round that is not signed yet.
func (s *Service) CoSign(ctx context.Context, round wire.Hash) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	gs := s.regsIn(round)
	if len(gs) == 0 {
		return ErrNotIn
	}
	todo := 0
	for _, g := range gs {
		switch {
		case g.batch == nil:
			return ErrNoBatch
		case g.problem != "":
			return fmt.Errorf("%w: %s", ErrCheckFailed, g.problem)
		case !g.signed:
			todo++
		}
	}
	if todo == 0 {
		return ErrAlreadySigned
	}
	for _, g := range gs {
		if !g.signed {
			g.signed = true
			close(g.cosign)
		}
	}
	return nil
}

// oneAddr keeps one address to dial, TCP first.
func oneAddr(addrs []ma.Multiaddr) []ma.Multiaddr {
	for _, a := range addrs {
		if _, err := a.ValueForProtocol(ma.P_TCP); err == nil {
			if _, err := a.ValueForProtocol(ma.P_WS); err != nil {
				return []ma.Multiaddr{a}
			}
		}
	}
	if len(addrs) > 0 {
		return addrs[:1]
	}
	return nil
}
