package state

import (
	"math"
	"math/big"
	"math/rand"
	"testing"

	"github.com/bitverse/bitverse/node/wire"
)

// testCands returns relays with the given stakes (in BVS) and records,
// keyed 1, 2, ... in public-key order.
func testCands(stakes []uint64, reps []Reputation) []Candidate {
	var out []Candidate
	for i, s := range stakes {
		var pk wire.PubKey
		pk[31] = byte(i + 1)
		r := Reputation{}
		if reps != nil {
			r = reps[i]
		}
		out = append(out, Candidate{Key: pk, Weight: RelayWeight(s*wire.Unit, &r)})
	}
	return out
}

func randHash(rng *rand.Rand) wire.Hash {
	var h wire.Hash
	rng.Read(h[:])
	return h
}

func weightShares(cands []Candidate) []float64 {
	total := new(big.Float)
	for _, c := range cands {
		total.Add(total, new(big.Float).SetInt(c.Weight))
	}
	var out []float64
	for _, c := range cands {
		f, _ := new(big.Float).Quo(new(big.Float).SetInt(c.Weight), total).Float64()
		out = append(out, f)
	}
	return out
}

// Over 10,000 draws seeded by random block IDs, each relay is drawn for a
// slot as often as its weight (stake × reliability) says: the chi-square
// statistic of the counts against the weights stays below 20.52, the
// p = 0.001 critical value for 5 degrees of freedom (PROTOCOL §19). The
// random IDs come from a fixed seed, so the test is deterministic; the
// bound is what a fair draw passes 999 times in 1000.
func TestLineupDrawMatchesWeights(t *testing.T) {
	const draws = 10_000
	reps := []Reputation{{}, {Relayed: 9}, {Missed: 3}, {Relayed: 20, Lost: 1}, {Caught: 2}, {Relayed: 1, Missed: 1}}
	cands := testCands([]uint64{1, 2, 3, 5, 8, 13}, reps)
	shares := weightShares(cands)
	rng := rand.New(rand.NewSource(1))
	bounty := wire.Sum([]byte("a bounty"))
	counts := make([]int, len(cands))
	for i := 0; i < draws; i++ {
		k := DrawOne(randHash(rng), bounty, 0, cands)
		if k < 0 {
			t.Fatal("no relay drawn from a registry with weight")
		}
		counts[k]++
	}
	var chi2 float64
	for i, c := range counts {
		want := shares[i] * draws
		chi2 += (float64(c) - want) * (float64(c) - want) / want
	}
	t.Logf("counts %v, expected shares %.4f, chi-square %.2f", counts, shares, chi2)
	if chi2 > 20.52 {
		t.Fatalf("chi-square %.2f above 20.52: the draw does not follow the weights (counts %v, shares %.4f)", chi2, counts, shares)
	}
}

// A lineup is drawn without replacement: no relay twice, and a registry
// smaller than the lineup gives a shorter lineup holding every relay.
func TestLineupDrawWithoutReplacement(t *testing.T) {
	cands := testCands([]uint64{1, 1, 50, 1}, nil)
	rng := rand.New(rand.NewSource(2))
	for i := 0; i < 500; i++ {
		got := DrawLineup(randHash(rng), wire.Sum([]byte{byte(i)}), []uint8{0, 1, 2, 3, 4}, cands)
		if len(got) != len(cands) {
			t.Fatalf("lineup of %d from %d relays", len(got), len(cands))
		}
		seen := map[wire.PubKey]bool{}
		for _, pk := range got {
			if seen[pk] {
				t.Fatalf("relay %x drawn twice in %v", pk[31], got)
			}
			seen[pk] = true
		}
	}
	if DrawOne(wire.Hash{}, wire.Hash{}, 0, nil) != -1 {
		t.Fatal("a draw from no relays picked one")
	}
}

