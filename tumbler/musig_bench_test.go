package tumbler

import (
	"fmt"
	"testing"
	"time"

	"github.com/bitverse/bitverse/node/wire"
)

// BenchmarkTumbleVerify compares what a node does to check one tumble of n
// inputs — aggregate the n keys (KeyAgg) and verify one BIP-340 signature —
// with verifying n separate signatures (n ordinary transactions moving the
// same coins), and reports KeyAgg alone. Each op repeats the work reps
// times so that `make bench` (-benchtime 2x) measures enough of it.
// Metrics: tumbles/s (checks of one n-input tumble, or of its n separate
// signatures, a second) and keyaggs/s; scripts/bench-ratios.sh divides them.
func BenchmarkTumbleVerify(b *testing.B) {
	const reps = 20
	for _, n := range []int{5, 20, 50} {
		privs, keys, msg := cosigners(b, n)
		_, nonces, partials := runRound(b, privs, keys, msg)
		sig, err := CombinePartials(keys, nonces, partials, msg)
		if err != nil {
			b.Fatal(err)
		}
		sigs := make([]wire.Signature, n)
		for i, k := range privs {
			sigs[i] = k.Sign(msg)
		}
		rate := func(b *testing.B, unit string, f func()) {
			start := time.Now()
			for b.Loop() {
				for r := 0; r < reps; r++ {
					f()
				}
			}
			b.ReportMetric(float64(b.N*reps)/time.Since(start).Seconds(), unit)
		}
		b.Run(fmt.Sprintf("n=%d/aggregate", n), func(b *testing.B) {
			rate(b, "tumbles/s", func() {
				agg, err := wire.AggregateKey(keys)
				if err != nil || wire.Verify(agg, msg, sig) != nil {
					b.Fatal("aggregate verification failed")
				}
			})
		})
		b.Run(fmt.Sprintf("n=%d/separate", n), func(b *testing.B) {
			rate(b, "tumbles/s", func() {
				for i := range keys {
					if wire.Verify(keys[i], msg, sigs[i]) != nil {
						b.Fatal("separate verification failed")
					}
				}
			})
		})
		b.Run(fmt.Sprintf("n=%d/keyagg", n), func(b *testing.B) {
			rate(b, "keyaggs/s", func() {
				if _, err := wire.AggregateKey(keys); err != nil {
					b.Fatal(err)
				}
			})
		})
	}
}
