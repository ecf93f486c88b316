package state

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"sort"

	"github.com/bitverse/bitverse/node/consensus"
	"github.com/bitverse/bitverse/node/state/smt"
	"github.com/bitverse/bitverse/node/store"
	"github.com/bitverse/bitverse/node/wire"
	"go.etcd.io/bbolt"
)

// Batch applies one block's transactions on top of the state in a bbolt
// transaction. Nothing is written until Commit.
type Batch struct {
	tx     *bbolt.Tx
	p      *consensus.Params
	height uint64

	accounts map[wire.PubKey]*Account
	priorAcc map[wire.PubKey][]byte // encoding before the block; nil = absent
	kv       map[string]*Record
	priorKV  map[string][]byte
	hist     []histEntry
	fees     uint64

	// Keyspaces, script sources and the paid(from, to) totals that access
	// scripts query; see keyspace.go.
	ks         map[string]*Keyspace
	priorKS    map[string][]byte
	newScripts map[wire.Hash][]byte
	paid       map[string]uint64
	priorPaid  map[string][]byte
	scripts    *Scripts
	time       int64 // block time, unix ms, as scripts see it

	// The blocktree (branch.go): the chain this block is on, the root's
	// ledger at its anchor (branches only), and the value leaves.
	chain       wire.ChainID
	root        RootLedger
	leaves      map[string]wire.Hash
	priorLeaves map[string][]byte
	// Bounties and reputation records (market.go), encoded.
	market      map[string][]byte
	priorMarket map[string][]byte
	// What the block changed, sorted, once it is committed (sortKeys).
	sorted                  bool
	pks                     []wire.PubKey
	keys, ksNames, paidKeys []string
	leafKeys                []string
	marketKeys              []string
	// kvNodes, if set, holds the key/value tree instead of the
	// transaction's tree bucket (SetKVOverlay).
	kvNodes *smt.Overlay
}

type histEntry struct {
	key string
	pos uint32
	rec *Record
}

// NewBatch starts applying a block at height inside tx.
func NewBatch(tx *bbolt.Tx, p *consensus.Params, height uint64) *Batch {
	return &Batch{
		tx: tx, p: p, height: height,
		accounts: map[wire.PubKey]*Account{},
		priorAcc: map[wire.PubKey][]byte{},
		kv:       map[string]*Record{},
		priorKV:  map[string][]byte{},

		ks:         map[string]*Keyspace{},
		priorKS:    map[string][]byte{},
		newScripts: map[wire.Hash][]byte{},
		paid:       map[string]uint64{},
		priorPaid:  map[string][]byte{},

		leaves:      map[string]wire.Hash{},
		priorLeaves: map[string][]byte{},
		market:      map[string][]byte{},
		priorMarket: map[string][]byte{},
	}
}

// NewBranchBatch starts applying a block of branch chain c at height inside
// tx (the branch's database). root is the root ledger at the block's
// anchor: credits, keyspaces and scripts are read there.
func NewBranchBatch(tx *bbolt.Tx, p *consensus.Params, height uint64, c wire.ChainID, root RootLedger) *Batch {
	b := NewBatch(tx, p, height)
	b.chain, b.root = c, root
	return b
}

// SetScripts gives the batch the runner for access scripts and the time of
// the block (unix ms) that scripts see. A batch without scripts refuses
// scripted writes with ErrScriptUnavailable.
func (b *Batch) SetScripts(s *Scripts, blockTime int64) {
	b.scripts = s
	b.time = blockTime
}

// Fees returns the fees collected so far.
func (b *Batch) Fees() uint64 { return b.fees }

func (b *Batch) account(pk wire.PubKey) (*Account, error) {
	if a, ok := b.accounts[pk]; ok {
		return a, nil
	}
	raw := b.tx.Bucket(store.Accounts).Get(pk[:])
	a := &Account{}
	if raw != nil {
		dec, err := decodeAccount(raw)
		if err != nil {
			return nil, fmt.Errorf("stored account %x: %w", pk[:4], err)
		}
		*a = dec
		b.priorAcc[pk] = append([]byte(nil), raw...)
	} else {
		b.priorAcc[pk] = nil
	}
	b.accounts[pk] = a
	return a, nil
}

// Account returns the account as the batch currently sees it.
func (b *Batch) Account(pk wire.PubKey) (Account, error) {
	a, err := b.account(pk)
	if err != nil {
		return Account{}, err
	}
	return *a, nil
}

