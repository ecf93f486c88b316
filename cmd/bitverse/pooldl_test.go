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

// TestTokenRedeemDownloads: node A (--pools) funds and joins a pool for a
// value; on node B, which serves no pool, another account buys a token
// and `token redeem POOL --out FILE` redeems it, waits for the block and
// has B download the data from A: FILE holds the exact bytes, and the
// size and A's node are printed (--json too).
func TestTokenRedeemDownloads(t *testing.T) {
	t.Parallel()
	a, b := fundedDataDir(t), t.TempDir()
	if err := copyTree(filepath.Join(a, "wallet"), filepath.Join(b, "wallet")); err != nil {
		t.Fatal(err)
	}
	pass := filepath.Join(t.TempDir(), "pass")
	if err := os.WriteFile(pass, []byte("correct horse"), 0o600); err != nil {
		t.Fatal(err)
	}
	startNode(t, a, "--mine", "--pools", "--passphrase-file", pass)
	aInfo := netInfoOf(t, a)
	startNode(t, b, "--bootstrap", tcpAddr(t, aInfo))
	waitBalance(t, a, "", 1)
	run := func(dir string, args ...string) string {
		t.Helper()
		out, stderr, code := cli(t, dir, nil, args...)
		if code != 0 {
			t.Fatalf("%s: code %d: %s", strings.Join(args, " "), code, stderr)
		}
		return out
	}
	value := "served to whoever redeems a token"
	run(a, "put", "public/redeemed", value, "--wait")
	var funded struct{ ID string }
	if err := json.Unmarshal([]byte(run(a, "pool", "fund", "public/redeemed", "--amount", "2", "--replicas", "1",
		"--token-rate", "5", "--yes", "--wait", "--json")), &funded); err != nil || funded.ID == "" {
		t.Fatalf("pool fund --json: %v %+v", err, funded)
	}
	id := funded.ID
	run(a, "pool", "join", id, "--stake", "0.5", "--yes", "--wait")

	buyer := strings.Fields(run(b, "wallet", "new-account", "buyer"))[1]
	run(a, "wallet", "send", buyer, "1", "--yes", "--wait")
	waitBalance(t, b, "buyer", 1)
	run(b, "--account", "buyer", "token", "buy", id, "--count", "2", "--yes", "--wait")

	file := filepath.Join(t.TempDir(), "data.out")
	var res struct {
		Tx, Pool, File, Peer string
		Size                 int64
	}
	if err := json.Unmarshal([]byte(run(b, "--account", "buyer", "token", "redeem", id, "--out", file, "--json")), &res); err != nil {
		t.Fatal(err)
	}
	if got, err := os.ReadFile(file); err != nil || string(got) != value {
		t.Fatalf("redeemed data: %q, %v", got, err)
	}
	if res.Size != int64(len(value)) || res.Peer != aInfo.ID || res.Pool != id || res.File != file {
		t.Fatalf("token redeem --out --json: %+v (A is %s)", res, aInfo.ID)
	}
	file2 := filepath.Join(t.TempDir(), "again.out")
	human := run(b, "--account", "buyer", "token", "redeem", id, "--out", file2, "--yes")
	if want := fmt.Sprintf("downloaded %d bytes to %s from member node %s", len(value), file2, aInfo.ID); !strings.Contains(human, want) {
		t.Fatalf("token redeem --out:\n%s\nwant %q", human, want)
	}
	var toks []node.TokenInfo
	testutil.Eventually(t, 30*time.Second, "both tokens spent", func() error {
		if err := json.Unmarshal([]byte(run(b, "--account", "buyer", "token", "show", "--json")), &toks); err != nil {
			return err
		}
		if len(toks) != 0 && toks[0].Count != 0 {
			return fmt.Errorf("tokens %+v", toks)
		}
		return nil
	})
}
