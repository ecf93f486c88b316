package rpc

import (
	"context"
	"net/http"

	"github.com/bitverse/bitverse/node"
)

func exploreRoutes(mux *http.ServeMux, api node.API) {
	route(mux, "explore", func(ctx context.Context, p node.ExploreOptions) (*node.Explore, error) {
		return api.Explore(ctx, p)
	})
	route(mux, "find", func(ctx context.Context, p findParams) ([]node.FindResult, error) {
		return api.Find(ctx, p.Text, p.Limit)
	})
	route(mux, "all_keyspaces", func(ctx context.Context, p pageParams) (*node.KeyspacePage, error) {
		return api.AllKeyspaces(ctx, p.After, p.Limit)
	})
}

type findParams struct {
	Text  string `json:"text"`
	Limit int    `json:"limit,omitempty"`
}

type pageParams struct {
	After string `json:"after,omitempty"`
	Limit int    `json:"limit,omitempty"`
}

// Explore implements node.API.
func (c *Client) Explore(ctx context.Context, o node.ExploreOptions) (*node.Explore, error) {
	var r node.Explore
	if err := c.call(ctx, "explore", o, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// Find implements node.API.
func (c *Client) Find(ctx context.Context, text string, limit int) ([]node.FindResult, error) {
	var r []node.FindResult
	return r, c.call(ctx, "find", findParams{text, limit}, &r)
}

// AllKeyspaces implements node.API.
func (c *Client) AllKeyspaces(ctx context.Context, after string, limit int) (*node.KeyspacePage, error) {
	var r node.KeyspacePage
	if err := c.call(ctx, "all_keyspaces", pageParams{after, limit}, &r); err != nil {
		return nil, err
	}
	return &r, nil
}
