package p2p

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bitverse/bitverse/node"
	"github.com/bitverse/bitverse/node/store"
	"github.com/bitverse/bitverse/node/wire"
	"github.com/libp2p/go-libp2p"
	dht "github.com/libp2p/go-libp2p-kad-dht"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/metrics"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"
	"github.com/libp2p/go-libp2p/p2p/discovery/mdns"
	rcmgr "github.com/libp2p/go-libp2p/p2p/host/resource-manager"
	"github.com/libp2p/go-libp2p/p2p/net/connmgr"
	quic "github.com/libp2p/go-libp2p/p2p/transport/quic"
	"github.com/libp2p/go-libp2p/p2p/transport/tcp"
	"go.etcd.io/bbolt"
)

// Protocol names for a network (see docs/PROTOCOL.md §12). Version 2 of
// sync and status carries chain ids: requests name the chain they are
// about, and a status lists the branch chains its sender stores.
func TopicBlocks(net wire.Network) string { return "/bitverse/" + net.Name + "/blocks/1" }
func TopicTxs(net wire.Network) string    { return "/bitverse/" + net.Name + "/txs/1" }
func ProtoSync(net wire.Network) protocol.ID {
	return protocol.ID("/bitverse/" + net.Name + "/sync/2")
}
func ProtoStatus(net wire.Network) protocol.ID {
	return protocol.ID("/bitverse/" + net.Name + "/status/3")
}

// DHTPrefix is the Kademlia protocol prefix (/bitverse/kad/1.0.0).
const DHTPrefix = "/bitverse"

// Scores: a peer starts at 0, gains a point per useful object (up to
// maxScore) and loses points for wasting this node's time; at banScore it
// is banned. Sending anything invalid bans at once.
const (
	maxScore       = 100
	banScore       = -100
	penaltyRate    = 2  // a request over the rate limit
	penaltyStale   = 25 // a block that failed only when connected
	penaltyUseless = 1  // an orphan block, a transaction that does not apply
	minPeersDial   = 8  // below this many peers, dial known and bootstrap peers
	maxKnownPeers  = 256
	maxPeerStates  = 4096 // remembered scores of peers, connected or not
	uselessRate    = 5    // free orphans and inapplicable txs per second per peer
	uselessBurst   = 100
)

// Host is a node's presence on the network: a libp2p host with gossip,
// sync, discovery and defences. Start it once; Close is idempotent. It
// assembles the parts below, each with one owner (see the package doc),
// and keeps the exported API; what it holds itself is set in New and
// Start and only read afterwards.
type Host struct {
	cfg        Config
	node       Node
	peerDB     *bbolt.DB // PeersFile: known addresses and bans
	unannounce func()    // cancels the OnAccepted subscription
	log        *slog.Logger
	net        wire.Network
	genesis    wire.Hash
	h          host.Host
	dht        *dht.IpfsDHT
	mdns       mdns.Service

	book     *peerBook   // peer store: statuses and scores (peerbook.go)
	guard    *guard      // bans, gating, rate limits, scores (guard.go)
	conns    *conns      // connection events, status refresh, redial, discovery (conns.go)
	gossip   *gossip     // topic validators, announcers, publisher (gossip.go)
	services *services   // request handlers: status, sync, proofs (server.go)
	syncer   *syncer     // the sync loop (sync.go)
	deps     *depFetcher // blocks held blocks wait for (deps.go)
	reads    reads       // proof protocol: source, liars, good providers (proof.go, verified.go)
	counters counters
	bytes    *metrics.BandwidthCounter

	providedMu sync.Mutex
	provided   []func() []wire.Hash // Provide: keys announced every round
	provideNow chan wire.Hash       // ProvideNow: keys announced soon

	ctx      context.Context
	cancel   context.CancelFunc
	wg       sync.WaitGroup
	started  atomic.Bool
	closed   atomic.Bool
	closeMu  sync.Mutex
	spawnMu  sync.Mutex // orders spawn's wg.Add before Close's wg.Wait
	stopping bool       // Close has begun: spawn starts nothing (guarded by spawnMu)
}

