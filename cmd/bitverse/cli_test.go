package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/bitverse/bitverse/internal/testutil"
	"github.com/bitverse/bitverse/node/rpc"
	"github.com/bitverse/bitverse/node/wire"
)

// The CLI tests run the real binary, as a user would.

// bitverseBin is the binary the CLI tests run: this test binary, which
// TestMain turns into bitverse for every process it starts (under the race
// detector, a copy built without it: see buildPlainBinary).
func bitverseBin(t testing.TB) string {
	t.Helper()
	if plainBin != "" {
		return plainBin
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatalf("find the test binary: %v", err)
	}
	return exe
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

// fundedMin is what the funded chain gives testMnemonic's first address
// to spend: enough for every test's sends, stamps and keyspaces.
const fundedMin = 10 * wire.Unit

// funded is a data directory mined once for the whole package (removed
// by TestMain): testMnemonic's wallet and a devnet chain on which its
// first address has fundedMin spendable. Tests that need coins, not a
// first block, start from a copy instead of each mining through coinbase
// maturity at once on a shared machine. Mining it is the lone-node
// acceptance's first half (an empty data directory, a restored wallet, a
// first block, a reward through coinbase maturity), which TestLoneNode
// finishes on a copy.
var funded struct {
	once sync.Once
	dir  string
}

// fundedDataDir returns a new data directory holding a copy of the funded
// wallet and chain (and no network identity: each copy is its own peer).
func fundedDataDir(t *testing.T) string {
	t.Helper()
	funded.once.Do(func() {
		dir, err := os.MkdirTemp("", "bitverse-funded")
		if err != nil {
			t.Fatal(err)
		}
		restoreTestWallet(t, dir)
		start := time.Now()
		node := startNode(t, dir, "--mine")
		// How soon the first block comes is logged, not asserted: it is
		// the machine's speed (a laptop's first block comes in well
		// under 10 s).
		testutil.Eventually(t, 90*time.Second, "a first block on an empty data directory", func() error {
			out, _, _ := cli(t, dir, nil, "status", "--json")
			var s struct{ Height uint64 }
			json.Unmarshal([]byte(out), &s)
			if s.Height < 1 {
				return fmt.Errorf("status: %s", strings.TrimSpace(out))
			}
			return nil
		})
		t.Logf("the funded chain's first block after %v", time.Since(start))
		waitBalance(t, dir, "", fundedMin) // coinbase maturity
		node.Process.Signal(syscall.SIGTERM)
		node.Wait()
		funded.dir = dir
	})
	if funded.dir == "" {
		t.Fatal("the funded chain was not mined (see the test that first asked for it)")
	}
	dst := t.TempDir()
	for _, name := range []string{"wallet", "chain.db", "chains", "mine-to"} {
		if err := copyTree(filepath.Join(funded.dir, name), filepath.Join(dst, name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			t.Fatal(err)
		}
	}
	return dst
}

// copyTree copies the file or directory from to to.
func copyTree(from, to string) error {
	return filepath.WalkDir(from, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(from, path)
		if err != nil {
			return err
		}
		target := filepath.Join(to, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o700)
		}
		raw, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(target, raw, 0o600)
	})
}

// startNode starts `bitverse node` on datadir and waits for its API.
func startNode(t testing.TB, datadir string, args ...string) *exec.Cmd {
	t.Helper()
	os.Remove(filepath.Join(datadir, rpc.AddrFile))
	if slices.Contains(args, "--mine") && !slices.Contains(args, "--miner-workers") {
		// One mining thread per test node: several run at once on two
		// cores, and a node mining on every core starves the CLI
		// processes the test waits on.
		args = append(args, "--miner-workers", "1")
	}
	cmd := exec.Command(bitverseBin(t), append([]string{"--datadir", datadir, "node", "--no-mdns", "--loopback"}, args...)...)
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
		checkNoBans(t, datadir)
		if t.Failed() {
			// A failed multi-node test is read from its nodes' logs.
			log, _ := os.ReadFile(filepath.Join(datadir, "test-node.log"))
			if len(log) > 16<<10 {
				log = log[len(log)-16<<10:]
			}
			t.Logf("the log of the node in %s (its end):\n%s", datadir, log)
		}
	})
	testutil.Eventually(t, 90*time.Second, "the node's local API", func() error {
		cl, err := rpc.Dial(datadir, "")
		if err == nil {
			_, err = cl.Status(context.Background())
		}
		if err != nil {
			log, _ := os.ReadFile(filepath.Join(datadir, "test-node.log"))
			return fmt.Errorf("%v; its log:\n%s", err, log)
		}
		return nil
	})
	return cmd
}

// checkNoBans fails t if the node in datadir banned a peer on its own
// judgement: the nodes of these tests are all honest, and an honest node
// banned is a refusal that is not a rule violation (most often one that
// depends on the refusing node's state) treated as one. Bans the operator
// asked for (`peers ban`) are left out.
func checkNoBans(t testing.TB, datadir string) {
	t.Helper()
	log, _ := os.ReadFile(filepath.Join(datadir, "test-node.log"))
	for line := range strings.Lines(string(log)) {
		if strings.Contains(line, `msg="peer banned"`) && !strings.Contains(line, `reason="banned by the operator"`) {
			t.Errorf("the node in %s banned an honest peer: %s", datadir, strings.TrimSpace(line))
		}
	}
}

// TestLoneNode is the lone-node acceptance: empty data dir, wallet,
// mining, a put confirmed and read back with a verified proof. The first
// half (an empty data directory mined from its first block through
// coinbase maturity) is the funded chain's mining, which this test asks
// for; the node then restarts on a copy and goes on.
func TestLoneNode(t *testing.T) {
	t.Parallel() // a lone node of its own: it mostly waits for block intervals
	dir := fundedDataDir(t)
	startNode(t, dir, "--mine")
	waitBalance(t, dir, "", 1) // the matured reward, after a restart
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
	t.Parallel() // its own data directories and processes
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

// TestCLITestWalletsUseCheapScrypt: the wallets the CLI tests make (the
// test binary running as bitverse) record scrypt N=2^10, so that each of
// the many CLI calls on them opens the wallet in milliseconds; users'
// wallets keep N=2^17 (wallet's TestNewKeystoreRecordsScryptN2to17).
func TestCLITestWalletsUseCheapScrypt(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	restoreTestWallet(t, dir)
	raw, err := os.ReadFile(filepath.Join(dir, "wallet", "wallet.json"))
	if err != nil {
		t.Fatal(err)
	}
	var f struct{ KDF struct{ N int } }
	if err := json.Unmarshal(raw, &f); err != nil {
		t.Fatal(err)
	}
	if f.KDF.N != 1<<10 {
		t.Fatalf("a test wallet records scrypt N=%d, want 1024", f.KDF.N)
	}
	if _, stderr, code := cli(t, dir, nil, "wallet", "address"); code != 0 {
		t.Fatalf("wallet address: %s", stderr)
	}
}
