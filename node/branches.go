package node

import (
	"context"
	"errors"
	"fmt"

	"github.com/bitverse/bitverse/node/chain"
	"github.com/bitverse/bitverse/node/mempool"
	"github.com/bitverse/bitverse/node/state"
	"github.com/bitverse/bitverse/node/wire"
	"go.etcd.io/bbolt"
)

// EventBranchBlock tells that a branch chain's tip moved (Chain names it).
const EventBranchBlock EventKind = "branch_block"

// branchPool makes the mempool of a fully stored branch chain: puts under
// the chain's prefix, paid from the sender's write credit as the root's
// tip shows it (blocks check it again at their anchor), and kept in the
// chain's own file so that an accepted write survives a restart.
func (n *Node) branchPool(id wire.ChainID, db *bbolt.DB) *mempool.Pool {
	return mempool.New(mempool.Config{Params: n.cfg.Params, DB: db, Sigs: n.sigs, Chain: id, Root: n.pool,
		Check: func(t *wire.Tx, parents []*wire.Tx) error { return n.chain.CheckAccess(t, parents...) },
		Available: func(pk wire.PubKey, spent uint64) (uint64, error) {
			credit := n.credit(pk, id)
			if credit < spent {
				return 0, nil
			}
			return credit - spent, nil
		}})
}

// credit returns what pk has stamped for chain id, on the root's tip.
func (n *Node) credit(pk wire.PubKey, id wire.ChainID) uint64 {
	var credit uint64
	n.db.View(func(tx *bbolt.Tx) error {
		credit, _ = state.CreditOf(tx, pk, id)
		return nil
	})
	return credit
}

// branchHooks returns the connect and disconnect hooks of branch chain id;
// they run under the forest's lock, so they only feed the pool, publish
// and poke the miner.
func (n *Node) branchHooks(id wire.ChainID) (onConnect, onDisconnect func(*wire.Block, uint64)) {
	onConnect = func(b *wire.Block, height uint64) {
		if p := n.pools[id]; p != nil {
			p.BlockConnected(b)
		}
		n.events.Publish(Event{Kind: EventBranchBlock, Chain: id.String(), Height: height, Block: b.ID(), Time: b.Header.Time})
		n.pokeTip()
	}
	onDisconnect = func(b *wire.Block, height uint64) {
		if p := n.pools[id]; p != nil {
			p.BlockDisconnected(b)
		}
		n.events.Publish(Event{Kind: EventBranchBlock, Chain: id.String(), Height: height - 1, Time: b.Header.Time, Undone: b.ID()})
	}
	return onConnect, onDisconnect
}

func (n *Node) pokeTip() {
	select {
	case n.tipMoved <- struct{}{}:
	default:
	}
}

// poolFor returns the mempool of chain id, or an error saying the node does
// not store it.
func (n *Node) poolFor(id wire.ChainID) (*mempool.Pool, error) {
	if id.IsRoot() {
		return n.pool, nil
	}
	if p := n.pools[id]; p != nil {
		return p, nil
	}
	if id.Depth > n.cfg.Params.MaxDepth {
		return nil, fmt.Errorf("%w: chain %s is below the network's depth %d", ErrBadRequest, id, n.cfg.Params.MaxDepth)
	}
	return nil, fmt.Errorf("%w: this node does not store chain %s in full; run it with --follow %s (or all)", ErrNotStored, id, id)
}

// PoolOf returns the mempool of chain id (the root's, or a fully stored
// branch's).
func (n *Node) PoolOf(id wire.ChainID) (*mempool.Pool, error) { return n.poolFor(id) }

// ErrNotStored means the node keeps only headers of a chain.
var ErrNotStored = errors.New("chain not stored here")

