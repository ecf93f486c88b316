package node

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bitverse/bitverse/miner"
	"github.com/bitverse/bitverse/node/chain"
	"github.com/bitverse/bitverse/node/consensus"
	"github.com/bitverse/bitverse/node/mempool"
	"github.com/bitverse/bitverse/node/script"
	"github.com/bitverse/bitverse/node/state"
	"github.com/bitverse/bitverse/node/store"
	"github.com/bitverse/bitverse/node/wire"
	"go.etcd.io/bbolt"
)

// Config configures a node.
type Config struct {
	DataDir      string
	Params       *consensus.Params
	Log          *slog.Logger
	MineTo       wire.PubKey // rewards go here; zero = unset
	MinerWorkers int         // 0 = one per core
	Now          func() time.Time
	// Scripts runs keyspaces' access scripts. The product passes a
	// script.Pool of worker processes (the isolation boundary); nil means
	// an in-process runner, for tests and tools whose binary cannot host
	// workers. A runner with lanes (script.Lanes, as a Pool has) is split:
	// block validation runs on ForBlocks, admission checks on ForAdmission,
	// so blocks never wait behind transactions peers send.
	Scripts script.Runner
	// Follow names the branch chains to store in full (bodies and state);
	// their ancestors and the root are stored in full too, every other
	// chain down to Params.MaxDepth as headers only. nil follows every
	// chain (a lone node stores everything).
	Follow []wire.ChainID
}

// Node is a running Bitverse node.
type Node struct {
	cfg    Config
	log    *slog.Logger
	db     *bbolt.DB
	chain  *chain.Chain // the root of forest
	forest *chain.Forest
	// branchDBs are the branch chains' files (closed after db).
	branchDBs []*bbolt.DB
	pool      *mempool.Pool
	// pools are the mempools of the fully stored branch chains.
	pools  map[wire.ChainID]*mempool.Pool
	sigs   *chain.SigCache
	miner  *miner.Miner
	events *Broker

	mineTo   atomic.Pointer[wire.PubKey]
	refresh  chan struct{} // to the miner
	tipMoved chan struct{} // internal: coalesced tip changes

	// minePath is the deepest chain of the last path template.
	minePath atomic.Pointer[wire.ChainID]
	// branchTxs: a branch pool changed (coalesced)
	branchTxs chan struct{}
	peers     atomic.Int64
	// syncProgress is set by the p2p layer while catching up.
	syncProgress atomic.Pointer[Sync]

	// accepted are told of every block and transaction this node accepts
	// (the p2p layer announces them); empty when running alone.
	hooksMu  sync.RWMutex
	accepted map[int]acceptHook
	nextHook int
	remote   RemoteReader // reads of headers-only chains through peers
	blocks   RemoteBlocks // blocks of headers-only chains through peers
	// explored caches the blocks Explore fetched from peers.
	explored fetchCache
	// chainPeers counts connected peers storing each chain (p2p).
	chainPeers func() map[wire.ChainID]int

	closeOnce sync.Once
	quit      chan struct{}
	wg        sync.WaitGroup
}

