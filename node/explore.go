package node

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/bitverse/bitverse/node/chain"
	"github.com/bitverse/bitverse/node/state"
	"github.com/bitverse/bitverse/node/wire"
	"go.etcd.io/bbolt"
)

// Bounds of one Explore: every section is cut to a limit and every scan
// stops at a cap, so a node with a huge state answers in bounded work.
const (
	// ExploreWindow is how many of the newest blocks with writes of each
	// chain an Explore reads for recent writes, transforms and busy
	// branches. Blocks without writes are passed over, at most
	// ExploreHeaderScan of a chain.
	ExploreWindow = 64
	// MaxExploreBlocks caps the blocks with writes one Explore reads over
	// the chains stored in full.
	MaxExploreBlocks = 1024
	// MaxKeyspaceScan caps the keyspace records one listing decodes
	// (keyspaces have no index by height; they are few and costly).
	MaxKeyspaceScan = 10_000
	// MaxExploreLimit caps one section.
	MaxExploreLimit = 200
)

// ExploreOptions shape an Explore. Limit is how many entries each section
// holds (0: 20, at most MaxExploreLimit).
type ExploreOptions struct {
	Limit int `json:"limit,omitempty"`
}

// Explore is what a node has verified that is worth looking at, for a user
// who knows nothing yet: each entry names the chain and height where it
// was proven (blocks this node validated, or the root state at Height).
type Explore struct {
	// Height is the root tip the keyspaces and bounties were read at;
	// Window is how many newest blocks with writes of each chain were
	// read for the writes, transforms and branches (Scan: among how many
	// newest blocks).
	Height uint64 `json:"height"`
	Window int    `json:"window"`
	Scan   int    `json:"scan"`
	// Keyspaces newest first; MostWritten by writes in the window (a
	// write counts for every keyspace its key lies under).
	Keyspaces   []ExploreKeyspace `json:"keyspaces"`
	MostWritten []ExploreKeyspace `json:"most_written"`
	// Writes newest first (by block time) across every stored chain.
	Writes []ExploreWrite `json:"writes"`
	// Transforms are keys whose newest value in the window declares
	// function transform.
	Transforms []ExploreTransform `json:"transforms"`
	// Bounties are the open ones, newest first.
	Bounties []ExploreBounty `json:"bounties"`
	// Branches are the chains with the most writes in the window.
	Branches []ExploreBranch `json:"branches"`
	// Fetch says what was fetched from peers for the chains this node
	// keeps as headers only.
	Fetch ExploreFetch `json:"fetch"`
}

// ExploreKeyspace is one keyspace in an Explore. Description is the first
// comment line of its access script ("" if none).
type ExploreKeyspace struct {
	Name        string `json:"name"`
	Owner       string `json:"owner"`
	Height      uint64 `json:"height"` // root block that bought it
	Description string `json:"description,omitempty"`
	Writes      int    `json:"writes"` // in the window
	Proven      string `json:"proven"`
}

// ExploreWrite is one recent write: key written on chain in the block at
// height.
type ExploreWrite struct {
	Key    string `json:"key"`
	Chain  string `json:"chain"`
	Height uint64 `json:"height"`
	Time   int64  `json:"time"` // block time, ms since the Unix epoch
	Size   int    `json:"size"`
	Writer string `json:"writer"`
	// Block is the block that holds the write; Proven says where it was
	// proven (ProvenStored, or the peer a headers-only chain's block was
	// fetched from and checked against its header).
	Block  wire.Hash `json:"block"`
	Proven string    `json:"proven"`
}

// ExploreTransform is a key holding a transform. Description is the
// script's first comment line.
type ExploreTransform struct {
	Key         string    `json:"key"`
	Chain       string    `json:"chain"`
	Height      uint64    `json:"height"`
	Description string    `json:"description,omitempty"`
	Block       wire.Hash `json:"block"`
	Proven      string    `json:"proven"`
}

// ExploreBounty is an open bounty and where it was proven (the root state
// at the Explore's height).
type ExploreBounty struct {
	BountyInfo
	Proven string `json:"proven"`
}

// ProvenStored is the Proven of an entry read from a block of a chain this
// node stores in full: it validated the block itself.
const ProvenStored = "stored"

// provenRoot is the Proven of an entry read from the root state.
func provenRoot(height uint64) string { return fmt.Sprintf("root state at height %d", height) }

