package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/bitverse/bitverse/node/script"
	"github.com/bitverse/bitverse/node/wire"
	"github.com/spf13/cobra"
)

func scriptCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "script",
		Short: "Work with access.js scripts",
	}
	c.AddCommand(scriptTestCmd())
	return c
}

// flagLedger answers a dry run's ledger queries from flags.
type flagLedger struct {
	balances map[string]uint64
	paid     map[[2]string]uint64
	owners   map[string]string
}

func (l flagLedger) Balance(a string) (uint64, error)      { return l.balances[a], nil }
func (l flagLedger) PaidTotal(f, t string) (uint64, error) { return l.paid[[2]string{f, t}], nil }
func (l flagLedger) Owner(ks string) (string, bool, error) {
	o, ok := l.owners[ks]
	return o, ok, nil
}

func scriptTestCmd() *cobra.Command {
	var key, value, valueFile, signer, prev, owner, keyspace string
	var balances, paid, owners []string
	var height uint64
	var inProcess bool
	c := &cobra.Command{
		Use:   "test FILE --key KEY --value VALUE [--signer ADDRESS]",
		Short: "Dry-run an access script on one write and print its verdict and fuel",
		Long: `Runs FILE's validate(write, ctx) on one write, exactly as a node would
(same sandbox, same fuel, in a script worker process), without a chain.
Ledger queries are answered from flags: --balance ADDR=BVS,
--paid FROM=TO=BVS and --owner-of KEYSPACE=ADDR; anything else is 0 or null.
Exits 0 if the write is allowed, 1 if it is refused.

Example:
  bitverse script test examples/keyspaces/game.js --key g/players/ann \
    --value '{"x":0,"y":0,"t":1000,"owner":"bvd1..."}' --signer bvd1...`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := params()
			if err != nil {
				return err
			}
			src, err := os.ReadFile(args[0])
			if err != nil {
				return err
			}
			prog, err := script.Compile(src)
			if err != nil {
				return fmt.Errorf("%s: %w", args[0], err)
			}
			if err := wire.ValidKey(key); err != nil {
				return fmt.Errorf("--key: %w", err)
			}
			val := []byte(value)
			if valueFile != "" {
				if val, err = os.ReadFile(valueFile); err != nil {
					return err
				}
			}
			for _, a := range append([]string{signer, owner}, values(owners)...) {
				if a != "" {
					if _, err := wire.ParseAddress(p.Net, a); err != nil {
						return fmt.Errorf("%s: %w", a, err)
					}
				}
			}
			l := flagLedger{balances: map[string]uint64{}, paid: map[[2]string]uint64{}, owners: map[string]string{}}
			for _, b := range balances {
				k, v, err := amountFlag(b)
				if err != nil {
					return fmt.Errorf("--balance %s: %w", b, err)
				}
				l.balances[k] = v
			}
			for _, b := range paid {
				k, v, err := amountFlag(b)
				from, to, ok := strings.Cut(k, "=")
				if err != nil || !ok {
					return fmt.Errorf("--paid %s: want FROM=TO=BVS", b)
				}
				l.paid[[2]string{from, to}] = v
			}
			for _, o := range owners {
				ks, a, ok := strings.Cut(o, "=")
				if !ok {
					return fmt.Errorf("--owner-of %s: want KEYSPACE=ADDRESS", o)
				}
				l.owners[ks] = a
			}
			if keyspace == "" {
				keyspace = wire.KeyspaceOf(key)
			}
			if owner == "" {
				owner = l.owners[keyspace]
			}
			w := script.Write{Key: key, Value: val, Signer: signer}
			if cmd.Flags().Changed("prev") {
				w.Prev, w.PrevExists = []byte(prev), true
			}
			ctx := script.Context{Keyspace: keyspace, Owner: owner, Height: height, Time: time.Now().UnixMilli(), Chain: wire.RootChain.String()}
			var r script.Runner
			if inProcess {
				r = script.NewInProcess()
			} else {
				pool, err := script.NewPool(1)
				if err != nil {
					return fmt.Errorf("script worker: %w", err)
				}
				defer pool.Close()
				r = pool
			}
			start := time.Now()
			v, err := r.Validate(cmd.Context(), prog, w, ctx, l)
			if err != nil {
				return err
			}
			took := time.Since(start)
			res := map[string]any{"allowed": v.Allowed, "reason": v.Reason, "fuel": v.Fuel, "fuel_limit": script.FuelPerWrite,
				"code": v.Code.String(), "deterministic": v.Code.Deterministic(), "ms": took.Milliseconds()}
			if err := out(res, func(o io.Writer) {
				if v.Allowed {
					fmt.Fprintf(o, "allowed\n")
				} else {
					fmt.Fprintf(o, "refused: %s\n", v.Reason)
				}
				fmt.Fprintf(o, "fuel\t%d of %d\n", v.Fuel, script.FuelPerWrite)
				fmt.Fprintf(o, "code\t%s\n", v.Code)
				if !v.Code.Deterministic() {
					fmt.Fprintf(o, "note\tthis verdict came from an isolation guard (time or memory), not from the script's own steps\n")
				}
			}); err != nil {
				return err
			}
			if !v.Allowed {
				return silentErr{code: 1}
			}
			return nil
		},
	}
	f := c.Flags()
	f.StringVar(&key, "key", "", "the key written (required)")
	f.StringVar(&value, "value", "", "the value written")
	f.StringVar(&valueFile, "value-file", "", "read the value from a file")
	f.StringVar(&signer, "signer", "", "address that signs the write")
	f.StringVar(&prev, "prev", "", "the key's current value (default: the key is empty)")
	f.StringVar(&owner, "owner", "", "address of the keyspace owner (ctx.owner)")
	f.StringVar(&keyspace, "keyspace", "", "keyspace whose script this is (default: the key's first segment)")
	f.Uint64Var(&height, "height", 1, "block height (ctx.height)")
	f.StringArrayVar(&balances, "balance", nil, "ADDR=BVS: a balance ctx.balance sees (repeatable)")
	f.StringArrayVar(&paid, "paid", nil, "FROM=TO=BVS: a total ctx.paid sees (repeatable)")
	f.StringArrayVar(&owners, "owner-of", nil, "KEYSPACE=ADDR: an owner ctx.ownerOf sees (repeatable)")
	f.BoolVar(&inProcess, "in-process", false, "run in this process instead of a worker (no memory isolation)")
	_ = c.MarkFlagRequired("key")
	addJSON(c)
	return c
}

// amountFlag splits K=AMOUNT at the last '='.
func amountFlag(s string) (string, uint64, error) {
	i := strings.LastIndexByte(s, '=')
	if i < 0 {
		return "", 0, fmt.Errorf("want NAME=AMOUNT")
	}
	v, err := wire.ParseAmount(s[i+1:])
	return s[:i], v, err
}

// values returns the part after '=' of each KEY=VALUE.
func values(kvs []string) []string {
	var out []string
	for _, kv := range kvs {
		if _, v, ok := strings.Cut(kv, "="); ok {
			out = append(out, v)
		}
	}
	return out
}
