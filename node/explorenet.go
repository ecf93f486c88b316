package node

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/bitverse/bitverse/node/chain"
	"github.com/bitverse/bitverse/node/wire"
)

// Bounds of what an Explore reads of the chains this node keeps as headers
// only. Their writes come from blocks fetched from peers (FetchBlock's
// path: each checked against the header this node verified), so every
// figure here caps work this node asks of the network. A peer serving a
// block charges the request to this node's rate bucket (§12), so nobody
// but the explorer pays for an Explore.
const (
	// ExploreHeaderScan is how many newest headers of a headers-only
	// chain an Explore looks at. Looking costs one read of the block's
	// coinbase claim, recorded for every header: a branch coinbase claims
	// exactly its block's fees, so a claim of 0 means no write and the
	// block is not fetched.
	ExploreHeaderScan = 1024
	// MaxExploreFetches caps the blocks one Explore fetches from peers
	// over all chains (blocks already fetched are cached and free).
	MaxExploreFetches = 64
	// MaxExploreFetchBytes caps the block bytes one Explore fetches.
	MaxExploreFetchBytes = 8 << 20
	// ExploreFetchTime caps the time one Explore spends fetching; what
	// arrived by then is listed, the rest is counted as skipped.
	ExploreFetchTime = 5 * time.Second
	// exploreFetchers is how many fetches run at once.
	exploreFetchers = 4
	// exploreCacheBlocks caps the fetched blocks whose summaries are kept.
	exploreCacheBlocks = 4096
)

// ExploreFetch says what an Explore fetched from peers: blocks fetched
// now, blocks read from the cache of earlier fetches, fetches that failed
// (no peer sent a block matching its header), blocks left out by the
// bounds above, and the bytes fetched.
type ExploreFetch struct {
	Fetched int `json:"fetched"`
	Cached  int `json:"cached"`
	Failed  int `json:"failed"`
	Skipped int `json:"skipped"`
	Bytes   int `json:"bytes"`
}

// fetchedBlock is what Explore keeps of a block fetched from a peer: its
// puts, summarised, and who sent it. A block ID commits to the header,
// which commits to the transactions, so a summary never goes stale; only
// whether the block is on the best line changes, and that is read from
// the headers at every Explore.
type fetchedBlock struct {
	chain  wire.ChainID
	height uint64
	time   int64
	peer   string
	puts   []putSummary
}

// putSummary is one put of a block, without its value.
type putSummary struct {
	key, writer string
	size        int
	transform   bool
	desc        string // the transform's description
}

func summarise(net wire.Network, b *wire.Block, peer string) *fetchedBlock {
	fb := &fetchedBlock{chain: b.Header.Chain, height: b.Header.Height, time: b.Header.Time, peer: peer}
	for _, tx := range b.Txs {
		if p, ok := tx.Body.(wire.Put); ok {
			fb.puts = append(fb.puts, summarisePut(net, tx, p))
		}
	}
	return fb
}

func summarisePut(net wire.Network, tx *wire.Tx, p wire.Put) putSummary {
	s := putSummary{key: p.Key, writer: wire.EncodeAddress(net, tx.From), size: len(p.Value)}
	if bytes.Contains(p.Value, transformDecl) {
		s.transform, s.desc = true, Describe(p.Value)
	}
	return s
}

// proven is the sentence saying where a fetched block's entries were
// proven.
func (fb *fetchedBlock) proven(id wire.Hash) string {
	return fmt.Sprintf("block %s of %s fetched from %s, checked against its header", id.Short(), fb.chain, fb.peer)
}

// fetchCache keeps the summaries of fetched blocks by block ID, oldest
// evicted first. Explores running at once share it; the mutex is held for
// map operations only, never across a fetch.
type fetchCache struct {
	mu    sync.Mutex
	m     map[wire.Hash]*fetchedBlock
	order []wire.Hash
}

func (c *fetchCache) get(id wire.Hash) *fetchedBlock {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m[id]
}

func (c *fetchCache) put(id wire.Hash, fb *fetchedBlock) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[wire.Hash]*fetchedBlock{}
	}
	if _, ok := c.m[id]; ok {
		return
	}
	c.m[id] = fb
	c.order = append(c.order, id)
	for len(c.order) > exploreCacheBlocks {
		delete(c.m, c.order[0])
		c.order = c.order[1:]
	}
}

