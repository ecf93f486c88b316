package plan

import (
	"errors"
	"fmt"

	"github.com/bitverse/bitverse/node"
	"github.com/bitverse/bitverse/node/wire"
)

// The pool and token intents (PROTOCOL §23). Each checks what it can
// against the node's view of the pool and says in a sentence what is wrong;
// the node's verdict then judges the transaction by the consensus rules.

// PoolFund funds a new pool keeping Key's data (Kind wire.PoolKey,
// PoolBlob or PoolPrefix) on Chain: Hash names the value, manifest or
// listing, Size and SegmentRoot are the data's (wire.SegmentRoot), Amount
// is the endowment, TokenRate the redemptions an epoch (0: no tokens).
type PoolFund struct {
	Kind        uint8
	Chain       wire.ChainID
	Key         string
	Hash        wire.Hash
	Size        uint64
	SegmentRoot wire.Hash
	Replicas    uint8
	Tier        uint8
	Amount      uint64
	TokenRate   uint32
}

// PoolFundData is PoolFund for data the caller holds: Hash, Size and
// SegmentRoot are computed from Data.
func PoolFundData(kind uint8, key string, data []byte, replicas, tier uint8, amount uint64, rate uint32) PoolFund {
	return PoolFund{Kind: kind, Key: key, Hash: wire.Sum(data), Size: uint64(len(data)), SegmentRoot: wire.SegmentRoot(data),
		Replicas: replicas, Tier: tier, Amount: amount, TokenRate: rate}
}

// PoolTopUp adds Amount to Pool's endowment.
type PoolTopUp struct {
	Pool   wire.Hash
	Amount uint64
}

// PoolClose closes the sender's pool once it has no members; the
// endowment comes back less the price of unredeemed tokens.
type PoolClose struct{ Pool wire.Hash }

// PoolJoin joins Pool with Stake escrowed.
type PoolJoin struct {
	Pool  wire.Hash
	Stake uint64
}

// PoolLeave leaves Pool.
type PoolLeave struct{ Pool wire.Hash }

// PoolAnswer answers the sender's current challenge in Pool from Data, the
// pool's data as the sender holds it (checked against the segment root
// before anything is signed).
type PoolAnswer struct {
	Pool wire.Hash
	Data []byte
}

// TokenBuy buys Count service tokens of Pool.
type TokenBuy struct {
	Pool  wire.Hash
	Count uint32
}

// TokenRedeem redeems one of the sender's tokens of Pool this epoch.
type TokenRedeem struct{ Pool wire.Hash }

// PoolReport reports that Member refused to serve Redemption: Evidence is
// Member's signature over wire.RefusalHash.
type PoolReport struct {
	Pool, Redemption wire.Hash
	Member           wire.PubKey
	Evidence         []byte
}

// PoolSilence claims that Member stayed silent on the sender's Redemption:
// it escrows the deposit and opens a serve challenge Member must answer on
// chain (PROTOCOL §23 "Silent members").
type PoolSilence struct {
	Pool, Redemption wire.Hash
	Member           wire.PubKey
}

// PoolServe answers the sender's serve challenge for Redemption in Pool
// from Data, the pool's data as the sender holds it.
type PoolServe struct {
	Pool, Redemption wire.Hash
	Data             []byte
}

// pool fetches a pool, with a sentence if there is none.
func (b *builder) pool(id wire.Hash) (*node.PoolInfo, error) {
	pi, err := b.p.node.Pool(b.ctx, id)
	if errors.Is(err, node.ErrNotFound) {
		return nil, fmt.Errorf("%w: there is no pool %s on the chain (if it was just funded, wait for its block)", node.ErrNotFound, id.Short())
	}
	return pi, err
}

func poolMember(pi *node.PoolInfo, addr string) *node.PoolMemberInfo {
	for i := range pi.Members {
		if pi.Members[i].Address == addr {
			return &pi.Members[i]
		}
	}
	return nil
}

