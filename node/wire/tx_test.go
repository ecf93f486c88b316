package wire

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestTxRoundTrip(t *testing.T) {
	for i, tx := range sampleTxs(t) {
		enc := tx.Encode()
		if tx.Size() != len(enc) {
			t.Errorf("case %d: Size %d, encoding has %d bytes", i, tx.Size(), len(enc))
		}
		got, err := DecodeTx(enc)
		if err != nil {
			t.Errorf("case %d (%s): decode: %v", i, tx.Type, err)
			continue
		}
		if re := got.Encode(); !bytes.Equal(re, enc) {
			t.Errorf("case %d (%s): re-encoding differs:\n got % x\nwant % x", i, tx.Type, re, enc)
		}
		if got.ID() != tx.ID() {
			t.Errorf("case %d: ID changed across decode", i)
		}
		if got.Type != tx.Type || got.Chain != tx.Chain || got.From != tx.From ||
			got.Nonce != tx.Nonce || got.Fee != tx.Fee || got.Sig != tx.Sig {
			t.Errorf("case %d: envelope differs: got %+v want %+v", i, got, tx)
		}
		if got.Body.TxType() != tx.Type {
			t.Errorf("case %d: body type %s, tx type %s", i, got.Body.TxType(), tx.Type)
		}
		// Byte strings decode empty as nil; compare the rest exactly.
		switch b := tx.Body.(type) {
		case Put:
			gp := got.Body.(Put)
			if gp.Key != b.Key || !bytes.Equal(gp.Value, b.Value) {
				t.Errorf("case %d: put body differs", i)
			}
		case KeyspaceScript:
			gs := got.Body.(KeyspaceScript)
			if gs.Name != b.Name || !bytes.Equal(gs.Script, b.Script) {
				t.Errorf("case %d: keyspace-script body differs", i)
			}
		default:
			if !reflect.DeepEqual(got.Body, tx.Body) {
				t.Errorf("case %d: body %+v, want %+v", i, got.Body, tx.Body)
			}
		}
	}
}

func TestTxDecodeCopiesValue(t *testing.T) {
	enc := sampleTxs(t)[2].Encode()
	got, err := DecodeTx(enc)
	if err != nil {
		t.Fatal(err)
	}
	for i := range enc {
		enc[i] = 0
	}
	if v := got.Body.(Put).Value; string(v) != "world" {
		t.Fatalf("decoded value aliases the input: %q", v)
	}
}

func TestTxTruncated(t *testing.T) {
	for i, tx := range sampleTxs(t) {
		enc := tx.Encode()
		for n := 0; n < len(enc); n++ {
			if _, err := DecodeTx(enc[:n]); !errors.Is(err, ErrMalformed) {
				t.Fatalf("case %d (%s): %d of %d bytes: err = %v, want ErrMalformed", i, tx.Type, n, len(enc), err)
			}
		}
	}
}

func TestTxTrailingBytes(t *testing.T) {
	for i, tx := range sampleTxs(t) {
		for _, extra := range [][]byte{{0}, {0xff}, make([]byte, 64)} {
			enc := append(tx.Encode(), extra...)
			if _, err := DecodeTx(enc); !errors.Is(err, ErrMalformed) {
				t.Errorf("case %d: %d trailing bytes: err = %v, want ErrMalformed", i, len(extra), err)
			}
		}
	}
}

// txBytes builds a raw transaction with an arbitrary body, for cases the
// typed API cannot express.
func txBytes(typ uint8, chain ChainID, nonce, fee []byte, body []byte) []byte {
	w := NewWriter(0)
	w.U8(typ)
	w.chainID(chain)
	w.Fixed(make([]byte, PubKeySize))
	w.Fixed(nonce)
	w.Fixed(fee)
	w.VarBytes(body)
	w.Fixed(make([]byte, SigSize))
	return w.Bytes()
}

