package consensus

import (
	"math"
	"math/big"
	"math/rand"
	"testing"
	"time"
)

func hexBig(t *testing.T, s string) *big.Int {
	t.Helper()
	n, ok := new(big.Int).SetString(s, 16)
	if !ok {
		t.Fatalf("bad hex %q", s)
	}
	return n
}

// TestCompactRoundTrip checks both directions on a table that includes the
// edge mantissas: the sign bit (ignored, targets are positive), a mantissa
// whose top bit forces a shift into the next exponent, small exponents that
// shift the mantissa right, and the limits of 256-bit targets.
func TestCompactRoundTrip(t *testing.T) {
	tests := []struct {
		compact   uint32
		big       string // hex
		canonical uint32 // BigToCompact(CompactToBig(compact))
	}{
		{0x1d00ffff, "ffff" + zeros(52), 0x1d00ffff}, // Bitcoin's genesis target
		{0x1e040000, "4" + zeros(58), 0x1e040000},    // devnet genesis: 2^234
		{0x207fffff, "7fffff" + zeros(58), 0x207fffff},
		{0x21008000, "8" + zeros(63), 0x21008000}, // 2^255: mantissa 0x800000 moved up an exponent
		{0x2100ffff, "ffff" + zeros(60), 0x2100ffff},
		{0x03123456, "123456", 0x03123456},
		{0x02123456, "1234", 0x02123400}, // exponent < 3 shifts right: lossy
		{0x01123456, "12", 0x01120000},
		{0x01003456, "0", 0},
		{0x00123456, "0", 0},
		{0x04923456, "12345600", 0x04123456}, // sign bit ignored
		{0x04800000, "0", 0},                 // sign bit alone: zero
		{0x02008000, "80", 0x02008000},       // 0x80 needs the next exponent
		{0x03008000, "8000", 0x03008000},
		{0x037fffff, "7fffff", 0x037fffff},
		{0x04008000, "800000", 0x04008000},
		{0x01010000, "1", 0x01010000},
		{0x00000000, "0", 0},
	}
	for i, tc := range tests {
		got := CompactToBig(tc.compact)
		if want := hexBig(t, tc.big); got.Cmp(want) != 0 {
			t.Errorf("case %d: CompactToBig(%08x) = %x, want %x", i, tc.compact, got, want)
		}
		if c := BigToCompact(got); c != tc.canonical {
			t.Errorf("case %d: BigToCompact(%x) = %08x, want %08x", i, got, c, tc.canonical)
		}
		if tc.canonical != 0 {
			if back := CompactToBig(tc.canonical); back.Cmp(got) != 0 {
				t.Errorf("case %d: canonical %08x expands to %x, want %x", i, tc.canonical, back, got)
			}
		}
	}
	if c := BigToCompact(big.NewInt(-5)); c != 0 {
		t.Errorf("BigToCompact(-5) = %08x, want 0", c)
	}
}

func zeros(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = '0'
	}
	return string(b)
}

// TestCompactRoundsDown checks on random targets that the compact form never
// exceeds the number and loses less than one part in 2^15, and that every
// canonical compact value round-trips exactly.
func TestCompactRoundsDown(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	limit := new(big.Int).Lsh(big.NewInt(1), 256)
	for i := 0; i < 5000; i++ {
		n := new(big.Int).Rand(rng, new(big.Int).Rsh(limit, uint(rng.Intn(256))))
		n.Add(n, big.NewInt(1))
		c := BigToCompact(n)
		back := CompactToBig(c)
		if back.Cmp(n) > 0 {
			t.Fatalf("case %d: %x → %08x → %x rounds up", i, n, c, back)
		}
		if c&0x00800000 != 0 {
			t.Fatalf("case %d: %x → %08x sets the sign bit", i, n, c)
		}
		// Loss < 2^(bitlen-16), i.e. relative error below 2^-15.
		loss := new(big.Int).Sub(n, back)
		if n.BitLen() > 24 && loss.BitLen() > n.BitLen()-16 {
			t.Fatalf("case %d: %x → %x loses %x", i, n, back, loss)
		}
		if n.BitLen() <= 23 && loss.Sign() != 0 {
			t.Fatalf("case %d: small %x is not exact (%x)", i, n, back)
		}
		if again := BigToCompact(back); again != c {
			t.Fatalf("case %d: %08x is not stable: %08x", i, c, again)
		}
	}
}

