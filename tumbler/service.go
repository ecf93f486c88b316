package tumbler

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"slices"
	"sync"
	"time"

	"github.com/bitverse/bitverse/node/wire"
	"github.com/libp2p/go-libp2p"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/peer"
	"go.etcd.io/bbolt"
)

// Config tunes a node's tumbler.
type Config struct {
	// Coordinate keeps a round on Default terms open at all times (a node
	// that opts in to coordinating).
	Coordinate bool
	Default    CoordinateConfig
	// Phase lengths in root blocks (0: the defaults).
	InputBlocks, OutputBlocks, SigningBlocks uint64
	// OutputDelay is the most a participant waits, at random, before it
	// registers its output (0: DefaultOutputDelay).
	OutputDelay time.Duration
	// Poll is how often participants ask the coordinator and the
	// coordinator reads the chain height (0: DefaultPoll).
	Poll time.Duration
	// FreshHost makes the fresh network identity an output is registered
	// from (nil: a new libp2p host that does not listen).
	FreshHost func() (host.Host, error)
}

// Defaults of the service.
const (
	DefaultOutputDelay = 10 * time.Second
	DefaultPoll        = 500 * time.Millisecond
	// maxRounds bounds the rounds kept (coordinated and seen); ended ones
	// go first.
	maxRounds = 256
	maxRegs   = 64
	// Rate limits: units per second and burst per peer; output
	// registrations come from fresh identities, so they draw from one
	// bucket for all.
	peerRate, peerBurst     = 50, 500
	outputRate, outputBurst = 50, 500
	maxLimiters             = 4096
)

// Deps are the parts of the node the service uses.
type Deps struct {
	Net   wire.Network
	Host  host.Host
	Chain Chain
	Log   *slog.Logger
	Now   func() time.Time
	// Dir is the node's data directory: this node's registrations are
	// kept in Dir/tumbler.db and resumed on Start (empty: memory only).
	Dir string
}

// Service runs both roles on the node's libp2p host: the coordinator of
// the rounds it announces and the participant of its registrations. It
// implements API. One goroutine (own) owns the state below ops: stream
// handlers, participants, the clock and the API send it requests (do)
// and wait for the answer; no I/O happens on it (streams, the chain and
// the store are read and written by the goroutine that asked, with what
// the request handed out).
type Service struct {
	cfg  Config
	deps Deps
	log  *slog.Logger
	ctx  context.Context
	stop context.CancelFunc
	wg   sync.WaitGroup
	kick chan struct{}
	db   *bbolt.DB // the registrations' store (nil: none)

	ops     chan func()   // requests to the owner
	quit    chan struct{} // closed by Stop once every other goroutine ended
	ownDone chan struct{} // closed when the owner has returned

	// Owned by own.
	rounds map[wire.Hash]*coordRound // coordinated by this node
	order  []wire.Hash
	seen   map[wire.Hash]seenRound // announced by others
	regs   []*reg
	bans   map[wire.PubKey]uint64 // input → banned below this height
	limits map[peer.ID]*bucket
	outLim bucket
	subs   map[chan Event]struct{}
	height uint64
	// statuses caches the coordinators' answers for a poll interval, so
	// many registrations of this node in one round ask once.
	statuses map[wire.Hash]cachedStatus
	// log of what the coordinator saw and did, for the unlinkability test
	// and an operator: no input or output is ever written with its peer
	// or time.
	journal []string
}

type coordRound struct {
	r         *Round
	cfg       CoordinateConfig
	announce  time.Time
	submitted bool
}

type cachedStatus struct {
	st   *Status
	at   time.Time
	wait chan struct{} // closed when the fetch in flight ends
}

type seenRound struct {
	info  RoundInfo
	terms Terms
	peer  peer.ID
}

type bucket struct {
	tokens float64
	at     time.Time
}

