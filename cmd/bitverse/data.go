package main

import (
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/bitverse/bitverse/node"
	"github.com/bitverse/bitverse/node/blob"
	"github.com/bitverse/bitverse/node/wire"
	"github.com/bitverse/bitverse/wallet/plan"
	"github.com/spf13/cobra"
)

func putCmd() *cobra.Command {
	var file string
	var f txFlags
	var depth int
	c := &cobra.Command{
		Use:   "put KEY [VALUE]",
		Short: "Write VALUE (or --file F) at KEY, signed by your wallet",
		Long: `Write a value at a key. The first segment of the key is its keyspace;
public/ is open to everyone. Values are up to 64 KiB inline. A --file larger
than that is a blob: it is streamed into the node's blob store in 256 KiB
chunks, and the put carries only its manifest (size and Merkle root); peers
fetch the chunks when someone reads it (get KEY --out FILE).

--depth D writes on the chain at depth D of the blocktree that holds the
key (the first D bits of SHA-256 of the key): cheaper and less verified the
deeper it is. Branch writes are paid from write credit stamped on the root
(bitverse stamp); if yours does not cover the fee, put stamps what is
missing first (sent just before the write) and says what it cost.`,
		Args: cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			in := plan.Put{Key: args[0]}
			blobFile := ""
			switch {
			case file != "" && len(args) == 2:
				return errors.New("give a VALUE or --file, not both")
			case file != "":
				st, err := os.Stat(file)
				if err != nil {
					return err
				}
				if st.Size() > int64(wire.MaxValueSize) {
					blobFile = file
					in.Value = make([]byte, blob.ManifestSize) // stand-in of the same size (and fee) until the blob is stored
				} else if in.Value, err = os.ReadFile(file); err != nil {
					return err
				}
			case len(args) == 2:
				in.Value = []byte(args[1])
			default:
				return errors.New("nothing to write: give a VALUE or --file F")
			}
			if len(in.Value) > wire.MaxValueSize {
				return fmt.Errorf("value is %d bytes; values are at most %d bytes (64 KiB): write larger ones with --file", len(in.Value), wire.MaxValueSize)
			}
			if err := checkInlineValue(in.Value); blobFile == "" && err != nil {
				return err
			}
			if depth < 0 || depth > 255 {
				return fmt.Errorf("--depth %d: depths start at 0 (the root)", depth)
			}
			in.Depth = uint8(depth)
			cl, err := dial()
			if err != nil {
				return err
			}
			w, acct, err := openAccount()
			if err != nil {
				return err
			}
			pl, err := planFor(cmd.Context(), cl, acct, in, f.fee)
			if err != nil {
				return err
			}
			if blobFile != "" {
				bi, err := putBlobFile(cmd.Context(), cl, blobFile)
				if err != nil {
					return err
				}
				if !g.jsonOut {
					fmt.Fprintf(os.Stderr, "stored %s in the node; the put carries its manifest\n", describeBlob(&bi))
				}
				in.Value = bi.Manifest
				if pl, err = planFor(cmd.Context(), cl, acct, in, f.fee); err != nil {
					return err
				}
			}
			f.yes = true // nothing is spent beyond the fee
			return execute(cmd.Context(), cl, w, pl, f, false)
		},
	}
	c.Flags().StringVar(&file, "file", "", "read the value from a file")
	c.Flags().IntVar(&depth, "depth", 0, "write on the chain at this depth of the blocktree (0 = the root)")
	f.addFeeWait(c)
	return c
}

