package miner

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"log/slog"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bitverse/bitverse/node/consensus"
	"github.com/bitverse/bitverse/node/wire"
)

// Config is everything the miner needs from outside.
type Config struct {
	// Template returns a fresh candidate block (nonce unset).
	Template func() (*wire.Block, error)
	// Path, if set, is used instead of Template: candidate blocks along a
	// path of the blocktree, the root's first, the block at index i being
	// for the chain at depth i. Every hash commits to all of them (merged
	// mining, wire/merge.go); a hash that meets a block's target makes
	// that block. MaxDepth is the network's, which fixes the merge tree.
	Path     func() ([]*wire.Block, error)
	MaxDepth uint8
	// Submit hands a solved block back.
	Submit func(*wire.Block) error
	// Refresh, when it fires, makes the miner fetch a new template.
	Refresh <-chan struct{}
	// Workers is the number of hashing goroutines (0 = one per core).
	Workers int
	// RetemplateEvery bounds a template's age (0 = 5 s).
	RetemplateEvery time.Duration
	Log             *slog.Logger
}

// Stats describe the miner's work.
type Stats struct {
	Running     bool
	Workers     int
	HashRate    float64 // hashes per second, over the last few seconds
	Hashes      uint64  // total since start
	BlocksFound uint64
	LastBlock   time.Time
	// FoundByChain counts blocks found per chain ("/", "0", "01", ...).
	FoundByChain map[string]uint64
}

// Miner is a CPU miner. Start and Stop are idempotent.
type Miner struct {
	cfg     Config
	running atomic.Bool
	quit    chan struct{}
	wg      sync.WaitGroup

	hashes   atomic.Uint64
	found    atomic.Uint64
	mu       sync.Mutex
	rate     float64
	lastBlk  time.Time
	rateAt   time.Time
	rateBase uint64
	byChain  map[string]uint64
}

