package wire

import "testing"

func TestFirstBranchVerifiesOnlyTheFirstLeaf(t *testing.T) {
	for n := 1; n <= 33; n++ {
		leaves := make([]Hash, n)
		for i := range leaves {
			leaves[i] = Sum([]byte{byte(i), byte(n)})
		}
		root := MerkleRoot(leaves)
		br := FirstBranch(leaves)
		if !VerifyFirstBranch(leaves[0], br, root) {
			t.Fatalf("%d leaves: the first leaf's branch does not verify", n)
		}
		if n > 1 && VerifyFirstBranch(leaves[1], br, root) {
			t.Fatalf("%d leaves: the second leaf passes with the first's branch", n)
		}
		if len(br) > 0 && VerifyFirstBranch(leaves[0], br[:len(br)-1], root) {
			t.Fatalf("%d leaves: a shortened branch verifies", n)
		}
		if n > 1 {
			// An interior node is never a leaf: the root of the first two
			// leaves' subtree with the rest of the branch does not verify.
			if VerifyFirstBranch(merkleNode(merkleLeaf(leaves[0]), merkleLeaf(leaves[1])), br[1:], root) {
				t.Fatalf("%d leaves: an interior node passed for the first leaf", n)
			}
		}
	}
	if VerifyFirstBranch(Hash{1}, make([]Hash, MaxFirstBranch+1), Hash{}) {
		t.Fatal("an over-long branch verified")
	}
}
