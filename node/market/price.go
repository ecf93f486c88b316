package market

import (
	"bytes"
	"math/bits"
	"slices"

	"github.com/bitverse/bitverse/node/wire"
)

// Record is what the price formula reads of a worker's on-chain
// reputation ledger entry.
type Record struct {
	Done     uint64 // bounties settled to it
	Failed   uint64 // accepted, never committed: refunded at the deadline
	Disputed uint64 // committed, disputed by the requester
	Lost     uint64 // outvoted by a relay lineup (part 2)
	// As a relay: lineup slots countersigned and paid, wrong results
	// caught first, slots left silent.
	Relayed, Caught, Missed uint64
}

// PPM is one in a million: reliabilities are integers in parts per
// million, so every node computes the same table without floating point.
const PPM = 1_000_000

// Tiers are the fixed reliabilities of the price table's rows, in PPM.
// The first, 0.5, is what a worker with no record has, so the cheapest
// offer always has a row 0.
var Tiers = []uint32{500_000, 750_000, 900_000, 990_000}

// Reliability is the probability, in PPM, that a job given to a worker
// with this record ends well: the posterior mean of a Beta(1,1) prior
// updated with its outcomes (Laplace's rule of succession),
// (done+1)/(done+bad+2) where bad = failed+disputed+lost. A missing result
// is always refunded at the deadline; what this measures is how often the
// worker's results are taken without complaint. Rounded down.
func Reliability(r Record) uint32 {
	// Counts that could overflow are scaled down together (a shift keeps
	// the ratio to well within a PPM).
	for r.Done|r.Failed|r.Disputed|r.Lost >= 1<<40 {
		r = Record{Done: r.Done >> 8, Failed: r.Failed >> 8, Disputed: r.Disputed >> 8, Lost: r.Lost >> 8}
	}
	return uint32((r.Done + 1) * PPM / (r.Done + r.Failed + r.Disputed + r.Lost + 2))
}

// RelayReliability is the probability, in PPM, that a relay with this
// record catches a wrong result (or, what the ledger sees of it, that it
// does its step right): Laplace's rule over its relay record,
// (relayed+caught+1)/(relayed+caught+missed+lost+2), the same measure the
// lineup draw weighs relays by (PROTOCOL §19). Rounded down.
func RelayReliability(r Record) uint32 {
	good, bad := r.Relayed, r.Missed
	for good|r.Caught|bad|r.Lost >= 1<<40 {
		good, r.Caught, bad, r.Lost = good>>8, r.Caught>>8, bad>>8, r.Lost>>8
	}
	good += r.Caught
	bad += r.Lost
	return uint32((good + 1) * PPM / (good + bad + 2))
}

// PriceTable is the table without relay lineups: rows at zero hops only.
func PriceTable(ledger map[wire.PubKey]Record, offers []Offer, request wire.Hash) *Table {
	return PriceTableWithRelays(ledger, offers, request, nil, RelayTerms{})
}

// PriceTableWithRelays turns the offers for request, the reputation
// ledger and the relay registry into the price table. It is a pure
// function: the same ledger, registry and set of offers (in any order)
// give the same table, byte for byte, on every node. Offers for other
// requests are ignored; the caller drops expired and unverified ones
// before.
//
// Rows at zero hops: for each tier t (ascending), the cheapest offer whose
// worker's Reliability is at least t (ties: lower latency, then lower
// worker key); a tier no offer reaches has no row. A higher tier draws
// from fewer offers, so it never costs less.
//
// Rows with hops h = 1..terms.MaxHops, from the cheapest offer (price p,
// latency l, worker reliability r_w): the amount A is the least that
// leaves the worker p after the split, A = ⌈p·10⁴ / (10⁴ − DrawShareBps −
// h·RelayHopBps)⌉; each relay's share is ⌊A·RelayHopBps/10⁴⌋. The relays
// that could be drawn are the registered ones with caps bit 0, stake ≥
// MinStake and fee ≤ that share, the worker excepted; with fewer than h
// of them there is no row. The row's reliability is the probability that
// a wrong result does not pass every relay, counting the h least
// reliable of those relays (a lineup drawn from them can do no worse):
// 1 − (1 − r_w)·Π(1 − RelayReliability(relay)), in PPM, rounded down at
// each step. Latency (h+1)·l: each relay recomputes as the worker did.
func PriceTableWithRelays(ledger map[wire.PubKey]Record, offers []Offer, request wire.Hash, relays []RelayRecord, terms RelayTerms) *Table {
	t := &Table{Request: request, Rows: []Row{}}
	var mine []*Offer
	for i := range offers {
		if offers[i].Request == request {
			mine = append(mine, &offers[i])
		}
	}
	t.Offers = len(mine)
	var base *Offer
	var baseRel uint32
	for _, tier := range Tiers {
		var best *Offer
		var bestRel uint32
		for _, o := range mine {
			rel := Reliability(ledger[o.Worker])
			if rel >= tier && better(o, best) {
				best, bestRel = o, rel
			}
		}
		if best == nil {
			break // higher tiers draw from fewer offers still
		}
		if base == nil {
			base, baseRel = best, bestRel
		}
		t.Rows = append(t.Rows, Row{Reliability: float64(tier) / PPM, LatencyMS: int64(best.LatencyMS),
			Price: best.Price, Worker: best.Worker})
	}
	if base == nil {
		return t
	}
	for h := 1; h <= terms.MaxHops; h++ {
		amount, hop, ok := HopSplit(base.Price, h, terms)
		if !ok {
			break
		}
		var rels []uint32
		for _, r := range relays {
			if r.Caps&1 != 0 && r.Stake >= terms.MinStake && r.Fee <= hop && r.PubKey != base.Worker {
				rels = append(rels, RelayReliability(r.Record))
			}
		}
		if len(rels) < h {
			continue // a larger amount may pay more relays' fees
		}
		slices.Sort(rels)
		miss := uint64(PPM - baseRel)
		for _, r := range rels[:h] {
			miss = miss * uint64(PPM-r) / PPM
		}
		t.Rows = append(t.Rows, Row{Reliability: float64(PPM-miss) / PPM, Hops: h,
			LatencyMS: int64(base.LatencyMS) * int64(h+1), Price: amount, Worker: base.Worker})
	}
	return t
}

// HopSplit is the bounty amount that leaves the worker price after the
// drawer's and h relays' shares, and each relay's share; ok is false when
// the shares leave nothing or the amount overflows.
func HopSplit(price uint64, h int, terms RelayTerms) (amount, hop uint64, ok bool) {
	cut := terms.DrawShareBps + uint64(h)*terms.RelayHopBps
	if cut >= 10_000 {
		return 0, 0, false
	}
	den := 10_000 - cut
	hi, lo := bits.Mul64(price, 10_000)
	if hi >= den {
		return 0, 0, false
	}
	q, r := bits.Div64(hi, lo, den)
	if r != 0 {
		if q == ^uint64(0) {
			return 0, 0, false
		}
		q++
	}
	return q, share(q, terms.RelayHopBps), true
}

// better reports whether o beats best: cheaper, then faster, then the
// lower worker key, then the lower signature (a total order, so the
// choice never depends on the order offers arrived in).
func better(o, best *Offer) bool {
	if best == nil {
		return true
	}
	if o.Price != best.Price {
		return o.Price < best.Price
	}
	if o.LatencyMS != best.LatencyMS {
		return o.LatencyMS < best.LatencyMS
	}
	if c := bytes.Compare(o.Worker[:], best.Worker[:]); c != 0 {
		return c < 0
	}
	return bytes.Compare(o.Sig[:], best.Sig[:]) < 0
}
