package market

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/bitverse/bitverse/node/market/expr"
	"github.com/bitverse/bitverse/node/wire"
)

// job is one bounty this node's worker takes part in. Owned by run; the
// scan goroutine reads and writes it through call.
type job struct {
	id       wire.Hash
	state    string // last on-chain state seen
	acceptAt uint64 // heights at which the worker's transactions were sent
	commitAt uint64
	settleAt uint64
	env      *Envelope
	value    []byte
	done     bool
	delivers int
}

// resend is how many blocks a worker waits for its transaction to be
// mined before it sends it again (it may have been dropped).
const resend = 3

func due(at, h uint64) bool { return at == 0 || h >= at+resend }

// compute starts (or finds) the evaluation of a request; on the owner
// goroutine. ok is false when too many evaluations wait.
func (s *Service) compute(id wire.Hash, e *expr.Expr) (*computed, bool) {
	if c := s.st.cache[id]; c != nil {
		return c, true
	}
	if s.st.pending >= maxPending {
		return nil, false
	}
	c := &computed{ready: make(chan struct{})}
	s.st.cache[id] = c
	s.st.cacheQ = append(s.st.cacheQ, id)
	s.st.pending++
	s.spawn(func() {
		select {
		case s.evals <- struct{}{}:
		case <-s.ctx.Done():
			c.err = errors.New("market: service stopped")
			close(c.ready)
			return
		}
		start := time.Now()
		c.value, c.kind, c.fuel, c.err = s.evaluate(s.ctx, e, id, s.cfg.FuelCap, nil)
		c.took = time.Since(start)
		<-s.evals
		close(c.ready)
		s.post(func() {
			s.st.pending--
			s.st.cacheSz += len(c.value)
			for s.st.cacheSz > cacheBytes && len(s.st.cacheQ) > 1 {
				old := s.st.cacheQ[0]
				s.st.cacheQ = s.st.cacheQ[1:]
				if o := s.st.cache[old]; o != nil {
					s.st.cacheSz -= len(o.value)
					delete(s.st.cache, old)
				}
			}
			if c.err != nil { // a failure is not kept: the inputs may change
				delete(s.st.cache, id)
			}
		})
	})
	return c, true
}

// evaluate computes an expression: a fetch reads the key (a blob manifest
// resolves to the blob's bytes); a transform reads its source and runs it
// on its argument's value with the fuel left.
// When rec is not nil, each value read is appended to it.
func (s *Service) evaluate(ctx context.Context, e *expr.Expr, request wire.Hash, fuel uint64, rec *[]Input) ([]byte, string, uint64, error) {
	if e.IsFetch() {
		v, err := s.read(ctx, e.Key, rec)
		return v, KindBytes, 0, err
	}
	in, _, used, err := s.evaluate(ctx, e.Arg, request, fuel, rec)
	if err != nil {
		return nil, "", used, err
	}
	src, err := s.read(ctx, e.Transform, rec)
	if err != nil {
		return nil, "", used, fmt.Errorf("transform %q: %w", e.Transform, err)
	}
	out, kind, u, err := s.deps.Transform(ctx, string(src), in, e.Transform, request, fuel-used)
	used += u
	if err != nil {
		return nil, "", used, fmt.Errorf("transform %q: %w", e.Transform, err)
	}
	if len(out) > MaxResultSize {
		return nil, "", used, fmt.Errorf("transform %q returned %d bytes (at most %d)", e.Transform, len(out), MaxResultSize)
	}
	if _, ok := kindCode(kind); !ok {
		kind = KindBytes
	}
	return out, kind, used, nil
}

// read returns the value at key; a blob manifest is read as its blob
// (and recorded in rec as the manifest, which commits to the blob).
func (s *Service) read(ctx context.Context, key string, rec *[]Input) ([]byte, error) {
	v, err := s.deps.Chain.Value(ctx, key)
	if err != nil {
		return nil, err
	}
	if rec != nil {
		*rec = append(*rec, Input{Key: key, Hash: wire.Sum(v)})
	}
	if !wire.IsBlobManifest(v) {
		return v, nil
	}
	if s.deps.Blobs == nil {
		return nil, fmt.Errorf("%s holds a blob and this node has no blob service", key)
	}
	return s.deps.Blobs(ctx, v, MaxInputSize)
}

// startScan looks at this worker's bounties once more (owner goroutine):
// one scan at a time, and one more after it if asked meanwhile.
func (s *Service) startScan() {
	if !s.st.serving || s.cfg.Key == nil {
		return
	}
	if s.st.scanning {
		s.st.rescan = true
		return
	}
	s.st.scanning = true
	taken := make([]wire.Hash, 0, len(s.st.taken))
	for id := range s.st.taken {
		taken = append(taken, id)
	}
	s.spawn(func() {
		s.scan(taken)
		s.post(func() {
			s.st.scanning = false
			if s.st.rescan {
				s.st.rescan = false
				s.startScan()
			}
		})
	})
}

