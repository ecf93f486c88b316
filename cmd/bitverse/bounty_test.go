package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/bitverse/bitverse/node/wire"
)

// TestBountyReadsWithoutBlocks is the fast representative of
// TestBountyCommands (long): on a node that does not mine, the bounty reads
// answer an empty market, and the refusals are sentences.
func TestBountyReadsWithoutBlocks(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	restoreTestWallet(t, dir)
	startNode(t, dir)
	run := func(args ...string) (string, string, int) {
		t.Helper()
		return cli(t, dir, nil, args...)
	}
	me, _, _ := run("wallet", "address")
	me = strings.TrimSpace(me)
	if out, stderr, code := run("bounties", "--mine", "--json"); code != 0 || strings.TrimSpace(out) != "[]" {
		t.Fatalf("bounties --mine --json: exit %d, %q %q", code, out, stderr)
	}
	if out, _, code := run("bounties"); code != 0 || !strings.Contains(out, "no bounties") {
		t.Fatalf("bounties: exit %d, %q", code, out)
	}
	var rep map[string]any
	out, stderr, code := run("reputation", me, "--json")
	if err := json.Unmarshal([]byte(out), &rep); err != nil || code != 0 || rep["address"] != me || rep["done"] != float64(0) {
		t.Fatalf("reputation: exit %d, %q %q", code, out, stderr)
	}
	for _, tc := range []struct {
		want string
		args []string
	}{
		{"no bounty", []string{"bounty", "show", wire.Sum([]byte("nothing")).String()}},
		{"is not a bounty ID", []string{"bounty", "settle", "erik", "--yes"}},
		{"no bounty", []string{"bounty", "dispute", wire.Sum([]byte("nothing")).String(), "--yes"}},
		{"unknown bounty state", []string{"bounties", "--state", "paid"}},
		{"--open and --state settled contradict", []string{"bounties", "--open", "--state", "settled"}},
		{"neither an address nor", []string{"reputation", "erik"}},
	} {
		_, stderr, code := run(tc.args...)
		if code == 0 || !strings.Contains(stderr, tc.want) || strings.Contains(stderr, "goroutine") {
			t.Errorf("%v: exit %d, stderr %q; want a sentence mentioning %q", tc.args, code, stderr, tc.want)
		}
	}
}
