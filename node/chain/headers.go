package chain

import (
	"errors"
	"math/big"

	"github.com/bitverse/bitverse/node/consensus"
	"github.com/bitverse/bitverse/node/wire"
)

// HeaderRun is a run of headers checked by CheckHeaders and not stored:
// sync ranks peers' answers by the work a run proves before it fetches a
// single body. Work and Height are those of the run's last header.
type HeaderRun struct {
	Height uint64
	Work   *big.Int
	last   *blockNode
}

// CheckHeaders checks that hs follow run (nil: a block this chain knows,
// hs[0].Prev) and that each one obeys the rules that depend on its
// ancestors, the difficulty rule among them (checkContext, as for a block),
// and returns the run extended by them. A branch header whose anchor this
// node lacks ends the check early, without error: the run then covers the
// headers before it (run.Height says how far). Proof of work is the
// caller's check (it needs no ancestor). A rule violation returns a
// *consensus.RuleError; a first header after an unknown block returns
// ErrNotFound.
func (c *Chain) CheckHeaders(run *HeaderRun, hs []wire.Header) (*HeaderRun, error) {
	// In a forest c.mu is the forest's lock, which also covers the anchors
	// checkContext reads. Take it once: a second RLock on the same
	// RWMutex deadlocks when a writer queues between the two.
	c.mu.RLock()
	defer c.mu.RUnlock()
	var parent *blockNode
	if run != nil {
		parent = run.last
	} else if len(hs) > 0 {
		if parent = c.index[hs[0].Prev]; parent == nil {
			return nil, ErrNotFound
		}
	} else {
		return nil, ErrNotFound
	}
	if parent.invalid {
		return nil, consensus.Rule(consensus.ErrInvalidAncestor, "headers build on invalid block %s", parent.id.Short())
	}
	out := &HeaderRun{Height: parent.height, Work: parent.work, last: parent}
	for i := range hs {
		h := &hs[i]
		if h.Prev != parent.id {
			return out, consensus.Rule(consensus.ErrBadHeight, "header %d does not follow the one before", i)
		}
		if err := c.checkContext(h, parent); err != nil {
			var dep *missingDep
			if errors.As(err, &dep) {
				return out, nil
			}
			return out, err
		}
		n := &blockNode{id: h.ID(), header: *h, parent: parent, height: h.Height,
			work: new(big.Int).Add(parent.work, consensus.Work(h.Bits))}
		if known := c.index[n.id]; known != nil {
			if known.invalid {
				return out, consensus.Rule(consensus.ErrInvalidAncestor, "header %d names invalid block %s", i, known.id.Short())
			}
			n = known // the chain has it: keep to the stored node
		}
		parent = n
		out = &HeaderRun{Height: n.height, Work: n.work, last: n}
	}
	return out, nil
}