// Apply checks and applies a signed (non-coinbase) transaction at position
// pos. The signature must already have been verified by the caller. On error
// the batch is unchanged.
func (b *Batch) Apply(t *wire.Tx, pos int) error { return b.apply(t, nil, pos) }

// ApplyWithID is Apply for a caller that already computed t.ID().
func (b *Batch) ApplyWithID(t *wire.Tx, id wire.Hash, pos int) error { return b.apply(t, &id, pos) }

func (b *Batch) apply(t *wire.Tx, id *wire.Hash, pos int) error {
	if !b.chain.IsRoot() {
		return b.applyBranch(t, id, pos)
	}
	if !t.Chain.IsRoot() {
		return consensus.Rule(consensus.ErrBadTxChain, "transaction is for chain %s, this block is on the root chain", t.Chain)
	}
	size := t.Size()
	if min := b.p.MinFee(size); t.Fee < min {
		return consensus.Rule(consensus.ErrFeeTooLow, "fee %d is below the minimum %d for %d bytes", t.Fee, min, size)
	}
	if body, ok := t.Body.(wire.Tumble); ok {
		// No single sender: every input account pays (tumble.go).
		return b.applyTumble(t, body, size)
	}
	from, err := b.account(t.From)
	if err != nil {
		return err
	}
	if t.Nonce != from.Nonce {
		return consensus.Rule(consensus.ErrBadNonce, "nonce %d, account expects %d", t.Nonce, from.Nonce)
	}
	spend := t.Fee
	var price uint64
	switch body := t.Body.(type) {
	case wire.Transfer:
		if body.Amount == 0 {
			return consensus.Rule(consensus.ErrZeroAmount, "transfer of zero")
		}
		if spend, err = wire.AddAmounts(spend, body.Amount); err != nil {
			return consensus.Rule(consensus.ErrAmountOverflow, "amount plus fee overflows")
		}
	case wire.Put:
		if err := wire.ValidKey(body.Key); err != nil {
			return consensus.Rule(consensus.ErrBadKey, "%v", err)
		}
		if len(body.Value) > wire.MaxValueSize {
			return consensus.Rule(consensus.ErrValueTooBig, "value of %d bytes (max %d)", len(body.Value), wire.MaxValueSize)
		}
	case wire.KeyspaceBuy:
		price = KeyspacePrice(body.Name)
		if spend, err = wire.AddAmounts(spend, price); err != nil {
			return consensus.Rule(consensus.ErrAmountOverflow, "price plus fee overflows")
		}
	case wire.KeyspaceScript, wire.KeyspaceTransfer:
	case wire.Stamp:
		if err := b.checkStamp(body); err != nil {
			return err
		}
		if spend, err = wire.AddAmounts(spend, body.Amount); err != nil {
			return consensus.Rule(consensus.ErrAmountOverflow, "amount plus fee overflows")
		}
	case wire.Bounty, wire.Accept, wire.Commit, wire.Settle, wire.Dispute, wire.Refund,
		wire.RelayRegister, wire.RelayLeave, wire.Countersign, wire.RelayMiss:
		escrow, err := b.marketSpend(t)
		if err != nil {
			return err
		}
		if spend, err = wire.AddAmounts(spend, escrow); err != nil {
			return consensus.Rule(consensus.ErrAmountOverflow, "amount plus fee overflows")
		}
	case wire.PoolFund, wire.PoolJoin, wire.PoolLeave, wire.PoolAnswer, wire.TokenBuy, wire.TokenRedeem, wire.PoolReport, wire.PoolSilence, wire.PoolServe:
		escrow, err := b.poolSpend(t)
		if err != nil {
			return err
		}
		if spend, err = wire.AddAmounts(spend, escrow); err != nil {
			return consensus.Rule(consensus.ErrAmountOverflow, "amount plus fee overflows")
		}
	case wire.Checkpoint:
		return consensus.Rule(consensus.ErrBadCheckpoint, "a checkpoint may only be a root block's second transaction")
	case wire.Coinbase:
		return consensus.Rule(consensus.ErrMultipleCoinbases, "a coinbase may only be a block's first transaction")
	default:
		return consensus.Rule(consensus.ErrUnknownTxType, "unknown transaction type %s", t.Type)
	}
	if from.Balance < spend {
		return consensus.Rule(consensus.ErrInsufficientFunds, "balance %s BVS is less than the %s BVS this spends",
			wire.FormatAmount(from.Balance), wire.FormatAmount(spend))
	}
	// Access checks last: they may run a script, the costliest check.
	var applyKeyspace, applyMarket func()
	switch body := t.Body.(type) {
	case wire.Bounty, wire.Accept, wire.Commit, wire.Settle, wire.Dispute, wire.Refund,
		wire.RelayRegister, wire.RelayLeave, wire.Countersign, wire.RelayMiss:
		if id == nil {
			h := t.ID()
			id = &h
		}
		if applyMarket, err = b.checkMarket(t, *id); err != nil {
			return err
		}
	case wire.PoolFund, wire.PoolJoin, wire.PoolLeave, wire.PoolAnswer, wire.TokenBuy, wire.TokenRedeem, wire.PoolReport, wire.PoolSilence, wire.PoolServe:
		if id == nil {
			h := t.ID()
			id = &h
		}
		if applyMarket, err = b.checkPool(t, *id); err != nil {
			return err
		}
	case wire.Put:
		if err := checkBlobValue(body.Value); err != nil {
			return err
		}
		if err := b.checkPut(t.From, body.Key, body.Value); err != nil {
			return err
		}
	case wire.KeyspaceBuy, wire.KeyspaceScript, wire.KeyspaceTransfer:
		p, f, err := b.checkKeyspace(t)
		if err != nil {
			return err
		}
		if p != price {
			return fmt.Errorf("keyspace price changed during checks: %d then %d", price, p)
		}
		applyKeyspace = f
	}
	fees, err := wire.AddAmounts(b.fees, t.Fee)
	if err != nil {
		return consensus.Rule(consensus.ErrAmountOverflow, "block fees overflow")
	}
	// Every check passed: mutate.
	switch body := t.Body.(type) {
	case wire.Transfer:
		to, err := b.account(body.To)
		if err != nil {
			return err
		}
		// Debit first: for a transfer to oneself from and to are the same
		// account, and the credit must see the debited balance.
		recvBalance := to.Balance
		if to == from {
			recvBalance -= spend
		}
		nb, err := wire.AddAmounts(recvBalance, body.Amount)
		if err != nil {
			return consensus.Rule(consensus.ErrAmountOverflow, "recipient balance overflows")
		}
		if err := b.addPaid(t.From, body.To, body.Amount); err != nil {
			return err
		}
		from.Balance -= spend
		to.Balance = nb
	case wire.KeyspaceBuy, wire.KeyspaceScript, wire.KeyspaceTransfer:
		from.Balance -= spend // the price is burned
		applyKeyspace()
	case wire.Stamp:
		if err := b.addStamp(t.From, body); err != nil {
			return err
		}
		from.Balance -= spend
	case wire.Put:
		from.Balance -= spend
		b.writeKV(t, id, pos, body)
	case wire.Bounty, wire.Accept, wire.Commit, wire.Settle, wire.Dispute, wire.Refund,
		wire.RelayRegister, wire.RelayLeave, wire.Countersign, wire.RelayMiss:
		from.Balance -= spend // the amount or stake goes into escrow
		applyMarket()
	case wire.PoolFund, wire.PoolJoin, wire.PoolLeave, wire.PoolAnswer, wire.TokenBuy, wire.TokenRedeem, wire.PoolReport, wire.PoolSilence, wire.PoolServe:
		from.Balance -= spend // an endowment, stake or token price goes into escrow
		applyMarket()
	}
	from.Nonce++
	b.fees = fees
	return nil
}

