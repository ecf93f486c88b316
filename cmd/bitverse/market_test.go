package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestMarketCommandsOnALoneNode: a node started with --serve reports its
// serve identity and prices; serve off/on turns it; a request nobody can
// compute gets no offer and says so in a sentence; the request is listed
// by requests. (The full paid path, bounty to settlement, is
// TestLoneNodeRequestsBlackAndWhitePhoto behind -tags long.)
func TestMarketCommandsOnALoneNode(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	restoreTestWallet(t, dir)
	pass := filepath.Join(t.TempDir(), "pass")
	if err := os.WriteFile(pass, []byte("correct horse"), 0o600); err != nil {
		t.Fatal(err)
	}
	startNode(t, dir, "--serve", "--price-min", "5000", "--passphrase-file", pass)
	var st struct {
		On       bool
		Identity string
		Prices   struct{ Min uint64 }
	}
	out := cliOK(t, dir, "serve", "--json")
	if err := json.Unmarshal([]byte(out), &st); err != nil || !st.On || st.Prices.Min != 5000 || st.Identity == "" {
		t.Fatalf("serve --json: %s (%v)", out, err)
	}
	cliOK(t, dir, "serve", "off")
	if out := cliOK(t, dir, "serve"); !strings.Contains(out, "serving: off") {
		t.Fatalf("serve after off: %s", out)
	}
	cliOK(t, dir, "serve", "on")

	_, stderr, code := cli(t, dir, nil, "request", `("public/nothing here")`, "--quote", "--wait-offers", "2s")
	if code == 0 || !strings.Contains(stderr, "no offer") {
		t.Fatalf("request of a missing key: code %d, %s", code, stderr)
	}
	var reqs []struct {
		Expr string
		Mine bool
	}
	out = cliOK(t, dir, "requests", "--json")
	if err := json.Unmarshal([]byte(out), &reqs); err != nil || len(reqs) != 1 || !reqs[0].Mine || reqs[0].Expr != `(public/nothing here)` {
		t.Fatalf("requests --json: %s (%v)", out, err)
	}
	_, stderr, code = cli(t, dir, nil, "bounty", "accept", strings.Repeat("ab", 32))
	if code == 0 || !strings.Contains(stderr, "no bounty") {
		t.Fatalf("bounty accept of an unknown bounty: code %d, %s", code, stderr)
	}
	_, stderr, code = cli(t, dir, nil, "request", `("public/x`, "--quote")
	if code == 0 || !strings.Contains(stderr, "column") {
		t.Fatalf("a syntax error: code %d, %s", code, stderr)
	}
}

func cliOK(t *testing.T, dir string, args ...string) string {
	t.Helper()
	out, stderr, code := cli(t, dir, nil, args...)
	if code != 0 {
		t.Fatalf("bitverse %s: code %d: %s", strings.Join(args, " "), code, stderr)
	}
	return out
}
