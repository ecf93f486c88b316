package main

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bitverse/bitverse/internal/testutil"
	"github.com/bitverse/bitverse/node"
	"github.com/bitverse/bitverse/node/wire"
)

// TestBranchWritesLoneNode: on a lone mining node, put --depth writes at
// every depth of the tree. The first write on a chain stamps its own
// credit and says what it cost; each write is readable with its chain and,
// once a root block checkpoints it, root confirmations. stamp and credit
// show the credit; a write to a depth below the tree is refused.
func TestBranchWritesLoneNode(t *testing.T) {
	t.Parallel() // a lone node of its own: it mostly waits for block intervals
	dir := fundedDataDir(t)
	startNode(t, dir, "--mine")
	waitBalance(t, dir, "", wire.Unit)

	for d := 0; d <= 3; d++ {
		key := fmt.Sprintf("public/branch-test-%d", d)
		out, stderr, code := cli(t, dir, nil, "put", key, fmt.Sprintf("v%d", d), "--depth", fmt.Sprint(d), "--wait", "--json")
		if code != 0 {
			t.Fatalf("put --depth %d: exit %d: %s", d, code, stderr)
		}
		var ti node.TxInfo
		if err := json.Unmarshal([]byte(out), &ti); err != nil {
			t.Fatalf("put --depth %d --json: %v\n%s", d, err, out)
		}
		want := wire.ForPath(wire.KeyPath(key), uint8(d)).String()
		if d > 0 && (ti.Chain != want || !strings.Contains(stderr, "stamping")) {
			t.Errorf("put --depth %d: chain %q (want %s), stderr %q (want the stamp it bought)", d, ti.Chain, want, stderr)
		}
		out, stderr, code = cli(t, dir, nil, "get", key, "--depth", fmt.Sprint(d), "--json")
		if code != 0 {
			t.Fatalf("get --depth %d: %s", d, stderr)
		}
		var res node.GetResult
		if err := json.Unmarshal([]byte(out), &res); err != nil {
			t.Fatal(err)
		}
		if res.Value != fmt.Sprintf("v%d", d) || res.Chain != want || res.Confirmations < 1 {
			t.Errorf("get --depth %d: %+v", d, res)
		}
		if d > 0 {
			// The branch block and the write are browsable: by chain and
			// height, by hash alone, and the tx by its id.
			for _, args := range [][]string{{"block", "--chain", want, fmt.Sprint(ti.Height), "--json"}, {"block", ti.Block.String(), "--json"}} {
				out, stderr, code := cli(t, dir, nil, args...)
				var bi node.BlockInfo
				if code != 0 || json.Unmarshal([]byte(out), &bi) != nil || bi.ID != ti.Block || bi.Chain != want || len(bi.Txs) < 2 {
					t.Errorf("%v: exit %d, %s %s", args, code, out, stderr)
				}
				if b, err := wire.DecodeBlock(bi.Raw); err != nil || b.ID() != bi.ID {
					t.Errorf("%v: raw does not decode to the block: %v", args, err)
				}
			}
			if out, stderr, code := cli(t, dir, nil, "tx", ti.ID.String()); code != 0 || !strings.Contains(out, "chain:") || !strings.Contains(out, want) {
				t.Errorf("tx of a branch write: exit %d, %q %s", code, out, stderr)
			}
			// Its raw encoding (hex) decodes, offline, to the same ID with a
			// valid signature.
			out, _, _ := cli(t, dir, nil, "tx", ti.ID.String(), "--json")
			var full node.TxInfo
			json.Unmarshal([]byte(out), &full)
			if out, stderr, code := cli(t, dir, nil, "tx", "decode", hex.EncodeToString(full.Raw), "--json"); code != 0 ||
				!strings.Contains(out, `"id": "`+ti.ID.String()) || !strings.Contains(out, `"verified": true`) {
				t.Errorf("tx decode of the raw branch write: exit %d, %s %s", code, out, stderr)
			}
		}
		// Without --depth, the only copy is found wherever it is.
		if out, _, code := cli(t, dir, nil, "get", key); code != 0 || !strings.HasPrefix(out, fmt.Sprintf("v%d", d)) {
			t.Errorf("get %s without --depth: exit %d, %q", key, code, out)
		}
	}

	// Root confirmations arrive once a root block checkpoints the write.
	key := "public/branch-test-3"
	testutil.Eventually(t, 120*time.Second, "a root block checkpointing the depth-3 write", func() error {
		out, _, code := cli(t, dir, nil, "get", key, "--json")
		var res node.GetResult
		if code != 0 || json.Unmarshal([]byte(out), &res) != nil || res.RootConfirmations < 1 {
			return fmt.Errorf("get: %s", strings.TrimSpace(out))
		}
		return nil
	})

	// The node's status reports the checkpointed branch blocks as payouts
	// to its mine-to address (pending, or matured if the root moved on).
	chain := wire.ForPath(wire.KeyPath(key), 3).String()
	out, _, _ := cli(t, dir, nil, "status", "--json")
	var st statusOut
	if err := json.Unmarshal([]byte(out), &st); err != nil || st.Payouts == nil || st.Payouts.Address != st.MineTo {
		t.Fatalf("status --json lacks the payouts to its mine-to address: %v\n%s", err, out)
	}
	var paid uint64
	for _, c := range st.Payouts.Chains {
		if c.Chain == chain {
			paid = c.Matured + c.Pending
		}
	}
	if paid == 0 {
		t.Errorf("status --json: no payout for the checkpointed blocks of chain %s: %+v", chain, st.Payouts)
	}

	// Explicit stamp, then the credit shows it.
	if _, stderr, code := cli(t, dir, nil, "stamp", chain, "0.001", "--yes", "--wait"); code != 0 {
		t.Fatalf("stamp: %s", stderr)
	}
	out, stderr, code := cli(t, dir, nil, "credit", chain, "--json")
	var ci node.CreditInfo
	if code != 0 || json.Unmarshal([]byte(out), &ci) != nil {
		t.Fatalf("credit: exit %d %s %s", code, stderr, out)
	}
	if ci.Credit < wire.Unit/1000 || ci.Available < wire.Unit/1000 || ci.Spent == 0 || ci.Nonce != 1 {
		t.Errorf("credit after a write and a stamp of 0.001: %+v", ci)
	}
	if _, stderr, code := cli(t, dir, nil, "put", "public/too-deep", "x", "--depth", "4"); code == 0 || !strings.Contains(stderr, "depths 0 (the root) to 3") {
		t.Errorf("put --depth 4: exit %d, %q", code, stderr)
	}
	if _, stderr, code := cli(t, dir, nil, "stamp", "/", "1", "--yes"); code == 0 || !strings.Contains(stderr, "not a branch") {
		t.Errorf("stamp on the root: exit %d, %q", code, stderr)
	}
}

