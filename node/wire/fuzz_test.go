package wire

import (
	"bytes"
	"strings"
	"testing"
)

// The fuzz targets are seeded from the table tests' fixtures and check that
// decoding never panics and that every input a decoder accepts is the one
// canonical encoding of what it decoded.

func FuzzDecodeTx(f *testing.F) {
	for _, tx := range sampleTxs(f) {
		f.Add(tx.Encode())
	}
	for _, tx := range samplePoolTxs(f) {
		f.Add(tx.Encode())
	}
	f.Add([]byte{})
	f.Add(txBytes(3, RootChain, []byte{1}, []byte{1}, nil))
	f.Add(txBytes(1, RootChain, []byte{0x81, 0x00}, []byte{1}, make([]byte, 40)))
	f.Fuzz(func(t *testing.T, data []byte) {
		tx, err := DecodeTx(data)
		if err != nil {
			if tx != nil {
				t.Fatal("error with a tx")
			}
			if !isDecodeError(err) {
				t.Fatalf("error %v wraps neither ErrMalformed nor ErrBadChain", err)
			}
			return
		}
		if re := tx.Encode(); !bytes.Equal(re, data) {
			t.Fatalf("non-canonical: decoded % x, re-encoded % x", data, re)
		}
		if tx.Body == nil || tx.Body.TxType() != tx.Type {
			t.Fatalf("body %T does not match type %s", tx.Body, tx.Type)
		}
		_ = tx.VerifySig(Devnet) // must not panic on arbitrary keys and signatures
	})
}

func FuzzDecodeHeader(f *testing.F) {
	for _, h := range sampleHeaders() {
		f.Add(h.Encode())
	}
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		h, err := DecodeHeader(data)
		if err != nil {
			if !isDecodeError(err) {
				t.Fatalf("error %v wraps neither ErrMalformed nor ErrBadChain", err)
			}
			return
		}
		if re := h.Encode(); !bytes.Equal(re, data) {
			t.Fatalf("non-canonical: decoded % x, re-encoded % x", data, re)
		}
		if !h.Chain.valid() || len(h.Merge.Branch) > MaxMergeBranch {
			t.Fatalf("decoded an invalid header: %+v", h)
		}
		_ = h.PowHash()
	})
}

func FuzzDecodeBlock(f *testing.F) {
	for _, b := range sampleBlocks(f) {
		f.Add(b.Encode())
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := DecodeBlock(data)
		if err != nil {
			if b != nil {
				t.Fatal("error with a block")
			}
			if !isDecodeError(err) {
				t.Fatalf("error %v wraps neither ErrMalformed nor ErrBadChain", err)
			}
			return
		}
		if re := b.Encode(); !bytes.Equal(re, data) {
			t.Fatalf("non-canonical: decoded % x, re-encoded % x", data, re)
		}
		for i, tx := range b.Txs {
			if tx == nil {
				t.Fatalf("tx %d is nil", i)
			}
		}
		_ = b.ComputeTxRoot()
	})
}

func FuzzParseAddress(f *testing.F) {
	for _, seed := range []byte{1, 2, 3} {
		pk := testKey(f, seed).PubKey()
		for _, n := range []Network{Mainnet, Testnet, Devnet} {
			f.Add(EncodeAddress(n, pk))
		}
	}
	for _, s := range bip350Valid {
		f.Add(s)
	}
	for _, s := range bip350Invalid {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, n := range []Network{Mainnet, Testnet, Devnet} {
			pk, err := ParseAddress(n, s)
			if err != nil {
				if pk != (PubKey{}) {
					t.Fatal("error with a key")
				}
				continue
			}
			// Accepted text is the canonical address of its key, up to case
			// and surrounding space.
			if want := strings.ToLower(strings.TrimSpace(s)); EncodeAddress(n, pk) != want {
				t.Fatalf("%s: %q parsed to a key whose address is %q", n.Name, s, EncodeAddress(n, pk))
			}
		}
	})
}
