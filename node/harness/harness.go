package harness

import (
	"context"
	"crypto/sha256"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bitverse/bitverse/node"
	"github.com/bitverse/bitverse/node/consensus"
	"github.com/bitverse/bitverse/node/daemon"
	"github.com/bitverse/bitverse/node/market"
	"github.com/bitverse/bitverse/node/p2p"
	"github.com/bitverse/bitverse/node/rpc"
	"github.com/bitverse/bitverse/node/wire"
	"github.com/libp2p/go-libp2p/core/peer"
	"go.etcd.io/bbolt"
)

// Harness runs named in-process nodes, each with its own bbolt directory
// under t.TempDir() and (unless NoNetwork) a real libp2p host on 127.0.0.1
// with mDNS and the DHT off, so nodes meet only whom they are told to.
type Harness struct {
	t      testing.TB
	dir    string
	params *consensus.Params

	mu     sync.Mutex
	nodes  []*Node
	byName map[string]*Node
	links  map[[2]string]bool // pairs joined with Connect

	banState
}

// New returns a harness on Regtest parameters that closes every node when
// the test ends.
func New(t testing.TB) *Harness {
	h := &Harness{t: t, dir: t.TempDir(), params: consensus.Regtest(), byName: map[string]*Node{}, links: map[[2]string]bool{}}
	h.hostile = map[string]bool{}
	t.Cleanup(h.checkBans) // cleanups run last first: after Close
	t.Cleanup(h.Close)
	return h
}

// Params returns the consensus parameters every node uses.
func (h *Harness) Params() *consensus.Params { return h.params }

// Node is one harness node: the node itself (embedded), the assembly that
// runs it, its p2p host (nil with NoNetwork), a client of its local API,
// and the key it mines to and writes with.
type Node struct {
	*node.Node
	Name   string
	Daemon *daemon.Daemon
	Host   *p2p.Host
	API    *rpc.Client
	Key    wire.PrivKey
	Dir    string

	h       *Harness
	opts    options
	mineMu  sync.Mutex // one Mine at a time
	nonceMu sync.Mutex // one Put at a time
	autoMu  sync.Mutex
	autoOff chan struct{}
	autoWG  sync.WaitGroup
	closed  bool
}

type options struct {
	mineEvery time.Duration
	network   bool
	dht       bool
	p2pCfg    []func(*p2p.Config)
	copyOf    *Node
	copyFile  string
	dir       string
	verbose   bool
	follow    []wire.ChainID
	key       *wire.PrivKey
	market    *market.Config
	before    []func(*daemon.Daemon) error
}

// Option configures NewNode.
type Option func(*options)

// Mining makes the node mine a block about every d (jittered ±50%) with
// templates from its mempool; see Node.Mine.
func Mining(every time.Duration) Option { return func(o *options) { o.mineEvery = every } }

// NoNetwork starts the node without a p2p host.
func NoNetwork() Option { return func(o *options) { o.network = false } }

// WithDHT turns the Kademlia DHT on (peers of peers are found and dialled).
func WithDHT() Option { return func(o *options) { o.dht = true } }

// WithP2PConfig edits the host's configuration before it starts.
func WithP2PConfig(f func(*p2p.Config)) Option {
	return func(o *options) { o.p2pCfg = append(o.p2pCfg, f) }
}

// CopyChainOf starts the node on a snapshot of src's database (its chain
// and state; peers and bans are left out): a quick way to give several
// nodes the same long chain.
func CopyChainOf(src *Node) Option { return func(o *options) { o.copyOf = src } }

// InDir puts the node's data in dir instead of <tempdir>/<name>.
func InDir(dir string) Option { return func(o *options) { o.dir = dir } }

// CopyChainFrom starts the node on a copy of a database file written by
// SaveChain.
func CopyChainFrom(path string) Option { return func(o *options) { o.copyFile = path } }

// SaveChain writes a consistent copy of the node's chain database (peers
// and bans live in another file) to path, for CopyChainFrom.
func (n *Node) SaveChain(path string) error { return snapshotTo(n, path) }

