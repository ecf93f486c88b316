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
//
// It also keeps the lifted public keys (wire.Key) of recent senders: a
// sender's later signatures, in the mempool or in a block, skip the field
// square root that lifting costs.
type SigCache struct {
	mu  sync.RWMutex
	max int
	m   map[wire.Hash]struct{}

	kmu  sync.RWMutex
	keys map[wire.PubKey]*wire.Key

	// Counters of VerifyTxs, the block path: signatures it found cached
	// and signatures it verified.
	hits, verified atomic.Uint64
}

// maxKeys bounds the lifted keys kept (≈200 bytes each).
const maxKeys = 1 << 14

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
	return &SigCache{max: max, m: make(map[wire.Hash]struct{}, 1024), keys: make(map[wire.PubKey]*wire.Key, 256)}
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
	c.add(id)
	c.mu.Unlock()
}

// addAll records that ids verified, under one lock.
func (c *SigCache) addAll(ids []wire.Hash) {
	c.mu.Lock()
	for _, id := range ids {
		c.add(id)
	}
	c.mu.Unlock()
}

func (c *SigCache) add(id wire.Hash) {
	if len(c.m) >= c.max {
		for k := range c.m { // Go map iteration order is random enough here
			delete(c.m, k)
			break
		}
	}
	c.m[id] = struct{}{}
}

// Len returns the number of entries.
func (c *SigCache) Len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.m)
}

// key returns pk lifted to its curve point, remembered for its next use.
func (c *SigCache) key(pk wire.PubKey) (*wire.Key, error) {
	c.kmu.RLock()
	k := c.keys[pk]
	c.kmu.RUnlock()
	if k != nil {
		return k, nil
	}
	k, err := wire.ParseKey(pk)
	if err != nil {
		return nil, err // not remembered: a bad key costs its sender a block's PoW or a refused tx
	}
	c.kmu.Lock()
	if len(c.keys) >= maxKeys {
		for old := range c.keys {
			delete(c.keys, old)
			break
		}
	}
	c.keys[pk] = k
	c.kmu.Unlock()
	return k, nil
}

// VerifySig checks tx's signature as tx.VerifySig does, with the sender's
// key lifted once and reused. It does not consult or fill the ID cache.
func (c *SigCache) VerifySig(net wire.Network, tx *wire.Tx) error {
	if c == nil {
		return tx.VerifySig(net)
	}
	k, err := c.key(tx.From)
	if err != nil {
		return err
	}
	return k.Verify(tx.SigHash(net), tx.Sig)
}

// verifyChunk is how many signatures a VerifyTxs worker claims at a time:
// small, so that both cores finish together.
const verifyChunk = 4

// VerifyTxs checks the signatures of txs (skipping any coinbase and any in
// the cache) on every core, and adds those that pass to the cache. It
// returns the index of the first failure, or -1.
func VerifyTxs(net wire.Network, txs []*wire.Tx, ids []wire.Hash, cache *SigCache) (int, error) {
	return verifyIndexes(net, txs, ids, uncached(txs, ids, cache), cache)
}

// uncached returns the indexes of the txs whose signatures VerifyTxs must
// check: not a coinbase, not in the cache.
func uncached(txs []*wire.Tx, ids []wire.Hash, cache *SigCache) []int {
	todo := make([]int, 0, len(txs))
	var hits uint64
	if cache != nil { // one read lock for the whole block
		cache.mu.RLock()
	}
	for i, tx := range txs {
		if tx.Type == wire.TxCoinbase || tx.Type == wire.TxCheckpoint { // unsigned: the block vouches
			continue
		}
		if cache != nil {
			if _, ok := cache.m[ids[i]]; ok {
				hits++
				continue
			}
		}
		todo = append(todo, i)
	}
	if cache != nil {
		cache.mu.RUnlock()
		cache.hits.Add(hits)
	}
	return todo
}

// verifyIndexes is VerifyTxs for the txs at the indexes todo.
func verifyIndexes(net wire.Network, txs []*wire.Tx, ids []wire.Hash, todo []int, cache *SigCache) (int, error) {
	if len(todo) == 0 {
		return -1, nil
	}
	if cache != nil {
		cache.verified.Add(uint64(len(todo)))
	}
	if len(todo) >= batchMin {
		return verifyBatches(net, txs, ids, todo, cache)
	}
	workers := min(runtime.GOMAXPROCS(0), (len(todo)+verifyChunk-1)/verifyChunk)
	errs := make([]error, len(txs))
	var wg sync.WaitGroup
	var next atomic.Int64
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var ok []wire.Hash // added to the cache at the end, under one lock
			for {
				end := int(next.Add(verifyChunk))
				start := end - verifyChunk
				if start >= len(todo) {
					break
				}
				for _, i := range todo[start:min(end, len(todo))] {
					if err := cache.VerifySig(net, txs[i]); err != nil {
						errs[i] = err // each index has one writer
					} else if cache != nil {
						ok = append(ok, ids[i])
					}
				}
			}
			if len(ok) > 0 {
				cache.addAll(ok)
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

// batchMin is the fewest signatures verifyIndexes checks with BIP340 batch
// verification (wire.BatchVerify) rather than one by one.
const batchMin = 16

// keyOf is cache.key, or a fresh lift without a cache.
func (c *SigCache) keyOf(pk wire.PubKey) (*wire.Key, error) {
	if c == nil {
		return wire.ParseKey(pk)
	}
	return c.key(pk)
}

// verifyBatches is verifyIndexes by batch verification: todo is cut into one
// contiguous part per core (each at least batchMin long), and each part is
// verified as one batch. A part whose batch fails (or holds a key that is not
// on the curve) is verified again signature by signature, which finds its
// failures; the first failing index of the block is returned, as
// verifyIndexes does.
func verifyBatches(net wire.Network, txs []*wire.Tx, ids []wire.Hash, todo []int, cache *SigCache) (int, error) {
	parts := max(1, min(runtime.GOMAXPROCS(0), len(todo)/batchMin))
	errs := make([]error, len(txs))
	var wg sync.WaitGroup
	for p := 0; p < parts; p++ {
		part := todo[p*len(todo)/parts : (p+1)*len(todo)/parts]
		wg.Add(1)
		go func() {
			defer wg.Done()
			items := make([]wire.BatchItem, len(part))
			good := true
			for j, i := range part {
				k, err := cache.keyOf(txs[i].From)
				if err != nil {
					good = false
					break
				}
				items[j] = wire.BatchItem{Key: k, Msg: txs[i].SigHash(net), Sig: txs[i].Sig}
			}
			if good && wire.BatchVerify(items) {
				if cache != nil {
					ok := make([]wire.Hash, len(part))
					for j, i := range part {
						ok[j] = ids[i]
					}
					cache.addAll(ok)
				}
				return
			}
			var ok []wire.Hash
			for _, i := range part {
				if err := cache.VerifySig(net, txs[i]); err != nil {
					errs[i] = err // each index has one writer
				} else if cache != nil {
					ok = append(ok, ids[i])
				}
			}
			if len(ok) > 0 {
				cache.addAll(ok)
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
