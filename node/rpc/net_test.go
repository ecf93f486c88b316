package rpc

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/bitverse/bitverse/node"
)

// fakeNet is a NetAPI and BlobAPI with canned answers.
type fakeNet struct {
	banned   map[string]time.Duration
	blob     []byte // what ReadBlob writes
	failAt   int    // ReadBlob fails after this many bytes (-1: never)
	received []byte // what PutBlob read
}

func (f *fakeNet) NetInfo(context.Context) (node.NetInfo, error) {
	return node.NetInfo{ID: "me", Addrs: []string{"/ip4/127.0.0.1/tcp/1/p2p/me"}}, nil
}
func (f *fakeNet) Peers(context.Context) ([]node.PeerInfo, error) {
	return []node.PeerInfo{{ID: "p1", Connected: true, Direction: "inbound", Score: 3}}, nil
}
func (f *fakeNet) AddPeer(_ context.Context, addr string) error {
	if !strings.HasPrefix(addr, "/") {
		return fmt.Errorf("%w: %q is not a multiaddr", node.ErrBadRequest, addr)
	}
	return nil
}
func (f *fakeNet) BanPeer(_ context.Context, id string, d time.Duration) error {
	f.banned[id] = d
	return nil
}
func (f *fakeNet) UnbanPeer(_ context.Context, id string) error {
	if _, ok := f.banned[id]; !ok {
		return fmt.Errorf("%w: peer %s is not banned", node.ErrBadRequest, id)
	}
	delete(f.banned, id)
	return nil
}
func (f *fakeNet) PutBlob(_ context.Context, r io.Reader) (node.BlobInfo, error) {
	b, err := io.ReadAll(r)
	f.received = b
	return node.BlobInfo{Manifest: []byte("m"), Size: uint64(len(b))}, err
}
func (f *fakeNet) FetchBlob(_ context.Context, m []byte) (node.BlobInfo, error) {
	if string(m) != "m" {
		return node.BlobInfo{}, fmt.Errorf("%w: no such blob", node.ErrNotFound)
	}
	return node.BlobInfo{Manifest: m, Size: uint64(len(f.blob))}, nil
}
func (f *fakeNet) BlobProgress(_ context.Context, m []byte) (node.BlobProgress, error) {
	if string(m) != "m" {
		return node.BlobProgress{}, fmt.Errorf("%w: malformed manifest", node.ErrBadRequest)
	}
	return node.BlobProgress{Fetching: true, Chunks: 3, Total: 8, Bytes: 3 << 18, Size: 8 << 18, Peers: 2, Rate: 1.5e6}, nil
}
func (f *fakeNet) ReadBlob(_ context.Context, m []byte, w io.Writer) (int64, error) {
	if string(m) != "m" {
		return 0, fmt.Errorf("%w: no such blob", node.ErrNotFound)
	}
	if f.failAt >= 0 {
		n, _ := w.Write(f.blob[:f.failAt])
		return int64(n), errors.New("chunk 3 is corrupt")
	}
	n, err := w.Write(f.blob)
	return int64(n), err
}

func serve(t *testing.T, opts ...Option) *Client {
	t.Helper()
	dir := t.TempDir()
	s, err := Listen("127.0.0.1:0", dir, nil, opts...)
	if err != nil {
		t.Fatal(err)
	}
	go s.Serve()
	t.Cleanup(func() { s.Close() })
	c, err := Dial(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestNetMethods(t *testing.T) {
	f := &fakeNet{banned: map[string]time.Duration{}, failAt: -1}
	c := serve(t, WithNet(f), WithBlobs(f))
	ctx := context.Background()
	ni, err := c.NetInfo(ctx)
	if err != nil || ni.ID != "me" || len(ni.Addrs) != 1 {
		t.Fatalf("NetInfo = %+v, %v", ni, err)
	}
	ps, err := c.Peers(ctx)
	if err != nil || len(ps) != 1 || ps[0].Direction != "inbound" || ps[0].Score != 3 {
		t.Fatalf("Peers = %+v, %v", ps, err)
	}
	if err := c.AddPeer(ctx, "nope"); !errors.Is(err, node.ErrBadRequest) || !strings.Contains(err.Error(), "not a multiaddr") {
		t.Fatalf("AddPeer(bad) = %v", err)
	}
	if err := c.BanPeer(ctx, "p1", 90*time.Minute); err != nil || f.banned["p1"] != 90*time.Minute {
		t.Fatalf("BanPeer = %v, banned %v", err, f.banned)
	}
	if err := c.UnbanPeer(ctx, "p1"); err != nil {
		t.Fatal(err)
	}
	if err := c.UnbanPeer(ctx, "p1"); !errors.Is(err, node.ErrBadRequest) {
		t.Fatalf("UnbanPeer twice = %v", err)
	}
}

func TestBlobMethods(t *testing.T) {
	big := bytes.Repeat([]byte("0123456789abcdef"), 1<<16) // 1 MiB: past maxBody
	f := &fakeNet{failAt: -1, blob: big}
	c := serve(t, WithNet(f), WithBlobs(f))
	ctx := context.Background()
	info, err := c.PutBlob(ctx, bytes.NewReader(big))
	if err != nil || info.Size != uint64(len(big)) || !bytes.Equal(f.received, big) {
		t.Fatalf("PutBlob = %+v, %v (node got %d bytes)", info, err, len(f.received))
	}
	if _, err := c.FetchBlob(ctx, []byte("x")); !errors.Is(err, node.ErrNotFound) {
		t.Fatalf("FetchBlob(unknown) = %v", err)
	}
	if p, err := c.BlobProgress(ctx, []byte("m")); err != nil || !p.Fetching || p.Chunks != 3 || p.Total != 8 || p.Rate != 1.5e6 {
		t.Fatalf("BlobProgress = %+v, %v", p, err)
	}
	if _, err := c.BlobProgress(ctx, []byte("x")); !errors.Is(err, node.ErrBadRequest) {
		t.Fatalf("BlobProgress(malformed) = %v", err)
	}
	var buf bytes.Buffer
	if n, err := c.ReadBlob(ctx, []byte("m"), &buf); err != nil || n != int64(len(big)) || !bytes.Equal(buf.Bytes(), big) {
		t.Fatalf("ReadBlob = %d, %v", n, err)
	}
	buf.Reset()
	if _, err := c.ReadBlob(ctx, []byte("x"), &buf); !errors.Is(err, node.ErrNotFound) || buf.Len() != 0 {
		t.Fatalf("ReadBlob(unknown) = %v, wrote %d bytes", err, buf.Len())
	}
	// A failure after the first byte must not look like a complete blob.
	f.failAt = 300 << 10
	buf.Reset()
	if n, err := c.ReadBlob(ctx, []byte("m"), &buf); err == nil {
		t.Fatalf("ReadBlob failing at %d bytes: no error, %d bytes", f.failAt, n)
	}
}

func TestNoNetwork(t *testing.T) {
	c := serve(t)
	ctx := context.Background()
	if _, err := c.Peers(ctx); !errors.Is(err, node.ErrNoNetwork) {
		t.Fatalf("Peers without a network = %v", err)
	}
	if _, err := c.PutBlob(ctx, strings.NewReader("x")); !errors.Is(err, node.ErrNoNetwork) {
		t.Fatalf("PutBlob without a network = %v", err)
	}
	if _, err := c.ReadBlob(ctx, []byte("m"), io.Discard); !errors.Is(err, node.ErrNoNetwork) {
		t.Fatalf("ReadBlob without a network = %v", err)
	}
}
