package market

import (
	"bytes"
	"errors"
	"testing"

	"github.com/bitverse/bitverse/node/market/expr"
	"github.com/bitverse/bitverse/node/wire"
)

func sampleCountersign(t testing.TB, slot uint8) *Countersign {
	e, _ := sampleEnvelope(t)
	c := &Countersign{Bounty: e.Bounty, Slot: slot, Prev: e.Hash(), Result: e.Result,
		Inputs: InputsHash(7, []Input{{Key: "a", Hash: wire.Sum([]byte("x"))}})}
	c.Sign(wire.Devnet, testKey(t, 3+slot))
	return c
}

func samplePackage(t testing.TB) *Package {
	e, value := sampleEnvelope(t)
	p := &Package{Expr: []byte{1, 1, 'a'}, Worker: e, Value: value}
	c0 := sampleCountersign(t, 0)
	c1 := &Countersign{Bounty: e.Bounty, Slot: 1, Prev: c0.Hash(), Result: e.Result}
	c1.Sign(wire.Devnet, testKey(t, 9))
	p.Signs = []*Countersign{c0, c1}
	return p
}

func TestCountersignRoundTripsAndChecks(t *testing.T) {
	c := sampleCountersign(t, 1)
	b := c.Encode()
	if len(b) != CountersignSize {
		t.Fatalf("countersign is %d bytes, CountersignSize %d", len(b), CountersignSize)
	}
	got, err := DecodeCountersign(b)
	if err != nil {
		t.Fatal(err)
	}
	if *got != *c || got.Hash() != wire.Sum(b) {
		t.Fatal("decode differs or the hash is not over the encoding")
	}
	if err := got.Check(wire.Devnet); err != nil {
		t.Fatal(err)
	}
}

func TestCountersignRejects(t *testing.T) {
	cases := map[string]struct {
		mut  func(*Countersign)
		want error
	}{
		"bad signature":  {func(c *Countersign) { c.Sig[5] ^= 1 }, wire.ErrBadSignature},
		"result changed": {func(c *Countersign) { c.Result[0] ^= 1 }, wire.ErrBadSignature},
		"prev changed":   {func(c *Countersign) { c.Prev[0] ^= 1 }, wire.ErrBadSignature},
		"slot changed":   {func(c *Countersign) { c.Slot = 2 }, wire.ErrBadSignature},
		"slot too high":  {func(c *Countersign) { c.Slot = MaxSlots }, wire.ErrMalformed},
		"wrong network":  {func(c *Countersign) { c.Net = wire.Mainnet.ID }, ErrWrongNetwork},
	}
	for name, c := range cases {
		cs := sampleCountersign(t, 1)
		c.mut(cs)
		if err := cs.Check(wire.Devnet); !errors.Is(err, c.want) {
			t.Errorf("%s: got %v, want %v", name, err, c.want)
		}
	}
	high := sampleCountersign(t, 1)
	high.Slot = MaxSlots
	for name, b := range map[string][]byte{
		"slot too high": high.Encode(),
		"short":         sampleCountersign(t, 0).Encode()[:100],
		"long":          append(sampleCountersign(t, 0).Encode(), 0),
		"version 2":     append([]byte{2}, sampleCountersign(t, 0).Encode()[1:]...),
	} {
		if _, err := DecodeCountersign(b); !errors.Is(err, wire.ErrMalformed) {
			t.Errorf("%s: got %v, want malformed", name, err)
		}
	}
}

func TestInputsHashCommitsToHeightKeysAndValues(t *testing.T) {
	in := []Input{{Key: "f", Hash: wire.Sum([]byte("src"))}, {Key: "k", Hash: wire.Sum([]byte("v"))}}
	base := InputsHash(10, in)
	if InputsHash(10, in) != base {
		t.Fatal("not a function")
	}
	other := []Input{{Key: "f", Hash: wire.Sum([]byte("src"))}, {Key: "k", Hash: wire.Sum([]byte("w"))}}
	swapped := []Input{in[1], in[0]}
	// Length prefixes keep key boundaries apart: "ab"+"c" is not "a"+"bc".
	ab := []Input{{Key: "ab", Hash: wire.Hash{}}, {Key: "c", Hash: wire.Hash{}}}
	a := []Input{{Key: "a", Hash: wire.Hash{}}, {Key: "bc", Hash: wire.Hash{}}}
	if InputsHash(11, in) == base || InputsHash(10, other) == base || InputsHash(10, swapped) == base ||
		InputsHash(0, ab) == InputsHash(0, a) {
		t.Fatal("the inputs hash misses a height, a value, the order or a key boundary")
	}
}

