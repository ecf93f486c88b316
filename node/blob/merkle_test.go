package blob

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"testing"

	"github.com/bitverse/bitverse/node/wire"
)

// TestTreeMatchesWire checks the tree, its branches and their folding
// against wire.MerkleRoot for every count of leaves up to 130 and every
// index.
func TestTreeMatchesWire(t *testing.T) {
	for n := 0; n <= 130; n++ {
		leaves := make([]wire.Hash, n)
		for i := range leaves {
			leaves[i] = wire.Sum([]byte{byte(n), byte(i), byte(i >> 8)})
		}
		tree := NewTree(leaves)
		root := wire.MerkleRoot(leaves)
		if tree.Root() != root {
			t.Fatalf("case %d: tree root %s, wire.MerkleRoot %s", n, tree.Root().Short(), root.Short())
		}
		for i := 0; i < n; i++ {
			br, err := tree.Proof(i)
			if err != nil {
				t.Fatalf("case %d: proof %d: %v", n, i, err)
			}
			if len(br) != branchLen(n, i) || len(br) > MaxBranch {
				t.Fatalf("case %d: branch %d has %d hashes, branchLen says %d", n, i, len(br), branchLen(n, i))
			}
			if got := rootFromBranch(n, i, leaves[i], br); got != root {
				t.Fatalf("case %d: branch %d folds to %s, want %s", n, i, got.Short(), root.Short())
			}
		}
		for _, i := range []int{-1, n, n + 1} {
			if _, err := tree.Proof(i); !errors.Is(err, ErrBadChunk) {
				t.Fatalf("case %d: proof of %d: err %v", n, i, err)
			}
		}
	}
	if got := branchLen(MaxChunks, MaxChunks-1); got != MaxBranch {
		t.Fatalf("longest branch %d, MaxBranch %d", got, MaxBranch)
	}
}

// chunked is a blob split by hand, with its manifest and branches.
type chunked struct {
	m        Manifest
	chunks   [][]byte
	branches [][]wire.Hash
}

func chunk(data []byte, cs int) chunked {
	var c chunked
	var hashes []wire.Hash
	for off := 0; off < len(data); off += cs {
		ch := data[off:min(off+cs, len(data))]
		c.chunks = append(c.chunks, ch)
		hashes = append(hashes, sha256.Sum256(ch))
	}
	tree := NewTree(hashes)
	for i := range c.chunks {
		br, _ := tree.Proof(i)
		c.branches = append(c.branches, br)
	}
	c.m = Manifest{Size: uint64(len(data)), ChunkSize: uint32(cs), Root: wire.MerkleRoot(hashes)}
	return c
}

// blobSizes are the sizes every chunking test covers, for a chunk size cs.
func blobSizes(cs int) []int {
	return []int{0, 1, cs - 1, cs, cs + 1, 2*cs - 1, 2 * cs, 3*cs + 7, 7*cs + cs/2, 33 * cs, 100*cs + 1}
}

func TestVerifyChunkSizes(t *testing.T) {
	for _, cs := range []int{MinChunkSize, 16 << 10} {
		for k, size := range blobSizes(cs) {
			c := chunk(randomData(size, uint64(size)), cs)
			if err := c.m.Check(); err != nil {
				t.Fatalf("case %d/%d: %v", cs, k, err)
			}
			if len(c.chunks) != c.m.Chunks() {
				t.Fatalf("case %d/%d: %d chunks, manifest says %d", cs, k, len(c.chunks), c.m.Chunks())
			}
			for i := range c.chunks {
				if err := VerifyChunk(c.m, i, c.chunks[i], c.branches[i]); err != nil {
					t.Fatalf("case %d/%d: chunk %d: %v", cs, k, i, err)
				}
			}
		}
	}
}

