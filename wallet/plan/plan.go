package plan

import (
	"context"
	"errors"
	"fmt"

	"github.com/bitverse/bitverse/node"
	"github.com/bitverse/bitverse/node/consensus"
	"github.com/bitverse/bitverse/node/wire"
)

// Errors of planning.
var (
	ErrOwned     = errors.New("already owned")
	ErrFeeTooLow = errors.New("fee is below the minimum")
	ErrBadIntent = errors.New("invalid intent")
)

// FundsError says that the balance does not cover a plan.
type FundsError struct {
	Need uint64 // what the plan spends from the balance: costs and fees
	Have uint64 // spendable balance, less what pending transactions spend
	// Pending is what the sender's pending transactions already spend.
	Pending uint64
	// What names what is being paid for ("stamping write credit on
	// chain 01"); empty for the plan as a whole.
	What string
}

func (e *FundsError) Error() string {
	what := "this"
	if e.What != "" {
		what = e.What
	}
	if e.Pending > 0 {
		return fmt.Sprintf("not enough funds: %s needs %s, spendable balance is %s once pending transactions (%s) are paid (wait for them to confirm, or mine a few blocks first)",
			what, bvs(e.Need), bvs(e.Have), bvs(e.Pending))
	}
	return fmt.Sprintf("not enough funds: %s needs %s, spendable balance is %s (mine a few blocks first, and wait for the rewards to mature)",
		what, bvs(e.Need), bvs(e.Have))
}

func bvs(units uint64) string { return wire.FormatAmount(units) + " BVS" }

// Node is what the planner asks of a node. *node.Node and rpc.Client
// implement it.
type Node interface {
	Account(ctx context.Context, addr string) (node.AccountInfo, error)
	Credit(ctx context.Context, addr, chain string) (*node.CreditInfo, error)
	Keyspace(ctx context.Context, name string) (*node.KeyspaceInfo, error)
	// For the market's intents: the tip height and a bounty.
	Status(ctx context.Context) (node.Status, error)
	Bounty(ctx context.Context, id wire.Hash) (*node.BountyInfo, error)
	// For the relay intents: a relay's registry record.
	Relay(ctx context.Context, id string) (*node.RelayInfo, error)
	// For the pool intents: a pool, a member's challenges, a holder's
	// tokens.
	Pool(ctx context.Context, id wire.Hash) (*node.PoolInfo, error)
	PoolChallenges(ctx context.Context, member wire.PubKey) ([]node.ChallengeInfo, error)
	Tokens(ctx context.Context, holder string) ([]node.TokenInfo, error)
	node.PreviewAPI
}

// Planner plans intents for one network against one node.
type Planner struct {
	params *consensus.Params
	node   Node
}

// New returns a planner using the network's rules p and asking n.
func New(p *consensus.Params, n Node) *Planner { return &Planner{params: p, node: n} }

// Options adjust a plan.
type Options struct {
	// Fee is the fee of the intent's own transaction (0: the minimum).
	// Transactions the planner adds (a stamp) pay the minimum.
	Fee uint64
}

// Step is one transaction of a plan.
type Step struct {
	// Tx has its chain, nonce, fee and sender set; it is signed by
	// Plan.Sign.
	Tx *wire.Tx `json:"-"`
	// What says what the step does, in a sentence.
	What string `json:"what"`
	// Cost is what the step spends beyond its fee: the amount sent, the
	// price burned, the credit stamped.
	Cost uint64 `json:"cost"`
	// Auto marks a step the planner added so that the intent can go
	// through (a stamp that covers missing write credit).
	Auto bool `json:"auto,omitempty"`
	// FromCredit: the fee is paid from write credit on the step's branch
	// chain, not from the balance.
	FromCredit bool `json:"from_credit,omitempty"`
}

