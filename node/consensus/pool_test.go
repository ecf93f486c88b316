package consensus

import (
	"math"
	"testing"

	"github.com/bitverse/bitverse/node/wire"
)

// The curve pays PoolPayoutPPM millionths of what is left, at least 1 while
// anything is, never more than is left.
func TestPoolPayoutCurve(t *testing.T) {
	p := Devnet()
	tests := []struct{ left, want uint64 }{
		{0, 0}, {1, 1}, {4999, 1}, {5000, 1}, {10_000, 2}, {wire.Unit, wire.Unit / 5000},
		{^uint64(0), ^uint64(0) / 5000},
	}
	for _, tc := range tests {
		if got := p.PoolPayout(tc.left); got != tc.want {
			t.Errorf("PoolPayout(%d) = %d, want %d", tc.left, got, tc.want)
		}
	}
}

// The simulation the pool's promise rests on (PROTOCOL §23). Over 10,000
// epochs, for endowments from the minimum to the largest amount: the pool
// never pays more than its endowment, pays something every epoch, and
// still pays after 10,000 epochs; what is left follows (1 − ppm)^e. Under
// the stated assumption — an epoch is a day and the cost of keeping a byte
// falls at least 7.1 % a year — every epoch's payout buys at least as much
// storage as the first one did; with no decline at all (the pessimistic
// case) epoch 10,000 still pays 13.5 % of the first payout.
func TestPoolPayoutLastsTenThousandEpochs(t *testing.T) {
	p := Devnet()
	const epochs = 10_000
	const epochsPerYear = 365.0
	decline := 0.071                                 // a year
	perEpoch := math.Pow(1-decline, 1/epochsPerYear) // cost factor per epoch
	for _, e0 := range []uint64{p.PoolMinEndowment, 10 * wire.Unit, 1_000_000 * wire.Unit, math.MaxUint64} {
		left, paid := e0, uint64(0)
		first := p.PoolPayout(e0)
		cost := 1.0
		for e := 1; e <= epochs; e++ {
			pay := p.PoolPayout(left)
			if pay == 0 || pay > left {
				t.Fatalf("endowment %d, epoch %d: pays %d of %d", e0, e, pay, left)
			}
			left -= pay
			paid += pay
			cost *= perEpoch
			// Storage bought by this payout, relative to the first's.
			if bought := float64(pay) / cost / float64(first); bought < 0.999 && first > 1000 {
				t.Fatalf("endowment %d, epoch %d: the payout buys %.4f of the first epoch's storage", e0, e, bought)
			}
		}
		if paid+left != e0 {
			t.Fatalf("endowment %d: paid %d + left %d", e0, paid, left)
		}
		if last := p.PoolPayout(left); last == 0 {
			t.Fatalf("endowment %d: nothing to pay after %d epochs", e0, epochs)
		}
		want := float64(e0) * math.Pow(1-float64(p.PoolPayoutPPM)/1e6, epochs)
		if e0 >= wire.Unit && math.Abs(float64(left)-want)/want > 0.001 {
			t.Fatalf("endowment %d: %d left after %d epochs, the geometric curve says %.0f", e0, left, epochs, want)
		}
		t.Logf("endowment %s BVS: after %d epochs %.2f %% left, epoch %d pays %.2f %% of the first; lasts %d epochs (%.0f years of daily epochs)",
			wire.FormatAmount(e0), epochs, 100*float64(left)/float64(e0), epochs, 100*float64(p.PoolPayout(left))/float64(first),
			p.PoolLifetime(e0), float64(p.PoolLifetime(e0))/epochsPerYear)
	}
}

// PoolLifetime matches walking the curve to zero.
func TestPoolLifetimeMatchesTheCurve(t *testing.T) {
	p := Devnet()
	for _, e0 := range []uint64{0, 1, 4999, 5000, 5001, 123_456, wire.Unit} {
		left, n := e0, uint64(0)
		for left > 0 {
			left -= p.PoolPayout(left)
			n++
		}
		if got := p.PoolLifetime(e0); got != n {
			t.Errorf("PoolLifetime(%d) = %d, walking the curve takes %d", e0, got, n)
		}
	}
}
