package state

import (
	"fmt"

	"github.com/bitverse/bitverse/node/consensus"
	"github.com/bitverse/bitverse/node/state/smt"
	"github.com/bitverse/bitverse/node/store"
	"github.com/bitverse/bitverse/node/wire"
	"go.etcd.io/bbolt"
)

// The market's part of the root ledger: bounties and the reputation ledger.
// Both are records in the Market bucket, keyed "b" ‖ bounty id and
// "r" ‖ pubkey, each a leaf of the ledger (accounts) tree at
// TaggedSum("bitverse/market", key) holding TaggedSum("bitverse/marketrec/v1",
// record), so the state root covers them. Two value leaves (branch.go's
// kind) keep the totals: "E" what is escrowed (amounts and stakes of
// unclosed bounties), "B" what the market has burned. Coins are conserved:
// balances + immature + escrow + burned only change by rewards and fees.

// BountyState is where a bounty stands.
type BountyState uint8

// Bounty states. Open and accepted bounties can still be refunded at the
// deadline; committed ones settle or are disputed; the last three are closed.
const (
	BountyOpen BountyState = iota + 1
	BountyAccepted
	BountyCommitted
	BountySettled
	BountyDisputed
	BountyRefunded
)

var bountyStateNames = [...]string{"", "open", "accepted", "committed", "settled", "disputed", "refunded"}

// String is the name the API and CLI use.
func (s BountyState) String() string {
	if int(s) < len(bountyStateNames) && s != 0 {
		return bountyStateNames[s]
	}
	return fmt.Sprintf("state%d", uint8(s))
}

// ParseBountyState reads a state name ("open", ...).
func ParseBountyState(s string) (BountyState, bool) {
	for i, n := range bountyStateNames {
		if n == s && i > 0 {
			return BountyState(i), true
		}
	}
	return 0, false
}

// Closed reports whether nothing can happen to the bounty any more.
func (s BountyState) Closed() bool { return s >= BountySettled }

// Bounty is a bounty's record. Worker is the named worker while open (zero:
// anyone may accept), then the accepted one.
type Bounty struct {
	ID        wire.Hash // the bounty tx's ID (not encoded: it is the key)
	Requester wire.PubKey
	Request   wire.Hash
	Row       uint8
	Amount    uint64
	Deadline  uint64
	Worker    wire.PubKey
	Stake     uint64
	State     BountyState
	Created   uint64 // heights; 0 until it happens
	Accepted  uint64
	Committed uint64
	Closed    uint64
	Promised  uint32
	Envelope  wire.Hash

	// Relay lineups (relay.go), encoded after the part-1 fields only when
	// one of them is set, so a bounty without relays keeps its part-1
	// record. Hops is what the requester asked for; Slots holds the lineup
	// (slot < Hops) and jury entries, current and past. Drawer is the
	// coinbase recipient of the block whose ID drew the lineup, Drawn that
	// block's height. Result is the commit's result hash. ContestAt is the
	// height a contest opened at; Disputer says the requester opened it.
	Hops      uint8
	Result    wire.Hash
	Drawer    wire.PubKey
	Drawn     uint64
	Contest   ContestState
	ContestAt uint64
	Disputer  bool
	JuryFrom  int // index in Slots of the current (or last) jury's first entry
	Slots     []Slot
}

func (b *Bounty) hasRelayTail() bool {
	return b.Hops != 0 || !b.Result.IsZero() || !b.Drawer.IsZero() || b.Drawn != 0 || b.Contest != 0 ||
		b.ContestAt != 0 || b.Disputer || b.JuryFrom != 0 || len(b.Slots) > 0
}

