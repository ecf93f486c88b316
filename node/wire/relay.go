package wire

import "fmt"

// Relay transaction types: the on-chain half of relay lineups. A relay
// registers with a stake; bounties with hops > 0 get relays drawn at block
// connect, and each drawn relay countersigns the worker's result in order.
// All four execute on the root chain, next to the market bodies they serve.
const (
	TxRelayRegister TxType = 14 // register or update a relay, adding stake
	TxRelayLeave    TxType = 15 // leave the registry, stake returned
	TxCountersign   TxType = 16 // a drawn relay countersigns a bounty's result
	TxRelayMiss     TxType = 17 // anyone: a drawn relay stayed silent too long
)

// Encoded sizes of the relay bodies; each is fixed.
const (
	RelayRegisterBodySize = 8 + 8 + 4
	RelayLeaveBodySize    = 1
	CountersignBodySize   = HashSize + 1 + 2*HashSize
	RelayMissBodySize     = HashSize + 1
)

// RelayCapRecompute is caps bit 0: the relay recomputes transforms. Other
// bits are reserved (consensus refuses them until they mean something).
const RelayCapRecompute uint32 = 1 << 0

// RelayRegister registers the signer as a relay or updates its record: Fee
// is the least it relays for, Stake is added to its escrowed stake, Caps
// says what it can do.
type RelayRegister struct {
	Fee   uint64
	Stake uint64
	Caps  uint32
}

// RelayLeave removes the signer from the registry and returns its stake.
// The body is one reserved byte that must be zero.
type RelayLeave struct{}

// Countersign is the drawn relay's signature on a bounty's result at Slot
// (lineup slots first, then jury slots). Result is the result hash this
// relay computed; Envelope is the hash of its countersign envelope.
type Countersign struct {
	Bounty   Hash
	Slot     uint8
	Result   Hash
	Envelope Hash
}

// RelayMiss reports that Slot of Bounty stayed silent past its window.
type RelayMiss struct {
	Bounty Hash
	Slot   uint8
}

// TxType implements Body.
func (RelayRegister) TxType() TxType { return TxRelayRegister }

// TxType implements Body.
func (RelayLeave) TxType() TxType { return TxRelayLeave }

// TxType implements Body.
func (Countersign) TxType() TxType { return TxCountersign }

// TxType implements Body.
func (RelayMiss) TxType() TxType { return TxRelayMiss }

func (b RelayRegister) encode(w *Writer) { w.U64(b.Fee); w.U64(b.Stake); w.U32(b.Caps) }
func (RelayLeave) encode(w *Writer)      { w.U8(0) }
func (b Countersign) encode(w *Writer) {
	w.Hash(b.Bounty)
	w.U8(b.Slot)
	w.Hash(b.Result)
	w.Hash(b.Envelope)
}
func (b RelayMiss) encode(w *Writer) { w.Hash(b.Bounty); w.U8(b.Slot) }

func decodeRelayBody(t TxType, r *Reader) Body {
	switch t {
	case TxRelayRegister:
		return RelayRegister{Fee: r.U64(), Stake: r.U64(), Caps: r.U32()}
	case TxRelayLeave:
		if v := r.U8(); v != 0 && r.Err() == nil {
			r.Fail(fmt.Errorf("%w: relay-leave reserved byte is %d, must be 0", ErrMalformed, v))
		}
		return RelayLeave{}
	case TxCountersign:
		var c Countersign
		c.Bounty = r.Hash()
		c.Slot = r.U8()
		c.Result = r.Hash()
		c.Envelope = r.Hash()
		return c
	case TxRelayMiss:
		return RelayMiss{Bounty: r.Hash(), Slot: r.U8()}
	}
	return nil
}

// IsRelay reports whether t is one of the relay types.
func (t TxType) IsRelay() bool { return t >= TxRelayRegister && t <= TxRelayMiss }
