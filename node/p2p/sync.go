package p2p

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bitverse/bitverse/node"
	"github.com/bitverse/bitverse/node/chain"
	"github.com/bitverse/bitverse/node/consensus"
	"github.com/bitverse/bitverse/node/wire"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
)

// Sync tuning.
const (
	syncHeaderPeers    = 3      // peers asked for the first headers of a round
	syncBodyPeers      = 8      // peers blocks are fetched from
	syncWorkersPerPeer = 2      // requests in flight per peer
	syncChunk          = 16     // blocks per request
	syncWindowChunks   = 32     // chunks fetched ahead of the one being connected
	syncMaxHeaders     = 20_000 // headers per round (then bodies, then the next round)
	syncMaxTries       = 6      // attempts at one chunk before the round gives up
	syncPeerFailures   = 3      // failed requests before a peer is dropped from a round
	maxSyncRun         = 1024   // blocks handed to SubmitRunFrom at once
	syncLogEvery       = 5 * time.Second
)

// syncer pulls the best chain from peers. One goroutine (run) owns a
// round; others only poke it and read progress.
type syncer struct {
	x       *Host
	trigger chan struct{}
	mu      sync.Mutex
	prog    node.Sync
}

func newSyncer(x *Host) *syncer {
	return &syncer{x: x, trigger: make(chan struct{}, 1)}
}

// poke asks for a sync round soon (coalesced).
func (s *syncer) poke() {
	select {
	case s.trigger <- struct{}{}:
	default:
	}
}

func (s *syncer) progress() node.Sync {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.prog
}

func (s *syncer) setProgress(p node.Sync) {
	s.mu.Lock()
	s.prog = p
	s.mu.Unlock()
	if s.x.cfg.OnSync != nil {
		s.x.cfg.OnSync(p)
	}
}

func (s *syncer) run(ctx context.Context) {
	defer s.x.wg.Done()
	t := time.NewTicker(s.x.cfg.SyncInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.trigger:
		case <-t.C:
		}
		stored := 0
		for ctx.Err() == nil {
			n, err := s.round(ctx)
			if err != nil && ctx.Err() == nil {
				s.x.log.Info("sync round ended early", "connected", n, "err", err)
			}
			stored += n
			if n == 0 {
				break
			}
		}
		if stored > 0 && ctx.Err() == nil {
			s.caughtUp(ctx)
		}
	}
}

// caughtUp tells every peer our status once a sync stored blocks and has
// nothing more to fetch: a peer that offered us its mempools while we were
// behind offers them again when it sees we caught up (offerPools), without
// waiting for the next periodic status.
func (s *syncer) caughtUp(ctx context.Context) {
	x := s.x
	for _, p := range x.h.Network().Peers() {
		x.wg.Add(1)
		go func() {
			defer x.wg.Done()
			x.ExchangeStatus(ctx, p)
		}()
	}
}

// candidate is a peer with more work than this node on one chain.
type candidate struct {
	id  peer.ID
	st  *Status
	tip ChainTip // the peer's tip of the chain being synced
}

// candidates lists the connected peers that report more work on chain c
// than ours, most work first: those storing c in full, and for a chain
// this node keeps as headers only (claims) also those keeping it so.
func (s *syncer) candidates(c wire.ChainID, ours *big.Int, claims bool) []candidate {
	x := s.x
	var out []candidate
	x.book.each(func(id peer.ID, ps *peerState) {
		if ps.status == nil || x.h.Network().Connectedness(id) != network.Connected {
			return
		}
		tipOf := ps.status.TipOf
		if claims {
			tipOf = ps.status.ClaimsTipOf
		}
		if t, ok := tipOf(c); ok && t.Work.Cmp(ours) > 0 {
			out = append(out, candidate{id: id, st: ps.status, tip: t})
		}
	})
	sort.Slice(out, func(i, j int) bool {
		if c := out[i].tip.Work.Cmp(out[j].tip.Work); c != 0 {
			return c > 0
		}
		return out[i].id < out[j].id
	})
	return out
}

// round runs one sync pass over every chain of the forest, root first,
// then by depth (a branch block needs its anchor, a block of the parent
// chain). For each chain: headers from up to three peers storing it in
// full with more work, then bodies from all of them, submitted in order.
// A root block held for the branch blocks its checkpoint names has those
// chains synced at once (resolveHeld); a chain whose next block stays
// held stops there until the next pass. It returns how many blocks the
// pass stored.
func (s *syncer) round(ctx context.Context) (int, error) {
	stored := 0
	var first error
	for _, c := range s.x.node.Forest().Chains() {
		if ctx.Err() != nil {
			break
		}
		n, err := s.chainRound(ctx, c, 0)
		stored += n
		if err != nil {
			if first == nil {
				first = fmt.Errorf("chain %s: %w", c.ID(), err)
			}
		}
	}
	if stored == 0 {
		if p := s.progress(); p.Syncing {
			p.Syncing, p.ETASeconds = false, 0
			s.setProgress(p)
		}
	}
	return stored, first
}

