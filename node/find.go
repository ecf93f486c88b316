package node

import (
	"bytes"
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/bitverse/bitverse/node/chain"
	"github.com/bitverse/bitverse/node/state"
	"github.com/bitverse/bitverse/node/store"
	"github.com/bitverse/bitverse/node/wire"
	"go.etcd.io/bbolt"
)

// MaxFindScan caps the keys one Find reads per chain for a substring
// match (a prefix match seeks the key index and reads only matches).
const MaxFindScan = 10_000

// FindResult is one match of a Find. Kind is "keyspace", "key" or
// "transform"; Match is "prefix" or "substring". Chain and Height say where
// it was proven: the chain and the block that wrote it (for a keyspace,
// the root block that bought it), and Proven how: ProvenStored for the
// validated state of a chain this node stores in full, the root state's
// height for a keyspace, or the peer a block of a headers-only chain was
// fetched from and checked against its header.
type FindResult struct {
	Kind        string `json:"kind"`
	Name        string `json:"name"`
	Match       string `json:"match"`
	Chain       string `json:"chain"`
	Height      uint64 `json:"height"`
	Description string `json:"description,omitempty"`
	Proven      string `json:"proven"`
}

// Find implements API: keyspace names, key names and transform
// descriptions matching text, prefix matches first, at most limit (0: 50,
// at most MaxExploreLimit). It reads the root's keyspaces (at most
// MaxKeyspaceScan), the keys of every chain stored in full (by prefix
// through the index, by substring at most MaxFindScan per chain), and the
// writes and transforms Explore finds, which include the recent writes of
// chains kept as headers only, fetched from peers and checked.
func (n *Node) Find(ctx context.Context, text string, limit int) ([]FindResult, error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return nil, fmt.Errorf("%w: nothing to find: give a word, a key prefix or a keyspace name", ErrBadRequest)
	}
	if limit <= 0 {
		limit = 50
	}
	limit = min(limit, MaxExploreLimit)
	match := func(s string) string {
		switch {
		case strings.HasPrefix(s, text):
			return "prefix"
		case strings.Contains(strings.ToLower(s), strings.ToLower(text)):
			return "substring"
		}
		return ""
	}
	var out []FindResult
	err := n.chain.View(func(tx *bbolt.Tx, tip chain.TipInfo, _ state.Roots) error {
		list, _, err := state.ScanKeyspaces(tx, "", MaxKeyspaceScan)
		if err != nil {
			return err
		}
		for _, ks := range list {
			if m := match(ks.Name); m != "" {
				out = append(out, FindResult{Kind: "keyspace", Name: ks.Name, Match: m, Chain: wire.RootChain.String(),
					Height: ks.Height, Description: Describe([]byte(state.ScriptSource(tx, ks.Script))), Proven: provenRoot(tip.Height)})
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, c := range n.forest.Chains() {
		if c.HeadersOnly() {
			continue
		}
		name := c.ID().String()
		err := c.DB().View(func(tx *bbolt.Tx) error {
			found := map[string]bool{}
			add := func(key, m string) error {
				rec, err := state.Get(tx, key)
				if err != nil {
					return err
				}
				found[key] = true
				out = append(out, FindResult{Kind: "key", Name: key, Match: m, Chain: name, Height: rec.Height, Proven: ProvenStored})
				return nil
			}
			for _, k := range state.Keys(tx, text, "", limit) {
				if err := add(k, "prefix"); err != nil {
					return err
				}
			}
			low := []byte(strings.ToLower(text))
			cur := tx.Bucket(store.KV).Cursor()
			hits, read := 0, 0
			for k, _ := cur.First(); k != nil && read < MaxFindScan && hits < limit; k, _ = cur.Next() {
				read++
				if !found[string(k)] && bytes.Contains(bytes.ToLower(k), low) {
					hits++
					if err := add(string(k), "substring"); err != nil {
						return err
					}
				}
				if read%1024 == 0 && ctx.Err() != nil {
					return ctx.Err()
				}
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	ex, err := n.Explore(ctx, ExploreOptions{Limit: MaxExploreLimit})
	if err != nil {
		return nil, err
	}
	// Keys of headers-only chains: their newest write Explore fetched.
	seen := map[string]bool{}
	for _, w := range ex.Writes {
		if w.Proven == ProvenStored || seen[w.Chain+" "+w.Key] {
			continue
		}
		seen[w.Chain+" "+w.Key] = true
		if m := match(w.Key); m != "" {
			out = append(out, FindResult{Kind: "key", Name: w.Key, Match: m, Chain: w.Chain, Height: w.Height, Proven: w.Proven})
		}
	}
	for _, t := range ex.Transforms {
		if t.Description != "" && strings.Contains(strings.ToLower(t.Description), strings.ToLower(text)) {
			out = append(out, FindResult{Kind: "transform", Name: t.Key, Match: "substring", Chain: t.Chain,
				Height: t.Height, Description: t.Description, Proven: t.Proven})
		}
	}
	rank := map[string]int{"prefix": 0, "substring": 1}
	sort.SliceStable(out, func(i, j int) bool { return rank[out[i].Match] < rank[out[j].Match] })
	return out[:min(len(out), limit)], nil
}

// KeyspacePage is one page of the network's keyspaces in name order; Next
// is the name to pass as after for the next page ("" on the last).
type KeyspacePage struct {
	Keyspaces []KeyspaceInfo `json:"keyspaces"`
	Next      string         `json:"next,omitempty"`
}

// AllKeyspaces implements API: the keyspaces of the root state in name
// order after `after`, at most limit (0: 100, at most 1000). Keyspaces
// live on the root, so every node holds all of them.
func (n *Node) AllKeyspaces(ctx context.Context, after string, limit int) (*KeyspacePage, error) {
	if limit <= 0 {
		limit = 100
	}
	limit = min(limit, 1000)
	page := &KeyspacePage{Keyspaces: []KeyspaceInfo{}}
	err := n.chain.View(func(tx *bbolt.Tx, _ chain.TipInfo, _ state.Roots) error {
		list, more, err := state.ScanKeyspaces(tx, after, limit)
		if err != nil {
			return err
		}
		for _, ks := range list {
			info := KeyspaceInfo{Name: ks.Name, Price: state.KeyspacePrice(ks.Name)}
			if c := wire.KeyspaceCandidates(ks.Name); len(c) > 0 {
				info.Parent = c[0]
			}
			n.fillKeyspace(&info, ks, []byte(state.ScriptSource(tx, ks.Script)))
			page.Keyspaces = append(page.Keyspaces, info)
		}
		if more && len(list) > 0 {
			page.Next = list[len(list)-1].Name
		}
		return nil
	})
	return page, err
}
