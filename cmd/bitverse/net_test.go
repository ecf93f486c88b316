package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/bitverse/bitverse/internal/testutil"
	"github.com/bitverse/bitverse/node"
	"github.com/bitverse/bitverse/node/rpc"
)

// netInfoOf returns the network identity of the node running on dir.
func netInfoOf(t testing.TB, dir string) node.NetInfo {
	t.Helper()
	cl, err := rpc.Dial(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	ni, err := cl.NetInfo(context.Background())
	if err != nil {
		t.Fatalf("net_info: %v", err)
	}
	if ni.ID == "" || len(ni.Addrs) == 0 {
		t.Fatalf("net_info = %+v, want an id and addresses", ni)
	}
	return ni
}

func tcpAddr(t testing.TB, ni node.NetInfo) string {
	t.Helper()
	for _, a := range ni.Addrs {
		if strings.Contains(a, "/tcp/") {
			return a
		}
	}
	t.Fatalf("no TCP address in %v", ni.Addrs)
	return ""
}

// peersOf runs `peers --json` on dir.
func peersOf(t testing.TB, dir string) []node.PeerInfo {
	t.Helper()
	out, stderr, code := cli(t, dir, nil, "peers", "--json")
	if code != 0 {
		t.Fatalf("peers: %s", stderr)
	}
	var ps []node.PeerInfo
	if err := json.Unmarshal([]byte(out), &ps); err != nil {
		t.Fatalf("peers --json: %v\n%s", err, out)
	}
	return ps
}

// waitPeers polls `peers --json` on dir until ok holds.
func waitPeers(t testing.TB, dir string, what string, ok func([]node.PeerInfo) bool) []node.PeerInfo {
	t.Helper()
	var ps []node.PeerInfo
	testutil.Eventually(t, 15*time.Second, what, func() error {
		if ps = peersOf(t, dir); !ok(ps) {
			return fmt.Errorf("peers %+v", ps)
		}
		return nil
	})
	return ps
}

func find(ps []node.PeerInfo, id string) (node.PeerInfo, bool) {
	for _, p := range ps {
		if p.ID == id {
			return p, true
		}
	}
	return node.PeerInfo{}, false
}

// TestPeersCommands: peers add / list / ban / unban between two real node
// processes, and clear errors for bad input.
func TestPeersCommands(t *testing.T) {
	t.Parallel() // its own data directories and processes
	a, b := t.TempDir(), t.TempDir()
	startNode(t, a)
	startNode(t, b)
	na, nb := netInfoOf(t, a), netInfoOf(t, b)

	if out, stderr, code := cli(t, b, nil, "peers"); code != 0 || !strings.Contains(out, "no peers connected") {
		t.Fatalf("peers on a lone node: code %d, %q %q", code, out, stderr)
	}
	if _, stderr, code := cli(t, b, nil, "peers", "add", tcpAddr(t, na)); code != 0 {
		t.Fatalf("peers add: %s", stderr)
	}
	ps := waitPeers(t, b, "b connected to a", func(ps []node.PeerInfo) bool { _, ok := find(ps, na.ID); return ok })
	if p, _ := find(ps, na.ID); !p.Connected || p.Direction != "outbound" || len(p.Addrs) == 0 || p.Banned {
		t.Fatalf("b's view of a: %+v", p)
	}
	ps = waitPeers(t, a, "a sees b", func(ps []node.PeerInfo) bool { _, ok := find(ps, nb.ID); return ok })
	if p, _ := find(ps, nb.ID); p.Direction != "inbound" {
		t.Fatalf("a's view of b: %+v", p)
	}
	out, _, _ := cli(t, a, nil, "status", "--json")
	var st struct {
		Peers int
		P2P   struct{ ID string }
	}
	json.Unmarshal([]byte(out), &st)
	if st.Peers != 1 || st.P2P.ID != na.ID {
		t.Fatalf("status --json on a: %s", out)
	}

	if _, stderr, code := cli(t, a, nil, "peers", "ban", nb.ID, "--for", "2h"); code != 0 {
		t.Fatalf("peers ban: %s", stderr)
	}
	ps = waitPeers(t, a, "b banned and gone", func(ps []node.PeerInfo) bool {
		p, ok := find(ps, nb.ID)
		return ok && p.Banned && !p.Connected && len(ps) == 1
	})
	if p, _ := find(ps, nb.ID); p.BannedUntil.Before(time.Now().Add(110*time.Minute)) || p.BannedUntil.After(time.Now().Add(2*time.Hour)) {
		t.Fatalf("ban --for 2h: until %v", p.BannedUntil)
	}
	if _, stderr, code := cli(t, a, nil, "peers", "unban", nb.ID); code != 0 {
		t.Fatalf("peers unban: %s", stderr)
	}
	if p, ok := find(peersOf(t, a), nb.ID); ok && p.Banned {
		t.Fatalf("still banned after unban: %+v", p)
	}

	cases := []struct {
		args []string
		want string
	}{
		{[]string{"peers", "add", "garbage"}, "must be a multiaddr ending in /p2p/"},
		{[]string{"peers", "add", tcpAddr(t, na)}, "cannot connect to self"},
		{[]string{"peers", "ban", "nonsense"}, "invalid peer id"},
		{[]string{"peers", "ban", nb.ID, "--for", "-1h"}, "not a positive duration"},
		{[]string{"peers", "unban", nb.ID}, "is not banned"},
		{[]string{"peers", "frobnicate"}, "unknown command"},
	}
	for i, c := range cases {
		_, stderr, code := cli(t, a, nil, c.args...)
		if code == 0 || !strings.Contains(stderr, c.want) || strings.Count(strings.TrimSpace(stderr), "\n") > 0 {
			t.Errorf("case %d: %v: code %d, stderr %q, want one line mentioning %q", i, c.args, code, stderr, c.want)
		}
	}
}
