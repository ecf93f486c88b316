package node

import (
	"context"
	"fmt"

	"github.com/bitverse/bitverse/node/chain"
	"github.com/bitverse/bitverse/node/wire"
)

// storedChain returns the chain called name ("/", "0", "01"…) if the node
// stores its blocks.
func (n *Node) storedChain(name string) (*chain.Chain, error) {
	id, err := wire.ParseChainID(name)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadRequest, err)
	}
	c := n.forest.Chain(id)
	if c == nil {
		return nil, fmt.Errorf("%w: this node holds no chain %s (deeper than the blocktree, see bitverse tree)", ErrNotFound, id)
	}
	if c.HeadersOnly() {
		return nil, fmt.Errorf("%w: chain %s is kept as headers only here, without block bodies (run the node with --follow %s)", ErrNotStored, id, id)
	}
	return c, nil
}

// BlocksOn implements API: count best-chain blocks of a chain the node
// stores in full, from top downwards (0: its tip).
func (n *Node) BlocksOn(ctx context.Context, chainName string, top uint64, count int) ([]BlockInfo, error) {
	c, err := n.storedChain(chainName)
	if err != nil {
		return nil, err
	}
	tip := c.Tip().Height
	if top == 0 || top > tip {
		top = tip
	}
	if count <= 0 || count > 500 {
		count = 50
	}
	var out []BlockInfo
	for h := int64(top); h >= 0 && len(out) < count; h-- {
		b, err := c.BlockByHeight(uint64(h))
		if err != nil {
			return nil, err
		}
		info := n.blockInfoOn(c, b, false)
		info.Txs = make([]TxInfo, len(b.Txs)) // only the count matters in lists
		out = append(out, info)
	}
	return out, nil
}
