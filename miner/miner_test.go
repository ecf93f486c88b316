package miner

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"math/big"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bitverse/bitverse/internal/testutil"
	"github.com/bitverse/bitverse/node/consensus"
	"github.com/bitverse/bitverse/node/wire"
)

func templateWithTarget(target *big.Int) func() (*wire.Block, error) {
	var n atomic.Uint64
	return func() (*wire.Block, error) {
		h := wire.Header{Version: 1, Height: n.Add(1), Bits: consensus.BigToCompact(target), Time: time.Now().UnixMilli()}
		return &wire.Block{Header: h}, nil
	}
}

func TestMinerFindsBlocksThatMeetTarget(t *testing.T) {
	target := new(big.Int).Lsh(big.NewInt(1), 256-12) // ~4096 hashes a block
	found := make(chan *wire.Block, 10)
	m := New(Config{
		Template: templateWithTarget(target),
		Submit:   func(b *wire.Block) error { found <- b; return nil },
		Workers:  2,
	})
	m.Start()
	m.Start() // idempotent
	defer m.Stop()
	for i := 0; i < 3; i++ {
		select {
		case b := <-found:
			if !consensus.HashMeetsTarget(b.Header.PowHash(), consensus.CompactToBig(b.Header.Bits)) {
				t.Fatalf("case %d: submitted block does not meet its target", i)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("case %d: no block within 10 s", i)
		}
	}
	m.Stop()
	m.Stop() // idempotent
	st := m.Stats()
	if st.Running || st.BlocksFound < 3 || st.Hashes == 0 {
		t.Fatalf("stats after stop: %+v", st)
	}
}

func TestMinerRetriesAfterTemplateError(t *testing.T) {
	var calls atomic.Int32
	m := New(Config{
		Template: func() (*wire.Block, error) { calls.Add(1); return nil, errors.New("no address") },
		Submit:   func(*wire.Block) error { return nil },
		Workers:  1,
	})
	m.Start()
	time.Sleep(1500 * time.Millisecond)
	m.Stop()
	if calls.Load() < 2 {
		t.Fatalf("template called %d times, want retries", calls.Load())
	}
}

func TestMinerRefreshFetchesNewTemplate(t *testing.T) {
	var calls atomic.Int32
	refresh := make(chan struct{}, 1)
	tmpl := templateWithTarget(big.NewInt(0)) // never solved
	m := New(Config{
		Template: func() (*wire.Block, error) { calls.Add(1); return tmpl() },
		Submit:   func(*wire.Block) error { return nil },
		Refresh:  refresh,
		Workers:  1,
	})
	m.Start()
	defer m.Stop()
	time.Sleep(100 * time.Millisecond)
	refresh <- struct{}{}
	deadline := time.Now().Add(5 * time.Second)
	for calls.Load() < 2 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if calls.Load() < 2 {
		t.Fatal("refresh did not fetch a new template")
	}
}

// BenchmarkSHA256Header80 is the raw ceiling: SHA-256 of an 80-byte header
// with a changing nonce, on every core.
func BenchmarkSHA256Header80(b *testing.B) { benchRawSHA(b, 80) }

// BenchmarkSHA256Preimage40 hashes our 40-byte PoW preimage (commit ‖ nonce).
func BenchmarkSHA256Preimage40(b *testing.B) { benchRawSHA(b, 40) }

func benchRawSHA(b *testing.B, size int) {
	start := time.Now()
	var total atomic.Uint64
	for runs := 0; testutil.More(runs, 1, time.Since(start)); runs++ {
		rawSHA(b, size, &total)
	}
	b.ReportMetric(float64(total.Load())/time.Since(start).Seconds(), "hashes/s")
}

func rawSHA(b *testing.B, size int, total *atomic.Uint64) {
	b.RunParallel(func(pb *testing.PB) {
		buf := make([]byte, size)
		var n uint64
		var sink byte
		for pb.Next() {
			for i := 0; i < 1000; i++ {
				binary.BigEndian.PutUint64(buf[size-8:], n)
				h := sha256.Sum256(buf)
				sink ^= h[0]
				n++
			}
		}
		total.Add(n)
		_ = sink
	})
}

// BenchmarkMinerHashRate runs the real miner (one worker per core) on a
// template it cannot solve and reports hashes per second.
func BenchmarkMinerHashRate(b *testing.B) {
	m := New(Config{Template: templateWithTarget(big.NewInt(0)), Submit: func(*wire.Block) error { return nil }})
	want := uint64(b.N) * 1000
	start := time.Now()
	m.Start()
	for m.hashes.Load() < want || time.Since(start) < testutil.RatioMinTime {
		time.Sleep(5 * time.Millisecond)
	}
	m.Stop()
	b.ReportMetric(float64(m.hashes.Load())/time.Since(start).Seconds(), "hashes/s")
}
