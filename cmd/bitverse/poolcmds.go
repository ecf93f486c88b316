package main

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/bitverse/bitverse/node"
	"github.com/bitverse/bitverse/node/blob"
	"github.com/bitverse/bitverse/node/pool"
	"github.com/bitverse/bitverse/node/rpc"
	"github.com/bitverse/bitverse/node/wire"
	"github.com/bitverse/bitverse/wallet/plan"
	"github.com/spf13/cobra"
)

// poolCommands are the availability-pool commands: pool fund, join,
// leave, show, list. Flags, checks of the data and printing; the chain
// keeps the pools.
func poolCommands() *cobra.Command {
	c := &cobra.Command{
		Use:   "pool",
		Short: "Availability pools: endowments that pay nodes to keep a value or blob available",
		Long: `An availability pool pays its members, every epoch, a declining share of an
endowment for answering a challenge: a 1 KiB segment of the data, drawn at
random by the block that opens the epoch, with its Merkle branch to the
pool's segment root. A member that misses its challenge is demoted and loses
part of its stake. Pay is for being available, never per download.

A node with --pools answers its identity's challenges by itself.

Examples:
  bitverse pool fund public/site.tar --amount 50 --replicas 3
  bitverse pool list --key public/site.tar
  bitverse pool join POOL --stake 5
  bitverse pool show POOL
  bitverse pool leave POOL`,
	}
	c.AddCommand(poolFundCmd(), poolJoinCmd(), poolLeaveCmd(), poolShowCmd(), poolListCmd())
	return c
}

// tokenCommands are service tokens: prepaid downloads of a pool's data.
func tokenCommands() *cobra.Command {
	c := &cobra.Command{
		Use:   "token",
		Short: "Service tokens: prepaid downloads of a pool's data, served by its members",
		Long: `A service token is a prepaid download of a pool's data. Buying tokens adds
to the pool's endowment; redeeming one (at most the pool's token rate per
epoch, for everybody together) obliges the members to serve the download.

Examples:
  bitverse token buy POOL --count 10
  bitverse token redeem POOL --out data.bin
  bitverse token show
  bitverse token report POOL --redemption TX --member ADDR`,
	}
	c.AddCommand(tokenBuyCmd(), tokenRedeemCmd(), tokenShowCmd(), tokenReportCmd())
	return c
}

func parsePoolID(s string) (wire.Hash, error) {
	h, err := wire.ParseHash(s)
	if err != nil {
		return h, fmt.Errorf("%q is not a pool id (64 hex digits, as pool list shows them)", s)
	}
	return h, nil
}

// poolArg parses the pool ID s, dials the node and reads the pool: the
// start of every command that names a pool it must look at first.
func poolArg(ctx context.Context, s string) (*rpc.Client, *node.PoolInfo, error) {
	id, err := parsePoolID(s)
	if err != nil {
		return nil, nil, err
	}
	cl, err := dial()
	if err != nil {
		return nil, nil, err
	}
	p, err := cl.Pool(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	return cl, p, nil
}

func poolShowCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "show POOL",
		Short: "A pool: its target, endowment, expected lifetime and members",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			_, p, err := poolArg(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			return out(p, func(o io.Writer) { printPool(o, p) })
		},
	}
	addJSON(c)
	return c
}

