package p2p

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync/atomic"
	"time"

	"github.com/bitverse/bitverse/node"
	"github.com/bitverse/bitverse/node/blob"
	"github.com/bitverse/bitverse/node/wire"
	"github.com/libp2p/go-libp2p/core/peer"
)

// API serves node.NetAPI and node.BlobAPI from a host and the blob service
// registered on it, for the local API (rpc) and the TUI.
type API struct {
	x     *Host
	blobs *blob.Service
	pools atomic.Pointer[func(context.Context, blob.Manifest) []wire.Hash]
}

var (
	_ node.NetAPI  = (*API)(nil)
	_ node.BlobAPI = (*API)(nil)
)

// NewAPI returns the API of x; blobs is the service registered on x's
// libp2p host (blob.Register with x.OnBadBlobPeer). The host announces
// every blob the store holds in full as a DHT provider (BlobKey).
func NewAPI(x *Host, blobs *blob.Service) *API {
	a := &API{x: x, blobs: blobs}
	x.Provide(func() []wire.Hash {
		ms, err := blobs.Store().Complete(maxProvidedKeys)
		if err != nil {
			x.log.Warn("list stored blobs to announce", "err", err)
		}
		keys := make([]wire.Hash, len(ms))
		for i, m := range ms {
			keys[i] = BlobKey(x.net, m)
		}
		return keys
	})
	return a
}

// SetPools sets how FetchBlob finds the availability pools of a blob
// (their ids), whose members it asks first; nil: none.
func (a *API) SetPools(f func(context.Context, blob.Manifest) []wire.Hash) {
	if f == nil {
		a.pools.Store(nil)
		return
	}
	a.pools.Store(&f)
}

// NetInfo implements node.NetAPI.
func (a *API) NetInfo(context.Context) (node.NetInfo, error) {
	return node.NetInfo{ID: a.x.ID().String(), Addrs: a.x.Addrs(),
		Peers: len(a.x.h.Network().Peers()), Bans: len(a.x.Bans())}, nil
}

// Peers implements node.NetAPI: connected peers, then banned ones.
func (a *API) Peers(context.Context) ([]node.PeerInfo, error) { return a.x.Peers(), nil }

// AddPeer implements node.NetAPI.
func (a *API) AddPeer(ctx context.Context, addr string) error {
	err := a.x.AddPeer(ctx, addr)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ErrBadAddr), errors.Is(err, ErrSelf), errors.Is(err, ErrBanned):
		return badRequest{err}
	}
	// libp2p lists every failed dial on its own line: keep one line.
	return errors.New(strings.Join(strings.Fields(err.Error()), " "))
}

// BanPeer implements node.NetAPI.
func (a *API) BanPeer(_ context.Context, id string, d time.Duration) error {
	if err := a.x.Ban(id, d); err != nil {
		return badRequest{err}
	}
	return nil
}

// UnbanPeer implements node.NetAPI. Unbanning a peer that is not banned
// is an error, so a mistyped id does not pass silently.
func (a *API) UnbanPeer(_ context.Context, id string) error {
	pid, err := peer.Decode(id)
	if err != nil {
		return badRequest{fmt.Errorf("%w: %q: %v", ErrBadPeerID, id, err)}
	}
	if !a.x.Banned(pid) {
		return badRequest{fmt.Errorf("peer %s is not banned", id)}
	}
	return a.x.Unban(id)
}

// PutBlob implements node.BlobAPI.
func (a *API) PutBlob(_ context.Context, r io.Reader) (node.BlobInfo, error) {
	m, err := a.blobs.Store().Put(r)
	if err != nil {
		if errors.Is(err, blob.ErrTooLarge) {
			return node.BlobInfo{}, badRequest{err}
		}
		return node.BlobInfo{}, err
	}
	a.x.ProvideNow(BlobKey(a.x.net, m))
	return blobInfo(m), nil
}

