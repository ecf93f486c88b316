package state

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"sort"

	"github.com/bitverse/bitverse/node/consensus"
	"github.com/bitverse/bitverse/node/store"
	"github.com/bitverse/bitverse/node/wire"
	"go.etcd.io/bbolt"
)

// Relays and lineups (PROTOCOL §19), in the Market bucket next to the
// bounties and so under the ledger tree: a relay's record at "R" ‖ pubkey,
// and the pending-draw queue at "q" ‖ height ‖ 24 zero bytes, listing the
// bounties whose pending slots the ID of the block at that height draws
// (the transactions of that block queued them). Relay
// stakes are escrow ("E") like bounty amounts; slashes are burned ("B") or
// paid to jurors out of it.
//
// A block's ID commits to its state root, so a draw seeded by block H's ID
// cannot be written into H's own state: it is written at the start of
// block H+1, before H+1's transactions (DrawLineups), from the queue that
// H's transactions filled and H's coinbase named the drawer of. A bounty
// carried by block H thus has its lineup drawn by H's ID and in state
// from H+1 on; a miss or contest at H is redrawn the same way.

// MaxSlotEntries bounds a bounty's slot history (current and past lineup
// and jury entries): a slot that would need an entry beyond it is dropped
// instead of redrawn, so a bounty record stays small.
const MaxSlotEntries = 64

// Relay is a relay's registry record.
type Relay struct {
	Key        wire.PubKey // not encoded: it is the key
	Fee        uint64      // the least it relays for
	Stake      uint64      // escrowed
	Caps       uint32
	Active     uint32 // slots held in unclosed bounties (lineup or jury)
	Registered uint64 // height of its first registration
}

func (r *Relay) encode() []byte {
	w := wire.NewWriter(32)
	w.Uvarint(r.Fee)
	w.Uvarint(r.Stake)
	w.U32(r.Caps)
	w.U32(r.Active)
	w.Uvarint(r.Registered)
	return w.Bytes()
}

func decodeRelay(pk wire.PubKey, raw []byte) (*Relay, error) {
	r := wire.NewReader(raw)
	rl := &Relay{Key: pk, Fee: r.Uvarint(), Stake: r.Uvarint(), Caps: r.U32(), Active: r.U32(), Registered: r.Uvarint()}
	if err := r.Done(); err != nil {
		return nil, fmt.Errorf("relay record %x: %w", pk[:4], err)
	}
	return rl, nil
}

// ContestState is where a bounty's contest stands.
type ContestState uint8

// Contest states: none, open (a jury is drawn or voting), decided either way.
const (
	ContestNone ContestState = iota
	ContestOpen
	ContestWorkerWrong
	ContestWorkerRight
)

var contestNames = [...]string{"", "open", "worker_wrong", "worker_right"}

// String is the name the API uses ("" for none).
func (c ContestState) String() string {
	if int(c) < len(contestNames) {
		return contestNames[c]
	}
	return fmt.Sprintf("contest%d", uint8(c))
}

// SlotState is where one slot entry stands.
type SlotState uint8

// Slot states. A pending entry waits for the next block's draw; a missed
// or replaced one is history (a newer entry for its slot follows it,
// unless the slot was dropped).
const (
	SlotPending SlotState = iota
	SlotDrawn
	SlotCountersigned
	SlotMissed
	SlotReplaced
)

var slotNames = [...]string{"pending", "drawn", "countersigned", "missed", "replaced"}

// String is the name the API uses.
func (s SlotState) String() string {
	if int(s) < len(slotNames) {
		return slotNames[s]
	}
	return fmt.Sprintf("slot%d", uint8(s))
}

// current reports whether the entry still holds its slot.
func (s SlotState) current() bool { return s <= SlotCountersigned }

// Slot is one entry of a bounty's lineup (N < Hops) or jury (N ≥ Hops).
type Slot struct {
	N        uint8
	Relay    wire.PubKey // zero while pending
	State    SlotState
	Result   wire.Hash // what the relay countersigned
	Envelope wire.Hash
	Height   uint64 // the block that wrote the draw into state
	Done     uint64 // countersigned, missed or replaced at
}

func (s *Slot) encode(w *wire.Writer) {
	w.U8(s.N)
	w.Fixed(s.Relay[:])
	w.U8(uint8(s.State))
	w.Hash(s.Result)
	w.Hash(s.Envelope)
	w.Uvarint(s.Height)
	w.Uvarint(s.Done)
}

const minSlotSize = 1 + wire.PubKeySize + 1 + 2*wire.HashSize + 2

