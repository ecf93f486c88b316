package mempool

import (
	"errors"
	"fmt"

	"github.com/bitverse/bitverse/node/wire"
)

// ErrBountyClaimed refuses a market transaction when another pending one
// already makes the same move on the same bounty (two accepts, two commits,
// two of settle, dispute and refund, or two reports of one slot missed):
// only one of them can ever be mined.
// It is no fault of the sender's; the first one seen keeps its place.
var ErrBountyClaimed = errors.New("another pending transaction already makes this move on the bounty")

// A claim is one move on one bounty that at most one transaction can make.
type claim struct {
	bounty wire.Hash
	move   uint8 // 1 accept, 2 commit, 3 close (settle, dispute, refund), 4 report a slot missed
	slot   uint8 // for 4
}

func claimOf(tx *wire.Tx) (claim, bool) {
	switch b := tx.Body.(type) {
	case wire.Accept:
		return claim{b.Bounty, 1, 0}, true
	case wire.Commit:
		return claim{b.Bounty, 2, 0}, true
	case wire.Settle:
		return claim{b.Bounty, 3, 0}, true
	case wire.Dispute:
		return claim{b.Bounty, 3, 0}, true
	case wire.Refund:
		return claim{b.Bounty, 3, 0}, true
	case wire.RelayMiss:
		return claim{b.Bounty, 4, b.Slot}, true
	}
	return claim{}, false
}

// checkClaimLocked refuses tx if another pending transaction holds its
// claim. The index is pruned lazily: IDs no longer pending are dropped
// here, so the pool's removal paths need not know about it. The one tx
// would replace (same sender and nonce) does not count.
func (p *Pool) checkClaimLocked(tx *wire.Tx) error {
	c, ok := claimOf(tx)
	if !ok {
		return nil
	}
	ids := p.claims[c]
	keep := ids[:0]
	var holder *entry
	for _, id := range ids {
		e, ok := p.byID[id]
		if !ok {
			continue
		}
		keep = append(keep, id)
		if e.tx.From != tx.From || e.tx.Nonce != tx.Nonce {
			holder = e
		}
	}
	if len(keep) == 0 {
		delete(p.claims, c)
	} else {
		p.claims[c] = keep
	}
	if holder != nil {
		return fmt.Errorf("%w: a %s of bounty %s is already pending (%s); only one can be mined",
			ErrBountyClaimed, holder.tx.Type, c.bounty.Short(), holder.id.Short())
	}
	return nil
}

// addClaimLocked records an admitted tx's claim. When the index has grown
// well past the pool (claims of transactions long mined or dropped), it is
// swept.
func (p *Pool) addClaimLocked(tx *wire.Tx, id wire.Hash) {
	c, ok := claimOf(tx)
	if !ok {
		return
	}
	p.claims[c] = append(p.claims[c], id)
	if p.claimIDs++; p.claimIDs > 2*len(p.byID)+64 {
		p.claimIDs = 0
		for c, ids := range p.claims {
			keep := ids[:0]
			for _, id := range ids {
				if _, ok := p.byID[id]; ok {
					keep = append(keep, id)
				}
			}
			p.claimIDs += len(keep)
			if len(keep) == 0 {
				delete(p.claims, c)
			} else {
				p.claims[c] = keep
			}
		}
	}
}