func (b *Bounty) encode() []byte {
	w := wire.NewWriter(200)
	w.Fixed(b.Requester[:])
	w.Hash(b.Request)
	w.U8(b.Row)
	w.Uvarint(b.Amount)
	w.Uvarint(b.Deadline)
	w.Fixed(b.Worker[:])
	w.Uvarint(b.Stake)
	w.U8(uint8(b.State))
	w.Uvarint(b.Created)
	w.Uvarint(b.Accepted)
	w.Uvarint(b.Committed)
	w.Uvarint(b.Closed)
	w.U32(b.Promised)
	w.Hash(b.Envelope)
	if b.hasRelayTail() {
		w.U8(b.Hops)
		w.Hash(b.Result)
		w.Fixed(b.Drawer[:])
		w.Uvarint(b.Drawn)
		w.U8(uint8(b.Contest))
		w.Uvarint(b.ContestAt)
		if b.Disputer {
			w.U8(1)
		} else {
			w.U8(0)
		}
		w.Uvarint(uint64(b.JuryFrom))
		w.Uvarint(uint64(len(b.Slots)))
		for _, sl := range b.Slots {
			sl.encode(w)
		}
	}
	return w.Bytes()
}

func decodeBounty(id wire.Hash, raw []byte) (*Bounty, error) {
	r := wire.NewReader(raw)
	b := &Bounty{ID: id}
	copy(b.Requester[:], r.Fixed(wire.PubKeySize))
	b.Request = r.Hash()
	b.Row = r.U8()
	b.Amount = r.Uvarint()
	b.Deadline = r.Uvarint()
	copy(b.Worker[:], r.Fixed(wire.PubKeySize))
	b.Stake = r.Uvarint()
	b.State = BountyState(r.U8())
	b.Created = r.Uvarint()
	b.Accepted = r.Uvarint()
	b.Committed = r.Uvarint()
	b.Closed = r.Uvarint()
	b.Promised = r.U32()
	b.Envelope = r.Hash()
	if r.Err() == nil && r.Remaining() > 0 {
		if err := b.decodeRelayTail(r); err != nil {
			return nil, fmt.Errorf("bounty record %s: %w", id.Short(), err)
		}
	}
	if err := r.Done(); err != nil {
		return nil, fmt.Errorf("bounty record %s: %w", id.Short(), err)
	}
	if b.State < BountyOpen || b.State > BountyRefunded {
		return nil, fmt.Errorf("bounty record %s: %w: state %d", id.Short(), wire.ErrMalformed, b.State)
	}
	return b, nil
}

// SettleAfter is the height from which the worker may settle a committed
// bounty itself (0 before a commit).
func (b *Bounty) SettleAfter(p *consensus.Params) uint64 {
	if b.Committed == 0 {
		return 0
	}
	if b.Relayed() {
		// With relays: from the last countersign, once all are in (0
		// until then).
		done, last := b.LineupDone()
		if !done || b.Contest == ContestOpen {
			return 0
		}
		return last + p.SettleWindow
	}
	return b.Committed + p.SettleWindow
}

// Reputation is one identity's record in the reputation ledger.
type Reputation struct {
	Done            uint64 // bounties settled to it
	Failed          uint64 // accepted and refunded without a commit
	Disputed        uint64 // its results disputed
	Lost            uint64 // contests lost: as a worker whose result a jury overturned, as a relay on the losing side
	DisputesRaised  uint64 // disputes it raised as a requester
	Accepted        uint64 // bounties it accepted
	PromisedBlocks  uint64 // summed promises of its settled bounties
	DeliveredBlocks uint64 // summed accept→commit blocks of its settled bounties
	// As a relay (encoded only when one is set, so a part-1 record is
	// unchanged): lineup slots countersigned and paid, wrong results it
	// was first to catch, slots it left silent.
	Relayed uint64
	Caught  uint64
	Missed  uint64
}

func (r *Reputation) encode() []byte {
	w := wire.NewWriter(16)
	for _, v := range []uint64{r.Done, r.Failed, r.Disputed, r.Lost, r.DisputesRaised, r.Accepted, r.PromisedBlocks, r.DeliveredBlocks} {
		w.Uvarint(v)
	}
	if r.Relayed != 0 || r.Caught != 0 || r.Missed != 0 {
		w.Uvarint(r.Relayed)
		w.Uvarint(r.Caught)
		w.Uvarint(r.Missed)
	}
	return w.Bytes()
}