// New returns a service ready to Start.
func New(cfg Config, deps Deps) (*Service, error) {
	if deps.Host == nil || deps.Chain == nil {
		return nil, errors.New("tumbler: needs the network host and the chain")
	}
	if deps.Log == nil {
		deps.Log = slog.New(slog.DiscardHandler)
	}
	if deps.Now == nil {
		deps.Now = time.Now
	}
	if cfg.InputBlocks == 0 {
		cfg.InputBlocks = DefaultInputBlocks
	}
	if cfg.OutputBlocks == 0 {
		cfg.OutputBlocks = DefaultOutputBlocks
	}
	if cfg.SigningBlocks == 0 {
		cfg.SigningBlocks = DefaultSigningBlocks
	}
	if cfg.OutputDelay == 0 {
		cfg.OutputDelay = DefaultOutputDelay
	}
	if cfg.Poll == 0 {
		cfg.Poll = DefaultPoll
	}
	if cfg.FreshHost == nil {
		cfg.FreshHost = func() (host.Host, error) { return libp2p.New(libp2p.NoListenAddrs) }
	}
	ctx, stop := context.WithCancel(context.Background())
	s := &Service{cfg: cfg, deps: deps, log: deps.Log, ctx: ctx, stop: stop, kick: make(chan struct{}, 1),
		ops: make(chan func()), quit: make(chan struct{}), ownDone: make(chan struct{}),
		rounds: map[wire.Hash]*coordRound{}, seen: map[wire.Hash]seenRound{}, bans: map[wire.PubKey]uint64{},
		limits: map[peer.ID]*bucket{}, outLim: bucket{tokens: outputBurst, at: deps.Now()}, subs: map[chan Event]struct{}{}, statuses: map[wire.Hash]cachedStatus{}}
	go s.own()
	return s, nil
}

// own is the goroutine that owns the service's state: it runs the
// requests one at a time until Stop, then closes the subscriptions.
func (s *Service) own() {
	defer close(s.ownDone)
	for {
		select {
		case f := <-s.ops:
			f()
		case <-s.quit:
			for ch := range s.subs {
				close(ch)
				delete(s.subs, ch)
			}
			return
		}
	}
}

// do runs f on the owner goroutine and waits for it; false when the
// service has stopped (f did not run).
func (s *Service) do(f func()) bool {
	done := make(chan struct{})
	select {
	case s.ops <- func() { f(); close(done) }:
	case <-s.ownDone:
		return false
	}
	<-done
	return true
}

// errStopped answers a request that came as the service stopped.
var errStopped = errors.New("tumbler: the service is stopping")

var _ API = (*Service)(nil)

// Start serves the protocols and runs the coordinator's clock, and
// resumes the registrations a previous run left unfinished.
func (s *Service) Start() error {
	if s.deps.Dir != "" {
		db, err := openStore(s.deps.Dir)
		if err != nil {
			return err
		}
		s.db = db
		if err := s.resume(); err != nil {
			db.Close()
			s.db = nil
			return err
		}
	}
	n := s.deps.Net
	// Costs in units of a status read: an input registration checks a
	// signature, reads the chain and blind-signs (RSA); a signing message
	// checks a signature or a partial.
	s.serve(proto(n, "rounds"), 0, 2, true, s.handleRounds)
	s.serve(proto(n, "status"), 32, 1, true, s.handleStatus)
	s.serve(proto(n, "input"), MaxInputRegSize, 5, true, s.handleInput)
	s.serve(proto(n, "output"), MaxOutputRegSize, 2, false, s.handleOutput)
	s.serve(proto(n, "sign"), MaxSignMsgSize, 2, true, s.handleSign)
	s.wg.Add(1)
	go s.clock()
	return nil
}

// Stop ends the service's goroutines and protocols.
func (s *Service) Stop() error {
	for _, name := range []string{"rounds", "status", "input", "output", "sign"} {
		s.deps.Host.RemoveStreamHandler(proto(s.deps.Net, name))
	}
	s.stop()
	s.wg.Wait()
	close(s.quit)
	<-s.ownDone
	if s.db != nil {
		return s.db.Close()
	}
	return nil
}

// resume loads the stored registrations: finished ones are history,
// running ones go on from their step (the goroutines start with the
// service). One that cannot be rebuilt is kept as failed.
func (s *Service) resume() error {
	seqs, recs, err := loadRecords(s.db)
	if err != nil {
		return fmt.Errorf("tumbler store: %w", err)
	}
	for i, r := range recs {
		g, err := restore(s.deps.Net, r)
		if err != nil {
			r.Info.Phase, r.Info.State, r.Info.Error = Failed, "failed", "could not be resumed after a restart: "+err.Error()
			r.Secret = nil
			g = &reg{info: r.Info, p: &Participant{Key: r.Info.Input, To: r.Info.To, Change: r.Info.Change}, cosign: make(chan struct{})}
			if _, err := saveRecord(s.db, seqs[i], r); err != nil {
				return fmt.Errorf("tumbler store: %w", err)
			}
		}
		g.seq, g.stored = seqs[i], true
		s.do(func() { s.regs = append(s.regs, g) })
		if !g.info.Phase.Ended() {
			s.wg.Add(1)
			go s.participate(g)
		}
	}
	return nil
}

