package rpc

import (
	"context"
	"net/http"

	"github.com/bitverse/bitverse/node"
	"github.com/bitverse/bitverse/node/wire"
)

func poolRoutes(mux *http.ServeMux, api node.API) {
	route(mux, "pool", func(ctx context.Context, p struct{ ID wire.Hash }) (*node.PoolInfo, error) {
		return api.Pool(ctx, p.ID)
	})
	route(mux, "pools", func(ctx context.Context, p node.PoolFilter) ([]node.PoolInfo, error) {
		return api.Pools(ctx, p)
	})
	route(mux, "pool_challenges", func(ctx context.Context, p struct{ Member wire.PubKey }) ([]node.ChallengeInfo, error) {
		return api.PoolChallenges(ctx, p.Member)
	})
	route(mux, "tokens", func(ctx context.Context, p struct{ Holder string }) ([]node.TokenInfo, error) {
		return api.Tokens(ctx, p.Holder)
	})
}

// Pool implements node.API.
func (c *Client) Pool(ctx context.Context, id wire.Hash) (*node.PoolInfo, error) {
	var r node.PoolInfo
	if err := c.call(ctx, "pool", struct{ ID wire.Hash }{id}, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// Pools implements node.API.
func (c *Client) Pools(ctx context.Context, f node.PoolFilter) ([]node.PoolInfo, error) {
	var r []node.PoolInfo
	return r, c.call(ctx, "pools", f, &r)
}

// PoolChallenges implements node.API.
func (c *Client) PoolChallenges(ctx context.Context, member wire.PubKey) ([]node.ChallengeInfo, error) {
	var r []node.ChallengeInfo
	return r, c.call(ctx, "pool_challenges", struct{ Member wire.PubKey }{member}, &r)
}

// Tokens implements node.API.
func (c *Client) Tokens(ctx context.Context, holder string) ([]node.TokenInfo, error) {
	var r []node.TokenInfo
	return r, c.call(ctx, "tokens", struct{ Holder string }{holder}, &r)
}
