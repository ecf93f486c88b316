package p2p_test

import (
	"context"
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/bitverse/bitverse/node"
	"github.com/bitverse/bitverse/node/harness"
	"github.com/bitverse/bitverse/node/wire"
)

// BenchmarkTimeToFirstDiscovery: a devnet of 5 (and of 20) in-process
// nodes, every one storing every chain, each linked to a and to the one
// before it, a of them having written in three
// keyspaces (one on branch 01), posted a bounty and stored a transform
// (seedNetworkDiscovery). Each round a new node that follows no branch
// joins knowing only a's address; the time runs from its dial until its
// Explore over the local API lists all of it, verified (branch writes
// fetched from peers and checked against their headers). Reports the
// median and the worst round in ms (target: under 10 s).
func BenchmarkTimeToFirstDiscovery(b *testing.B) {
	for _, size := range []int{5, 20} {
		b.Run(fmt.Sprintf("nodes%d", size), func(b *testing.B) {
			h := harness.New(b)
			a := h.NewNode("a")
			seed := seedNetworkDiscovery(b, h, a)
			// A ring through a: each node dials a and the one before it
			// (20 fully connected in-process nodes are 190 links).
			var others []*harness.Node
			prev := a
			for i := 1; i < size; i++ {
				n := h.NewNode(fmt.Sprintf("n%d", i))
				h.Connect(prev, n)
				if prev != a {
					h.Connect(a, n)
				}
				others = append(others, n)
				prev = n
			}
			waitSameTree(b, 120*time.Second, append([]*harness.Node{a}, others...)...)
			ctx := context.Background()
			var took []time.Duration
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				n := h.NewNode(fmt.Sprintf("new%d", i), harness.Follow(wire.RootChain))
				b.StartTimer()
				start := time.Now()
				h.Connect(a, n)
				for {
					ex, err := n.API.Explore(ctx, node.ExploreOptions{})
					if err == nil && discovered(ex, seed) == "" {
						break
					}
					if time.Since(start) > 2*time.Minute {
						b.Fatalf("no discovery in 2 minutes: %v %s", err, discovered(ex, seed))
					}
					time.Sleep(10 * time.Millisecond)
				}
				took = append(took, time.Since(start))
				b.StopTimer()
				n.Stop()
				b.StartTimer()
			}
			b.StopTimer()
			sort.Slice(took, func(i, j int) bool { return took[i] < took[j] })
			b.ReportMetric(float64(took[len(took)/2].Microseconds())/1000, "ms-to-discovery")
			b.ReportMetric(float64(took[len(took)-1].Microseconds())/1000, "max-ms-to-discovery")
		})
	}
}
