package p2p

import (
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/libp2p/go-libp2p/core/control"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	ma "github.com/multiformats/go-multiaddr"
	manet "github.com/multiformats/go-multiaddr/net"
)

// Limits per subnet (an IPv4 /24, an IPv6 /48): what a fresh identity
// cannot reset, since making one costs nothing but a new address does.
// Loopback counts like any other subnet, except for the ban count when
// Config.TrustLoopback is set (devnets).
const (
	maxBansPerSubnet    = 8     // peers banned at once from one subnet: then its new connections are refused
	subnetAcceptRate    = 2     // new inbound connections per second per subnet
	subnetAcceptBurst   = 64    // (libp2p's resource manager also caps concurrent ones per IP, loopback aside)
	subnetRequestFactor = 4     // a subnet's request bucket holds this many peers' worth
	blockBytesPerUnit   = 16384 // a served block costs a request unit per this many bytes
	defaultSyncRate     = 500   // Config.SyncRate's default
	defaultSyncBurst    = 1000  // Config.SyncBurst's default
)

// Outcomes of takeRequest.
const (
	requestOK         = iota
	requestOverPeer   // the peer is over its own rate: it pays points
	requestOverSubnet // its subnet is: refused, but it may be another's doing
)

// gater refuses connections to and from banned peers, and to peers the
// optional filter (SetPeerFilter) rejects; new inbound connections from a
// subnet are rate limited, and refused while maxBansPerSubnet of its peers
// are banned.
type gater struct {
	bans          *banList
	filter        atomic.Pointer[func(peer.ID) bool]
	trustLoopback bool // loopback is not refused for its subnet's bans

	once sync.Once
	subs *subnets
}

// subnets is what the gater and the request limits keep per subnet.
type subnets struct {
	accept   *limiter // new inbound connections
	requests *limiter // sync and proof requests, with the peers' own buckets
	mu       sync.Mutex
	banned   map[string]map[peer.ID]time.Time // subnet → its banned peers, until
}

func (g *gater) sub() *subnets {
	g.once.Do(func() {
		g.subs = &subnets{accept: newLimiter(subnetAcceptRate, subnetAcceptBurst),
			requests: newLimiter(subnetRequestFactor*defaultSyncRate, subnetRequestFactor*defaultSyncBurst),
			banned:   map[string]map[peer.ID]time.Time{}}
	})
	return g.subs
}

func (g *gater) allow(p peer.ID) bool {
	if _, banned := g.bans.banned(p); banned {
		return false
	}
	if f := g.filter.Load(); f != nil && !(*f)(p) {
		return false
	}
	return true
}

func (g *gater) InterceptPeerDial(p peer.ID) bool                 { return g.allow(p) }
func (g *gater) InterceptAddrDial(p peer.ID, _ ma.Multiaddr) bool { return g.allow(p) }

// InterceptAccept refuses a new inbound connection from a subnet with too
// many peers banned, or over its connection rate, before any handshake.
func (g *gater) InterceptAccept(c network.ConnMultiaddrs) bool {
	sn := subnetOf(c.RemoteMultiaddr())
	if sn == "" {
		return true
	}
	s := g.sub()
	if !(g.trustLoopback && manet.IsIPLoopback(c.RemoteMultiaddr())) && s.bannedCount(sn, g.bans.now()) >= maxBansPerSubnet {
		return false
	}
	return s.accept.takeKey(sn, 1)
}

func (g *gater) InterceptSecured(_ network.Direction, p peer.ID, _ network.ConnMultiaddrs) bool {
	return g.allow(p)
}
func (g *gater) InterceptUpgraded(network.Conn) (bool, control.DisconnectReason) { return true, 0 }

// noteBan records that p, seen at addrs, is banned until until.
func (g *gater) noteBan(p peer.ID, until time.Time, addrs []ma.Multiaddr) {
	s := g.sub()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, a := range addrs {
		sn := subnetOf(a)
		if sn == "" {
			continue
		}
		if s.banned[sn] == nil {
			s.banned[sn] = map[peer.ID]time.Time{}
		}
		s.banned[sn][p] = until
	}
}

