package blob

import "errors"

// Errors of the blob package, for errors.Is. Each is wrapped with detail.
var (
	// ErrBadManifest: an encoding or a Manifest that breaks the format
	// (wrong magic or length, chunk size out of range, too many chunks,
	// a root that does not fit the size).
	ErrBadManifest = errors.New("invalid blob manifest")
	// ErrBadChunk: a chunk, index or branch that does not verify against
	// its manifest. From a peer it is proof of misbehaviour.
	ErrBadChunk = errors.New("chunk does not verify against the blob's root")
	// ErrProtocol: a peer broke the blob protocol (oversized or malformed
	// frame, unknown status). Proof of misbehaviour.
	ErrProtocol = errors.New("blob protocol violation")
	// ErrNotFound: the chunk is not stored here, or the peer does not have it.
	ErrNotFound = errors.New("chunk not found")
	// ErrBusy: the peer is serving as many chunks as it will at once.
	ErrBusy = errors.New("peer is busy")
	// ErrCorrupt: a chunk in the local database no longer verifies.
	ErrCorrupt = errors.New("stored chunk is corrupt")
	// ErrUnavailable: Fetch could not get every chunk from the peers given.
	ErrUnavailable = errors.New("blob is not available from the peers asked")
	// ErrTooLarge: Put was given more than a manifest can describe.
	ErrTooLarge = errors.New("blob is too large")
	// ErrChanged: the input of Put changed between its two passes.
	ErrChanged = errors.New("input changed while it was being stored")
)
