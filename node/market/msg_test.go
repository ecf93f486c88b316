package market

import (
	"bytes"
	"errors"
	"testing"

	"github.com/bitverse/bitverse/node/wire"
)

func testKey(t testing.TB, b byte) wire.PrivKey {
	t.Helper()
	k, err := wire.PrivKeyFromBytes(bytes.Repeat([]byte{b}, 32))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

const now = int64(1_800_000_000)

func sampleRequest() *Request {
	return &Request{Net: wire.Devnet.ID, Expr: []byte(`("photo filters/black and white")("erik/photos/3j903")`),
		Peer: []byte("12D3KooWpeer"), Expires: now + 60, Nonce: 7}
}

func sampleOffer(t testing.TB) *Offer {
	o := &Offer{Request: RequestID([]byte(`("a")`)), Price: 1000, LatencyMS: 250, Fuel: 5_000_000, Expires: now + 60}
	o.Sign(wire.Devnet, testKey(t, 1))
	return o
}

func sampleEnvelope(t testing.TB) (*Envelope, []byte) {
	value := []byte("a result")
	e := &Envelope{Bounty: wire.Sum([]byte("bounty")), Request: RequestID([]byte(`("a")`)), Kind: KindString, Fuel: 42}
	e.Seal(wire.Devnet, testKey(t, 2), value)
	return e, value
}

func TestRequestRoundTripsAndChecks(t *testing.T) {
	r := sampleRequest()
	b := r.Encode()
	got, err := DecodeRequest(b)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Encode(), b) {
		t.Fatal("decode → encode is not the identity")
	}
	if got.ID() != RequestID(r.Expr) {
		t.Fatal("request ID is not the expression's ID")
	}
	if err := got.Check(wire.Devnet, now); err != nil {
		t.Fatalf("a fresh request is refused: %v", err)
	}
}

func TestRequestRejects(t *testing.T) {
	cases := map[string]struct {
		mut  func(*Request)
		want error
	}{
		"wrong network": {func(r *Request) { r.Net = wire.Mainnet.ID }, ErrWrongNetwork},
		"expired":       {func(r *Request) { r.Expires = now }, ErrExpired},
		"too far ahead": {func(r *Request) { r.Expires = now + MaxTTL + 1 }, ErrTooFarAhead},
	}
	for name, c := range cases {
		r := sampleRequest()
		c.mut(r)
		if err := r.Check(wire.Devnet, now); !errors.Is(err, c.want) {
			t.Errorf("%s: got %v, want %v", name, err, c.want)
		}
	}
	// Form: oversize expression, empty expression, no peer, bad version,
	// trailing bytes, oversize message.
	big := sampleRequest()
	big.Expr = bytes.Repeat([]byte("x"), MaxExprSize+1)
	empty := sampleRequest()
	empty.Expr = nil
	nopeer := sampleRequest()
	nopeer.Peer = nil
	badv := sampleRequest().Encode()
	badv[0] = 2
	for name, b := range map[string][]byte{
		"oversize expression": big.Encode(),
		"empty expression":    empty.Encode(),
		"no peer":             nopeer.Encode(),
		"version 2":           badv,
		"trailing byte":       append(sampleRequest().Encode(), 0),
		"oversize message":    make([]byte, MaxRequestSize+1),
		"truncated":           sampleRequest().Encode()[:20],
	} {
		if _, err := DecodeRequest(b); !errors.Is(err, wire.ErrMalformed) {
			t.Errorf("%s: got %v, want malformed", name, err)
		}
	}
}

func TestOfferSignsAndVerifies(t *testing.T) {
	o := sampleOffer(t)
	b := o.Encode()
	if len(b) != OfferSize {
		t.Fatalf("offer is %d bytes, OfferSize %d", len(b), OfferSize)
	}
	got, err := DecodeOffer(b)
	if err != nil {
		t.Fatal(err)
	}
	if *got != *o {
		t.Fatal("decode differs")
	}
	if err := got.Check(wire.Devnet, now); err != nil {
		t.Fatalf("a good offer is refused: %v", err)
	}
}

