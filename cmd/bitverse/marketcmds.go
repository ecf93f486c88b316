package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/bitverse/bitverse/node"
	"github.com/bitverse/bitverse/node/market"
	"github.com/bitverse/bitverse/node/rpc"
	"github.com/bitverse/bitverse/node/wire"
	"github.com/bitverse/bitverse/wallet"
	"github.com/bitverse/bitverse/wallet/plan"
	"github.com/spf13/cobra"
)

// marketCommands are request, requests and serve; `bounty accept` is
// bountyAcceptCmd, added to the bounty command.
func marketCommands() []*cobra.Command {
	return []*cobra.Command{requestCmd(), requestsCmd(), serveCmd()}
}

type requestFlags struct {
	quote    bool
	row      int
	maxPrice string
	deadline uint64
	out      string
	wait     time.Duration
	ttl      int
	yes      bool
	private  bool
}

func requestCmd() *cobra.Command {
	var f requestFlags
	c := &cobra.Command{
		Use:   "request EXPR",
		Short: "Ask the network to compute EXPR: quote, fund a bounty, get the result, settle",
		Long: `Ask for the value of a request expression: (K) fetches key K, (F)(X)
applies the transform stored at key F to the value of X; chains apply
right to left.

The request is gossiped; serving nodes (this one too, if it serves) answer
with signed offers, and the node turns them and the on-chain reputation
ledger into a price table. With --quote the table is printed and nothing
is spent. Otherwise a bounty for the chosen row is funded from the wallet
(after confirmation), the worker accepts, computes, commits to the result
on chain and delivers it; the node checks it against the commitment, the
result is written (--out) and the bounty is settled, paying the worker.

With --private no bounty goes on chain: the worker's price is paid as one
tumbler denomination (the smallest open round's denomination at least the
price) through the next round, to a fresh address of the worker, so the
chain shows no link between you and the worker. The worker sends the
result's signed hash once its output is registered, this node co-signs,
and the result comes once the tumble paid the worker. A private
settlement leaves no reputation record on chain (zero-hop rows only).

Examples:
  bitverse request '("photo filters/black and white")("erik/photos/3j903")' --quote
  bitverse request '("public/hello")' --private --row 0
  bitverse request '("photo filters/black and white")("erik/photos/3j903")' --row 0 --out bw.png`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, cancel := signalContext(cmd.Context())
			defer cancel()
			if cmd.Flags().Changed("row") && f.maxPrice != "" {
				return errors.New("choose a row with --row or a price with --max-price, not both")
			}
			if !cmd.Flags().Changed("row") {
				f.row = -1
			}
			return runRequest(ctx, args[0], f)
		},
	}
	fl := c.Flags()
	fl.BoolVar(&f.quote, "quote", false, "print the price table and stop (spends nothing)")
	fl.IntVar(&f.row, "row", 0, "fund this row of the table (0: the cheapest)")
	fl.StringVar(&f.maxPrice, "max-price", "", "fund the most reliable row costing at most this (BVS)")
	fl.Uint64Var(&f.deadline, "deadline", 40, "blocks from now by which the result must be committed, else the bounty refunds")
	fl.StringVar(&f.out, "out", "", "write the result to this file (default: print text results)")
	fl.DurationVar(&f.wait, "wait-offers", 15*time.Second, "how long to collect offers")
	fl.IntVar(&f.ttl, "ttl", 0, "seconds the request lives (default: the node's)")
	fl.BoolVarP(&f.yes, "yes", "y", false, "do not ask for confirmation")
	fl.BoolVar(&f.private, "private", false, "settle through the next tumbler round: no bounty on chain, no link between you and the worker")
	addJSON(c)
	return c
}

