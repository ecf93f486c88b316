package market

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"github.com/bitverse/bitverse/node/market/expr"
	"github.com/bitverse/bitverse/node/p2p"
	"github.com/bitverse/bitverse/node/wire"
	"github.com/libp2p/go-libp2p/core/peer"
	"go.etcd.io/bbolt"
)

// Config is a node's market terms. The zero value quotes and collects
// offers but does not serve.
type Config struct {
	// Serve starts the node serving compute (it needs Key).
	Serve bool
	// Key is the serve identity: the wallet account that signs offers,
	// accepts, commits and worker settles, and is paid.
	Key *wire.PrivKey
	// Prices are the serving terms (zero: DefaultPrices).
	Prices Prices
	// FuelCap bounds the fuel of one job (0: DefaultFuelCap).
	FuelCap uint64
	// TTL is a quoted request's life in seconds (0: DefaultTTL).
	TTL int
	// Promised is how many blocks the worker promises from accept to
	// commit (0: DefaultPromised).
	Promised uint32
	// Relay starts the node relaying (it needs Key): when the serve
	// identity is drawn into a bounty's lineup or jury, it recomputes and
	// countersigns.
	Relay bool
}

// Defaults and bounds of the service.
const (
	DefaultFuelCap  = 2_000_000_000
	DefaultTTL      = 300
	DefaultPromised = 5
	// MaxLiveRequests bounds the requests a node keeps (its own first).
	MaxLiveRequests = 256
	// MaxOffersPerRequest bounds the offers kept for one request.
	MaxOffersPerRequest = 64
	// MaxInputSize bounds a value a worker reads (a blob included).
	MaxInputSize = 64 << 20
	// cacheBytes bounds the computed results a worker keeps for offers
	// and jobs.
	cacheBytes = 128 << 20
	// maxPending bounds the evaluations waiting for the worker.
	maxPending = 16
)

// DefaultPrices are the terms of a node that sets none.
var DefaultPrices = Prices{PerFuel: 1, PerByte: 1, Min: 1000}

// TransformFunc runs the transform src on input with at most fuel, in the
// node's sandbox (node/script), and returns its output, kind and the fuel
// it burnt.
type TransformFunc func(ctx context.Context, src string, input []byte, key string, request wire.Hash, fuel uint64) (out []byte, kind string, used uint64, err error)

// BlobReader returns the bytes of the blob an encoded manifest names,
// fetching missing chunks from peers (node.BlobAPI's FetchBlob and
// ReadBlob).
type BlobReader func(ctx context.Context, manifest []byte, max int64) ([]byte, error)

// Deps are the parts of the node the service uses.
type Deps struct {
	Net       wire.Network
	DataDir   string // market.db lives here
	Chain     Chain
	Transform TransformFunc
	Blobs     BlobReader // nil: blob values cannot be read
	Host      *p2p.Host  // nil: no network (the node serves itself only)
	Log       *slog.Logger
	Now       func() time.Time
	// Tumbler is the node's tumbler for private settlements (nil, or
	// returning nil: none).
	Tumbler func() Tumbler
}

// Service is the market service of one node: it implements API and runs
// as a daemon component. One goroutine (run) owns its state; network
// handlers, the worker and the API post closures to it.
type Service struct {
	cfg  Config
	deps Deps
	log  *slog.Logger
	self peer.ID // "" without a network
	db   *bbolt.DB

	topic    *p2p.Topic
	handoffs *p2p.Topic
	cmds     chan func()
	ctx      context.Context
	cancel   context.CancelFunc
	wg       sync.WaitGroup
	evals    chan struct{} // one evaluation at a time

	// Owned by run.
	st state
}

