package node

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/bitverse/bitverse/node/chain"
	"github.com/bitverse/bitverse/node/state"
	"github.com/bitverse/bitverse/node/wire"
	"go.etcd.io/bbolt"
)

// PoolTarget is what a pool pays to keep available: a key's value, a blob
// or a keyspace prefix's listing on Chain, whose Size bytes have the
// segment root SegmentRoot (1 KiB segments, PROTOCOL §23).
type PoolTarget struct {
	Kind        string    `json:"kind"` // "key", "blob" or "prefix"
	Chain       string    `json:"chain"`
	Key         string    `json:"key"`
	Hash        wire.Hash `json:"hash"` // manifest hash (blob), value hash (key), the listed block's ID (prefix)
	Size        uint64    `json:"size"`
	SegmentRoot wire.Hash `json:"segment_root"`
	Segments    uint64    `json:"segments"`
}

// PoolMemberInfo is one member of a pool. Tier starts at the pool's tier
// and drops by one for each missed challenge (a member at tier 0 is out);
// Answered and Missed count its challenges, Earned what the endowment paid
// it. Leaving: it asked to leave and gets its stake back once its current
// challenge is answered.
type PoolMemberInfo struct {
	Address  string `json:"address"`
	PubKey   string `json:"pubkey"`
	Stake    uint64 `json:"stake"`
	Tier     uint8  `json:"tier"`
	Joined   uint64 `json:"joined"`
	Answered uint64 `json:"answered"`
	Missed   uint64 `json:"missed"`
	Earned   uint64 `json:"earned"`
	Leaving  bool   `json:"leaving,omitempty"`
}

// PoolInfo is an availability pool. Endowment is what is left to pay out,
// Paid what it paid so far; Epoch is the current epoch, EpochEnd the last
// height of it (the deadline of its challenges); ExpectedLifetime is how
// many more epochs the payout curve pays at least 1 base unit from what is
// left. TokenPrice is what one service token costs; TokensSold,
// TokensRedeemed count them, RedeemedThisEpoch against TokenRate.
type PoolInfo struct {
	ID                wire.Hash        `json:"id"`
	Funder            string           `json:"funder"`
	Target            PoolTarget       `json:"target"`
	Replicas          uint8            `json:"replicas"`
	Tier              uint8            `json:"tier"`
	Endowment         uint64           `json:"endowment"`
	Paid              uint64           `json:"paid"`
	Created           uint64           `json:"created"`
	Epoch             uint64           `json:"epoch"`
	EpochEnd          uint64           `json:"epoch_end"`
	ExpectedLifetime  uint64           `json:"expected_lifetime"`
	TokenRate         uint32           `json:"token_rate"`
	TokenPrice        uint64           `json:"token_price"`
	TokensSold        uint64           `json:"tokens_sold"`
	TokensRedeemed    uint64           `json:"tokens_redeemed"`
	RedeemedThisEpoch uint32           `json:"redeemed_this_epoch"`
	Closed            bool             `json:"closed,omitempty"`
	Members           []PoolMemberInfo `json:"members"`
	// Serves are the open serve challenges of silent members (Pool only;
	// Pools leaves them out).
	Serves []ServeInfo `json:"serves,omitempty"`
}

// ServeInfo is an open serve challenge (PROTOCOL §23 "Silent members"):
// Claimer said Member stayed silent on Redemption, escrowing Deposit at
// height Opened; Member answers segment Segment (drawn once Drawn) with a
// pool-serve at or before height Deadline, or is demoted.
type ServeInfo struct {
	Redemption wire.Hash `json:"redemption"`
	Member     string    `json:"member"`
	Claimer    string    `json:"claimer"`
	Deposit    uint64    `json:"deposit"`
	Opened     uint64    `json:"opened"`
	Deadline   uint64    `json:"deadline"`
	Drawn      bool      `json:"drawn"`
	Segment    uint32    `json:"segment"`
}

// PoolFilter selects pools: by target Key (the pools of that key, blob
// key or prefix, and the prefix pools whose prefix the key starts with),
// by Member (address or hex public key), or all; at most Limit (0: 100,
// at most MaxPoolList).
type PoolFilter struct {
	Key    string `json:"key,omitempty"`
	Member string `json:"member,omitempty"`
	Limit  int    `json:"limit,omitempty"`
}

