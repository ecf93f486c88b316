package pool

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/bitverse/bitverse/node"
	"github.com/bitverse/bitverse/node/wire"
)

// The stub chain's side of prefix listings: its values are all on the
// root, written at height 1, and it knows no blocks (the listing tests run
// on real nodes, listing_test.go).

func (c *stubChain) Keys(_ context.Context, prefix, after string, limit int) ([]string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for k := range c.values {
		if strings.HasPrefix(k, prefix) && k > after {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out[:min(len(out), limit)], nil
}

func (c *stubChain) ValueHistory(_ context.Context, _ wire.ChainID, key string) ([]Written, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.values[key]
	if !ok {
		return nil, node.ErrNotFound
	}
	return []Written{{Height: 1, Value: v}}, nil
}

func (c *stubChain) ChainBlock(_ context.Context, chain wire.ChainID, ref string) (BlockRef, error) {
	return BlockRef{}, fmt.Errorf("%w: the stub chain has no blocks", node.ErrNotFound)
}
