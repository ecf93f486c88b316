package wire

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/btcsuite/btcd/btcec/v2/schnorr"
	"github.com/btcsuite/btcd/btcutil/bech32"
)

// BIP-350 test vectors for Bech32m.
var (
	bip350Valid = []string{
		"A1LQFN3A",
		"a1lqfn3a",
		"an83characterlonghumanreadablepartthatcontainsthetheexcludedcharactersbioandnumber11sg7hg6",
		"abcdef1l7aum6echk45nj3s0wdvt2fg8x9yrzpqzd3ryx",
		"11llllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllludsr8",
		"split1checkupstagehandshakeupstreamerranterredcaperredlc445v",
		"?1v759aa",
	}
	bip350Invalid = []string{
		"\x201xj0phk", // HRP character out of range
		"\x7f1g6xzxy", // HRP character out of range
		"\x801vctc34", // HRP character out of range
		"an84characterslonghumanreadablepartthatcontainsthetheexcludedcharactersbioandnumber11d6pts4", // overall max length exceeded
		"qyrz8wqd2c9m",  // no separator character
		"1qyrz8wqd2c9m", // empty HRP
		"y1b0jsk6g",     // invalid data character
		"lt1igcx5c0",    // invalid data character
		"in1muywd",      // too short checksum
		"mm1crxm3i",     // invalid character in checksum
		"au1s5cgom",     // invalid character in checksum
		"M1VUXWEZ",      // checksum calculated with uppercase form of HRP
		"16plkw9",       // empty HRP
		"1p2gdwpf",      // empty HRP
	}
)

func TestBech32mVectors(t *testing.T) {
	for i, s := range bip350Valid {
		hrp, data, version, err := bech32.DecodeGeneric(s)
		if err != nil {
			t.Errorf("valid case %d: %q: %v", i, s, err)
			continue
		}
		if version != bech32.VersionM {
			t.Errorf("valid case %d: %q decoded as version %v, want bech32m", i, s, version)
		}
		// Re-encoding gives the lower-case form back.
		re, err := bech32.EncodeM(hrp, data)
		if err != nil || re != strings.ToLower(s) {
			t.Errorf("valid case %d: re-encoded %q, %v", i, re, err)
		}
		// No string is valid under both checksums: the bech32 encoding of
		// the same data differs and is reported as bech32, not bech32m.
		// (btcutil's bech32.Decode accepts either checksum, which is why
		// ParseAddress uses DecodeGeneric and checks the version.)
		b32, err := bech32.Encode(hrp, data)
		if err != nil || b32 == strings.ToLower(s) {
			t.Errorf("valid case %d: bech32 form %q, %v", i, b32, err)
		} else if _, _, v, err := bech32.DecodeGeneric(b32); err != nil || v != bech32.Version0 {
			t.Errorf("valid case %d: bech32 form %q decodes as %v, %v", i, b32, v, err)
		}
	}
	for i, s := range bip350Invalid {
		if _, _, version, err := bech32.DecodeGeneric(s); err == nil && version == bech32.VersionM {
			t.Errorf("invalid case %d: %q decoded as bech32m", i, s)
		}
		if _, err := ParseAddress(Mainnet, s); !errors.Is(err, ErrBadAddress) {
			t.Errorf("invalid case %d: ParseAddress(%q) = %v, want ErrBadAddress", i, s, err)
		}
	}
}

// offCurveX returns an x coordinate that is below the field size but has no
// point on secp256k1.
func offCurveX(t *testing.T) PubKey {
	t.Helper()
	var pk PubKey
	for i := 0; i < 256; i++ {
		pk[31] = byte(i)
		if _, err := schnorr.ParsePubKey(pk[:]); err != nil {
			return pk
		}
	}
	t.Fatal("no off-curve x found")
	return pk
}

