package pool

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"path/filepath"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bitverse/bitverse/node"
	"github.com/bitverse/bitverse/node/blob"
	"github.com/bitverse/bitverse/node/store"
	"github.com/bitverse/bitverse/node/wire"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
)

// storeBlobs is node.BlobAPI over a real blob store (bbolt) for the unit
// tests; it counts the bytes the ReadBlob running now has delivered.
type storeBlobs struct {
	s    *blob.Store
	read atomic.Int64
}

func newStoreBlobs(t testing.TB) *storeBlobs {
	db, err := store.Open(filepath.Join(t.TempDir(), "chain.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return &storeBlobs{s: blob.NewStore(db)}
}

func (b *storeBlobs) PutBlob(_ context.Context, r io.Reader) (node.BlobInfo, error) {
	m, err := b.s.Put(r)
	return node.BlobInfo{Manifest: m.Encode(), Root: m.Root, Size: m.Size, ChunkSize: m.ChunkSize, Chunks: m.Chunks()}, err
}

func (b *storeBlobs) FetchBlob(_ context.Context, manifest []byte) (node.BlobInfo, error) {
	m, err := blob.DecodeManifest(manifest)
	if err != nil || !b.s.Has(m) {
		return node.BlobInfo{}, node.ErrNotFound
	}
	return node.BlobInfo{Manifest: manifest, Root: m.Root, Size: m.Size, ChunkSize: m.ChunkSize, Chunks: m.Chunks()}, nil
}

func (b *storeBlobs) BlobProgress(context.Context, []byte) (node.BlobProgress, error) {
	return node.BlobProgress{}, nil
}

func (b *storeBlobs) ReadBlob(_ context.Context, manifest []byte, w io.Writer) (int64, error) {
	m, err := blob.DecodeManifest(manifest)
	if err != nil {
		return 0, err
	}
	if !b.s.Has(m) {
		return 0, node.ErrNotFound
	}
	b.read.Store(0)
	return b.s.WriteBlob(m, writerFunc(func(p []byte) (int, error) {
		b.read.Add(int64(len(p)))
		return w.Write(p)
	}))
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

// blobPool stores data as a blob in b and adds a blob pool over it.
func (c *stubChain) blobPool(t testing.TB, b *storeBlobs, key string, data []byte, members ...wire.PubKey) *node.PoolInfo {
	info, err := b.PutBlob(context.Background(), bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	p := c.keyPool(key, data, members...)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.values[key] = info.Manifest
	p.Target.Kind, p.Target.Hash = "blob", BlobHash(info.Manifest)
	return p
}

// TestBlockTreeIsTheSegmentTree: the block roots and the tree above them
// give the segment root the chain holds for every size (one block, a
// partial last block, odd counts), each block verifies with its branch,
// and a changed byte, a wrong index or a short branch does not.
func TestBlockTreeIsTheSegmentTree(t *testing.T) {
	for _, size := range []int{1, 1023, 1024, 5000, BlockSize - 1, BlockSize, BlockSize + 1, 3*BlockSize + 5000, 5 * BlockSize} {
		data := randomBytes(size, uint64(size))
		tree, n, err := hashBlocks(func(w io.Writer) error {
			_, err := w.Write(data)
			return err
		})
		if err != nil || n != uint64(size) || tree.root() != wire.SegmentRoot(data) {
			t.Fatalf("size %d: root %s, segment root %s, %d bytes, %v", size, tree.root().Short(), wire.SegmentRoot(data).Short(), n, err)
		}
		blocks := blockCount(uint64(size))
		for i := range blocks {
			block := data[i*BlockSize : i*BlockSize+uint64(blockLen(uint64(size), i))]
			br := tree.branch(i)
			if !verifyBlock(tree.root(), uint64(size), i, block, br) {
				t.Fatalf("size %d: block %d does not verify", size, i)
			}
			bad := bytes.Clone(block)
			bad[len(bad)/2] ^= 1
			if verifyBlock(tree.root(), uint64(size), i, bad, br) {
				t.Fatalf("size %d: a changed block %d verifies", size, i)
			}
			if blocks > 1 && (verifyBlock(tree.root(), uint64(size), i^1, block, br) || verifyBlock(tree.root(), uint64(size), i, block, br[1:])) {
				t.Fatalf("size %d: block %d verifies at another index or with a short branch", size, i)
			}
		}
		if verifyBlock(tree.root(), uint64(size), blocks, nil, nil) {
			t.Fatalf("size %d: a block past the end verifies", size)
		}
	}
}

// readAnswer parses a redemption answer from block from on and checks
// each block; it returns the data of the blocks sent.
func readAnswer(t testing.TB, r io.Reader, root wire.Hash, from uint64) []byte {
	t.Helper()
	br := bufio.NewReader(r)
	status, _ := br.ReadByte()
	var size uint64
	if status != statusOK || binary.Read(br, binary.BigEndian, &size) != nil {
		t.Fatalf("answer status %d", status)
	}
	var out []byte
	n := blockCount(size)
	for i := from; i < n; i++ {
		branch := make([]wire.Hash, blockBranchLen(n, i))
		for j := range branch {
			io.ReadFull(br, branch[j][:])
		}
		block := make([]byte, blockLen(size, i))
		if _, err := io.ReadFull(br, block); err != nil || !verifyBlock(root, size, i, block, branch) {
			t.Fatalf("block %d of %d does not verify (%v)", i, n, err)
		}
		out = append(out, block...)
	}
	if rest, _ := io.ReadAll(br); len(rest) != 0 {
		t.Fatalf("%d bytes after the last block", len(rest))
	}
	return out
}

// aheadSink is where a member writes its answer in the test: at each
// write it notes how far the blob store's read ran ahead of what was
// written (what the member holds in memory).
type aheadSink struct {
	buf     bytes.Buffer
	src     *storeBlobs
	base    int64 // bytes of the answer before the blocks from which reads count
	maxHeld int64
}

func (s *aheadSink) Write(p []byte) (int, error) {
	n, _ := s.buf.Write(p)
	if held := s.src.read.Load() - (int64(s.buf.Len()) - s.base); held > s.maxHeld {
		s.maxHeld = held
	}
	return n, nil
}

// TestServeStreamsBlobInBoundedMemory: a member serves a blob ten times
// larger than its MaxData (the old cap of a redemption held in memory)
// by streaming it from the blob store: at every write, what it has read
// but not yet written stays within two blocks, whatever the size; the
// answer is every block with its branch, and a resumed answer starts at
// the block asked.
func TestServeStreamsBlobInBoundedMemory(t *testing.T) {
	c, b := newStubChain(), newStoreBlobs(t)
	me := key(t, 1)
	data := randomBytes(10*BlockSize+12_345, 9)
	p := c.blobPool(t, b, "public/big", data, me.PubKey())
	s, err := New(Config{Key: &me, MaxData: BlockSize, Poll: time.Hour}, Deps{Net: wire.Devnet, Chain: c, Blobs: b})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	const bound = 2 * BlockSize
	for _, from := range []uint64{0, 7} {
		w := &aheadSink{src: b, base: 1 + 8}
		if err := s.serve(ctx, p, from, w); err != nil {
			t.Fatalf("serve from block %d: %v", from, err)
		}
		if from == 0 && w.maxHeld > bound {
			t.Fatalf("the member held %d bytes read from the store but not sent (bound %d)", w.maxHeld, bound)
		}
		if got := readAnswer(t, &w.buf, p.Target.SegmentRoot, from); !bytes.Equal(got, data[from*BlockSize:]) {
			t.Fatalf("from block %d: %d bytes sent, want %d", from, len(got), len(data[from*BlockSize:]))
		}
	}
	// The member loses a chunk: it refuses (in writing, by the handler).
	b.s.Delete(mustManifest(t, c, "public/big"))
	if err := s.serve(ctx, p, 0, io.Discard); !errors.As(err, new(*lackError)) {
		t.Fatalf("serve without the blob: %v", err)
	}
}

func mustManifest(t testing.TB, c *stubChain, key string) blob.Manifest {
	c.mu.Lock()
	defer c.mu.Unlock()
	m, err := blob.DecodeManifest(c.values[key])
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// blockSink records what a download writes and says when it first wrote.
type blockSink struct {
	buf    bytes.Buffer
	writes []int
	first  chan struct{}
}

func (s *blockSink) Write(p []byte) (int, error) {
	if len(s.writes) == 0 {
		close(s.first)
	}
	s.writes = append(s.writes, len(p))
	return s.buf.Write(p)
}

// TestRedeemWritesEachBlockAsItVerifies: the redeemer writes a block as
// soon as it verifies, while the member is still sending (member 1 sends
// block 1 only once block 0 is written); a member that then sends a bad
// block is cut off, and the next member is asked for the rest from that
// block on, so the file is the pool's data once, in order.
func TestRedeemWritesEachBlockAsItVerifies(t *testing.T) {
	c, b := newStubChain(), newStoreBlobs(t)
	me1, me2, redeemer := key(t, 1), key(t, 2), key(t, 3)
	data := randomBytes(4*BlockSize+777, 5)
	p := c.blobPool(t, b, "public/file", data, me1.PubKey(), me2.PubKey())
	red := wire.NewTx(wire.RootChain, wire.TokenRedeem{Pool: p.ID, Epoch: 1}, 0, 0)
	red.Sign(wire.Devnet, redeemer)
	c.txs[red.ID()] = red
	tree, _, _ := hashBlocks(func(w io.Writer) error { _, err := w.Write(data); return err })

	sink := &blockSink{first: make(chan struct{})}
	// Member 1 (by hand): block 0, then, once the redeemer wrote it, a
	// block 1 with one byte changed.
	m1, m2, rh := newHost(t), newHost(t), newHost(t)
	asked := make(chan uint32, 1)
	var stalled atomic.Bool
	m1.SetStreamHandler(Proto(wire.Devnet), func(st network.Stream) {
		defer st.Close()
		var req [requestSize]byte
		io.ReadFull(st, req[:])
		asked <- binary.BigEndian.Uint32(req[2*wire.HashSize:])
		out := binary.BigEndian.AppendUint64([]byte{statusOK}, uint64(len(data)))
		send := func(i uint64, block []byte) {
			for _, h := range tree.branch(i) {
				out = append(out, h[:]...)
			}
			st.Write(append(out, block...))
			out = out[:0]
		}
		send(0, data[:BlockSize])
		select {
		case <-sink.first:
		case <-time.After(time.Minute):
			stalled.Store(true) // the redeemer held block 0 back
			return
		}
		bad := bytes.Clone(data[BlockSize : 2*BlockSize])
		bad[100] ^= 1
		send(1, bad)
	})
	s2, err := New(Config{Key: &me2, Poll: time.Hour}, Deps{Net: wire.Devnet, Chain: c, Blobs: b, Host: m2})
	if err != nil {
		t.Fatal(err)
	}
	if err := s2.Start(); err != nil {
		t.Fatal(err)
	}
	defer s2.Stop()
	rh.Peerstore().AddAddrs(m1.ID(), m1.Addrs(), time.Hour)
	rh.Peerstore().AddAddrs(m2.ID(), m2.Addrs(), time.Hour)

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	f, err := Fetch(ctx, Deps{Net: wire.Devnet, Chain: c, Host: rh}, p.ID, red.ID(), sink, m1.ID(), m2.ID())
	if err != nil {
		t.Fatalf("fetch: %v", err)
	}
	if stalled.Load() {
		t.Fatal("the redeemer wrote nothing while member 1 waited after block 0")
	}
	if from := <-asked; from != 0 {
		t.Fatalf("member 1 was asked from block %d", from)
	}
	if !bytes.Equal(sink.buf.Bytes(), data) || f.Size != uint64(len(data)) || f.Peer != m2.ID() || !slices.Equal(f.Peers, []peer.ID{m1.ID(), m2.ID()}) {
		t.Fatalf("fetched %d bytes (want %d), %+v", sink.buf.Len(), len(data), f)
	}
	for i, n := range sink.writes {
		if n > BlockSize {
			t.Fatalf("write %d of %d bytes: more than a block at once", i, n)
		}
	}
}

// FuzzReceive: whatever a member sends after the status and size, the
// redeemer writes only verified blocks, in order: a prefix of the data,
// cut at a block boundary, and never more than it says it wrote.
func FuzzReceive(f *testing.F) {
	data := randomBytes(3*BlockSize+100, 11)
	tree, _, _ := hashBlocks(func(w io.Writer) error { _, err := w.Write(data); return err })
	var good []byte
	for i := range blockCount(uint64(len(data))) {
		for _, h := range tree.branch(i) {
			good = append(good, h[:]...)
		}
		good = append(good, data[i*BlockSize:i*BlockSize+uint64(blockLen(uint64(len(data)), i))]...)
	}
	f.Add(good, uint8(0), uint32(0))
	f.Add(good[:BlockSize+100], uint8(0), uint32(0))
	f.Add([]byte{1, 2, 3}, uint8(1), uint32(1))
	f.Add(good, uint8(3), uint32(BlockSize+64))
	f.Fuzz(func(t *testing.T, stream []byte, from uint8, flip uint32) {
		if len(stream) > 0 {
			stream = bytes.Clone(stream)
			stream[int(flip)%len(stream)] ^= byte(flip >> 24)
		}
		start := uint64(from % 5)
		var out bytes.Buffer
		next, err := receive(bytes.NewReader(stream), tree.root(), uint64(len(data)), start, &out, nil)
		n := blockCount(uint64(len(data)))
		lo := min(start*BlockSize, uint64(len(data)))
		want := data[lo:min(max(next, start)*BlockSize, uint64(len(data)))]
		if next < start || next > max(n, start) || !bytes.Equal(out.Bytes(), want) {
			t.Fatalf("from %d: next %d, wrote %d bytes, want %d (%v)", start, next, out.Len(), len(want), err)
		}
		if err == nil && next != max(n, start) {
			t.Fatalf("no error at block %d of %d", next, n)
		}
	})
}

// TestAnswerTimeGrowsWithSize: a whole answer may take five minutes plus
// a second per 64 KiB still to send, so any size can be served while a
// trickling peer cannot hold a serving slot for ever.
func TestAnswerTimeGrowsWithSize(t *testing.T) {
	for _, c := range []struct {
		size, from uint64
		want       time.Duration
	}{
		{0, 0, 5 * time.Minute},
		{256 << 20, 0, 5*time.Minute + 4096*time.Second},
		{256 << 20, 512, 5*time.Minute + 2048*time.Second},
		{1 << 20, 9, 5 * time.Minute},
	} {
		if got := answerTime(c.size, c.from); got != c.want {
			t.Fatalf("answerTime(%d, %d) = %v, want %v", c.size, c.from, got, c.want)
		}
	}
}
