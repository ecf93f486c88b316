package tui

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"io"
	"sync/atomic"

	"github.com/bitverse/bitverse/node"
	"github.com/bitverse/bitverse/node/blob"
	"github.com/bitverse/bitverse/node/wire"
)

// fakeBlobs is the node's blob API in the TUI tests: blobs by manifest,
// the progress a running fetch reports, and whether FetchBlob holds on
// until its context ends (a fetch that is still running).
type fakeBlobs struct {
	data      map[string][]byte
	progress  node.BlobProgress
	hold      atomic.Bool
	cancelled atomic.Int32 // fetches that ended by their context
}

func (f *fakeAPI) PutBlob(ctx context.Context, r io.Reader) (node.BlobInfo, error) {
	if err := f.wait(ctx, "PutBlob"); err != nil {
		return node.BlobInfo{}, err
	}
	return node.BlobInfo{}, errors.New("the fake stores no blobs")
}

func (f *fakeAPI) FetchBlob(ctx context.Context, manifest []byte) (node.BlobInfo, error) {
	if err := f.wait(ctx, "FetchBlob"); err != nil {
		return node.BlobInfo{}, err
	}
	if f.blobs.hold.Load() {
		<-ctx.Done()
		f.blobs.cancelled.Add(1)
		return node.BlobInfo{}, ctx.Err()
	}
	f.mu.Lock()
	_, ok := f.blobs.data[string(manifest)]
	f.mu.Unlock()
	if !ok {
		return node.BlobInfo{}, node.ErrNotFound
	}
	return node.BlobInfo{Manifest: manifest}, nil
}

func (f *fakeAPI) ReadBlob(ctx context.Context, manifest []byte, w io.Writer) (int64, error) {
	if err := f.wait(ctx, "ReadBlob"); err != nil {
		return 0, err
	}
	f.mu.Lock()
	data, ok := f.blobs.data[string(manifest)]
	f.mu.Unlock()
	if !ok {
		return 0, node.ErrNotFound
	}
	return io.Copy(w, bytes.NewReader(data))
}

func (f *fakeAPI) BlobProgress(ctx context.Context, manifest []byte) (node.BlobProgress, error) {
	if err := f.wait(ctx, "BlobProgress"); err != nil {
		return node.BlobProgress{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.blobs.progress, nil
}

// blobText is the blob in the tests: 20 MiB of text, 80 chunks.
var blobText = bytes.Repeat([]byte("A blob is a value larger than a put carries; its chunks come from peers. "), 20<<20/73+1)[:20<<20]

// blobChain is richChain with a blob at public/big.bin, a fetch of it
// that runs (12 of 80 chunks so far, from a pool member) until the test
// lets it end.
func blobChain(api *fakeAPI) {
	richChain(api)
	raw := blobManifest(blobText).Encode()
	api.values["public/big.bin"] = node.ValueRecord{Key: "public/big.bin", Value: base64.StdEncoding.EncodeToString(raw), Encoding: "base64",
		Size: len(raw), Height: 9_997, Confirmations: 3, Writer: testAddr, TxID: txID(9_997, 1)}
	api.blobs.data = map[string][]byte{string(raw): blobText}
	api.blobs.progress = node.BlobProgress{Fetching: true, Chunks: 12, Total: 80, Bytes: 12 << 18, Size: 20 << 20, Peers: 3,
		Rate: 1.5 * (1 << 20), From: "12D3KooWPoolMemberServesTheBlob7xQ"}
	api.blobs.hold.Store(true)
}

// blobManifest is data's manifest in chunks of blob.DefaultChunkSize.
func blobManifest(data []byte) blob.Manifest {
	var hs []wire.Hash
	for off := 0; off < len(data); off += blob.DefaultChunkSize {
		hs = append(hs, wire.Sum(data[off:min(off+blob.DefaultChunkSize, len(data))]))
	}
	return blob.Manifest{Root: wire.MerkleRoot(hs), Size: uint64(len(data)), ChunkSize: blob.DefaultChunkSize}
}