// state is what run owns.
type state struct {
	serving  bool
	reqs     map[wire.Hash]*live
	known    map[wire.Hash]*known // requests this worker may be asked to compute
	knownQ   []wire.Hash          // insertion order, for eviction
	cache    map[wire.Hash]*computed
	cacheQ   []wire.Hash
	cacheSz  int
	pending  int
	jobs     map[wire.Hash]*job
	taken    map[wire.Hash]bool
	limits   map[peer.ID]*bucket
	subs     map[int]chan Event
	nextSub  int
	scanning bool
	rescan   bool
	height   uint64

	// The relay role (relay.go).
	relaying  bool
	heard     map[wire.Hash]*heard
	hlimits   map[peer.ID]*hbucket
	held      map[wire.Hash]*held
	heldQ     []wire.Hash
	heldSz    int
	rjobs     map[wire.Hash]*relayJob
	misses    map[missKey]uint64
	disputes  map[wire.Hash]uint64 // bounty → height this requester last sent its dispute at
	rscanning bool
	rrescan   bool

	// Private settlements (private.go).
	privs     map[wire.PubKey]*privJob // worker: by fresh address
	privAsked []*PrivateJob            // requester: oldest first
	privBytes int                      // results held by privs
}

// live is a request this node holds.
type live struct {
	req       Request
	text      string
	mine      bool
	seen      time.Time
	published time.Time // last gossiped (own requests)
	offers    map[wire.PubKey]Offer
	peers     map[wire.PubKey]peer.ID // the node each offer came from
}

// known is a request this node's worker offered for: what to compute and
// where to deliver it.
type known struct {
	e     *expr.Expr
	peers []peer.ID
}

// computed is an evaluation's outcome, kept for the offer and the job.
type computed struct {
	value []byte
	kind  string
	fuel  uint64
	took  time.Duration
	err   error
	ready chan struct{}
}

// New makes a service; Start runs it.
func New(cfg Config, deps Deps) (*Service, error) {
	if deps.Chain == nil || deps.Transform == nil {
		return nil, errors.New("market: a chain and a transform runner are needed")
	}
	if cfg.Serve && cfg.Key == nil {
		return nil, errors.New("market: serving needs a serve identity (a wallet account)")
	}
	if cfg.Relay && cfg.Key == nil {
		return nil, errors.New("market: relaying needs a serve identity (a wallet account): start the node with --serve")
	}
	if cfg.Prices == (Prices{}) {
		cfg.Prices = DefaultPrices
	}
	if cfg.FuelCap == 0 {
		cfg.FuelCap = DefaultFuelCap
	}
	if cfg.TTL <= 0 {
		cfg.TTL = DefaultTTL
	}
	cfg.TTL = min(cfg.TTL, MaxTTL)
	if cfg.Promised == 0 {
		cfg.Promised = DefaultPromised
	}
	if deps.Log == nil {
		deps.Log = slog.New(slog.DiscardHandler)
	}
	if deps.Now == nil {
		deps.Now = time.Now
	}
	s := &Service{cfg: cfg, deps: deps, log: deps.Log.With("part", "market"), cmds: make(chan func(), 256),
		evals: make(chan struct{}, 1)}
	s.st = state{serving: cfg.Serve, reqs: map[wire.Hash]*live{}, known: map[wire.Hash]*known{},
		cache: map[wire.Hash]*computed{}, jobs: map[wire.Hash]*job{}, taken: map[wire.Hash]bool{},
		limits: map[peer.ID]*bucket{}, subs: map[int]chan Event{}, relaying: cfg.Relay, heard: map[wire.Hash]*heard{},
		hlimits: map[peer.ID]*hbucket{}, held: map[wire.Hash]*held{}, rjobs: map[wire.Hash]*relayJob{},
		misses: map[missKey]uint64{}, disputes: map[wire.Hash]uint64{},
		privs: map[wire.PubKey]*privJob{}}
	return s, nil
}

// Start opens market.db, joins the requests topic, sets the stream
// handlers and starts the owner goroutine.
func (s *Service) Start() error {
	db, err := openDB(filepath.Join(s.deps.DataDir, DBFile))
	if err != nil {
		return err
	}
	s.db = db
	s.ctx, s.cancel = context.WithCancel(context.Background())
	blocks, err := s.deps.Chain.Blocks(s.ctx)
	if err != nil {
		s.cancel()
		db.Close()
		return err
	}
	if h := s.deps.Host; h != nil {
		s.self = h.ID()
		if s.topic, err = h.JoinTopic(TopicRequests(s.deps.Net), s.validateRequest); err != nil {
			s.cancel()
			db.Close()
			return fmt.Errorf("join the market's request topic: %w", err)
		}
		h.LibP2P().SetStreamHandler(ProtoOffer(s.deps.Net), s.handleOffer)
		h.LibP2P().SetStreamHandler(ProtoResult(s.deps.Net), s.handleResult)
		h.LibP2P().SetStreamHandler(ProtoPrivate(s.deps.Net), s.handlePrivate)
		if err := s.startRelay(); err != nil {
			s.cancel()
			db.Close()
			return err
		}
	}
	s.wg.Add(1)
	go s.run(blocks)
	return nil
}