// Follow makes the node store only the given branch chains (and their
// ancestors) in full, every other chain as headers only
// (node.Config.Follow); without it a node stores every chain.
func Follow(chains ...wire.ChainID) Option {
	return func(o *options) { o.follow = append([]wire.ChainID(nil), chains...) }
}

// WithKey gives the node key k instead of KeyFor(name): two nodes with
// the same key make the same blocks from the same transactions.
func WithKey(k wire.PrivKey) Option { return func(o *options) { o.key = &k } }

// Verbose sends the node's and host's logs to t.Log.
func Verbose() Option { return func(o *options) { o.verbose = true } }

// WithMarket runs the market service on the node with cfg (its
// Daemon.Market()); with cfg.Serve and no cfg.Key, the node's own key is
// its serve identity.
func WithMarket(cfg market.Config) Option { return func(o *options) { o.market = &cfg } }

// BeforeStart runs f on the node's daemon before it starts (each time it
// starts): it registers components, such as the tumbler.
func BeforeStart(f func(*daemon.Daemon) error) Option {
	return func(o *options) { o.before = append(o.before, f) }
}

// KeyFor returns the deterministic key of the node called name.
func KeyFor(name string) wire.PrivKey {
	for i := byte(0); ; i++ {
		seed := sha256.Sum256([]byte("bitverse/harness/" + name + string([]byte{i})))
		if k, err := wire.PrivKeyFromBytes(seed[:]); err == nil {
			return k
		}
	}
}

// NewNode starts a node called name (unique within the harness).
func (h *Harness) NewNode(name string, opts ...Option) *Node {
	h.t.Helper()
	o := options{network: true}
	for _, f := range opts {
		f(&o)
	}
	h.mu.Lock()
	if _, dup := h.byName[name]; dup {
		h.mu.Unlock()
		h.t.Fatalf("harness: two nodes called %q", name)
	}
	h.mu.Unlock()
	n := &Node{Name: name, Key: KeyFor(name), Dir: filepath.Join(h.dir, name), h: h, opts: o}
	if o.key != nil {
		n.Key = *o.key
	}
	if o.dir != "" {
		n.Dir = o.dir
	}
	if o.copyOf != nil {
		if err := snapshot(o.copyOf, n.Dir); err != nil {
			h.t.Fatalf("harness: copy the chain of %s: %v", o.copyOf.Name, err)
		}
	}
	if o.copyFile != "" {
		if err := copyFile(o.copyFile, n.Dir); err != nil {
			h.t.Fatalf("harness: copy the chain in %s: %v", o.copyFile, err)
		}
	}
	if err := n.open(); err != nil {
		h.t.Fatalf("harness: start %s: %v", name, err)
	}
	h.mu.Lock()
	h.nodes = append(h.nodes, n)
	h.byName[name] = n
	h.mu.Unlock()
	if o.mineEvery > 0 {
		n.StartAutoMine(o.mineEvery)
	}
	return n
}

func (n *Node) logger() *slog.Logger {
	var inner slog.Handler = slog.DiscardHandler
	if n.opts.verbose {
		inner = slog.NewTextHandler(tlogWriter{n.h.t, n.Name}, &slog.HandlerOptions{Level: slog.LevelDebug})
	}
	return slog.New(banWatch{inner: inner, name: n.Name, h: n.h})
}

type tlogWriter struct {
	t    testing.TB
	name string
}

