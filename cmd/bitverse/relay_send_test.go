package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bitverse/bitverse/node/wire"
)

// TestRelayRegisterShowLeave: on the funded chain, relay register is
// planned and confirmed like other spending (no confirmation on stdin:
// nothing sent; a stake under the least and an unknown capability are
// sentences), registers with --yes, shows in relay show, relay list and
// relay (as snake_case JSON); mine on|off turn relaying with the miner,
// relay on|off alone; relay leave gives the stake back and leaves the
// registry.
func TestRelayRegisterShowLeave(t *testing.T) {
	t.Parallel()
	dir := fundedDataDir(t)
	pass := filepath.Join(t.TempDir(), "pass")
	if err := os.WriteFile(pass, []byte("correct horse"), 0o600); err != nil {
		t.Fatal(err)
	}
	startNode(t, dir, "--mine", "--serve", "--relay", "--passphrase-file", pass)
	me := strings.TrimSpace(cliOK(t, dir, "wallet", "address"))
	for _, tc := range []struct {
		want string
		args []string
	}{
		{"no confirmation on stdin", []string{"relay", "register", "--fee", "0.0001", "--stake", "1"}},
		{"at least 1 BVS", []string{"relay", "register", "--fee", "0.0001", "--stake", "0.5", "--yes"}},
		{"not a relay capability", []string{"relay", "register", "--fee", "0.0001", "--stake", "1", "--caps", "teleport", "--yes"}},
		{"required flag", []string{"relay", "register", "--stake", "1", "--yes"}},
		{"not a registered relay", []string{"relay", "leave", "--yes"}},
	} {
		_, stderr, code := cli(t, dir, nil, tc.args...)
		if code == 0 || !strings.Contains(stderr, tc.want) || strings.Contains(stderr, "goroutine") {
			t.Errorf("%v: exit %d, stderr %q; want a sentence mentioning %q", tc.args, code, stderr, tc.want)
		}
	}
	if out := cliOK(t, dir, "relay", "list", "--json"); strings.TrimSpace(out) != "[]" {
		t.Fatalf("a refused register registered: %s", out)
	}

	cliOK(t, dir, "relay", "register", "--fee", "0.0001", "--stake", "1", "--yes", "--wait")
	var r struct {
		Address    string
		Fee, Stake uint64
		Caps       uint32
		Registered uint64
		Reputation struct{ Relayed uint64 }
	}
	out := cliOK(t, dir, "relay", "show", "--json")
	if err := json.Unmarshal([]byte(out), &r); err != nil || r.Address != me || r.Fee != wire.Unit/10000 || r.Stake != wire.Unit ||
		r.Caps != wire.RelayCapRecompute || r.Registered == 0 {
		t.Fatalf("relay show --json after register: %s (%v)", out, err)
	}
	if out := cliOK(t, dir, "relay", "show", me); !strings.Contains(out, "0.0001 BVS (the least it relays for)") || !strings.Contains(out, "recompute") {
		t.Fatalf("relay show: %s", out)
	}
	if out := cliOK(t, dir, "relay", "list"); !strings.Contains(out, short(me)) {
		t.Fatalf("relay list: %s", out)
	}
	var st struct {
		Registered bool
		Relaying   struct{ On bool }
	}
	if out := cliOK(t, dir, "relay", "--json"); json.Unmarshal([]byte(out), &st) != nil || !st.Registered || !st.Relaying.On {
		t.Fatalf("relay --json after register (node --relay): %s", out)
	}
	// mine off stops relaying with the miner; mine on starts both (the
	// identity is registered); relay off turns relaying alone.
	if out := cliOK(t, dir, "mine", "off"); !strings.Contains(out, "relaying off") {
		t.Fatalf("mine off: %s", out)
	}
	if out := cliOK(t, dir, "mine", "--json"); json.Unmarshal([]byte(out), &st) != nil || st.Relaying.On {
		t.Fatalf("mine --json after mine off: %s", out)
	}
	if out := cliOK(t, dir, "mine", "on"); !strings.Contains(out, "relaying on") {
		t.Fatalf("mine on: %s", out)
	}
	cliOK(t, dir, "relay", "off")
	if out := cliOK(t, dir, "relay"); !strings.Contains(out, "relaying:") || !strings.Contains(out, "off (bitverse relay on)") {
		t.Fatalf("relay after relay off: %s", out)
	}
	cliOK(t, dir, "relay", "on")

	cliOK(t, dir, "relay", "leave", "--yes", "--wait")
	if _, stderr, code := cli(t, dir, nil, "relay", "show", me); code == 0 || !strings.Contains(stderr, "never registered") {
		t.Fatalf("relay show after leave: exit %d, %s", code, stderr)
	}
}
