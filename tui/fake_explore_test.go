package tui

import (
	"context"
	"sort"
	"strings"

	"github.com/bitverse/bitverse/node"
)

// Explore derives the fake's discovery listing from its keyspaces, values
// and open bounties.
func (f *fakeAPI) Explore(ctx context.Context, o node.ExploreOptions) (*node.Explore, error) {
	if err := f.wait(ctx, "Explore"); err != nil {
		return nil, err
	}
	f.mu.Lock()
	ex := &node.Explore{Height: f.status.Height, Window: node.ExploreWindow}
	for _, ks := range f.keyspaces {
		ex.Keyspaces = append(ex.Keyspaces, node.ExploreKeyspace{Name: ks.Name, Owner: ks.Owner, Height: ks.Height,
			Description: node.Describe([]byte(ks.Script))})
	}
	for _, v := range f.values {
		chain, proven := v.Chain, node.ProvenStored
		if chain == "" {
			chain = "/"
		}
		if f.unfollowed[chain] {
			proven = "block 0123abcd of " + chain + " fetched from 12D3KooWpeer, checked against its header"
		}
		ex.Writes = append(ex.Writes, node.ExploreWrite{Key: v.Key, Chain: chain, Height: v.Height, Size: v.Size, Writer: v.Writer,
			Proven: proven})
		if strings.Contains(v.Value, "function transform") {
			ex.Transforms = append(ex.Transforms, node.ExploreTransform{Key: v.Key, Chain: chain, Height: v.Height,
				Description: node.Describe([]byte(v.Value)), Proven: proven})
		}
	}
	bounties := f.bounties
	f.mu.Unlock()
	sort.Slice(ex.Keyspaces, func(i, j int) bool { return ex.Keyspaces[i].Name < ex.Keyspaces[j].Name })
	sort.SliceStable(ex.Keyspaces, func(i, j int) bool { return ex.Keyspaces[i].Height > ex.Keyspaces[j].Height })
	sort.Slice(ex.Writes, func(i, j int) bool { return ex.Writes[i].Key < ex.Writes[j].Key })
	sort.Slice(ex.Transforms, func(i, j int) bool { return ex.Transforms[i].Key < ex.Transforms[j].Key })
	for _, b := range bounties {
		if b.State == "open" {
			ex.Bounties = append(ex.Bounties, node.ExploreBounty{BountyInfo: b, Proven: "root state"})
		}
	}
	return ex, nil
}

// Find is not used by the screens.
func (f *fakeAPI) Find(ctx context.Context, text string, limit int) ([]node.FindResult, error) {
	return nil, nil
}

// AllKeyspaces pages the fake's keyspaces in name order.
func (f *fakeAPI) AllKeyspaces(ctx context.Context, after string, limit int) (*node.KeyspacePage, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	page := &node.KeyspacePage{}
	for _, ks := range f.keyspaces {
		if ks.Name > after {
			page.Keyspaces = append(page.Keyspaces, ks)
		}
	}
	sort.Slice(page.Keyspaces, func(i, j int) bool { return page.Keyspaces[i].Name < page.Keyspaces[j].Name })
	return page, nil
}
