package market

import (
	"bytes"
	"math/bits"

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

// MaxHops is the number of relay hops the table shows rows for.
const MaxHops = 2

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

// PriceTable turns the offers for request and the reputation ledger into
// the price table. It is a pure function: the same ledger and the same set
// of offers (in any order) give the same table, byte for byte, on every
// node. Offers for other requests are ignored; the caller drops expired
// and unverified ones before.
//
// Rows at zero hops: for each tier t (ascending), the cheapest offer whose
// worker's Reliability is at least t (ties: lower latency, then lower
// worker key); a tier no offer reaches has no row. A higher tier draws
// from fewer offers, so it never costs less.
//
// Rows with hops h = 1..MaxHops (NeedsRelays until relay lineups exist):
// the cheapest offer's row with h relays recomputing, each paid as much as
// the worker: price (h+1)·p, latency (h+1)·l, reliability 1−(1−r)^(h+1)
// (a wrong result passes only if every recomputation misses it).
func PriceTable(ledger map[wire.PubKey]Record, offers []Offer, request wire.Hash) *Table {
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
	miss := uint64(PPM - baseRel) // in PPM
	for h := 1; h <= MaxHops; h++ {
		hi, price := bits.Mul64(base.Price, uint64(h+1))
		if hi != 0 {
			break
		}
		missH := miss
		for range h {
			missH = missH * miss / PPM
		}
		t.Rows = append(t.Rows, Row{Reliability: float64(PPM-missH) / PPM, Hops: h,
			LatencyMS: int64(base.LatencyMS) * int64(h+1), Price: price, Worker: base.Worker, NeedsRelays: true})
	}
	return t
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