func printPool(o io.Writer, p *node.PoolInfo) {
	kv(o, "pool", p.ID)
	kv(o, "target", fmt.Sprintf("%s %s (%d bytes, %d segments, segment root %s)", p.Target.Kind, p.Target.Key, p.Target.Size, p.Target.Segments, p.Target.SegmentRoot.Short()))
	if p.Target.Kind == "prefix" {
		kv(o, "listing", fmt.Sprintf("every key under %q on chain %s with its value, as of block %s", p.Target.Key, p.Target.Chain, p.Target.Hash))
	}
	kv(o, "funder", p.Funder)
	kv(o, "replicas", fmt.Sprintf("%d wanted, %d members, tier %d", p.Replicas, len(p.Members), p.Tier))
	kv(o, "endowment", fmt.Sprintf("%s left, %s paid", bvs(p.Endowment), bvs(p.Paid)))
	kv(o, "epoch", fmt.Sprintf("%d (ends at height %d); expected lifetime %d more epochs", p.Epoch, p.EpochEnd, p.ExpectedLifetime))
	if p.TokenRate > 0 {
		kv(o, "tokens", fmt.Sprintf("%d a epoch at %s; %d sold, %d redeemed (%d this epoch)", p.TokenRate, bvs(p.TokenPrice), p.TokensSold, p.TokensRedeemed, p.RedeemedThisEpoch))
	}
	if p.Closed {
		kv(o, "closed", "yes")
	}
	for _, m := range p.Members {
		leaving := ""
		if m.Leaving {
			leaving = ", leaving"
		}
		fmt.Fprintf(o, "  member %s: tier %d, stake %s, answered %d, missed %d, earned %s%s\n", m.Address, m.Tier, bvs(m.Stake), m.Answered, m.Missed, bvs(m.Earned), leaving)
	}
	for _, sv := range p.Serves {
		drawn := "drawn by the next block"
		if sv.Drawn {
			drawn = "drawn"
		}
		fmt.Fprintf(o, "  serve challenge: member %s, claimed silent on redemption %s by %s at height %d; segment %d (%s), due by height %d, deposit %s\n",
			sv.Member, sv.Redemption.Short(), sv.Claimer, sv.Opened, sv.Segment, drawn, sv.Deadline, bvs(sv.Deposit))
	}
}

func poolListCmd() *cobra.Command {
	var key, member string
	var mine bool
	var limit int
	c := &cobra.Command{
		Use:   "list [--key KEY] [--member ADDR | --mine]",
		Short: "List pools: all, those of a key, or those an identity is a member of",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			cl, err := dial()
			if err != nil {
				return err
			}
			if mine {
				_, acct, err := openAccount()
				if err != nil {
					return err
				}
				member = acct.Address
			}
			ps, err := cl.Pools(cmd.Context(), node.PoolFilter{Key: key, Member: member, Limit: limit})
			if err != nil {
				return err
			}
			return out(ps, func(o io.Writer) {
				if len(ps) == 0 {
					fmt.Fprintln(o, "no pools")
				}
				for _, p := range ps {
					fmt.Fprintf(o, "%s  %s %s  %d/%d members  tier %d  %s left  ~%d epochs\n", p.ID, p.Target.Kind, p.Target.Key,
						len(p.Members), p.Replicas, p.Tier, bvs(p.Endowment), p.ExpectedLifetime)
				}
			})
		},
	}
	c.Flags().StringVar(&key, "key", "", "only pools of this key")
	c.Flags().StringVar(&member, "member", "", "only pools with this member (address or hex public key)")
	c.Flags().BoolVar(&mine, "mine", false, "only pools this account is a member of")
	c.Flags().IntVar(&limit, "limit", 0, "at most this many (default 100)")
	addJSON(c)
	return c
}

func tokenShowCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "show [ADDR]",
		Short: "The service tokens an account holds (default: this one)",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cl, err := dial()
			if err != nil {
				return err
			}
			holder := ""
			if len(args) == 1 {
				holder = args[0]
			} else {
				_, acct, err := openAccount()
				if err != nil {
					return err
				}
				holder = acct.Address
			}
			ts, err := cl.Tokens(cmd.Context(), holder)
			if err != nil {
				return err
			}
			return out(ts, func(o io.Writer) {
				if len(ts) == 0 {
					fmt.Fprintf(o, "%s holds no service tokens\n", holder)
				}
				for _, t := range ts {
					fmt.Fprintf(o, "%s  %d tokens\n", t.Pool, t.Count)
				}
			})
		},
	}
	addJSON(c)
	return c
}