// requestOut is what `request --json` prints.
type requestOut struct {
	Request  wire.Hash  `json:"request"`
	Expr     string     `json:"expr"`
	Table    *tableOut  `json:"table"`
	Row      int        `json:"row,omitempty"`
	Bounty   *wire.Hash `json:"bounty,omitempty"`
	Amount   uint64     `json:"amount,omitempty"`
	Envelope *wire.Hash `json:"envelope,omitempty"`
	Kind     string     `json:"kind,omitempty"`
	Size     int        `json:"size,omitempty"`
	Fuel     uint64     `json:"fuel,omitempty"`
	Out      string     `json:"out,omitempty"`
	Settle   *wire.Hash `json:"settle,omitempty"`
	State    string     `json:"state,omitempty"`
	// Timings break the request's latency down (milliseconds).
	Timings map[string]int64 `json:"timings,omitempty"`
	// Private is the private settlement (--private).
	Private *market.PrivateJob `json:"private,omitempty"`
}

func progress(format string, args ...any) {
	if !g.jsonOut {
		fmt.Fprintf(os.Stderr, format+"\n", args...)
	}
}

func runRequest(ctx context.Context, text string, f requestFlags) error {
	cl, err := dial()
	if err != nil {
		return err
	}
	m := cl.Market()
	res := requestOut{Timings: map[string]int64{}}
	start := time.Now()
	q, err := m.Quote(ctx, text, market.QuoteOptions{TTL: f.ttl})
	if err != nil {
		return err
	}
	res.Request, res.Expr = q.Request, q.Expr
	progress("request %s %s: collecting offers…", q.Request.Short(), q.Expr)
	tb, err := collectOffers(ctx, m, text, q.Request, f)
	if err != nil {
		return err
	}
	res.Table = tableView(tb)
	res.Timings["quote"] = time.Since(start).Milliseconds()
	if f.quote {
		return out(res, func(o io.Writer) { printTable(o, tb) })
	}
	row, err := chooseRow(tb, f)
	if err != nil {
		return err
	}
	res.Row = row
	r := tb.Rows[row]
	p, err := params()
	if err != nil {
		return err
	}
	if f.private {
		return runPrivate(ctx, cl, m, p.Net, tb, row, f, &res, start)
	}
	st, err := cl.Status(ctx)
	if err != nil {
		return err
	}
	w, acct, err := openAccount()
	if err != nil {
		return err
	}
	in := plan.Bounty{Request: q.Request, Row: uint8(row), Hops: uint8(r.Hops), Amount: r.Price, Deadline: st.Height + f.deadline, Worker: r.Worker}
	pl, err := planFor(ctx, cl, acct, in, "")
	if err != nil {
		return err
	}
	if !f.yes && !g.jsonOut {
		printTable(os.Stderr, tb)
		ok, err := confirm(fmt.Sprintf("%s, row %d: %s to %s, deadline block %d (fee %s)? [y/N] ",
			describePlan(pl), row, bvs(r.Price), wire.EncodeAddress(p.Net, r.Worker), in.Deadline, bvs(pl.Fee)))
		if err != nil {
			return err
		}
		if !ok {
			return errors.New("cancelled; nothing was sent")
		}
	}
	if err := pl.Sign(func(tx *wire.Tx) error { return w.Sign(g.account, tx) }); err != nil {
		return err
	}
	t0 := time.Now()
	ids, err := pl.Submit(ctx, cl)
	if err != nil {
		return err
	}
	bounty := ids[len(ids)-1]
	res.Bounty, res.Amount = &bounty, r.Price
	progress("bounty %s funded with %s; waiting for the worker…", bounty.Short(), bvs(r.Price))
	result, err := followBounty(ctx, cl, m, bounty, res.Timings, t0)
	if err != nil {
		return err
	}
	res.Envelope, res.Kind, res.Size, res.Fuel = &result.Envelope, result.Kind, len(result.Value), result.Fuel
	if f.out != "" {
		if err := os.WriteFile(f.out, result.Value, 0o644); err != nil {
			return fmt.Errorf("write the result: %w", err)
		}
		res.Out = f.out
	}
	settle, err := settleBounty(ctx, cl, w, acct, bounty, res.Timings)
	if err != nil {
		return err
	}
	res.Settle, res.State = &settle, market.StateSettled
	res.Timings["total"] = time.Since(start).Milliseconds()
	return out(res, func(o io.Writer) {
		if f.out != "" {
			fmt.Fprintf(o, "wrote %d bytes (%s) to %s\n", len(result.Value), result.Kind, f.out)
		} else {
			fmt.Fprintf(o, "%s\n", result.Value)
		}
		fmt.Fprintf(o, "bounty %s settled: %s paid to the worker (checked against envelope %s, %d fuel)\n",
			bounty.Short(), bvs(r.Price), result.Envelope.Short(), result.Fuel)
	})
}

