package plan

import (
	"errors"
	"fmt"

	"github.com/bitverse/bitverse/node"
	"github.com/bitverse/bitverse/node/wire"
)

// The relay intents (PROTOCOL §19). Each checks what it can against the
// node's view (the registry record, the bounty's lineup and jury) and says
// in a sentence what is wrong; the node's verdict then judges the
// transaction by the consensus rules.

// RelayRegister registers the sender as a relay or updates its record:
// Fee is the least it relays for, Stake is added to its escrowed stake,
// Caps its capability bits (bit 0: recomputes transforms).
type RelayRegister struct {
	Fee, Stake uint64
	Caps       uint32
}

// RelayLeave leaves the registry; the whole stake comes back.
type RelayLeave struct{}

// Countersign is a drawn relay's countersign of a bounty's result at Slot:
// Result is the result hash it computed, Envelope its countersign
// envelope's hash.
type Countersign struct {
	Bounty           wire.Hash
	Slot             uint8
	Result, Envelope wire.Hash
}

// RelayMiss reports that Slot of Bounty stayed silent past its window.
type RelayMiss struct {
	Bounty wire.Hash
	Slot   uint8
}

// relayRecord returns the sender's registry record (nil: not registered).
func (b *builder) relayRecord() (*node.RelayInfo, error) {
	r, err := b.p.node.Relay(b.ctx, b.addr(b.from))
	if errors.Is(err, node.ErrNotFound) {
		return nil, nil
	}
	return r, err
}

func (in RelayRegister) build(b *builder) error {
	if in.Caps&^wire.RelayCapRecompute != 0 {
		return badIntent("caps %#x set reserved bits; only bit 0 (recomputes transforms) is defined", in.Caps)
	}
	r, err := b.relayRecord()
	if err != nil {
		return err
	}
	have := uint64(0)
	if r != nil {
		have = r.Stake
	}
	total, err := wire.AddAmounts(have, in.Stake)
	if err != nil {
		return badIntent("a stake of %s added to %s overflows", bvs(in.Stake), bvs(have))
	}
	p := b.p.params
	if total < p.RelayMinStake {
		return badIntent("a relay's stake must total at least %s; with %s added it would hold %s", bvs(p.RelayMinStake), bvs(in.Stake), bvs(total))
	}
	b.judge = true
	what := fmt.Sprintf("register as a relay: fee at least %s a job, stake %s escrowed (%s in all), returned when you leave", bvs(in.Fee), bvs(in.Stake), bvs(total))
	if r != nil {
		what = fmt.Sprintf("update your relay record: fee at least %s a job, add %s to your stake (%s in all)", bvs(in.Fee), bvs(in.Stake), bvs(total))
	}
	if in.Caps&wire.RelayCapRecompute == 0 {
		what += "; without caps bit 0 you are not drawn into lineups"
	}
	_, err = b.root(wire.RelayRegister{Fee: in.Fee, Stake: in.Stake, Caps: in.Caps}, in.Stake, b.opt.Fee, what, false)
	return err
}

func (in RelayLeave) build(b *builder) error {
	r, err := b.relayRecord()
	if err != nil {
		return err
	}
	switch {
	case r == nil:
		return badIntent("%s is not a registered relay; there is nothing to leave", b.addr(b.from))
	case r.Active > 0:
		return badIntent("you hold %d slot(s) in lineups or juries of unclosed bounties; you can leave once they close", r.Active)
	}
	b.judge = true
	what := fmt.Sprintf("leave the relay registry: your stake of %s comes back", bvs(r.Stake))
	_, err = b.root(wire.RelayLeave{}, 0, b.opt.Fee, what, false)
	return err
}

// currentSlot returns the current entry of slot n in bi's lineup or jury.
func currentSlot(bi *node.BountyInfo, n uint8) (node.SlotInfo, bool) {
	list := bi.Lineup
	if n >= bi.Hops {
		list = bi.Jury
	}
	for i := len(list) - 1; i >= 0; i-- {
		if list[i].Slot == int(n) {
			s := list[i]
			return s, s.State == "pending" || s.State == "drawn" || s.State == "countersigned"
		}
	}
	return node.SlotInfo{}, false
}

