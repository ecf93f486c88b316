package mempool

import (
	"bytes"
	"sort"

	"github.com/bitverse/bitverse/node/consensus"
	"github.com/bitverse/bitverse/node/wire"
)

// MaxRecheck bounds the market transactions one Recheck judges again, so
// that the work a block causes is bounded whatever the pool holds; the
// senders past the bound are taken first by the next call.
const MaxRecheck = 128

// RecheckResult says what a Recheck did.
type RecheckResult struct {
	Checked int // market transactions judged again
	Dropped int // transactions dropped (the invalid ones and those behind them)
}

// market reports whether tx's validity depends on state other senders'
// transactions or the height move: a bounty's deadline, its state, the
// lineup and jury drawn for it.
func market(tx *wire.Tx) bool {
	switch tx.Body.(type) {
	case wire.Bounty, wire.Accept, wire.Commit, wire.Settle, wire.Dispute, wire.Refund,
		wire.RelayRegister, wire.RelayLeave, wire.Countersign, wire.RelayMiss:
		return true
	}
	return false
}

// Recheck judges the pending market transactions again against the tip
// (Config.Check, after each one's pending parents, as admission does) and
// drops those a block made invalid: a dispute whose window closed, a
// countersign for a bounty already disputed, a relay miss that lost its
// race with the slot's countersign. Nothing else does: such a transaction
// is no longer minable, yet it held its sender's nonce, so every later
// transaction of that sender was refused for a nonce gap.
//
// Only transactions whose validity other senders or the height can change
// are judged (market), at most MaxRecheck per call, in nonce order per
// sender up to the sender's first invalid one. That one is dropped with
// the sender's later pending transactions: they are signed with the nonces
// after it, which now leave a gap, so none of them could be re-admitted;
// their sender signs them again on the freed nonce.
//
// It asks the chain, so it must not run in the chain's connect hook (that
// holds the chain's lock): the node calls it from its event loop after a
// block connects.
func (p *Pool) Recheck() RecheckResult {
	var res RecheckResult
	if p.cfg.Check == nil || !p.cfg.Chain.IsRoot() {
		return res
	}
	type job struct {
		from wire.PubKey
		txs  []*wire.Tx // the sender's pending ones, in nonce order
	}
	var jobs []job
	p.mu.Lock()
	for from, s := range p.senders {
		for _, e := range s.pending {
			if market(e.tx) {
				txs := make([]*wire.Tx, len(s.pending))
				for i, e := range s.pending {
					txs[i] = e.tx
				}
				jobs = append(jobs, job{from, txs})
				break
			}
		}
	}
	// Rotate through senders in key order from where the last call
	// stopped, so the bound starves nobody.
	sort.Slice(jobs, func(i, j int) bool { return bytes.Compare(jobs[i].from[:], jobs[j].from[:]) < 0 })
	start := sort.Search(len(jobs), func(i int) bool { return bytes.Compare(jobs[i].from[:], p.recheckFrom[:]) > 0 })
	jobs = append(jobs[start:], jobs[:start]...)
	p.mu.Unlock()

	var bad []*wire.Tx
	for _, j := range jobs {
		if res.Checked >= MaxRecheck {
			break
		}
		for i, t := range j.txs {
			if !market(t) {
				continue
			}
			if res.Checked >= MaxRecheck {
				break
			}
			res.Checked++
			if err := p.cfg.Check(t, Parents(j.txs[:i])); err != nil && consensus.CodeOf(err) != 0 {
				bad = append(bad, t)
				break
			}
		}
		p.mu.Lock()
		p.recheckFrom = j.from
		p.mu.Unlock()
	}
	if len(bad) > 0 {
		res.Dropped = p.removeFrom(bad)
	}
	return res
}

// removeFrom drops each of txs, if still pending (same ID at its nonce),
// with its sender's later transactions, and returns how many it dropped.
func (p *Pool) removeFrom(txs []*wire.Tx) int {
	var gone []wire.Hash
	p.mu.Lock()
	for _, t := range txs {
		s := p.senders[t.From]
		if s == nil || t.Nonce < s.base || t.Nonce-s.base >= uint64(len(s.pending)) {
			continue
		}
		i := t.Nonce - s.base
		if s.pending[i].id != t.ID() {
			continue // replaced meanwhile: the replacement is judged next time
		}
		for _, d := range s.pending[i:] {
			delete(p.byID, d.id)
			p.bytes -= d.size
			gone = append(gone, d.id)
		}
		s.pending = s.pending[:i]
		if len(s.pending) == 0 {
			delete(p.senders, t.From)
		}
	}
	p.mu.Unlock()
	p.forget(gone)
	return len(gone)
}
