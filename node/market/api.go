package market

import (
	"context"
	"errors"

	"github.com/bitverse/bitverse/node/wire"
)

// API is what a face (CLI, TUI) needs from the market service. The
// service implements it in process; the local API client implements it
// over HTTP. On-chain state (bounties, reputation) is read through
// node.API (Bounty, Bounties, Reputation); transactions a user signs
// (bounty, settle, dispute, refund) are planned with wallet/plan and
// submitted with node.API.SubmitTx.
type API interface {
	// Quote parses expr, gossips the request and starts collecting
	// offers for it (this node's own offer included when it serves).
	// Quoting the same expression again returns the same request.
	Quote(ctx context.Context, expr string, opt QuoteOptions) (*Quote, error)
	// Table is the current price table of a request this node quoted:
	// a pure function of the offers so far and the reputation ledger.
	Table(ctx context.Context, request wire.Hash) (*Table, error)
	// Requests lists the live requests this node has seen (its own and
	// gossiped ones), newest first.
	Requests(ctx context.Context) ([]RequestInfo, error)
	// Result is the result delivered for a bounty, checked against the
	// envelope hash its worker committed on chain; ErrNoResult until then.
	Result(ctx context.Context, bounty wire.Hash) (*Result, error)
	// Serve turns serving compute on or off and returns the new status;
	// ServeStatus reads it.
	Serve(ctx context.Context, on bool) (*ServeStatus, error)
	ServeStatus(ctx context.Context) (*ServeStatus, error)
	// Take asks this node's worker to accept an open bounty (or one that
	// names it) and do the job.
	Take(ctx context.Context, bounty wire.Hash) error
	// Events streams market changes (offer, result, job state) until ctx
	// ends; a slow reader loses events, never blocks the service.
	Events(ctx context.Context) (<-chan Event, error)

	// Relay turns relaying on or off (it needs the serve identity; the
	// identity must also be registered on chain with `bitverse relay
	// register` to be drawn) and returns the new status; RelayStatus
	// reads it.
	Relay(ctx context.Context, on bool) (*RelayStatus, error)
	RelayStatus(ctx context.Context) (*RelayStatus, error)
	// RelayJobs lists the lineup and jury slots this node's identity was
	// drawn for: in flight first, then closed ones, newest first.
	RelayJobs(ctx context.Context) ([]RelayJob, error)
	// Draws lists the lineups that blocks mined to this node's mining
	// address drew, newest first, with the drawer's share.
	Draws(ctx context.Context) ([]Draw, error)

	// Private starts a private settlement of a quoted request with the
	// worker of one zero-hop offer: no bounty on chain, the payment goes
	// through the next tumbler round (PROTOCOL §18 "Private
	// settlements"). It returns at once; PrivateJobs shows the progress
	// and Result(job ID) reads the result.
	Private(ctx context.Context, o PrivateOptions) (*PrivateJob, error)
	// PrivateJobs lists this node's private settlements, newest first.
	PrivateJobs(ctx context.Context) ([]PrivateJob, error)
}

// RelayStatus says whether this node relays and what it earned.
type RelayStatus struct {
	On         bool        `json:"on"`
	Identity   wire.PubKey `json:"identity"`   // the serve identity that countersigns and is paid
	Registered bool        `json:"registered"` // in the on-chain relay registry
	Fee        uint64      `json:"fee"`        // registered fee (the least it relays for)
	Stake      uint64      `json:"stake"`      // escrowed stake
	InFlight   int         `json:"in_flight"`  // slots of unclosed bounties
	Done       int         `json:"done"`       // slots of closed bounties
	Earned     uint64      `json:"earned"`     // relay shares of settled bounties, base units
}

// RelayJob is one slot this node's identity holds or held.
type RelayJob struct {
	Bounty  wire.Hash `json:"bounty"`
	Request wire.Hash `json:"request"`
	Slot    int       `json:"slot"`
	Jury    bool      `json:"jury,omitempty"`
	// State: "waiting" (the step before is not on chain yet),
	// "computing", "countersigned", "disagreed" (it posted another result
	// than the worker's: a contest), "missed", "failed" (see Error),
	// then, once the bounty closed, "paid" or "closed".
	State  string    `json:"state"`
	Result wire.Hash `json:"result,omitzero"` // the result hash it countersigned
	Agreed bool      `json:"agreed,omitempty"`
	Amount uint64    `json:"amount"` // the bounty's amount
	Earned uint64    `json:"earned"` // its relay share, once settled
	Height uint64    `json:"height"` // of the slot's last change on chain
	Error  string    `json:"error,omitempty"`
}

