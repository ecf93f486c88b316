package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/bitverse/bitverse/node"
	"github.com/bitverse/bitverse/node/blob"
	"github.com/bitverse/bitverse/node/p2p"
)

// netHandle is the node's network side: the p2p host and the blob service
// on it.
type netHandle struct {
	host  *p2p.Host
	blobs *blob.Service
	api   *p2p.API // what the local API serves: peers, bans, blobs
}

// startNetwork puts n on the network as the node flags say (listen
// addresses, bootstrap peers, mDNS), with the identity key kept in the data
// directory, and serves blob chunks from the node's database. A node with
// no peers keeps working alone.
func startNetwork(ctx context.Context, f nodeFlags, dir string, n *node.Node, log *slog.Logger) (*netHandle, error) {
	h, err := p2p.New(p2p.Config{
		DataDir:     dir,
		Listen:      f.listen,
		Bootstrap:   f.bootstrap,
		DisableMDNS: f.noMDNS,
		Log:         log,
	}, n)
	if err != nil {
		return nil, fmt.Errorf("start the network: %w", err)
	}
	if err := h.Start(); err != nil {
		h.Close()
		return nil, fmt.Errorf("start the network: %w", err)
	}
	n.SetRemoteReader(h.RemoteReader()) // get of chains kept as headers only
	n.SetChainPeers(h.ChainPeers)       // tree: peers storing each chain
	svc := blob.Register(h.LibP2P(), n.Params().Net, blob.NewStore(n.DB()), h.OnBadBlobPeer)
	return &netHandle{host: h, blobs: svc, api: p2p.NewAPI(h, svc)}, nil
}

// Close stops serving blobs and leaves the network. Idempotent.
func (h *netHandle) Close() {
	h.blobs.Close()
	h.host.Close()
}

// Addrs returns the dialable p2p addresses, each ending in /p2p/<id>.
func (h *netHandle) Addrs() []string { return h.host.Addrs() }
