package state

import (
	"bytes"
	"reflect"
	"testing"

	"github.com/bitverse/bitverse/node/state/smt"
	"github.com/bitverse/bitverse/node/wire"
)

// recordSeeds are records of the shapes the store holds: empty value,
// text, a blob manifest, the largest value.
func recordSeeds() []*Record {
	return []*Record{
		{},
		{Value: []byte("hello"), Writer: wire.PubKey{1, 2, 3}, Height: 7, TxID: wire.Hash{9}},
		{Value: append([]byte(wire.BlobMagic), make([]byte, wire.BlobManifestSize-len(wire.BlobMagic))...), Height: 1 << 40},
		{Value: bytes.Repeat([]byte{0xff}, wire.MaxValueSize), Writer: wire.PubKey{0xff}, Height: ^uint64(0), TxID: wire.Hash{0xff}},
	}
}

// FuzzDecodeRecord checks that DecodeRecord never panics and that what it
// accepts is the canonical encoding of the record it returns.
func FuzzDecodeRecord(f *testing.F) {
	for _, r := range recordSeeds() {
		enc := r.Encode()
		f.Add(enc)
		f.Add(enc[:len(enc)-1])
		f.Add(append(enc, 0))
	}
	f.Add([]byte{0x80, 0x00}) // non-minimal length
	f.Fuzz(func(t *testing.T, b []byte) {
		rec, err := DecodeRecord(b)
		if err != nil {
			return
		}
		if enc := rec.Encode(); !bytes.Equal(enc, b) {
			t.Fatalf("re-encoding %x gave %x", b, enc)
		}
	})
}

// FuzzDecodeProof checks that the state proof decoder (what a peer sends
// for a verified read) never panics, accepts only canonical encodings, and
// that a decoded proof re-decodes to itself.
func FuzzDecodeProof(f *testing.F) {
	paths := [][]byte{{1, 0}, {0, 0}, {2, 0}}
	for _, raw := range paths {
		path, err := smt.DecodeProof(append(raw, make([]byte, 64*int(raw[0]/2))...))
		if err != nil {
			continue
		}
		for _, rec := range append([]*Record{nil}, recordSeeds()[:3]...) {
			p := &Proof{Key: "public/k", Record: rec, AccountsRoot: wire.Hash{1}, KVRoot: wire.Hash{2}, Path: path}
			enc := p.Encode()
			f.Add(enc)
			f.Add(enc[:len(enc)/2])
		}
	}
	f.Add([]byte{0, 2, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := DecodeProof(b)
		if err != nil {
			return
		}
		enc := p.Encode()
		if !bytes.Equal(enc, b) {
			t.Fatalf("re-encoding %x gave %x", b, enc)
		}
		q, err := DecodeProof(enc)
		if err != nil {
			t.Fatalf("re-decoding: %v", err)
		}
		if !reflect.DeepEqual(p, q) {
			t.Fatalf("round trip changed the proof: %+v, %+v", p, q)
		}
		_ = p.Verify(wire.Hash{}) // must not panic on any decoded proof
	})
}

// FuzzDecodeMarketRecords checks the bounty (with and without its relay
// tail), reputation, relay and draw-queue record decoders: no panic, and
// what they accept is the canonical encoding.
func FuzzDecodeMarketRecords(f *testing.F) {
	full := &Bounty{Requester: wire.PubKey{1}, Request: wire.Hash{2}, Row: 3, Amount: 1 << 40, Deadline: 99, Worker: wire.PubKey{4},
		Stake: 5, State: BountyCommitted, Created: 1, Accepted: 2, Committed: 3, Promised: 7, Envelope: wire.Hash{8}}
	f.Add((&Bounty{State: BountyOpen}).encode())
	f.Add(full.encode())
	f.Add((&Reputation{}).encode())
	f.Add((&Reputation{Done: 1, Failed: 2, Disputed: 3, Lost: 4, DisputesRaised: 5, Accepted: 6, PromisedBlocks: 1 << 50, DeliveredBlocks: 8}).encode())
	f.Add((&Reputation{Relayed: 1, Missed: 2}).encode())
	relayed := *full
	relayed.Hops, relayed.Result, relayed.Drawer, relayed.Drawn = 2, wire.Hash{9}, wire.PubKey{10}, 4
	relayed.Contest, relayed.ContestAt, relayed.Disputer, relayed.JuryFrom = ContestOpen, 6, true, 2
	relayed.Slots = []Slot{{N: 0, Relay: wire.PubKey{11}, State: SlotCountersigned, Result: wire.Hash{9}, Envelope: wire.Hash{12}, Height: 4, Done: 5},
		{N: 1, Relay: wire.PubKey{13}, State: SlotCountersigned, Result: wire.Hash{14}, Height: 4, Done: 6}, {N: 2}}
	f.Add(relayed.encode())
	f.Add((&Relay{Fee: 1, Stake: 1 << 40, Caps: 1, Active: 2, Registered: 3}).encode())
	f.Add((&drawQueue{Drawer: wire.PubKey{1}, Bounties: []wire.Hash{{2}, {3}}}).encode())
	f.Fuzz(func(t *testing.T, b []byte) {
		if bn, err := decodeBounty(wire.Hash{}, b); err == nil {
			if enc := bn.encode(); !bytes.Equal(enc, b) {
				t.Fatalf("bounty: re-encoding %x gave %x", b, enc)
			}
			_ = bn.State.String()
		}
		if r, err := decodeReputation(b); err == nil {
			if enc := r.encode(); !bytes.Equal(enc, b) {
				t.Fatalf("reputation: re-encoding %x gave %x", b, enc)
			}
		}
		if r, err := decodeRelay(wire.PubKey{}, b); err == nil {
			if enc := r.encode(); !bytes.Equal(enc, b) {
				t.Fatalf("relay: re-encoding %x gave %x", b, enc)
			}
		}
		if q, err := decodeQueue(b); err == nil {
			if enc := q.encode(); !bytes.Equal(enc, b) {
				t.Fatalf("draw queue: re-encoding %x gave %x", b, enc)
			}
		}
	})
}

// FuzzUndoKVUpdates checks that reading the key/value section of an undo
// record never panics, whatever the bytes.
func FuzzUndoKVUpdates(f *testing.F) {
	b := &Batch{priorAcc: map[wire.PubKey][]byte{{1}: {2}}, priorKV: map[string][]byte{"public/a": recordSeeds()[1].Encode()}}
	f.Add(b.undo([]wire.PubKey{{1}}, []string{"public/a", "public/b"}, nil, nil, nil))
	f.Add([]byte{0, 1, 1, 'k', 0})
	f.Fuzz(func(t *testing.T, undo []byte) {
		ups, err := undoKVUpdates(undo)
		if err == nil && len(ups) > len(undo) {
			t.Fatalf("%d updates from %d bytes", len(ups), len(undo))
		}
	})
}
