package state

import (
	"github.com/bitverse/bitverse/node/consensus"
	"github.com/bitverse/bitverse/node/wire"
)

// applyTumble checks and applies a tumble (PROTOCOL §21): coins from every
// input account to the outputs, the fee to the block's miner. The envelope's
// signature (by From, the inputs' aggregate key) is the caller's to verify,
// as for every transaction. The checks run cheapest first: shape, envelope,
// fee floor, amounts and sums, then key aggregation (a scalar
// multiplication per input), then the input accounts. Nothing changes
// unless every check passes.
//
// No paid(from, to) totals are recorded: a tumble does not say which input
// paid which output, and access scripts must not be able to tell either.
func (b *Batch) applyTumble(t *wire.Tx, body wire.Tumble, size int) error {
	if err := body.CheckShape(); err != nil {
		return consensus.Rule(consensus.ErrBadTumble, "%v", err)
	}
	if t.Nonce != 0 {
		return consensus.Rule(consensus.ErrBadTumble, "a tumble's envelope nonce must be 0 (each input carries its own), not %d", t.Nonce)
	}
	if min := b.p.TxMinFee(t, size); t.Fee < min {
		return consensus.Rule(consensus.ErrFeeTooLow, "fee %d is below the minimum %d for a tumble of %d bytes and %d inputs",
			t.Fee, min, size, len(body.Inputs))
	}
	for i, in := range body.Inputs {
		if in.Amount == 0 {
			return consensus.Rule(consensus.ErrZeroAmount, "tumble input %d takes zero", i)
		}
	}
	for i, out := range body.Outputs {
		if out.Amount == 0 {
			return consensus.Rule(consensus.ErrZeroAmount, "tumble output %d pays zero", i)
		}
	}
	in, err := body.InputSum()
	if err != nil {
		return consensus.Rule(consensus.ErrAmountOverflow, "tumble inputs overflow")
	}
	out, err := body.OutputSum()
	if err != nil {
		return consensus.Rule(consensus.ErrAmountOverflow, "tumble outputs overflow")
	}
	want, err := wire.AddAmounts(out, t.Fee)
	if err != nil {
		return consensus.Rule(consensus.ErrAmountOverflow, "tumble outputs plus fee overflow")
	}
	if in != want {
		return consensus.Rule(consensus.ErrTumbleSum, "tumble inputs sum to %s BVS but outputs plus fee to %s BVS",
			wire.FormatAmount(in), wire.FormatAmount(want))
	}
	agg, err := wire.AggregateKey(body.Keys())
	if err != nil {
		return consensus.Rule(consensus.ErrBadTumble, "tumble input keys: %v", err)
	}
	if agg != t.From {
		return consensus.Rule(consensus.ErrTumbleKey, "a tumble must be signed by the aggregate of its %d input keys (%x…), not by %x…",
			len(body.Inputs), agg[:4], t.From[:4])
	}
	accts := make([]*Account, len(body.Inputs))
	for i, in := range body.Inputs {
		a, err := b.account(in.Key)
		if err != nil {
			return err
		}
		if in.Nonce != a.Nonce {
			return consensus.Rule(consensus.ErrBadNonce, "tumble input %d (%x…) has nonce %d, its account expects %d", i, in.Key[:4], in.Nonce, a.Nonce)
		}
		if a.Balance < in.Amount {
			return consensus.Rule(consensus.ErrInsufficientFunds, "tumble input %d (%x…) takes %s BVS but its balance is %s BVS",
				i, in.Key[:4], wire.FormatAmount(in.Amount), wire.FormatAmount(a.Balance))
		}
		accts[i] = a
	}
	fees, err := wire.AddAmounts(b.fees, t.Fee)
	if err != nil {
		return consensus.Rule(consensus.ErrAmountOverflow, "block fees overflow")
	}
	// Credits are checked for overflow against the balances after the
	// debits (an output may pay an input's own account) before anything
	// changes.
	credit := map[wire.PubKey]uint64{}
	for _, o := range body.Outputs {
		a, err := b.account(o.To)
		if err != nil {
			return err
		}
		base, ok := credit[o.To]
		if !ok {
			base = a.Balance
			for i, in := range body.Inputs {
				if in.Key == o.To {
					base -= body.Inputs[i].Amount
				}
			}
		}
		if credit[o.To], err = wire.AddAmounts(base, o.Amount); err != nil {
			return consensus.Rule(consensus.ErrAmountOverflow, "the balance of tumble output %x… overflows", o.To[:4])
		}
	}
	// Every check passed: mutate.
	for i, in := range body.Inputs {
		accts[i].Balance -= in.Amount
		accts[i].Nonce++
	}
	for to, bal := range credit {
		b.accounts[to].Balance = bal
	}
	b.fees = fees
	return nil
}
