package state

import (
	"encoding/binary"
	"fmt"

	"github.com/bitverse/bitverse/node/consensus"
	"github.com/bitverse/bitverse/node/state/smt"
	"github.com/bitverse/bitverse/node/store"
	"github.com/bitverse/bitverse/node/wire"
	"go.etcd.io/bbolt"
)

// The blocktree's part of the root ledger: value leaves whose 32 bytes are
// the value itself (an amount, big-endian, or a block ID), so a branch reads
// them at any historical root with one tree lookup.
//
//	credit(sender, chain)  "c" ‖ chain ‖ sender   total ever stamped
//	pool(chain)            "p" ‖ chain            stamped and not yet paid out
//	checkpoint(chain)      "k" ‖ chain            last checkpointed block
//	final(chain)           "f" ‖ chain            last checkpointed block whose payout matured
//	reserved(chain)        "r" ‖ chain            fees checkpointed, not yet matured or voided
//	voided(chain)          "v" ‖ chain            root height of the last replacement
//
// Their ledger-tree path is TaggedSum("bitverse/leaf", key).

func chainBytes(c wire.ChainID) []byte {
	return binary.BigEndian.AppendUint32([]byte{c.Depth}, c.Bits)
}

func creditKey(pk wire.PubKey, c wire.ChainID) []byte {
	return append(append([]byte{'c'}, chainBytes(c)...), pk[:]...)
}
func poolKey(c wire.ChainID) []byte       { return append([]byte{'p'}, chainBytes(c)...) }
func checkpointKey(c wire.ChainID) []byte { return append([]byte{'k'}, chainBytes(c)...) }
func finalKey(c wire.ChainID) []byte      { return append([]byte{'f'}, chainBytes(c)...) }
func reservedKey(c wire.ChainID) []byte   { return append([]byte{'r'}, chainBytes(c)...) }
func voidedKey(c wire.ChainID) []byte     { return append([]byte{'v'}, chainBytes(c)...) }
func leafPath(k []byte) wire.Hash         { return wire.TaggedSum("bitverse/leaf", k) }

func amountLeaf(v uint64) wire.Hash {
	var h wire.Hash
	binary.BigEndian.PutUint64(h[24:], v)
	return h
}

func leafAmount(h wire.Hash) uint64 { return binary.BigEndian.Uint64(h[24:]) }

// leaf reads a value leaf through the batch.
func (b *Batch) leaf(k []byte) wire.Hash {
	if v, ok := b.leaves[string(k)]; ok {
		return v
	}
	var h wire.Hash
	copy(h[:], b.tx.Bucket(store.Leaves).Get(k))
	return h
}

func (b *Batch) setLeaf(k []byte, v wire.Hash) {
	if _, seen := b.leaves[string(k)]; !seen {
		prior := b.tx.Bucket(store.Leaves).Get(k)
		if prior != nil {
			prior = append([]byte(nil), prior...)
		}
		b.priorLeaves[string(k)] = prior
	}
	b.leaves[string(k)] = v
}

// LastCheckpoint returns the last block of chain c that the root
// checkpointed (zero: none yet, the chain's genesis stands).
func (b *Batch) LastCheckpoint(c wire.ChainID) wire.Hash { return b.leaf(checkpointKey(c)) }

// FinalCheckpoint returns the last block of chain c whose checkpoint
// matured (zero: none yet). A replacement starts from it.
func (b *Batch) FinalCheckpoint(c wire.ChainID) wire.Hash { return b.leaf(finalKey(c)) }

// applyStamp checks a stamp and returns what it adds to the sender's spend.
func (b *Batch) checkStamp(s wire.Stamp) error {
	if s.Chain.IsRoot() || s.Chain.Depth > b.p.MaxDepth {
		return consensus.Rule(consensus.ErrBadStamp, "a stamp buys credit on a branch chain of depth 1 to %d, not %s", b.p.MaxDepth, s.Chain)
	}
	if s.Amount == 0 {
		return consensus.Rule(consensus.ErrZeroAmount, "stamp of zero")
	}
	return nil
}

