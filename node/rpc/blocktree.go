package rpc

import (
	"context"
	"net/http"

	"github.com/bitverse/bitverse/node"
)

// blocktreeRoutes serves what miners and browsers of the blocktree ask
// beyond blocks: branch payouts.
func blocktreeRoutes(mux *http.ServeMux, api node.API) {
	route(mux, "payouts", func(ctx context.Context, p struct{ Address string }) (*node.PayoutInfo, error) {
		return api.Payouts(ctx, p.Address)
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
