package wire

import (
	"bytes"
	"errors"
	"testing"
)

// The market bodies have fixed sizes: the encoding of each sample is exactly
// its declared size, and one byte less or more is malformed.
func TestMarketBodySizes(t *testing.T) {
	sizes := map[TxType]int{
		TxBounty: BountyBodySize, TxAccept: AcceptBodySize, TxCommit: CommitBodySize,
		TxSettle: BountyRefSize, TxDispute: BountyRefSize, TxRefund: BountyRefSize,
	}
	seen := map[TxType]bool{}
	for _, tx := range sampleMarketTxs(t) {
		w := NewWriter(0)
		tx.Body.encode(w)
		body := w.Bytes()
		if len(body) != sizes[tx.Type] {
			t.Errorf("%s body is %d bytes, want %d", tx.Type, len(body), sizes[tx.Type])
		}
		seen[tx.Type] = true
		one := []byte{1}
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

// The fields land where the body layout in docs/PROTOCOL.md says.
func TestMarketBodyLayout(t *testing.T) {
	var worker PubKey
	worker[0], worker[31] = 0xaa, 0xbb
	w := NewWriter(0)
	Bounty{Request: testHash(1), Row: 3, Hops: 4, Amount: 0x0102030405060708, Deadline: 0x1112131415161718, Worker: worker}.encode(w)
	h1, h2, h3 := testHash(1), testHash(2), testHash(3)
	want := append(append([]byte(nil), h1[:]...), 3, 4, 1, 2, 3, 4, 5, 6, 7, 8, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18)
	want = append(want, worker[:]...)
	if !bytes.Equal(w.Bytes(), want) {
		t.Fatalf("bounty body\n got % x\nwant % x", w.Bytes(), want)
	}
	w = NewWriter(0)
	Accept{Bounty: testHash(2), Stake: 9, Promised: 0x01020304}.encode(w)
	want = append(append([]byte(nil), h2[:]...), 0, 0, 0, 0, 0, 0, 0, 9, 1, 2, 3, 4)
	if !bytes.Equal(w.Bytes(), want) {
		t.Fatalf("accept body\n got % x\nwant % x", w.Bytes(), want)
	}
	w = NewWriter(0)
	Commit{Bounty: testHash(1), Envelope: testHash(2), Result: testHash(3)}.encode(w)
	want = append(append(append([]byte(nil), h1[:]...), h2[:]...), h3[:]...)
	if !bytes.Equal(w.Bytes(), want) {
		t.Fatalf("commit body\n got % x\nwant % x", w.Bytes(), want)
	}
}

func TestMarketBountyRef(t *testing.T) {
	txs := sampleMarketTxs(t)
	bountyID := txs[0].ID()
	for _, tx := range txs {
		id, ok := MarketBounty(tx)
		if !ok || !tx.Type.IsMarket() {
			t.Fatalf("%s: not recognised as a market tx", tx.Type)
		}
		if tx.Type == TxBounty {
			if id != tx.ID() {
				t.Errorf("a bounty's ID is not its tx ID")
			}
			continue
		}
		if id != bountyID {
			t.Errorf("%s refers to %s, want %s", tx.Type, id.Short(), bountyID.Short())
		}
	}
	transfer := NewTx(RootChain, Transfer{Amount: 1}, 0, 0)
	if _, ok := MarketBounty(transfer); ok || transfer.Type.IsMarket() {
		t.Error("a transfer is treated as a market tx")
	}
}

// FuzzDecodeMarketBody feeds arbitrary bodies under each market type: a body
// either fails as malformed or is the canonical encoding of what it decoded.
func FuzzDecodeMarketBody(f *testing.F) {
	for _, tx := range sampleMarketTxs(f) {
		w := NewWriter(0)
		tx.Body.encode(w)
		f.Add(uint8(tx.Type), w.Bytes())
	}
	f.Add(uint8(TxBounty), []byte{})
	f.Fuzz(func(t *testing.T, typ uint8, body []byte) {
		tt := TxBounty + TxType(typ%6)
		b, err := decodeBody(tt, body)
		if err != nil {
			if b != nil {
				t.Fatal("error with a body")
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
