package rpc

import (
	"context"
	"net/http"

	"github.com/bitverse/bitverse/node"
)

// previewRoutes serves node.PreviewAPI when the served API has it.
func previewRoutes(mux *http.ServeMux, api node.API) {
	pv, ok := api.(node.PreviewAPI)
	if !ok {
		return
	}
	route(mux, "preview", func(ctx context.Context, p struct{ Txs [][]byte }) (*node.Verdict, error) {
		return pv.Preview(ctx, p.Txs)
	})
}

var _ node.PreviewAPI = (*Client)(nil)

// Preview implements node.PreviewAPI.
func (c *Client) Preview(ctx context.Context, txs [][]byte) (*node.Verdict, error) {
	var v node.Verdict
	return &v, c.call(ctx, "preview", struct{ Txs [][]byte }{txs}, &v)
}
