package rpc

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/bitverse/bitverse/node"
	"github.com/bitverse/bitverse/node/pool"
	"github.com/bitverse/bitverse/node/wire"
	"github.com/libp2p/go-libp2p/core/peer"
)

// cannedDownloads answers pool_download by redemption: the transport is
// what is tested here (pool.Fetch over real hosts is tested in node/pool,
// the whole path in cmd/bitverse's TestTokenRedeemDownloads).
type cannedDownloads struct {
	data    []byte
	refusal pool.Refusal
}

func (c cannedDownloads) Download(_ context.Context, p, r wire.Hash) (*pool.Fetched, error) {
	switch r[0] {
	case 1:
		return &pool.Fetched{Data: c.data, Peer: peer.ID("member"), Refusals: []pool.Refusal{c.refusal}}, nil
	case 2:
		return nil, fmt.Errorf("%w: redemption %s is still pending", pool.ErrNotConfirmed, r.Short())
	case 3:
		return nil, &pool.FetchError{Pool: p, Redemption: r}
	case 4:
		return nil, &pool.FetchError{Pool: p, Redemption: r, Asked: 1, Refusals: []pool.Refusal{c.refusal}}
	}
	return nil, fmt.Errorf("%w: no pool %s", node.ErrNotFound, p.Short())
}

// TestPoolDownloadCarriesDataAndEachFailure: pool_download streams the
// data with the serving peer and the refusals met, and carries each
// failure as its sentence, its sentinel and (all refused) the refusals.
func TestPoolDownloadCarriesDataAndEachFailure(t *testing.T) {
	c := cannedDownloads{data: bytes.Repeat([]byte("pooled "), 10_000)}
	c.refusal.Member[0], c.refusal.Sig[0] = 7, 9
	cl := serve(t, WithPoolDownloads(c))
	ctx := context.Background()
	var poolID wire.Hash
	red := func(b byte) wire.Hash { return wire.Hash{b} }
	var buf bytes.Buffer
	d, err := cl.PoolDownload(ctx, poolID, red(1), &buf)
	if err != nil || !bytes.Equal(buf.Bytes(), c.data) || d.Size != int64(len(c.data)) || d.Peer != peer.ID("member").String() ||
		len(d.Refusals) != 1 || d.Refusals[0] != c.refusal.Info() {
		t.Fatalf("download: %+v, %d bytes, %v", d, buf.Len(), err)
	}
	for _, tc := range []struct {
		r        byte
		sentinel error
		refusals int
	}{{2, pool.ErrNotConfirmed, 0}, {3, pool.ErrNoMember, 0}, {4, pool.ErrAllRefused, 1}, {5, node.ErrNotFound, 0}} {
		buf.Reset()
		d, err := cl.PoolDownload(ctx, poolID, red(tc.r), &buf)
		_, want := c.Download(ctx, poolID, red(tc.r))
		if !errors.Is(err, tc.sentinel) || err.Error() != want.Error() || buf.Len() != 0 {
			t.Fatalf("redemption %d: %v (want %v)", tc.r, err, want)
		}
		if got := 0; d != nil {
			if got = len(d.Refusals); got != tc.refusals || (got == 1 && d.Refusals[0] != c.refusal.Info()) {
				t.Fatalf("redemption %d: refusals %+v", tc.r, d.Refusals)
			}
		} else if tc.refusals != 0 {
			t.Fatalf("redemption %d: no refusals carried", tc.r)
		}
	}
	if _, err := serve(t).PoolDownload(ctx, poolID, red(1), &buf); !errors.Is(err, node.ErrNoNetwork) {
		t.Fatalf("without downloads: %v", err)
	}
}