func decodeReputation(raw []byte) (*Reputation, error) {
	r := wire.NewReader(raw)
	rep := &Reputation{}
	for _, v := range []*uint64{&rep.Done, &rep.Failed, &rep.Disputed, &rep.Lost, &rep.DisputesRaised, &rep.Accepted, &rep.PromisedBlocks, &rep.DeliveredBlocks} {
		*v = r.Uvarint()
	}
	if r.Err() == nil && r.Remaining() > 0 {
		rep.Relayed, rep.Caught, rep.Missed = r.Uvarint(), r.Uvarint(), r.Uvarint()
		if r.Err() == nil && rep.Relayed == 0 && rep.Caught == 0 && rep.Missed == 0 {
			r.Fail(fmt.Errorf("%w: an all-zero relay tail", wire.ErrMalformed))
		}
	}
	if err := r.Done(); err != nil {
		return nil, fmt.Errorf("reputation record: %w", err)
	}
	return rep, nil
}

func bountyKey(id wire.Hash) []byte   { return append([]byte{'b'}, id[:]...) }
func repKey(pk wire.PubKey) []byte    { return append([]byte{'r'}, pk[:]...) }
func marketPath(k []byte) wire.Hash   { return wire.TaggedSum("bitverse/market", k) }
func marketLeaf(rec []byte) wire.Hash { return wire.TaggedSum("bitverse/marketrec/v1", rec) }
func escrowKey() []byte               { return []byte{'E'} }
func burnedKey() []byte               { return []byte{'B'} }
func (b *Batch) escrow() uint64       { return leafAmount(b.leaf(escrowKey())) }
func (b *Batch) burned() uint64       { return leafAmount(b.leaf(burnedKey())) }
func (b *Batch) setEscrow(v uint64)   { b.setLeaf(escrowKey(), amountLeaf(v)) }
func (b *Batch) setBurned(v uint64)   { b.setLeaf(burnedKey(), amountLeaf(v)) }

// marketRecord reads a market record through the batch (nil: absent).
func (b *Batch) marketRecord(k []byte) []byte {
	if v, ok := b.market[string(k)]; ok {
		return v
	}
	return b.tx.Bucket(store.Market).Get(k)
}

func (b *Batch) setMarket(k []byte, rec []byte) {
	if _, seen := b.market[string(k)]; !seen {
		prior := b.tx.Bucket(store.Market).Get(k)
		if prior != nil {
			prior = append([]byte(nil), prior...)
		}
		b.priorMarket[string(k)] = prior
	}
	b.market[string(k)] = rec
}

// Bounty returns a bounty as the batch sees it (nil: none).
func (b *Batch) Bounty(id wire.Hash) (*Bounty, error) {
	raw := b.marketRecord(bountyKey(id))
	if raw == nil {
		return nil, nil
	}
	return decodeBounty(id, raw)
}

func (b *Batch) reputation(pk wire.PubKey) (*Reputation, error) {
	raw := b.marketRecord(repKey(pk))
	if raw == nil {
		return &Reputation{}, nil
	}
	return decodeReputation(raw)
}

// marketSpend checks what a market transaction's body says on its own (no
// lookups) and returns what it takes from the signer besides the fee.
func (b *Batch) marketSpend(t *wire.Tx) (uint64, error) {
	switch body := t.Body.(type) {
	case wire.Bounty:
		if body.Amount == 0 {
			return 0, consensus.Rule(consensus.ErrZeroAmount, "bounty of zero")
		}
		if body.Deadline <= b.height+b.p.MinBountyBlocks {
			return 0, consensus.Rule(consensus.ErrBadBounty, "deadline %d is too near: a bounty at height %d needs a deadline above %d, so that a worker has %d blocks to accept and commit",
				body.Deadline, b.height, b.height+b.p.MinBountyBlocks, b.p.MinBountyBlocks)
		}
		if body.Hops > b.p.MaxHops {
			return 0, consensus.Rule(consensus.ErrBadRelay, "a bounty asks for at most %d relays, not %d", b.p.MaxHops, body.Hops)
		}
		return body.Amount, nil
	case wire.RelayRegister:
		if body.Caps&^wire.RelayCapRecompute != 0 {
			return 0, consensus.Rule(consensus.ErrBadRelay, "relay caps %#x set reserved bits; only bit 0 (recomputes transforms) is defined", body.Caps)
		}
		return body.Stake, nil
	case wire.Accept:
		if body.Promised == 0 {
			return 0, consensus.Rule(consensus.ErrBadBounty, "an accept promises a commit within at least 1 block, not 0")
		}
		return body.Stake, nil
	case wire.Commit:
		if body.Envelope.IsZero() {
			return 0, consensus.Rule(consensus.ErrBadBounty, "a commit names its result envelope's hash; this one is zero")
		}
	}
	return 0, nil
}

