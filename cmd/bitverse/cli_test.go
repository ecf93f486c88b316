package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bitverse/bitverse/node/rpc"
)

// The CLI tests run the real binary, as a user would.

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

func bitverseBin(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "bitverse-bin")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "bitverse")
		cmd := exec.Command("go", "build", "-o", binPath, ".")
		cmd.Env = append(os.Environ(), "GOTOOLCHAIN=local")
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = err
			t.Logf("%s", out)
		}
	})
	if buildErr != nil {
		t.Fatalf("build: %v", buildErr)
	}
	return binPath
}

const testMnemonic = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about"

// cli runs the binary with args on datadir and returns stdout, stderr and the exit code.
func cli(t testing.TB, datadir string, env []string, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(bitverseBin(t), append([]string{"--datadir", datadir}, args...)...)
	cmd.Env = append(append(os.Environ(), "BITVERSE_PASSPHRASE=correct horse"), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("run %v: %v", args, err)
	}
	return stdout.String(), stderr.String(), code
}

// restoreTestWallet restores testMnemonic's wallet into datadir with the CLI.
func restoreTestWallet(t testing.TB, datadir string) {
	t.Helper()
	if _, stderr, code := cli(t, datadir, []string{"BITVERSE_MNEMONIC=" + testMnemonic}, "wallet", "restore"); code != 0 {
		t.Fatalf("wallet restore: %s", stderr)
	}
}

// startNode starts `bitverse node` on datadir and waits for its API.
func startNode(t testing.TB, datadir string, args ...string) *exec.Cmd {
	t.Helper()
	os.Remove(filepath.Join(datadir, rpc.AddrFile))
	cmd := exec.Command(bitverseBin(t), append([]string{"--datadir", datadir, "node", "--no-mdns"}, args...)...)
	logf, err := os.OpenFile(filepath.Join(datadir, "test-node.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = testProcAttr()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		logf.Close()
	})
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if cl, err := rpc.Dial(datadir, ""); err == nil {
			if _, err := cl.Status(context.Background()); err == nil {
				return cmd
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	log, _ := os.ReadFile(filepath.Join(datadir, "test-node.log"))
	t.Fatalf("node did not start:\n%s", log)
	return nil
}

// TestLoneNode is the lone-node acceptance: empty data dir, wallet,
// mining, a put confirmed and read back with a verified proof.
func TestLoneNode(t *testing.T) {
	t.Parallel() // a lone node of its own: it mostly waits for block intervals
	dir := t.TempDir()
	restoreTestWallet(t, dir)
	start := time.Now()
	startNode(t, dir, "--mine")
	var firstBlock time.Duration
	for time.Since(start) < 10*time.Second {
		out, _, _ := cli(t, dir, nil, "status", "--json")
		var s struct{ Height uint64 }
		json.Unmarshal([]byte(out), &s)
		if s.Height >= 1 {
			firstBlock = time.Since(start)
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if firstBlock == 0 {
		t.Fatal("no block within 10 s of starting the node")
	}
	t.Logf("first block after %v", firstBlock)
	// Wait for a spendable balance (coinbase maturity).
	deadline := time.Now().Add(90 * time.Second)
	for {
		out, _, _ := cli(t, dir, nil, "wallet", "balance", "--json")
		var b struct{ Balance uint64 }
		json.Unmarshal([]byte(out), &b)
		if b.Balance > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("balance never grew: %s", out)
		}
		time.Sleep(300 * time.Millisecond)
	}
	if _, stderr, code := cli(t, dir, nil, "put", "public/hello", "world", "--wait"); code != 0 {
		t.Fatalf("put: %s", stderr)
	}
	out, stderr, code := cli(t, dir, nil, "get", "public/hello", "--json", "--proof")
	if code != 0 {
		t.Fatalf("get: %s", stderr)
	}
	var got struct {
		Key           string
		Value         string
		Height        uint64
		Confirmations uint64
		Writer        string
		Proof         struct{ Verified bool }
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("get --json: %v\n%s", err, out)
	}
	if got.Key != "public/hello" || got.Value != "world" || got.Confirmations < 1 || !strings.HasPrefix(got.Writer, "bvd1") || !got.Proof.Verified {
		t.Fatalf("get --json = %+v", got)
	}
	// Clear errors for bad input.
	cases := []struct {
		args []string
		env  []string
		want string
	}{
		{[]string{"get", "nothing/here"}, nil, "nothing has been written"},
		{[]string{"wallet", "send", "bvd1qqqq", "1", "--yes"}, nil, "invalid address"},
		{[]string{"wallet", "send", "bvd1lt5xeqykeftxq860js95p4238d0vfgp5ezrp5kjnqa49s47ref7stmqsz0", "1.123456789", "--yes"}, nil, "8 decimal"},
		{[]string{"put", "public/x", "y"}, []string{"BITVERSE_PASSPHRASE=wrong"}, "wrong passphrase"},
		{[]string{"put", "/bad", "y"}, nil, "starts or ends with /"},
	}
	for i, c := range cases {
		_, stderr, code := cli(t, dir, c.env, c.args...)
		if code == 0 || !strings.Contains(stderr, c.want) {
			t.Errorf("case %d: %v: code %d, stderr %q, want it to mention %q", i, c.args, code, stderr, c.want)
		}
	}
}

// TestRestoreGivesSameAddresses: a wallet restored from its mnemonic in a
// new data dir has the same addresses.
func TestRestoreGivesSameAddresses(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	out, stderr, code := cli(t, a, nil, "wallet", "create", "--json")
	if code != 0 {
		t.Fatalf("create: %s", stderr)
	}
	var created struct{ Address, Mnemonic string }
	json.Unmarshal([]byte(out), &created)
	cli(t, a, nil, "wallet", "new-account", "savings")
	if _, stderr, code := cli(t, b, []string{"BITVERSE_MNEMONIC=" + created.Mnemonic}, "wallet", "restore"); code != 0 {
		t.Fatalf("restore: %s", stderr)
	}
	cli(t, b, nil, "wallet", "new-account", "savings")
	la, _, _ := cli(t, a, nil, "wallet", "list", "--json")
	lb, _, _ := cli(t, b, nil, "wallet", "list", "--json")
	if la != lb || !strings.Contains(la, created.Address) || !strings.Contains(la, "savings") {
		t.Fatalf("accounts differ after restore:\n%s\n%s", la, lb)
	}
}
