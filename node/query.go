package node

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"math/big"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/bitverse/bitverse/node/chain"
	"github.com/bitverse/bitverse/node/consensus"
	"github.com/bitverse/bitverse/node/state"
	"github.com/bitverse/bitverse/node/wire"
	"go.etcd.io/bbolt"
)

var _ API = (*Node)(nil)

func (n *Node) net() wire.Network { return n.cfg.Params.Net }

// Status implements API.
func (n *Node) Status(ctx context.Context) (Status, error) {
	tip := n.chain.Tip()
	ms := n.miner.Stats()
	s := Status{
		Network: n.net().Name, Height: tip.Height, Tip: tip.ID, TipTime: tip.Time, Bits: tip.Bits,
		Difficulty: difficulty(tip.Bits), StateRoot: tip.StateRoot,
		Mining: ms.Running, HashRate: ms.HashRate, BlocksFound: ms.BlocksFound,
		Mempool: n.pool.Len(), MempoolBytes: n.pool.Bytes(), Orphans: n.chain.Orphans(),
		Peers: int(n.peers.Load()), DataDir: n.cfg.DataDir,
	}
	if to := n.mineTo.Load(); to != nil {
		s.MineTo = wire.EncodeAddress(n.net(), *to)
	}
	if p := n.minePath.Load(); p != nil && ms.Running {
		s.MinePath = p.String()
	}
	if len(ms.FoundByChain) > 0 {
		s.FoundByChain = ms.FoundByChain
	}
	if p := n.syncProgress.Load(); p != nil {
		s.Sync = *p
	}
	return s, nil
}

func difficulty(bits uint32) float64 {
	f, _ := new(big.Float).SetInt(consensus.Work(bits)).Float64()
	return f
}

func (n *Node) parseAddr(s string) (wire.PubKey, error) {
	pk, err := wire.ParseAddress(n.net(), s)
	if err != nil {
		return pk, fmt.Errorf("%w: %w", ErrBadRequest, err)
	}
	return pk, nil
}

// Account implements API.
func (n *Node) Account(ctx context.Context, addr string) (AccountInfo, error) {
	pk, err := n.parseAddr(addr)
	if err != nil {
		return AccountInfo{}, err
	}
	var a state.Account
	if err := n.db.View(func(tx *bbolt.Tx) error {
		a, err = state.GetAccount(tx, pk)
		return err
	}); err != nil {
		return AccountInfo{}, err
	}
	next, err := n.pool.NextNonce(pk)
	if err != nil {
		return AccountInfo{}, err
	}
	spending, err := n.pool.PendingSpend(pk)
	if err != nil {
		return AccountInfo{}, err
	}
	return AccountInfo{Address: wire.EncodeAddress(n.net(), pk), Balance: a.Balance, Immature: a.Immature,
		Nonce: a.Nonce, NextNonce: next, Pending: int(next - a.Nonce), Spending: spending}, nil
}

// SubmitTx implements API: decode, admit, announce.
func (n *Node) SubmitTx(ctx context.Context, raw []byte) (wire.Hash, error) {
	tx, err := wire.DecodeTx(raw)
	if err != nil {
		return wire.Hash{}, fmt.Errorf("%w: %w", ErrBadRequest, err)
	}
	return n.AddTx(tx)
}

func (n *Node) valueRecord(key string, r *state.Record, tip uint64) ValueRecord {
	v := ValueRecord{Key: key, Size: len(r.Value), Height: r.Height, Writer: wire.EncodeAddress(n.net(), r.Writer), TxID: r.TxID}
	if tip >= r.Height {
		v.Confirmations = tip - r.Height + 1
	}
	if utf8.Valid(r.Value) {
		v.Value = string(r.Value)
	} else {
		v.Value = base64.StdEncoding.EncodeToString(r.Value)
		v.Encoding = "base64"
	}
	return v
}

// Get implements API: GetOn at any depth.
func (n *Node) Get(ctx context.Context, key string, proof, history bool) (*GetResult, error) {
	return n.GetOn(ctx, key, -1, proof, history)
}