// encodeRaw encodes data bytes with hrp under either checksum.
func encodeRaw(t *testing.T, hrp string, data []byte, m bool) string {
	t.Helper()
	conv, err := bech32.ConvertBits(data, 8, 5, true)
	if err != nil {
		t.Fatal(err)
	}
	var s string
	if m {
		s, err = bech32.EncodeM(hrp, conv)
	} else {
		s, err = bech32.Encode(hrp, conv)
	}
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestAddressRoundTrip(t *testing.T) {
	for i, seed := range []byte{1, 2, 3, 0x7f, 0xfe} {
		pk := testKey(t, seed).PubKey()
		for _, n := range []Network{Mainnet, Testnet, Devnet} {
			s := EncodeAddress(n, pk)
			if !strings.HasPrefix(s, n.HRP+"1") {
				t.Errorf("case %d: %s address %q lacks prefix %q", i, n.Name, s, n.HRP+"1")
			}
			for _, in := range []string{s, strings.ToUpper(s), "  " + s + "\n"} {
				got, err := ParseAddress(n, in)
				if err != nil || got != pk {
					t.Errorf("case %d: ParseAddress(%s, %q) = %x, %v", i, n.Name, in, got, err)
				}
			}
		}
	}
}

func TestParseAddressRejects(t *testing.T) {
	pk := testKey(t, 1).PubKey()
	dev := EncodeAddress(Devnet, pk)
	off := offCurveX(t)
	var tooBig PubKey
	for i := range tooBig {
		tooBig[i] = 0xff // x ≥ field size
	}
	mixed := []byte(dev)
	mixed[len(mixed)-1] = byte(strings.ToUpper(string(mixed[len(mixed)-1]))[0])

	// A 32-byte key whose 5-bit form has non-zero padding bits.
	conv, _ := bech32.ConvertBits(pk[:], 8, 5, true)
	conv[len(conv)-1] |= 1
	badPadding, _ := bech32.EncodeM(Devnet.HRP, conv)

	tests := []struct {
		name string
		in   string
	}{
		{"empty", ""},
		{"prefix only", "bvd1"},
		{"mainnet address on devnet", EncodeAddress(Mainnet, pk)},
		{"testnet address on devnet", EncodeAddress(Testnet, pk)},
		{"bech32 checksum", encodeRaw(t, Devnet.HRP, pk[:], false)},
		{"off-curve x", encodeRaw(t, Devnet.HRP, off[:], true)},
		{"x above field size", encodeRaw(t, Devnet.HRP, tooBig[:], true)},
		{"31-byte key", encodeRaw(t, Devnet.HRP, pk[:31], true)},
		{"33-byte key", encodeRaw(t, Devnet.HRP, append(pk[:], 2), true)},
		{"20-byte key", encodeRaw(t, Devnet.HRP, pk[:20], true)},
		{"non-zero padding bits", badPadding},
		{"mixed case", string(mixed)},
		{"too long", dev + strings.Repeat("q", 100)},
		{"inner space", dev[:10] + " " + dev[10:]},
		{"hex key", "bvd1" + strings.Repeat("0", 64)},
	}
	for i, tc := range tests {
		got, err := ParseAddress(Devnet, tc.in)
		if !errors.Is(err, ErrBadAddress) {
			t.Errorf("case %d: %s: ParseAddress(%q) = %x, %v; want ErrBadAddress", i, tc.name, tc.in, got, err)
			continue
		}
		if got != (PubKey{}) {
			t.Errorf("case %d: %s: failed parse returned a key", i, tc.name)
		}
	}
	// The wrong-network error names both prefixes, so a user knows what to do.
	_, err := ParseAddress(Devnet, EncodeAddress(Mainnet, pk))
	if err == nil || !strings.Contains(err.Error(), `"bv"`) || !strings.Contains(err.Error(), `"bvd"`) {
		t.Errorf("wrong-network error does not name the prefixes: %v", err)
	}
}

// TestAddressTypos checks that no single-character substitution, deletion,
// insertion or adjacent swap of an address parses, on any network.
func TestAddressTypos(t *testing.T) {
	nets := []Network{Mainnet, Testnet, Devnet}
	const alphabet = "qpzry9x8gf2tvdw0s3jn54khce6mua7lQPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L1bio-_ ."
	parsesAnywhere := func(s string) bool {
		for _, n := range nets {
			if _, err := ParseAddress(n, s); err == nil {
				return true
			}
		}
		return false
	}
	for i, seed := range []byte{1, 9} {
		pk := testKey(t, seed).PubKey()
		for _, n := range nets {
			addr := EncodeAddress(n, pk)
			for pos := 0; pos <= len(addr); pos++ {
				for _, c := range []byte(alphabet) {
					// Insertion (including duplication of a character).
					ins := addr[:pos] + string(c) + addr[pos:]
					if strings.TrimSpace(ins) != addr && parsesAnywhere(ins) {
						t.Errorf("case %d: %s: insertion %q parses", i, n.Name, ins)
					}
					if pos == len(addr) || c == addr[pos] {
						continue
					}
					sub := addr[:pos] + string(c) + addr[pos+1:]
					if parsesAnywhere(sub) {
						t.Errorf("case %d: %s: substitution %q parses", i, n.Name, sub)
					}
				}
				if pos == len(addr) {
					break
				}
				del := addr[:pos] + addr[pos+1:]
				if parsesAnywhere(del) {
					t.Errorf("case %d: %s: deletion %q parses", i, n.Name, del)
				}
				if pos+1 < len(addr) && addr[pos] != addr[pos+1] {
					swp := []byte(addr)
					swp[pos], swp[pos+1] = swp[pos+1], swp[pos]
					if parsesAnywhere(string(swp)) {
						t.Errorf("case %d: %s: swap %q parses", i, n.Name, swp)
					}
				}
			}
		}
	}
}

func TestAddressIsCanonical(t *testing.T) {
	// Parsing then encoding gives back the lower-case input: one key, one
	// address text.
	pk := testKey(t, 4).PubKey()
	s := EncodeAddress(Devnet, pk)
	got, err := ParseAddress(Devnet, strings.ToUpper(s))
	if err != nil {
		t.Fatal(err)
	}
	if EncodeAddress(Devnet, got) != s {
		t.Fatal("upper-case address does not encode back to the canonical form")
	}
	if !bytes.Equal(got[:], pk[:]) {
		t.Fatal("key changed")
	}
}
