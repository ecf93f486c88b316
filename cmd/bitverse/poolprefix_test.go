package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bitverse/bitverse/node"
)

// TestPoolFundPrefix drives a prefix pool through the CLI against a real
// node started with --pools: `pool fund PREFIX/` lists the keys under the
// prefix at the node's tip (a trailing / makes it a prefix), `pool list
// --key` of a key under it finds the pool, `pool show` says what the
// listing is of, `pool join` rebuilds and checks the listing over the
// local API after the keys changed (members answering and being paid:
// TestPrefixPoolListsStateMembersAnswerAndRedeem, package pool); a prefix
// with no keys is refused with a sentence before anything is sent.
func TestPoolFundPrefix(t *testing.T) {
	t.Parallel()
	dir := fundedDataDir(t)
	pass := filepath.Join(t.TempDir(), "pass")
	if err := os.WriteFile(pass, []byte("correct horse"), 0o600); err != nil {
		t.Fatal(err)
	}
	startNode(t, dir, "--mine", "--pools", "--passphrase-file", pass)
	waitBalance(t, dir, "", 1)
	run := func(args ...string) string {
		t.Helper()
		out, stderr, code := cli(t, dir, nil, args...)
		if code != 0 {
			t.Fatalf("%s: code %d: %s", strings.Join(args, " "), code, stderr)
		}
		return out
	}
	// One block for the three puts: the last one's wait covers the others
	// (same account, nonces in order).
	run("put", "public/site/a", "page a")
	run("put", "public/site/b", "page b")
	run("put", "public/site/c/d", "page c/d", "--wait")
	if _, stderr, code := cli(t, dir, nil, "pool", "fund", "public/nothing/", "--amount", "2", "--yes"); code == 0 || !strings.Contains(stderr, "no key under") {
		t.Fatalf("fund of an empty prefix: code %d, %s", code, stderr)
	}
	var funded struct{ ID string }
	if err := json.Unmarshal([]byte(run("pool", "fund", "public/site/", "--amount", "2", "--replicas", "1", "--yes", "--wait", "--json")), &funded); err != nil || funded.ID == "" {
		t.Fatalf("pool fund PREFIX/ --json: %v %+v", err, funded)
	}
	id := funded.ID
	var list []node.PoolInfo
	if err := json.Unmarshal([]byte(run("pool", "list", "--key", "public/site/c/d", "--json")), &list); err != nil || len(list) != 1 || list[0].ID.String() != id {
		t.Fatalf("pool list --key of a key under the prefix: %v %+v", err, list)
	}
	if p := list[0]; p.Target.Kind != "prefix" || p.Target.Key != "public/site/" || p.Target.Chain != "/" || p.Target.Size == 0 {
		t.Fatalf("pool %+v", p)
	}
	if human := run("pool", "show", id); !strings.Contains(human, `every key under "public/site/" on chain /`) {
		t.Fatalf("pool show:\n%s", human)
	}
	// The keys change; the pool still lists the block it named.
	run("put", "public/site/a", "rewritten")
	run("pool", "join", id, "--stake", "0.5", "--yes", "--wait")
	var p node.PoolInfo
	if err := json.Unmarshal([]byte(run("pool", "show", id, "--json")), &p); err != nil || len(p.Members) != 1 {
		t.Fatalf("after the join: %v %+v", err, p.Members)
	}
}
