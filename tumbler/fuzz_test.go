package tumbler

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/bitverse/bitverse/node/wire"
)

// The decoders of what a peer sends: bounded, never panic, and what they
// accept re-encodes to the same bytes.

func FuzzDecodeInputReg(f *testing.F) {
	f.Add((&InputReg{Blinded: make([]byte, TokenSize)}).Encode())
	f.Add([]byte{1})
	f.Fuzz(func(t *testing.T, b []byte) {
		g, err := DecodeInputReg(b)
		if err == nil && !bytes.Equal(g.Encode(), b) {
			t.Fatal("not canonical")
		}
	})
}

func FuzzDecodeOutputReg(f *testing.F) {
	f.Add((&OutputReg{Token: make([]byte, TokenSize)}).Encode())
	f.Fuzz(func(t *testing.T, b []byte) {
		o, err := DecodeOutputReg(b)
		if err == nil && !bytes.Equal(o.Encode(), b) {
			t.Fatal("not canonical")
		}
	})
}

func FuzzDecodeSignMsg(f *testing.F) {
	f.Add((&SignMsg{Kind: KindNonce, Data: make([]byte, NonceSize)}).Encode())
	f.Add((&SignMsg{Kind: KindPartial, Data: make([]byte, PartialSize)}).Encode())
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := DecodeSignMsg(b)
		if err == nil && !bytes.Equal(m.Encode(), b) {
			t.Fatal("not canonical")
		}
	})
}

func FuzzDecodeTerms(f *testing.F) {
	tt := testTerms(3)
	tt.TokenKey = make([]byte, 300)
	f.Add(tt.Encode())
	tt.BlameOf, tt.Allowed = wire.Hash{1}, []wire.PubKey{{1}, {2}}
	f.Add(tt.Encode())
	f.Fuzz(func(t *testing.T, b []byte) {
		x, err := DecodeTerms(b)
		if err == nil {
			if !bytes.Equal(x.Encode(), b) {
				t.Fatal("not canonical")
			}
			x.Check() // must not panic
		}
	})
}

func FuzzDecodeStatus(f *testing.F) {
	s := Status{Terms: testTerms(2), Phase: Signing, Batch: &Batch{Body: wire.Tumble{Inputs: []wire.TumbleInput{{}}}}}
	b, _ := json.Marshal(s)
	f.Add(b)
	f.Fuzz(func(t *testing.T, b []byte) {
		DecodeStatus(b, wire.Hash{}) // must not panic
	})
}

// FuzzDecodeTokenKey: a coordinator's announced token key decodes only as
// a bounded PKCS #1 key of TokenBits, and re-encodes to the same bytes.
func FuzzDecodeTokenKey(f *testing.F) {
	k, err := NewTokenKey()
	if err != nil {
		f.Fatal(err)
	}
	good := EncodeTokenKey(&k.PublicKey)
	f.Add(good)
	f.Add(good[:len(good)-1])
	f.Add(append(bytes.Clone(good), 0))
	f.Add([]byte{0x30, 0x00})
	f.Fuzz(func(t *testing.T, b []byte) {
		pk, err := DecodeTokenKey(b)
		if err != nil {
			return
		}
		if len(b) > maxTokenKey || pk.N.BitLen() != TokenBits {
			t.Fatalf("accepted a key of %d bytes, %d bits", len(b), pk.N.BitLen())
		}
		if !bytes.Equal(EncodeTokenKey(pk), b) {
			t.Fatal("not canonical")
		}
	})
}
