package p2p

import (
	"context"
	"errors"
	"time"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	drouting "github.com/libp2p/go-libp2p/p2p/discovery/routing"
	dutil "github.com/libp2p/go-libp2p/p2p/discovery/util"
	ma "github.com/multiformats/go-multiaddr"
)

// conns is connection management: it reacts to connections opening and
// closing (peer book entries, the peer count, the status handshake the
// dialer starts), and its goroutine maintain refreshes every peer's
// status, redials remembered and bootstrap peers when there are too few,
// and starts DHT discovery. Peers found on the LAN (mDNS) are dialled too.
// It keeps no state of its own: what it learns goes to the peer book and
// to the known addresses in the peer store file.
type conns struct{ x *Host }

// mdnsNotifee dials peers found on the LAN.
type mdnsNotifee struct{ x *Host }

func (m mdnsNotifee) HandlePeerFound(ai peer.AddrInfo) {
	if ai.ID == m.x.h.ID() || m.x.h.Network().Connectedness(ai.ID) == network.Connected {
		return
	}
	go func() {
		ctx, cancel := context.WithTimeout(m.x.ctx, 10*time.Second)
		defer cancel()
		if err := m.x.h.Connect(ctx, ai); err == nil {
			m.x.log.Info("peer found on LAN", "peer", ai.ID)
		}
	}()
}

func (c *conns) onConnected(conn network.Conn) {
	x := c.x
	p := conn.RemotePeer()
	x.book.connected(p)
	if len(x.h.Network().ConnsToPeer(p)) <= 1 {
		x.book.resetOffer(p) // a new connection: offer the pools again
	}
	x.peerCount(len(x.h.Network().Peers()))
	if conn.Stat().Direction != network.DirOutbound || x.ctx == nil {
		return // the dialer starts the handshake; the other side answers it
	}
	x.spawn(func() { c.handshake(p) })
}

// handshake exchanges status with a new peer and remembers its addresses;
// recording the status offers it our pending transactions (offerPools).
// It tries again, backing off, while the peer stays connected: a loaded
// peer can miss one attempt's deadline, and nothing else asks before the
// next maintain round (SyncInterval), so a peer left without status would
// be neither synced from nor offered anything until then.
func (c *conns) handshake(p peer.ID) {
	x := c.x
	ctx, cancel := context.WithTimeout(x.ctx, handshakeTimeout)
	defer cancel()
	var err error
	for backoff := 200 * time.Millisecond; ; backoff = min(2*backoff, 5*time.Second) {
		if _, _, err = x.ExchangeStatus(ctx, p); err == nil || errors.Is(err, ErrWrongNetwork) || errors.Is(err, ErrProtocol) {
			break
		}
		if x.h.Network().Connectedness(p) != network.Connected {
			return
		}
		select {
		case <-ctx.Done():
			x.log.Debug("status handshake failed", "peer", p, "err", err)
			return
		case <-time.After(backoff):
		}
	}
	if err != nil {
		x.log.Debug("status handshake failed", "peer", p, "err", err)
		return
	}
	var addrs []string
	for _, a := range x.h.Peerstore().Addrs(p) {
		if isDialable(a) {
			addrs = append(addrs, a.String())
		}
	}
	rememberAddrs(x.peerDB, p, addrs, maxKnownPeers)
}

func isDialable(a ma.Multiaddr) bool {
	_, err := a.ValueForProtocol(ma.P_TCP)
	if err == nil {
		return true
	}
	_, err = a.ValueForProtocol(ma.P_QUIC_V1)
	return err == nil
}

func (c *conns) onDisconnected(p peer.ID) {
	x := c.x
	if x.h.Network().Connectedness(p) == network.Connected {
		return
	}
	x.book.disconnected(p, func(id peer.ID) bool { return x.h.Network().Connectedness(id) == network.Connected })
	x.peerCount(len(x.h.Network().Peers()))
}

