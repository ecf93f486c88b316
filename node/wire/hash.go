package wire

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
)

// HashSize is the size of every hash in Bitverse (SHA-256).
const HashSize = 32

// Hash is a SHA-256 digest.
type Hash [HashSize]byte

// ZeroHash is the all-zero hash, used for "none".
var ZeroHash Hash

// Sum returns SHA-256 over the concatenation of parts.
func Sum(parts ...[]byte) Hash {
	if len(parts) == 1 {
		return sha256.Sum256(parts[0])
	}
	h := sha256.New()
	for _, p := range parts {
		h.Write(p)
	}
	var out Hash
	h.Sum(out[:0])
	return out
}

// TaggedSum returns SHA-256(tag ‖ parts...), keeping hashes of different kinds
// of object in different domains.
func TaggedSum(tag string, parts ...[]byte) Hash {
	h := sha256.New()
	h.Write([]byte(tag))
	for _, p := range parts {
		h.Write(p)
	}
	var out Hash
	h.Sum(out[:0])
	return out
}

// String returns the hash in lower-case hex.
func (h Hash) String() string { return hex.EncodeToString(h[:]) }

// Short returns the first 12 hex digits, for logs and screens.
func (h Hash) Short() string { return hex.EncodeToString(h[:6]) }

// IsZero reports whether h is the zero hash.
func (h Hash) IsZero() bool { return h == ZeroHash }

// MarshalText encodes the hash as hex (used by JSON).
func (h Hash) MarshalText() ([]byte, error) { return []byte(h.String()), nil }

// UnmarshalText decodes a hex hash.
func (h *Hash) UnmarshalText(b []byte) error {
	p, err := ParseHash(string(b))
	if err != nil {
		return err
	}
	*h = p
	return nil
}

// ParseHash parses a 64-digit hex string.
func ParseHash(s string) (Hash, error) {
	var h Hash
	if len(s) != 2*HashSize {
		return h, fmt.Errorf("%w: a hash is %d hex digits, got %d", ErrMalformed, 2*HashSize, len(s))
	}
	if _, err := hex.Decode(h[:], []byte(s)); err != nil {
		return h, fmt.Errorf("%w: hash is not hex: %v", ErrMalformed, err)
	}
	return h, nil
}

// MerkleRoot returns the root of a binary Merkle tree over leaves, with
// domain-separated leaf and node hashes (RFC 6962 style) so that no interior
// node can be passed off as a leaf and no odd leaf is duplicated. The root of
// no leaves is the zero hash.
func MerkleRoot(leaves []Hash) Hash {
	if len(leaves) == 0 {
		return ZeroHash
	}
	level := make([]Hash, len(leaves))
	for i, l := range leaves {
		level[i] = merkleLeaf(l)
	}
	for len(level) > 1 {
		next := level[:0:0]
		for i := 0; i < len(level); i += 2 {
			if i+1 == len(level) {
				next = append(next, level[i])
				continue
			}
			next = append(next, merkleNode(level[i], level[i+1]))
		}
		level = next
	}
	return level[0]
}

// MerkleLeaf is §13's leaf node over a hash: SHA-256(0x00 ‖ h).
func MerkleLeaf(h Hash) Hash { return merkleLeaf(h) }

// MerkleNode is §13's interior node: SHA-256(0x01 ‖ left ‖ right).
func MerkleNode(l, r Hash) Hash { return merkleNode(l, r) }

// NodeTree holds every level of §13's tree above level-0 nodes that are
// already hashed (leaf nodes, or the roots of equal subtrees): pairs left
// to right, an odd last node carried up unchanged. Segment trees, blob
// chunk trees and a pool's block trees are all this one rule.
type NodeTree struct {
	levels [][]Hash // levels[0]: the nodes given; last: the root alone
}

// NewNodeTree builds the levels above nodes (kept, not copied).
func NewNodeTree(nodes []Hash) *NodeTree {
	t := &NodeTree{}
	if len(nodes) == 0 {
		return t
	}
	level := nodes
	t.levels = append(t.levels, level)
	for len(level) > 1 {
		next := make([]Hash, 0, (len(level)+1)/2)
		for i := 0; i < len(level); i += 2 {
			if i+1 == len(level) {
				next = append(next, level[i])
			} else {
				next = append(next, merkleNode(level[i], level[i+1]))
			}
		}
		t.levels = append(t.levels, next)
		level = next
	}
	return t
}

// Len is the number of level-0 nodes.
func (t *NodeTree) Len() int {
	if len(t.levels) == 0 {
		return 0
	}
	return len(t.levels[0])
}

// Root is the tree's root (zero for no nodes).
func (t *NodeTree) Root() Hash {
	if len(t.levels) == 0 {
		return ZeroHash
	}
	return t.levels[len(t.levels)-1][0]
}

// Branch is node i's branch: the sibling at each level, bottom up,
// skipping the levels where the node is carried (nil for i ≥ Len).
func (t *NodeTree) Branch(i uint64) []Hash {
	if i >= uint64(t.Len()) {
		return nil
	}
	var branch []Hash
	for _, level := range t.levels[:len(t.levels)-1] {
		if s := i ^ 1; s < uint64(len(level)) {
			branch = append(branch, level[s])
		}
		i >>= 1
	}
	return branch
}

func merkleLeaf(h Hash) Hash {
	var buf [1 + HashSize]byte
	buf[0] = 0
	copy(buf[1:], h[:])
	return sha256.Sum256(buf[:])
}

func merkleNode(l, r Hash) Hash {
	var buf [1 + 2*HashSize]byte
	buf[0] = 1
	copy(buf[1:], l[:])
	copy(buf[1+HashSize:], r[:])
	return sha256.Sum256(buf[:])
}
