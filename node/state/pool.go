package state

import (
	"bytes"
	"fmt"
	"math/bits"
	"sort"

	"github.com/bitverse/bitverse/node/consensus"
	"github.com/bitverse/bitverse/node/store"
	"github.com/bitverse/bitverse/node/wire"
	"go.etcd.io/bbolt"
)

// Availability pools and service tokens (PROTOCOL §23), in the Market
// bucket and so under the ledger tree like bounties and relays: a pool's
// record, members inline, at "P" ‖ pool id; a holder's tokens of a pool at
// "T" ‖ holder ‖ pool id; a redemption at "X" ‖ redeem tx id; the counts of
// pools and members at "N". Endowments and stakes are escrow ("E"); slashes
// are burned ("B"); payouts and returned stakes leave escrow for balances.
//
// Epoch e runs from height e·PoolEpochBlocks+1 to (e+1)·PoolEpochBlocks.
// At the start of its first block, before the transactions (the same hook
// as the lineup draws, DrawLineups), epoch e−1 is settled — the members
// that answered share the epoch's payout, those that did not lose a tier
// and PoolSlashBps of their stake — and epoch e's challenges are drawn,
// one per member, seeded by the parent block's ID.

// Member is one member of a pool.
type Member struct {
	Key      wire.PubKey
	Stake    uint64 // escrowed
	Tier     uint8  // the pool's tier at join, −1 per miss; 0 means out
	Joined   uint64 // height
	Answered uint64 // challenges answered
	Missed   uint64 // challenges missed, refusals reported
	Earned   uint64 // paid out of the endowment
	Leaving  bool   // leaves (stake back) when its current challenge settles
	// The current (or last) challenge: Challenged says one was drawn, for
	// epoch ChEpoch, of segment ChSegment; ChAnswered once answered.
	Challenged bool
	ChAnswered bool
	ChEpoch    uint64
	ChSegment  uint32
}

// Pool is a pool's record.
type Pool struct {
	ID          wire.Hash // the funding tx's ID (not encoded: it is the key)
	Funder      wire.PubKey
	Kind        uint8
	Chain       wire.ChainID
	Key         string
	Hash        wire.Hash
	Size        uint64
	SegmentRoot wire.Hash
	Replicas    uint8
	Tier        uint8
	Endowment   uint64 // left to pay out
	Paid        uint64 // paid out so far
	TokenRate   uint32 // redemptions an epoch, 0: no tokens
	TokensSold  uint64
	Redeemed    uint64 // tokens redeemed in all
	RedeemEpoch uint64 // the epoch RedeemCount counts
	RedeemCount uint32
	Created     uint64
	Members     []Member
}

// Segments is the number of 1 KiB segments of the pool's data.
func (p *Pool) Segments() uint64 { return wire.SegmentCount(p.Size) }

// Member returns the index of pk among the members (-1: not one).
func (p *Pool) Member(pk wire.PubKey) int {
	for i := range p.Members {
		if p.Members[i].Key == pk {
			return i
		}
	}
	return -1
}

// Outstanding is the price of the tokens sold and not yet redeemed.
func (p *Pool) Outstanding(price uint64) uint64 {
	n := p.TokensSold - min(p.Redeemed, p.TokensSold)
	hi, lo := bits.Mul64(n, price)
	if hi != 0 {
		return ^uint64(0)
	}
	return lo
}

const (
	memberLeaving = 1 << iota
	memberChallenged
	memberAnswered
)

// MaxPoolMembersEach bounds a pool's member list in a record (twice the
// largest replicas byte).
const MaxPoolMembersEach = 2 * 255

func (p *Pool) encode() []byte {
	w := wire.NewWriter(160 + 60*len(p.Members))
	w.Fixed(p.Funder[:])
	w.U8(p.Kind)
	w.U8(p.Chain.Depth)
	w.U32(p.Chain.Bits)
	w.String(p.Key)
	w.Hash(p.Hash)
	w.Uvarint(p.Size)
	w.Hash(p.SegmentRoot)
	w.U8(p.Replicas)
	w.U8(p.Tier)
	w.Uvarint(p.Endowment)
	w.Uvarint(p.Paid)
	w.U32(p.TokenRate)
	w.Uvarint(p.TokensSold)
	w.Uvarint(p.Redeemed)
	w.Uvarint(p.RedeemEpoch)
	w.U32(p.RedeemCount)
	w.Uvarint(p.Created)
	w.Uvarint(uint64(len(p.Members)))
	for _, m := range p.Members {
		w.Fixed(m.Key[:])
		w.Uvarint(m.Stake)
		w.U8(m.Tier)
		w.Uvarint(m.Joined)
		w.Uvarint(m.Answered)
		w.Uvarint(m.Missed)
		w.Uvarint(m.Earned)
		var f uint8
		if m.Leaving {
			f |= memberLeaving
		}
		if m.Challenged {
			f |= memberChallenged
		}
		if m.ChAnswered {
			f |= memberAnswered
		}
		w.U8(f)
		w.Uvarint(m.ChEpoch)
		w.U32(m.ChSegment)
	}
	return w.Bytes()
}

