package consensus

import (
	"bytes"
	"testing"

	"github.com/bitverse/bitverse/node/wire"
)

// TestSetMinFee checks that SetMinFee finds the least fee the rules accept,
// across value sizes where the fee's own varint grows a byte.
func TestSetMinFee(t *testing.T) {
	p := Devnet()
	for n := 0; n < 3000; n += 7 {
		tx := wire.NewTx(wire.RootChain, wire.Put{Key: "k", Value: bytes.Repeat([]byte{1}, n)}, 0, 0)
		fee := p.SetMinFee(tx)
		if fee != tx.Fee {
			t.Fatalf("case %d: returned %d, set %d", n, fee, tx.Fee)
		}
		if tx.Fee < p.MinFee(tx.Size()) {
			t.Fatalf("case %d: fee %d below the minimum %d", n, tx.Fee, p.MinFee(tx.Size()))
		}
		lower := *tx
		lower.Fee--
		if lower.Fee >= p.MinFee(lower.Size()) {
			t.Fatalf("case %d: fee %d is not the least (%d also passes)", n, tx.Fee, lower.Fee)
		}
	}
}

func TestMinStakeRoundsUp(t *testing.T) {
	p := Devnet()
	p.StakeRatio = 500
	tests := []struct{ amount, want uint64 }{
		{0, 0}, {1, 1}, {2, 1}, {3, 2}, {1000, 500}, {1001, 501},
		{^uint64(0), 1 << 63}, // ceil((2^64-1)/2)
	}
	for _, tc := range tests {
		if got := p.MinStake(tc.amount); got != tc.want {
			t.Errorf("MinStake(%d) at 500‰ = %d, want %d", tc.amount, got, tc.want)
		}
	}
	p.StakeRatio = 3000
	if got := p.MinStake(^uint64(0)); got != ^uint64(0) {
		t.Errorf("MinStake overflowing at 3000‰ = %d, want the maximum", got)
	}
	if got := p.MinStake(7); got != 21 {
		t.Errorf("MinStake(7) at 3000‰ = %d, want 21", got)
	}
}

// The shares a settle can pay out of a bounty's amount never exceed it:
// the drawer's, a hop share for each lineup relay, and one for each juror
// of a requester's lost dispute.
func TestRelayShareParamsFitTheAmount(t *testing.T) {
	for _, p := range []*Params{Devnet(), Regtest()} {
		if p.MaxHops > MaxHops || p.JurySize > MaxJury || p.JurySize == 0 {
			t.Fatalf("%s: MaxHops %d (cap %d), JurySize %d (cap %d)", p.Net.Name, p.MaxHops, MaxHops, p.JurySize, MaxJury)
		}
		if sum := p.DrawShareBps + uint64(int(p.MaxHops)+int(p.JurySize))*p.RelayHopBps; sum > 10000 {
			t.Fatalf("%s: shares of %d bps exceed the amount", p.Net.Name, sum)
		}
		if p.RelaySlashBps > 10000 || p.MissSlashBps > 10000 || p.RelayMinStake == 0 || p.RelayWindow == 0 {
			t.Fatalf("%s: relay params out of range: %+v", p.Net.Name, p)
		}
	}
}

func TestBpsRoundsDownWithoutOverflow(t *testing.T) {
	tests := []struct{ v, bps, want uint64 }{
		{0, 100, 0}, {99, 100, 0}, {100, 100, 1}, {10_000, 1, 1}, {12_345, 10_000, 12_345},
		{^uint64(0), 10_000, ^uint64(0)}, {^uint64(0), 5000, ^uint64(0) / 2},
	}
	for _, tc := range tests {
		if got := Bps(tc.v, tc.bps); got != tc.want {
			t.Errorf("Bps(%d, %d) = %d, want %d", tc.v, tc.bps, got, tc.want)
		}
	}
}