func TestOfferRejects(t *testing.T) {
	cases := map[string]struct {
		mut  func(*Offer)
		want error
	}{
		"bad signature": {func(o *Offer) { o.Sig[5] ^= 1 }, wire.ErrBadSignature},
		"price changed": {func(o *Offer) { o.Price++ }, wire.ErrBadSignature},
		"other worker":  {func(o *Offer) { o.Worker = testKey(t, 3).PubKey() }, wire.ErrBadSignature},
		"expired":       {func(o *Offer) { o.Expires = now - 1 }, ErrExpired},
		"too far ahead": {func(o *Offer) { o.Expires = now + MaxTTL + 5 }, ErrTooFarAhead},
		"wrong network": {func(o *Offer) { o.Net = wire.Testnet.ID }, ErrWrongNetwork},
	}
	for name, c := range cases {
		o := sampleOffer(t)
		c.mut(o)
		if err := o.Check(wire.Devnet, now); !errors.Is(err, c.want) {
			t.Errorf("%s: got %v, want %v", name, err, c.want)
		}
	}
	// Signed for testnet, checked on devnet: the network is signed, so
	// rewriting it breaks the signature, and leaving it is refused.
	o := sampleOffer(t)
	o.Sign(wire.Testnet, testKey(t, 1))
	if err := o.Check(wire.Devnet, now); !errors.Is(err, ErrWrongNetwork) {
		t.Errorf("testnet offer on devnet: %v", err)
	}
	o.Net = wire.Devnet.ID
	if err := o.Check(wire.Devnet, now); !errors.Is(err, wire.ErrBadSignature) {
		t.Errorf("testnet offer relabelled devnet: %v", err)
	}
	for name, b := range map[string][]byte{
		"short":    sampleOffer(t).Encode()[:OfferSize-1],
		"long":     append(sampleOffer(t).Encode(), 0),
		"oversize": make([]byte, 1<<20),
	} {
		if _, err := DecodeOffer(b); !errors.Is(err, wire.ErrMalformed) {
			t.Errorf("%s: got %v, want malformed", name, err)
		}
	}
}

func TestEnvelopeHashIsWhatIsCommitted(t *testing.T) {
	e, value := sampleEnvelope(t)
	b := e.Encode()
	if len(b) != EnvelopeSize {
		t.Fatalf("envelope is %d bytes, EnvelopeSize %d", len(b), EnvelopeSize)
	}
	got, err := DecodeEnvelope(b)
	if err != nil {
		t.Fatal(err)
	}
	if *got != *e || got.Hash() != wire.Sum(b) {
		t.Fatal("decode differs or the hash is not over the encoding")
	}
	if err := got.Check(wire.Devnet); err != nil {
		t.Fatal(err)
	}
	if err := got.Matches(value); err != nil {
		t.Fatal(err)
	}
	if err := got.Matches([]byte("a resulT")); err == nil {
		t.Fatal("a different value of the same size matches")
	}
	if err := got.Matches(value[1:]); err == nil {
		t.Fatal("a shorter value matches")
	}
}

func TestEnvelopeRejects(t *testing.T) {
	cases := map[string]struct {
		mut  func(*Envelope)
		want error
	}{
		"bad signature": {func(e *Envelope) { e.Sig[0] ^= 1 }, wire.ErrBadSignature},
		"fuel changed":  {func(e *Envelope) { e.Fuel++ }, wire.ErrBadSignature},
		"wrong network": {func(e *Envelope) { e.Net = wire.Mainnet.ID }, ErrWrongNetwork},
		"unknown kind":  {func(e *Envelope) { e.Kind = "image" }, wire.ErrMalformed},
	}
	for name, c := range cases {
		e, _ := sampleEnvelope(t)
		c.mut(e)
		if err := e.Check(wire.Devnet); !errors.Is(err, c.want) {
			t.Errorf("%s: got %v, want %v", name, err, c.want)
		}
	}
	oversize, _ := sampleEnvelope(t)
	oversize.Size = MaxResultSize + 1
	badKind := sampleEnvelopeBytes(t)
	badKind[1+4+3*32+8] = 9
	for name, b := range map[string][]byte{
		"oversize result": oversize.Encode(),
		"kind 9":          badKind,
		"short":           sampleEnvelopeBytes(t)[:10],
		"long":            append(sampleEnvelopeBytes(t), 1),
	} {
		if _, err := DecodeEnvelope(b); !errors.Is(err, wire.ErrMalformed) {
			t.Errorf("%s: got %v, want malformed", name, err)
		}
	}
}