// maintain refreshes peer status (and so latency and sync triggers), keeps
// enough peers connected and looks for more through the DHT.
func (c *conns) maintain() {
	x := c.x
	defer x.wg.Done()
	c.dialKnown()
	t := time.NewTicker(x.cfg.SyncInterval)
	defer t.Stop()
	var rounds int
	if x.dht != nil {
		x.wg.Add(1)
		go c.discoverDHT()
	}
	for {
		select {
		case <-x.ctx.Done():
			return
		case <-t.C:
		}
		rounds++
		x.guard.prune(time.Minute)
		for _, p := range x.h.Network().Peers() {
			x.wg.Add(1)
			go func() {
				defer x.wg.Done()
				ctx, cancel := context.WithTimeout(x.ctx, 10*time.Second)
				defer cancel()
				x.ExchangeStatus(ctx, p)
			}()
		}
		if len(x.h.Network().Peers()) < minPeersDial && rounds%3 == 0 {
			c.dialKnown()
		}
	}
}

// dialKnown dials the bootstrap list and remembered peers that are not
// connected, in the background.
func (c *conns) dialKnown() {
	x := c.x
	var infos []peer.AddrInfo
	for _, s := range x.cfg.Bootstrap {
		ai, err := peer.AddrInfoFromString(s)
		if err != nil {
			x.log.Warn("bad bootstrap address", "addr", s, "err", err)
			continue
		}
		x.h.ConnManager().Protect(ai.ID, "bootstrap")
		infos = append(infos, *ai)
	}
	for id, addrs := range knownAddrs(x.peerDB) {
		ai := peer.AddrInfo{ID: id}
		for _, s := range addrs {
			if a, err := ma.NewMultiaddr(s); err == nil {
				ai.Addrs = append(ai.Addrs, a)
			}
		}
		infos = append(infos, ai)
	}
	for _, ai := range infos {
		if ai.ID == x.h.ID() || x.h.Network().Connectedness(ai.ID) == network.Connected || !x.guard.gate.allow(ai.ID) {
			continue
		}
		x.wg.Add(1)
		go func() {
			defer x.wg.Done()
			ctx, cancel := context.WithTimeout(x.ctx, 10*time.Second)
			defer cancel()
			if err := x.h.Connect(ctx, ai); err != nil {
				x.log.Debug("dial failed", "peer", ai.ID, "err", err)
			}
		}()
	}
}

// discoverDHT advertises this node under the network's rendezvous key and,
// while it has fewer than minPeersDial peers, dials the others found there.
func (c *conns) discoverDHT() {
	x := c.x
	defer x.wg.Done()
	rd := drouting.NewRoutingDiscovery(x.dht)
	ns := rendezvous(x.net)
	wait := time.Second
	advertised := false
	for {
		select {
		case <-x.ctx.Done():
			return
		case <-time.After(wait):
		}
		wait = 30 * time.Second
		if len(x.h.Network().Peers()) == 0 {
			wait = 3 * time.Second
			continue
		}
		if !advertised {
			dutil.Advertise(x.ctx, rd, ns)
			advertised = true
		}
		if len(x.h.Network().Peers()) >= minPeersDial {
			continue
		}
		ctx, cancel := context.WithTimeout(x.ctx, 20*time.Second)
		found, err := dutil.FindPeers(ctx, rd, ns)
		cancel()
		if err != nil {
			x.log.Debug("DHT discovery", "err", err)
			wait = 5 * time.Second
			continue
		}
		for _, ai := range found {
			if ai.ID == x.h.ID() || len(ai.Addrs) == 0 || x.h.Network().Connectedness(ai.ID) == network.Connected || !x.guard.gate.allow(ai.ID) {
				continue
			}
			x.wg.Add(1)
			go func(ai peer.AddrInfo) {
				defer x.wg.Done()
				ctx, cancel := context.WithTimeout(x.ctx, 10*time.Second)
				defer cancel()
				if err := x.h.Connect(ctx, ai); err == nil {
					x.log.Info("peer found through the DHT", "peer", ai.ID)
				}
			}(ai)
		}
		if len(found) <= 1 {
			wait = 5 * time.Second // a young network: look again soon
		}
	}
}
