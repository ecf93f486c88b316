package node

import (
	"bytes"
	"encoding/binary"

	"github.com/bitverse/bitverse/node/chain"
	"github.com/bitverse/bitverse/node/store"
	"github.com/bitverse/bitverse/node/wire"
	"go.etcd.io/bbolt"
)

// The address index maps pubkey ‖ height ‖ position → tx id for wallet
// history. It is written in the transaction that connects or disconnects
// each root block (chain.Config.IndexTx), so it commits with the block; it
// is still checked against the tip at start and rebuilt if they disagree
// (a database from a build that wrote it in a commit of its own).

func addrKey(pk wire.PubKey, height uint64, pos uint32) []byte {
	k := make([]byte, 0, 44)
	k = append(k, pk[:]...)
	k = binary.BigEndian.AppendUint64(k, height)
	return binary.BigEndian.AppendUint32(k, pos)
}

// parties returns the accounts a transaction touches.
func parties(t *wire.Tx) []wire.PubKey {
	var out []wire.PubKey
	if !t.From.IsZero() {
		out = append(out, t.From)
	}
	switch b := t.Body.(type) {
	case wire.Transfer:
		if b.To != t.From {
			out = append(out, b.To)
		}
	case wire.Coinbase:
		out = append(out, b.To)
	case wire.Tumble:
		// Every input and output account sees the tumble in its history.
		seen := map[wire.PubKey]bool{t.From: true}
		add := func(pk wire.PubKey) {
			if !seen[pk] {
				seen[pk] = true
				out = append(out, pk)
			}
		}
		for _, in := range b.Inputs {
			add(in.Key)
		}
		for _, o := range b.Outputs {
			add(o.To)
		}
	}
	return out
}

func indexBlock(tx *bbolt.Tx, b *wire.Block, add bool) error {
	bk := tx.Bucket(store.Addr)
	for i, t := range b.Txs {
		id := t.ID()
		for _, pk := range parties(t) {
			k := addrKey(pk, b.Header.Height, uint32(i))
			var err error
			if add {
				err = bk.Put(k, id[:])
			} else {
				err = bk.Delete(k)
			}
			if err != nil {
				return err
			}
		}
	}
	if err := indexPayouts(tx, b, add); err != nil {
		return err
	}
	id := b.ID()
	if !add {
		id = b.Header.Prev
	}
	return tx.Bucket(store.Meta).Put(store.KeyAddrAt, id[:])
}

// addrIndexVersion is the layout of the address and payout indexes:
// 2 added the payout index.
const addrIndexVersion = 2

// reindexIfNeeded rebuilds the address and payout indexes when they do
// not end at the tip or were written in another layout.
func reindexIfNeeded(db *bbolt.DB, c *chain.Chain) error {
	tip := c.Tip()
	var at, version []byte
	db.View(func(tx *bbolt.Tx) error {
		at = append([]byte(nil), tx.Bucket(store.Meta).Get(store.KeyAddrAt)...)
		version = append([]byte(nil), tx.Bucket(store.Meta).Get(store.KeyAddrVersion)...)
		return nil
	})
	current := bytes.Equal(version, store.U64(addrIndexVersion))
	if current && (bytes.Equal(at, tip.ID[:]) || (at == nil && tip.Height == 0)) {
		return nil
	}
	err := db.Update(func(tx *bbolt.Tx) error {
		for _, name := range [][]byte{store.Addr, store.Payouts} {
			if err := tx.DeleteBucket(name); err != nil {
				return err
			}
			if _, err := tx.CreateBucket(name); err != nil {
				return err
			}
		}
		m := tx.Bucket(store.Meta)
		if err := m.Delete(store.KeyAddrAt); err != nil {
			return err
		}
		return m.Put(store.KeyAddrVersion, store.U64(addrIndexVersion))
	})
	if err != nil {
		return err
	}
	const chunk = 500
	for h := uint64(1); h <= tip.Height; h += chunk {
		var blocks []*wire.Block
		for x := h; x < h+chunk && x <= tip.Height; x++ {
			b, err := c.BlockByHeight(x)
			if err != nil {
				return err
			}
			blocks = append(blocks, b)
		}
		err := db.Update(func(tx *bbolt.Tx) error {
			for _, b := range blocks {
				if err := indexBlock(tx, b, true); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// lastOf places c on the last key of an index keyed pubkey ‖ height ‖
// position that starts with pk (nil if none), to walk pk's entries newest
// first with c.Prev.
func lastOf(c *bbolt.Cursor, pk wire.PubKey) (k, v []byte) {
	end := append(append([]byte(nil), pk[:]...), bytes.Repeat([]byte{0xff}, 12)...)
	k, v = c.Seek(end)
	if k == nil {
		k, v = c.Last()
	} else if !bytes.Equal(k, end) {
		k, v = c.Prev()
	}
	return k, v
}

// historyIDs lists (height, pos, id) for pk, newest first, at most limit.
func historyIDs(tx *bbolt.Tx, pk wire.PubKey, limit int) []histRef {
	c := tx.Bucket(store.Addr).Cursor()
	var out []histRef
	prefix := pk[:]
	for k, v := lastOf(c, pk); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Prev() {
		var r histRef
		r.height = binary.BigEndian.Uint64(k[32:40])
		r.pos = binary.BigEndian.Uint32(k[40:44])
		copy(r.id[:], v)
		out = append(out, r)
		if limit > 0 && len(out) >= limit {
			break
		}
	}
	return out
}

type histRef struct {
	height uint64
	pos    uint32
	id     wire.Hash
}
