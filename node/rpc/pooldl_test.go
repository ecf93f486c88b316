package rpc

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"testing"
	"time"

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
	// half, when not nil, is waited on after the first half of the data
	// is written (redemptions 6 and 7): the client must see it first.
	half chan struct{}
}

func (c cannedDownloads) Download(ctx context.Context, p, r wire.Hash, w io.Writer) (*pool.Fetched, error) {
	switch r[0] {
	case 1:
		if _, err := w.Write(c.data); err != nil {
			return nil, err
		}
		return &pool.Fetched{Size: uint64(len(c.data)), Peer: peer.ID("member"), Refusals: []pool.Refusal{c.refusal}}, nil
	case 6, 7:
		if _, err := w.Write(c.data[:len(c.data)/2]); err != nil {
			return nil, err
		}
		select {
		case <-c.half:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		if r[0] == 7 {
			return nil, &pool.FetchError{Pool: p, Redemption: r, Asked: 2, Refusals: []pool.Refusal{c.refusal},
				Errs: []error{errors.New("cut off")}, Written: uint64(len(c.data) / 2), Size: uint64(len(c.data))}
		}
		if _, err := w.Write(c.data[len(c.data)/2:]); err != nil {
			return nil, err
		}
		return &pool.Fetched{Size: uint64(len(c.data)), Peer: peer.ID("second")}, nil
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
		_, want := c.Download(ctx, poolID, red(tc.r), io.Discard)
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

// halfWriter closes half once it holds n bytes.
type halfWriter struct {
	buf  bytes.Buffer
	n    int
	half chan struct{}
}

func (h *halfWriter) Write(p []byte) (int, error) {
	n, err := h.buf.Write(p)
	if h.buf.Len() >= h.n && h.half != nil {
		close(h.half)
		h.half = nil
	}
	return n, err
}

// TestPoolDownloadStreamsAndSaysWhenItStopsMidway: the client receives
// the first half of the data while the node still holds back the second
// (the answer streams), and a download that stops midway comes back as
// its error, with the bytes written and the refusals met, never as a
// complete download.
func TestPoolDownloadStreamsAndSaysWhenItStopsMidway(t *testing.T) {
	for _, r := range []byte{6, 7} {
		c := cannedDownloads{data: bytes.Repeat([]byte("streamed "), 200_000), half: make(chan struct{})}
		c.refusal.Member[0], c.refusal.Sig[0] = 7, 9
		cl := serve(t, WithPoolDownloads(c))
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		w := &halfWriter{n: len(c.data) / 2, half: c.half}
		d, err := cl.PoolDownload(ctx, wire.Hash{}, wire.Hash{r}, w)
		if r == 6 {
			if err != nil || !bytes.Equal(w.buf.Bytes(), c.data) || d.Peer != peer.ID("second").String() {
				t.Fatalf("streamed download: %+v, %d bytes, %v", d, w.buf.Len(), err)
			}
			continue
		}
		if !errors.Is(err, pool.ErrNoMember) || d == nil || d.Size != int64(len(c.data)/2) || len(d.Refusals) != 1 ||
			d.Refusals[0] != c.refusal.Info() || !bytes.Equal(w.buf.Bytes(), c.data[:len(c.data)/2]) {
			t.Fatalf("download stopped midway: %+v, %d bytes, %v", d, w.buf.Len(), err)
		}
	}
}