// New creates the libp2p host (listening, with the identity from the data
// directory, the resource and connection managers and the ban gater) for n.
// Call Start to join the network.
func New(cfg Config, n Node) (x *Host, err error) {
	if cfg.DataDir == "" {
		return nil, errors.New("p2p: no data directory for the identity key and the peer store")
	}
	cfg.applyDefaults()
	listen, err := ParseListen(cfg.Listen)
	if err != nil {
		return nil, err
	}
	key, _, err := LoadIdentity(cfg.DataDir)
	if err != nil {
		return nil, err
	}
	peerDB, err := store.OpenBuckets(filepath.Join(cfg.DataDir, PeersFile), store.Peers)
	if err != nil {
		return nil, fmt.Errorf("peer store: %w", err)
	}
	defer func() {
		if err != nil {
			peerDB.Close()
		}
	}()
	bans, err := loadBans(peerDB, time.Now)
	if err != nil {
		return nil, fmt.Errorf("load bans: %w", err)
	}
	gen, err := n.Chain().IDAt(0)
	if err != nil {
		return nil, err
	}
	x = &Host{cfg: cfg, node: n, peerDB: peerDB, log: cfg.Log, net: n.Params().Net, genesis: gen, book: newPeerBook(),
		provideNow: make(chan wire.Hash, provideQueue)}
	x.gossip = newGossip(x)
	x.conns = &conns{x: x}
	x.services = &services{x: x}
	x.guard = newGuard(x, bans, x.book, cfg)

	limits := rcmgr.DefaultLimits
	libp2p.SetDefaultServiceLimits(&limits)
	limits.AddProtocolPeerLimit(ProtoSync(x.net),
		rcmgr.BaseLimit{StreamsInbound: 8, StreamsOutbound: 16, Streams: 24, Memory: 64 << 20}, rcmgr.BaseLimitIncrease{})
	limits.AddProtocolPeerLimit(ProtoStatus(x.net),
		rcmgr.BaseLimit{StreamsInbound: 2, StreamsOutbound: 2, Streams: 4, Memory: 1 << 20}, rcmgr.BaseLimitIncrease{})
	limits.AddProtocolPeerLimit(ProtoProof(x.net),
		rcmgr.BaseLimit{StreamsInbound: 8, StreamsOutbound: 8, Streams: 16, Memory: 4 << 20}, rcmgr.BaseLimitIncrease{})
	rm, err := rcmgr.NewResourceManager(rcmgr.NewFixedLimiter(limits.AutoScale()), rcmgr.WithMetricsDisabled())
	if err != nil {
		return nil, fmt.Errorf("resource manager: %w", err)
	}
	cm, err := connmgr.NewConnManager(cfg.MaxPeers*3/4, cfg.MaxPeers, connmgr.WithGracePeriod(time.Minute))
	if err != nil {
		return nil, fmt.Errorf("connection manager: %w", err)
	}
	// Bytes in and out of every stream (Stats): what syncing costs, as a
	// figure an operator and the benchmarks read.
	x.bytes = metrics.NewBandwidthCounter()
	h, err := libp2p.New(
		libp2p.BandwidthReporter(x.bytes),
		libp2p.Identity(key),
		libp2p.ListenAddrStrings(listen...),
		libp2p.Transport(tcp.NewTCPTransport),
		libp2p.Transport(quic.NewTransport),
		libp2p.ResourceManager(rm),
		libp2p.ConnectionManager(cm),
		libp2p.ConnectionGater(x.guard.gate),
		libp2p.UserAgent("bitverse/"+x.net.Name),
		libp2p.DisableMetrics(),
		libp2p.DisableRelay(),
	)
	if err != nil {
		return nil, fmt.Errorf("start p2p host on %v: %w", listen, err)
	}
	x.h = h
	x.syncer = newSyncer(x)
	x.deps = newDepFetcher(x)
	return x, nil
}

// ID returns the host's peer id.
func (x *Host) ID() peer.ID { return x.h.ID() }

// LibP2P returns the underlying libp2p host (for tests and tools).
func (x *Host) LibP2P() host.Host { return x.h }

// DHT returns the Kademlia DHT (nil before Start or with DisableDHT), for
// protocols that look up who stores what (branches, blobs).
func (x *Host) DHT() *dht.IpfsDHT { return x.dht }

// Addrs returns the host's dialable addresses, each ending in /p2p/<id>.
func (x *Host) Addrs() []string {
	var out []string
	for _, a := range x.h.Addrs() {
		out = append(out, a.String()+"/p2p/"+x.h.ID().String())
	}
	return out
}