// Plan is an intent made into transactions. JSON names are part of the
// CLI contract (`--json` output of the commands that send).
type Plan struct {
	From  string  `json:"from"`
	Steps []*Step `json:"steps"` // in the order to submit
	// Fee is the sum of the fees paid from the balance; CreditFee those
	// paid from write credit on branch chains.
	Fee       uint64 `json:"fee"`
	CreditFee uint64 `json:"credit_fee,omitempty"`
	// Cost is what the steps spend from the balance beyond their fees.
	Cost uint64 `json:"cost"`
	// Balance is the spendable balance the node reported; Spending what
	// the sender's pending transactions already spend of it. The plan
	// must fit in Balance − Spending.
	Balance  uint64 `json:"balance"`
	Spending uint64 `json:"spending,omitempty"`
	// Credit is the sender's write credit on the branch chain written to,
	// before the plan (nil for root intents); Shortfall is what it lacked
	// to pay the write's fee, which the plan's stamp step buys.
	Credit    *node.CreditInfo `json:"credit,omitempty"`
	Shortfall uint64           `json:"shortfall,omitempty"`
	// Verdict is the node's keyspace and access-script verdict on the
	// intent's transaction (nil for transactions no script judges).
	Verdict *node.Verdict `json:"verdict,omitempty"`
}

// Total is what the plan takes from the balance: costs plus fees.
func (pl *Plan) Total() uint64 { return pl.Cost + pl.Fee }

// Main returns the intent's own step (the last).
func (pl *Plan) Main() *Step { return pl.Steps[len(pl.Steps)-1] }

// Stamp returns the step that stamps missing write credit, or nil.
func (pl *Plan) Stamp() *Step {
	for _, s := range pl.Steps {
		if s.Auto {
			if _, ok := s.Tx.Body.(wire.Stamp); ok {
				return s
			}
		}
	}
	return nil
}

// Refused returns the node's refusal of the intent as an error wrapping
// the rule error (consensus.RuleError) submission would meet, or nil.
func (pl *Plan) Refused() error {
	if err := pl.Verdict.Err(); err != nil {
		return fmt.Errorf("the node would refuse this: %w", err)
	}
	return nil
}

// Sign signs every step with sign (wallet.Wallet.Sign of the account the
// plan was made for), checking that the signer is the plan's sender.
func (pl *Plan) Sign(sign func(*wire.Tx) error) error {
	for _, s := range pl.Steps {
		from := s.Tx.From
		if err := sign(s.Tx); err != nil {
			return err
		}
		if s.Tx.From != from {
			return fmt.Errorf("%w: signed by another key than the one the plan was made for", ErrBadIntent)
		}
	}
	return nil
}

// Submitter takes signed transactions (node.API has SubmitTx).
type Submitter interface {
	SubmitTx(ctx context.Context, raw []byte) (wire.Hash, error)
}

