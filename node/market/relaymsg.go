package market

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/bitverse/bitverse/node/market/expr"
	"github.com/bitverse/bitverse/node/wire"
)

// Sizes and bounds of the relay messages.
const (
	// CountersignSize is the size of an encoded countersign envelope.
	CountersignSize = 1 + 4 + wire.HashSize + 1 + 4*wire.HashSize + wire.SigSize
	// MaxSlots bounds a slot number: lineup slots 0..hops-1 and jury slots
	// after them (consensus MaxHops 5 + JurySize 3).
	MaxSlots = 8
	// MaxHandoffSize bounds an encoded handoff.
	MaxHandoffSize = 1 + 4 + wire.HashSize + 1 + 2 + MaxPeerIDSize + 8 + wire.PubKeySize + wire.SigSize
	// FetchSize is the size of a fetch (what a relay or requester asks a
	// holder of a bounty's envelope chain for).
	FetchSize = 1 + 4 + wire.HashSize
	// WorkerSlot is the slot a handoff names when its holder is the worker.
	WorkerSlot = 0xff
)

// Countersign is a relay's signed statement that it recomputed a bounty's
// result: which bounty and slot, the envelope it countersigns (the
// worker's for slot 0, the previous slot's after), the result hash it
// computed itself, and the hash of the inputs it read. Its Hash is what
// the relay's countersign transaction carries, so every envelope of the
// chain is checked against the chain, not against anyone's word.
//
//	version u8 ‖ net u32 ‖ bounty [32] ‖ slot u8 ‖ prev [32] ‖ result [32] ‖ inputs [32] ‖ relay [32] ‖ sig [64]
type Countersign struct {
	Net    uint32
	Bounty wire.Hash
	Slot   uint8
	Prev   wire.Hash // hash of the envelope before it in the chain
	Result wire.Hash // SHA-256 of the value this relay computed
	Inputs wire.Hash // InputsHash of what it read
	Relay  wire.PubKey
	Sig    wire.Signature
}

func (c *Countersign) encodeUnsigned(w *wire.Writer) {
	w.U8(msgVersion)
	w.U32(c.Net)
	w.Hash(c.Bounty)
	w.U8(c.Slot)
	w.Hash(c.Prev)
	w.Hash(c.Result)
	w.Hash(c.Inputs)
	w.Fixed(c.Relay[:])
}

// Encode returns the canonical encoding.
func (c *Countersign) Encode() []byte {
	w := wire.NewWriter(CountersignSize)
	c.encodeUnsigned(w)
	w.Fixed(c.Sig[:])
	return w.Bytes()
}

// SigHash is what the relay signs (tag "bitverse/countersign/v1").
func (c *Countersign) SigHash() wire.Hash {
	w := wire.NewWriter(CountersignSize)
	c.encodeUnsigned(w)
	return wire.TaggedSum("bitverse/countersign/v1", w.Bytes())
}

// Hash is the envelope's ID, carried by the countersign transaction:
// SHA-256 of the full encoding, signature included.
func (c *Countersign) Hash() wire.Hash { return wire.Sum(c.Encode()) }

// Sign sets Net and Relay and signs.
func (c *Countersign) Sign(net wire.Network, k wire.PrivKey) {
	c.Net, c.Relay = net.ID, k.PubKey()
	c.Sig = k.Sign(c.SigHash())
}

// Check checks the network, the slot and the signature (cheapest first).
func (c *Countersign) Check(net wire.Network) error {
	if c.Net != net.ID {
		return fmt.Errorf("countersign: %w (%#x, this is %s)", ErrWrongNetwork, c.Net, net.Name)
	}
	if c.Slot >= MaxSlots {
		return fmt.Errorf("countersign: %w: slot %d (at most %d)", wire.ErrMalformed, c.Slot, MaxSlots-1)
	}
	if err := wire.Verify(c.Relay, c.SigHash(), c.Sig); err != nil {
		return fmt.Errorf("countersign: %w", err)
	}
	return nil
}