// checkMarket runs the checks of a market transaction that read the
// bounty (after nonce and balance: the lookups come last) and returns
// what applies it once the signer has paid its spend. id is the tx's ID.
func (b *Batch) checkMarket(t *wire.Tx, id wire.Hash) (func(), error) {
	switch t.Body.(type) {
	case wire.RelayRegister, wire.RelayLeave:
		return b.checkRelay(t)
	}
	if body, ok := t.Body.(wire.Bounty); ok {
		if b.marketRecord(bountyKey(id)) != nil {
			return nil, fmt.Errorf("state inconsistency: bounty %s already exists", id.Short())
		}
		escrow, err := wire.AddAmounts(b.escrow(), body.Amount)
		if err != nil {
			return nil, consensus.Rule(consensus.ErrAmountOverflow, "escrow overflows")
		}
		rec := &Bounty{ID: id, Requester: t.From, Request: body.Request, Row: body.Row, Amount: body.Amount,
			Deadline: body.Deadline, Worker: body.Worker, State: BountyOpen, Created: b.height, Hops: body.Hops}
		for n := uint8(0); n < body.Hops; n++ {
			rec.Slots = append(rec.Slots, Slot{N: n}) // drawn by the next block
		}
		return func() {
			b.setMarket(bountyKey(id), rec.encode())
			b.setEscrow(escrow)
			if rec.Hops > 0 {
				_ = b.enqueueDraw(id) // the queue record decodes: this node wrote it
			}
		}, nil
	}
	ref, _ := wire.MarketBounty(t)
	bn, err := b.Bounty(ref)
	if err != nil {
		return nil, err
	}
	if bn == nil {
		return nil, consensus.Rule(consensus.ErrNoBounty, "there is no bounty %s on the chain", ref.Short())
	}
	h := b.height
	relayed := bn.Relayed()
	need := func(s BountyState, what string) error {
		if bn.State != s {
			return consensus.Rule(consensus.ErrBountyState, "bounty %s is %s; %s", ref.Short(), bn.State, what)
		}
		return nil
	}
	switch body := t.Body.(type) {
	case wire.Accept:
		if err := need(BountyOpen, "only an open bounty can be accepted"); err != nil {
			return nil, err
		}
		if h >= bn.Deadline {
			return nil, consensus.Rule(consensus.ErrBountyDeadline, "bounty %s reached its deadline %d; it can no longer be accepted, only refunded", ref.Short(), bn.Deadline)
		}
		if !bn.Worker.IsZero() && bn.Worker != t.From {
			return nil, consensus.Rule(consensus.ErrNotParty, "bounty %s names another worker; only that key may accept it", ref.Short())
		}
		if h+uint64(body.Promised) >= bn.Deadline {
			return nil, consensus.Rule(consensus.ErrBadBounty, "the accept promises a commit at height %d, but bounty %s needs it below its deadline %d",
				h+uint64(body.Promised), ref.Short(), bn.Deadline)
		}
		if min := b.p.MinStake(bn.Amount); body.Stake < min {
			return nil, consensus.Rule(consensus.ErrStakeTooLow, "stake %s BVS is below the %s BVS a bounty of %s BVS requires",
				wire.FormatAmount(body.Stake), wire.FormatAmount(min), wire.FormatAmount(bn.Amount))
		}
		escrow, err := wire.AddAmounts(b.escrow(), body.Stake)
		if err != nil {
			return nil, consensus.Rule(consensus.ErrAmountOverflow, "escrow overflows")
		}
		if bn.inBounty(t.From) {
			return nil, consensus.Rule(consensus.ErrNotInLineup, "this key was drawn as a relay of bounty %s; a relay cannot also be its worker", ref.Short())
		}
		rep, err := b.reputation(t.From)
		if err != nil {
			return nil, err
		}
		return func() {
			bn.Worker, bn.Stake, bn.Accepted, bn.Promised, bn.State = t.From, body.Stake, h, body.Promised, BountyAccepted
			rep.Accepted++
			b.setMarket(bountyKey(ref), bn.encode())
			b.setMarket(repKey(t.From), rep.encode())
			b.setEscrow(escrow)
		}, nil

	case wire.Commit:
		if err := need(BountyAccepted, "only an accepted, uncommitted bounty takes a commit"); err != nil {
			return nil, err
		}
		if t.From != bn.Worker {
			return nil, consensus.Rule(consensus.ErrNotParty, "only the worker that accepted bounty %s may commit its result", ref.Short())
		}
		if h >= bn.Deadline {
			return nil, consensus.Rule(consensus.ErrBountyDeadline, "bounty %s reached its deadline %d; the commit is too late", ref.Short(), bn.Deadline)
		}
		if bn.Hops > 0 && body.Result.IsZero() {
			return nil, consensus.Rule(consensus.ErrBadBounty, "bounty %s has relays to check the result; the commit must name its result hash, and this one is zero", ref.Short())
		}
		return func() {
			bn.Envelope, bn.Result, bn.Committed, bn.State = body.Envelope, body.Result, h, BountyCommitted
			b.setMarket(bountyKey(ref), bn.encode())
		}, nil

	case wire.Settle:
		if err := need(BountyCommitted, "only a committed bounty can be settled"); err != nil {
			return nil, err
		}
		if relayed {
			return b.checkRelayedSettle(t, bn)
		}
		switch {
		case t.From == bn.Requester:
		case t.From == bn.Worker:
			if after := bn.SettleAfter(b.p); h < after {
				return nil, consensus.Rule(consensus.ErrSettleWindow, "the worker may settle bounty %s itself from height %d (the requester may until then)", ref.Short(), after)
			}
		default:
			return nil, consensus.Rule(consensus.ErrNotParty, "only the requester or the worker of bounty %s may settle it", ref.Short())
		}
		return b.closeBounty(t, bn, BountySettled, bn.Amount+bn.Stake, 0, 0)

	case wire.Dispute:
		if err := need(BountyCommitted, "only a committed bounty can be disputed"); err != nil {
			return nil, err
		}
		if t.From != bn.Requester {
			return nil, consensus.Rule(consensus.ErrNotParty, "only the requester of bounty %s may dispute it", ref.Short())
		}
		if relayed {
			if bn.Contest == ContestOpen {
				return nil, consensus.Rule(consensus.ErrBountyState, "bounty %s already has an open contest; its jury decides", ref.Short())
			}
			if done, last := bn.LineupDone(); done && h >= last+b.p.SettleWindow {
				return nil, consensus.Rule(consensus.ErrSettleWindow, "the dispute window of bounty %s closed at height %d", ref.Short(), last+b.p.SettleWindow)
			}
			return b.openContest(bn.clone(), true)
		}
		if after := bn.SettleAfter(b.p); h >= after {
			return nil, consensus.Rule(consensus.ErrSettleWindow, "the dispute window of bounty %s closed at height %d", ref.Short(), after)
		}
		return b.closeBounty(t, bn, BountyDisputed, bn.Stake, 0, bn.Amount)

	case wire.Countersign:
		return b.checkCountersign(t, bn, body)
	case wire.RelayMiss:
		return b.checkRelayMiss(bn, body)

	case wire.Refund:
		if bn.Hops > 0 {
			return b.checkRelayedRefund(bn)
		}
		if bn.State != BountyOpen && bn.State != BountyAccepted {
			return nil, consensus.Rule(consensus.ErrBountyState, "bounty %s is %s; only an uncommitted bounty is refunded", ref.Short(), bn.State)
		}
		if h < bn.Deadline {
			return nil, consensus.Rule(consensus.ErrBountyDeadline, "bounty %s can be refunded from its deadline %d, not at height %d", ref.Short(), bn.Deadline, h)
		}
		return b.closeBounty(t, bn, BountyRefunded, 0, bn.Amount, bn.Stake)
	}
	return nil, consensus.Rule(consensus.ErrUnknownTxType, "unknown market transaction %s", t.Type)
}