func TestWork(t *testing.T) {
	// 2^256 / (2^234 + 1) = 2^22 - 1 (rounded down).
	if w := Work(0x1e040000); w.Cmp(big.NewInt(1<<22-1)) != 0 {
		t.Errorf("Work(1e040000) = %v, want %d", w, 1<<22-1)
	}
	if w := Work(0); w.Sign() != 0 {
		t.Errorf("Work(0) = %v, want 0", w)
	}
	if Work(0x1d00ffff).Cmp(Work(0x1e040000)) <= 0 {
		t.Errorf("a lower target must mean more work")
	}
}

func anchorParams() (*Params, Anchor) {
	p := Devnet()
	return p, Anchor{Height: 1, Time: p.GenesisTime, Bits: p.GenesisBits}
}

func ms(d time.Duration) int64 { return d.Milliseconds() }

func TestASERTOnSchedule(t *testing.T) {
	p, a := anchorParams()
	for i, k := range []uint64{0, 1, 2, 10, 1000, 1_000_000} {
		got := p.NextBits(a, a.Height+k, a.Time+int64(k)*ms(p.TargetInterval))
		if got != a.Bits {
			t.Errorf("case %d: %d blocks on schedule: bits %08x, want the anchor's %08x", i, k, got, a.Bits)
		}
	}
}

func TestASERTHalfLife(t *testing.T) {
	p, _ := anchorParams()
	hl := ms(p.HalfLife)
	tests := []struct {
		bits      uint32
		offset    int64 // ms behind (positive) or ahead of schedule
		num, den  int64 // expected target = anchor × num / den
		heightOff uint64
	}{
		{0x1e040000, hl, 2, 1, 0},
		{0x1e040000, hl, 2, 1, 500},
		{0x1e040000, -hl, 1, 2, 0},
		{0x1e040000, -hl, 1, 2, 77},
		{0x1e040000, 2 * hl, 4, 1, 3},
		{0x1e040000, -3 * hl, 1, 8, 3},
		{0x1d2b3c4d, hl, 2, 1, 0}, // mantissa not a power of two: compact rounding
		{0x1d2b3c4d, -hl, 1, 2, 9},
		{0x1d2b3c4d, 5 * hl, 32, 1, 9},
	}
	for i, tc := range tests {
		a := Anchor{Height: 1, Time: p.GenesisTime, Bits: tc.bits}
		parentH := a.Height + tc.heightOff
		parentT := a.Time + int64(tc.heightOff)*ms(p.TargetInterval) + tc.offset
		got := CompactToBig(p.NextBits(a, parentH, parentT))
		want := new(big.Int).Mul(CompactToBig(tc.bits), big.NewInt(tc.num))
		want.Div(want, big.NewInt(tc.den))
		// Within compact rounding: got ≤ want and want-got < want/2^15.
		diff := new(big.Int).Sub(want, got)
		tol := new(big.Int).Rsh(want, 15)
		if diff.Sign() < 0 || diff.Cmp(tol) > 0 {
			t.Errorf("case %d: target %x, want %x (×%d/%d) within compact rounding", i, got, want, tc.num, tc.den)
		}
	}
}

func TestASERTClamps(t *testing.T) {
	p, a := anchorParams()
	limit := BigToCompact(p.PowLimit)
	for i, off := range []time.Duration{time.Hour, 24 * time.Hour, 10 * 365 * 24 * time.Hour} {
		if got := p.NextBits(a, a.Height+1, a.Time+ms(p.TargetInterval)+ms(off)); got != limit {
			t.Errorf("case %d: %v late: bits %08x, want the pow limit %08x", i, off, got, limit)
		}
	}
	// Far ahead of schedule: the target bottoms out at 1, never 0.
	got := p.NextBits(a, a.Height+10_000_000, a.Time)
	if CompactToBig(got).Cmp(big.NewInt(1)) != 0 {
		t.Errorf("far ahead: bits %08x, want target 1", got)
	}
}

// TestASERTMonotone checks that a later parent never gets a harder target,
// over a range that crosses halvings in both directions, at fine and coarse
// steps (the floor of negative exponents matters here).
func TestASERTMonotone(t *testing.T) {
	p, a := anchorParams()
	for _, step := range []int64{1, 7, 997} {
		prev := big.NewInt(0)
		for off := int64(-130_000); off <= 130_000; off += step {
			got := CompactToBig(p.NextBits(a, a.Height+20, a.Time+20*ms(p.TargetInterval)+off))
			if got.Cmp(prev) < 0 {
				t.Fatalf("step %d: target fell from %x to %x at offset %d ms", step, prev, got, off)
			}
			prev = got
		}
	}
}

