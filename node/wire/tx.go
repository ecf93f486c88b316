package wire

import (
	"encoding/binary"
	"fmt"
	"unicode/utf8"
)

// TxType selects a transaction's body. New types are added at the end; the
// envelope around the body never changes. A decoder that does not know a
// type rejects the transaction with ErrUnknownTxType (so a block carrying
// one is rejected as malformed by old nodes: new types are a hard fork).
type TxType uint8

// Transaction types.
const (
	TxCoinbase TxType = 0 // block reward to the miner
	TxTransfer TxType = 1 // coins from one account to another
	TxPut      TxType = 2 // a key/value write
)

// String names the type.
func (t TxType) String() string {
	switch t {
	case TxCoinbase:
		return "coinbase"
	case TxTransfer:
		return "transfer"
	case TxPut:
		return "put"
	case TxKeyspaceBuy:
		return "keyspace-buy"
	case TxKeyspaceScript:
		return "keyspace-script"
	case TxKeyspaceTransfer:
		return "keyspace-transfer"
	case TxStamp:
		return "stamp"
	case TxCheckpoint:
		return "checkpoint"
	case TxBounty:
		return "bounty"
	case TxAccept:
		return "accept"
	case TxCommit:
		return "commit"
	case TxSettle:
		return "settle"
	case TxDispute:
		return "dispute"
	case TxRefund:
		return "refund"
	case TxRelayRegister:
		return "relay-register"
	case TxRelayLeave:
		return "relay-leave"
	case TxCountersign:
		return "countersign"
	case TxRelayMiss:
		return "relay-miss"
	case TxTumble:
		return "tumble"
	case TxPoolFund:
		return "pool-fund"
	case TxPoolJoin:
		return "pool-join"
	case TxPoolLeave:
		return "pool-leave"
	case TxPoolAnswer:
		return "pool-answer"
	case TxTokenBuy:
		return "token-buy"
	case TxTokenRedeem:
		return "token-redeem"
	case TxPoolReport:
		return "pool-report"
	case TxPoolSilence:
		return "pool-silence"
	case TxPoolServe:
		return "pool-serve"
	}
	return fmt.Sprintf("type%d", uint8(t))
}

// Size limits.
const (
	MaxKeySize   = 512
	MaxValueSize = 64 << 10
	MaxTxSize    = MaxValueSize + 4<<10
)

// Tx is the envelope every transaction shares:
//
//	type u8 ‖ chain ‖ from 32 ‖ nonce uvarint ‖ fee uvarint ‖ body varbytes ‖ sig 64
//
// Chain is the chain that executes it (the root for now). From is the signer;
// Nonce is the signer's next account nonce (replay protection). A coinbase
// has a zero From and Sig and carries the block height as its nonce.
type Tx struct {
	Type  TxType
	Chain ChainID
	From  PubKey
	Nonce uint64
	Fee   uint64
	Body  Body
	Sig   Signature
}

// Body is the type-specific part of a transaction.
type Body interface {
	TxType() TxType
	encode(w *Writer)
}

// Coinbase pays the block reward plus fees to the miner.
type Coinbase struct {
	To     PubKey
	Amount uint64
}

// Transfer moves Amount base units from the signer to To.
type Transfer struct {
	To     PubKey
	Amount uint64
}

// Put writes Value at Key.
type Put struct {
	Key   string
	Value []byte
}

// TxType implements Body.
func (Coinbase) TxType() TxType { return TxCoinbase }

// TxType implements Body.
func (Transfer) TxType() TxType { return TxTransfer }

// TxType implements Body.
func (Put) TxType() TxType { return TxPut }

func (b Coinbase) encode(w *Writer) { w.Fixed(b.To[:]); w.U64(b.Amount) }
func (b Transfer) encode(w *Writer) { w.Fixed(b.To[:]); w.U64(b.Amount) }
func (b Put) encode(w *Writer)      { w.String(b.Key); w.VarBytes(b.Value) }

func decodeBody(t TxType, b []byte) (Body, error) {
	r := NewReader(b)
	var body Body
	switch t {
	case TxCoinbase:
		var c Coinbase
		copy(c.To[:], r.Fixed(PubKeySize))
		c.Amount = r.U64()
		body = c
	case TxTransfer:
		var c Transfer
		copy(c.To[:], r.Fixed(PubKeySize))
		c.Amount = r.U64()
		body = c
	case TxPut:
		var p Put
		p.Key = r.String(MaxKeySize, "key")
		p.Value = r.VarBytes(MaxValueSize, "value")
		body = p
	case TxKeyspaceBuy, TxKeyspaceScript, TxKeyspaceTransfer:
		body = decodeKeyspaceBody(t, r)
	case TxStamp, TxCheckpoint:
		body = decodeBranchBody(t, r)
	case TxBounty, TxAccept, TxCommit, TxSettle, TxDispute, TxRefund:
		body = decodeMarketBody(t, r)
	case TxRelayRegister, TxRelayLeave, TxCountersign, TxRelayMiss:
		body = decodeRelayBody(t, r)
	case TxTumble:
		body = decodeTumble(r)
	case TxPoolFund, TxPoolJoin, TxPoolLeave, TxPoolAnswer, TxTokenBuy, TxTokenRedeem, TxPoolReport, TxPoolSilence, TxPoolServe:
		body = decodePoolBody(t, r)
	default:
		return nil, fmt.Errorf("%w %d", ErrUnknownTxType, t)
	}
	if err := r.Done(); err != nil {
		return nil, fmt.Errorf("%s body: %w", t, err)
	}
	return body, nil
}

