package main

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/bitverse/bitverse/node/consensus"
	"github.com/bitverse/bitverse/node/daemon"
	"github.com/bitverse/bitverse/node/rpc"
	"github.com/bitverse/bitverse/node/wire"
)

// TestTUITakesNoMDNS: `bitverse tui --no-mdns` and `bitverse --no-mdns`
// (the TUI with no command) take --no-mdns as `node` does, and the
// embedded node gets it; without the flag mDNS stays on.
func TestTUITakesNoMDNS(t *testing.T) {
	cases := []struct {
		args []string
		want bool
	}{
		{[]string{"tui", "--no-mdns"}, true},
		{[]string{"tui"}, false},
		{[]string{"--no-mdns"}, true},
		{nil, false},
	}
	for i, c := range cases {
		root := newRoot()
		cmd, rest, err := root.Find(c.args)
		if err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		if err := cmd.ParseFlags(rest); err != nil {
			t.Fatalf("case %d (%v): %v", i, c.args, err)
		}
		if got, err := cmd.Flags().GetBool("no-mdns"); err != nil || got != c.want {
			t.Errorf("case %d (%v): --no-mdns is %v (%v), want %v", i, c.args, got, err, c.want)
		}
	}
	for _, on := range []bool{false, true} {
		f := tuiFlags{follow: "01", noMDNS: on}.embedded()
		if f.noMDNS != on || f.follow != "01" || f.rpc != "127.0.0.1:0" {
			t.Errorf("embedded node flags %+v from --no-mdns=%v", f, on)
		}
	}
}

// TestTUIMarketStartsWithTheWalletsKey: the TUI's embedded node has no
// market at start; once the wallet is open, lateMarket starts one whose
// serve identity is the wallet's key (serving off), attached to the local
// API so the CLI reaches it; starting again returns the same one, and
// stop detaches it.
func TestTUIMarketStartsWithTheWalletsKey(t *testing.T) {
	if !(tuiFlags{}).embedded().lateMarket {
		t.Fatal("the TUI's embedded node would start a market without the wallet's key")
	}
	dir := t.TempDir()
	d, err := daemon.New(daemon.Config{DataDir: dir, Params: consensus.Regtest(), RPC: "127.0.0.1:0", InProcessScripts: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Start(); err != nil {
		t.Fatal(err)
	}
	defer d.Stop()
	if d.Market() != nil {
		t.Fatal("a market runs before the wallet is open")
	}
	cl, err := rpc.Dial(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := cl.Market().ServeStatus(ctx); !errors.Is(err, rpc.ErrNoMarket) {
		t.Fatalf("the local API's market before the start: %v, want ErrNoMarket", err)
	}
	key, err := wire.PrivKeyFromBytes(bytes.Repeat([]byte{5}, 32))
	if err != nil {
		t.Fatal(err)
	}
	lm := &lateMarket{d: d}
	m, err := lm.start(key)
	if err != nil {
		t.Fatal(err)
	}
	if again, err := lm.start(key); err != nil || again != m {
		t.Fatalf("a second start: %v, %v; want the same market", again, err)
	}
	st, err := cl.Market().ServeStatus(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.On || st.Identity != key.PubKey() {
		t.Fatalf("serve status over the local API %+v, want off with the wallet's key", st)
	}
	if lm.pools == nil || lm.pools.Member() != key.PubKey() {
		t.Fatal("no pool service answers the wallet account's challenges")
	}
	if _, err := lm.pools.Served(ctx); err != nil {
		t.Fatalf("the pool service does not run: %v", err)
	}
	lm.stop()
	if _, err := lm.pools.Served(ctx); err == nil {
		t.Fatal("the pool service runs after stop")
	}
	if _, err := cl.Market().ServeStatus(ctx); !errors.Is(err, rpc.ErrNoMarket) {
		t.Fatalf("after stop: %v, want ErrNoMarket", err)
	}
	if _, err := lm.start(key); err == nil {
		t.Fatal("started after stop")
	}
}

// TestTUIAttachesToTheGlobalRPCAddr: `tui --rpc` wins, a bare `bitverse
// --rpc-addr ADDR` attaches to ADDR, and with neither the UI embeds a node.
func TestTUIAttachesToTheGlobalRPCAddr(t *testing.T) {
	for _, tc := range []struct{ flag, global, want string }{
		{"127.0.0.1:1", "127.0.0.1:2", "127.0.0.1:1"},
		{"", "127.0.0.1:2", "127.0.0.1:2"},
		{"", "", ""},
	} {
		if got := (tuiFlags{rpc: tc.flag}).attachTo(tc.global); got != tc.want {
			t.Errorf("--rpc %q, --rpc-addr %q: attach to %q, want %q", tc.flag, tc.global, got, tc.want)
		}
	}
}
