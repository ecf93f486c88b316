package blob

import (
	"encoding/binary"
	"fmt"
	"io"

	"github.com/bitverse/bitverse/node/wire"
)

// The protocol's frames are those of node/p2p: a 4-byte big-endian length
// and that many bytes. A reader refuses a length over its cap before it
// allocates.

// Frame sizes and caps.
const (
	// RequestSize is the one size of a request frame's payload.
	RequestSize = blobKeyLen + 4
	// MaxResponseFrame caps any response: status, the longest branch and
	// the largest chunk. A client caps each response tighter, at the exact
	// length the manifest implies.
	MaxResponseFrame = 1 + MaxBranch*wire.HashSize + MaxChunkSize
	maxRequestFrame  = 64
)

// Response status: the first byte of a response.
const (
	statusOK       byte = 0 // branch ‖ chunk follow
	statusNotFound byte = 1 // this peer does not have the chunk
	statusBusy     byte = 2 // this peer is serving all it will; ask later
)

// request asks for chunk Index of the blob Manifest describes.
type request struct {
	Manifest Manifest
	Index    int
}

// encode: root ‖ size u64 ‖ chunk size u32 ‖ index u32 (48 bytes).
func (q request) encode() []byte { return q.Manifest.chunkKey(q.Index) }

func decodeRequest(b []byte) (request, error) {
	r := wire.NewReader(b)
	q := request{Manifest: Manifest{Root: r.Hash(), Size: r.U64(), ChunkSize: r.U32()}}
	idx := r.U32()
	if err := r.Done(); err != nil {
		return request{}, fmt.Errorf("%w: request: %w", ErrProtocol, err)
	}
	if err := q.Manifest.Check(); err != nil {
		return request{}, fmt.Errorf("%w: request: %w", ErrProtocol, err)
	}
	if int64(idx) >= int64(q.Manifest.Chunks()) {
		return request{}, fmt.Errorf("%w: request for chunk %d of %d", ErrProtocol, idx, q.Manifest.Chunks())
	}
	q.Index = int(idx)
	return q, nil
}

// responseLen is the exact length of an OK response to q.
func (q request) responseLen() int {
	return 1 + branchLen(q.Manifest.Chunks(), q.Index)*wire.HashSize + q.Manifest.ChunkLen(q.Index)
}

// decodeResponse parses a response to q. It checks the shape only; the
// caller verifies the chunk.
func decodeResponse(q request, b []byte) (chunk []byte, branch []wire.Hash, err error) {
	if len(b) == 0 {
		return nil, nil, fmt.Errorf("%w: empty response", ErrProtocol)
	}
	switch b[0] {
	case statusOK:
	case statusNotFound, statusBusy:
		if len(b) != 1 {
			return nil, nil, fmt.Errorf("%w: status %d with %d bytes", ErrProtocol, b[0], len(b)-1)
		}
		if b[0] == statusBusy {
			return nil, nil, ErrBusy
		}
		return nil, nil, fmt.Errorf("%w: peer does not have chunk %d of %s", ErrNotFound, q.Index, q.Manifest.Root.Short())
	default:
		return nil, nil, fmt.Errorf("%w: unknown status %d", ErrProtocol, b[0])
	}
	if want := q.responseLen(); len(b) != want {
		return nil, nil, fmt.Errorf("%w: response of %d bytes for chunk %d, want %d", ErrProtocol, len(b), q.Index, want)
	}
	bl := branchLen(q.Manifest.Chunks(), q.Index)
	return b[1+bl*wire.HashSize:], splitBranch(b[1 : 1+bl*wire.HashSize]), nil
}

// writeFrame writes one frame.
func writeFrame(w io.Writer, payload []byte) error {
	var hdr [4]byte
	binary.BigEndian.PutUint32(hdr[:], uint32(len(payload)))
	if _, err := w.Write(hdr[:]); err != nil {
		return err
	}
	_, err := w.Write(payload)
	return err
}

// readFrame reads one frame of at most max bytes; a longer one is an
// ErrProtocol. alloc, if not nil, is called with the length before the
// buffer is allocated and may refuse it.
func readFrame(r io.Reader, max int, alloc func(n int) error) ([]byte, error) {
	var hdr [4]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, err
	}
	n := binary.BigEndian.Uint32(hdr[:])
	if uint64(n) > uint64(max) {
		return nil, fmt.Errorf("%w: frame of %d bytes (max %d)", ErrProtocol, n, max)
	}
	if alloc != nil {
		if err := alloc(int(n)); err != nil {
			return nil, err
		}
	}
	buf := make([]byte, n)
	if _, err := io.ReadFull(r, buf); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	return buf, nil
}
