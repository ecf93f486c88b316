package node

import (
	"context"
	"fmt"
)

// Tree implements API: every chain the node holds, root first.
func (n *Node) Tree(ctx context.Context) (Tree, error) {
	t := Tree{Pending: n.forest.Pending()}
	for _, c := range n.forest.Chains() {
		id, tip := c.ID(), c.Tip()
		t.Chains = append(t.Chains, ChainInfo{
			Chain: id.String(), Depth: id.Depth, Height: tip.Height, Tip: tip.ID,
			Bits: fmt.Sprintf("%08x", tip.Bits), Difficulty: difficulty(tip.Bits),
			TargetInterval: n.cfg.Params.IntervalAt(id.Depth).Seconds(),
			Followed:       !c.HeadersOnly(),
		})
	}
	return t, nil
}
