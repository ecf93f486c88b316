package rpc

import (
	"context"
	"net/http"

	"github.com/bitverse/bitverse/node"
)

// blocktreeRoutes serves what miners and browsers of the blocktree ask
// beyond blocks: branch payouts and blocks of headers-only chains.
func blocktreeRoutes(mux *http.ServeMux, api node.API) {
	route(mux, "payouts", func(ctx context.Context, p struct{ Address string }) (*node.PayoutInfo, error) {
		return api.Payouts(ctx, p.Address)
	})
	route(mux, "fetch_block", func(ctx context.Context, p struct{ Chain, Ref string }) (*node.BlockInfo, error) {
		return api.FetchBlock(ctx, p.Chain, p.Ref)
	})
}

// Payouts implements node.API.
func (c *Client) Payouts(ctx context.Context, addr string) (*node.PayoutInfo, error) {
	var r node.PayoutInfo
	if err := c.call(ctx, "payouts", struct{ Address string }{addr}, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// FetchBlock implements node.API.
func (c *Client) FetchBlock(ctx context.Context, chain, ref string) (*node.BlockInfo, error) {
	var r node.BlockInfo
	if err := c.call(ctx, "fetch_block", struct{ Chain, Ref string }{chain, ref}, &r); err != nil {
		return nil, err
	}
	return &r, nil
}
