package p2p

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math/big"
	"testing"

	"github.com/bitverse/bitverse/node/wire"
)

func frameBytes(n uint32, body []byte) []byte {
	return append(binary.BigEndian.AppendUint32(nil, n), body...)
}

func TestReadFrame(t *testing.T) {
	tests := []struct {
		in      []byte
		max     int
		want    []byte
		wantErr error
	}{
		{frameBytes(0, nil), 10, []byte{}, nil},
		{frameBytes(3, []byte("abc")), 3, []byte("abc"), nil},
		{frameBytes(4, []byte("abc")), 10, nil, io.ErrUnexpectedEOF},     // truncated body
		{[]byte{0, 0}, 10, nil, io.ErrUnexpectedEOF},                     // truncated length
		{nil, 10, nil, io.EOF},                                           // nothing at all
		{frameBytes(11, make([]byte, 11)), 10, nil, ErrFrameTooLarge},    // one over
		{frameBytes(0xffffffff, nil), MaxRequestFrame, nil, ErrProtocol}, // huge claim, nothing allocated
	}
	for i, tc := range tests {
		got, err := readFrame(bytes.NewReader(tc.in), tc.max)
		if tc.wantErr != nil {
			if !errors.Is(err, tc.wantErr) {
				t.Errorf("case %d: err %v, want %v", i, err, tc.wantErr)
			}
			continue
		}
		if err != nil || !bytes.Equal(got, tc.want) {
			t.Errorf("case %d: got %q, %v; want %q", i, got, err, tc.want)
		}
	}
}

func TestWriteReadFrameRoundTrip(t *testing.T) {
	for i, body := range [][]byte{nil, {1}, bytes.Repeat([]byte{7}, 70_000)} {
		var buf bytes.Buffer
		if err := writeFrame(&buf, body); err != nil {
			t.Fatal(err)
		}
		got, err := readFrame(&buf, len(body))
		if err != nil || !bytes.Equal(got, body) {
			t.Errorf("case %d: round trip failed: %v", i, err)
		}
	}
}

func hashes(n int) []wire.Hash {
	out := make([]wire.Hash, n)
	for i := range out {
		out[i][0], out[i][1] = byte(i), byte(i>>8)
	}
	return out
}

func TestRequestRoundTrip(t *testing.T) {
	tests := []*request{
		{Type: msgGetHeaders, Locator: hashes(1), Max: 1},
		{Type: msgGetHeaders, Locator: hashes(MaxLocator), Max: MaxHeadersPerReply},
		{Type: msgGetBlocks, IDs: hashes(MaxBlocksPerReq)},
		{Type: msgGetBlocks},
		{Type: msgGetHeaders, Chain: wire.ChainID{Depth: 2, Bits: 1}, Locator: hashes(1), Max: 1},
		{Type: msgGetBlocks, Chain: wire.ChainID{Depth: 3, Bits: 7}, IDs: hashes(1)},
		{Type: msgPushTxs, Txs: [][]byte{{1, 2, 3}, bytes.Repeat([]byte{9}, wire.MaxTxSize)}},
	}
	for i, q := range tests {
		got, err := decodeRequest(q.encode())
		if err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		if got.Type != q.Type || got.Chain != q.Chain || got.Max != q.Max || len(got.Locator) != len(q.Locator) || len(got.IDs) != len(q.IDs) || len(got.Txs) != len(q.Txs) {
			t.Errorf("case %d: got %+v", i, got)
		}
		if !bytes.Equal(got.encode(), q.encode()) {
			t.Errorf("case %d: re-encoding differs", i)
		}
	}
}

func TestDecodeRequestRejects(t *testing.T) {
	good := (&request{Type: msgGetHeaders, Locator: hashes(2), Max: 10}).encode()
	tests := [][]byte{
		nil,                                  // empty
		{99},                                 // unknown type
		good[:len(good)-1],                   // truncated
		append(append([]byte{}, good...), 0), // trailing byte
		(&request{Type: msgGetHeaders, Locator: hashes(MaxLocator + 1), Max: 1}).encode(),                    // locator too long
		(&request{Type: msgGetHeaders, Locator: hashes(1), Max: MaxHeadersPerReply + 1}).encode(),            // too many headers
		(&request{Type: msgGetHeaders, Locator: hashes(1), Max: 0}).encode(),                                 // zero headers
		(&request{Type: msgGetBlocks, IDs: hashes(MaxBlocksPerReq + 1)}).encode(),                            // too many ids
		(&request{Type: msgPushTxs, Txs: [][]byte{bytes.Repeat([]byte{1}, wire.MaxTxSize+1)}}).encode(),      // tx too big
		{msgGetBlocks, 0xff, 0xff, 0xff, 0xff, 0x0f},                                                         // count larger than the data
		(&request{Type: msgGetBlocks, Chain: wire.ChainID{Depth: 1, Bits: 2}}).encode(),                      // chain bits beyond its depth
		(&request{Type: msgGetHeaders, Chain: wire.ChainID{Depth: 33}, Locator: hashes(1), Max: 1}).encode(), // chain too deep
	}
	for i, raw := range tests {
		if _, err := decodeRequest(raw); !errors.Is(err, ErrProtocol) {
			t.Errorf("case %d: err %v, want ErrProtocol", i, err)
		}
	}
}

