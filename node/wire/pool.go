package wire

import (
	"encoding/binary"
	"fmt"
)

// Availability pools and service tokens (PROTOCOL §23): an endowment that
// pays members for holding a value or blob, checked by challenges drawn at
// block connect, and prepaid downloads redeemed against a per-epoch rate.
// All nine execute on the root chain.
const (
	TxPoolFund    TxType = 19 // create a pool with an endowment, or top one up
	TxPoolJoin    TxType = 20 // join a pool with a stake
	TxPoolLeave   TxType = 21 // leave a pool; the stake comes back
	TxPoolAnswer  TxType = 22 // answer this member's challenge of an epoch
	TxTokenBuy    TxType = 23 // buy prepaid downloads (adds to the endowment)
	TxTokenRedeem TxType = 24 // redeem one prepaid download
	TxPoolReport  TxType = 25 // the redeemer reports a member's signed refusal
	TxPoolSilence TxType = 26 // the redeemer claims a member stayed silent: opens a serve challenge
	TxPoolServe   TxType = 27 // the member answers a serve challenge
)

// Pool target kinds. PoolTopUp is not a target: a pool-fund whose kind is
// PoolTopUp adds to an existing pool's endowment.
const (
	PoolKey    uint8 = 0 // a single key's value (≤ MaxValueSize)
	PoolBlob   uint8 = 1 // a blob: the data is the blob's bytes
	PoolPrefix uint8 = 2 // a keyspace prefix: the data is its listing (§23)
	PoolTopUp  uint8 = 3 // a top-up of the pool named in the body
)

// Segment trees and pool limits.
const (
	// SegmentSize is the size of one challenged segment: 1 KiB, so an
	// answer (segment + branch) fits in one transaction.
	SegmentSize = 1 << 10
	// MaxPoolSize is the largest pool target, the largest blob (65,536
	// chunks of 256 KiB): 2²⁴ segments, a branch of at most 24 hashes.
	MaxPoolSize = 1 << 34
	// MaxSegmentBranch bounds an answer's branch.
	MaxSegmentBranch = 24
	// MaxReportEvidence bounds a pool-report's evidence.
	MaxReportEvidence = 256
)

// Fixed body sizes.
const (
	PoolTopUpBodySize     = 1 + HashSize + 8
	PoolJoinBodySize      = HashSize + 8
	PoolLeaveBodySize     = HashSize
	TokenBuyBodySize      = HashSize + 4
	TokenRedeemBodySize   = HashSize + 8
	MaxPoolAnswerBodySize = HashSize + 8 + 4 + 2 + SegmentSize + 1 + MaxSegmentBranch*HashSize
	PoolSilenceBodySize   = 2*HashSize + PubKeySize
	MaxPoolServeBodySize  = 2*HashSize + 4 + 2 + SegmentSize + 1 + MaxSegmentBranch*HashSize
)

// PoolFund creates a pool (its ID is the transaction's ID) whose Amount is
// escrowed as the endowment, or, with Kind PoolTopUp, adds Amount to the
// endowment of Pool. For a new pool Pool must be zero; for a top-up every
// field but Kind, Pool and Amount is zero (the encoding carries only those
// three).
type PoolFund struct {
	Kind        uint8
	Chain       ChainID // the chain holding Key
	Key         string
	Hash        Hash   // the manifest hash (blob), value hash (key) or the listed block's ID (prefix)
	Size        uint64 // bytes of the data the segment root covers
	SegmentRoot Hash
	Replicas    uint8  // members wanted; at most twice as many may join
	Tier        uint8  // the tier members join at
	Amount      uint64 // endowment escrowed (or added)
	TokenRate   uint32 // redemptions allowed per epoch, 0: no tokens
	Pool        Hash   // top-up only
}

// PoolJoin joins Pool with Stake escrowed.
type PoolJoin struct {
	Pool  Hash
	Stake uint64
}

