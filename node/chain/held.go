package chain

import (
	"errors"

	"github.com/bitverse/bitverse/node/wire"
)

// MaxHeldBytes bounds the encoded size of every block a forest (or a chain
// alone) holds for a block it has not seen: orphans waiting for their
// parent and blocks waiting for an anchor or a checkpointed block. Counted
// in bytes, since a block may be 2 MiB: 64 MiB is 32 blocks of the largest
// size, or thousands of ordinary ones.
const MaxHeldBytes = 64 << 20

// maxHeldBlocks also bounds their number, since every block processed
// scans what is held for what it may release: tiny blocks must not make
// that scan long.
const maxHeldBlocks = 8192

// errNotHeld says a block waiting for its parent claims less work than any
// child of a block this node knows could need (consensus.BitsReachable), so
// it is not held. Not a rule violation (a fork far below the tip may yet
// make it valid), so nobody is punished for it; sync offers it again in
// order.
var errNotHeld = errors.New("block claims less work than its place in the chain could have; not held")

// heldPool holds blocks that wait for another block, bounded by bytes.
// When full, it drops the newest block of the source (the peer) holding
// the most bytes: a peer flooding the pool evicts its own blocks first, and
// what an honest peer sent stays. Owned by whoever holds the forest's (or
// the chain's) lock.
type heldPool struct {
	max, bytes int
	maxBlocks  int
	seq        uint64
	blocks     map[wire.Hash]*heldBlock
	waiting    map[wire.Hash][]wire.Hash // what they wait for → held IDs, in arrival order
	sources    map[string]*heldSource
}

type heldBlock struct {
	b       *wire.Block
	id, dep wire.Hash
	size    int
	source  string
	orphan  bool // waits for its parent (else for an anchor or checkpointed block)
}

type heldSource struct {
	bytes int
	ids   []wire.Hash // arrival order
}

func newHeldPool(max int) *heldPool {
	return &heldPool{max: max, maxBlocks: maxHeldBlocks, blocks: map[wire.Hash]*heldBlock{}, waiting: map[wire.Hash][]wire.Hash{},
		sources: map[string]*heldSource{}}
}

func (p *heldPool) has(id wire.Hash) bool { _, ok := p.blocks[id]; return ok }

// add holds b (whose encoding is size bytes, from source) until dep
// arrives, evicting as needed. A block larger than the whole pool is not
// held.
func (p *heldPool) add(b *wire.Block, size int, dep wire.Hash, source string, orphan bool) {
	id := b.ID()
	if p.has(id) || size > p.max {
		return
	}
	for (p.bytes+size > p.max || len(p.blocks) >= p.maxBlocks) && len(p.blocks) > 0 {
		p.evict()
	}
	p.seq++
	p.blocks[id] = &heldBlock{b: b, id: id, dep: dep, size: size, source: source, orphan: orphan}
	p.waiting[dep] = append(p.waiting[dep], id)
	s := p.sources[source]
	if s == nil {
		s = &heldSource{}
		p.sources[source] = s
	}
	s.bytes += size
	s.ids = append(s.ids, id)
	p.bytes += size
}

// evict drops the newest block of the source holding the most bytes (ties:
// the lexically smallest source, so every run evicts alike).
func (p *heldPool) evict() {
	var worst string
	var most = -1
	for src, s := range p.sources {
		if s.bytes > most || (s.bytes == most && src < worst) {
			worst, most = src, s.bytes
		}
	}
	s := p.sources[worst]
	if s == nil || len(s.ids) == 0 {
		return
	}
	p.remove(s.ids[len(s.ids)-1])
}

// remove drops a held block.
func (p *heldPool) remove(id wire.Hash) {
	h := p.blocks[id]
	if h == nil {
		return
	}
	delete(p.blocks, id)
	p.bytes -= h.size
	p.waiting[h.dep] = without(p.waiting[h.dep], id)
	if len(p.waiting[h.dep]) == 0 {
		delete(p.waiting, h.dep)
	}
	s := p.sources[h.source]
	s.bytes -= h.size
	s.ids = without(s.ids, id)
	if len(s.ids) == 0 {
		delete(p.sources, h.source)
	}
}

func without(ids []wire.Hash, id wire.Hash) []wire.Hash {
	for i, x := range ids {
		if x == id {
			return append(ids[:i:i], ids[i+1:]...)
		}
	}
	return ids
}

// take removes and returns the blocks waiting for dep, in arrival order;
// orphans selects those waiting for their parent (true) or the others.
func (p *heldPool) take(dep wire.Hash, orphans bool) []*heldBlock {
	var out []*heldBlock
	for _, id := range append([]wire.Hash(nil), p.waiting[dep]...) {
		if h := p.blocks[id]; h.orphan == orphans {
			out = append(out, h)
			p.remove(id)
		}
	}
	return out
}

// deps lists what the non-orphan held blocks wait for.
func (p *heldPool) deps() []wire.Hash {
	var out []wire.Hash
	for dep, ids := range p.waiting {
		for _, id := range ids {
			if !p.blocks[id].orphan {
				out = append(out, dep)
				break
			}
		}
	}
	return out
}

// count returns how many held blocks are orphans (of chain c, if c is not
// nil) or, with orphans false, wait for something else.
func (p *heldPool) count(orphans bool, c *wire.ChainID) int {
	n := 0
	for _, h := range p.blocks {
		if h.orphan == orphans && (c == nil || h.b.Header.Chain == *c) {
			n++
		}
	}
	return n
}
