package p2p

import (
	"context"
	"fmt"
	"time"

	"github.com/bitverse/bitverse/node"
	"github.com/bitverse/bitverse/node/state/smt"
	"github.com/bitverse/bitverse/node/wire"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"
)

// The proof protocol (docs/PROTOCOL.md §12): one request per stream. The
// client writes a request frame and closes its write side; the server
// answers one frame with a status and, when it has one, a header and the
// state proof of the key against that header's state root.

// ProtoProof names the proof protocol of a network.
func ProtoProof(net wire.Network) protocol.ID {
	return protocol.ID("/bitverse/" + net.Name + "/proof/1")
}

// Limits of the proof protocol, enforced before anything is allocated.
const (
	// MaxProofRequestFrame: chain (5) ‖ key (2 + 512) ‖ flag ‖ block id (33).
	MaxProofRequestFrame = 1024
	// MaxStateProofSize bounds an encoded state.Proof: the key, a record
	// holding the largest value, two sub-roots and the largest SMT path.
	MaxStateProofSize = 3 + wire.MaxKeySize + 1 + 3 + (3 + wire.MaxValueSize + wire.PubKeySize + 8 + wire.HashSize) +
		2*wire.HashSize + 3 + smt.MaxProofSize
	// MaxProofReplyFrame: status ‖ header varbytes ‖ proof varbytes.
	MaxProofReplyFrame = 1 + 3 + MaxHeaderSize + 3 + MaxStateProofSize

	proofReadTimeout  = 10 * time.Second // for the server to read a request
	proofWriteTimeout = 30 * time.Second // for the server to write the reply
	proofAskTimeout   = 10 * time.Second // for a client's whole exchange with one peer
	proofCost         = 0.25             // rate-limit units a request costs (a block costs as much)
)

// ProofSource answers proof requests; *node.Node is one (for the chains it
// stores). An error means the server could not build an answer: the stream
// is reset and the client asks someone else.
type ProofSource interface {
	ProveKey(ctx context.Context, chain wire.ChainID, key string, at *wire.Hash) (node.KeyProof, error)
}

// ProofRequest asks for the value of Key on Chain, proven against block At
// (nil: the server's tip).
type ProofRequest struct {
	Chain wire.ChainID
	Key   string
	At    *wire.Hash
}

func (q *ProofRequest) encode() []byte {
	w := wire.NewWriter(48 + len(q.Key))
	w.U8(q.Chain.Depth)
	w.U32(q.Chain.Bits)
	w.String(q.Key)
	if q.At == nil {
		w.U8(0)
	} else {
		w.U8(1)
		w.Hash(*q.At)
	}
	return w.Bytes()
}

// decodeProofRequest decodes a request strictly: a valid chain id and key,
// a flag of 0 or 1, nothing after.
func decodeProofRequest(b []byte) (*ProofRequest, error) {
	r := wire.NewReader(b)
	q := &ProofRequest{Chain: wire.ChainID{Depth: r.U8(), Bits: r.U32()}}
	q.Key = r.String(wire.MaxKeySize, "key")
	switch flag := r.U8(); {
	case r.Err() != nil:
	case flag == 1:
		at := r.Hash()
		q.At = &at
	case flag != 0:
		r.Fail(fmt.Errorf("block flag %d (0 or 1)", flag))
	}
	if err := r.Done(); err != nil {
		return nil, fmt.Errorf("%w: proof request: %w", ErrProtocol, err)
	}
	if !validChainID(q.Chain) {
		return nil, fmt.Errorf("%w: proof request: chain depth %d bits %#x", ErrProtocol, q.Chain.Depth, q.Chain.Bits)
	}
	if err := wire.ValidKey(q.Key); err != nil {
		return nil, fmt.Errorf("%w: proof request: %w", ErrProtocol, err)
	}
	return q, nil
}

// validChainID mirrors the wire decoder's check: Bits fits in Depth bits.
func validChainID(c wire.ChainID) bool {
	return c.Depth <= wire.MaxChainDepth && (c.Depth == 32 || c.Bits>>c.Depth == 0)
}

func encodeProofReply(a node.KeyProof) []byte {
	if a.Status != node.ProofOK {
		return []byte{byte(a.Status)}
	}
	w := wire.NewWriter(8 + len(a.Header) + len(a.Proof))
	w.U8(byte(a.Status))
	w.VarBytes(a.Header)
	w.VarBytes(a.Proof)
	return w.Bytes()
}

// decodeProofReply checks the reply's shape only (known status, lengths
// within caps, nothing after); the verifier judges the content.
func decodeProofReply(b []byte) (node.KeyProof, error) {
	r := wire.NewReader(b)
	a := node.KeyProof{Status: node.ProofStatus(r.U8())}
	switch {
	case r.Err() != nil:
	case a.Status == node.ProofOK:
		a.Header = r.VarBytes(MaxHeaderSize, "header")
		a.Proof = r.VarBytes(MaxStateProofSize, "proof")
	case a.Status > node.ProofBusy:
		r.Fail(fmt.Errorf("unknown status %d", a.Status))
	}
	if err := r.Done(); err != nil {
		return node.KeyProof{}, fmt.Errorf("%w: proof reply: %w", ErrProtocol, err)
	}
	return a, nil
}

// SetProofSource replaces what answers proof requests (default: the node).
// A node that stores branch chains will pass a source that knows them all.
func (x *Host) SetProofSource(src ProofSource) { x.reads.setSource(src) }

// AskProof sends q to p and returns p's reply, checked for shape only (use
// GetVerified for an answer you can trust). A malformed or oversized reply
// is an error wrapping ErrProtocol.
func (x *Host) AskProof(ctx context.Context, p peer.ID, q *ProofRequest) (node.KeyProof, error) {
	ctx, cancel := context.WithTimeout(ctx, proofAskTimeout)
	defer cancel()
	s, err := x.h.NewStream(ctx, p, ProtoProof(x.net))
	if err != nil {
		return node.KeyProof{}, err
	}
	defer s.Close()
	defer context.AfterFunc(ctx, func() { s.Reset() })()
	if dl, ok := ctx.Deadline(); ok {
		s.SetDeadline(dl)
	}
	if err := writeFrame(s, q.encode()); err != nil {
		s.Reset()
		return node.KeyProof{}, err
	}
	s.CloseWrite()
	raw, err := readFrame(s, MaxProofReplyFrame)
	if err != nil {
		s.Reset()
		return node.KeyProof{}, err
	}
	return decodeProofReply(raw)
}