// TestFollowCommands: follow and unfollow edit the saved follow set, which
// the node applies when it starts without --follow.
func TestFollowCommands(t *testing.T) {
	t.Parallel() // its own data directories and processes
	dir := t.TempDir()
	read := func() string {
		b, _ := os.ReadFile(filepath.Join(dir, "follow"))
		return strings.TrimSpace(string(b))
	}
	steps := []struct {
		args []string
		want string
	}{
		{[]string{"unfollow", "1"}, "0,00,01,000,001,010,011"},
		{[]string{"unfollow", "00"}, "0,01,010,011"},
		{[]string{"follow", "all"}, "all"},
	}
	for _, s := range steps {
		if _, stderr, code := cli(t, dir, nil, s.args...); code != 0 {
			t.Fatalf("%v: %s", s.args, stderr)
		}
		if got := read(); got != s.want {
			t.Fatalf("after %v the saved set is %q, want %q", s.args, got, s.want)
		}
	}
	if _, stderr, code := cli(t, dir, nil, "follow", "0102"); code == 0 || !strings.Contains(stderr, "invalid chain") {
		t.Errorf("follow 0102: exit %d, %q", code, stderr)
	}
	if err := os.WriteFile(filepath.Join(dir, "follow"), []byte("01\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	startNode(t, dir)
	followed := 0
	for _, c := range treeJSON(t, dir).Chains {
		if c.Followed {
			followed++
		}
	}
	if followed != 3 {
		t.Errorf("a node started with the saved set 01 stores %d chains in full, want 3", followed)
	}
}
