package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bitverse/bitverse/internal/testutil"
	"github.com/bitverse/bitverse/node/rpc"
)

// TestKeyspaceExamples is the keyspace issue's lone-node acceptance: the
// three example scripts in examples/keyspaces, bought and used through the
// CLI on one mining node. Allowed writes confirm; refused ones exit non-zero
// with the script's reason.
func TestKeyspaceExamples(t *testing.T) {
	t.Parallel() // a lone node of its own: it mostly waits for block intervals
	dir := fundedDataDir(t)
	if _, stderr, code := cli(t, dir, nil, "wallet", "new-account", "bob"); code != 0 {
		t.Fatalf("new-account: %s", stderr)
	}
	addr := func(account string) string {
		out, stderr, code := cli(t, dir, nil, "--account", account, "wallet", "address")
		if code != 0 {
			t.Fatalf("address: %s", stderr)
		}
		return strings.TrimSpace(out)
	}
	alice, bob := addr(""), addr("bob")
	startNode(t, dir, "--mine")
	waitBalance(t, dir, "", 10*100_000_000)

	// ok runs a command that must succeed; refused one that must fail
	// saying want.
	ok := func(args ...string) string {
		t.Helper()
		out, stderr, code := cli(t, dir, nil, args...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, stderr)
		}
		return out
	}
	refused := func(want string, args ...string) {
		t.Helper()
		_, stderr, code := cli(t, dir, nil, args...)
		if code == 0 || !strings.Contains(stderr, want) {
			t.Fatalf("%v: exit %d, stderr %q; want a refusal mentioning %q", args, code, stderr, want)
		}
	}
	get := func(key string) string {
		t.Helper()
		var v struct{ Value string }
		if err := json.Unmarshal([]byte(ok("get", key, "--json")), &v); err != nil {
			t.Fatal(err)
		}
		return v.Value
	}
	ok("wallet", "send", bob, "20", "--yes", "--wait")

	refused(`keyspace "shopping" has not been bought`, "put", "shopping/x", "hi")

	// pay-to-write: bob may write once he has paid alice 1 BVS.
	src, err := os.ReadFile("../../examples/keyspaces/pay-to-write.js")
	if err != nil {
		t.Fatal(err)
	}
	payee := strings.SplitN(strings.SplitN(string(src), "const PAYEE = '", 2)[1], "'", 2)[0]
	payToWrite := filepath.Join(t.TempDir(), "pay.js")
	os.WriteFile(payToWrite, []byte(strings.Replace(string(src), payee, alice, 1)), 0o600)
	out := ok("keyspace", "price", "shopping", "--json")
	if !strings.Contains(out, `"price": 100000000`) || !strings.Contains(out, `"available": true`) {
		t.Fatalf("price: %s", out)
	}
	ok("keyspace", "buy", "shopping", "--script", payToWrite, "--yes", "--wait")
	refused("costs 1 BVS paid to "+alice, "--account", "bob", "put", "shopping/bob", "hello")
	ok("--account", "bob", "wallet", "send", alice, "1", "--yes", "--wait")
	ok("--account", "bob", "put", "shopping/bob", "hello", "--wait")
	if v := get("shopping/bob"); v != "hello" {
		t.Fatalf("shopping/bob = %q", v)
	}
	var show struct {
		Owner  string
		Script string
	}
	json.Unmarshal([]byte(ok("keyspace", "show", "shopping", "--json")), &show)
	if show.Owner != alice || !strings.Contains(show.Script, alice) {
		t.Fatalf("keyspace show: %+v", show)
	}

	// microblog: bob registers @bob (a sub-keyspace) and posts ≤ 140 chars.
	ok("keyspace", "buy", "microblog", "--script", "../../examples/keyspaces/microblog.js", "--yes", "--wait")
	refused("@bob is not registered yet", "--account", "bob", "put", "microblog/bob/hello", "hi")
	ok("--account", "bob", "keyspace", "buy", "microblog/bob", "--yes", "--wait")
	refused("keyspace \"microblog/bob\" is already owned", "keyspace", "buy", "microblog/bob", "--yes")
	ok("--account", "bob", "put", "microblog/bob/hello", "Hello, world", "--wait")
	refused("at most 140 characters", "--account", "bob", "put", "microblog/bob/long", strings.Repeat("a", 141))
	refused("only its owner may write", "put", "microblog/bob/hello", "not yours")
	if v := get("microblog/bob/hello"); v != "Hello, world" {
		t.Fatalf("microblog/bob/hello = %q", v)
	}
	// The owner may replace the script (the script itself says so); nobody else.
	refused("belongs to", "--account", "bob", "keyspace", "set-script", "microblog", "../../examples/keyspaces/microblog.js")
	ok("keyspace", "set-script", "microblog", "../../examples/keyspaces/microblog.js", "--wait")

	// game: no player moves faster than 10 units per second.
	ok("keyspace", "buy", "gameworld", "--script", "../../examples/keyspaces/game.js", "--yes", "--wait")
	t0 := time.Now().Add(-10 * time.Second).UnixMilli()
	player := func(x float64, t int64) string {
		return fmt.Sprintf(`{"x":%g,"y":0,"t":%d,"owner":"%s"}`, x, t, bob)
	}
	ok("--account", "bob", "put", "gameworld/players/bob", player(0, t0), "--wait")
	refused("too fast", "--account", "bob", "put", "gameworld/players/bob", player(100, t0+1000))
	ok("--account", "bob", "put", "gameworld/players/bob", player(10, t0+1000), "--wait")
	refused("belongs to", "put", "gameworld/players/bob", player(11, t0+5000))

	var list []struct{ Name string }
	json.Unmarshal([]byte(ok("keyspace", "list", "--json")), &list)
	if len(list) != 3 {
		t.Fatalf("alice's keyspaces: %+v", list)
	}

	// Hostile scripts: each write is refused with a reason, quickly, and
	// the node answers status all the while.
	hostile := filepath.Join(t.TempDir(), "hostile.js")
	os.WriteFile(hostile, []byte(hostileScript), 0o600)
	ok("keyspace", "buy", "hostile1", "--script", hostile, "--yes", "--wait")
	stop := make(chan struct{})
	statusErr := make(chan error, 1)
	go func() {
		defer close(statusErr)
		for {
			select {
			case <-stop:
				return
			default:
			}
			if _, stderr, code := cli(t, dir, nil, "status", "--json"); code != 0 {
				statusErr <- fmt.Errorf("status failed during hostile writes: %s", stderr)
				return
			}
		}
	}()
	for _, c := range []struct{ value, want string }{
		{"loop", "fuel"},
		{"recurse", "call"},
		{"repeat", "limit is 262144"},
		{"fill", "limit"},
		{"throw", `the script threw {"code": 3}`},
		{"proto", "object is not extensible"},
		{"host", "no host objects"},
		{"promise", "fuel"},
	} {
		start := time.Now()
		refused(c.want, "put", "hostile1/"+c.value, c.value)
		t.Logf("hostile %-8s refused in %v (CLI round trip)", c.value, time.Since(start).Round(time.Millisecond))
	}
	close(stop)
	if err := <-statusErr; err != nil {
		t.Fatal(err)
	}
	ok("status")
}

