package daemon

import (
	"context"

	"github.com/bitverse/bitverse/node"
	"github.com/bitverse/bitverse/node/blob"
	"github.com/bitverse/bitverse/node/p2p"
	"github.com/bitverse/bitverse/node/pool"
	"github.com/bitverse/bitverse/node/wire"
)

// PoolDeps are the parts of this node an availability-pool service uses
// (pool.New). A face whose serve identity comes later (the TUI) starts
// its own service with them.
func (d *Daemon) PoolDeps() pool.Deps {
	deps := pool.Deps{Net: d.cfg.Params.Net, Chain: pool.NodeChain(d.node, d.cfg.Params)}
	if d.netAPI != nil {
		deps.Blobs = d.netAPI
	}
	if d.host != nil {
		deps.Host = d.host.LibP2P()
		deps.Provider = d.host
		net := d.cfg.Params.Net
		deps.PoolKey = func(id wire.Hash) wire.Hash { return p2p.PoolKey(net, id) }
	}
	return deps
}

// poolsOfBlob finds the availability pools of a blob (by the manifest's
// hash, PROTOCOL §24), whose members a fetch asks first.
func (d *Daemon) poolsOfBlob(ctx context.Context, m blob.Manifest) []wire.Hash {
	ps, err := d.node.Pools(ctx, node.PoolFilter{Limit: node.MaxPoolList})
	if err != nil {
		return nil
	}
	h := pool.BlobHash(m.Encode())
	var out []wire.Hash
	for _, p := range ps {
		if p.Target.Kind == "blob" && p.Target.Hash == h && !p.Closed {
			out = append(out, p.ID)
		}
	}
	return out
}

// startPools starts the availability-pool service (Config.Pools) after
// the market.
func (d *Daemon) startPools() (func() error, error) {
	if d.cfg.Pools == nil {
		return nil, nil
	}
	s, err := pool.New(*d.cfg.Pools, d.PoolDeps())
	if err != nil {
		return nil, err
	}
	if err := s.Start(); err != nil {
		return nil, err
	}
	d.pools = s
	return s.Stop, nil
}

// Pools returns the availability-pool service (nil without Config.Pools).
func (d *Daemon) Pools() *pool.Service { return d.pools }