// charge takes cost units from the sender's bucket (or the shared output
// bucket) and says whether it had them.
func (s *Service) charge(p peer.ID, perPeer bool, cost float64) bool {
	ok := false
	s.do(func() { ok = s.chargeOwned(p, perPeer, cost) })
	return ok
}

func (s *Service) chargeOwned(p peer.ID, perPeer bool, cost float64) bool {
	now := s.deps.Now()
	var b *bucket
	if !perPeer {
		b = &s.outLim
		b.refill(now, outputRate, outputBurst)
	} else {
		b = s.limits[p]
		if b == nil {
			if len(s.limits) >= maxLimiters {
				clear(s.limits) // forget idle peers rather than refuse new ones
			}
			b = &bucket{tokens: peerBurst, at: now}
			s.limits[p] = b
		}
		b.refill(now, peerRate, peerBurst)
	}
	if b.tokens < cost {
		return false
	}
	b.tokens -= cost
	return true
}

func (b *bucket) refill(now time.Time, rate, burst float64) {
	if dt := now.Sub(b.at).Seconds(); dt > 0 {
		b.tokens, b.at = min(burst, b.tokens+dt*rate), now
	}
}

func (s *Service) note(format string, args ...any) {
	s.journal = append(s.journal, fmt.Sprintf(format, args...))
	if len(s.journal) > 4096 {
		s.journal = s.journal[1024:]
	}
}

// Journal is what the coordinator recorded (phase changes, counts): it
// names inputs when they register but never an output with its sender.
func (s *Service) Journal() []string {
	var out []string
	s.do(func() { out = slices.Clone(s.journal) })
	return out
}

// emit sends an event to every subscriber; a full one misses it.
func (s *Service) emit(e Event) {
	for ch := range s.subs {
		select {
		case ch <- e:
		default:
		}
	}
}

// Events implements API: a new subscription, open until the service
// stops.
func (s *Service) Events() <-chan Event {
	ch := make(chan Event, 64)
	if !s.do(func() { s.subs[ch] = struct{}{} }) {
		close(ch)
	}
	return ch
}

// Subscribe is Events until ctx ends (the local API's stream uses it).
func (s *Service) Subscribe(ctx context.Context) <-chan Event {
	ch := make(chan Event, 64)
	if !s.do(func() { s.subs[ch] = struct{}{} }) {
		close(ch)
		return ch
	}
	go func() {
		select {
		case <-ctx.Done():
		case <-s.ctx.Done():
		}
		// When the service stopped meanwhile, the owner closed it.
		s.do(func() {
			if _, ok := s.subs[ch]; ok {
				delete(s.subs, ch)
				close(ch)
			}
		})
	}()
	return ch
}

// ---- the coordinator ----

// Coordinate implements API.
func (s *Service) Coordinate(ctx context.Context, c CoordinateConfig) (RoundInfo, error) {
	h, err := s.deps.Chain.Height(ctx)
	if err != nil {
		return RoundInfo{}, err
	}
	orig := c
	if c.Denomination == 0 {
		c.Denomination = 1_000_000 // 0.01 BVS
	}
	if c.TxFee == 0 {
		c.TxFee = DefaultTxFee
	}
	if c.Min == 0 {
		c.Min = DefaultMin
	}
	if c.Max == 0 {
		c.Max = DefaultMax
	}
	if c.Max < c.Min {
		c.Max = c.Min
	}
	t := Terms{Denomination: c.Denomination, CoordinatorFee: c.CoordinatorFee, TxFee: c.TxFee, Min: c.Min, Max: c.Max,
		FeeTo: c.FeeTo, Height: h, InputBlocks: s.cfg.InputBlocks, OutputBlocks: s.cfg.OutputBlocks, SigningBlocks: s.cfg.SigningBlocks}
	return s.open(t, orig)
}