// chainRound syncs one chain from the peers ahead of us on it. nested
// counts the chain rounds it runs inside (see resolveHeld).
func (s *syncer) chainRound(ctx context.Context, c *chain.Chain, nested int) (int, error) {
	tip := c.Tip()
	cands := s.candidates(c.ID(), tip.Work, c.HeadersOnly())
	if len(cands) == 0 {
		return 0, nil
	}
	hdrs, err := s.fetchHeaders(ctx, c, cands)
	if err != nil || len(hdrs) == 0 {
		return 0, err
	}
	total := uint64(len(hdrs))
	if best := cands[0].tip.Height; best > tip.Height && best-tip.Height > total {
		total = best - tip.Height
	}
	var n int
	if c.HeadersOnly() {
		n, err = s.fetchClaims(ctx, c, hdrs, cands, total)
	} else {
		n, err = s.fetchBodies(ctx, c, hdrs, cands, total, nested)
	}
	s.x.log.Debug("sync chain", "chain", c.ID().String(), "headers", len(hdrs), "stored", n, "tip", c.Tip().Height, "err", err)
	return n, err
}

// fetchHeaders asks up to syncHeaderPeers peers at once for the headers
// of chain c after our locator, checks every answer against the chain's
// rules (difficulty included), keeps the one proving the most work, and
// continues with that peer until it has no more (or syncMaxHeaders). A
// peer whose complete answer proves less work than its status claimed is
// banned: the claim put it first in line.
func (s *syncer) fetchHeaders(ctx context.Context, c *chain.Chain, cands []candidate) ([]wire.Header, error) {
	x := s.x
	locator := c.Locator()
	ask := cands[:min(syncHeaderPeers, len(cands))]
	type answer struct {
		from peer.ID
		hs   []wire.Header
		run  *chain.HeaderRun
		err  error
	}
	answers := make([]answer, len(ask))
	var wg sync.WaitGroup
	for i, cand := range ask {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cctx, cancel := context.WithTimeout(ctx, fetchTimeout)
			defer cancel()
			hs, err := x.GetChainHeaders(cctx, cand.id, c.ID(), locator, MaxHeadersPerReply)
			var run *chain.HeaderRun
			sent := len(hs)
			if err == nil {
				hs, run, err = s.checkHeaders(c, nil, hs)
			}
			if errors.Is(err, ErrProtocol) {
				x.guard.ban(cand.id, 0, "bad headers: "+err.Error())
			} else if err == nil && len(hs) == sent && sent < MaxHeadersPerReply {
				s.checkClaim(c, cand, run) // all checked, and the peer has no more to show
			}
			answers[i] = answer{from: cand.id, hs: hs, run: run, err: err}
		}()
	}
	wg.Wait()
	best := -1
	for i, a := range answers {
		if a.err != nil || len(a.hs) == 0 {
			continue
		}
		if best < 0 || a.run.Work.Cmp(answers[best].run.Work) > 0 {
			best = i
		}
	}
	if best < 0 {
		for _, a := range answers {
			if a.err != nil {
				return nil, a.err
			}
		}
		return nil, nil
	}
	from, hs, run := answers[best].from, answers[best].hs, answers[best].run
	for len(hs) < syncMaxHeaders {
		last := hs[len(hs)-1]
		if len(hs)%MaxHeadersPerReply != 0 || run.Height != last.Height {
			break
		}
		loc := append([]wire.Hash{last.ID()}, locator...)
		cctx, cancel := context.WithTimeout(ctx, fetchTimeout)
		more, err := x.GetChainHeaders(cctx, from, c.ID(), loc, MaxHeadersPerReply)
		cancel()
		if err == nil && len(more) > 0 && more[0].Prev != last.ID() {
			break // the peer's chain moved; take what we have
		}
		var next *chain.HeaderRun
		sent := len(more)
		if err == nil {
			more, next, err = s.checkHeaders(c, run, more)
		}
		if err != nil {
			if errors.Is(err, ErrProtocol) {
				x.guard.ban(from, 0, "bad headers: "+err.Error())
				return nil, err // nothing it sent is worth fetching
			}
			break
		}
		if len(more) > 0 {
			hs, run = append(hs, more...), next
		}
		if len(more) < sent {
			break // the rest waits for an anchor this node lacks
		}
		if len(more) < MaxHeadersPerReply {
			for _, cand := range ask {
				if cand.id == from {
					s.checkClaim(c, cand, run)
				}
			}
			break
		}
	}
	return hs, nil
}