// DecodeCountersign decodes exactly one countersign envelope (form only).
func DecodeCountersign(b []byte) (*Countersign, error) {
	if len(b) != CountersignSize {
		return nil, fmt.Errorf("countersign: %w: %d bytes, a countersign is %d", wire.ErrMalformed, len(b), CountersignSize)
	}
	rd := wire.NewReader(b)
	version(rd)
	c := &Countersign{Net: rd.U32(), Bounty: rd.Hash(), Slot: rd.U8(), Prev: rd.Hash(), Result: rd.Hash(), Inputs: rd.Hash()}
	copy(c.Relay[:], rd.Fixed(wire.PubKeySize))
	copy(c.Sig[:], rd.Fixed(wire.SigSize))
	if err := rd.Done(); err != nil {
		return nil, fmt.Errorf("countersign: %w", err)
	}
	if c.Slot >= MaxSlots {
		return nil, fmt.Errorf("countersign: %w: slot %d (at most %d)", wire.ErrMalformed, c.Slot, MaxSlots-1)
	}
	return c, nil
}

// Input is one value a computation read: its key and the SHA-256 of the
// bytes read there (a blob's manifest, not its content, which the
// manifest commits to).
type Input struct {
	Key  string
	Hash wire.Hash
}

// InputsHash commits to what a relay read and when: the root height its
// reads were made at and each input in reading order,
// SHA-256("bitverse/relay/inputs/v1" ‖ height u64 ‖ n × (key varbytes ‖ hash [32])).
func InputsHash(height uint64, in []Input) wire.Hash {
	w := wire.NewWriter(8 + len(in)*64)
	w.U64(height)
	for _, i := range in {
		w.String(i.Key)
		w.Hash(i.Hash)
	}
	return wire.TaggedSum("bitverse/relay/inputs/v1", w.Bytes())
}

// Handoff is gossiped by whoever holds a bounty's envelope chain up to
// a slot (the worker after its commit, each relay after it
// countersigned): where to fetch it. It is signed by the holder's
// on-chain identity (the worker, or the relay drawn for the slot), so a
// node never dials a peer a stranger named; what is fetched is checked
// against the chain anyway.
//
//	version u8 ‖ net u32 ‖ bounty [32] ‖ slot u8 (0xff: the worker) ‖ peer varbytes ‖ expires i64 ‖ holder [32] ‖ sig [64]
type Handoff struct {
	Net     uint32
	Bounty  wire.Hash
	Slot    uint8
	Peer    []byte // the holder node's libp2p peer ID
	Expires int64  // unix seconds
	Holder  wire.PubKey
	Sig     wire.Signature
}

func (h *Handoff) encodeUnsigned(w *wire.Writer) {
	w.U8(msgVersion)
	w.U32(h.Net)
	w.Hash(h.Bounty)
	w.U8(h.Slot)
	w.VarBytes(h.Peer)
	w.I64(h.Expires)
	w.Fixed(h.Holder[:])
}

// Encode returns the canonical encoding.
func (h *Handoff) Encode() []byte {
	w := wire.NewWriter(MaxHandoffSize)
	h.encodeUnsigned(w)
	w.Fixed(h.Sig[:])
	return w.Bytes()
}

// SigHash is what the holder signs (tag "bitverse/handoff/v1").
func (h *Handoff) SigHash() wire.Hash {
	w := wire.NewWriter(MaxHandoffSize)
	h.encodeUnsigned(w)
	return wire.TaggedSum("bitverse/handoff/v1", w.Bytes())
}

// Sign sets Net and Holder and signs.
func (h *Handoff) Sign(net wire.Network, k wire.PrivKey) {
	h.Net, h.Holder = net.ID, k.PubKey()
	h.Sig = k.Sign(h.SigHash())
}