const minMemberSize = wire.PubKeySize + 1 + 1 + 5 + 1 + 1 + 4

func decodePool(id wire.Hash, raw []byte) (*Pool, error) {
	r := wire.NewReader(raw)
	p := &Pool{ID: id}
	copy(p.Funder[:], r.Fixed(wire.PubKeySize))
	p.Kind = r.U8()
	p.Chain = wire.ChainID{Depth: r.U8(), Bits: r.U32()}
	p.Key = r.String(wire.MaxKeySize, "key")
	p.Hash = r.Hash()
	p.Size = r.Uvarint()
	p.SegmentRoot = r.Hash()
	p.Replicas = r.U8()
	p.Tier = r.U8()
	p.Endowment = r.Uvarint()
	p.Paid = r.Uvarint()
	p.TokenRate = r.U32()
	p.TokensSold = r.Uvarint()
	p.Redeemed = r.Uvarint()
	p.RedeemEpoch = r.Uvarint()
	p.RedeemCount = r.U32()
	p.Created = r.Uvarint()
	n := r.Len(MaxPoolMembersEach, minMemberSize, "members")
	for i := 0; i < n && r.Err() == nil; i++ {
		var m Member
		copy(m.Key[:], r.Fixed(wire.PubKeySize))
		m.Stake = r.Uvarint()
		m.Tier = r.U8()
		m.Joined = r.Uvarint()
		m.Answered = r.Uvarint()
		m.Missed = r.Uvarint()
		m.Earned = r.Uvarint()
		f := r.U8()
		if f&^(memberLeaving|memberChallenged|memberAnswered) != 0 && r.Err() == nil {
			r.Fail(fmt.Errorf("%w: member flags %#x", wire.ErrMalformed, f))
		}
		m.Leaving, m.Challenged, m.ChAnswered = f&memberLeaving != 0, f&memberChallenged != 0, f&memberAnswered != 0
		m.ChEpoch = r.Uvarint()
		m.ChSegment = r.U32()
		p.Members = append(p.Members, m)
	}
	if err := r.Done(); err != nil {
		return nil, fmt.Errorf("pool record %s: %w", id.Short(), err)
	}
	if p.Kind > wire.PoolPrefix {
		return nil, fmt.Errorf("pool record %s: %w: kind %d", id.Short(), wire.ErrMalformed, p.Kind)
	}
	return p, nil
}

// redemption is a token-redeem's record, kept so that its redeemer can
// report a member's refusal.
type redemption struct {
	Pool     wire.Hash
	Redeemer wire.PubKey
	Epoch    uint64
	Reported bool
}

func (x *redemption) encode() []byte {
	w := wire.NewWriter(80)
	w.Hash(x.Pool)
	w.Fixed(x.Redeemer[:])
	w.Uvarint(x.Epoch)
	if x.Reported {
		w.U8(1)
	} else {
		w.U8(0)
	}
	return w.Bytes()
}

func decodeRedemption(raw []byte) (*redemption, error) {
	r := wire.NewReader(raw)
	x := &redemption{Pool: r.Hash()}
	copy(x.Redeemer[:], r.Fixed(wire.PubKeySize))
	x.Epoch = r.Uvarint()
	switch r.U8() {
	case 0:
	case 1:
		x.Reported = true
	default:
		r.Fail(fmt.Errorf("%w: reported flag", wire.ErrMalformed))
	}
	if err := r.Done(); err != nil {
		return nil, fmt.Errorf("redemption record: %w", err)
	}
	return x, nil
}

func poolRecordKey(id wire.Hash) []byte { return append([]byte{'P'}, id[:]...) }
func tokenKey(holder wire.PubKey, pool wire.Hash) []byte {
	h := wire.TaggedSum("bitverse/pool/tokens", holder[:], pool[:])
	return append([]byte{'T'}, h[:]...)
}
func redemptionKey(id wire.Hash) []byte { return append([]byte{'X'}, id[:]...) }
func poolCountKey() []byte              { return append([]byte{'N'}, wire.ZeroHash[:]...) }

// poolCounts are the numbers of pools and members in existence.
func (b *Batch) poolCounts() (pools, members uint64, err error) {
	raw := b.marketRecord(poolCountKey())
	if raw == nil {
		return 0, 0, nil
	}
	r := wire.NewReader(raw)
	pools, members = r.Uvarint(), r.Uvarint()
	if err := r.Done(); err != nil {
		return 0, 0, fmt.Errorf("pool counts: %w", err)
	}
	return pools, members, nil
}