// ChallengeInfo is one challenge drawn for a member: segment Segment of
// Pool's data in Epoch, to be answered by a pool-answer at or before
// height Deadline. A serve challenge (a redeemer claimed the member
// silent) has Redemption set and is answered by a pool-serve; its Epoch is
// the one of the claim.
type ChallengeInfo struct {
	Pool       wire.Hash `json:"pool"`
	Epoch      uint64    `json:"epoch"`
	Segment    uint32    `json:"segment"`
	Deadline   uint64    `json:"deadline"`
	Answered   bool      `json:"answered"`
	Redemption wire.Hash `json:"redemption,omitzero"`
}

// TokenInfo is what an account holds of one pool's service tokens.
type TokenInfo struct {
	Pool  wire.Hash `json:"pool"`
	Count uint64    `json:"count"`
}

// MaxPoolList bounds one Pools answer.
const MaxPoolList = 1000

var poolKinds = [...]string{"key", "blob", "prefix"}

// poolInfo converts a pool record for a face; next is the height of the
// next block (its epoch is the current one).
func (n *Node) poolInfo(p *state.Pool, next uint64) PoolInfo {
	prm := n.cfg.Params
	e := prm.PoolEpoch(next)
	info := PoolInfo{
		ID: p.ID, Funder: wire.EncodeAddress(n.net(), p.Funder),
		Target: PoolTarget{Kind: poolKinds[p.Kind], Chain: p.Chain.String(), Key: p.Key, Hash: p.Hash, Size: p.Size,
			SegmentRoot: p.SegmentRoot, Segments: p.Segments()},
		Replicas: p.Replicas, Tier: p.Tier, Endowment: p.Endowment, Paid: p.Paid, Created: p.Created,
		Epoch: e, EpochEnd: prm.PoolEpochEnd(e), ExpectedLifetime: prm.PoolLifetime(p.Endowment),
		TokenRate: p.TokenRate, TokenPrice: prm.PoolTokenPrice, TokensSold: p.TokensSold, TokensRedeemed: p.Redeemed,
		Members: []PoolMemberInfo{},
	}
	if p.RedeemEpoch == e {
		info.RedeemedThisEpoch = p.RedeemCount
	}
	for _, m := range p.Members {
		info.Members = append(info.Members, PoolMemberInfo{
			Address: wire.EncodeAddress(n.net(), m.Key), PubKey: hex.EncodeToString(m.Key[:]),
			Stake: m.Stake, Tier: m.Tier, Joined: m.Joined, Answered: m.Answered, Missed: m.Missed, Earned: m.Earned,
			Leaving: m.Leaving,
		})
	}
	return info
}

// Pool implements API.
func (n *Node) Pool(ctx context.Context, id wire.Hash) (*PoolInfo, error) {
	var info *PoolInfo
	err := n.chain.View(func(tx *bbolt.Tx, tip chain.TipInfo, _ state.Roots) error {
		p, err := state.GetPool(tx, id)
		if err != nil || p == nil {
			return err
		}
		pi := n.poolInfo(p, tip.Height+1)
		err = state.ForEachServeChallenge(tx, func(c *state.ServeChallenge) error {
			if c.Pool != id {
				return nil
			}
			si := ServeInfo{Redemption: c.Redemption, Member: wire.EncodeAddress(n.net(), c.Member),
				Claimer: wire.EncodeAddress(n.net(), c.Claimer), Deposit: c.Deposit, Opened: c.Opened,
				Deadline: c.Deadline(n.cfg.Params), Drawn: c.Drawn, Segment: c.Segment}
			if !c.Drawn { // the next block draws it with the tip's ID
				si.Segment = state.ServeSegment(tip.ID, c.Pool, c.Redemption, c.Member, p.Segments())
			}
			pi.Serves = append(pi.Serves, si)
			return nil
		})
		sort.Slice(pi.Serves, func(i, j int) bool { return pi.Serves[i].Opened < pi.Serves[j].Opened })
		info = &pi
		return err
	})
	if err == nil && info == nil {
		err = fmt.Errorf("%w: no pool %s (it was never funded, or its funder closed it)", ErrNotFound, id.Short())
	}
	return info, err
}