// pathTemplate builds the candidate blocks the miner hashes together: the
// root's, then one per chain down to the branch with the most writes
// waiting (merged mining costs the same for any path). With no branch
// writes waiting, the root alone.
func (n *Node) pathTemplate() ([]*wire.Block, error) {
	to := n.mineTo.Load()
	if to == nil {
		return nil, ErrNoMineTo
	}
	target := wire.RootChain
	most := 0
	for _, c := range n.forest.Chains() {
		if p := n.pools[c.ID()]; p != nil && p.Len() > most {
			target, most = c.ID(), p.Len()
		}
	}
	n.minePath.Store(&target)
	var path []wire.ChainID
	for c := target; ; c = c.Parent() {
		path = append([]wire.ChainID{c}, path...)
		if c.IsRoot() {
			break
		}
	}
	out := make([]*wire.Block, 0, len(path))
	for _, id := range path {
		pool, err := n.poolFor(id)
		if err != nil {
			return nil, err
		}
		c := n.forest.Chain(id)
		tmpl, err := c.NewTemplate(*to, pool.Select(n.cfg.Params.MaxBlockSize), n.cfg.Now())
		if err != nil {
			return nil, fmt.Errorf("template for chain %s: %w", id, err)
		}
		if len(tmpl.Rejected) > 0 {
			pool.Remove(tmpl.Rejected)
		}
		out = append(out, tmpl.Block)
	}
	return out, nil
}

// CreditInfo is an address's write credit on one branch chain.
type CreditInfo struct {
	Address string `json:"address"`
	Chain   string `json:"chain"`
	Credit  uint64 `json:"credit"` // stamped in total (root tip)
	Spent   uint64 `json:"spent"`  // spent by confirmed writes on the chain
	// Stamping is credit bought by pending root stamps, not yet in a block.
	Stamping  uint64 `json:"stamping"`
	Available uint64 `json:"available"` // credit + stamping - spent - pending writes' fees
	Nonce     uint64 `json:"nonce"`
	NextNonce uint64 `json:"next_nonce"`
	Pool      uint64 `json:"pool"` // stamped for the chain by everyone and not yet paid to miners
}

// Credit implements API.
func (n *Node) Credit(ctx context.Context, addr, chainName string) (*CreditInfo, error) {
	pk, err := n.parseAddr(addr)
	if err != nil {
		return nil, err
	}
	id, err := wire.ParseChainID(chainName)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadRequest, err)
	}
	if id.IsRoot() {
		return nil, fmt.Errorf("%w: the root chain has no write credit; writes there are paid from the balance", ErrBadRequest)
	}
	pool, err := n.poolFor(id)
	if err != nil {
		return nil, err
	}
	info := &CreditInfo{Address: addr, Chain: id.String()}
	n.db.View(func(tx *bbolt.Tx) error {
		info.Credit, info.Pool = state.CreditOf(tx, pk, id)
		return nil
	})
	err = n.forest.Chain(id).View(func(tx *bbolt.Tx, _ chain.TipInfo, _ state.Roots) error {
		a, err := state.GetAccount(tx, pk)
		info.Spent, info.Nonce = a.Balance, a.Nonce
		return err
	})
	if err != nil {
		return nil, err
	}
	if info.NextNonce, err = pool.NextNonce(pk); err != nil {
		return nil, err
	}
	var pending uint64
	for _, t := range pool.Pending(pk) {
		pending += t.Fee
	}
	info.Stamping = n.pool.PendingStamps(pk, id)
	total, _ := wire.AddAmounts(info.Credit, info.Stamping)
	if used := info.Spent + pending; used < total {
		info.Available = total - used
	}
	return info, nil
}

// maxCheckpointScan bounds how far back rootConfirmations looks for the
// root block that checkpointed a branch block.
const maxCheckpointScan = 4096

