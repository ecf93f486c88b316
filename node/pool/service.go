package pool

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync/atomic"
	"time"

	"github.com/bitverse/bitverse/node"
	"github.com/bitverse/bitverse/node/wire"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/peer"
)

// Config configures a Service.
type Config struct {
	// Key is the serve identity: the member key that joins pools, answers
	// challenges and signs refusals. Required.
	Key *wire.PrivKey
	// MaxData is the largest pool data this node joins for (0:
	// DefaultMaxData).
	MaxData uint64
	// Poll is how often the chain is read when no block arrives (0: 5 s).
	Poll time.Duration
	Log  *slog.Logger // nil: discard
}

// Provider announces DHT provider keys (p2p.Host implements it).
type Provider interface {
	Provide(list func() []wire.Hash)
	ProvideNow(k wire.Hash)
}

// Deps are the parts of the node a Service uses.
type Deps struct {
	Net   wire.Network
	Chain Chain
	Blobs node.BlobAPI // nil: key pools only
	Host  host.Host    // nil: token redemptions are not served
	// Provider announces the pools this node serves (PoolKey); nil: none.
	Provider Provider
	PoolKey  func(pool wire.Hash) wire.Hash
	// Find looks up the providers of a DHT key (p2p.Host.FindProviders);
	// nil: Download asks only the peers it is given.
	Find func(ctx context.Context, k wire.Hash, max int) []peer.ID
}

// Limits.
const (
	maxHistory  = 64   // challenge records kept per served pool
	maxServed   = 1024 // pools this node serves at once
	maxAnswered = 4096 // (pool, epoch) answers remembered as submitted
)

// Challenge is one challenge this node met and what it did.
type Challenge struct {
	node.ChallengeInfo
	Tx     wire.Hash `json:"tx,omitzero"`     // the answer submitted
	Error  string    `json:"error,omitempty"` // why none could be
	Height uint64    `json:"height"`          // when it was handled
}

// Served is a pool this node is a member of, as the service sees it.
type Served struct {
	Pool    node.PoolInfo       `json:"pool"`
	Member  node.PoolMemberInfo `json:"member"`
	History []Challenge         `json:"history"` // oldest first, at most 64
}

// Service is the availability-pool component: it answers this node's
// challenges each epoch, serves token redemptions from the data it holds,
// and announces the pools it serves. One goroutine (run) owns the served
// pools and the answers made; Join and the readers talk to it by
// channel.
type Service struct {
	cfg   Config
	deps  Deps
	me    wire.PubKey
	meHex string // as node.PoolMemberInfo.PubKey carries it
	log   *slog.Logger

	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{}
	reads  chan chan []Served
	kick   chan struct{}
	slots  chan struct{} // redemptions being served
	silent atomic.Bool   // test hook: redemptions get no answer at all

	// owned by run
	served   map[wire.Hash]*Served
	answered map[answerKey]uint64 // → height submitted
}

// answerKey names an answer submitted: an epoch challenge (pool, epoch)
// or a serve challenge (pool, redemption).
type answerKey struct {
	pool       wire.Hash
	epoch      uint64
	redemption wire.Hash
}