// hostileScript misbehaves according to the value written.
const hostileScript = `function validate(w) {
  switch (w.value) {
  case 'loop': for (;;) {}
  case 'recurse': { const f = (n) => f(n + 1) + 1; return f(0); }
  case 'repeat': return 'x'.repeat(2 ** 40);
  case 'fill': return new Array(5e7).fill(0).length > 0;
  case 'throw': throw {code: 3};
  case 'proto': Object.prototype.polluted = 1; return true;
  case 'host':
    for (const n of ['process', 'Go', 'os', 'fs', 'console', 'Date', 'RegExp']) if (n in globalThis) return true;
    try { if ((() => {}).constructor('return 1')() === 1) return true; } catch (e) {}
    throw 'no host objects';
  case 'promise': Promise.resolve().then(function loop() { for (;;) {} }); return true;
  }
  return true;
}`

// waitBalance waits until the account has at least min spendable, then
// reads it as a user does (wallet balance --json). It polls the node's API
// from this process: a CLI process per poll costs a core's tenth of a
// second each, through every block interval a test waits.
func waitBalance(t *testing.T, dir, account string, min uint64) {
	t.Helper()
	out, stderr, code := cli(t, dir, nil, "--account", account, "wallet", "address")
	if code != 0 {
		t.Fatalf("wallet address: %s", stderr)
	}
	addr := strings.TrimSpace(out)
	var cl *rpc.Client
	testutil.Eventually(t, 120*time.Second, fmt.Sprintf("a balance of %d on %s", min, addr), func() error {
		var err error
		if cl == nil {
			if cl, err = rpc.Dial(dir, ""); err != nil {
				return err
			}
		}
		a, err := cl.Account(context.Background(), addr)
		if err != nil {
			return err
		}
		if a.Balance < min {
			return fmt.Errorf("balance %d, immature %d", a.Balance, a.Immature)
		}
		return nil
	})
	out, _, _ = cli(t, dir, nil, "--account", account, "wallet", "balance", "--json")
	var b struct{ Balance uint64 }
	json.Unmarshal([]byte(out), &b)
	if b.Balance < min {
		t.Fatalf("wallet balance --json after the node reported %d or more: %s", min, strings.TrimSpace(out))
	}
}
