package pool

import (
	"errors"
	"fmt"
	"io"

	"github.com/bitverse/bitverse/node/wire"
)

// A redemption streams the pool's data in blocks of BlockSegments
// segments. A block starts on a multiple of BlockSize, so it is an aligned
// subtree of the segment tree (the last block too: the tree carries an odd
// node up unchanged, and an aligned run starts on an even index at every
// level below the block's root). Its root is wire.MerkleRoot over its
// segments' hashes, and the tree above the block roots is the segment
// tree's upper levels. A block therefore travels with its branch from its
// root to the segment root (at most 16 hashes below wire.MaxPoolSize), and
// the redeemer checks each block against the segment root the chain holds
// before it writes a byte of it: memory is one block on either side,
// whatever the size.

// Block geometry.
const (
	BlockSegments = 256
	BlockSize     = BlockSegments * wire.SegmentSize // 256 KiB
)

// blockCount is the number of blocks of size bytes.
func blockCount(size uint64) uint64 { return (size + BlockSize - 1) / BlockSize }

// blockLen is the length of block i of size bytes (0 past the end).
func blockLen(size, i uint64) int {
	start := i * BlockSize
	if start >= size {
		return 0
	}
	return int(min(size-start, BlockSize))
}

// blockRoot is the root of block's segment subtree.
func blockRoot(block []byte) wire.Hash {
	var hs [BlockSegments]wire.Hash
	n := 0
	for off := 0; off < len(block); off += wire.SegmentSize {
		hs[n] = wire.Sum(block[off:min(off+wire.SegmentSize, len(block))])
		n++
	}
	return wire.MerkleRoot(hs[:n])
}

// blockTree is the segment tree above the block roots (32 bytes a block,
// 64 KiB for 256 MiB of data): §13's tree (wire.NodeTree) with the roots
// of its block-sized subtrees as level 0.
type blockTree struct{ tree *wire.NodeTree }

func newBlockTree(roots []wire.Hash) *blockTree { return &blockTree{wire.NewNodeTree(roots)} }

// root is the segment root (zero for no data).
func (t *blockTree) root() wire.Hash { return t.tree.Root() }

// branch is block i's branch: the sibling at each level, bottom up,
// skipping levels where the node is carried.
func (t *blockTree) branch(i uint64) []wire.Hash { return t.tree.Branch(i) }

// blockBranchLen is the length of block i's branch among n blocks.
func blockBranchLen(n, i uint64) int {
	l := 0
	for ; n > 1; n = (n + 1) / 2 {
		if i^1 < n {
			l++
		}
		i >>= 1
	}
	return l
}

// verifyBlock reports whether block is block i of the size bytes whose
// segment root is root, with branch its branch.
func verifyBlock(root wire.Hash, size, i uint64, block []byte, branch []wire.Hash) bool {
	n := blockCount(size)
	if i >= n || len(block) != blockLen(size, i) || len(branch) != blockBranchLen(n, i) {
		return false
	}
	x := blockRoot(block)
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
	return x == root
}

// blocker cuts what is written to it into blocks and hands each to emit
// (the buffer is reused: emit must not keep it); Close emits the last,
// shorter block. It holds one block at most.
type blocker struct {
	buf  []byte
	next uint64
	emit func(i uint64, block []byte) error
}

func newBlocker(emit func(i uint64, block []byte) error) *blocker {
	return &blocker{buf: make([]byte, 0, BlockSize), emit: emit}
}

func (b *blocker) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		k := min(len(p), BlockSize-len(b.buf))
		b.buf = append(b.buf, p[:k]...)
		p = p[k:]
		if len(b.buf) == BlockSize {
			if err := b.flush(); err != nil {
				return n - len(p), err
			}
		}
	}
	return n, nil
}

func (b *blocker) flush() error {
	err := b.emit(b.next, b.buf)
	b.next++
	b.buf = b.buf[:0]
	return err
}

// Close emits the last block if it is shorter than BlockSize.
func (b *blocker) Close() error {
	if len(b.buf) == 0 {
		return nil
	}
	return b.flush()
}

// hashBlocks reads the data through write (the first pass of a
// redemption) and returns its block tree and size.
func hashBlocks(write func(io.Writer) error) (*blockTree, uint64, error) {
	var roots []wire.Hash
	var size uint64
	b := newBlocker(func(_ uint64, block []byte) error {
		roots = append(roots, blockRoot(block))
		size += uint64(len(block))
		if size > wire.MaxPoolSize {
			return errors.New("more data than a pool holds")
		}
		return nil
	})
	if err := write(b); err != nil {
		return nil, 0, err
	}
	if err := b.Close(); err != nil {
		return nil, 0, err
	}
	return newBlockTree(roots), size, nil
}

// receive reads the blocks of an answer of size bytes from block from on
// (each branch ‖ block), writes each to w once it verifies against root,
// and returns the next block not written. idle, if not nil, is called
// before each block is read (the stream's read deadline). A block that
// does not verify is errBadBlock; a failed write a *SinkError. It holds
// one block.
func receive(r io.Reader, root wire.Hash, size, from uint64, w io.Writer, idle func()) (uint64, error) {
	n := blockCount(size)
	buf := make([]byte, min(size, BlockSize))
	var branch []wire.Hash
	for next := from; next < n; next++ {
		if idle != nil {
			idle()
		}
		branch = branch[:0]
		for range blockBranchLen(n, next) {
			var h wire.Hash
			if _, err := io.ReadFull(r, h[:]); err != nil {
				return next, err
			}
			branch = append(branch, h)
		}
		block := buf[:blockLen(size, next)]
		if _, err := io.ReadFull(r, block); err != nil {
			return next, err
		}
		if !verifyBlock(root, size, next, block, branch) {
			return next, fmt.Errorf("%w (block %d of %d)", errBadBlock, next, n)
		}
		if _, err := w.Write(block); err != nil {
			return next, &SinkError{err}
		}
	}
	return max(from, n), nil
}

// errBadBlock is a block that does not verify against the segment root.
var errBadBlock = fmt.Errorf("%w: a block does not verify against the pool's segment root", ErrWrongData)