func (b *Batch) addStamp(from wire.PubKey, s wire.Stamp) error {
	ck, pk := creditKey(from, s.Chain), poolKey(s.Chain)
	credit, err1 := wire.AddAmounts(leafAmount(b.leaf(ck)), s.Amount)
	pool, err2 := wire.AddAmounts(leafAmount(b.leaf(pk)), s.Amount)
	if err1 != nil || err2 != nil {
		return consensus.Rule(consensus.ErrAmountOverflow, "credit on chain %s overflows", s.Chain)
	}
	b.setLeaf(ck, amountLeaf(credit))
	b.setLeaf(pk, amountLeaf(pool))
	return nil
}

// ApplyCheckpoint records each entry's block as its chain's last
// checkpoint and reserves the entry's fees out of the chain's pool; they are
// paid when the checkpoint matures (MatureCheckpoint), unless a replacement
// voids them first (VoidCheckpoints). The caller (the chain) has already
// checked that the entries continue each chain's last checkpoint, or replace
// its pending ones, and match the headers it holds.
func (b *Batch) ApplyCheckpoint(cp wire.Checkpoint) error {
	if !b.chain.IsRoot() {
		return consensus.Rule(consensus.ErrBadCheckpoint, "only root blocks carry checkpoints")
	}
	for _, e := range cp.Entries {
		pk, rk := poolKey(e.Chain), reservedKey(e.Chain)
		pool := leafAmount(b.leaf(pk))
		if e.Fees > pool {
			return consensus.Rule(consensus.ErrOverpay, "checkpoint of %s pays %s BVS, but only %s BVS stamped for chain %s is unpaid",
				e, wire.FormatAmount(e.Fees), wire.FormatAmount(pool), e.Chain)
		}
		if e.Fees > 0 {
			// reserved ≤ stamped, so it cannot overflow where pool did not.
			b.setLeaf(pk, amountLeaf(pool-e.Fees))
			b.setLeaf(rk, amountLeaf(leafAmount(b.leaf(rk))+e.Fees))
		}
		b.setLeaf(checkpointKey(e.Chain), e.Block)
	}
	return nil
}

// VoidCheckpoints cancels every pending (not yet matured) checkpoint of
// chain c: their reserved fees go back to the pool, and entries recorded
// before this root block will never pay. The caller applies the
// replacement entries next.
func (b *Batch) VoidCheckpoints(c wire.ChainID) {
	pk, rk := poolKey(c), reservedKey(c)
	if r := leafAmount(b.leaf(rk)); r > 0 {
		b.setLeaf(pk, amountLeaf(leafAmount(b.leaf(pk))+r))
		b.setLeaf(rk, amountLeaf(0))
	}
	b.setLeaf(voidedKey(c), amountLeaf(b.height))
}

// MatureCheckpoint pays the entries of cp, the checkpoint of the root
// block at height recordedAt (CheckpointMaturity below this one), that no
// replacement voided since: each entry's fees go from its chain's reserve
// to its miner's balance, and its block becomes the chain's final
// checkpoint.
func (b *Batch) MatureCheckpoint(cp wire.Checkpoint, recordedAt uint64) error {
	for _, e := range cp.Entries {
		if recordedAt < leafAmount(b.leaf(voidedKey(e.Chain))) {
			continue // voided by a replacement
		}
		if e.Fees > 0 {
			rk := reservedKey(e.Chain)
			r := leafAmount(b.leaf(rk))
			if r < e.Fees {
				return fmt.Errorf("state inconsistency: maturing %d for chain %s but %d is reserved", e.Fees, e.Chain, r)
			}
			m, err := b.account(e.Miner)
			if err != nil {
				return err
			}
			nb, err := wire.AddAmounts(m.Balance, e.Fees)
			if err != nil {
				return consensus.Rule(consensus.ErrAmountOverflow, "miner balance overflows")
			}
			m.Balance = nb
			b.setLeaf(rk, amountLeaf(r-e.Fees))
		}
		b.setLeaf(finalKey(e.Chain), e.Block)
	}
	return nil
}

