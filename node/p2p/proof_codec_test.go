package p2p

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/bitverse/bitverse/node"
	"github.com/bitverse/bitverse/node/wire"
)

func TestProofRequestCodec(t *testing.T) {
	at := wire.TaggedSum("test", []byte("block"))
	good := []ProofRequest{
		{Chain: wire.RootChain, Key: "public/a"},
		{Chain: wire.ChainID{Depth: 3, Bits: 5}, Key: "erik/blog/1", At: &at},
		{Chain: wire.ChainID{Depth: 32, Bits: 0xffffffff}, Key: strings.Repeat("k", wire.MaxKeySize)},
	}
	for i, q := range good {
		raw := q.encode()
		if len(raw) > MaxProofRequestFrame {
			t.Fatalf("case %d: %d bytes over the frame cap", i, len(raw))
		}
		got, err := decodeProofRequest(raw)
		if err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		if !bytes.Equal(got.encode(), raw) {
			t.Fatalf("case %d: decode → encode changed the bytes", i)
		}
		for n := 0; n < len(raw); n++ {
			if _, err := decodeProofRequest(raw[:n]); !errors.Is(err, ErrProtocol) {
				t.Fatalf("case %d: truncated to %d bytes: %v", i, n, err)
			}
		}
		if _, err := decodeProofRequest(append(raw, 0)); !errors.Is(err, ErrProtocol) {
			t.Fatalf("case %d: trailing byte accepted: %v", i, err)
		}
	}
	bad := []struct {
		name string
		q    ProofRequest
		edit func([]byte) []byte
	}{
		{"chain bits beyond its depth", ProofRequest{Chain: wire.ChainID{Depth: 2, Bits: 4}, Key: "public/a"}, nil},
		{"chain deeper than the tree", ProofRequest{Chain: wire.ChainID{Depth: 33}, Key: "public/a"}, nil},
		{"empty key", ProofRequest{Key: ""}, nil},
		{"key ending in /", ProofRequest{Key: "public/"}, nil},
		{"key over 512 bytes", ProofRequest{Key: strings.Repeat("k", wire.MaxKeySize+1)}, nil},
		{"block flag 2", ProofRequest{Key: "public/a"}, func(b []byte) []byte { b[len(b)-1] = 2; return b }},
	}
	for i, c := range bad {
		raw := c.q.encode()
		if c.edit != nil {
			raw = c.edit(raw)
		}
		if _, err := decodeProofRequest(raw); !errors.Is(err, ErrProtocol) {
			t.Fatalf("case %d (%s): accepted: %v", i, c.name, err)
		}
	}
}

func TestProofReplyCodec(t *testing.T) {
	good := []node.KeyProof{
		{Status: node.ProofOK, Header: []byte{1, 2, 3}, Proof: []byte{4}},
		{Status: node.ProofOK},
		{Status: node.ProofNotStored},
		{Status: node.ProofNotAt},
		{Status: node.ProofBusy},
	}
	for i, a := range good {
		raw := encodeProofReply(a)
		got, err := decodeProofReply(raw)
		if err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		if !bytes.Equal(encodeProofReply(got), raw) {
			t.Fatalf("case %d: decode → encode changed the bytes", i)
		}
		if _, err := decodeProofReply(append(raw, 0)); !errors.Is(err, ErrProtocol) {
			t.Fatalf("case %d: trailing byte accepted: %v", i, err)
		}
	}
	bad := [][]byte{
		nil,                         // no status
		{4},                         // unknown status
		{0, 5, 1},                   // header shorter than its length
		{0, 0},                      // no proof length
		{0, 0xff, 0xff, 0xff, 0x7f}, // header length over the cap
	}
	for i, raw := range bad {
		if _, err := decodeProofReply(raw); !errors.Is(err, ErrProtocol) {
			t.Fatalf("bad case %d: accepted: %v", i, err)
		}
	}
}

func FuzzDecodeProofRequest(f *testing.F) {
	at := wire.Hash{7}
	f.Add((&ProofRequest{Key: "public/a"}).encode())
	f.Add((&ProofRequest{Chain: wire.ChainID{Depth: 1, Bits: 1}, Key: "x/y", At: &at}).encode())
	f.Fuzz(func(t *testing.T, b []byte) {
		q, err := decodeProofRequest(b)
		if err != nil {
			return
		}
		if !bytes.Equal(q.encode(), b) {
			t.Fatalf("accepted a non-canonical request %x", b)
		}
	})
}

func FuzzDecodeProofReply(f *testing.F) {
	f.Add(encodeProofReply(node.KeyProof{Status: node.ProofOK, Header: []byte{1}, Proof: []byte{2}}))
	f.Add([]byte{1})
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := decodeProofReply(b)
		if err != nil {
			return
		}
		if !bytes.Equal(encodeProofReply(a), b) {
			t.Fatalf("accepted a non-canonical reply %x", b)
		}
	})
}