// Check checks network, expiry, slot and signature (cheapest first).
func (h *Handoff) Check(net wire.Network, now int64) error {
	if err := checkLife(net, h.Net, h.Expires, now); err != nil {
		return fmt.Errorf("handoff: %w", err)
	}
	if h.Slot >= MaxSlots && h.Slot != WorkerSlot {
		return fmt.Errorf("handoff: %w: slot %d", wire.ErrMalformed, h.Slot)
	}
	if err := wire.Verify(h.Holder, h.SigHash(), h.Sig); err != nil {
		return fmt.Errorf("handoff: %w", err)
	}
	return nil
}

// DecodeHandoff decodes exactly one handoff (form only).
func DecodeHandoff(b []byte) (*Handoff, error) {
	if len(b) > MaxHandoffSize {
		return nil, fmt.Errorf("handoff: %w: %d bytes (max %d): %w", wire.ErrMalformed, len(b), MaxHandoffSize, wire.ErrTooLarge)
	}
	rd := wire.NewReader(b)
	version(rd)
	h := &Handoff{Net: rd.U32(), Bounty: rd.Hash(), Slot: rd.U8()}
	h.Peer = rd.VarBytes(MaxPeerIDSize, "peer ID")
	h.Expires = rd.I64()
	copy(h.Holder[:], rd.Fixed(wire.PubKeySize))
	copy(h.Sig[:], rd.Fixed(wire.SigSize))
	if err := rd.Done(); err != nil {
		return nil, fmt.Errorf("handoff: %w", err)
	}
	if len(h.Peer) == 0 {
		return nil, fmt.Errorf("handoff: %w: no peer", wire.ErrMalformed)
	}
	if h.Slot >= MaxSlots && h.Slot != WorkerSlot {
		return nil, fmt.Errorf("handoff: %w: slot %d", wire.ErrMalformed, h.Slot)
	}
	return h, nil
}

// Fetch asks a holder for a bounty's envelope chain.
//
//	version u8 ‖ net u32 ‖ bounty [32]
type Fetch struct {
	Net    uint32
	Bounty wire.Hash
}

// Encode returns the canonical encoding.
func (f *Fetch) Encode() []byte {
	w := wire.NewWriter(FetchSize)
	w.U8(msgVersion)
	w.U32(f.Net)
	w.Hash(f.Bounty)
	return w.Bytes()
}

// DecodeFetch decodes exactly one fetch.
func DecodeFetch(b []byte) (*Fetch, error) {
	if len(b) != FetchSize {
		return nil, fmt.Errorf("fetch: %w: %d bytes, a fetch is %d", wire.ErrMalformed, len(b), FetchSize)
	}
	rd := wire.NewReader(b)
	version(rd)
	f := &Fetch{Net: rd.U32(), Bounty: rd.Hash()}
	if err := rd.Done(); err != nil {
		return nil, fmt.Errorf("fetch: %w", err)
	}
	return f, nil
}

// Package is a bounty's envelope chain as a holder sends it: the request
// expression (so a relay that never saw the request can recompute it),
// the worker's envelope, the countersign envelopes of slots 0..n-1 in
// order, and the worker's value.
//
//	expr varbytes ‖ worker envelope [214] ‖ n u8 ‖ n × countersign [230] ‖ value [envelope size]
type Package struct {
	Expr   []byte // canonical encoding (§17)
	Worker *Envelope
	Signs  []*Countersign
	Value  []byte
}

// WriteTo writes the package's encoding.
func (p *Package) WriteTo(w io.Writer) (int64, error) {
	wr := wire.NewWriter(16 + len(p.Expr) + EnvelopeSize + 1 + len(p.Signs)*CountersignSize)
	wr.VarBytes(p.Expr)
	wr.Fixed(p.Worker.Encode())
	wr.U8(uint8(len(p.Signs)))
	for _, c := range p.Signs {
		wr.Fixed(c.Encode())
	}
	n, err := w.Write(wr.Bytes())
	if err != nil {
		return int64(n), err
	}
	m, err := w.Write(p.Value)
	return int64(n + m), err
}

