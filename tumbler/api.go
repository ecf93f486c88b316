package tumbler

import (
	"context"
	"errors"
	"fmt"

	"github.com/bitverse/bitverse/node/wire"
)

// API is what faces (CLI, TUI) use: the daemon component implements it in
// process and the local API client carries it over HTTP.
type API interface {
	// Rounds lists the open and recent rounds this node knows (the ones
	// it coordinates and the ones announced to it), newest first.
	Rounds(ctx context.Context) ([]RoundInfo, error)
	// Coordinate announces a round coordinated by this node.
	Coordinate(ctx context.Context, c CoordinateConfig) (RoundInfo, error)
	// Join registers an input in an open round of the request's
	// denomination (Round picks one) and starts the participant: output
	// registration over a fresh identity, review, and co-signing (at
	// once with AutoSign, else on CoSign).
	Join(ctx context.Context, j JoinRequest) (Registration, error)
	// Registrations lists this node's registrations in rounds not yet
	// finished, with their state.
	Registrations(ctx context.Context) ([]Registration, error)
	// Review is the batch of a round this node is in: every output (its
	// own marked), the fees, and whether every check passed or the
	// sentence saying why not. ErrNoBatch until the batch is built.
	Review(ctx context.Context, round wire.Hash) (*Review, error)
	// CoSign signs the reviewed batch of a round (it fails when a check
	// failed: a participant never signs a batch it did not accept).
	CoSign(ctx context.Context, round wire.Hash) error
	// History lists this node's finished tumbles (done or failed), newest
	// first.
	History(ctx context.Context) ([]Registration, error)
	// Events are the phase changes of the rounds this node is in or
	// coordinates; a slow reader loses events, never blocks the service.
	Events() <-chan Event
}

// Phase is where a round is.
type Phase uint8

// Phases, in order; a round ends Done or Failed, and a failed signing
// starts a Blame round (a new round whose BlameOf names the failed one).
// RoundInfo shows a blame round's input registration as Blame. A round is
// Announced from its announcement until the coordinator's next tick opens
// input registration: listed to anyone who asks, taking no input yet.
const (
	Announced Phase = iota
	InputRegistration
	OutputRegistration
	Signing
	Broadcast
	Done
	Failed
	Blame
)

var phaseNames = [...]string{"announced", "input-registration", "output-registration", "signing", "broadcast", "done", "failed", "blame"}

func (p Phase) String() string {
	if int(p) < len(phaseNames) {
		return phaseNames[p]
	}
	return fmt.Sprintf("phase(%d)", uint8(p))
}

// MarshalText writes the phase's name (JSON shows names).
func (p Phase) MarshalText() ([]byte, error) { return []byte(p.String()), nil }

// UnmarshalText reads a phase's name.
func (p *Phase) UnmarshalText(b []byte) error {
	for i, n := range phaseNames {
		if n == string(b) {
			*p = Phase(i)
			return nil
		}
	}
	return fmt.Errorf("unknown tumbler phase %q", b)
}

// Ended says the round will not change again.
func (p Phase) Ended() bool { return p == Done || p == Failed }

// RoundInfo is what anyone may know about a round.
type RoundInfo struct {
	ID             wire.Hash `json:"id"` // hash of the announcement
	Denomination   uint64    `json:"denomination"`
	CoordinatorFee uint64    `json:"coordinator_fee"` // per input, base units
	TxFee          uint64    `json:"tx_fee"`          // per input: the tumble transaction's fee is this × inputs
	Min            int       `json:"min"`             // participants (inputs)
	Max            int       `json:"max"`
	Phase          Phase     `json:"phase"`
	Inputs         int       `json:"inputs"`
	Outputs        int       `json:"outputs"`           // denomination outputs registered so far
	Deadline       uint64    `json:"deadline"`          // root height the current phase ends at
	BlameOf        wire.Hash `json:"blame_of,omitzero"` // the failed round this one re-runs
	TxID           wire.Hash `json:"txid,omitzero"`     // once broadcast
	Coordinator    string    `json:"coordinator"`       // the coordinator's peer ID
	Mine           bool      `json:"mine,omitempty"`    // this node coordinates it
	Error          string    `json:"error,omitempty"`   // why it failed
}

// CoordinateConfig are a coordinator's terms; zero fields take defaults.
type CoordinateConfig struct {
	Denomination   uint64      `json:"denomination"` // from the standard series (Denominations)
	CoordinatorFee uint64      `json:"coordinator_fee"`
	TxFee          uint64      `json:"tx_fee"`
	Min            int         `json:"min"`
	Max            int         `json:"max"`
	FeeTo          wire.PubKey `json:"fee_to,omitzero"` // where the coordinator fee goes (zero: no fee output)
}

