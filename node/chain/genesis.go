package chain

import (
	"github.com/bitverse/bitverse/node/consensus"
	"github.com/bitverse/bitverse/node/state"
	"github.com/bitverse/bitverse/node/wire"
)

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
