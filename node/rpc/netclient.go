package rpc

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/bitverse/bitverse/node"
)

var (
	_ node.NetAPI  = (*Client)(nil)
	_ node.BlobAPI = (*Client)(nil)
)

// NetInfo implements node.NetAPI.
func (c *Client) NetInfo(ctx context.Context) (node.NetInfo, error) {
	var r node.NetInfo
	return r, c.call(ctx, "net_info", struct{}{}, &r)
}

// Peers implements node.NetAPI.
func (c *Client) Peers(ctx context.Context) ([]node.PeerInfo, error) {
	var r []node.PeerInfo
	return r, c.call(ctx, "peers", struct{}{}, &r)
}

// AddPeer implements node.NetAPI.
func (c *Client) AddPeer(ctx context.Context, addr string) error {
	return c.call(ctx, "add_peer", peerParams{Addr: addr}, nil)
}

// BanPeer implements node.NetAPI.
func (c *Client) BanPeer(ctx context.Context, id string, d time.Duration) error {
	return c.call(ctx, "ban_peer", peerParams{ID: id, Duration: d}, nil)
}

// UnbanPeer implements node.NetAPI.
func (c *Client) UnbanPeer(ctx context.Context, id string) error {
	return c.call(ctx, "unban_peer", peerParams{ID: id}, nil)
}

// PutBlob implements node.BlobAPI: r is streamed to the node, which
// chunks it into its blob store. Only ctx bounds how long it may take.
func (c *Client) PutBlob(ctx context.Context, r io.Reader) (node.BlobInfo, error) {
	var info node.BlobInfo
	resp, err := c.post(ctx, "blob_put", "application/octet-stream", r)
	if err != nil {
		return info, err
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&info); err != nil {
		return info, fmt.Errorf("blob_put: unreadable answer: %w", err)
	}
	return info, nil
}

// FetchBlob implements node.BlobAPI. Without a deadline on ctx it waits
// at most a minute, like every call; give a longer one for big blobs.
func (c *Client) FetchBlob(ctx context.Context, manifest []byte) (node.BlobInfo, error) {
	var info node.BlobInfo
	return info, c.call(ctx, "blob_fetch", blobParams{Manifest: manifest}, &info)
}

// BlobProgress implements node.BlobAPI.
func (c *Client) BlobProgress(ctx context.Context, manifest []byte) (node.BlobProgress, error) {
	var p node.BlobProgress
	return p, c.call(ctx, "blob_progress", blobParams{Manifest: manifest}, &p)
}

// ReadBlob implements node.BlobAPI: the node streams the blob into w.
// The bytes are as the node sent them: check them against the manifest.
func (c *Client) ReadBlob(ctx context.Context, manifest []byte, w io.Writer) (int64, error) {
	body, err := json.Marshal(blobParams{Manifest: manifest})
	if err != nil {
		return 0, err
	}
	resp, err := c.post(ctx, "blob_read", "application/json", bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	n, err := io.Copy(w, resp.Body)
	if err != nil {
		return n, fmt.Errorf("blob read cut short after %d bytes: %w", n, err)
	}
	return n, nil
}
