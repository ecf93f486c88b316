package p2p

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bitverse/bitverse/node"
	"github.com/bitverse/bitverse/node/chain"
	"github.com/bitverse/bitverse/node/consensus"
	"github.com/bitverse/bitverse/node/mempool"
	"github.com/bitverse/bitverse/node/state"
	"github.com/bitverse/bitverse/node/wire"
	pubsub "github.com/libp2p/go-libp2p-pubsub"
	pb "github.com/libp2p/go-libp2p-pubsub/pb"
	"github.com/libp2p/go-libp2p/core/peer"
)

// MaxGossipMessage bounds one gossip RPC frame: the largest block plus room
// for control messages.
const MaxGossipMessage = wire.MaxBlockSize + 64<<10

// MessageID is the gossip message id: SHA-256 of topic and data. Messages
// are unsigned and carry no author or sequence number (our blocks and txs
// carry their own signatures), so the content is the identity.
func MessageID(m *pb.Message) string {
	h := sha256.New()
	h.Write([]byte(m.GetTopic()))
	h.Write([]byte{0})
	h.Write(m.Data)
	return string(h.Sum(nil))
}

// GossipOptions are the pubsub options every Bitverse node uses: no libp2p
// signing, content ids, queues sized for bursts, the block-sized message cap,
// and flood publishing (off by default in go-libp2p-pubsub v0.19): what a
// node publishes itself goes to every peer on the topic, not only to its
// mesh, which may still be empty right after a connection or a partition.
func GossipOptions() []pubsub.Option {
	return []pubsub.Option{
		pubsub.WithFloodPublish(true),
		pubsub.WithMessageSignaturePolicy(pubsub.StrictNoSign),
		pubsub.WithNoAuthor(),
		pubsub.WithMessageIdFn(MessageID),
		pubsub.WithPeerOutboundQueueSize(1024),
		pubsub.WithValidateQueueSize(1024),
		pubsub.WithMaxMessageSize(MaxGossipMessage),
	}
}

// Peers' transactions that may run access scripts are admitted at most
// maxScriptAdmits at a time, so block validation (which shares the node's
// script workers, at least two in the product) always finds one free, and
// at most maxAdmitWaiters wait for a slot; the rest are dropped unjudged
// (sync and the sender's re-announcement repair what honest peers lose).
const (
	maxScriptAdmits = 1
	maxAdmitWaiters = 256
)

// Costs, in tokens of a peer's useless allowance, of transactions that end
// in refusal: the nonce and balance checks are cheap; a refusal that came
// only after the signature was verified and the scripts ran costs what that
// work cost this node, so a flood of them ends in a ban ten times sooner.
const (
	costCheapRefusal  = 1
	costScriptRefusal = 10
)

// gossip is the host's part on gossipsub: the topic validators that judge
// what peers relay, the announcers of what the node accepted itself and
// the publisher goroutine (publishLoop, the only writer to the topics),
// transactions waiting for an earlier nonce, and the slots peers'
// script-running transactions share. quiet marks what came from peers
// (gossip, sync, fetched dependencies) while the node takes it, so that
// the announcers do not publish it again.
type gossip struct {
	x           *Host
	ps          *pubsub.PubSub
	topicBlocks *pubsub.Topic
	topicTxs    *pubsub.Topic
	topics      topicSet // the branch chains' block and claims topics (claimgossip.go)

	quiet   sync.Map // wire.Hash → struct{}: accepted from peers, not to be re-announced
	pubQ    chan pubItem
	waiting *txWaitlist

	// Slots for peers' transactions that may run scripts.
	admits       chan struct{}
	admitWaiters atomic.Int64

	// stale counts, per peer, the market refusals this root block that
	// fail only against this node's tip (staleFree of them are free).
	staleMu sync.Mutex
	stale   map[peer.ID]int
}

type pubItem struct {
	topic *pubsub.Topic
	data  []byte
}

