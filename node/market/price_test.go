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
		{Reliability: 0.75, Hops: 1, LatencyMS: 100, Price: 200, Worker: fresh, NeedsRelays: true},
		{Reliability: 0.875, Hops: 2, LatencyMS: 150, Price: 300, Worker: fresh, NeedsRelays: true},
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
			if (b.Hops > 0) != b.NeedsRelays {
				t.Fatalf("row %+v: NeedsRelays must mark exactly the rows with hops", b)
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
	ledger, offers := randomMarket(t, rand.New(rand.NewPCG(5, 6)), req)
	got := wire.Sum(tableJSON(t, PriceTable(ledger, offers, req)))
	const want = "1525ecd2d6967b4718780ca15df111d7690f26314dfd89bb51af93378b0102f1" // workers as hex text since PubKey marshals as text
	if got.String() != want {
		t.Fatalf("table hash %s, pinned %s", got, want)
	}
	if again := wire.Sum(tableJSON(t, PriceTable(ledger, offers, req))); again != got {
		t.Fatal("two calls differ")
	}
}