// writeKV records a put (already checked) in the batch.
func (b *Batch) writeKV(t *wire.Tx, id *wire.Hash, pos int, body wire.Put) {
	if _, seen := b.kv[body.Key]; !seen {
		prior := b.tx.Bucket(store.KV).Get([]byte(body.Key))
		if prior != nil {
			prior = append([]byte(nil), prior...)
		}
		b.priorKV[body.Key] = prior
	}
	if id == nil {
		h := t.ID()
		id = &h
	}
	rec := &Record{Value: body.Value, Writer: t.From, Height: b.height, TxID: *id}
	b.kv[body.Key] = rec
	b.hist = append(b.hist, histEntry{key: body.Key, pos: uint32(pos), rec: rec})
}

// ApplyCoinbase checks the block's coinbase (applied after every other
// transaction, since it claims their fees) and credits it as immature.
// matured, if not nil, is the coinbase of the block CoinbaseMaturity below,
// whose reward becomes spendable now.
func (b *Batch) ApplyCoinbase(cb *wire.Tx, matured *wire.Tx) error {
	body, ok := cb.Body.(wire.Coinbase)
	if !ok {
		return consensus.Rule(consensus.ErrFirstTxNotCoinbase, "first transaction is a %s, not a coinbase", cb.Type)
	}
	if !cb.From.IsZero() || cb.Sig != (wire.Signature{}) || cb.Fee != 0 || cb.Chain != b.chain {
		return consensus.Rule(consensus.ErrBadCoinbaseFields, "a coinbase has no sender, signature or fee, and is on its block's chain")
	}
	if cb.Nonce != b.height {
		return consensus.Rule(consensus.ErrBadCoinbaseNonce, "coinbase nonce %d must be the block height %d", cb.Nonce, b.height)
	}
	if !b.chain.IsRoot() {
		// A branch coinbase claims the block's fees; a checkpoint on the
		// root pays them. There is no subsidy below the root.
		if body.Amount != b.fees {
			return consensus.Rule(consensus.ErrBadCoinbaseAmount, "branch coinbase claims %d, the block's fees are %d", body.Amount, b.fees)
		}
		return nil
	}
	want, err := wire.AddAmounts(b.p.Reward(b.height), b.fees)
	if err != nil {
		return consensus.Rule(consensus.ErrAmountOverflow, "reward plus fees overflows")
	}
	if body.Amount != want {
		return consensus.Rule(consensus.ErrBadCoinbaseAmount, "coinbase pays %d, reward plus fees is %d", body.Amount, want)
	}
	to, err := b.account(body.To)
	if err != nil {
		return err
	}
	if err := b.recordDrawer(body.To); err != nil {
		return err
	}
	if to.Immature, err = wire.AddAmounts(to.Immature, body.Amount); err != nil {
		return consensus.Rule(consensus.ErrAmountOverflow, "immature balance overflows")
	}
	if matured != nil {
		mb := matured.Body.(wire.Coinbase)
		m, err := b.account(mb.To)
		if err != nil {
			return err
		}
		if m.Immature < mb.Amount {
			return fmt.Errorf("state inconsistency: maturing %d but %x has %d immature", mb.Amount, mb.To[:4], m.Immature)
		}
		nb, err := wire.AddAmounts(m.Balance, mb.Amount)
		if err != nil {
			return consensus.Rule(consensus.ErrAmountOverflow, "balance overflows")
		}
		m.Immature -= mb.Amount
		m.Balance = nb
	}
	return nil
}