// Submit submits the signed steps in order, without waiting between them,
// and returns their IDs. It stops at the first refusal, returning the IDs
// of the steps already accepted (they stay pending).
func (pl *Plan) Submit(ctx context.Context, s Submitter) ([]wire.Hash, error) {
	ids := make([]wire.Hash, 0, len(pl.Steps))
	for i, st := range pl.Steps {
		id, err := s.SubmitTx(ctx, st.Tx.Encode())
		if err != nil {
			if len(pl.Steps) > 1 {
				return ids, fmt.Errorf("step %d of %d (%s): %w", i+1, len(pl.Steps), st.What, err)
			}
			return ids, err
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// Plan makes intent into a plan for the account from. A *FundsError, or an
// error of the intent, is returned with no plan; a refusal by the node's
// rules is returned in Plan.Verdict.
func (p *Planner) Plan(ctx context.Context, from wire.PubKey, in Intent, opt Options) (*Plan, error) {
	if from.IsZero() {
		return nil, fmt.Errorf("%w: no sender", ErrBadIntent)
	}
	// A plan that names the tip's epoch (a token redemption) is planned
	// again when a block opened the next epoch between reading the
	// chain and the node's verdict: the user asked for "now", not for
	// an epoch that just ended.
	for attempt := 1; ; attempt++ {
		pl, err := p.plan(ctx, from, in, opt)
		if err != nil || pl.Verdict == nil || pl.Verdict.OK || pl.Verdict.Code != consensus.ErrPoolEpoch || attempt == maxEpochReplans {
			return pl, err
		}
	}
}

// maxEpochReplans bounds Plan's attempts when epochs move under it.
const maxEpochReplans = 3

func (p *Planner) plan(ctx context.Context, from wire.PubKey, in Intent, opt Options) (*Plan, error) {
	b := &builder{ctx: ctx, p: p, from: from, opt: opt,
		plan: &Plan{From: wire.EncodeAddress(p.params.Net, from)}}
	if err := in.build(b); err != nil {
		return nil, err
	}
	pl := b.plan
	for _, s := range pl.Steps {
		if s.FromCredit {
			pl.CreditFee += s.Tx.Fee
			continue
		}
		pl.Fee += s.Tx.Fee
		pl.Cost += s.Cost
	}
	if b.acct != nil {
		// Planned against what pending transactions leave, as the
		// mempool admits: two sends back to back cannot both pass here
		// and one then fail there.
		pl.Balance, pl.Spending = b.acct.Balance, b.acct.Spending
		have := pl.Balance - min(pl.Spending, pl.Balance)
		if total, err := wire.AddAmounts(pl.Cost, pl.Fee); err != nil || total > have {
			if err != nil {
				total = ^uint64(0)
			}
			fe := &FundsError{Need: total, Have: have, Pending: pl.Spending}
			if st := pl.Stamp(); st != nil {
				fe.What = "stamping the missing write credit (" + bvs(pl.Shortfall) + ") on chain " + st.Tx.Body.(wire.Stamp).Chain.String()
			}
			return nil, fe
		}
	}
	if b.judge {
		raws := make([][]byte, len(pl.Steps))
		for i, s := range pl.Steps {
			raws[i] = s.Tx.Encode()
		}
		v, err := p.node.Preview(ctx, raws)
		if err != nil {
			return nil, err
		}
		pl.Verdict = v
	}
	return pl, nil
}

// builder collects an intent's steps, assigning root nonces in order and
// fees, and fetching the account once.
type builder struct {
	ctx   context.Context
	p     *Planner
	from  wire.PubKey
	opt   Options
	plan  *Plan
	acct  *node.AccountInfo
	nonce uint64 // next root nonce
	judge bool   // ask the node for a verdict on the last step
}

func (b *builder) account() (*node.AccountInfo, error) {
	if b.acct == nil {
		a, err := b.p.node.Account(b.ctx, b.plan.From)
		if err != nil {
			return nil, err
		}
		b.acct, b.nonce = &a, a.NextNonce
	}
	return b.acct, nil
}

// tx returns a transaction of body on chain id at nonce, with the fee
// given (0: the minimum), from the sender.
func (b *builder) tx(id wire.ChainID, body wire.Body, nonce, fee uint64) (*wire.Tx, error) {
	t := wire.NewTx(id, body, nonce, 0)
	t.From = b.from
	min := b.p.params.SetMinFee(t)
	if fee != 0 {
		t.Fee = fee
		if need := b.p.params.MinFee(t.Size()); fee < need {
			return nil, fmt.Errorf("%w: fee %s is below the minimum %s for this transaction", ErrFeeTooLow, bvs(fee), bvs(max(need, min)))
		}
	}
	return t, nil
}

// root adds a root step: the next root nonce, the fee given (0: the
// minimum).
func (b *builder) root(body wire.Body, cost, fee uint64, what string, auto bool) (*Step, error) {
	if _, err := b.account(); err != nil {
		return nil, err
	}
	t, err := b.tx(wire.RootChain, body, b.nonce, fee)
	if err != nil {
		return nil, err
	}
	b.nonce++
	s := &Step{Tx: t, What: what, Cost: cost, Auto: auto}
	b.plan.Steps = append(b.plan.Steps, s)
	return s, nil
}

func badIntent(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrBadIntent, fmt.Sprintf(format, args...))
}
