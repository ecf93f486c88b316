package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/bitverse/bitverse/node"
	"github.com/bitverse/bitverse/node/daemon"
	"github.com/bitverse/bitverse/node/market"
	"github.com/bitverse/bitverse/node/p2p"
	"github.com/bitverse/bitverse/node/pool"
	"github.com/bitverse/bitverse/node/wire"
	"github.com/bitverse/bitverse/tumbler"
	"github.com/spf13/cobra"
)

type nodeFlags struct {
	mine      bool
	mineTo    string
	workers   int
	listen    []string
	loopback  bool // listen on 127.0.0.1 only (the TUI's embedded node)
	rpc       string
	bootstrap []string
	noMDNS    bool
	logLevel  string
	follow    string
	metrics   string // Prometheus metrics address ("": none)

	// Market: serve compute with a wallet account as the serve identity.
	serve        bool
	relay        bool
	serveAccount string
	prices       market.Prices
	// pools: answer availability-pool challenges and serve token
	// redemptions with the serve identity.
	pools bool
	// lateMarket: no market at start; the TUI starts one with its
	// wallet's key once the wallet is unlocked.
	lateMarket bool

	// Tumbler: noTumbler turns the tumbler off; tumblerCoordinate keeps
	// a round of tumblerDenomination open.
	noTumbler           bool
	tumblerCoordinate   bool
	tumblerDenomination string
	tumblerOutputDelay  time.Duration
}

