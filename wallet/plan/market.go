package plan

import (
	"errors"
	"fmt"

	"github.com/bitverse/bitverse/node"
	"github.com/bitverse/bitverse/node/wire"
)

// The market's six intents. Each checks what it can against the node's
// view (the bounty, its state, the signer's role, the heights) and says in
// a sentence what is wrong; the node's verdict (Plan.Verdict) then judges
// the transaction by the consensus rules after the sender's pending ones.
// Heights are judged for the next block (tip + 1).

// Bounty escrows Amount for the result of Request at price-table row Row,
// until root height Deadline; Worker names the only key that may accept
// (zero: anyone). Hops is how many drawn relays countersign the result (0:
// none). After signing, the main step's tx ID is the bounty's ID.
type Bounty struct {
	Request  wire.Hash
	Row      uint8
	Hops     uint8
	Amount   uint64
	Deadline uint64
	Worker   wire.PubKey
}

// Accept takes Bounty as its worker, escrowing Stake (0: the least the
// rules allow) and promising a commit within Promised blocks (0: as late
// as the deadline allows).
type Accept struct {
	Bounty   wire.Hash
	Stake    uint64
	Promised uint32
}

// Commit records the hash of the worker-signed result envelope and the
// result hash it carries.
type Commit struct{ Bounty, Envelope, Result wire.Hash }

// Settle pays a committed bounty to its worker (the requester at any time,
// the worker once the settle window is over).
type Settle struct{ Bounty wire.Hash }

// Dispute rejects a committed result within the settle window.
type Dispute struct{ Bounty wire.Hash }

// Refund returns an uncommitted bounty's amount once its deadline is
// reached (anyone may send it).
type Refund struct{ Bounty wire.Hash }

// BountySlack is how many blocks beyond the rules' minimum a planned
// bounty's deadline leaves for the bounty itself to be mined.
const BountySlack = 2

// next returns the height of the next block.
func (b *builder) next() (uint64, error) {
	st, err := b.p.node.Status(b.ctx)
	if err != nil {
		return 0, err
	}
	return st.Height + 1, nil
}

// bounty fetches a bounty and the next block's height.
func (b *builder) bounty(id wire.Hash) (*node.BountyInfo, uint64, error) {
	bi, err := b.p.node.Bounty(b.ctx, id)
	if errors.Is(err, node.ErrNotFound) {
		return nil, 0, fmt.Errorf("%w: there is no bounty %s on the chain (if it was just funded, wait for its block)", node.ErrNotFound, id.Short())
	}
	if err != nil {
		return nil, 0, err
	}
	h, err := b.next()
	return bi, h, err
}

func (b *builder) addr(pk wire.PubKey) string { return wire.EncodeAddress(b.p.params.Net, pk) }

func (in Bounty) build(b *builder) error {
	if in.Amount == 0 {
		return badIntent("a bounty escrows an amount above zero")
	}
	if max := b.p.params.MaxHops; in.Hops > max {
		return badIntent("a bounty asks for at most %d relays on %s, not %d", max, b.p.params.Net.Name, in.Hops)
	}
	h, err := b.next()
	if err != nil {
		return err
	}
	// The rules want the deadline above the carrying block's height plus
	// MinBountyBlocks; the slack lets the bounty wait a block or two to be
	// mined without turning invalid.
	if least := h + b.p.params.MinBountyBlocks + 1 + BountySlack; in.Deadline < least {
		return badIntent("deadline %d is too near: the next block is %d, and a bounty's deadline must be at least %d (%d blocks later) so it can confirm and a worker can accept and commit",
			in.Deadline, h, least, least-h)
	}
	who := "open to any worker"
	if !in.Worker.IsZero() {
		who = "for worker " + b.addr(in.Worker)
	}
	b.judge = true
	what := fmt.Sprintf("escrow %s for request %s (row %d), %s, until block %d; refunded to you if no result is committed by then",
		bvs(in.Amount), in.Request.Short(), in.Row, who, in.Deadline)
	if in.Hops > 0 {
		p := b.p.params
		what += fmt.Sprintf("; %d relays drawn from the registry check the result (each earns %s, the block that draws them %s; fewer if the registry has fewer to draw)",
			in.Hops, bvs(p.HopShare(in.Amount)), bvs(p.DrawShare(in.Amount)))
	}
	_, err = b.root(wire.Bounty{Request: in.Request, Row: in.Row, Hops: in.Hops, Amount: in.Amount, Deadline: in.Deadline, Worker: in.Worker},
		in.Amount, b.opt.Fee, what, false)
	return err
}