// closeBounty checks and returns the closing of bn: toWorker to the
// worker, toRequester to the requester, burn burned, the rest of the escrow
// released with them, and the reputation records it moves.
func (b *Batch) closeBounty(t *wire.Tx, bn *Bounty, to BountyState, toWorker, toRequester, burn uint64) (func(), error) {
	held := bn.Amount + bn.Stake // both came out of balances: no overflow
	escrow := b.escrow()
	if escrow < held || toWorker+toRequester+burn != held {
		return nil, fmt.Errorf("state inconsistency: closing bounty %s moves %d of %d held, escrow is %d", bn.ID.Short(), toWorker+toRequester+burn, held, escrow)
	}
	burned, err := wire.AddAmounts(b.burned(), burn)
	if err != nil {
		return nil, consensus.Rule(consensus.ErrAmountOverflow, "burned total overflows")
	}
	// Credit checks before anything moves. The signer's fee is taken
	// before the credit, so a signer that is also a payee sees it gone.
	credit := map[wire.PubKey]uint64{}
	if toWorker > 0 {
		credit[bn.Worker] += toWorker
	}
	if toRequester > 0 {
		credit[bn.Requester] += toRequester
	}
	for pk, amt := range credit {
		a, err := b.account(pk)
		if err != nil {
			return nil, err
		}
		if _, err := wire.AddAmounts(a.Balance, amt); err != nil {
			return nil, consensus.Rule(consensus.ErrAmountOverflow, "balance overflows")
		}
	}
	var wrep, rrep *Reputation
	hasWorker := !bn.Worker.IsZero() && bn.State != BountyOpen
	if hasWorker {
		if wrep, err = b.reputation(bn.Worker); err != nil {
			return nil, err
		}
	}
	if to == BountyDisputed {
		if rrep, err = b.reputation(bn.Requester); err != nil {
			return nil, err
		}
	}
	h := b.height
	return func() {
		for pk, amt := range credit {
			a, _ := b.account(pk) // read above: cached
			a.Balance += amt
		}
		switch to {
		case BountySettled:
			wrep.Done++
			wrep.PromisedBlocks += uint64(bn.Promised)
			wrep.DeliveredBlocks += bn.Committed - bn.Accepted
		case BountyDisputed:
			wrep.Disputed++
		case BountyRefunded:
			if hasWorker {
				wrep.Failed++
			}
		}
		// The requester's record first, then the worker's: when they are
		// one key, the worker's write carries both changes.
		if rrep != nil {
			rrep.DisputesRaised++
			if bn.Requester == bn.Worker {
				wrep.DisputesRaised++
			} else {
				b.setMarket(repKey(bn.Requester), rrep.encode())
			}
		}
		if hasWorker {
			b.setMarket(repKey(bn.Worker), wrep.encode())
		}
		bn.State, bn.Closed = to, h
		b.setMarket(bountyKey(bn.ID), bn.encode())
		b.setEscrow(escrow - held)
		b.setBurned(burned)
	}, nil
}