func (w tlogWriter) Write(p []byte) (int, error) {
	w.t.Logf("[%s] %s", w.name, strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// open starts the node on n.Dir with the production assembly: script
// worker processes, the node, the p2p host and blob service (unless
// NoNetwork), and the local API, which n.API talks to.
func (n *Node) open() error {
	if !workersReady.Load() {
		return errNoMain
	}
	log := n.logger()
	cfg := daemon.Config{DataDir: n.Dir, Params: n.h.params, Log: log, MineTo: n.Key.PubKey(),
		MinerWorkers: 1, ScriptWorkers: 1, Follow: n.opts.follow, RPC: "127.0.0.1:0"}
	if m := n.opts.market; m != nil {
		mc := *m
		if mc.Serve && mc.Key == nil {
			k := n.Key
			mc.Key = &k
		}
		cfg.Market = &mc
	}
	if n.opts.network {
		pc := p2p.Config{DisableMDNS: true, DisableDHT: !n.opts.dht, SyncInterval: 2 * time.Second, Log: log}
		for _, f := range n.opts.p2pCfg {
			f(&pc)
		}
		cfg.P2P = &pc
	}
	d, err := daemon.New(cfg)
	if err != nil {
		return err
	}
	for _, f := range n.opts.before {
		if err := f(d); err != nil {
			return err
		}
	}
	if err := d.Start(); err != nil {
		return err
	}
	api, err := rpc.Dial(n.Dir, d.RPC().Addr())
	if err != nil {
		d.Stop()
		return err
	}
	n.Daemon, n.Node, n.Host, n.API = d, d.Node(), d.Host(), api
	return nil
}

// snapshot copies src's database into dir/chain.db.
func snapshot(src *Node, dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	return snapshotTo(src, filepath.Join(dir, "chain.db"))
}

func copyFile(from, dir string) error {
	raw, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "chain.db"), raw, 0o600)
}

func snapshotTo(src *Node, path string) error {
	// Peers and bans are in the p2p layer's own file, which is not copied.
	return src.DB().View(func(tx *bbolt.Tx) error { return tx.CopyFile(path, 0o600) })
}

// Restart closes the node and opens it again on the same directory (same
// chain, same peer id); its links are dialled again.
func (n *Node) Restart() {
	n.h.t.Helper()
	n.Stop()
	n.Reopen()
}

// Reopen opens a stopped node again on the same directory (same chain,
// same peer id) and dials its links again.
func (n *Node) Reopen() {
	n.h.t.Helper()
	n.closed = false
	if err := n.open(); err != nil {
		n.h.t.Fatalf("harness: restart %s: %v", n.Name, err)
	}
	n.h.mu.Lock()
	var peers []*Node
	for l := range n.h.links {
		if l[0] == n.Name {
			peers = append(peers, n.h.byName[l[1]])
		} else if l[1] == n.Name {
			peers = append(peers, n.h.byName[l[0]])
		}
	}
	n.h.mu.Unlock()
	for _, p := range peers {
		if !p.closed && p.Host != nil {
			if err := n.h.tryDial(n, p); err != nil {
				n.h.t.Logf("harness: %s restarted, could not reconnect to %s: %v", n.Name, p.Name, err)
			}
		}
	}
}

func (n *Node) shut() {
	if n.closed {
		return
	}
	n.closed = true
	n.Daemon.Stop()
}

// Stop stops the node (mining, host and database) until Reopen.
func (n *Node) Stop() {
	n.StopAutoMine()
	n.shut()
}

// Close stops every node. It runs at the end of the test.
func (h *Harness) Close() {
	h.mu.Lock()
	nodes := append([]*Node(nil), h.nodes...)
	h.mu.Unlock()
	for _, n := range nodes {
		n.StopAutoMine()
	}
	for _, n := range nodes {
		n.shut()
	}
}

// Node returns the node called name.
func (h *Harness) Node(name string) *Node {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := h.byName[name]
	if n == nil {
		h.t.Fatalf("harness: no node called %q", name)
	}
	return n
}

// Nodes returns every node in creation order.
func (h *Harness) Nodes() []*Node {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]*Node(nil), h.nodes...)
}

// ID returns the node's peer id.
func (n *Node) ID() peer.ID { return n.Host.ID() }

// AddrInfo returns what another host needs to dial this node.
func (n *Node) AddrInfo() peer.AddrInfo {
	return peer.AddrInfo{ID: n.Host.ID(), Addrs: n.Host.LibP2P().Addrs()}
}

// Connect dials b from a and waits until both have exchanged status.
func (h *Harness) Connect(a, b *Node) {
	h.t.Helper()
	key := [2]string{a.Name, b.Name}
	if b.Name < a.Name {
		key = [2]string{b.Name, a.Name}
	}
	h.mu.Lock()
	h.links[key] = true
	h.mu.Unlock()
	h.dial(a, b)
}