// noteUnban forgets p's ban.
func (g *gater) noteUnban(p peer.ID) {
	s := g.sub()
	s.mu.Lock()
	defer s.mu.Unlock()
	for sn, m := range s.banned {
		delete(m, p)
		if len(m) == 0 {
			delete(s.banned, sn)
		}
	}
}

// bannedCount returns how many of sn's peers are banned at now (and drops
// expired ones).
func (s *subnets) bannedCount(sn string, now time.Time) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.banned[sn]
	for p, until := range m {
		if !until.After(now) {
			delete(m, p)
		}
	}
	if len(m) == 0 {
		delete(s.banned, sn)
	}
	return len(m)
}

// subnetOf returns the subnet of a multiaddr's IP ("" for none): the /24 of
// an IPv4 address, the /48 of an IPv6 one.
func subnetOf(a ma.Multiaddr) string {
	if a == nil {
		return ""
	}
	ip, err := manet.ToIP(a)
	if err != nil || ip == nil {
		return ""
	}
	if v4 := ip.To4(); v4 != nil {
		return (&net.IPNet{IP: v4.Mask(net.CIDRMask(24, 32)), Mask: net.CIDRMask(24, 32)}).String()
	}
	return (&net.IPNet{IP: ip.Mask(net.CIDRMask(48, 128)), Mask: net.CIDRMask(48, 128)}).String()
}

// bucket is a token bucket: rate tokens a second up to burst.
type bucket struct {
	tokens float64
	last   time.Time
}

// limiter keeps one bucket per key (a peer id, a subnet). Safe for
// concurrent use.
type limiter struct {
	rate, burst float64
	now         func() time.Time
	mu          sync.Mutex
	m           map[string]*bucket
}

func newLimiter(rate, burst float64) *limiter {
	return &limiter{rate: rate, burst: burst, now: time.Now, m: map[string]*bucket{}}
}

// take spends cost tokens of p's bucket and reports whether it had them.
func (l *limiter) take(p peer.ID, cost float64) bool { return l.takeKey(string(p), cost) }

// takeKey is take for any key.
func (l *limiter) takeKey(k string, cost float64) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.refill(k)
	if b.tokens < cost {
		return false
	}
	b.tokens -= cost
	return true
}

// charge spends cost tokens of k's bucket even if that leaves it in debt:
// work found to be costly only while it is done (the bytes of a reply) is
// paid for by the requests that follow.
func (l *limiter) charge(k string, cost float64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.refill(k).tokens -= cost
}

func (l *limiter) refill(k string) *bucket {
	now := l.now()
	b := l.m[k]
	if b == nil {
		b = &bucket{tokens: l.burst, last: now}
		l.m[k] = b
	}
	b.tokens = min(l.burst, b.tokens+now.Sub(b.last).Seconds()*l.rate)
	b.last = now
	return b
}

// prune drops buckets idle for longer than age (they would be full again
// by now anyway, for any age over burst/rate). A bucket in debt is kept
// until it is out of it.
func (l *limiter) prune(age time.Duration) {
	now := l.now()
	l.mu.Lock()
	for k, b := range l.m {
		if now.Sub(b.last) > age && b.tokens+now.Sub(b.last).Seconds()*l.rate >= l.burst {
			delete(l.m, k)
		}
	}
	l.mu.Unlock()
}

// knownAt reports whether one of ai's addresses is one its peer is known
// at: the remote end of a connection to it, or an address it announced.
func (x *Host) knownAt(ai *peer.AddrInfo) bool {
	known := x.h.Peerstore().Addrs(ai.ID)
	for _, c := range x.h.Network().ConnsToPeer(ai.ID) {
		known = append(known, c.RemoteMultiaddr())
	}
	for _, a := range ai.Addrs {
		for _, k := range known {
			if a.Equal(k) {
				return true
			}
		}
	}
	return false
}
