// Command demo runs the terminal UI on an embedded node, for trying the UI
// before cmd/bitverse wires it in: go run ./tui/internal/demo -datadir DIR.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"

	"github.com/bitverse/bitverse/node/consensus"
	"github.com/bitverse/bitverse/node/daemon"
	"github.com/bitverse/bitverse/node/script"
	"github.com/bitverse/bitverse/tui"
)

func main() {
	script.MaybeRunWorker()
	dir := flag.String("datadir", filepath.Join(os.TempDir(), "bitverse-tui-demo"), "data directory")
	regtest := flag.Bool("regtest", false, "trivial proof of work")
	flag.Parse()
	p := consensus.Devnet()
	if *regtest {
		p = consensus.Regtest()
	}
	logf, err := os.OpenFile(filepath.Join(*dir, "node.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		os.MkdirAll(*dir, 0o700)
		logf, err = os.OpenFile(filepath.Join(*dir, "node.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	// The product's assembly, alone: scripts in worker processes (this
	// binary re-executed), no network, no local API.
	d, err := daemon.New(daemon.Config{DataDir: *dir, Params: p, Log: slog.New(slog.NewTextHandler(logf, nil))})
	if err == nil {
		err = d.Start()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer d.Stop()
	n := d.Node()
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt)
	defer cancel()
	err = tui.Run(ctx, tui.Options{API: n, Params: p, WalletDir: filepath.Join(*dir, "wallet"), DataDir: *dir, Version: "demo"})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