// GetBounty reads a bounty in the tip state of a root database (nil: none).
func GetBounty(tx *bbolt.Tx, id wire.Hash) (*Bounty, error) {
	raw := tx.Bucket(store.Market).Get(bountyKey(id))
	if raw == nil {
		return nil, nil
	}
	return decodeBounty(id, raw)
}

// GetReputation reads pk's reputation record in the tip state (zero if
// it has none).
func GetReputation(tx *bbolt.Tx, pk wire.PubKey) (*Reputation, error) {
	raw := tx.Bucket(store.Market).Get(repKey(pk))
	if raw == nil {
		return &Reputation{}, nil
	}
	return decodeReputation(raw)
}

// ForEachBounty calls fn with every bounty in the tip state, in ID order.
// The bucket is the index: it is the state, restored exactly by a
// disconnect, so a listing can never disagree with the chain.
func ForEachBounty(tx *bbolt.Tx, fn func(*Bounty) error) error {
	c := tx.Bucket(store.Market).Cursor()
	for k, v := c.Seek([]byte{'b'}); k != nil && k[0] == 'b'; k, v = c.Next() {
		if len(k) != 1+wire.HashSize {
			return fmt.Errorf("market key of %d bytes", len(k))
		}
		var id wire.Hash
		copy(id[:], k[1:])
		bn, err := decodeBounty(id, v)
		if err != nil {
			return err
		}
		if err := fn(bn); err != nil {
			return err
		}
	}
	return nil
}