// poolTarget reads the value at key and returns the pool target it makes:
// a blob's bytes (fetched by the node, progress shown) or the value.
func poolTarget(ctx context.Context, cl *rpc.Client, key string, depth int) (kind uint8, hash wire.Hash, data []byte, chain wire.ChainID, err error) {
	res, err := cl.GetOn(ctx, key, depth, false, false)
	if err != nil {
		return 0, hash, nil, chain, err
	}
	value := []byte(res.Value)
	if res.Encoding == "base64" {
		if value, err = base64.StdEncoding.DecodeString(res.Value); err != nil {
			return 0, hash, nil, chain, err
		}
	}
	if res.Chain != "" && res.Chain != "/" {
		if chain, err = wire.ParseChainID(res.Chain); err != nil {
			return 0, hash, nil, chain, err
		}
	}
	bi, err := blobOf(key, value)
	if err != nil {
		return 0, hash, nil, chain, err
	}
	if bi == nil {
		return wire.PoolKey, pool.KeyHash(value), value, chain, nil
	}
	if bi.Size > pool.DefaultMaxData {
		return 0, hash, nil, chain, fmt.Errorf("%s is %d bytes: this client computes a segment root of at most %d", describeBlob(bi), bi.Size, pool.DefaultMaxData)
	}
	if err := fetchShowing(ctx, cl, bi, progressTo()); err != nil {
		return 0, hash, nil, chain, fmt.Errorf("fetch %s: %w", describeBlob(bi), err)
	}
	m, _ := blob.DecodeManifest(bi.Manifest)
	v := blob.NewVerifier(m)
	var buf strings.Builder
	buf.Grow(int(bi.Size))
	if _, err := cl.ReadBlob(ctx, bi.Manifest, io.MultiWriter(&buf, v)); err != nil {
		return 0, hash, nil, chain, err
	}
	if err := v.Check(); err != nil {
		return 0, hash, nil, chain, fmt.Errorf("the node sent bytes that are not the blob: %w", err)
	}
	return wire.PoolBlob, pool.BlobHash(bi.Manifest), []byte(buf.String()), chain, nil
}

func poolFundCmd() *cobra.Command {
	var f txFlags
	var amount string
	var replicas, tier uint8
	var rate uint32
	var depth int
	var top, chainName, at string
	var prefix bool
	c := &cobra.Command{
		Use:   "fund KEY --amount BVS [--replicas N] [--tier T] [--token-rate N] | fund PREFIX/ [--chain C] --amount BVS | fund --top-up POOL --amount BVS",
		Short: "Fund a pool that keeps the value or blob at KEY, or the keys under a PREFIX, available (the endowment is escrowed), or top one up",
		Long: `Fund an availability pool. With KEY the pool keeps its value, or the blob
whose manifest it holds. With a PREFIX (ending in /, or --prefix) it keeps
the listing of every key under the prefix on one chain (--chain, the root
by default), with its value, in key order, as of the chain's tip block (or
--at): the pool names that block, so members rebuild the same listing from
their own copy of the chain however the keys change later. Should that block
leave the chain in a reorganisation nobody can join: list a block with a
few confirmations (--at) on a busy network.

Examples:
  bitverse pool fund public/site.tar --amount 50 --replicas 3
  bitverse pool fund public/docs/ --amount 20
  bitverse pool fund public/docs/ --chain 01 --at 1200 --amount 20`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			amt, err := wire.ParseAmount(amount)
			if err != nil {
				return fmt.Errorf("--amount: %w", err)
			}
			ctx := cmd.Context()
			if top != "" {
				id, err := parsePoolID(top)
				if err != nil {
					return err
				}
				return sendIntent(ctx, f, plan.PoolTopUp{Pool: id, Amount: amt}, true)
			}
			if len(args) != 1 {
				return errors.New("name the KEY whose value or blob the pool keeps (or --top-up POOL)")
			}
			cl, err := dial()
			if err != nil {
				return err
			}
			if prefix || strings.HasSuffix(args[0], "/") {
				in, err := prefixTarget(ctx, cl, args[0], chainName, at)
				if err != nil {
					return err
				}
				in.Replicas, in.Tier, in.Amount, in.TokenRate = replicas, tier, amt, rate
				return sendIntent(ctx, f, in, true)
			}
			kind, hash, data, chain, err := poolTarget(ctx, cl, args[0], depth)
			if err != nil {
				return err
			}
			in := plan.PoolFund{Kind: kind, Chain: chain, Key: args[0], Hash: hash, Size: uint64(len(data)),
				SegmentRoot: wire.SegmentRoot(data), Replicas: replicas, Tier: tier, Amount: amt, TokenRate: rate}
			return sendIntent(ctx, f, in, true)
		},
	}
	c.Flags().StringVar(&amount, "amount", "", "the endowment in BVS (required)")
	c.Flags().Uint8Var(&replicas, "replicas", 3, "members wanted (at most twice as many may join)")
	c.Flags().Uint8Var(&tier, "tier", 3, "the tier members join at (a missed challenge demotes by one)")
	c.Flags().Uint32Var(&rate, "token-rate", 0, "service tokens redeemable per epoch (0: no tokens)")
	c.Flags().IntVar(&depth, "depth", 0, "the key is on the chain at this depth of the blocktree (0: the root)")
	c.Flags().StringVar(&top, "top-up", "", "add --amount to this pool's endowment instead")
	c.Flags().BoolVar(&prefix, "prefix", false, "KEY is a prefix: keep the listing of every key under it (implied by a trailing /)")
	c.Flags().StringVar(&chainName, "chain", "/", "with a prefix: the chain whose keys are listed (/ the root, or 0, 01… a branch)")
	c.Flags().StringVar(&at, "at", "", "with a prefix: list the state at this block of the chain (a height or block ID; default its tip)")
	c.MarkFlagRequired("amount")
	f.add(c)
	return c
}

