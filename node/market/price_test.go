package market

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/bitverse/bitverse/node/wire"
)

func TestReliabilityIsLaplaceSmoothed(t *testing.T) {
	for _, c := range []struct {
		r    Record
		want uint32
	}{
		{Record{}, 500_000},
		{Record{Done: 1}, 666_666},
		{Record{Done: 8}, 900_000},
		{Record{Done: 98}, 990_000},
		{Record{Failed: 1}, 333_333},
		{Record{Done: 3, Disputed: 1, Lost: 1, Failed: 1}, 500_000},
		{Record{Done: math.MaxUint64}, 999_999},
		{Record{Done: math.MaxUint64, Failed: math.MaxUint64}, 500_000},
	} {
		if got := Reliability(c.r); got != c.want {
			t.Errorf("%+v: %d, want %d", c.r, got, c.want)
		}
	}
}

func offerFor(t testing.TB, req wire.Hash, key byte, price uint64, latency uint32) Offer {
	o := Offer{Request: req, Price: price, LatencyMS: latency, Fuel: 1000, Expires: now + 60}
	o.Sign(wire.Devnet, testKey(t, key))
	return o
}

func TestPriceTableRowsByTier(t *testing.T) {
	req := RequestID([]byte(`("k")`))
	fresh, good, great := testKey(t, 1).PubKey(), testKey(t, 2).PubKey(), testKey(t, 3).PubKey()
	ledger := map[wire.PubKey]Record{good: {Done: 10}, great: {Done: 200}}
	offers := []Offer{
		offerFor(t, req, 1, 100, 50), // fresh: 0.5
		offerFor(t, req, 2, 300, 40), // 11/12 ≈ 0.916
		offerFor(t, req, 3, 900, 30), // 201/202 ≈ 0.995
		offerFor(t, RequestID([]byte(`("other")`)), 1, 1, 1),
	}
	tb := PriceTable(ledger, offers, req)
	if tb.Offers != 3 {
		t.Fatalf("built from %d offers, want 3 (the other request's is ignored)", tb.Offers)
	}
	want := []Row{
		{Reliability: 0.5, LatencyMS: 50, Price: 100, Worker: fresh},
		{Reliability: 0.75, LatencyMS: 40, Price: 300, Worker: good},
		{Reliability: 0.9, LatencyMS: 40, Price: 300, Worker: good},
		{Reliability: 0.99, LatencyMS: 30, Price: 900, Worker: great},
	}
	if len(tb.Rows) != len(want) {
		t.Fatalf("rows %+v", tb.Rows)
	}
	for i := range want {
		if tb.Rows[i] != want[i] {
			t.Errorf("row %d: %+v, want %+v", i, tb.Rows[i], want[i])
		}
	}
	if e := PriceTable(ledger, nil, req); len(e.Rows) != 0 || e.Offers != 0 {
		t.Errorf("no offers, table %+v", e)
	}
}

// randomMarket draws a ledger and offers (some workers with several
// offers, some for another request).
func randomMarket(t testing.TB, rng *rand.Rand, req wire.Hash) (map[wire.PubKey]Record, []Offer) {
	ledger := map[wire.PubKey]Record{}
	var offers []Offer
	n := 1 + rng.IntN(8)
	for i := range n {
		k := testKey(t, byte(1+i))
		if rng.IntN(4) > 0 {
			ledger[k.PubKey()] = Record{Done: rng.Uint64N(300), Failed: rng.Uint64N(10), Disputed: rng.Uint64N(5), Lost: rng.Uint64N(3)}
		}
		for range 1 + rng.IntN(3) {
			r := req
			if rng.IntN(6) == 0 {
				r = RequestID([]byte("other"))
			}
			o := Offer{Request: r, Price: 1 + rng.Uint64N(50), LatencyMS: rng.Uint32N(5), Fuel: 1, Expires: now + 60}
			o.Sign(wire.Devnet, k)
			offers = append(offers, o)
		}
	}
	return ledger, offers
}