// Stop stops the service and closes market.db.
func (s *Service) Stop() error {
	if h := s.deps.Host; h != nil {
		h.LibP2P().RemoveStreamHandler(ProtoOffer(s.deps.Net))
		h.LibP2P().RemoveStreamHandler(ProtoResult(s.deps.Net))
		h.LibP2P().RemoveStreamHandler(ProtoFetch(s.deps.Net))
		h.LibP2P().RemoveStreamHandler(ProtoPrivate(s.deps.Net))
	}
	s.cancel()
	s.wg.Wait()
	return s.db.Close()
}

func (s *Service) run(blocks <-chan uint64) {
	defer s.wg.Done()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case f := <-s.cmds:
			f()
		case h, ok := <-blocks:
			if !ok {
				blocks = nil
				continue
			}
			s.st.height = h
			s.startScan()
			s.startRelayScan()
		case <-tick.C:
			s.sweep()
		case <-s.ctx.Done():
			for id, c := range s.st.subs {
				close(c)
				delete(s.st.subs, id)
			}
			return
		}
	}
}

// call runs f on the owner goroutine and waits for it.
func (s *Service) call(ctx context.Context, f func()) error {
	done := make(chan struct{})
	select {
	case s.cmds <- func() { f(); close(done) }:
	case <-ctx.Done():
		return ctx.Err()
	case <-s.ctx.Done():
		return errors.New("market: service stopped")
	}
	select {
	case <-done:
		return nil
	case <-s.ctx.Done():
		return errors.New("market: service stopped")
	}
}

// post runs f on the owner goroutine later (from the owner itself too).
func (s *Service) post(f func()) {
	go func() {
		select {
		case s.cmds <- f:
		case <-s.ctx.Done():
		}
	}()
}

// go runs f on a new goroutine the service waits for at Stop.
func (s *Service) spawn(f func()) {
	s.wg.Add(1)
	go func() { defer s.wg.Done(); f() }()
}

func (s *Service) now() time.Time { return s.deps.Now() }

// sweep drops expired requests and offers and idle rate limiters.
func (s *Service) sweep() {
	now := s.now().Unix()
	for id, l := range s.st.reqs {
		if l.req.Expires <= now {
			delete(s.st.reqs, id)
			continue
		}
		for w, o := range l.offers {
			if o.Expires <= now {
				delete(l.offers, w)
				delete(l.peers, w)
			}
		}
	}
	for p, b := range s.st.limits {
		if b.full(s.now()) {
			delete(s.st.limits, p)
		}
	}
	for p, b := range s.st.hlimits {
		if s.now().Sub(b.at).Seconds()*handoffRate+b.tokens >= handoffBurst {
			delete(s.st.hlimits, p)
		}
	}
	for id, hb := range s.st.heard {
		for k, h := range hb.by {
			if h.Expires <= now {
				delete(hb.by, k)
			}
		}
		if len(hb.by) == 0 {
			delete(s.st.heard, id)
		}
	}
}

// startRelayScan runs relayScan once more (owner goroutine): one at a
// time, and one more after it if asked meanwhile.
func (s *Service) startRelayScan() {
	if !s.st.relaying && len(s.st.heard) == 0 {
		return
	}
	if s.st.rscanning {
		s.st.rrescan = true
		return
	}
	s.st.rscanning = true
	s.spawn(func() {
		s.relayScan()
		s.post(func() {
			s.st.rscanning = false
			if s.st.rrescan {
				s.st.rrescan = false
				s.startRelayScan()
			}
		})
	})
}