// applyBranch checks and applies a transaction of a branch block: only puts
// under the chain's prefix, paid from the sender's credit as the root
// ledger shows it at the block's anchor. A branch account records the
// credit spent (in Balance) and the nonce.
func (b *Batch) applyBranch(t *wire.Tx, id *wire.Hash, pos int) error {
	if t.Chain != b.chain {
		return consensus.Rule(consensus.ErrBadTxChain, "transaction is for chain %s, this block is on chain %s", t.Chain, b.chain)
	}
	put, ok := t.Body.(wire.Put)
	if !ok {
		return consensus.Rule(consensus.ErrBadTxChain, "a %s runs on the root chain; branch chains carry only puts", t.Type)
	}
	if err := wire.ValidKey(put.Key); err != nil {
		return consensus.Rule(consensus.ErrBadKey, "%v", err)
	}
	if len(put.Value) > wire.MaxValueSize {
		return consensus.Rule(consensus.ErrValueTooBig, "value of %d bytes (max %d)", len(put.Value), wire.MaxValueSize)
	}
	if home := wire.ForPath(wire.KeyPath(put.Key), b.chain.Depth); home != b.chain {
		return consensus.Rule(consensus.ErrBadTxChain, "key %q belongs to chain %s at depth %d, not %s", put.Key, home, b.chain.Depth, b.chain)
	}
	size := t.Size()
	if min := b.p.MinFee(size); t.Fee < min {
		return consensus.Rule(consensus.ErrFeeTooLow, "fee %d is below the minimum %d for %d bytes", t.Fee, min, size)
	}
	from, err := b.account(t.From)
	if err != nil {
		return err
	}
	if t.Nonce != from.Nonce {
		return consensus.Rule(consensus.ErrBadNonce, "nonce %d, account expects %d on chain %s", t.Nonce, from.Nonce, b.chain)
	}
	credit, err := b.root.Credit(t.From, b.chain)
	if err != nil {
		return err
	}
	spent, err := wire.AddAmounts(from.Balance, t.Fee)
	if err != nil || spent > credit {
		return consensus.Rule(consensus.ErrNoCredit, "write credit on chain %s is %s BVS and %s BVS of it is spent; this write needs %s BVS more (stamp some with `bitverse stamp %s AMOUNT`)",
			b.chain, wire.FormatAmount(credit), wire.FormatAmount(from.Balance), wire.FormatAmount(t.Fee), b.chain)
	}
	if err := checkBlobValue(put.Value); err != nil {
		return err
	}
	if err := b.checkPut(t.From, put.Key, put.Value); err != nil {
		return err
	}
	fees, err := wire.AddAmounts(b.fees, t.Fee)
	if err != nil {
		return consensus.Rule(consensus.ErrAmountOverflow, "block fees overflow")
	}
	b.writeKV(t, id, pos, put)
	from.Balance = spent
	from.Nonce++
	b.fees = fees
	return nil
}

// RootLedger is the root's ledger as a branch block sees it: at the root
// block its anchors lead to.
type RootLedger interface {
	Credit(pk wire.PubKey, c wire.ChainID) (uint64, error)
	Keyspace(name string) (*Keyspace, error)
	Script(h wire.Hash) []byte
	Balance(pk wire.PubKey) (uint64, error)
	PaidTotal(from, to wire.PubKey) (uint64, error)
}

// LedgerAt reads the root's ledger as it was under given roots. Every
// version of the tree stays stored, and LeafRecs keeps every record by its
// leaf hash, so any block's ledger can be read.
type LedgerAt struct {
	tx    *bbolt.Tx
	nodes smt.NodeStore
	root  wire.Hash
}

// NewLedgerAt opens a reader over the root database tx at roots.
func NewLedgerAt(tx *bbolt.Tx, roots Roots) (*LedgerAt, error) {
	nodes, err := smt.NewBoltStore(tx, store.SMT)
	if err != nil {
		return nil, err
	}
	return &LedgerAt{tx: tx, nodes: nodes, root: roots.Accounts}, nil
}

func (l *LedgerAt) leaf(path wire.Hash) (wire.Hash, error) {
	v, _, err := smt.Get(l.nodes, l.root, path)
	return v, err
}

