package node

import (
	"encoding/hex"
	"fmt"

	"github.com/bitverse/bitverse/node/wire"
)

// Hex is bytes that JSON carries as a hex string: encodings, proofs and
// signatures, as hashes are (one style for every --json output).
type Hex []byte

// MarshalText implements encoding.TextMarshaler.
func (h Hex) MarshalText() ([]byte, error) { return []byte(hex.EncodeToString(h)), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (h *Hex) UnmarshalText(b []byte) error {
	d, err := hex.DecodeString(string(b))
	if err != nil {
		return fmt.Errorf("not hex: %w", err)
	}
	*h = d
	return nil
}

// Status is the node at a glance. JSON names are part of the CLI contract.
type Status struct {
	Network      string    `json:"network"`
	Height       uint64    `json:"height"`
	Tip          wire.Hash `json:"tip"`
	TipTime      int64     `json:"tip_time"` // ms
	Bits         uint32    `json:"bits"`
	Difficulty   float64   `json:"difficulty"` // expected hashes per block
	StateRoot    wire.Hash `json:"state_root"`
	Mining       bool      `json:"mining"`
	MineTo       string    `json:"mine_to,omitempty"`
	HashRate     float64   `json:"hash_rate"`
	BlocksFound  uint64    `json:"blocks_found"`
	Mempool      int       `json:"mempool"`
	MempoolBytes int       `json:"mempool_bytes"`
	Orphans      int       `json:"orphans"`
	Peers        int       `json:"peers"`
	Sync         Sync      `json:"sync"`
	DataDir      string    `json:"datadir"`

	// MinePath is the chain at the end of the path the miner hashes while
	// it runs ("/" for the root alone, else the deepest branch: every
	// chain above it is mined too); FoundByChain counts the blocks found
	// per chain since the node started.
	MinePath     string            `json:"mine_path,omitempty"`
	FoundByChain map[string]uint64 `json:"found_by_chain,omitempty"`
}

// Sync describes catching up with peers.
type Sync struct {
	Syncing    bool    `json:"syncing"`
	Chain      string  `json:"chain,omitempty"` // the chain being synced ("/" the root)
	Done       uint64  `json:"done"`            // blocks
	Total      uint64  `json:"total"`           // blocks
	Rate       float64 `json:"rate"`            // blocks per second
	WriteRate  float64 `json:"write_rate"`      // transactions per second
	ETASeconds float64 `json:"eta_seconds"`
}

// AccountInfo is an account's balance and nonce.
type AccountInfo struct {
	Address   string `json:"address"`
	Balance   uint64 `json:"balance"`
	Immature  uint64 `json:"immature"`
	Nonce     uint64 `json:"nonce"`      // confirmed
	NextNonce uint64 `json:"next_nonce"` // counting pending transactions
	Pending   int    `json:"pending"`
	// Spending is what its pending root transactions spend (amounts,
	// costs and fees): a new transaction may spend Balance − Spending.
	Spending uint64 `json:"spending"`
}

// ValueRecord is a key's value as the CLI shows it.
type ValueRecord struct {
	Key           string    `json:"key"`
	Value         string    `json:"value"`
	Encoding      string    `json:"encoding,omitempty"` // "base64" when the value is not UTF-8 text
	Size          int       `json:"size"`
	Height        uint64    `json:"height"`
	Confirmations uint64    `json:"confirmations"`
	Writer        string    `json:"writer"`
	TxID          wire.Hash `json:"tx"`
	// Chain is the blocktree chain holding the value ("/" for the root);
	// Confirmations count that chain's blocks, RootConfirmations the root
	// blocks from the one that checkpoints the value's block (0: not
	// checkpointed yet). On the root the two are equal.
	Chain             string `json:"chain,omitempty"`
	RootConfirmations uint64 `json:"root_confirmations"`
}

// GetResult answers Get.
type GetResult struct {
	ValueRecord
	Proof *ProofInfo `json:"proof,omitempty"`
	// RemotePeer is set when the value came from a peer (this node keeps
	// only headers of its chain), with a proof checked here against a
	// header this node verified.
	RemotePeer string `json:"remote_peer,omitempty"`
	// ProvenAt is the height of the block whose state the value was read
	// (or proven) at: this node's tip of the chain for a chain it stores,
	// the header a peer's proof was checked against for one it does not
	// (which may lag the tip when every provider asked was behind).
	ProvenAt uint64 `json:"proven_at"`
	// RootVouchedBy says what stands behind the state root the value was
	// proven against when this node did not execute the chain's blocks
	// itself (a chain it keeps headers only for): proof of work only.
	RootVouchedBy string        `json:"root_vouched_by,omitempty"`
	History       []ValueRecord `json:"history,omitempty"`
}

// ProofInfo carries a proof and the header it is checked against.
type ProofInfo struct {
	Block     wire.Hash `json:"block"`
	Height    uint64    `json:"height"`
	StateRoot wire.Hash `json:"state_root"`
	Header    Hex       `json:"header"` // encoded header, so a client can re-check its PoW and hash
	Proof     Hex       `json:"proof"`  // encoded state.Proof
	Verified  bool      `json:"verified"`
}

// TxInfo describes a transaction, confirmed or pending.
type TxInfo struct {
	ID            wire.Hash `json:"id"`
	Type          string    `json:"type"`
	From          string    `json:"from,omitempty"`
	To            string    `json:"to,omitempty"`
	Amount        uint64    `json:"amount,omitempty"`
	Fee           uint64    `json:"fee"`
	Nonce         uint64    `json:"nonce"`
	Key           string    `json:"key,omitempty"`
	ValueSize     int       `json:"value_size,omitempty"`
	Size          int       `json:"size"`
	Pending       bool      `json:"pending"`
	Chain         string    `json:"chain,omitempty"` // set for branch transactions
	Block         wire.Hash `json:"block,omitempty"`
	Height        uint64    `json:"height,omitempty"`
	Confirmations uint64    `json:"confirmations"`
	Time          int64     `json:"time,omitempty"`
	// Sig is the BIP340 signature; Raw the canonical encoding, so that a
	// client can check the ID (SHA-256 of Raw) and the signature itself.
	Sig Hex `json:"sig,omitempty"`
	Raw Hex `json:"raw,omitempty"`
	// A tumble's inputs and outputs (Amount is then the sum of outputs and
	// From the inputs' aggregate key); Round is its round's ID in hex.
	Inputs  []TumbleLeg `json:"inputs,omitempty"`
	Outputs []TumbleLeg `json:"outputs,omitempty"`
	Round   string      `json:"round,omitempty"`
}

// TumbleLeg is one input (with the nonce it spends) or output of a tumble.
type TumbleLeg struct {
	Address string `json:"address"`
	Amount  uint64 `json:"amount"`
	Nonce   uint64 `json:"nonce,omitempty"`
}

// BlockInfo describes a block.
type BlockInfo struct {
	ID            wire.Hash `json:"id"`
	Chain         string    `json:"chain"`
	Height        uint64    `json:"height"`
	Prev          wire.Hash `json:"prev"`
	Time          int64     `json:"time"`
	Bits          uint32    `json:"bits"`
	Nonce         uint64    `json:"nonce"`
	TxRoot        wire.Hash `json:"tx_root"`
	StateRoot     wire.Hash `json:"state_root"`
	Size          int       `json:"size"`
	Confirmations uint64    `json:"confirmations"`
	Main          bool      `json:"main"`
	Txs           []TxInfo  `json:"txs"`
	// HeadersOnly: the node keeps only headers of the chain, so the block
	// comes without its transactions and Raw is the encoded header.
	HeadersOnly bool `json:"headers_only,omitempty"`
	// Raw is the block's canonical encoding (the header's when
	// HeadersOnly), so that a client can check its ID and proof of work.
	Raw Hex `json:"raw,omitempty"`
	// FromPeer names the peer a block of a headers-only chain came from
	// (FetchBlock): then Txs and Raw are the whole block's, checked
	// against the header this node verified.
	FromPeer string `json:"from_peer,omitempty"`
}

// Tree is the blocktree as this node holds it (`bitverse tree`). JSON names
// are part of the CLI contract.
type Tree struct {
	Chains []ChainInfo `json:"chains"` // root first, then by depth and prefix
	// Pending counts blocks held until a block they name (an anchor, a
	// checkpointed branch block) arrives.
	Pending int `json:"pending"`
}

// ChainInfo is one chain of the blocktree.
type ChainInfo struct {
	Chain  string    `json:"chain"` // "/", "0", "01", …
	Depth  uint8     `json:"depth"`
	Height uint64    `json:"height"`
	Tip    wire.Hash `json:"tip"`
	Bits   string    `json:"bits"` // the tip's compact target, 8 hex digits
	// Difficulty is the tip's expected hashes per block (2^256 divided by
	// target+1), as in status; a chain at the PoW limit has difficulty 2.
	Difficulty float64 `json:"difficulty"`
	// TargetInterval is the chain's block interval in seconds
	// (Params.IntervalAt(depth): the root's, doubled per level).
	TargetInterval float64 `json:"target_interval"`
	// Followed: the node stores the chain in full (bodies and state);
	// false means headers only.
	Followed bool `json:"followed"`
	// Peers is how many connected peers store the chain, when PeersKnown;
	// peers do not announce their follow sets yet, so today it is unknown.
	Peers      int  `json:"peers"`
	PeersKnown bool `json:"peers_known"`
}

// PayoutInfo is what root checkpoints pay an address for the branch blocks
// it mined (API Payouts): a branch block's coinbase pays nothing on the
// branch; the root block that checkpoints it pays its fees
// CheckpointMaturity root blocks later, unless a replacement voids it.
// JSON names are part of the CLI contract.
type PayoutInfo struct {
	Address  string `json:"address"`
	Height   uint64 `json:"height"`   // the root tip the payouts are judged at
	Maturity uint64 `json:"maturity"` // root blocks from checkpoint to payout
	Matured  uint64 `json:"matured"`  // paid to the balance, base units
	Pending  uint64 `json:"pending"`  // checkpointed, not yet paid
	Voided   uint64 `json:"voided"`   // replaced before paying: never paid
	// Chains splits the totals per branch chain, by depth then prefix.
	Chains []ChainPayouts `json:"chains"`
	// Truncated: only the newest entries were read.
	Truncated bool `json:"truncated,omitempty"`
}

// ChainPayouts is one chain's part of PayoutInfo; Blocks counts the
// checkpointed branch blocks (a block without writes pays 0).
type ChainPayouts struct {
	Chain         string `json:"chain"`
	Matured       uint64 `json:"matured"`
	MaturedBlocks int    `json:"matured_blocks"`
	Pending       uint64 `json:"pending"`
	PendingBlocks int    `json:"pending_blocks"`
	Voided        uint64 `json:"voided"`
	VoidedBlocks  int    `json:"voided_blocks"`
	// NextMatures is the root height at which the oldest pending payout
	// is paid (0: none pending).
	NextMatures uint64 `json:"next_matures,omitempty"`
}
