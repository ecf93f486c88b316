package tumbler_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/bitverse/bitverse/internal/testutil"
	"github.com/bitverse/bitverse/tumbler"
)

// BenchmarkRoundTime is one round on loopback, from the announcement to
// the signed tumble handed to the chain, with 5, 20 and 50 participants
// spread over two nodes (each registration its own wallet and, for its
// output, its own fresh identity). The random output delay is at most
// 500 ms here (10 s by default), so the figure is mostly the protocol's
// cost, not the wait.
func BenchmarkRoundTime(b *testing.B) {
	for _, n := range []int{5, 20, 50} {
		b.Run(fmt.Sprintf("participants=%d", n), func(b *testing.B) {
			d := newDevnet(b, 2, 0)
			// Enough matured rewards for every wallet of every run.
			d.coord.Mine(3*n*b.N/50 + 1 + int(d.h.Params().CoinbaseMaturity))
			d.sync()
			ctx := context.Background()
			svc := []tumbler.API{d.parts[0].Daemon.Tumbler(), d.parts[1].Daemon.Tumbler()}
			var total time.Duration
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				ws := d.fund(n)
				b.StartTimer()
				start := time.Now()
				r, err := d.coord.Daemon.Tumbler().Coordinate(ctx, tumbler.CoordinateConfig{Denomination: denom, Min: n, Max: n})
				if err != nil {
					b.Fatal(err)
				}
				for j, w := range ws {
					d.joinVia(svc[j%2], w, denom+tumbler.DefaultTxFee, true)
				}
				seen := map[tumbler.Phase]time.Duration{tumbler.OutputRegistration: time.Since(start)}
				testutil.Eventually(b, 5*time.Minute, "the round is done", func() error {
					ri := find(b, d.coord.API.Tumbler(), r.ID)
					if _, ok := seen[ri.Phase]; !ok {
						seen[ri.Phase] = time.Since(start)
					}
					if st := d.coord.Daemon.Tumbler().StateOf(r.ID); st != nil && st.Status.Nonces != nil {
						if _, ok := seen[tumbler.Blame]; !ok {
							seen[tumbler.Blame] = time.Since(start)
						}
					}
					if ri.Phase != tumbler.Done {
						return fmt.Errorf("round at %s %s", ri.Phase, ri.Error)
					}
					return nil
				})
				total += time.Since(start)
				b.Logf("%d participants: inputs registered after %v, signing from %v, nonces in at %v, done at %v", n, seen[tumbler.OutputRegistration], seen[tumbler.Signing], seen[tumbler.Blame], seen[tumbler.Done])
				b.StopTimer()
				d.coord.Mine(1)
				d.sync()
				b.StartTimer()
			}
			b.ReportMetric(total.Seconds()/float64(b.N), "s/round")
		})
	}
}
