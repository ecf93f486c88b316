package wallet

import (
	"encoding/hex"
	"testing"
)

// BIP-32 test vector 1, and the start of test vector 3 (which catches the
// dropped-leading-zero bug of early hdkeychain versions).
func TestBIP32Vectors(t *testing.T) {
	const (
		h    = hardened
		vec1 = "000102030405060708090a0b0c0d0e0f"
		vec3 = "4b381541583be4423346c643850da4b320e46a87ae3d2a4e6da11eba819cd4acba45d239319ac14f863b8d5ab5a0d0c64d2e8a1e7d1457df2e5a3c51c73235be"
	)
	tests := []struct {
		seed string
		path []uint32
		want string
	}{
		{vec1, nil, "xprv9s21ZrQH143K3QTDL4LXw2F7HEK3wJUD2nW2nRk4stbPy6cq3jPPqjiChkVvvNKmPGJxWUtg6LnF5kejMRNNU3TGtRBeJgk33yuGBxrMPHi"},
		{vec1, []uint32{h}, "xprv9uHRZZhk6KAJC1avXpDAp4MDc3sQKNxDiPvvkX8Br5ngLNv1TxvUxt4cV1rGL5hj6KCesnDYUhd7oWgT11eZG7XnxHrnYeSvkzY7d2bhkJ7"},
		{vec1, []uint32{h, 1}, "xprv9wTYmMFdV23N2TdNG573QoEsfRrWKQgWeibmLntzniatZvR9BmLnvSxqu53Kw1UmYPxLgboyZQaXwTCg8MSY3H2EU4pWcQDnRnrVA1xe8fs"},
		{vec1, []uint32{h, 1, h + 2}, "xprv9z4pot5VBttmtdRTWfWQmoH1taj2axGVzFqSb8C9xaxKymcFzXBDptWmT7FwuEzG3ryjH4ktypQSAewRiNMjANTtpgP4mLTj34bhnZX7UiM"},
		{vec1, []uint32{h, 1, h + 2, 2}, "xprvA2JDeKCSNNZky6uBCviVfJSKyQ1mDYahRjijr5idH2WwLsEd4Hsb2Tyh8RfQMuPh7f7RtyzTtdrbdqqsunu5Mm3wDvUAKRHSC34sJ7in334"},
		{vec1, []uint32{h, 1, h + 2, 2, 1000000000}, "xprvA41z7zogVVwxVSgdKUHDy1SKmdb533PjDz7J6N6mV6uS3ze1ai8FHa8kmHScGpWmj4WggLyQjgPie1rFSruoUihUZREPSL39UNdE3BBDu76"},
		{vec3, nil, "xprv9s21ZrQH143K25QhxbucbDDuQ4naNntJRi4KUfWT7xo4EKsHt2QJDu7KXp1A3u7Bi1j8ph3EGsZ9Xvz9dGuVrtHHs7pXeTzjuxBrCmmhgC6"},
		{vec3, []uint32{h}, "xprv9uPDJpEQgRQfDcW7BkF7eTya6RPxXeJCqCJGHuCJ4GiRVLzkTXBAJMu2qaMWPrS7AANYqdq6vcBcBUdJCVVFceUvJFjaPdGZ2y9WACViL4L"},
	}
	for i, tc := range tests {
		seed, _ := hex.DecodeString(tc.seed)
		master, err := masterKey(seed)
		if err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		k, err := derivePath(master, tc.path)
		if err != nil {
			t.Fatalf("case %d: %s: %v", i, formatPath(tc.path), err)
		}
		if got := k.String(); got != tc.want {
			t.Errorf("case %d: %s = %s, want %s", i, formatPath(tc.path), got, tc.want)
		}
	}
}

func TestPath(t *testing.T) {
	tests := []struct {
		account, index uint32
		want           string
	}{
		{0, 0, "m/44'/7777'/0'/0/0"},
		{1, 0, "m/44'/7777'/1'/0/0"},
		{5, 17, "m/44'/7777'/5'/0/17"},
	}
	for i, tc := range tests {
		if got := Path(tc.account, tc.index); got != tc.want {
			t.Errorf("case %d: Path = %q, want %q", i, got, tc.want)
		}
		p := []uint32{hardened + Purpose, hardened + CoinType, hardened + tc.account, External, tc.index}
		if got := formatPath(p); got != tc.want {
			t.Errorf("case %d: formatPath = %q, want %q", i, got, tc.want)
		}
	}
}

// TestDerivationPinned pins the keys of a known mnemonic so that the
// derivation path can never change silently: a change here moves every
// user's coins out of reach. The expected keys were computed independently
// of this package and of hdkeychain (a from-scratch BIP32 over secp256k1 in
// Python, PBKDF2 seed, HMAC-SHA512 child derivation) for m/44'/7777'/n'/0/0.
func TestDerivationPinned(t *testing.T) {
	m := trezorVectors[0][1] // abandon x11 about
	seed := mnemonicSeed(m, "")
	master, err := masterKey(seed)
	if err != nil {
		t.Fatal(err)
	}
	coin, err := coinKey(master)
	if err != nil {
		t.Fatal(err)
	}
	for account := uint32(0); account < 3; account++ {
		got, err := accountKey(coin, account, 0)
		if err != nil {
			t.Fatal(err)
		}
		// The same key along the full path from the master.
		k, err := derivePath(master, []uint32{hardened + 44, hardened + 7777, hardened + account, 0, 0})
		if err != nil {
			t.Fatal(err)
		}
		ec, _ := k.ECPrivKey()
		if hex.EncodeToString(got.Bytes()) != hex.EncodeToString(ec.Serialize()) {
			t.Errorf("account %d: accountKey differs from the full path", account)
		}
		if want := pinnedKeys[account][0]; hex.EncodeToString(got.Bytes()) != want {
			t.Errorf("account %d: key %x, pinned %s", account, got.Bytes(), want)
		}
		if pk := got.PubKey(); hex.EncodeToString(pk[:]) != pinnedKeys[account][1] {
			t.Errorf("account %d: public key %x, pinned %s", account, pk, pinnedKeys[account][1])
		}
	}
}

// pinnedKeys holds the private key and x-only public key of
// m/44'/7777'/n'/0/0 for the mnemonic "abandon ×11 about", n = 0, 1, 2.
var pinnedKeys = [][2]string{
	{"2b5159fc0ec5030712e9ff87b9b83b4ae0ae7d50a601a9aaa44837f8038f37fb", "9fb80bfe673443418a64a0cb267a88fe7c2e57e457235af83e3c52af955b67d1"},
	{"3305ec6436e3a52665182017409d1459e309484b3e8c660d5bdf9f60b3f6e804", "d4b2d942a89883fcf645f42fdaa2bcb842868323869359f5dbb6f3cff31a2669"},
	{"8d80d5c6369cec41634888c77b3245011ee8e46e08e5049655ee2ce7b5b9b247", "7aafaee4d5f6462a61112267da8cee00c890ae7a5b850f824632303cd376d2a9"},
}
