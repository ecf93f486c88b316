package state

import (
	"encoding/binary"
	"fmt"

	"github.com/bitverse/bitverse/node/consensus"
	"github.com/bitverse/bitverse/node/store"
	"github.com/bitverse/bitverse/node/wire"
	"go.etcd.io/bbolt"
)

// Silent members (PROTOCOL §23). A member that refuses a redemption in
// writing is reported with its signature; one that stays silent leaves
// nothing to report, and the chain cannot see silence. So the redeemer's
// pool-silence turns it into a public test the chain can judge: a serve
// challenge, one segment drawn by the ID of the block that carries the
// claim (written at the start of the next block, like the epoch draws),
// which the member answers with pool-serve within PoolServeBlocks root
// blocks after the claim's. Answered, the claimer's deposit pays the
// member; unanswered at the deadline, the member is demoted as for a missed
// challenge and the deposit goes back to the claimer.
//
// Records: a serve challenge at "S" ‖ TaggedSum(redemption ‖ member); the
// claims opened at a height at "Q" ‖ height u64 (the draw and the deadline
// find them there without a scan); a member's open serve challenges in a
// pool at "U" ‖ TaggedSum(pool ‖ member) (it cannot leave while any is
// open). Deposits are escrow.

// ServeChallenge is an open serve challenge.
type ServeChallenge struct {
	Pool       wire.Hash
	Redemption wire.Hash
	Member     wire.PubKey
	Claimer    wire.PubKey
	Deposit    uint64
	Opened     uint64 // the height of the block carrying the pool-silence
	Drawn      bool   // the block after Opened drew Segment
	Segment    uint32
}

// Deadline is the last root height at which a pool-serve answers c.
func (c *ServeChallenge) Deadline(p *consensus.Params) uint64 { return c.Opened + p.PoolServeBlocks }

func (c *ServeChallenge) encode() []byte {
	w := wire.NewWriter(150)
	w.Hash(c.Pool)
	w.Hash(c.Redemption)
	w.Fixed(c.Member[:])
	w.Fixed(c.Claimer[:])
	w.Uvarint(c.Deposit)
	w.Uvarint(c.Opened)
	if c.Drawn {
		w.U8(1)
	} else {
		w.U8(0)
	}
	w.U32(c.Segment)
	return w.Bytes()
}

func decodeServeChallenge(raw []byte) (*ServeChallenge, error) {
	r := wire.NewReader(raw)
	c := &ServeChallenge{Pool: r.Hash(), Redemption: r.Hash()}
	copy(c.Member[:], r.Fixed(wire.PubKeySize))
	copy(c.Claimer[:], r.Fixed(wire.PubKeySize))
	c.Deposit = r.Uvarint()
	c.Opened = r.Uvarint()
	switch r.U8() {
	case 0:
	case 1:
		c.Drawn = true
	default:
		r.Fail(fmt.Errorf("%w: drawn flag", wire.ErrMalformed))
	}
	c.Segment = r.U32()
	if !c.Drawn && c.Segment != 0 && r.Err() == nil {
		r.Fail(fmt.Errorf("%w: a segment before the draw", wire.ErrMalformed))
	}
	if err := r.Done(); err != nil {
		return nil, fmt.Errorf("serve challenge record: %w", err)
	}
	return c, nil
}

func serveID(redemption wire.Hash, member wire.PubKey) wire.Hash {
	return wire.TaggedSum("bitverse/pool/serve-challenge", redemption[:], member[:])
}
func serveKey(id wire.Hash) []byte { return append([]byte{'S'}, id[:]...) }
func serveOpenKey(pool wire.Hash, member wire.PubKey) []byte {
	h := wire.TaggedSum("bitverse/pool/serving", pool[:], member[:])
	return append([]byte{'U'}, h[:]...)
}
func serveQueueKey(h uint64) []byte {
	k := make([]byte, 1+wire.HashSize)
	k[0] = 'Q'
	binary.BigEndian.PutUint64(k[1:], h)
	return k
}