// PoolLeave leaves Pool; the stake comes back once the current epoch's
// challenge of the member is answered (or at once if it has none).
type PoolLeave struct {
	Pool Hash
}

// PoolAnswer answers the signer's challenge of Epoch in Pool: segment Index
// of the pool's data with its branch to the segment root.
type PoolAnswer struct {
	Pool    Hash
	Epoch   uint64
	Index   uint32
	Segment []byte
	Branch  []Hash
}

// TokenBuy buys Count prepaid downloads of Pool; the price goes into the
// endowment.
type TokenBuy struct {
	Pool  Hash
	Count uint32
}

// TokenRedeem redeems one of the signer's tokens of Pool in Epoch (the
// current one), counted against the pool's rate.
type TokenRedeem struct {
	Pool  Hash
	Epoch uint64
}

// PoolReport is the redeemer's evidence that Member refused to serve
// Redemption (a token-redeem transaction's ID): Evidence is Member's
// signature over RefusalHash.
type PoolReport struct {
	Pool       Hash
	Redemption Hash
	Member     PubKey
	Evidence   []byte
}

// PoolSilence is the redeemer's claim that Member did not serve
// Redemption (a token-redeem transaction's ID) at all: no answer, no
// refusal. The chain cannot see silence, so the claim opens a serve
// challenge: Member must show on chain, within PoolServeBlocks, that it
// still holds the data (PoolServe), or it is demoted as for a miss. The
// claimer escrows PoolSilenceDeposit, which goes to the member if it
// answers and back to the claimer if it does not.
type PoolSilence struct {
	Pool       Hash
	Redemption Hash
	Member     PubKey
}

// PoolServe is the signer's answer to the serve challenge a PoolSilence
// opened against it for Redemption: segment Index (drawn by the block
// after the claim's) with its branch to the pool's segment root.
type PoolServe struct {
	Pool       Hash
	Redemption Hash
	Index      uint32
	Segment    []byte
	Branch     []Hash
}

// RefusalHash is what a member signs to refuse serving a redemption. A
// member that refuses in writing can be reported with the signature.
func RefusalHash(n Network, pool, redemption Hash) Hash {
	var id [4]byte
	binary.BigEndian.PutUint32(id[:], n.ID)
	return TaggedSum("bitverse/pool/refusal/v1", id[:], pool[:], redemption[:])
}

// TxType implements Body.
func (PoolFund) TxType() TxType { return TxPoolFund }

// TxType implements Body.
func (PoolJoin) TxType() TxType { return TxPoolJoin }

// TxType implements Body.
func (PoolLeave) TxType() TxType { return TxPoolLeave }

// TxType implements Body.
func (PoolAnswer) TxType() TxType { return TxPoolAnswer }

// TxType implements Body.
func (TokenBuy) TxType() TxType { return TxTokenBuy }

// TxType implements Body.
func (TokenRedeem) TxType() TxType { return TxTokenRedeem }

// TxType implements Body.
func (PoolReport) TxType() TxType { return TxPoolReport }

// TxType implements Body.
func (PoolSilence) TxType() TxType { return TxPoolSilence }

// TxType implements Body.
func (PoolServe) TxType() TxType { return TxPoolServe }

