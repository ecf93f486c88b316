package daemon

import (
	"bytes"
	"context"
	"fmt"
	"io"

	"github.com/bitverse/bitverse/node/market"
	"github.com/bitverse/bitverse/node/script"
	"github.com/bitverse/bitverse/node/wire"
)

// startMarket starts the market service (Config.Market) after the local
// API, and attaches it to the local API.
func (d *Daemon) startMarket() (func() error, error) {
	if d.cfg.Market == nil {
		return nil, nil
	}
	m, err := market.New(*d.cfg.Market, d.MarketDeps())
	if err != nil {
		return nil, err
	}
	if err := m.Start(); err != nil {
		return nil, err
	}
	d.market = m
	if d.rpc != nil {
		d.rpc.SetMarket(m)
	}
	return func() error {
		if d.rpc != nil {
			d.rpc.SetMarket(nil)
		}
		return m.Stop()
	}, nil
}

// MarketDeps are the parts of this node a market service uses. A face
// whose serve identity comes after the node started (the TUI unlocks its
// wallet then) starts its own service with them.
func (d *Daemon) MarketDeps() market.Deps {
	deps := market.Deps{Net: d.cfg.Params.Net, DataDir: d.cfg.DataDir, Chain: market.NodeChain(d.node, d.cfg.Params),
		Transform: d.transform, Host: d.host, Log: d.cfg.Log, Now: d.cfg.Now, Tumbler: d.marketTumbler}
	if d.netAPI != nil {
		deps.Blobs = d.readBlob
	}
	return deps
}

// transform runs a market transform in the script workers (in process
// with InProcessScripts).
func (d *Daemon) transform(ctx context.Context, src string, input []byte, key string, request wire.Hash, fuel uint64) ([]byte, string, uint64, error) {
	tc := script.TransformContext{Key: key, Request: request}
	var res script.TransformResult
	var err error
	if d.scripts != nil {
		res, err = d.scripts.Transform(ctx, src, input, tc, fuel)
	} else {
		res, err = script.RunTransform(src, input, tc, fuel)
	}
	return res.Output, res.Kind, res.Fuel, err
}

// readBlob fetches a blob's missing chunks from peers and reads it, at
// most max bytes.
func (d *Daemon) readBlob(ctx context.Context, manifest []byte, max int64) ([]byte, error) {
	info, err := d.netAPI.FetchBlob(ctx, manifest)
	if err != nil {
		return nil, err
	}
	if int64(info.Size) > max {
		return nil, fmt.Errorf("blob of %d bytes is larger than the %d a market input may be", info.Size, max)
	}
	var buf bytes.Buffer
	buf.Grow(int(info.Size))
	if _, err := d.netAPI.ReadBlob(ctx, manifest, &limited{&buf, max}); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

type limited struct {
	w   io.Writer
	max int64
}

func (l *limited) Write(p []byte) (int, error) {
	if int64(len(p)) > l.max {
		return 0, fmt.Errorf("blob larger than %d bytes", l.max)
	}
	l.max -= int64(len(p))
	return l.w.Write(p)
}

// Market returns the market service (nil without Config.Market).
func (d *Daemon) Market() *market.Service { return d.market }