func (b *Bounty) decodeRelayTail(r *wire.Reader) error {
	b.Hops = r.U8()
	b.Result = r.Hash()
	copy(b.Drawer[:], r.Fixed(wire.PubKeySize))
	b.Drawn = r.Uvarint()
	b.Contest = ContestState(r.U8())
	b.ContestAt = r.Uvarint()
	switch r.U8() {
	case 0:
	case 1:
		b.Disputer = true
	default:
		r.Fail(fmt.Errorf("%w: disputer flag", wire.ErrMalformed))
	}
	b.JuryFrom = int(r.Uvarint())
	n := r.Len(MaxSlotEntries, minSlotSize, "slots")
	for i := 0; i < n && r.Err() == nil; i++ {
		var s Slot
		s.N = r.U8()
		copy(s.Relay[:], r.Fixed(wire.PubKeySize))
		s.State = SlotState(r.U8())
		s.Result = r.Hash()
		s.Envelope = r.Hash()
		s.Height = r.Uvarint()
		s.Done = r.Uvarint()
		if s.State > SlotReplaced {
			r.Fail(fmt.Errorf("%w: slot state %d", wire.ErrMalformed, s.State))
		}
		b.Slots = append(b.Slots, s)
	}
	if err := r.Err(); err != nil {
		return err
	}
	switch {
	case !b.hasRelayTail():
		return fmt.Errorf("%w: an all-zero relay tail", wire.ErrMalformed)
	case b.Contest > ContestWorkerRight:
		return fmt.Errorf("%w: contest state %d", wire.ErrMalformed, b.Contest)
	case b.JuryFrom > len(b.Slots):
		return fmt.Errorf("%w: jury starts at entry %d of %d", wire.ErrMalformed, b.JuryFrom, len(b.Slots))
	}
	return nil
}

// cur returns the index of slot n's current entry (-1: none). Jury slots
// count only from the current jury on.
func (b *Bounty) cur(n uint8) int {
	from := 0
	if n >= b.Hops {
		from = b.JuryFrom
	}
	for i := len(b.Slots) - 1; i >= from; i-- {
		if b.Slots[i].N == n {
			if b.Slots[i].State.current() {
				return i
			}
			return -1
		}
	}
	return -1
}

// lineup returns the indexes of the current lineup entries in slot order.
func (b *Bounty) lineup() []int {
	var out []int
	for n := uint8(0); n < b.Hops; n++ {
		if i := b.cur(n); i >= 0 {
			out = append(out, i)
		}
	}
	return out
}

// jury returns the indexes of the current jury entries in slot order.
func (b *Bounty) jury() []int {
	if b.Contest != ContestOpen {
		return nil
	}
	var out []int
	for k := 0; k < consensus.MaxJury; k++ {
		n := int(b.Hops) + k
		if n > 255 {
			break
		}
		if i := b.cur(uint8(n)); i >= 0 {
			out = append(out, i)
		}
	}
	return out
}

// Relayed reports whether the bounty runs with relays: it asked for hops
// and its lineup still has a slot (drawn or pending), or a contest is open
// (a lineup the registry could not fill at all leaves a part-1 bounty).
func (b *Bounty) Relayed() bool {
	return b.Hops > 0 && (len(b.lineup()) > 0 || b.Contest == ContestOpen)
}

// LineupDone reports whether every current lineup slot is countersigned,
// and the height of the last countersign.
func (b *Bounty) LineupDone() (bool, uint64) {
	var last uint64
	for _, i := range b.lineup() {
		s := b.Slots[i]
		if s.State != SlotCountersigned {
			return false, 0
		}
		last = max(last, s.Done)
	}
	return true, last
}

// inBounty reports whether pk holds or held any slot of the bounty.
func (b *Bounty) inBounty(pk wire.PubKey) bool {
	for _, s := range b.Slots {
		if s.Relay == pk && s.State != SlotPending {
			return true
		}
	}
	return false
}

func relayKey(pk wire.PubKey) []byte { return append([]byte{'R'}, pk[:]...) }

func queueKey(h uint64) []byte {
	k := make([]byte, 1+wire.HashSize)
	k[0] = 'q'
	binary.BigEndian.PutUint64(k[1:], h)
	return k
}

// drawQueue is the pending draws the block at one height seeds.
type drawQueue struct {
	Drawer   wire.PubKey // that block's coinbase recipient, once known
	Bounties []wire.Hash
}

func (q *drawQueue) encode() []byte {
	w := wire.NewWriter(wire.PubKeySize + 1 + wire.HashSize*len(q.Bounties))
	w.Fixed(q.Drawer[:])
	w.Uvarint(uint64(len(q.Bounties)))
	for _, id := range q.Bounties {
		w.Hash(id)
	}
	return w.Bytes()
}

func decodeQueue(raw []byte) (*drawQueue, error) {
	r := wire.NewReader(raw)
	q := &drawQueue{}
	copy(q.Drawer[:], r.Fixed(wire.PubKeySize))
	n := r.Len(1<<20, wire.HashSize, "queued draws")
	for i := 0; i < n && r.Err() == nil; i++ {
		q.Bounties = append(q.Bounties, r.Hash())
	}
	if err := r.Done(); err != nil {
		return nil, fmt.Errorf("draw queue: %w", err)
	}
	return q, nil
}

func (b *Batch) relay(pk wire.PubKey) (*Relay, error) {
	raw := b.marketRecord(relayKey(pk))
	if raw == nil {
		return nil, nil
	}
	return decodeRelay(pk, raw)
}

// enqueueDraw asks the next block to draw bounty id's pending slots.
func (b *Batch) enqueueDraw(id wire.Hash) error {
	q := &drawQueue{}
	if raw := b.marketRecord(queueKey(b.height)); raw != nil {
		var err error
		if q, err = decodeQueue(raw); err != nil {
			return err
		}
	}
	for _, have := range q.Bounties {
		if have == id {
			return nil
		}
	}
	q.Bounties = append(q.Bounties, id)
	b.setMarket(queueKey(b.height), q.encode())
	return nil
}