func (b *Batch) setPoolCounts(pools, members uint64) {
	if pools == 0 && members == 0 {
		b.setMarket(poolCountKey(), nil)
		return
	}
	w := wire.NewWriter(10)
	w.Uvarint(pools)
	w.Uvarint(members)
	b.setMarket(poolCountKey(), w.Bytes())
}

// Pool returns a pool as the batch sees it (nil: none).
func (b *Batch) Pool(id wire.Hash) (*Pool, error) {
	raw := b.marketRecord(poolRecordKey(id))
	if raw == nil {
		return nil, nil
	}
	return decodePool(id, raw)
}

func (b *Batch) tokens(holder wire.PubKey, pool wire.Hash) (uint64, error) {
	raw := b.marketRecord(tokenKey(holder, pool))
	if raw == nil {
		return 0, nil
	}
	_, _, n, err := decodeTokens(raw)
	return n, err
}

// A token record is holder 32 ‖ pool 32 ‖ count uvarint (the key is a
// hash of the first two, so that every market key has one length).
func decodeTokens(raw []byte) (holder wire.PubKey, pool wire.Hash, n uint64, err error) {
	r := wire.NewReader(raw)
	copy(holder[:], r.Fixed(wire.PubKeySize))
	pool = r.Hash()
	n = r.Uvarint()
	if err := r.Done(); err != nil {
		return holder, pool, 0, fmt.Errorf("token record: %w", err)
	}
	return holder, pool, n, nil
}

func (b *Batch) setTokens(holder wire.PubKey, pool wire.Hash, n uint64) {
	if n == 0 {
		b.setMarket(tokenKey(holder, pool), nil)
		return
	}
	w := wire.NewWriter(80)
	w.Fixed(holder[:])
	w.Hash(pool)
	w.Uvarint(n)
	b.setMarket(tokenKey(holder, pool), w.Bytes())
}

// poolSpend checks what a pool transaction's body says on its own (no
// lookups) and returns what it takes from the signer besides the fee.
func (b *Batch) poolSpend(t *wire.Tx) (uint64, error) {
	return PoolSpend(b.p, t)
}

// PoolSpend is poolSpend for the mempool: the body's own checks and what it
// escrows (an endowment, a top-up, a stake, a token price).
func PoolSpend(p *consensus.Params, t *wire.Tx) (uint64, error) {
	switch body := t.Body.(type) {
	case wire.PoolFund:
		if body.Kind == wire.PoolTopUp {
			return body.Amount, nil // zero: the funder closes the pool
		}
		return body.Amount, checkPoolFund(p, body)
	case wire.PoolJoin:
		if body.Stake < p.PoolMinStake {
			return 0, consensus.Rule(consensus.ErrStakeTooLow, "a pool member stakes at least %s BVS, not %s",
				wire.FormatAmount(p.PoolMinStake), wire.FormatAmount(body.Stake))
		}
		return body.Stake, nil
	case wire.PoolAnswer:
		if len(body.Segment) == 0 {
			return 0, consensus.Rule(consensus.ErrBadAnswer, "an answer carries its segment; this one is empty")
		}
	case wire.TokenBuy:
		if body.Count == 0 {
			return 0, consensus.Rule(consensus.ErrZeroAmount, "a token-buy of zero tokens")
		}
		hi, lo := bits.Mul64(uint64(body.Count), p.PoolTokenPrice)
		if hi != 0 {
			return 0, consensus.Rule(consensus.ErrAmountOverflow, "the price of %d tokens overflows", body.Count)
		}
		return lo, nil
	case wire.PoolSilence:
		return p.PoolSilenceDeposit, nil
	case wire.PoolServe:
		if len(body.Segment) == 0 {
			return 0, consensus.Rule(consensus.ErrBadAnswer, "a serve carries its segment; this one is empty")
		}
	case wire.PoolReport:
		if len(body.Evidence) != wire.SigSize {
			return 0, consensus.Rule(consensus.ErrBadEvidence, "a report's evidence is the member's %d-byte signature of its refusal, not %d bytes",
				wire.SigSize, len(body.Evidence))
		}
	}
	return 0, nil
}