// Start joins the gossip topics, serves the status and sync protocols,
// starts discovery and the sync loop, and dials the bootstrap and known
// peers. It also makes the node announce what it accepts.
func (x *Host) Start() error {
	if !x.started.CompareAndSwap(false, true) {
		return nil
	}
	if x.closed.Load() {
		return ErrClosed
	}
	x.ctx, x.cancel = context.WithCancel(context.Background())
	if err := x.gossip.start(); err != nil {
		return err
	}
	x.h.SetStreamHandler(ProtoStatus(x.net), x.services.handleStatus)
	x.h.SetStreamHandler(ProtoSync(x.net), x.services.handleSync)
	x.h.SetStreamHandler(ProtoProof(x.net), x.services.handleProof)
	x.h.Network().Notify(&network.NotifyBundle{
		ConnectedF:    func(_ network.Network, c network.Conn) { x.conns.onConnected(c) },
		DisconnectedF: func(_ network.Network, c network.Conn) { x.conns.onDisconnected(c.RemotePeer()) },
	})
	if !x.cfg.DisableDHT {
		var boot []peer.AddrInfo
		for _, s := range x.cfg.Bootstrap {
			if ai, err := peer.AddrInfoFromString(s); err == nil {
				boot = append(boot, *ai)
			}
		}
		d, err := dht.New(x.h, dht.Mode(dht.ModeServer), dht.ProtocolPrefix(DHTPrefix), dht.BootstrapPeers(boot...))
		if err != nil {
			return fmt.Errorf("start DHT: %w", err)
		}
		x.dht = d
	}
	if !x.cfg.DisableMDNS {
		x.mdns = mdns.NewMdnsService(x.h, "bitverse-"+x.net.Name, mdnsNotifee{x})
		if err := x.mdns.Start(); err != nil {
			x.log.Warn("mDNS discovery unavailable", "err", err)
			x.mdns = nil
		}
	}
	x.unannounce = x.node.OnAccepted(x.gossip.announceBlock, x.gossip.announceTx)
	x.wg.Add(4)
	go x.gossip.publishLoop()
	go x.syncer.run(x.ctx)
	go x.conns.maintain()
	go x.watchReorgs()
	if x.dht != nil {
		x.wg.Add(1)
		go x.provideChains()
	}
	x.log.Info("p2p started", "id", x.h.ID(), "addrs", x.Addrs())
	return nil
}

// Close leaves the network and closes the host. Idempotent.
func (x *Host) Close() error {
	x.closeMu.Lock()
	defer x.closeMu.Unlock()
	if !x.closed.CompareAndSwap(false, true) {
		return nil
	}
	if x.started.Load() {
		x.unannounce()
		x.cancel()
		x.spawnMu.Lock()
		x.stopping = true
		x.spawnMu.Unlock()
		x.wg.Wait()
		if x.mdns != nil {
			x.mdns.Close()
		}
		if x.dht != nil {
			x.dht.Close()
		}
	}
	err := x.h.Close()
	if ferr := x.guard.bans.flush(); ferr != nil {
		x.log.Error("persist bans", "err", ferr)
	}
	x.peerCount(0)
	if cerr := x.peerDB.Close(); err == nil {
		err = cerr
	}
	return err
}

// spawn runs f on a goroutine Close waits for, unless Close has begun.
// libp2p calls us (stream handlers, connection events, gossip validators)
// on goroutines of its own at any time, and a WaitGroup must not grow from
// zero while Close waits on it.
func (x *Host) spawn(f func()) {
	x.spawnMu.Lock()
	defer x.spawnMu.Unlock()
	if x.stopping {
		return
	}
	x.wg.Add(1)
	go func() {
		defer x.wg.Done()
		f()
	}()
}

// AddPeer connects to addr (a multiaddr ending in /p2p/<id>) and remembers
// it, so the node dials it again after a restart.
func (x *Host) AddPeer(ctx context.Context, addr string) error {
	ai, err := peer.AddrInfoFromString(addr)
	if err != nil {
		return fmt.Errorf("%w: %q must be a multiaddr ending in /p2p/<peer id>: %v", ErrBadAddr, addr, err)
	}
	if ai.ID == x.h.ID() {
		return ErrSelf
	}
	if info, banned := x.guard.bans.banned(ai.ID); banned {
		return fmt.Errorf("%w until %s (%s): unban it first", ErrBanned, info.Until.Format(time.RFC3339), info.Reason)
	}
	if x.h.Network().Connectedness(ai.ID) == network.Connected && !x.knownAt(ai) {
		// Connect would return at once on the existing connection without
		// trying the address given: say so rather than "connected".
		return fmt.Errorf("%w: already connected to %s, but not at %s (it is reachable at %s); check the address",
			ErrBadAddr, ai.ID, ai.Addrs, x.h.Peerstore().Addrs(ai.ID))
	}
	if err := x.h.Connect(ctx, *ai); err != nil {
		return fmt.Errorf("connect to %s: %w", ai.ID, err)
	}
	var addrs []string
	for _, a := range ai.Addrs {
		addrs = append(addrs, a.String())
	}
	return rememberAddrs(x.peerDB, ai.ID, addrs, maxKnownPeers)
}

// Ban disconnects id and refuses it for d (Config.BanDuration if d <= 0).
// The ban survives restarts.
func (x *Host) Ban(id string, d time.Duration) error {
	pid, err := peer.Decode(id)
	if err != nil {
		return fmt.Errorf("%w: %q: %v", ErrBadPeerID, id, err)
	}
	x.guard.ban(pid, d, "banned by the operator")
	return nil
}