func newGossip(x *Host) *gossip {
	return &gossip{x: x, pubQ: make(chan pubItem, 4096), waiting: newTxWaitlist(1000), stale: map[peer.ID]int{}}
}

// submitBlock hands a peer's block to the node, naming the sender (for the
// held pool) and marked quiet: the sender relays it itself, or sync fetched
// it, so the node's announcer must not publish it again.
func (g *gossip) submitBlock(b *wire.Block, from peer.ID) (chain.Result, error) {
	id := b.ID()
	g.quiet.Store(id, struct{}{})
	defer g.quiet.Delete(id)
	return g.x.node.SubmitBlockFrom(b, from.String())
}

// submitRun is submitBlock for a line of blocks sync fetched (one write
// transaction: Node.SubmitRunFrom).
func (g *gossip) submitRun(blocks []*wire.Block, from peer.ID) (int, error) {
	ids := make([]wire.Hash, len(blocks))
	for i, b := range blocks {
		ids[i] = b.ID()
		g.quiet.Store(ids[i], struct{}{})
	}
	defer func() {
		for _, id := range ids {
			g.quiet.Delete(id)
		}
	}()
	return g.x.node.SubmitRunFrom(blocks, from.String())
}

func (g *gossip) start() error {
	x := g.x
	g.admits = make(chan struct{}, maxScriptAdmits)
	opts := append(GossipOptions(), pubsub.WithBlacklist(x.guard.bans))
	ps, err := pubsub.NewGossipSub(x.ctx, x.h, opts...)
	if err != nil {
		return err
	}
	g.ps = ps
	if err := ps.RegisterTopicValidator(TopicBlocks(x.net), g.blockValidator(wire.RootChain),
		pubsub.WithValidatorConcurrency(16), pubsub.WithValidatorTimeout(time.Minute)); err != nil {
		return err
	}
	if err := ps.RegisterTopicValidator(TopicTxs(x.net), g.validateTx,
		pubsub.WithValidatorConcurrency(64), pubsub.WithValidatorTimeout(30*time.Second)); err != nil {
		return err
	}
	if g.topicBlocks, err = ps.Join(TopicBlocks(x.net)); err != nil {
		return err
	}
	if g.topicTxs, err = ps.Join(TopicTxs(x.net)); err != nil {
		return err
	}
	// Relay joins the mesh without a subscription to drain: everything a
	// node needs from gossip happens in the validators.
	if _, err := g.topicBlocks.Relay(); err != nil {
		return err
	}
	if _, err := g.topicTxs.Relay(); err != nil {
		return err
	}
	if err := g.joinTree(); err != nil {
		return err
	}
	x.wg.Add(1)
	go g.rebroadcastLoop()
	return nil
}

// fault says what a rejected object says about the peer that sent it.
type fault int

const (
	faultNone    fault = iota // not the sender's fault: ignore
	faultPenalty              // probably bad, but an honest peer could have relayed it
	faultBan                  // provably invalid: ban
)

// blockFault classifies a block error. Sanity and context rules (checked by
// every node before relaying) ban; failures found only when a side chain is
// connected cost score (a relayer checks side-chain blocks only for sanity);
// a time too far ahead may be the receiver's clock.
func blockFault(err error) fault {
	switch consensus.CodeOf(err) {
	case 0, consensus.ErrTimeTooNew:
		return faultNone
	case consensus.ErrBadStateRoot, consensus.ErrBadNonce, consensus.ErrInsufficientFunds,
		consensus.ErrInvalidAncestor, consensus.ErrBadCoinbaseAmount, consensus.ErrBadCoinbaseNonce,
		consensus.ErrBadCoinbaseFields, consensus.ErrMissingParent,
		consensus.ErrScriptRejected, consensus.ErrNoKeyspace, consensus.ErrKeyspaceTaken, consensus.ErrNotOwner:
		return faultPenalty
	}
	return faultBan
}