func (in PoolFund) build(b *builder) error {
	p := b.p.params
	switch {
	case in.Kind > wire.PoolPrefix:
		return badIntent("a pool keeps a key (0), a blob (1) or a prefix (2), not kind %d", in.Kind)
	case in.Amount < p.PoolMinEndowment:
		return badIntent("a pool's endowment is at least %s, not %s", bvs(p.PoolMinEndowment), bvs(in.Amount))
	case in.Size == 0 || in.Size > wire.MaxPoolSize:
		return badIntent("a pool keeps 1 byte to 16 GiB of data, not %d bytes", in.Size)
	case in.Kind == wire.PoolKey && in.Size > wire.MaxValueSize:
		return badIntent("a key's value is at most %d bytes; fund the blob instead", wire.MaxValueSize)
	case in.SegmentRoot.IsZero():
		return badIntent("the segment root is missing: compute it from the data (wire.SegmentRoot), or nobody can answer a challenge")
	case in.Replicas == 0 || in.Replicas > p.PoolMaxReplicas:
		return badIntent("a pool wants 1 to %d replicas, not %d", p.PoolMaxReplicas, in.Replicas)
	case in.Tier == 0 || in.Tier > p.PoolMaxTier:
		return badIntent("a pool's tier is 1 to %d, not %d", p.PoolMaxTier, in.Tier)
	case in.Key == "":
		return badIntent("a pool names the key, blob key or prefix it keeps")
	}
	if in.Kind != wire.PoolPrefix {
		if err := wire.ValidKey(in.Key); err != nil {
			return badIntent("%v", err)
		}
	}
	b.judge = true
	what := fmt.Sprintf("fund a pool keeping %s (%d bytes, %d segments) with %s escrowed: %d replicas at tier %d; each epoch (%d blocks) pays %.2f‰ of what is left to the members that answer their challenge, for about %d epochs",
		in.Key, in.Size, wire.SegmentCount(in.Size), bvs(in.Amount), in.Replicas, in.Tier, p.PoolEpochBlocks,
		float64(p.PoolPayoutPPM)/1000, p.PoolLifetime(in.Amount))
	if in.TokenRate > 0 {
		what += fmt.Sprintf("; sells service tokens at %s, %d redemptions an epoch", bvs(p.PoolTokenPrice), in.TokenRate)
	}
	_, err := b.root(wire.PoolFund{Kind: in.Kind, Chain: in.Chain, Key: in.Key, Hash: in.Hash, Size: in.Size, SegmentRoot: in.SegmentRoot,
		Replicas: in.Replicas, Tier: in.Tier, Amount: in.Amount, TokenRate: in.TokenRate}, in.Amount, b.opt.Fee, what, false)
	return err
}

func (in PoolTopUp) build(b *builder) error {
	if in.Amount == 0 {
		return badIntent("a top-up adds something; to close your pool, use pool close")
	}
	pi, err := b.pool(in.Pool)
	if err != nil {
		return err
	}
	b.judge = true
	what := fmt.Sprintf("add %s to pool %s's endowment (%s left)", bvs(in.Amount), in.Pool.Short(), bvs(pi.Endowment))
	_, err = b.root(wire.PoolFund{Kind: wire.PoolTopUp, Pool: in.Pool, Amount: in.Amount}, in.Amount, b.opt.Fee, what, false)
	return err
}

func (in PoolClose) build(b *builder) error {
	pi, err := b.pool(in.Pool)
	if err != nil {
		return err
	}
	switch {
	case pi.Funder != b.addr(b.from):
		return badIntent("pool %s was funded by %s; only its funder closes it", in.Pool.Short(), pi.Funder)
	case len(pi.Members) > 0:
		return badIntent("pool %s has %d members; it closes once nobody is a member", in.Pool.Short(), len(pi.Members))
	}
	burn := min(pi.Endowment, (pi.TokensSold-min(pi.TokensRedeemed, pi.TokensSold))*pi.TokenPrice)
	b.judge = true
	what := fmt.Sprintf("close pool %s: %s of its endowment comes back", in.Pool.Short(), bvs(pi.Endowment-burn))
	if burn > 0 {
		what += fmt.Sprintf(", %s (the price of unredeemed tokens) is burned", bvs(burn))
	}
	_, err = b.root(wire.PoolFund{Kind: wire.PoolTopUp, Pool: in.Pool}, 0, b.opt.Fee, what, false)
	return err
}

func (in PoolJoin) build(b *builder) error {
	p := b.p.params
	if in.Stake < p.PoolMinStake {
		return badIntent("a pool member stakes at least %s, not %s", bvs(p.PoolMinStake), bvs(in.Stake))
	}
	pi, err := b.pool(in.Pool)
	if err != nil {
		return err
	}
	switch {
	case poolMember(pi, b.addr(b.from)) != nil:
		return badIntent("you are already a member of pool %s", in.Pool.Short())
	case len(pi.Members) >= 2*int(pi.Replicas):
		return badIntent("pool %s is full: %d members, at most twice its %d replicas", in.Pool.Short(), len(pi.Members), pi.Replicas)
	}
	b.judge = true
	what := fmt.Sprintf("join pool %s keeping %s with %s staked: answer one challenge an epoch or lose %.0f%% of the stake and a tier; paid from the endowment (%s left) for each answered epoch",
		in.Pool.Short(), pi.Target.Key, bvs(in.Stake), float64(p.PoolSlashBps)/100, bvs(pi.Endowment))
	_, err = b.root(wire.PoolJoin{Pool: in.Pool, Stake: in.Stake}, in.Stake, b.opt.Fee, what, false)
	return err
}

