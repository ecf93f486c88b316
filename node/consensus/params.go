package consensus

import (
	"math/big"
	"math/bits"
	"time"

	"github.com/bitverse/bitverse/node/wire"
)

// Params are the consensus parameters of one network.
type Params struct {
	Net wire.Network

	// GenesisTime is the timestamp of the genesis block (unix ms).
	GenesisTime int64
	// PowLimit is the easiest allowed target; GenesisBits the target of
	// blocks 0 and 1 (block 1 is the ASERT anchor).
	PowLimit    *big.Int
	GenesisBits uint32
	// TargetInterval is the aimed-for time between root blocks; HalfLife is
	// how long blocks must run early or late for the target to halve or
	// double (ASERT).
	TargetInterval time.Duration
	HalfLife       time.Duration
	// MaxFutureTime bounds how far a block's time may run ahead of the
	// validating node's clock.
	MaxFutureTime time.Duration

	InitialReward    uint64 // base units per block before the first halving
	HalvingInterval  uint64 // blocks between halvings
	CoinbaseMaturity uint64 // blocks before a reward can be spent
	// CheckpointMaturity is how many root blocks a checkpoint's payout
	// waits, during which a heavier fork of the branch can replace it.
	CheckpointMaturity uint64

	MaxBlockSize  int    // bytes
	MinFeePerByte uint64 // base units per encoded byte of a transaction

	// MaxDepth is the deepest chain of the blocktree (the root is depth
	// 0). It fixes the merged-mining tree: MaxDepth+1 slots, rounded up to
	// a power of two (wire.MergeBranchLen).
	MaxDepth uint8

	// The market's clock and stakes (root heights). A worker may settle a
	// committed bounty itself SettleWindow blocks after its commit; the
	// requester may dispute only before then. An accept escrows at least
	// StakeRatio thousandths of the amount (rounded up). A bounty's
	// deadline lies more than MinBountyBlocks above the block that
	// carries it, so that a worker has time to accept and commit.
	SettleWindow    uint64
	StakeRatio      uint64 // thousandths of the amount
	MinBountyBlocks uint64

	// Relays and lineups (PROTOCOL §19). A bounty asks for at most MaxHops
	// relays. A relay needs RelayMinStake escrowed to be drawn; a drawn
	// relay that stays silent RelayWindow blocks after the step before
	// it may be reported missed, losing MissSlashBps of its stake. At
	// settle the drawer gets DrawShareBps of the amount and each
	// countersigning relay RelayHopBps. A contest draws JurySize jurors;
	// a relay on the losing side of a decided contest loses RelaySlashBps
	// of its stake. Bps: ten-thousandths. A block draws at most
	// MaxDrawsPerBlock pending slots; the rest wait for the next block,
	// so a block full of bounties cannot make its successor's draw cost
	// more than that many walks of the registry.
	MaxHops       uint8
	RelayMinStake uint64
	RelayWindow   uint64
	DrawShareBps  uint64
	RelayHopBps   uint64
	JurySize      uint8
	RelaySlashBps uint64
	MissSlashBps  uint64

	MaxDrawsPerBlock uint32

	// TumbleInputFee is what a tumble pays per input on top of the size
	// fee: checking the batch aggregates its input keys (one scalar
	// multiplication per key) and reads and writes one account per input,
	// work a transaction of the same size does not cause (PROTOCOL §21).
	TumbleInputFee uint64
	// Availability pools (PROTOCOL §23). Epoch e of the root chain runs
	// from height e·PoolEpochBlocks+1 to (e+1)·PoolEpochBlocks; its
	// challenges are drawn at the start of its first block by its parent's
	// ID and must be answered by its last. Each epoch pays PoolPayoutPPM
	// millionths of what is left in a pool's endowment (at least 1 base
	// unit while anything is left) to the members that answered; a member
	// that missed loses PoolSlashBps of its stake (burned) and a tier. A
	// pool needs PoolMinEndowment to be funded, a member PoolMinStake to
	// join; a pool wants at most PoolMaxReplicas members (admitting twice
	// that) at a tier of at most PoolMaxTier. A service token costs
	// PoolTokenPrice. At most MaxPools pools and MaxPoolMembers members
	// exist at once, so one epoch's settling work is bounded.
	//
	// A redeemer that met only silence claims it with pool-silence,
	// escrowing PoolSilenceDeposit; the member then has the PoolServeBlocks
	// root blocks after the claim's to answer the serve challenge the next
	// block draws, or it is demoted as for a miss (PROTOCOL §23 "Silent
	// members"). The deposit goes to a member that answers (its fee and
	// read paid for) and back to the claimer if it does not. A block takes
	// at most MaxSilencesPerBlock claims, so the draw and the deadline a
	// block's claims cause later are bounded work.
	PoolEpochBlocks  uint64
	PoolPayoutPPM    uint64
	PoolSlashBps     uint64
	PoolMinEndowment uint64
	PoolMinStake     uint64
	PoolMaxReplicas  uint8
	PoolMaxTier      uint8
	PoolTokenPrice   uint64
	MaxPools         uint32
	MaxPoolMembers   uint32

	PoolSilenceDeposit  uint64
	PoolServeBlocks     uint64
	MaxSilencesPerBlock uint32
}