// A queue record is count uvarint ‖ serve IDs [32]*.
func decodeServeQueue(raw []byte) ([]wire.Hash, error) {
	r := wire.NewReader(raw)
	n := r.Len(1<<20, wire.HashSize, "serve challenges")
	ids := make([]wire.Hash, 0, n)
	for i := 0; i < n && r.Err() == nil; i++ {
		ids = append(ids, r.Hash())
	}
	if err := r.Done(); err != nil {
		return nil, fmt.Errorf("serve queue: %w", err)
	}
	return ids, nil
}

func encodeServeQueue(ids []wire.Hash) []byte {
	w := wire.NewWriter(2 + len(ids)*wire.HashSize)
	w.Uvarint(uint64(len(ids)))
	for _, id := range ids {
		w.Hash(id)
	}
	return w.Bytes()
}

func (b *Batch) serveChallenge(id wire.Hash) (*ServeChallenge, error) {
	raw := b.marketRecord(serveKey(id))
	if raw == nil {
		return nil, nil
	}
	return decodeServeChallenge(raw)
}

// serveOpen is how many serve challenges member has open in pool.
func (b *Batch) serveOpen(pool wire.Hash, member wire.PubKey) (uint64, error) {
	raw := b.marketRecord(serveOpenKey(pool, member))
	if raw == nil {
		return 0, nil
	}
	r := wire.NewReader(raw)
	n := r.Uvarint()
	if err := r.Done(); err != nil {
		return 0, fmt.Errorf("open serve count: %w", err)
	}
	return n, nil
}

func (b *Batch) setServeOpen(pool wire.Hash, member wire.PubKey, n uint64) {
	if n == 0 {
		b.setMarket(serveOpenKey(pool, member), nil)
		return
	}
	w := wire.NewWriter(10)
	w.Uvarint(n)
	b.setMarket(serveOpenKey(pool, member), w.Bytes())
}

// closeServe deletes serve challenge id and counts it closed.
func (b *Batch) closeServe(id wire.Hash, c *ServeChallenge) error {
	n, err := b.serveOpen(c.Pool, c.Member)
	if err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("state inconsistency: serve challenge %s closes with none open", id.Short())
	}
	b.setServeOpen(c.Pool, c.Member, n-1)
	b.setMarket(serveKey(id), nil)
	return nil
}

// ServeSegment is the segment a serve challenge asks for: the block with
// ID seed (the one carrying the claim) draws it, as ChallengeSegment
// does, from TaggedSum("bitverse/pool/serve/v1", seed ‖ pool ‖ redemption
// ‖ member) modulo the segment count.
func ServeSegment(seed, pool, redemption wire.Hash, member wire.PubKey, segments uint64) uint32 {
	if segments == 0 {
		return 0
	}
	h := wire.TaggedSum("bitverse/pool/serve/v1", seed[:], pool[:], redemption[:], member[:])
	var r uint64
	for _, c := range h {
		r = (r<<8 | uint64(c)) % segments
	}
	return uint32(r)
}

// checkSilence runs a pool-silence's state checks (the deposit is already
// counted in its spend) and returns what opens the serve challenge.
func (b *Batch) checkSilence(t *wire.Tx, p *Pool, body wire.PoolSilence, e uint64) (func(), error) {
	if _, err := b.redemptionOf(p, body.Redemption, t.From, e); err != nil {
		return nil, err
	}
	if p.Member(body.Member) < 0 {
		return nil, consensus.Rule(consensus.ErrNotMember, "%s is not a member of pool %s", wire.EncodeAddress(b.p.Net, body.Member), p.ID.Short())
	}
	id := serveID(body.Redemption, body.Member)
	if b.marketRecord(serveKey(id)) != nil {
		return nil, consensus.Rule(consensus.ErrPoolState, "redemption %s already claimed %s silent", body.Redemption.Short(),
			wire.EncodeAddress(b.p.Net, body.Member))
	}
	if _, err := b.serveChallenge(id); err != nil {
		return nil, err
	}
	open, err := b.serveOpen(p.ID, body.Member)
	if err != nil {
		return nil, err
	}
	var queue []wire.Hash
	if raw := b.marketRecord(serveQueueKey(b.height)); raw != nil {
		if queue, err = decodeServeQueue(raw); err != nil {
			return nil, err
		}
	}
	if len(queue) >= int(b.p.MaxSilencesPerBlock) {
		return nil, consensus.Rule(consensus.ErrPoolState, "block %d already holds %d claims of silence, the most a block takes; claim in the next block",
			b.height, len(queue))
	}
	escrow, err := wire.AddAmounts(b.escrow(), b.p.PoolSilenceDeposit)
	if err != nil {
		return nil, consensus.Rule(consensus.ErrAmountOverflow, "escrow overflows")
	}
	c := &ServeChallenge{Pool: p.ID, Redemption: body.Redemption, Member: body.Member, Claimer: t.From,
		Deposit: b.p.PoolSilenceDeposit, Opened: b.height}
	return func() {
		b.setMarket(serveKey(id), c.encode())
		b.setServeOpen(p.ID, body.Member, open+1)
		b.setMarket(serveQueueKey(b.height), encodeServeQueue(append(queue, id)))
		b.setEscrow(escrow)
	}, nil
}