func checkPoolFund(p *consensus.Params, f wire.PoolFund) error {
	switch {
	case f.Amount < p.PoolMinEndowment:
		return consensus.Rule(consensus.ErrBadPool, "a pool's endowment is at least %s BVS, not %s",
			wire.FormatAmount(p.PoolMinEndowment), wire.FormatAmount(f.Amount))
	case f.Size == 0 || f.Size > wire.MaxPoolSize:
		return consensus.Rule(consensus.ErrBadPool, "a pool's data is 1 byte to %d bytes, not %d", uint64(wire.MaxPoolSize), f.Size)
	case f.Kind == wire.PoolKey && f.Size > wire.MaxValueSize:
		return consensus.Rule(consensus.ErrBadPool, "a key's value is at most %d bytes, not %d (fund the blob instead)", wire.MaxValueSize, f.Size)
	case f.SegmentRoot.IsZero():
		return consensus.Rule(consensus.ErrBadPool, "the segment root is zero: compute it from the data (wire.SegmentRoot)")
	case f.Replicas == 0 || f.Replicas > p.PoolMaxReplicas:
		return consensus.Rule(consensus.ErrBadPool, "a pool wants 1 to %d replicas, not %d", p.PoolMaxReplicas, f.Replicas)
	case f.Tier == 0 || f.Tier > p.PoolMaxTier:
		return consensus.Rule(consensus.ErrBadPool, "a pool's tier is 1 to %d, not %d", p.PoolMaxTier, f.Tier)
	case f.Key == "":
		return consensus.Rule(consensus.ErrBadPool, "a pool names the key, blob key or prefix it keeps")
	}
	if f.Kind != wire.PoolPrefix {
		if err := wire.ValidKey(f.Key); err != nil {
			return consensus.Rule(consensus.ErrBadKey, "%v", err)
		}
	}
	return nil
}