func (in Accept) build(b *builder) error {
	bi, h, err := b.bounty(in.Bounty)
	if err != nil {
		return err
	}
	me := b.addr(b.from)
	switch {
	case bi.State != "open":
		return badIntent("bounty %s is %s; only an open bounty can be accepted", in.Bounty.Short(), bi.State)
	case bi.Worker != "" && bi.Worker != me:
		return badIntent("bounty %s is for worker %s; only that key may accept it", in.Bounty.Short(), bi.Worker)
	case h+1 >= bi.Deadline:
		return badIntent("bounty %s has its deadline at block %d: too late to accept and commit before it (the next block is %d)", in.Bounty.Short(), bi.Deadline, h)
	}
	min := b.p.params.MinStake(bi.Amount)
	stake := in.Stake
	if stake == 0 {
		stake = min
	}
	if stake < min {
		return badIntent("a stake of %s is below the %s a bounty of %s requires", bvs(stake), bvs(min), bvs(bi.Amount))
	}
	promised := uint64(in.Promised)
	room := bi.Deadline - h - 1 // the commit must land below the deadline
	if promised == 0 {
		promised = room
	}
	if promised > room {
		return badIntent("a promise of %d blocks ends at block %d, past what bounty %s's deadline %d allows (at most %d blocks)",
			promised, h+promised, in.Bounty.Short(), bi.Deadline, room)
	}
	b.judge = true
	what := fmt.Sprintf("accept bounty %s (%s): escrow a stake of %s, returned when it settles or is disputed, burned if no result is committed by block %d; promise a commit within %d blocks",
		in.Bounty.Short(), bvs(bi.Amount), bvs(stake), bi.Deadline, promised)
	_, err = b.root(wire.Accept{Bounty: in.Bounty, Stake: stake, Promised: uint32(promised)}, stake, b.opt.Fee, what, false)
	return err
}

func (in Commit) build(b *builder) error {
	if in.Envelope.IsZero() {
		return badIntent("no result envelope hash to commit")
	}
	bi, h, err := b.bounty(in.Bounty)
	if err != nil {
		return err
	}
	switch {
	case bi.Hops > 0 && in.Result.IsZero():
		return badIntent("bounty %s has relays that check the result; the commit must name the result hash its envelope carries", in.Bounty.Short())
	case bi.State != "accepted":
		return badIntent("bounty %s is %s; a result is committed to an accepted bounty", in.Bounty.Short(), bi.State)
	case bi.Worker != b.addr(b.from):
		return badIntent("bounty %s was accepted by %s; only that worker may commit its result", in.Bounty.Short(), bi.Worker)
	case h >= bi.Deadline:
		return badIntent("bounty %s reached its deadline at block %d; a commit is too late (it can only be refunded)", in.Bounty.Short(), bi.Deadline)
	}
	b.judge = true
	what := fmt.Sprintf("commit result envelope %s for bounty %s; the requester may dispute until block %d, after which you may settle it yourself",
		in.Envelope.Short(), in.Bounty.Short(), h+b.p.params.SettleWindow)
	_, err = b.root(wire.Commit{Bounty: in.Bounty, Envelope: in.Envelope, Result: in.Result}, 0, b.opt.Fee, what, false)
	return err
}

func (in Settle) build(b *builder) error {
	bi, h, err := b.bounty(in.Bounty)
	if err != nil {
		return err
	}
	me := b.addr(b.from)
	if bi.State != "committed" {
		return badIntent("bounty %s is %s; only a committed bounty can be settled", in.Bounty.Short(), bi.State)
	}
	if relayed(bi) {
		switch {
		case bi.Contest == "open":
			return badIntent("bounty %s has an open contest; it settles once the jury decides", in.Bounty.Short())
		case !lineupDone(bi):
			return badIntent("bounty %s's lineup has not countersigned the result yet; it settles once every relay has", in.Bounty.Short())
		}
	}
	switch {
	case me == bi.Requester:
	case me == bi.Worker:
		if h < bi.SettleAfter {
			return badIntent("as its worker you may settle bounty %s from block %d (the next block is %d); the requester may settle it before", in.Bounty.Short(), bi.SettleAfter, h)
		}
	default:
		return badIntent("only the requester (%s) or the worker (%s) of bounty %s may settle it", bi.Requester, bi.Worker, in.Bounty.Short())
	}
	b.judge = true
	what := fmt.Sprintf("settle bounty %s: pay %s to worker %s and return its stake of %s", in.Bounty.Short(), bvs(bi.Amount), bi.Worker, bvs(bi.Stake))
	_, err = b.root(wire.Settle{Bounty: in.Bounty}, 0, b.opt.Fee, what, false)
	return err
}