// prevLineupSlot returns the current lineup entry before slot n, if any.
func prevLineupSlot(bi *node.BountyInfo, n uint8) (node.SlotInfo, bool) {
	for k := int(n) - 1; k >= 0; k-- {
		if s, ok := currentSlot(bi, uint8(k)); ok {
			return s, true
		}
	}
	return node.SlotInfo{}, false
}

func (in Countersign) build(b *builder) error {
	if in.Result.IsZero() || in.Envelope.IsZero() {
		return badIntent("a countersign names the result hash it computed and its envelope's hash; one of them is zero")
	}
	bi, _, err := b.bounty(in.Bounty)
	if err != nil {
		return err
	}
	me := b.addr(b.from)
	s, ok := currentSlot(bi, in.Slot)
	switch {
	case bi.Hops == 0:
		return badIntent("bounty %s asked for no relays; there is nothing to countersign", in.Bounty.Short())
	case !ok || s.State == "pending":
		return badIntent("slot %d of bounty %s has no drawn relay (yet); wait for the draw, or check the slot number", in.Slot, in.Bounty.Short())
	case s.Relay != me:
		return badIntent("slot %d of bounty %s was drawn for %s, not for you", in.Slot, in.Bounty.Short(), s.Relay)
	case s.State == "countersigned":
		return badIntent("you already countersigned slot %d of bounty %s", in.Slot, in.Bounty.Short())
	case bi.State != "committed":
		return badIntent("bounty %s is %s; a relay countersigns once the worker has committed its result", in.Bounty.Short(), bi.State)
	}
	what := fmt.Sprintf("countersign slot %d of bounty %s with result %s", in.Slot, in.Bounty.Short(), in.Result.Short())
	if in.Slot < bi.Hops {
		if bi.Contest == "open" {
			return badIntent("bounty %s has an open contest; the lineup waits for the jury", in.Bounty.Short())
		}
		if p, ok := prevLineupSlot(bi, in.Slot); ok && p.State != "countersigned" {
			return badIntent("slot %d of bounty %s countersigns after slot %d, which has not yet", in.Slot, in.Bounty.Short(), p.Slot)
		}
		if in.Result != bi.Result {
			what += fmt.Sprintf("; it differs from the worker's %s, so this opens a contest: a jury decides, and the side it finds wrong pays", bi.Result.Short())
		}
	} else {
		if bi.Contest != "open" {
			return badIntent("bounty %s has no open contest for a juror to countersign", in.Bounty.Short())
		}
		what += " as a juror"
	}
	b.judge = true
	_, err = b.root(wire.Countersign{Bounty: in.Bounty, Slot: in.Slot, Result: in.Result, Envelope: in.Envelope}, 0, b.opt.Fee, what, false)
	return err
}

func (in RelayMiss) build(b *builder) error {
	bi, h, err := b.bounty(in.Bounty)
	if err != nil {
		return err
	}
	s, ok := currentSlot(bi, in.Slot)
	switch {
	case bi.State != "open" && bi.State != "accepted" && bi.State != "committed":
		return badIntent("bounty %s is %s; its relays are done", in.Bounty.Short(), bi.State)
	case !ok || s.State != "drawn":
		return badIntent("slot %d of bounty %s has no drawn relay waiting to countersign", in.Slot, in.Bounty.Short())
	}
	if in.Slot < bi.Hops {
		if bi.State != "committed" {
			return badIntent("slot %d of bounty %s waits for the worker's commit; its relay is not late", in.Slot, in.Bounty.Short())
		}
		start := max(s.Height, bi.Committed)
		if p, ok := prevLineupSlot(bi, in.Slot); ok {
			if p.State != "countersigned" {
				return badIntent("slot %d of bounty %s waits for slot %d; its relay is not late", in.Slot, in.Bounty.Short(), p.Slot)
			}
			start = max(start, p.Height)
		}
		if end := start + b.p.params.RelayWindow; h < end {
			return badIntent("the relay of slot %d of bounty %s has until block %d to countersign (the next block is %d)", in.Slot, in.Bounty.Short(), end, h)
		}
	}
	b.judge = true
	what := fmt.Sprintf("report slot %d of bounty %s missed: relay %s loses part of its stake and the next block draws another", in.Slot, in.Bounty.Short(), s.Relay)
	_, err = b.root(wire.RelayMiss{Bounty: in.Bounty, Slot: in.Slot}, 0, b.opt.Fee, what, false)
	return err
}
