package tui

import (
	"bytes"
	"context"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"

	"github.com/bitverse/bitverse/node/consensus"
	"github.com/bitverse/bitverse/node/daemon"
	"github.com/bitverse/bitverse/node/nodetest"
	"github.com/charmbracelet/x/exp/teatest/v2"
)

// TestEmbeddedNode runs the real program on a real regtest node and a real
// wallet: restore a wallet, start mining with one key, write public/hello
// from the data screen and read it back there.
func TestEmbeddedNode(t *testing.T) {
	t.Parallel()
	nodetest.Slow(t, "mines real blocks")
	dir := t.TempDir()
	p := consensus.Regtest()
	// The node is assembled as `bitverse` assembles it: worker-process
	// scripts (this test binary re-executed, see TestMain), no network.
	dn, err := daemon.New(daemon.Config{DataDir: filepath.Join(dir, "node"), Params: p, MinerWorkers: 1, ScriptWorkers: 1})
	if err != nil {
		t.Fatal(err)
	}
	if err := dn.Start(); err != nil {
		t.Fatal(err)
	}
	defer dn.Stop()
	n := dn.Node()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	d := defaultDeps()
	d.ctx, d.poll, d.rand = ctx, 200*time.Millisecond, rand.New(rand.NewPCG(1, 2))
	a := newApp(Options{API: n, Params: p, WalletDir: filepath.Join(dir, "wallet"), DataDir: dir, Version: "test"}, d)
	tm := teatest.NewTestModel(t, a, teatest.WithInitialTermSize(120, 40))
	var seen bytes.Buffer
	wait := func(what string) { t.Helper(); waitFor(t, tm, &seen, what) }
	typeText := func(s string) {
		for _, r := range s {
			tm.Send(keyMsg(string(r)))
		}
	}

	wait("Welcome to Bitverse")
	tm.Send(keyMsg("r"))
	wait("1/2 mnemonic")
	typeText(testMnemonic)
	tm.Send(keyMsg("enter"))
	wait("2/2 passphrase")
	typeText("pw")
	tm.Send(keyMsg("enter"))
	typeText("pw")
	tm.Send(keyMsg("enter"))
	wait("1 Home")

	tm.Send(keyMsg("m"))
	wait("● mining")
	addr := nodetest.WaitFunds(t, n, "", 1) // the wallet's address the TUI mines to

	const value = "hello from a test"
	tm.Send(keyMsg("5"))
	wait("prefix")
	tm.Send(keyMsg("p"))
	wait("Put a value")
	typeText("public/hello")
	tm.Send(keyMsg("tab"))
	typeText(value)
	tm.Send(keyMsg("enter"))
	wait("Write this value?")
	tm.Send(keyMsg("y"))
	wait("Written: public/hello")
	wait("text · 17 B")  // the preview, once a block includes the write
	tm.Send(keyMsg("m")) // stop mining before quitting

	if err := tm.Quit(); err != nil {
		t.Fatal(err)
	}
	final := tm.FinalModel(t, teatest.WithFinalTimeout(10*time.Second)).(*app)
	ds := final.screens[tabData].(*dataScreen)
	if ds.got == nil || ds.got.Value != value || ds.got.Writer != addr || ds.got.Confirmations == 0 {
		t.Fatalf("data screen read back %+v, want %q written by %s and confirmed", ds.got, value, addr)
	}
	res, err := n.Get(ctx, "public/hello", false, false)
	if err != nil || res.Value != value {
		t.Fatalf("the node has %+v, %v", res, err)
	}
}