// fetchChecked fetches block id of chain cid, a chain this node keeps as
// headers only, from a peer, and accepts it only if it is the block of
// the header this node verified: the same ID and transactions whose
// Merkle root is the header's (the network layer checks both too, and
// the signatures, and bans a peer that sends anything else).
func (n *Node) fetchChecked(ctx context.Context, cid wire.ChainID, id wire.Hash) (*wire.Block, string, error) {
	n.hooksMu.RLock()
	r := n.blocks
	n.hooksMu.RUnlock()
	if r == nil {
		return nil, "", ErrNoNetwork
	}
	b, peer, err := r(ctx, cid, id)
	if err != nil {
		return nil, "", err
	}
	if b.ID() != id || b.ComputeTxRoot() != b.Header.TxRoot {
		return nil, "", fmt.Errorf("peer %s sent a block that is not block %s of chain %s", peer, id.Short(), cid)
	}
	return b, peer, nil
}

// wantBlock is a block of a headers-only chain an Explore reads.
type wantBlock struct {
	chain wire.ChainID
	id    wire.Hash
}

// remoteWindow returns the newest blocks with writes of headers-only chain
// c: at most ExploreWindow of them among its ExploreHeaderScan newest
// headers (all of them if the network has no fee floor, since then a
// claim of 0 proves nothing), newest first, and how many headers it read.
func (n *Node) remoteWindow(c *chain.Chain) ([]wantBlock, int) {
	var out []wantBlock
	tip := c.Tip().Height
	read := 0
	floor := n.cfg.Params.MinFeePerByte > 0
	for h := int64(tip); h > 0 && read < ExploreHeaderScan && len(out) < ExploreWindow; h-- {
		id, err := c.IDAt(uint64(h))
		if err != nil {
			break // the line moved under us: what was read stands
		}
		read++
		if floor {
			if fees, _, err := c.Claim(id); err == nil && fees == 0 {
				continue
			}
		}
		out = append(out, wantBlock{c.ID(), id})
	}
	return out, read
}

// fetchBlocks reads the blocks of want, from the cache or from peers
// within the Explore's bounds, and returns the summaries it has, by ID.
func (n *Node) fetchBlocks(ctx context.Context, want []wantBlock, st *ExploreFetch) map[wire.Hash]*fetchedBlock {
	got := map[wire.Hash]*fetchedBlock{}
	var miss []wantBlock
	for _, w := range want {
		if fb := n.explored.get(w.id); fb != nil {
			got[w.id] = fb
			st.Cached++
			continue
		}
		miss = append(miss, w)
	}
	if len(miss) == 0 {
		return got
	}
	if len(miss) > MaxExploreFetches {
		st.Skipped += len(miss) - MaxExploreFetches
		miss = miss[:MaxExploreFetches]
	}
	ctx, cancel := context.WithTimeout(ctx, ExploreFetchTime)
	defer cancel()
	type result struct {
		w    wantBlock
		fb   *fetchedBlock
		size int
		err  error
	}
	jobs := make(chan wantBlock)
	results := make(chan result)
	var wg sync.WaitGroup
	for range min(exploreFetchers, len(miss)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for w := range jobs {
				b, peer, err := n.fetchChecked(ctx, w.chain, w.id)
				r := result{w: w, err: err}
				if err == nil {
					r.fb, r.size = summarise(n.net(), b, peer), len(b.Encode())
				}
				results <- r
			}
		}()
	}
	go func() { wg.Wait(); close(results) }()
	// This goroutine owns st and got; it hands out jobs while the byte
	// budget and the clock allow.
	next, running := 0, 0
	for next < len(miss) || running > 0 {
		var send chan wantBlock
		var job wantBlock // a select evaluates its send even on a nil channel
		if next < len(miss) && st.Bytes < MaxExploreFetchBytes && ctx.Err() == nil {
			send, job = jobs, miss[next]
		} else if running == 0 {
			break
		}
		select {
		case send <- job:
			next++
			running++
		case r := <-results:
			running--
			if r.err != nil {
				st.Failed++
				continue
			}
			st.Fetched++
			st.Bytes += r.size
			n.explored.put(r.w.id, r.fb)
			got[r.w.id] = r.fb
		}
	}
	st.Skipped += len(miss) - next
	close(jobs)
	for range results { // the workers are idle: nothing arrives
	}
	return got
}
