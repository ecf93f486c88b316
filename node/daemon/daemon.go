package daemon

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bitverse/bitverse/node"
	"github.com/bitverse/bitverse/node/blob"
	"github.com/bitverse/bitverse/node/consensus"
	"github.com/bitverse/bitverse/node/market"
	"github.com/bitverse/bitverse/node/metrics"
	"github.com/bitverse/bitverse/node/p2p"
	"github.com/bitverse/bitverse/node/pool"
	"github.com/bitverse/bitverse/node/rpc"
	"github.com/bitverse/bitverse/node/script"
	"github.com/bitverse/bitverse/node/wire"
	"github.com/bitverse/bitverse/tumbler"
)

// Config configures a Daemon. The zero value with a DataDir runs a devnet
// node with worker-process scripts and no network and no local API.
type Config struct {
	DataDir      string
	Params       *consensus.Params // nil: consensus.Devnet()
	Log          *slog.Logger      // nil: discard
	MineTo       wire.PubKey       // zero: unset
	MinerWorkers int               // 0: one per core
	Follow       []wire.ChainID    // nil: every chain (node.Config.Follow)
	Now          func() time.Time  // nil: time.Now

	// ScriptWorkers is how many script worker processes to keep (0:
	// DefaultScriptWorkers).
	ScriptWorkers int
	// InProcessScripts runs access scripts inside this process: no
	// isolation, for tools whose binary cannot host workers.
	InProcessScripts bool

	// P2P puts the node on the network with this host configuration (and
	// serves blobs on it); nil runs the node alone.
	P2P *p2p.Config
	// RPC is the local API's address (loopback, port 0 picks one); ""
	// serves no local API.
	RPC string
	// Market runs the market service on these terms, started after the
	// local API (nil: no market).
	Market *market.Config
	// Pools runs the availability-pool service with this serve identity,
	// started after the market (nil: none).
	Pools *pool.Config
	// Metrics serves Prometheus metrics at this address (host:port, port
	// 0 picks one: Daemon.Metrics().Addr()); "" serves none.
	Metrics string
}

// Component is a service with the node's lifecycle, registered with
// Register: started after the node, the network and the local API, stopped
// before them. Stop is called once, only after a successful Start.
type Component interface {
	Start() error
	Stop() error
}

// Errors.
var (
	ErrStopped = errors.New("daemon: stopped (a daemon runs once: make a new one)")
	ErrStarted = errors.New("daemon: already started")
)

// DefaultScriptWorkers is one script worker per core, at least one and at
// most four.
func DefaultScriptWorkers() int { return min(max(runtime.NumCPU(), 1), 4) }

const (
	stateNew int32 = iota
	stateStarted
	stateStopped
)

// Daemon is one assembled node. The part accessors (Node, Host, RPC…)
// return nil before Start and for parts the Config leaves out.
type Daemon struct {
	cfg   Config
	state atomic.Int32
	mu    sync.Mutex // serialises Start and Stop

	comps   []named // registered, in order
	started []part  // started, in order

	scripts *script.Pool
	node    *node.Node
	host    *p2p.Host
	blobs   *blob.Service
	netAPI  *p2p.API
	rpc     *rpc.Server
	market  *market.Service
	pools   *pool.Service
	mu2     sync.Mutex // guards the parts components set (tumbler)
	tumbler *tumbler.Service
	metrics *metrics.Metrics
	served  chan struct{} // closed when the local API's Serve returns
}

type named struct {
	name string
	c    Component
}

// part is one started piece and how to stop it.
type part struct {
	name string
	stop func() error
}

