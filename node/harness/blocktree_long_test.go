//go:build long

package harness

import "testing"

// TestBlocktreeFollowSetsLong is the blocktree's devnet acceptance at full size:
// 1,000 puts over depths 0–3, four follow sets.
func TestBlocktreeFollowSetsLong(t *testing.T) { runBlocktree(t, 1000) }