func (s *Service) emit(e Event) {
	for _, c := range s.st.subs {
		select {
		case c <- e:
		default: // a slow reader loses events
		}
	}
}

// Quote implements API.
func (s *Service) Quote(ctx context.Context, text string, opt QuoteOptions) (*Quote, error) {
	e, err := expr.Parse(text)
	if err != nil {
		return nil, err
	}
	ttl := s.cfg.TTL
	if opt.TTL > 0 {
		ttl = min(opt.TTL, MaxTTL)
	}
	var nonce [8]byte
	rand.Read(nonce[:])
	r := Request{Net: s.deps.Net.ID, Expr: e.Canonical(), Peer: []byte(s.self), Expires: s.now().Unix() + int64(ttl),
		Nonce: binary.BigEndian.Uint64(nonce[:])}
	if s.self == "" {
		r.Peer = []byte(localPeer)
	}
	id := r.ID()
	if err := markQuoted(s.db, id); err != nil {
		return nil, err
	}
	var q *Quote
	fresh, again := false, false
	if err := s.call(ctx, func() {
		if l := s.st.reqs[id]; l != nil && l.mine {
			q = &Quote{Request: id, Expr: l.text, Expires: l.req.Expires}
			// Quoting again re-gossips now and then (with a new nonce,
			// so gossip does not take it for the message it saw), for
			// peers that joined since.
			if s.now().Sub(l.published) >= republish {
				l.req.Nonce, l.published = r.Nonce, s.now()
				r, again = l.req, true
			}
			return
		}
		l := s.admit(r, e, true)
		if l == nil {
			return
		}
		l.published = s.now()
		fresh = true
		q = &Quote{Request: id, Expr: l.text, Expires: r.Expires}
	}); err != nil {
		return nil, err
	}
	if q == nil {
		return nil, errors.New("market: this node holds too many live requests; try again when some expire")
	}
	if (fresh || again) && s.topic != nil {
		if err := s.topic.Publish(ctx, r.Encode()); err != nil {
			s.log.Warn("publish request", "request", id.Short(), "err", err)
		}
	}
	if fresh {
		s.consider(r, e, s.self)
	}
	return q, nil
}

// republish is how long a quoted request waits before quoting it again
// gossips it again.
const republish = 3 * time.Second

// admit records a request (on the owner goroutine); nil when there is no
// room. Own requests may evict the soonest-expiring stranger's.
func (s *Service) admit(r Request, e *expr.Expr, mine bool) *live {
	id := r.ID()
	if l := s.st.reqs[id]; l != nil {
		if r.Expires > l.req.Expires && !l.mine {
			l.req = r
		}
		l.mine = l.mine || mine
		return l
	}
	if len(s.st.reqs) >= MaxLiveRequests {
		var victim wire.Hash
		var soonest int64
		for vid, l := range s.st.reqs {
			if !l.mine && (soonest == 0 || l.req.Expires < soonest) {
				victim, soonest = vid, l.req.Expires
			}
		}
		if !mine || soonest == 0 {
			return nil
		}
		delete(s.st.reqs, victim)
	}
	l := &live{req: r, text: e.String(), mine: mine, seen: s.now(), offers: map[wire.PubKey]Offer{}, peers: map[wire.PubKey]peer.ID{}}
	s.st.reqs[id] = l
	return l
}

// Table implements API.
func (s *Service) Table(ctx context.Context, request wire.Hash) (*Table, error) {
	var offers []Offer
	found := false
	now := s.now().Unix()
	if err := s.call(ctx, func() {
		l := s.st.reqs[request]
		if l == nil || !l.mine {
			return
		}
		found = true
		for _, o := range l.offers {
			if o.Expires > now {
				offers = append(offers, o)
			}
		}
	}); err != nil {
		return nil, err
	}
	if !found {
		return nil, fmt.Errorf("market: no live request %s of this node (quote it first; requests live %d s)", request.Short(), s.cfg.TTL)
	}
	ledger := map[wire.PubKey]Record{}
	for _, o := range offers {
		if _, ok := ledger[o.Worker]; ok {
			continue
		}
		r, err := s.deps.Chain.Record(ctx, o.Worker)
		if err != nil {
			return nil, fmt.Errorf("read the reputation of %s: %w", wire.EncodeAddress(s.deps.Net, o.Worker), err)
		}
		ledger[o.Worker] = r
	}
	// Rows with hops come from the relay registry; a chain without one
	// (or a node that cannot read it) gets the zero-hop rows.
	relays, err := s.deps.Chain.Relays(ctx)
	if err != nil {
		s.log.Debug("no relay rows: the relay registry cannot be read", "err", err)
		relays = nil
	}
	return PriceTableWithRelays(ledger, offers, request, relays, s.deps.Chain.Terms()), nil
}

