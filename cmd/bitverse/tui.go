package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/bitverse/bitverse/node/daemon"
	"github.com/bitverse/bitverse/node/market"
	"github.com/bitverse/bitverse/node/pool"
	"github.com/bitverse/bitverse/node/rpc"
	"github.com/bitverse/bitverse/node/wire"
	"github.com/bitverse/bitverse/tui"
	"github.com/spf13/cobra"
)

// tuiFlags are the TUI's flags: where its node is, and the embedded
// node's own (--follow, --no-mdns, as `node` takes them).
type tuiFlags struct {
	rpc    string
	follow string
	noMDNS bool
}

// addTUIFlags adds the embedded node's flags to c.
func addTUIFlags(c *cobra.Command, f *tuiFlags) {
	addFollow(c, &f.follow)
	c.Flags().BoolVar(&f.noMDNS, "no-mdns", false, "the embedded node does not look for peers on the local network")
}

// attachTo is the local API the UI attaches to: `tui --rpc`, else the
// global --rpc-addr (so a bare `bitverse --rpc-addr ADDR` attaches too),
// else "" (embed a node, or attach to one running on the data directory).
func (f tuiFlags) attachTo(rpcAddr string) string {
	if f.rpc != "" {
		return f.rpc
	}
	return rpcAddr
}

// embedded is the embedded node's configuration.
func (f tuiFlags) embedded() nodeFlags {
	// Loopback: the embedded node is a user's devnet playground, not a
	// public node.
	// The tumbler runs with the node flag's default denomination (an
	// empty one refuses to start).
	return nodeFlags{rpc: "127.0.0.1:0", loopback: true, follow: f.follow, noMDNS: f.noMDNS, lateMarket: true,
		tumblerDenomination: "0.01"}
}

func tuiCmd() *cobra.Command {
	var f tuiFlags
	c := &cobra.Command{
		Use:   "tui",
		Short: "Open the terminal UI (embedded node, or --rpc ADDR to attach to a running one)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runTUI(cmd.Context(), f)
		},
	}
	addTUIFlags(c, &f)
	c.Flags().StringVar(&f.rpc, "rpc", "", "attach to the node whose local API is at this address (cookie read from --datadir)")
	return c
}

// runTUI opens the UI on an embedded node in the data directory, or on a
// running node's local API (f.rpc). Logs go to <datadir>/bitverse.log.
func runTUI(ctx context.Context, f tuiFlags) error {
	p, err := params()
	if err != nil {
		return err
	}
	dir, err := dataDir()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	ctx, cancel := signalContext(ctx)
	defer cancel()
	opts := tui.Options{Params: p, WalletDir: walletDir(dir), DataDir: dir, Version: version}
	// With --rpc, or when a node already runs on this data directory (it
	// holds the database lock), attach to its local API; else embed one.
	if addr := f.attachTo(g.rpcAddr); addr != "" || nodeRunning(ctx, dir) {
		cl, err := rpc.Dial(dir, addr)
		if err != nil {
			return err
		}
		opts.API = cl
		opts.Market = cl.Market()
		opts.Tumbler = cl.Tumbler()
		return tui.Run(ctx, opts)
	}
	logf, err := os.OpenFile(filepath.Join(dir, "bitverse.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	defer logf.Close()
	d, err := startEmbedded(f.embedded(), logger(logf, "info"))
	if err != nil {
		return fmt.Errorf("start the embedded node: %w", err)
	}
	defer d.Stop()
	opts.API = d.Node()
	if t := d.Tumbler(); t != nil { // a nil *Service in the interface would not be nil
		opts.Tumbler = t
	}
	lm := &lateMarket{d: d}
	defer lm.stop()
	opts.ServeKey = lm.start
	return tui.Run(ctx, opts)
}

// lateMarket is the embedded node's market: it starts once the TUI has
// unlocked the wallet, with the wallet's first account as the serve
// identity (serving is off until the user turns it on), and is attached
// to the local API so that the CLI reaches it too.
type lateMarket struct {
	d       *daemon.Daemon
	mu      sync.Mutex
	m       *market.Service
	pools   *pool.Service // answers the account's pool challenges
	stopped bool
}

func (l *lateMarket) start(key wire.PrivKey) (market.API, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.stopped {
		return nil, errors.New("the node is stopping")
	}
	if l.m != nil {
		return l.m, nil
	}
	// A copy of the key: the market holds it after the wallet closes.
	k, err := wire.PrivKeyFromBytes(key.Bytes())
	if err != nil {
		return nil, err
	}
	m, err := market.New(market.Config{Key: &k}, l.d.MarketDeps())
	if err != nil {
		return nil, err
	}
	if err := m.Start(); err != nil {
		return nil, err
	}
	if srv := l.d.RPC(); srv != nil {
		srv.SetMarket(m)
	}
	l.m = m
	// The same identity answers the challenges of the pools it joins (J
	// on the data screen).
	if ps, err := pool.New(pool.Config{Key: &k}, l.d.PoolDeps()); err == nil && ps.Start() == nil {
		l.pools = ps
	}
	return m, nil
}

// stop stops the market (before the node).
func (l *lateMarket) stop() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.stopped = true
	if l.pools != nil {
		l.pools.Stop()
	}
	if l.m == nil {
		return
	}
	if srv := l.d.RPC(); srv != nil {
		srv.SetMarket(nil)
	}
	l.m.Stop()
}

// nodeRunning reports whether a node answers on dir's local API.
func nodeRunning(ctx context.Context, dir string) bool {
	cl, err := rpc.Dial(dir, "")
	if err != nil {
		return false
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	_, err = cl.Status(ctx)
	return err == nil
}
