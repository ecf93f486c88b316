// Package wire is the leaf of Bitverse: hashes, keys, signatures, addresses,
// amounts, chain names, and the transaction, header and block types with
// their one canonical binary encoding.
//
// Nothing here imports another Bitverse package. Everything that crosses a
// process boundary (disk, network, RPC) is encoded by this package, so two
// nodes that agree on bytes agree on meaning.
//
// # Encoding
//
// Integers are fixed-width big-endian or canonical unsigned varints (LEB128,
// minimal form only). Byte strings are a varint length followed by the bytes.
// Every decoder is bounded: a length is checked against both a per-field cap
// and the bytes actually remaining before anything is allocated, so decoding
// never panics and never allocates more than its input justifies. Decoders
// reject trailing bytes, so each value has exactly one encoding.
//
// # Identifiers
//
// A transaction's ID is SHA-256 of its full encoding (signature included), so
// a signature cache keyed by ID can never confuse a good signature with a bad
// one. What the signer signs is SigHash: SHA-256 over a domain tag, the
// network ID and the encoding without the signature, so a transaction signed
// for one network is invalid on every other.
//
// A header's proof of work is SHA-256(Commit ‖ Nonce) where Commit is the
// Merkle root of the header's content hash along its merge branch (the empty
// branch for a block mined alone). The block ID is SHA-256(ContentHash ‖
// Nonce), which equals the PoW hash for a block mined alone.
//
// # Errors
//
// Decoding errors wrap ErrMalformed (and ErrTooLarge for caps), so callers
// can test with errors.Is and show the wrapped sentence to a user.
package wire