// prefixTarget lists the keys under prefix on the named chain as of block
// at of that chain ("" the node's tip) and returns the pool-fund target it makes
// (replicas, tier, amount and rate left to the caller).
func prefixTarget(ctx context.Context, cl *rpc.Client, prefix, chainName, at string) (plan.PoolFund, error) {
	chain, err := wire.ParseChainID(chainName)
	if err != nil {
		return plan.PoolFund{}, fmt.Errorf("--chain: %w", err)
	}
	p, err := params()
	if err != nil {
		return plan.PoolFund{}, err
	}
	data, info, err := pool.Listing(ctx, pool.NodeChain(cl, p), chain, prefix, at, pool.DefaultMaxData)
	if err != nil {
		return plan.PoolFund{}, fmt.Errorf("list the keys under %q: %w", prefix, err)
	}
	if len(data) == 0 {
		return plan.PoolFund{}, fmt.Errorf("no key under %q on chain %s at height %d: there is nothing to keep (is the prefix right? a branch's keys need --chain)", prefix, chain, info.Height)
	}
	if !g.jsonOut {
		fmt.Fprintf(os.Stderr, "%s: %d keys, %d bytes, segment root %s\n", info, info.Keys, len(data), wire.SegmentRoot(data).Short())
	}
	return plan.PoolFund{Kind: wire.PoolPrefix, Chain: chain, Key: prefix, Hash: info.Block, Size: uint64(len(data)),
		SegmentRoot: wire.SegmentRoot(data)}, nil
}