// JoinRequest asks to tumble Amount from one account. The key travels only
// over the authenticated local API and stays in memory.
type JoinRequest struct {
	// Secret is the 32-byte private key of the paying account: it signs
	// the input registration and the MuSig2 partial signature.
	Secret []byte `json:"secret"`
	// Amount is what is taken from the account: at least the round's
	// denomination plus its fees; what is left over goes to Change.
	Amount uint64 `json:"amount"`
	// To is the fresh address that receives the denomination (never used
	// before, never linked to the account).
	To wire.PubKey `json:"to"`
	// Change receives the leftover (zero: the paying account itself).
	Change wire.PubKey `json:"change,omitzero"`
	// BlameTo are more fresh addresses, one for each blame round this
	// registration may go on to, used in order. A blame round never reuses
	// To: the coordinator would see which output of the failed round is
	// missing from it, the blamed participant's. With none left, the
	// registration leaves the blame round (nothing moves, nothing banned).
	BlameTo []wire.PubKey `json:"blame_to,omitempty"`
	// Round picks a round (zero: the newest open round whose
	// denomination fits Amount).
	Round wire.Hash `json:"round,omitzero"`
	// Denomination picks among open rounds (0: the largest that fits).
	Denomination uint64 `json:"denomination,omitempty"`
	// AutoSign co-signs as soon as the batch passes every check.
	AutoSign bool `json:"auto_sign,omitempty"`
	// Handed: this node never registers the output; the token is handed
	// to To's owner, who registers it (a private settlement, private.go).
	Handed bool `json:"handed,omitempty"`
}

// Registration is one input this node registered and what became of it.
type Registration struct {
	Round    wire.Hash   `json:"round"`
	Input    wire.PubKey `json:"input"`
	Amount   uint64      `json:"amount"`
	To       wire.PubKey `json:"to"` // the current round's output address (in a blame round, a BlameTo one)
	Change   wire.PubKey `json:"change"`
	Leftover uint64      `json:"leftover"` // to Change
	Phase    Phase       `json:"phase"`
	// State is the participant's step: "registered", "output-registered",
	// "review", "signing", "signed", "done", "failed", "banned", or
	// "interrupted" (the node restarted after giving its nonce: it does
	// not sign that round).
	State    string    `json:"state"`
	AutoSign bool      `json:"auto_sign,omitempty"`
	TxID     wire.Hash `json:"txid,omitzero"`
	Error    string    `json:"error,omitempty"`
}

// Review is a built batch as one participant sees it.
type Review struct {
	Round   RoundInfo      `json:"round"`
	Inputs  []ReviewInput  `json:"inputs"`
	Outputs []ReviewOutput `json:"outputs"`
	// Fee is what this participant pays beyond the denomination and its
	// leftover (coordinator fee plus its share of the tx fee); TxFee is
	// the whole transaction's fee.
	Fee   uint64 `json:"fee"`
	TxFee uint64 `json:"tx_fee"`
	// OK says every check passed; otherwise Problem says why not.
	OK      bool   `json:"ok"`
	Problem string `json:"problem,omitempty"`
	Signed  bool   `json:"signed,omitempty"`
}

// ReviewInput is one input of a batch.
type ReviewInput struct {
	Key    wire.PubKey `json:"key"`
	Amount uint64      `json:"amount"`
	Mine   bool        `json:"mine,omitempty"`
}

// ReviewOutput is one output of a batch.
type ReviewOutput struct {
	To     wire.PubKey `json:"to"`
	Amount uint64      `json:"amount"`
	Mine   bool        `json:"mine,omitempty"`
	// Kind: "denomination", "change" or "fee" (the coordinator's).
	Kind string `json:"kind"`
}

// Event is one phase change of a round.
type Event struct {
	Round wire.Hash `json:"round"`
	Phase Phase     `json:"phase"`
	State string    `json:"state,omitempty"` // my registration's state, when I am in it
	Error string    `json:"error,omitempty"`
}

// Errors of the API.
var (
	ErrNoRound       = errors.New("tumbler: no such round (see `bitverse tumbler rounds`)")
	ErrNoOpenRound   = errors.New("tumbler: no open round takes this amount: wait for one, or coordinate one with `bitverse tumbler coordinate`")
	ErrNoBatch       = errors.New("tumbler: the round has no batch yet")
	ErrNotIn         = errors.New("tumbler: this node has no registration in that round")
	ErrNoTumbler     = errors.New("this node runs no tumbler: start it without --no-tumbler")
	ErrBanned        = errors.New("tumbler: this input is banned for a while (it registered and did not sign)")
	ErrCheckFailed   = errors.New("tumbler: the batch failed a check; it will not be signed")
	ErrNotSignable   = errors.New("tumbler: the round is not signing")
	ErrAlreadySigned = errors.New("tumbler: already signed")
)

// Joinable reports whether a join may pick the round: it takes inputs, or
// is announced and about to (Join waits for it to open); a blame round is
// only for the inputs that signed the round it replays.
func (r RoundInfo) Joinable() bool {
	return (r.Phase == Announced || r.Phase == InputRegistration) && r.BlameOf.IsZero()
}
