package wire

// Merged mining: one proof-of-work attempt commits to a candidate block of
// every chain on a path of the blocktree. The candidates are the leaves of
// a small Merkle tree with one slot per depth (slot d holds the chain at
// depth d, padded to a power of two with EmptyMergeLeaf); the attempt
// hashes the tree's root with the nonce. A block carries the branch from
// its leaf to that root (Header.Merge), and consensus requires its slot to
// be its chain's depth, so one attempt can never make two blocks of the
// same chain.

// EmptyMergeLeaf fills a slot that no candidate uses.
var EmptyMergeLeaf = TaggedSum("bitverse/merge/empty")

// MergeBranchLen is the length of every merge branch on a network whose
// deepest chain is at maxDepth: log2 of the slots, maxDepth+1 rounded up to
// a power of two.
func MergeBranchLen(maxDepth uint8) int {
	n := 0
	for 1<<n < int(maxDepth)+1 {
		n++
	}
	return n
}

// BuildMerge returns the merge root over leaves and, for each leaf, its
// proof. len(leaves) must be a power of two (1 gives an empty branch).
func BuildMerge(leaves []Hash) (Hash, []MergeProof) {
	n := len(leaves)
	if n == 0 || n&(n-1) != 0 {
		panic("wire: BuildMerge needs a power-of-two number of leaves")
	}
	proofs := make([]MergeProof, n)
	for i := range proofs {
		proofs[i].Index = uint32(i)
	}
	level := append([]Hash(nil), leaves...)
	for width := 1; len(level) > 1; width *= 2 {
		for i := range proofs {
			pos := i / width
			proofs[i].Branch = append(proofs[i].Branch, level[pos^1])
		}
		next := make([]Hash, len(level)/2)
		for i := range next {
			next[i] = merkleNode(level[2*i], level[2*i+1])
		}
		level = next
	}
	return level[0], proofs
}
