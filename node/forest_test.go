package node

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bitverse/bitverse/node/consensus"
	"github.com/bitverse/bitverse/node/store"
	"github.com/bitverse/bitverse/node/wire"
	"go.etcd.io/bbolt"
)

func openTestNode(t *testing.T, dir string, follow ...string) *Node {
	t.Helper()
	p := consensus.Regtest()
	var ids []wire.ChainID
	if len(follow) > 0 {
		var err error
		if ids, err = ParseFollow(strings.Join(follow, ","), p); err != nil {
			t.Fatal(err)
		}
	}
	n, err := Open(Config{DataDir: dir, Params: p, MinerWorkers: 1, Follow: ids})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// modes returns each chain's mode as Tree reports it ("full"/"headers").
func modes(t *testing.T, n *Node) map[string]string {
	t.Helper()
	tr, err := n.Tree(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, c := range tr.Chains {
		out[c.Chain] = modeHeaders
		if c.Followed {
			out[c.Chain] = modeFull
		}
	}
	return out
}

// fileMode reads the mode recorded in a closed branch file.
func fileMode(t *testing.T, path string) string {
	t.Helper()
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: time.Second, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var m string
	db.View(func(tx *bbolt.Tx) error {
		m = string(tx.Bucket(store.Meta).Get(keyMode))
		return nil
	})
	return m
}

// TestFollowSet opens a node following 01: /, 0 and 01 are full, the other
// twelve chains headers only, each on its own file recording its mode.
// Reopened following everything, the headers-only files are moved aside
// (the chains start afresh in full); reopened following 01 again, the full
// files are kept and become headers-only.
func TestFollowSet(t *testing.T) {
	dir := t.TempDir()
	n := openTestNode(t, dir, "01")
	got := modes(t, n)
	if len(got) != 15 {
		t.Fatalf("%d chains, want 15", len(got))
	}
	full := map[string]bool{"/": true, "0": true, "01": true}
	for c, m := range got {
		if want := map[bool]string{true: modeFull, false: modeHeaders}[full[c]]; m != want {
			t.Errorf("chain %s is %s, want %s", c, m, want)
		}
	}
	if n.Forest().Root() != n.Chain() {
		t.Error("Chain() is not the forest's root")
	}
	if err := n.Close(); err != nil {
		t.Fatal(err)
	}
	ents, err := os.ReadDir(filepath.Join(dir, ChainsDir))
	if err != nil {
		t.Fatal(err)
	}
	if len(ents) != 14 {
		t.Fatalf("chains/ holds %d files, want 14", len(ents))
	}
	for _, e := range ents {
		c := strings.TrimSuffix(e.Name(), ".db")
		want := map[bool]string{true: modeFull, false: modeHeaders}[full[c]]
		if m := fileMode(t, filepath.Join(dir, ChainsDir, e.Name())); m != want {
			t.Errorf("%s records mode %q, want %q", e.Name(), m, want)
		}
	}

	// Follow everything: the twelve headers-only files move aside.
	n = openTestNode(t, dir)
	for c, m := range modes(t, n) {
		if m != modeFull {
			t.Errorf("following all, chain %s is %s", c, m)
		}
	}
	n.Close()
	aside, _ := filepath.Glob(filepath.Join(dir, ChainsDir, "*.db.headers-*"))
	if len(aside) != 12 {
		t.Errorf("%d files moved aside, want 12: %v", len(aside), aside)
	}
	if m := fileMode(t, filepath.Join(dir, ChainsDir, "1.db")); m != modeFull {
		t.Errorf("1.db records %q after following it", m)
	}

	// Back to 01 only: nothing moves, 1 becomes headers only.
	n = openTestNode(t, dir, "01")
	if m := modes(t, n)["1"]; m != modeHeaders {
		t.Errorf("chain 1 is %s, want headers", m)
	}
	n.Close()
	if again, _ := filepath.Glob(filepath.Join(dir, ChainsDir, "*.db.headers-*")); len(again) != 12 {
		t.Errorf("%d files aside after going back to headers only, want still 12", len(again))
	}
	if m := fileMode(t, filepath.Join(dir, ChainsDir, "1.db")); m != modeHeaders {
		t.Errorf("1.db records %q, want headers", m)
	}
}

// parseFollowCases are --follow values and what ParseFollow makes of them
// (want "all" for every chain, "" for an error); FuzzParseFollow starts
// from them.
var parseFollowCases = []struct{ in, want string }{
	{"", "all"},
	{"all", "all"},
	{" ALL ", "all"},
	{"01, 1,/", "01,1,/"},
	{"/", "/"},
	{"/01", "01"},
	{"1,1", "1,1"},
	{" 000 ,, 111 ", "000,111"},
	{"0", "0"},
	{"012", ""},
	{"0101", ""},
	{",", ""},
	{" , ,", ""},
	{"all,1", ""},
	{"//", ""},
	{"1,x", ""},
	{"\u00e91", ""},
}

// TestParseFollow checks the flag's forms and its errors.
func TestParseFollow(t *testing.T) {
	p := consensus.Devnet()
	for i, c := range parseFollowCases {
		ids, err := ParseFollow(c.in, p)
		if c.want == "" {
			if err == nil || !strings.HasPrefix(err.Error(), "--follow: ") {
				t.Errorf("case %d: ParseFollow(%q) = %v, err %v; want a --follow error", i, c.in, ids, err)
			}
			continue
		}
		if err != nil || FormatFollow(ids) != c.want {
			t.Errorf("case %d: ParseFollow(%q) = %v (%s), %v; want %s", i, c.in, ids, FormatFollow(ids), err, c.want)
		}
	}
	ids, err := ParseFollow("01, 1,/", p)
	if err != nil || len(ids) != 3 || ids[0] != (wire.ChainID{Depth: 2, Bits: 1}) || ids[2] != wire.RootChain {
		t.Errorf("ParseFollow(01, 1,/) = %v, %v", ids, err)
	}
	if follows([]wire.ChainID{{Depth: 2, Bits: 1}}, wire.ChainID{Depth: 1, Bits: 1}) {
		t.Error("following 01 follows 1")
	}
	if _, err := Open(Config{DataDir: t.TempDir(), Params: p, Follow: []wire.ChainID{{Depth: 4}}}); err == nil {
		t.Error("Open accepted a follow set below MaxDepth")
	}
}