// GetOn implements API. The key lives on the chain of its path at depth;
// depth -1 looks from the root down through the chains this node stores
// and answers with the shallowest (the most secure) copy. With proof, the
// proof is built against that chain's tip and verified here before it is
// returned (the client verifies it again).
func (n *Node) GetOn(ctx context.Context, key string, depth int, proof, history bool) (*GetResult, error) {
	if err := wire.ValidKey(key); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadRequest, err)
	}
	if depth > int(n.cfg.Params.MaxDepth) {
		return nil, fmt.Errorf("%w: depth %d is below the network's %d levels", ErrBadRequest, depth, n.cfg.Params.MaxDepth)
	}
	if depth >= 0 {
		id := wire.ForPath(wire.KeyPath(key), uint8(depth))
		c := n.forest.Chain(id)
		if c.HeadersOnly() {
			return n.getRemote(ctx, c, key)
		}
		return n.getOn(c, key, proof, history)
	}
	var firstErr error
	var remote []*chain.Chain
	for d := 0; d <= int(n.cfg.Params.MaxDepth); d++ {
		c := n.forest.Chain(wire.ForPath(wire.KeyPath(key), uint8(d)))
		if c.HeadersOnly() {
			remote = append(remote, c)
			continue
		}
		res, err := n.getOn(c, key, proof, history)
		if err == nil {
			return res, nil
		}
		if !errors.Is(err, ErrNotFound) {
			return nil, err
		}
		if firstErr == nil {
			firstErr = err
		}
	}
	// Not here: ask peers for the chains this node keeps headers only for.
	for _, c := range remote {
		res, err := n.getRemote(ctx, c, key)
		if err == nil {
			return res, nil
		}
		if !errors.Is(err, ErrNotFound) && !errors.Is(err, ErrNotStored) {
			return nil, err
		}
	}
	return nil, firstErr
}