// collectOffers polls the table until it has a zero-hop row and either
// --wait-offers passed or no new offer came for a second.
func collectOffers(ctx context.Context, m market.API, text string, id wire.Hash, f requestFlags) (*market.Table, error) {
	deadline := time.Now().Add(f.wait)
	var tb *market.Table
	last, lastAt := -1, time.Now()
	for i := 0; ; i++ {
		var err error
		if i > 0 && i%15 == 0 {
			// Quoting again re-gossips the request for peers that
			// joined since.
			if _, err := m.Quote(ctx, text, market.QuoteOptions{TTL: f.ttl}); err != nil {
				return nil, err
			}
		}
		if tb, err = m.Table(ctx, id); err != nil {
			return nil, err
		}
		if tb.Offers != last {
			last, lastAt = tb.Offers, time.Now()
		}
		if tb.Offers > 0 && time.Since(lastAt) > time.Second {
			return tb, nil
		}
		if time.Now().After(deadline) {
			if tb.Offers == 0 {
				return nil, fmt.Errorf("no offer in %v: no serving node answered (start one with `bitverse node --serve`, or `bitverse serve on` on this one)", f.wait)
			}
			return tb, nil
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// chooseRow picks the row --row or --max-price names, else row 0.
func chooseRow(tb *market.Table, f requestFlags) (int, error) {
	if f.maxPrice != "" {
		max, err := wire.ParseAmount(f.maxPrice)
		if err != nil {
			return 0, fmt.Errorf("--max-price: %w", err)
		}
		best := -1
		for i, r := range tb.Rows {
			if !r.NeedsRelays && r.Price <= max {
				best = i
			}
		}
		if best < 0 {
			return 0, fmt.Errorf("no row costs at most %s (the cheapest is %s)", bvs(max), bvs(tb.Rows[0].Price))
		}
		return best, nil
	}
	row := max(f.row, 0)
	if row >= len(tb.Rows) {
		return 0, fmt.Errorf("the table has %d rows (0 to %d); there is no row %d", len(tb.Rows), len(tb.Rows)-1, row)
	}
	if tb.Rows[row].NeedsRelays {
		return 0, fmt.Errorf("row %d needs %d relays, more than the registry can draw now; pick a row with fewer hops", row, tb.Rows[row].Hops)
	}
	return row, nil
}

func printTable(o io.Writer, tb *market.Table) {
	p, _ := params()
	fmt.Fprintf(o, "request %s: %d offers\n", tb.Request.Short(), tb.Offers)
	fmt.Fprintln(o, "ROW\tRELIABILITY\tHOPS\tLATENCY\tPRICE\tWORKER")
	for i, r := range tb.Rows {
		worker := wire.EncodeAddress(p.Net, r.Worker)
		if r.NeedsRelays {
			worker = "needs relays"
		}
		fmt.Fprintf(o, "%d\t%s\t%d\t%d ms\t%s\t%s\n", i, strconv.FormatFloat(r.Reliability, 'f', -1, 64), r.Hops, r.LatencyMS, bvs(r.Price), worker)
	}
}

// followBounty waits for the worker to accept and commit and for the
// result to arrive, printing each step; it fails when the bounty closes
// without a result.
func followBounty(ctx context.Context, cl *rpc.Client, m market.API, id wire.Hash, timings map[string]int64, t0 time.Time) (*market.Result, error) {
	state := ""
	mark := t0
	step := func(name string) {
		timings[name] = time.Since(mark).Milliseconds()
		mark = time.Now()
	}
	for {
		b, err := cl.Bounty(ctx, id)
		if err != nil && !errors.Is(err, node.ErrNotFound) {
			return nil, err
		}
		if err == nil && b.State != state {
			switch b.State {
			case market.StateOpen:
				step("bounty_confirmation")
				progress("bounty %s in block %d; waiting for the worker to accept…", id.Short(), b.Created)
			case market.StateAccepted:
				if state == "" {
					step("bounty_confirmation")
				}
				step("accept")
				progress("accepted by %s; computing…", b.Worker)
			case market.StateCommitted, market.StateSettled:
				if state == "" || state == market.StateOpen {
					step("accept")
				}
				step("compute")
				progress("result committed (envelope %s); waiting for delivery…", b.Envelope.Short())
			default:
				return nil, fmt.Errorf("bounty %s was %s without a result for this node", id.Short(), b.State)
			}
			state = b.State
		}
		if state == market.StateCommitted || state == market.StateSettled {
			r, err := m.Result(ctx, id)
			if err == nil {
				step("delivery")
				return r, nil
			}
			if !errors.Is(err, market.ErrNoResult) {
				return nil, err
			}
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("stopped waiting; bounty %s is %s (see bitverse bounty show %s)", id.Short(), state, id)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// settleBounty pays the worker and waits for the settle to be mined.
func settleBounty(ctx context.Context, cl *rpc.Client, w *wallet.Wallet, acct wallet.Account, id wire.Hash, timings map[string]int64) (wire.Hash, error) {
	t := time.Now()
	pl, err := planFor(ctx, cl, acct, plan.Settle{Bounty: id}, "")
	if err != nil {
		return wire.Hash{}, fmt.Errorf("settle: %w", err)
	}
	if err := pl.Sign(func(tx *wire.Tx) error { return w.Sign(g.account, tx) }); err != nil {
		return wire.Hash{}, err
	}
	ids, err := pl.Submit(ctx, cl)
	if err != nil {
		return wire.Hash{}, fmt.Errorf("settle: %w", err)
	}
	progress("settling bounty %s…", id.Short())
	for {
		b, err := cl.Bounty(ctx, id)
		if err != nil {
			return wire.Hash{}, err
		}
		if b.State == market.StateSettled {
			timings["settlement"] = time.Since(t).Milliseconds()
			return ids[len(ids)-1], nil
		}
		if b.State != market.StateCommitted {
			return wire.Hash{}, fmt.Errorf("bounty %s is %s, not settled", id.Short(), b.State)
		}
		select {
		case <-ctx.Done():
			return wire.Hash{}, fmt.Errorf("stopped waiting; the settle of bounty %s is pending", id.Short())
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func requestsCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "requests",
		Short: "List the live requests this node has seen (its own and gossiped ones)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			cl, err := dial()
			if err != nil {
				return err
			}
			rs, err := cl.Market().Requests(cmd.Context())
			if err != nil {
				return err
			}
			if rs == nil {
				rs = []market.RequestInfo{}
			}
			return out(rs, func(o io.Writer) {
				if len(rs) == 0 {
					fmt.Fprintln(o, "no live requests")
					return
				}
				fmt.Fprintln(o, "REQUEST\tMINE\tOFFERS\tEXPIRES\tEXPR")
				for _, r := range rs {
					fmt.Fprintf(o, "%s\t%v\t%d\tin %v\t%s\n", r.Request.Short(), r.Mine, r.Offers,
						time.Until(time.Unix(r.Expires, 0)).Round(time.Second), r.Expr)
				}
			})
		},
	}
	addJSON(c)
	return c
}

// serveOut is what `serve --json` prints: the identity as an address.
type serveOut struct {
	On       bool          `json:"on"`
	Identity string        `json:"identity,omitempty"`
	Prices   market.Prices `json:"prices"`
	Jobs     int           `json:"jobs"`
	Earned   uint64        `json:"earned"`
}

// tableOut is a price table as --json prints it: workers as addresses.
type tableOut struct {
	Request wire.Hash `json:"request"`
	Offers  int       `json:"offers"`
	Rows    []rowOut  `json:"rows"`
}

type rowOut struct {
	Reliability float64 `json:"reliability"`
	Hops        int     `json:"hops"`
	LatencyMS   int64   `json:"latency_ms"`
	Price       uint64  `json:"price"`
	Worker      string  `json:"worker"`
	NeedsRelays bool    `json:"needs_relays,omitempty"`
}

func tableView(tb *market.Table) *tableOut {
	p, _ := params()
	v := &tableOut{Request: tb.Request, Offers: tb.Offers, Rows: make([]rowOut, len(tb.Rows))}
	for i, r := range tb.Rows {
		v.Rows[i] = rowOut{Reliability: r.Reliability, Hops: r.Hops, LatencyMS: r.LatencyMS, Price: r.Price,
			Worker: wire.EncodeAddress(p.Net, r.Worker), NeedsRelays: r.NeedsRelays}
	}
	return v
}

func serveCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "serve [on|off]",
		Short: "Turn serving compute on or off, or show it (the node needs a serve identity: bitverse node --serve)",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cl, err := dial()
			if err != nil {
				return err
			}
			m := cl.Market()
			var st *market.ServeStatus
			switch {
			case len(args) == 0:
				st, err = m.ServeStatus(cmd.Context())
			case args[0] == "on" || args[0] == "off":
				st, err = m.Serve(cmd.Context(), args[0] == "on")
			default:
				return fmt.Errorf("serve takes on or off, not %q", args[0])
			}
			if errors.Is(err, market.ErrNotServing) {
				return errors.New("this node has no serve identity: restart it with `bitverse node --serve` (it unlocks the wallet account that signs offers and is paid)")
			}
			if err != nil {
				return err
			}
			p, _ := params()
			view := serveOut{On: st.On, Prices: st.Prices, Jobs: st.Jobs, Earned: st.Earned}
			if !st.Identity.IsZero() {
				view.Identity = wire.EncodeAddress(p.Net, st.Identity)
			}
			return out(view, func(o io.Writer) {
				onoff := "off"
				if st.On {
					onoff = "on"
				}
				fmt.Fprintf(o, "serving: %s\n", onoff)
				if !st.Identity.IsZero() {
					fmt.Fprintf(o, "identity: %s\n", wire.EncodeAddress(p.Net, st.Identity))
				}
				fmt.Fprintf(o, "prices: %d per 1000 fuel, %d per 1000 bytes, at least %s\n", st.Prices.PerFuel, st.Prices.PerByte, bvs(st.Prices.Min))
				fmt.Fprintf(o, "jobs in progress: %d\nearned: %s\n", st.Jobs, bvs(st.Earned))
			})
		},
	}
	addJSON(c)
	return c
}

// addBountyAccept adds `accept` to the bounty command (bountycmds.go):
// the worker's side of a bounty is the market service's.
func addBountyAccept(cs []*cobra.Command) {
	for _, c := range cs {
		if c.Name() == "bounty" {
			c.AddCommand(bountyAcceptCmd())
		}
	}
}

// bountyAcceptCmd is `bounty accept ID`: this node's worker takes the bounty.
func bountyAcceptCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "accept ID",
		Short: "Have this node's worker accept an open bounty (or one naming it) and do the job",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := wire.ParseHash(strings.TrimSpace(args[0]))
			if err != nil {
				return fmt.Errorf("bounty ID: %w", err)
			}
			cl, err := dial()
			if err != nil {
				return err
			}
			if err := cl.Market().Take(cmd.Context(), id); err != nil {
				if errors.Is(err, market.ErrNotServing) {
					return errors.New("this node does not serve compute: `bitverse serve on` (after starting it with --serve)")
				}
				return err
			}
			return out(map[string]any{"bounty": id, "taken": true}, func(o io.Writer) {
				fmt.Fprintf(o, "the worker will accept bounty %s at the next block and do the job\n", id.Short())
			})
		},
	}
	addJSON(c)
	return c
}
