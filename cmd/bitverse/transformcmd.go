package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"
	"unicode/utf8"

	"github.com/bitverse/bitverse/node/market/expr"
	"github.com/bitverse/bitverse/node/script"
	"github.com/bitverse/bitverse/node/wire"
	"github.com/spf13/cobra"
)

func transformCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "transform",
		Short: "Work with transforms, the compute engine's scripts",
	}
	c.AddCommand(transformTestCmd())
	return c
}

func transformTestCmd() *cobra.Command {
	var input, outPath, key, expr string
	var fuel uint64
	var inProcess bool
	c := &cobra.Command{
		Use:   "test FILE --input F [--out O]",
		Short: "Run a transform on a local file and print its fuel and time",
		Long: `Runs FILE's transform(input, ctx) on the bytes of --input, exactly as a
serving node would (same sandbox, same fuel, in a script worker process),
without a network. The output goes to --out; without --out a text or JSON
output is printed and bytes are only counted. Exits 1 if the transform fails.

ctx.key is --key (default: the file name without .js); ctx.request is the ID
of --request (an expression or an ID in hex), by default of the request
(KEY)(local/INPUT-FILE-NAME).

Example:
  bitverse transform test examples/transforms/black-and-white.js \
    --input photo.png --out bw.png`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			src, err := os.ReadFile(args[0])
			if err != nil {
				return err
			}
			in, err := os.ReadFile(input)
			if err != nil {
				return err
			}
			if key == "" {
				key = trimExt(filepath.Base(args[0]))
			}
			if err := wire.ValidKey(key); err != nil {
				return fmt.Errorf("--key: %w", err)
			}
			tc := script.TransformContext{Key: key, Request: localRequestID(key, input)}
			if expr != "" {
				id, err := parseRequestID(expr)
				if err != nil {
					return fmt.Errorf("--request: %w", err)
				}
				tc.Request = id
			}
			start := time.Now()
			var res script.TransformResult
			if inProcess {
				res, err = script.RunTransform(string(src), in, tc, fuel)
			} else {
				pool, perr := script.NewPool(1)
				if perr != nil {
					return fmt.Errorf("script worker: %w", perr)
				}
				defer pool.Close()
				start = time.Now() // the worker's start-up is not the transform's time
				res, err = pool.Transform(cmd.Context(), string(src), in, tc, fuel)
			}
			took := time.Since(start)
			budget := fuel
			if budget == 0 {
				budget = script.DefaultTransformFuel
			}
			var te *script.TransformError
			if errors.As(err, &te) {
				if err := out(map[string]any{"ok": false, "reason": te.Reason, "code": te.Code.String(), "fuel": te.Fuel,
					"fuel_limit": budget, "deterministic": te.Code.Deterministic(), "ms": took.Milliseconds()}, func(o io.Writer) {
					fmt.Fprintf(o, "failed: %s\n", te.Reason)
					fmt.Fprintf(o, "fuel\t%d of %d\n", te.Fuel, budget)
					fmt.Fprintf(o, "time\t%v\n", took.Round(time.Millisecond))
					fmt.Fprintf(o, "code\t%s\n", te.Code)
				}); err != nil {
					return err
				}
				return silentErr{code: 1}
			}
			if err != nil {
				return fmt.Errorf("%s: %w", args[0], err)
			}
			if outPath != "" {
				if err := os.WriteFile(outPath, res.Output, 0o644); err != nil {
					return err
				}
			}
			text := res.Kind != script.KindBytes && utf8.Valid(res.Output)
			j := map[string]any{"ok": true, "kind": res.Kind, "bytes": len(res.Output), "fuel": res.Fuel,
				"fuel_limit": budget, "ms": took.Milliseconds(), "request": tc.Request}
			if outPath != "" {
				j["out"] = outPath
			} else if text {
				j["output"] = string(res.Output)
			}
			return out(j, func(o io.Writer) {
				fmt.Fprintf(o, "ok\t%s, %d bytes\n", res.Kind, len(res.Output))
				fmt.Fprintf(o, "fuel\t%d of %d\n", res.Fuel, budget)
				fmt.Fprintf(o, "time\t%v\n", took.Round(time.Millisecond))
				switch {
				case outPath != "":
					fmt.Fprintf(o, "out\t%s\n", outPath)
				case text:
					fmt.Fprintf(o, "output\t%s\n", res.Output)
				default:
					fmt.Fprintf(o, "note\tthe output is bytes; write it to a file with --out\n")
				}
			})
		},
	}
	f := c.Flags()
	f.StringVar(&input, "input", "", "file whose bytes are the input (required)")
	f.StringVar(&outPath, "out", "", "write the output to this file")
	f.StringVar(&key, "key", "", "ctx.key: the key the transform is stored at (default: the file name)")
	f.StringVar(&expr, "request", "", "ctx.request: a request expression or a request ID in hex")
	f.Uint64Var(&fuel, "fuel", 0, fmt.Sprintf("fuel budget (default %d, at most %d)", uint64(script.DefaultTransformFuel), uint64(script.MaxTransformFuel)))
	f.BoolVar(&inProcess, "in-process", false, "run in this process instead of a worker (no memory isolation)")
	_ = c.MarkFlagRequired("input")
	addJSON(c)
	return c
}

func trimExt(name string) string { return name[:len(name)-len(filepath.Ext(name))] }

// localRequestID is the ID of (key)(local/NAME) for an input file, or zero
// when its name makes no key.
func localRequestID(key, input string) wire.Hash {
	e := expr.Apply(key, expr.Fetch("local/"+filepath.Base(input)))
	if e.Validate() != nil {
		return wire.Hash{}
	}
	return e.ID()
}

// parseRequestID reads a request ID in hex or a request expression.
func parseRequestID(s string) (wire.Hash, error) {
	if h, err := wire.ParseHash(s); err == nil {
		return h, nil
	}
	e, err := expr.Parse(s)
	if err != nil {
		return wire.Hash{}, err
	}
	return e.ID(), nil
}
