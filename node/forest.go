package node

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/bitverse/bitverse/node/chain"
	"github.com/bitverse/bitverse/node/consensus"
	"github.com/bitverse/bitverse/node/store"
	"github.com/bitverse/bitverse/node/wire"
	"go.etcd.io/bbolt"
)

// keyMode is the store.Meta key recording how a branch chain's file was
// last kept: modeFull (bodies and state) or modeHeaders (headers only).
var keyMode = []byte("mode")

const (
	modeFull    = "full"
	modeHeaders = "headers"
)

// ChainsDir is where a node keeps its branch chains, one bbolt file per
// prefix (<datadir>/chains/<prefix>.db); the root stays on chain.db.
const ChainsDir = "chains"

// ParseFollow parses a --follow value: comma-separated chain prefixes
// ("01,1"), or "all" or "" for every chain (nil). Each prefix must be a
// chain of the network's tree (depth at most p.MaxDepth).
func ParseFollow(s string, p *consensus.Params) ([]wire.ChainID, error) {
	s = strings.TrimSpace(s)
	if s == "" || strings.EqualFold(s, "all") {
		return nil, nil
	}
	var out []wire.ChainID
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		id, err := wire.ParseChainID(part)
		if err != nil {
			return nil, fmt.Errorf("--follow: %w", err)
		}
		if err := checkFollowDepth(id, p); err != nil {
			return nil, fmt.Errorf("--follow: %w", err)
		}
		out = append(out, id)
	}
	if len(out) == 0 {
		return nil, errors.New("--follow: no chain given; pass prefixes like 01,1 or all")
	}
	return out, nil
}

func checkFollowDepth(id wire.ChainID, p *consensus.Params) error {
	if id.Depth > p.MaxDepth {
		return fmt.Errorf("chain %s is %d levels deep, but the %s tree stops at depth %d", id, id.Depth, p.Net.Name, p.MaxDepth)
	}
	return nil
}

// follows reports whether the node stores chain id in full: with no follow
// set, every chain; else the chains of the set and their ancestors (a
// branch's rules read its parent's state), and always the root.
func follows(follow []wire.ChainID, id wire.ChainID) bool {
	if follow == nil || id.IsRoot() {
		return true
	}
	for _, f := range follow {
		for f.Depth > id.Depth {
			f = f.Parent()
		}
		if f == id {
			return true
		}
	}
	return false
}

// openBranchDB opens the file of branch chain id for the given mode.
// A file last kept as headers only has no usable state, so a chain the
// node now follows in full starts afresh: the old file is moved aside
// (the node re-syncs the chain). A full file opened headers-only is kept
// as is; its state is unused, and the recorded mode becomes headers so a
// later switch back starts afresh too (the state would be stale).
func (n *Node) openBranchDB(id wire.ChainID, full bool) (*bbolt.DB, error) {
	path := filepath.Join(n.cfg.DataDir, ChainsDir, id.String()+".db")
	_, statErr := os.Stat(path)
	existed := statErr == nil
	db, err := store.Open(path)
	if err != nil {
		return nil, err
	}
	var mode string
	db.View(func(tx *bbolt.Tx) error {
		mode = string(tx.Bucket(store.Meta).Get(keyMode))
		return nil
	})
	// An existing file with no recorded mode is treated as headers only:
	// the safe reading, since its state cannot be trusted.
	if full && existed && mode != modeFull {
		db.Close()
		aside := fmt.Sprintf("%s.headers-%d", path, n.cfg.Now().Unix())
		if err := os.Rename(path, aside); err != nil {
			return nil, fmt.Errorf("move aside the headers-only file of chain %s: %w", id, err)
		}
		n.log.Warn("chain now followed in full: its headers-only file was moved aside and the chain starts afresh",
			"chain", id.String(), "old", aside)
		if db, err = store.Open(path); err != nil {
			return nil, err
		}
	}
	want := modeHeaders
	if full {
		want = modeFull
	}
	if mode != want {
		err = db.Update(func(tx *bbolt.Tx) error { return tx.Bucket(store.Meta).Put(keyMode, []byte(want)) })
		if err != nil {
			db.Close()
			return nil, fmt.Errorf("record the mode of chain %s: %w", id, err)
		}
	}
	return db, nil
}

// openBranches adds every branch chain down to Params.MaxDepth to the
// forest, each on its own file, full or headers only by the follow set.
func (n *Node) openBranches(base chain.Config) error {
	for _, id := range wire.TreeChains(n.cfg.Params.MaxDepth)[1:] {
		full := follows(n.cfg.Follow, id)
		db, err := n.openBranchDB(id, full)
		if err != nil {
			return err
		}
		n.branchDBs = append(n.branchDBs, db)
		cfg := base
		cfg.ID, cfg.DB, cfg.HeadersOnly = id, db, !full
		if full {
			n.pools[id] = n.branchPool(id, db)
		}
		cfg.OnConnect, cfg.OnDisconnect = n.branchHooks(id)
		if _, err := n.forest.Add(cfg); err != nil {
			return fmt.Errorf("open chain %s: %w", id, err)
		}
	}
	return nil
}

// closeBranches closes the branch chains' files.
func (n *Node) closeBranches() error {
	var first error
	for _, db := range n.branchDBs {
		if err := db.Close(); err != nil && first == nil {
			first = err
		}
	}
	n.branchDBs = nil
	return first
}

// Forest returns the node's blocktree: the root (Chain) and every branch
// chain down to Params.MaxDepth.
func (n *Node) Forest() *chain.Forest { return n.forest }
