package mempool

import (
	"container/heap"
	"errors"
	"fmt"
	"sync"

	"github.com/bitverse/bitverse/node/chain"
	"github.com/bitverse/bitverse/node/consensus"
	"github.com/bitverse/bitverse/node/state"
	"github.com/bitverse/bitverse/node/store"
	"github.com/bitverse/bitverse/node/wire"
	"go.etcd.io/bbolt"
)

// Errors.
var (
	ErrKnown          = errors.New("transaction is already in the mempool")
	ErrPoolFull       = errors.New("mempool is full and this transaction's fee rate is too low to evict another")
	ErrReplacementFee = errors.New("a transaction with this nonce is pending; a replacement must pay at least 10% more fee")
	ErrNonceGap       = errors.New("nonce leaves a gap after the sender's pending transactions")
	ErrBadTx          = errors.New("invalid transaction")
)

// Config sets up a pool.
type Config struct {
	Params *consensus.Params
	DB     *bbolt.DB
	Sigs   *chain.SigCache
	// Check runs the keyspace and access-script checks of a put or
	// keyspace transaction against the tip after the pending root
	// transactions it may depend on (chain.CheckAccess with parents); nil
	// skips them. It is not called for transactions a disconnected block
	// returns (that happens under the chain's lock).
	Check func(t *wire.Tx, parents []*wire.Tx) error
	// Root is the root chain's pool, for a branch pool: a write there may
	// depend on its sender's pending root transactions (the keyspace it
	// writes into, bought but not yet in a block; the stamp that pays for
	// it). nil for the root pool, whose transactions depend on their
	// sender's earlier pending ones.
	Root   *Pool
	MaxTxs int // default 50,000
	// Chain is the chain whose transactions the pool holds (zero: the
	// root). A branch pool holds puts under the chain's prefix only, and
	// Available says what a sender may still spend there: its write
	// credit on the root minus what its branch account has spent.
	Chain     wire.ChainID
	Available func(pk wire.PubKey, spent uint64) (uint64, error)
	MaxBytes  int // default 256 MiB
}

type entry struct {
	tx    *wire.Tx
	id    wire.Hash
	size  int
	spend uint64 // amount + fee
}

func (e *entry) feeRate() float64 { return float64(e.tx.Fee) / float64(e.size) }

// Pool is the mempool. Safe for concurrent use.
type Pool struct {
	cfg     Config
	mu      sync.Mutex
	byID    map[wire.Hash]*entry
	senders map[wire.PubKey]*sender
	bytes   int
	changed chan struct{}
	// claims indexes pending market moves by bounty (claims.go).
	claims   map[claim][]wire.Hash
	claimIDs int
	// tumbles are pending tumbles by ID; inputs maps each of their input
	// accounts to its tumble (tumble.go).
	tumbles map[wire.Hash]*entry
	inputs  map[wire.PubKey]wire.Hash
	// recheckFrom is the sender the last Recheck stopped after.
	recheckFrom wire.PubKey
}

// sender's pending transactions, nonce base..base+len-1.
type sender struct {
	base    uint64
	pending []*entry
}

// New returns an empty pool.
func New(cfg Config) *Pool {
	if cfg.MaxTxs == 0 {
		cfg.MaxTxs = 50_000
	}
	if cfg.MaxBytes == 0 {
		cfg.MaxBytes = 256 << 20
	}
	return &Pool{cfg: cfg, byID: map[wire.Hash]*entry{}, senders: map[wire.PubKey]*sender{}, changed: make(chan struct{}, 1),
		claims: map[claim][]wire.Hash{}, tumbles: map[wire.Hash]*entry{}, inputs: map[wire.PubKey]wire.Hash{}}
}

// Changed delivers a signal (coalesced) whenever transactions are added.
func (p *Pool) Changed() <-chan struct{} { return p.changed }

// Len returns the number of pending transactions.
func (p *Pool) Len() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.byID)
}

// Bytes returns the total encoded size of pending transactions.
func (p *Pool) Bytes() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.bytes
}