func getCmd() *cobra.Command {
	var proof, history bool
	var outFile string
	var depth int
	c := &cobra.Command{
		Use:   "get KEY",
		Short: "Read the value at KEY (with --proof, verify it against a header)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cl, err := dial()
			if err != nil {
				return err
			}
			res, err := cl.GetOn(cmd.Context(), args[0], depth, proof, history)
			if err != nil {
				return err
			}
			if proof {
				if err := res.VerifyProof(); err != nil {
					return err
				}
			}
			raw := []byte(res.Value)
			if res.Encoding == "base64" {
				if raw, err = base64.StdEncoding.DecodeString(res.Value); err != nil {
					return err
				}
			}
			bi, err := blobOf(args[0], raw)
			if err != nil {
				return err
			}
			switch {
			case outFile != "" && bi != nil:
				if !g.jsonOut {
					fmt.Fprintf(os.Stderr, "getting %s…\n", describeBlob(bi))
				}
				if err := getBlobTo(cmd.Context(), cl, bi, outFile); err != nil {
					return err
				}
			case outFile != "":
				if err := os.WriteFile(outFile, raw, 0o644); err != nil {
					return err
				}
			}
			return out(getOut{GetResult: res, Blob: bi, Out: outFile}, func(o io.Writer) {
				switch {
				case outFile != "" && bi != nil:
					fmt.Fprintf(o, "wrote %d bytes to %s (%s, checked against its root)\n", bi.Size, outFile, describeBlob(bi))
				case outFile != "":
					fmt.Fprintf(o, "wrote %d bytes to %s\n", res.Size, outFile)
				case bi != nil:
					fmt.Fprintf(o, "(%s; write it to a file with --out FILE)\n", describeBlob(bi))
				case res.Encoding == "base64":
					fmt.Fprintf(o, "(binary, %d bytes, base64) %s\n", res.Size, res.Value)
				default:
					fmt.Fprintln(o, res.Value)
				}
				if res.Chain != "" && res.Chain != "/" {
					kv(o, "chain", res.Chain)
					kv(o, "height", res.Height)
					kv(o, "confirmations", fmt.Sprintf("%d on chain %s, %d on the root (0: not checkpointed yet)", res.Confirmations, res.Chain, res.RootConfirmations))
				} else {
					kv(o, "height", res.Height)
					kv(o, "confirmations", res.Confirmations)
				}
				kv(o, "writer", res.Writer)
				if res.RemotePeer != "" {
					kv(o, "from", "peer "+res.RemotePeer+" (this node keeps only headers of the chain; the proof was checked here)")
				}
				if res.Proof != nil {
					kv(o, "proof", fmt.Sprintf("verified against block %s (height %d, state root %s)", res.Proof.Block.Short(), res.Proof.Height, res.Proof.StateRoot.Short()))
				}
				for i, h := range res.History {
					kv(o, fmt.Sprintf("history %d", i+1), fmt.Sprintf("height %d by %s: %q", h.Height, h.Writer, h.Value))
				}
			})
		},
	}
	c.Flags().BoolVar(&proof, "proof", false, "fetch a Merkle proof and verify it against the block header")
	c.Flags().BoolVar(&history, "history", false, "show every value ever written at the key")
	c.Flags().StringVar(&outFile, "out", "", "write the raw value (or the blob it refers to, fetched from peers if need be) to a file")
	c.Flags().IntVar(&depth, "depth", -1, "read on the chain at this depth of the blocktree (default: the shallowest stored chain that has the key)")
	addJSON(c)
	return c
}

// getOut is what `get --json` prints: the value and, when it refers to a
// blob, the blob (and the file it was written to).
type getOut struct {
	*node.GetResult
	Blob *node.BlobInfo `json:"blob,omitempty"`
	Out  string         `json:"out,omitempty"`
}

func keysCmd() *cobra.Command {
	var after string
	var limit int
	c := &cobra.Command{
		Use:   "keys [PREFIX]",
		Short: "List keys (optionally under a prefix such as public/)",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			prefix := ""
			if len(args) == 1 {
				prefix = args[0]
			}
			cl, err := dial()
			if err != nil {
				return err
			}
			keys, err := cl.Keys(cmd.Context(), prefix, after, limit)
			if err != nil {
				return err
			}
			return out(keys, func(o io.Writer) {
				for _, k := range keys {
					fmt.Fprintln(o, k)
				}
			})
		},
	}
	c.Flags().StringVar(&after, "after", "", "start after this key (paging)")
	c.Flags().IntVar(&limit, "limit", 100, "at most this many")
	addJSON(c)
	return c
}