// txFault classifies a transaction error: a rule that holds whatever the
// state (signature, fee, shape, a script that does not compile, reserved
// relay bits) bans; one that depends on the state (consensus
// ErrorCode.DependsOnState: nonce, balance, keyspaces, scripts, bounties,
// relays, pools) or on this node's pool is nobody's fault: a relayer at
// another tip judged it valid. When that list was kept here, by hand,
// the pool codes were left off it and a node one block behind banned the
// pool member whose answer for the next epoch reached it first.
func txFault(err error) fault {
	if c := consensus.CodeOf(err); c == 0 || c.DependsOnState() {
		return faultNone
	}
	return faultBan
}

// validateBlockOn judges a block gossiped on the block topic of chain
// topic: one of another chain there bans its sender.
func (g *gossip) validateBlockOn(_ context.Context, topic wire.ChainID, from peer.ID, msg *pubsub.Message) pubsub.ValidationResult {
	x := g.x
	if from == x.h.ID() {
		return pubsub.ValidationAccept
	}
	if x.Banned(from) {
		return pubsub.ValidationReject
	}
	if len(msg.Data) > x.node.Params().MaxBlockSize+1024 {
		x.rejectFrom(from, faultBan, "oversized block message")
		return pubsub.ValidationReject
	}
	b, err := wire.DecodeBlock(msg.Data)
	if err != nil {
		x.rejectFrom(from, faultBan, "malformed block: "+err.Error())
		return pubsub.ValidationReject
	}
	if b.Header.Chain != topic {
		x.rejectFrom(from, faultBan, fmt.Sprintf("block of chain %s on the block topic of chain %s", b.Header.Chain, topic))
		return pubsub.ValidationReject
	}
	id := b.ID()
	c := x.node.Forest().Chain(b.Header.Chain)
	if c == nil {
		x.rejectFrom(from, faultBan, fmt.Sprintf("block of chain %s, which is not in the %s tree (it stops at depth %d)",
			b.Header.Chain, x.net.Name, x.node.Params().MaxDepth))
		return pubsub.ValidationReject
	}
	if c.HasBlock(id) {
		x.counters.ignored.Add(1)
		return pubsub.ValidationIgnore
	}
	// Everything that needs no other block first (cheap), then signatures
	// (context-free, cached), so a side-chain block is checked as far as it
	// can be before it is relayed.
	if _, err := chain.CheckSanity(x.node.Params(), b, time.Now()); err != nil {
		return g.judgeBlock(from, err)
	}
	if i, err := chain.VerifyTxs(x.net, b.Txs, b.TxIDs(), c.SigCache()); err != nil {
		return g.judgeBlock(from, consensus.Rule(consensus.ErrBadSignature, "transaction %d: %v", i, err))
	}
	_, err = g.submitBlock(b, from)
	switch {
	case err == nil:
		x.counters.accepted.Add(1)
		x.guard.reward(from)
		g.announceClaim(b)
		return pubsub.ValidationAccept
	case errors.Is(err, chain.ErrKnown):
		x.counters.ignored.Add(1)
		return pubsub.ValidationIgnore
	case errors.Is(err, chain.ErrOrphan):
		// Held: it names a block we lack (its parent, a branch block's
		// anchor, a block a checkpoint names). Not the sender's fault: ask
		// it for what is missing, and pull. A held block costs a point of
		// the useless allowance, so a flood of blocks on made-up parents
		// ends in a ban.
		x.counters.ignored.Add(1)
		x.guard.chargeUseless(from, "orphan blocks")
		x.deps.fetchFor(b, from)
		x.syncer.poke()
		return pubsub.ValidationIgnore
	}
	return g.judgeBlock(from, err)
}

func (g *gossip) judgeBlock(from peer.ID, err error) pubsub.ValidationResult {
	x := g.x
	f := blockFault(err)
	if f == faultNone {
		x.counters.ignored.Add(1)
		return pubsub.ValidationIgnore
	}
	x.rejectFrom(from, f, "invalid block: "+err.Error())
	return pubsub.ValidationReject
}