// The draw is a function of the block ID, the bounty and the slot: the
// same inputs give the same relay, and each input moves it.
func TestLineupDrawDependsOnBlockBountyAndSlot(t *testing.T) {
	cands := testCands([]uint64{1, 1, 1, 1, 1, 1, 1, 1}, nil)
	rng := rand.New(rand.NewSource(3))
	differs := map[string]int{}
	for i := 0; i < 200; i++ {
		blk, bn := randHash(rng), randHash(rng)
		a := DrawOne(blk, bn, 0, cands)
		if a != DrawOne(blk, bn, 0, cands) {
			t.Fatal("the same inputs drew different relays")
		}
		if a != DrawOne(randHash(rng), bn, 0, cands) {
			differs["block"]++
		}
		if a != DrawOne(blk, randHash(rng), 0, cands) {
			differs["bounty"]++
		}
		if a != DrawOne(blk, bn, 1, cands) {
			differs["slot"]++
		}
	}
	for _, what := range []string{"block", "bounty", "slot"} {
		if differs[what] < 140 { // 7/8 of 200 expected
			t.Errorf("changing the %s moved the draw only %d times in 200", what, differs[what])
		}
	}
}

// GrindingShareBound is the hash-rate share PROTOCOL §19 states the
// lineup draw's guarantee for.
const GrindingShareBound = 0.5

// A miner with hash-rate share s below GrindingShareBound that discards
// every block it finds whose lineup for a bounty is not all its own relays
// (and keeps mining) gets such lineups with probability q/(1−s(1−q)) ≤
// q/(1−s), q being the chance a fair draw gives them: at most 1/(1−s)
// times chance (2× at s = ½), paid for by the block rewards it throws
// away. The simulation plays 10,000 bounties with random block IDs through
// the real draw and checks the miner's rate against that bound, with four
// standard errors of slack.
func TestLineupGrindingNoBetterThanChance(t *testing.T) {
	const (
		bounties = 10_000
		s        = 0.3 // the miner's hash-rate share
	)
	if s >= GrindingShareBound {
		t.Fatal("the simulated share must be below the documented bound")
	}
	// Ten relays; the miner's two hold 40 % of the weight.
	cands := testCands([]uint64{4, 4, 2, 2, 2, 2, 1, 1, 1, 1}, nil)
	own := map[wire.PubKey]bool{cands[0].Key: true, cands[1].Key: true}
	slots := []uint8{0, 1}
	allOwn := func(blk, bn wire.Hash) bool {
		for _, pk := range DrawLineup(blk, bn, slots, cands) {
			if !own[pk] {
				return false
			}
		}
		return true
	}
	rng := rand.New(rand.NewSource(4))
	var fair, ground, discarded int
	for i := 0; i < bounties; i++ {
		bn := randHash(rng)
		if allOwn(randHash(rng), bn) {
			fair++
		}
		for {
			blk := randHash(rng)
			if rng.Float64() >= s { // another miner's block: published as found
				if allOwn(blk, bn) {
					ground++
				}
				break
			}
			if allOwn(blk, bn) { // the grinder's own block, kept only if it pays
				ground++
				break
			}
			discarded++
		}
	}
	q := float64(fair) / bounties
	rate := float64(ground) / bounties
	model := q / (1 - s*(1-q))
	bound := q / (1 - s)
	se := math.Sqrt(bound * (1 - bound) / bounties)
	t.Logf("fair %.4f, grinding %.4f (model %.4f, bound %.4f), %.2f blocks discarded a bounty", q, rate, model, bound, float64(discarded)/bounties)
	if rate > bound+4*se {
		t.Fatalf("a grinding miner with share %.2f got all-own lineups %.4f of the time, above the bound q/(1-s) = %.4f", s, rate, bound)
	}
	if math.Abs(rate-model) > 4*se {
		t.Fatalf("grinding rate %.4f far from the model q/(1-s(1-q)) = %.4f: the simulation or the draw is off", rate, model)
	}
}

// BenchmarkDrawOne draws one slot from a registry of 1,000 relays: the
// unit of work a block's draw does at most MaxDrawsPerBlock times.
func BenchmarkDrawOne(b *testing.B) {
	stakes := make([]uint64, 1000)
	for i := range stakes {
		stakes[i] = uint64(1 + i%17)
	}
	cands := testCands(stakes, nil)
	rng := rand.New(rand.NewSource(5))
	bounty := randHash(rng)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		DrawOne(randHash(rng), bounty, uint8(i), cands)
	}
}
