package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/bitverse/bitverse/internal/testutil"
	"github.com/bitverse/bitverse/node/wire"
	"github.com/bitverse/bitverse/wallet"
)

// TestTumblerCommandsOnALoneNode: a node coordinates a round, two of its
// wallet's accounts join it with auto-sign, and the round ends in a tumble
// transaction; bad input gets a sentence.
func TestTumblerCommandsOnALoneNode(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	restoreTestWallet(t, dir)
	startNode(t, dir, "--mine", "--tumbler-output-delay", "300ms")
	waitBalance(t, dir, "", 3*100_000_000)
	cliOK(t, dir, "wallet", "new-account", "alice")
	var acct struct{ Address string }
	json.Unmarshal([]byte(cliOK(t, dir, "--account", "alice", "wallet", "address", "--json")), &acct)
	cliOK(t, dir, "wallet", "send", acct.Address, "2", "--yes", "--wait")

	_, stderr, code := cli(t, dir, nil, "tumbler", "coordinate", "--denomination", "3")
	if code == 0 || !strings.Contains(stderr, "not a standard denomination") {
		t.Fatalf("coordinate --denomination 3: code %d, %s", code, stderr)
	}
	_, stderr, code = cli(t, dir, nil, "tumbler", "join", "--amount", "1", "--yes")
	if code == 0 || !strings.Contains(stderr, "no open round") {
		t.Fatalf("join with no round: code %d, %s", code, stderr)
	}
	var round struct{ ID string }
	if err := json.Unmarshal([]byte(cliOK(t, dir, "tumbler", "coordinate", "--denomination", "1", "--min", "2", "--max", "2", "--json")), &round); err != nil || round.ID == "" {
		t.Fatalf("coordinate --json: %v", err)
	}
	_, stderr, code = cli(t, dir, nil, "tumbler", "join", "--amount", "0.5", "--yes")
	if code == 0 || !strings.Contains(stderr, "no open round") {
		t.Fatalf("join below the denomination: code %d, %s", code, stderr)
	}
	cliOK(t, dir, "tumbler", "join", "--amount", "1.0001", "--auto-sign", "--yes")
	var done struct {
		Phase string
		TxID  string `json:"txid"`
		Error string
	}
	out := cliOK(t, dir, "--account", "alice", "tumbler", "join", "--amount", "1.0001", "--auto-sign", "--yes", "--wait", "--json")
	if err := json.Unmarshal([]byte(out), &done); err != nil || done.Phase != "done" || done.TxID == "" {
		t.Fatalf("join --wait --json: %s", out)
	}
	testutil.Eventually(t, 60*time.Second, "the round is listed done", func() error {
		var rs struct {
			Rounds []struct {
				ID    string
				Phase string
				TxID  string `json:"txid"`
			}
			History []struct{ State string }
		}
		out := cliOK(t, dir, "tumbler", "rounds", "--json")
		json.Unmarshal([]byte(out), &rs)
		for _, r := range rs.Rounds {
			if r.ID == round.ID && r.Phase == "done" && r.TxID == done.TxID && len(rs.History) == 2 {
				return nil
			}
		}
		return fmt.Errorf("rounds: %s", out)
	})
	if out := cliOK(t, dir, "tumbler", "rounds"); !strings.Contains(out, "this node") || !strings.Contains(out, "done") {
		t.Fatalf("rounds: %s", out)
	}
}

// TestFreshAccountNamesNeverCollide: joins of one round from one wallet
// each get an account of their own (the name was the round and the Unix
// second, so a second join in the same second failed).
func TestFreshAccountNamesNeverCollide(t *testing.T) {
	w, _, err := wallet.Create(t.TempDir(), wire.Devnet, []byte("correct horse"), 12)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for i := 0; i < 3; i++ {
		name := freshAccountName(w, "tumble-79f151da8edb")
		if seen[name] {
			t.Fatalf("join %d: name %q given twice", i, name)
		}
		seen[name] = true
		if _, err := w.NewAccount(name); err != nil {
			t.Fatalf("join %d: %v", i, err)
		}
	}
	// A name taken out of order is skipped, not reused.
	if _, err := w.NewAccount(fmt.Sprintf("tumble-x-%d", len(w.Accounts()))); err != nil {
		t.Fatal(err)
	}
	if _, err := w.NewAccount(freshAccountName(w, "tumble-x")); err != nil {
		t.Fatal(err)
	}
}
