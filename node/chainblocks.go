package node

import (
	"context"
	"errors"
	"fmt"
	"strconv"

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

// BlockOn implements API: a block of any chain the node stores in full,
// by height on that chain's best chain or by hash.
func (n *Node) BlockOn(ctx context.Context, chainName, ref string) (*BlockInfo, error) {
	c, err := n.storedChain(chainName)
	if err != nil {
		return nil, err
	}
	var b *wire.Block
	if h, perr := strconv.ParseUint(ref, 10, 64); perr == nil {
		b, err = c.BlockByHeight(h)
	} else if id, perr := wire.ParseHash(ref); perr == nil {
		b, err = c.BlockByID(id)
	} else {
		return nil, fmt.Errorf("%w: %q is neither a height nor a block hash", ErrBadRequest, ref)
	}
	if errors.Is(err, chain.ErrNotFound) {
		return nil, fmt.Errorf("%w: %v on chain %s", ErrNotFound, err, c.ID())
	}
	if err != nil {
		return nil, err
	}
	info := n.chainBlockInfo(c, b, true)
	return &info, nil
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
		info := n.chainBlockInfo(c, b, false)
		info.Txs = make([]TxInfo, len(b.Txs)) // only the count matters in lists
		out = append(out, info)
	}
	return out, nil
}

// chainBlockInfo describes b, a block of c (confirmations counted on c).
func (n *Node) chainBlockInfo(c *chain.Chain, b *wire.Block, withTxs bool) BlockInfo {
	h := b.Header
	tip := c.Tip().Height
	_, main, _ := c.HeaderByID(b.ID())
	info := BlockInfo{ID: b.ID(), Chain: h.Chain.String(), Height: h.Height, Prev: h.Prev, Time: h.Time,
		Bits: h.Bits, Nonce: h.Nonce, TxRoot: h.TxRoot, StateRoot: h.StateRoot, Size: len(b.Encode()), Main: main}
	if main && tip >= h.Height {
		info.Confirmations = tip - h.Height + 1
	}
	if withTxs {
		for _, t := range b.Txs {
			ti := n.txInfo(t)
			ti.Block, ti.Height, ti.Confirmations, ti.Time = info.ID, h.Height, info.Confirmations, h.Time
			if !c.ID().IsRoot() {
				ti.Chain = c.ID().String()
			}
			info.Txs = append(info.Txs, ti)
		}
	}
	return info
}
