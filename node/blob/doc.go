// Package blob stores and moves values larger than a put can carry inline
// (wire.MaxValueSize, 64 KiB). Such a value is a blob: it is cut into
// fixed-size chunks (DefaultChunkSize, 256 KiB; the last is shorter), and
// the chain records only its Manifest — size, chunk size and the Merkle
// root (wire.MerkleRoot) of the chunks' SHA-256 hashes — as the put value.
// The manifest encoding starts with Magic, so IsManifest recognises a
// stored value as a blob reference and DecodeManifest checks it.
//
//	put --file big.bin                       get KEY --out file
//	      │                                          │
//	Store.Put ── hash pass ──► Manifest ──► chain    │ value ──► DecodeManifest
//	      └──── store pass ──► "blobs" bucket        ▼
//	                           (branch ‖ chunk    Service.Fetch(m, peers)
//	                            per index)          │ ≤4 requests per peer, ≤16 in all
//	                               ▲                ▼
//	    Service.handle ◄── /bitverse/<net>/blob/1 ── {manifest, index}
//	    (serves what it has) ──► {chunk, branch} ──► VerifyChunk ──► writer
//	                                                 (batched bbolt txns)
//	                                                 │
//	                               Store.WriteBlob ◄─┘ (verifies again)
//
// Each chunk is verified on its own: VerifyChunk folds the chunk's hash up
// its branch (the sibling hashes, bottom up, skipping levels where the
// node is the odd one carried up) and compares with the root. A Tree
// builds every branch of a blob. The Store keeps each chunk with its
// branch, keyed by the whole manifest and the index, so a node serves any
// chunk it has — also of a blob it holds only in part — and re-verifies
// every chunk it reads. The Service serves the protocol and fetches
// missing chunks from several peers at once; a peer that sends a chunk
// that does not verify is reported and asked nothing more, and the chunk
// is fetched from another. A Verifier checks a whole blob streamed by a
// node to a client that holds no branches (get --out) against its size
// and root. docs/PROTOCOL.md §13 gives the wire formats and limits.
//
// # Errors
//
// Sentinels, wrapped with detail, for errors.Is:
//   - ErrBadManifest: DecodeManifest, Manifest.Check, and any call given
//     a manifest that breaks the format.
//   - ErrBadChunk: VerifyChunk and Tree.Proof — a chunk, index or branch
//     that does not belong to the manifest. From a peer it proves
//     misbehaviour.
//   - ErrProtocol: a peer broke the protocol (oversized, short or
//     malformed frame, unknown status). Proves misbehaviour.
//   - ErrNotFound: Store.Chunk/WriteBlob when a chunk is not stored, and a
//     peer's answer that it does not have a chunk.
//   - ErrCorrupt: a stored chunk no longer verifies (disk damage); it is
//     deleted, so the next Fetch replaces it.
//   - ErrUnavailable: Fetch could not get every chunk from the peers given.
//   - ErrTooLarge: Put input beyond MaxChunks chunks.
//   - ErrChanged: Put's input changed between its two passes.
//   - ErrBusy: a peer is serving all it will; not the peer's fault.
//
// The onBadPeer callback given to Register receives errors wrapping
// ErrBadChunk or ErrProtocol (ban-worthy) or ErrNotFound (the peer lacked
// a chunk it was asked for: a hint, not proof, that it is useless for this
// blob). Timeouts, resets and ErrBusy are never reported: they may be this
// node's own network.
package blob