// checkPool runs the checks of a pool transaction that read state (after
// nonce and balance) and returns what applies it once the signer has paid
// its spend. id is the tx's ID.
func (b *Batch) checkPool(t *wire.Tx, id wire.Hash) (func(), error) {
	e := b.p.PoolEpoch(b.height)
	switch body := t.Body.(type) {
	case wire.PoolFund:
		if body.Kind != wire.PoolTopUp {
			return b.checkNewPool(t, id, body)
		}
		return b.checkTopUp(t, body)
	case wire.TokenBuy:
		p, err := b.existingPool(body.Pool)
		if err != nil {
			return nil, err
		}
		if p.TokenRate == 0 {
			return nil, consensus.Rule(consensus.ErrNoToken, "pool %s sells no service tokens (its token rate is 0)", p.ID.Short())
		}
		price, _ := b.poolSpend(t)
		held, err := b.tokens(t.From, p.ID)
		if err != nil {
			return nil, err
		}
		endow, err1 := wire.AddAmounts(p.Endowment, price)
		_, err2 := wire.AddAmounts(p.TokensSold, uint64(body.Count))
		escrow, err3 := wire.AddAmounts(b.escrow(), price)
		if err1 != nil || err2 != nil || err3 != nil {
			return nil, consensus.Rule(consensus.ErrAmountOverflow, "the endowment or token count overflows")
		}
		return func() {
			p.Endowment = endow
			p.TokensSold += uint64(body.Count)
			b.setMarket(poolRecordKey(p.ID), p.encode())
			b.setTokens(t.From, p.ID, held+uint64(body.Count))
			b.setEscrow(escrow)
		}, nil
	}
	p, err := b.existingPool(poolOf(t.Body))
	if err != nil {
		return nil, err
	}
	switch body := t.Body.(type) {
	case wire.PoolJoin:
		if p.Member(t.From) >= 0 {
			return nil, consensus.Rule(consensus.ErrPoolState, "%s is already a member of pool %s", wire.EncodeAddress(b.p.Net, t.From), p.ID.Short())
		}
		if len(p.Members) >= 2*int(p.Replicas) {
			return nil, consensus.Rule(consensus.ErrPoolState, "pool %s is full: %d members, at most twice its %d replicas", p.ID.Short(), len(p.Members), p.Replicas)
		}
		pools, members, err := b.poolCounts()
		if err != nil {
			return nil, err
		}
		if members >= uint64(b.p.MaxPoolMembers) {
			return nil, consensus.Rule(consensus.ErrPoolState, "the chain holds its most pool members (%d); wait until some leave", b.p.MaxPoolMembers)
		}
		escrow, err := wire.AddAmounts(b.escrow(), body.Stake)
		if err != nil {
			return nil, consensus.Rule(consensus.ErrAmountOverflow, "escrow overflows")
		}
		return func() {
			p.Members = append(p.Members, Member{Key: t.From, Stake: body.Stake, Tier: p.Tier, Joined: b.height})
			b.setMarket(poolRecordKey(p.ID), p.encode())
			b.setPoolCounts(pools, members+1)
			b.setEscrow(escrow)
		}, nil
	case wire.PoolLeave:
		i := p.Member(t.From)
		if i < 0 {
			return nil, consensus.Rule(consensus.ErrNotMember, "%s is not a member of pool %s", wire.EncodeAddress(b.p.Net, t.From), p.ID.Short())
		}
		m := &p.Members[i]
		if m.Leaving {
			return nil, consensus.Rule(consensus.ErrPoolState, "%s is already leaving pool %s", wire.EncodeAddress(b.p.Net, t.From), p.ID.Short())
		}
		if n, err := b.serveOpen(p.ID, t.From); err != nil {
			return nil, err
		} else if n > 0 {
			return nil, consensus.Rule(consensus.ErrPoolState, "%s has %d open serve challenges in pool %s; answer them (pool-serve) before leaving",
				wire.EncodeAddress(b.p.Net, t.From), n, p.ID.Short())
		}
		if m.Challenged && m.ChEpoch == e && !m.ChAnswered {
			// Its open challenge settles first: stake back then, less a
			// slash if it stays unanswered.
			return func() {
				m.Leaving = true
				b.setMarket(poolRecordKey(p.ID), p.encode())
			}, nil
		}
		fx := b.newEffects()
		fx.pay(t.From, m.Stake)
		apply, err := fx.check()
		if err != nil {
			return nil, err
		}
		return func() {
			apply()
			p.Members = append(p.Members[:i], p.Members[i+1:]...)
			b.setMarket(poolRecordKey(p.ID), p.encode())
			b.addPoolCounts(0, -1)
		}, nil
	case wire.PoolAnswer:
		i := p.Member(t.From)
		if i < 0 {
			return nil, consensus.Rule(consensus.ErrNotMember, "%s is not a member of pool %s", wire.EncodeAddress(b.p.Net, t.From), p.ID.Short())
		}
		m := &p.Members[i]
		if !m.Challenged || m.ChEpoch != body.Epoch || body.Epoch != e {
			return nil, consensus.Rule(consensus.ErrNoChallenge, "%s has no open challenge in pool %s for epoch %d (the current epoch is %d, ending at height %d)",
				wire.EncodeAddress(b.p.Net, t.From), p.ID.Short(), body.Epoch, e, b.p.PoolEpochEnd(e))
		}
		if m.ChAnswered {
			return nil, consensus.Rule(consensus.ErrPoolState, "the challenge of epoch %d in pool %s is already answered", e, p.ID.Short())
		}
		if body.Index != m.ChSegment {
			return nil, consensus.Rule(consensus.ErrBadAnswer, "the challenge is segment %d, the answer gives segment %d", m.ChSegment, body.Index)
		}
		if !wire.VerifySegment(p.SegmentRoot, p.Size, body.Index, body.Segment, body.Branch) {
			return nil, consensus.Rule(consensus.ErrBadAnswer, "segment %d with its branch does not verify against pool %s's segment root", body.Index, p.ID.Short())
		}
		return func() {
			m.ChAnswered = true
			m.Answered++
			b.setMarket(poolRecordKey(p.ID), p.encode())
		}, nil
	case wire.TokenRedeem:
		if body.Epoch != e {
			return nil, consensus.Rule(consensus.ErrPoolEpoch, "a redemption names the current epoch %d, not %d", e, body.Epoch)
		}
		held, err := b.tokens(t.From, p.ID)
		if err != nil {
			return nil, err
		}
		if held == 0 {
			return nil, consensus.Rule(consensus.ErrNoToken, "%s holds no token of pool %s (buy one with token-buy)", wire.EncodeAddress(b.p.Net, t.From), p.ID.Short())
		}
		count := p.RedeemCount
		if p.RedeemEpoch != e {
			count = 0
		}
		if count >= p.TokenRate {
			return nil, consensus.Rule(consensus.ErrNoToken, "pool %s allows %d redemptions an epoch and epoch %d has them all; redeem in the next epoch (from height %d)",
				p.ID.Short(), p.TokenRate, e, b.p.PoolEpochEnd(e)+1)
		}
		if b.marketRecord(redemptionKey(id)) != nil {
			return nil, fmt.Errorf("state inconsistency: redemption %s already exists", id.Short())
		}
		return func() {
			p.RedeemEpoch, p.RedeemCount = e, count+1
			p.Redeemed++
			b.setMarket(poolRecordKey(p.ID), p.encode())
			b.setTokens(t.From, p.ID, held-1)
			x := &redemption{Pool: p.ID, Redeemer: t.From, Epoch: e}
			b.setMarket(redemptionKey(id), x.encode())
		}, nil
	case wire.PoolSilence:
		return b.checkSilence(t, p, body, e)
	case wire.PoolServe:
		return b.checkServe(t, p, body)
	case wire.PoolReport:
		raw := b.marketRecord(redemptionKey(body.Redemption))
		if raw == nil {
			return nil, consensus.Rule(consensus.ErrNoToken, "no redemption %s to report on", body.Redemption.Short())
		}
		x, err := decodeRedemption(raw)
		if err != nil {
			return nil, err
		}
		switch {
		case x.Pool != p.ID:
			return nil, consensus.Rule(consensus.ErrNoToken, "redemption %s is of pool %s, not %s", body.Redemption.Short(), x.Pool.Short(), p.ID.Short())
		case x.Redeemer != t.From:
			return nil, consensus.Rule(consensus.ErrNotParty, "only the redeemer may report on redemption %s", body.Redemption.Short())
		case x.Reported:
			return nil, consensus.Rule(consensus.ErrPoolState, "redemption %s was already reported", body.Redemption.Short())
		case e > x.Epoch+1:
			return nil, consensus.Rule(consensus.ErrPoolEpoch, "a redemption of epoch %d is reported by the end of epoch %d (height %d)",
				x.Epoch, x.Epoch+1, b.p.PoolEpochEnd(x.Epoch+1))
		}
		i := p.Member(body.Member)
		if i < 0 {
			return nil, consensus.Rule(consensus.ErrNotMember, "%s is not a member of pool %s", wire.EncodeAddress(b.p.Net, body.Member), p.ID.Short())
		}
		var sig wire.Signature
		copy(sig[:], body.Evidence)
		if wire.Verify(body.Member, wire.RefusalHash(b.p.Net, p.ID, body.Redemption), sig) != nil {
			return nil, consensus.Rule(consensus.ErrBadEvidence, "the evidence is not %s's signed refusal of redemption %s",
				wire.EncodeAddress(b.p.Net, body.Member), body.Redemption.Short())
		}
		fx := b.newEffects()
		gone := b.demote(fx, p, i)
		apply, err := fx.check()
		if err != nil {
			return nil, err
		}
		return func() {
			apply()
			x.Reported = true
			b.setMarket(redemptionKey(body.Redemption), x.encode())
			if gone {
				p.Members = append(p.Members[:i], p.Members[i+1:]...)
				b.addPoolCounts(0, -1)
			}
			b.setMarket(poolRecordKey(p.ID), p.encode())
		}, nil
	}
	return nil, fmt.Errorf("not a pool transaction: %s", t.Type)
}

