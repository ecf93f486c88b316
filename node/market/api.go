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
	// NeedsRelays marks rows with hops > 0 that cannot be funded until
	// relay lineups exist.
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
)