// MarketTotals returns what the market holds in escrow and has burned, in
// the tip state.
func MarketTotals(tx *bbolt.Tx) (escrow, burned uint64) {
	lv := tx.Bucket(store.Leaves)
	var h wire.Hash
	copy(h[:], lv.Get(escrowKey()))
	escrow = leafAmount(h)
	h = wire.Hash{}
	copy(h[:], lv.Get(burnedKey()))
	return escrow, leafAmount(h)
}

// marketUpdates returns the ledger tree's leaves for the market records
// the batch changed.
func (b *Batch) marketUpdates() []smt.Update {
	ups := make([]smt.Update, 0, len(b.marketKeys))
	for _, k := range b.marketKeys {
		var leaf wire.Hash // a deleted record (nil) leaves the tree
		if rec := b.market[k]; rec != nil {
			leaf = marketLeaf(rec)
		}
		ups = append(ups, smt.Update{Key: marketPath([]byte(k)), Value: leaf})
	}
	return ups
}

// writeMarket writes the market records the batch changed into tx, and
// each record by its leaf hash for historical reads.
func (b *Batch) writeMarket(tx *bbolt.Tx) error {
	mB, recB := tx.Bucket(store.Market), tx.Bucket(store.LeafRecs)
	for _, k := range b.marketKeys {
		rec := b.market[k]
		if rec == nil {
			if err := mB.Delete([]byte(k)); err != nil {
				return err
			}
			continue
		}
		if err := mB.Put([]byte(k), rec); err != nil {
			return err
		}
		leaf := marketLeaf(rec)
		if err := recB.Put(leaf[:], rec); err != nil {
			return err
		}
	}
	return nil
}

// validMarketKey reports whether k is a key of the market bucket: a bounty,
// reputation, relay, draw queue, pool, token, redemption, pool-count, serve
// challenge, serve queue or open-serve-count key,
// each 33 bytes (the undo record relies on it).
func validMarketKey(k []byte) bool {
	switch {
	case len(k) == 1+wire.HashSize:
		switch k[0] {
		case 'b', 'r', 'R', 'q', 'P', 'T', 'X', 'N', 'S', 'Q', 'U':
			return true
		}
	}
	return false
}

// marketLeaves lists the market leaves of the flat bucket (RootsFromFlat).
func marketLeaves(tx *bbolt.Tx) ([]smt.Update, error) {
	var ups []smt.Update
	err := tx.Bucket(store.Market).ForEach(func(k, v []byte) error {
		if !validMarketKey(k) {
			return fmt.Errorf("market key %x", k)
		}
		ups = append(ups, smt.Update{Key: marketPath(k), Value: marketLeaf(v)})
		return nil
	})
	return ups, err
}
