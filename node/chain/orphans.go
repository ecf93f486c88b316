package chain

import "github.com/bitverse/bitverse/node/wire"

// orphanPool holds blocks whose parent has not arrived, bounded; when full
// the oldest is dropped (a peer will offer it again during sync).
type orphanPool struct {
	max    int
	blocks map[wire.Hash]*wire.Block
	order  []wire.Hash
}

func newOrphanPool(max int) *orphanPool {
	return &orphanPool{max: max, blocks: map[wire.Hash]*wire.Block{}}
}

func (o *orphanPool) has(id wire.Hash) bool { _, ok := o.blocks[id]; return ok }

func (o *orphanPool) add(id wire.Hash, b *wire.Block) {
	if o.has(id) {
		return
	}
	for len(o.blocks) >= o.max && len(o.order) > 0 {
		delete(o.blocks, o.order[0])
		o.order = o.order[1:]
	}
	o.blocks[id] = b
	o.order = append(o.order, id)
}

func (o *orphanPool) remove(id wire.Hash) {
	delete(o.blocks, id)
	for i, x := range o.order {
		if x == id {
			o.order = append(o.order[:i], o.order[i+1:]...)
			break
		}
	}
}

func (o *orphanPool) children(parent wire.Hash) []*wire.Block {
	var out []*wire.Block
	for _, id := range o.order {
		if b := o.blocks[id]; b.Header.Prev == parent {
			out = append(out, b)
		}
	}
	return out
}

// len returns the number of held orphans.
func (o *orphanPool) len() int { return len(o.blocks) }
