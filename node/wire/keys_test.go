package wire

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"
)

func TestPrivKeyFromBytes(t *testing.T) {
	one := make([]byte, 32)
	one[31] = 1
	// n - 1, the largest valid scalar.
	nMinus1 := []byte{
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe,
		0xba, 0xae, 0xdc, 0xe6, 0xaf, 0x48, 0xa0, 0x3b, 0xbf, 0xd2, 0x5e, 0x8c, 0xd0, 0x36, 0x41, 0x40,
	}
	n := append([]byte(nil), nMinus1...)
	n[31]++
	tests := []struct {
		in []byte
		ok bool
	}{
		{one, true},
		{nMinus1, true},
		{bytes.Repeat([]byte{7}, 32), true},
		{nil, false},
		{make([]byte, 31), false},
		{make([]byte, 33), false},
		{make([]byte, 32), false}, // zero
		{n, false},                // n reduces to zero
	}
	for i, tc := range tests {
		k, err := PrivKeyFromBytes(tc.in)
		if !tc.ok {
			if err == nil {
				t.Errorf("case %d: % x accepted", i, tc.in)
			}
			continue
		}
		if err != nil {
			t.Errorf("case %d: %v", i, err)
			continue
		}
		if !bytes.Equal(k.Bytes(), tc.in) {
			t.Errorf("case %d: Bytes() = % x, want % x", i, k.Bytes(), tc.in)
		}
	}
}

func TestSignVerify(t *testing.T) {
	k := testKey(t, 5)
	pk := k.PubKey()
	msg := Sum([]byte("hello"))
	sig := k.Sign(msg)
	if sig != k.Sign(msg) {
		t.Error("signing is not deterministic")
	}
	if err := Verify(pk, msg, sig); err != nil {
		t.Fatalf("Verify: %v", err)
	}
	other := Sum([]byte("hello!"))
	tests := []struct {
		pk  PubKey
		msg Hash
		sig Signature
	}{
		{pk, other, sig},
		{testKey(t, 6).PubKey(), msg, sig},
		{PubKey{}, msg, sig},
		{pk, msg, Signature{}},
		{pk, msg, func() Signature { s := sig; s[10] ^= 4; return s }()},
	}
	for i, tc := range tests {
		if err := Verify(tc.pk, tc.msg, tc.sig); !errors.Is(err, ErrBadSignature) {
			t.Errorf("case %d: err = %v, want ErrBadSignature", i, err)
		}
	}
	fresh, err := NewPrivKey()
	if err != nil {
		t.Fatal(err)
	}
	if fresh.PubKey() == pk || fresh.PubKey().IsZero() {
		t.Error("NewPrivKey returned a fixed or zero key")
	}
}

func TestNetworkByName(t *testing.T) {
	for i, n := range []Network{Mainnet, Testnet, Devnet} {
		got, err := NetworkByName(n.Name)
		if err != nil || got != n {
			t.Errorf("case %d: NetworkByName(%q) = %v, %v", i, n.Name, got, err)
		}
	}
	if _, err := NetworkByName("regtest"); err == nil {
		t.Error("unknown network accepted")
	}
	if Mainnet.ID == Testnet.ID || Testnet.ID == Devnet.ID || Mainnet.ID == Devnet.ID {
		t.Error("network IDs collide")
	}
}

func TestPubKeyJSONIsHex(t *testing.T) {
	var pk PubKey
	for i := range pk {
		pk[i] = byte(i)
	}
	b, err := json.Marshal(struct{ K PubKey }{pk})
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"K":"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"}`; string(b) != want {
		t.Fatalf("got %s, want %s", b, want)
	}
	var back struct{ K PubKey }
	if err := json.Unmarshal(b, &back); err != nil || back.K != pk {
		t.Fatalf("round trip: %v %x", err, back.K)
	}
	if err := json.Unmarshal([]byte(`{"K":"00"}`), &back); err == nil {
		t.Fatal("a short key was accepted")
	}
}
