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
