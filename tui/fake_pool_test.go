package tui

import (
	"context"
	"fmt"
	"strings"

	"github.com/bitverse/bitverse/node"
	"github.com/bitverse/bitverse/node/wire"
)

// The pool reads of the fake node: the pools set in fakeAPI.pools.

func (f *fakeAPI) Pool(ctx context.Context, id wire.Hash) (*node.PoolInfo, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, p := range f.pools {
		if p.ID == id {
			return &p, nil
		}
	}
	return nil, fmt.Errorf("%w: no pool %s", node.ErrNotFound, id.Short())
}

func (f *fakeAPI) Pools(ctx context.Context, p node.PoolFilter) ([]node.PoolInfo, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []node.PoolInfo
	for _, pl := range f.pools {
		_, member := memberOf(pl, p.Member)
		keeps := pl.Target.Key == p.Key || (pl.Target.Kind == "prefix" && strings.HasPrefix(p.Key, pl.Target.Key))
		if (p.Key == "" || keeps) && (p.Member == "" || member) {
			out = append(out, pl)
		}
	}
	return out, nil
}

func (f *fakeAPI) PoolChallenges(ctx context.Context, member wire.PubKey) ([]node.ChallengeInfo, error) {
	return nil, nil
}

func (f *fakeAPI) Tokens(ctx context.Context, holder string) ([]node.TokenInfo, error) {
	return nil, nil
}
