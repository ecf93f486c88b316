package blob

import (
	"crypto/sha256"
	"fmt"

	"github.com/bitverse/bitverse/node/wire"
)

// The chunk tree is wire.MerkleRoot's: leaf = SHA-256(0x00 ‖ chunk hash),
// node = SHA-256(0x01 ‖ left ‖ right), pairs taken left to right on each
// level and an odd last node carried up unchanged (never duplicated). A
// branch lists the siblings from the bottom up, skipping the levels where
// the node was carried; its length follows from the index and the number
// of chunks, so it travels as bare hashes.

// Tree holds every level of a chunk tree, to hand out branches.
type Tree struct{ tree *wire.NodeTree }

// NewTree builds the tree over chunk hashes (SHA-256 of each chunk).
func NewTree(chunkHashes []wire.Hash) *Tree {
	level := make([]wire.Hash, len(chunkHashes))
	for i, h := range chunkHashes {
		level[i] = wire.MerkleLeaf(h)
	}
	return &Tree{wire.NewNodeTree(level)}
}

// Root returns the root, equal to wire.MerkleRoot of the chunk hashes.
func (t *Tree) Root() wire.Hash { return t.tree.Root() }

// Proof returns the branch of chunk i.
func (t *Tree) Proof(i int) ([]wire.Hash, error) {
	if i < 0 || i >= t.tree.Len() {
		return nil, fmt.Errorf("%w: no chunk %d in a tree of %d", ErrBadChunk, i, t.tree.Len())
	}
	return t.tree.Branch(uint64(i)), nil
}

// branchLen is the length of the branch of chunk i among n.
func branchLen(n, i int) int {
	l := 0
	for ; n > 1; n = (n + 1) / 2 {
		if i^1 < n {
			l++
		}
		i >>= 1
	}
	return l
}

// VerifyChunk checks that chunk is chunk i of the blob m describes, with
// branch its Merkle branch. Any mismatch (length, index, branch, content)
// returns an error wrapping ErrBadChunk; it never panics.
func VerifyChunk(m Manifest, i int, chunk []byte, branch []wire.Hash) error {
	if err := m.Check(); err != nil {
		return fmt.Errorf("%w: %w", ErrBadChunk, err)
	}
	n := m.Chunks()
	if i < 0 || i >= n {
		return fmt.Errorf("%w: index %d, the blob has %d chunks", ErrBadChunk, i, n)
	}
	if want := m.ChunkLen(i); len(chunk) != want {
		return fmt.Errorf("%w: chunk %d is %d bytes, want %d", ErrBadChunk, i, len(chunk), want)
	}
	if want := branchLen(n, i); len(branch) != want {
		return fmt.Errorf("%w: branch of chunk %d has %d hashes, want %d", ErrBadChunk, i, len(branch), want)
	}
	if rootFromBranch(n, i, sha256.Sum256(chunk), branch) != m.Root {
		return fmt.Errorf("%w: chunk %d of %s", ErrBadChunk, i, m.Root.Short())
	}
	return nil
}

// rootFromBranch folds a branch of the right length (branchLen) onto chunk
// hash h at index i of n.
func rootFromBranch(n, i int, h wire.Hash, branch []wire.Hash) wire.Hash {
	x := wire.MerkleLeaf(h)
	for ; n > 1; n = (n + 1) / 2 {
		switch {
		case i&1 == 1:
			x = wire.MerkleNode(branch[0], x)
			branch = branch[1:]
		case i+1 < n:
			x = wire.MerkleNode(x, branch[0])
			branch = branch[1:]
		}
		i >>= 1
	}
	return x
}
