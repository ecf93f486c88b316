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
	// blameTo are the fresh output addresses left for blame rounds.
	blameTo []wire.PubKey
	// The participant's steps in the current round, written by its own
	// goroutine under s.mu (through set) and kept in the store.
	outputSent, nonceSent, partialSent bool
	// seq is the registration's key in the store (0: not stored yet);
	// stored says it is kept (from the moment Join accepted it).
	seq    uint64
	stored bool
}

// maxBlameTo bounds a join's spare addresses (each blame round drops at
// least one input, so a few cover any run).
const maxBlameTo = 8

// checkBlameTo checks a join's blame-round addresses: fresh, each once,
// none the output, change or paying address.
func checkBlameTo(j JoinRequest, key wire.PubKey) error {
	if len(j.BlameTo) > maxBlameTo {
		return fmt.Errorf("tumbler: %d blame-round addresses, at most %d", len(j.BlameTo), maxBlameTo)
	}
	seen := map[wire.PubKey]bool{j.To: true, key: true}
	if j.Change != (wire.PubKey{}) {
		seen[j.Change] = true
	}
	for _, k := range j.BlameTo {
		if k == (wire.PubKey{}) || seen[k] {
			return errors.New("tumbler: every blame-round address must be fresh: not the output, change or paying address, and each given once")
		}
		seen[k] = true
	}
	return nil
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
	if err := checkBlameTo(j, priv.PubKey()); err != nil {
		return Registration{}, err
	}
	busy := true
	s.do(func() {
		busy = len(s.regs) >= maxRegs && !slices.ContainsFunc(s.regs, func(g *reg) bool { return g.info.Phase.Ended() })
	})
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
	if _, err := s.waitOpen(ctx, coord, p.ID); err != nil {
		return Registration{}, fmt.Errorf("tumbler: waiting for round %s to open: %w", p.ID.Short(), err)
	}
	g := &reg{p: p, coord: coord, cosign: make(chan struct{}), blameTo: slices.Clone(j.BlameTo), handed: j.Handed,
		info: Registration{Round: p.ID, Input: p.Key, Amount: j.Amount, To: j.To, Change: p.Change, Leftover: p.Left,
			Phase: InputRegistration, State: "registering", AutoSign: j.AutoSign}}
	if err := s.registerInput(ctx, g); err != nil {
		return Registration{}, err
	}
	var info Registration
	full := true
	s.do(func() {
		if len(s.regs) >= maxRegs {
			s.dropFinished()
		}
		if full = len(s.regs) >= maxRegs; full {
			return
		}
		s.regs = append(s.regs, g)
		info = g.info
		g.stored = true
	})
	if full {
		return Registration{}, fmt.Errorf("tumbler: this node already has %d registrations in flight; wait for some to finish", maxRegs)
	}
	s.set(g, func() {}) // store it before anything else happens
	s.wg.Add(1)
	go s.participate(g)
	return info, nil
}