// Open opens (or creates) the node's database in cfg.DataDir and loads the
// chain and the persisted mempool. It does not start mining.
func Open(cfg Config) (*Node, error) {
	if cfg.Params == nil {
		cfg.Params = consensus.Devnet()
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	for _, id := range cfg.Follow {
		if err := checkFollowDepth(id, cfg.Params); err != nil {
			return nil, fmt.Errorf("follow set: %w", err)
		}
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	db, err := store.Open(filepath.Join(cfg.DataDir, "chain.db"))
	if err != nil {
		return nil, err
	}
	n := &Node{cfg: cfg, log: cfg.Log, db: db, events: NewBroker(),
		refresh: make(chan struct{}, 1), tipMoved: make(chan struct{}, 1), branchTxs: make(chan struct{}, 1), quit: make(chan struct{})}
	sigs := chain.NewSigCache(200_000)
	n.sigs, n.pools = sigs, map[wire.ChainID]*mempool.Pool{}
	if cfg.Scripts == nil {
		cfg.Scripts = script.NewInProcess()
	}
	scripts := state.NewScripts(cfg.Scripts)
	admission := scripts
	if l, ok := cfg.Scripts.(script.Lanes); ok {
		scripts = state.NewScripts(l.ForBlocks())
		admission = scripts.WithRunner(l.ForAdmission())
	}
	n.pool = mempool.New(mempool.Config{Params: cfg.Params, DB: db, Sigs: sigs,
		Check: func(t *wire.Tx, parents []*wire.Tx) error { return n.chain.CheckAccess(t, parents...) }})
	// The blocktree: the root on chain.db (hooks feed the mempool, the
	// address index and events), then every branch on its own file.
	n.forest = chain.NewForest(cfg.Params)
	base := chain.Config{Params: cfg.Params, Now: cfg.Now, Log: cfg.Log, Sigs: sigs, Scripts: scripts, AdmissionScripts: admission}
	rootCfg := base
	rootCfg.DB, rootCfg.ID = db, wire.RootChain
	rootCfg.OnConnect, rootCfg.OnDisconnect = n.blockConnected, n.blockDisconnected
	rootCfg.IndexTx = indexBlock
	fail := func(err error) (*Node, error) {
		db.Close()
		n.closeBranches()
		return nil, err
	}
	if n.chain, err = n.forest.Add(rootCfg); err != nil {
		return fail(err)
	}
	if err := n.openBranches(base); err != nil {
		return fail(err)
	}
	if err := reindexIfNeeded(db, n.chain); err != nil {
		return fail(fmt.Errorf("address index: %w", err))
	}
	kept, err := n.pool.Load()
	if err != nil {
		return fail(fmt.Errorf("load mempool: %w", err))
	}
	for id, p := range n.pools {
		k, err := p.Load()
		if err != nil {
			return fail(fmt.Errorf("load mempool of chain %s: %w", id, err))
		}
		kept += k
	}
	if !cfg.MineTo.IsZero() {
		pk := cfg.MineTo
		n.mineTo.Store(&pk)
	}
	n.miner = miner.New(miner.Config{
		Template: n.template,
		Path:     n.pathTemplate,
		MaxDepth: cfg.Params.MaxDepth,
		Submit:   n.submitMined,
		Refresh:  n.refresh,
		Workers:  cfg.MinerWorkers,
		Log:      cfg.Log,
	})
	n.wg.Add(1)
	go n.forwardChanges()
	for _, p := range n.pools {
		n.wg.Add(1)
		go n.forwardPool(p)
	}
	tip := n.chain.Tip()
	n.log.Info("node open", "datadir", cfg.DataDir, "network", cfg.Params.Net.Name, "height", tip.Height, "tip", tip.ID.Short(), "mempool", kept)
	return n, nil
}

// Close stops the miner and closes the database. Idempotent.
func (n *Node) Close() error {
	var err error
	n.closeOnce.Do(func() {
		n.miner.Stop()
		close(n.quit)
		n.wg.Wait()
		err = n.db.Close()
		if berr := n.closeBranches(); err == nil {
			err = berr
		}
	})
	return err
}

// Chain, Mempool, DB and Params expose the parts to the p2p layer and tests.
func (n *Node) Chain() *chain.Chain       { return n.chain }
func (n *Node) Mempool() *mempool.Pool    { return n.pool }
func (n *Node) DB() *bbolt.DB             { return n.db }
func (n *Node) Params() *consensus.Params { return n.cfg.Params }
func (n *Node) Broker() *Broker           { return n.events }
func (n *Node) Miner() *miner.Miner       { return n.miner }

// DataDir returns the node's data directory (the p2p layer keeps its
// identity key there).
func (n *Node) DataDir() string { return n.cfg.DataDir }

// SetSync records sync progress for Status (the assembly passes it as the
// p2p host's Config.OnSync).
func (n *Node) SetSync(s Sync) { n.syncProgress.Store(&s) }

// SetPeerCount records the number of connected peers (the assembly passes
// it as the p2p host's Config.OnPeers).
func (n *Node) SetPeerCount(c int) {
	n.peers.Store(int64(c))
	n.events.Publish(Event{Kind: EventPeers})
}

type acceptHook struct {
	block func(*wire.Block)
	tx    func(*wire.Tx)
}

// OnAccepted subscribes block and tx (either may be nil) to every block
// that joins the best chain and every transaction admitted to a mempool,
// called on the accepting goroutine (keep them quick). cancel ends the
// subscription.
func (n *Node) OnAccepted(block func(*wire.Block), tx func(*wire.Tx)) (cancel func()) {
	n.hooksMu.Lock()
	defer n.hooksMu.Unlock()
	if n.accepted == nil {
		n.accepted = map[int]acceptHook{}
	}
	id := n.nextHook
	n.nextHook++
	n.accepted[id] = acceptHook{block, tx}
	return func() {
		n.hooksMu.Lock()
		delete(n.accepted, id)
		n.hooksMu.Unlock()
	}
}

// hooks returns the current accept subscriptions.
func (n *Node) hooks() []acceptHook {
	n.hooksMu.RLock()
	defer n.hooksMu.RUnlock()
	out := make([]acceptHook, 0, len(n.accepted))
	for _, h := range n.accepted {
		out = append(out, h)
	}
	return out
}

// Subscribe follows the node's events (Broker().Subscribe).
func (n *Node) Subscribe(buf int) (<-chan Event, func()) { return n.events.Subscribe(buf) }

// blockConnected runs under the chain lock: keep it quick and never call
// back into the chain.
func (n *Node) blockConnected(b *wire.Block, height uint64) {
	n.pool.BlockConnected(b) // the address index was written with the block (IndexTx)
	n.events.Publish(Event{Kind: EventBlockConnected, Height: height, Block: b.ID(), Time: b.Header.Time})
	select {
	case n.tipMoved <- struct{}{}:
	default:
	}
}

func (n *Node) blockDisconnected(b *wire.Block, height uint64) {
	n.pool.BlockDisconnected(b)
	n.events.Publish(Event{Kind: EventBlockDisconnected, Height: height, Block: b.ID()})
}

// forwardChanges turns tip moves (at once) and mempool additions (at most
// twice a second) into miner refreshes.
func (n *Node) forwardChanges() {
	defer n.wg.Done()
	var txTimer <-chan time.Time
	poke := func() {
		select {
		case n.refresh <- struct{}{}:
		default:
		}
	}
	for {
		select {
		case <-n.quit:
			return
		case <-n.tipMoved:
			poke()
			// A block may have made pending market transactions invalid
			// (a window closed, a bounty moved on); judging them again
			// asks the chain, which the connect hook must not do. At most
			// mempool.MaxRecheck are judged per tip move.
			if r := n.pool.Recheck(); r.Dropped > 0 {
				n.log.Debug("mempool: dropped transactions a block made invalid", "dropped", r.Dropped, "checked", r.Checked)
			}
		case <-n.pool.Changed():
			if txTimer == nil {
				txTimer = time.After(500 * time.Millisecond)
			}
		case <-n.branchTxs:
			if txTimer == nil {
				txTimer = time.After(500 * time.Millisecond)
			}
		case <-txTimer:
			txTimer = nil
			poke()
		}
	}
}

// forwardPool passes a branch pool's changes on to forwardChanges.
func (n *Node) forwardPool(p *mempool.Pool) {
	defer n.wg.Done()
	for {
		select {
		case <-n.quit:
			return
		case <-p.Changed():
			select {
			case n.branchTxs <- struct{}{}:
			default:
			}
		}
	}
}

func (n *Node) template() (*wire.Block, error) {
	to := n.mineTo.Load()
	if to == nil {
		return nil, ErrNoMineTo
	}
	cands := n.pool.Select(n.cfg.Params.MaxBlockSize)
	tmpl, err := n.chain.NewTemplate(*to, cands, n.cfg.Now())
	if err != nil {
		return nil, err
	}
	if len(tmpl.Rejected) > 0 {
		n.pool.Remove(tmpl.Rejected)
	}
	return tmpl.Block, nil
}

func (n *Node) submitMined(b *wire.Block) error {
	_, err := n.SubmitBlock(b)
	if err == nil {
		n.log.Info("mined block", "height", b.Header.Height, "id", b.ID().Short(), "txs", len(b.Txs))
	}
	return err
}

// SubmitBlock processes a block made here (the miner, a local submit) and
// announces it if it joined the best chain.
func (n *Node) SubmitBlock(b *wire.Block) (chain.Result, error) { return n.SubmitBlockFrom(b, "") }

// SubmitBlockFrom is SubmitBlock for a block the peer from sent: if it is
// held (waiting for a block this node lacks), it counts against from's
// share of the held pool, so a peer flooding it evicts its own blocks.
func (n *Node) SubmitBlockFrom(b *wire.Block, from string) (chain.Result, error) {
	res, err := n.chain.ProcessBlockFrom(b, from)
	if err == nil && res == chain.Connected {
		for _, h := range n.hooks() {
			if h.block != nil {
				h.block(b)
			}
		}
	}
	return res, err
}

// SubmitRunFrom connects blocks, a line of one chain extending its tip, as
// SubmitBlockFrom would one by one but in one write transaction
// (chain.Forest.ProcessRun: sync hands it the blocks it fetched). It
// returns how many leading blocks it connected; the caller submits the
// next one with SubmitBlockFrom, which gives its exact outcome.
func (n *Node) SubmitRunFrom(blocks []*wire.Block, from string) (int, error) {
	k, err := n.forest.ProcessRun(blocks)
	hooks := n.hooks()
	for _, b := range blocks[:k] {
		for _, h := range hooks {
			if h.block != nil {
				h.block(b)
			}
		}
	}
	return k, err
}

// AddTx admits a transaction to the mempool and announces it.
func (n *Node) AddTx(tx *wire.Tx) (wire.Hash, error) {
	pool, err := n.poolFor(tx.Chain)
	if err != nil {
		return tx.ID(), err
	}
	id, err := pool.Add(tx)
	if err != nil {
		return id, err
	}
	n.events.Publish(Event{Kind: EventTxAdded, Tx: id})
	for _, h := range n.hooks() {
		if h.tx != nil {
			h.tx(tx)
		}
	}
	return id, nil
}

// StartMining starts the miner paying to (or to the configured address).
func (n *Node) StartMining(to *wire.PubKey) error {
	if to != nil && !to.IsZero() {
		pk := *to
		n.mineTo.Store(&pk)
	}
	if n.mineTo.Load() == nil {
		return ErrNoMineTo
	}
	n.miner.Start()
	n.events.Publish(Event{Kind: EventMining})
	return nil
}

// StopMining stops the miner.
func (n *Node) StopMining() {
	n.miner.Stop()
	n.events.Publish(Event{Kind: EventMining})
}

// WaitForTx blocks until id is in a block or ctx ends.
func (n *Node) WaitForTx(ctx context.Context, id wire.Hash) (*TxInfo, error) {
	ch, cancel := n.events.Subscribe(64)
	defer cancel()
	for {
		if info, err := n.Tx(ctx, id); err == nil && !info.Pending {
			return info, nil
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-ch:
		case <-time.After(time.Second):
		}
	}
}
