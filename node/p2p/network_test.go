package p2p_test

import (
	"testing"
	"time"
)

// Fast variants of the acceptance scenarios (see long_test.go for the full
// sizes, run with `make test-long`).

func TestConvergeFast(t *testing.T) { scenarioConverge(t, 3, 2, 150*time.Millisecond) }

func TestPartitionHealFast(t *testing.T) { scenarioPartition(t, 4, 7) }

func TestSyncFast(t *testing.T) { scenarioSync(t, 300, 4) }

func TestJunkPeerFast(t *testing.T) { scenarioJunk(t, 100) }