// demote takes a tier and PoolSlashBps of member i's stake (burned); a
// member left at tier 0 is out, its remaining stake paid back (the caller
// removes it when gone).
func (b *Batch) demote(fx *effects, p *Pool, i int) (gone bool) {
	m := &p.Members[i]
	slash := consensus.Bps(m.Stake, b.p.PoolSlashBps)
	m.Stake -= slash
	fx.burn += slash
	m.Missed++
	if m.Tier > 0 {
		m.Tier--
	}
	if m.Tier == 0 {
		fx.pay(m.Key, m.Stake)
		return true
	}
	return false
}

func (b *Batch) addPoolCounts(dp, dm int) {
	pools, members, _ := b.poolCounts() // read before by the caller's checks or the epoch
	b.setPoolCounts(uint64(int64(pools)+int64(dp)), uint64(int64(members)+int64(dm)))
}

func poolOf(body wire.Body) wire.Hash {
	switch x := body.(type) {
	case wire.PoolJoin:
		return x.Pool
	case wire.PoolLeave:
		return x.Pool
	case wire.PoolAnswer:
		return x.Pool
	case wire.TokenRedeem:
		return x.Pool
	case wire.PoolReport:
		return x.Pool
	case wire.PoolSilence:
		return x.Pool
	case wire.PoolServe:
		return x.Pool
	}
	return wire.ZeroHash
}

func (b *Batch) existingPool(id wire.Hash) (*Pool, error) {
	p, err := b.Pool(id)
	if err != nil {
		return nil, err
	}
	if p == nil {
		return nil, consensus.Rule(consensus.ErrNoPool, "no pool %s (fund one with pool-fund)", id.Short())
	}
	return p, nil
}

func (b *Batch) checkNewPool(t *wire.Tx, id wire.Hash, f wire.PoolFund) (func(), error) {
	if b.marketRecord(poolRecordKey(id)) != nil {
		return nil, fmt.Errorf("state inconsistency: pool %s already exists", id.Short())
	}
	pools, members, err := b.poolCounts()
	if err != nil {
		return nil, err
	}
	if pools >= uint64(b.p.MaxPools) {
		return nil, consensus.Rule(consensus.ErrPoolState, "the chain holds its most pools (%d); top up an existing one", b.p.MaxPools)
	}
	escrow, err := wire.AddAmounts(b.escrow(), f.Amount)
	if err != nil {
		return nil, consensus.Rule(consensus.ErrAmountOverflow, "escrow overflows")
	}
	p := &Pool{ID: id, Funder: t.From, Kind: f.Kind, Chain: f.Chain, Key: f.Key, Hash: f.Hash, Size: f.Size,
		SegmentRoot: f.SegmentRoot, Replicas: f.Replicas, Tier: f.Tier, Endowment: f.Amount, TokenRate: f.TokenRate,
		Created: b.height}
	return func() {
		b.setMarket(poolRecordKey(id), p.encode())
		b.setPoolCounts(pools+1, members)
		b.setEscrow(escrow)
	}, nil
}