// scan drives each bounty of this worker one step: accept what names it
// (or what it took), compute and commit what it accepted, deliver and,
// after the window, settle what it committed.
func (s *Service) scan(taken []wire.Hash) {
	ctx, cancel := context.WithTimeout(s.ctx, 10*time.Minute)
	defer cancel()
	me := s.cfg.Key.PubKey()
	h, err := s.deps.Chain.Height(ctx)
	if err != nil {
		return
	}
	bs, err := s.deps.Chain.Bounties(ctx, me)
	if err != nil {
		s.log.Warn("read this worker's bounties", "err", err)
		return
	}
	seen := map[wire.Hash]bool{}
	for _, b := range bs {
		seen[b.ID] = true
	}
	for _, id := range taken {
		if !seen[id] {
			if b, err := s.deps.Chain.Bounty(ctx, id); err == nil {
				bs = append(bs, *b)
			}
		}
	}
	for i := range bs {
		b := &bs[i]
		if b.Worker == me || (b.Worker.IsZero() && b.State == StateOpen) {
			s.step(ctx, b, h, me)
		}
	}
}

func (s *Service) step(ctx context.Context, b *Bounty, h uint64, me wire.PubKey) {
	var j *job // a copy: the job itself belongs to run
	var k *known
	var isTaken bool
	s.call(ctx, func() {
		j = s.st.jobs[b.ID]
		defer func() {
			if j != nil {
				cp := *j
				j = &cp
			}
		}()
		if j == nil {
			if b.Closed() {
				return
			}
			j = &job{id: b.ID}
			s.st.jobs[b.ID] = j
		}
		if j.state != b.State {
			j.state = b.State
			s.emit(Event{Kind: EventJob, Bounty: b.ID, Request: b.Request, State: b.State})
		}
		if kn := s.st.known[b.Request]; kn != nil {
			k = &known{e: kn.e, peers: slices.Clone(kn.peers)}
		}
		isTaken = s.st.taken[b.ID]
		if b.Closed() {
			j.done = true
			delete(s.st.taken, b.ID)
			delete(s.st.jobs, b.ID) // what is closed is the chain's to remember
		}
	})
	if j == nil || j.done {
		return
	}
	key := *s.cfg.Key
	switch b.State {
	case StateOpen:
		if b.Worker.IsZero() && !isTaken {
			return // open to all: only on Take
		}
		if k == nil {
			s.log.Info("not accepting a bounty for a request this worker never saw", "bounty", b.ID.Short())
			return
		}
		if h+1 >= b.Deadline || !due(j.acceptAt, h) {
			return
		}
		if err := s.deps.Chain.Accept(ctx, key, b.ID, s.cfg.Promised); err != nil {
			s.log.Warn("accept", "bounty", b.ID.Short(), "err", err)
			return
		}
		s.setJob(ctx, b.ID, func(j *job) { j.acceptAt = h })
	case StateAccepted:
		if k == nil {
			s.log.Warn("accepted a bounty whose request this worker forgot", "bounty", b.ID.Short())
			return
		}
		env, _, err := s.seal(ctx, j, b, k, key)
		if err != nil {
			s.log.Warn("compute", "bounty", b.ID.Short(), "err", err)
			return
		}
		if h >= b.Deadline || !due(j.commitAt, h) {
			return
		}
		if err := s.deps.Chain.Commit(ctx, key, b.ID, env.Hash(), env.Result); err != nil {
			s.log.Warn("commit", "bounty", b.ID.Short(), "err", err)
			return
		}
		s.setJob(ctx, b.ID, func(j *job) { j.commitAt = h })
	case StateCommitted:
		if b.Relayed() {
			s.handOn(ctx, j, b, k, key, h)
			return
		}
		if h >= b.SettleAfter && due(j.settleAt, h) {
			if err := s.deps.Chain.Settle(ctx, key, b.ID); err != nil {
				s.log.Warn("settle", "bounty", b.ID.Short(), "err", err)
			} else {
				s.setJob(ctx, b.ID, func(j *job) { j.settleAt = h })
			}
		}
		if k == nil || j.delivers > 0 {
			return
		}
		env, value, err := s.seal(ctx, j, b, k, key)
		if err != nil || env.Hash() != b.Envelope {
			s.log.Warn("cannot deliver: the result is not the one committed", "bounty", b.ID.Short(), "err", err)
			return
		}
		for _, p := range k.peers {
			if err := s.deliver(ctx, p, env, value); err != nil {
				s.log.Info("delivery", "bounty", b.ID.Short(), "to", p, "err", err)
				continue
			}
			s.setJob(ctx, b.ID, func(j *job) { j.delivers++ })
			s.post(func() { s.emit(Event{Kind: EventJob, Bounty: b.ID, Request: b.Request, State: "delivered"}) })
		}
	}
}

