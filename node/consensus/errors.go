package consensus

import (
	"errors"
	"fmt"
)

// ErrorCode names one consensus rule.
type ErrorCode int

// Rule codes. Append only; the numbers are part of the RPC surface.
const (
	ErrDuplicateBlock ErrorCode = iota + 1
	ErrBlockTooBig
	ErrNoTxs
	ErrFirstTxNotCoinbase
	ErrMultipleCoinbases
	ErrBadTxRoot
	ErrHighHash
	ErrBadBits
	ErrBadHeight
	ErrTimeTooOld
	ErrTimeTooNew
	ErrBadVersion
	ErrWrongChain
	ErrDuplicateTx
	ErrBadCoinbaseAmount
	ErrBadCoinbaseNonce
	ErrBadSignature
	ErrBadNonce
	ErrInsufficientFunds
	ErrFeeTooLow
	ErrBadKey
	ErrValueTooBig
	ErrBadStateRoot
	ErrUnknownTxType
	ErrAmountOverflow
	ErrBadCoinbaseFields
	ErrZeroAmount
	ErrInvalidAncestor
	ErrMissingParent
	ErrBadTxChain
	ErrBadMerge
	ErrMalformed
	ErrScriptRejected
	ErrNoKeyspace
	ErrBadScript
	ErrBadKeyspaceName
	ErrKeyspaceTaken
	ErrNotOwner
	ErrPriceTooLow
	// The blocktree.
	ErrBadAnchor     // a branch block's anchor is unknown to the rules, off its parent's line, or backwards
	ErrBadCheckpoint // a checkpoint names a block out of order, of the wrong height, or with wrong fees
	ErrNoCredit      // a branch write's fees exceed the sender's stamped credit
	ErrOverpay       // a checkpoint pays out more than was stamped for the chain
	ErrBadStamp      // a stamp for the root or below the network's depth
	// Values.
	ErrBadBlobManifest // a put value that starts with the blob-manifest magic but is no valid manifest
	// The market (bounties on the root chain).
	ErrBadBounty      // a bounty deadline too near, a promise of zero blocks or past the deadline, a zero envelope
	ErrNoBounty       // the bounty a transaction names does not exist
	ErrBountyState    // the bounty is not in the state this transaction needs (e.g. settled twice)
	ErrBountyDeadline // accept or commit at or after the deadline; refund before it
	ErrNotParty       // the signer does not hold the role (named worker, accepted worker, requester)
	ErrSettleWindow   // a worker's settle before the settle window ends; a dispute after it
	ErrStakeTooLow    // an accept's stake below ceil(amount·StakeRatio/1000)
	// Relays and lineups (root chain).
	ErrNotRegistered // the signer is not a registered relay
	ErrRelayStake    // a relay's total stake below RelayMinStake
	ErrBadRelay      // reserved caps bits set, hops above MaxHops
	ErrRelayActive   // a relay leaving while it holds a slot of an unclosed bounty
	ErrNotInLineup   // a countersign from a key not drawn for that slot; an accept from a key in the lineup
	ErrNoSlot        // the slot does not exist or is not drawn (yet, or any more)
	ErrSlotOrder     // a countersign before the commit or the previous slot, or against the contest state
	ErrRelayWindow   // a relay-miss before the slot's window is over
	// Tumbles (root chain).
	ErrBadTumble // a tumble's shape: counts, order, an envelope nonce other than 0, a zero amount, a key off the curve
	ErrTumbleKey // a tumble's From is not the MuSig2 aggregate of its input keys
	ErrTumbleSum // a tumble's inputs do not sum to its outputs plus its fee
	// Availability pools and service tokens (root chain).
	ErrBadPool     // a pool-fund with a bad target, size, replicas, tier or too small an endowment
	ErrNoPool      // the pool a transaction names does not exist
	ErrPoolState   // the pool or member is not in the state this needs (full, has members, answered twice)
	ErrNotMember   // the signer (or the reported key) is not a member of the pool
	ErrNoChallenge // no open challenge of the signer for that epoch
	ErrBadAnswer   // the answer's segment index, segment or branch does not verify
	ErrPoolEpoch   // a redemption or report outside its epoch
	ErrNoToken     // a redemption without a token, or above the pool's rate this epoch
	ErrBadEvidence // a report whose evidence is not the member's signed refusal
)