// New checks cfg and returns a daemon ready to Start.
func New(cfg Config) (*Daemon, error) {
	if cfg.DataDir == "" {
		return nil, errors.New("daemon: no data directory")
	}
	if cfg.Params == nil {
		cfg.Params = consensus.Devnet()
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.ScriptWorkers <= 0 {
		cfg.ScriptWorkers = DefaultScriptWorkers()
	}
	return &Daemon{cfg: cfg}, nil
}

// Register adds a component, started after every part registered before
// it. It fails once the daemon has started.
func (d *Daemon) Register(name string, c Component) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.state.Load() != stateNew {
		return fmt.Errorf("register %s: %w", name, ErrStarted)
	}
	d.comps = append(d.comps, named{name, c})
	return nil
}

// Start opens and starts every part in order. On a failure it stops what
// it started, in reverse order, and returns the failure; the daemon is
// then stopped. Start on a started daemon does nothing.
func (d *Daemon) Start() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	switch d.state.Load() {
	case stateStarted:
		return nil
	case stateStopped:
		return ErrStopped
	}
	d.state.Store(stateStarted)
	if d.cfg.Metrics != "" {
		// Made first: the script runner and the host's view of the node
		// are wrapped to count verdicts and time blocks.
		d.metrics = metrics.New()
	}
	steps := []struct {
		name string
		run  func() (func() error, error)
	}{
		{"the script workers", d.startScripts},
		{"the node", d.startNode},
		{"the network", d.startNetwork},
		{"the blob service", d.startBlobs},
		{"the local API", d.startRPC},
		{"the market", d.startMarket},
		{"the pool service", d.startPools},
		{"the metrics server", d.startMetrics},
	}
	for _, c := range d.comps {
		steps = append(steps, struct {
			name string
			run  func() (func() error, error)
		}{c.name, func() (func() error, error) {
			if err := c.c.Start(); err != nil {
				return nil, err
			}
			return c.c.Stop, nil
		}})
	}
	for _, s := range steps {
		stop, err := s.run()
		if err != nil {
			d.stopAll()
			d.state.Store(stateStopped)
			return fmt.Errorf("start %s: %w", s.name, err)
		}
		if stop != nil {
			d.started = append(d.started, part{s.name, stop})
		}
	}
	return nil
}

// Stop stops every started part in reverse order and returns their errors
// joined. Idempotent; Stop before Start makes Start fail.
func (d *Daemon) Stop() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.state.Swap(stateStopped) == stateStopped {
		return nil
	}
	return d.stopAll()
}

func (d *Daemon) stopAll() error {
	var errs []error
	for i := len(d.started) - 1; i >= 0; i-- {
		p := d.started[i]
		if err := p.stop(); err != nil {
			errs = append(errs, fmt.Errorf("stop %s: %w", p.name, err))
		}
	}
	d.started = nil
	return errors.Join(errs...)
}

func (d *Daemon) startScripts() (func() error, error) {
	if d.cfg.InProcessScripts {
		return nil, nil
	}
	p, err := script.NewPool(d.cfg.ScriptWorkers)
	if err != nil {
		return nil, err
	}
	d.scripts = p
	return p.Close, nil
}

func (d *Daemon) startNode() (func() error, error) {
	var runner script.Runner // nil: in process
	if d.scripts != nil {
		runner = d.scripts
		if d.metrics != nil {
			runner = d.metrics.Runner(d.scripts)
		}
	}
	n, err := node.Open(node.Config{DataDir: d.cfg.DataDir, Params: d.cfg.Params, Log: d.cfg.Log,
		MineTo: d.cfg.MineTo, MinerWorkers: d.cfg.MinerWorkers, Now: d.cfg.Now,
		Scripts: runner, Follow: d.cfg.Follow})
	if err != nil {
		return nil, err
	}
	d.node = n
	return n.Close, nil
}

