package wire

// Market transaction types: the on-chain half of the compute engine. All six
// execute on the root chain, where balances live, so escrow never crosses a
// chain. A bounty is named by its transaction's ID; the other five point at
// it. The settle window, the stake ratio and the minimum bounty life are
// consensus parameters, not fields: every bounty plays by the same clock.
const (
	TxBounty  TxType = 8  // escrow a payment for a request's result
	TxAccept  TxType = 9  // a worker takes a bounty and escrows a stake
	TxCommit  TxType = 10 // the worker commits to a result envelope's hash
	TxSettle  TxType = 11 // pay the worker and return its stake
	TxDispute TxType = 12 // the requester rejects a committed result
	TxRefund  TxType = 13 // after the deadline without a commit: money back
)

// Encoded sizes of the market bodies. Every body has a fixed size, so the
// decoder's bound is exact.
const (
	BountyBodySize = HashSize + 1 + 1 + 8 + 8 + PubKeySize
	AcceptBodySize = HashSize + 8 + 4
	CommitBodySize = 3 * HashSize
	BountyRefSize  = HashSize // settle, dispute, refund
)

// Bounty escrows Amount for the result of Request (a request expression's
// ID) at price-table row Row. Deadline is a root height: a commit must land
// below it, and from it on an uncommitted bounty can be refunded. A zero
// Worker leaves the bounty open to anyone; otherwise only that key can accept.
// Hops is how many drawn relays countersign the result (0: none, the part-1
// market exactly).
type Bounty struct {
	Request  Hash
	Row      uint8
	Hops     uint8
	Amount   uint64
	Deadline uint64
	Worker   PubKey
}

// Accept takes Bounty, escrowing Stake from the signer and promising a
// commit within Promised blocks of the accept.
type Accept struct {
	Bounty   Hash
	Stake    uint64
	Promised uint32
}

// Commit records the hash of the worker-signed result envelope and the
// result hash that envelope carries, so relays' countersigns can be
// compared with the worker's claim on chain.
type Commit struct {
	Bounty   Hash
	Envelope Hash
	Result   Hash
}

// Settle pays a committed bounty to its worker.
type Settle struct{ Bounty Hash }

// Dispute rejects a committed bounty's result within the settle window.
type Dispute struct{ Bounty Hash }

// Refund returns an uncommitted bounty's amount after its deadline.
type Refund struct{ Bounty Hash }

// TxType implements Body.
func (Bounty) TxType() TxType { return TxBounty }

// TxType implements Body.
func (Accept) TxType() TxType { return TxAccept }

// TxType implements Body.
func (Commit) TxType() TxType { return TxCommit }

// TxType implements Body.
func (Settle) TxType() TxType { return TxSettle }

// TxType implements Body.
func (Dispute) TxType() TxType { return TxDispute }

// TxType implements Body.
func (Refund) TxType() TxType { return TxRefund }

func (b Bounty) encode(w *Writer) {
	w.Hash(b.Request)
	w.U8(b.Row)
	w.U8(b.Hops)
	w.U64(b.Amount)
	w.U64(b.Deadline)
	w.Fixed(b.Worker[:])
}
func (b Accept) encode(w *Writer)  { w.Hash(b.Bounty); w.U64(b.Stake); w.U32(b.Promised) }
func (b Commit) encode(w *Writer)  { w.Hash(b.Bounty); w.Hash(b.Envelope); w.Hash(b.Result) }
func (b Settle) encode(w *Writer)  { w.Hash(b.Bounty) }
func (b Dispute) encode(w *Writer) { w.Hash(b.Bounty) }
func (b Refund) encode(w *Writer)  { w.Hash(b.Bounty) }

func decodeMarketBody(t TxType, r *Reader) Body {
	switch t {
	case TxBounty:
		var b Bounty
		b.Request = r.Hash()
		b.Row = r.U8()
		b.Hops = r.U8()
		b.Amount = r.U64()
		b.Deadline = r.U64()
		copy(b.Worker[:], r.Fixed(PubKeySize))
		return b
	case TxAccept:
		return Accept{Bounty: r.Hash(), Stake: r.U64(), Promised: r.U32()}
	case TxCommit:
		return Commit{Bounty: r.Hash(), Envelope: r.Hash(), Result: r.Hash()}
	case TxSettle:
		return Settle{Bounty: r.Hash()}
	case TxDispute:
		return Dispute{Bounty: r.Hash()}
	case TxRefund:
		return Refund{Bounty: r.Hash()}
	}
	return nil
}

// IsMarket reports whether t is one of the compute-engine types: the six
// market types and the four relay types (IsRelay).
func (t TxType) IsMarket() bool { return t >= TxBounty && t <= TxRelayMiss }

// MarketBounty returns the bounty a market transaction refers to: the
// transaction's own ID for a bounty, the named bounty for the other five and
// for countersign and relay-miss. ok is false for other transactions
// (relay-register and relay-leave name no bounty).
func MarketBounty(tx *Tx) (id Hash, ok bool) {
	switch b := tx.Body.(type) {
	case Bounty:
		return tx.ID(), true
	case Accept:
		return b.Bounty, true
	case Commit:
		return b.Bounty, true
	case Settle:
		return b.Bounty, true
	case Dispute:
		return b.Bounty, true
	case Refund:
		return b.Bounty, true
	case Countersign:
		return b.Bounty, true
	case RelayMiss:
		return b.Bounty, true
	}
	return Hash{}, false
}