func TestHeadersReplyRoundTrip(t *testing.T) {
	hs := []wire.Header{{Version: 1, Height: 1, Bits: 0x207fffff, Time: 5}, {Version: 1, Height: 2, Nonce: 9}}
	got, err := decodeHeaders(encodeHeaders(hs))
	if err != nil || len(got) != 2 || got[1].Nonce != 9 || got[0].ID() != hs[0].ID() {
		t.Fatalf("got %v %v", got, err)
	}
	if _, err := decodeHeaders([]byte{replyRateLimited}); !errors.Is(err, ErrRateLimited) {
		t.Errorf("rate-limited reply: %v", err)
	}
	raw := encodeHeaders(hs)
	if _, err := decodeHeaders(raw[:len(raw)-3]); !errors.Is(err, ErrProtocol) {
		t.Errorf("truncated reply: %v", err)
	}
}

func TestStatusRoundTrip(t *testing.T) {
	s := &Status{Version: statusVersion, NetID: wire.Devnet.ID, Height: 7, Work: new(big.Int).Lsh(big.NewInt(1), 200)}
	s.Tip[0], s.Genesis[1] = 1, 2
	got, err := decodeStatus(s.encode())
	if err != nil || got.Height != 7 || got.Tip != s.Tip || got.Genesis != s.Genesis || got.Work.Cmp(s.Work) != 0 {
		t.Fatalf("got %+v %v", got, err)
	}
	raw := s.encode()
	for i, bad := range [][]byte{nil, raw[:len(raw)-1], append(append([]byte{}, raw...), 1)} {
		if _, err := decodeStatus(bad); !errors.Is(err, ErrProtocol) {
			t.Errorf("case %d: err %v", i, err)
		}
	}
}