func (s *Service) open(t Terms, c CoordinateConfig) (RoundInfo, error) {
	if _, err := rand.Read(t.Salt[:]); err != nil {
		return RoundInfo{}, err
	}
	key, err := NewTokenKey()
	if err != nil {
		return RoundInfo{}, err
	}
	r, err := NewRound(s.deps.Net, t, key)
	if err != nil {
		return RoundInfo{}, err
	}
	var info RoundInfo
	ok := s.do(func() {
		s.rounds[r.ID] = &coordRound{r: r, cfg: c, announce: s.deps.Now()}
		s.order = append(s.order, r.ID)
		s.trim()
		s.note("round %s announced: denomination %d, %d..%d inputs, blame of %s", r.ID.Short(), t.Denomination, t.Min, t.Max, t.BlameOf.Short())
		s.emit(Event{Round: r.ID, Phase: r.Phase()})
		info = s.info(r)
	})
	if !ok {
		return RoundInfo{}, errStopped
	}
	return info, nil
}

// trim forgets the oldest ended rounds beyond maxRounds.
func (s *Service) trim() {
	for len(s.order) > maxRounds {
		dropped := false
		for i, id := range s.order {
			if s.rounds[id].r.Phase().Ended() {
				delete(s.rounds, id)
				s.order = append(s.order[:i], s.order[i+1:]...)
				dropped = true
				break
			}
		}
		if !dropped {
			return
		}
	}
}

func (s *Service) info(r *Round) RoundInfo {
	in, out := r.Counts()
	t := &r.Terms
	i := RoundInfo{ID: r.ID, Denomination: t.Denomination, CoordinatorFee: t.CoordinatorFee, TxFee: t.TxFee, Min: t.Min, Max: t.Max,
		Phase: r.Phase(), Inputs: in, Outputs: out, Deadline: r.Deadline(), BlameOf: t.BlameOf, TxID: r.TxID(),
		Coordinator: s.deps.Host.ID().String(), Mine: true, Error: r.Err()}
	if i.Phase == InputRegistration && !t.BlameOf.IsZero() {
		i.Phase = Blame
	}
	return i
}

// clock moves the coordinated rounds on with the chain's height and keeps
// an open round when the node opted in.
func (s *Service) clock() {
	defer s.wg.Done()
	t := time.NewTicker(s.cfg.Poll)
	defer t.Stop()
	for {
		select {
		case <-s.ctx.Done():
			return
		case <-t.C:
		case <-s.kick:
		}
		h, err := s.deps.Chain.Height(s.ctx)
		if err != nil {
			continue
		}
		s.tick(h)
	}
}

func (s *Service) tick(h uint64) {
	type blame struct {
		failed *coordRound
		proofs []Proof
	}
	var blames []blame
	var submit []*coordRound
	var silentAll []struct {
		k     wire.PubKey
		nonce uint64
	}
	open := false
	s.do(func() {
		s.height = h
		for k, until := range s.bans {
			if until <= h {
				delete(s.bans, k) // served
			}
		}
		for _, id := range s.order {
			c := s.rounds[id]
			before := c.r.Phase()
			signed, silent := c.r.Tick(h)
			if c.r.Phase() != before {
				s.note("round %s: %s → %s at height %d %s", id.Short(), before, c.r.Phase(), h, c.r.Err())
				s.emit(Event{Round: id, Phase: c.r.Phase(), Error: c.r.Err()})
			}
			for _, k := range silent {
				silentAll = append(silentAll, struct {
					k     wire.PubKey
					nonce uint64
				}{k, c.r.Input(k).Nonce})
			}
			if before == Signing && c.r.Phase() == Failed && len(signed) >= 2 {
				blames = append(blames, blame{c, signed})
			}
			if c.r.Phase() == Broadcast && !c.submitted {
				c.submitted = true
				submit = append(submit, c)
			}
			if !c.r.Phase().Ended() && c.r.Terms.BlameOf.IsZero() && c.cfg == s.cfg.Default {
				open = true
			}
		}
	})

	// Bans: longer for an input that spent its coins meanwhile.
	for _, x := range silentAll {
		until := h + BanBlocks
		if _, next, err := s.deps.Chain.Account(s.ctx, x.k); err == nil && next != x.nonce {
			until = h + DoubleSpendBanBlocks
		}
		s.do(func() {
			s.bans[x.k] = max(s.bans[x.k], until)
			s.note("input %s banned until height %d", short(x.k), until)
		})
	}
	for _, b := range blames {
		t := BlameTerms(b.failed.r.Terms, b.failed.r.ID, b.proofs, h)
		info, err := s.open(t, b.failed.cfg)
		if err != nil {
			s.log.Warn("tumbler: cannot open the blame round", "round", b.failed.r.ID.Short(), "err", err)
			continue
		}
		s.do(func() { b.failed.r.Next = info.ID })
	}
	for _, c := range submit {
		s.broadcast(c)
	}
	if s.cfg.Coordinate && !open {
		if _, err := s.Coordinate(s.ctx, s.cfg.Default); err != nil {
			s.log.Warn("tumbler: cannot open a round", "err", err)
		}
	}
}