// Encode returns the package's encoding.
func (p *Package) Encode() []byte {
	var b bytes.Buffer
	p.WriteTo(&b)
	return b.Bytes()
}

// ReadPackage reads one package, bounded at every step: the expression's
// length against MaxExprSize, the fixed-size envelopes (checked for form,
// network and signature before anything after them is read), the count
// against MaxSlots, and then exactly the value size the worker's envelope
// states (at most MaxResultSize), with no byte after it.
func ReadPackage(net wire.Network, r io.Reader) (*Package, error) {
	p := &Package{}
	n, err := readUvarint(r)
	if err != nil {
		return nil, fmt.Errorf("package: %w", err)
	}
	if n == 0 || n > MaxExprSize {
		return nil, fmt.Errorf("package: %w: expression of %d bytes (1 to %d)", wire.ErrMalformed, n, MaxExprSize)
	}
	p.Expr = make([]byte, n)
	if _, err := io.ReadFull(r, p.Expr); err != nil {
		return nil, fmt.Errorf("package: %w: %w", wire.ErrMalformed, err)
	}
	if _, err := expr.Decode(p.Expr); err != nil {
		return nil, fmt.Errorf("package: %w: %w", wire.ErrMalformed, err)
	}
	head := make([]byte, EnvelopeSize)
	if _, err := io.ReadFull(r, head); err != nil {
		return nil, fmt.Errorf("package: %w: %w", wire.ErrMalformed, err)
	}
	if p.Worker, err = DecodeEnvelope(head); err != nil {
		return nil, fmt.Errorf("package: %w", err)
	}
	if err := p.Worker.Check(net); err != nil {
		return nil, fmt.Errorf("package: %w", err)
	}
	var cnt [1]byte
	if _, err := io.ReadFull(r, cnt[:]); err != nil {
		return nil, fmt.Errorf("package: %w: %w", wire.ErrMalformed, err)
	}
	if cnt[0] > MaxSlots {
		return nil, fmt.Errorf("package: %w: %d countersigns (at most %d)", wire.ErrMalformed, cnt[0], MaxSlots)
	}
	cs := make([]byte, CountersignSize)
	for range cnt[0] {
		if _, err := io.ReadFull(r, cs); err != nil {
			return nil, fmt.Errorf("package: %w: %w", wire.ErrMalformed, err)
		}
		c, err := DecodeCountersign(cs)
		if err != nil {
			return nil, fmt.Errorf("package: %w", err)
		}
		if err := c.Check(net); err != nil {
			return nil, fmt.Errorf("package: %w", err)
		}
		p.Signs = append(p.Signs, c)
	}
	// Read as it arrives (no allocation of the announced size up front).
	if p.Value, err = io.ReadAll(io.LimitReader(r, int64(p.Worker.Size)+1)); err != nil {
		return nil, fmt.Errorf("package: %w", err)
	}
	if err := p.Worker.Matches(p.Value); err != nil {
		return nil, fmt.Errorf("package: %w: %w", wire.ErrMalformed, err)
	}
	return p, nil
}

func readUvarint(r io.Reader) (uint64, error) {
	var x uint64
	var b [1]byte
	for i := 0; i < 3; i++ { // MaxExprSize needs 2 bytes; a third is too long anyway
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return 0, fmt.Errorf("%w: %w", wire.ErrMalformed, err)
		}
		x |= uint64(b[0]&0x7f) << (7 * i)
		if b[0] < 0x80 {
			if i > 0 && b[0] == 0 {
				return 0, fmt.Errorf("%w: non-minimal varint", wire.ErrMalformed)
			}
			return x, nil
		}
	}
	return 0, fmt.Errorf("%w: length too long", wire.ErrMalformed)
}

// ErrChain is wrapped by every reason a package does not match the chain.
var ErrChain = errors.New("market: the envelope chain does not match the chain")