func poolJoinCmd() *cobra.Command {
	var f txFlags
	var stake string
	c := &cobra.Command{
		Use:   "join POOL --stake BVS",
		Short: "Join a pool: the node fetches and checks the data first, then the stake is escrowed",
		Long: `Join a pool. The node fetches the pool's data (from its members and the
nodes that announced it first) and this command checks it against the
pool's size and segment root before anything is sent: a node that joins
without the data would only lose its stake. Run the node with --pools (and
this account as --serve-account) so that it answers the challenges.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			amt, err := wire.ParseAmount(stake)
			if err != nil {
				return fmt.Errorf("--stake: %w", err)
			}
			ctx := cmd.Context()
			cl, p, err := poolArg(ctx, args[0])
			if err != nil {
				return err
			}
			id := p.ID
			p2, err := params()
			if err != nil {
				return err
			}
			if p.Target.Kind == "blob" && !g.jsonOut {
				fmt.Fprintf(os.Stderr, "fetching the pool's blob (%d bytes)…\n", p.Target.Size)
			}
			if _, _, err := pool.Data(ctx, pool.NodeChain(cl, p2), progressBlobs{cl}, p, pool.DefaultMaxData, true); err != nil {
				return fmt.Errorf("the pool's data: %w (nothing was sent)", err)
			}
			if !g.jsonOut {
				fmt.Fprintf(os.Stderr, "the data checks out: %d bytes, segment root %s\n", p.Target.Size, p.Target.SegmentRoot.Short())
			}
			return sendIntent(ctx, f, plan.PoolJoin{Pool: id, Stake: amt}, true)
		},
	}
	c.Flags().StringVar(&stake, "stake", "", "the stake in BVS, escrowed while a member (required)")
	c.MarkFlagRequired("stake")
	f.add(c)
	return c
}

// progressBlobs is the node's blob API with FetchBlob showing progress.
type progressBlobs struct{ *rpc.Client }

func (b progressBlobs) FetchBlob(ctx context.Context, manifest []byte) (node.BlobInfo, error) {
	m, err := blob.DecodeManifest(manifest)
	if err != nil {
		return node.BlobInfo{}, err
	}
	bi := &node.BlobInfo{Manifest: manifest, Root: m.Root, Size: m.Size, ChunkSize: m.ChunkSize, Chunks: m.Chunks()}
	return *bi, fetchShowing(ctx, b.Client, bi, progressTo())
}

func poolLeaveCmd() *cobra.Command {
	var f txFlags
	c := &cobra.Command{
		Use:   "leave POOL",
		Short: "Leave a pool: the stake comes back once this epoch's challenge is answered",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := parsePoolID(args[0])
			if err != nil {
				return err
			}
			return sendIntent(cmd.Context(), f, plan.PoolLeave{Pool: id}, true)
		},
	}
	f.add(c)
	return c
}

func tokenBuyCmd() *cobra.Command {
	var f txFlags
	var count uint32
	c := &cobra.Command{
		Use:   "buy POOL --count N",
		Short: "Buy prepaid downloads of a pool's data (the price goes into its endowment)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			_, p, err := poolArg(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			id := p.ID
			if p.TokenRate == 0 {
				return fmt.Errorf("pool %s sells no service tokens (its token rate is 0)", id.Short())
			}
			return sendIntent(cmd.Context(), f, plan.TokenBuy{Pool: id, Count: count}, true)
		},
	}
	c.Flags().Uint32Var(&count, "count", 1, "how many tokens")
	f.add(c)
	return c
}

func tokenRedeemCmd() *cobra.Command {
	var f txFlags
	var outPath string
	c := &cobra.Command{
		Use:   "redeem POOL [--out FILE]",
		Short: "Redeem a service token in this epoch and, with --out, download the pool's data from its members",
		Long: `Redeem one of this account's service tokens of POOL: the pool's members must
then serve its data to the redeemer. At most the pool's token rate is
redeemed per epoch, for everybody together.

With --out FILE the command waits for the redemption to be in a block,
then this node asks the pool's members (those that announced the pool, then
the connected ones) for the data, checks it against the pool's size and
segment root block by block as it comes, and writes it to FILE (through a
temporary file beside it, renamed only once complete), showing the bytes,
rate and time left. It prints the size and the member's node that
served it. A member that refuses in writing (it lost the data) is reported
on chain with its signed refusal (a pool-report, minimum fee), which demotes it.
When members were asked and none served nor refused, each member that did
not refuse is claimed silent (a pool-silence per member, escrowing the
deposit, asked first unless --yes): a member that no longer holds the data
is then demoted, one that does answers on chain and keeps the deposit. A
member that sends no status within 30 s counts as silent. The command lists
the members it claimed.

Examples:
  bitverse token redeem POOL --yes --wait
  bitverse token redeem POOL --out site.tar --yes`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			cl, p, err := poolArg(ctx, args[0])
			if err != nil {
				return err
			}
			id := p.ID
			if p.TokenRate > 0 && p.RedeemedThisEpoch >= p.TokenRate {
				return fmt.Errorf("pool %s has served its %d redemptions of epoch %d: try again next epoch (after height %d)", id.Short(), p.TokenRate, p.Epoch, p.EpochEnd)
			}
			if outPath == "" {
				return sendIntent(ctx, f, plan.TokenRedeem{Pool: id}, true)
			}
			red, err := submitIntent(ctx, cl, f, plan.TokenRedeem{Pool: id}, true)
			if err != nil {
				return err
			}
			if !g.jsonOut {
				fmt.Fprintf(os.Stderr, "redemption %s accepted, waiting for a block…\n", red)
			}
			if _, err := waitForTx(ctx, cl, red); err != nil {
				return err
			}
			return redeemDownload(ctx, cl, f, p, red, outPath)
		},
	}
	c.Flags().StringVar(&outPath, "out", "", "wait for the redemption, download the pool's data and write it to this file")
	f.add(c)
	return c
}

// redeemed is what token redeem --out did.
type redeemed struct {
	Tx       wire.Hash          `json:"tx"`
	Pool     wire.Hash          `json:"pool"`
	File     string             `json:"file,omitempty"`
	Size     int64              `json:"size"`
	Peer     string             `json:"peer,omitempty"`
	Refusals []pool.RefusalInfo `json:"refusals,omitempty"`
	Report   *wire.Hash         `json:"report,omitempty"`
	Silences []silenceClaim     `json:"silences,omitempty"`
}

// silenceClaim is a pool-silence token redeem submitted.
type silenceClaim struct {
	Member string    `json:"member"`
	Tx     wire.Hash `json:"tx"`
}

// redeemDownload has the node download pool p's data under the confirmed
// redemption red into path (through a temporary file beside it), and
// reports the first signed refusal met (the chain takes one report per
// redemption).
func redeemDownload(ctx context.Context, cl *rpc.Client, f txFlags, p *node.PoolInfo, red wire.Hash, path string) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".bitverse-redeem-*")
	if err != nil {
		return fmt.Errorf("--out: %w", err)
	}
	defer os.Remove(tmp.Name())
	if !g.jsonOut {
		fmt.Fprintf(os.Stderr, "downloading %d bytes from the pool's members…\n", p.Target.Size)
	}
	pw := showDownload(tmp, p.Target.Size, progressTo())
	d, err := cl.PoolDownload(ctx, p.ID, red, pw)
	pw.stop(err == nil)
	if cerr := tmp.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("--out: %w", cerr)
	}
	res := redeemed{Tx: red, Pool: p.ID}
	if d != nil {
		res.Refusals = d.Refusals
	}
	if len(res.Refusals) > 0 {
		if id, rerr := reportRefusal(ctx, cl, f, p.ID, red, res.Refusals[0]); rerr != nil {
			fmt.Fprintf(os.Stderr, "could not report member %s's signed refusal: %v\n", res.Refusals[0].Member, rerr)
		} else {
			res.Report = &id
			fmt.Fprintf(os.Stderr, "member %s refused in writing: reported in %s\n", res.Refusals[0].Member, id)
		}
	}
	if err != nil && errors.Is(err, pool.ErrNoMember) {
		res.Silences = claimSilent(ctx, cl, f, p, red, res.Refusals)
		if g.jsonOut {
			out(res, func(io.Writer) {})
		}
	}
	if err != nil {
		return fmt.Errorf("%w (redemption %s; nothing was written to %s)", err, red, path)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("--out: %w", err)
	}
	res.File, res.Size, res.Peer = path, d.Size, d.Peer
	return out(res, func(o io.Writer) {
		fmt.Fprintf(o, "downloaded %d bytes to %s from member node %s (redemption %s)\n", res.Size, path, res.Peer, red)
	})
}

// claimSilent claims silent, one pool-silence each (asked unless --yes),
// the members of p that did not refuse red in writing (pool.SilentMembers)
// and says which it claimed.
func claimSilent(ctx context.Context, cl *rpc.Client, f txFlags, p *node.PoolInfo, red wire.Hash, ris []pool.RefusalInfo) []silenceClaim {
	_, acct, err := openAccount()
	if err != nil {
		return nil
	}
	prm, err := params()
	if err != nil {
		return nil
	}
	me, _ := wire.ParseAddress(prm.Net, acct.Address)
	var refusals []pool.Refusal
	for _, ri := range ris {
		if r, err := ri.Parse(); err == nil {
			refusals = append(refusals, r)
		}
	}
	var claims []silenceClaim
	for _, m := range pool.SilentMembers(p, me, refusals) {
		addr := wire.EncodeAddress(prm.Net, m)
		id, err := submitIntent(ctx, cl, f, plan.PoolSilence{Pool: p.ID, Redemption: red, Member: m}, true)
		if err != nil {
			fmt.Fprintf(os.Stderr, "did not claim member %s silent: %v\n", addr, err)
			continue
		}
		fmt.Fprintf(os.Stderr, "member %s stayed silent: claimed in %s (it must answer on chain or be demoted)\n", addr, id)
		claims = append(claims, silenceClaim{Member: addr, Tx: id})
	}
	return claims
}

// reportRefusal submits a pool-report of a member's signed refusal, signed
// by this account (the redeemer's, as the chain requires).
func reportRefusal(ctx context.Context, cl *rpc.Client, f txFlags, poolID, red wire.Hash, ri pool.RefusalInfo) (wire.Hash, error) {
	ref, err := ri.Parse()
	if err != nil {
		return wire.Hash{}, err
	}
	return submitIntent(ctx, cl, txFlags{fee: f.fee}, plan.PoolReport{Pool: poolID, Redemption: red, Member: ref.Member, Evidence: ref.Sig[:]}, false)
}

// submitIntent plans in for the wallet's account, asks for confirmation
// when ask (unless --yes or --json), signs and submits it, and returns its
// last transaction's ID without printing it.
func submitIntent(ctx context.Context, cl *rpc.Client, f txFlags, in plan.Intent, ask bool) (wire.Hash, error) {
	w, acct, err := openAccount()
	if err != nil {
		return wire.Hash{}, err
	}
	pl, err := planFor(ctx, cl, acct, in, f.fee)
	if err != nil {
		return wire.Hash{}, err
	}
	if ask && !f.yes && !g.jsonOut {
		ok, err := confirm(describePlan(pl) + "? [y/N] ")
		if err != nil {
			return wire.Hash{}, err
		}
		if !ok {
			return wire.Hash{}, errors.New("cancelled; nothing was sent")
		}
	}
	if err := pl.Sign(func(tx *wire.Tx) error { return w.Sign(g.account, tx) }); err != nil {
		return wire.Hash{}, err
	}
	ids, err := pl.Submit(ctx, cl)
	if err != nil {
		return wire.Hash{}, err
	}
	return ids[len(ids)-1], nil
}

func tokenReportCmd() *cobra.Command {
	var f txFlags
	var redemption, member string
	c := &cobra.Command{
		Use:   "report POOL --redemption TX --member ADDR",
		Short: "Claim that a member stayed silent on your redemption: it must prove on chain it holds the data, or be demoted",
		Long: `Claim that a member of POOL stayed silent on redemption TX (your token-redeem):
it neither served the download nor refused in writing. The claim (a
pool-silence) escrows a deposit and opens a serve challenge: one segment of
the data, drawn by the claim's block, that the member must put on chain
within the pool's serve window. If it does, the deposit is its; if not, it
loses a tier and part of its stake and the deposit comes back to you. Claim
within the redemption's epoch or the next. (token redeem --out claims by
itself when no member serves.)

Examples:
  bitverse token report POOL --redemption TX --member bvd1... --yes --wait`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			red, err := wire.ParseHash(redemption)
			if err != nil {
				return fmt.Errorf("--redemption: %q is not a transaction id (64 hex digits, as token redeem printed it)", redemption)
			}
			prm, err := params()
			if err != nil {
				return err
			}
			m, err := node.ParseIdentity(prm.Net, member)
			if err != nil {
				return fmt.Errorf("--member: %w", err)
			}
			ctx := cmd.Context()
			_, p, err := poolArg(ctx, args[0])
			if err != nil {
				return err
			}
			return sendIntent(ctx, f, plan.PoolSilence{Pool: p.ID, Redemption: red, Member: m}, true)
		},
	}
	c.Flags().StringVar(&redemption, "redemption", "", "the token-redeem transaction the member did not serve (required)")
	c.Flags().StringVar(&member, "member", "", "the silent member's address or hex public key (required)")
	c.MarkFlagRequired("redemption")
	c.MarkFlagRequired("member")
	f.add(c)
	return c
}