func (n *Node) getOn(c *chain.Chain, key string, proof, history bool) (*GetResult, error) {
	var res GetResult
	err := c.View(func(tx *bbolt.Tx, tip chain.TipInfo, roots state.Roots) error {
		rec, err := state.Get(tx, key)
		if errors.Is(err, state.ErrNotFound) {
			if c.ID().IsRoot() {
				return fmt.Errorf("%w: nothing has been written at %q", ErrNotFound, key)
			}
			return fmt.Errorf("%w: nothing has been written at %q on chain %s", ErrNotFound, key, c.ID())
		}
		if err != nil {
			return err
		}
		res.ValueRecord = n.valueRecord(key, rec, tip.Height)
		res.Chain = c.ID().String()
		res.ProvenAt = tip.Height
		if proof {
			p, err := state.Prove(tx, roots, key)
			if err != nil {
				return err
			}
			// tip.Header, not HeaderByID: that would take the chain lock
			// View already holds.
			res.Proof = &ProofInfo{Block: tip.ID, Height: tip.Height, StateRoot: tip.StateRoot,
				Header: tip.Header.Encode(), Proof: p.Encode(), Verified: p.Verify(tip.StateRoot) == nil}
		}
		if history {
			hs, err := state.History(tx, key, 0)
			if err != nil {
				return err
			}
			for _, h := range hs {
				res.History = append(res.History, n.valueRecord(key, h, tip.Height))
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	res.RootConfirmations = n.rootConfirmations(c, res.Height, res.Confirmations)
	for i := range res.History {
		res.History[i].Chain = res.Chain
	}
	return &res, nil
}

// Keys implements API.
func (n *Node) Keys(ctx context.Context, prefix, after string, limit int) ([]string, error) {
	if limit <= 0 || limit > 10_000 {
		limit = 1000
	}
	// Keys of every chain stored in full, merged in order: a key may live
	// on several chains; it is listed once.
	seen := map[string]bool{}
	var out []string
	for _, c := range n.forest.Chains() {
		if c.HeadersOnly() {
			continue
		}
		err := c.DB().View(func(tx *bbolt.Tx) error {
			for _, k := range state.Keys(tx, prefix, after, limit) {
				if !seen[k] {
					seen[k] = true
					out = append(out, k)
				}
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	sort.Strings(out)
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// Block implements API: ref is a root height or a block id of any chain
// of the blocktree (BlockOn with no chain).
func (n *Node) Block(ctx context.Context, ref string) (*BlockInfo, error) {
	return n.BlockOn(ctx, "", ref)
}

// BlockOn implements API: block ref (a height or a block id) of chain
// ("/" or a branch such as 01). With chain empty, a height is the root's
// and an id is looked up on every chain. A block of a chain kept as
// headers only comes from its header, without transactions (HeadersOnly).
func (n *Node) BlockOn(ctx context.Context, chainName, ref string) (*BlockInfo, error) {
	height, herr := strconv.ParseUint(ref, 10, 64)
	id, iderr := wire.ParseHash(ref)
	if herr != nil && iderr != nil {
		return nil, fmt.Errorf("%w: %q is neither a height nor a block hash", ErrBadRequest, ref)
	}
	chains := n.forest.Chains() // the root first
	if chainName != "" {
		cid, err := wire.ParseChainID(chainName)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrBadRequest, err)
		}
		c := n.forest.Chain(cid)
		if c == nil {
			return nil, fmt.Errorf("%w: chain %s is below the blocktree (depths 0 to %d)", ErrBadRequest, cid, n.cfg.Params.MaxDepth)
		}
		chains = []*chain.Chain{c}
	} else if herr == nil {
		chains = []*chain.Chain{n.chain}
	}
	for _, c := range chains {
		if herr == nil {
			var err error
			if id, err = c.IDAt(height); err != nil {
				return nil, fmt.Errorf("%w: chain %s has no block at height %d (its tip is at %d)", ErrNotFound, chainLabel(c), height, c.Tip().Height)
			}
		}
		info, err := n.blockOn(c, id)
		if errors.Is(err, chain.ErrNotFound) {
			continue
		}
		return info, err
	}
	where := "on any chain of the blocktree"
	if len(chains) == 1 {
		where = "on chain " + chainLabel(chains[0])
	}
	return nil, fmt.Errorf("%w: no block %s %s", ErrNotFound, id.Short(), where)
}

func chainLabel(c *chain.Chain) string { return c.ID().String() }

// blockOn describes block id of chain c: in full, or from its header when
// c keeps headers only.
func (n *Node) blockOn(c *chain.Chain, id wire.Hash) (*BlockInfo, error) {
	if !c.HeadersOnly() {
		b, err := c.BlockByID(id)
		if err != nil {
			return nil, err
		}
		info := n.blockInfoOn(c, b, true)
		return &info, nil
	}
	h, main, err := c.HeaderByID(id)
	if err != nil {
		return nil, err
	}
	info := headerInfo(c, h, main)
	info.HeadersOnly = true
	info.Raw = h.Encode()
	return &info, nil
}

func headerInfo(c *chain.Chain, h wire.Header, main bool) BlockInfo {
	info := BlockInfo{ID: h.ID(), Chain: h.Chain.String(), Height: h.Height, Prev: h.Prev, Time: h.Time,
		Bits: h.Bits, Nonce: h.Nonce, TxRoot: h.TxRoot, StateRoot: h.StateRoot, Main: main}
	if tip := c.Tip().Height; main && tip >= h.Height {
		info.Confirmations = tip - h.Height + 1
	}
	return info
}

func (n *Node) blockInfo(b *wire.Block, withTxs bool) BlockInfo {
	return n.blockInfoOn(n.chain, b, withTxs)
}

func (n *Node) blockInfoOn(c *chain.Chain, b *wire.Block, withTxs bool) BlockInfo {
	_, main, _ := c.HeaderByID(b.ID())
	info := headerInfo(c, b.Header, main)
	raw := b.Encode()
	info.Size = len(raw)
	if withTxs {
		info.Raw = raw
		for _, t := range b.Txs {
			ti := n.txInfo(t)
			ti.Block, ti.Height, ti.Confirmations, ti.Time = info.ID, b.Header.Height, info.Confirmations, b.Header.Time
			if !c.ID().IsRoot() {
				ti.Chain = info.Chain
			}
			info.Txs = append(info.Txs, ti)
		}
	}
	return info
}

// Blocks implements API: count best-chain blocks from top downwards.
func (n *Node) Blocks(ctx context.Context, top uint64, count int) ([]BlockInfo, error) {
	tip := n.chain.Tip().Height
	if top == 0 || top > tip {
		top = tip
	}
	if count <= 0 || count > 500 {
		count = 50
	}
	var out []BlockInfo
	for h := int64(top); h >= 0 && len(out) < count; h-- {
		b, err := n.chain.BlockByHeight(uint64(h))
		if err != nil {
			return nil, err
		}
		info := n.blockInfo(b, false)
		info.Txs = make([]TxInfo, len(b.Txs)) // only the count matters in lists
		out = append(out, info)
	}
	return out, nil
}

func (n *Node) txInfo(t *wire.Tx) TxInfo { return DescribeTx(n.net(), t) }

// DescribeTx describes t on network net as the API does, without its
// place in a chain (block, height, confirmations) and without Raw.
func DescribeTx(net wire.Network, t *wire.Tx) TxInfo {
	ti := TxInfo{ID: t.ID(), Type: t.Type.String(), Fee: t.Fee, Nonce: t.Nonce, Size: t.Size()}
	if !t.Chain.IsRoot() {
		ti.Chain = t.Chain.String()
	}
	if !t.From.IsZero() {
		ti.From = wire.EncodeAddress(net, t.From)
	}
	if t.Sig != (wire.Signature{}) {
		ti.Sig = t.Sig[:]
	}
	switch b := t.Body.(type) {
	case wire.Transfer:
		ti.To, ti.Amount = wire.EncodeAddress(net, b.To), b.Amount
	case wire.Coinbase:
		ti.To, ti.Amount = wire.EncodeAddress(net, b.To), b.Amount
	case wire.Put:
		ti.Key, ti.ValueSize = b.Key, len(b.Value)
	case wire.Bounty:
		ti.Amount = b.Amount // escrowed
	case wire.Accept:
		ti.Amount = b.Stake // escrowed
	case wire.Tumble:
		ti.Amount, _ = b.OutputSum()
		ti.Round = b.Round.String()
		for _, in := range b.Inputs {
			ti.Inputs = append(ti.Inputs, TumbleLeg{Address: wire.EncodeAddress(net, in.Key), Amount: in.Amount, Nonce: in.Nonce})
		}
		for _, out := range b.Outputs {
			ti.Outputs = append(ti.Outputs, TumbleLeg{Address: wire.EncodeAddress(net, out.To), Amount: out.Amount})
		}
	}
	return ti
}

// Tx implements API: a confirmed or pending transaction.
func (n *Node) Tx(ctx context.Context, id wire.Hash) (*TxInfo, error) {
	if t, ok := n.pool.Get(id); ok {
		ti := n.txInfo(t)
		ti.Pending, ti.Raw = true, t.Encode()
		return &ti, nil
	}
	t, loc, err := n.chain.TxByID(id)
	if errors.Is(err, chain.ErrNotFound) {
		if ti, ok := n.branchTx(id); ok {
			return ti, nil
		}
		return nil, fmt.Errorf("%w: transaction %s is neither pending nor in a block", ErrNotFound, id.Short())
	}
	if err != nil {
		return nil, err
	}
	ti := n.txInfo(t)
	ti.Block, ti.Height, ti.Raw = loc.Block, loc.Height, t.Encode()
	if tip := n.chain.Tip().Height; tip >= loc.Height {
		ti.Confirmations = tip - loc.Height + 1
	}
	if h, _, err := n.chain.HeaderByID(loc.Block); err == nil {
		ti.Time = h.Time
	}
	return &ti, nil
}

// History implements API: pending first, then confirmed, newest first.
func (n *Node) History(ctx context.Context, addr string, limit int) ([]TxInfo, error) {
	pk, err := n.parseAddr(addr)
	if err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	var out []TxInfo
	pending := n.pool.Pending(pk)
	if t, ok := n.pool.PendingTumble(pk); ok {
		// Its inputs may have nothing else pending: it is their newest.
		pending = append(pending, t)
	}
	for i := len(pending) - 1; i >= 0; i-- {
		ti := n.txInfo(pending[i])
		ti.Pending = true
		out = append(out, ti)
	}
	var refs []histRef
	n.db.View(func(tx *bbolt.Tx) error {
		refs = historyIDs(tx, pk, limit)
		return nil
	})
	for _, r := range refs {
		ti, err := n.Tx(ctx, r.id)
		if err != nil {
			continue // reorged away between the two reads
		}
		out = append(out, *ti)
	}
	return out, nil
}

// SetMining implements API.
func (n *Node) SetMining(ctx context.Context, on bool, to string) error {
	if !on {
		n.StopMining()
		return nil
	}
	var pk *wire.PubKey
	if strings.TrimSpace(to) != "" {
		p, err := n.parseAddr(to)
		if err != nil {
			return err
		}
		pk = &p
	}
	return n.StartMining(pk)
}

// Events implements API. The channel closes when ctx ends.
func (n *Node) Events(ctx context.Context) (<-chan Event, error) {
	ch, cancel := n.events.Subscribe(256)
	go func() {
		<-ctx.Done()
		cancel()
	}()
	return ch, nil
}

// VerifyProof checks, in the calling process (a client need not trust
// the node that answered), that the proof ties the value to the
// header: header hash, proof of work, state root, Merkle path, and that the
// proven record is the value shown.
func (res *GetResult) VerifyProof() error {
	pi := res.Proof
	if pi == nil {
		return errors.New("the node sent no proof")
	}
	h, err := wire.DecodeHeader(pi.Header)
	if err != nil {
		return fmt.Errorf("proof header: %w", err)
	}
	if h.ID() != pi.Block || h.StateRoot != pi.StateRoot {
		return errors.New("proof header does not match the block it names")
	}
	if !consensus.HashMeetsTarget(h.PowHash(), consensus.CompactToBig(h.Bits)) {
		return errors.New("proof header has no valid proof of work")
	}
	p, err := state.DecodeProof(pi.Proof)
	if err != nil {
		return fmt.Errorf("proof: %w", err)
	}
	if err := p.Verify(h.StateRoot); err != nil {
		return fmt.Errorf("proof does not verify: %w", err)
	}
	if p.Key != res.Key || p.Record == nil || p.Record.TxID != res.TxID || p.Record.Height != res.Height {
		return errors.New("proof is for a different record than the value shown")
	}
	value := []byte(res.Value)
	if res.Encoding == "base64" {
		value, _ = base64.StdEncoding.DecodeString(res.Value)
	}
	if string(p.Record.Value) != string(value) {
		return errors.New("proven value differs from the value shown")
	}
	pi.Verified = true // checked here
	return nil
}