func TestTxDecodeRejects(t *testing.T) {
	transferBody := NewWriter(0)
	Transfer{Amount: 5}.encode(transferBody)
	tb := transferBody.Bytes()

	putBody := func(key string, value []byte) []byte {
		w := NewWriter(0)
		w.String(key)
		w.VarBytes(value)
		return w.Bytes()
	}
	one := []byte{1}

	tests := []struct {
		name string
		in   []byte
		also error // a second sentinel the error must wrap
	}{
		{"unknown type 255", txBytes(255, RootChain, one, one, tb), ErrUnknownTxType},
		{"stamp short", txBytes(6, RootChain, one, one, []byte{1, 0, 0, 0, 0}), nil},
		{"checkpoint claims too many entries", txBytes(7, RootChain, one, one, []byte{0xff, 0x01}), nil},
		{"unknown type 255", txBytes(255, RootChain, one, one, nil), ErrUnknownTxType},
		{"non-minimal nonce", txBytes(1, RootChain, []byte{0x81, 0x00}, one, tb), nil},
		{"non-minimal fee", txBytes(1, RootChain, one, []byte{0x80, 0x00}, tb), nil},
		{"varint overflow", txBytes(1, RootChain, bytes.Repeat([]byte{0xff}, 10), one, tb), nil},
		{"chain deeper than max", txBytes(1, ChainID{Depth: MaxChainDepth + 1}, one, one, tb), ErrBadChain},
		{"chain bits beyond depth", txBytes(1, ChainID{Depth: 2, Bits: 4}, one, one, tb), ErrBadChain},
		{"root with bits", txBytes(1, ChainID{Depth: 0, Bits: 1}, one, one, tb), ErrBadChain},
		{"empty transfer body", txBytes(1, RootChain, one, one, nil), nil},
		{"short transfer body", txBytes(1, RootChain, one, one, tb[:39]), nil},
		{"transfer body with trailing byte", txBytes(1, RootChain, one, one, append(append([]byte(nil), tb...), 0)), nil},
		{"coinbase body too short", txBytes(0, RootChain, one, one, tb[:1]), nil},
		{"transfer body under put type", txBytes(2, RootChain, one, one, tb), nil},
		{"put body under transfer type", txBytes(1, RootChain, one, one, putBody("a", []byte("b"))), nil},
		{"put key too long", txBytes(2, RootChain, one, one, putBody(strings.Repeat("k", MaxKeySize+1), nil)), ErrTooLarge},
		{"put value too long", txBytes(2, RootChain, one, one, putBody("k", make([]byte, MaxValueSize+1))), ErrTooLarge},
		{"put value longer than body", txBytes(2, RootChain, one, one, putBody("k", []byte("abc"))[:4]), nil},
		{"put trailing byte in body", txBytes(2, RootChain, one, one, append(putBody("k", nil), 9)), nil},
		{"keyspace name too long", txBytes(3, RootChain, one, one, putBody(strings.Repeat("k", MaxKeyspaceName+1), nil)), ErrTooLarge},
		{"keyspace script too long", txBytes(4, RootChain, one, one, putBody("erik", make([]byte, MaxScriptSize+1))), ErrTooLarge},
		{"keyspace buy without price", txBytes(3, RootChain, one, one, putBody("erik", nil)), nil},
		{"keyspace transfer short key", txBytes(5, RootChain, one, one, append(putBody("erik", nil)[:5], make([]byte, 31)...)), nil},
		{"oversized input", make([]byte, MaxTxSize+1), ErrTooLarge},
	}
	for i, tc := range tests {
		tx, err := DecodeTx(tc.in)
		if !isDecodeError(err) {
			t.Errorf("case %d: %s: got %v, %v; want ErrMalformed", i, tc.name, tx, err)
			continue
		}
		if tc.also != nil && !errors.Is(err, tc.also) {
			t.Errorf("case %d: %s: err %v does not wrap %v", i, tc.name, err, tc.also)
		}
		if tx != nil {
			t.Errorf("case %d: %s: failed decode returned a tx", i, tc.name)
		}
	}
}

// A tx inside a block is held to the same size limit as one on its own.
func TestTxSizeLimitInsideBlock(t *testing.T) {
	body := make([]byte, MaxTxSize-50)
	raw := txBytes(2, RootChain, []byte{1}, []byte{1}, body)
	if len(raw) <= MaxTxSize {
		t.Fatalf("test tx is only %d bytes", len(raw))
	}
	w := NewWriter(0)
	h := sampleHeaders()[0]
	h.EncodeTo(w)
	w.Uvarint(1)
	w.Fixed(raw)
	_, err := DecodeBlock(w.Bytes())
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("err = %v, want ErrTooLarge", err)
	}
}

