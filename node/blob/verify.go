package blob

import (
	"crypto/sha256"
	"fmt"

	"github.com/bitverse/bitverse/node/wire"
)

// Verifier checks that the bytes written through it are exactly the blob a
// manifest describes, for a reader that holds no branches (a client of the
// local API reading a blob from its node): Write hashes chunk by chunk and
// refuses bytes past the manifest's size; Check compares the size and the
// Merkle root once everything is written. Write to a temporary file
// alongside, and keep it only if Check passes.
type Verifier struct {
	m      Manifest
	buf    []byte
	hashes []wire.Hash
	n      uint64
}

// NewVerifier returns a Verifier for m (which must pass Manifest.Check).
func NewVerifier(m Manifest) *Verifier {
	return &Verifier{m: m, buf: make([]byte, 0, m.ChunkSize), hashes: make([]wire.Hash, 0, m.Chunks())}
}

// Write implements io.Writer. It fails with ErrBadChunk once more bytes
// arrive than the blob has.
func (v *Verifier) Write(p []byte) (int, error) {
	if uint64(len(p)) > v.m.Size-v.n {
		return 0, fmt.Errorf("%w: %s has %d bytes, got more", ErrBadChunk, v.m, v.m.Size)
	}
	v.n += uint64(len(p))
	written := len(p)
	for len(p) > 0 {
		k := min(len(p), cap(v.buf)-len(v.buf))
		v.buf = append(v.buf, p[:k]...)
		p = p[k:]
		if len(v.buf) == cap(v.buf) {
			v.hashes = append(v.hashes, sha256.Sum256(v.buf))
			v.buf = v.buf[:0]
		}
	}
	return written, nil
}

// Check reports whether exactly the blob was written: ErrBadChunk if the
// size falls short or the chunks do not hash to the manifest's root.
func (v *Verifier) Check() error {
	if v.n != v.m.Size {
		return fmt.Errorf("%w: %s has %d bytes, got %d", ErrBadChunk, v.m, v.m.Size, v.n)
	}
	hashes := v.hashes
	if len(v.buf) > 0 {
		hashes = append(hashes, sha256.Sum256(v.buf))
	}
	if root := wire.MerkleRoot(hashes); root != v.m.Root {
		return fmt.Errorf("%w: the bytes of %s hash to root %s", ErrBadChunk, v.m, root.Short())
	}
	return nil
}
