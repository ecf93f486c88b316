package node

import (
	"slices"
	"strings"

	"github.com/bitverse/bitverse/node/consensus"
	"github.com/bitverse/bitverse/node/wire"
)

// EditFollow returns follow set cur (nil: every chain) with chains
// followed (add) or unfollowed. Unfollowing a chain unfollows every chain
// below it too; unfollowing from "every chain" starts from every branch.
// The chains must be branches of p's tree.
func EditFollow(cur []wire.ChainID, chains []wire.ChainID, add bool, p *consensus.Params) []wire.ChainID {
	all := cur == nil
	set := slices.Clone(cur)
	if !add && all {
		set, all = slices.Clone(wire.TreeChains(p.MaxDepth)[1:]), false
	}
	if all {
		return nil // following more of everything is everything
	}
	for _, id := range chains {
		i := slices.Index(set, id)
		switch {
		case add && i < 0:
			set = append(set, id)
		case !add && i >= 0:
			set = slices.Delete(set, i, i+1)
		}
	}
	if !add {
		set = slices.DeleteFunc(set, func(id wire.ChainID) bool {
			return slices.ContainsFunc(chains, func(u wire.ChainID) bool { return u.Depth < id.Depth && ancestorOf(u, id) })
		})
	}
	if set == nil {
		set = []wire.ChainID{}
	}
	return set
}

// FormatFollow is the --follow value of set: "all" for nil; an emptied set
// keeps the smallest valid one (the root and chain 0).
func FormatFollow(set []wire.ChainID) string {
	if set == nil {
		return "all"
	}
	if len(set) == 0 {
		return "0"
	}
	names := make([]string, len(set))
	for i, id := range set {
		names[i] = id.String()
	}
	return strings.Join(names, ",")
}

// ancestorOf reports whether a is an ancestor of c.
func ancestorOf(a, c wire.ChainID) bool {
	for c.Depth > a.Depth {
		c = c.Parent()
	}
	return c == a
}
