package wire

// MaxFirstBranch bounds a first-leaf Merkle branch: a block holds at most
// MaxBlockSize/minTxSize transactions, a tree of fewer than 2^16 leaves.
const MaxFirstBranch = 24

// FirstBranch returns the Merkle branch of the first leaf (a block's
// coinbase) in MerkleRoot's tree over leaves: the right sibling at each
// level, leaf first. The first leaf is never the odd one promoted, so
// every level above the leaves until the root contributes one hash.
func FirstBranch(leaves []Hash) []Hash {
	if len(leaves) < 2 {
		return nil
	}
	level := make([]Hash, len(leaves))
	for i, l := range leaves {
		level[i] = merkleLeaf(l)
	}
	var out []Hash
	for len(level) > 1 {
		out = append(out, level[1])
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
	return out
}

// VerifyFirstBranch reports whether leaf is the first leaf of the tree
// whose root is root, by its branch (FirstBranch). Leaves and interior
// nodes are hashed apart, so a valid branch pins the leaf's position: no
// interior node passes for a leaf, and the first leaf is the one whose
// path turns left at every level.
func VerifyFirstBranch(leaf Hash, branch []Hash, root Hash) bool {
	if len(branch) > MaxFirstBranch {
		return false
	}
	h := merkleLeaf(leaf)
	for _, s := range branch {
		h = merkleNode(h, s)
	}
	return h == root
}