// interleave orders blocks wanted from several chains so that each
// chain's newest come first: one of every chain, then the next of each.
func interleave(want []wantBlock) []wantBlock {
	var chains []wire.ChainID
	per := map[wire.ChainID][]wantBlock{}
	for _, w := range want {
		if per[w.chain] == nil {
			chains = append(chains, w.chain)
		}
		per[w.chain] = append(per[w.chain], w)
	}
	out := make([]wantBlock, 0, len(want))
	for i := 0; len(out) < len(want); i++ {
		for _, c := range chains {
			if i < len(per[c]) {
				out = append(out, per[c][i])
			}
		}
	}
	return out
}

// ExploreBranch is a chain and the writes in its newest blocks.
type ExploreBranch struct {
	Chain  string `json:"chain"`
	Tip    uint64 `json:"tip"`
	Blocks int    `json:"blocks"` // blocks with writes read
	Writes int    `json:"writes"`
}

// transformDecl is what marks a value as a transform.
var transformDecl = []byte("function transform")

// Explore implements API. What it reads: the keyspace records of the root
// state (at most MaxKeyspaceScan), the open bounties (the market bucket,
// as Bounties does), the ExploreWindow newest blocks with writes among the
// ExploreHeaderScan newest blocks of every chain stored in full (at most
// MaxExploreBlocks blocks with writes in all, the root first, then
// the shallower chains), and of every chain kept as headers only the
// newest ExploreWindow blocks with writes among its ExploreHeaderScan
// newest headers, fetched from peers and checked against their headers
// (see ExploreHeaderScan and the bounds beside it; fetched blocks are
// cached, so a repeated Explore fetches only new blocks).
func (n *Node) Explore(ctx context.Context, o ExploreOptions) (*Explore, error) {
	limit := o.Limit
	if limit <= 0 {
		limit = 20
	}
	limit = min(limit, MaxExploreLimit)
	ex := &Explore{Window: ExploreWindow, Scan: ExploreHeaderScan, Height: n.chain.Tip().Height,
		Keyspaces: []ExploreKeyspace{}, MostWritten: []ExploreKeyspace{}, Writes: []ExploreWrite{},
		Transforms: []ExploreTransform{}, Bounties: []ExploreBounty{}, Branches: []ExploreBranch{}}

	// Recent writes, per chain, newest block first.
	type put struct {
		ExploreWrite
		transform bool
		desc      string
	}
	var puts []put
	add := func(br *ExploreBranch, id wire.Hash, height uint64, time int64, proven string, s putSummary) {
		br.Writes++
		puts = append(puts, put{ExploreWrite{Key: s.key, Chain: br.Chain, Height: height, Time: time, Size: s.size,
			Writer: s.writer, Block: id, Proven: proven}, s.transform, s.desc})
	}
	budget := MaxExploreBlocks
	var remote []wantBlock
	for _, c := range n.forest.Chains() {
		if c.HeadersOnly() {
			if want, _ := n.remoteWindow(c); len(want) > 0 {
				remote = append(remote, want...)
			}
			continue
		}
		if budget == 0 {
			continue
		}
		tip := c.Tip().Height
		br := ExploreBranch{Chain: c.ID().String(), Tip: tip}
		scanned := 0
		for h := int64(tip); h >= 0 && br.Blocks < ExploreWindow && scanned < ExploreHeaderScan && budget > 0; h-- {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			b, err := c.BlockByHeight(uint64(h))
			if err != nil {
				// A reorganisation moved the tip under us: what was read
				// stands.
				break
			}
			scanned++
			writes := br.Writes
			for _, tx := range b.Txs {
				if p, ok := tx.Body.(wire.Put); ok {
					add(&br, b.ID(), b.Header.Height, b.Header.Time, ProvenStored, summarisePut(n.net(), tx, p))
				}
			}
			if br.Writes > writes {
				br.Blocks++
				budget--
			}
		}
		if br.Writes > 0 {
			ex.Branches = append(ex.Branches, br)
		}
	}
	// Headers-only chains: their blocks with writes, from peers.
	if len(remote) > 0 {
		n.hooksMu.RLock()
		online := n.blocks != nil
		n.hooksMu.RUnlock()
		if online {
			got := n.fetchBlocks(ctx, interleave(remote), &ex.Fetch)
			brs := map[wire.ChainID]*ExploreBranch{}
			var order []wire.ChainID
			for _, w := range remote {
				fb := got[w.id]
				if fb == nil {
					continue
				}
				br := brs[w.chain]
				if br == nil {
					c := n.forest.Chain(w.chain)
					br = &ExploreBranch{Chain: w.chain.String(), Tip: c.Tip().Height}
					brs[w.chain] = br
					order = append(order, w.chain)
				}
				br.Blocks++
				for _, s := range fb.puts {
					add(br, w.id, fb.height, fb.time, fb.proven(w.id), s)
				}
			}
			for _, id := range order {
				if brs[id].Writes > 0 {
					ex.Branches = append(ex.Branches, *brs[id])
				}
			}
		} else {
			ex.Fetch.Skipped += len(remote)
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
	}
	// Newest first by block time; a block's writes in their order.
	sort.SliceStable(puts, func(i, j int) bool { return puts[i].Time > puts[j].Time })
	for i := range puts {
		if len(ex.Writes) < limit {
			ex.Writes = append(ex.Writes, puts[i].ExploreWrite)
		}
	}
	// The newest write of a key is its value: a transform if it says so.
	seen := map[string]bool{}
	for _, p := range puts {
		id := p.Chain + " " + p.Key
		if seen[id] {
			continue
		}
		seen[id] = true
		if len(ex.Transforms) < limit && p.transform {
			ex.Transforms = append(ex.Transforms, ExploreTransform{Key: p.Key, Chain: p.Chain, Height: p.Height,
				Description: p.desc, Block: p.Block, Proven: p.Proven})
		}
	}
	sort.SliceStable(ex.Branches, func(i, j int) bool { return ex.Branches[i].Writes > ex.Branches[j].Writes })
	ex.Branches = ex.Branches[:min(len(ex.Branches), limit)]

	// Keyspaces from the root state, with the window's writes counted.
	var all []*state.Keyspace
	srcs := map[string]string{}
	err := n.chain.View(func(tx *bbolt.Tx, tip chain.TipInfo, _ state.Roots) error {
		ex.Height = tip.Height
		var err error
		all, _, err = state.ScanKeyspaces(tx, "", MaxKeyspaceScan)
		if err != nil {
			return err
		}
		sort.SliceStable(all, func(i, j int) bool { return all[i].Height > all[j].Height })
		for _, ks := range all[:min(len(all), limit)] {
			srcs[ks.Name] = state.ScriptSource(tx, ks.Script)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	written := map[string]int{}
	names := map[string]bool{}
	for _, ks := range all {
		names[ks.Name] = true
	}
	for _, p := range puts {
		for _, cand := range wire.KeyspaceCandidates(p.Key) {
			if names[cand] {
				written[cand]++
			}
		}
	}
	entry := func(ks *state.Keyspace) ExploreKeyspace {
		return ExploreKeyspace{Name: ks.Name, Owner: wire.EncodeAddress(n.net(), ks.Owner), Height: ks.Height,
			Description: Describe([]byte(srcs[ks.Name])), Writes: written[ks.Name], Proven: provenRoot(ex.Height)}
	}
	for _, ks := range all[:min(len(all), limit)] {
		ex.Keyspaces = append(ex.Keyspaces, entry(ks))
	}
	var busy []*state.Keyspace
	for _, ks := range all {
		if written[ks.Name] > 0 {
			busy = append(busy, ks)
		}
	}
	sort.SliceStable(busy, func(i, j int) bool { return written[busy[i].Name] > written[busy[j].Name] })
	busy = busy[:min(len(busy), limit)]
	if len(busy) > 0 {
		err = n.chain.View(func(tx *bbolt.Tx, _ chain.TipInfo, _ state.Roots) error {
			for _, ks := range busy {
				if _, ok := srcs[ks.Name]; !ok {
					srcs[ks.Name] = state.ScriptSource(tx, ks.Script)
				}
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	for _, ks := range busy {
		ex.MostWritten = append(ex.MostWritten, entry(ks))
	}

	open, err := n.Bounties(ctx, BountyFilter{State: "open", Limit: limit})
	if err != nil {
		return nil, err
	}
	for _, b := range open {
		ex.Bounties = append(ex.Bounties, ExploreBounty{b, provenRoot(ex.Height)})
	}
	return ex, nil
}

// Describe is a script's description: its first comment line (// or /*),
// trimmed and cut to 120 bytes; "" if it has none.
func Describe(src []byte) string {
	for line := range strings.Lines(string(src)) {
		s := strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(s, "//"):
			s = strings.TrimSpace(strings.TrimLeft(s, "/"))
		case strings.HasPrefix(s, "/*"):
			s, _, _ = strings.Cut(strings.TrimLeft(s[2:], "*"), "*/")
		case strings.HasPrefix(s, "*") && !strings.HasPrefix(s, "*/"):
			s, _, _ = strings.Cut(strings.TrimLeft(s, "*"), "*/")
		default:
			continue
		}
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		if len(s) > 120 {
			s = strings.ToValidUTF8(s[:120], "")
		}
		return s
	}
	return ""
}
