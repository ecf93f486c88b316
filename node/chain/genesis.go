package chain

import (
	"github.com/bitverse/bitverse/node/consensus"
	"github.com/bitverse/bitverse/node/state"
	"github.com/bitverse/bitverse/node/wire"
)

// GenesisOf returns the first block of chain id. A branch's genesis is
// anchored to its parent chain's genesis, starts at its depth's target and
// the network's genesis time, and has no transactions.
func GenesisOf(p *consensus.Params, id wire.ChainID) *wire.Block {
	if id.IsRoot() {
		return Genesis(p)
	}
	return &wire.Block{Header: wire.Header{
		Version:   consensus.BlockVersion,
		Chain:     id,
		Anchor:    GenesisOf(p, id.Parent()).ID(),
		Time:      p.GenesisTime,
		Bits:      p.GenesisBitsAt(id.Depth),
		StateRoot: state.Roots{}.StateRoot(),
	}}
}

// Genesis returns the network's first block: no transactions, empty state,
// the genesis time and target. It is never validated, only compared.
func Genesis(p *consensus.Params) *wire.Block {
	return &wire.Block{Header: wire.Header{
		Version:   consensus.BlockVersion,
		Chain:     wire.RootChain,
		Time:      p.GenesisTime,
		Bits:      p.GenesisBits,
		StateRoot: state.Roots{}.StateRoot(),
	}}
}
