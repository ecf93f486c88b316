package smt

import (
	"bytes"
	"crypto/sha256"
	"fmt"

	"github.com/bitverse/bitverse/node/wire"
)

// KeyBits is the number of bits in a key, and so the greatest depth of a
// node: the root is at depth 0, and a leaf can sit at depth 1..KeyBits.
const KeyBits = 8 * wire.HashSize

// EmptyRoot is the root of the empty tree, and the hash of every empty
// subtree: the zero hash.
var EmptyRoot wire.Hash

// Hash-preimage prefixes, the first byte of what is hashed.
const (
	prefixLeaf  = 0x00
	prefixInner = 0x01
)

// Stored node tags, the first byte of a stored node.
const (
	tagLeaf      = 0x00 // 0x00 ‖ key ‖ value: the leaf's hash preimage
	tagInner     = 0x01 // 0x01 ‖ left ‖ right: the node's hash preimage, both children non-empty
	tagLeftOnly  = 0x02 // 0x02 ‖ left: right child empty
	tagRightOnly = 0x03 // 0x03 ‖ right: left child empty
)

const (
	leafSize      = 1 + 2*wire.HashSize
	innerSize     = 1 + 2*wire.HashSize
	halfInnerSize = 1 + wire.HashSize
)

// node is a decoded stored node: a leaf (key, value) or an internal node
// (left, right), either child possibly empty (zero).
type node struct {
	leaf        bool
	key, value  wire.Hash
	left, right wire.Hash
}

// leafHash returns SHA-256(0x00 ‖ key ‖ value).
func leafHash(key, value wire.Hash) wire.Hash {
	var b [leafSize]byte
	b[0] = prefixLeaf
	copy(b[1:], key[:])
	copy(b[1+wire.HashSize:], value[:])
	return sha256.Sum256(b[:])
}

// innerHash returns SHA-256(0x01 ‖ left ‖ right).
func innerHash(left, right wire.Hash) wire.Hash {
	var b [innerSize]byte
	b[0] = prefixInner
	copy(b[1:], left[:])
	copy(b[1+wire.HashSize:], right[:])
	return sha256.Sum256(b[:])
}

// appendLeaf appends the stored form of a leaf to dst.
func appendLeaf(dst []byte, key, value wire.Hash) []byte {
	dst = append(dst, tagLeaf)
	dst = append(dst, key[:]...)
	return append(dst, value[:]...)
}

// appendInner appends the stored form of an internal node to dst. At most
// one child may be empty.
func appendInner(dst []byte, left, right wire.Hash) []byte {
	switch {
	case right.IsZero():
		dst = append(dst, tagLeftOnly)
		return append(dst, left[:]...)
	case left.IsZero():
		dst = append(dst, tagRightOnly)
		return append(dst, right[:]...)
	default:
		dst = append(dst, tagInner)
		dst = append(dst, left[:]...)
		return append(dst, right[:]...)
	}
}

// decodeNode decodes a stored node, rejecting any non-canonical form.
func decodeNode(b []byte) (node, error) {
	var n node
	if len(b) == 0 {
		return n, fmt.Errorf("%w: empty encoding", ErrCorruptNode)
	}
	want := 0
	switch b[0] {
	case tagLeaf, tagInner:
		want = leafSize
	case tagLeftOnly, tagRightOnly:
		want = halfInnerSize
	default:
		return n, fmt.Errorf("%w: unknown tag %#x", ErrCorruptNode, b[0])
	}
	if len(b) != want {
		return n, fmt.Errorf("%w: tag %#x needs %d bytes, got %d", ErrCorruptNode, b[0], want, len(b))
	}
	switch b[0] {
	case tagLeaf:
		n.leaf = true
		copy(n.key[:], b[1:])
		copy(n.value[:], b[1+wire.HashSize:])
		if n.value.IsZero() {
			return n, fmt.Errorf("%w: leaf with empty value", ErrCorruptNode)
		}
	case tagInner:
		copy(n.left[:], b[1:])
		copy(n.right[:], b[1+wire.HashSize:])
		if n.left.IsZero() || n.right.IsZero() {
			return n, fmt.Errorf("%w: two-child node with an empty child", ErrCorruptNode)
		}
	case tagLeftOnly:
		copy(n.left[:], b[1:])
	case tagRightOnly:
		copy(n.right[:], b[1:])
	}
	if !n.leaf && n.left.IsZero() && n.right.IsZero() {
		return n, fmt.Errorf("%w: internal node with no children", ErrCorruptNode)
	}
	return n, nil
}

// hash returns the hash of a decoded node.
func (n *node) hash() wire.Hash {
	if n.leaf {
		return leafHash(n.key, n.value)
	}
	return innerHash(n.left, n.right)
}

// load fetches and decodes the node with hash h, which must not be zero.
func load(s NodeStore, h wire.Hash) (node, error) {
	b, err := s.Get(h)
	if err != nil {
		return node{}, err
	}
	if b == nil {
		return node{}, fmt.Errorf("%w: %s", ErrMissingNode, h)
	}
	n, err := decodeNode(b)
	if err != nil {
		return n, fmt.Errorf("node %s: %w", h, err)
	}
	return n, nil
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