// checkClaim bans cand if the whole chain it showed (run, nil for none)
// proves less work than its status claimed for chain c while this node
// still has less than the claim: an honest peer's work only grows.
func (s *syncer) checkClaim(c *chain.Chain, cand candidate, run *chain.HeaderRun) {
	if c.Tip().Work.Cmp(cand.tip.Work) >= 0 {
		return // we caught up meanwhile: nothing to prove
	}
	shown := c.Tip().Work // no headers: its tip is on our best chain, so at most our work
	if run != nil {
		shown = run.Work
	}
	if shown.Cmp(cand.tip.Work) < 0 {
		s.x.guard.ban(cand.id, 0, fmt.Sprintf("claimed work %s on chain %s at height %d, but its headers prove only %s",
			cand.tip.Work, c.ID(), cand.tip.Height, shown))
	}
}

// checkHeaders checks headers of chain c that follow run (nil: a block we
// know): they link up, carry their proof of work and obey the chain's
// rules that depend on their ancestors, the difficulty rule among them. It
// returns the headers checked (a branch header whose anchor this node
// lacks ends them early) and the run they extend. An honest peer never
// fails this.
func (s *syncer) checkHeaders(c *chain.Chain, run *chain.HeaderRun, hs []wire.Header) ([]wire.Header, *chain.HeaderRun, error) {
	if len(hs) == 0 {
		return hs, run, nil
	}
	var prevID wire.Hash
	var prevHeight uint64
	if run == nil {
		parent, _, err := c.HeaderByID(hs[0].Prev)
		if err != nil {
			return nil, nil, fmt.Errorf("%w: headers start after unknown block %s", ErrProtocol, hs[0].Prev.Short())
		}
		prevID, prevHeight = hs[0].Prev, parent.Height
	} else {
		prevID, prevHeight = hs[0].Prev, run.Height
	}
	limit := s.x.node.Params().PowLimit
	for i := range hs {
		h := &hs[i]
		if h.Prev != prevID || h.Height != prevHeight+1 {
			return nil, nil, fmt.Errorf("%w: header %d does not follow the one before", ErrProtocol, i)
		}
		target := consensus.CompactToBig(h.Bits)
		if target.Sign() <= 0 || target.Cmp(limit) > 0 || !consensus.HashMeetsTarget(h.PowHash(), target) {
			return nil, nil, fmt.Errorf("%w: header %d (height %d) lacks its proof of work", ErrProtocol, i, h.Height)
		}
		prevID, prevHeight = h.ID(), h.Height
	}
	next, err := c.CheckHeaders(run, hs)
	switch {
	case errors.Is(err, chain.ErrNotFound):
		return nil, nil, fmt.Errorf("%w: headers start after unknown block %s", ErrProtocol, hs[0].Prev.Short())
	case consensus.CodeOf(err) != 0:
		return nil, nil, fmt.Errorf("%w: %v", ErrProtocol, err)
	case err != nil:
		return nil, nil, err
	}
	checked := int(next.Height - hs[0].Height + 1)
	if next.Height < hs[0].Height {
		checked = 0
	}
	return hs[:checked], next, nil
}

type syncJob struct {
	idx   int
	ids   []wire.Hash
	tries int
}

// fetched is a block sync received, with the peer that served it.
type fetched struct {
	b    *wire.Block
	from peer.ID
}

type syncResult struct {
	job    *syncJob
	blocks []*wire.Block
	from   peer.ID
}