func (x *Host) rejectFrom(from peer.ID, f fault, reason string) {
	x.counters.rejected.Add(1)
	switch f {
	case faultBan:
		x.guard.ban(from, 0, reason)
	case faultPenalty:
		x.guard.penalize(from, penaltyStale, reason)
	}
}

func (g *gossip) validateTx(_ context.Context, from peer.ID, msg *pubsub.Message) pubsub.ValidationResult {
	x := g.x
	if from == x.h.ID() {
		return pubsub.ValidationAccept
	}
	if x.Banned(from) {
		return pubsub.ValidationReject
	}
	tx, err := wire.DecodeTx(msg.Data)
	if err != nil {
		x.rejectFrom(from, faultBan, "malformed transaction: "+err.Error())
		return pubsub.ValidationReject
	}
	res, _ := g.admitTx(from, tx, true, true)
	return res
}

// admitTx offers a transaction from a peer to the mempool. quiet means the
// sender relays it itself (gossip), so the node must not announce it again.
// A branch transaction is first checked for what holds whatever the state
// (relayTxCheck); if this node keeps its chain as headers only, it is then
// relayed (Accept) but kept in no mempool: this node cannot judge it
// further. Otherwise node.AddTx routes it to its chain's mempool. charge
// is false when the node offers a held transaction again: its sender was
// charged when it arrived, and the re-offer is this node's doing (a rule
// violation still costs the ban).
func (g *gossip) admitTx(from peer.ID, tx *wire.Tx, quiet, charge bool) (pubsub.ValidationResult, bool) {
	x := g.x
	// A branch transaction passed relayTxCheck; what its chain's mempool
	// refuses after that depends on the state (or on routing the node
	// does), and is nobody's fault.
	branch := false
	if !tx.Chain.IsRoot() {
		c := x.node.Forest().Chain(tx.Chain)
		if c == nil {
			x.rejectFrom(from, faultBan, fmt.Sprintf("transaction of chain %s, which is not in the %s tree", tx.Chain, x.net.Name))
			return pubsub.ValidationReject, false
		}
		if err := relayTxCheck(x.node.Params(), tx, c.SigCache()); err != nil {
			if f := txFault(err); f != faultNone {
				x.rejectFrom(from, f, "invalid transaction: "+err.Error())
				return pubsub.ValidationReject, false
			}
			x.counters.ignored.Add(1)
			return pubsub.ValidationIgnore, false
		}
		if c.HeadersOnly() {
			x.counters.accepted.Add(1)
			return pubsub.ValidationAccept, false
		}
		branch = true
	}
	id := tx.ID()
	if x.node.Mempool().Has(id) {
		x.counters.ignored.Add(1)
		return pubsub.ValidationIgnore, false
	}
	release, ok := g.admitSlot(tx)
	if !ok {
		x.counters.ignored.Add(1)
		return pubsub.ValidationIgnore, false
	}
	if quiet {
		g.quiet.Store(id, struct{}{})
	}
	_, err := x.node.AddTx(tx)
	if quiet {
		g.quiet.Delete(id)
	}
	release()
	switch {
	case err == nil:
		x.counters.accepted.Add(1)
		x.guard.reward(from)
		g.retryWaiting(tx.From)
		return pubsub.ValidationAccept, true
	case errors.Is(err, mempool.ErrNonceGap):
		// An earlier one may still be on its way: held, and charged like
		// any object that did this node no good yet (so a flood of
		// transactions that never become applicable ends in a ban).
		g.waiting.add(from, tx)
		if charge && !x.syncer.progress().Syncing {
			x.guard.chargeUselessN(from, costCheapRefusal, "transactions with a nonce gap")
		}
		x.counters.ignored.Add(1)
		return pubsub.ValidationIgnore, false
	case errors.Is(err, mempool.ErrKnown), errors.Is(err, mempool.ErrPoolFull), errors.Is(err, mempool.ErrReplacementFee),
		errors.Is(err, mempool.ErrBountyClaimed):
		x.counters.ignored.Add(1)
		return pubsub.ValidationIgnore, false
	}
	if f := txFault(err); f != faultNone && !branch {
		x.rejectFrom(from, f, "invalid transaction: "+err.Error())
		return pubsub.ValidationReject, false
	}
	if !charge || g.freeRefusal(from, err) {
		x.counters.ignored.Add(1)
		return pubsub.ValidationIgnore, false
	}
	// Valid in form but not against our state (nonce used, no funds). While
	// this node is catching up that is expected (the funding blocks are
	// still to come); otherwise it is charged, so signed spam from empty
	// accounts ends in a ban.
	// A refusal by an access script came after the signature was verified
	// and the script ran: that costs more.
	if !x.syncer.progress().Syncing {
		cost := costCheapRefusal
		if consensus.CodeOf(err) == consensus.ErrScriptRejected || errors.Is(err, state.ErrScriptUnavailable) {
			cost = costScriptRefusal
		}
		x.guard.chargeUselessN(from, cost, "transactions that do not apply")
	}
	x.counters.ignored.Add(1)
	return pubsub.ValidationIgnore, false
}