// checkTopUp adds to a pool's endowment, or, with amount 0 from the funder
// of a pool without members, closes it: the endowment comes back less the
// price of unredeemed tokens, which is burned (so selling tokens and then
// closing gains the funder nothing).
func (b *Batch) checkTopUp(t *wire.Tx, f wire.PoolFund) (func(), error) {
	p, err := b.existingPool(f.Pool)
	if err != nil {
		return nil, err
	}
	if f.Amount > 0 {
		endow, err1 := wire.AddAmounts(p.Endowment, f.Amount)
		escrow, err2 := wire.AddAmounts(b.escrow(), f.Amount)
		if err1 != nil || err2 != nil {
			return nil, consensus.Rule(consensus.ErrAmountOverflow, "the endowment overflows")
		}
		return func() {
			p.Endowment = endow
			b.setMarket(poolRecordKey(p.ID), p.encode())
			b.setEscrow(escrow)
		}, nil
	}
	if t.From != p.Funder {
		return nil, consensus.Rule(consensus.ErrNotParty, "only the funder closes pool %s (a top-up of 0 closes)", p.ID.Short())
	}
	if len(p.Members) > 0 {
		return nil, consensus.Rule(consensus.ErrPoolState, "pool %s has %d members; it closes only once nobody is a member", p.ID.Short(), len(p.Members))
	}
	burn := min(p.Endowment, p.Outstanding(b.p.PoolTokenPrice))
	fx := b.newEffects()
	fx.pay(t.From, p.Endowment-burn)
	fx.burn += burn
	apply, err := fx.check()
	if err != nil {
		return nil, err
	}
	pools, members, err := b.poolCounts()
	if err != nil {
		return nil, err
	}
	return func() {
		apply()
		b.setMarket(poolRecordKey(p.ID), nil)
		b.setPoolCounts(pools-1, members)
	}, nil
}

// ChallengeSegment is the segment of a pool's data the block with ID seed
// draws for member in epoch e: TaggedSum("bitverse/pool/challenge/v1",
// seed ‖ pool ‖ member ‖ epoch u64) read as a 256-bit number, modulo the
// segment count (the bias is below 2⁻²³⁰).
func ChallengeSegment(seed, pool wire.Hash, member wire.PubKey, e, segments uint64) uint32 {
	if segments == 0 {
		return 0
	}
	var eb [8]byte
	for i := range eb {
		eb[i] = byte(e >> (56 - 8*i))
	}
	h := wire.TaggedSum("bitverse/pool/challenge/v1", seed[:], pool[:], member[:], eb[:])
	var r uint64
	for _, c := range h {
		r = (r<<8 | uint64(c)) % segments
	}
	return uint32(r)
}

// poolIDs lists the pools as the batch sees them, in ID order.
func (b *Batch) poolIDs() []wire.Hash {
	seen := map[wire.Hash]bool{}
	c := b.tx.Bucket(store.Market).Cursor()
	for k, _ := c.Seek([]byte{'P'}); k != nil && k[0] == 'P'; k, _ = c.Next() {
		if len(k) == 1+wire.HashSize {
			seen[wire.Hash(k[1:])] = true
		}
	}
	for k, v := range b.market {
		if len(k) == 1+wire.HashSize && k[0] == 'P' {
			seen[wire.Hash([]byte(k[1:]))] = v != nil
		}
	}
	ids := make([]wire.Hash, 0, len(seen))
	for id, ok := range seen {
		if ok {
			ids = append(ids, id)
		}
	}
	sort.Slice(ids, func(i, j int) bool { return bytes.Compare(ids[i][:], ids[j][:]) < 0 })
	return ids
}

// PoolEpoch settles the epoch that ended and draws the challenges of the
// one that starts, when this block (ID of its parent: parent) opens an
// epoch; otherwise it does nothing. It runs at the start of a root block,
// before its transactions, from DrawLineups. Then it draws and closes the
// serve challenges of silent members (serveDeadlines).
func (b *Batch) PoolEpoch(parent wire.Hash) error {
	if err := b.poolEpoch(parent); err != nil {
		return err
	}
	return b.serveDeadlines(parent)
}