var codeNames = map[ErrorCode]string{
	ErrDuplicateBlock:     "ErrDuplicateBlock",
	ErrBlockTooBig:        "ErrBlockTooBig",
	ErrNoTxs:              "ErrNoTxs",
	ErrFirstTxNotCoinbase: "ErrFirstTxNotCoinbase",
	ErrMultipleCoinbases:  "ErrMultipleCoinbases",
	ErrBadTxRoot:          "ErrBadTxRoot",
	ErrHighHash:           "ErrHighHash",
	ErrBadBits:            "ErrBadBits",
	ErrBadHeight:          "ErrBadHeight",
	ErrTimeTooOld:         "ErrTimeTooOld",
	ErrTimeTooNew:         "ErrTimeTooNew",
	ErrBadVersion:         "ErrBadVersion",
	ErrWrongChain:         "ErrWrongChain",
	ErrDuplicateTx:        "ErrDuplicateTx",
	ErrBadCoinbaseAmount:  "ErrBadCoinbaseAmount",
	ErrBadCoinbaseNonce:   "ErrBadCoinbaseNonce",
	ErrBadSignature:       "ErrBadSignature",
	ErrBadNonce:           "ErrBadNonce",
	ErrInsufficientFunds:  "ErrInsufficientFunds",
	ErrFeeTooLow:          "ErrFeeTooLow",
	ErrBadKey:             "ErrBadKey",
	ErrValueTooBig:        "ErrValueTooBig",
	ErrBadStateRoot:       "ErrBadStateRoot",
	ErrUnknownTxType:      "ErrUnknownTxType",
	ErrAmountOverflow:     "ErrAmountOverflow",
	ErrBadCoinbaseFields:  "ErrBadCoinbaseFields",
	ErrZeroAmount:         "ErrZeroAmount",
	ErrInvalidAncestor:    "ErrInvalidAncestor",
	ErrMissingParent:      "ErrMissingParent",
	ErrBadTxChain:         "ErrBadTxChain",
	ErrBadMerge:           "ErrBadMerge",
	ErrMalformed:          "ErrMalformed",
	ErrScriptRejected:     "ErrScriptRejected",
	ErrNoKeyspace:         "ErrNoKeyspace",
	ErrBadScript:          "ErrBadScript",
	ErrBadKeyspaceName:    "ErrBadKeyspaceName",
	ErrKeyspaceTaken:      "ErrKeyspaceTaken",
	ErrNotOwner:           "ErrNotOwner",
	ErrPriceTooLow:        "ErrPriceTooLow",
	ErrBadAnchor:          "ErrBadAnchor",
	ErrBadCheckpoint:      "ErrBadCheckpoint",
	ErrNoCredit:           "ErrNoCredit",
	ErrOverpay:            "ErrOverpay",
	ErrBadStamp:           "ErrBadStamp",
	ErrBadBlobManifest:    "ErrBadBlobManifest",
	ErrBadBounty:          "ErrBadBounty",
	ErrNoBounty:           "ErrNoBounty",
	ErrBountyState:        "ErrBountyState",
	ErrBountyDeadline:     "ErrBountyDeadline",
	ErrNotParty:           "ErrNotParty",
	ErrSettleWindow:       "ErrSettleWindow",
	ErrStakeTooLow:        "ErrStakeTooLow",
	ErrNotRegistered:      "ErrNotRegistered",
	ErrRelayStake:         "ErrRelayStake",
	ErrBadRelay:           "ErrBadRelay",
	ErrRelayActive:        "ErrRelayActive",
	ErrNotInLineup:        "ErrNotInLineup",
	ErrNoSlot:             "ErrNoSlot",
	ErrSlotOrder:          "ErrSlotOrder",
	ErrRelayWindow:        "ErrRelayWindow",
	ErrBadTumble:          "ErrBadTumble",
	ErrTumbleKey:          "ErrTumbleKey",
	ErrTumbleSum:          "ErrTumbleSum",
	ErrBadPool:            "ErrBadPool",
	ErrNoPool:             "ErrNoPool",
	ErrPoolState:          "ErrPoolState",
	ErrNotMember:          "ErrNotMember",
	ErrNoChallenge:        "ErrNoChallenge",
	ErrBadAnswer:          "ErrBadAnswer",
	ErrPoolEpoch:          "ErrPoolEpoch",
	ErrNoToken:            "ErrNoToken",
	ErrBadEvidence:        "ErrBadEvidence",
}

