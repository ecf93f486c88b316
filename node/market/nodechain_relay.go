package market

import (
	"context"
	"errors"

	"github.com/bitverse/bitverse/node/wire"
)

var errNoRelaysYet = errors.New("market: this node's chain has no relay rules yet")

func (c *nodeChain) Countersign(ctx context.Context, k wire.PrivKey, bounty wire.Hash, slot uint8, result, envelope wire.Hash) error {
	return errNoRelaysYet
}
func (c *nodeChain) RelayMiss(ctx context.Context, k wire.PrivKey, bounty wire.Hash, slot uint8) error {
	return errNoRelaysYet
}
func (c *nodeChain) Relayed(ctx context.Context, relay wire.PubKey) ([]Bounty, error) {
	return nil, nil
}
func (c *nodeChain) Drawn(ctx context.Context) ([]Bounty, error)       { return nil, nil }
func (c *nodeChain) Relays(ctx context.Context) ([]RelayRecord, error) { return nil, nil }
func (c *nodeChain) Relay(ctx context.Context, relay wire.PubKey) (*RelayRecord, error) {
	return nil, nil
}
func (c *nodeChain) Terms() RelayTerms { return RelayTerms{} }
