package mempool

import (
	"errors"
	"fmt"
	"sort"

	"github.com/bitverse/bitverse/node/consensus"
	"github.com/bitverse/bitverse/node/store"
	"github.com/bitverse/bitverse/node/wire"
	"go.etcd.io/bbolt"
)

// Tumbles have no single sender: every input account pays, at its own
// nonce. The pool keeps them apart from the per-sender queues, under one
// policy (PROTOCOL §21):
//
//   - A tumble is admitted only when each input's nonce is its account's
//     nonce at the tip, its balance covers the input, it has nothing else
//     pending and it is no input of another pending tumble. The round's
//     participants agreed on the batch; anything else of theirs waits.
//   - While a tumble is pending, a transaction from one of its input
//     accounts is refused (ErrInTumble): it would take the nonce the
//     tumble spends, and one of the two could never be mined.
//   - A block that moves an input account's nonce drops the tumble (mined
//     or made stale); a disconnected block's tumble returns to the pool
//     like any transaction, before its inputs' pending ones, which are then
//     refused while it is pending (their senders send them again once the
//     tumble is mined).
//   - Templates take tumbles first (none conflicts with anything else
//     pending), by fee rate.

// Tumble admission errors.
var (
	ErrInTumble       = errors.New("the account is an input of a pending tumble; send this after the tumble is mined")
	ErrTumbleConflict = errors.New("an input of this tumble is already an input of another pending tumble")
	ErrInputBusy      = errors.New("an input account of this tumble has other transactions pending; a tumble's inputs must be idle")
)

// checkTumble applies the rules of a tumble that need no state, cheapest
// first, and returns what From spends (nothing: the inputs pay).
func checkTumble(params *consensus.Params, tx *wire.Tx, b wire.Tumble, size int) (uint64, error) {
	if err := b.CheckShape(); err != nil {
		return 0, consensus.Rule(consensus.ErrBadTumble, "%v", err)
	}
	if tx.Nonce != 0 {
		return 0, consensus.Rule(consensus.ErrBadTumble, "a tumble's envelope nonce must be 0 (each input carries its own), not %d", tx.Nonce)
	}
	if min := params.TxMinFee(tx, size); tx.Fee < min {
		return 0, consensus.Rule(consensus.ErrFeeTooLow, "fee %d is below the minimum %d for a tumble of %d bytes and %d inputs",
			tx.Fee, min, size, len(b.Inputs))
	}
	for _, in := range b.Inputs {
		if in.Amount == 0 {
			return 0, consensus.Rule(consensus.ErrZeroAmount, "a tumble input of zero")
		}
	}
	for _, out := range b.Outputs {
		if out.Amount == 0 {
			return 0, consensus.Rule(consensus.ErrZeroAmount, "a tumble output of zero")
		}
	}
	in, err1 := b.InputSum()
	out, err2 := b.OutputSum()
	want, err3 := wire.AddAmounts(out, tx.Fee)
	if err1 != nil || err2 != nil || err3 != nil {
		return 0, consensus.Rule(consensus.ErrAmountOverflow, "tumble amounts overflow")
	}
	if in != want {
		return 0, consensus.Rule(consensus.ErrTumbleSum, "tumble inputs sum to %s BVS but outputs plus fee to %s BVS",
			wire.FormatAmount(in), wire.FormatAmount(want))
	}
	return 0, nil
}

