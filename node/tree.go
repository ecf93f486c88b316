package node

import (
	"context"
	"fmt"
	"github.com/bitverse/bitverse/node/wire"
)

// Tree implements API: every chain the node holds, root first.
func (n *Node) Tree(ctx context.Context) (Tree, error) {
	t := Tree{Pending: n.forest.Pending()}
	n.hooksMu.RLock()
	count := n.chainPeers
	n.hooksMu.RUnlock()
	var peers map[wire.ChainID]int
	if count != nil {
		peers = count()
	}
	for _, c := range n.forest.Chains() {
		id, tip := c.ID(), c.Tip()
		t.Chains = append(t.Chains, ChainInfo{
			Chain: id.String(), Depth: id.Depth, Height: tip.Height, Tip: tip.ID,
			Bits: fmt.Sprintf("%08x", tip.Bits), Difficulty: difficulty(tip.Bits),
			TargetInterval: n.cfg.Params.IntervalAt(id.Depth).Seconds(),
			Followed:       !c.HeadersOnly(),
			Peers:          peers[id], PeersKnown: count != nil,
		})
	}
	return t, nil
}

// SetChainPeers lets the network layer say how many connected peers store
// each chain in full (from their status), for Tree.
func (n *Node) SetChainPeers(f func() map[wire.ChainID]int) {
	n.hooksMu.Lock()
	n.chainPeers = f
	n.hooksMu.Unlock()
}