// Commit writes the batch to the flat buckets and the trees on top of
// parent, and returns the new roots and the undo record.
func (b *Batch) Commit(parent Roots) (Roots, []byte, error) {
	roots, err := b.CommitTrees(parent)
	if err != nil {
		return Roots{}, nil, err
	}
	undo, err := b.CommitFlat(b.tx)
	if err != nil {
		return Roots{}, nil, err
	}
	return roots, undo, nil
}

// CommitTrees writes the batch's tree nodes on top of parent into the
// batch's transaction and returns the new roots; CommitFlat writes the
// rest. Tree nodes are content-addressed and nothing refers to them until
// the roots are stored, so that transaction may commit on its own, before
// the block is known to be valid: if it is not, they are never used.
func (b *Batch) CommitTrees(parent Roots) (Roots, error) {
	b.sortKeys()
	nodes, err := smt.NewBoltStore(b.tx, store.SMT)
	if err != nil {
		return Roots{}, err
	}
	accUps := make([]smt.Update, 0, len(b.pks))
	for _, pk := range b.pks {
		accUps = append(accUps, smt.Update{Key: accountPath(pk), Value: accountLeaf(*b.accounts[pk])})
	}
	accUps = append(accUps, b.ledgerUpdates()...)
	accUps = append(accUps, b.marketUpdates()...)
	kvUps := make([]smt.Update, 0, len(b.keys))
	for _, k := range b.keys {
		kvUps = append(kvUps, smt.Update{Key: wire.KeyPath(k), Value: b.kv[k].Hash()})
	}
	var roots Roots
	if roots.Accounts, err = smt.Apply(nodes, parent.Accounts, accUps); err != nil {
		return Roots{}, fmt.Errorf("accounts tree: %w", err)
	}
	var kvNodes smt.NodeStore = nodes
	if b.kvNodes != nil {
		kvNodes = b.kvNodes
	}
	if roots.KV, err = smt.Apply(kvNodes, parent.KV, kvUps); err != nil {
		return Roots{}, fmt.Errorf("kv tree: %w", err)
	}
	return roots, nil
}