func (in PoolLeave) build(b *builder) error {
	pi, err := b.pool(in.Pool)
	if err != nil {
		return err
	}
	m := poolMember(pi, b.addr(b.from))
	switch {
	case m == nil:
		return badIntent("you are not a member of pool %s; there is nothing to leave", in.Pool.Short())
	case m.Leaving:
		return badIntent("you are already leaving pool %s; your stake comes back when this epoch settles (after block %d)", in.Pool.Short(), pi.EpochEnd)
	}
	b.judge = true
	what := fmt.Sprintf("leave pool %s: your stake of %s comes back, at once if no challenge of yours is open, else when the epoch settles (answer it first, or lose part of it)", in.Pool.Short(), bvs(m.Stake))
	_, err = b.root(wire.PoolLeave{Pool: in.Pool}, 0, b.opt.Fee, what, false)
	return err
}

func (in PoolAnswer) build(b *builder) error {
	pi, err := b.pool(in.Pool)
	if err != nil {
		return err
	}
	if uint64(len(in.Data)) != pi.Target.Size || wire.SegmentRoot(in.Data) != pi.Target.SegmentRoot {
		return badIntent("your copy of pool %s's data does not match its segment root (%d bytes, the pool keeps %d); fetch it again", in.Pool.Short(), len(in.Data), pi.Target.Size)
	}
	chs, err := b.p.node.PoolChallenges(b.ctx, b.from)
	if err != nil {
		return err
	}
	var ch *node.ChallengeInfo
	for i := range chs {
		if chs[i].Pool == in.Pool && chs[i].Redemption.IsZero() {
			ch = &chs[i]
		}
	}
	switch {
	case ch == nil:
		return badIntent("you have no challenge in pool %s this epoch (the next epoch's is drawn after block %d)", in.Pool.Short(), pi.EpochEnd)
	case ch.Answered:
		return badIntent("you already answered your challenge of epoch %d in pool %s", ch.Epoch, in.Pool.Short())
	}
	br, err := wire.SegmentBranch(in.Data, ch.Segment)
	if err != nil {
		return badIntent("%v", err)
	}
	b.judge = true
	what := fmt.Sprintf("answer your challenge in pool %s: segment %d of epoch %d, due by block %d", in.Pool.Short(), ch.Segment, ch.Epoch, ch.Deadline)
	_, err = b.root(wire.PoolAnswer{Pool: in.Pool, Epoch: ch.Epoch, Index: ch.Segment, Segment: wire.Segment(in.Data, ch.Segment), Branch: br}, 0, b.opt.Fee, what, false)
	return err
}

func (in TokenBuy) build(b *builder) error {
	if in.Count == 0 {
		return badIntent("buy at least one token")
	}
	pi, err := b.pool(in.Pool)
	if err != nil {
		return err
	}
	if pi.TokenRate == 0 {
		return badIntent("pool %s sells no service tokens", in.Pool.Short())
	}
	price := uint64(in.Count) * pi.TokenPrice
	b.judge = true
	what := fmt.Sprintf("buy %d service tokens of pool %s for %s (into its endowment): each is one download, %d can be redeemed an epoch", in.Count, in.Pool.Short(), bvs(price), pi.TokenRate)
	_, err = b.root(wire.TokenBuy{Pool: in.Pool, Count: in.Count}, price, b.opt.Fee, what, false)
	return err
}

func (in TokenRedeem) build(b *builder) error {
	pi, err := b.pool(in.Pool)
	if err != nil {
		return err
	}
	toks, err := b.p.node.Tokens(b.ctx, b.addr(b.from))
	if err != nil {
		return err
	}
	var held uint64
	for _, t := range toks {
		if t.Pool == in.Pool {
			held = t.Count
		}
	}
	switch {
	case held == 0:
		return badIntent("you hold no token of pool %s; buy one first", in.Pool.Short())
	case pi.RedeemedThisEpoch >= pi.TokenRate:
		return badIntent("pool %s's %d redemptions of epoch %d are used up; redeem after block %d", in.Pool.Short(), pi.TokenRate, pi.Epoch, pi.EpochEnd)
	}
	b.judge = true
	what := fmt.Sprintf("redeem one of your %d tokens of pool %s (epoch %d): its members serve you one download", held, in.Pool.Short(), pi.Epoch)
	_, err = b.root(wire.TokenRedeem{Pool: in.Pool, Epoch: pi.Epoch}, 0, b.opt.Fee, what, false)
	return err
}