// recordDrawer names the block's coinbase recipient as the drawer of the
// draws this block seeds (ApplyCoinbase).
func (b *Batch) recordDrawer(to wire.PubKey) error {
	raw := b.marketRecord(queueKey(b.height))
	if raw == nil {
		return nil
	}
	q, err := decodeQueue(raw)
	if err != nil {
		return err
	}
	q.Drawer = to
	b.setMarket(queueKey(b.height), q.encode())
	return nil
}

// candidates lists the relays a draw may pick, in public-key order: stake
// at least RelayMinStake and caps bit 0 set. Bounty-specific rules (fee,
// parties, slots already held) are applied per draw.
func (b *Batch) candidates() ([]*Relay, []Candidate, error) {
	byKey := map[wire.PubKey][]byte{}
	c := b.tx.Bucket(store.Market).Cursor()
	for k, v := c.Seek([]byte{'R'}); k != nil && k[0] == 'R'; k, v = c.Next() {
		var pk wire.PubKey
		copy(pk[:], k[1:])
		byKey[pk] = v
	}
	for k, v := range b.market {
		if len(k) == 1+wire.PubKeySize && k[0] == 'R' {
			var pk wire.PubKey
			copy(pk[:], k[1:])
			if v == nil {
				delete(byKey, pk)
			} else {
				byKey[pk] = v
			}
		}
	}
	keys := make([]wire.PubKey, 0, len(byKey))
	for pk := range byKey {
		keys = append(keys, pk)
	}
	sort.Slice(keys, func(i, j int) bool { return bytes.Compare(keys[i][:], keys[j][:]) < 0 })
	var relays []*Relay
	var cands []Candidate
	for _, pk := range keys {
		r, err := decodeRelay(pk, byKey[pk])
		if err != nil {
			return nil, nil, err
		}
		if r.Stake < b.p.RelayMinStake || r.Caps&wire.RelayCapRecompute == 0 {
			continue
		}
		rep, err := b.reputation(pk)
		if err != nil {
			return nil, nil, err
		}
		relays = append(relays, r)
		cands = append(cands, Candidate{Key: pk, Weight: RelayWeight(r.Stake, rep)})
	}
	return relays, cands, nil
}

// DrawLineups writes into state the draws that the parent block (ID
// parent) seeded: every pending slot of the bounties the parent's height
// queued. It runs at the start of a root block, before its transactions;
// a block at height 0 or on a branch draws nothing.
func (b *Batch) DrawLineups(parent wire.Hash) error {
	if !b.chain.IsRoot() || b.height == 0 {
		return nil
	}
	if err := b.PoolEpoch(parent); err != nil {
		return err
	}
	qk := queueKey(b.height - 1)
	raw := b.marketRecord(qk)
	if raw == nil {
		return nil
	}
	q, err := decodeQueue(raw)
	if err != nil {
		return err
	}
	relays, cands, err := b.candidates()
	if err != nil {
		return err
	}
	// At most MaxDrawsPerBlock slots: the rest stay pending and are queued
	// under this block's height, so this block's ID draws them next.
	budget := int(b.p.MaxDrawsPerBlock)
	var carry, contested []wire.Hash
	for _, id := range q.Bounties {
		bn, err := b.Bounty(id)
		if err != nil {
			return err
		}
		if bn == nil || bn.State.Closed() {
			continue
		}
		more, err := b.drawBounty(bn, parent, q.Drawer, relays, cands, &budget)
		if err != nil {
			return err
		}
		if more {
			carry = append(carry, id)
		}
		if bn.Contest == ContestOpen {
			contested = append(contested, id)
		}
	}
	b.setMarket(qk, nil)
	for _, id := range carry {
		if err := b.enqueueDraw(id); err != nil {
			return err
		}
	}
	// A jury slot that found nobody was dropped: the jury is smaller and
	// the votes already cast may now be a majority of it. Judged after
	// every draw of this block, so each draw saw the registry as the
	// parent left it.
	for _, id := range contested {
		if err := b.rejudge(id); err != nil {
			return err
		}
	}
	return nil
}

// rejudge tallies the open contest of bounty id again (its jury may have
// shrunk since the last vote): decided if a result now has a majority of
// the jurors left.
func (b *Batch) rejudge(id wire.Hash) error {
	bn, err := b.Bounty(id)
	if err != nil {
		return err
	}
	if bn == nil || bn.State.Closed() || bn.Contest != ContestOpen {
		return nil
	}
	apply, err := b.tallyJury(bn)
	if consensus.CodeOf(err) != 0 {
		return nil // an overflow no block could avoid: the contest stays open
	}
	if err != nil {
		return err
	}
	apply()
	return nil
}