// CommitFlat writes the accounts, records, history and ledger the batch
// changed into tx, and returns the undo record. tx may be a later
// transaction than the batch's, provided nothing wrote the state in
// between: the batch keeps copies of everything it read.
func (b *Batch) CommitFlat(tx *bbolt.Tx) ([]byte, error) {
	b.sortKeys()
	accB := tx.Bucket(store.Accounts)
	kvB := tx.Bucket(store.KV)
	histB := tx.Bucket(store.KVHist)
	recB := tx.Bucket(store.LeafRecs)
	for _, pk := range b.pks {
		a := b.accounts[pk]
		if a.IsZero() {
			if err := accB.Delete(pk[:]); err != nil {
				return nil, err
			}
			continue
		}
		enc := a.encode()
		if err := accB.Put(pk[:], enc); err != nil {
			return nil, err
		}
		// The root keeps every account record by leaf hash, for branches
		// reading the ledger at an anchor (branch.go).
		if b.chain.IsRoot() {
			leaf := accountLeaf(*a)
			if err := recB.Put(leaf[:], enc); err != nil {
				return nil, err
			}
		}
	}
	if err := b.writeLedger(tx); err != nil {
		return nil, err
	}
	if err := b.writeMarket(tx); err != nil {
		return nil, err
	}
	for _, k := range b.keys {
		if err := kvB.Put([]byte(k), b.kv[k].Encode()); err != nil {
			return nil, err
		}
	}
	for _, h := range b.hist {
		if err := histB.Put(histKey(h.key, b.height, h.pos), h.rec.Encode()); err != nil {
			return nil, err
		}
	}
	return b.undo(b.pks, b.keys, b.ksNames, b.paidKeys, b.leafKeys), nil
}

// sortKeys lists, once, what the batch changed in the order it is written.
func (b *Batch) sortKeys() {
	if b.sorted {
		return
	}
	b.sorted = true
	b.pks = make([]wire.PubKey, 0, len(b.accounts))
	for pk := range b.accounts {
		b.pks = append(b.pks, pk)
	}
	sort.Slice(b.pks, func(i, j int) bool { return bytes.Compare(b.pks[i][:], b.pks[j][:]) < 0 })
	b.keys = make([]string, 0, len(b.kv))
	for k := range b.kv {
		b.keys = append(b.keys, k)
	}
	sort.Strings(b.keys)
	for n := range b.ks {
		b.ksNames = append(b.ksNames, n)
	}
	sort.Strings(b.ksNames)
	for k := range b.paid {
		b.paidKeys = append(b.paidKeys, k)
	}
	sort.Strings(b.paidKeys)
	for k := range b.leaves {
		b.leafKeys = append(b.leafKeys, k)
	}
	sort.Strings(b.leafKeys)
	for k := range b.market {
		b.marketKeys = append(b.marketKeys, k)
	}
	sort.Strings(b.marketKeys)
}

// undo record: accounts (pk, prior) ‖ kv (key, prior) ‖ hist (key, pos) ‖
// keyspaces (name, prior) ‖ paid (key, prior) ‖ leaves (key, prior) ‖
// market (key, prior). Records written before the market existed end
// after the leaves.
func (b *Batch) undo(pks []wire.PubKey, keys []string, ksNames, paidKeys, leafKeys []string) []byte {
	w := wire.NewWriter(64 * (len(pks) + len(keys)))
	w.Uvarint(uint64(len(pks)))
	for _, pk := range pks {
		w.Fixed(pk[:])
		writeOptional(w, b.priorAcc[pk])
	}
	w.Uvarint(uint64(len(keys)))
	for _, k := range keys {
		w.String(k)
		writeOptional(w, b.priorKV[k])
	}
	w.Uvarint(uint64(len(b.hist)))
	for _, h := range b.hist {
		w.String(h.key)
		w.U32(h.pos)
	}
	w.Uvarint(uint64(len(ksNames)))
	for _, n := range ksNames {
		w.String(n)
		writeOptional(w, b.priorKS[n])
	}
	w.Uvarint(uint64(len(paidKeys)))
	for _, k := range paidKeys {
		w.Fixed([]byte(k))
		writeOptional(w, b.priorPaid[k])
	}
	w.Uvarint(uint64(len(leafKeys)))
	for _, k := range leafKeys {
		w.VarBytes([]byte(k))
		writeOptional(w, b.priorLeaves[k])
	}
	w.Uvarint(uint64(len(b.marketKeys)))
	for _, k := range b.marketKeys {
		w.Fixed([]byte(k))
		writeOptional(w, b.priorMarket[k])
	}
	return w.Bytes()
}