func sampleHandoff(t testing.TB) *Handoff {
	h := &Handoff{Bounty: wire.Sum([]byte("bounty")), Slot: WorkerSlot, Peer: []byte("12D3KooWpeer"), Expires: now + 60}
	h.Sign(wire.Devnet, testKey(t, 2))
	return h
}

func TestHandoffRoundTripsAndRejects(t *testing.T) {
	h := sampleHandoff(t)
	got, err := DecodeHandoff(h.Encode())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Encode(), h.Encode()) {
		t.Fatal("decode → encode is not the identity")
	}
	if err := got.Check(wire.Devnet, now); err != nil {
		t.Fatal(err)
	}
	cases := map[string]struct {
		mut  func(*Handoff)
		want error
	}{
		"peer changed":  {func(h *Handoff) { h.Peer = []byte("12D3KooWelse") }, wire.ErrBadSignature},
		"slot changed":  {func(h *Handoff) { h.Slot = 0 }, wire.ErrBadSignature},
		"slot 8":        {func(h *Handoff) { h.Slot = MaxSlots }, wire.ErrMalformed},
		"expired":       {func(h *Handoff) { h.Expires = now }, ErrExpired},
		"far ahead":     {func(h *Handoff) { h.Expires = now + MaxTTL + 1 }, ErrTooFarAhead},
		"wrong network": {func(h *Handoff) { h.Net = wire.Mainnet.ID }, ErrWrongNetwork},
	}
	for name, c := range cases {
		h := sampleHandoff(t)
		c.mut(h)
		if err := h.Check(wire.Devnet, now); !errors.Is(err, c.want) {
			t.Errorf("%s: got %v, want %v", name, err, c.want)
		}
	}
	longest := sampleHandoff(t)
	longest.Peer = bytes.Repeat([]byte{1}, MaxPeerIDSize)
	if b := longest.Encode(); len(b) != MaxHandoffSize {
		t.Fatalf("a handoff with the longest peer is %d bytes, MaxHandoffSize %d", len(b), MaxHandoffSize)
	} else if _, err := DecodeHandoff(b); err != nil {
		t.Fatalf("the longest handoff is refused: %v", err)
	}
	noPeer := sampleHandoff(t)
	noPeer.Peer = nil
	for name, b := range map[string][]byte{
		"no peer":  noPeer.Encode(),
		"long":     append(sampleHandoff(t).Encode(), 0),
		"oversize": make([]byte, MaxHandoffSize+1),
	} {
		if _, err := DecodeHandoff(b); !errors.Is(err, wire.ErrMalformed) {
			t.Errorf("%s: got %v, want malformed", name, err)
		}
	}
}

func TestPackageRoundTrips(t *testing.T) {
	p := samplePackage(t)
	b := p.Encode()
	got, err := ReadPackage(wire.Devnet, bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Encode(), b) || len(got.Signs) != 2 || *got.Signs[1] != *p.Signs[1] {
		t.Fatal("read → write is not the identity")
	}
}

func TestPackageRejects(t *testing.T) {
	good := samplePackage(t).Encode()
	badSig := samplePackage(t)
	badSig.Signs[1].Sig[0] ^= 1
	badExpr := samplePackage(t)
	badExpr.Expr = []byte{0}
	badValue := samplePackage(t)
	badValue.Value = []byte("b result")
	tooMany := append([]byte(nil), good[:4+EnvelopeSize]...)
	tooMany = append(tooMany, MaxSlots+1)
	for name, c := range map[string]struct {
		b    []byte
		want error
	}{
		"a countersign's signature": {badSig.Encode(), wire.ErrBadSignature},
		"expression":                {badExpr.Encode(), wire.ErrMalformed},
		"value not the envelope's":  {badValue.Encode(), wire.ErrMalformed},
		"a byte after the value":    {append(append([]byte(nil), good...), 0), wire.ErrMalformed},
		"cut in the value":          {good[:len(good)-1], wire.ErrMalformed},
		"cut in an envelope":        {good[:20], wire.ErrMalformed},
		"too many countersigns":     {tooMany, wire.ErrMalformed},
		"empty":                     {nil, wire.ErrMalformed},
		"non-minimal length":        {append([]byte{0x83, 0x00}, good[1:]...), wire.ErrMalformed},
	} {
		if _, err := ReadPackage(wire.Devnet, bytes.NewReader(c.b)); !errors.Is(err, c.want) {
			t.Errorf("%s: got %v, want %v", name, err, c.want)
		}
	}
}

