package p2p_test

import (
	"context"
	"io"
	"slices"
	"testing"
	"time"

	"github.com/bitverse/bitverse/node/harness"
	"github.com/bitverse/bitverse/node/p2p"
	"github.com/bitverse/bitverse/node/wire"
	"github.com/libp2p/go-libp2p/core/network"
)

// minRounds keeps the latency figures steady under `make bench`, which
// runs every benchmark twice (-benchtime 2x).
const minRounds = 500

// reportLatency reports the median latency (us/op-lat: steady when other
// work shares the machine) and the mean (us/op-mean).
func reportLatency(b *testing.B, lat []time.Duration) {
	var sum time.Duration
	for _, d := range lat {
		sum += d
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Nanoseconds())/1000, "us/op-lat")
	b.ReportMetric(float64(sum.Nanoseconds())/1000/float64(len(lat)), "us/op-mean")
}

// unlimited lifts the per-peer request rate so a benchmark measures
// latency, not the rate limiter.
func unlimited(cfg *p2p.Config) { cfg.SyncRate, cfg.SyncBurst = 1e9, 1e9 }

// readPair returns two connected nodes on the same ~300-key chain.
func readPair(b *testing.B) (server, client *harness.Node, keys []string) {
	h := harness.New(b)
	server = h.NewNode("server", harness.WithP2PConfig(unlimited))
	server.BuildChain(50, 8)
	client = h.NewNode("client", harness.CopyChainOf(server), harness.WithP2PConfig(unlimited))
	h.Connect(client, server)
	keys, err := server.Keys(context.Background(), "public/", "", 0)
	if err != nil || len(keys) == 0 {
		b.Fatalf("%d keys: %v", len(keys), err)
	}
	return server, client, keys
}

// BenchmarkVerifiedGet: one remote verified get between two hosts on
// loopback: a proof stream to the peer that answered last time, the proof
// built from its bbolt state, and every check against our own header.
func BenchmarkVerifiedGet(b *testing.B) {
	server, client, keys := readPair(b)
	ctx := context.Background()
	if _, err := client.Host.GetVerified(ctx, wire.RootChain, keys[0]); err != nil {
		b.Fatal(err) // also finds the provider, so the loop measures reads only
	}
	b.ResetTimer()
	lat := make([]time.Duration, max(b.N, minRounds))
	for i := range lat {
		start := time.Now()
		res, err := client.Host.GetVerified(ctx, wire.RootChain, keys[i%len(keys)])
		lat[i] = time.Since(start)
		if err != nil || res.Peer != server.ID() || !res.Found() {
			b.Fatalf("read %d: %v", i, err)
		}
	}
	reportLatency(b, lat)
}

// BenchmarkStreamRTT: the floor for the above, between the same kind of
// hosts: open a stream, write a 64-byte frame, close the write side, read
// a 64-byte answer.
func BenchmarkStreamRTT(b *testing.B) {
	server, client, _ := readPair(b)
	const echo = "/bitverse-bench/echo/1"
	server.Host.LibP2P().SetStreamHandler(echo, func(s network.Stream) {
		defer s.Close()
		buf := make([]byte, 64)
		if _, err := io.ReadFull(s, buf); err != nil {
			s.Reset()
			return
		}
		s.Write(buf)
	})
	ctx := context.Background()
	msg := make([]byte, 64)
	buf := make([]byte, 64)
	rtt := func() {
		s, err := client.Host.LibP2P().NewStream(ctx, server.ID(), echo)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := s.Write(msg); err != nil {
			b.Fatal(err)
		}
		s.CloseWrite()
		if _, err := io.ReadFull(s, buf); err != nil {
			b.Fatal(err)
		}
		s.Close()
	}
	rtt()
	b.ResetTimer()
	lat := make([]time.Duration, max(b.N, minRounds))
	for i := range lat {
		start := time.Now()
		rtt()
		lat[i] = time.Since(start)
	}
	reportLatency(b, lat)
}
