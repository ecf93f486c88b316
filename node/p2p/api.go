package p2p

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/bitverse/bitverse/node"
	"github.com/bitverse/bitverse/node/blob"
	"github.com/libp2p/go-libp2p/core/peer"
)

// API serves node.NetAPI and node.BlobAPI from a host and the blob service
// registered on it, for the local API (rpc) and the TUI.
type API struct {
	x     *Host
	blobs *blob.Service
}

var (
	_ node.NetAPI  = (*API)(nil)
	_ node.BlobAPI = (*API)(nil)
)

// NewAPI returns the API of x; blobs is the service registered on x's
// libp2p host (blob.Register with x.OnBadBlobPeer).
func NewAPI(x *Host, blobs *blob.Service) *API { return &API{x: x, blobs: blobs} }

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
	return blobInfo(m), nil
}

// FetchBlob implements node.BlobAPI: the chunks the store lacks are
// fetched from every connected peer.
func (a *API) FetchBlob(ctx context.Context, manifest []byte) (node.BlobInfo, error) {
	m, err := blob.DecodeManifest(manifest)
	if err != nil {
		return node.BlobInfo{}, badRequest{err}
	}
	if a.blobs.Store().Has(m) {
		return blobInfo(m), nil
	}
	peers := a.x.h.Network().Peers()
	if len(peers) == 0 {
		return node.BlobInfo{}, fmt.Errorf("%w: %s is not all stored on this node, and the node has no peers to fetch it from", node.ErrNotFound, m)
	}
	start := time.Now()
	if err := a.blobs.Fetch(ctx, m, peers, nil); err != nil {
		if errors.Is(err, blob.ErrUnavailable) {
			return node.BlobInfo{}, fmt.Errorf("%w: %w", node.ErrNotFound, err)
		}
		return node.BlobInfo{}, err
	}
	a.x.log.Info("blob fetched", "blob", m.String(), "peers", len(peers), "took", time.Since(start).Round(time.Millisecond))
	return blobInfo(m), nil
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