// String returns the code's name.
func (c ErrorCode) String() string {
	if s, ok := codeNames[c]; ok {
		return s
	}
	return fmt.Sprintf("ErrorCode(%d)", int(c))
}

// RuleError is a consensus rejection: which rule, and a sentence for people.
type RuleError struct {
	Code        ErrorCode
	Description string
}

func (e *RuleError) Error() string { return e.Description }

// Rule returns a RuleError with a formatted description.
func Rule(c ErrorCode, format string, args ...any) error {
	return &RuleError{Code: c, Description: fmt.Sprintf(format, args...)}
}

// CodeOf returns the rule code of err, or 0 if err is not a rule error.
func CodeOf(err error) ErrorCode {
	var re *RuleError
	if errors.As(err, &re) {
		return re.Code
	}
	return 0
}

// IsCode reports whether err is a rule error with code c.
func IsCode(err error, c ErrorCode) bool { return CodeOf(err) == c }

// Which refusals hold only against one tip.
//
// A transaction refused for one of these codes may be valid against
// another tip: a peer ahead of or behind this node, or on the other side
// of a race between two moves, relays it in good faith, so it is never
// banned for it (it is charged as work that did this node no good). Every
// other code breaks a rule that no state can satisfy, and its relayer is
// banned. Racing codes are the moves of one party that another party's
// move, or the next block, can overtake (a countersign crossing a
// dispute, an answer for the epoch a peer ahead already opened): a few of
// those per peer and block cost nothing at all.
var (
	stateDependent = map[ErrorCode]bool{
		ErrBadNonce: true, ErrInsufficientFunds: true,
		ErrScriptRejected: true, ErrNoKeyspace: true, ErrKeyspaceTaken: true, ErrNotOwner: true,
		ErrPriceTooLow: true, ErrNoCredit: true,
		ErrBadBounty: true, ErrNoBounty: true, ErrBountyState: true, ErrBountyDeadline: true,
		ErrNotParty: true, ErrSettleWindow: true, ErrStakeTooLow: true,
		ErrNotRegistered: true, ErrRelayStake: true, ErrRelayActive: true, ErrNotInLineup: true,
		ErrNoSlot: true, ErrSlotOrder: true, ErrRelayWindow: true,
		ErrNoPool: true, ErrPoolState: true, ErrNotMember: true, ErrNoChallenge: true,
		ErrBadAnswer: true, ErrPoolEpoch: true, ErrNoToken: true, ErrBadEvidence: true,
	}
	racing = map[ErrorCode]bool{
		ErrNoBounty: true, ErrBountyState: true, ErrBountyDeadline: true, ErrSettleWindow: true,
		ErrNotInLineup: true, ErrNoSlot: true, ErrSlotOrder: true, ErrRelayWindow: true, ErrRelayActive: true,
		ErrNoPool: true, ErrPoolState: true, ErrNotMember: true, ErrNoChallenge: true,
		ErrBadAnswer: true, ErrPoolEpoch: true, ErrNoToken: true,
	}
)

// DependsOnState reports whether a transaction refused with c may be
// valid against another tip (see above). A pool answer's segment is drawn
// by a block ID, so on another branch it names another segment: a wrong
// answer here may be a right one there.
func (c ErrorCode) DependsOnState() bool { return stateDependent[c] }

// Races reports whether c refuses a move that another party's move or the
// next block can overtake (see above).
func (c ErrorCode) Races() bool { return racing[c] }
