package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"text/tabwriter"
	"time"

	"github.com/bitverse/bitverse/node/wire"
)

// printJSON writes v as indented JSON to stdout.
func printJSON(v any) error {
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// out prints JSON when --json is set, else calls human.
func out(v any, human func(w io.Writer)) error {
	if g.jsonOut {
		return printJSON(v)
	}
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	human(tw)
	return tw.Flush()
}

func bvs(units uint64) string { return wire.FormatAmount(units) + " BVS" }

func ago(ms int64) string {
	if ms == 0 {
		return "-"
	}
	d := time.Since(time.UnixMilli(ms)).Round(time.Second)
	if d < 0 {
		d = 0
	}
	return d.String() + " ago"
}

func fmtTime(ms int64) string {
	if ms == 0 {
		return "-"
	}
	return time.UnixMilli(ms).UTC().Format("2006-01-02 15:04:05Z")
}

func kv(w io.Writer, k string, v any) { fmt.Fprintf(w, "%s:\t%v\n", k, v) }
