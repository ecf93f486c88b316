package rpc

import (
	"context"
	"net/http"

	"github.com/bitverse/bitverse/node"
)

// blocktreeRoutes serves node.BlocktreeAPI when the served API has it.
func blocktreeRoutes(mux *http.ServeMux, api node.API) {
	bt, ok := api.(node.BlocktreeAPI)
	if !ok {
		return
	}
	route(mux, "block_on", func(ctx context.Context, p struct{ Chain, Ref string }) (*node.BlockInfo, error) {
		return bt.BlockOn(ctx, p.Chain, p.Ref)
	})
}

var _ node.BlocktreeAPI = (*Client)(nil)

// BlockOn implements node.BlocktreeAPI.
func (c *Client) BlockOn(ctx context.Context, chain, ref string) (*node.BlockInfo, error) {
	var r node.BlockInfo
	return &r, c.call(ctx, "block_on", struct{ Chain, Ref string }{chain, ref}, &r)
}
