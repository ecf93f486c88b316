package tui

import (
	"github.com/bitverse/bitverse/node/consensus"
	"github.com/bitverse/bitverse/node/wire"
)

// The forms show the fee a transaction will pay as it is typed. This is
// display only: the planner (wallet/plan) sets the fee that is signed,
// and the review shows that one.

// minFee is the lowest fee of a root transaction carrying body at nonce.
// The size of a transaction does not depend on who signs it, so an
// unsigned copy gives the size of the signed one.
func minFee(p *consensus.Params, body wire.Body, nonce uint64) uint64 {
	return minFeeOn(p, wire.RootChain, body, nonce)
}

// minFeeOn is minFee for a transaction on chain id.
func minFeeOn(p *consensus.Params, id wire.ChainID, body wire.Body, nonce uint64) uint64 {
	return p.SetMinFee(wire.NewTx(id, body, nonce, 0))
}
