package pool

import (
	"context"
	"encoding/base64"
	"fmt"

	"github.com/bitverse/bitverse/node"
	"github.com/bitverse/bitverse/node/consensus"
	"github.com/bitverse/bitverse/node/wire"
)

// Chain is what the service needs of the chain: pool reads, values,
// transactions, block events, and submitting this node's pool
// transactions signed with the serve identity. NodeChain implements it
// over a node.API.
type Chain interface {
	Height(ctx context.Context) (uint64, error)
	Pool(ctx context.Context, id wire.Hash) (*node.PoolInfo, error)
	Pools(ctx context.Context, f node.PoolFilter) ([]node.PoolInfo, error)
	Challenges(ctx context.Context, member wire.PubKey) ([]node.ChallengeInfo, error)
	// Value is the value at key on the root or the branch chain that
	// holds it (wire.ChainID string form, "/" the root).
	Value(ctx context.Context, chain, key string) ([]byte, error)
	// Tx is a transaction by ID, decoded, with its confirmations (0:
	// pending); ErrNotFound if the node knows none.
	Tx(ctx context.Context, id wire.Hash) (*wire.Tx, uint64, error)
	// Submit signs body on the root chain with k (next nonce, minimum
	// fee) and submits it; it returns the transaction's ID.
	Submit(ctx context.Context, k wire.PrivKey, body wire.Body) (wire.Hash, error)
	// Blocks sends the height of each block connected or disconnected
	// (dropping heights a slow reader has not taken: the service reads
	// the chain again anyway) until ctx ends.
	Blocks(ctx context.Context) (<-chan uint64, error)

	// For prefix pools (listing.go). Keys lists keys under prefix after
	// `after`, in order, at most limit, of every chain stored in full.
	Keys(ctx context.Context, prefix, after string, limit int) ([]string, error)
	// ValueHistory is every value written at key on chain, oldest first,
	// with the chain height that wrote it (node.ErrNotFound: none).
	ValueHistory(ctx context.Context, chain wire.ChainID, key string) ([]Written, error)
	// ChainBlock is block ref of chain: "" its tip, a height or an ID
	// (node.ErrNotFound: none).
	ChainBlock(ctx context.Context, chain wire.ChainID, ref string) (BlockRef, error)
}

// Written is one value written at a key and the height of the block that
// wrote it.
type Written struct {
	Height uint64
	Value  []byte
}

// BlockRef is a block of some chain as this node sees it: on its main
// line or not, stored in full or as a header only.
type BlockRef struct {
	ID          wire.Hash
	Height      uint64
	Main        bool
	HeadersOnly bool
}

// NodeChain implements Chain over a node (in process or over the local
// API).
func NodeChain(n node.API, p *consensus.Params) Chain { return &nodeChain{n: n, p: p} }

type nodeChain struct {
	n node.API
	p *consensus.Params
}

func (c *nodeChain) Height(ctx context.Context) (uint64, error) {
	st, err := c.n.Status(ctx)
	if err != nil {
		return 0, err
	}
	return st.Height, nil
}

func (c *nodeChain) Pool(ctx context.Context, id wire.Hash) (*node.PoolInfo, error) {
	return c.n.Pool(ctx, id)
}

func (c *nodeChain) Pools(ctx context.Context, f node.PoolFilter) ([]node.PoolInfo, error) {
	return c.n.Pools(ctx, f)
}

func (c *nodeChain) Challenges(ctx context.Context, member wire.PubKey) ([]node.ChallengeInfo, error) {
	return c.n.PoolChallenges(ctx, member)
}

func (c *nodeChain) Value(ctx context.Context, chain, key string) ([]byte, error) {
	depth := 0
	if chain != "" && chain != "/" {
		id, err := wire.ParseChainID(chain)
		if err != nil {
			return nil, err
		}
		depth = int(id.Depth)
	}
	res, err := c.n.GetOn(ctx, key, depth, false, false)
	if err != nil {
		return nil, fmt.Errorf("read %q: %w", key, err)
	}
	if res.Encoding == "base64" {
		return base64.StdEncoding.DecodeString(res.Value)
	}
	return []byte(res.Value), nil
}

