package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bitverse/bitverse/internal/testutil"
	"github.com/bitverse/bitverse/node"
)

// treeJSON runs `tree --json` on a running node.
func treeJSON(t *testing.T, dir string) node.Tree {
	t.Helper()
	out, stderr, code := cli(t, dir, nil, "tree", "--json")
	if code != 0 {
		t.Fatalf("tree --json: exit %d: %s", code, stderr)
	}
	var tr node.Tree
	if err := json.Unmarshal([]byte(out), &tr); err != nil {
		t.Fatalf("tree --json: %v\n%s", err, out)
	}
	return tr
}

// TestTreeLoneNode: a fresh lone node holds the 15 chains of the devnet
// tree, all in full; the root's height grows as it mines.
func TestTreeLoneNode(t *testing.T) {
	t.Parallel() // its own data directories and processes
	dir := t.TempDir()
	restoreTestWallet(t, dir)
	startNode(t, dir, "--mine")
	tr := treeJSON(t, dir)
	if len(tr.Chains) != 15 {
		t.Fatalf("tree lists %d chains, want 15", len(tr.Chains))
	}
	root := tr.Chains[0]
	for _, c := range tr.Chains {
		if !c.Followed {
			t.Errorf("chain %s is headers only on a lone node", c.Chain)
		}
		if !c.PeersKnown || c.Peers != 0 {
			t.Errorf("chain %s: peers %d (known %v), want 0 known on a lone networked node", c.Chain, c.Peers, c.PeersKnown)
		}
		if c.TargetInterval != root.TargetInterval*float64(uint(1)<<c.Depth) {
			t.Errorf("chain %s: interval %vs", c.Chain, c.TargetInterval)
		}
	}
	if tr.Chains[0].Chain != "/" || tr.Chains[14].Chain != "111" {
		t.Errorf("order: first %s, last %s", tr.Chains[0].Chain, tr.Chains[14].Chain)
	}
	testutil.Eventually(t, 90*time.Second, "the root's height to grow while mining", func() error {
		if h := treeJSON(t, dir).Chains[0].Height; h < 2 {
			return fmt.Errorf("height %d", h)
		}
		return nil
	})
	out, stderr, code := cli(t, dir, nil, "tree")
	if code != 0 || !strings.Contains(out, "CHAIN") || !strings.Contains(out, "111") {
		t.Errorf("tree: exit %d, %s\n%s", code, stderr, out)
	}
}

// TestTreeFollow: a node following 01 stores /, 0 and 01 in full and the
// other twelve chains as headers only, each on its own file.
func TestTreeFollow(t *testing.T) {
	t.Parallel() // its own data directories and processes
	dir := t.TempDir()
	startNode(t, dir, "--follow", "01")
	full := map[string]bool{"/": true, "0": true, "01": true}
	tr := treeJSON(t, dir)
	if len(tr.Chains) != 15 {
		t.Fatalf("tree lists %d chains, want 15", len(tr.Chains))
	}
	headers := 0
	for _, c := range tr.Chains {
		if c.Followed != full[c.Chain] {
			t.Errorf("chain %s: followed %v", c.Chain, c.Followed)
		}
		if !c.Followed {
			headers++
		}
		if c.Chain == "/" {
			continue
		}
		if _, err := os.Stat(filepath.Join(dir, "chains", c.Chain+".db")); err != nil {
			t.Errorf("chain %s has no file: %v", c.Chain, err)
		}
	}
	if headers != 12 {
		t.Errorf("%d headers-only chains, want 12", headers)
	}
}

// TestTreeBadFollow: a bad --follow is refused with a sentence.
func TestTreeBadFollow(t *testing.T) {
	t.Parallel() // its own data directories and processes
	dir := t.TempDir()
	for arg, want := range map[string]string{
		"0x1":  "--follow: invalid chain name",
		"0101": "--follow: chain 0101 is 4 levels deep, but the devnet tree stops at depth 3",
	} {
		_, stderr, code := cli(t, dir, nil, "node", "--no-mdns", "--loopback", "--follow", arg)
		if code == 0 || !strings.Contains(stderr, want) {
			t.Errorf("--follow %s: exit %d, stderr %q; want %q", arg, code, stderr, want)
		}
	}
}