func TestValidKey(t *testing.T) {
	tests := []struct {
		key string
		ok  bool
	}{
		{"a", true},
		{"public/hello", true},
		{"erik/photos/3j903", true},
		{"photo filters/black and white", true},
		{"ünïcödé/日本語/🙂", true},
		{"a/b/c/d/e/f", true},
		{strings.Repeat("k", MaxKeySize), true},
		{strings.Repeat("é", MaxKeySize/2), true}, // 512 bytes of 2-byte runes

		{"", false},
		{strings.Repeat("k", MaxKeySize+1), false},
		{strings.Repeat("é", MaxKeySize/2) + "k", false},
		{"/", false},
		{"/a", false},
		{"a/", false},
		{"a//b", false},
		{"a///b", false},
		{"a\x00b", false},
		{"a\nb", false},
		{"a\tb", false},
		{"\x1f", false},
		{"a\x7fb", false},
		{"\xff\xfe", false},     // not UTF-8
		{"a\xc3", false},        // truncated rune
		{"\xed\xa0\x80", false}, // UTF-16 surrogate
	}
	for i, tc := range tests {
		err := ValidKey(tc.key)
		if tc.ok && err != nil {
			t.Errorf("case %d: ValidKey(%q) = %v, want ok", i, tc.key, err)
		}
		if !tc.ok && !errors.Is(err, ErrMalformed) {
			t.Errorf("case %d: ValidKey(%q) = %v, want ErrMalformed", i, tc.key, err)
		}
	}
}

func TestKeyPath(t *testing.T) {
	if KeyPath("erik/photos/3j903") != Sum([]byte("erik/photos/3j903")) {
		t.Fatal("KeyPath is not SHA-256 of the key")
	}
	if KeyPath("a") == KeyPath("b") {
		t.Fatal("distinct keys share a path")
	}
}

func TestTxTypeString(t *testing.T) {
	tests := []struct {
		t    TxType
		want string
	}{{TxCoinbase, "coinbase"}, {TxTransfer, "transfer"}, {TxPut, "put"},
		{TxBounty, "bounty"}, {TxAccept, "accept"}, {TxCommit, "commit"}, {TxSettle, "settle"},
		{TxDispute, "dispute"}, {TxRefund, "refund"}, {TxRelayRegister, "relay-register"},
		{TxRelayLeave, "relay-leave"}, {TxCountersign, "countersign"}, {TxRelayMiss, "relay-miss"}, {TxTumble, "tumble"},
		{TxPoolFund, "pool-fund"}, {TxPoolJoin, "pool-join"}, {TxPoolLeave, "pool-leave"}, {TxPoolAnswer, "pool-answer"},
		{TxTokenBuy, "token-buy"}, {TxTokenRedeem, "token-redeem"}, {TxPoolReport, "pool-report"},
		{TxPoolSilence, "pool-silence"}, {TxPoolServe, "pool-serve"}, {TxType(255), "type255"}}
	for i, tc := range tests {
		if got := tc.t.String(); got != tc.want {
			t.Errorf("case %d: %q, want %q", i, got, tc.want)
		}
	}
}

func TestSigHashNetworkSeparation(t *testing.T) {
	alice, bob := testKey(t, 1), testKey(t, 2)
	tx := NewTx(RootChain, Transfer{To: bob.PubKey(), Amount: 10}, 0, 1)
	nets := []Network{Mainnet, Testnet, Devnet}
	seen := map[Hash]string{}
	for _, n := range nets {
		h := tx.SigHash(n)
		if prev, dup := seen[h]; dup {
			t.Fatalf("SigHash equal on %s and %s", prev, n.Name)
		}
		seen[h] = n.Name
	}

	tx.Sign(Devnet, alice)
	if tx.From != alice.PubKey() {
		t.Fatal("Sign did not set From")
	}
	if err := tx.VerifySig(Devnet); err != nil {
		t.Fatalf("devnet tx fails on devnet: %v", err)
	}
	for i, n := range []Network{Mainnet, Testnet} {
		if err := tx.VerifySig(n); !errors.Is(err, ErrBadSignature) {
			t.Errorf("case %d: devnet tx on %s: err = %v, want ErrBadSignature", i, n.Name, err)
		}
	}
	// The ID covers the signature; the SigHash does not.
	unsigned := *tx
	unsigned.Sig = Signature{}
	if unsigned.SigHash(Devnet) != tx.SigHash(Devnet) {
		t.Error("SigHash depends on the signature")
	}
	if unsigned.ID() == tx.ID() {
		t.Error("ID does not depend on the signature")
	}
}