func (tx *Tx) encodeUnsigned(w *Writer) {
	w.U8(uint8(tx.Type))
	w.chainID(tx.Chain)
	w.Fixed(tx.From[:])
	w.Uvarint(tx.Nonce)
	w.Uvarint(tx.Fee)
	body := NewWriter(64)
	if tx.Body != nil {
		tx.Body.encode(body)
	}
	w.VarBytes(body.Bytes())
}

// Encode returns the canonical encoding.
func (tx *Tx) Encode() []byte {
	w := NewWriter(128)
	tx.EncodeTo(w)
	return w.Bytes()
}

// EncodeTo appends the canonical encoding to w.
func (tx *Tx) EncodeTo(w *Writer) {
	tx.encodeUnsigned(w)
	w.Fixed(tx.Sig[:])
}

// ID is SHA-256 of the full encoding, signature included.
func (tx *Tx) ID() Hash { return Sum(tx.Encode()) }

// SigHash is what the sender signs: the encoding without the signature, under
// a domain tag and the network ID.
func (tx *Tx) SigHash(n Network) Hash {
	w := NewWriter(128)
	tx.encodeUnsigned(w)
	var id [4]byte
	binary.BigEndian.PutUint32(id[:], n.ID)
	return TaggedSum("bitverse/tx/v1", id[:], w.Bytes())
}

// Sign sets From to k's public key and signs tx for network n.
func (tx *Tx) Sign(n Network, k PrivKey) {
	tx.From = k.PubKey()
	tx.Sig = k.Sign(tx.SigHash(n))
}

// VerifySig checks the signature for network n.
func (tx *Tx) VerifySig(n Network) error {
	return Verify(tx.From, tx.SigHash(n), tx.Sig)
}

// DecodeTx decodes exactly one transaction from b.
func DecodeTx(b []byte) (*Tx, error) {
	if len(b) > MaxTxSize {
		return nil, fmt.Errorf("%w: transaction of %d bytes (max %d): %w", ErrMalformed, len(b), MaxTxSize, ErrTooLarge)
	}
	r := NewReader(b)
	tx := readTx(r)
	if err := r.Done(); err != nil {
		return nil, err
	}
	return tx, nil
}

func readTx(r *Reader) *Tx {
	start := r.off
	tx := &Tx{}
	tx.Type = TxType(r.U8())
	tx.Chain = r.chainID()
	copy(tx.From[:], r.Fixed(PubKeySize))
	tx.Nonce = r.Uvarint()
	tx.Fee = r.Uvarint()
	body := r.Fixed(r.Len(MaxTxSize, 1, "tx body"))
	copy(tx.Sig[:], r.Fixed(SigSize))
	if r.err != nil {
		return nil
	}
	if r.off-start > MaxTxSize {
		r.Fail(fmt.Errorf("%w: transaction of %d bytes (max %d): %w", ErrMalformed, r.off-start, MaxTxSize, ErrTooLarge))
		return nil
	}
	b, err := decodeBody(tx.Type, body)
	if err != nil {
		r.Fail(fmt.Errorf("%w: %w", ErrMalformed, err))
		return nil
	}
	tx.Body = b
	return tx
}

// Size returns the encoded size in bytes.
func (tx *Tx) Size() int { return len(tx.Encode()) }

// ValidKey checks the syntax of a key: 1–512 bytes of UTF-8 text without
// control characters, not starting or ending with "/", no empty segments.
// The first segment is the keyspace.
func ValidKey(k string) error {
	switch {
	case len(k) == 0:
		return fmt.Errorf("%w: empty key", ErrMalformed)
	case len(k) > MaxKeySize:
		return fmt.Errorf("%w: key of %d bytes (max %d)", ErrMalformed, len(k), MaxKeySize)
	case !utf8.ValidString(k):
		return fmt.Errorf("%w: key is not UTF-8", ErrMalformed)
	case k[0] == '/' || k[len(k)-1] == '/':
		return fmt.Errorf("%w: key %q starts or ends with /", ErrMalformed, k)
	}
	prev := rune(0)
	for _, c := range k {
		if c < 0x20 || (c >= 0x7f && c <= 0x9f) {
			return fmt.Errorf("%w: key %q has a control character", ErrMalformed, k)
		}
		if (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069) || c == 0x200e || c == 0x200f || c == 0xfeff {
			return fmt.Errorf("%w: key %q has an invisible direction or format character", ErrMalformed, k)
		}
		if c == '/' && prev == '/' {
			return fmt.Errorf("%w: key %q has an empty segment", ErrMalformed, k)
		}
		prev = c
	}
	return nil
}

// KeyPath is the key's position in the key space: SHA-256 of the key.
func KeyPath(key string) Hash { return Sum([]byte(key)) }

// NewTx returns an unsigned transaction carrying body on chain.
func NewTx(chain ChainID, body Body, nonce, fee uint64) *Tx {
	return &Tx{Type: body.TxType(), Chain: chain, Body: body, Nonce: nonce, Fee: fee}
}
