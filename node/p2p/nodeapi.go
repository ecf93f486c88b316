package p2p

import (
	"context"

	"github.com/bitverse/bitverse/node"
	"github.com/bitverse/bitverse/node/chain"
	"github.com/bitverse/bitverse/node/consensus"
	"github.com/bitverse/bitverse/node/mempool"
	"github.com/bitverse/bitverse/node/wire"
)

// Node is everything the network layer asks of the node it serves; the
// host calls nothing else. *node.Node implements it; the assembly
// (node/daemon) passes one to New.
type Node interface {
	Params() *consensus.Params
	// Chain is the root chain; Forest every chain of the blocktree;
	// StoredChains those stored in full (providers, status).
	Chain() *chain.Chain
	Forest() *chain.Forest
	StoredChains() []wire.ChainID
	// Pool is the root chain's mempool, PoolOf any stored chain's.
	Mempool() *mempool.Pool
	PoolOf(id wire.ChainID) (*mempool.Pool, error)
	// SubmitBlockFrom and AddTx hand over what peers sent; from (the
	// sender's peer ID) is charged for the block if it is held.
	SubmitBlockFrom(b *wire.Block, from string) (chain.Result, error)
	// SubmitRunFrom connects a line of fetched blocks extending a chain's
	// tip in one write transaction and says how many leading blocks it
	// connected (sync: the next goes to SubmitBlockFrom for its verdict).
	SubmitRunFrom(blocks []*wire.Block, from string) (int, error)
	AddTx(tx *wire.Tx) (wire.Hash, error)
	// Subscribe follows the node's events (reorgs); OnAccepted is told of
	// every block and transaction the node accepts, to announce them.
	Subscribe(buf int) (<-chan node.Event, func())
	OnAccepted(block func(*wire.Block), tx func(*wire.Tx)) (cancel func())
	// ProveKey and TrustedHeader serve and check the proof protocol.
	ProofSource
	TrustSource
}

var _ Node = (*node.Node)(nil)

// ensure the proof source signature stays the one Node declares.
var _ = func(n Node) func(context.Context, wire.ChainID, string, *wire.Hash) (node.KeyProof, error) {
	return n.ProveKey
}

// peerCount passes the number of connected peers to Config.OnPeers.
func (x *Host) peerCount(n int) {
	if x.cfg.OnPeers != nil {
		x.cfg.OnPeers(n)
	}
}
