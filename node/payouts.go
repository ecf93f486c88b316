package node

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"sort"

	"github.com/bitverse/bitverse/node/state"
	"github.com/bitverse/bitverse/node/store"
	"github.com/bitverse/bitverse/node/wire"
	"go.etcd.io/bbolt"
)

// The payout index maps miner ‖ root height ‖ entry → the checkpoint entry
// that pays that miner for a branch block. Branch miners are paid by root
// checkpoints, not by their own coinbases, so their earnings are only
// found here. It is kept with the address index (indexBlock).

// payoutScanLimit bounds the entries one Payouts call reads, newest first.
const payoutScanLimit = 5000

// payoutValueSize is chain depth ‖ bits ‖ block id ‖ branch height ‖ fees.
const payoutValueSize = 1 + 4 + 32 + 8 + 8

func payoutKey(pk wire.PubKey, rootHeight uint64, entry int) []byte {
	k := make([]byte, 0, 44)
	k = append(k, pk[:]...)
	k = binary.BigEndian.AppendUint64(k, rootHeight)
	return binary.BigEndian.AppendUint32(k, uint32(entry))
}

func encodePayout(e wire.CheckpointEntry) []byte {
	v := make([]byte, 0, payoutValueSize)
	v = append(v, e.Chain.Depth)
	v = binary.BigEndian.AppendUint32(v, e.Chain.Bits)
	v = append(v, e.Block[:]...)
	v = binary.BigEndian.AppendUint64(v, e.Height)
	return binary.BigEndian.AppendUint64(v, e.Fees)
}

// payoutRec is one indexed entry: the root height of the checkpoint and
// what it names.
type payoutRec struct {
	rootHeight uint64
	chain      wire.ChainID
	block      wire.Hash
	height     uint64
	fees       uint64
}

// decodePayout reads an index record; a record of the wrong size is
// refused (the index is rebuilt on a version change, never misread).
func decodePayout(k, v []byte) (payoutRec, error) {
	if len(k) != 44 || len(v) != payoutValueSize {
		return payoutRec{}, fmt.Errorf("payout index record of %d+%d bytes, want 44+%d", len(k), len(v), payoutValueSize)
	}
	r := payoutRec{rootHeight: binary.BigEndian.Uint64(k[32:40])}
	r.chain = wire.ChainID{Depth: v[0], Bits: binary.BigEndian.Uint32(v[1:5])}
	copy(r.block[:], v[5:37])
	r.height = binary.BigEndian.Uint64(v[37:45])
	r.fees = binary.BigEndian.Uint64(v[45:53])
	return r, nil
}

// indexPayouts adds (or, on disconnect, removes) the entries of root
// block b's checkpoint, if it has one (always its second transaction).
func indexPayouts(tx *bbolt.Tx, b *wire.Block, add bool) error {
	if len(b.Txs) < 2 {
		return nil
	}
	cp, ok := b.Txs[1].Body.(wire.Checkpoint)
	if !ok {
		return nil
	}
	bk := tx.Bucket(store.Payouts)
	for i, e := range cp.Entries {
		k := payoutKey(e.Miner, b.Header.Height, i)
		var err error
		if add {
			err = bk.Put(k, encodePayout(e))
		} else {
			err = bk.Delete(k)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// Payouts implements API: what root checkpoints pay addr for the branch
// blocks it mined, per chain, judged at the root's tip. An entry recorded
// at root height h is paid by the root block h+CheckpointMaturity unless a
// replacement checkpoint of its chain voided it before (docs/PROTOCOL.md
// §14, deferred payouts): matured = paid to the balance, pending = not yet
// that deep, voided = will never pay.
func (n *Node) Payouts(ctx context.Context, addr string) (*PayoutInfo, error) {
	pk, err := n.parseAddr(addr)
	if err != nil {
		return nil, err
	}
	tip := n.chain.Tip().Height
	m := n.cfg.Params.CheckpointMaturity
	var recs []payoutRec
	truncated := false
	err = n.db.View(func(tx *bbolt.Tx) error {
		c := tx.Bucket(store.Payouts).Cursor()
		for k, v := lastOf(c, pk); k != nil && bytes.HasPrefix(k, pk[:]); k, v = c.Prev() {
			if len(recs) == payoutScanLimit {
				truncated = true
				break
			}
			r, err := decodePayout(k, v)
			if err != nil {
				return err
			}
			if r.rootHeight <= tip { // indexed ahead of the tip read above
				recs = append(recs, r)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	// An entry's fate is read from the voided leaf of its chain after
	// the root block before the one that matures it (or at the tip while
	// it is still pending), as MatureCheckpoint reads it.
	judge := func(h uint64) uint64 {
		if m == 0 {
			return h
		}
		return min(h+m-1, tip)
	}
	ids := map[uint64]wire.Hash{}
	for _, r := range recs {
		j := judge(r.rootHeight)
		if _, ok := ids[j]; ok {
			continue
		}
		id, err := n.chain.IDAt(j) // outside the read transaction: it takes the chain lock
		if err != nil {
			return nil, fmt.Errorf("payouts: the root moved while they were read (%v); ask again", err)
		}
		ids[j] = id
	}
	type at struct {
		height uint64
		chain  wire.ChainID
	}
	voided := map[at]uint64{}
	err = n.db.View(func(tx *bbolt.Tx) error {
		ledgers := map[uint64]*state.LedgerAt{}
		for _, r := range recs {
			j := judge(r.rootHeight)
			key := at{j, r.chain}
			if _, ok := voided[key]; ok {
				continue
			}
			l := ledgers[j]
			if l == nil {
				id := ids[j]
				raw := tx.Bucket(store.Roots).Get(id[:])
				if raw == nil {
					return fmt.Errorf("payouts: no state roots for root block %s; ask again", id.Short())
				}
				roots, err := state.DecodeRoots(raw)
				if err != nil {
					return err
				}
				if l, err = state.NewLedgerAt(tx, roots); err != nil {
					return err
				}
				ledgers[j] = l
			}
			v, err := l.Voided(r.chain)
			if err != nil {
				return err
			}
			voided[key] = v
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := &PayoutInfo{Address: addr, Height: tip, Maturity: m, Truncated: truncated}
	byChain := map[wire.ChainID]*ChainPayouts{}
	for _, r := range recs {
		cp := byChain[r.chain]
		if cp == nil {
			cp = &ChainPayouts{Chain: r.chain.String()}
			byChain[r.chain] = cp
		}
		switch matures := r.rootHeight + m; {
		case voided[at{judge(r.rootHeight), r.chain}] > r.rootHeight:
			cp.Voided += r.fees
			cp.VoidedBlocks++
			out.Voided += r.fees
		case matures <= tip:
			cp.Matured += r.fees
			cp.MaturedBlocks++
			out.Matured += r.fees
		default:
			cp.Pending += r.fees
			cp.PendingBlocks++
			out.Pending += r.fees
			if cp.NextMatures == 0 || matures < cp.NextMatures {
				cp.NextMatures = matures
			}
		}
	}
	for _, cp := range byChain {
		out.Chains = append(out.Chains, *cp)
	}
	sort.Slice(out.Chains, func(i, j int) bool {
		a, b := out.Chains[i].Chain, out.Chains[j].Chain
		if len(a) != len(b) {
			return len(a) < len(b)
		}
		return a < b
	})
	return out, nil
}
