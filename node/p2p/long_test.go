//go:build long

package p2p_test

import (
	"testing"
	"time"
)

// The acceptance scenarios at full size (make test-long).

// Five nodes, two mining: same tip and state root; a put sent to any node
// is confirmed and readable on all five.
func TestConvergeFiveNodes(t *testing.T) { scenarioConverge(t, 5, 2, 200*time.Millisecond, 60) }

// Partition {2}/{3}, both sides mine at least 20 blocks, heal: convergence
// within 30 s on the most-work chain, state root equal to a replay from
// genesis, losing-fork writes confirmed again unless they conflict.
func TestPartitionHeal(t *testing.T) { scenarioPartition(t, 20, 25) }

// A newcomer syncs a 2,000-block chain (10 writes a block) from 3 peers.
func TestSync2000From3Peers(t *testing.T) { scenarioSync(t, 2000, 10) }

// A junk peer's 1,000 messages (banned at the first invalid block) and a
// flood of 2,000 well-formed useless ones.
func TestJunkPeer(t *testing.T) { scenarioJunk(t, 1000, true) }