func (in Dispute) build(b *builder) error {
	bi, h, err := b.bounty(in.Bounty)
	if err != nil {
		return err
	}
	switch {
	case bi.State != "committed":
		return badIntent("bounty %s is %s; only a committed result can be disputed", in.Bounty.Short(), bi.State)
	case bi.Requester != b.addr(b.from):
		return badIntent("only the requester (%s) of bounty %s may dispute it", bi.Requester, in.Bounty.Short())
	case relayed(bi) && bi.Contest == "open":
		return badIntent("bounty %s already has an open contest; its jury decides", in.Bounty.Short())
	case relayed(bi) && lineupDone(bi) && h >= bi.SettleAfter:
		return badIntent("the dispute window of bounty %s closed at block %d (the next block is %d); the worker may now settle it", in.Bounty.Short(), bi.SettleAfter, h)
	case !relayed(bi) && h >= bi.SettleAfter:
		return badIntent("the dispute window of bounty %s closed at block %d (the next block is %d); the worker may now settle it", in.Bounty.Short(), bi.SettleAfter, h)
	}
	b.judge = true
	if relayed(bi) {
		what := fmt.Sprintf("dispute bounty %s: a jury of relays recomputes the result; if the worker was wrong your %s comes back, if it was right the worker is paid and the jurors take a relay's share each",
			in.Bounty.Short(), bvs(bi.Amount))
		_, err = b.root(wire.Dispute{Bounty: in.Bounty}, 0, b.opt.Fee, what, false)
		return err
	}
	what := fmt.Sprintf("dispute bounty %s: the %s you escrowed is burned (you do not get it back), the worker's stake of %s is returned to it, and its record counts a dispute",
		in.Bounty.Short(), bvs(bi.Amount), bvs(bi.Stake))
	_, err = b.root(wire.Dispute{Bounty: in.Bounty}, 0, b.opt.Fee, what, false)
	return err
}

func (in Refund) build(b *builder) error {
	bi, h, err := b.bounty(in.Bounty)
	if err != nil {
		return err
	}
	stuck := bi.State == "committed" && relayed(bi) && (!lineupDone(bi) || bi.Contest == "open")
	switch {
	case bi.State != "open" && bi.State != "accepted" && !stuck:
		return badIntent("bounty %s is %s; only a bounty without a committed result, or whose relays did not finish, is refunded", in.Bounty.Short(), bi.State)
	case h < bi.Deadline:
		return badIntent("bounty %s can be refunded from its deadline, block %d (the next block is %d)", in.Bounty.Short(), bi.Deadline, h)
	}
	b.judge = true
	what := fmt.Sprintf("refund bounty %s: %s back to requester %s", in.Bounty.Short(), bvs(bi.Amount), bi.Requester)
	if stuck {
		what += fmt.Sprintf("; worker %s's stake of %s comes back to it (its relays did not finish)", bi.Worker, bvs(bi.Stake))
	}
	if bi.State == "accepted" {
		what += fmt.Sprintf("; worker %s's stake of %s is burned", bi.Worker, bvs(bi.Stake))
	}
	_, err = b.root(wire.Refund{Bounty: in.Bounty}, 0, b.opt.Fee, what, false)
	return err
}

// relayed reports whether bi runs with relays: a lineup still drawn or
// pending, or an open contest (§19). A bounty whose lineup the registry
// could not fill at all is a part-1 bounty.
func relayed(bi *node.BountyInfo) bool {
	if bi.Hops == 0 {
		return false
	}
	if bi.Contest == "open" {
		return true
	}
	for n := uint8(0); n < bi.Hops; n++ {
		if _, ok := currentSlot(bi, n); ok {
			return true
		}
	}
	return false
}

// lineupDone reports whether every current lineup slot is countersigned.
func lineupDone(bi *node.BountyInfo) bool {
	for n := uint8(0); n < bi.Hops; n++ {
		if s, ok := currentSlot(bi, n); ok && s.State != "countersigned" {
			return false
		}
	}
	return true
}
