package tui

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"github.com/bitverse/bitverse/wallet/plan"
	"os"
	"path/filepath"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/bitverse/bitverse/node"
	"github.com/bitverse/bitverse/node/consensus"
	"github.com/bitverse/bitverse/node/wire"
)

// The commands that prepare, sign and submit transactions. Each prepare
// command returns one preparedMsg carrying the request ID it was given
// and a signed plan (review.go); submitCmd and waitTxCmd carry it too.

// signFunc signs a transaction with the paying account's key.
type signFunc func(tx *wire.Tx) error

// errNoPlanner says the node cannot answer the planner's questions.
var errNoPlanner = errors.New("this node cannot preview transactions (it has no Preview); update it to send from the UI")

// makePlan has the planner (wallet/plan) turn intent into transactions
// for from, asking the node for nonces, credit, prices and its rules'
// verdict, so the UI signs what that node would accept; a refusal by the
// node's rules is returned as its rule error, before anything is signed.
func makePlan(ctx context.Context, api node.API, p *consensus.Params, from wire.PubKey, in plan.Intent, sign signFunc) (*txPlan, error) {
	pn, ok := api.(plan.Node)
	if !ok {
		return nil, errNoPlanner
	}
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	pl, err := plan.New(p, pn).Plan(ctx, from, in, plan.Options{})
	if err != nil {
		return nil, err
	}
	if err := pl.Verdict.Err(); err != nil {
		return nil, err
	}
	if err := pl.Sign(sign); err != nil {
		return nil, err
	}
	// A write paid by the credit its plan stamps is sent once a block holds
	// the stamp: a node whose mempool does not count pending stamps as
	// credit refuses it before (seen on a real node); waiting costs one
	// root block and works with every node.
	out := &txPlan{p: pl, wait: pl.Stamp() != nil}
	if pl.Credit != nil {
		out.available = pl.Credit.Available
	}
	for _, st := range pl.Steps {
		out.steps = append(out.steps, planStep{tx: st.Tx, what: st.What})
	}
	return out, nil
}

// prepareCmd plans, checks and signs intent; extra carries what the owner
// wants back with it (a keyspace's script).
func prepareCmd(ctx context.Context, api node.API, p *consensus.Params, id reqID, from wire.PubKey, in plan.Intent,
	sign signFunc, extra preparedMsg) tea.Cmd {
	return func() tea.Msg {
		extra.id = id
		extra.plan, extra.err = makePlan(ctx, api, p, from, in, sign)
		return extra
	}
}

// compileRefused is how the node words a script that does not compile
// (script.ErrCompile), before the compiler's reason.
const compileRefused = "access script rejected: "

// scriptProblem turns the node's refusal of a script that does not
// compile into a sentence naming it (what); ok is false for any other
// error.
func scriptProblem(what string, err error) (error, bool) {
	var re *consensus.RuleError
	if !errors.As(err, &re) || re.Code != consensus.ErrBadScript {
		return err, false
	}
	reason := re.Description
	if i := strings.LastIndex(reason, compileRefused); i >= 0 {
		reason = reason[i+len(compileRefused):]
	}
	return fmt.Errorf("%s does not compile: %s", what, reason), true
}

// prepareBuyCmd reads the script file (if any), then plans, checks (the
// node compiles the script) and signs the purchase of name at price.
func prepareBuyCmd(ctx context.Context, api node.API, p *consensus.Params, id reqID, from wire.PubKey, name string, price uint64,
	path string, sign signFunc) tea.Cmd {
	return func() tea.Msg {
		var src []byte
		if rest, ok := strings.CutPrefix(path, "~/"); ok {
			if home, err := os.UserHomeDir(); err == nil {
				path = filepath.Join(home, rest)
			}
		}
		if path != "" {
			var err error
			if src, err = readScript(path); err != nil {
				return preparedMsg{id: id, err: err, onScript: true}
			}
		}
		pl, err := makePlan(ctx, api, p, from, plan.BuyKeyspace{Name: name, Script: src, MaxPrice: price}, sign)
		if err != nil {
			err, bad := scriptProblem("the script "+filepath.Base(path), err)
			return preparedMsg{id: id, err: err, onScript: bad}
		}
		return preparedMsg{id: id, plan: pl, script: src}
	}
}

// prepareScriptCmd reads the edited file (and removes it), and if the
// script changed, plans, checks (the node compiles it and asks the
// current script) and signs the KeyspaceScript that installs it. An empty
// file removes the script.
func prepareScriptCmd(ctx context.Context, api node.API, p *consensus.Params, id reqID, from wire.PubKey, name, path string,
	orig []byte, sign signFunc) tea.Cmd {
	return func() tea.Msg {
		src, err := os.ReadFile(path)
		os.Remove(path)
		if err != nil {
			return preparedMsg{id: id, err: fmt.Errorf("cannot read the edited script: %w", err)}
		}
		if bytes.Equal(src, orig) {
			return preparedMsg{id: id, unchanged: true}
		}
		if len(bytes.TrimSpace(src)) == 0 {
			src = nil
		} else if err := checkScriptSize("the new access.js of "+name, src); err != nil {
			return preparedMsg{id: id, draft: src, err: err, onScript: true}
		}
		pl, err := makePlan(ctx, api, p, from, plan.SetScript{Name: name, Script: src}, sign)
		if err != nil {
			err, bad := scriptProblem("the new access.js of "+name, err)
			return preparedMsg{id: id, draft: src, err: err, onScript: bad}
		}
		return preparedMsg{id: id, plan: pl, script: src, draft: src}
	}
}

// submitCmd submits step step of request id's plan.
func submitCmd(ctx context.Context, api node.API, id reqID, step int, raw []byte) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := withTimeout(ctx)
		defer cancel()
		tx, err := api.SubmitTx(ctx, raw)
		return submittedMsg{id: id, step: step, tx: tx, err: err}
	}
}

// txPoll is how often waitTxCmd asks whether a transaction is in a block.
const txPoll = 300 * time.Millisecond

// waitTxCmd waits until transaction tx is in a block, or ctx is cancelled
// (the user stopped waiting).
func waitTxCmd(ctx context.Context, api node.API, id reqID, tx wire.Hash) tea.Cmd {
	return func() tea.Msg {
		for {
			cctx, cancel := withTimeout(ctx)
			info, err := api.Tx(cctx, tx)
			cancel()
			switch {
			case err == nil && !info.Pending:
				return txConfirmedMsg{id: id, tx: tx}
			case errors.Is(err, node.ErrNotFound):
				return txConfirmedMsg{id: id, tx: tx, err: fmt.Errorf("transaction %s left the mempool without confirming (replaced, or invalid after a reorg)", tx.Short())}
			case err != nil && ctx.Err() == nil && !errors.Is(err, context.DeadlineExceeded):
				return txConfirmedMsg{id: id, tx: tx, err: err}
			}
			select {
			case <-ctx.Done():
				return txConfirmedMsg{id: id, tx: tx, err: ctx.Err()}
			case <-time.After(txPoll):
			}
		}
	}
}