// TestVerifyChunkTamper mutates every bit position of every chunk (one bit
// per byte, cycling), every bit of every branch hash, every length, index
// and manifest field, and expects each to be rejected.
func TestVerifyChunkTamper(t *testing.T) {
	const cs = MinChunkSize
	for k, size := range []int{1, cs - 1, cs, cs + 1, 7*cs + cs/2, 33 * cs} {
		c := chunk(randomData(size, uint64(size)+99), cs)
		n := len(c.chunks)
		reject := func(what string, m Manifest, i int, ch []byte, br []wire.Hash) {
			t.Helper()
			err := VerifyChunk(m, i, ch, br)
			if !errors.Is(err, ErrBadChunk) {
				t.Fatalf("case %d: %s: err %v, want ErrBadChunk", k, what, err)
			}
		}
		for i := range c.chunks {
			ch, br := c.chunks[i], c.branches[i]
			bad := bytes.Clone(ch)
			if n <= 8 { // every byte of small blobs; a stride through the big one
				for pos := range bad {
					bad[pos] ^= 1 << (pos % 8)
					reject("flipped chunk byte", c.m, i, bad, br)
					bad[pos] ^= 1 << (pos % 8)
				}
			} else {
				for pos := i; pos < len(bad); pos += 97 {
					bad[pos] ^= 0x80
					reject("flipped chunk byte", c.m, i, bad, br)
					bad[pos] ^= 0x80
				}
			}
			reject("truncated chunk", c.m, i, ch[:len(ch)-1], br)
			reject("empty chunk", c.m, i, nil, br)
			reject("extended chunk", c.m, i, append(bytes.Clone(ch), 0), br)
			for j := range br {
				for bit := 0; bit < 8*wire.HashSize; bit++ {
					b2 := append([]wire.Hash(nil), br...)
					b2[j][bit/8] ^= 1 << (bit % 8)
					reject("flipped branch bit", c.m, i, ch, b2)
				}
			}
			if len(br) > 0 {
				reject("short branch", c.m, i, ch, br[:len(br)-1])
				reject("no branch", c.m, i, ch, nil)
			}
			if len(br) > 0 {
				reject("long branch", c.m, i, ch, append(append([]wire.Hash(nil), br...), br...))
			}
			reject("branch plus zero", c.m, i, ch, append(append([]wire.Hash(nil), br...), wire.ZeroHash))
			if len(br) > 1 {
				sw := append([]wire.Hash(nil), br...)
				sw[0], sw[1] = sw[1], sw[0]
				if sw[0] != sw[1] {
					reject("swapped branch hashes", c.m, i, ch, sw)
				}
			}
			for j := range c.chunks {
				if j != i {
					reject("chunk at another index", c.m, j, ch, br)
					reject("another chunk's branch", c.m, i, ch, c.branches[j])
					if len(c.chunks[j]) == len(ch) {
						reject("another chunk", c.m, i, c.chunks[j], br)
					}
				}
			}
			for _, j := range []int{-1, n, n + 1, 1 << 31, -1 << 31} {
				reject("index out of range", c.m, j, ch, br)
			}
			for _, m := range []Manifest{
				{Size: c.m.Size + 1, ChunkSize: c.m.ChunkSize, Root: c.m.Root},
				{Size: c.m.Size - 1, ChunkSize: c.m.ChunkSize, Root: c.m.Root},
				{Size: c.m.Size, ChunkSize: c.m.ChunkSize * 2, Root: c.m.Root},
				{Size: c.m.Size, ChunkSize: c.m.ChunkSize, Root: wire.ZeroHash},
				{Size: c.m.Size, ChunkSize: 3000, Root: c.m.Root},
			} {
				if m.Check() == nil && m.ChunkLen(i) == len(ch) && pathShape(m.Chunks(), i) == pathShape(n, i) {
					// The same path to the same root: the chunk verifies, as it
					// must (see TestForgedManifestSameRoot).
					if err := VerifyChunk(m, i, ch, br); err != nil {
						t.Fatalf("case %d: same path under %+v: %v", k, m, err)
					}
					continue
				}
				reject("other manifest", m, i, ch, br)
			}
			for bit := 0; bit < 8*wire.HashSize; bit++ {
				m := c.m
				m.Root[bit/8] ^= 1 << (bit % 8)
				reject("flipped root bit", m, i, ch, br)
			}
		}
	}
}

// TestForgedManifestSameRoot shows why chunks are stored under the whole
// manifest: a manifest that shares an honest blob's root but claims fewer
// chunks can make a genuine chunk verify at another index.
func TestForgedManifestSameRoot(t *testing.T) {
	const cs = MinChunkSize
	honest := chunk(randomData(2*cs+100, 5), cs) // three chunks: root = node(node(l0,l1), l2)
	forged := Manifest{Size: cs + 100, ChunkSize: cs, Root: honest.m.Root}
	lower := wire.MerkleNode(wire.MerkleLeaf(sha256.Sum256(honest.chunks[0])), wire.MerkleLeaf(sha256.Sum256(honest.chunks[1])))
	if err := VerifyChunk(forged, 1, honest.chunks[2], []wire.Hash{lower}); err != nil {
		t.Fatalf("the forged manifest does not verify chunk 2 at index 1: %v", err)
	}
	if bytes.Equal(forged.chunkKey(1), honest.m.chunkKey(1)) {
		t.Fatal("the forged and honest manifests share a chunk key")
	}
}

// pathShape spells the way from leaf i of n to the root: L (sibling on the
// left), R (on the right), C (carried up).
func pathShape(n, i int) string {
	var b []byte
	for ; n > 1; n = (n + 1) / 2 {
		switch {
		case i&1 == 1:
			b = append(b, 'L')
		case i+1 < n:
			b = append(b, 'R')
		default:
			b = append(b, 'C')
		}
		i >>= 1
	}
	return string(b)
}
