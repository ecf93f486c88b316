package chain

import (
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/bitverse/bitverse/node/wire"
)

// SigCache remembers transactions whose signatures verified, keyed by tx ID.
// The ID covers the signature, so a cached entry can never vouch for a
// different signature over the same content. Bounded; evicts at random.
type SigCache struct {
	mu  sync.RWMutex
	max int
	m   map[wire.Hash]struct{}

	// Counters of VerifyTxs, the block path: signatures it found cached
	// and signatures it verified.
	hits, verified atomic.Uint64
}

// SigCacheStats counts VerifyTxs's work since the cache was made.
type SigCacheStats struct {
	Hits     uint64 // signatures skipped because they were cached
	Verified uint64 // signatures verified (schnorr) by VerifyTxs
}

// Stats returns the counters.
func (c *SigCache) Stats() SigCacheStats {
	return SigCacheStats{Hits: c.hits.Load(), Verified: c.verified.Load()}
}

// NewSigCache returns a cache holding up to max entries.
func NewSigCache(max int) *SigCache {
	return &SigCache{max: max, m: make(map[wire.Hash]struct{}, 1024)}
}

// Has reports whether id verified before.
func (c *SigCache) Has(id wire.Hash) bool {
	c.mu.RLock()
	_, ok := c.m[id]
	c.mu.RUnlock()
	return ok
}

// Add records that id verified.
func (c *SigCache) Add(id wire.Hash) {
	c.mu.Lock()
	if len(c.m) >= c.max {
		for k := range c.m { // Go map iteration order is random enough here
			delete(c.m, k)
			break
		}
	}
	c.m[id] = struct{}{}
	c.mu.Unlock()
}

// Len returns the number of entries.
func (c *SigCache) Len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.m)
}

// VerifyTxs checks the signatures of txs (skipping any coinbase and any in
// the cache) on every core, and adds those that pass to the cache. It
// returns the index of the first failure, or -1.
func VerifyTxs(net wire.Network, txs []*wire.Tx, ids []wire.Hash, cache *SigCache) (int, error) {
	todo := make([]int, 0, len(txs))
	for i, tx := range txs {
		if tx.Type == wire.TxCoinbase || tx.Type == wire.TxCheckpoint { // unsigned: the block vouches
			continue
		}
		if cache != nil && cache.Has(ids[i]) {
			cache.hits.Add(1)
			continue
		}
		todo = append(todo, i)
	}
	if len(todo) == 0 {
		return -1, nil
	}
	if cache != nil {
		cache.verified.Add(uint64(len(todo)))
	}
	workers := runtime.GOMAXPROCS(0)
	if workers > len(todo) {
		workers = len(todo)
	}
	errs := make([]error, len(txs))
	var wg sync.WaitGroup
	var next int
	var mu sync.Mutex
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				if next >= len(todo) {
					mu.Unlock()
					return
				}
				// Hand out small chunks to keep the lock cold.
				start := next
				end := min(next+16, len(todo))
				next = end
				mu.Unlock()
				for _, i := range todo[start:end] {
					if err := txs[i].VerifySig(net); err != nil {
						errs[i] = err
					} else if cache != nil {
						cache.Add(ids[i])
					}
				}
			}
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			return i, err
		}
	}
	return -1, nil
}