// pick finds the round to join: the one named, or the newest open one
// whose denomination fits the amount (the largest fitting denomination
// when none is asked for).
func (s *Service) pick(ctx context.Context, j JoinRequest) (Terms, peer.ID, error) {
	s.discover(ctx)
	type cand struct {
		t    Terms
		p    peer.ID
		at   uint64
		open bool
	}
	var cs []cand
	self := s.deps.Host.ID()
	s.do(func() {
		for _, id := range s.order {
			r := s.rounds[id].r
			cs = append(cs, cand{r.Terms, self, r.Terms.Height, joinable(r.Phase(), r.Terms)})
		}
		for _, r := range s.seen {
			cs = append(cs, cand{r.terms, r.peer, r.terms.Height, joinable(r.info.Phase, r.terms)})
		}
	})
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

func joinable(ph Phase, t Terms) bool {
	return RoundInfo{Phase: ph, BlameOf: t.BlameOf}.Joinable()
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
		var c cachedStatus
		var hit *Status
		var wait chan struct{}
		if !s.do(func() {
			var ok bool
			c, ok = s.statuses[id]
			switch {
			case ok && c.st != nil && now.Sub(c.at) < s.cfg.Poll/2:
				hit = c.st
			case ok && c.wait != nil:
				// Another registration is asking: share its answer.
			default:
				wait = make(chan struct{})
				if len(s.statuses) >= maxRounds {
					clear(s.statuses)
				}
				s.statuses[id] = cachedStatus{st: c.st, at: c.at, wait: wait}
			}
		}) {
			return nil, errStopped
		}
		if hit != nil {
			return hit, nil
		}
		if wait == nil {
			select {
			case <-c.wait:
				continue
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		st, err := s.fetchStatus(ctx, coord, id)
		s.do(func() {
			if err == nil {
				s.statuses[id] = cachedStatus{st: st, at: s.deps.Now()}
			} else {
				s.statuses[id] = cachedStatus{st: c.st, at: c.at}
			}
			close(wait)
		})
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

// set changes a registration on the owner goroutine, tells subscribers
// when its round, phase, state or error changed, and stores it when
// anything kept changed (back on the calling goroutine: no I/O on the
// owner).
func (s *Service) set(g *reg, f func()) {
	save := false
	var rec savedReg
	var seq uint64
	s.do(func() {
		before := Event{Round: g.info.Round, Phase: g.info.Phase, State: g.info.State, Error: g.info.Error}
		kept := g.kept()
		f()
		if e := (Event{Round: g.info.Round, Phase: g.info.Phase, State: g.info.State, Error: g.info.Error}); e != before {
			s.emit(e)
		}
		save = s.db != nil && g.stored && (g.seq == 0 || g.kept() != kept)
		seq = g.seq
		if save {
			rec = g.record()
		}
	})
	if save {
		s.persist(g, seq, rec)
	}
}

// keptState is what of a registration the store keeps, to compare.
type keptState struct {
	info                                     Registration
	output, nonce, partial, signed, hasToken bool
	problem                                  string
	blameTo                                  int
}

func (g *reg) kept() keptState {
	return keptState{g.info, g.outputSent, g.nonceSent, g.partialSent, g.signed, g.p != nil && g.p.token != nil, g.problem, len(g.blameTo)}
}

// persist writes a registration's record; a registration that cannot be
// stored still runs (it is only lost on a restart), so a failure is
// logged.
func (s *Service) persist(g *reg, seq uint64, rec savedReg) {
	seq, err := saveRecord(s.db, seq, rec)
	if err != nil {
		s.log.Warn("tumbler: cannot store a registration", "round", rec.Info.Round.Short(), "err", err)
		return
	}
	s.do(func() { g.seq = seq })
}

// participate runs a registration to its end (a restored one from where
// the restart left it).
func (s *Service) participate(g *reg) {
	defer s.wg.Done()
	var err error
	if g.p.token == nil {
		// Restored between a blame round's start and its input
		// registration: register now.
		err = s.registerInput(s.ctx, g)
	}
	if err == nil {
		err = s.runRound(g)
	}
	for {
		var blame *blameErr
		if !errors.As(err, &blame) {
			break
		}
		err = s.runBlame(g, blame)
	}
	if s.ctx.Err() != nil {
		// The node stops: the registration is not over, it resumes from
		// the store on the next start.
		return
	}
	s.set(g, func() {
		g.finished = s.deps.Now()
		if err != nil {
			g.info.Phase, g.info.State, g.info.Error = Failed, "failed", err.Error()
		} else {
			g.info.Phase, g.info.State = Done, "done"
		}
	})
	if s.db != nil {
		// The store keeps the newest finished ones only.
		if _, _, err := loadRecords(s.db); err != nil {
			s.log.Warn("tumbler: trimming the store", "err", err)
		}
	}
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
	waits := 0
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
		if st.Phase != Broadcast && st.Phase != Done {
			// Broadcast and Done are set with the transaction's ID below:
			// a waiter that sees Done reads the ID with it.
			s.set(g, func() {
				g.info.Phase = st.Phase
			})
		}
		switch st.Phase {
		case OutputRegistration:
			if !g.outputSent && g.handed {
				// The payee redeems the token (private.go).
				s.set(g, func() { g.outputSent, g.info.State = true, "handed" })
			}
			if !g.outputSent {
				if err := s.registerOutput(ctx, g); err != nil {
					// Again after another random delay, from another fresh
					// identity, until the phase ends.
					s.log.Debug("tumbler: output registration", "round", p.ID.Short(), "err", err)
					s.set(g, func() { g.info.Error = err.Error() })
					continue
				}
				s.set(g, func() { g.outputSent, g.info.State, g.info.Error = true, "output-registered", "" })
			}
		case Signing:
			if st.Batch == nil {
				continue
			}
			if g.nonceSent && p.signer == nil && p.keys == nil {
				// Restored after giving the nonce: the secret nonce died
				// with the process, so this round is never signed; a blame
				// round takes the input again if the proofs show it.
				if err := p.NonceLost(st.Batch); err != nil {
					return err
				}
				s.set(g, func() {
					if g.batch == nil {
						g.batch = st.Batch
					}
					if !g.partialSent {
						g.info.State = "interrupted"
					}
				})
			}
			if !g.nonceSent {
				var first, approved bool
				var problem string
				s.do(func() {
					if first = g.batch == nil; first {
						g.batch = st.Batch
						if err := p.Check(st.Batch); err != nil {
							g.problem = err.Error()
						}
					}
					problem, approved = g.problem, g.info.AutoSign || g.signed
				})
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
				// Stored before it leaves: a restart after this never gives
				// another nonce for the round.
				s.set(g, func() { g.nonceSent, g.signed, g.info.State = true, true, "signing" })
				if _, err := s.ask(ctx, g.coord, "sign", m.Encode(), maxReason+1); err != nil {
					return fmt.Errorf("giving the nonce: %w", err)
				}
			}
			if g.nonceSent && !g.partialSent && st.Nonces != nil && p.signer != nil {
				m, err := p.PartialMsg(st.Nonces)
				if err != nil {
					return err
				}
				if _, err := s.ask(ctx, g.coord, "sign", m.Encode(), maxReason+1); err != nil {
					return fmt.Errorf("giving the partial signature: %w", err)
				}
				s.set(g, func() { g.partialSent, g.info.State = true, "signed" })
			}
		case Broadcast, Done:
			if g.batch == nil && g.partialSent && st.Batch != nil {
				// Restored after signing: the batch is checked again.
				if err := p.Check(st.Batch); err != nil {
					return fmt.Errorf("the coordinator's batch: %v", err)
				}
				s.set(g, func() { g.batch = st.Batch })
			}
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
			s.set(g, func() { g.info.Phase, g.info.TxID = st.Phase, tx.ID() })
			return nil
		case Failed:
			if g.nonceSent && p.signer == nil && p.keys == nil && st.Batch != nil {
				// Restored after giving the nonce: what checking the blame
				// round needs.
				if err := p.NonceLost(st.Batch); err != nil {
					return err
				}
			}
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

// waitOpen returns round's status once it is past Announced: its input
// registration opens at the coordinator's next tick.
func (s *Service) waitOpen(ctx context.Context, coord peer.ID, round wire.Hash) (*Status, error) {
	st, err := s.status(ctx, coord, round)
	for err == nil && st.Phase == Announced {
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(s.cfg.Poll):
		}
		st, err = s.status(ctx, coord, round)
	}
	return st, err
}

// runBlame checks the blame round (only inputs that signed the failed
// round, proven), registers again with a fresh token and runs it.
func (s *Service) runBlame(g *reg, b *blameErr) error {
	st, err := s.waitOpen(s.ctx, g.coord, b.next)
	if err != nil {
		return fmt.Errorf("the blame round: %w", err)
	}
	if err := g.p.CheckBlame(&st.Terms, b.proofs); err != nil {
		return fmt.Errorf("abandoned the blame round: %w", err)
	}
	// A fresh output address: the failed round's would show the
	// coordinator which of that round's outputs is missing here, the
	// blamed participant's. A fresh token and a fresh identity follow
	// (NewParticipant blinds a new token; runRound registers the output
	// after a random delay from a new identity).
	var to wire.PubKey
	s.do(func() {
		if len(g.blameTo) > 0 {
			to = g.blameTo[0]
		}
	})
	if to == (wire.PubKey{}) {
		return errors.New("left the blame round: no fresh output address was given for it (reusing the first would show the coordinator which output was the blamed participant's); nothing moved")
	}
	old := g.p
	np, err := NewParticipant(s.deps.Net, st.Terms, old.priv, old.Amount, old.Nonce, to, old.Change)
	if err != nil {
		return err
	}
	s.set(g, func() {
		g.p, g.batch, g.problem = np, nil, ""
		g.outputSent, g.nonceSent, g.partialSent = false, false, false
		g.blameTo = g.blameTo[1:]
		// It signed the failed round's batch; the blame round's is the
		// same less the silent inputs, checked again before signing.
		g.signed = true
		g.info.Round, g.info.Phase, g.info.State, g.info.To = np.ID, Blame, "registering", to
	})
	if err := s.registerInput(s.ctx, g); err != nil {
		return err
	}
	return s.runRound(g)
}

// Registrations implements API.
func (s *Service) Registrations(ctx context.Context) ([]Registration, error) {
	var out []Registration
	if !s.do(func() {
		for _, g := range s.regs {
			if !g.info.Phase.Ended() {
				out = append(out, g.info)
			}
		}
	}) {
		return nil, ErrNoTumbler
	}
	return out, nil
}

// History implements API.
func (s *Service) History(ctx context.Context) ([]Registration, error) {
	var out []Registration
	if !s.do(func() {
		for i := len(s.regs) - 1; i >= 0; i-- {
			if g := s.regs[i]; g.info.Phase.Ended() {
				out = append(out, g.info)
			}
		}
	}) {
		return nil, ErrNoTumbler
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
	var rv *Review
	err := ErrNoTumbler
	s.do(func() { rv, err = s.review(round) })
	return rv, err
}

func (s *Service) review(round wire.Hash) (*Review, error) {
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
	err := ErrNoTumbler
	s.do(func() { err = s.cosign(round) })
	return err
}

func (s *Service) cosign(round wire.Hash) error {
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