// drawBounty draws bn's pending slots while *budget lasts and reports
// whether some are left pending.
func (b *Batch) drawBounty(bn *Bounty, parent wire.Hash, drawer wire.PubKey, relays []*Relay, cands []Candidate, budget *int) (more bool, err error) {
	share := b.p.HopShare(bn.Amount)
	taken := map[wire.PubKey]bool{bn.Requester: true}
	if !bn.Worker.IsZero() {
		taken[bn.Worker] = true
	}
	for _, s := range bn.Slots {
		if s.State != SlotPending {
			taken[s.Relay] = true
		}
	}
	var keep []Slot
	juryFrom := 0
	drewLineup := false
	for idx, s := range bn.Slots {
		if s.State == SlotPending && *budget <= 0 {
			more = true
		} else if s.State == SlotPending {
			*budget--
			var eligible []Candidate
			for i, c := range cands {
				if !taken[c.Key] && relays[i].Fee <= share {
					eligible = append(eligible, c)
				}
			}
			pick := DrawOne(parent, bn.ID, s.N, eligible)
			if pick < 0 {
				continue // nobody left: the slot is dropped
			}
			pk := eligible[pick].Key
			taken[pk] = true
			r, err := b.relay(pk)
			if err != nil || r == nil {
				return false, fmt.Errorf("state inconsistency: drawn relay %x: %v", pk[:4], err)
			}
			r.Active++
			b.setMarket(relayKey(pk), r.encode())
			s.Relay, s.State, s.Height = pk, SlotDrawn, b.height
			if s.N < bn.Hops {
				drewLineup = true
			}
		}
		if idx < bn.JuryFrom {
			juryFrom++
		}
		keep = append(keep, s)
	}
	bn.JuryFrom = juryFrom
	bn.Slots = keep
	if drewLineup && bn.Drawn == 0 {
		bn.Drawer, bn.Drawn = drawer, b.height-1
	}
	b.setMarket(bountyKey(bn.ID), bn.encode())
	return more, nil
}

// effects gathers what a relay rule moves, checks it, then applies it:
// credits to balances out of escrow, burns out of escrow, and the relay
// and reputation records it touches (each loaded once, so one key in
// several roles sees all its changes).
type effects struct {
	b      *Batch
	credit map[wire.PubKey]uint64
	burn   uint64
	in     uint64 // added to escrow
	reps   map[wire.PubKey]*Reputation
	relays map[wire.PubKey]*Relay
	gone   map[wire.PubKey]bool // relay records deleted
	order  []wire.PubKey        // relay and reputation keys in first-touch order
}

func (b *Batch) newEffects() *effects {
	return &effects{b: b, credit: map[wire.PubKey]uint64{}, reps: map[wire.PubKey]*Reputation{},
		relays: map[wire.PubKey]*Relay{}, gone: map[wire.PubKey]bool{}}
}

func (e *effects) rep(pk wire.PubKey) (*Reputation, error) {
	if r, ok := e.reps[pk]; ok {
		return r, nil
	}
	r, err := e.b.reputation(pk)
	if err != nil {
		return nil, err
	}
	e.reps[pk] = r
	return r, nil
}

func (e *effects) relay(pk wire.PubKey) (*Relay, error) {
	if r, ok := e.relays[pk]; ok {
		return r, nil
	}
	r, err := e.b.relay(pk)
	if err != nil {
		return nil, err
	}
	if r == nil {
		return nil, fmt.Errorf("state inconsistency: relay %x holds a slot but is not registered", pk[:4])
	}
	e.relays[pk] = r
	return r, nil
}

// pay credits amt to pk out of escrow.
func (e *effects) pay(pk wire.PubKey, amt uint64) {
	if amt > 0 {
		e.credit[pk] += amt
	}
}

// slash takes bps of relay pk's stake out of it and returns the amount
// (still in escrow: the caller pays or burns it).
func (e *effects) slash(pk wire.PubKey, bps uint64) (uint64, error) {
	r, err := e.relay(pk)
	if err != nil {
		return 0, err
	}
	amt := consensus.Bps(r.Stake, bps)
	r.Stake -= amt
	return amt, nil
}

// release ends relay pk's hold on a slot.
func (e *effects) release(pk wire.PubKey) error {
	r, err := e.relay(pk)
	if err != nil {
		return err
	}
	if r.Active == 0 {
		return fmt.Errorf("state inconsistency: relay %x releases a slot it does not hold", pk[:4])
	}
	r.Active--
	return nil
}

// split pays pool equally to keys, burning the remainder (all of it if
// keys is empty).
func (e *effects) split(pool uint64, keys []wire.PubKey) {
	if len(keys) == 0 {
		e.burn += pool
		return
	}
	each := pool / uint64(len(keys))
	for _, k := range keys {
		e.pay(k, each)
	}
	e.burn += pool - each*uint64(len(keys))
}

// check verifies the totals: what leaves escrow is there, and no balance
// or total overflows.
func (e *effects) check() (func(), error) {
	b := e.b
	var out uint64
	for pk, amt := range e.credit {
		var err error
		if out, err = wire.AddAmounts(out, amt); err != nil {
			return nil, consensus.Rule(consensus.ErrAmountOverflow, "payouts overflow")
		}
		a, err := b.account(pk)
		if err != nil {
			return nil, err
		}
		if _, err := wire.AddAmounts(a.Balance, amt); err != nil {
			return nil, consensus.Rule(consensus.ErrAmountOverflow, "balance overflows")
		}
	}
	out, err := wire.AddAmounts(out, e.burn)
	if err != nil {
		return nil, consensus.Rule(consensus.ErrAmountOverflow, "payouts overflow")
	}
	escrow, err := wire.AddAmounts(b.escrow(), e.in)
	if err != nil {
		return nil, consensus.Rule(consensus.ErrAmountOverflow, "escrow overflows")
	}
	if escrow < out {
		return nil, fmt.Errorf("state inconsistency: paying %d out of an escrow of %d", out, escrow)
	}
	burned, err := wire.AddAmounts(b.burned(), e.burn)
	if err != nil {
		return nil, consensus.Rule(consensus.ErrAmountOverflow, "burned total overflows")
	}
	return func() {
		for pk, amt := range e.credit {
			a, _ := b.account(pk) // read above: cached
			a.Balance += amt
		}
		for pk, r := range e.relays {
			if e.gone[pk] {
				b.setMarket(relayKey(pk), nil)
			} else {
				b.setMarket(relayKey(pk), r.encode())
			}
		}
		for pk, r := range e.reps {
			b.setMarket(repKey(pk), r.encode())
		}
		b.setEscrow(escrow - out)
		b.setBurned(burned)
	}, nil
}