func TestRelayMessageSizesAreDocumented(t *testing.T) {
	// docs/PROTOCOL.md §20 states these sizes.
	if CountersignSize != 230 || FetchSize != 37 || MaxHandoffSize != 272 {
		t.Fatalf("countersign %d, fetch %d bytes: update PROTOCOL §20", CountersignSize, FetchSize)
	}
}

func FuzzDecodeCountersign(f *testing.F) {
	f.Add(sampleCountersign(f, 0).Encode())
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := DecodeCountersign(b)
		if err != nil {
			return
		}
		if !bytes.Equal(c.Encode(), b) {
			t.Fatal("re-encoding differs")
		}
		_ = c.Check(wire.Devnet)
	})
}

func FuzzDecodeHandoff(f *testing.F) {
	f.Add(sampleHandoff(f).Encode())
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := DecodeHandoff(b)
		if err != nil {
			return
		}
		if !bytes.Equal(h.Encode(), b) {
			t.Fatal("re-encoding differs")
		}
		_ = h.Check(wire.Devnet, now)
	})
}

func FuzzDecodeFetch(f *testing.F) {
	f.Add((&Fetch{Net: wire.Devnet.ID}).Encode())
	f.Fuzz(func(t *testing.T, b []byte) {
		x, err := DecodeFetch(b)
		if err != nil {
			return
		}
		if !bytes.Equal(x.Encode(), b) {
			t.Fatal("re-encoding differs")
		}
	})
}

// FuzzReadPackage: the package reader never panics, never reads past the
// value the worker's envelope states, and what it accepts writes back to
// the same bytes.
func FuzzReadPackage(f *testing.F) {
	f.Add(samplePackage(f).Encode())
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := ReadPackage(wire.Devnet, bytes.NewReader(b))
		if err != nil {
			return
		}
		if !bytes.Equal(p.Encode(), b) {
			t.Fatal("re-encoding differs")
		}
	})
}

// chainedBounty is a bounty as the chain shows it after slots 0 and 1
// countersigned samplePackage's envelopes (slot 2 drawn, not yet signed).
func chainedBounty(t testing.TB, p *Package) *Bounty {
	w := p.Worker
	b := &Bounty{ID: w.Bounty, Request: w.Request, Worker: w.Worker, State: StateCommitted, Envelope: w.Hash(),
		Result: w.Result, Hops: 3, Drawn: 5}
	for i, c := range p.Signs {
		b.Lineup = append(b.Lineup, Slot{Slot: i, Relay: c.Relay, State: SlotCountersigned, Result: c.Result, Envelope: c.Hash(), Height: 7})
	}
	b.Lineup = append(b.Lineup, Slot{Slot: 2, Relay: testKey(t, 40).PubKey(), State: SlotDrawn, Height: 5})
	return b
}

func chainedPackage(t testing.TB) *Package {
	p := samplePackage(t)
	p.Expr = exprCanonical(t, `("a")`)
	w := p.Worker
	w.Request = RequestID(p.Expr)
	w.Seal(wire.Devnet, testKey(t, 2), p.Value)
	c0 := &Countersign{Bounty: w.Bounty, Slot: 0, Prev: w.Hash(), Result: w.Result}
	c0.Sign(wire.Devnet, testKey(t, 30))
	c1 := &Countersign{Bounty: w.Bounty, Slot: 1, Prev: c0.Hash(), Result: w.Result}
	c1.Sign(wire.Devnet, testKey(t, 31))
	p.Signs = []*Countersign{c0, c1}
	return p
}

