package script

import (
	"context"
	"errors"
	"time"
)

// Write is one proposed write into a keyspace, as the script sees it.
type Write struct {
	Key        string
	Value      []byte
	Signer     string // bech32m address text of the key that signed the write
	Prev       []byte // the key's current value, if PrevExists
	PrevExists bool
}

// Context is where the write happens: the keyspace whose script runs, its
// owner, and the block the write is validated for.
type Context struct {
	Keyspace string // the (sub-)keyspace whose access.js is running, e.g. "erik" or "erik/blog"
	Owner    string // address of the keyspace owner
	Height   uint64 // height of the block being validated (or the candidate block for mempool admission)
	Time     int64  // block time, unix milliseconds
	Chain    string // name of the chain the write lands in: "/" for the root, "01", ...
}

// Ledger answers the read-only ledger queries a script makes. It is called in
// the parent process, from the goroutine that called Validate, and must answer
// from the same state every node uses for this block.
//
// A well-formed but unknown address or keyspace is not an error: Balance and
// PaidTotal return 0 and Owner returns ok=false. An error means the ledger
// itself failed; Validate then fails with that error instead of deciding.
type Ledger interface {
	Balance(addr string) (uint64, error)
	PaidTotal(from, to string) (uint64, error) // total ever transferred from → to
	Owner(keyspace string) (owner string, ok bool, err error)
}

// Verdict is the outcome of running a script on a write.
type Verdict struct {
	Allowed bool
	Reason  string // a sentence for the writer; empty when allowed
	Fuel    uint64 // fuel the script used; 0 when an isolation guard ended it
	Code    Code   // which rule decided; CodeAllowed when allowed
}

// Runner runs validation scripts. A non-nil error means the runner itself
// failed (a ledger error, a cancelled context, a closed pool): it is never a
// script outcome. Every script outcome is a Verdict. A nil Ledger is an
// empty one: every balance and payment is 0 and no keyspace has an owner.
type Runner interface {
	Validate(ctx context.Context, p *Program, w Write, c Context, l Ledger) (Verdict, error)
}

// Errors returned by Compile and the runners. Compile errors wrap
// ErrCompile; test with errors.Is.
var (
	ErrCompile  = errors.New("access script rejected")
	ErrTooLarge = errors.New("access script is too large")
	// ErrTooComplex: more syntax nodes or deeper nesting than Compile takes.
	ErrTooComplex = errors.New("access script is too complex")
	ErrClosed     = errors.New("script pool is closed")
	ErrWorker     = errors.New("script worker failed")
)

// NewInProcess returns a Runner that executes scripts in this process. It
// is deterministic and metered exactly like the pool, but a script that
// outgrows the caps enforced by fuel can exhaust this process: use it only
// for trusted scripts, tests and benchmarks.
func NewInProcess() Runner {
	return newInProcess()
}

// NewInProcessWithGuard is NewInProcess with another guard than
// WallClockGuard: tests use a tiny one to see what callers do with a guard
// verdict (CodeTooSlow) on a script that fuel alone would let finish.
func NewInProcessWithGuard(guard time.Duration) Runner {
	r := newInProcess()
	r.guard = guard
	return r
}