// MaxHops is the most relays any network lets a bounty ask for; a
// network's Params.MaxHops is at most this.
const MaxHops = 5

// MaxJury is the largest jury any network draws.
const MaxJury = 9

// Bps returns v·bps/10000 rounded down, computed without overflow (bps is
// at most 10000).
func Bps(v, bps uint64) uint64 {
	hi, lo := bits.Mul64(v, bps)
	q, _ := bits.Div64(hi%10000, lo, 10000)
	return q
}

// HopShare is what one countersigning relay earns from a bounty of amount.
func (p *Params) HopShare(amount uint64) uint64 { return Bps(amount, p.RelayHopBps) }

// PoolPayout is what one epoch pays out of an endowment of left: PoolPayoutPPM
// millionths of it rounded down, but at least 1 base unit while anything is
// left, so the pool pays every epoch until it is empty and never more than
// it holds.
func (p *Params) PoolPayout(left uint64) uint64 {
	if left == 0 {
		return 0
	}
	hi, lo := bits.Mul64(left, p.PoolPayoutPPM)
	q, _ := bits.Div64(hi%1_000_000, lo, 1_000_000)
	return min(left, max(q, 1))
}

// PoolLifetime is how many epochs an endowment of left keeps paying under
// the curve (PoolPayout), the last ones 1 base unit each. It walks the
// geometric part (about ln(left·ppm/10⁶)·10⁶/ppm epochs, under 200,000 for
// any uint64 at 200 ppm) and adds the tail, where each epoch pays 1.
func (p *Params) PoolLifetime(left uint64) uint64 {
	if p.PoolPayoutPPM == 0 {
		return ^uint64(0)
	}
	var n uint64
	floor := (1_000_000 + p.PoolPayoutPPM - 1) / p.PoolPayoutPPM // below it, an epoch pays 1
	for left >= floor {
		left -= p.PoolPayout(left)
		n++
	}
	return n + left
}

// PoolEpoch is the epoch whose challenges a root block at height h (≥ 1)
// may answer; PoolEpochEnd is the last height of epoch e (its deadline).
func (p *Params) PoolEpoch(h uint64) uint64 {
	if h == 0 {
		return 0
	}
	return (h - 1) / p.PoolEpochBlocks
}

// PoolEpochEnd is the last height of epoch e: its challenges' deadline.
func (p *Params) PoolEpochEnd(e uint64) uint64 { return (e + 1) * p.PoolEpochBlocks }

// DrawShare is what the drawer of a bounty of amount earns.
func (p *Params) DrawShare(amount uint64) uint64 { return Bps(amount, p.DrawShareBps) }

// MinStake is the least stake an accept of a bounty of amount escrows:
// ceil(amount·StakeRatio/1000), computed without overflow.
func (p *Params) MinStake(amount uint64) uint64 {
	hi, lo := bits.Mul64(amount, p.StakeRatio)
	if hi >= 1000 {
		return ^uint64(0) // the quotient overflows: more than any balance holds
	}
	q, r := bits.Div64(hi, lo, 1000)
	if r > 0 && q < ^uint64(0) {
		q++
	}
	return q
}

// IntervalAt is the target interval of a chain at depth d: the root's,
// doubled per level (devnet: 2 s, 4 s, 8 s, 16 s).
func (p *Params) IntervalAt(d uint8) time.Duration { return p.TargetInterval << d }

// GenesisBitsAt is the starting target of a chain at depth d: the root's,
// made 2^d times harder, so that a miner following one path finds blocks
// of each chain on it at that chain's interval.
func (p *Params) GenesisBitsAt(d uint8) uint32 {
	if d == 0 {
		return p.GenesisBits
	}
	return BigToCompact(new(big.Int).Rsh(CompactToBig(p.GenesisBits), uint(d)))
}

