package blob

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bitverse/bitverse/node/wire"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
)

// TestRoundTrip20MiB: alice stores 20 MiB of random data, bob fetches it
// and reads back the same bytes.
func TestRoundTrip20MiB(t *testing.T) {
	alice, bob := newNode(t, "alice"), newNode(t, "bob")
	connect(t, bob, alice)
	data := randomData(20<<20, 20)
	m, err := alice.store.Put(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if m.Chunks() != 80 || m.ChunkSize != DefaultChunkSize {
		t.Fatalf("manifest %s", m)
	}
	var prog progressLog
	start := time.Now()
	if err := bob.svc.Fetch(context.Background(), m, []peer.ID{alice.h.ID()}, prog.fn); err != nil {
		t.Fatal(err)
	}
	el := time.Since(start)
	t.Logf("fetched %s in %v (%.0f MB/s)", m, el.Round(time.Millisecond), float64(m.Size)/el.Seconds()/1e6)
	if !bob.store.Has(m) {
		t.Fatal("bob does not have the blob after the fetch")
	}
	if got := bob.read(t, m); !bytes.Equal(got, data) {
		t.Fatalf("bob read %d bytes, not the %d alice stored", len(got), len(data))
	}
	if prog.first != [2]int{0, 80} || prog.last != [2]int{80, 80} || prog.shrank {
		t.Fatalf("progress first %v last %v shrank %v", prog.first, prog.last, prog.shrank)
	}
	if r := append(alice.bad.about(bob.h.ID()), bob.bad.about(alice.h.ID())...); len(r) != 0 {
		t.Fatalf("honest peers reported: %v", r)
	}
	// A second fetch has nothing to do.
	prog = progressLog{}
	if err := bob.svc.Fetch(context.Background(), m, nil, prog.fn); err != nil || prog.calls != 1 || prog.last != [2]int{80, 80} {
		t.Fatalf("refetch: %v, progress %v after %d calls", err, prog.last, prog.calls)
	}
}

// lie makes n answer the blob protocol dishonestly: for a request whose
// index satisfies when, fn turns the honest frame (header and payload)
// into what is sent; nil resets the stream. It returns counters of
// requests served and lies told.
func (n *tnode) lie(when func(i int) bool, fn func(q request, honest []byte) []byte) (served, lies *atomic.Int64) {
	served, lies = new(atomic.Int64), new(atomic.Int64)
	n.h.SetStreamHandler(n.svc.proto, func(s network.Stream) {
		defer s.Close()
		raw, err := readFrame(s, maxRequestFrame, nil)
		if err != nil {
			s.Reset()
			return
		}
		q, err := decodeRequest(raw)
		if err != nil {
			s.Reset()
			return
		}
		served.Add(1)
		payload, err := n.store.record(q.Manifest, q.Index, 1)
		if err != nil {
			payload = []byte{statusNotFound}
		}
		out := frameOf(payload)
		if when(q.Index) {
			lies.Add(1)
			out = fn(q, out)
		}
		if out == nil {
			s.Reset()
			return
		}
		s.Write(out)
	})
	return served, lies
}

// frameOf returns a whole frame: length header ‖ payload.
func frameOf(payload []byte) []byte {
	return append(binary.BigEndian.AppendUint32(nil, uint32(len(payload))), payload...)
}

// otherRecord answers a request for chunk i with n's chunk i+1 (and its
// branch), as a frame.
func (n *tnode) otherRecord(q request) []byte {
	rec, err := n.store.record(q.Manifest, (q.Index+1)%q.Manifest.Chunks(), 1)
	if err != nil {
		return nil
	}
	return frameOf(rec)
}

// flip returns a copy of b with the byte at i (from the end if negative)
// changed.
func flip(b []byte, i int) []byte {
	b = bytes.Clone(b)
	if i < 0 {
		i += len(b)
	}
	b[i] ^= 0x40
	return b
}

// TestCorruptingPeer: evil flips a byte in every third chunk it serves.
// Bob, fetching from evil and honest alice, rejects each bad chunk,
// reports evil, asks evil nothing more, and gets those chunks from alice.
func TestCorruptingPeer(t *testing.T) {
	alice, evil, bob := newNode(t, "alice"), newNode(t, "evil"), newNode(t, "bob")
	connect(t, bob, evil, alice)
	data := randomData(8<<20, 8)
	m := alice.put(t, data, DefaultChunkSize)
	evil.put(t, data, DefaultChunkSize)
	served, lies := evil.lie(func(i int) bool { return i%3 == 0 }, func(_ request, f []byte) []byte { return flip(f, -1) })
	if err := bob.svc.Fetch(context.Background(), m, []peer.ID{evil.h.ID(), alice.h.ID()}, nil); err != nil {
		t.Fatal(err)
	}
	if got := bob.read(t, m); !bytes.Equal(got, data) {
		t.Fatal("bob's copy differs from alice's")
	}
	reports := bob.bad.about(evil.h.ID())
	if lies.Load() == 0 || len(reports) == 0 || !onlyErrs(reports, ErrBadChunk) {
		t.Fatalf("evil told %d lies (of %d chunks served); bob reported %v", lies.Load(), served.Load(), reports)
	}
	if lies.Load() > perPeer {
		t.Fatalf("evil was asked for %d chunks it corrupted; it should be dropped after the first", lies.Load())
	}
	if r := bob.bad.about(alice.h.ID()); len(r) != 0 {
		t.Fatalf("honest alice reported: %v", r)
	}
	t.Logf("evil served %d chunks (%d corrupted), reported %d times", served.Load(), lies.Load(), len(reports))
}

// TestMisbehavingPeers runs one fetch per way of lying, from a liar and an
// honest peer, and checks the blame and the result.
func TestMisbehavingPeers(t *testing.T) {
	const cs = MinChunkSize
	stalled := make(chan struct{})
	defer close(stalled)
	tests := []struct {
		name  string
		lie   func(liar *tnode, q request, f []byte) []byte
		blame error // nil: the liar must not be blamed
	}{
		{"flipped chunk byte", func(_ *tnode, _ request, f []byte) []byte { return flip(f, -1) }, ErrBadChunk},
		{"flipped branch byte", func(_ *tnode, _ request, f []byte) []byte { return flip(f, 5) }, ErrBadChunk},
		{"flipped status", func(_ *tnode, _ request, f []byte) []byte { return flip(f, 4) }, ErrProtocol},
		{"another index's chunk", func(l *tnode, q request, _ []byte) []byte { return l.otherRecord(q) }, ErrBadChunk},
		{"chunk without branch", func(_ *tnode, q request, f []byte) []byte {
			bl := branchLen(q.Manifest.Chunks(), q.Index) * 32
			return frameOf(append([]byte{statusOK}, f[5+bl:]...))
		}, ErrProtocol},
		{"truncated payload", func(_ *tnode, _ request, f []byte) []byte { return frameOf(f[4 : len(f)-1]) }, ErrProtocol},
		{"padded payload", func(_ *tnode, _ request, f []byte) []byte { return frameOf(append(bytes.Clone(f[4:]), 0)) }, ErrProtocol},
		{"huge frame header", func(_ *tnode, _ request, f []byte) []byte { return binary.BigEndian.AppendUint32(nil, 1<<31) }, ErrProtocol},
		{"empty frame", func(_ *tnode, _ request, _ []byte) []byte { return frameOf(nil) }, ErrProtocol},
		{"unknown status", func(_ *tnode, _ request, _ []byte) []byte { return frameOf([]byte{9}) }, ErrProtocol},
		{"not found with a payload", func(_ *tnode, _ request, _ []byte) []byte { return frameOf([]byte{statusNotFound, 0}) }, ErrProtocol},
		{"not found", func(_ *tnode, _ request, _ []byte) []byte { return frameOf([]byte{statusNotFound}) }, ErrNotFound},
		{"busy", func(_ *tnode, _ request, _ []byte) []byte { return frameOf([]byte{statusBusy}) }, nil},
		{"reset", func(_ *tnode, _ request, _ []byte) []byte { return nil }, nil},
		{"cut mid-frame", func(_ *tnode, _ request, f []byte) []byte { return f[:len(f)/2] }, nil},
		// Stalls until the case is over: always longer than the timeout.
		{"stall", func(_ *tnode, _ request, f []byte) []byte { <-stalled; return f }, nil},
	}
	alice := newNode(t, "alice")
	data := randomData(40*cs, 40) // 40 chunks of one size, so any chunk can pose as any other
	m := alice.put(t, data, cs)
	for k, c := range tests {
		liar, bob := newNode(t, "liar"), newNode(t, "bob")
		if c.name == "stall" {
			// Short enough to keep the case quick, long enough for honest
			// alice to answer on a loaded machine (under -race); only the
			// stalling liar's requests time out.
			bob.svc.timeout = time.Second
		}
		connect(t, bob, liar, alice)
		liar.put(t, data, cs)
		_, lies := liar.lie(func(i int) bool { return i%3 == 0 }, func(q request, f []byte) []byte { return c.lie(liar, q, f) })
		if err := bob.svc.Fetch(context.Background(), m, []peer.ID{liar.h.ID(), alice.h.ID()}, nil); err != nil {
			t.Fatalf("case %d (%s): %v", k, c.name, err)
		}
		if got := bob.read(t, m); !bytes.Equal(got, data) {
			t.Fatalf("case %d (%s): wrong data", k, c.name)
		}
		reports := bob.bad.about(liar.h.ID())
		if lies.Load() == 0 {
			t.Fatalf("case %d (%s): the liar was never asked for a chunk it lies about", k, c.name)
		}
		if c.blame == nil && len(reports) != 0 {
			t.Fatalf("case %d (%s): liar blamed for a fault that may not be its own: %v", k, c.name, reports)
		}
		if c.blame != nil && (len(reports) == 0 || !onlyErrs(reports, c.blame)) {
			t.Fatalf("case %d (%s): reports %v, want %v", k, c.name, reports, c.blame)
		}
		if r := bob.bad.about(alice.h.ID()); len(r) != 0 {
			t.Fatalf("case %d (%s): honest alice reported: %v", k, c.name, r)
		}
	}
}

// TestPartialPeers: alice has the even chunks, carol the odd ones; each
// serves what it has, and bob gets the whole blob from the two.
func TestPartialPeers(t *testing.T) {
	const cs = MinChunkSize
	alice, carol, bob := newNode(t, "alice"), newNode(t, "carol"), newNode(t, "bob")
	connect(t, bob, alice, carol)
	data := randomData(25*cs+3, 25)
	m := alice.put(t, data, cs)
	carol.put(t, data, cs)
	var even, odd []int
	for i := 0; i < m.Chunks(); i++ {
		if i%2 == 0 {
			even = append(even, i)
		} else {
			odd = append(odd, i)
		}
	}
	alice.forget(t, m, odd...)
	carol.forget(t, m, even...)

	// From alice alone: the even chunks, then ErrUnavailable.
	var prog progressLog
	err := bob.svc.Fetch(context.Background(), m, []peer.ID{alice.h.ID()}, prog.fn)
	if !errors.Is(err, ErrUnavailable) {
		t.Fatalf("fetch from alice alone: %v", err)
	}
	miss, _ := bob.store.Missing(m)
	if !equalInts(miss, odd) || bob.store.Has(m) {
		t.Fatalf("after alice alone, missing %v, want %v", miss, odd)
	}
	if prog.last != [2]int{len(even), m.Chunks()} {
		t.Fatalf("progress %v", prog.last)
	}
	if r := bob.bad.about(alice.h.ID()); len(r) != len(odd) || !onlyErrs(r, ErrNotFound) {
		t.Fatalf("alice reported %d times (%v), want %d ErrNotFound", len(r), r, len(odd))
	}

	// Resumed, from both: only the odd chunks are asked for.
	prog = progressLog{}
	if err := bob.svc.Fetch(context.Background(), m, []peer.ID{alice.h.ID(), carol.h.ID()}, prog.fn); err != nil {
		t.Fatal(err)
	}
	if prog.first != [2]int{len(even), m.Chunks()} || prog.last != [2]int{m.Chunks(), m.Chunks()} || prog.shrank {
		t.Fatalf("progress first %v last %v", prog.first, prog.last)
	}
	if got := bob.read(t, m); !bytes.Equal(got, data) {
		t.Fatal("wrong data")
	}
	if r := bob.bad.about(carol.h.ID()); !onlyErrs(r, ErrNotFound) {
		t.Fatalf("carol reported for %v", r)
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestFetchEdges(t *testing.T) {
	alice, bob := newNode(t, "alice"), newNode(t, "bob")
	connect(t, bob, alice)
	data := randomData(10*MinChunkSize, 10)
	m := alice.put(t, data, MinChunkSize)
	ctx := context.Background()

	if err := bob.svc.Fetch(ctx, m, nil, nil); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("no peers: %v", err)
	}
	if err := bob.svc.Fetch(ctx, m, []peer.ID{bob.h.ID()}, nil); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("only itself: %v", err)
	}
	if err := bob.svc.Fetch(ctx, Manifest{Size: 1, ChunkSize: 3}, []peer.ID{alice.h.ID()}, nil); !errors.Is(err, ErrBadManifest) {
		t.Fatalf("bad manifest: %v", err)
	}
	empty := Manifest{ChunkSize: DefaultChunkSize}
	var prog progressLog
	if err := bob.svc.Fetch(ctx, empty, nil, prog.fn); err != nil || !bob.store.Has(empty) || prog.last != [2]int{0, 0} {
		t.Fatalf("empty blob: %v, progress %v", err, prog.last)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := bob.svc.Fetch(cctx, m, []peer.ID{alice.h.ID()}, nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: %v", err)
	}
	// Duplicates and self are ignored.
	if err := bob.svc.Fetch(ctx, m, []peer.ID{bob.h.ID(), alice.h.ID(), alice.h.ID()}, nil); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(bob.read(t, m), data) {
		t.Fatal("wrong data")
	}
	// A peer not serving the protocol is dropped without blame.
	alice.svc.Close()
	if err := bob.store.Delete(m); err != nil {
		t.Fatal(err)
	}
	if err := bob.svc.Fetch(ctx, m, []peer.ID{alice.h.ID()}, nil); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("closed service: %v", err)
	}
	if r := bob.bad.about(alice.h.ID()); len(r) != 0 {
		t.Fatalf("alice reported: %v", r)
	}
}

// TestServerRejectsBadRequests sends malformed requests by hand; the server
// resets the stream, reports the sender, and serves good requests after.
func TestServerRejectsBadRequests(t *testing.T) {
	alice, bob := newNode(t, "alice"), newNode(t, "bob")
	connect(t, bob, alice)
	m := alice.put(t, randomData(3*MinChunkSize, 3), MinChunkSize)
	good := request{Manifest: m, Index: 2}.encode()
	tests := [][]byte{
		frameOf(nil),
		frameOf(good[:len(good)-1]),
		frameOf(append(bytes.Clone(good), 0)),
		frameOf(request{Manifest: m, Index: 3}.encode()),
		frameOf(request{Manifest: Manifest{Size: 1, ChunkSize: 3, Root: m.Root}, Index: 0}.encode()),
		binary.BigEndian.AppendUint32(nil, 1<<30),
	}
	for k, raw := range tests {
		before := len(alice.bad.about(bob.h.ID()))
		s, err := bob.h.NewStream(context.Background(), alice.h.ID(), Proto(wire.Devnet))
		if err != nil {
			t.Fatal(err)
		}
		s.SetDeadline(time.Now().Add(5 * time.Second))
		s.Write(raw)
		s.CloseWrite()
		if f, err := readFrame(s, MaxResponseFrame, nil); err == nil {
			t.Fatalf("case %d: answered with %d bytes", k, len(f))
		}
		s.Close()
		if len(alice.bad.about(bob.h.ID())) != before+1 || !onlyErrs(alice.bad.about(bob.h.ID()), ErrProtocol) {
			t.Fatalf("case %d: reports %v", k, alice.bad.about(bob.h.ID()))
		}
	}
	val, err := bob.svc.get(context.Background(), alice.h.ID(), request{Manifest: m, Index: 2})
	if err != nil || len(val) != MinChunkSize+32*branchLen(3, 2) {
		t.Fatalf("good request after bad ones: %d bytes, %v", len(val), err)
	}
}

// TestConcurrentFetches: three nodes fetch one blob from alice at once, one
// of them twice over, and all end with the same bytes.
func TestConcurrentFetches(t *testing.T) {
	alice := newNode(t, "alice")
	data := randomData(4<<20+17, 4)
	m := alice.put(t, data, 64<<10)
	var bobs []*tnode
	for _, name := range []string{"bob", "carol", "dave"} {
		n := newNode(t, name)
		connect(t, n, alice)
		if len(bobs) > 0 {
			connect(t, n, bobs[0])
		}
		bobs = append(bobs, n)
	}
	errs := make(chan error, 4)
	for k, n := range append(bobs, bobs[0]) {
		go func() {
			peers := []peer.ID{alice.h.ID()}
			if k > 0 {
				peers = append(peers, bobs[0].h.ID()) // bob serves what it already has
			}
			errs <- n.svc.Fetch(context.Background(), m, peers, nil)
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	for _, n := range bobs {
		if !bytes.Equal(n.read(t, m), data) {
			t.Fatalf("%s: wrong data", n.name)
		}
		if r := n.bad.about(alice.h.ID()); len(r) != 0 {
			t.Fatalf("%s reported alice: %v", n.name, r)
		}
		if r := n.bad.about(bobs[0].h.ID()); !onlyErrs(r, ErrNotFound) {
			t.Fatalf("%s reported bob for %v", n.name, r)
		}
	}
}
