package p2p

import (
	"fmt"
	"math/big"

	"github.com/bitverse/bitverse/node/wire"
)

// Limits of the stream protocols. Every reader enforces them before it
// allocates (see docs/PROTOCOL.md §12).
const (
	MaxLocator         = 64                                    // hashes in a GetHeaders locator
	MaxHeadersPerReply = 2000                                  // headers in one Headers reply
	MaxBlocksPerReq    = 64                                    // ids in one GetBlocks request
	MaxTxsPerPush      = 1024                                  // transactions in one PushTxs
	MaxHeaderSize      = 1024                                  // one encoded header
	MaxRequestFrame    = 1 << 20                               // any request frame
	MaxHeadersFrame    = 1 << 20                               // the Headers reply
	MaxBlockFrame      = wire.MaxBlockSize + 8                 // one block of a Blocks reply
	MaxStatusChains    = 512                                   // branch chains listed in a status message
	MaxStatusFrame     = 128 + 2*MaxStatusChains*(5+8+32+1+64) // a status message: chains in full and headers only
	maxReplyHeadFrame  = 64                                    // the first frame of any reply
	replyBlocksBudget  = 16 << 20                              // bytes of blocks one reply may carry
)

// Request types of the sync protocol.
const (
	msgGetHeaders byte = 1
	msgGetBlocks  byte = 2
	msgPushTxs    byte = 3
	msgGetClaims  byte = 4
)

// Reply codes: the first byte of a reply's first frame.
const (
	replyOK          byte = 0
	replyRateLimited byte = 1
	replyBadRequest  byte = 2
	replyBusy        byte = 3
)

// request is one decoded sync request.
type request struct {
	Type    byte
	Chain   wire.ChainID // GetHeaders, GetBlocks, GetClaims: the chain asked about
	Locator []wire.Hash  // GetHeaders
	Max     int          // GetHeaders
	IDs     []wire.Hash  // GetBlocks, GetClaims
	Txs     [][]byte     // PushTxs (raw, decoded by the handler)
}

func (q *request) encode() []byte {
	w := wire.NewWriter(64 + 32*len(q.Locator) + 32*len(q.IDs))
	w.U8(q.Type)
	switch q.Type {
	case msgGetHeaders:
		putChain(w, q.Chain)
		w.Uvarint(uint64(len(q.Locator)))
		for _, h := range q.Locator {
			w.Hash(h)
		}
		w.Uvarint(uint64(q.Max))
	case msgGetBlocks, msgGetClaims:
		putChain(w, q.Chain)
		w.Uvarint(uint64(len(q.IDs)))
		for _, h := range q.IDs {
			w.Hash(h)
		}
	case msgPushTxs:
		w.Uvarint(uint64(len(q.Txs)))
		for _, t := range q.Txs {
			w.VarBytes(t)
		}
	}
	return w.Bytes()
}

func decodeRequest(b []byte) (*request, error) {
	r := wire.NewReader(b)
	q := &request{Type: r.U8()}
	switch q.Type {
	case msgGetHeaders:
		q.Chain = readChain(r)
		n := r.Len(MaxLocator, wire.HashSize, "locator")
		for i := 0; i < n; i++ {
			q.Locator = append(q.Locator, r.Hash())
		}
		q.Max = int(r.Uvarint())
		if r.Err() == nil && (q.Max <= 0 || q.Max > MaxHeadersPerReply) {
			return nil, fmt.Errorf("%w: asks for %d headers (1..%d)", ErrProtocol, q.Max, MaxHeadersPerReply)
		}
	case msgGetBlocks, msgGetClaims:
		q.Chain = readChain(r)
		max := MaxBlocksPerReq
		if q.Type == msgGetClaims {
			max = MaxClaimsPerReq
		}
		n := r.Len(max, wire.HashSize, "block ids")
		for i := 0; i < n; i++ {
			q.IDs = append(q.IDs, r.Hash())
		}
	case msgPushTxs:
		n := r.Len(MaxTxsPerPush, 1, "txs")
		for i := 0; i < n && r.Err() == nil; i++ {
			q.Txs = append(q.Txs, r.VarBytes(wire.MaxTxSize, "tx"))
		}
	default:
		if r.Err() == nil {
			return nil, fmt.Errorf("%w: unknown request type %d", ErrProtocol, q.Type)
		}
	}
	if err := r.Done(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrProtocol, err)
	}
	return q, nil
}

func encodeHeaders(hs []wire.Header) []byte {
	w := wire.NewWriter(8 + 200*len(hs))
	w.U8(replyOK)
	w.Uvarint(uint64(len(hs)))
	for i := range hs {
		w.VarBytes(hs[i].Encode())
	}
	return w.Bytes()
}

func decodeHeaders(b []byte) ([]wire.Header, error) {
	r := wire.NewReader(b)
	if code := r.U8(); code != replyOK && r.Err() == nil {
		return nil, replyError(code)
	}
	n := r.Len(MaxHeadersPerReply, 1, "headers")
	out := make([]wire.Header, 0, n)
	for i := 0; i < n && r.Err() == nil; i++ {
		raw := r.VarBytes(MaxHeaderSize, "header")
		if r.Err() != nil {
			break
		}
		h, err := wire.DecodeHeader(raw)
		if err != nil {
			return nil, fmt.Errorf("%w: header %d: %w", ErrProtocol, i, err)
		}
		out = append(out, h)
	}
	if err := r.Done(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrProtocol, err)
	}
	return out, nil
}