// FetchBlob implements node.BlobAPI: the chunks the store lacks are
// fetched first from the members of the blob's availability pools and the
// peers that announced the blob in the DHT (FetchSources), then, for what
// they could not give, from every connected peer.
func (a *API) FetchBlob(ctx context.Context, manifest []byte) (node.BlobInfo, error) {
	m, err := blob.DecodeManifest(manifest)
	if err != nil {
		return node.BlobInfo{}, badRequest{err}
	}
	if a.blobs.Store().Has(m) {
		return blobInfo(m), nil
	}
	start := time.Now()
	preferred := a.FetchSources(ctx, m)
	asked := len(preferred)
	if len(preferred) > 0 {
		err = a.blobs.Fetch(ctx, m, preferred, nil)
		if err != nil && !errors.Is(err, blob.ErrUnavailable) {
			return node.BlobInfo{}, err
		}
	}
	if len(preferred) == 0 || err != nil {
		peers := a.x.h.Network().Peers()
		if len(peers) == 0 {
			if len(preferred) == 0 {
				return node.BlobInfo{}, fmt.Errorf("%w: %s is not all stored on this node, and the node has no peers to fetch it from", node.ErrNotFound, m)
			}
			return node.BlobInfo{}, fmt.Errorf("%w: %w (the %d peers that announced it; the node is connected to no other)", node.ErrNotFound, err, len(preferred))
		}
		asked += len(peers)
		if err := a.blobs.Fetch(ctx, m, peers, nil); err != nil {
			if errors.Is(err, blob.ErrUnavailable) {
				return node.BlobInfo{}, fmt.Errorf("%w: %w", node.ErrNotFound, err)
			}
			return node.BlobInfo{}, err
		}
	}
	a.x.ProvideNow(BlobKey(a.x.net, m))
	a.x.log.Info("blob fetched", "blob", m.String(), "peers", asked, "took", time.Since(start).Round(time.Millisecond))
	return blobInfo(m), nil
}

// maxSources bounds the peers a fetch asks first.
const maxSources = 16

// FetchSources returns the peers a fetch of m asks first: the members of
// its pools (those that announced PoolKey), then the providers of m
// (BlobKey), without duplicates, at most maxSources.
func (a *API) FetchSources(ctx context.Context, m blob.Manifest) []peer.ID {
	seen := map[peer.ID]bool{}
	var out []peer.ID
	add := func(ps []peer.ID) {
		for _, p := range ps {
			if !seen[p] && len(out) < maxSources {
				seen[p] = true
				out = append(out, p)
			}
		}
	}
	if f := a.pools.Load(); f != nil {
		for _, id := range (*f)(ctx, m) {
			add(a.x.FindProviders(ctx, PoolKey(a.x.net, id), maxSources))
		}
	}
	add(a.x.FindProviders(ctx, BlobKey(a.x.net, m), maxSources))
	return out
}

// BlobProgress implements node.BlobAPI: how far the fetch of the blob
// running now has come, or, with none running, how much of it the node
// holds.
func (a *API) BlobProgress(_ context.Context, manifest []byte) (node.BlobProgress, error) {
	m, err := blob.DecodeManifest(manifest)
	if err != nil {
		return node.BlobProgress{}, badRequest{err}
	}
	if p, ok := a.blobs.Progress(m); ok {
		return node.BlobProgress{Fetching: true, Chunks: p.Chunks, Total: p.Total, Bytes: p.Bytes, Size: p.Size,
			Peers: p.Peers, Rate: p.Rate(time.Now()), Started: p.Started, From: peerString(p.From)}, nil
	}
	missing, err := a.blobs.Store().Missing(m)
	if err != nil {
		return node.BlobProgress{}, err
	}
	held := m.Size
	for _, i := range missing {
		held -= uint64(m.ChunkLen(i))
	}
	return node.BlobProgress{Chunks: m.Chunks() - len(missing), Total: m.Chunks(), Bytes: held, Size: m.Size}, nil
}

// ReadBlob implements node.BlobAPI.
func (a *API) ReadBlob(_ context.Context, manifest []byte, w io.Writer) (int64, error) {
	m, err := blob.DecodeManifest(manifest)
	if err != nil {
		return 0, badRequest{err}
	}
	if !a.blobs.Store().Has(m) {
		return 0, fmt.Errorf("%w: %s is not all stored on this node (fetch it first)", node.ErrNotFound, m)
	}
	return a.blobs.Store().WriteBlob(m, w)
}

func blobInfo(m blob.Manifest) node.BlobInfo {
	return node.BlobInfo{Manifest: m.Encode(), Root: m.Root, Size: m.Size, ChunkSize: m.ChunkSize, Chunks: m.Chunks()}
}

// badRequest marks an error as the caller's (node.ErrBadRequest) without
// changing its message.
type badRequest struct{ err error }

func (e badRequest) Error() string   { return e.err.Error() }
func (e badRequest) Unwrap() []error { return []error{e.err, node.ErrBadRequest} }

// peerString is p's string form, "" for none.
func peerString(p peer.ID) string {
	if p == "" {
		return ""
	}
	return p.String()
}