func (c *nodeChain) Keys(ctx context.Context, prefix, after string, limit int) ([]string, error) {
	return c.n.Keys(ctx, prefix, after, limit)
}

func (c *nodeChain) ValueHistory(ctx context.Context, chain wire.ChainID, key string) ([]Written, error) {
	res, err := c.n.GetOn(ctx, key, int(chain.Depth), false, true)
	if err != nil {
		return nil, err
	}
	if res.Chain != chain.String() {
		return nil, fmt.Errorf("%w: %q is on chain %s, not %s", node.ErrNotFound, key, res.Chain, chain)
	}
	if res.RemotePeer != "" || len(res.History) == 0 {
		return nil, fmt.Errorf("%w: this node does not store chain %s in full, so it has no history of %q", ErrNoData, chain, key)
	}
	out := make([]Written, 0, len(res.History))
	for _, h := range res.History {
		v, err := recordValue(h)
		if err != nil {
			return nil, err
		}
		out = append(out, Written{Height: h.Height, Value: v})
	}
	return out, nil
}

func (c *nodeChain) ChainBlock(ctx context.Context, chain wire.ChainID, ref string) (BlockRef, error) {
	var b *node.BlockInfo
	if ref == "" {
		bs, err := c.n.BlocksOn(ctx, chain.String(), 0, 1)
		if err != nil {
			return BlockRef{}, err
		}
		if len(bs) == 0 {
			return BlockRef{}, fmt.Errorf("%w: chain %s has no blocks here", node.ErrNotFound, chain)
		}
		b = &bs[0]
	} else {
		var err error
		if b, err = c.n.BlockOn(ctx, chain.String(), ref); err != nil {
			return BlockRef{}, err
		}
	}
	return BlockRef{ID: b.ID, Height: b.Height, Main: b.Main, HeadersOnly: b.HeadersOnly}, nil
}

func recordValue(v node.ValueRecord) ([]byte, error) {
	if v.Encoding == "base64" {
		return base64.StdEncoding.DecodeString(v.Value)
	}
	return []byte(v.Value), nil
}

func (c *nodeChain) Tx(ctx context.Context, id wire.Hash) (*wire.Tx, uint64, error) {
	ti, err := c.n.Tx(ctx, id)
	if err != nil {
		return nil, 0, err
	}
	tx, err := wire.DecodeTx(ti.Raw)
	if err != nil {
		return nil, 0, fmt.Errorf("transaction %s from the node: %w", id.Short(), err)
	}
	if tx.ID() != id {
		return nil, 0, fmt.Errorf("the node answered another transaction than %s", id.Short())
	}
	if ti.Pending {
		return tx, 0, nil
	}
	return tx, max(ti.Confirmations, 1), nil
}

func (c *nodeChain) Submit(ctx context.Context, k wire.PrivKey, body wire.Body) (wire.Hash, error) {
	acct, err := c.n.Account(ctx, wire.EncodeAddress(c.p.Net, k.PubKey()))
	if err != nil {
		return wire.Hash{}, err
	}
	tx := wire.NewTx(wire.RootChain, body, acct.NextNonce, 0)
	tx.From = k.PubKey()
	c.p.SetMinFee(tx)
	tx.Sign(c.p.Net, k)
	return c.n.SubmitTx(ctx, tx.Encode())
}

func (c *nodeChain) Blocks(ctx context.Context) (<-chan uint64, error) {
	ev, err := c.n.Events(ctx)
	if err != nil {
		return nil, err
	}
	out := make(chan uint64, 16)
	go func() {
		defer close(out)
		for e := range ev {
			if e.Kind != node.EventBlockConnected && e.Kind != node.EventBlockDisconnected || e.Chain != "" {
				continue
			}
			select {
			case out <- e.Height:
			default:
			}
		}
	}()
	return out, nil
}