func (l *LedgerAt) record(path wire.Hash, what string) ([]byte, error) {
	h, err := l.leaf(path)
	if err != nil || h.IsZero() {
		return nil, err
	}
	raw := l.tx.Bucket(store.LeafRecs).Get(h[:])
	if raw == nil {
		return nil, fmt.Errorf("ledger record of %s %s is missing from the store", what, h.Short())
	}
	return raw, nil
}

// Credit implements RootLedger.
func (l *LedgerAt) Credit(pk wire.PubKey, c wire.ChainID) (uint64, error) {
	h, err := l.leaf(leafPath(creditKey(pk, c)))
	return leafAmount(h), err
}

// Pool returns what was stamped for chain c and not yet paid out.
func (l *LedgerAt) Pool(c wire.ChainID) (uint64, error) {
	h, err := l.leaf(leafPath(poolKey(c)))
	return leafAmount(h), err
}

// Voided returns the root height of chain c's last replacement checkpoint
// (0 if none): a checkpoint entry recorded at a root height below it is
// never paid.
func (l *LedgerAt) Voided(c wire.ChainID) (uint64, error) {
	h, err := l.leaf(leafPath(voidedKey(c)))
	return leafAmount(h), err
}

// Keyspace implements RootLedger.
func (l *LedgerAt) Keyspace(name string) (*Keyspace, error) {
	raw, err := l.record(keyspacePath(name), "keyspace "+name)
	if raw == nil || err != nil {
		return nil, err
	}
	return decodeKeyspace(name, raw)
}

// Script implements RootLedger.
func (l *LedgerAt) Script(h wire.Hash) []byte { return l.tx.Bucket(store.Scripts).Get(h[:]) }

// Balance implements RootLedger.
func (l *LedgerAt) Balance(pk wire.PubKey) (uint64, error) {
	raw, err := l.record(accountPath(pk), "account")
	if raw == nil || err != nil {
		return 0, err
	}
	a, err := decodeAccount(raw)
	return a.Balance, err
}

// PaidTotal implements RootLedger.
func (l *LedgerAt) PaidTotal(from, to wire.PubKey) (uint64, error) {
	raw, err := l.record(paidPath(paidKey(from, to)), "paid total")
	if raw == nil || err != nil {
		return 0, err
	}
	if len(raw) != 8 {
		return 0, fmt.Errorf("paid record of %d bytes", len(raw))
	}
	return binary.BigEndian.Uint64(raw), nil
}

// Checkpoint returns the last block of chain c checkpointed in the current
// (tip) state of a root database.
func Checkpoint(tx *bbolt.Tx, c wire.ChainID) wire.Hash {
	var h wire.Hash
	copy(h[:], tx.Bucket(store.Leaves).Get(checkpointKey(c)))
	return h
}

// FinalCheckpoint returns the last block of chain c whose checkpoint
// matured, in the current (tip) state of a root database.
func FinalCheckpoint(tx *bbolt.Tx, c wire.ChainID) wire.Hash {
	var h wire.Hash
	copy(h[:], tx.Bucket(store.Leaves).Get(finalKey(c)))
	return h
}

// ReservedOf returns the fees of chain c's pending checkpoints (reserved
// out of its pool, not yet paid) in the current state of a root database.
func ReservedOf(tx *bbolt.Tx, c wire.ChainID) uint64 {
	var h wire.Hash
	copy(h[:], tx.Bucket(store.Leaves).Get(reservedKey(c)))
	return leafAmount(h)
}

// CreditOf returns, in the current state of a root database, what pk has
// stamped for chain c, and the chain's unpaid pool.
func CreditOf(tx *bbolt.Tx, pk wire.PubKey, c wire.ChainID) (credit, pool uint64) {
	var h wire.Hash
	copy(h[:], tx.Bucket(store.Leaves).Get(creditKey(pk, c)))
	credit = leafAmount(h)
	h = wire.Hash{}
	copy(h[:], tx.Bucket(store.Leaves).Get(poolKey(c)))
	return credit, leafAmount(h)
}
