package node

import (
	"encoding/hex"
	"errors"
	"testing"

	"github.com/bitverse/bitverse/node/wire"
)

// FuzzParseIdentity: the identity a face or the local API hands in (an
// address or 64 hex digits) never panics the parser; what it accepts
// round-trips through its address, and what it refuses is ErrBadRequest.
func FuzzParseIdentity(f *testing.F) {
	priv, err := wire.NewPrivKey()
	if err != nil {
		f.Fatal(err)
	}
	pk := priv.PubKey()
	f.Add(wire.EncodeAddress(wire.Devnet, pk))
	f.Add(wire.EncodeAddress(wire.Mainnet, pk))
	f.Add(" " + hex.EncodeToString(pk[:]) + " ")
	f.Add("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f") // not on the curve
	f.Add("zz0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseIdentity(wire.Devnet, s)
		if err != nil {
			if !errors.Is(err, ErrBadRequest) {
				t.Fatalf("ParseIdentity(%q): %v is not ErrBadRequest", s, err)
			}
			return
		}
		again, err := ParseIdentity(wire.Devnet, wire.EncodeAddress(wire.Devnet, got))
		if err != nil || again != got {
			t.Fatalf("ParseIdentity(%q) = %x, but its address reads back as %x, %v", s, got, again, err)
		}
	})
}
