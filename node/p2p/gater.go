package p2p

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/libp2p/go-libp2p/core/control"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	ma "github.com/multiformats/go-multiaddr"
)

// gater refuses connections to and from banned peers, and to peers the
// optional filter (SetPeerFilter) rejects.
type gater struct {
	bans   *banList
	filter atomic.Pointer[func(peer.ID) bool]
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
func (g *gater) InterceptAccept(network.ConnMultiaddrs) bool      { return true }
func (g *gater) InterceptSecured(_ network.Direction, p peer.ID, _ network.ConnMultiaddrs) bool {
	return g.allow(p)
}
func (g *gater) InterceptUpgraded(network.Conn) (bool, control.DisconnectReason) { return true, 0 }

// bucket is a token bucket: rate tokens a second up to burst.
type bucket struct {
	tokens float64
	last   time.Time
}

// limiter keeps one bucket per peer. Safe for concurrent use.
type limiter struct {
	rate, burst float64
	now         func() time.Time
	mu          sync.Mutex
	m           map[peer.ID]*bucket
}

func newLimiter(rate, burst float64) *limiter {
	return &limiter{rate: rate, burst: burst, now: time.Now, m: map[peer.ID]*bucket{}}
}

// take spends cost tokens of p's bucket and reports whether it had them.
func (l *limiter) take(p peer.ID, cost float64) bool {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.m[p]
	if b == nil {
		b = &bucket{tokens: l.burst, last: now}
		l.m[p] = b
	}
	b.tokens = min(l.burst, b.tokens+now.Sub(b.last).Seconds()*l.rate)
	b.last = now
	if b.tokens < cost {
		return false
	}
	b.tokens -= cost
	return true
}

// prune drops buckets idle for longer than age (they would be full again
// by now anyway, for any age over burst/rate).
func (l *limiter) prune(age time.Duration) {
	now := l.now()
	l.mu.Lock()
	for p, b := range l.m {
		if now.Sub(b.last) > age {
			delete(l.m, p)
		}
	}
	l.mu.Unlock()
}