// rootConfirmations returns, for a value at height on chain c (with conf
// confirmations there), the confirmations of the root block whose
// checkpoint covers its block: the root confirmations of its finality.
// 0 if no root block on the best line checkpoints it yet.
func (n *Node) rootConfirmations(c *chain.Chain, height, conf uint64) uint64 {
	if c.ID().IsRoot() {
		return conf
	}
	blockID, err := c.IDAt(height)
	if err != nil {
		return 0
	}
	var last wire.Hash
	n.db.View(func(tx *bbolt.Tx) error {
		last = state.Checkpoint(tx, c.ID())
		return nil
	})
	if last.IsZero() {
		return 0
	}
	if h, ok, _ := c.HeaderByID(last); !ok || h.Height < height {
		return 0
	}
	tip := n.chain.Tip().Height
	for h := tip; h > 0 && tip-h < maxCheckpointScan; h-- {
		b, err := n.chain.BlockByHeight(h)
		if err != nil {
			return 0
		}
		if len(b.Txs) < 2 {
			continue
		}
		cp, ok := b.Txs[1].Body.(wire.Checkpoint)
		if !ok {
			continue
		}
		for _, e := range cp.Entries {
			if e.Chain == c.ID() && e.Block == blockID {
				return tip - h + 1
			}
		}
	}
	return 0
}

// branchTx finds a transaction in a branch pool or on a branch chain.
func (n *Node) branchTx(id wire.Hash) (*TxInfo, bool) {
	for cid, p := range n.pools {
		if t, ok := p.Get(id); ok {
			ti := n.txInfo(t)
			ti.Pending, ti.Chain, ti.Raw = true, cid.String(), t.Encode()
			return &ti, true
		}
	}
	for _, c := range n.forest.Chains() {
		if c.ID().IsRoot() || c.HeadersOnly() {
			continue
		}
		t, loc, err := c.TxByID(id)
		if err != nil {
			continue
		}
		ti := n.txInfo(t)
		ti.Chain, ti.Raw = c.ID().String(), t.Encode()
		ti.Block, ti.Height = loc.Block, loc.Height
		if tip := c.Tip().Height; tip >= loc.Height {
			ti.Confirmations = tip - loc.Height + 1
		}
		if h, _, err := c.HeaderByID(loc.Block); err == nil {
			ti.Time = h.Time
		}
		return &ti, true
	}
	return nil, false
}

// RemoteRead is a value (or its proven absence) a peer sent with a proof
// this node checked against a header it verified itself.
type RemoteRead struct {
	Peer   string
	Header wire.Header
	Record *state.Record // nil: proven absent
}

// RemoteReader fetches and verifies key on chain from peers that store it.
type RemoteReader func(ctx context.Context, chain wire.ChainID, key string) (*RemoteRead, error)

// SetRemoteReader lets the network layer answer reads of chains this node
// keeps headers only for (p2p.Host.RemoteReader).
func (n *Node) SetRemoteReader(r RemoteReader) {
	n.hooksMu.Lock()
	n.remote = r
	n.hooksMu.Unlock()
}

// getRemote reads key on headers-only chain c through a peer.
// RootByWorkOnly is GetResult.RootVouchedBy for a value read from a peer:
// this node checked the proof against a header it verified, whose state
// root it did not compute.
const RootByWorkOnly = "proof of work only: this node keeps headers only of the chain, so it checked the header's work, not the blocks that produced its state root"

func (n *Node) getRemote(ctx context.Context, c *chain.Chain, key string) (*GetResult, error) {
	n.hooksMu.RLock()
	r := n.remote
	n.hooksMu.RUnlock()
	if r == nil {
		return nil, fmt.Errorf("%w: %q is on chain %s, which this node does not store, and it has no network to ask (run it with --follow %s)", ErrNotStored, key, c.ID(), c.ID())
	}
	rr, err := r(ctx, c.ID(), key)
	if err != nil {
		return nil, err
	}
	if rr.Record == nil {
		return nil, fmt.Errorf("%w: nothing has been written at %q on chain %s (proven by peer %s at height %d)", ErrNotFound, key, c.ID(), rr.Peer, rr.Header.Height)
	}
	res := &GetResult{ValueRecord: n.valueRecord(key, rr.Record, c.Tip().Height)}
	res.Chain, res.RemotePeer = c.ID().String(), rr.Peer
	res.ProvenAt = rr.Header.Height
	res.RootVouchedBy = RootByWorkOnly
	res.RootConfirmations = n.rootConfirmations(c, res.Height, res.Confirmations)
	return res, nil
}
