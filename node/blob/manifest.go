package blob

import (
	"encoding/binary"
	"fmt"

	"github.com/bitverse/bitverse/node/wire"
)

// Chunking parameters (see docs/PROTOCOL.md §13). The format is
// consensus (wire/blobmanifest.go); these name it for this package.
const (
	// DefaultChunkSize is the chunk size Put uses: 256 KiB, so a 20 MiB
	// file is 80 chunks and one chunk with its branch fits a 1 MiB frame.
	DefaultChunkSize = 256 << 10
	// MinChunkSize and MaxChunkSize bound the chunk size a manifest may
	// name; it must also be a power of two.
	MinChunkSize = wire.BlobMinChunk
	MaxChunkSize = wire.BlobMaxChunk
	// MaxChunks is the most chunks a blob may have: 16 GiB at the default
	// chunk size.
	MaxChunks = wire.BlobMaxChunks
	// MaxBranch is the longest Merkle branch: ceil(log2(MaxChunks)).
	MaxBranch = 16
	// ManifestSize is the length of an encoded manifest.
	ManifestSize = wire.BlobManifestSize
)

// Magic starts every encoded manifest, so a put value can be recognised as
// a blob reference. The leading zero byte keeps it apart from text; the
// last byte is the manifest version.
const Magic = wire.BlobMagic

// Manifest describes a blob: its size, its chunk size, and the Merkle root
// (wire.MerkleRoot) of the SHA-256 hashes of its chunks. Every chunk but
// the last is ChunkSize bytes; the last holds the rest. An empty blob has
// no chunks and the zero root.
type Manifest struct {
	Size      uint64
	ChunkSize uint32
	Root      wire.Hash
}

// IsManifest reports whether a value starts with the manifest magic, that
// is, claims to be a blob reference. DecodeManifest says whether the claim
// holds.
func IsManifest(value []byte) bool { return wire.IsBlobManifest(value) }

// Encode returns the canonical encoding:
// magic (8) ‖ size u64 ‖ chunk size u32 ‖ root (32), big-endian, 52 bytes.
func (m Manifest) Encode() []byte {
	w := wire.NewWriter(ManifestSize)
	w.Fixed([]byte(Magic))
	w.U64(m.Size)
	w.U32(m.ChunkSize)
	w.Hash(m.Root)
	return w.Bytes()
}

// DecodeManifest decodes and checks an encoded manifest. Every valid
// manifest has exactly one encoding.
func DecodeManifest(b []byte) (Manifest, error) {
	size, cs, root, err := wire.DecodeBlobManifest(b)
	if err != nil {
		return Manifest{}, badManifest(err)
	}
	return Manifest{Size: size, ChunkSize: cs, Root: root}, nil
}

// Check reports whether m is well formed: a power-of-two chunk size in
// [MinChunkSize, MaxChunkSize], at most MaxChunks chunks, the zero root
// exactly when the blob is empty.
func (m Manifest) Check() error {
	return badManifest(wire.CheckBlobManifest(m.Size, m.ChunkSize, m.Root))
}

// badManifest wraps the format's error as this package's ErrBadManifest.
func badManifest(err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%w (%v)", ErrBadManifest, err)
}

func checkChunkSize(cs int64) error {
	if cs < MinChunkSize || cs > MaxChunkSize || cs&(cs-1) != 0 {
		return fmt.Errorf("%w: chunk size %d is not a power of two from %d to %d", ErrBadManifest, cs, MinChunkSize, MaxChunkSize)
	}
	return nil
}

// Chunks returns the number of chunks. It assumes m passed Check.
func (m Manifest) Chunks() int {
	if m.ChunkSize == 0 {
		return 0
	}
	return int((m.Size + uint64(m.ChunkSize) - 1) / uint64(m.ChunkSize))
}

// ChunkLen returns the length of chunk i, or -1 if there is no chunk i.
func (m Manifest) ChunkLen(i int) int {
	n := m.Chunks()
	if i < 0 || i >= n {
		return -1
	}
	if i < n-1 {
		return int(m.ChunkSize)
	}
	return int(m.Size - uint64(n-1)*uint64(m.ChunkSize))
}

// String describes m for logs and screens.
func (m Manifest) String() string {
	return fmt.Sprintf("blob %s (%d bytes, %d chunks of %d)", m.Root.Short(), m.Size, m.Chunks(), m.ChunkSize)
}

// key is the prefix of every database key of m: root ‖ size ‖ chunk size.
// Chunks are stored under the whole manifest, not the root alone: a forged
// manifest that shares an honest root but claims another size must not
// make a node file a genuine chunk at the wrong index.
func (m Manifest) key() []byte {
	k := make([]byte, 0, blobKeyLen+4)
	k = append(k, m.Root[:]...)
	k = binary.BigEndian.AppendUint64(k, m.Size)
	return binary.BigEndian.AppendUint32(k, m.ChunkSize)
}

const blobKeyLen = wire.HashSize + 8 + 4

// chunkKey is key(m) ‖ index u32.
func (m Manifest) chunkKey(i int) []byte { return binary.BigEndian.AppendUint32(m.key(), uint32(i)) }