func (b *Batch) poolEpoch(parent wire.Hash) error {
	if !b.chain.IsRoot() || b.height == 0 || (b.height-1)%b.p.PoolEpochBlocks != 0 {
		return nil
	}
	e := b.p.PoolEpoch(b.height)
	ids := b.poolIDs()
	if len(ids) == 0 {
		return nil
	}
	fx := b.newEffects()
	var pools []*Pool
	removed := 0
	for _, id := range ids {
		p, err := b.Pool(id)
		if err != nil {
			return err
		}
		if e > 0 {
			n, err := b.settlePool(fx, p, e-1)
			if err != nil {
				return err
			}
			removed += n
		}
		for i := range p.Members {
			m := &p.Members[i]
			m.Challenged, m.ChAnswered, m.ChEpoch = true, false, e
			m.ChSegment = ChallengeSegment(parent, p.ID, m.Key, e, p.Segments())
		}
		pools = append(pools, p)
	}
	apply, err := fx.check()
	if err != nil {
		return err
	}
	if removed > 0 {
		if _, _, err := b.poolCounts(); err != nil {
			return err
		}
	}
	apply()
	for _, p := range pools {
		b.setMarket(poolRecordKey(p.ID), p.encode())
	}
	if removed > 0 {
		b.addPoolCounts(0, -removed)
	}
	return nil
}

// settlePool settles epoch e of p: the members that answered share
// PoolPayout(endowment) by tier (the rounding stays in the endowment);
// those with an unanswered challenge are demoted; the demoted to tier 0 and
// the leaving go, their stake paid back (a leaving member with an open
// serve challenge stays until it closes). It returns how many went.
func (b *Batch) settlePool(fx *effects, p *Pool, e uint64) (int, error) {
	var weight uint64
	for _, m := range p.Members {
		if m.Challenged && m.ChEpoch == e && m.ChAnswered {
			weight += uint64(m.Tier)
		}
	}
	if weight > 0 {
		pay := b.p.PoolPayout(p.Endowment)
		var out uint64
		for i := range p.Members {
			m := &p.Members[i]
			if !(m.Challenged && m.ChEpoch == e && m.ChAnswered) {
				continue
			}
			hi, lo := bits.Mul64(pay, uint64(m.Tier))
			share, _ := bits.Div64(hi, lo, weight) // hi < weight: tier ≤ weight
			m.Earned += share
			out += share
			fx.pay(m.Key, share)
		}
		p.Endowment -= out
		p.Paid += out
	}
	keep := p.Members[:0]
	gone := 0
	for i := range p.Members {
		m := &p.Members[i]
		out := false
		if m.Challenged && m.ChEpoch == e && !m.ChAnswered {
			out = b.demote(fx, p, i)
		}
		if !out && m.Leaving {
			open, err := b.serveOpen(p.ID, m.Key)
			if err != nil {
				return 0, err
			}
			if open == 0 {
				fx.pay(m.Key, m.Stake)
				out = true
			}
		}
		if out {
			gone++
			continue
		}
		keep = append(keep, *m)
	}
	p.Members = keep
	return gone, nil
}

// GetPool reads a pool from the tip state (nil: none).
func GetPool(tx *bbolt.Tx, id wire.Hash) (*Pool, error) {
	raw := tx.Bucket(store.Market).Get(poolRecordKey(id))
	if raw == nil {
		return nil, nil
	}
	return decodePool(id, raw)
}

// ForEachPool calls fn for every pool in the tip state, in ID order.
func ForEachPool(tx *bbolt.Tx, fn func(*Pool) error) error {
	c := tx.Bucket(store.Market).Cursor()
	for k, v := c.Seek([]byte{'P'}); k != nil && k[0] == 'P'; k, v = c.Next() {
		if len(k) != 1+wire.HashSize {
			return fmt.Errorf("pool key of %d bytes", len(k))
		}
		p, err := decodePool(wire.Hash(k[1:]), v)
		if err != nil {
			return err
		}
		if err := fn(p); err != nil {
			return err
		}
	}
	return nil
}

// ForEachToken calls fn for every pool holder holds tokens of, with the
// count (in no particular order: the records are keyed by hash).
func ForEachToken(tx *bbolt.Tx, holder wire.PubKey, fn func(pool wire.Hash, n uint64) error) error {
	c := tx.Bucket(store.Market).Cursor()
	for k, v := c.Seek([]byte{'T'}); k != nil && k[0] == 'T'; k, v = c.Next() {
		h, pool, n, err := decodeTokens(v)
		if err != nil {
			return err
		}
		if h != holder {
			continue
		}
		if err := fn(pool, n); err != nil {
			return err
		}
	}
	return nil
}