func sampleEnvelopeBytes(t testing.TB) []byte {
	e, _ := sampleEnvelope(t)
	return e.Encode()
}

// The decoders never panic, and whatever they accept re-encodes to the
// same bytes (one encoding per message).
func FuzzDecodeRequest(f *testing.F) {
	f.Add(sampleRequest().Encode())
	f.Add([]byte{1, 0, 0, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := DecodeRequest(b)
		if err != nil {
			return
		}
		if !bytes.Equal(r.Encode(), b) {
			t.Fatal("re-encoding differs")
		}
		_ = r.Check(wire.Devnet, now)
	})
}

func FuzzDecodeOffer(f *testing.F) {
	f.Add(sampleOffer(f).Encode())
	f.Fuzz(func(t *testing.T, b []byte) {
		o, err := DecodeOffer(b)
		if err != nil {
			return
		}
		if !bytes.Equal(o.Encode(), b) {
			t.Fatal("re-encoding differs")
		}
		_ = o.Check(wire.Devnet, now)
	})
}

func FuzzDecodeEnvelope(f *testing.F) {
	f.Add(sampleEnvelopeBytes(f))
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := DecodeEnvelope(b)
		if err != nil {
			return
		}
		if !bytes.Equal(e.Encode(), b) {
			t.Fatal("re-encoding differs")
		}
		_ = e.Check(wire.Devnet)
	})
}

func TestMessageSizesAreDocumented(t *testing.T) {
	// docs/PROTOCOL.md §18 states these sizes.
	if OfferSize != 161 || EnvelopeSize != 214 {
		t.Fatalf("offer %d, envelope %d bytes: update PROTOCOL §18", OfferSize, EnvelopeSize)
	}
}

func FuzzDecodePrivateMsg(f *testing.F) {
	for _, m := range []*PrivateMsg{
		{Net: wire.Devnet.ID, Kind: PrivateAsk, Denomination: 10000},
		{Net: wire.Devnet.ID, Kind: PrivateToken, Coordinator: []byte("peer"), Token: make([]byte, 256)},
		{Net: wire.Devnet.ID, Kind: PrivateFetch},
	} {
		f.Add(m.Encode())
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := DecodePrivateMsg(b)
		if err != nil {
			return
		}
		if !bytes.Equal(m.Encode(), b) {
			t.Fatalf("not canonical: %x re-encodes as %x", b, m.Encode())
		}
	})
}

func FuzzDecodeFetchAnswer(f *testing.F) {
	k, _ := wire.NewPrivKey()
	e := &Envelope{Kind: KindString}
	e.Seal(wire.Devnet, k, []byte("hi"))
	f.Add([]byte{1})
	f.Add(append([]byte{2}, e.Encode()...))
	f.Add(append(append([]byte{3}, e.Encode()...), "hi"...))
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := DecodeFetchAnswer(b)
		if err != nil {
			return
		}
		if !bytes.Equal(a.Encode(), b) {
			t.Fatalf("not canonical: %x re-encodes as %x", b, a.Encode())
		}
	})
}

// TestPrivateMsgRejects: malformed private-settlement messages are
// refused by the decoder (wrong version, unknown kind, short token, empty
// coordinator, trailing bytes, oversize).
func TestPrivateMsgRejects(t *testing.T) {
	tok := &PrivateMsg{Net: wire.Devnet.ID, Kind: PrivateToken, Coordinator: []byte("peer"), Token: make([]byte, 256)}
	good := tok.Encode()
	if _, err := DecodePrivateMsg(good); err != nil {
		t.Fatal(err)
	}
	short := *tok
	short.Token = make([]byte, 255)
	noCoord := *tok
	noCoord.Coordinator = nil
	badVersion := bytes.Clone(good)
	badVersion[0] = 9
	badKind := (&PrivateMsg{Net: wire.Devnet.ID, Kind: PrivateFetch}).Encode()
	badKind[5] = 7
	for name, b := range map[string][]byte{
		"short token":    short.Encode(),
		"no coordinator": noCoord.Encode(),
		"version":        badVersion,
		"kind":           badKind,
		"trailing":       append(bytes.Clone(good), 0),
		"oversize":       make([]byte, MaxPrivateMsgSize+1),
		"empty":          nil,
	} {
		if _, err := DecodePrivateMsg(b); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
