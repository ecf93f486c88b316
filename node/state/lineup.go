package state

import (
	"math/big"

	"github.com/bitverse/bitverse/node/wire"
)

// The lineup draw is a pure function of the drawing block's ID, the
// bounty, the slot and the candidates (in public-key order, with their
// weights): every node computes the same relays, and nothing a miner can
// choose short of discarding a found block changes the outcome.

// Candidate is a relay eligible for a slot and its draw weight: stake ×
// reliability in parts per million.
type Candidate struct {
	Key    wire.PubKey
	Weight *big.Int
}

// ReliabilityPPM is a relay's reliability in parts per million, Laplace
// smoothed: (relayed+caught+1)·10⁶ / (relayed+caught+missed+lost+2). A new
// relay counts as 50 %.
func ReliabilityPPM(r *Reputation) uint64 {
	good := new(big.Int).SetUint64(r.Relayed)
	good.Add(good, new(big.Int).SetUint64(r.Caught))
	good.Add(good, big.NewInt(1))
	all := new(big.Int).Set(good)
	all.Add(all, new(big.Int).SetUint64(r.Missed))
	all.Add(all, new(big.Int).SetUint64(r.Lost))
	all.Add(all, big.NewInt(1))
	good.Mul(good, big.NewInt(1_000_000))
	return good.Quo(good, all).Uint64()
}

// RelayWeight is the draw weight of a relay with stake and record r.
func RelayWeight(stake uint64, r *Reputation) *big.Int {
	w := new(big.Int).SetUint64(stake)
	return w.Mul(w, new(big.Int).SetUint64(ReliabilityPPM(r)))
}

// drawSeed is the hash a draw reads its number from.
func drawSeed(block, bounty wire.Hash, slot uint8, counter uint32) wire.Hash {
	var tail [5]byte
	tail[0] = slot
	tail[1], tail[2], tail[3], tail[4] = byte(counter>>24), byte(counter>>16), byte(counter>>8), byte(counter)
	return wire.TaggedSum("bitverse/lineup/v1", block[:], bounty[:], tail[:])
}

var two256 = new(big.Int).Lsh(big.NewInt(1), 256)

// DrawOne picks one of cands for slot of bounty, seeded by the drawing
// block's ID, with probability proportional to its weight: it reads a
// 256-bit number r from TaggedSum("bitverse/lineup/v1", block ‖ bounty ‖
// slot ‖ counter), counter from 0, rejects r ≥ ⌊2²⁵⁶/W⌋·W (W the total
// weight; the chance of a retry is below W/2²⁵⁶) and takes the candidate
// whose cumulative weight range holds r mod W. It returns -1 if the
// total weight is zero.
func DrawOne(block, bounty wire.Hash, slot uint8, cands []Candidate) int {
	total := new(big.Int)
	for _, c := range cands {
		total.Add(total, c.Weight)
	}
	if total.Sign() == 0 {
		return -1
	}
	limit := new(big.Int).Quo(two256, total)
	limit.Mul(limit, total)
	r := new(big.Int)
	for counter := uint32(0); ; counter++ {
		h := drawSeed(block, bounty, slot, counter)
		r.SetBytes(h[:])
		if r.Cmp(limit) < 0 {
			break
		}
	}
	r.Mod(r, total)
	for i, c := range cands {
		if r.Cmp(c.Weight) < 0 {
			return i
		}
		r.Sub(r, c.Weight)
	}
	return len(cands) - 1 // unreachable: r < total
}

// DrawLineup draws one relay for each of slots, in order and without
// replacement, and returns the chosen keys (fewer than slots when the
// candidates run out: the lineup is shorter). cands is not modified.
func DrawLineup(block, bounty wire.Hash, slots []uint8, cands []Candidate) []wire.PubKey {
	left := append([]Candidate(nil), cands...)
	var out []wire.PubKey
	for _, s := range slots {
		i := DrawOne(block, bounty, s, left)
		if i < 0 {
			break
		}
		out = append(out, left[i].Key)
		left = append(left[:i], left[i+1:]...)
	}
	return out
}