func TestTamperBreaksSignature(t *testing.T) {
	alice, bob, carol := testKey(t, 1), testKey(t, 2), testKey(t, 3)

	transfer := func() *Tx {
		tx := NewTx(RootChain, Transfer{To: bob.PubKey(), Amount: 1000}, 5, 10)
		tx.Sign(Devnet, alice)
		return tx
	}
	put := func() *Tx {
		tx := NewTx(RootChain, Put{Key: "public/k", Value: []byte("v")}, 5, 10)
		tx.Sign(Devnet, alice)
		return tx
	}
	tests := []struct {
		name   string
		make   func() *Tx
		tamper func(tx *Tx)
	}{
		{"type", transfer, func(tx *Tx) { tx.Type = TxCoinbase }},
		{"chain depth", transfer, func(tx *Tx) { tx.Chain = ChainID{Depth: 1} }},
		{"chain bits", put, func(tx *Tx) { tx.Chain = ChainID{Depth: 1, Bits: 1} }},
		{"from", transfer, func(tx *Tx) { tx.From = carol.PubKey() }},
		{"nonce", transfer, func(tx *Tx) { tx.Nonce++ }},
		{"fee", transfer, func(tx *Tx) { tx.Fee-- }},
		{"transfer to", transfer, func(tx *Tx) { tx.Body = Transfer{To: carol.PubKey(), Amount: 1000} }},
		{"transfer amount", transfer, func(tx *Tx) { tx.Body = Transfer{To: bob.PubKey(), Amount: 1001} }},
		{"put key", put, func(tx *Tx) { tx.Body = Put{Key: "public/K", Value: []byte("v")} }},
		{"put value", put, func(tx *Tx) { tx.Body = Put{Key: "public/k", Value: []byte("w")} }},
		{"put value appended", put, func(tx *Tx) { tx.Body = Put{Key: "public/k", Value: []byte("v\x00")} }},
		{"sig first byte", transfer, func(tx *Tx) { tx.Sig[0] ^= 1 }},
		{"sig last byte", put, func(tx *Tx) { tx.Sig[SigSize-1] ^= 0x80 }},
		{"sig zeroed", put, func(tx *Tx) { tx.Sig = Signature{} }},
	}
	for i, tc := range tests {
		tx := tc.make()
		if err := tx.VerifySig(Devnet); err != nil {
			t.Fatalf("case %d: untampered tx fails: %v", i, err)
		}
		tc.tamper(tx)
		if err := tx.VerifySig(Devnet); !errors.Is(err, ErrBadSignature) {
			t.Errorf("case %d: tampered %s: err = %v, want ErrBadSignature", i, tc.name, err)
		}
	}

	// Flipping any single bit of the encoding either breaks decoding or
	// breaks the signature.
	for i, mk := range []func() *Tx{transfer, put} {
		enc := mk().Encode()
		for pos := range enc {
			for bit := 0; bit < 8; bit++ {
				if raceEnabled && bit != pos%8 {
					continue // under -race, one bit of every byte, all eight across bytes
				}
				b := append([]byte(nil), enc...)
				b[pos] ^= 1 << bit
				tx, err := DecodeTx(b)
				if err != nil {
					continue
				}
				if err := tx.VerifySig(Devnet); err == nil {
					t.Fatalf("case %d: bit %d of byte %d flipped and the signature still verifies", i, bit, pos)
				}
			}
		}
	}
}

func TestCoinbaseHasNoSignature(t *testing.T) {
	cb := sampleTxs(t)[0]
	if !cb.From.IsZero() {
		t.Fatal("sample coinbase has a From")
	}
	if err := cb.VerifySig(Devnet); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("coinbase VerifySig = %v, want ErrBadSignature", err)
	}
}
