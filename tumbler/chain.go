package tumbler

import (
	"context"

	"github.com/bitverse/bitverse/node"
	"github.com/bitverse/bitverse/node/wire"
)

// Chain is what the service reads and writes on the root chain.
type Chain interface {
	Height(ctx context.Context) (uint64, error)
	// Account is a key's spendable balance (pending spends deducted) and
	// its next nonce (pending transactions counted).
	Account(ctx context.Context, key wire.PubKey) (spendable, nextNonce uint64, err error)
	// Submit hands a signed transaction to the node; one it already has,
	// pending or in a block, is not an error.
	Submit(ctx context.Context, tx *wire.Tx) error
}

// NodeChain implements Chain over a node's face API (*node.Node or the
// local API client).
func NodeChain(n node.API, net wire.Network) Chain { return nodeChain{n, net} }

type nodeChain struct {
	n   node.API
	net wire.Network
}

func (c nodeChain) Height(ctx context.Context) (uint64, error) {
	st, err := c.n.Status(ctx)
	return st.Height, err
}

func (c nodeChain) Account(ctx context.Context, key wire.PubKey) (uint64, uint64, error) {
	a, err := c.n.Account(ctx, wire.EncodeAddress(c.net, key))
	if err != nil {
		return 0, 0, err
	}
	spendable := uint64(0)
	if a.Balance > a.Spending {
		spendable = a.Balance - a.Spending
	}
	return spendable, a.NextNonce, nil
}

func (c nodeChain) Submit(ctx context.Context, tx *wire.Tx) error {
	_, err := c.n.SubmitTx(ctx, tx.Encode())
	if err != nil {
		// One the node has, pending or in a block, is no error: a
		// participant hands the batch to its own node too, so a block may
		// hold it before the coordinator's broadcast, whose nonces are
		// then used. (Matching "already" in the error, as this once did,
		// also took "nonce already used" by another transaction for done.)
		if _, terr := c.n.Tx(ctx, tx.ID()); terr == nil {
			return nil
		}
	}
	return err
}
