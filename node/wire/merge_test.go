package wire

import "testing"

func TestMergeBranchLen(t *testing.T) {
	for depth, want := range map[uint8]int{0: 0, 1: 1, 2: 2, 3: 2, 4: 3, 7: 3, 8: 4} {
		if got := MergeBranchLen(depth); got != want {
			t.Errorf("MergeBranchLen(%d) = %d, want %d", depth, got, want)
		}
	}
}

// TestBuildMerge: every proof folds its leaf to the root, and only its own
// leaf at its own index.
func TestBuildMerge(t *testing.T) {
	for _, n := range []int{1, 2, 4, 8} {
		leaves := make([]Hash, n)
		for i := range leaves {
			leaves[i] = TaggedSum("leaf", []byte{byte(i)})
		}
		root, proofs := BuildMerge(leaves)
		for i, p := range proofs {
			if p.Index != uint32(i) || len(p.Branch) != MergeBranchLen(uint8(n-1)) {
				t.Fatalf("n=%d proof %d: index %d, branch %d", n, i, p.Index, len(p.Branch))
			}
			if p.Fold(leaves[i]) != root {
				t.Fatalf("n=%d: leaf %d does not fold to the root", n, i)
			}
			if n > 1 && p.Fold(leaves[(i+1)%n]) == root {
				t.Fatalf("n=%d: another leaf folds to the root with proof %d", n, i)
			}
			if n > 1 {
				moved := MergeProof{Index: p.Index ^ 1, Branch: p.Branch}
				if moved.Fold(leaves[i]) == root {
					t.Fatalf("n=%d: leaf %d folds to the root at another index", n, i)
				}
			}
		}
	}
}
