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

// TestPoolCommands drives pool and token commands against a real node
// started with --pools: fund a pool for a value (the CLI computes its
// segment root), list and show it, join it (the data is checked first),
// see the node answer the account's challenge by itself, buy and redeem
// tokens, and leave; every command's --json parses.
func TestPoolCommands(t *testing.T) {
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
	run("put", "public/pooled", "kept available forever", "--wait")
	var funded struct{ ID string }
	if err := json.Unmarshal([]byte(run("pool", "fund", "public/pooled", "--amount", "2", "--replicas", "1", "--tier", "2",
		"--token-rate", "5", "--yes", "--wait", "--json")), &funded); err != nil || funded.ID == "" {
		t.Fatalf("pool fund --json: %v %+v", err, funded)
	}
	var list []node.PoolInfo
	if err := json.Unmarshal([]byte(run("pool", "list", "--key", "public/pooled", "--json")), &list); err != nil || len(list) != 1 || list[0].ID.String() != funded.ID {
		t.Fatalf("pool list --json: %v %+v", err, list)
	}
	if p := list[0]; p.Target.Kind != "key" || p.Target.Size != uint64(len("kept available forever")) || p.Replicas != 1 || p.TokenRate != 5 {
		t.Fatalf("pool %+v", p)
	}
	id := funded.ID
	if _, stderr, code := cli(t, dir, nil, "pool", "join", id, "--stake", "0.00000001", "--yes"); code == 0 || !strings.Contains(stderr, "stakes at least") {
		t.Fatalf("join below the least stake: code %d, %s", code, stderr)
	}
	run("pool", "join", id, "--stake", "0.5", "--yes", "--wait")
	show := func() node.PoolInfo {
		var p node.PoolInfo
		if err := json.Unmarshal([]byte(run("pool", "show", id, "--json")), &p); err != nil {
			t.Fatal(err)
		}
		return p
	}
	if p := show(); len(p.Members) != 1 || p.Members[0].Stake != 50_000_000 {
		t.Fatalf("after the join: %+v", p.Members)
	}
	if human := run("pool", "show", id); !strings.Contains(human, "member bvd1") || !strings.Contains(human, "expected lifetime") {
		t.Fatalf("pool show:\n%s", human)
	}
	// The node (--pools) answers the account's challenges by itself.
	testutil.Eventually(t, 180*time.Second, "an answered challenge", func() error {
		if m := show().Members[0]; m.Answered == 0 || m.Missed != 0 {
			return fmt.Errorf("member %+v", m)
		}
		return nil
	})
	run("token", "buy", id, "--count", "2", "--yes", "--wait")
	var toks []node.TokenInfo
	if err := json.Unmarshal([]byte(run("token", "show", "--json")), &toks); err != nil || len(toks) != 1 || toks[0].Count != 2 {
		t.Fatalf("token show --json: %v %+v", err, toks)
	}
	var red struct{ ID string }
	if err := json.Unmarshal([]byte(run("token", "redeem", id, "--yes", "--wait", "--json")), &red); err != nil || red.ID == "" {
		t.Fatalf("token redeem --json: %v %+v", err, red)
	}
	if err := json.Unmarshal([]byte(run("token", "show", "--json")), &toks); err != nil || len(toks) != 1 || toks[0].Count != 1 {
		t.Fatalf("after a redemption: %v %+v", err, toks)
	}
	// A claim of silence (here against this very account, the member):
	// the node's pool service answers the serve challenge by itself.
	addr := show().Members[0].Address
	if _, stderr, code := cli(t, dir, nil, "token", "report", id, "--redemption", "zz", "--member", addr, "--yes"); code == 0 || !strings.Contains(stderr, "not a transaction id") {
		t.Fatalf("report with a bad redemption: code %d, %s", code, stderr)
	}
	var claim struct{ ID, Type string }
	if err := json.Unmarshal([]byte(run("token", "report", id, "--redemption", red.ID, "--member", addr, "--yes", "--wait", "--json")), &claim); err != nil || claim.Type != "pool-silence" {
		t.Fatalf("token report --json: %v %+v", err, claim)
	}
	testutil.Eventually(t, 120*time.Second, "the serve challenge answered", func() error {
		if p := show(); len(p.Serves) != 0 {
			return fmt.Errorf("open: %+v", p.Serves)
		}
		return nil
	})
	if m := show().Members[0]; m.Missed != 0 || m.Tier != 2 {
		t.Fatalf("the member answered its serve challenge and was demoted: %+v", m)
	}
	run("pool", "leave", id, "--yes", "--wait")
	if _, stderr, code := cli(t, dir, nil, "pool", "show", strings.Repeat("0", 64)); code == 0 || !strings.Contains(stderr, "no pool") {
		t.Fatalf("show of no pool: code %d, %s", code, stderr)
	}
}

// pool show lists the open serve challenges, with who claimed, the
// segment and the deadline.
func TestPrintPoolListsServeChallenges(t *testing.T) {
	p := &node.PoolInfo{Target: node.PoolTarget{Kind: "blob", Key: "public/x"}, Serves: []node.ServeInfo{
		{Member: "bvd1member", Claimer: "bvd1claimer", Opened: 40, Deadline: 50, Drawn: true, Segment: 7, Deposit: 1_000_000},
		{Member: "bvd1other", Claimer: "bvd1claimer", Opened: 41, Deadline: 51, Segment: 3, Deposit: 1_000_000},
	}}
	var b strings.Builder
	printPool(&b, p)
	for _, want := range []string{"serve challenge: member bvd1member", "by bvd1claimer at height 40; segment 7 (drawn), due by height 50",
		"member bvd1other", "(drawn by the next block), due by height 51", "deposit 0.01"} {
		if !strings.Contains(b.String(), want) {
			t.Fatalf("pool show lacks %q:\n%s", want, b.String())
		}
	}
}
