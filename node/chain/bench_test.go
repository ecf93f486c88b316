package chain

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bitverse/bitverse/internal/testutil"
	"github.com/bitverse/bitverse/node/consensus"
	"github.com/bitverse/bitverse/node/store"
	"github.com/bitverse/bitverse/node/wire"
	"go.etcd.io/bbolt"
)

// Benchmarks of signature verification and block connection. They print
// rates with b.ReportMetric; the connection benchmarks also measure the raw
// verification rate of the same transactions in the same run and report
// the ratio (the targets: cold ≥ 0.9, warm ≥ 3), in wall-clock and in CPU
// time (the machine may be shared).
//
//	go test ./node/chain -run '^$' -bench . -benchtime 20x

const (
	benchSenders      = 250
	benchPutsPerBlock = 1000
	benchPriorKeys    = 4000
)

// benchWorld is built once: a chain database with benchPriorKeys keys
// written by earlier blocks, and a block of benchPutsPerBlock signed puts
// from benchSenders senders, ready to connect on its tip.
type benchWorld struct {
	dir   string
	path  string // the database, closed; copied for each run
	p     *consensus.Params
	clk   *testClock
	block *wire.Block
	ids   []wire.Hash
}

var (
	benchOnce sync.Once
	bench     *benchWorld
	benchErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if bench != nil {
		os.RemoveAll(bench.dir)
	}
	os.Exit(code)
}

func getBenchWorld(b *testing.B) *benchWorld {
	b.Helper()
	benchOnce.Do(func() { bench, benchErr = buildBenchWorld(b) })
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return bench
}

func benchKey(i int) wire.PrivKey {
	buf := make([]byte, 32)
	buf[0], buf[1], buf[2] = 2, byte(i>>8), byte(i)
	k, err := wire.PrivKeyFromBytes(buf)
	if err != nil {
		panic(err)
	}
	return k
}

func buildBenchWorld(b *testing.B) (*benchWorld, error) {
	dir, err := os.MkdirTemp("", "bitverse-bench-")
	if err != nil {
		return nil, err
	}
	w := &benchWorld{dir: dir, path: filepath.Join(dir, "chain.db"), p: consensus.Regtest()}
	w.clk = &testClock{t: time.UnixMilli(w.p.GenesisTime).Add(time.Hour)}
	db := openDB(b, w.path)
	c := openChain(b, db, w.p, w.clk)
	miner := benchKey(9999)
	for i := uint64(0); i < w.p.CoinbaseMaturity+2; i++ {
		mine(b, c, w.clk, miner.PubKey())
	}
	senders := make([]wire.PrivKey, benchSenders)
	nonces := make([]uint64, benchSenders)
	var fund []*wire.Tx
	for i := range senders {
		senders[i] = benchKey(i)
		t := wire.NewTx(wire.RootChain, wire.Transfer{To: senders[i].PubKey(), Amount: wire.Unit / 4}, uint64(i), 0)
		w.p.SetMinFee(t)
		t.Sign(w.p.Net, miner)
		fund = append(fund, t)
	}
	mine(b, c, w.clk, miner.PubKey(), fund...)
	puts := func(n int, prefix string) []*wire.Tx {
		out := make([]*wire.Tx, 0, n)
		for i := 0; i < n; i++ {
			s := i % benchSenders
			t := wire.NewTx(wire.RootChain, wire.Put{Key: fmt.Sprintf("public/%s/%d", prefix, i),
				Value: []byte(fmt.Sprintf("value %d of a realistic length, some tens of bytes", i))}, nonces[s], 0)
			w.p.SetMinFee(t)
			t.Sign(w.p.Net, senders[s])
			nonces[s]++
			out = append(out, t)
		}
		return out
	}
	for i := 0; i < benchPriorKeys/benchPutsPerBlock; i++ {
		mine(b, c, w.clk, miner.PubKey(), puts(benchPutsPerBlock, fmt.Sprintf("prior%d", i))...)
	}
	w.block = mineTemplate(b, c, w.clk, miner.PubKey(), puts(benchPutsPerBlock, "bench")...)
	w.ids = w.block.TxIDs()
	if err := db.Close(); err != nil {
		return nil, err
	}
	return w, nil
}