// redemptionOf checks that redemption is a token-redeem of p made by
// signer and still open to claims at epoch e (its epoch or the next).
func (b *Batch) redemptionOf(p *Pool, id wire.Hash, signer wire.PubKey, e uint64) (*redemption, error) {
	raw := b.marketRecord(redemptionKey(id))
	if raw == nil {
		return nil, consensus.Rule(consensus.ErrNoToken, "no redemption %s to report on", id.Short())
	}
	x, err := decodeRedemption(raw)
	if err != nil {
		return nil, err
	}
	switch {
	case x.Pool != p.ID:
		return nil, consensus.Rule(consensus.ErrNoToken, "redemption %s is of pool %s, not %s", id.Short(), x.Pool.Short(), p.ID.Short())
	case x.Redeemer != signer:
		return nil, consensus.Rule(consensus.ErrNotParty, "only the redeemer may report on redemption %s", id.Short())
	case e > x.Epoch+1:
		return nil, consensus.Rule(consensus.ErrPoolEpoch, "a redemption of epoch %d is reported by the end of epoch %d (height %d)",
			x.Epoch, x.Epoch+1, b.p.PoolEpochEnd(x.Epoch+1))
	}
	return x, nil
}

// checkServe runs a pool-serve's state checks and returns what closes the
// serve challenge, paying its deposit to the member.
func (b *Batch) checkServe(t *wire.Tx, p *Pool, body wire.PoolServe) (func(), error) {
	id := serveID(body.Redemption, t.From)
	c, err := b.serveChallenge(id)
	if err != nil {
		return nil, err
	}
	if c == nil || c.Pool != p.ID {
		return nil, consensus.Rule(consensus.ErrNoChallenge, "%s has no open serve challenge for redemption %s in pool %s",
			wire.EncodeAddress(b.p.Net, t.From), body.Redemption.Short(), p.ID.Short())
	}
	if !c.Drawn {
		return nil, consensus.Rule(consensus.ErrNoChallenge, "the serve challenge opened at height %d is drawn by the next block; answer from height %d",
			c.Opened, c.Opened+1)
	}
	if body.Index != c.Segment {
		return nil, consensus.Rule(consensus.ErrBadAnswer, "the serve challenge is segment %d, the answer gives segment %d", c.Segment, body.Index)
	}
	if !wire.VerifySegment(p.SegmentRoot, p.Size, body.Index, body.Segment, body.Branch) {
		return nil, consensus.Rule(consensus.ErrBadAnswer, "segment %d with its branch does not verify against pool %s's segment root", body.Index, p.ID.Short())
	}
	fx := b.newEffects()
	fx.pay(t.From, c.Deposit)
	apply, err := fx.check()
	if err != nil {
		return nil, err
	}
	if _, err := b.serveOpen(c.Pool, c.Member); err != nil {
		return nil, err
	}
	return func() {
		apply()
		b.closeServe(id, c) // read above: cannot fail
	}, nil
}

