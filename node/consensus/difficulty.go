package consensus

import (
	"math/big"

	"github.com/bitverse/bitverse/node/wire"
)

// CompactToBig expands the compact (Bitcoin "nBits") form of a target:
// the high byte is a base-256 exponent, the low 23 bits a mantissa; the sign
// bit is not used (targets are positive).
func CompactToBig(c uint32) *big.Int {
	mant := int64(c & 0x007fffff)
	exp := uint(c >> 24)
	n := big.NewInt(mant)
	if exp <= 3 {
		return n.Rsh(n, 8*(3-exp))
	}
	return n.Lsh(n, 8*(exp-3))
}

// BigToCompact returns the compact form of a positive target, rounding down.
func BigToCompact(n *big.Int) uint32 {
	if n.Sign() <= 0 {
		return 0
	}
	exp := uint((n.BitLen() + 7) / 8)
	var mant uint32
	if exp <= 3 {
		mant = uint32(n.Uint64()) << (8 * (3 - exp))
	} else {
		mant = uint32(new(big.Int).Rsh(n, 8*(exp-3)).Uint64())
	}
	if mant&0x00800000 != 0 {
		mant >>= 8
		exp++
	}
	return uint32(exp)<<24 | mant
}

var oneLsh256 = new(big.Int).Lsh(big.NewInt(1), 256)

// Work is the expected number of hashes to meet a target: 2^256/(target+1).
func Work(bits uint32) *big.Int {
	t := CompactToBig(bits)
	if t.Sign() <= 0 {
		return big.NewInt(0)
	}
	return new(big.Int).Div(oneLsh256, t.Add(t, big.NewInt(1)))
}

// HashMeetsTarget reports whether h, read as a big-endian number, is at most
// the target.
func HashMeetsTarget(h wire.Hash, target *big.Int) bool {
	return new(big.Int).SetBytes(h[:]).Cmp(target) <= 0
}

// Anchor is the ASERT reference block: its height, time and target bits.
// On every network it is block 1, so a chain started long after its genesis
// time does not begin "behind schedule".
type Anchor struct {
	Height uint64
	Time   int64 // ms
	Bits   uint32
}

// NextBits computes the target for the block after a parent at parentHeight
// with parentTime, by ASERT (the aserti3-2d integer approximation of 2^x):
//
//	target = anchorTarget × 2^((parentTime − anchorTime − T·(parentHeight − anchorHeight)) / HalfLife)
//
// so the target doubles for every HalfLife the chain runs behind schedule and
// halves for every HalfLife it runs ahead. Integer-only, so every node
// computes the same bits.
func (p *Params) NextBits(a Anchor, parentHeight uint64, parentTime int64) uint32 {
	return p.NextBitsAt(0, a, parentHeight, parentTime)
}

// NextBitsAt is NextBits for a chain at depth d, whose target interval is
// IntervalAt(d).
func (p *Params) NextBitsAt(d uint8, a Anchor, parentHeight uint64, parentTime int64) uint32 {
	anchorTarget := CompactToBig(a.Bits)
	timeDiff := parentTime - a.Time                      // ms
	heightDiff := int64(parentHeight - a.Height)         // blocks
	ideal := p.IntervalAt(d).Milliseconds() * heightDiff // ms
	halfLife := p.HalfLife.Milliseconds()                //
	num := (timeDiff - ideal) * 65536                    // 16.16 fixed point; ms values keep this far from overflow
	e := num / halfLife
	if num%halfLife != 0 && num < 0 {
		e-- // floor, so the target moves monotonically with time
	}
	shifts := e >> 16
	frac := uint64(e & 0xffff)
	factor := 65536 + ((195766423245049*frac + 971821376*frac*frac + 5127*frac*frac*frac + (1 << 47)) >> 48)
	next := new(big.Int).Mul(anchorTarget, new(big.Int).SetUint64(factor))
	shifts -= 16
	if shifts < 0 {
		next.Rsh(next, uint(-shifts))
	} else {
		if shifts > 256 {
			shifts = 256
		}
		next.Lsh(next, uint(shifts))
	}
	if next.Sign() == 0 {
		next.SetInt64(1)
	}
	if next.Cmp(p.PowLimit) > 0 {
		next.Set(p.PowLimit)
	}
	return BigToCompact(next)
}

// TargetStepDiv bounds how far one block moves the target: the next target
// is within the parent's ± 1/TargetStepDiv (6.25%). ASERT alone lets one
// timestamp move it freely: a block dated MaxFutureTime (30 s) ahead makes
// the next target 2^(28/60) ≈ 1.39 times easier at the root. The bound
// caps what one dated block buys at 1/16, while the ASERT value, computed
// from the anchor, still pulls the target where it belongs over the next
// blocks (a hundredfold drop in hash rate is followed within ~76 blocks).
const TargetStepDiv = 16

// StepBounds returns the least and greatest target a child of a block with
// parentBits may have: the parent's target ± 1/TargetStepDiv, within
// [1, PowLimit].
func (p *Params) StepBounds(parentBits uint32) (lo, hi *big.Int) {
	pt := CompactToBig(parentBits)
	step := new(big.Int).Quo(pt, big.NewInt(TargetStepDiv))
	lo = new(big.Int).Sub(pt, step)
	hi = new(big.Int).Add(pt, step)
	if lo.Sign() <= 0 {
		lo.SetInt64(1)
	}
	if hi.Cmp(p.PowLimit) > 0 {
		hi.Set(p.PowLimit)
	}
	return lo, hi
}

// StepBits bounds the target next (compact) to StepBounds(parentBits),
// within compact rounding (which rounds down).
func (p *Params) StepBits(parentBits, next uint32) uint32 {
	lo, hi := p.StepBounds(parentBits)
	t := CompactToBig(next)
	switch {
	case t.Cmp(lo) < 0:
		return BigToCompact(lo)
	case t.Cmp(hi) > 0:
		return BigToCompact(hi)
	}
	return next
}

// BitsReachable reports whether a block n blocks below one with
// ancestorBits could have bits, given the per-block step bound: its target
// is at most ancestor × (1 + 1/TargetStepDiv)^n (and never above
// PowLimit). Used to refuse held blocks that claim less work than any
// descendant of their claimed ancestor could need.
func (p *Params) BitsReachable(ancestorBits, bits uint32, n uint64) bool {
	t := CompactToBig(bits)
	if t.Sign() <= 0 || t.Cmp(p.PowLimit) > 0 {
		return false
	}
	bound := CompactToBig(ancestorBits)
	for i := uint64(0); i < n && bound.Cmp(p.PowLimit) < 0; i++ {
		bound.Add(bound, new(big.Int).Quo(bound, big.NewInt(TargetStepDiv)))
		bound.Add(bound, big.NewInt(1)) // compact rounding slack
	}
	return t.Cmp(bound) <= 0
}
