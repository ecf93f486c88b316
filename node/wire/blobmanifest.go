package wire

import (
	"bytes"
	"errors"
	"fmt"
)

// The blob manifest's format lives here, in the leaf package, because
// consensus enforces it: a put whose value starts with BlobMagic must be a
// valid manifest (else readers would take it for a broken blob reference).
// Package blob builds on it.
const (
	// BlobMagic starts every encoded manifest. The leading zero byte keeps
	// it apart from text; the last byte is the manifest version.
	BlobMagic = "\x00bvblob\x01"
	// BlobManifestSize is the length of an encoded manifest:
	// magic ‖ size u64 ‖ chunk size u32 ‖ root [32].
	BlobManifestSize = len(BlobMagic) + 8 + 4 + HashSize
	// BlobMinChunk and BlobMaxChunk bound a manifest's chunk size, which is
	// also a power of two; BlobMaxChunks bounds its number of chunks.
	BlobMinChunk  = 4 << 10
	BlobMaxChunk  = 1 << 20
	BlobMaxChunks = 1 << 16
)

// ErrBadBlobManifest: an encoding or manifest fields that break the format.
var ErrBadBlobManifest = errors.New("invalid blob manifest")

// IsBlobManifest reports whether a value claims to be a blob manifest.
func IsBlobManifest(value []byte) bool { return bytes.HasPrefix(value, []byte(BlobMagic)) }

// CheckBlobManifest checks manifest fields: a power-of-two chunk size in
// [BlobMinChunk, BlobMaxChunk], at most BlobMaxChunks chunks, and the zero
// root exactly when the blob is empty.
func CheckBlobManifest(size uint64, chunkSize uint32, root Hash) error {
	cs := int64(chunkSize)
	if cs < BlobMinChunk || cs > BlobMaxChunk || cs&(cs-1) != 0 {
		return fmt.Errorf("%w: chunk size %d is not a power of two from %d to %d", ErrBadBlobManifest, cs, BlobMinChunk, BlobMaxChunk)
	}
	if size > uint64(BlobMaxChunks)*uint64(chunkSize) {
		return fmt.Errorf("%w: %d bytes is more than %d chunks of %d", ErrBadBlobManifest, size, BlobMaxChunks, chunkSize)
	}
	if (size == 0) != root.IsZero() {
		return fmt.Errorf("%w: size %d with root %s (the zero root is for the empty blob only)", ErrBadBlobManifest, size, root.Short())
	}
	return nil
}

// DecodeBlobManifest decodes and checks an encoded manifest; every valid
// manifest has exactly one encoding.
func DecodeBlobManifest(b []byte) (size uint64, chunkSize uint32, root Hash, err error) {
	if len(b) != BlobManifestSize {
		return 0, 0, Hash{}, fmt.Errorf("%w: %d bytes, a manifest is %d", ErrBadBlobManifest, len(b), BlobManifestSize)
	}
	if !IsBlobManifest(b) {
		return 0, 0, Hash{}, fmt.Errorf("%w: wrong magic %x", ErrBadBlobManifest, b[:len(BlobMagic)])
	}
	r := NewReader(b[len(BlobMagic):])
	size, chunkSize, root = r.U64(), r.U32(), r.Hash()
	if err := r.Done(); err != nil {
		return 0, 0, Hash{}, fmt.Errorf("%w: %w", ErrBadBlobManifest, err)
	}
	if err := CheckBlobManifest(size, chunkSize, root); err != nil {
		return 0, 0, Hash{}, err
	}
	return size, chunkSize, root, nil
}
