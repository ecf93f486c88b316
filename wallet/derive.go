package wallet

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/bitverse/bitverse/node/wire"
	"github.com/btcsuite/btcd/btcutil/hdkeychain"
	"github.com/btcsuite/btcd/chaincfg"
)

// BIP44 layout of Bitverse keys: m / purpose' / coin_type' / account' / change / index.
const (
	Purpose  = 44   // BIP44
	CoinType = 7777 // Bitverse's coin type (not registered in SLIP-0044)
	External = 0    // the BIP44 "change" level: Bitverse uses only the external chain

	// MaxAccounts bounds account indices to the hardened range.
	MaxAccounts = hdkeychain.HardenedKeyStart

	hardened = hdkeychain.HardenedKeyStart
)

// Path returns the derivation path of address index of account, for display:
// Path(0, 0) is "m/44'/7777'/0'/0/0".
func Path(account, index uint32) string {
	return fmt.Sprintf("m/%d'/%d'/%d'/%d/%d", Purpose, CoinType, account, External, index)
}

// masterKey returns the BIP32 master key of a BIP39 seed. The MainNet
// parameters only choose the xprv version bytes used when the key is
// printed; they do not affect derivation.
func masterKey(seed []byte) (*hdkeychain.ExtendedKey, error) {
	return hdkeychain.NewMaster(seed, &chaincfg.MainNetParams)
}

// derivePath derives the extended private key at path (indices at or above
// 2^31 are hardened) from the master key. It does not modify master.
func derivePath(master *hdkeychain.ExtendedKey, path []uint32) (*hdkeychain.ExtendedKey, error) {
	k := master
	for _, i := range path {
		child, err := k.Derive(i)
		if err != nil {
			return nil, fmt.Errorf("derive %s: %w", formatPath(path), err)
		}
		k = child
	}
	return k, nil
}

// coinKey derives m/44'/7777', the root of every Bitverse account.
func coinKey(master *hdkeychain.ExtendedKey) (*hdkeychain.ExtendedKey, error) {
	return derivePath(master, []uint32{hardened + Purpose, hardened + CoinType})
}

// accountKey derives the signing key of address index of account from the
// coin key: coin / account' / 0 / index.
func accountKey(coin *hdkeychain.ExtendedKey, account, index uint32) (wire.PrivKey, error) {
	if account >= MaxAccounts {
		return wire.PrivKey{}, fmt.Errorf("%w: account index %d is beyond %d", ErrTooManyAccounts, account, MaxAccounts-1)
	}
	k, err := derivePath(coin, []uint32{hardened + account, External, index})
	if err != nil {
		// Only possible with probability below 2^-127 per level.
		return wire.PrivKey{}, fmt.Errorf("account %d index %d: %w", account, index, err)
	}
	ec, err := k.ECPrivKey()
	if err != nil {
		return wire.PrivKey{}, err
	}
	b := ec.Serialize()
	defer clear(b)
	return wire.PrivKeyFromBytes(b)
}

func formatPath(path []uint32) string {
	var b strings.Builder
	b.WriteString("m")
	for _, i := range path {
		b.WriteByte('/')
		if i >= hardened {
			b.WriteString(strconv.FormatUint(uint64(i-hardened), 10))
			b.WriteByte('\'')
		} else {
			b.WriteString(strconv.FormatUint(uint64(i), 10))
		}
	}
	return b.String()
}
