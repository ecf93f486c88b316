package node

import (
	"context"
	"fmt"

	"github.com/bitverse/bitverse/node/wire"
)

// PoolTarget is what a pool pays to keep available: a key's value, a blob
// or a keyspace prefix's listing on Chain, whose Size bytes have the
// segment root SegmentRoot (1 KiB segments, PROTOCOL §23).
type PoolTarget struct {
	Kind        string    `json:"kind"` // "key", "blob" or "prefix"
	Chain       string    `json:"chain"`
	Key         string    `json:"key"`
	Hash        wire.Hash `json:"hash"` // manifest hash (blob), value hash (key), listing hash (prefix)
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
}

// PoolFilter selects pools: by target Key (exact), by Member (address or
// hex public key), or all; at most Limit (0: 100, at most MaxPoolList).
type PoolFilter struct {
	Key    string `json:"key,omitempty"`
	Member string `json:"member,omitempty"`
	Limit  int    `json:"limit,omitempty"`
}

// ChallengeInfo is one challenge drawn for a member: segment Segment of
// Pool's data in Epoch, to be answered by a pool-answer at or before
// height Deadline.
type ChallengeInfo struct {
	Pool     wire.Hash `json:"pool"`
	Epoch    uint64    `json:"epoch"`
	Segment  uint32    `json:"segment"`
	Deadline uint64    `json:"deadline"`
	Answered bool      `json:"answered"`
}

// TokenInfo is what an account holds of one pool's service tokens.
type TokenInfo struct {
	Pool  wire.Hash `json:"pool"`
	Count uint64    `json:"count"`
}

// MaxPoolList bounds one Pools answer.
const MaxPoolList = 1000

// Pool implements API.
func (n *Node) Pool(ctx context.Context, id wire.Hash) (*PoolInfo, error) {
	return nil, fmt.Errorf("%w: no pool %s", ErrNotFound, id.Short())
}

// Pools implements API.
func (n *Node) Pools(ctx context.Context, f PoolFilter) ([]PoolInfo, error) {
	return []PoolInfo{}, nil
}

// PoolChallenges implements API.
func (n *Node) PoolChallenges(ctx context.Context, member wire.PubKey) ([]ChallengeInfo, error) {
	return []ChallengeInfo{}, nil
}

// Tokens implements API.
func (n *Node) Tokens(ctx context.Context, holder string) ([]TokenInfo, error) {
	if _, err := ParseIdentity(n.net(), holder); err != nil {
		return nil, err
	}
	return []TokenInfo{}, nil
}