// admitSlot waits for one of the slots peers' script-running transactions
// share (other types need none) and returns its release. With too many
// already waiting it refuses at once.
func (g *gossip) admitSlot(tx *wire.Tx) (release func(), ok bool) {
	x := g.x
	switch tx.Body.(type) {
	case wire.Put, wire.KeyspaceBuy, wire.KeyspaceScript, wire.KeyspaceTransfer:
	default:
		return func() {}, true
	}
	if g.admits == nil {
		return func() {}, true
	}
	if g.admitWaiters.Add(1) > maxAdmitWaiters {
		g.admitWaiters.Add(-1)
		return nil, false
	}
	defer g.admitWaiters.Add(-1)
	select {
	case g.admits <- struct{}{}:
		return func() { <-g.admits }, true
	case <-x.ctx.Done():
		return nil, false
	}
}

// relayTxCheck applies to a branch transaction the rules that hold
// whatever the state: puts only, the minimum fee, a valid key under the
// transaction's chain, the value size, and the signature.
func relayTxCheck(p *consensus.Params, tx *wire.Tx, sigs *chain.SigCache) error {
	if tx.Body == nil || tx.Body.TxType() != tx.Type {
		return consensus.Rule(consensus.ErrUnknownTxType, "type %s does not match its body", tx.Type)
	}
	put, ok := tx.Body.(wire.Put)
	if !ok {
		return consensus.Rule(consensus.ErrBadTxChain, "a %s runs on the root chain; branch chains carry only puts", tx.Type)
	}
	if min := p.MinFee(tx.Size()); tx.Fee < min {
		return consensus.Rule(consensus.ErrFeeTooLow, "fee %d is below the minimum %d for %d bytes", tx.Fee, min, tx.Size())
	}
	if err := wire.ValidKey(put.Key); err != nil {
		return consensus.Rule(consensus.ErrBadKey, "%v", err)
	}
	if len(put.Value) > wire.MaxValueSize {
		return consensus.Rule(consensus.ErrValueTooBig, "value of %d bytes (max %d)", len(put.Value), wire.MaxValueSize)
	}
	if home := wire.ForPath(wire.KeyPath(put.Key), tx.Chain.Depth); home != tx.Chain {
		return consensus.Rule(consensus.ErrBadTxChain, "key %q belongs to chain %s, not %s", put.Key, home, tx.Chain)
	}
	if i, err := chain.VerifyTxs(p.Net, []*wire.Tx{tx}, []wire.Hash{tx.ID()}, sigs); err != nil {
		return consensus.Rule(consensus.ErrBadSignature, "transaction %d: %v", i, err)
	}
	return nil
}

