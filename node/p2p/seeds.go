package p2p

import (
	"fmt"

	"github.com/bitverse/bitverse/node/wire"
	"github.com/libp2p/go-libp2p/core/peer"
	ma "github.com/multiformats/go-multiaddr"
	manet "github.com/multiformats/go-multiaddr/net"
)

// DefaultPort is the TCP and UDP port a public node of net listens on
// unless told otherwise (docs/PROTOCOL.md §26).
func DefaultPort(net wire.Network) int {
	switch net.ID {
	case wire.Mainnet.ID:
		return 7480
	case wire.Testnet.ID:
		return 17480
	default:
		return 27480
	}
}

// PublicListen is a public node's listen set: TCP and QUIC on every IPv4
// and IPv6 interface at port (the host keeps those that bind).
func PublicListen(port int) []string {
	return []string{
		fmt.Sprintf("/ip4/0.0.0.0/tcp/%d", port), fmt.Sprintf("/ip4/0.0.0.0/udp/%d/quic-v1", port),
		fmt.Sprintf("/ip6/::/tcp/%d", port), fmt.Sprintf("/ip6/::/udp/%d/quic-v1", port),
	}
}

// seeds are the networks' bootstrap peers: long-running public nodes a
// new node dials first and seeds its DHT routing table from. Mainnet and
// testnet are not launched, so their lists are empty placeholders, filled
// at launch; a devnet is local and finds its peers by --bootstrap or mDNS.
var seeds = map[uint32][]string{
	wire.Mainnet.ID: {}, // placeholder: no mainnet seeds before launch
	wire.Testnet.ID: {}, // placeholder: no testnet seeds before launch
	wire.Devnet.ID:  {},
}

// Seeds returns net's seed list (a copy).
func Seeds(net wire.Network) []string { return append([]string(nil), seeds[net.ID]...) }

// CheckPeerAddr refuses what is not a dialable peer address: a multiaddr
// ending in /p2p/<peer id>.
func CheckPeerAddr(s string) error {
	if _, err := peer.AddrInfoFromString(s); err != nil {
		return fmt.Errorf("%w: %q must be a multiaddr ending in /p2p/<peer id> (%v)", ErrBadAddr, s, err)
	}
	return nil
}

// IsLoopbackAddr reports whether the multiaddr addr is on a loopback
// interface (127.0.0.0/8, ::1).
func IsLoopbackAddr(addr string) bool {
	m, err := ma.NewMultiaddr(addr)
	return err == nil && manet.IsIPLoopback(m)
}