func (b PoolFund) encode(w *Writer) {
	w.U8(b.Kind)
	if b.Kind == PoolTopUp {
		w.Hash(b.Pool)
		w.U64(b.Amount)
		return
	}
	w.chainID(b.Chain)
	w.String(b.Key)
	w.Hash(b.Hash)
	w.U64(b.Size)
	w.Hash(b.SegmentRoot)
	w.U8(b.Replicas)
	w.U8(b.Tier)
	w.U64(b.Amount)
	w.U32(b.TokenRate)
}
func (b PoolJoin) encode(w *Writer)  { w.Hash(b.Pool); w.U64(b.Stake) }
func (b PoolLeave) encode(w *Writer) { w.Hash(b.Pool) }
func (b PoolAnswer) encode(w *Writer) {
	w.Hash(b.Pool)
	w.U64(b.Epoch)
	w.U32(b.Index)
	w.VarBytes(b.Segment)
	w.Uvarint(uint64(len(b.Branch)))
	for _, h := range b.Branch {
		w.Hash(h)
	}
}
func (b TokenBuy) encode(w *Writer)    { w.Hash(b.Pool); w.U32(b.Count) }
func (b TokenRedeem) encode(w *Writer) { w.Hash(b.Pool); w.U64(b.Epoch) }
func (b PoolReport) encode(w *Writer) {
	w.Hash(b.Pool)
	w.Hash(b.Redemption)
	w.Fixed(b.Member[:])
	w.VarBytes(b.Evidence)
}
func (b PoolSilence) encode(w *Writer) {
	w.Hash(b.Pool)
	w.Hash(b.Redemption)
	w.Fixed(b.Member[:])
}
func (b PoolServe) encode(w *Writer) {
	w.Hash(b.Pool)
	w.Hash(b.Redemption)
	w.U32(b.Index)
	w.VarBytes(b.Segment)
	w.Uvarint(uint64(len(b.Branch)))
	for _, h := range b.Branch {
		w.Hash(h)
	}
}

func decodePoolBody(t TxType, r *Reader) Body {
	switch t {
	case TxPoolFund:
		var b PoolFund
		b.Kind = r.U8()
		if r.Err() != nil {
			return b
		}
		switch b.Kind {
		case PoolTopUp:
			b.Pool = r.Hash()
			b.Amount = r.U64()
			return b
		case PoolKey, PoolBlob, PoolPrefix:
		default:
			r.Fail(fmt.Errorf("%w: pool target kind %d (0 key, 1 blob, 2 prefix, 3 top-up)", ErrMalformed, b.Kind))
			return b
		}
		b.Chain = r.chainID()
		b.Key = r.String(MaxKeySize, "key")
		b.Hash = r.Hash()
		b.Size = r.U64()
		b.SegmentRoot = r.Hash()
		b.Replicas = r.U8()
		b.Tier = r.U8()
		b.Amount = r.U64()
		b.TokenRate = r.U32()
		return b
	case TxPoolJoin:
		return PoolJoin{Pool: r.Hash(), Stake: r.U64()}
	case TxPoolLeave:
		return PoolLeave{Pool: r.Hash()}
	case TxPoolAnswer:
		var b PoolAnswer
		b.Pool = r.Hash()
		b.Epoch = r.U64()
		b.Index = r.U32()
		b.Segment = r.VarBytes(SegmentSize, "segment")
		n := r.Len(MaxSegmentBranch, HashSize, "branch")
		for i := 0; i < n && r.Err() == nil; i++ {
			b.Branch = append(b.Branch, r.Hash())
		}
		return b
	case TxTokenBuy:
		return TokenBuy{Pool: r.Hash(), Count: r.U32()}
	case TxTokenRedeem:
		return TokenRedeem{Pool: r.Hash(), Epoch: r.U64()}
	case TxPoolReport:
		var b PoolReport
		b.Pool = r.Hash()
		b.Redemption = r.Hash()
		copy(b.Member[:], r.Fixed(PubKeySize))
		b.Evidence = r.VarBytes(MaxReportEvidence, "evidence")
		return b
	case TxPoolSilence:
		var b PoolSilence
		b.Pool = r.Hash()
		b.Redemption = r.Hash()
		copy(b.Member[:], r.Fixed(PubKeySize))
		return b
	case TxPoolServe:
		var b PoolServe
		b.Pool = r.Hash()
		b.Redemption = r.Hash()
		b.Index = r.U32()
		b.Segment = r.VarBytes(SegmentSize, "segment")
		n := r.Len(MaxSegmentBranch, HashSize, "branch")
		for i := 0; i < n && r.Err() == nil; i++ {
			b.Branch = append(b.Branch, r.Hash())
		}
		return b
	}
	return nil
}