// open copies the world's database and opens a chain on the copy with the
// given signature cache.
func (w *benchWorld) open(b *testing.B, sigs *SigCache) (*Chain, *bbolt.DB, string) {
	b.Helper()
	path := filepath.Join(w.dir, fmt.Sprintf("run-%d.db", time.Now().UnixNano()))
	if err := copyFile(w.path, path); err != nil {
		b.Fatal(err)
	}
	db, err := store.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	c, err := New(Config{Params: w.p, DB: db, Now: w.clk.Now, Sigs: sigs})
	if err != nil {
		b.Fatal(err)
	}
	return c, db, path
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// rawVerifyRate verifies the block's signatures with wire.Verify on
// GOMAXPROCS goroutines (sighashes computed beforehand) and returns
// verifications per second.
func rawVerifyRate(txs []*wire.Tx, net wire.Network, rounds int) float64 {
	msgs := make([]wire.Hash, len(txs))
	for i, t := range txs {
		msgs[i] = t.SigHash(net)
	}
	var next atomic.Int64
	total := int64(len(txs) * rounds)
	start := time.Now()
	var wg sync.WaitGroup
	for g := 0; g < runtime.GOMAXPROCS(0); g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1) - 1
				if i >= total {
					return
				}
				t := txs[i%int64(len(txs))]
				if err := wire.Verify(t.From, msgs[i%int64(len(txs))], t.Sig); err != nil {
					panic(err)
				}
			}
		}()
	}
	wg.Wait()
	return float64(total) / time.Since(start).Seconds()
}

// BenchmarkVerifyRaw2Core: BIP340 verification (wire.Verify, sighashes
// computed beforehand) of the benchmark block's distinct signed
// transactions, spread over GOMAXPROCS goroutines; one op verifies them all.
func BenchmarkVerifyRaw2Core(b *testing.B) {
	w := getBenchWorld(b)
	txs := w.block.Txs[1:]
	b.ResetTimer()
	var secs float64
	ops := 0
	for ; testutil.More(ops, b.N, time.Duration(secs*float64(time.Second))); ops++ {
		secs += float64(len(txs)) / rawVerifyRate(txs, w.p.Net, 1)
	}
	b.ReportMetric(float64(len(txs)*ops)/secs, "verifies/s")
	b.ReportMetric(float64(runtime.GOMAXPROCS(0)), "procs")
}

func benchmarkConnect(b *testing.B, warm bool) {
	w := getBenchWorld(b)
	b.StopTimer()
	// The raw rate is measured on the same transactions just before each
	// connection, so that load from other processes weighs on both alike.
	var elapsed, rawElapsed, cpu, rawCPU time.Duration
	ops := 0
	for ; testutil.More(ops, b.N, min(elapsed, rawElapsed)); ops++ {
		sigs := NewSigCache(200_000)
		if warm {
			for _, id := range w.ids[1:] {
				sigs.Add(id) // as the mempool does on admission
			}
		}
		c, db, path := w.open(b, sigs)
		blk := copyBlock(w.block)
		runtime.GC()
		c0 := cpuTime()
		rawElapsed += time.Duration(float64(benchPutsPerBlock) / rawVerifyRate(w.block.Txs[1:], w.p.Net, 1) * float64(time.Second))
		c1 := cpuTime()
		start := time.Now()
		b.StartTimer()
		res, err := c.ProcessBlock(blk)
		b.StopTimer()
		elapsed += time.Since(start)
		cpu += cpuTime() - c1
		rawCPU += c1 - c0
		if err != nil || res != Connected {
			b.Fatalf("connect: %v %v", res, err)
		}
		if st := sigs.Stats(); warm && st.Verified != 0 || !warm && st.Verified != benchPutsPerBlock {
			b.Fatalf("verified %d signatures (warm %v)", st.Verified, warm)
		}
		db.Close()
		os.Remove(path)
	}
	b.ReportMetric(float64(benchPutsPerBlock*ops)/elapsed.Seconds(), "writes/s")
	b.ReportMetric(float64(benchPutsPerBlock*ops)/rawElapsed.Seconds(), "raw-verifies/s")
	b.ReportMetric(rawElapsed.Seconds()/elapsed.Seconds(), "ratio")
	if cpu > 0 {
		// The same ratio in CPU time: what it would be on idle cores.
		b.ReportMetric(rawCPU.Seconds()/cpu.Seconds(), "cpu-ratio")
		b.ReportMetric(float64(cpu.Microseconds())/float64(benchPutsPerBlock*ops), "cpu-µs/write")
	}
}

// BenchmarkConnectBlockCold: ProcessBlock of 1,000 signed puts from 250
// senders on a state of 4,000 keys, signature cache empty.
func BenchmarkConnectBlockCold(b *testing.B) { benchmarkConnect(b, false) }

// BenchmarkConnectBlockWarm: the same with every signature already cached,
// as when the transactions were admitted to the mempool.
func BenchmarkConnectBlockWarm(b *testing.B) { benchmarkConnect(b, true) }
