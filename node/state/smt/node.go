package smt

import (
	"bytes"
	"crypto/sha256"

	"github.com/bitverse/bitverse/node/wire"
)

// KeyBits is the number of bits in a key, and so the greatest depth of a
// node: the root is at depth 0, and a leaf can sit at depth 0..KeyBits.
const KeyBits = 8 * wire.HashSize

// EmptyRoot is the root of the empty tree, and the hash of every empty
// subtree: the zero hash.
var EmptyRoot wire.Hash

// Hash-preimage prefixes: the first byte of what is hashed.
const (
	prefixLeaf  = 0x00
	prefixInner = 0x01
)

// leafHash returns SHA-256(0x00 ‖ key ‖ value).
func leafHash(key, value wire.Hash) wire.Hash {
	var b [1 + 2*wire.HashSize]byte
	b[0] = prefixLeaf
	copy(b[1:], key[:])
	copy(b[1+wire.HashSize:], value[:])
	return sha256.Sum256(b[:])
}

// leafHashKV returns the hash of the leaf whose key ‖ value is kv.
func leafHashKV(kv []byte) wire.Hash {
	var b [1 + 2*wire.HashSize]byte
	b[0] = prefixLeaf
	copy(b[1:], kv)
	return sha256.Sum256(b[:])
}

// innerHash returns SHA-256(0x01 ‖ left ‖ right).
func innerHash(left, right wire.Hash) wire.Hash {
	var b [1 + 2*wire.HashSize]byte
	b[0] = prefixInner
	copy(b[1:], left[:])
	copy(b[1+wire.HashSize:], right[:])
	return sha256.Sum256(b[:])
}

// bit returns bit i of key, most significant bit first.
func bit(key *wire.Hash, i int) uint8 {
	return key[i>>3] >> (7 - uint(i&7)) & 1
}

// samePrefix reports whether a and b agree on their first n bits (n ≤ KeyBits).
func samePrefix(a, b *wire.Hash, n int) bool {
	full := n >> 3
	if !bytes.Equal(a[:full], b[:full]) {
		return false
	}
	if rest := n & 7; rest != 0 {
		mask := byte(0xff) << (8 - uint(rest))
		return (a[full]^b[full])&mask == 0
	}
	return true
}
