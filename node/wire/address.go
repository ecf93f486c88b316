package wire

import (
	"fmt"
	"strings"

	"github.com/btcsuite/btcd/btcec/v2/schnorr"
	"github.com/btcsuite/btcd/btcutil/bech32"
)

// Address is an account's public key shown as bech32m text with the
// network's prefix: bvd1… on devnet. The checksum catches any typo of up to
// four characters; a mistyped address is an error, never a different account.
type Address = PubKey

// EncodeAddress returns the bech32m text of pk on network n.
func EncodeAddress(n Network, pk PubKey) string {
	data, err := bech32.ConvertBits(pk[:], 8, 5, true)
	if err != nil {
		panic("wire: convert bits: " + err.Error())
	}
	s, err := bech32.EncodeM(n.HRP, data)
	if err != nil {
		panic("wire: bech32m: " + err.Error())
	}
	return s
}

// ParseAddress parses bech32m address text for network n.
func ParseAddress(n Network, s string) (PubKey, error) {
	var pk PubKey
	s = strings.TrimSpace(s)
	if len(s) > 120 {
		return pk, fmt.Errorf("%w: %d characters is too long", ErrBadAddress, len(s))
	}
	hrp, data, version, err := bech32.DecodeGeneric(s)
	if err != nil {
		return pk, fmt.Errorf("%w: %q: %v (check for a typo)", ErrBadAddress, s, err)
	}
	if version != bech32.VersionM {
		return pk, fmt.Errorf("%w: %q uses the bech32 checksum; Bitverse addresses use bech32m", ErrBadAddress, s)
	}
	if hrp != n.HRP {
		return pk, fmt.Errorf("%w: %q is for prefix %q, but this is %s (prefix %q)", ErrBadAddress, s, hrp, n.Name, n.HRP)
	}
	raw, err := bech32.ConvertBits(data, 5, 8, false)
	if err != nil || len(raw) != PubKeySize {
		return pk, fmt.Errorf("%w: %q does not hold a 32-byte key", ErrBadAddress, s)
	}
	copy(pk[:], raw)
	if _, err := schnorr.ParsePubKey(raw); err != nil {
		return PubKey{}, fmt.Errorf("%w: %q is not a point on secp256k1", ErrBadAddress, s)
	}
	return pk, nil
}
