package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestRelayReadsOnANodeWithoutRelays: on a node whose registry is empty,
// relay list says so (and --json is an empty list), relay --json says the
// account is not registered, mine shows proof of work and says relaying
// is off without a serve identity, and the refusals are sentences.
func TestRelayReadsOnANodeWithoutRelays(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	restoreTestWallet(t, dir)
	startNode(t, dir)
	me := strings.TrimSpace(cliOK(t, dir, "wallet", "address"))
	if out := cliOK(t, dir, "relay", "list"); !strings.Contains(out, "no relays registered") {
		t.Fatalf("relay list: %q", out)
	}
	if out := cliOK(t, dir, "relay", "list", "--json"); strings.TrimSpace(out) != "[]" {
		t.Fatalf("relay list --json: %q", out)
	}
	var st struct {
		Identity   string
		Registered bool
		Record     any
	}
	out := cliOK(t, dir, "relay", "--json")
	if err := json.Unmarshal([]byte(out), &st); err != nil || st.Identity != me || st.Registered || st.Record != nil {
		t.Fatalf("relay --json: %s (%v)", out, err)
	}
	if out := cliOK(t, dir, "relay"); !strings.Contains(out, "registered:  no") || !strings.Contains(out, "relay register") {
		t.Fatalf("relay: %q", out)
	}
	var mine map[string]any
	out = cliOK(t, dir, "mine", "--json")
	if err := json.Unmarshal([]byte(out), &mine); err != nil || mine["mining"] != false || mine["relaying"] != nil {
		t.Fatalf("mine --json: %s (%v)", out, err)
	}
	if out := cliOK(t, dir, "mine"); !strings.Contains(out, "mining:") || !strings.Contains(out, "relaying:") {
		t.Fatalf("mine: %q", out)
	}
	for _, tc := range []struct {
		want string
		args []string
	}{
		{"never registered as a relay", []string{"relay", "show", me}},
		{"never registered as a relay", []string{"relay", "show"}},
		{"neither an address nor", []string{"relay", "show", "erik"}},
		{"serve identity", []string{"relay", "on"}},
	} {
		_, stderr, code := cli(t, dir, nil, tc.args...)
		if code == 0 || !strings.Contains(stderr, tc.want) || strings.Contains(stderr, "goroutine") {
			t.Errorf("%v: exit %d, stderr %q; want a sentence mentioning %q", tc.args, code, stderr, tc.want)
		}
	}
}
