package state

import (
	"bytes"
	"testing"

	"github.com/bitverse/bitverse/node/wire"
)

// FuzzDecodePoolRecords checks the pool, token, redemption, serve
// challenge and serve queue record decoders: no panic, and what they
// accept is the canonical encoding.
func FuzzDecodePoolRecords(f *testing.F) {
	p := &Pool{Funder: wire.PubKey{1}, Kind: wire.PoolBlob, Chain: wire.ChainID{Depth: 1, Bits: 1}, Key: "public/film", Hash: wire.Hash{2},
		Size: 20 << 20, SegmentRoot: wire.Hash{3}, Replicas: 3, Tier: 2, Endowment: 1 << 40, Paid: 7, TokenRate: 100, TokensSold: 9,
		Redeemed: 4, RedeemEpoch: 5, RedeemCount: 2, Created: 11,
		Members: []Member{{Key: wire.PubKey{4}, Stake: 1 << 30, Tier: 2, Joined: 12, Answered: 3, Missed: 1, Earned: 99,
			Challenged: true, ChAnswered: true, ChEpoch: 5, ChSegment: 77}, {Key: wire.PubKey{5}, Stake: 1, Tier: 1, Leaving: true}}}
	f.Add(p.encode())
	f.Add((&Pool{}).encode())
	f.Add((&redemption{Pool: wire.Hash{1}, Redeemer: wire.PubKey{2}, Epoch: 3, Reported: true}).encode())
	f.Add((&ServeChallenge{Pool: wire.Hash{1}, Redemption: wire.Hash{2}, Member: wire.PubKey{3}, Claimer: wire.PubKey{4},
		Deposit: 1 << 20, Opened: 77, Drawn: true, Segment: 5}).encode())
	f.Add((&ServeChallenge{Opened: 1}).encode())
	f.Add(encodeServeQueue([]wire.Hash{{1}, {2}}))
	w := wire.NewWriter(80)
	w.Fixed(make([]byte, 64))
	w.Uvarint(5)
	f.Add(w.Bytes())
	f.Fuzz(func(t *testing.T, b []byte) {
		if p, err := decodePool(wire.Hash{}, b); err == nil {
			if enc := p.encode(); !bytes.Equal(enc, b) {
				t.Fatalf("pool: re-encoding %x gave %x", b, enc)
			}
		}
		if x, err := decodeRedemption(b); err == nil {
			if enc := x.encode(); !bytes.Equal(enc, b) {
				t.Fatalf("redemption: re-encoding %x gave %x", b, enc)
			}
		}
		if c, err := decodeServeChallenge(b); err == nil {
			if enc := c.encode(); !bytes.Equal(enc, b) {
				t.Fatalf("serve challenge: re-encoding %x gave %x", b, enc)
			}
		}
		if ids, err := decodeServeQueue(b); err == nil {
			if enc := encodeServeQueue(ids); !bytes.Equal(enc, b) {
				t.Fatalf("serve queue: re-encoding %x gave %x", b, enc)
			}
		}
		if h, pool, n, err := decodeTokens(b); err == nil {
			w := wire.NewWriter(80)
			w.Fixed(h[:])
			w.Hash(pool)
			w.Uvarint(n)
			if !bytes.Equal(w.Bytes(), b) {
				t.Fatalf("tokens: re-encoding %x gave %x", b, w.Bytes())
			}
		}
	})
}