// replyError turns a non-OK reply code into an error.
func replyError(code byte) error {
	switch code {
	case replyRateLimited:
		return ErrRateLimited
	case replyBadRequest:
		return fmt.Errorf("%w: bad request", ErrRemote)
	case replyBusy:
		return fmt.Errorf("%w: busy", ErrRemote)
	}
	return fmt.Errorf("%w: unknown reply code %d", ErrProtocol, code)
}

// putChain writes a chain id as the wire package does: depth u8 ‖ bits u32.
func putChain(w *wire.Writer, c wire.ChainID) {
	w.U8(c.Depth)
	w.U32(c.Bits)
}

// readChain reads a chain id; one with bits beyond its depth (or deeper
// than wire.MaxChainDepth) fails the reader.
func readChain(r *wire.Reader) wire.ChainID {
	c := wire.ChainID{Depth: r.U8(), Bits: r.U32()}
	if r.Err() == nil && (c.Depth > wire.MaxChainDepth || (c.Depth < 32 && c.Bits>>c.Depth != 0)) {
		r.Fail(fmt.Errorf("%w: chain depth %d bits %#x", wire.ErrBadChain, c.Depth, c.Bits))
	}
	return c
}

// Status is what a peer says about itself in the status handshake: the
// root's tip, and the tip of every branch chain it stores in full (the
// chains it can serve blocks and proofs of).
type Status struct {
	Version uint8
	NetID   uint32
	Genesis wire.Hash
	Height  uint64
	Tip     wire.Hash
	Work    *big.Int
	Chains  []ChainTip // branch chains stored in full, in tree order
	// Claimed are the branch chains kept as headers only, in tree order
	// (version 3 on): the peer serves their claims (GetClaims), not their
	// blocks.
	Claimed []ChainTip
}

// ChainTip is a peer's tip of one branch chain.
type ChainTip struct {
	Chain  wire.ChainID
	Height uint64
	Tip    wire.Hash
	Work   *big.Int
}

// Stores reports whether the peer stores chain c in full (the root always).
func (s *Status) Stores(c wire.ChainID) bool {
	_, ok := s.TipOf(c)
	return ok
}

// TipOf returns the peer's tip of chain c, if it stores c in full.
func (s *Status) TipOf(c wire.ChainID) (ChainTip, bool) {
	if c.IsRoot() {
		return ChainTip{Chain: c, Height: s.Height, Tip: s.Tip, Work: s.Work}, true
	}
	for _, t := range s.Chains {
		if t.Chain == c {
			return t, true
		}
	}
	return ChainTip{}, false
}

// ClaimsTipOf returns the peer's tip of chain c if it serves c's claims:
// it stores c in full or keeps it as headers only.
func (s *Status) ClaimsTipOf(c wire.ChainID) (ChainTip, bool) {
	if t, ok := s.TipOf(c); ok {
		return t, true
	}
	for _, t := range s.Claimed {
		if t.Chain == c {
			return t, true
		}
	}
	return ChainTip{}, false
}

// statusVersion 3 added Claimed.
const statusVersion = 3

func (s *Status) encode() []byte {
	w := wire.NewWriter(128 + 64*len(s.Chains))
	w.U8(s.Version)
	w.U32(s.NetID)
	w.Hash(s.Genesis)
	w.U64(s.Height)
	w.Hash(s.Tip)
	w.VarBytes(s.Work.Bytes())
	putTips(w, s.Chains)
	if s.Version >= 3 {
		putTips(w, s.Claimed)
	}
	return w.Bytes()
}

func putTips(w *wire.Writer, tips []ChainTip) {
	w.Uvarint(uint64(len(tips)))
	for _, t := range tips {
		putChain(w, t.Chain)
		w.U64(t.Height)
		w.Hash(t.Tip)
		w.VarBytes(t.Work.Bytes())
	}
}

// readTips reads a list of branch tips in tree order, each chain once.
func readTips(r *wire.Reader) []ChainTip {
	var out []ChainTip
	n := r.Len(MaxStatusChains, 5+8+32+1, "chains")
	for i := 0; i < n && r.Err() == nil; i++ {
		t := ChainTip{Chain: readChain(r), Height: r.U64(), Tip: r.Hash()}
		t.Work = new(big.Int).SetBytes(r.VarBytes(64, "chain work"))
		if r.Err() == nil && (t.Chain.IsRoot() || (i > 0 && !chainBefore(out[i-1].Chain, t.Chain))) {
			r.Fail(fmt.Errorf("chain %s listed out of order or twice", t.Chain))
		}
		out = append(out, t)
	}
	return out
}

func decodeStatus(b []byte) (*Status, error) {
	r := wire.NewReader(b)
	s := &Status{Version: r.U8(), NetID: r.U32(), Genesis: r.Hash(), Height: r.U64(), Tip: r.Hash()}
	work := r.VarBytes(64, "work")
	s.Chains = readTips(r)
	if s.Version >= 3 && r.Err() == nil {
		s.Claimed = readTips(r)
		for _, t := range s.Claimed {
			if _, full := s.TipOf(t.Chain); full && r.Err() == nil {
				r.Fail(fmt.Errorf("chain %s listed both in full and as headers only", t.Chain))
			}
		}
	}
	if err := r.Done(); err != nil {
		return nil, fmt.Errorf("%w: status: %w", ErrProtocol, err)
	}
	s.Work = new(big.Int).SetBytes(work)
	return s, nil
}

// chainBefore orders chains as the forest does: by depth, then prefix.
func chainBefore(a, b wire.ChainID) bool {
	if a.Depth != b.Depth {
		return a.Depth < b.Depth
	}
	return a.Bits < b.Bits
}