// Requests implements API.
func (s *Service) Requests(ctx context.Context) ([]RequestInfo, error) {
	var out []RequestInfo
	var seen []time.Time
	now := s.now().Unix()
	err := s.call(ctx, func() {
		for id, l := range s.st.reqs {
			if l.req.Expires <= now {
				continue
			}
			out = append(out, RequestInfo{Request: id, Expr: l.text, Mine: l.mine, Offers: len(l.offers), Expires: l.req.Expires})
			seen = append(seen, l.seen)
		}
	})
	idx := make([]int, len(out))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool {
		if !seen[idx[a]].Equal(seen[idx[b]]) {
			return seen[idx[a]].After(seen[idx[b]])
		}
		return out[idx[a]].Request.String() < out[idx[b]].Request.String()
	})
	sorted := make([]RequestInfo, 0, len(out))
	for _, i := range idx {
		sorted = append(sorted, out[i])
	}
	return sorted, err
}

// Result implements API.
func (s *Service) Result(_ context.Context, bounty wire.Hash) (*Result, error) {
	if mine, ok := loadDisagreed(s.db, bounty); ok {
		return nil, fmt.Errorf("%w (bounty %s: this node computed %s); dispute it within the settle window: bitverse bounty dispute %s",
			ErrDisagreed, bounty.Short(), mine.Short(), bounty)
	}
	return loadResult(s.db, bounty)
}

// Serve implements API.
func (s *Service) Serve(ctx context.Context, on bool) (*ServeStatus, error) {
	if on && s.cfg.Key == nil {
		return nil, ErrNotServing
	}
	if err := s.call(ctx, func() {
		s.st.serving = on
		if on {
			s.startScan()
		}
	}); err != nil {
		return nil, err
	}
	return s.ServeStatus(ctx)
}

// ServeStatus implements API.
func (s *Service) ServeStatus(ctx context.Context) (*ServeStatus, error) {
	st := &ServeStatus{Prices: s.cfg.Prices}
	if err := s.call(ctx, func() {
		st.On = s.st.serving
		for _, j := range s.st.jobs {
			if !j.done {
				st.Jobs++
			}
		}
	}); err != nil {
		return nil, err
	}
	if s.cfg.Key == nil {
		return st, nil
	}
	st.Identity = s.cfg.Key.PubKey()
	bs, err := s.deps.Chain.Bounties(ctx, st.Identity)
	if err != nil {
		return nil, err
	}
	for _, b := range bs {
		if b.State == StateSettled && b.Worker == st.Identity {
			st.Earned += b.Amount
		}
	}
	return st, nil
}

// Events implements API.
func (s *Service) Events(ctx context.Context) (<-chan Event, error) {
	c := make(chan Event, 64)
	var id int
	if err := s.call(ctx, func() {
		id = s.st.nextSub
		s.st.nextSub++
		s.st.subs[id] = c
	}); err != nil {
		return nil, err
	}
	go func() {
		select {
		case <-ctx.Done():
		case <-s.ctx.Done():
			return // run closes c
		}
		s.post(func() {
			if _, ok := s.st.subs[id]; ok {
				delete(s.st.subs, id)
				close(c)
			}
		})
	}()
	return c, nil
}

// localPeer stands for the requester's node when the node has no network.
const localPeer = "local"

// TopicRequests is the gossip topic of requests.
func TopicRequests(net wire.Network) string { return "/bitverse/" + net.Name + "/market/requests/1" }