func (s *Service) broadcast(c *coordRound) {
	var tx *wire.Tx
	s.do(func() { tx = c.r.Tx() })
	if tx == nil {
		return
	}
	err := s.deps.Chain.Submit(s.ctx, tx)
	s.do(func() {
		if err != nil {
			c.r.FailBroadcast(err.Error())
		} else {
			c.r.Broadcasted()
		}
		s.note("round %s: %s %s", c.r.ID.Short(), c.r.Phase(), c.r.Err())
		s.emit(Event{Round: c.r.ID, Phase: c.r.Phase(), Error: c.r.Err()})
	})
}

func (s *Service) poke() {
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

func (s *Service) handleRounds(_ peer.ID, _ []byte) ([]byte, error) {
	var b []byte
	var err error
	ok := s.do(func() {
		var out []*Status
		for _, id := range s.order {
			r := s.rounds[id].r
			if r.Phase() == Announced || r.Phase() == InputRegistration {
				st := r.Status()
				st.Batch = nil
				out = append(out, st)
			}
		}
		b, err = json.Marshal(out)
	})
	if !ok {
		return nil, errStopped
	}
	return b, err
}

func (s *Service) handleStatus(_ peer.ID, req []byte) ([]byte, error) {
	if len(req) != 32 {
		return nil, errors.New("a status request is a round ID")
	}
	id := wire.Hash(req)
	var b []byte
	err := errStopped
	s.do(func() {
		c := s.rounds[id]
		if c == nil {
			err = ErrNoRound
			return
		}
		b, err = json.Marshal(c.r.Status())
	})
	return b, err
}

func (s *Service) handleInput(_ peer.ID, req []byte) ([]byte, error) {
	g, err := DecodeInputReg(req)
	if err != nil {
		return nil, err
	}
	var c *coordRound
	banned := false
	if !s.do(func() { c, banned = s.rounds[g.Round], s.bans[g.Key] > s.height }) {
		return nil, errStopped
	}
	switch {
	case c == nil:
		return nil, ErrNoRound
	case banned:
		return nil, ErrBanned
	}
	// Cheap checks and the signature before the chain is asked.
	if err := wire.Verify(g.Key, g.SigHash(), g.Sig); err != nil {
		return nil, fmt.Errorf("input registration signature: %w", err)
	}
	spendable, next, err := s.deps.Chain.Account(s.ctx, g.Key)
	if err != nil {
		return nil, fmt.Errorf("reading the input's account: %v", err)
	}
	switch {
	case next != g.Nonce:
		return nil, fmt.Errorf("the input's next nonce is %d, not %d", next, g.Nonce)
	case spendable < g.Amount:
		return nil, fmt.Errorf("the input can spend %s, less than %s", wire.FormatAmount(spendable), wire.FormatAmount(g.Amount))
	}
	var sig []byte
	err = errStopped
	s.do(func() {
		before := c.r.Phase()
		if sig, err = c.r.AddInput(g); err != nil {
			return
		}
		in, _ := c.r.Counts()
		s.note("round %s: input %s registered (%d)", c.r.ID.Short(), short(g.Key), in)
		if c.r.Phase() != before {
			s.note("round %s: %s → %s", c.r.ID.Short(), before, c.r.Phase())
			s.emit(Event{Round: c.r.ID, Phase: c.r.Phase()})
		}
	})
	return sig, err
}

func (s *Service) handleOutput(_ peer.ID, req []byte) ([]byte, error) {
	o, err := DecodeOutputReg(req)
	if err != nil {
		return nil, err
	}
	err = errStopped
	s.do(func() {
		c := s.rounds[o.Round]
		if c == nil {
			err = ErrNoRound
			return
		}
		before := c.r.Phase()
		if err = c.r.AddOutput(o); err != nil {
			return
		}
		// No trace of which output came when: only the count.
		if c.r.Phase() != before {
			_, out := c.r.Counts()
			s.note("round %s: %d outputs, %s → %s", c.r.ID.Short(), out, before, c.r.Phase())
			s.emit(Event{Round: c.r.ID, Phase: c.r.Phase(), Error: c.r.Err()})
		}
	})
	return nil, err
}

func (s *Service) handleSign(_ peer.ID, req []byte) ([]byte, error) {
	m, err := DecodeSignMsg(req)
	if err != nil {
		return nil, err
	}
	var after Phase
	err = errStopped
	s.do(func() {
		c := s.rounds[m.Round]
		if c == nil {
			err = ErrNoRound
			return
		}
		before := c.r.Phase()
		err = c.r.AddSign(m)
		after = c.r.Phase()
		if after != before {
			s.note("round %s: %s → %s %s", c.r.ID.Short(), before, after, c.r.Err())
			s.emit(Event{Round: c.r.ID, Phase: after, Error: c.r.Err()})
		}
	})
	if after == Broadcast {
		s.poke()
	}
	return nil, err
}

// Rounds implements API: this node's rounds, then the ones its peers
// announce (asked now), newest first.
func (s *Service) Rounds(ctx context.Context) ([]RoundInfo, error) {
	s.discover(ctx)
	var out []RoundInfo
	if !s.do(func() {
		for i := len(s.order) - 1; i >= 0; i-- {
			out = append(out, s.info(s.rounds[s.order[i]].r))
		}
		for _, r := range s.seen {
			out = append(out, r.info)
		}
	}) {
		return nil, ErrNoTumbler
	}
	return out, nil
}

// discover asks every connected peer for its open rounds.
func (s *Service) discover(ctx context.Context) {
	h := s.deps.Host
	pr := proto(s.deps.Net, "rounds")
	// Each peer is asked by a goroutine of its own, which hands its rounds
	// back on results.
	results := make(chan []seenRound)
	asked := 0
	for _, p := range h.Network().Peers() {
		if ok, _ := h.Peerstore().SupportsProtocols(p, pr); len(ok) == 0 {
			continue
		}
		asked++
		go func() {
			var mine []seenRound
			defer func() { results <- mine }()
			b, err := request(ctx, h, p, pr, nil, maxRoundsResp)
			if err != nil {
				return
			}
			var sts []json.RawMessage
			if json.Unmarshal(b, &sts) != nil || len(sts) > maxRounds {
				return
			}
			for _, raw := range sts {
				st, err := DecodeStatus(raw, wire.Hash{})
				if err != nil {
					continue
				}
				if _, err := st.Terms.Check(); err != nil {
					continue
				}
				id := st.Terms.ID()
				t := &st.Terms
				mine = append(mine, seenRound{peer: p, terms: st.Terms, info: RoundInfo{ID: id, Denomination: t.Denomination,
					CoordinatorFee: t.CoordinatorFee, TxFee: t.TxFee, Min: t.Min, Max: t.Max, Phase: st.Phase, Inputs: st.Inputs,
					Outputs: st.Outputs, Deadline: st.Deadline, BlameOf: t.BlameOf, Coordinator: p.String()}})
			}
		}()
	}
	found := map[wire.Hash]seenRound{}
	for range asked {
		for _, r := range <-results {
			if len(found) < maxRounds {
				found[r.info.ID] = r
			}
		}
	}
	s.do(func() { s.seen = found })
}

// randomDelay is uniform in [0, max).
func randomDelay(max time.Duration) time.Duration {
	if max <= 0 {
		return 0
	}
	n, err := rand.Int(rand.Reader, big.NewInt(int64(max)))
	if err != nil {
		return max / 2
	}
	return time.Duration(n.Int64())
}
