package wire

import (
	"bytes"
	"errors"
	"testing"
)

// The relay bodies have fixed sizes: the encoding of each sample is exactly
// its declared size, and one byte less or more is malformed.
func TestRelayBodySizes(t *testing.T) {
	sizes := map[TxType]int{
		TxRelayRegister: RelayRegisterBodySize, TxRelayLeave: RelayLeaveBodySize,
		TxCountersign: CountersignBodySize, TxRelayMiss: RelayMissBodySize,
	}
	seen := map[TxType]bool{}
	one := []byte{1}
	for _, tx := range sampleRelayTxs(t) {
		w := NewWriter(0)
		tx.Body.encode(w)
		body := w.Bytes()
		if len(body) != sizes[tx.Type] {
			t.Errorf("%s body is %d bytes, want %d", tx.Type, len(body), sizes[tx.Type])
		}
		seen[tx.Type] = true
		if _, err := DecodeTx(txBytes(uint8(tx.Type), RootChain, one, one, body)); err != nil {
			t.Errorf("%s body of the right size: %v", tx.Type, err)
		}
		for _, bad := range [][]byte{body[:len(body)-1], append(append([]byte(nil), body...), 0), nil} {
			got, err := DecodeTx(txBytes(uint8(tx.Type), RootChain, one, one, bad))
			if !errors.Is(err, ErrMalformed) || got != nil {
				t.Errorf("%s body of %d bytes: got %v, %v; want ErrMalformed", tx.Type, len(bad), got, err)
			}
		}
	}
	for typ := range sizes {
		if !seen[typ] {
			t.Errorf("no sample of %s", typ)
		}
	}
}

// A relay-leave's reserved byte must be zero: any other value is malformed,
// so the one encoding of a leave stays canonical.
func TestRelayLeaveReservedByteMustBeZero(t *testing.T) {
	one := []byte{1}
	if _, err := DecodeTx(txBytes(uint8(TxRelayLeave), RootChain, one, one, []byte{0})); err != nil {
		t.Fatalf("leave with reserved 0: %v", err)
	}
	for _, v := range []byte{1, 0x80, 0xff} {
		got, err := DecodeTx(txBytes(uint8(TxRelayLeave), RootChain, one, one, []byte{v}))
		if !errors.Is(err, ErrMalformed) || got != nil {
			t.Errorf("leave with reserved %d: got %v, %v; want ErrMalformed", v, got, err)
		}
	}
}

// The fields land where PROTOCOL §19 says.
func TestRelayBodyLayout(t *testing.T) {
	w := NewWriter(0)
	RelayRegister{Fee: 0x0102030405060708, Stake: 0x1112131415161718, Caps: 0x21222324}.encode(w)
	want := []byte{1, 2, 3, 4, 5, 6, 7, 8, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x21, 0x22, 0x23, 0x24}
	if !bytes.Equal(w.Bytes(), want) {
		t.Fatalf("relay-register body\n got % x\nwant % x", w.Bytes(), want)
	}
	h1, h2, h3 := testHash(1), testHash(2), testHash(3)
	w = NewWriter(0)
	Countersign{Bounty: h1, Slot: 7, Result: h2, Envelope: h3}.encode(w)
	want = append(append(append(append([]byte(nil), h1[:]...), 7), h2[:]...), h3[:]...)
	if !bytes.Equal(w.Bytes(), want) {
		t.Fatalf("countersign body\n got % x\nwant % x", w.Bytes(), want)
	}
	w = NewWriter(0)
	RelayMiss{Bounty: h1, Slot: 9}.encode(w)
	want = append(append([]byte(nil), h1[:]...), 9)
	if !bytes.Equal(w.Bytes(), want) {
		t.Fatalf("relay-miss body\n got % x\nwant % x", w.Bytes(), want)
	}
}

// Countersign and relay-miss name a bounty; register and leave do not. All
// four are market (compute-engine) types and relay types; part-1 types are
// not relay types.
func TestRelayTypesAndBountyRef(t *testing.T) {
	bounty := sampleMarketTxs(t)[0].ID()
	for _, tx := range sampleRelayTxs(t) {
		if !tx.Type.IsRelay() || !tx.Type.IsMarket() {
			t.Errorf("%s: IsRelay %v IsMarket %v, want both", tx.Type, tx.Type.IsRelay(), tx.Type.IsMarket())
		}
		id, ok := MarketBounty(tx)
		switch tx.Type {
		case TxCountersign, TxRelayMiss:
			if !ok || id != bounty {
				t.Errorf("%s refers to %s (%v), want %s", tx.Type, id.Short(), ok, bounty.Short())
			}
		default:
			if ok {
				t.Errorf("%s names a bounty", tx.Type)
			}
		}
	}
	for _, tx := range sampleMarketTxs(t) {
		if tx.Type.IsRelay() {
			t.Errorf("%s is counted as a relay type", tx.Type)
		}
	}
	if TxType(18).IsMarket() || TxType(18).IsRelay() {
		t.Error("type 18 is counted as a known type")
	}
}

// FuzzDecodeRelayBody feeds arbitrary bodies under each relay type: a body
// either fails as malformed or is the canonical encoding of what it decoded.
func FuzzDecodeRelayBody(f *testing.F) {
	for _, tx := range sampleRelayTxs(f) {
		w := NewWriter(0)
		tx.Body.encode(w)
		f.Add(uint8(tx.Type), w.Bytes())
	}
	f.Add(uint8(TxRelayLeave), []byte{1})
	f.Add(uint8(TxCountersign), []byte{})
	f.Fuzz(func(t *testing.T, typ uint8, body []byte) {
		tt := TxRelayRegister + TxType(typ%4)
		b, err := decodeBody(tt, body)
		if err != nil {
			if b != nil {
				t.Fatal("error with a body")
			}
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v does not wrap ErrMalformed", err)
			}
			return
		}
		if b.TxType() != tt {
			t.Fatalf("decoded %T under %s", b, tt)
		}
		w := NewWriter(0)
		b.encode(w)
		if !bytes.Equal(w.Bytes(), body) {
			t.Fatalf("non-canonical %s body: % x re-encodes to % x", tt, body, w.Bytes())
		}
	})
}