// releaseAll ends every current slot hold of bn (it is closing): the
// lineup's and, while a contest is open, the jury's. A decided contest's
// jurors were released when it was decided.
func (e *effects) releaseAll(bn *Bounty) error {
	holds := append(bn.lineup(), bn.jury()...)
	for _, i := range holds {
		s := bn.Slots[i]
		if s.State == SlotDrawn || s.State == SlotCountersigned {
			if err := e.release(s.Relay); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkRelay runs the relay rules that read state for register and leave.
func (b *Batch) checkRelay(t *wire.Tx) (func(), error) {
	r, err := b.relay(t.From)
	if err != nil {
		return nil, err
	}
	switch body := t.Body.(type) {
	case wire.RelayRegister:
		nr := &Relay{Key: t.From, Registered: b.height}
		if r != nil {
			*nr = *r
		}
		total, err := wire.AddAmounts(nr.Stake, body.Stake)
		if err != nil {
			return nil, consensus.Rule(consensus.ErrAmountOverflow, "relay stake overflows")
		}
		if total < b.p.RelayMinStake {
			return nil, consensus.Rule(consensus.ErrRelayStake, "a relay's stake must total at least %s BVS; this one would hold %s BVS",
				wire.FormatAmount(b.p.RelayMinStake), wire.FormatAmount(total))
		}
		e := b.newEffects()
		e.in = body.Stake
		apply, err := e.check()
		if err != nil {
			return nil, err
		}
		nr.Fee, nr.Stake, nr.Caps = body.Fee, total, body.Caps
		return func() {
			apply()
			b.setMarket(relayKey(t.From), nr.encode())
		}, nil
	case wire.RelayLeave:
		if r == nil {
			return nil, consensus.Rule(consensus.ErrNotRegistered, "this key is not a registered relay; there is nothing to leave")
		}
		if r.Active > 0 {
			return nil, consensus.Rule(consensus.ErrRelayActive, "the relay holds %d slot(s) of unclosed bounties; it can leave once they close", r.Active)
		}
		e := b.newEffects()
		e.relays[t.From], e.gone[t.From] = r, true
		e.pay(t.From, r.Stake)
		return e.check()
	}
	return nil, consensus.Rule(consensus.ErrUnknownTxType, "unknown relay transaction %s", t.Type)
}

// checkCountersign runs a countersign's rules on bn.
func (b *Batch) checkCountersign(t *wire.Tx, bn *Bounty, body wire.Countersign) (func(), error) {
	ref := bn.ID.Short()
	i := bn.cur(body.Slot)
	if bn.Hops == 0 {
		return nil, consensus.Rule(consensus.ErrNoSlot, "bounty %s asked for no relays; it has no slots to countersign", ref)
	}
	if bn.State.Closed() {
		return nil, consensus.Rule(consensus.ErrBountyState, "bounty %s is %s; it takes no more countersigns", ref, bn.State)
	}
	if i < 0 || bn.Slots[i].State == SlotPending {
		return nil, consensus.Rule(consensus.ErrNoSlot, "slot %d of bounty %s has no drawn relay", body.Slot, ref)
	}
	s := &bn.Slots[i]
	if s.Relay != t.From {
		return nil, consensus.Rule(consensus.ErrNotInLineup, "slot %d of bounty %s was drawn for another relay; only that relay may countersign it", body.Slot, ref)
	}
	if s.State == SlotCountersigned {
		return nil, consensus.Rule(consensus.ErrBountyState, "slot %d of bounty %s is already countersigned", body.Slot, ref)
	}
	if bn.State != BountyCommitted {
		return nil, consensus.Rule(consensus.ErrSlotOrder, "bounty %s is %s; a relay countersigns once the worker has committed its result", ref, bn.State)
	}
	if body.Result.IsZero() || body.Envelope.IsZero() {
		return nil, consensus.Rule(consensus.ErrBadBounty, "a countersign names the result it computed and its envelope; one of them is zero")
	}
	h := b.height
	if body.Slot < bn.Hops {
		if bn.Contest == ContestOpen {
			return nil, consensus.Rule(consensus.ErrSlotOrder, "bounty %s has an open contest; the lineup waits for the jury", ref)
		}
		if p := bn.prevSlot(body.Slot); p >= 0 && bn.Slots[p].State != SlotCountersigned {
			return nil, consensus.Rule(consensus.ErrSlotOrder, "slot %d of bounty %s countersigns after slot %d, which has not yet", body.Slot, ref, bn.Slots[p].N)
		}
		nb := bn.clone()
		ns := &nb.Slots[i]
		ns.State, ns.Result, ns.Envelope, ns.Done = SlotCountersigned, body.Result, body.Envelope, h
		if body.Result == bn.Result {
			return func() { b.setMarket(bountyKey(nb.ID), nb.encode()) }, nil
		}
		// A different result: the two signed transactions are the
		// evidence, and a jury decides.
		return b.openContest(nb, false)
	}
	// A juror.
	if bn.Contest != ContestOpen {
		return nil, consensus.Rule(consensus.ErrSlotOrder, "bounty %s has no open contest for a juror to countersign", ref)
	}
	nb := bn.clone()
	ns := &nb.Slots[i]
	ns.State, ns.Result, ns.Envelope, ns.Done = SlotCountersigned, body.Result, body.Envelope, h
	return b.tallyJury(nb)
}

// prevSlot returns the index of the current lineup entry before slot n
// (-1: n is the first).
func (b *Bounty) prevSlot(n uint8) int {
	for k := int(n) - 1; k >= 0; k-- {
		if i := b.cur(uint8(k)); i >= 0 {
			return i
		}
	}
	return -1
}

func (b *Bounty) clone() *Bounty {
	nb := *b
	nb.Slots = append([]Slot(nil), b.Slots...)
	return &nb
}

// openContest opens a contest on bn: JurySize jurors drawn at the next
// block. byRequester marks a requester's dispute.
func (b *Batch) openContest(bn *Bounty, byRequester bool) (func(), error) {
	bn.Contest, bn.ContestAt, bn.Disputer = ContestOpen, b.height, byRequester
	bn.JuryFrom = len(bn.Slots)
	for k := 0; k < int(b.p.JurySize) && len(bn.Slots) < MaxSlotEntries && int(bn.Hops)+k <= 255; k++ {
		bn.Slots = append(bn.Slots, Slot{N: bn.Hops + uint8(k)})
	}
	e := b.newEffects()
	if byRequester {
		r, err := e.rep(bn.Requester)
		if err != nil {
			return nil, err
		}
		r.DisputesRaised++
	}
	apply, err := e.check()
	if err != nil {
		return nil, err
	}
	return func() {
		apply()
		b.setMarket(bountyKey(bn.ID), bn.encode())
		_ = b.enqueueDraw(bn.ID) // the queue record decodes: it was written by this node
	}, nil
}

// tallyJury decides the contest once a result has a majority of the
// current jury (⌊n/2⌋ + 1 of the n jurors holding a slot: voted, drawn or
// pending), else records the vote. It runs at a juror's countersign and
// after each draw of the bounty (rejudge), since a juror missed and not
// redrawn shrinks the jury.
func (b *Batch) tallyJury(bn *Bounty) (func(), error) {
	jury := bn.jury()
	need := len(jury)/2 + 1
	votes := map[wire.Hash][]int{}
	var winner wire.Hash
	decided := false
	for _, i := range jury {
		s := bn.Slots[i]
		if s.State != SlotCountersigned {
			continue
		}
		votes[s.Result] = append(votes[s.Result], i)
		if len(votes[s.Result]) >= need {
			winner, decided = s.Result, true
		}
	}
	if !decided {
		return func() { b.setMarket(bountyKey(bn.ID), bn.encode()) }, nil
	}
	h := b.height
	e := b.newEffects()
	var majority []wire.PubKey
	for _, i := range votes[winner] {
		majority = append(majority, bn.Slots[i].Relay)
	}
	for _, pk := range majority {
		r, err := e.rep(pk)
		if err != nil {
			return nil, err
		}
		r.Relayed++
	}
	// The jury is done: every juror's seat is released, and those that
	// did not vote are marked replaced.
	for _, i := range jury {
		s := &bn.Slots[i]
		if s.State != SlotPending {
			if err := e.release(s.Relay); err != nil {
				return nil, err
			}
		}
		if s.State != SlotCountersigned {
			s.State, s.Done = SlotReplaced, h
		}
	}
	lineup := bn.lineup()
	if winner != bn.Result {
		// The worker was wrong: the requester gets its money back, the
		// worker's stake goes to whoever caught it and the jury, and
		// every relay that vouched for the wrong result pays.
		bn.Contest = ContestWorkerWrong
		e.pay(bn.Requester, bn.Amount)
		var catcher *wire.PubKey
		for _, i := range lineup {
			s := bn.Slots[i]
			if s.State == SlotCountersigned && s.Result == winner {
				catcher = &bn.Slots[i].Relay
				break
			}
		}
		if catcher == nil && bn.Disputer {
			catcher = &bn.Requester
		}
		pool := bn.Stake
		if catcher != nil {
			half := bn.Stake / 2
			e.pay(*catcher, half)
			pool -= half
			if *catcher != bn.Requester {
				r, err := e.rep(*catcher)
				if err != nil {
					return nil, err
				}
				r.Caught++
			}
		}
		e.split(pool, majority)
		wr, err := e.rep(bn.Worker)
		if err != nil {
			return nil, err
		}
		wr.Lost++
		for _, i := range lineup {
			s := bn.Slots[i]
			if s.State == SlotCountersigned && s.Result == bn.Result {
				amt, err := e.slash(s.Relay, b.p.RelaySlashBps)
				if err != nil {
					return nil, err
				}
				e.burn += amt
				r, err := e.rep(s.Relay)
				if err != nil {
					return nil, err
				}
				r.Lost++
			}
		}
		return b.closeWith(e, bn, BountyDisputed)
	}
	bn.Contest = ContestWorkerRight
	if bn.Disputer {
		// The requester disputed a right result: it pays as a settle
		// does, the majority jurors taking a hop share each.
		return b.settleSplit(e, bn, majority)
	}
	// Each accuser pays the jury and its slot is drawn again.
	var pool uint64
	for _, i := range lineup {
		s := &bn.Slots[i]
		if s.State != SlotCountersigned || s.Result == bn.Result {
			continue
		}
		amt, err := e.slash(s.Relay, b.p.RelaySlashBps)
		if err != nil {
			return nil, err
		}
		pool += amt
		r, err := e.rep(s.Relay)
		if err != nil {
			return nil, err
		}
		r.Lost++
		if err := e.release(s.Relay); err != nil {
			return nil, err
		}
		s.State, s.Done = SlotReplaced, h
		if len(bn.Slots) < MaxSlotEntries {
			bn.Slots = append(bn.Slots, Slot{N: s.N})
		}
	}
	e.split(pool, majority)
	apply, err := e.check()
	if err != nil {
		return nil, err
	}
	return func() {
		apply()
		b.setMarket(bountyKey(bn.ID), bn.encode())
		_ = b.enqueueDraw(bn.ID)
	}, nil
}

// settleSplit closes bn as settled: the drawer's share, a hop share to
// each lineup relay that countersigned the worker's result and to each of
// extra (majority jurors of a requester's lost dispute), the rest of the
// amount and the stake to the worker.
func (b *Batch) settleSplit(e *effects, bn *Bounty, extra []wire.PubKey) (func(), error) {
	hop := b.p.HopShare(bn.Amount)
	var paid uint64
	payees := append([]wire.PubKey(nil), extra...)
	for _, i := range bn.lineup() {
		s := bn.Slots[i]
		if s.State == SlotCountersigned && s.Result == bn.Result {
			payees = append(payees, s.Relay)
			r, err := e.rep(s.Relay)
			if err != nil {
				return nil, err
			}
			r.Relayed++
		}
	}
	if len(bn.lineup()) > 0 && !bn.Drawer.IsZero() {
		d := b.p.DrawShare(bn.Amount)
		e.pay(bn.Drawer, d)
		paid += d
	}
	for _, pk := range payees {
		e.pay(pk, hop)
		paid += hop
	}
	if paid > bn.Amount {
		return nil, fmt.Errorf("state inconsistency: bounty %s's shares %d exceed its amount %d", bn.ID.Short(), paid, bn.Amount)
	}
	e.pay(bn.Worker, bn.Amount-paid+bn.Stake)
	wr, err := e.rep(bn.Worker)
	if err != nil {
		return nil, err
	}
	wr.Done++
	wr.PromisedBlocks += uint64(bn.Promised)
	wr.DeliveredBlocks += bn.Committed - bn.Accepted
	return b.closeWith(e, bn, BountySettled)
}

// closeWith closes bn as to: every slot hold released, its amount and
// stake out of escrow through e's payouts.
func (b *Batch) closeWith(e *effects, bn *Bounty, to BountyState) (func(), error) {
	if err := e.releaseAll(bn); err != nil {
		return nil, err
	}
	apply, err := e.check()
	if err != nil {
		return nil, err
	}
	h := b.height
	return func() {
		apply()
		bn.State, bn.Closed = to, h
		b.setMarket(bountyKey(bn.ID), bn.encode())
	}, nil
}

// checkRelayMiss runs a relay-miss's rules on bn.
func (b *Batch) checkRelayMiss(bn *Bounty, body wire.RelayMiss) (func(), error) {
	ref := bn.ID.Short()
	if bn.State.Closed() {
		return nil, consensus.Rule(consensus.ErrBountyState, "bounty %s is %s; its relays are done", ref, bn.State)
	}
	i := bn.cur(body.Slot)
	if bn.Hops == 0 || i < 0 || bn.Slots[i].State != SlotDrawn {
		return nil, consensus.Rule(consensus.ErrNoSlot, "slot %d of bounty %s has no drawn relay waiting to countersign", body.Slot, ref)
	}
	s := bn.Slots[i]
	start := s.Height
	if body.Slot < bn.Hops {
		if bn.State != BountyCommitted {
			return nil, consensus.Rule(consensus.ErrRelayWindow, "slot %d of bounty %s waits for the worker's commit; its relay is not late", body.Slot, ref)
		}
		if bn.Contest == ContestOpen {
			return nil, consensus.Rule(consensus.ErrRelayWindow, "bounty %s has an open contest; the lineup waits for the jury", ref)
		}
		prev := bn.Committed
		if p := bn.prevSlot(body.Slot); p >= 0 {
			if bn.Slots[p].State != SlotCountersigned {
				return nil, consensus.Rule(consensus.ErrRelayWindow, "slot %d of bounty %s waits for slot %d; its relay is not late", body.Slot, ref, bn.Slots[p].N)
			}
			prev = bn.Slots[p].Done
		}
		start = max(start, prev)
	} else {
		start = max(start, bn.ContestAt)
	}
	if h := b.height; h < start+b.p.RelayWindow {
		return nil, consensus.Rule(consensus.ErrRelayWindow, "the relay of slot %d of bounty %s has until height %d to countersign", body.Slot, ref, start+b.p.RelayWindow)
	}
	nb := bn.clone()
	e := b.newEffects()
	amt, err := e.slash(s.Relay, b.p.MissSlashBps)
	if err != nil {
		return nil, err
	}
	e.burn += amt
	r, err := e.rep(s.Relay)
	if err != nil {
		return nil, err
	}
	r.Missed++
	if err := e.release(s.Relay); err != nil {
		return nil, err
	}
	nb.Slots[i].State, nb.Slots[i].Done = SlotMissed, b.height
	redraw := len(nb.Slots) < MaxSlotEntries
	if redraw {
		nb.Slots = append(nb.Slots, Slot{N: s.N})
	}
	apply, err := e.check()
	if err != nil {
		return nil, err
	}
	return func() {
		apply()
		b.setMarket(bountyKey(nb.ID), nb.encode())
		if redraw || body.Slot >= nb.Hops {
			// A juror past the entry bound is not redrawn: the next
			// block's draw still judges the smaller jury (rejudge).
			_ = b.enqueueDraw(nb.ID)
		}
	}, nil
}

// GetRelay reads a relay's record in the tip state (nil: not registered).
func GetRelay(tx *bbolt.Tx, pk wire.PubKey) (*Relay, error) {
	raw := tx.Bucket(store.Market).Get(relayKey(pk))
	if raw == nil {
		return nil, nil
	}
	return decodeRelay(pk, raw)
}

// ForEachRelay calls fn with every registered relay in the tip state, in
// public-key order.
func ForEachRelay(tx *bbolt.Tx, fn func(*Relay) error) error {
	c := tx.Bucket(store.Market).Cursor()
	for k, v := c.Seek([]byte{'R'}); k != nil && k[0] == 'R'; k, v = c.Next() {
		if len(k) != 1+wire.PubKeySize {
			return fmt.Errorf("relay key of %d bytes", len(k))
		}
		var pk wire.PubKey
		copy(pk[:], k[1:])
		r, err := decodeRelay(pk, v)
		if err != nil {
			return err
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	return nil
}

// checkRelayedSettle runs a settle's rules on a bounty with relays: the
// whole lineup countersigned, no open contest; the requester at any time,
// the worker SettleWindow blocks after the last countersign.
func (b *Batch) checkRelayedSettle(t *wire.Tx, bn *Bounty) (func(), error) {
	ref := bn.ID.Short()
	if bn.Contest == ContestOpen {
		return nil, consensus.Rule(consensus.ErrSlotOrder, "bounty %s has an open contest; it settles once the jury decides", ref)
	}
	done, last := bn.LineupDone()
	if !done {
		return nil, consensus.Rule(consensus.ErrSlotOrder, "bounty %s's lineup has not countersigned the result yet; it settles once every relay has", ref)
	}
	switch {
	case t.From == bn.Requester:
	case t.From == bn.Worker:
		if after := last + b.p.SettleWindow; b.height < after {
			return nil, consensus.Rule(consensus.ErrSettleWindow, "the worker may settle bounty %s itself from height %d (the requester may until then)", ref, after)
		}
	default:
		return nil, consensus.Rule(consensus.ErrNotParty, "only the requester or the worker of bounty %s may settle it", ref)
	}
	return b.settleSplit(b.newEffects(), bn.clone(), nil)
}

// checkRelayedRefund runs a refund's rules on a bounty that asked for
// relays. Uncommitted at the deadline: as without relays (amount back,
// stake burned). Committed at the deadline with its lineup incomplete or a
// contest undecided: amount back to the requester and stake back to the
// worker, since nobody who did their step is punished.
func (b *Batch) checkRelayedRefund(bn *Bounty) (func(), error) {
	ref := bn.ID.Short()
	if b.height < bn.Deadline {
		return nil, consensus.Rule(consensus.ErrBountyDeadline, "bounty %s can be refunded from its deadline %d, not at height %d", ref, bn.Deadline, b.height)
	}
	nb := bn.clone()
	e := b.newEffects()
	switch bn.State {
	case BountyOpen, BountyAccepted:
		e.pay(bn.Requester, bn.Amount)
		e.burn += bn.Stake
		if bn.State == BountyAccepted {
			r, err := e.rep(bn.Worker)
			if err != nil {
				return nil, err
			}
			r.Failed++
		}
	case BountyCommitted:
		if done, _ := bn.LineupDone(); done && bn.Contest != ContestOpen {
			return nil, consensus.Rule(consensus.ErrBountyState, "bounty %s's lineup countersigned its result; it is settled, not refunded", ref)
		}
		e.pay(bn.Requester, bn.Amount)
		e.pay(bn.Worker, bn.Stake)
	default:
		return nil, consensus.Rule(consensus.ErrBountyState, "bounty %s is %s; only a bounty without a countersigned result is refunded", ref, bn.State)
	}
	return b.closeWith(e, nb, BountyRefunded)
}

// CurrentSlot returns slot n's current entry, if it has one.
func (b *Bounty) CurrentSlot(n uint8) (Slot, bool) {
	if i := b.cur(n); i >= 0 {
		return b.Slots[i], true
	}
	return Slot{}, false
}

// CurrentJury returns the current jury's entries (drawn, pending or
// voted) in slot order; none unless a contest is open.
func (b *Bounty) CurrentJury() []Slot {
	var out []Slot
	for _, i := range b.jury() {
		out = append(out, b.Slots[i])
	}
	return out
}