func nodeCmd() *cobra.Command {
	var f nodeFlags
	c := &cobra.Command{
		Use:   "node",
		Short: "Run a headless node (stops cleanly on Ctrl-C / SIGTERM)",
		Long: `Run a headless node on the data directory. It serves the local API that
the other commands use (address and cookie in the data directory), talks to
peers, and with --mine mines to the wallet's first address.

It holds every chain of the blocktree: the ones in --follow (and their
ancestors, and the root) in full, the others as headers only. See
bitverse tree.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, cancel := signalContext(cmd.Context())
			defer cancel()
			return runNode(ctx, f, os.Stderr)
		},
	}
	fl := c.Flags()
	fl.BoolVar(&f.mine, "mine", false, "mine blocks")
	fl.StringVar(&f.mineTo, "mine-to", "", "address for mining rewards (default: the wallet's first address)")
	fl.IntVar(&f.workers, "miner-workers", 0, "mining threads (default: one per core)")
	fl.StringSliceVar(&f.listen, "listen", nil, "p2p listen addresses, host:port or multiaddrs (default: every interface, TCP and QUIC on the network's port, 27480 on devnet)")
	fl.BoolVar(&f.loopback, "loopback", false, "listen on 127.0.0.1 only, on ports the OS picks: unreachable from other machines")
	fl.StringVar(&f.rpc, "rpc", "127.0.0.1:0", "local API address (loopback only; port 0 picks one)")
	fl.StringSliceVar(&f.bootstrap, "bootstrap", nil, "peers to connect to at start and seed the DHT from (multiaddrs with /p2p/ID), besides the network's seed list")
	fl.BoolVar(&f.noMDNS, "no-mdns", false, "do not look for peers on the local network")
	fl.StringVar(&f.logLevel, "log-level", "info", "debug, info, warn or error")
	addFollow(c, &f.follow)
	fl.StringVar(&f.metrics, "metrics", "", "serve Prometheus metrics at host:port, GET /metrics (e.g. 127.0.0.1:9480; port 0 picks one)")
	fl.BoolVar(&f.serve, "serve", false, "serve compute: answer requests with offers, accept bounties and earn (unlocks the wallet: $BITVERSE_PASSPHRASE or a prompt)")
	fl.BoolVar(&f.relay, "relay", false, "relay compute (with --serve): when the serve identity is drawn into a bounty's lineup, recompute and countersign (register it first: bitverse relay register)")
	fl.BoolVar(&f.pools, "pools", false, "serve availability pools: answer the serve identity's pool challenges each epoch and serve token redemptions (unlocks the wallet)")
	fl.StringVar(&f.serveAccount, "serve-account", "", "wallet account that signs offers and is paid (default: --account, else the first)")
	fl.Uint64Var(&f.prices.PerFuel, "price-per-fuel", market.DefaultPrices.PerFuel, "serving price in base units per 1000 fuel")
	fl.Uint64Var(&f.prices.PerByte, "price-per-byte", market.DefaultPrices.PerByte, "serving price in base units per 1000 bytes of result")
	fl.Uint64Var(&f.prices.Min, "price-min", market.DefaultPrices.Min, "minimum price of a job in base units")
	fl.BoolVar(&f.noTumbler, "no-tumbler", false, "do not run the tumbler (no `bitverse tumbler` commands on this node)")
	fl.BoolVar(&f.tumblerCoordinate, "tumbler-coordinate", false, "coordinate tumbler rounds: keep one open at all times")
	fl.StringVar(&f.tumblerDenomination, "tumbler-denomination", "0.01", "denomination of the rounds --tumbler-coordinate opens (BVS)")
	fl.DurationVar(&f.tumblerOutputDelay, "tumbler-output-delay", 0, "most a participant waits, at random, before registering its output (default 10s)")
	fl.MarkHidden("tumbler-output-delay") // shorter only for tests and devnets: the delay hides the output's timing
	return c
}

// marketConfig is the market service's configuration from the flags:
// with --serve, the wallet is opened and the serve account's key kept.
func marketConfig(f nodeFlags) (*market.Config, error) {
	cfg := &market.Config{Prices: f.prices}
	if f.relay && !f.serve {
		return nil, errors.New("--relay needs --serve: a relay countersigns with the serve identity (add --serve)")
	}
	if !f.serve {
		return cfg, nil
	}
	w, _, err := openWallet()
	if err != nil {
		return nil, fmt.Errorf("--serve: %w", err)
	}
	defer w.Close()
	name := f.serveAccount
	if name == "" {
		name = g.account
	}
	k, err := w.Key(name)
	if err != nil {
		return nil, fmt.Errorf("--serve-account: %w", err)
	}
	// A copy of the key: the node holds it after the wallet closes.
	if k, err = wire.PrivKeyFromBytes(k.Bytes()); err != nil {
		return nil, err
	}
	cfg.Serve, cfg.Relay, cfg.Key = true, f.relay, &k
	return cfg, nil
}

// poolConfig is the pool service's configuration from the flags: with
// --pools, the serve identity (the market's when --serve opened it).
func poolConfig(f nodeFlags, mc *market.Config) (*pool.Config, error) {
	if !f.pools {
		return nil, nil
	}
	if mc != nil && mc.Key != nil {
		return &pool.Config{Key: mc.Key}, nil
	}
	w, _, err := openWallet()
	if err != nil {
		return nil, fmt.Errorf("--pools: %w", err)
	}
	defer w.Close()
	name := f.serveAccount
	if name == "" {
		name = g.account
	}
	k, err := w.Key(name)
	if err != nil {
		return nil, fmt.Errorf("--serve-account: %w", err)
	}
	if k, err = wire.PrivKeyFromBytes(k.Bytes()); err != nil {
		return nil, err
	}
	return &pool.Config{Key: &k}, nil
}

// addFollow adds --follow, the chains to store in full.
func addFollow(c *cobra.Command, v *string) {
	c.Flags().StringVar(v, "follow", "", "chains to store in full, comma-separated prefixes (e.g. 01,1; their ancestors too), or all; the others keep headers only (default: the set saved by 'bitverse follow', else all)")
}

func logger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		l = slog.LevelInfo
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l}))
}

// readMineTo returns the address a node should mine to: the flag, else the
// wallet's first address recorded at wallet creation.
func readMineTo(net wire.Network, datadir, flag string) (wire.PubKey, error) {
	s := strings.TrimSpace(flag)
	if s == "" {
		b, err := os.ReadFile(mineToFile(datadir))
		if err != nil {
			return wire.PubKey{}, nil
		}
		s = strings.TrimSpace(string(b))
	}
	return wire.ParseAddress(net, s)
}

// resolveListen is where a node listens: the addresses given, else with
// loopback 127.0.0.1 on ports the OS picks, else every interface on the
// network's port, so that a node is reachable by default.
func resolveListen(net wire.Network, listen []string, loopback bool) ([]string, error) {
	if len(listen) == 0 {
		if loopback {
			return p2p.DefaultListen, nil
		}
		return p2p.PublicListen(p2p.DefaultPort(net)), nil
	}
	addrs, err := p2p.ParseListen(listen)
	if err != nil {
		return nil, err
	}
	if loopback {
		for _, a := range addrs {
			if !p2p.IsLoopbackAddr(a) {
				return nil, fmt.Errorf("--loopback, but --listen %s is not a loopback address: drop one of them", a)
			}
		}
	}
	return addrs, nil
}

// p2pConfig is the network configuration the flags resolve to: where to
// listen, whom to dial first, mDNS.
func p2pConfig(f nodeFlags, net wire.Network, dir string, log *slog.Logger) (*p2p.Config, error) {
	listen, err := resolveListen(net, f.listen, f.loopback)
	if err != nil {
		return nil, err
	}
	return &p2p.Config{DataDir: dir, Listen: listen, Bootstrap: bootstrapPeers(net, f.bootstrap), DisableMDNS: f.noMDNS, Log: log,
		TrustLoopback: net == wire.Devnet}, nil
}

// bootstrapPeers are the peers a node dials first and seeds its DHT
// from: the network's seed list (p2p.Seeds), then those given, without
// repeats.
func bootstrapPeers(net wire.Network, given []string) []string {
	var out []string
	for _, a := range append(p2p.Seeds(net), given...) {
		if !slices.Contains(out, a) {
			out = append(out, a)
		}
	}
	return out
}

// startEmbedded starts the node the flags describe on the data directory:
// the full assembly (script workers, node, p2p host, blob service, local
// API), as `bitverse node` and the TUI's embedded mode run it.
func startEmbedded(f nodeFlags, log *slog.Logger) (*daemon.Daemon, error) {
	p, err := params()
	if err != nil {
		return nil, err
	}
	dir, err := dataDir()
	if err != nil {
		return nil, err
	}
	mineTo, err := readMineTo(p.Net, dir, f.mineTo)
	if err != nil {
		return nil, fmt.Errorf("mining address: %w", err)
	}
	if f.follow == "" {
		// No --follow: the set saved by `bitverse follow`, else all.
		if f.follow, err = readFollowFile(dir); err != nil {
			return nil, err
		}
	}
	follow, err := node.ParseFollow(f.follow, p)
	if err != nil {
		return nil, err
	}
	pc, err := p2pConfig(f, p.Net, dir, log)
	if err != nil {
		return nil, err
	}
	var mc *market.Config
	if !f.lateMarket {
		if mc, err = marketConfig(f); err != nil {
			return nil, err
		}
	}
	poolc, err := poolConfig(f, mc)
	if err != nil {
		return nil, err
	}
	d, err := daemon.New(daemon.Config{DataDir: dir, Params: p, Log: log, MineTo: mineTo,
		MinerWorkers: f.workers, Follow: follow, RPC: f.rpc, Market: mc, Pools: poolc, Metrics: f.metrics,
		P2P: pc})
	if err != nil {
		return nil, err
	}
	if !f.noTumbler {
		tc := tumbler.Config{Coordinate: f.tumblerCoordinate, OutputDelay: f.tumblerOutputDelay}
		if tc.Default.Denomination, err = wire.ParseAmount(f.tumblerDenomination); err != nil || !tumbler.IsDenomination(tc.Default.Denomination) {
			return nil, fmt.Errorf("--tumbler-denomination %s: use 1, 2 or 5 × a power of ten BVS, e.g. 0.01", f.tumblerDenomination)
		}
		if err := d.RegisterTumbler(tc); err != nil {
			return nil, err
		}
	}
	if err := d.Start(); err != nil {
		return nil, err
	}
	return d, nil
}

func runNode(ctx context.Context, f nodeFlags, logw io.Writer) error {
	log := logger(logw, f.logLevel)
	d, err := startEmbedded(f, log)
	if err != nil {
		return err
	}
	defer d.Stop()
	n := d.Node()
	st, _ := n.Status(ctx)
	log.Info("node running", "network", st.Network, "height", st.Height, "rpc", d.RPC().Addr(), "datadir", st.DataDir)
	for _, a := range d.Host().Addrs() {
		log.Info("p2p listening", "addr", a)
	}
	if m := d.Market(); m != nil && f.serve {
		if st, err := m.ServeStatus(ctx); err == nil {
			log.Info("serving compute", "identity", wire.EncodeAddress(d.Config().Params.Net, st.Identity),
				"per_fuel", st.Prices.PerFuel, "per_byte", st.Prices.PerByte, "min", st.Prices.Min)
		}
		if f.relay {
			log.Info("relaying compute", "identity", wire.EncodeAddress(d.Config().Params.Net, d.Config().Market.Key.PubKey()))
		}
	}
	if f.mine {
		if err := n.StartMining(nil); err != nil {
			return err
		}
		st, _ := n.Status(ctx)
		log.Info("mining", "to", st.MineTo, "workers", n.Miner().Stats().Workers)
	}
	<-ctx.Done()
	log.Info("stopping")
	return nil
}