// Draw is a lineup a block of this node drew.
type Draw struct {
	Bounty wire.Hash `json:"bounty"`
	Hops   int       `json:"hops"`
	Height uint64    `json:"height"` // of the drawing block
	Amount uint64    `json:"amount"`
	Share  uint64    `json:"share"` // the drawer's share of the amount
	Paid   bool      `json:"paid"`  // the bounty settled, so the share was paid
}

// QuoteOptions tune a quote.
type QuoteOptions struct {
	// TTL is how long the request lives in seconds (0: the default).
	TTL int `json:"ttl,omitempty"`
}

// Quote is a request this node gossiped.
type Quote struct {
	Request wire.Hash `json:"request"` // the request ID: hash of its canonical encoding
	Expr    string    `json:"expr"`    // canonical text
	Expires int64     `json:"expires"` // unix seconds
}

// Table is a price table: rows [reliability, hops, latency] → price,
// sorted by hops, then by reliability ascending; at one hop count a
// higher reliability never costs less.
type Table struct {
	Request wire.Hash `json:"request"`
	Offers  int       `json:"offers"` // offers it was built from
	Rows    []Row     `json:"rows"`
}

// Row is one way to get the result.
type Row struct {
	Reliability float64     `json:"reliability"` // probability a wrong or missing result is caught or refunded
	Hops        int         `json:"hops"`
	LatencyMS   int64       `json:"latency_ms"`
	Price       uint64      `json:"price"` // base units, the bounty amount
	Worker      wire.PubKey `json:"worker"`
	// NeedsRelays marked rows with hops > 0 before relay lineups
	// existed; the table now offers a row with hops only when the relay
	// registry can fill it, so it is always false. Kept for faces that
	// still read it.
	NeedsRelays bool `json:"needs_relays,omitempty"`
}

// RequestInfo is a live request.
type RequestInfo struct {
	Request wire.Hash `json:"request"`
	Expr    string    `json:"expr"`
	Mine    bool      `json:"mine"`
	Offers  int       `json:"offers"`
	Expires int64     `json:"expires"` // unix seconds
}

// Result is a delivered, checked result.
type Result struct {
	Bounty   wire.Hash `json:"bounty"`
	Request  wire.Hash `json:"request"`
	Envelope wire.Hash `json:"envelope"` // the hash committed on chain
	Kind     string    `json:"kind"`     // "bytes", "string" or "json"
	Value    []byte    `json:"value"`
	Fuel     uint64    `json:"fuel"`
	// Countersigns are the hashes of the relays' countersign envelopes,
	// in slot order, each checked against the chain (none at zero hops).
	Countersigns []wire.Hash `json:"countersigns,omitempty"`
}

// ServeStatus says whether this node serves compute and what it earned.
type ServeStatus struct {
	On       bool        `json:"on"`
	Identity wire.PubKey `json:"identity"` // the account that signs offers and is paid
	Prices   Prices      `json:"prices"`
	Jobs     int         `json:"jobs"`   // jobs in progress
	Earned   uint64      `json:"earned"` // settled to this identity, base units
}

// Prices are a serving node's terms: price = max(Min, PerFuel·fuel + PerByte·bytes).
type Prices struct {
	PerFuel uint64 `json:"per_fuel"` // base units per 1,000 fuel
	PerByte uint64 `json:"per_byte"` // base units per 1,000 bytes of input and output
	Min     uint64 `json:"min"`
}

// EventKind says what changed.
type EventKind string

// Event kinds.
const (
	EventOffer  EventKind = "offer"  // a new offer for a request of ours
	EventResult EventKind = "result" // a result arrived for a bounty of ours
	EventJob    EventKind = "job"    // a job of this worker changed state
	EventRelay  EventKind = "relay"  // a relay job of this node changed state
)

// Event is one market notification.
type Event struct {
	Kind    EventKind `json:"kind"`
	Request wire.Hash `json:"request,omitzero"`
	Bounty  wire.Hash `json:"bounty,omitzero"`
	State   string    `json:"state,omitempty"`
}

// Errors of the API.
var (
	ErrNoResult   = errors.New("market: no result yet")
	ErrNotServing = errors.New("market: this node does not serve compute (start it with --serve, or `bitverse serve on`)")
	ErrNoIdentity = errors.New("market: relaying needs the serve identity: start the node with --serve --relay")
	// ErrDisagreed: this node recomputed a relayed bounty's result and got
	// another one than its worker and every relay signed; the result is
	// not kept, and the bounty should be disputed.
	ErrDisagreed = errors.New("market: this node recomputed the result and got another one than the worker and its relays signed; it is not kept")
)