// Unban lifts a ban.
func (x *Host) Unban(id string) error {
	pid, err := peer.Decode(id)
	if err != nil {
		return fmt.Errorf("%w: %q: %v", ErrBadPeerID, id, err)
	}
	return x.guard.unban(pid)
}

// Bans lists the bans in force.
func (x *Host) Bans() []BanInfo { return x.guard.bans.list() }

// Banned reports whether id is banned.
func (x *Host) Banned(id peer.ID) bool { _, ok := x.guard.bans.banned(id); return ok }

// SetPeerFilter restricts the host to peers for which allow returns true
// (nil: no restriction) and drops current connections to the others. The
// test harness uses it to partition a network.
func (x *Host) SetPeerFilter(allow func(peer.ID) bool) {
	if allow == nil {
		x.guard.gate.filter.Store(nil)
		return
	}
	x.guard.gate.filter.Store(&allow)
	for _, p := range x.h.Network().Peers() {
		if !allow(p) {
			x.h.Network().ClosePeer(p)
		}
	}
}

// PeerInfo describes a peer for `bitverse peers` (node.PeerInfo, so the
// local API carries it without knowing this package).
type PeerInfo = node.PeerInfo

// Peers lists connected peers (by id), then banned ones.
func (x *Host) Peers() []PeerInfo {
	var out []PeerInfo
	for _, p := range x.h.Network().Peers() {
		pi := PeerInfo{ID: p.String(), Connected: true, LatencyMS: float64(x.h.Peerstore().LatencyEWMA(p).Microseconds()) / 1000}
		for _, a := range x.h.Peerstore().Addrs(p) {
			pi.Addrs = append(pi.Addrs, a.String())
		}
		sort.Strings(pi.Addrs)
		if cs := x.h.Network().ConnsToPeer(p); len(cs) > 0 {
			switch cs[0].Stat().Direction {
			case network.DirInbound:
				pi.Direction = "inbound"
			case network.DirOutbound:
				pi.Direction = "outbound"
			}
		}
		if v, err := x.h.Peerstore().Get(p, "AgentVersion"); err == nil {
			pi.Agent, _ = v.(string)
		}
		if ps, ok := x.book.lookup(p); ok {
			pi.Score = ps.score
			if ps.status != nil {
				pi.Height, pi.Tip = ps.status.Height, ps.status.Tip
			}
		}
		out = append(out, pi)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	for _, b := range x.guard.bans.list() {
		out = append(out, PeerInfo{ID: b.ID, Banned: true, BannedUntil: b.Until, BanReason: b.Reason, Score: banScore})
	}
	return out
}

// SyncStatus returns the sync progress (the same figures node.Status shows).
func (x *Host) SyncStatus() node.Sync { return x.syncer.progress() }

// Stats are counters for tests and diagnostics.
type Stats struct {
	GossipAccepted uint64 // blocks and txs accepted from gossip
	GossipIgnored  uint64 // known, orphan or not checkable yet
	GossipRejected uint64 // invalid (the sender was penalised or banned)
	Bans           uint64 // bans issued since start
	SyncedBlocks   uint64 // blocks connected by sync
	FetchedDeps    uint64 // missing parents, anchors and checkpointed blocks fetched by id
	BytesIn        int64  // stream bytes received from peers since start (every protocol; totalled once a second)
	BytesOut       int64  // stream bytes sent (likewise)
	SyncedClaimed  uint64 // blocks of headers-only chains synced as header, coinbase and Merkle branch
	GossipClaims   uint64 // blocks of headers-only chains taken from claims gossip
	FetchedClaims  uint64 // blocks of headers-only chains fetched by id as claims, for a held block or a claim that named them (also in FetchedDeps)
}

type counters struct {
	accepted, ignored, rejected, bans, synced atomic.Uint64
	claimed, gossipClaims, fetchedClaims      atomic.Uint64
}

// Stats returns the counters.
func (x *Host) Stats() Stats {
	return Stats{GossipAccepted: x.counters.accepted.Load(), GossipIgnored: x.counters.ignored.Load(),
		GossipRejected: x.counters.rejected.Load(), Bans: x.counters.bans.Load(), SyncedBlocks: x.counters.synced.Load(),
		FetchedDeps: x.deps.fetchedCount(), BytesIn: x.bytes.GetBandwidthTotals().TotalIn, BytesOut: x.bytes.GetBandwidthTotals().TotalOut,
		SyncedClaimed: x.counters.claimed.Load(), GossipClaims: x.counters.gossipClaims.Load(),
		FetchedClaims: x.counters.fetchedClaims.Load()}
}
