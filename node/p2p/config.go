package p2p

import (
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"time"

	"github.com/bitverse/bitverse/node"
	ma "github.com/multiformats/go-multiaddr"
)

// KeyFile is the name of the identity key file in the data directory.
const KeyFile = "p2p.key"

// PeersFile is the p2p layer's own database in the data directory: known
// peer addresses and bans (bucket store.Peers), apart from the chain's.
const PeersFile = "p2p.db"

// DefaultListen listens on loopback, TCP and QUIC, on ports the OS picks.
var DefaultListen = []string{"/ip4/127.0.0.1/tcp/0", "/ip4/127.0.0.1/udp/0/quic-v1"}

// Config configures a Host. The zero value works: loopback on random ports,
// no bootstrap peers, mDNS and the DHT on, bans for a day.
type Config struct {
	// DataDir holds the identity key (KeyFile) and the peer store
	// (PeersFile). Required.
	DataDir string
	// Listen lists multiaddrs to listen on (see ParseListen for host:port
	// forms). Empty: DefaultListen.
	Listen []string
	// Bootstrap lists peers to dial at start and whenever the node has few
	// peers: multiaddrs ending in /p2p/<id>.
	Bootstrap []string
	// DisableMDNS turns off LAN discovery; DisableDHT turns off the
	// Kademlia DHT (and with it discovery of peers of peers).
	DisableMDNS bool
	DisableDHT  bool
	// BanDuration is how long a misbehaving peer stays banned (default 24 h).
	BanDuration time.Duration
	// MaxPeers is the connection manager's high water mark (default 64);
	// it trims down to three quarters of it.
	MaxPeers int
	// SyncInterval is how often the node asks its peers for their tips and
	// syncs from any with more work (default 10 s).
	SyncInterval time.Duration
	// SyncRate and SyncBurst bound what one peer may ask of this node over
	// the sync protocol, in request units per second (a request costs 1, a
	// block 1/4). Defaults 500 and 1000.
	SyncRate  float64
	SyncBurst float64
	// TrustLoopback exempts loopback connections (127.0.0.0/8, ::1) from
	// the per-subnet ban count: on a devnet every node runs on 127.0.0.1,
	// and 8 banned test peers must not lock the others out for a day.
	// Banned peers stay refused by their id, and loopback stays rate
	// limited. Off on public networks, where loopback may carry many remote
	// peers (a Tor or other proxy in front of the node).
	TrustLoopback bool
	// Log receives the host's log lines (default: discard).
	Log *slog.Logger
	// OnPeers is told the number of connected peers when it changes, and
	// OnSync the sync progress (the assembly passes them to the node's
	// Status); nil: nobody is told.
	OnPeers func(int)
	OnSync  func(node.Sync)
}

func (c *Config) applyDefaults() {
	if len(c.Listen) == 0 {
		c.Listen = DefaultListen
	}
	if c.BanDuration <= 0 {
		c.BanDuration = 24 * time.Hour
	}
	if c.MaxPeers <= 0 {
		c.MaxPeers = 64
	}
	if c.SyncInterval <= 0 {
		c.SyncInterval = 10 * time.Second
	}
	if c.SyncRate <= 0 {
		c.SyncRate = 500
	}
	if c.SyncBurst <= 0 {
		c.SyncBurst = 1000
	}
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
}

// ParseListen turns listen specs into multiaddrs. A multiaddr passes
// through; "host:port" (or ":port") becomes a TCP and a QUIC address on that
// port; an empty host means 127.0.0.1.
func ParseListen(specs []string) ([]string, error) {
	var out []string
	for _, s := range specs {
		if s == "" {
			continue
		}
		if s[0] == '/' {
			if _, err := ma.NewMultiaddr(s); err != nil {
				return nil, fmt.Errorf("%w: listen address %q: %v", ErrBadAddr, s, err)
			}
			out = append(out, s)
			continue
		}
		host, port, err := net.SplitHostPort(s)
		if err != nil {
			return nil, fmt.Errorf("%w: listen address %q is neither a multiaddr nor host:port", ErrBadAddr, s)
		}
		if _, err := strconv.ParseUint(port, 10, 16); err != nil {
			return nil, fmt.Errorf("%w: listen address %q: bad port", ErrBadAddr, s)
		}
		if host == "" {
			host = "127.0.0.1"
		}
		ip := net.ParseIP(host)
		if ip == nil {
			return nil, fmt.Errorf("%w: listen address %q: host must be an IP address", ErrBadAddr, s)
		}
		fam := "ip4"
		if ip.To4() == nil {
			fam = "ip6"
		}
		out = append(out, fmt.Sprintf("/%s/%s/tcp/%s", fam, host, port), fmt.Sprintf("/%s/%s/udp/%s/quic-v1", fam, host, port))
	}
	return out, nil
}
