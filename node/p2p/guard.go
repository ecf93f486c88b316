package p2p

import (
	"time"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	ma "github.com/multiformats/go-multiaddr"
)

// guard is the host's defences: bans (persisted in batches, bans.go), the
// connection gater and per-subnet limits (gater.go), per-peer request
// rates, the allowance for useless objects, and scores (kept in the peer
// book). Each of its parts has its own lock; the guard adds no state of
// its own, so any goroutine may call it. It reaches the host only to drop
// and blacklist a peer it bans.
type guard struct {
	x       *Host
	bans    *banList
	gate    *gater
	book    *peerBook
	limit   *limiter // sync and proof requests per peer
	useless *limiter // allowance for orphans and inapplicable txs
	banFor  time.Duration
}

func newGuard(x *Host, bans *banList, book *peerBook, cfg Config) *guard {
	return &guard{x: x, bans: bans, gate: &gater{bans: bans, trustLoopback: cfg.TrustLoopback}, book: book,
		limit: newLimiter(cfg.SyncRate, cfg.SyncBurst), useless: newLimiter(uselessRate, uselessBurst), banFor: cfg.BanDuration}
}

// ban records the ban and drops every connection to id.
func (g *guard) ban(id peer.ID, d time.Duration, reason string) {
	x := g.x
	if id == x.h.ID() {
		return
	}
	if d <= 0 {
		d = g.banFor
	}
	info := g.bans.add(id, d, reason)
	var addrs []ma.Multiaddr
	for _, c := range x.h.Network().ConnsToPeer(id) {
		addrs = append(addrs, c.RemoteMultiaddr())
	}
	g.gate.noteBan(id, info.Until, addrs)
	x.counters.bans.Add(1)
	x.log.Warn("peer banned", "peer", id, "for", d, "reason", reason)
	if ps := x.gossip.ps; ps != nil {
		go ps.BlacklistPeer(id)
	}
	x.h.Network().ClosePeer(id)
}

// unban lifts a ban.
func (g *guard) unban(id peer.ID) error {
	_, err := g.bans.remove(id)
	g.gate.noteUnban(id)
	return err
}

// penalize lowers id's score; at banScore the peer is banned.
func (g *guard) penalize(id peer.ID, points int, reason string) {
	if g.book.penalize(id, points) <= banScore {
		g.ban(id, 0, "score too low: "+reason)
	}
}

// reward raises id's score for a useful object.
func (g *guard) reward(id peer.ID) { g.book.reward(id) }

// chargeUseless counts a well-formed object that did this node no good (an
// orphan block, a transaction that does not apply). An honest peer sends a
// few of these now and then — an orphan per block while this node is
// behind — so each peer has a free allowance (uselessRate a second, burst
// uselessBurst); past it, each costs a point.
func (g *guard) chargeUseless(from peer.ID, what string) { g.chargeUselessN(from, 1, what) }

// chargeUselessN charges cost tokens of the allowance; what the allowance
// does not cover costs a point per token.
func (g *guard) chargeUselessN(from peer.ID, cost int, what string) {
	if !g.useless.take(from, float64(cost)) {
		g.penalize(from, penaltyUseless*cost, what)
	}
}

// takeRequest spends cost of the request units of p and of its subnet
// (the remote address of conn); both must have them.
func (g *guard) takeRequest(p peer.ID, conn network.Conn, cost float64) int {
	if !g.limit.take(p, cost) {
		return requestOverPeer
	}
	if sn := subnetOf(conn.RemoteMultiaddr()); sn != "" && !g.gate.sub().requests.takeKey(sn, cost) {
		return requestOverSubnet
	}
	return requestOK
}

// chargeRequest charges p and its subnet for work done while serving.
func (g *guard) chargeRequest(p peer.ID, conn network.Conn, cost float64) {
	g.limit.charge(string(p), cost)
	if sn := subnetOf(conn.RemoteMultiaddr()); sn != "" {
		g.gate.sub().requests.charge(sn, cost)
	}
}

// prune forgets the rate buckets of peers idle for age.
func (g *guard) prune(age time.Duration) {
	g.limit.prune(age)
	g.useless.prune(age)
}