// Pools implements API: pools in ID order, those of a target key or with a
// member if the filter says so.
func (n *Node) Pools(ctx context.Context, f PoolFilter) ([]PoolInfo, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	limit = min(limit, MaxPoolList)
	var member wire.PubKey
	byMember := f.Member != ""
	if byMember {
		pk, err := ParseIdentity(n.net(), f.Member)
		if err != nil {
			return nil, err
		}
		member = pk
	}
	out := []PoolInfo{}
	err := n.chain.View(func(tx *bbolt.Tx, tip chain.TipInfo, _ state.Roots) error {
		return state.ForEachPool(tx, func(p *state.Pool) error {
			if len(out) >= limit {
				return errEnough
			}
			if (f.Key != "" && !poolKeeps(p, f.Key)) || (byMember && p.Member(member) < 0) {
				return nil
			}
			out = append(out, n.poolInfo(p, tip.Height+1))
			return ctx.Err()
		})
	})
	if errors.Is(err, errEnough) {
		err = nil
	}
	return out, err
}

// poolKeeps reports whether pool p keeps key: its own key, or a key
// under its prefix.
func poolKeeps(p *state.Pool, key string) bool {
	return p.Key == key || (p.Kind == wire.PoolPrefix && strings.HasPrefix(key, p.Key))
}

// PoolChallenges implements API: the member's challenges of the current
// epoch (answered or not). When the next block opens an epoch, its
// challenges are already fixed by the tip's ID (the next block writes them
// before its transactions), so they are listed then: a member can answer
// in the epoch's first block.
func (n *Node) PoolChallenges(ctx context.Context, member wire.PubKey) ([]ChallengeInfo, error) {
	prm := n.cfg.Params
	out := []ChallengeInfo{}
	err := n.chain.View(func(tx *bbolt.Tx, tip chain.TipInfo, _ state.Roots) error {
		e := prm.PoolEpoch(tip.Height + 1)
		opens := tip.Height%prm.PoolEpochBlocks == 0
		if err := state.ForEachPool(tx, func(p *state.Pool) error {
			i := p.Member(member)
			if i < 0 {
				return nil
			}
			m := p.Members[i]
			ch := ChallengeInfo{Pool: p.ID, Epoch: e, Segment: m.ChSegment, Deadline: prm.PoolEpochEnd(e), Answered: m.ChAnswered}
			switch {
			case opens:
				// The settle before the draw removes the leaving and
				// those a miss takes to tier 0.
				missed := m.Challenged && m.ChEpoch+1 == e && !m.ChAnswered
				if m.Leaving || (missed && m.Tier <= 1) {
					return nil
				}
				ch.Segment, ch.Answered = state.ChallengeSegment(tip.ID, p.ID, member, e, p.Segments()), false
			case !m.Challenged || m.ChEpoch != e:
				return nil
			}
			out = append(out, ch)
			return ctx.Err()
		}); err != nil {
			return err
		}
		// Serve challenges: one not drawn yet is drawn by the next block
		// with the tip's ID, so it can be answered there.
		return state.ForEachServeChallenge(tx, func(c *state.ServeChallenge) error {
			if c.Member != member {
				return nil
			}
			seg := c.Segment
			if !c.Drawn {
				p, err := state.GetPool(tx, c.Pool)
				if err != nil || p == nil {
					return err
				}
				seg = state.ServeSegment(tip.ID, c.Pool, c.Redemption, member, p.Segments())
			}
			out = append(out, ChallengeInfo{Pool: c.Pool, Epoch: prm.PoolEpoch(c.Opened), Segment: seg,
				Deadline: c.Deadline(prm), Redemption: c.Redemption})
			return ctx.Err()
		})
	})
	return out, err
}

// Tokens implements API.
func (n *Node) Tokens(ctx context.Context, holder string) ([]TokenInfo, error) {
	pk, err := ParseIdentity(n.net(), holder)
	if err != nil {
		return nil, err
	}
	out := []TokenInfo{}
	err = n.chain.View(func(tx *bbolt.Tx, _ chain.TipInfo, _ state.Roots) error {
		return state.ForEachToken(tx, pk, func(pool wire.Hash, c uint64) error {
			out = append(out, TokenInfo{Pool: pool, Count: c})
			return nil
		})
	})
	sort.Slice(out, func(i, j int) bool { return bytes.Compare(out[i].Pool[:], out[j].Pool[:]) < 0 })
	return out, err
}