// MergeBranchLen is the length of a merge proof's branch on this network.
func (p *Params) MergeBranchLen() int { return wire.MergeBranchLen(p.MaxDepth) }

// MTPWindow is the number of blocks whose median time a new block must
// exceed.
const MTPWindow = 11

// BlockVersion is the only header version defined so far.
const BlockVersion = 1

// Devnet returns the devnet parameters: 2 s root blocks, a difficulty that
// suits one laptop's CPU, and a 10-block coinbase maturity.
func Devnet() *Params {
	return &Params{
		Net:                 wire.Devnet,
		GenesisTime:         1793491200000, // 2026-11-01T00:00:00Z
		PowLimit:            new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 255), big.NewInt(1)),
		GenesisBits:         BigToCompact(new(big.Int).Lsh(big.NewInt(1), 256-22)), // ≈ 4 M hashes a block
		TargetInterval:      2 * time.Second,
		HalfLife:            60 * time.Second,
		MaxFutureTime:       30 * time.Second,
		InitialReward:       50 * wire.Unit,
		HalvingInterval:     2_100_000,
		CoinbaseMaturity:    10,
		CheckpointMaturity:  20,
		MaxBlockSize:        2 << 20,
		MinFeePerByte:       10,
		MaxDepth:            3,
		SettleWindow:        6,
		StakeRatio:          500,
		MinBountyBlocks:     4,
		MaxHops:             MaxHops,
		RelayMinStake:       wire.Unit,
		RelayWindow:         6,
		DrawShareBps:        100,  // 1 %
		RelayHopBps:         1000, // 10 % a hop: at 5 hops the worker keeps 49 %
		JurySize:            3,
		RelaySlashBps:       5000, // half the stake
		MissSlashBps:        1000, // a tenth of the stake
		MaxDrawsPerBlock:    256,
		TumbleInputFee:      1000, // KeyAgg costs 0.4–0.8 of a signature check a key (BenchmarkTumbleVerify); a transfer pays ≈ 1500
		PoolEpochBlocks:     10,   // 20 s epochs: tests run many
		PoolPayoutPPM:       200,  // 0.02 % of what is left, each epoch
		PoolSlashBps:        1000,
		PoolMinEndowment:    wire.Unit,
		PoolMinStake:        wire.Unit / 10,
		PoolMaxReplicas:     16,
		PoolMaxTier:         3,
		PoolTokenPrice:      wire.Unit / 1000,
		MaxPools:            10_000,
		MaxPoolMembers:      100_000,
		PoolSilenceDeposit:  wire.Unit / 100, // 0.01 BVS: ≈ 60 minimum-fee pool-serves of 1.7 KB
		PoolServeBlocks:     10,              // as long as an epoch: a member online once an epoch answers both
		MaxSilencesPerBlock: 256,
	}
}

// Regtest returns parameters for tests: the same rules as devnet with a
// trivial proof of work, so blocks can be made at will.
func Regtest() *Params {
	p := Devnet()
	p.GenesisBits = BigToCompact(p.PowLimit)
	return p
}

// Reward returns the block subsidy at height: InitialReward halved every
// HalvingInterval blocks, reaching zero after 64 halvings.
func (p *Params) Reward(height uint64) uint64 {
	h := height / p.HalvingInterval
	if h >= 64 {
		return 0
	}
	return p.InitialReward >> h
}

// MinFee returns the lowest fee a transaction of size bytes may pay.
func (p *Params) MinFee(size int) uint64 { return uint64(size) * p.MinFeePerByte }

// TxMinFee is the lowest fee tx may pay at size bytes: the size fee, plus
// TumbleInputFee per input of a tumble.
func (p *Params) TxMinFee(tx *wire.Tx, size int) uint64 {
	min := p.MinFee(size)
	if t, ok := tx.Body.(wire.Tumble); ok {
		hi, lo := bits.Mul64(uint64(len(t.Inputs)), p.TumbleInputFee)
		if hi != 0 {
			return ^uint64(0)
		}
		if s, err := wire.AddAmounts(min, lo); err == nil {
			return s
		}
		return ^uint64(0)
	}
	return min
}

// SetMinFee sets tx.Fee to the lowest fee the rules allow for it. The fee's
// own varint counts towards the size, so it iterates to a fixed point.
func (p *Params) SetMinFee(tx *wire.Tx) uint64 {
	tx.Fee = 0
	for {
		min := p.TxMinFee(tx, tx.Size())
		if tx.Fee >= min {
			return tx.Fee
		}
		tx.Fee = min
	}
}