// TestVerifyPackageAgainstTheChain: accept and reject vectors of the
// check a relay and a requester run on a fetched envelope chain.
func TestVerifyPackageAgainstTheChain(t *testing.T) {
	for _, upto := range []int{0, 1, 2} {
		p := chainedPackage(t)
		cut, _, err := verifyPackage(chainedBounty(t, p), p, upto)
		if err != nil || len(cut.Signs) != upto {
			t.Fatalf("upto %d: %v", upto, err)
		}
	}
	resign := func(p *Package, i int, f func(*Countersign)) {
		f(p.Signs[i])
		p.Signs[i].Sign(wire.Devnet, testKey(t, 30+byte(i)))
	}
	for name, c := range map[string]struct {
		mut  func(*Package, *Bounty)
		upto int
	}{
		"another request's expression":   {func(p *Package, _ *Bounty) { p.Expr = exprCanonical(t, `("b")`) }, 0},
		"an envelope not committed":      {func(_ *Package, b *Bounty) { b.Envelope[0] ^= 1 }, 0},
		"another worker":                 {func(_ *Package, b *Bounty) { b.Worker = testKey(t, 9).PubKey() }, 0},
		"another result than committed":  {func(_ *Package, b *Bounty) { b.Result[0] ^= 1 }, 0},
		"too few countersigns":           {func(p *Package, _ *Bounty) { p.Signs = p.Signs[:1] }, 2},
		"slot not countersigned yet":     {func(_ *Package, b *Bounty) { b.Lineup[1].State = SlotDrawn }, 2},
		"countersign not the posted one": {func(_ *Package, b *Bounty) { b.Lineup[0].Envelope[0] ^= 1 }, 1},
		"signed by another relay":        {func(_ *Package, b *Bounty) { b.Lineup[1].Relay = testKey(t, 41).PubKey() }, 2},
		"a broken chain": {func(p *Package, b *Bounty) {
			resign(p, 1, func(c *Countersign) { c.Prev[0] ^= 1 })
			b.Lineup[1].Envelope = p.Signs[1].Hash()
		}, 2},
		"another slot number": {func(p *Package, b *Bounty) {
			resign(p, 0, func(c *Countersign) { c.Slot = 1 })
			b.Lineup[0].Envelope = p.Signs[0].Hash()
		}, 1},
		"another result than the worker": {func(p *Package, b *Bounty) {
			resign(p, 0, func(c *Countersign) { c.Result[0] ^= 1 })
			b.Lineup[0].Envelope = p.Signs[0].Hash()
		}, 1},
	} {
		p := chainedPackage(t)
		b := chainedBounty(t, p)
		c.mut(p, b)
		if _, _, err := verifyPackage(b, p, c.upto); !errors.Is(err, ErrChain) {
			t.Errorf("%s: got %v, want ErrChain", name, err)
		}
	}
}

// TestCurrentLineupSkipsHistory: missed and replaced entries are history;
// the slot's newest entry is its current one, and a slot dropped for
// want of relays has none.
func TestCurrentLineupSkipsHistory(t *testing.T) {
	a, b2, c := testKey(t, 50).PubKey(), testKey(t, 51).PubKey(), testKey(t, 52).PubKey()
	bn := &Bounty{Hops: 3, Drawn: 4, Lineup: []Slot{
		{Slot: 0, Relay: a, State: SlotCountersigned},
		{Slot: 1, Relay: b2, State: SlotMissed},
		{Slot: 2, Relay: c, State: SlotDrawn},
		{Slot: 1, Relay: a, State: SlotReplaced},
	}}
	cl := bn.CurrentLineup()
	if len(cl) != 2 || cl[0].Relay != a || cl[1].Slot != 2 {
		t.Fatalf("current lineup %+v", cl)
	}
	if !bn.Relayed() || bn.LineupDone() {
		t.Fatal("a lineup with a drawn slot is relayed and not done")
	}
	bn.Lineup[2].State = SlotCountersigned
	if !bn.LineupDone() {
		t.Fatal("every current slot countersigned, yet not done")
	}
	empty := &Bounty{Hops: 2, Drawn: 4}
	if empty.Relayed() || (&Bounty{Hops: 2}).Relayed() == false {
		t.Fatal("an unfilled lineup after the draw is zero hops; before the draw it is relayed")
	}
}

func exprCanonical(t testing.TB, text string) []byte {
	e, err := expr.Parse(text)
	if err != nil {
		t.Fatal(err)
	}
	return e.Canonical()
}