// New checks cfg and returns a service ready to Start.
func New(cfg Config, deps Deps) (*Service, error) {
	if cfg.Key == nil {
		return nil, errors.New("pool: no serve identity (a wallet account's key)")
	}
	if deps.Chain == nil {
		return nil, errors.New("pool: no chain")
	}
	if cfg.MaxData == 0 {
		cfg.MaxData = DefaultMaxData
	}
	if cfg.Poll <= 0 {
		cfg.Poll = 5 * time.Second
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	return &Service{cfg: cfg, deps: deps, me: cfg.Key.PubKey(), log: cfg.Log,
		meHex: hexKey(cfg.Key.PubKey()),
		reads: make(chan chan []Served), kick: make(chan struct{}, 1), slots: make(chan struct{}, maxRedeeming),
		served: map[wire.Hash]*Served{}, answered: map[answerKey]uint64{}}, nil
}

// Member is the serve identity's public key.
func (s *Service) Member() wire.PubKey { return s.me }

// Start subscribes to blocks, starts the loop and, with a host, serves
// token redemptions.
func (s *Service) Start() error {
	s.ctx, s.cancel = context.WithCancel(context.Background())
	blocks, err := s.deps.Chain.Blocks(s.ctx)
	if err != nil {
		s.cancel()
		return err
	}
	if s.deps.Host != nil {
		s.deps.Host.SetStreamHandler(Proto(s.deps.Net), s.handleRedeem)
	}
	if s.deps.Provider != nil && s.deps.PoolKey != nil {
		s.deps.Provider.Provide(s.poolKeys)
	}
	s.done = make(chan struct{})
	go s.run(blocks)
	return nil
}

// Stop ends the loop and stops serving.
func (s *Service) Stop() error {
	if s.deps.Host != nil {
		s.deps.Host.RemoveStreamHandler(Proto(s.deps.Net))
	}
	s.cancel()
	<-s.done
	return nil
}

// Served lists the pools this node serves, with their challenge history.
func (s *Service) Served(ctx context.Context) ([]Served, error) {
	ch := make(chan []Served, 1)
	select {
	case s.reads <- ch:
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-s.done:
		return nil, errors.New("pool: the service stopped")
	}
	select {
	case out := <-ch:
		return out, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// poolKeys lists the DHT keys of the pools served, for the provider. It
// asks the loop, so it must not be called from it.
func (s *Service) poolKeys() []wire.Hash {
	ctx, cancel := context.WithTimeout(s.ctx, 5*time.Second)
	defer cancel()
	sv, _ := s.Served(ctx)
	out := make([]wire.Hash, 0, len(sv))
	for _, p := range sv {
		out = append(out, s.deps.PoolKey(p.Pool.ID))
	}
	return out
}

// Join fetches the pool's data (pool members and providers first),
// checks it against the pool's size and segment root, and only then
// submits a pool-join with stake. It returns the join's transaction ID.
// The service answers the pool's challenges once the join is mined.
func (s *Service) Join(ctx context.Context, id wire.Hash, stake uint64) (wire.Hash, error) {
	p, err := s.deps.Chain.Pool(ctx, id)
	if err != nil {
		return wire.Hash{}, err
	}
	if p.Closed {
		return wire.Hash{}, fmt.Errorf("pool %s is closed", id.Short())
	}
	for _, m := range p.Members {
		if m.PubKey == s.meHex {
			return wire.Hash{}, fmt.Errorf("this node's identity is already a member of pool %s", id.Short())
		}
	}
	if _, _, err := Data(ctx, s.deps.Chain, s.deps.Blobs, p, s.cfg.MaxData, true); err != nil {
		return wire.Hash{}, fmt.Errorf("join pool %s: %w", id.Short(), err)
	}
	tx, err := s.deps.Chain.Submit(ctx, *s.cfg.Key, wire.PoolJoin{Pool: id, Stake: stake})
	if err != nil {
		return wire.Hash{}, fmt.Errorf("join pool %s: %w", id.Short(), err)
	}
	s.log.Info("joined pool", "pool", id.Short(), "stake", stake, "tx", tx.Short())
	if s.deps.Provider != nil && s.deps.PoolKey != nil {
		s.deps.Provider.ProvideNow(s.deps.PoolKey(id))
	}
	s.wake()
	return tx, nil
}

// wake makes the loop read the chain now.
func (s *Service) wake() {
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// run owns the served pools: at each block (or every Poll) it reads the
// pools this identity is a member of and answers its open challenges.
func (s *Service) run(blocks <-chan uint64) {
	defer close(s.done)
	tick := time.NewTicker(s.cfg.Poll)
	defer tick.Stop()
	s.step()
	for {
		select {
		case <-s.ctx.Done():
			return
		case ch := <-s.reads:
			ch <- s.snapshot()
		case _, ok := <-blocks:
			if !ok {
				blocks = nil
				continue
			}
			s.step()
		case <-s.kick:
			s.step()
		case <-tick.C:
			s.step()
		}
	}
}

func (s *Service) snapshot() []Served {
	out := make([]Served, 0, len(s.served))
	for _, p := range s.served {
		c := *p
		c.History = slices.Clone(p.History)
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b Served) int { return bytes.Compare(a.Pool.ID[:], b.Pool.ID[:]) })
	return out
}

// step reads the chain once and answers what is open.
func (s *Service) step() {
	ctx, cancel := context.WithTimeout(s.ctx, time.Minute)
	defer cancel()
	height, err := s.deps.Chain.Height(ctx)
	if err != nil {
		return
	}
	pools, err := s.deps.Chain.Pools(ctx, node.PoolFilter{Member: s.meHex, Limit: maxServed})
	if err != nil {
		s.log.Debug("read pools served", "err", err)
		return
	}
	seen := map[wire.Hash]bool{}
	for _, p := range pools {
		var me *node.PoolMemberInfo
		for i := range p.Members {
			if p.Members[i].PubKey == s.meHex {
				me = &p.Members[i]
			}
		}
		if me == nil {
			continue
		}
		seen[p.ID] = true
		sv := s.served[p.ID]
		if sv == nil {
			sv = &Served{}
			s.served[p.ID] = sv
		}
		sv.Pool, sv.Member = p, *me
	}
	for id := range s.served {
		if !seen[id] {
			delete(s.served, id)
		}
	}
	chs, err := s.deps.Chain.Challenges(ctx, s.me)
	if err != nil {
		s.log.Debug("read challenges", "err", err)
		return
	}
	for _, ch := range chs {
		k := answerKey{ch.Pool, ch.Epoch, ch.Redemption}
		if ch.Answered || ch.Deadline < height {
			continue
		}
		if at, ok := s.answered[k]; ok && height < at+answerRetry {
			continue // submitted; give it a few blocks to be mined
		}
		s.answer(ctx, ch, height)
	}
	s.prune(height)
}

// answerRetry is how many blocks a submitted answer gets to be mined
// before it is submitted again (a lost transaction).
const answerRetry = 3

// answer reads the data, builds the answer — a pool-answer, or a
// pool-serve for a serve challenge (a redeemer claimed this node silent) —
// and submits it; the result goes into the pool's history.
func (s *Service) answer(ctx context.Context, ch node.ChallengeInfo, height uint64) {
	rec := Challenge{ChallengeInfo: ch, Height: height}
	defer func() {
		if sv := s.served[ch.Pool]; sv != nil {
			sv.History = append(sv.History, rec)
			if len(sv.History) > maxHistory {
				sv.History = sv.History[len(sv.History)-maxHistory:]
			}
		}
	}()
	p, err := s.deps.Chain.Pool(ctx, ch.Pool)
	if err != nil {
		rec.Error = err.Error()
		return
	}
	data, tree, err := Data(ctx, s.deps.Chain, s.deps.Blobs, p, s.cfg.MaxData, false)
	if err != nil {
		rec.Error = err.Error()
		s.log.Warn("cannot answer a pool challenge", "pool", ch.Pool.Short(), "epoch", ch.Epoch, "err", err)
		return
	}
	ans, err := Answer(ch, data, tree)
	if err != nil {
		rec.Error = err.Error()
		return
	}
	var body wire.Body = ans
	if !ch.Redemption.IsZero() {
		body = wire.PoolServe{Pool: ans.Pool, Redemption: ch.Redemption, Index: ans.Index, Segment: ans.Segment, Branch: ans.Branch}
	}
	tx, err := s.deps.Chain.Submit(ctx, *s.cfg.Key, body)
	if err != nil {
		rec.Error = err.Error()
		s.log.Warn("submit a pool answer", "pool", ch.Pool.Short(), "epoch", ch.Epoch, "err", err)
		return
	}
	rec.Tx = tx
	s.answered[answerKey{ch.Pool, ch.Epoch, ch.Redemption}] = height
	if !ch.Redemption.IsZero() {
		s.log.Info("answered a serve challenge", "pool", ch.Pool.Short(), "redemption", ch.Redemption.Short(), "segment", ch.Segment, "tx", tx.Short())
		return
	}
	s.log.Info("answered a pool challenge", "pool", ch.Pool.Short(), "epoch", ch.Epoch, "segment", ch.Segment, "tx", tx.Short())
}

// SetSilent is a test hook: while on, this node answers no token
// redemption at all (the stream is cut unanswered), as a member that
// dodges serving would; its challenges are still answered.
func (s *Service) SetSilent(on bool) { s.silent.Store(on) }

// prune forgets answers far behind and keeps the map bounded.
func (s *Service) prune(height uint64) {
	for k, at := range s.answered {
		if at+1000 < height || len(s.answered) > maxAnswered {
			delete(s.answered, k)
		}
	}
}

func hexKey(pk wire.PubKey) string { return hex.EncodeToString(pk[:]) }