// fetchBodies downloads the blocks of hdrs (of chain c) that this node
// lacks, chunk by chunk from every candidate peer in parallel (two
// requests in flight per peer, at most syncWindowChunks ahead), checks
// their signatures as they arrive (filling the signature cache) and
// submits them in order. It returns how many blocks were stored (with
// those resolveHeld stored on other chains); a block that stays held for
// a missing anchor or checkpointed block ends the chain's round without
// error (the next pass continues).
func (s *syncer) fetchBodies(ctx context.Context, c *chain.Chain, hdrs []wire.Header, cands []candidate, total uint64, nested int) (int, error) {
	x := s.x
	var ids []wire.Hash
	for i := range hdrs {
		if id := hdrs[i].ID(); !c.HasBlock(id) {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return 0, nil
	}
	var jobs []*syncJob
	for i := 0; i < len(ids); i += syncChunk {
		jobs = append(jobs, &syncJob{idx: len(jobs), ids: ids[i:min(i+syncChunk, len(ids))]})
	}
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	window := make(chan struct{}, syncWindowChunks)
	queue := make(chan *syncJob, len(jobs))
	retry := make(chan *syncJob, len(jobs))
	results := make(chan syncResult, len(jobs))
	go func() { // producer: hand out chunks in order, as the window allows
		for _, j := range jobs {
			select {
			case window <- struct{}{}:
			case <-rctx.Done():
				return
			}
			select {
			case queue <- j:
			case <-rctx.Done():
				return
			}
		}
	}()
	var giveUp atomic.Value
	var workers sync.WaitGroup
	peers := cands[:min(syncBodyPeers, len(cands))]
	for _, cand := range peers {
		var failures atomic.Int32
		for w := 0; w < syncWorkersPerPeer; w++ {
			workers.Add(1)
			go func() {
				defer workers.Done()
				s.bodyWorker(rctx, c, cand.id, &failures, queue, retry, results, &giveUp, cancel)
			}()
		}
	}
	allGone := make(chan struct{})
	go func() { workers.Wait(); close(allGone) }()

	start := time.Now()
	pending := map[int]syncResult{}
	next, connected, done := 0, 0, uint64(0)
	lastReport := time.Time{}
	var writes uint64 // transactions of the blocks done
	lastLog := start
	report := func(final bool) {
		if !final && time.Since(lastReport) < 200*time.Millisecond {
			return
		}
		lastReport = time.Now()
		el := time.Since(start).Seconds()
		p := node.Sync{Syncing: !final, Chain: c.ID().String(), Done: done, Total: max(total, done)}
		if el > 0 {
			p.Rate = float64(done) / el
			p.WriteRate = float64(writes) / el
		}
		if p.Rate > 0 && p.Total > done {
			p.ETASeconds = float64(p.Total-done) / p.Rate
		}
		s.setProgress(p)
		if final && done > 0 || time.Since(lastLog) >= syncLogEvery {
			lastLog = time.Now()
			x.log.Info("sync progress", "chain", p.Chain, "done", p.Done, "total", p.Total,
				"blocks_per_s", int(p.Rate), "writes_per_s", int(p.WriteRate), "eta", time.Duration(p.ETASeconds*float64(time.Second)).Round(time.Second))
		}
	}
	s.setProgress(node.Sync{Syncing: true, Chain: c.ID().String(), Total: total})
	var err error
loop:
	for next < len(jobs) {
		select {
		case r := <-results:
			pending[r.job.idx] = r
		case <-allGone:
			if e, ok := giveUp.Load().(error); ok {
				err = e
			} else {
				err = errors.New("no peer could serve the blocks")
			}
			break loop
		case <-rctx.Done():
			if e, ok := giveUp.Load().(error); ok {
				err = e
			} else {
				err = rctx.Err()
			}
			break loop
		}
	drain:
		for {
			select {
			case r := <-results:
				pending[r.job.idx] = r
			default:
				break drain
			}
		}
		// Every chunk ready in order joins one run, connected in as few
		// write transactions as it fits in; a block the run cannot take
		// goes alone to submitBlock for its verdict.
		var run []fetched
		for len(run) < maxSyncRun {
			r, ok := pending[next]
			if !ok {
				break
			}
			delete(pending, next)
			for _, b := range r.blocks {
				run = append(run, fetched{b: b, from: r.from})
			}
			next++
			<-window
		}
		for len(run) > 0 {
			blocks := make([]*wire.Block, len(run))
			for i, f := range run {
				blocks[i] = f.b
			}
			k, serr := x.gossip.submitRun(blocks, run[0].from)
			for _, b := range blocks[:k] {
				writes += uint64(len(b.Txs) - 1)
			}
			done += uint64(k)
			connected += k
			x.counters.synced.Add(uint64(k))
			if serr != nil {
				err = fmt.Errorf("connect blocks: %w", serr)
				break loop
			}
			if run = run[k:]; len(run) == 0 {
				break
			}
			b, from := run[0].b, run[0].from
			run = run[1:]
			id := b.ID()
			res, serr := x.gossip.submitBlock(b, from)
			switch {
			case errors.Is(serr, chain.ErrOrphan):
				// Held: it names a block of another chain this node
				// lacks (a root checkpoint names branch blocks). Sync
				// those chains now; if that releases it, carry on,
				// else what follows would be held too: stop here for
				// this pass.
				connected += s.resolveHeld(ctx, b, nested)
				if !c.HasBlock(id) {
					break loop
				}
				done++
				connected++
			case serr == nil || errors.Is(serr, chain.ErrKnown):
				done++
				if serr == nil {
					connected++
					if res == chain.Connected {
						x.counters.synced.Add(1)
					}
				}
			case consensus.CodeOf(serr) != 0:
				// A served block was on the server's best chain, so it
				// connected there: failing here is the server's fault,
				// unless it is only our clock.
				switch blockFault(serr) {
				case faultBan, faultPenalty:
					x.guard.ban(from, 0, "served an invalid block: "+serr.Error())
				}
				err = serr
				break loop
			default:
				err = fmt.Errorf("connect block %s: %w", id.Short(), serr)
				break loop
			}
		}
		report(false)
	}
	cancel()
	<-allGone
	report(true)
	return connected, err
}

// maxNestedRounds bounds how deep resolveHeld nests chain rounds.
const maxNestedRounds = 4

// resolveHeld syncs the chains below b's that hold the blocks b waits for
// (the entries of a root checkpoint), so b is released without waiting
// for the next pass. It returns the blocks stored.
func (s *syncer) resolveHeld(ctx context.Context, b *wire.Block, nested int) int {
	if nested >= maxNestedRounds {
		return 0
	}
	f := s.x.node.Forest()
	stored := 0
	done := map[wire.ChainID]bool{b.Header.Chain: true}
	for _, d := range missingDeps(f, b) {
		// Only chains below b's: a missing parent or anchor is on b's chain
		// or above it, which this pass syncs first (and may be syncing
		// right now, further up the stack).
		if d.chain.Depth <= b.Header.Chain.Depth || done[d.chain] || ctx.Err() != nil {
			continue
		}
		done[d.chain] = true
		if c := f.Chain(d.chain); c != nil {
			n, _ := s.chainRound(ctx, c, nested+1)
			stored += n
		}
	}
	return stored
}

// bodyWorker fetches chunks from one peer until the round ends or the peer
// fails too often.
func (s *syncer) bodyWorker(ctx context.Context, c *chain.Chain, p peer.ID, failures *atomic.Int32, queue, retry chan *syncJob,
	results chan<- syncResult, giveUp *atomic.Value, abort context.CancelFunc) {
	x := s.x
	sigs := c.SigCache()
	for failures.Load() < syncPeerFailures {
		var j *syncJob
		select {
		case j = <-retry:
		default:
			select {
			case j = <-retry:
			case j = <-queue:
			case <-ctx.Done():
				return
			}
		}
		fctx, cancel := context.WithTimeout(ctx, fetchTimeout)
		blocks, err := x.GetChainBlocks(fctx, p, c.ID(), j.ids)
		cancel()
		if err == nil {
			for i, b := range blocks {
				if b == nil {
					err = fmt.Errorf("peer lacks block %s", j.ids[i].Short())
					failures.Store(syncPeerFailures) // it is on another branch: stop asking it
					break
				}
			}
		}
		if err == nil {
			err = verifyChunk(x.net, blocks, sigs)
		}
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			if errors.Is(err, ErrProtocol) {
				x.guard.ban(p, 0, "sync: "+err.Error())
				failures.Store(syncPeerFailures)
			} else {
				failures.Add(1)
			}
			j.tries++
			if j.tries >= syncMaxTries {
				giveUp.Store(fmt.Errorf("blocks %s… could not be fetched after %d tries: %w", j.ids[0].Short(), j.tries, err))
				abort()
				return
			}
			retry <- j
			continue
		}
		results <- syncResult{job: j, blocks: blocks, from: p}
	}
}

// verifyChunk checks the signatures of a chunk of blocks together (batch
// verification pays from 16 signatures: a block of 10 writes alone would
// verify one by one), filling the signature cache for the connect that
// follows. A bad one is a protocol violation: the server connected the
// block, so it knew.
func verifyChunk(net wire.Network, blocks []*wire.Block, sigs *chain.SigCache) error {
	var txs []*wire.Tx
	var ids []wire.Hash
	var starts []int
	for _, b := range blocks {
		starts = append(starts, len(txs))
		txs = append(txs, b.Txs...)
		ids = append(ids, b.TxIDs()...)
	}
	k, err := chain.VerifyTxs(net, txs, ids, sigs)
	if err == nil {
		return nil
	}
	i := sort.Search(len(starts), func(i int) bool { return starts[i] > k }) - 1
	return fmt.Errorf("%w: block %s transaction %d: %v", ErrProtocol, blocks[i].ID().Short(), k-starts[i], err)
}