func tableJSON(t testing.TB, tb *Table) []byte {
	b, err := json.Marshal(tb)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestPriceTableIsPureAndOrderFree(t *testing.T) {
	req := RequestID([]byte(`("k")`))
	rng := rand.New(rand.NewPCG(1, 2))
	for range 200 {
		ledger, offers := randomMarket(t, rng, req)
		first := tableJSON(t, PriceTable(ledger, offers, req))
		for range 5 {
			shuffled := append([]Offer(nil), offers...)
			rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
			again := tableJSON(t, PriceTable(ledger, shuffled, req))
			if !bytes.Equal(first, again) {
				t.Fatalf("the order of offers changed the table:\n%s\n%s", first, again)
			}
		}
	}
}

func TestPriceTableIsMonotoneInReliability(t *testing.T) {
	req := RequestID([]byte(`("k")`))
	rng := rand.New(rand.NewPCG(3, 4))
	for range 200 {
		ledger, offers := randomMarket(t, rng, req)
		tb := PriceTable(ledger, offers, req)
		for i := 1; i < len(tb.Rows); i++ {
			a, b := tb.Rows[i-1], tb.Rows[i]
			if a.Hops > b.Hops {
				t.Fatalf("rows not sorted by hops: %+v", tb.Rows)
			}
			if a.Hops == b.Hops && (b.Reliability <= a.Reliability || b.Price < a.Price) {
				t.Fatalf("at %d hops, reliability %v costs %d but %v costs %d", a.Hops, a.Reliability, a.Price, b.Reliability, b.Price)
			}
			if b.NeedsRelays {
				t.Fatalf("row %+v: a table without a registry has no rows needing relays", b)
			}
		}
		// Every row's worker really reaches the row's reliability.
		for _, r := range tb.Rows {
			if r.Hops == 0 && float64(Reliability(ledger[r.Worker]))/PPM < r.Reliability {
				t.Fatalf("row %+v: worker's reliability is only %d ppm", r, Reliability(ledger[r.Worker]))
			}
		}
	}
}

// Every node computes the same bytes: the table of a fixed market is
// pinned, so a change of formula or encoding shows up here.
func TestPriceTableBytesArePinned(t *testing.T) {
	req := RequestID([]byte(`("k")`))
	rng := rand.New(rand.NewPCG(5, 6))
	ledger, offers := randomMarket(t, rng, req)
	relays := []RelayRecord{relayFor(t, 90, 0, 2000, Record{Relayed: 5}), relayFor(t, 91, 0, 2000, Record{Missed: 1}),
		relayFor(t, 92, 1, 2000, Record{Relayed: 40, Caught: 1})}
	got := wire.Sum(tableJSON(t, PriceTableWithRelays(ledger, offers, req, relays, testTerms)))
	const want = "09fc4db6f23235d0ab0a690c363b697b7786350f226164a3c8104eddc948811a" // workers as hex text since PubKey marshals as text
	if got.String() != want {
		t.Fatalf("table hash %s, pinned %s", got, want)
	}
	if again := wire.Sum(tableJSON(t, PriceTableWithRelays(ledger, offers, req, relays, testTerms))); again != got {
		t.Fatal("two calls differ")
	}
}

// terms are the devnet's relay numbers as the tests assume them: 1 % to
// the drawer, 10 % to each relay.
var testTerms = RelayTerms{Window: 3, DrawShareBps: 100, RelayHopBps: 1000, MinStake: 1000, MaxHops: 5}

func relayFor(t testing.TB, key byte, fee, stake uint64, r Record) RelayRecord {
	return RelayRecord{PubKey: testKey(t, key).PubKey(), Fee: fee, Stake: stake, Caps: 1, Record: r}
}

func TestRelayReliabilityIsLaplaceSmoothed(t *testing.T) {
	for _, c := range []struct {
		r    Record
		want uint32
	}{
		{Record{}, 500_000},
		{Record{Relayed: 8}, 900_000},
		{Record{Relayed: 6, Caught: 2}, 900_000},
		{Record{Relayed: 3, Missed: 1, Lost: 4}, 400_000},
		{Record{Done: 1000}, 500_000}, // a worker's record is not a relay's
		{Record{Relayed: math.MaxUint64}, 999_999},
	} {
		if got := RelayReliability(c.r); got != c.want {
			t.Errorf("%+v: %d, want %d", c.r, got, c.want)
		}
	}
}

func TestHopSplitLeavesTheWorkerItsPrice(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for range 2000 {
		price := 1 + rng.Uint64N(1<<40)
		h := 1 + rng.IntN(testTerms.MaxHops)
		amount, hop, ok := HopSplit(price, h, testTerms)
		if !ok {
			t.Fatalf("price %d at %d hops: no split", price, h)
		}
		worker := amount - share(amount, testTerms.DrawShareBps) - uint64(h)*hop
		if worker < price {
			t.Fatalf("price %d at %d hops: amount %d leaves the worker %d", price, h, amount, worker)
		}
		// The least such amount: one less would not do.
		a := amount - 1
		if a-share(a, testTerms.DrawShareBps)-uint64(h)*share(a, testTerms.RelayHopBps) >= price && a*(10_000-testTerms.DrawShareBps-uint64(h)*testTerms.RelayHopBps) >= price*10_000 {
			t.Fatalf("price %d at %d hops: %d would do too", price, h, a)
		}
	}
	if _, _, ok := HopSplit(100, 10, testTerms); ok {
		t.Fatal("shares of 101 % split")
	}
	if _, _, ok := HopSplit(math.MaxUint64, 1, testTerms); ok {
		t.Fatal("an amount past 2^64 split")
	}
}

// TestPriceTableHopRowsFromTheRegistry: the rows the seed shows are
// reachable with enough good relays, each row's reliability is the
// documented product over the h least reliable eligible relays, and rows
// appear only when the registry can fill them.
func TestPriceTableHopRowsFromTheRegistry(t *testing.T) {
	req := RequestID([]byte(`("k")`))
	worker := testKey(t, 1).PubKey()
	offers := []Offer{offerFor(t, req, 1, 1000, 400)}
	ledger := map[wire.PubKey]Record{} // a fresh worker: 0.5
	var relays []RelayRecord
	for i := range 5 {
		relays = append(relays, relayFor(t, byte(10+i), 50, 5000, Record{Relayed: 3})) // 0.8 each
	}
	tb := PriceTableWithRelays(ledger, offers, req, relays, testTerms)
	var got []float64
	for _, r := range tb.Rows {
		if r.Hops > 0 {
			got = append(got, r.Reliability)
			if r.Worker != worker || r.NeedsRelays || r.LatencyMS != 400*int64(r.Hops+1) {
				t.Errorf("row %+v", r)
			}
			amount, _, _ := HopSplit(1000, r.Hops, testTerms)
			if r.Price != amount {
				t.Errorf("row %+v: price, want %d", r, amount)
			}
		}
	}
	// 1 − 0.5·0.2^h: 0.9, 0.98, 0.996, 0.9992, 0.99984.
	want := []float64{0.9, 0.98, 0.996, 0.9992, 0.99984}
	if len(got) != len(want) {
		t.Fatalf("hop rows %v, want %v", got, want)
	}
	for i := range want {
		if math.Abs(got[i]-want[i]) > 1e-6 {
			t.Errorf("%d hops: %v, want %v", i+1, got[i], want[i])
		}
	}
	// The seed's [r 0.99999, 5 hops]: a worker at 0.99 and relays at 0.9.
	good := map[wire.PubKey]Record{worker: {Done: 98}}
	var strong []RelayRecord
	for i := range 5 {
		strong = append(strong, relayFor(t, byte(20+i), 50, 5000, Record{Relayed: 8}))
	}
	tb = PriceTableWithRelays(good, offers, req, strong, testTerms)
	if last := tb.Rows[len(tb.Rows)-1]; last.Hops != 5 || last.Reliability < 0.99999 {
		t.Fatalf("last row %+v, want 5 hops at ≥ 0.99999", last)
	}
	// Who cannot be drawn does not count: fee above the share, stake too
	// low, no recompute capability, the worker itself.
	few := []RelayRecord{
		relayFor(t, 30, 50, 5000, Record{}),
		relayFor(t, 31, 1_000_000, 5000, Record{}),
		relayFor(t, 32, 50, 999, Record{}),
		{PubKey: testKey(t, 33).PubKey(), Fee: 50, Stake: 5000, Caps: 0},
		{PubKey: worker, Fee: 50, Stake: 5000, Caps: 1},
	}
	tb = PriceTableWithRelays(ledger, offers, req, few, testTerms)
	hops := 0
	for _, r := range tb.Rows {
		hops = max(hops, r.Hops)
	}
	if hops != 1 {
		t.Fatalf("one eligible relay gave rows up to %d hops: %+v", hops, tb.Rows)
	}
	// The worst relays are the ones counted: a weak relay among strong
	// ones lowers the 1-hop row to its own catch rate.
	mixed := append([]RelayRecord{relayFor(t, 40, 50, 5000, Record{Missed: 8})}, strong...)
	tb = PriceTableWithRelays(good, offers, req, mixed, testTerms)
	for _, r := range tb.Rows {
		if r.Hops == 1 && math.Abs(r.Reliability-(1-0.01*0.9)) > 1e-6 {
			t.Fatalf("1-hop row %v, want 1 − 0.01·0.9", r.Reliability)
		}
	}
}

func randomRelays(t testing.TB, rng *rand.Rand) []RelayRecord {
	var out []RelayRecord
	for i := range rng.IntN(8) {
		r := relayFor(t, byte(100+i), rng.Uint64N(400), rng.Uint64N(3000),
			Record{Relayed: rng.Uint64N(50), Caught: rng.Uint64N(3), Missed: rng.Uint64N(5), Lost: rng.Uint64N(2)})
		r.Caps = uint32(rng.IntN(4)) & 1
		out = append(out, r)
	}
	return out
}

// TestPriceTableWithRelaysIsPureOrderFreeAndMonotone: any order of
// offers and relays gives the same bytes; more hops never lower the
// reliability; every hop row is fillable from the registry and leaves the
// worker its price.
func TestPriceTableWithRelaysIsPureOrderFreeAndMonotone(t *testing.T) {
	req := RequestID([]byte(`("k")`))
	rng := rand.New(rand.NewPCG(9, 10))
	for range 200 {
		ledger, offers := randomMarket(t, rng, req)
		relays := randomRelays(t, rng)
		first := PriceTableWithRelays(ledger, offers, req, relays, testTerms)
		for range 3 {
			o := append([]Offer(nil), offers...)
			r := append([]RelayRecord(nil), relays...)
			rng.Shuffle(len(o), func(i, j int) { o[i], o[j] = o[j], o[i] })
			rng.Shuffle(len(r), func(i, j int) { r[i], r[j] = r[j], r[i] })
			if !bytes.Equal(tableJSON(t, first), tableJSON(t, PriceTableWithRelays(ledger, o, req, r, testTerms))) {
				t.Fatal("the order of offers or relays changed the table")
			}
		}
		prev := 0.0
		for _, row := range first.Rows {
			if row.Hops == 0 {
				continue
			}
			if row.Reliability < prev {
				t.Fatalf("more hops, lower reliability: %+v", first.Rows)
			}
			prev = row.Reliability
			amount, hop, ok := HopSplit(first.Rows[0].Price, row.Hops, testTerms)
			if !ok || row.Price != amount {
				t.Fatalf("row %+v: price is not the split's amount %d", row, amount)
			}
			n := 0
			for _, r := range relays {
				if r.Caps&1 != 0 && r.Stake >= testTerms.MinStake && r.Fee <= hop && r.PubKey != row.Worker {
					n++
				}
			}
			if n < row.Hops {
				t.Fatalf("row %+v offered with %d eligible relays", row, n)
			}
		}
	}
}
