package main

import (
	"strings"
	"testing"
)

// TestUnknownNetworkRefusedByEveryCommand: --network with a name that is not
// a network, or with one not launched yet, is refused before any command
// runs — client commands that only dial a node or open the wallet included —
// with a sentence that lists the known networks and says which one to use.
func TestUnknownNetworkRefusedByEveryCommand(t *testing.T) {
	t.Parallel() // its own data directories and processes
	dir := t.TempDir()
	commands := [][]string{
		{"status"},
		{"get", "public/hello"},
		{"keys"},
		{"tree"},
		{"block", "1"},
		{"wallet", "list"},
		{"wallet", "address"},
		{"wallet", "create"},
		{"peers"},
		{"devnet"},
		{"node"},
	}
	for i, c := range commands {
		args := append([]string{"--network", "no-such-net"}, c...)
		out, errOut, code := cli(t, dir, nil, args...)
		if code == 0 {
			t.Fatalf("case %d (%v): exit 0, stdout %q", i, c, out)
		}
		for _, want := range []string{`unknown network "no-such-net"`, "mainnet, testnet, devnet", "--network devnet"} {
			if !strings.Contains(errOut, want) {
				t.Fatalf("case %d (%v): stderr %q does not say %q", i, c, errOut, want)
			}
		}
		if strings.Contains(errOut, "goroutine") || strings.Count(strings.TrimSpace(errOut), "\n") > 0 {
			t.Fatalf("case %d (%v): want one sentence, got %q", i, c, errOut)
		}
	}
	// A known network that is not launched: refused the same way.
	if _, errOut, code := cli(t, dir, nil, "--network", "mainnet", "status"); code == 0 || !strings.Contains(errOut, "not launched yet") {
		t.Fatalf("--network mainnet status: exit %d, stderr %q", code, errOut)
	}
	// The default network passes the check and fails for its own reason.
	if _, errOut, code := cli(t, dir, nil, "--network", "devnet", "status"); code == 0 || strings.Contains(errOut, "network") && !strings.Contains(errOut, "no node") {
		t.Fatalf("--network devnet status on an empty data directory: exit %d, stderr %q; want the no-node sentence", code, errOut)
	}
}