// TestASERTApproximation compares the integer result with 2^x computed in
// floating point: the cubic approximation of aserti3-2d is within 0.02%, and
// compact rounding adds at most 2^-15.
func TestASERTApproximation(t *testing.T) {
	p, a := anchorParams()
	anchor, _ := new(big.Float).SetInt(CompactToBig(a.Bits)).Float64()
	rng := rand.New(rand.NewSource(2))
	for i := 0; i < 2000; i++ {
		off := rng.Int63n(8*ms(p.HalfLife)) - 4*ms(p.HalfLife)
		got, _ := new(big.Float).SetInt(CompactToBig(p.NextBits(a, a.Height+5, a.Time+5*ms(p.TargetInterval)+off))).Float64()
		want := anchor * math.Exp2(float64(off)/float64(ms(p.HalfLife)))
		if rel := math.Abs(got-want) / want; rel > 0.0002+1.0/(1<<15) {
			t.Fatalf("case %d: offset %d ms: target %g, 2^x gives %g (rel. error %g)", i, off, got, want, rel)
		}
	}
}

// TestASERTGolden pins the exact integer results, so any change to the
// arithmetic (which would fork the chain) shows up. Recorded from this
// implementation after the checks above.
func TestASERTGolden(t *testing.T) {
	p := Devnet()
	tests := []struct {
		anchorBits uint32
		timeDiff   int64 // parent time − anchor time, ms
		heightDiff int64 // parent height − anchor height
		want       uint32
	}{
		{0x1e040000, 0, 0, 0x1e040000},
		{0x1e040000, 2000, 1, 0x1e040000},
		{0x1e040000, 0, 1, 0x1e03e8a8},
		{0x1e040000, 4000, 1, 0x1e041800},
		{0x1e040000, 1000, 0, 0x1e040bf0},
		{0x1e040000, -1000, 0, 0x1e03f442},
		{0x1e040000, 1, 0, 0x1e040004},
		{0x1e040000, -1, 0, 0x1e03fffa},
		{0x1e040000, 59999, 0, 0x1e07fff4},
		{0x1e040000, 60000, 0, 0x1e080000},
		{0x1e040000, 60001, 0, 0x1e080008},
		{0x1e040000, -60000, 0, 0x1e020000},
		{0x1e040000, 30000, 0, 0x1e05a808},
		{0x1e040000, -30000, 0, 0x1e02d404},
		{0x1e040000, 120000, 30, 0x1e080000},
		{0x1e040000, 200000, 10, 0x1e200000},
		{0x1e040000, 3600000, 100, 0x207fffff},
		{0x1e040000, -3600000, 1000, 0x12196600},
		{0x1e040000, 123456789, 12345, 0x207fffff},
		{0x1e040000, 604800000, 1, 0x207fffff},
		{0x1e040000, 1000000000, 1000000, 0x01010000},
		{0x1e040000, -20000, 0, 0x1e032cc0},
		{0x1e040000, 45000, 7, 0x1e05b8dc},
		{0x1d2b3c4d, 0, 0, 0x1d2b3c4d},
		{0x1d2b3c4d, 2000, 1, 0x1d2b3c4d},
		{0x1d2b3c4d, 0, 1, 0x1d2a3ffb},
		{0x1d2b3c4d, 4000, 1, 0x1d2c3fb6},
		{0x1d2b3c4d, 1000, 0, 0x1d2bbd54},
		{0x1d2b3c4d, -1000, 0, 0x1d2abd61},
		{0x1d2b3c4d, 1, 0, 0x1d2b3c78},
		{0x1d2b3c4d, -1, 0, 0x1d2b3c0c},
		{0x1d2b3c4d, 59999, 0, 0x1d567818},
		{0x1d2b3c4d, 60000, 0, 0x1d56789a},
		{0x1d2b3c4d, 60001, 0, 0x1d5678f0},
		{0x1d2b3c4d, -60000, 0, 0x1d159e26},
		{0x1d2b3c4d, 30000, 0, 0x1d3d239b},
		{0x1d2b3c4d, -30000, 0, 0x1d1e91cd},
		{0x1d2b3c4d, 120000, 30, 0x1d56789a},
		{0x1d2b3c4d, 200000, 10, 0x1e0159e2},
		{0x1d2b3c4d, 3600000, 100, 0x207fffff},
		{0x1d2b3c4d, -3600000, 1000, 0x12011287},
		{0x1d2b3c4d, 123456789, 12345, 0x207fffff},
		{0x1d2b3c4d, 604800000, 1, 0x207fffff},
		{0x1d2b3c4d, 1000000000, 1000000, 0x01010000},
		{0x1d2b3c4d, -20000, 0, 0x1d2250ec},
		{0x1d2b3c4d, 45000, 7, 0x1d3dd980},
	}
	for i, tc := range tests {
		a := Anchor{Height: 1, Time: p.GenesisTime, Bits: tc.anchorBits}
		got := p.NextBits(a, a.Height+uint64(tc.heightDiff), a.Time+tc.timeDiff)
		if got != tc.want {
			t.Errorf("case %d: anchor %08x, Δt %d ms, Δh %d: bits %08x, want %08x", i, tc.anchorBits, tc.timeDiff, tc.heightDiff, got, tc.want)
		}
	}
}