// retryWaiting offers again the held transactions of sender, whose next
// nonce may just have arrived.
func (g *gossip) retryWaiting(sender wire.PubKey) {
	for _, w := range g.waiting.take(sender) {
		g.admitTx(w.from, w.tx, false, false)
	}
}

// announceBlock is the node's block announcer: publish what the node
// accepted itself (mined or submitted locally), not what it took from peers.
func (g *gossip) announceBlock(b *wire.Block) {
	if _, q := g.quiet.Load(b.ID()); q {
		return
	}
	t := g.topicBlocks
	if !b.Header.Chain.IsRoot() {
		if t, _ = g.topics.get(b.Header.Chain); t == nil {
			return // a chain this node keeps as headers only: nothing of it is mined or submitted here
		}
	}
	g.enqueue(t, b.Encode())
	g.announceClaim(b)
}

func (g *gossip) announceTx(tx *wire.Tx) {
	if _, q := g.quiet.Load(tx.ID()); q {
		return
	}
	g.enqueue(g.topicTxs, tx.Encode())
}

// enqueue hands a fresh encoding (Publish keeps the slice) to the
// publisher; the caller (the miner, an RPC handler) never waits on the
// network. A full queue drops: sync repairs what gossip loses.
func (g *gossip) enqueue(t *pubsub.Topic, data []byte) {
	x := g.x
	select {
	case g.pubQ <- pubItem{topic: t, data: data}:
	default:
		x.log.Warn("gossip queue full; announcement dropped")
	}
}

func (g *gossip) publishLoop() {
	x := g.x
	defer x.wg.Done()
	for {
		select {
		case <-x.ctx.Done():
			return
		case it := <-g.pubQ:
			if err := it.topic.Publish(x.ctx, it.data); err != nil && x.ctx.Err() == nil {
				x.log.Debug("publish", "topic", it.topic.String(), "err", err)
			}
		}
	}
}

// txWaitlist holds transactions whose nonce is ahead of the sender's
// pending ones, bounded; the oldest go first when full.
type txWaitlist struct {
	mu    sync.Mutex
	max   int
	n     int
	bySrc map[wire.PubKey][]waitingTx
	order []wire.PubKey
}

type waitingTx struct {
	from peer.ID
	tx   *wire.Tx
}

func newTxWaitlist(max int) *txWaitlist {
	return &txWaitlist{max: max, bySrc: map[wire.PubKey][]waitingTx{}}
}

func (w *txWaitlist) add(from peer.ID, tx *wire.Tx) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for w.n >= w.max && len(w.order) > 0 {
		old := w.order[0]
		w.order = w.order[1:]
		w.n -= len(w.bySrc[old])
		delete(w.bySrc, old)
	}
	if _, ok := w.bySrc[tx.From]; !ok {
		w.order = append(w.order, tx.From)
	}
	w.bySrc[tx.From] = append(w.bySrc[tx.From], waitingTx{from: from, tx: tx})
	w.n++
}

func (w *txWaitlist) take(sender wire.PubKey) []waitingTx {
	w.mu.Lock()
	defer w.mu.Unlock()
	txs, ok := w.bySrc[sender]
	if !ok {
		return nil
	}
	delete(w.bySrc, sender)
	w.n -= len(txs)
	for i, s := range w.order {
		if s == sender {
			w.order = append(w.order[:i], w.order[i+1:]...)
			break
		}
	}
	// Lowest nonce first.
	for i := 1; i < len(txs); i++ {
		for j := i; j > 0 && txs[j].tx.Nonce < txs[j-1].tx.Nonce; j-- {
			txs[j], txs[j-1] = txs[j-1], txs[j]
		}
	}
	return txs
}