// New returns a stopped miner.
func New(cfg Config) *Miner {
	if cfg.Workers <= 0 {
		cfg.Workers = runtime.NumCPU()
	}
	if cfg.RetemplateEvery == 0 {
		cfg.RetemplateEvery = 5 * time.Second
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	return &Miner{cfg: cfg}
}

// Start begins mining.
func (m *Miner) Start() {
	if !m.running.CompareAndSwap(false, true) {
		return
	}
	m.quit = make(chan struct{})
	m.mu.Lock()
	m.rateAt, m.rateBase, m.rate = time.Now(), m.hashes.Load(), 0
	m.mu.Unlock()
	m.wg.Add(1)
	go m.loop()
}

// Stop stops mining and waits for the workers.
func (m *Miner) Stop() {
	if !m.running.CompareAndSwap(true, false) {
		return
	}
	close(m.quit)
	m.wg.Wait()
}

// Running reports whether the miner is on.
func (m *Miner) Running() bool { return m.running.Load() }

// Stats returns a snapshot.
func (m *Miner) Stats() Stats {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := time.Now()
	total := m.hashes.Load()
	if dt := now.Sub(m.rateAt); dt >= time.Second && m.running.Load() {
		inst := float64(total-m.rateBase) / dt.Seconds()
		if m.rate == 0 {
			m.rate = inst
		} else {
			m.rate = 0.5*m.rate + 0.5*inst
		}
		m.rateAt, m.rateBase = now, total
	}
	rate := m.rate
	if !m.running.Load() {
		rate = 0
	}
	byChain := make(map[string]uint64, len(m.byChain))
	for k, v := range m.byChain {
		byChain[k] = v
	}
	return Stats{Running: m.running.Load(), Workers: m.cfg.Workers, HashRate: rate, Hashes: total,
		BlocksFound: m.found.Load(), LastBlock: m.lastBlk, FoundByChain: byChain}
}

// job is one set of candidates being worked on: every hash is compared
// with the easiest of their targets first, then with each.
type job struct {
	blocks  []*wire.Block
	proofs  []wire.MergeProof // nil when mining one block alone
	targets [][32]byte
	commit  wire.Hash
	target  [32]byte // the easiest
	stop    atomic.Bool
	solved  chan uint64
}

func newJob(blocks []*wire.Block, maxDepth uint8, workers int) *job {
	j := &job{blocks: blocks, solved: make(chan uint64, workers)}
	if len(blocks) == 1 && blocks[0].Header.Chain.IsRoot() {
		j.commit = blocks[0].Header.Commit()
	} else {
		leaves := make([]wire.Hash, 1<<wire.MergeBranchLen(maxDepth))
		for i := range leaves {
			leaves[i] = wire.EmptyMergeLeaf
		}
		for _, b := range blocks {
			leaves[b.Header.Chain.Depth] = b.Header.ContentHash()
		}
		var proofs []wire.MergeProof
		j.commit, proofs = wire.BuildMerge(leaves)
		for _, b := range blocks {
			j.proofs = append(j.proofs, proofs[b.Header.Chain.Depth])
		}
	}
	for _, b := range blocks {
		var t [32]byte
		consensus.CompactToBig(b.Header.Bits).FillBytes(t[:])
		j.targets = append(j.targets, t)
		if bytes.Compare(t[:], j.target[:]) > 0 {
			j.target = t
		}
	}
	return j
}

func (m *Miner) candidates() ([]*wire.Block, error) {
	if m.cfg.Path != nil {
		bs, err := m.cfg.Path()
		if err == nil && len(bs) == 0 {
			err = errors.New("no candidate blocks")
		}
		return bs, err
	}
	b, err := m.cfg.Template()
	if err != nil {
		return nil, err
	}
	return []*wire.Block{b}, nil
}

func (m *Miner) loop() {
	defer m.wg.Done()
	for {
		select {
		case <-m.quit:
			return
		default:
		}
		cands, err := m.candidates()
		if err != nil {
			m.cfg.Log.Warn("miner: no template", "err", err)
			select {
			case <-m.quit:
				return
			case <-time.After(time.Second):
			}
			continue
		}
		j := newJob(cands, m.cfg.MaxDepth, m.cfg.Workers)
		var wg sync.WaitGroup
		var seed [8]byte
		rand.Read(seed[:])
		base := binary.BigEndian.Uint64(seed[:])
		for w := 0; w < m.cfg.Workers; w++ {
			wg.Add(1)
			go func(start uint64) {
				defer wg.Done()
				m.work(j, start)
			}(base + uint64(w)<<56)
		}
		timer := time.NewTimer(m.cfg.RetemplateEvery)
		select {
		case <-m.quit:
		case <-m.cfg.Refresh:
		case <-timer.C:
		case nonce := <-j.solved:
			j.stop.Store(true)
			wg.Wait()
			m.submitSolved(j, nonce)
		}
		timer.Stop()
		j.stop.Store(true)
		wg.Wait()
	}
}

// submitSolved hands over every candidate whose target the nonce meets.
func (m *Miner) submitSolved(j *job, nonce uint64) {
	h := wire.PowHash(j.commit, nonce)
	for i, b := range j.blocks {
		if bytes.Compare(h[:], j.targets[i][:]) > 0 {
			continue
		}
		b.Header.Nonce = nonce
		if j.proofs != nil {
			b.Header.Merge = j.proofs[i]
		}
		m.found.Add(1)
		m.mu.Lock()
		m.lastBlk = time.Now()
		if m.byChain == nil {
			m.byChain = map[string]uint64{}
		}
		m.byChain[b.Header.Chain.String()]++
		m.mu.Unlock()
		if err := m.cfg.Submit(b); err != nil {
			m.cfg.Log.Warn("miner: block rejected", "chain", b.Header.Chain, "err", err)
		}
	}
}

// work hashes nonces from start upward until the job stops or a solution is
// found. It counts hashes in batches to keep the shared counter cold.
func (m *Miner) work(j *job, start uint64) {
	const batch = 1 << 14
	var buf [wire.HashSize + 8]byte
	copy(buf[:], j.commit[:])
	nonce := start
	targetHi := binary.BigEndian.Uint64(j.target[:8])
	for !j.stop.Load() {
		for i := 0; i < batch; i++ {
			binary.BigEndian.PutUint64(buf[wire.HashSize:], nonce)
			h := sha256Sum(buf[:])
			// Almost every hash is decided by its first 8 bytes.
			if hi := binary.BigEndian.Uint64(h[:8]); hi < targetHi || (hi == targetHi && bytes.Compare(h[:], j.target[:]) <= 0) {
				m.hashes.Add(uint64(i + 1))
				select {
				case j.solved <- nonce:
				default:
				}
				return
			}
			nonce++
		}
		m.hashes.Add(batch)
	}
}