func TestReward(t *testing.T) {
	p := Devnet()
	tests := []struct {
		height uint64
		want   uint64
	}{
		{1, p.InitialReward},
		{p.HalvingInterval - 1, p.InitialReward},
		{p.HalvingInterval, p.InitialReward / 2},
		{3 * p.HalvingInterval, p.InitialReward / 8},
		{63 * p.HalvingInterval, p.InitialReward >> 63},
		{64 * p.HalvingInterval, 0},
		{1 << 62, 0},
	}
	for i, tc := range tests {
		if got := p.Reward(tc.height); got != tc.want {
			t.Errorf("case %d: Reward(%d) = %d, want %d", i, tc.height, got, tc.want)
		}
	}
}

// One block dated 30 s ahead (MaxFutureTime) moves the next target by at
// most 1/TargetStepDiv, where ASERT alone would ease it by ~39%; a block on
// schedule is not touched by the bound; the bound also holds downwards.
func TestTargetStepBounded(t *testing.T) {
	p, a := anchorParams()
	parentBits := p.NextBits(a, a.Height+50, a.Time+50*ms(p.TargetInterval))
	free := p.NextBits(a, a.Height+51, a.Time+51*ms(p.TargetInterval)+ms(p.MaxFutureTime))
	ratio := func(bits uint32) float64 {
		f, _ := new(big.Float).Quo(new(big.Float).SetInt(CompactToBig(bits)), new(big.Float).SetInt(CompactToBig(parentBits))).Float64()
		return f
	}
	if r := ratio(free); r < 1.3 {
		t.Fatalf("ASERT alone eases by %.3f for a block 30 s late; the test expects ~1.39", r)
	}
	bounded := p.StepBits(parentBits, free)
	if r := ratio(bounded); r > 1+1.0/TargetStepDiv || r < 1.05 {
		t.Fatalf("bounded step %.4f, want at most %.4f (and the bound reached)", r, 1+1.0/TargetStepDiv)
	}
	ahead := p.NextBits(a, a.Height+51, a.Time)
	if r := ratio(p.StepBits(parentBits, ahead)); r < 1-1.0/TargetStepDiv-1e-6 {
		t.Fatalf("bounded step down %.4f, want at least %.4f", r, 1-1.0/TargetStepDiv)
	}
	onTime := p.NextBits(a, a.Height+51, a.Time+51*ms(p.TargetInterval))
	if got := p.StepBits(parentBits, onTime); got != onTime {
		t.Fatalf("on schedule: bounded %08x, ASERT %08x", got, onTime)
	}
	// At the pow limit the bound never goes above it.
	limit := BigToCompact(p.PowLimit)
	if got := p.StepBits(limit, limit); got != limit {
		t.Fatalf("at the limit: %08x", got)
	}
}

// BitsReachable accepts bits a descendant could have under the step bound
// and refuses easier ones.
func TestBitsReachable(t *testing.T) {
	p := Devnet()
	g := p.GenesisBits
	gt := CompactToBig(g)
	times := func(num, den int64) uint32 {
		return BigToCompact(new(big.Int).Div(new(big.Int).Mul(gt, big.NewInt(num)), big.NewInt(den)))
	}
	cases := []struct {
		bits uint32
		n    uint64
		want bool
	}{
		{g, 0, true},
		{times(17, 16), 1, true},
		{times(18, 16), 1, false},
		{times(2, 1), 11, false},  // 1.0625^11 ≈ 1.95
		{times(2, 1), 12, true},   // 1.0625^12 ≈ 2.07
		{times(1, 1000), 1, true}, // harder is always reachable work-wise
		{BigToCompact(p.PowLimit), 1, false},
		{0, 5, false},
	}
	for i, tc := range cases {
		if got := p.BitsReachable(g, tc.bits, tc.n); got != tc.want {
			t.Errorf("case %d: BitsReachable(genesis, %08x, %d) = %v, want %v", i, tc.bits, tc.n, got, tc.want)
		}
	}
}