// A status lists the sender's stored branch chains with their tips, in
// tree order; the root, a chain listed twice or out of order, or too many
// chains is a protocol violation.
func TestStatusChains(t *testing.T) {
	tip := func(depth uint8, bits uint32, h uint64) ChainTip {
		return ChainTip{Chain: wire.ChainID{Depth: depth, Bits: bits}, Height: h, Work: big.NewInt(int64(h) + 1)}
	}
	s := &Status{Version: statusVersion, Work: big.NewInt(3), Chains: []ChainTip{tip(1, 0, 4), tip(1, 1, 2), tip(2, 1, 9)}}
	got, err := decodeStatus(s.encode())
	if err != nil || len(got.Chains) != 3 || !bytes.Equal(got.encode(), s.encode()) {
		t.Fatalf("got %+v %v", got, err)
	}
	if t01, ok := got.TipOf(wire.ChainID{Depth: 2, Bits: 1}); !ok || t01.Height != 9 || t01.Work.Int64() != 10 {
		t.Fatalf("tip of 01: %+v %v", t01, ok)
	}
	if !got.Stores(wire.RootChain) || got.Stores(wire.ChainID{Depth: 2}) {
		t.Fatal("Stores: the root is always stored, 00 is not listed")
	}
	for i, chains := range [][]ChainTip{
		{tip(0, 0, 1)},               // the root
		{tip(1, 1, 1), tip(1, 0, 1)}, // out of order
		{tip(1, 0, 1), tip(1, 0, 1)}, // twice
		{tip(1, 2, 1)},               // bits beyond the depth
	} {
		bad := &Status{Version: statusVersion, Work: big.NewInt(1), Chains: chains}
		if _, err := decodeStatus(bad.encode()); !errors.Is(err, ErrProtocol) {
			t.Errorf("case %d: err %v, want ErrProtocol", i, err)
		}
	}
	// Version 3: the chains kept as headers only, whose claims the peer
	// serves, in a second list; a chain in both lists is a violation.
	hs := &Status{Version: statusVersion, Work: big.NewInt(3), Chains: []ChainTip{tip(1, 1, 2)}, Claimed: []ChainTip{tip(1, 0, 4), tip(2, 1, 9)}}
	got, err = decodeStatus(hs.encode())
	if err != nil || len(got.Claimed) != 2 || !bytes.Equal(got.encode(), hs.encode()) {
		t.Fatalf("with claimed chains: %+v %v", got, err)
	}
	if got.Stores(wire.ChainID{Depth: 1}) {
		t.Fatal("a headers-only chain counted as stored in full")
	}
	if c, ok := got.ClaimsTipOf(wire.ChainID{Depth: 1}); !ok || c.Height != 4 {
		t.Fatalf("claims tip of 0: %+v %v", c, ok)
	}
	if c, ok := got.ClaimsTipOf(wire.ChainID{Depth: 1, Bits: 1}); !ok || c.Height != 2 {
		t.Fatalf("claims tip of a full chain: %+v %v", c, ok)
	}
	both := &Status{Version: statusVersion, Work: big.NewInt(1), Chains: []ChainTip{tip(1, 0, 1)}, Claimed: []ChainTip{tip(1, 0, 1)}}
	if _, err := decodeStatus(both.encode()); !errors.Is(err, ErrProtocol) {
		t.Errorf("a chain in both lists: err %v, want ErrProtocol", err)
	}
	v2 := &Status{Version: 2, Work: big.NewInt(1), Chains: []ChainTip{tip(1, 0, 1)}, Claimed: []ChainTip{tip(1, 1, 1)}}
	if got, err := decodeStatus(v2.encode()); err != nil || len(got.Claimed) != 0 || len(got.Chains) != 1 {
		t.Errorf("version 2 has no claimed list: %+v %v", got, err)
	}
	many := &Status{Version: statusVersion, Work: big.NewInt(1)}
	for i := 0; i <= MaxStatusChains; i++ {
		many.Chains = append(many.Chains, tip(16, uint32(i), 1))
	}
	many.Claimed = many.Chains[:MaxStatusChains]
	many.Chains = many.Chains[:0:0]
	if raw := many.encode(); len(raw) > MaxStatusFrame {
		t.Fatalf("%d claimed chains take %d bytes, more than the frame cap %d", len(many.Claimed), len(raw), MaxStatusFrame)
	}
	many.Chains, many.Claimed = append(many.Claimed, tip(16, MaxStatusChains, 1)), nil
	if raw := many.encode(); len(raw) > MaxStatusFrame {
		t.Fatalf("%d chains take %d bytes, more than the frame cap %d", len(many.Chains), len(raw), MaxStatusFrame)
	} else if _, err := decodeStatus(raw); !errors.Is(err, ErrProtocol) {
		t.Errorf("%d chains: err %v, want ErrProtocol", len(many.Chains), err)
	}
}

func FuzzDecodeRequest(f *testing.F) {
	f.Add((&request{Type: msgGetHeaders, Locator: hashes(3), Max: 5}).encode())
	f.Add((&request{Type: msgGetBlocks, IDs: hashes(2)}).encode())
	f.Add((&request{Type: msgPushTxs, Txs: [][]byte{{1}}}).encode())
	f.Add((&request{Type: msgGetClaims, Chain: wire.ChainID{Depth: 1}, IDs: hashes(2)}).encode())
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		q, err := decodeRequest(b)
		if err != nil {
			return
		}
		q2, err := decodeRequest(q.encode())
		if err != nil || !bytes.Equal(q2.encode(), q.encode()) {
			t.Fatalf("round trip: %v", err)
		}
	})
}

func FuzzDecodeStatus(f *testing.F) {
	f.Add((&Status{Version: 1, Work: big.NewInt(5)}).encode())
	f.Add((&Status{Version: 2, Work: big.NewInt(5), Chains: []ChainTip{{Chain: wire.ChainID{Depth: 1}, Work: big.NewInt(1)}}}).encode())
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := decodeStatus(b)
		if err != nil {
			return
		}
		if _, err := decodeStatus(s.encode()); err != nil {
			t.Fatal(err)
		}
	})
}

func FuzzDecodeHeaders(f *testing.F) {
	f.Add(encodeHeaders([]wire.Header{{Version: 1}}))
	f.Fuzz(func(t *testing.T, b []byte) {
		hs, err := decodeHeaders(b)
		if err != nil {
			return
		}
		if _, err := decodeHeaders(encodeHeaders(hs)); err != nil {
			t.Fatal(err)
		}
	})
}
