package blob

import (
	"bytes"
	"context"
	"io"
	"testing"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
)

// Benchmarks: go test ./node/blob -run '^$' -bench . -benchtime 5x
// BenchmarkFetch20MiB and BenchmarkStream20MiB run between the same two
// hosts on 127.0.0.1; their MB/s ratio is the cost of chunking,
// verification and bbolt on top of the raw libp2p stream.

// BenchmarkFetch20MiB fetches a 20 MiB blob from one peer into an empty
// store (bbolt with fsync), verifying every chunk.
func BenchmarkFetch20MiB(b *testing.B) {
	alice, bob := newNode(b, "alice"), newNode(b, "bob")
	connect(b, bob, alice)
	m := alice.put(b, randomData(20<<20, 1), DefaultChunkSize)
	peers := []peer.ID{alice.h.ID()}
	b.SetBytes(int64(m.Size))
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		if err := bob.store.Delete(m); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if err := bob.svc.Fetch(context.Background(), m, peers, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFetch20MiBFrom3 fetches the same blob from three peers.
func BenchmarkFetch20MiBFrom3(b *testing.B) {
	bob := newNode(b, "bob")
	data := randomData(20<<20, 1)
	var peers []peer.ID
	var m Manifest
	for _, name := range []string{"alice", "carol", "dave"} {
		n := newNode(b, name)
		connect(b, bob, n)
		m = n.put(b, data, DefaultChunkSize)
		peers = append(peers, n.h.ID())
	}
	b.SetBytes(int64(m.Size))
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		if err := bob.store.Delete(m); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if err := bob.svc.Fetch(context.Background(), m, peers, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkStream20MiB sends 20 MiB over one raw libp2p stream, for scale.
func BenchmarkStream20MiB(b *testing.B) {
	alice, bob := newNode(b, "alice"), newNode(b, "bob")
	connect(b, bob, alice)
	data := randomData(20<<20, 1)
	alice.h.SetStreamHandler("/bench/raw/1", func(s network.Stream) {
		defer s.Close()
		s.Write(data)
	})
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for range b.N {
		s, err := bob.h.NewStream(context.Background(), alice.h.ID(), "/bench/raw/1")
		if err != nil {
			b.Fatal(err)
		}
		s.CloseWrite()
		n, err := io.Copy(io.Discard, s)
		s.Close()
		if err != nil || n != int64(len(data)) {
			b.Fatalf("read %d bytes: %v", n, err)
		}
	}
}

// BenchmarkPut20MiB stores a 20 MiB file (both passes, bbolt with fsync).
func BenchmarkPut20MiB(b *testing.B) {
	s := NewStore(newDB(b))
	data := randomData(20<<20, 1)
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		if m, err := s.Put(bytes.NewReader(data)); err == nil {
			s.Delete(m)
		}
		b.StartTimer()
		if _, err := s.Put(bytes.NewReader(data)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyChunk verifies one full chunk of an 80-chunk blob.
func BenchmarkVerifyChunk(b *testing.B) {
	c := chunk(randomData(80*DefaultChunkSize, 1), DefaultChunkSize)
	b.SetBytes(DefaultChunkSize)
	b.ResetTimer()
	for range b.N {
		if err := VerifyChunk(c.m, 37, c.chunks[37], c.branches[37]); err != nil {
			b.Fatal(err)
		}
	}
}