// serveDeadlines draws the serve challenges the parent block (ID parent)
// opened and closes, unanswered, those whose deadline was the parent's
// height: the member is demoted as for a miss and the deposit goes back to
// the claimer. It runs at the start of every root block, after the epoch.
func (b *Batch) serveDeadlines(parent wire.Hash) error {
	if !b.chain.IsRoot() || b.height < 2 {
		return nil
	}
	if err := b.drawServes(parent); err != nil {
		return err
	}
	if b.height < b.p.PoolServeBlocks+2 {
		return nil
	}
	opened := b.height - 1 - b.p.PoolServeBlocks
	qk := serveQueueKey(opened)
	raw := b.marketRecord(qk)
	if raw == nil {
		return nil
	}
	ids, err := decodeServeQueue(raw)
	if err != nil {
		return err
	}
	for _, id := range ids {
		c, err := b.serveChallenge(id)
		if err != nil {
			return err
		}
		if c == nil {
			continue // answered
		}
		if err := b.expireServe(id, c); err != nil {
			return err
		}
	}
	b.setMarket(qk, nil)
	return nil
}

// drawServes draws the segments of the serve challenges opened at the
// parent's height.
func (b *Batch) drawServes(parent wire.Hash) error {
	raw := b.marketRecord(serveQueueKey(b.height - 1))
	if raw == nil {
		return nil
	}
	ids, err := decodeServeQueue(raw)
	if err != nil {
		return err
	}
	for _, id := range ids {
		c, err := b.serveChallenge(id)
		if err != nil {
			return err
		}
		if c == nil {
			continue // closed already (its pool went in the claim's block)
		}
		if c.Drawn {
			return fmt.Errorf("state inconsistency: serve challenge %s queued at %d is gone or drawn", id.Short(), b.height-1)
		}
		p, err := b.Pool(c.Pool)
		if err != nil {
			return err
		}
		if p == nil {
			// The member was reported out and the pool closed in the
			// claim's own block: nothing to answer, the deposit goes back.
			if err := b.expireServe(id, c); err != nil {
				return err
			}
			continue
		}
		c.Drawn = true
		c.Segment = ServeSegment(parent, c.Pool, c.Redemption, c.Member, p.Segments())
		b.setMarket(serveKey(id), c.encode())
	}
	return nil
}

// expireServe closes an unanswered serve challenge: the member (if still
// one) is demoted, and goes with the rest of its stake at tier 0; the
// deposit goes back to the claimer. (A leaving member that stayed for its
// serve challenges goes at the next settle.)
func (b *Batch) expireServe(id wire.Hash, c *ServeChallenge) error {
	fx := b.newEffects()
	fx.pay(c.Claimer, c.Deposit)
	p, err := b.Pool(c.Pool)
	if err != nil {
		return err
	}
	i, gone := -1, false
	if p != nil {
		if i = p.Member(c.Member); i >= 0 {
			gone = b.demote(fx, p, i)
		}
	}
	if _, err := b.serveOpen(c.Pool, c.Member); err != nil {
		return err
	}
	if gone {
		if _, _, err := b.poolCounts(); err != nil {
			return err
		}
	}
	apply, err := fx.check()
	if err != nil {
		return err
	}
	apply()
	if i >= 0 {
		if gone {
			p.Members = append(p.Members[:i], p.Members[i+1:]...)
			b.addPoolCounts(0, -1)
		}
		b.setMarket(poolRecordKey(p.ID), p.encode())
	}
	return b.closeServe(id, c)
}

// ForEachServeChallenge calls fn for every open serve challenge in the tip
// state (in no particular order: the records are keyed by hash).
func ForEachServeChallenge(tx *bbolt.Tx, fn func(*ServeChallenge) error) error {
	c := tx.Bucket(store.Market).Cursor()
	for k, v := c.Seek([]byte{'S'}); k != nil && k[0] == 'S'; k, v = c.Next() {
		sc, err := decodeServeChallenge(v)
		if err != nil {
			return err
		}
		if err := fn(sc); err != nil {
			return err
		}
	}
	return nil
}