// Has reports whether id is pending.
func (p *Pool) Has(id wire.Hash) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	_, ok := p.byID[id]
	return ok
}

// Get returns a pending transaction.
func (p *Pool) Get(id wire.Hash) (*wire.Tx, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	e, ok := p.byID[id]
	if !ok {
		return nil, false
	}
	return e.tx, true
}

// Pending returns the sender's pending transactions in nonce order.
func (p *Pool) Pending(from wire.PubKey) []*wire.Tx {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := p.senders[from]
	if s == nil {
		return nil
	}
	out := make([]*wire.Tx, len(s.pending))
	for i, e := range s.pending {
		out[i] = e.tx
	}
	return out
}

// NextNonce returns the nonce the sender's next transaction should carry,
// counting pending ones. A block may have confirmed some of them before the
// pool hears of it (BlockConnected runs after the chain's commit): the
// pending ones past the account's nonce still count.
func (p *Pool) NextNonce(from wire.PubKey) (uint64, error) {
	acct, err := p.account(from)
	if err != nil {
		return 0, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if s := p.senders[from]; s != nil && s.base <= acct.Nonce {
		return max(acct.Nonce, s.base+uint64(len(s.pending))), nil
	}
	return acct.Nonce, nil
}

func (p *Pool) account(pk wire.PubKey) (state.Account, error) {
	var a state.Account
	err := p.cfg.DB.View(func(tx *bbolt.Tx) error {
		var err error
		a, err = state.GetAccount(tx, pk)
		return err
	})
	return a, err
}

// Add admits tx, persisting it before returning nil.
func (p *Pool) Add(tx *wire.Tx) (wire.Hash, error) {
	id, err := p.add(tx, true, true, true)
	return id, err
}

// add admits tx. access runs the keyspace and script checks (Config.Check);
// BlockDisconnected passes false: it runs inside the chain's disconnect
// hook, with the chain lock held, where asking the chain would deadlock. A
// returned write that a script now refuses is left out by the next
// template, which removes it.
func (p *Pool) add(tx *wire.Tx, persist, verify, access bool) (wire.Hash, error) {
	id := tx.ID()
	size := tx.Size()
	spend, err := check(p.cfg.Params, p.cfg.Chain, tx, size)
	if err != nil {
		return id, fmt.Errorf("%w: %w", ErrBadTx, err)
	}
	if _, ok := tx.Body.(wire.Tumble); ok {
		return p.addTumble(tx, id, size, persist, verify)
	}
	// Cheapest first: what the sender's nonce and balance already refuse
	// is refused before the signature is verified or a script runs, so a
	// peer cannot buy that work with transactions that never apply. The
	// same rules run again under the lock below: the state may move
	// meanwhile.
	if access {
		if err := p.precheck(tx, id, spend); err != nil {
			return id, err
		}
	}
	if verify && !p.cfg.Sigs.Has(id) {
		if err := p.cfg.Sigs.VerifySig(p.cfg.Params.Net, tx); err != nil {
			return id, fmt.Errorf("%w: %w", ErrBadTx, consensus.Rule(consensus.ErrBadSignature, "%v", err))
		}
		p.cfg.Sigs.Add(id)
	}
	if access && p.cfg.Check != nil {
		// Before the lock: a script may take a while.
		if err := p.cfg.Check(tx, p.parents(tx)); err != nil {
			if consensus.CodeOf(err) != 0 {
				return id, fmt.Errorf("%w: %w", ErrBadTx, err)
			}
			return id, err
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, ok := p.byID[id]; ok {
		return id, ErrKnown
	}
	if err := p.checkClaimLocked(tx); err != nil {
		return id, err
	}
	// Read the account under the lock: a block that connects commits its
	// state before BlockConnected takes the lock, so what is read here is
	// never older than the pool's view of the sender.
	acct, err := p.account(tx.From)
	if err != nil {
		return id, err
	}
	s := p.senders[tx.From]
	var stale []wire.Hash
	if s != nil && s.base < acct.Nonce {
		// The chain moved on: drop what is stale (from disk too). A base
		// above the account's nonce means a block is being disconnected (or
		// acct was read just before a block connected): BlockDisconnected
		// puts things right, so nothing is dropped here.
		stale = p.dropStaleLocked(tx.From, acct.Nonce)
		s = p.senders[tx.From]
		if len(stale) > 0 {
			defer p.forget(stale) // whatever this call decides
		}
	}
	replace, err := p.fitsLocked(tx, spend, acct, s)
	if err != nil {
		return id, err
	}
	e := &entry{tx: tx, id: id, size: size, spend: spend}
	var evict *entry
	if replace == nil && (len(p.byID) >= p.cfg.MaxTxs || p.bytes+size > p.cfg.MaxBytes) {
		evict = p.cheapestTailLocked()
		if evict == nil || evict.feeRate() >= e.feeRate() || evict.tx.From == tx.From {
			return id, ErrPoolFull
		}
	}
	if persist {
		err := p.cfg.DB.Update(func(btx *bbolt.Tx) error {
			b := btx.Bucket(store.Mempool)
			if replace != nil {
				if err := b.Delete(replace.id[:]); err != nil {
					return err
				}
			}
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
	if s == nil {
		s = &sender{base: acct.Nonce}
		p.senders[tx.From] = s
	}
	if replace != nil {
		i := replace.tx.Nonce - s.base
		s.pending[i] = e
		delete(p.byID, replace.id)
		p.bytes -= replace.size
	} else {
		s.pending = append(s.pending, e)
	}
	p.byID[id] = e
	p.bytes += size
	p.addClaimLocked(tx, id)
	select {
	case p.changed <- struct{}{}:
	default:
	}
	return id, nil
}

// parents returns the pending root transactions tx may depend on, in the
// order a block would hold them: on the root, its sender's pending
// transactions before its nonce; on a branch, its sender's pending root
// transactions.
func (p *Pool) parents(tx *wire.Tx) []*wire.Tx {
	if p.cfg.Root != nil {
		return Parents(p.cfg.Root.Pending(tx.From))
	}
	pending := p.Pending(tx.From)
	for i, t := range pending {
		if t.Nonce >= tx.Nonce {
			pending = pending[:i]
			break
		}
	}
	return Parents(pending)
}

// MaxParents bounds the pending transactions applied before a check, so
// that a sender's long queue does not make every admission redo its work.
const MaxParents = 16

// Parents returns the part of a sender's pending transactions (in nonce
// order, from the account's nonce) that a later transaction is judged
// after: the prefix of at most MaxParents that ends with the last one a
// check can depend on (anything but a put: keyspace transactions,
// transfers, stamps). A queue of puts only yields none, so a writer's
// stream of puts is judged against the tip, as a block would judge them
// but without running their scripts again.
func Parents(pending []*wire.Tx) []*wire.Tx {
	pending = pending[:min(len(pending), MaxParents)]
	for i := len(pending) - 1; i >= 0; i-- {
		if _, put := pending[i].Body.(wire.Put); !put {
			return pending[:i+1]
		}
	}
	return nil
}

// PendingSpend returns what from's pending transactions spend from its
// balance (amounts, costs and fees, as admission counts them; stale ones
// below the account's nonce count for nothing): a new transaction may
// spend the balance minus this.
func (p *Pool) PendingSpend(from wire.PubKey) (uint64, error) {
	acct, err := p.account(from)
	if err != nil {
		return 0, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	var sum uint64
	if s := p.senders[from]; s != nil {
		for _, e := range s.pending {
			if e.tx.Nonce >= acct.Nonce {
				sum, _ = wire.AddAmounts(sum, e.spend)
			}
		}
	}
	if id, ok := p.inTumbleLocked(from); ok {
		for _, in := range p.tumbles[id].tx.Body.(wire.Tumble).Inputs {
			if in.Key == from {
				sum, _ = wire.AddAmounts(sum, in.Amount)
			}
		}
	}
	return sum, nil
}

// PendingStamps returns the write credit on chain id that from's pending
// stamps buy.
func (p *Pool) PendingStamps(from wire.PubKey, id wire.ChainID) uint64 {
	var sum uint64
	for _, t := range p.Pending(from) {
		if st, ok := t.Body.(wire.Stamp); ok && st.Chain == id {
			sum, _ = wire.AddAmounts(sum, st.Amount)
		}
	}
	return sum
}

// precheck applies the nonce and balance rules to tx without admitting it.
func (p *Pool) precheck(tx *wire.Tx, id wire.Hash, spend uint64) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, ok := p.byID[id]; ok {
		return ErrKnown
	}
	acct, err := p.account(tx.From)
	if err != nil {
		return err
	}
	_, err = p.fitsLocked(tx, spend, acct, p.senders[tx.From])
	return err
}

// fitsLocked checks tx's nonce and what it spends against the sender's
// account and pending transactions s (nil: none), and returns the pending
// transaction it replaces, if any. Pending transactions below the
// account's nonce are stale and count for nothing.
func (p *Pool) fitsLocked(tx *wire.Tx, spend uint64, acct state.Account, s *sender) (*entry, error) {
	if tx.Nonce < acct.Nonce {
		return nil, fmt.Errorf("%w: %w", ErrBadTx, consensus.Rule(consensus.ErrBadNonce, "nonce %d was already used (account is at %d)", tx.Nonce, acct.Nonce))
	}
	if id, ok := p.inTumbleLocked(tx.From); ok {
		return nil, fmt.Errorf("%w (tumble %s)", ErrInTumble, id.Short())
	}
	var pendingSpend uint64
	var replace *entry
	next := acct.Nonce
	if s != nil {
		next = max(next, s.base+uint64(len(s.pending)))
		for _, e := range s.pending {
			if e.tx.Nonce < acct.Nonce {
				continue
			}
			if e.tx.Nonce == tx.Nonce {
				replace = e
				continue
			}
			pendingSpend += e.spend
		}
	}
	if replace == nil && tx.Nonce != next {
		return nil, fmt.Errorf("%w: nonce %d, expected %d", ErrNonceGap, tx.Nonce, next)
	}
	if replace != nil && tx.Fee < replace.tx.Fee+replace.tx.Fee/10 {
		return nil, ErrReplacementFee
	}
	total, err := wire.AddAmounts(pendingSpend, spend)
	if p.cfg.Available != nil {
		avail, aerr := p.cfg.Available(tx.From, acct.Balance)
		if aerr != nil {
			return nil, aerr
		}
		// Credit stamped by pending root transactions counts: the block
		// template leaves the write out until a root block holds the stamp.
		if p.cfg.Root != nil {
			avail, _ = wire.AddAmounts(avail, p.cfg.Root.PendingStamps(tx.From, p.cfg.Chain))
		}
		if err != nil || total > avail {
			return nil, fmt.Errorf("%w: %w", ErrBadTx, consensus.Rule(consensus.ErrNoCredit,
				"write credit left on chain %s is %s BVS, which does not cover this and pending writes (%s BVS); stamp some with `bitverse stamp %s AMOUNT`",
				p.cfg.Chain, wire.FormatAmount(avail), wire.FormatAmount(total), p.cfg.Chain))
		}
	} else if err != nil || total > acct.Balance {
		return nil, fmt.Errorf("%w: %w", ErrBadTx, consensus.Rule(consensus.ErrInsufficientFunds,
			"balance %s BVS does not cover this and pending transactions (%s BVS)", wire.FormatAmount(acct.Balance), wire.FormatAmount(total)))
	}
	return replace, nil
}

// check applies the stateless rules and returns what tx spends.
func check(params *consensus.Params, chain wire.ChainID, tx *wire.Tx, size int) (uint64, error) {
	if tx.Chain.String() != chain.String() {
		return 0, consensus.Rule(consensus.ErrBadTxChain, "transaction is for chain %s, this pool holds chain %s", tx.Chain, chain)
	}
	if !chain.IsRoot() {
		put, ok := tx.Body.(wire.Put)
		if !ok {
			return 0, consensus.Rule(consensus.ErrBadTxChain, "a %s runs on the root chain; branch chains carry only puts", tx.Type)
		}
		if home := wire.ForPath(wire.KeyPath(put.Key), chain.Depth); home != chain {
			return 0, consensus.Rule(consensus.ErrBadTxChain, "key %q belongs to chain %s at depth %d, not %s", put.Key, home, chain.Depth, chain)
		}
	}
	if min := params.MinFee(size); tx.Fee < min {
		return 0, consensus.Rule(consensus.ErrFeeTooLow, "fee %d is below the minimum %d for %d bytes", tx.Fee, min, size)
	}
	if tx.Body == nil || tx.Body.TxType() != tx.Type {
		return 0, consensus.Rule(consensus.ErrUnknownTxType, "type %s does not match its body", tx.Type)
	}
	switch b := tx.Body.(type) {
	case wire.Transfer:
		if b.Amount == 0 {
			return 0, consensus.Rule(consensus.ErrZeroAmount, "transfer of zero")
		}
		s, err := wire.AddAmounts(b.Amount, tx.Fee)
		if err != nil {
			return 0, consensus.Rule(consensus.ErrAmountOverflow, "amount plus fee overflows")
		}
		return s, nil
	case wire.Put:
		if err := wire.ValidKey(b.Key); err != nil {
			return 0, consensus.Rule(consensus.ErrBadKey, "%v", err)
		}
		if len(b.Value) > wire.MaxValueSize {
			return 0, consensus.Rule(consensus.ErrValueTooBig, "value of %d bytes (max %d)", len(b.Value), wire.MaxValueSize)
		}
		return tx.Fee, nil
	case wire.KeyspaceBuy:
		if err := wire.ValidKeyspaceName(b.Name); err != nil {
			return 0, consensus.Rule(consensus.ErrBadKeyspaceName, "%v", err)
		}
		s, err := wire.AddAmounts(state.KeyspacePrice(b.Name), tx.Fee)
		if err != nil {
			return 0, consensus.Rule(consensus.ErrAmountOverflow, "price plus fee overflows")
		}
		return s, nil
	case wire.KeyspaceScript, wire.KeyspaceTransfer:
		return tx.Fee, nil
	case wire.Stamp:
		if b.Chain.IsRoot() || b.Chain.Depth > params.MaxDepth {
			return 0, consensus.Rule(consensus.ErrBadStamp, "a stamp buys credit on a branch chain of depth 1 to %d, not %s", params.MaxDepth, b.Chain)
		}
		if b.Amount == 0 {
			return 0, consensus.Rule(consensus.ErrZeroAmount, "stamp of zero")
		}
		s, err := wire.AddAmounts(b.Amount, tx.Fee)
		if err != nil {
			return 0, consensus.Rule(consensus.ErrAmountOverflow, "amount plus fee overflows")
		}
		return s, nil
	case wire.Bounty:
		if b.Amount == 0 {
			return 0, consensus.Rule(consensus.ErrZeroAmount, "bounty of zero")
		}
		s, err := wire.AddAmounts(b.Amount, tx.Fee)
		if err != nil {
			return 0, consensus.Rule(consensus.ErrAmountOverflow, "amount plus fee overflows")
		}
		return s, nil
	case wire.Accept:
		s, err := wire.AddAmounts(b.Stake, tx.Fee)
		if err != nil {
			return 0, consensus.Rule(consensus.ErrAmountOverflow, "stake plus fee overflows")
		}
		return s, nil
	case wire.RelayRegister:
		s, err := wire.AddAmounts(b.Stake, tx.Fee)
		if err != nil {
			return 0, consensus.Rule(consensus.ErrAmountOverflow, "stake plus fee overflows")
		}
		return s, nil
	case wire.Commit, wire.Settle, wire.Dispute, wire.Refund, wire.RelayLeave, wire.Countersign, wire.RelayMiss:
		return tx.Fee, nil
	case wire.Tumble:
		return checkTumble(params, tx, b, size)
	case wire.PoolFund, wire.PoolJoin, wire.PoolLeave, wire.PoolAnswer, wire.TokenBuy, wire.TokenRedeem, wire.PoolReport, wire.PoolSilence, wire.PoolServe:
		escrow, err := state.PoolSpend(params, tx)
		if err != nil {
			return 0, err
		}
		s, err := wire.AddAmounts(escrow, tx.Fee)
		if err != nil {
			return 0, consensus.Rule(consensus.ErrAmountOverflow, "amount plus fee overflows")
		}
		return s, nil
	case wire.Checkpoint:
		return 0, consensus.Rule(consensus.ErrBadCheckpoint, "checkpoints are made by miners, not sent as transactions")
	case wire.Coinbase:
		return 0, consensus.Rule(consensus.ErrMultipleCoinbases, "a coinbase cannot be sent as a transaction")
	}
	return 0, consensus.Rule(consensus.ErrUnknownTxType, "unknown transaction type %s", tx.Type)
}

// cheapestTailLocked returns the lowest fee-rate transaction that is last in
// its sender's chain (removing it leaves no gap).
func (p *Pool) cheapestTailLocked() *entry {
	var worst *entry
	for _, s := range p.senders {
		if len(s.pending) == 0 {
			continue
		}
		e := s.pending[len(s.pending)-1]
		if worst == nil || e.feeRate() < worst.feeRate() {
			worst = e
		}
	}
	return worst
}

func (p *Pool) removeTailLocked(e *entry) {
	s := p.senders[e.tx.From]
	s.pending = s.pending[:len(s.pending)-1]
	if len(s.pending) == 0 {
		delete(p.senders, e.tx.From)
	}
	delete(p.byID, e.id)
	p.bytes -= e.size
}

// dropStaleLocked drops the sender's pending transactions below nonce and
// rebases. Persistence is cleaned up by the caller's next Update (or Load).
func (p *Pool) dropStaleLocked(from wire.PubKey, nonce uint64) []wire.Hash {
	s := p.senders[from]
	if s == nil {
		return nil
	}
	var dropped []wire.Hash
	keep := s.pending[:0]
	for _, e := range s.pending {
		if e.tx.Nonce < nonce {
			delete(p.byID, e.id)
			p.bytes -= e.size
			dropped = append(dropped, e.id)
			continue
		}
		keep = append(keep, e)
	}
	s.pending = keep
	s.base = nonce
	if len(s.pending) == 0 || s.pending[0].tx.Nonce != nonce {
		// A gap: what remains can never apply until refilled; drop it too.
		for _, e := range s.pending {
			delete(p.byID, e.id)
			p.bytes -= e.size
			dropped = append(dropped, e.id)
		}
		delete(p.senders, from)
	}
	return dropped
}

// Select returns pending transactions for a block template: by fee rate
// across senders, in nonce order within each sender, up to maxBytes.
func (p *Pool) Select(maxBytes int) []*wire.Tx {
	p.mu.Lock()
	defer p.mu.Unlock()
	// Tumbles first: their inputs have nothing else pending (tumble.go).
	out, used := p.selectTumblesLocked(maxBytes)
	h := &feeHeap{}
	for _, s := range p.senders {
		if len(s.pending) > 0 {
			*h = append(*h, cursor{s: s})
		}
	}
	heap.Init(h)
	for h.Len() > 0 {
		c := heap.Pop(h).(cursor)
		e := c.s.pending[c.i]
		if used+e.size > maxBytes {
			continue // this sender's later txs cannot go without this one
		}
		used += e.size
		out = append(out, e.tx)
		if c.i+1 < len(c.s.pending) {
			heap.Push(h, cursor{s: c.s, i: c.i + 1})
		}
	}
	return out
}

type cursor struct {
	s *sender
	i int
}

type feeHeap []cursor

func (h feeHeap) Len() int { return len(h) }
func (h feeHeap) Less(i, j int) bool {
	a, b := h[i].s.pending[h[i].i], h[j].s.pending[h[j].i]
	if a.feeRate() != b.feeRate() {
		return a.feeRate() > b.feeRate()
	}
	return string(a.id[:]) < string(b.id[:])
}
func (h feeHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *feeHeap) Push(x any)   { *h = append(*h, x.(cursor)) }
func (h *feeHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
