package node

import (
	"context"
	"fmt"

	"github.com/bitverse/bitverse/node/chain"
	"github.com/bitverse/bitverse/node/wire"
)

// forestChain returns the chain called name ("/", "0", "01"…), stored in
// full or as headers only.
func (n *Node) forestChain(name string) (*chain.Chain, error) {
	id, err := wire.ParseChainID(name)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadRequest, err)
	}
	c := n.forest.Chain(id)
	if c == nil {
		return nil, fmt.Errorf("%w: this node holds no chain %s (deeper than the blocktree, see bitverse tree)", ErrNotFound, id)
	}
	return c, nil
}

// BlocksOn implements API: count best-chain blocks of a chain from top
// downwards (0: its tip); of a chain kept as headers only, their headers
// (HeadersOnly, no transactions: FetchBlock opens one through a peer).
func (n *Node) BlocksOn(ctx context.Context, chainName string, top uint64, count int) ([]BlockInfo, error) {
	c, err := n.forestChain(chainName)
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
		if c.HeadersOnly() {
			id, err := c.IDAt(uint64(h))
			if err != nil {
				return nil, err
			}
			hdr, main, err := c.HeaderByID(id)
			if err != nil {
				return nil, err
			}
			info := headerInfo(c, hdr, main)
			info.HeadersOnly = true
			out = append(out, info)
			continue
		}
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