// handOn is the worker's part at hops > 0: it holds the envelope chain's
// start (expression, envelope, value) for slot 0 to fetch and announces
// it, posts relay-miss for silent slots, and settles once the lineup
// countersigned and the settle window passed. The result reaches the
// requester through the lineup, not from the worker.
func (s *Service) handOn(ctx context.Context, j *job, b *Bounty, k *known, key wire.PrivKey, h uint64) {
	if b.LineupDone() && b.Contest == "" && h >= b.SettleAfter && due(j.settleAt, h) {
		if err := s.deps.Chain.Settle(ctx, key, b.ID); err != nil {
			s.log.Warn("settle", "bounty", b.ID.Short(), "err", err)
		} else {
			s.setJob(ctx, b.ID, func(j *job) { j.settleAt = h })
		}
	}
	s.postMisses(ctx, b, len(b.CurrentLineup()), h)
	if k == nil {
		return
	}
	var isHeld bool
	s.call(ctx, func() { isHeld = s.st.held[b.ID] != nil })
	if !isHeld {
		env, value, err := s.seal(ctx, j, b, k, key)
		if err != nil || env.Hash() != b.Envelope {
			s.log.Warn("cannot hand on: the result is not the one committed", "bounty", b.ID.Short(), "err", err)
			return
		}
		p := &Package{Expr: k.e.Canonical(), Worker: env, Value: value}
		s.call(ctx, func() { s.hold(b.ID, p, WorkerSlot) })
	} else if j.delivers > 0 && (h-b.Committed)%handoffEvery != 0 {
		return
	}
	s.publishHandoff(ctx, b.ID, WorkerSlot)
	s.setJob(ctx, b.ID, func(j *job) { j.delivers++ })
	if j.delivers == 0 {
		s.post(func() { s.emit(Event{Kind: EventJob, Bounty: b.ID, Request: b.Request, State: "handed on"}) })
	}
}

func (s *Service) setJob(ctx context.Context, id wire.Hash, f func(*job)) {
	s.call(ctx, func() {
		if j := s.st.jobs[id]; j != nil {
			f(j)
		}
	})
}

// seal computes the job's result (from the cache when the offer computed
// it) and signs its envelope. Signing is deterministic (BIP340 with its
// default nonce), so a recomputation after a restart seals the same
// envelope.
func (s *Service) seal(ctx context.Context, j *job, b *Bounty, k *known, key wire.PrivKey) (*Envelope, []byte, error) {
	var env *Envelope
	var value []byte
	s.call(ctx, func() { env, value = j.env, j.value })
	if env != nil {
		return env, value, nil
	}
	var c *computed
	var ok bool
	s.call(ctx, func() { c, ok = s.compute(b.Request, k.e) })
	if !ok {
		return nil, nil, errors.New("the worker is busy")
	}
	select {
	case <-c.ready:
	case <-ctx.Done():
		return nil, nil, ctx.Err()
	}
	if c.err != nil {
		return nil, nil, c.err
	}
	env = &Envelope{Bounty: b.ID, Request: b.Request, Kind: c.kind, Fuel: c.fuel}
	env.Seal(s.deps.Net, key, c.value)
	s.setJob(ctx, b.ID, func(j *job) { j.env, j.value = env, c.value })
	return env, c.value, nil
}

// Take implements API: this worker accepts an open bounty (or one that
// names it) at the next scan and does the job.
func (s *Service) Take(ctx context.Context, id wire.Hash) error {
	if s.cfg.Key == nil {
		return ErrNotServing
	}
	b, err := s.deps.Chain.Bounty(ctx, id)
	if err != nil {
		return err
	}
	me := s.cfg.Key.PubKey()
	if b.State != StateOpen {
		return fmt.Errorf("bounty %s is %s, not open", id.Short(), b.State)
	}
	if !b.Worker.IsZero() && b.Worker != me {
		return fmt.Errorf("bounty %s names another worker (%s)", id.Short(), wire.EncodeAddress(s.deps.Net, b.Worker))
	}
	var err2 error
	if err := s.call(ctx, func() {
		if !s.st.serving {
			err2 = ErrNotServing
			return
		}
		if s.st.known[b.Request] == nil {
			err2 = fmt.Errorf("this node never saw request %s, so it cannot compute bounty %s (it learns requests from gossip while it serves)", b.Request.Short(), id.Short())
			return
		}
		s.st.taken[id] = true
		s.startScan()
	}); err != nil {
		return err
	}
	return err2
}
