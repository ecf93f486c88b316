package rpc

import (
	"context"
	"net/http"

	"github.com/bitverse/bitverse/node"
)

func keyspaceRoutes(mux *http.ServeMux, api node.API) {
	route(mux, "keyspace", func(ctx context.Context, p struct{ Name string }) (*node.KeyspaceInfo, error) {
		return api.Keyspace(ctx, p.Name)
	})
	route(mux, "keyspaces", func(ctx context.Context, p struct{ Owner string }) ([]node.KeyspaceInfo, error) {
		return api.Keyspaces(ctx, p.Owner)
	})
}

// Keyspace implements node.API.
func (c *Client) Keyspace(ctx context.Context, name string) (*node.KeyspaceInfo, error) {
	var r node.KeyspaceInfo
	return &r, c.call(ctx, "keyspace", struct{ Name string }{name}, &r)
}

// Keyspaces implements node.API.
func (c *Client) Keyspaces(ctx context.Context, owner string) ([]node.KeyspaceInfo, error) {
	var r []node.KeyspaceInfo
	return r, c.call(ctx, "keyspaces", struct{ Owner string }{owner}, &r)
}