func (in PoolReport) build(b *builder) error {
	if len(in.Evidence) != wire.SigSize {
		return badIntent("the evidence is the member's %d-byte signed refusal, not %d bytes", wire.SigSize, len(in.Evidence))
	}
	var sig wire.Signature
	copy(sig[:], in.Evidence)
	if wire.Verify(in.Member, wire.RefusalHash(b.p.params.Net, in.Pool, in.Redemption), sig) != nil {
		return badIntent("the evidence is not %s's signed refusal of redemption %s", b.addr(in.Member), in.Redemption.Short())
	}
	pi, err := b.pool(in.Pool)
	if err != nil {
		return err
	}
	if poolMember(pi, b.addr(in.Member)) == nil {
		return badIntent("%s is not a member of pool %s", b.addr(in.Member), in.Pool.Short())
	}
	b.judge = true
	what := fmt.Sprintf("report %s's refusal of redemption %s: it loses a tier and %.0f%% of its stake", b.addr(in.Member), in.Redemption.Short(), float64(b.p.params.PoolSlashBps)/100)
	_, err = b.root(wire.PoolReport{Pool: in.Pool, Redemption: in.Redemption, Member: in.Member, Evidence: in.Evidence}, 0, b.opt.Fee, what, false)
	return err
}

func (in PoolSilence) build(b *builder) error {
	pi, err := b.pool(in.Pool)
	if err != nil {
		return err
	}
	if poolMember(pi, b.addr(in.Member)) == nil {
		return badIntent("%s is not a member of pool %s", b.addr(in.Member), in.Pool.Short())
	}
	for _, s := range pi.Serves {
		if s.Redemption == in.Redemption && s.Member == b.addr(in.Member) {
			return badIntent("redemption %s already claimed %s silent (its serve challenge is due by block %d)", in.Redemption.Short(), s.Member, s.Deadline)
		}
	}
	p := b.p.params
	b.judge = true
	what := fmt.Sprintf("claim %s stayed silent on redemption %s, escrowing %s: it must show on chain within %d blocks that it holds the data (the deposit is then its) or lose a tier and %.0f%% of its stake (the deposit comes back)",
		b.addr(in.Member), in.Redemption.Short(), bvs(p.PoolSilenceDeposit), p.PoolServeBlocks, float64(p.PoolSlashBps)/100)
	_, err = b.root(wire.PoolSilence{Pool: in.Pool, Redemption: in.Redemption, Member: in.Member}, p.PoolSilenceDeposit, b.opt.Fee, what, false)
	return err
}

func (in PoolServe) build(b *builder) error {
	pi, err := b.pool(in.Pool)
	if err != nil {
		return err
	}
	if uint64(len(in.Data)) != pi.Target.Size || wire.SegmentRoot(in.Data) != pi.Target.SegmentRoot {
		return badIntent("your copy of pool %s's data does not match its segment root (%d bytes, the pool keeps %d); fetch it again", in.Pool.Short(), len(in.Data), pi.Target.Size)
	}
	chs, err := b.p.node.PoolChallenges(b.ctx, b.from)
	if err != nil {
		return err
	}
	var ch *node.ChallengeInfo
	for i := range chs {
		if chs[i].Pool == in.Pool && chs[i].Redemption == in.Redemption {
			ch = &chs[i]
		}
	}
	if ch == nil {
		return badIntent("you have no open serve challenge for redemption %s in pool %s", in.Redemption.Short(), in.Pool.Short())
	}
	br, err := wire.SegmentBranch(in.Data, ch.Segment)
	if err != nil {
		return badIntent("%v", err)
	}
	b.judge = true
	what := fmt.Sprintf("answer the serve challenge of redemption %s in pool %s: segment %d, due by block %d", in.Redemption.Short(), in.Pool.Short(), ch.Segment, ch.Deadline)
	_, err = b.root(wire.PoolServe{Pool: in.Pool, Redemption: in.Redemption, Index: ch.Segment, Segment: wire.Segment(in.Data, ch.Segment), Branch: br}, 0, b.opt.Fee, what, false)
	return err
}