func (d *Daemon) startNetwork() (func() error, error) {
	if d.cfg.P2P == nil {
		return nil, nil
	}
	cfg := *d.cfg.P2P
	if cfg.Log == nil {
		cfg.Log = d.cfg.Log
	}
	if cfg.DataDir == "" {
		cfg.DataDir = d.cfg.DataDir
	}
	// The host reports to the node's Status; the node asks the host for
	// reads of headers-only chains and for peers per chain.
	cfg.OnPeers, cfg.OnSync = d.node.SetPeerCount, d.node.SetSync
	var pn p2p.Node = d.node
	if d.metrics != nil {
		pn = d.metrics.Blocks(d.node)
	}
	h, err := p2p.New(cfg, pn)
	if err != nil {
		return nil, err
	}
	if err := h.Start(); err != nil {
		h.Close()
		return nil, err
	}
	d.host = h
	d.node.SetRemoteReader(h.RemoteReader()) // get of chains kept as headers only
	d.node.SetRemoteBlocks(h.RemoteBlocks()) // their blocks, opened on demand
	d.node.SetChainPeers(h.ChainPeers)       // tree: peers storing each chain
	return func() error {
		d.node.SetRemoteReader(nil)
		d.node.SetRemoteBlocks(nil)
		d.node.SetChainPeers(nil)
		return h.Close()
	}, nil
}

func (d *Daemon) startBlobs() (func() error, error) {
	if d.host == nil {
		return nil, nil
	}
	d.blobs = blob.Register(d.host.LibP2P(), d.cfg.Params.Net, blob.NewStore(d.node.DB()), d.host.OnBadBlobPeer)
	d.netAPI = p2p.NewAPI(d.host, d.blobs)
	d.netAPI.SetPools(d.poolsOfBlob) // fetches ask pool members first
	return func() error { d.blobs.Close(); return nil }, nil
}

func (d *Daemon) startRPC() (func() error, error) {
	if d.cfg.RPC == "" {
		return nil, nil
	}
	var opts []rpc.Option
	if d.netAPI != nil {
		opts = append(opts, rpc.WithNet(d.netAPI), rpc.WithBlobs(d.netAPI))
		opts = append(opts, rpc.WithPoolDownloads(pool.Fetcher{Deps: d.PoolDeps()}))
	}
	srv, err := rpc.Listen(d.cfg.RPC, d.cfg.DataDir, d.node, opts...)
	if err != nil {
		return nil, err
	}
	d.rpc, d.served = srv, make(chan struct{})
	go func() {
		defer close(d.served)
		if err := srv.Serve(); err != nil {
			d.cfg.Log.Error("local API stopped", "err", err)
		}
	}()
	return func() error {
		err := srv.Close()
		<-d.served
		os.Remove(filepath.Join(d.cfg.DataDir, rpc.AddrFile))
		return err
	}, nil
}

func (d *Daemon) startMetrics() (func() error, error) {
	if d.metrics == nil {
		return nil, nil
	}
	if err := d.metrics.Serve(d.cfg.Metrics, metrics.Sources{Node: d.node, Host: d.host, Now: d.cfg.Now}, d.cfg.Log); err != nil {
		return nil, err
	}
	d.cfg.Log.Info("serving metrics", "addr", d.metrics.Addr().String())
	return d.metrics.Close, nil
}

// Metrics returns the metrics server (nil without Config.Metrics).
func (d *Daemon) Metrics() *metrics.Metrics { return d.metrics }

// Node returns the node (nil before Start).
func (d *Daemon) Node() *node.Node { return d.node }

// Host returns the p2p host (nil without Config.P2P).
func (d *Daemon) Host() *p2p.Host { return d.host }

// Blobs returns the blob service (nil without Config.P2P).
func (d *Daemon) Blobs() *blob.Service { return d.blobs }

// NetAPI returns what the local API serves about the network and blobs
// (nil without Config.P2P).
func (d *Daemon) NetAPI() *p2p.API { return d.netAPI }

// RPC returns the local API server (nil without Config.RPC).
func (d *Daemon) RPC() *rpc.Server { return d.rpc }

// Scripts returns the script worker pool (nil with InProcessScripts).
func (d *Daemon) Scripts() *script.Pool { return d.scripts }

// Config returns the daemon's configuration, defaults applied.
func (d *Daemon) Config() Config { return d.cfg }
