package wire

import (
	"bytes"
	"testing"
)

// FuzzDecodeBlobManifest: consensus decodes any value that starts with
// BlobMagic, so the decoder must never panic, and what it accepts must
// have one encoding (the fields re-encoded give back the input).
func FuzzDecodeBlobManifest(f *testing.F) {
	valid := func(size uint64, chunk uint32, root Hash) []byte {
		w := NewWriter(BlobManifestSize)
		w.Fixed([]byte(BlobMagic))
		w.U64(size)
		w.U32(chunk)
		w.Hash(root)
		return w.Bytes()
	}
	f.Add(valid(0, BlobMinChunk, Hash{}))
	f.Add(valid(5<<20, 1<<20, Hash{1}))
	f.Add(valid(1, 3000, Hash{2})) // chunk size not a power of two
	f.Add([]byte(BlobMagic))
	f.Add([]byte("plain text"))
	f.Fuzz(func(t *testing.T, b []byte) {
		size, chunk, root, err := DecodeBlobManifest(b)
		if err != nil {
			return
		}
		if again := valid(size, chunk, root); !bytes.Equal(again, b) {
			t.Fatalf("accepted %x, which re-encodes as %x", b, again)
		}
		if CheckBlobManifest(size, chunk, root) != nil {
			t.Fatalf("accepted fields that CheckBlobManifest refuses: %d %d %s", size, chunk, root.Short())
		}
	})
}