// addTumble admits a tumble whose stateless rules passed: the inputs'
// accounts, then the aggregate key (a scalar multiplication per input),
// then the signature, then again under the lock.
func (p *Pool) addTumble(tx *wire.Tx, id wire.Hash, size int, persist, verify bool) (wire.Hash, error) {
	body := tx.Body.(wire.Tumble)
	p.mu.Lock()
	err := p.tumbleFitsLocked(tx, id, body)
	p.mu.Unlock()
	if err != nil {
		return id, err
	}
	agg, err := wire.AggregateKey(body.Keys())
	if err != nil {
		return id, fmt.Errorf("%w: %w", ErrBadTx, consensus.Rule(consensus.ErrBadTumble, "tumble input keys: %v", err))
	}
	if agg != tx.From {
		return id, fmt.Errorf("%w: %w", ErrBadTx, consensus.Rule(consensus.ErrTumbleKey,
			"a tumble must be signed by the aggregate of its %d input keys", len(body.Inputs)))
	}
	if verify && !p.cfg.Sigs.Has(id) {
		if err := p.cfg.Sigs.VerifySig(p.cfg.Params.Net, tx); err != nil {
			return id, fmt.Errorf("%w: %w", ErrBadTx, consensus.Rule(consensus.ErrBadSignature, "%v", err))
		}
		p.cfg.Sigs.Add(id)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.tumbleFitsLocked(tx, id, body); err != nil {
		return id, err
	}
	e := &entry{tx: tx, id: id, size: size}
	var evict *entry
	if len(p.byID) >= p.cfg.MaxTxs || p.bytes+size > p.cfg.MaxBytes {
		evict = p.cheapestTailLocked()
		if evict == nil || evict.feeRate() >= e.feeRate() {
			return id, ErrPoolFull
		}
	}
	if persist {
		err := p.cfg.DB.Update(func(btx *bbolt.Tx) error {
			b := btx.Bucket(store.Mempool)
			if evict != nil {
				if err := b.Delete(evict.id[:]); err != nil {
					return err
				}
			}
			return b.Put(id[:], tx.Encode())
		})
		if err != nil {
			return id, fmt.Errorf("persist transaction: %w", err)
		}
	}
	if evict != nil {
		p.removeTailLocked(evict)
	}
	p.tumbles[id] = e
	for _, in := range body.Inputs {
		p.inputs[in.Key] = id
	}
	p.byID[id] = e
	p.bytes += size
	select {
	case p.changed <- struct{}{}:
	default:
	}
	return id, nil
}

// tumbleFitsLocked checks each input against its account at the tip and
// against what is pending.
func (p *Pool) tumbleFitsLocked(tx *wire.Tx, id wire.Hash, body wire.Tumble) error {
	if _, ok := p.byID[id]; ok {
		return ErrKnown
	}
	for i, in := range body.Inputs {
		if other, ok := p.inputs[in.Key]; ok && p.tumbles[other] != nil {
			return fmt.Errorf("%w: input %d (%x…) is in tumble %s", ErrTumbleConflict, i, in.Key[:4], other.Short())
		}
		acct, err := p.account(in.Key)
		if err != nil {
			return err
		}
		if in.Nonce != acct.Nonce {
			return fmt.Errorf("%w: %w", ErrBadTx, consensus.Rule(consensus.ErrBadNonce,
				"tumble input %d (%x…) has nonce %d, its account expects %d", i, in.Key[:4], in.Nonce, acct.Nonce))
		}
		if acct.Balance < in.Amount {
			return fmt.Errorf("%w: %w", ErrBadTx, consensus.Rule(consensus.ErrInsufficientFunds,
				"tumble input %d (%x…) takes %s BVS but its balance is %s BVS", i, in.Key[:4],
				wire.FormatAmount(in.Amount), wire.FormatAmount(acct.Balance)))
		}
		if s := p.senders[in.Key]; s != nil {
			for _, e := range s.pending {
				if e.tx.Nonce >= acct.Nonce {
					return fmt.Errorf("%w: input %d (%x…) has %s pending", ErrInputBusy, i, in.Key[:4], e.id.Short())
				}
			}
		}
	}
	return nil
}

// inTumbleLocked returns the pending tumble from is an input of, if any.
func (p *Pool) inTumbleLocked(from wire.PubKey) (wire.Hash, bool) {
	id, ok := p.inputs[from]
	if ok && p.tumbles[id] == nil {
		delete(p.inputs, from)
		return id, false
	}
	return id, ok
}

// removeTumbleLocked drops a pending tumble from memory (the caller
// forgets it on disk).
func (p *Pool) removeTumbleLocked(id wire.Hash) bool {
	e, ok := p.tumbles[id]
	if !ok {
		return false
	}
	for _, in := range e.tx.Body.(wire.Tumble).Inputs {
		if p.inputs[in.Key] == id {
			delete(p.inputs, in.Key)
		}
	}
	delete(p.tumbles, id)
	delete(p.byID, id)
	p.bytes -= e.size
	return true
}

// tumbleTouching returns the pending tumbles with an input among keys.
func (p *Pool) tumblesTouchingLocked(keys map[wire.PubKey]struct{}) []*entry {
	var out []*entry
	for _, e := range p.tumbles {
		for _, in := range e.tx.Body.(wire.Tumble).Inputs {
			if _, ok := keys[in.Key]; ok {
				out = append(out, e)
				break
			}
		}
	}
	return out
}

// selectTumblesLocked returns pending tumbles by fee rate, as many as fit
// in maxBytes, and the bytes they take.
func (p *Pool) selectTumblesLocked(maxBytes int) ([]*wire.Tx, int) {
	es := make([]*entry, 0, len(p.tumbles))
	for _, e := range p.tumbles {
		es = append(es, e)
	}
	sort.Slice(es, func(i, j int) bool {
		if es[i].feeRate() != es[j].feeRate() {
			return es[i].feeRate() > es[j].feeRate()
		}
		return string(es[i].id[:]) < string(es[j].id[:])
	})
	var out []*wire.Tx
	used := 0
	for _, e := range es {
		if used+e.size > maxBytes {
			continue
		}
		used += e.size
		out = append(out, e.tx)
	}
	return out, used
}

// touchedBy returns the accounts whose nonce a block's transactions move:
// senders and tumble inputs.
func touchedBy(b *wire.Block) map[wire.PubKey]struct{} {
	keys := map[wire.PubKey]struct{}{}
	for _, t := range b.Txs[1:] {
		if tb, ok := t.Body.(wire.Tumble); ok {
			for _, in := range tb.Inputs {
				keys[in.Key] = struct{}{}
			}
			continue
		}
		keys[t.From] = struct{}{}
	}
	return keys
}

// PendingTumble returns the pending tumble pk is an input of, if any.
func (p *Pool) PendingTumble(pk wire.PubKey) (*wire.Tx, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	id, ok := p.inTumbleLocked(pk)
	if !ok {
		return nil, false
	}
	return p.tumbles[id].tx, true
}
