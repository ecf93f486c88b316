package main

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/bitverse/bitverse/node"
	"github.com/spf13/cobra"
)

// networkCommands are peers and devnet.
func networkCommands() []*cobra.Command { return []*cobra.Command{peersCmd(), devnetCmd()} }

func peersCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "peers",
		Short: "List the node's peers (add, ban and unban them with the subcommands)",
		Long: `List the running node's connected peers — id, direction, latency, score,
the height they last reported, addresses — then the banned ones.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			cl, err := dial()
			if err != nil {
				return err
			}
			ps, err := cl.Peers(cmd.Context())
			if err != nil {
				return err
			}
			if ps == nil {
				ps = []node.PeerInfo{}
			}
			return out(ps, func(o io.Writer) { printPeers(o, ps) })
		},
	}
	addJSON(c)
	c.AddCommand(peersAddCmd(), peersBanCmd(), peersUnbanCmd())
	return c
}

func printPeers(o io.Writer, ps []node.PeerInfo) {
	var connected, banned []node.PeerInfo
	for _, p := range ps {
		if p.Banned {
			banned = append(banned, p)
		} else {
			connected = append(connected, p)
		}
	}
	if len(connected) == 0 {
		fmt.Fprintln(o, "no peers connected")
	} else {
		fmt.Fprintln(o, "ID\tDIR\tLATENCY\tSCORE\tHEIGHT\tADDRESS")
		for _, p := range connected {
			lat := "-"
			if p.LatencyMS > 0 {
				lat = fmt.Sprintf("%.1fms", p.LatencyMS)
			}
			addr := "-"
			if len(p.Addrs) > 0 {
				addr = p.Addrs[0]
				if len(p.Addrs) > 1 {
					addr += fmt.Sprintf(" (+%d)", len(p.Addrs)-1)
				}
			}
			fmt.Fprintf(o, "%s\t%s\t%s\t%d\t%d\t%s\n", p.ID, p.Direction, lat, p.Score, p.Height, addr)
		}
	}
	if len(banned) > 0 {
		fmt.Fprintln(o, "\nBANNED\tUNTIL\tREASON")
		for _, p := range banned {
			fmt.Fprintf(o, "%s\t%s\t%s\n", p.ID, p.BannedUntil.UTC().Format("2006-01-02 15:04:05Z"), p.BanReason)
		}
	}
}

func peersAddCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "add MULTIADDR",
		Short: "Connect to a peer (a multiaddr ending in /p2p/<id>) and remember it across restarts",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cl, err := dial()
			if err != nil {
				return err
			}
			if err := cl.AddPeer(cmd.Context(), args[0]); err != nil {
				return err
			}
			fmt.Println("connected to", args[0])
			return nil
		},
	}
}

func peersBanCmd() *cobra.Command {
	var forFlag string
	c := &cobra.Command{
		Use:   "ban PEER-ID",
		Short: "Disconnect a peer and refuse it (for --for, default the node's ban time, 24h)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var d time.Duration
			if forFlag != "" {
				var err error
				if d, err = parseBanDuration(forFlag); err != nil {
					return err
				}
			}
			cl, err := dial()
			if err != nil {
				return err
			}
			if err := cl.BanPeer(cmd.Context(), args[0], d); err != nil {
				return err
			}
			if d > 0 {
				fmt.Printf("banned %s for %s\n", args[0], d)
			} else {
				fmt.Printf("banned %s\n", args[0])
			}
			return nil
		},
	}
	c.Flags().StringVar(&forFlag, "for", "", "ban duration, e.g. 90m, 12h or 7d")
	return c
}

func peersUnbanCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "unban PEER-ID",
		Short: "Lift a ban",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cl, err := dial()
			if err != nil {
				return err
			}
			if err := cl.UnbanPeer(cmd.Context(), args[0]); err != nil {
				return err
			}
			fmt.Println("unbanned", args[0])
			return nil
		},
	}
}

// parseBanDuration reads a Go duration (90m, 12h) or a number of days (7d).
func parseBanDuration(s string) (time.Duration, error) {
	bad := fmt.Errorf("ban duration %q is not a positive duration such as 90m, 12h or 7d", s)
	var d time.Duration
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.ParseFloat(days, 64)
		if err != nil {
			return 0, bad
		}
		d = time.Duration(n * float64(24*time.Hour))
	} else {
		var err error
		if d, err = time.ParseDuration(s); err != nil {
			return 0, bad
		}
	}
	if d <= 0 {
		return 0, bad
	}
	return d, nil
}