func writeOptional(w *wire.Writer, b []byte) {
	if b == nil {
		w.U8(0)
		return
	}
	w.U8(1)
	w.VarBytes(b)
}

func readOptional(r *wire.Reader) []byte {
	if r.U8() == 0 {
		return nil
	}
	return r.VarBytes(wire.MaxTxSize, "undo value")
}

// Disconnect reverses a block at height using its undo record, restoring
// the flat buckets exactly. The caller restores the parent's roots.
func Disconnect(tx *bbolt.Tx, height uint64, undo []byte) error {
	accB := tx.Bucket(store.Accounts)
	kvB := tx.Bucket(store.KV)
	histB := tx.Bucket(store.KVHist)
	r := wire.NewReader(undo)
	n := r.Len(1<<24, wire.PubKeySize+1, "undo accounts")
	for i := 0; i < n && r.Err() == nil; i++ {
		pk := r.Fixed(wire.PubKeySize)
		prior := readOptional(r)
		if r.Err() != nil {
			break
		}
		var err error
		if prior == nil {
			err = accB.Delete(pk)
		} else {
			err = accB.Put(pk, prior)
		}
		if err != nil {
			return err
		}
	}
	n = r.Len(1<<24, 2, "undo keys")
	for i := 0; i < n && r.Err() == nil; i++ {
		k := []byte(r.String(wire.MaxKeySize, "undo key"))
		prior := readOptional(r)
		if r.Err() != nil {
			break
		}
		var err error
		if prior == nil {
			err = kvB.Delete(k)
		} else {
			err = kvB.Put(k, prior)
		}
		if err != nil {
			return err
		}
	}
	n = r.Len(1<<24, 5, "undo history")
	for i := 0; i < n && r.Err() == nil; i++ {
		k := r.String(wire.MaxKeySize, "undo key")
		pos := r.U32()
		if r.Err() != nil {
			break
		}
		if err := histB.Delete(histKey(k, height, pos)); err != nil {
			return err
		}
	}
	if err := restore(r, tx.Bucket(store.Keyspace), "undo keyspaces", func() []byte {
		return []byte(r.String(wire.MaxKeySize, "undo keyspace"))
	}); err != nil {
		return err
	}
	if err := restore(r, tx.Bucket(store.Paid), "undo paid", func() []byte {
		return r.Fixed(2 * wire.PubKeySize)
	}); err != nil {
		return err
	}
	if err := restore(r, tx.Bucket(store.Leaves), "undo leaves", func() []byte {
		return r.VarBytes(64, "undo leaf key")
	}); err != nil {
		return err
	}
	if r.Err() == nil && r.Remaining() > 0 {
		if err := restore(r, tx.Bucket(store.Market), "undo market", func() []byte {
			return r.Fixed(1 + wire.HashSize)
		}); err != nil {
			return err
		}
	}
	if err := r.Done(); err != nil {
		return fmt.Errorf("undo record is damaged: %w", err)
	}
	return nil
}

func histKey(key string, height uint64, pos uint32) []byte {
	k := make([]byte, 0, len(key)+13)
	k = append(k, key...)
	k = append(k, 0)
	k = binary.BigEndian.AppendUint64(k, height)
	return binary.BigEndian.AppendUint32(k, pos)
}

// restore reads (key, prior) pairs and puts the prior values back.
func restore(r *wire.Reader, bk *bbolt.Bucket, what string, key func() []byte) error {
	n := r.Len(1<<24, 2, what)
	for i := 0; i < n && r.Err() == nil; i++ {
		k := key()
		prior := readOptional(r)
		if r.Err() != nil {
			break
		}
		var err error
		if prior == nil {
			err = bk.Delete(k)
		} else {
			err = bk.Put(k, prior)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// checkBlobValue applies the value rule of blobs: a value that starts with
// the blob-manifest magic claims to be a blob reference, and must be a
// valid manifest, or every reader would take it for a broken one.
func checkBlobValue(v []byte) error {
	if !wire.IsBlobManifest(v) {
		return nil
	}
	if _, _, _, err := wire.DecodeBlobManifest(v); err != nil {
		return consensus.Rule(consensus.ErrBadBlobManifest, "the value begins with the blob manifest marker but is no valid manifest (%v); store the data as a blob, or change its first bytes", err)
	}
	return nil
}
