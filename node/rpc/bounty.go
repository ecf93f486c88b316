package rpc

import (
	"context"
	"net/http"

	"github.com/bitverse/bitverse/node"
	"github.com/bitverse/bitverse/node/wire"
)

func bountyRoutes(mux *http.ServeMux, api node.API) {
	route(mux, "bounty", func(ctx context.Context, p struct{ ID wire.Hash }) (*node.BountyInfo, error) {
		return api.Bounty(ctx, p.ID)
	})
	route(mux, "bounties", func(ctx context.Context, p node.BountyFilter) ([]node.BountyInfo, error) {
		return api.Bounties(ctx, p)
	})
	route(mux, "reputation", func(ctx context.Context, p struct{ ID string }) (*node.ReputationInfo, error) {
		return api.Reputation(ctx, p.ID)
	})
}

// Bounty implements node.API.
func (c *Client) Bounty(ctx context.Context, id wire.Hash) (*node.BountyInfo, error) {
	var r node.BountyInfo
	if err := c.call(ctx, "bounty", struct{ ID wire.Hash }{id}, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// Bounties implements node.API.
func (c *Client) Bounties(ctx context.Context, f node.BountyFilter) ([]node.BountyInfo, error) {
	var r []node.BountyInfo
	return r, c.call(ctx, "bounties", f, &r)
}

// Reputation implements node.API.
func (c *Client) Reputation(ctx context.Context, id string) (*node.ReputationInfo, error) {
	var r node.ReputationInfo
	if err := c.call(ctx, "reputation", struct{ ID string }{id}, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

func relayRoutes(mux *http.ServeMux, api node.API) {
	route(mux, "relay", func(ctx context.Context, p struct{ ID string }) (*node.RelayInfo, error) {
		return api.Relay(ctx, p.ID)
	})
	route(mux, "relays", func(ctx context.Context, p struct{ Limit int }) ([]node.RelayInfo, error) {
		return api.Relays(ctx, p.Limit)
	})
}

// Relay implements node.API.
func (c *Client) Relay(ctx context.Context, id string) (*node.RelayInfo, error) {
	var r node.RelayInfo
	if err := c.call(ctx, "relay", struct{ ID string }{id}, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// Relays implements node.API.
func (c *Client) Relays(ctx context.Context, limit int) ([]node.RelayInfo, error) {
	var r []node.RelayInfo
	return r, c.call(ctx, "relays", struct{ Limit int }{limit}, &r)
}