func (h *Harness) dial(a, b *Node) {
	h.t.Helper()
	if err := h.tryDial(a, b); err != nil {
		h.t.Fatalf("harness: %v", err)
	}
}

// tryDial connects a to b and waits until they have exchanged status and
// gossip subscriptions.
func (h *Harness) tryDial(a, b *Node) error {
	// A generous cap, as in Junk.Connect: with the load average at 20 on
	// two cores, 10 s was seen to run out before the status exchange.
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := a.Host.LibP2P().Connect(ctx, b.AddrInfo()); err != nil {
		return fmt.Errorf("connect %s to %s: %w", a.Name, b.Name, err)
	}
	for a.Host.PeerStatus(b.ID()) == nil || b.Host.PeerStatus(a.ID()) == nil ||
		!has(a.Host.GossipPeers(), b.ID()) || !has(b.Host.GossipPeers(), a.ID()) {
		if ctx.Err() != nil {
			return fmt.Errorf("%s and %s connected but exchanged no status or gossip subscriptions", a.Name, b.Name)
		}
		time.Sleep(10 * time.Millisecond)
	}
	return nil
}

// ConnectAll connects every pair of networked nodes.
func (h *Harness) ConnectAll() {
	h.t.Helper()
	ns := h.Nodes()
	for i := range ns {
		for j := i + 1; j < len(ns); j++ {
			if ns[i].Host != nil && ns[j].Host != nil && !ns[i].closed && !ns[j].closed {
				h.Connect(ns[i], ns[j])
			}
		}
	}
}

// Partition splits the network: a node talks only to nodes of its own
// group (nodes named in no group form one more group). Connections across
// groups are dropped and refused until Heal.
func (h *Harness) Partition(groups ...[]*Node) {
	group := map[peer.ID]int{}
	for i, g := range groups {
		for _, n := range g {
			group[n.ID()] = i + 1
		}
	}
	for _, n := range h.Nodes() {
		if n.Host == nil || n.closed {
			continue
		}
		mine := group[n.ID()]
		n.Host.SetPeerFilter(func(p peer.ID) bool {
			g, known := group[p]
			if !known {
				// Nodes of the harness named in no group are group 0;
				// peers from outside the harness are not restricted.
				for _, m := range h.Nodes() {
					if m.Host != nil && m.ID() == p {
						return mine == 0
					}
				}
				return true
			}
			return g == mine
		})
	}
}

// Heal lifts the partition and dials again every link made with Connect.
func (h *Harness) Heal() {
	h.t.Helper()
	for _, n := range h.Nodes() {
		if n.Host != nil && !n.closed {
			n.Host.SetPeerFilter(nil)
		}
	}
	h.mu.Lock()
	var links [][2]string
	for l := range h.links {
		links = append(links, l)
	}
	h.mu.Unlock()
	for _, l := range links {
		a, b := h.Node(l[0]), h.Node(l[1])
		if !a.closed && !b.closed {
			h.dial(a, b)
		}
	}
}

// WaitForTip waits until every given node (all when none is given) has the
// same tip, and returns it. It fails the test after timeout.
func (h *Harness) WaitForTip(timeout time.Duration, nodes ...*Node) wire.Hash {
	h.t.Helper()
	if len(nodes) == 0 {
		for _, n := range h.Nodes() {
			if !n.closed {
				nodes = append(nodes, n)
			}
		}
	}
	deadline := time.Now().Add(timeout)
	for {
		tip := nodes[0].Chain().Tip().ID
		same := true
		for _, n := range nodes[1:] {
			if n.Chain().Tip().ID != tip {
				same = false
				break
			}
		}
		if same {
			return tip
		}
		if time.Now().After(deadline) {
			var b strings.Builder
			for _, n := range nodes {
				t := n.Chain().Tip()
				fmt.Fprintf(&b, "\n  %s: height %d tip %s", n.Name, t.Height, t.ID.Short())
				if n.Host != nil {
					fmt.Fprintf(&b, " peers %d sync %+v", len(n.Host.LibP2P().Network().Peers()), n.Host.SyncStatus())
				}
			}
			h.t.Fatalf("harness: nodes did not reach a common tip within %s:%s", timeout, b.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}
