package p2p_test

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/bitverse/bitverse/node/chain"
	"github.com/bitverse/bitverse/node/harness"
	"github.com/bitverse/bitverse/node/wire"
)

// The benchmark chain: benchBlocks blocks with benchPuts puts each (from
// the block after the first reward matures), built once per test binary.
const (
	benchBlocks = 2000
	benchPuts   = 10
)

var fixture struct {
	once   sync.Once
	dir    string
	path   string
	puts   int
	blocks []*wire.Block
	err    error
}

// benchChain returns the path of a saved database holding the benchmark
// chain, the number of puts in it and its blocks in order.
func benchChain(b *testing.B) (string, int, []*wire.Block) {
	fixture.once.Do(func() {
		fixture.dir, fixture.err = os.MkdirTemp("", "bitverse-bench-")
		if fixture.err != nil {
			return
		}
		h := harness.New(b)
		src := h.NewNode("src", harness.NoNetwork())
		start := time.Now()
		fixture.puts = src.BuildChain(benchBlocks, benchPuts)
		b.Logf("built a %d-block chain with %d puts in %s", benchBlocks, fixture.puts, time.Since(start).Round(time.Millisecond))
		for ht := uint64(1); ht <= benchBlocks; ht++ {
			blk, err := src.Chain().BlockByHeight(ht)
			if err != nil {
				fixture.err = err
				return
			}
			fixture.blocks = append(fixture.blocks, blk)
		}
		fixture.path = filepath.Join(fixture.dir, "chain.db")
		fixture.err = src.SaveChain(fixture.path)
	})
	if fixture.err != nil {
		b.Fatal(fixture.err)
	}
	return fixture.path, fixture.puts, fixture.blocks
}

func TestMain(m *testing.M) {
	code := harness.Main(m) // harness nodes run script workers: this binary re-executed
	if fixture.dir != "" {
		os.RemoveAll(fixture.dir)
	}
	os.Exit(code)
}

// BenchmarkSingleNodeValidation applies the benchmark chain to a fresh
// node directly (ProcessBlock in order, signatures not cached): the rate a
// node validates at when nothing else limits it.
func BenchmarkSingleNodeValidation(b *testing.B) {
	_, puts, blocks := benchChain(b)
	b.ResetTimer()
	var total time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		h := harness.New(b)
		n := h.NewNode(fmt.Sprintf("fresh%d", i), harness.NoNetwork())
		b.StartTimer()
		start := time.Now()
		for _, blk := range blocks {
			if res, err := n.SubmitBlock(blk); err != nil || res != chain.Connected {
				b.Fatalf("block %d: %v %v", blk.Header.Height, res, err)
			}
		}
		total += time.Since(start)
		b.StopTimer()
		h.Close()
		b.StartTimer()
	}
	sec := total.Seconds() / float64(b.N)
	b.ReportMetric(float64(len(blocks))/sec, "blocks/s")
	b.ReportMetric(float64(puts)/sec, "writes/s")
}

// BenchmarkSyncFrom3Peers: a newcomer syncs the benchmark chain from three
// peers on loopback (header-first, bodies in parallel). Timed from the
// first connection to the last block connected.
func BenchmarkSyncFrom3Peers(b *testing.B) {
	path, puts, blocks := benchChain(b)
	b.ResetTimer()
	var total, cpu time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		h := harness.New(b)
		var peers []*harness.Node
		for j := 0; j < 3; j++ {
			peers = append(peers, h.NewNode(fmt.Sprintf("peer%d", j), harness.CopyChainFrom(path)))
		}
		n := h.NewNode("newcomer")
		b.StartTimer()
		start, c0 := time.Now(), cpuTime()
		for _, p := range peers {
			h.Connect(n, p)
		}
		for n.Chain().Tip().Height < uint64(len(blocks)) {
			time.Sleep(time.Millisecond)
		}
		total += time.Since(start)
		cpu += cpuTime() - c0
		b.StopTimer()
		// The counter moves just after a run's blocks become visible.
		for wait := time.Now(); n.Host.Stats().SyncedBlocks < uint64(len(blocks)) && time.Since(wait) < 10*time.Second; {
			time.Sleep(time.Millisecond)
		}
		if got := n.Host.Stats().SyncedBlocks; got != uint64(len(blocks)) {
			b.Fatalf("synced %d blocks", got)
		}
		h.Close()
		b.StartTimer()
	}
	sec := total.Seconds() / float64(b.N)
	b.ReportMetric(float64(len(blocks))/sec, "blocks/s")
	b.ReportMetric(float64(puts)/sec, "writes/s")
	if cpu > 0 {
		// CPU time of the whole process (the three serving peers
		// included) per write synced: on a shared machine, next to
		// ConnectBlockCold's cpu-µs/write.
		b.ReportMetric(float64(cpu.Microseconds())/float64(puts*b.N), "cpu-µs/write")
	}
}

// BenchmarkPropagation10Nodes: ten nodes, fully connected; one mines a
// block; the time until all ten have connected it. Reports p50 and p95
// over b.N blocks (at least 20), mined by the nodes in turn.
func BenchmarkPropagation10Nodes(b *testing.B) {
	h := harness.New(b)
	var ns []*harness.Node
	for i := 0; i < 10; i++ {
		ns = append(ns, h.NewNode(fmt.Sprintf("n%d", i)))
	}
	h.ConnectAll()
	time.Sleep(1500 * time.Millisecond) // let gossipsub graft its meshes
	rounds := max(b.N, 20)
	var lat []time.Duration
	b.ResetTimer()
	for i := 0; i < rounds; i++ {
		miner := ns[i%len(ns)]
		var wg sync.WaitGroup
		arrived := make([]time.Time, len(ns))
		blk := miner.Mine(1)[0]
		id := blk.ID()
		mined := time.Now()
		for j, n := range ns {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for !onBest(n, id) {
					time.Sleep(100 * time.Microsecond)
				}
				arrived[j] = time.Now()
			}()
		}
		wg.Wait()
		last := mined
		for _, t := range arrived {
			if t.After(last) {
				last = t
			}
		}
		lat = append(lat, last.Sub(mined))
	}
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	p := func(q float64) float64 { return float64(lat[int(q*float64(len(lat)-1))].Microseconds()) / 1000 }
	b.ReportMetric(p(0.5), "p50_ms")
	b.ReportMetric(p(0.95), "p95_ms")
}

func onBest(n *harness.Node, id wire.Hash) bool {
	_, main, err := n.Chain().HeaderByID(id)
	return err == nil && main
}