// IsPool reports whether t is one of the pool and token types.
func (t TxType) IsPool() bool { return t >= TxPoolFund && t <= TxPoolServe }

// SegmentCount is the number of segments of size bytes of data (the last
// one shorter): 0 for no data.
func SegmentCount(size uint64) uint64 { return (size + SegmentSize - 1) / SegmentSize }

// SegmentLen is the length of segment i of size bytes of data (0 if there
// is no such segment).
func SegmentLen(size uint64, i uint32) int {
	start := uint64(i) * SegmentSize
	if start >= size {
		return 0
	}
	return int(min(size-start, SegmentSize))
}

// Segment returns segment i of data (nil if there is none), not a copy.
func Segment(data []byte, i uint32) []byte {
	n := SegmentLen(uint64(len(data)), i)
	if n == 0 {
		return nil
	}
	start := int(i) * SegmentSize
	return data[start : start+n]
}

// SegmentRoot is MerkleRoot over the SHA-256 of each 1 KiB segment of data
// (the last one shorter), the same tree as a blob's chunks (§13). The root
// of no data is the zero hash.
func SegmentRoot(data []byte) Hash { return NewSegmentTree(data).Root() }

// SegmentBranch returns the branch of segment i of data: the sibling at
// each level, bottom up, skipping levels where the node is carried. For
// many branches of the same data, build a SegmentTree once.
func SegmentBranch(data []byte, i uint32) ([]Hash, error) {
	return NewSegmentTree(data).Branch(i)
}

// SegmentTree holds every level of a segment tree, to hand out branches.
type SegmentTree struct{ tree *NodeTree }

// NewSegmentTree hashes data's segments and builds the tree.
func NewSegmentTree(data []byte) *SegmentTree {
	leaves := make([]Hash, SegmentCount(uint64(len(data))))
	for i := range leaves {
		leaves[i] = merkleLeaf(Sum(Segment(data, uint32(i))))
	}
	return &SegmentTree{NewNodeTree(leaves)}
}

// Root is the segment root (zero for no data).
func (t *SegmentTree) Root() Hash { return t.tree.Root() }

// Branch returns segment i's branch.
func (t *SegmentTree) Branch(i uint32) ([]Hash, error) {
	if uint64(i) >= uint64(t.tree.Len()) {
		return nil, fmt.Errorf("no segment %d: the data has %d segments", i, t.tree.Len())
	}
	return t.tree.Branch(uint64(i)), nil
}

// SegmentBranchLen is the length of segment i's branch among the segments
// of size bytes.
func SegmentBranchLen(size uint64, i uint32) int {
	n, j, l := SegmentCount(size), uint64(i), 0
	for ; n > 1; n = (n + 1) / 2 {
		if j^1 < n {
			l++
		}
		j >>= 1
	}
	return l
}

// VerifySegment reports whether segment is segment i of the size bytes of
// data whose segment root is root, with branch its branch: the segment's
// length is the one its index has, the branch has the expected length and
// folds up to root. It never panics and does no more than 25 hashes.
func VerifySegment(root Hash, size uint64, i uint32, segment []byte, branch []Hash) bool {
	if size == 0 || size > MaxPoolSize {
		return false
	}
	n, j := SegmentCount(size), uint64(i)
	if j >= n || len(segment) != SegmentLen(size, i) || len(branch) != SegmentBranchLen(size, i) {
		return false
	}
	x := merkleLeaf(Sum(segment))
	for ; n > 1; n = (n + 1) / 2 {
		switch {
		case j&1 == 1:
			x = merkleNode(branch[0], x)
			branch = branch[1:]
		case j+1 < n:
			x = merkleNode(x, branch[0])
			branch = branch[1:]
		}
		j >>= 1
	}
	return x == root
}
