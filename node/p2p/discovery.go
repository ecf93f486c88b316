package p2p

import (
	"context"
	"time"

	"github.com/bitverse/bitverse/node"
	"github.com/bitverse/bitverse/node/wire"
	"github.com/libp2p/go-libp2p/core/peer"
)

// rendezvous is the DHT key under which the nodes of a network advertise
// themselves.
func rendezvous(net wire.Network) string { return "bitverse/" + net.Name + "/nodes" }

// watchReorgs pushes the transactions that a reorganisation of any stored
// chain returned to its mempool to every peer: gossip would not carry them
// again (every node already saw their message ids), and the peers on the
// winning branch may never have had them.
func (x *Host) watchReorgs() {
	defer x.wg.Done()
	events, cancel := x.node.Subscribe(1024)
	defer cancel()
	var gone []dep // disconnected blocks, with their chain
	var flush <-chan time.Time
	for {
		select {
		case <-x.ctx.Done():
			return
		case ev, ok := <-events:
			if !ok {
				return
			}
			switch {
			case ev.Kind == node.EventBlockDisconnected:
				gone = append(gone, dep{wire.RootChain, ev.Block})
			case ev.Kind == node.EventBranchBlock && !ev.Undone.IsZero():
				id, err := wire.ParseChainID(ev.Chain)
				if err != nil {
					continue
				}
				gone = append(gone, dep{id, ev.Undone})
			default:
				continue
			}
			flush = time.After(300 * time.Millisecond)
		case <-flush:
			flush = nil
			raws := x.returnedTxs(gone)
			gone = nil
			if len(raws) == 0 {
				continue
			}
			x.log.Info("re-announcing transactions returned by a reorganisation", "txs", len(raws))
			for _, p := range x.h.Network().Peers() {
				x.wg.Add(1)
				go func() {
					defer x.wg.Done()
					ctx, cancel := context.WithTimeout(x.ctx, fetchTimeout)
					defer cancel()
					x.pushRaw(ctx, p, raws)
				}()
			}
		}
	}
}

// returnedTxs encodes the transactions of the disconnected blocks that are
// now in their chain's mempool.
func (x *Host) returnedTxs(gone []dep) [][]byte {
	var raws [][]byte
	f := x.node.Forest()
	for _, g := range gone {
		c := f.Chain(g.chain)
		pool, err := x.node.PoolOf(g.chain)
		if c == nil || err != nil {
			continue
		}
		b, err := c.BlockByID(g.id)
		if err != nil {
			continue
		}
		for _, t := range b.Txs[1:] {
			if pool.Has(t.ID()) {
				raws = append(raws, t.Encode())
			}
		}
	}
	return raws
}

// pushPool offers a new peer what this node has pending (up to 1024 txs).
func (x *Host) pushPool(ctx context.Context, p peer.ID) {
	// The root's pool, then each fully stored branch's.
	var raws [][]byte
	for _, c := range x.node.Forest().Chains() {
		if c.HeadersOnly() {
			continue
		}
		pool, err := x.node.PoolOf(c.ID())
		if err != nil {
			continue
		}
		for _, t := range pool.Select(MaxRequestFrame) {
			raws = append(raws, t.Encode())
		}
	}
	if len(raws) > 0 {
		x.pushRaw(ctx, p, raws)
	}
}

// pushRaw sends raws to p in requests that fit the frame and count caps.
func (x *Host) pushRaw(ctx context.Context, p peer.ID, raws [][]byte) {
	for len(raws) > 0 {
		n, size := 0, 16
		for n < len(raws) && n < MaxTxsPerPush && size+len(raws[n])+4 <= MaxRequestFrame {
			size += len(raws[n]) + 4
			n++
		}
		if n == 0 {
			return
		}
		if _, err := x.PushTxs(ctx, p, raws[:n]); err != nil {
			x.log.Debug("push transactions", "peer", p, "err", err)
			return
		}
		raws = raws[n:]
	}
}