// GossipPeers lists the peers this node exchanges block gossip with (the
// peers that told it they joined the blocks topic).
func (x *Host) GossipPeers() []peer.ID {
	if x.gossip.ps == nil {
		return nil
	}
	return x.gossip.ps.ListPeers(TopicBlocks(x.net))
}

// Offering again and refusals judged against the tip.
//
// Gossip carries a transaction once (peers remember message ids), so a
// transaction whose message was lost (a validation queue full or timed
// out on a loaded peer) would wait in its sender's pool for good, and
// every later nonce of its sender with it. Every rebroadcastBlocks root
// blocks the host pushes to its peers the transactions still pending
// since the previous round (as Bitcoin Core rebroadcasts its wallet's).
//
// A peer at another tip, or a round that crosses a block, refuses some of
// them for reasons that hold only against its tip: a nonce the block
// used, a bounty that moved on (a relay-miss that lost the race with the
// slot's countersign, a countersign after the requester's dispute). Those
// are nobody's fault. A used nonce is refused before the signature is
// verified (cheap): never charged. A market move refused by the bounty's
// state came after the signature and a state read, so only staleFree of
// them a root block are free per peer; past that they are charged as any
// transaction that does not apply. Bad signatures, malformed or
// wrong-network transactions still ban (txFault).
const (
	rebroadcastBlocks = 4
	staleFree         = 16
)

// freeRefusal reports whether err refuses a peer's transaction only
// against this node's tip and within what is free (see above).
func (g *gossip) freeRefusal(from peer.ID, err error) bool {
	switch c := consensus.CodeOf(err); {
	case c == consensus.ErrBadNonce:
		return true
	case c.Races():
		g.staleMu.Lock()
		defer g.staleMu.Unlock()
		if g.stale[from] >= staleFree {
			return false
		}
		g.stale[from]++
		return true
	}
	return false
}

// rebroadcastLoop resets the free stale refusals at every root block and
// pushes what is still pending every rebroadcastBlocks of them.
func (g *gossip) rebroadcastLoop() {
	x := g.x
	defer x.wg.Done()
	events, cancel := x.node.Subscribe(256)
	defer cancel()
	var blocks uint64
	waiting := map[wire.Hash]bool{} // pending at the last round
	for {
		select {
		case <-x.ctx.Done():
			return
		case ev, ok := <-events:
			if !ok {
				return
			}
			if ev.Kind != node.EventBlockConnected {
				continue
			}
			g.staleMu.Lock()
			clear(g.stale)
			g.staleMu.Unlock()
			if blocks++; blocks%rebroadcastBlocks != 0 {
				continue
			}
			var raws [][]byte
			raws, waiting = g.stillWaiting(waiting)
			if len(raws) == 0 {
				continue
			}
			x.log.Debug("offering again transactions pending for a while", "txs", len(raws))
			for _, p := range x.h.Network().Peers() {
				x.wg.Add(1)
				go func() {
					defer x.wg.Done()
					ctx, cancel := context.WithTimeout(x.ctx, fetchTimeout)
					defer cancel()
					x.pushRaw(ctx, p, raws)
				}()
			}
		}
	}
}

// stillWaiting returns the transactions of this node's fully stored
// mempools that were already pending at the last round (in prev), and the
// set pending now for the next round. It looks at what Select would mine
// first, at most MaxRequestFrame bytes per chain, so a round is bounded.
func (g *gossip) stillWaiting(prev map[wire.Hash]bool) ([][]byte, map[wire.Hash]bool) {
	x := g.x
	var raws [][]byte
	now := map[wire.Hash]bool{}
	for _, c := range x.node.Forest().Chains() {
		if c.HeadersOnly() {
			continue
		}
		pool, err := x.node.PoolOf(c.ID())
		if err != nil {
			continue
		}
		for _, t := range pool.Select(MaxRequestFrame) {
			id := t.ID()
			now[id] = true
			if prev[id] {
				raws = append(raws, t.Encode())
			}
		}
	}
	return raws, now
}
