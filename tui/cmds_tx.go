package tui

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/bitverse/bitverse/node"
	"github.com/bitverse/bitverse/node/consensus"
	"github.com/bitverse/bitverse/node/wire"
	"github.com/bitverse/bitverse/tui/internal/view"
)

// The commands that prepare, sign and submit transactions. Each prepare
// command returns one preparedMsg carrying the request ID it was given
// and a signed plan (review.go); submitCmd and waitTxCmd carry it too.

// signFunc signs a transaction with the paying account's key.
type signFunc func(tx *wire.Tx) error

// onePlan is a plan of one step.
func onePlan(tx *wire.Tx, what string) *plan { return &plan{steps: []planStep{{tx: tx, what: what}}} }

// prepareTxCmd fetches the sender's next nonce, sets the lowest fee the
// rules allow and has the wallet sign. sign returns the signed tx for a
// nonce and fee; what names it.
func prepareTxCmd(ctx context.Context, api node.API, p *consensus.Params, id reqID, from string,
	body wire.Body, what string, sign func(nonce, fee uint64) (*wire.Tx, error)) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := withTimeout(ctx)
		defer cancel()
		acct, err := api.Account(ctx, from)
		if err != nil {
			return preparedMsg{id: id, err: err}
		}
		fee := minFee(p, body, acct.NextNonce)
		tx, err := sign(acct.NextNonce, fee)
		if err != nil {
			return preparedMsg{id: id, err: err}
		}
		return preparedMsg{id: id, plan: onePlan(tx, what)}
	}
}

// minFee is the lowest fee of a root transaction carrying body at nonce.
// The size of a transaction does not depend on who signs it, so an
// unsigned copy gives the size of the signed one.
func minFee(p *consensus.Params, body wire.Body, nonce uint64) uint64 {
	return minFeeOn(p, wire.RootChain, body, nonce)
}

// minFeeOn is minFee for a transaction on chain id.
func minFeeOn(p *consensus.Params, id wire.ChainID, body wire.Body, nonce uint64) uint64 {
	tx := wire.NewTx(id, body, nonce, 0)
	return p.SetMinFee(tx)
}

// prepareBranchPutCmd builds and signs a write of value at key on branch
// chain chain, as `bitverse put --depth` does: it is paid from the
// sender's write credit on the chain (the nonce is the chain's), and when
// the credit does not cover the fee, a root Stamp of the shortfall comes
// first in the plan, which then waits for a block to hold it.
func prepareBranchPutCmd(ctx context.Context, api node.API, p *consensus.Params, id reqID, from, payer, key string,
	value []byte, chain wire.ChainID, sign signFunc) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := withTimeout(ctx)
		defer cancel()
		fail := func(err error) tea.Msg { return preparedMsg{id: id, err: err} }
		credit, err := api.Credit(ctx, from, chain.String())
		if err != nil {
			return fail(err)
		}
		tx := wire.NewTx(chain, wire.Put{Key: key, Value: value}, credit.NextNonce, 0)
		p.SetMinFee(tx)
		pl := &plan{available: credit.Available, wait: true}
		if credit.Available < tx.Fee {
			acct, err := api.Account(ctx, from)
			if err != nil {
				return fail(err)
			}
			need := tx.Fee - credit.Available
			st := wire.NewTx(wire.RootChain, wire.Stamp{Chain: chain, Amount: need}, acct.NextNonce, 0)
			p.SetMinFee(st)
			if total, err := wire.AddAmounts(need, st.Fee); err != nil || total > acct.Balance {
				return fail(fmt.Errorf("writing on chain %s needs %s more write credit: stamping it costs that plus a fee of %s, but %s can spend only %s. Mine a few blocks (m) and wait for the rewards to mature",
					chain, view.Amount(need), view.Amount(st.Fee), payer, view.Amount(acct.Balance)))
			}
			if err := sign(st); err != nil {
				return fail(err)
			}
			pl.steps = append(pl.steps, planStep{tx: st, what: "the stamp"})
		}
		if err := sign(tx); err != nil {
			return fail(err)
		}
		pl.steps = append(pl.steps, planStep{tx: tx, what: "the write"})
		return preparedMsg{id: id, plan: pl}
	}
}

// signBody fetches from's next nonce, sets the lowest fee, checks that the
// balance covers cost plus the fee and signs.
func signBody(ctx context.Context, api node.API, p *consensus.Params, from, payer string, body wire.Body,
	cost uint64, what string, sign signFunc) (*wire.Tx, error) {
	acct, err := api.Account(ctx, from)
	if err != nil {
		return nil, err
	}
	tx := wire.NewTx(wire.RootChain, body, acct.NextNonce, 0)
	p.SetMinFee(tx)
	if total, err := wire.AddAmounts(cost, tx.Fee); err != nil || total > acct.Balance {
		return nil, fmt.Errorf("%s costs %s plus a fee of %s, but %s can spend only %s. Mine a few blocks (m) and wait for the rewards to mature",
			what, view.Amount(cost), view.Amount(tx.Fee), payer, view.Amount(acct.Balance))
	}
	if err := sign(tx); err != nil {
		return nil, err
	}
	return tx, nil
}

// prepareBuyCmd reads and checks the script file (if any), then builds and
// signs the purchase of name at price.
func prepareBuyCmd(ctx context.Context, api node.API, p *consensus.Params, id reqID, from, payer, name string, price uint64,
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
		ctx, cancel := withTimeout(ctx)
		defer cancel()
		body := wire.KeyspaceBuy{Name: name, Script: src, MaxPrice: price}
		tx, err := signBody(ctx, api, p, from, payer, body, price, "Buying "+name, sign)
		if err != nil {
			return preparedMsg{id: id, err: err}
		}
		return preparedMsg{id: id, plan: onePlan(tx, "the purchase of "+name), script: src}
	}
}

// prepareScriptCmd reads the edited file (and removes it), and if the
// script changed and compiles, builds and signs the KeyspaceScript that
// installs it. An empty file removes the script.
func prepareScriptCmd(ctx context.Context, api node.API, p *consensus.Params, id reqID, from, payer, name, path string,
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
		} else if err := checkScript("the new access.js of "+name, src); err != nil {
			return preparedMsg{id: id, draft: src, err: err, onScript: true}
		}
		ctx, cancel := withTimeout(ctx)
		defer cancel()
		tx, err := signBody(ctx, api, p, from, payer, wire.KeyspaceScript{Name: name, Script: src}, 0,
			"Replacing the script of "+name, sign)
		if err != nil {
			return preparedMsg{id: id, draft: src, err: err}
		}
		return preparedMsg{id: id, plan: onePlan(tx, "the new script of "+name), script: src, draft: src}
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
